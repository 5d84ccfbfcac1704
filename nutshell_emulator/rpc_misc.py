"""JSON-RPC handlers for the legacy API's miscellaneous methods.

``findOrigins``, ``findDelays``, ``findSettings``, ``editStep``, ``getUpdateTimes``,
``getMobileSettings``, ``findBackups``, ``newBackup``, ``instanceData``, ``newEmail`` and
``addEmail``. None of their results is recorded; every shape here is a guess listed in
:mod:`nutshell_emulator.assumptions` ("json-rpc misc"). What they answer comes from the store:

* **origins** are the API keys the store knows: one origin per user holding a key (the REST
  events name such writers ``origins``);
* **delays** and **steps** belong to processes, which the model keeps only as a lead's pipeline
  and stage: there are no delays to list and every step id is unknown (404);
* **settings** are read from the store's reference data (the default pipeline and market);
* **update times** are the newest event-log time per entity type;
* **backups** are kept per store (like the REST-only side book): ``newBackup`` records one,
  ``findBackups`` lists them;
* **emails** (``newEmail`` / ``addEmail``) are parsed from RFC 822 text with the standard
  library, filed by address like any other email and answered in ``getEmail``'s shape.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from email.headerregistry import AddressHeader, BaseHeader
from email.message import EmailMessage as MimeMessage
from typing import TYPE_CHECKING, Any, Final

from nutshell_core.errors import NotFoundError
from nutshell_core.model import (
    Correspondent,
    EmailMessage,
    Market,
    Record,
    Stageset,
    User,
    entity_class,
)
from nutshell_emulator.emails import file_email
from nutshell_emulator.rest_present import INSTANCE_ID, SITE_ID
from nutshell_emulator.store import Store
from nutshell_rpc.convert import value_to_rpc
from nutshell_rpc.inputs import bad_input, read_int, read_text

if TYPE_CHECKING:
    from nutshell_emulator.rpc_front import Call, EmulatorBackend

__all__ = ["HANDLERS", "TIME_ZONE", "backups", "parse_email"]

#: The time zone the emulator reports: it keeps no per-user zone and speaks UTC throughout.
TIME_ZONE: Final = "UTC"

#: What a backup's status reads: the emulator's backups complete as they are made.
BACKUP_DONE: Final = "complete"

Item = dict[str, Any]

# -- find-std over plain items --------------------------------------------------------------------


def _page(call: Call, items: list[Item], keys: Sequence[str]) -> list[Item]:
    """Order and page plain stubs as a ``find*`` does (``orderBy`` among ``keys``)."""
    params = call.params
    direction = params.get("orderDirection", "ASC")
    if not isinstance(direction, str) or direction.upper() not in ("ASC", "DESC"):
        raise bad_input("orderDirection", "expected ASC or DESC")
    order_by = params.get("orderBy")
    if order_by is not None:
        if order_by not in keys:
            raise bad_input("orderBy", f"cannot order by {order_by!r}; use one of: {keys}")
        # Missing values last, ties by id, as the record finds order.
        items = sorted(
            items, key=lambda i: (i.get(order_by) is None, str(i.get(order_by) or ""), i["id"])
        )
        if direction.upper() == "DESC":
            items.reverse()
    limit = _positive(params.get("limit", 50), "limit")
    page = _positive(params.get("page", 1), "page")
    return items[(page - 1) * limit : page * limit]


def _positive(value: Any, field: str) -> int:
    number = read_int(value, field)
    if number < 1:
        raise bad_input(field, "must be 1 or more")
    return number


def _time(moment: object) -> Any:
    return value_to_rpc(moment) if isinstance(moment, datetime) else None


# -- origins, delays, settings, steps -------------------------------------------------------------


def _find_origins(backend: EmulatorBackend, call: Call) -> Any:
    """One origin per user holding an API key, named after the key's user."""
    store = backend.store
    # Only the users the keys belong to are read; the key digests themselves are not used.
    holders = store.key_holders()
    items: list[Item] = []
    for user_id in holders:
        user = store.find(User, user_id)
        if user is None:
            continue
        items.append(
            {
                "stub": True,
                "id": user_id,
                "rev": user.rev,
                "entityType": "Origins",
                "name": f"API key of {user.name}",
                "modifiedTime": _time(user.modified_time),
                "createdTime": _time(user.created_time),
            }
        )
    return _page(call, items, ("name", "id"))


def _find_delays(_backend: EmulatorBackend, call: Call) -> Any:
    """The delays of the default process: the model keeps no process steps, so none."""
    return _page(call, [], ("id",))


def _settings(store: Store) -> list[tuple[str, Any]]:
    default = next((s for s in store.all(Stageset) if s.is_default is True), None)
    markets = store.all(Market)
    return [
        ("defaultStagesetId", default.id if default is not None else None),
        ("defaultMarketId", markets[0].id if markets else None),
        ("timeZone", TIME_ZONE),
    ]


def _find_settings(backend: EmulatorBackend, call: Call) -> Any:
    items = [
        {"stub": True, "id": number, "rev": "0", "entityType": "Settings", "name": name, "value": v}
        for number, (name, v) in enumerate(_settings(backend.store), start=1)
    ]
    return _page(call, items, ("id", "name"))


def _edit_step(_backend: EmulatorBackend, call: Call) -> Any:
    """Input is checked as for any edit; then the step is unknown (no steps are stored)."""
    step_id = read_int(call.params.get("stepId"), "stepId")
    read_text(call.params.get("rev"), "rev")
    step = call.params.get("step")
    if not isinstance(step, Mapping):
        raise bad_input("step", "expected an object")
    raise NotFoundError(f"Steps {step_id} not found", status=404, code=404, target="Step")


