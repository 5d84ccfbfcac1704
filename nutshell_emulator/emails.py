"""Emails in the emulator: which timelines they are on, how they are filed, their REST shape.

An email is stored as an :class:`~nutshell_core.model.EmailMessage` carrying the records it is
filed on (``contacts``, ``users``, ``leads``, ``accounts``), as the legacy API returns them. The
rules here are shared by both fronts and the seed:

* **timelines** (:func:`timeline_links`): a note is on its parent's timeline, an activity on
  those of its leads and participants, an email on those of the records it is filed on. The
  JSON-RPC ``findTimeline`` and the REST ``GET /events?entity_id=`` both read this;
* **filing by address** (:func:`file_email`): every address of an email is matched to the
  oldest contact with that address, else to the user, else to the oldest company with it; the
  email is filed on every contact, user and company with one of its addresses (the recorded
  email to ``bar@baz.com`` is filed on both contacts with that address, its ``to`` names the
  older one) and on the leads given;
* **the REST shape** (:func:`email_to_rest`): the recorded ``emails`` payload of
  ``read/events/1-first-page.json``, key for key, with an ``excerpt`` instead of the body.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Final

import attrs

from nutshell_core.model import (
    UNSET,
    Account,
    Activity,
    Contact,
    Correspondent,
    EmailMessage,
    Note,
    Record,
    Ref,
    User,
    entity_class,
)

if TYPE_CHECKING:
    from nutshell_emulator.rest_present import RestPresenter
    from nutshell_emulator.store import Store

__all__ = [
    "EXCERPT_LENGTH",
    "MATCHED",
    "email_to_rest",
    "excerpt",
    "file_email",
    "match_address",
    "on_timeline",
    "timeline_links",
    "timeline_subjects",
    "timeline_time",
]

#: The longest excerpt REST sends, marker included: the recorded one is 252 characters of
#: text and "..." (PHP's ``mb_strimwidth($body, 0, 255, "...")``).
EXCERPT_LENGTH: Final = 255
_MARKER: Final = "..."


def excerpt(body: str) -> str:
    """The REST ``excerpt`` of an email body: the body itself when it fits, else its first
    252 characters and ``"..."``."""
    if len(body) <= EXCERPT_LENGTH:
        return body
    return body[: EXCERPT_LENGTH - len(_MARKER)] + _MARKER


def _refs(value: object) -> tuple[Ref, ...]:
    return value if isinstance(value, tuple) else ()


def timeline_links(record: Record) -> tuple[Ref, ...]:
    """The records on whose timeline ``record`` appears (empty for other kinds of record)."""
    if isinstance(record, Note):
        return (record.parent,) if isinstance(record.parent, Ref) else ()
    if isinstance(record, Activity):
        return (*_refs(record.leads), *_refs(record.participants))
    if isinstance(record, EmailMessage):
        return (
            *_refs(record.contacts),
            *_refs(record.leads),
            *_refs(record.accounts),
            *_refs(record.users),
        )
    return ()


def on_timeline(item: Record, record: Record) -> bool:
    """Whether ``item`` (a note, activity or email) is on ``record``'s timeline."""
    return any(ref.entity == record.entity and ref.id == record.id for ref in timeline_links(item))


def timeline_time(record: Record) -> datetime | None:
    """When a timeline item happened: an activity's start, a note's date, an email's sending,
    else the record's creation."""
    if isinstance(record, Activity):
        return record.start_time if isinstance(record.start_time, datetime) else None
    when = getattr(record, "sent_time" if isinstance(record, EmailMessage) else "date", None)
    if isinstance(when, datetime):
        return when
    created = record.created_time
    return created if isinstance(created, datetime) else None


# -- filing ---------------------------------------------------------------------------------------


_Addressed = Contact | User | Account


def _has_address(record: _Addressed, address: str) -> bool:
    wanted = address.casefold()
    emails = record.emails if isinstance(record.emails, tuple) else ()
    if isinstance(record, User):
        return any(isinstance(e, str) and e.casefold() == wanted for e in emails)
    return any(not isinstance(e, str) and e.value.casefold() == wanted for e in emails)


def _ref(record: Record) -> Ref:
    return Ref(entity=record.entity, id=record.id, name=getattr(record, "name", UNSET))


#: Whose addresses an email's addresses are matched to, in order of preference.
MATCHED: Final = (Contact, User, Account)


