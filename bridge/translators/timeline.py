"""Emails and the timeline: ``getEmail`` and ``findTimeline`` answered through REST.

* ``getEmail(emailId)`` reads ``GET /emails/{id}``;
* ``findTimeline({entityType, id})`` lists the record's activities, notes and emails: one
  request per record type, whatever the number of records. Activities come from
  ``GET /activities`` filtered by the record (``filter[leads]`` for a lead, the documented
  ``filter[participant]`` for a contact or company), notes from ``GET /notes?filter[parent]``
  (as the bridge's completion reads a record's notes), emails from the event feed,
  ``GET /events?entity_id=<record>&filters[payload][]=emails``: REST has no email list, and the
  feed is what Nutshell's timelines are built from (its payloads are the emails). The record
  itself is read first (``GET /<type>/{id}``), so a missing one is "not found" on both routes.
  Items are ordered and paged here, as the RPC API orders them.

A REST email names its senders and recipients by address only (``"Name <a@x>"``) and is not
linked to any record, while the legacy email names the contact, user or company of each
address and lists the contacts, users and leads it is filed on. The bridge files it as
Nutshell does (the emulator's rule, see its assumptions): each address goes to the oldest
contact with it, else the user with it (from the reference cache), else the oldest company;
the email lists every contact and user with one of its addresses. Contacts and companies are
found by address in one request each (``filter[email][]``) for all the emails of an answer.
What REST cannot tell at all is declared below as differences.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import attrs

from bridge.complete import note_author
from bridge.context import BridgeContext
from bridge.registry import Difference, Translator
from bridge.translators import _queries as q
from bridge.translators._queries import Order, Unbridgeable
from bridge.translators._shared import REV, instants
from nutshell_core.catalog import REQUIRED, RPC_METHODS, RpcMethod
from nutshell_core.errors import NotBridgeable, NotFoundError
from nutshell_core.model import (
    UNSET,
    Account,
    Activity,
    Contact,
    Correspondent,
    EmailMessage,
    Lead,
    Note,
    Record,
    Ref,
    User,
)
from nutshell_rest.envelope import Event
from nutshell_rest.query import MAX_PAGE_LIMIT, Query
from nutshell_rpc.inputs import bad_input, read_id, read_int

__all__ = ["DIFFERENCES", "TIMELINE_TYPES", "TRANSLATORS"]

Params = Mapping[str, Any]
Run = Callable[[BridgeContext, Params], Any]

#: The records a timeline can be asked for, by RPC ``entityType``.
TIMELINE_TYPES: Final[Mapping[str, type[Record]]] = {
    "Leads": Lead,
    "Contacts": Contact,
    "Accounts": Account,
}

#: The REST client resource and the activity filter of each timeline type.
_RESOURCES: Final[Mapping[type[Record], tuple[str, str]]] = {
    Lead: ("leads", "leads"),
    Contact: ("contacts", "participant"),
    Account: ("accounts", "participant"),
}

#: ``orderBy`` keys of ``findTimeline``: the attribute is read by :func:`_time`.
_ORDERS: Final[Mapping[str, Order]] = {"time": Order(attr="time"), "id": Order(attr="id")}

#: Event pages read for one timeline at most (a bound, never reached in practice).
_MAX_EVENT_PAGES: Final = 20


def _refused(method: str, reason: str) -> NotBridgeable:
    return NotBridgeable(f"{method} cannot be answered through REST: {reason}", method, reason)


def _with_defaults(row: RpcMethod, params: Params) -> dict[str, Any]:
    defaults = {p.name: p.default for p in row.params if p.default is not REQUIRED}
    return {**defaults, **params}


def _of(items: Iterable[object], cls: type[Record]) -> list[Record]:
    return [i for i in items if isinstance(i, cls) and isinstance(i.id, int)]


def _live(record: Record) -> bool:
    return not isinstance(record.deleted_time, datetime)


def _id(record: Record) -> int:
    assert isinstance(record.id, int)
    return record.id


# -- reading --------------------------------------------------------------------------------------


def _listed(
    context: BridgeContext, resource: str, cls: type[Record], key: str, value: Any
) -> list[Record]:
    """Every record of a REST collection matching one filter, page after page."""
    query = Query(rest_type=cls.rest_type).filter({key: value})
    pager = getattr(context.rest, resource).iterate(query, page_size=MAX_PAGE_LIMIT)
    return _of(pager, cls)


def _emails_of(context: BridgeContext, wire_id: str) -> list[EmailMessage]:
    """The live emails on a record's timeline: the ``emails`` payloads of its events."""
    found: dict[int, EmailMessage] = {}
    since: int = 0
    for _ in range(_MAX_EVENT_PAGES):
        envelope = context.rest.events.list(
            since_id=since,
            limit=MAX_PAGE_LIMIT,
            payload_types=("emails",),
            params={"entity_id": wire_id},
        )
        for item in _of(envelope.included.get("payloads", ()), EmailMessage):
            assert isinstance(item, EmailMessage)
            found.setdefault(_id(item), item)
        ids = [e.id for e in envelope.records if isinstance(e, Event) and isinstance(e.id, int)]
        if len(envelope.records) < MAX_PAGE_LIMIT or not ids:
            break
        since = max(ids)
    return [found[i] for i in sorted(found) if _live(found[i])]


