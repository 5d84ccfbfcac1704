"""The legacy shape of an Email, as ``findTimeline`` and ``getEmail`` return it.

The layout copies the three emails of the recorded timeline (HULL ``api_findtimeline.json``),
key for key and type for type::

    id, entityType, createdTime, sentTime, to, from, cc, subject, body, contacts, users, leads

An email carries no ``rev`` and no ``modifiedTime`` (none of the recorded ones does). Each
sender and recipient is ``{address, display, entity}``: ``display`` is the name shown, the
address itself when there was no name (recorded: ``"display": "bar@baz.com"``), and ``entity``
the contact or user the address belongs to as ``{entityType, id}`` with a *string* id, or null.
``contacts``, ``users`` and ``leads`` are the stubs of the records the email is filed on.

No recording shows an email stub (nothing embeds emails); :func:`email_stub` is the full
record's head: ``stub, id, entityType, createdTime, sentTime, subject``.

The layouts are registered in :mod:`nutshell_rpc.shapes`' tables; this module only uses the
:class:`~nutshell_rpc.shapes.Presenter` handed to it, so it does not import that module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from nutshell_core.model import Correspondent, EmailMessage, Record, Ref
from nutshell_rpc._codecs import rpc_type_of

if TYPE_CHECKING:
    from nutshell_rpc.shapes import Presenter

__all__ = [
    "EMAIL_SOURCE_DEPENDENT",
    "FULL_LAYOUTS",
    "STUB_LAYOUTS",
    "correspondent",
    "email_full",
    "email_stub",
]

#: Keys of a full email that depend on scanning the presenter's source: the lead stubs (which
#: carry ``completion``, ``lastContactedDate``... computed from other records).
EMAIL_SOURCE_DEPENDENT: Final = ("leads",)


def _refs(value: object) -> tuple[Ref, ...]:
    return value if isinstance(value, tuple) else ()


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def correspondent(item: Correspondent) -> dict[str, Any]:
    """One sender or recipient: ``{address, display, entity}`` (entity ids are strings)."""
    display = item.display if isinstance(item.display, str) and item.display else item.address
    entity: dict[str, Any] | None = None
    if isinstance(item.entity, Ref) and isinstance(item.entity.id, int):
        entity = {"entityType": rpc_type_of(item.entity.entity), "id": str(item.entity.id)}
    return {"address": item.address, "display": display, "entity": entity}


def _parties(value: object) -> list[dict[str, Any]]:
    items = value if isinstance(value, tuple) else ()
    return [correspondent(item) for item in items if isinstance(item, Correspondent)]


def email_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    """The full email: what ``getEmail`` and ``findTimeline`` return."""
    assert isinstance(record, EmailMessage)
    return {
        "id": record.id,
        "entityType": EmailMessage.rpc_type,
        "createdTime": base.get("createdTime"),
        "sentTime": base.get("sentTime"),
        "to": _parties(record.to),
        "from": _parties(record.from_),
        "cc": _parties(record.cc),
        "subject": _text(record.subject),
        "body": _text(record.body),
        "contacts": p.links(_refs(record.contacts)),
        "users": p.links(_refs(record.users)),
        "leads": p.links(_refs(record.leads)),
    }


def email_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    """An email stub (unrecorded: the full record's head)."""
    assert isinstance(record, EmailMessage)
    return {
        "stub": True,
        "id": record.id,
        "entityType": EmailMessage.rpc_type,
        "createdTime": base.get("createdTime"),
        "sentTime": base.get("sentTime"),
        "subject": _text(record.subject),
    }


_Layout = Callable[["Presenter", Record, dict[str, Any]], dict[str, Any]]

#: Entries for the presenter's full and stub layout tables.
FULL_LAYOUTS: Final[Mapping[type[Record], _Layout]] = {EmailMessage: email_full}
STUB_LAYOUTS: Final[Mapping[type[Record], _Layout]] = {EmailMessage: email_stub}
