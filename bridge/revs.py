"""Revs across routes: a stale rev fails with 409 whichever API issued it.

The JSON-RPC API guards edits with a rev; the REST API has none and its records carry no
modification marker. So a result the bridge answers through REST carries a *bridge rev*: a
digest of the record's typed content (``"b:1f0c…"``). The rule for an edit or delete is then
the same on both routes:

* ``REV_IGNORE`` skips the check, as in the RPC API — only when the caller passed it;
* a bridge rev is checked by re-reading the record through REST and comparing digests;
* an RPC rev (digits) is checked through the RPC API when the bridge has an RPC client, and
  refused with :class:`~nutshell_core.errors.NotBridgeable` when it has none — never ignored.

A stale rev raises the RPC API's own error: ``ConflictError("rev key is out-of-date")``, 409.

No lost updates
---------------

The RPC API checks the rev inside the write itself. REST has no conditional write (no rev, no
``If-Match``), so a REST-routed edit is a check followed by an unconditional write, and a write
landing between the two would be overwritten without a 409. Three things close that gap:

1. *Within this process* every edit and delete, on either route, holds the record's lock from
   :data:`bridge.locks.RECORD_LOCKS` around its check and its write, so no other bridge, proxy
   caller or thread of this process can write the record in between (an RPC-routed edit takes
   the same lock: the RPC API cannot see the REST route's check).
2. *Right before the first write* (:meth:`WriteGuard.writing`) the bridge notes the newest event
   of the record in ``GET /events``, re-reads the record and compares its digest with the one
   the rev check accepted. A change since the check (by a writer outside this process) is
   refused with a 409 that says nothing was written.
3. *After the writes* the bridge lists the record's events since that mark. More events than
   write requests it sent to the record means someone else wrote it meanwhile: the call fails
   with a 409 whose message (and ``data["applied"]``) says the bridge's write *was* applied and
   may have overwritten that change, naming the events, instead of being acknowledged.

The window that remains, and why: a writer *outside this process* (the Nutshell app, another
process, a direct JSON-RPC client) whose write lands in the one round trip between the re-read
(2) and the bridge's write can still be overwritten in the fields both writes set. REST offers
nothing to prevent that, only to notice it afterwards, and noticing relies on the event log:
it assumes one event per write request on the record (what the emulator does; Nutshell's list
of event triggers is documented as partial), it cannot tell whether the other write came just
before or just after the bridge's own (both are reported, with "applied"), and when the event
log cannot be read (no permission, an error after the write) the write is acknowledged as
before and a warning is logged. ``REV_IGNORE`` (or a null rev) opts out of all of this, as it
opts out of the check over RPC. The RPC route has no window: the server checks the rev itself.

For the README: *a stale rev fails with 409 on either route; within one process edits of a
record are serialized so none is lost, and a REST-routed write that overlaps a change made
outside the process (REST has no conditional writes) is answered with a 409 saying whether the
bridge's write was applied, whenever the event log shows it.*
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import operator
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import attrs

from nutshell_core.errors import (
    ConflictError,
    NotFoundError,
    NutshellError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from nutshell_core.model import (
    UNSET,
    Activity,
    ActivityStatus,
    Record,
    Ref,
    Unset,
    entity_class,
)
from nutshell_rest import Event, RestClient
from nutshell_rest.tracking import RequestLog, track_requests

__all__ = [
    "PREFIX",
    "REV_IGNORE",
    "WriteGuard",
    "bare_rev_token",
    "conflict",
    "is_bridge_rev",
    "rev_token",
    "with_rev",
]

R = TypeVar("R", bound=Record)

_log = logging.getLogger(__name__)

REV_IGNORE = "REV_IGNORE"
PREFIX = "b:"

# Fields that say when or how a record was seen, not what it holds (times may be filled in
# from the event log after a read, which must not change the digest); and fields the server
# works out that change with no write to the record (a lead turns overdue as the clock passes
# its due time; logging an activity with a record moves its last contact). The RPC API's rev
# counts writes, and none of these can be written (they are output-only in every legacy
# write): a rev that moved with them would refuse an edit with a 409 the RPC API never sends.
_VOLATILE = frozenset(
    {
        "memo",
        "rev",
        "stub",
        "created_time",
        "modified_time",
        "record",
        "is_overdue",
        "last_contacted_time",
    }
)


Canonical = Callable[[Any], Any]


class _Rules(dict[type, Canonical]):
    """Per type, how a value the JSON encoder cannot spell is canonicalized. Which rule
    applies depends only on a value's type, so the choice is made once per type (on the
    first lookup that misses) instead of walking every check per value."""

    def __missing__(self, cls: type) -> Canonical:
        rule = self[cls] = _rule_for(cls)
        return rule


_BY_TYPE = _Rules()

#: The canonical form of an unset value.
_UNSET_FORM = "<unset>"


def _as_text(value: Any) -> str:
    # Anything without a rule digests by its text, never by its repr (which may hold an
    # address that differs between processes).
    return str(value)


def _rule_for(cls: type) -> Canonical:
    """The canonical form of values of ``cls`` (the rules, in the order they apply).

    Only types the JSON encoder does not spell itself get here (its ``default`` hook): plain
    values, lists, tuples and string-keyed dicts are written by the C encoder directly.
    """
    if cls is Unset:
        return lambda _value: _UNSET_FORM
    if issubclass(cls, Enum):
        return lambda value: value.value
    if issubclass(cls, datetime):
        return lambda value: int(value.timestamp())
    if issubclass(cls, Decimal):
        return lambda value: ("dec", str(value.normalize()))
    if issubclass(cls, Mapping):
        return lambda value: {
            str(k): v for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
        }
    if issubclass(cls, Ref):
        # A link is its target and role. Its name is display data that readers fill in from
        # the reference cache, so it must not change the digest of the record holding it.
        # One string (its parts spelled unambiguously: the role, any text, last and quoted)
        # digests faster than a nested list.
        return lambda value: f"{value.entity}:{value.id!r}:{value.relationship!r}"
    if attrs.has(cls):
        names = tuple(f.name for f in attrs.fields(cls) if f.name not in _VOLATILE)
        if not names:
            return lambda _value: ()
        if len(names) == 1:
            return lambda value: (getattr(value, names[0]),)
        # One C call reads every field; the encoder writes the plain ones (most of a record)
        # and comes back here only for the others.
        fields = operator.attrgetter(*names)
        if issubclass(cls, Activity) and "status" in names:
            return _activity_form(fields, names.index("status"))
        return fields
    return _as_text


def _activity_form(fields: Callable[[Any], tuple[Any, ...]], status: int) -> Canonical:
    """An activity's fields, overdue spelled as scheduled: it turns overdue when its time
    passes, with no write (see _VOLATILE). The status is an int enum, which the encoder
    writes itself, so it is rewritten here, in the record's row."""

    def form(value: Any) -> Any:
        row = fields(value)
        if row[status] is not ActivityStatus.OVERDUE:
            return row
        changed = list(row)
        changed[status] = ActivityStatus.SCHEDULED
        return changed

    return form