# -- instance, mobile settings, update times ------------------------------------------------------


def _update_times(backend: EmulatorBackend, _call: Call) -> Any:
    """The newest write per entity type, from the store's event log, by RPC type."""
    newest: dict[str, datetime] = {}
    for event in backend.store.events():
        try:
            rpc_type = entity_class(event.entity).rpc_type
        except LookupError:
            continue
        if rpc_type not in newest or event.time > newest[rpc_type]:
            newest[rpc_type] = event.time
    return {name: value_to_rpc(when) for name, when in sorted(newest.items())}


def _mobile_settings(backend: EmulatorBackend, call: Call) -> Any:
    user = call.user
    hosts = backend.discover(user.name if user is not None and isinstance(user.name, str) else "")
    return {
        "host": hosts["mobile"],
        "userId": user.id if user is not None else None,
        "timeZone": TIME_ZONE,
    }


def _instance_data(_backend: EmulatorBackend, _call: Call) -> Any:
    return {"instanceId": INSTANCE_ID, "siteId": SITE_ID}


# -- backups --------------------------------------------------------------------------------------

_BACKUPS: Final[weakref.WeakKeyDictionary[Store, list[Item]]] = weakref.WeakKeyDictionary()


def backups(store: Store) -> list[Item]:
    """The backups made on ``store``, oldest first (kept beside it, not in snapshots)."""
    with store.lock:
        return _BACKUPS.setdefault(store, [])


def _new_backup(backend: EmulatorBackend, _call: Call) -> Any:
    made = backups(backend.store)
    backup = {
        "id": len(made) + 1,
        "entityType": "Backups",
        "time": value_to_rpc(backend.store.now()),
        "status": BACKUP_DONE,
    }
    made.append(backup)
    return dict(backup)


def _find_backups(backend: EmulatorBackend, _call: Call) -> Any:
    return [dict(item) for item in backups(backend.store)]


# -- emails ---------------------------------------------------------------------------------------

_FIELD: Final = "emailString"


def _parties(message: MimeMessage, header: str) -> tuple[Correspondent, ...]:
    value = message.get(header)
    if value is None:
        return ()
    # The parsed header is both kinds at once: BaseHeader carries the defects, AddressHeader
    # the addresses.
    defects = value.defects if isinstance(value, BaseHeader) else ()
    if not isinstance(value, AddressHeader) or defects:
        raise bad_input(_FIELD, f"the {header} header is not a list of addresses")
    out = []
    for address in value.addresses:
        if not address.username or not address.domain:
            raise bad_input(_FIELD, f"the {header} header holds an invalid address")
        spec = address.addr_spec
        out.append(Correspondent(address=spec, display=address.display_name or spec))
    return tuple(out)


def _sent_time(message: MimeMessage, now: datetime) -> datetime:
    raw = message.get("Date")
    if raw is None:
        return now
    try:
        when = email.utils.parsedate_to_datetime(str(raw))
    except (TypeError, ValueError):
        raise bad_input(_FIELD, "the Date header is not an RFC 822 date") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).replace(microsecond=0)


def _body(message: MimeMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, KeyError):
        raise bad_input(_FIELD, "the body cannot be decoded") from None
    text = content if isinstance(content, str) else ""
    return text.rstrip("\r\n")


def parse_email(text: Any, now: datetime) -> EmailMessage:
    """An unfiled :class:`EmailMessage` from RFC 822 ``text`` (400 naming ``emailString``).

    A text needs headers, a body after a blank line and a From header; a missing Date is
    ``now``, a missing Subject is empty.
    """
    if not isinstance(text, str) or not text.strip():
        raise bad_input(_FIELD, "expected the RFC 822 text of an email")
    message = email.message_from_string(text, policy=email.policy.default)
    assert isinstance(message, MimeMessage)  # the default policy builds these
    if message.defects:
        names = ", ".join(type(d).__name__ for d in message.defects)
        raise bad_input(_FIELD, f"not an RFC 822 message ({names})")
    sender = _parties(message, "From")
    if not sender:
        raise bad_input(_FIELD, "an email needs a From header")
    subject = message.get("Subject")
    return EmailMessage(
        subject=str(subject) if subject is not None else "",
        body=_body(message),
        sent_time=_sent_time(message, now),
        from_=sender,
        to=_parties(message, "To"),
        cc=_parties(message, "Cc"),
    )


def _new_email(backend: EmulatorBackend, call: Call) -> Any:
    store = backend.store
    parsed = parse_email(call.params.get(_FIELD), store.now())
    stored = store.insert(file_email(store, parsed), actor=call.actor)
    found: Record = store.get(EmailMessage, _id(stored))
    return backend.presenter.full(found)


def _id(record: Record) -> int:
    assert isinstance(record.id, int)  # the store assigns integer ids
    return record.id


#: Method name -> handler, merged into the JSON-RPC front's special cases.
HANDLERS: Final[Mapping[str, Callable[[EmulatorBackend, Call], Any]]] = {
    "findOrigins": _find_origins,
    "findDelays": _find_delays,
    "findSettings": _find_settings,
    "editStep": _edit_step,
    "getUpdateTimes": _update_times,
    "getMobileSettings": _mobile_settings,
    "instanceData": _instance_data,
    "newBackup": _new_backup,
    "findBackups": _find_backups,
    "newEmail": _new_email,
    # RB's name for the same method: one handler.
    "addEmail": _new_email,
}