def _addresses(emails: Sequence[EmailMessage]) -> list[str]:
    out: dict[str, str] = {}
    for email in emails:
        for party in _parties(email):
            out.setdefault(party.address.casefold(), party.address)
    return list(out.values())


def _parties(email: EmailMessage) -> list[Correspondent]:
    return [
        party
        for value in (email.from_, email.to, email.cc)
        for party in (value if isinstance(value, tuple) else ())
        if isinstance(party, Correspondent)
    ]


def _has(record: Record, address: str) -> bool:
    wanted = address.casefold()
    emails = getattr(record, "emails", ())
    for item in emails if isinstance(emails, tuple) else ():
        value = item if isinstance(item, str) else getattr(item, "value", None)
        if isinstance(value, str) and value.casefold() == wanted:
            return True
    return False


def _ref(record: Record) -> Ref:
    return Ref(entity=record.entity, id=record.id, name=getattr(record, "name", UNSET))


@attrs.frozen
class _Owners:
    """The records addresses belong to, in the order an address is matched to them."""

    contacts: tuple[Record, ...]
    users: tuple[Record, ...]
    accounts: tuple[Record, ...]

    def matched(self, address: str) -> Ref | None:
        for group in (self.contacts, self.users, self.accounts):
            for record in group:
                if _has(record, address):
                    return Ref(entity=record.entity, id=record.id)
        return None

    def with_any(self, group: tuple[Record, ...], addresses: Sequence[str]) -> tuple[Ref, ...]:
        return tuple(_ref(r) for r in group if any(_has(r, a) for a in addresses))


def _owners(context: BridgeContext, addresses: Sequence[str]) -> _Owners:
    """Contacts and companies with one of ``addresses`` (one request each), and users."""
    users = tuple(r for _, r in sorted(context.cache.records(User).items()))
    if not addresses:
        return _Owners((), users, ())
    contacts = _listed(context, "contacts", Contact, "email", list(addresses))
    accounts = _listed(context, "accounts", Account, "email", list(addresses))
    return _Owners(tuple(sorted(contacts, key=_id)), users, tuple(sorted(accounts, key=_id)))