def _default(value: Any) -> Any:
    return _BY_TYPE[type(value)](value)


#: Canonical content to text: the C encoder (nothing to check for cycles in a record), with
#: dict keys sorted, calling back only for values that are not plain JSON.
_ENCODE = json.JSONEncoder(
    check_circular=False,
    ensure_ascii=False,
    separators=(",", ":"),
    sort_keys=True,
    default=_default,
).encode


def _canonical_text(record: Record) -> str:
    try:
        return _ENCODE(record)
    except TypeError:
        # A dict keyed by something other than text (never in records Nutshell sends): its
        # keys spelled as text and sorted that way.
        return _ENCODE(_deep_text_keys(_default(record)))


def _deep_text_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            str(k): _deep_text_keys(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
        }
    if isinstance(value, tuple | list):
        return [_deep_text_keys(v) for v in value]
    if type(value) in (str, int, float, bool, type(None)):
        return value
    return _deep_text_keys(_default(value))


def rev_token(record: Record) -> str:
    """The bridge rev of a record: a digest of its typed content.

    The content is a nest of arrays and objects (text keys, sorted) of plain values in a
    fixed order, so its JSON spells it the same way in every process; that text is what is
    digested.
    """
    payload = _canonical_text(record)
    return PREFIX + hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def bare_rev_token(cls: type[Record], record_id: int) -> str:
    """The bridge rev of a bare link (a record of ``cls`` known only by its id): the rev of
    ``cls(id=record_id)``, worked out once per class and id."""
    return _bare_rev(cls.entity, record_id)


@functools.lru_cache(maxsize=4096)
def _bare_rev(entity: str, record_id: int) -> str:
    return rev_token(entity_class(entity)(id=record_id))


def with_rev(record: R) -> R:
    """The record carrying a bridge rev when it has none (the legacy API gives every record,
    nested ones too, a string rev)."""
    if record.rev is UNSET or record.rev is None:
        return attrs.evolve(record, rev=rev_token(record))
    return record


def is_bridge_rev(rev: object) -> bool:
    """True for a rev the bridge issued."""
    return isinstance(rev, str) and rev.startswith(PREFIX)


def conflict(method: str) -> ConflictError:
    """The RPC API's stale-rev error, raised the same way on every route."""
    return ConflictError("rev key is out-of-date", status=409, code=409, target=method)


#: Events read after a write beyond the bridge's own: enough to name what else happened.
_EXTRA_EVENTS = 20
#: The most events one page of ``GET /events`` holds.
_MAX_EVENTS = 100
#: Failures reading the event log that fail the call (nothing is written yet): any other read
#: fails the same way. Other errors (no permission for the log...) only turn step 3 off.
_TRANSIENT = (TransportError, ServerError, RateLimitedError)