def match_address(store: Store, address: str) -> Ref | None:
    """The record an address belongs to: the oldest contact with it, else the user, else the
    oldest company."""
    for cls in MATCHED:
        for record in store.all(cls):
            if isinstance(record, MATCHED) and _has_address(record, address):
                return _ref(record)
    return None


def _with_addresses(store: Store, cls: type[_Addressed], addresses: Sequence[str]) -> list[Ref]:
    return [
        _ref(record)
        for record in store.all(cls)
        if any(_has_address(record, address) for address in addresses)
    ]


def file_email(
    store: Store,
    email: EmailMessage,
    *,
    leads: Iterable[Ref] = (),
    accounts: Iterable[Ref] = (),
) -> EmailMessage:
    """``email`` with each address matched to its record and filed on every contact, user and
    company with one of its addresses, plus the ``leads`` and ``accounts`` given."""

    def matched(items: object) -> tuple[Correspondent, ...]:
        parties = items if isinstance(items, tuple) else ()
        return tuple(attrs.evolve(c, entity=match_address(store, c.address)) for c in parties)

    parties = (*_parties(email.from_), *_parties(email.to), *_parties(email.cc))
    addresses = [c.address for c in parties]
    return attrs.evolve(
        email,
        from_=matched(email.from_),
        to=matched(email.to),
        cc=matched(email.cc),
        contacts=tuple(_with_addresses(store, Contact, addresses)),
        users=tuple(_with_addresses(store, User, addresses)),
        leads=tuple(leads),
        accounts=tuple(_merged(list(accounts), _with_addresses(store, Account, addresses))),
    )


def _merged(first: list[Ref], second: Iterable[Ref]) -> list[Ref]:
    out = list(first)
    for ref in second:
        if all(ref.id != o.id for o in out):
            out.append(ref)
    return out


def _parties(value: object) -> tuple[Correspondent, ...]:
    items = value if isinstance(value, tuple) else ()
    return tuple(c for c in items if isinstance(c, Correspondent))


# -- the REST shape ---------------------------------------------------------------------------


def _unix(moment: object) -> int | None:
    if not isinstance(moment, datetime):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return math.floor(moment.timestamp())


def _mailbox(item: Correspondent) -> str:
    display = item.display if isinstance(item.display, str) else ""
    if not display or display == item.address:
        return item.address
    return f"{display} <{item.address}>"


def email_to_rest(present: RestPresenter, email: EmailMessage) -> dict[str, Any]:
    """One email in the recorded REST shape."""
    assert isinstance(email.id, int)
    wire_id = f"{email.id}-{EmailMessage.rest_type}"
    body = email.body if isinstance(email.body, str) else ""
    path = f"/email/{email.id}"
    return {
        "id": wire_id,
        "type": EmailMessage.rest_type,
        "href": present.href(EmailMessage.rest_type, wire_id),
        "sentTime": _unix(email.sent_time),
        "createdTime": _unix(email.created_time),
        "deletedTime": _unix(email.deleted_time),
        "subject": email.subject if isinstance(email.subject, str) else "",
        "excerpt": excerpt(body),
        "failedToSend": False,
        "shareable": False,
        "shared": True,
        "numViews": None,
        "isAutomatedReply": False,
        "isEmailAutomation": False,
        "htmlUrl": f"{present.app_url}{path}",
        "htmlUrlPath": path,
        "links": {
            "comments": [],
            "from": [_mailbox(c) for c in _parties(email.from_)],
            "to": [_mailbox(c) for c in _parties(email.to)],
            "cc": [_mailbox(c) for c in _parties(email.cc)],
            "files": [],
            "emailQueued": None,
            "edition": None,
        },
    }


def timeline_subjects(store: Store, entity: str, record_id: int) -> list[str]:
    """The REST ids an event about ``entity`` ``record_id`` is related to: the record itself
    and the records on whose timeline it is (from the trash when it was deleted)."""
    own = f"{record_id}-{_rest_type(entity)}"
    try:
        cls = entity_class(entity)
    except LookupError:
        return [own]
    record = store.find(cls, record_id) or store.trashed(cls, record_id)
    if record is None:
        return [own]
    linked = [
        f"{ref.id}-{_rest_type(ref.entity)}"
        for ref in timeline_links(record)
        if isinstance(ref.id, int)
    ]
    return [own, *linked]


def _rest_type(entity: str) -> str:
    try:
        return entity_class(entity).rest_type
    except LookupError:
        return entity