def _filed(
    context: BridgeContext, emails: Sequence[EmailMessage], on: Record | None = None
) -> tuple[list[EmailMessage], list[Record]]:
    """The emails as the legacy API shows them, and the contacts and companies they name.

    Each address is matched to its record and the email filed on every contact and user with
    one of its addresses; on a lead's timeline the email is filed on that lead. The body is
    the excerpt, the only text REST gives (the whole body when it is short).
    """
    owners = _owners(context, _addresses(emails))

    def matched(value: object) -> tuple[Correspondent, ...]:
        items = value if isinstance(value, tuple) else ()
        return tuple(attrs.evolve(p, entity=owners.matched(p.address)) for p in items)

    out = []
    for email in emails:
        addresses = [p.address for p in _parties(email)]
        out.append(
            attrs.evolve(
                email,
                from_=matched(email.from_),
                to=matched(email.to),
                cc=matched(email.cc),
                body=email.excerpt if isinstance(email.excerpt, str) else "",
                contacts=owners.with_any(owners.contacts, addresses),
                users=owners.with_any(owners.users, addresses),
                leads=(_ref(on),) if isinstance(on, Lead) else (),
            )
        )
    return out, [*owners.contacts, *owners.accounts]


# -- getEmail ---------------------------------------------------------------------------------


def _get_email(context: BridgeContext, params: Params) -> Any:
    email_id = read_int(params.get("emailId"), "emailId")
    if email_id < 1:
        raise NotFoundError(f"Emails {email_id} not found", status=404, code=404)
    envelope = context.rest.emails.get_many([email_id])
    found = _of(envelope.records, EmailMessage)
    if len(found) != 1:
        raise NotFoundError(f"Emails {email_id} not found", status=404, code=404)
    assert isinstance(found[0], EmailMessage)
    emails, named = _filed(context, [found[0]])
    return context.present_one(emails[0], included=named)


# -- findTimeline -----------------------------------------------------------------------------


def _time(record: Record) -> datetime | None:
    """When a timeline item happened, as the RPC API orders by ``time``: an activity's start,
    an email's sending, else the record's creation (REST notes carry no separate date)."""
    if isinstance(record, Activity):
        return record.start_time if isinstance(record.start_time, datetime) else None
    if isinstance(record, EmailMessage) and isinstance(record.sent_time, datetime):
        return record.sent_time
    return record.created_time if isinstance(record.created_time, datetime) else None


def _ordered(items: list[Record], order: Order | None, *, descending: bool) -> list[Record]:
    """The RPC API's order: missing values last, ties by id (then as listed), DESC reversed."""
    if order is None:
        return items

    def key(record: Record) -> tuple[bool, Any, int]:
        value = _time(record) if order.attr == "time" else record.id
        return (value is None, value, _id(record))

    ordered = sorted(items, key=key)
    if descending:
        ordered.reverse()
    return ordered


def _timeline_of(row: RpcMethod) -> Run:
    def run(context: BridgeContext, params: Params) -> Any:
        p = _with_defaults(row, params)
        query = p.get("query")
        if not isinstance(query, Mapping):
            raise bad_input("query", "expected {entityType, id}")
        cls = TIMELINE_TYPES.get(str(query.get("entityType")))
        if cls is None:
            raise bad_input("query.entityType", "expected Leads, Contacts or Accounts")
        record_id = read_id(query, "query")
        if record_id < 1:
            raise NotFoundError(f"{cls.rpc_type} {record_id} not found", status=404, code=404)
        resource, activity_key = _RESOURCES[cls]
        # The RPC API looks the record up before it reads the paging parameters.
        envelope = getattr(context.rest, resource).get_many([record_id])
        found = _of(envelope.records, cls)
        if len(found) != 1:
            raise NotFoundError(f"{cls.rpc_type} {record_id} not found", status=404, code=404)
        record = found[0]
        try:
            paging = q.read_paging(p, _ORDERS, full=True, by_rest=False)
        except Unbridgeable as exc:
            raise _refused(row.name, exc.reason) from None
        wire_id = f"{record_id}-{cls.rest_type}"
        notes = _listed(context, "notes", Note, "parent", [wire_id])
        activities = _listed(context, "activities", Activity, activity_key, [wire_id])
        emails, named = _filed(context, _emails_of(context, wire_id), on=record)
        # Listed as the RPC API lists them before ordering: notes, activities, then emails.
        items: list[Record] = [
            context.named(note_author(r))
            for r in (
                *sorted(notes, key=_id),
                *sorted(activities, key=_id),
                *emails,
            )
        ]
        chosen = paging.slice(_ordered(items, paging.order, descending=paging.descending))
        side = [*named, *(r for loaded in envelope.included.values() for r in _of(loaded, Record))]
        if not isinstance(record, Lead):
            # A lead shown as a stub needs its own activities, tasks and account, which the
            # completion reads only for records it fetches itself: so a lead is not handed in.
            side.append(record)
        return context.present(chosen, stub=False, included=side)

    return run