class WriteGuard:
    """Steps 2 and 3 of the module docstring for one REST-routed edit or delete.

    ``checked`` is the record as the rev check accepted it; None when no rev was checked
    (``REV_IGNORE`` or null), which makes the guard do nothing. ``fetch`` reads the record again
    the way ``checked`` was read (raising :class:`~nutshell_core.errors.NotFoundError` when it is
    gone), so the two digests compare like with like. Use :meth:`writing` around the requests
    that write the record, inside the record's lock.
    """

    def __init__(
        self,
        rest: RestClient,
        *,
        method: str,
        cls: type[Record],
        record_id: int,
        checked: Record | None,
        fetch: Callable[[type[Record], int], Record],
    ) -> None:
        self._rest = rest
        self._fetch = fetch
        self._method = method
        self._cls = cls
        self._id = record_id
        self._checked = checked
        kind = cls.rest_type.lower()
        self._wire_id = f"{record_id}-{kind}"
        self._path = f"/{kind}/{self._wire_id}"

    def __repr__(self) -> str:
        return f"WriteGuard({self._method}, {self._cls.entity} {self._id})"

    @contextmanager
    def writing(self, *, when: bool = True) -> Iterator[RequestLog]:
        """Re-check right before the block's writes, then look for other writers after them.

        Raises :class:`~nutshell_core.errors.ConflictError` before the block when the record
        changed since the rev check (nothing written), and after it when the event log shows
        another write to the record in the meantime (the bridge's write applied). ``when``
        false says the block will not write the record itself, so there is nothing to guard.
        """
        if self._checked is None or not when:
            with track_requests() as log:
                yield log
            return
        mark = self._newest_event()
        try:
            now = self._fetch(self._cls, self._id)
        except NotFoundError:
            # Deleted since the check, by a writer outside this process: the RPC API's 404.
            raise NotFoundError(
                f"{self._cls.rpc_type} {self._id} not found",
                status=404,
                code=404,
                target=self._method,
            ) from None
        if rev_token(now) != rev_token(self._checked):
            raise ConflictError(
                f"rev key is out-of-date: {self._cls.entity} {self._id} changed after its rev "
                "was checked (a writer outside this process); nothing was written",
                status=409,
                code=409,
                target=self._method,
                data={"applied": False, "record": self._wire_id},
            )
        with track_requests() as log:
            yield log
        ours = log.writes_to(self._path)
        if mark is not None and ours:
            self._check_events(mark, ours)

    def _newest_event(self) -> int | None:
        """The id of the record's newest event (0 for none); None when the log is closed to
        this key, which turns the check after the write off."""
        try:
            envelope = self._rest.events.list(entity_id=self._wire_id, limit=1)
        except _TRANSIENT:
            raise
        except NutshellError as exc:
            _log.warning(
                "%s %s %s: the event log cannot be read (%s); writes to it by other processes "
                "will not be detected",
                self._method,
                self._cls.entity,
                self._id,
                type(exc).__name__,
            )
            return None
        ids = [e.id for e in envelope.records if isinstance(e, Event) and isinstance(e.id, int)]
        return max(ids, default=0)

    def _about_record(self, event: Event) -> bool:
        payloads = event.payloads
        if not isinstance(payloads, tuple):
            return True  # no payloads given: the server's entity_id filter is all there is
        return any(p.entity == self._cls.entity and p.id == self._id for p in payloads)

    def _check_events(self, mark: int, ours: int) -> None:
        """Fail when the record has more events since ``mark`` than the bridge's own writes."""
        try:
            envelope = self._rest.events.list(
                entity_id=self._wire_id,
                since_id=mark,
                limit=min(_MAX_EVENTS, ours + _EXTRA_EVENTS),
            )
        except NutshellError as exc:
            # The write is applied; failing now would invite a retry that applies it twice.
            _log.warning(
                "%s %s %s: written, but the event log could not be read afterwards (%s), so "
                "a concurrent write by another process was not looked for",
                self._method,
                self._cls.entity,
                self._id,
                type(exc).__name__,
            )
            return
        events = sorted(
            e.id
            for e in envelope.records
            if isinstance(e, Event)
            and isinstance(e.id, int)
            and e.id > mark
            and self._about_record(e)
        )
        if len(events) <= ours:
            return
        listed = ", ".join(str(e) for e in events)
        raise ConflictError(
            f"rev key is out-of-date: {self._cls.entity} {self._id} was also written by someone "
            f"else while the bridge wrote it ({len(events)} events since its last re-check: "
            f"{listed}; {ours} of them the bridge's own). The bridge's write WAS applied and may "
            "have overwritten that change; re-read the record and check it before editing again",
            status=409,
            code=409,
            target=self._method,
            data={"applied": True, "record": self._wire_id, "events": events, "own_writes": ours},
        )