# -- declared differences ---------------------------------------------------------------------
# Measured on the seeded emulator (tests/bridge/test_timeline.py checks that each one occurs
# and that nothing else differs). In a timeline, ``$[*].leads`` also names activities' leads:
# the test compares activities and notes alone, where nothing but revs differs.

_BODY = (
    "REST gives an email's excerpt, not its body: a body longer than 255 characters comes back "
    "as its first 252 characters and '...'"
)
_LEADS = (
    "REST does not link an email to leads; the bridge lists only the lead whose timeline is "
    "read, so getEmail and the timelines of contacts and companies list none"
)
_FILED = (
    "REST names an email's senders and recipients by address only; the bridge matches each "
    "address to the records that have it now, while the RPC API keeps the records it matched "
    "when the email was stored (they differ once an address changes)"
)


def _email_paths(prefix: str) -> tuple[Difference, ...]:
    return (
        Difference(f"{prefix}.body", _BODY),
        Difference(f"{prefix}.leads", _LEADS),
        Difference(f"{prefix}.contacts", _FILED),
        Difference(f"{prefix}.users", _FILED),
        *(Difference(f"{prefix}.{key}[*].entity", _FILED) for key in ("to", "from", "cc")),
    )


_TRASHED = Difference(
    "param:emailId",
    "a deleted email: the RPC API still returns it (with deletedTime); REST answers 404, so the "
    "bridge raises NotFoundError",
)
_ORDER = Difference(
    "param:orderBy",
    "'time' and 'id' only, ordered and paged by the bridge over every item of the timeline; "
    "other keys raise NotBridgeable",
)

#: Per method, the result paths (and parameters) where the bridged answer differs, and why.
DIFFERENCES: Final[Mapping[str, tuple[Difference, ...]]] = {
    "getEmail": (REV, *_email_paths("$"), _TRASHED),
    "findTimeline": (
        REV,
        *_email_paths("$[*]"),
        *instants("$..dueTime", "$..startTime", "$..endTime"),
        _ORDER,
    ),
}

_OPERATIONS: Final[Mapping[str, tuple[tuple[str, str], ...]]] = {
    "getEmail": (("GET", "/emails/{id}"), ("GET", "/contacts"), ("GET", "/accounts")),
    "findTimeline": (
        ("GET", "/leads/{id}"),
        ("GET", "/contacts/{id}"),
        ("GET", "/accounts/{id}"),
        ("GET", "/activities"),
        ("GET", "/notes"),
        ("GET", "/events"),
        ("GET", "/contacts"),
        ("GET", "/accounts"),
    ),
}


def _translators() -> tuple[Translator, ...]:
    runs: Mapping[str, Run] = {
        "getEmail": _get_email,
        "findTimeline": _timeline_of(RPC_METHODS["findTimeline"]),
    }
    return tuple(
        Translator.answering(
            name,
            rest_operations=_OPERATIONS[name],
            differences=DIFFERENCES[name],
            run=run,
        )
        for name, run in runs.items()
    )


#: The translators of this module.
TRANSLATORS: tuple[Translator, ...] = _translators()
