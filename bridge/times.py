"""Creation and modification times REST records lack, from the event log or the legacy API.

REST leads carry no ``modifiedTime``; contacts, accounts and products no ``createdTime``; users
no ``createdTime``; markets and pipelines no ``modifiedTime``. The legacy API always sends them
(as strings), and code that reads legacy results relies on that. Two sources supply them:

* :class:`EventTimes` reads ``GET /events``: a record's create event is when it was created, its
  newest event when it last changed. Several records are asked for in one request;
* :class:`LegacyReference` reads reference lists (users, markets, pipelines, teams) through the
  JSON-RPC API once per cache period. It is opt-in, for while the JSON-RPC API is reachable:
  for records older than the event log, and for teams, which REST does not expose at all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import attrs

from nutshell_core.errors import NutshellError
from nutshell_core.model import UNSET, Record, Ref, Team, entity_class
from nutshell_rest.envelope import Event
from nutshell_rest.query import MAX_PAGE_LIMIT
from nutshell_rpc.convert import record_from_rpc

if TYPE_CHECKING:
    from nutshell_rest import RestClient
    from nutshell_rpc import NutshellAPI as RpcAPI

__all__ = [
    "EVENT_IDS_PER_REQUEST",
    "EventTimes",
    "LegacyReference",
    "chunks",
    "refs",
    "wire_id",
]

_log = logging.getLogger(__name__)

#: Ids one ``GET /events?entity_id=...`` names at most (keeps the URL well under 8 KB).
EVENT_IDS_PER_REQUEST: Final = 200

#: Pages of events read for one batch of records at most (a bound, never reached in practice).
_MAX_EVENT_PAGES: Final = 20


def chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def wire_id(record: Record | Ref) -> str | None:
    """The REST id of a record or link (``"12-leads"``), or None when it has none."""
    record_id = record.id
    if not isinstance(record_id, int):
        return None
    try:
        cls = entity_class(record.entity)
    except LookupError:
        return None
    return f"{record_id}-{cls.rest_type}"


def refs(value: object) -> list[Ref]:
    """The links a record field holds: one Ref, a tuple of them, or none."""
    if isinstance(value, Ref):
        return [value]
    return [v for v in value if isinstance(v, Ref)] if isinstance(value, tuple) else []


class EventTimes:
    """Creation and modification times from ``GET /events``, for records REST sends without.

    Every record's create event carries the moment it was created, and its newest event the
    moment it last changed: the legacy ``createdTime`` and ``modifiedTime``. Several records
    are asked for in one request (``entity_id`` with comma-separated ids, at most
    :data:`EVENT_IDS_PER_REQUEST` per request). A record the event log does not reach back to
    keeps what REST sent (none).
    """

    def __init__(self, rest: RestClient) -> None:
        self._rest = rest

    def fill(self, records: Iterable[Record]) -> dict[tuple[str, int], Record]:
        """The records lacking a time, with the times the event log gives them, by key."""
        lacking: dict[tuple[str, int], Record] = {}
        wires: dict[tuple[str, int], str] = {}
        for record in records:
            if record.created_time is UNSET or record.modified_time is UNSET:
                wire = wire_id(record)
                if wire is not None and isinstance(record.id, int):
                    lacking[(record.entity, record.id)] = record
                    wires[(record.entity, record.id)] = wire
        if not lacking:
            return {}
        created: dict[tuple[str, int], datetime] = {}
        modified: dict[tuple[str, int], datetime] = {}
        for chunk in chunks(sorted(wires.values()), EVENT_IDS_PER_REQUEST):
            for event in self._events(chunk):
                when = event.created_time
                if not isinstance(when, datetime):
                    continue
                for payload in refs(event.payloads):
                    if not isinstance(payload.id, int):
                        continue
                    key = (payload.entity, payload.id)
                    if key not in lacking:
                        continue
                    if event.action == "create":
                        created[key] = min(when, created.get(key, when))
                    modified[key] = max(when, modified.get(key, when))
        out: dict[tuple[str, int], Record] = {}
        for key, record in lacking.items():
            changes: dict[str, Any] = {}
            if record.created_time is UNSET and key in created:
                changes["created_time"] = created[key]
            if record.modified_time is UNSET and key in modified:
                changes["modified_time"] = modified[key]
            if changes:
                out[key] = attrs.evolve(record, **changes)
        return out

    def _events(self, wire_ids: Sequence[str]) -> Iterator[Event]:
        """Every event of these records, oldest first (``since_id`` pages forward; see the
        emulator's assumptions): one request unless they have more than a page of events.

        The times only fill in what REST lacks, so a log that cannot be read (a refused
        several-id ``entity_id``, no permission) leaves them unknown and is logged, rather
        than failing a read REST answered.
        """
        since: int | str = 0
        try:
            for _ in range(_MAX_EVENT_PAGES):
                envelope = self._rest.events.list(
                    since_id=since, limit=MAX_PAGE_LIMIT, params={"entity_id": ",".join(wire_ids)}
                )
                events = [e for e in envelope.records if isinstance(e, Event)]
                yield from events
                newest = max((e.id for e in events if isinstance(e.id, int)), default=None)
                if len(envelope.records) < MAX_PAGE_LIMIT or newest is None:
                    return
                since = newest
        except NutshellError as exc:
            _log.warning("event log unreadable, times left unknown: %s", exc)
            return
        _log.warning(
            "more than %d pages of events for %d records: later events not read",
            _MAX_EVENT_PAGES,
            len(wire_ids),
        )


#: The legacy find method of each reference class the legacy API lists with times.
_LEGACY_FINDS: Final[Mapping[str, str]] = {
    "User": "findUsers",
    "Market": "findMarkets",
    "Stageset": "findStagesets",
    "Source": "findSources",
    "Competitor": "findCompetitors",
    "Team": "findTeams",
}

#: Pages of a legacy reference list read at most (100 records a page).
_MAX_LEGACY_PAGES: Final = 50
_LEGACY_PAGE: Final = 100


class LegacyReference:
    """Reference records as the JSON-RPC API lists them, for what REST cannot supply.

    Opt-in (``legacy_reference=True`` on the bridge, ``--legacy-reference`` on the proxy), for
    while the JSON-RPC API is still reachable; the :class:`~bridge.cache.ReferenceCache` reads
    each list once per cache period.
    """

    def __init__(self, rpc: RpcAPI) -> None:
        self._rpc = rpc

    def records(self, entity: str) -> dict[int, Record]:
        """Every record of a reference entity by id, as the legacy API lists it."""
        method = _LEGACY_FINDS.get(entity)
        if method is None:
            return {}
        out: dict[int, Record] = {}
        for page in range(1, _MAX_LEGACY_PAGES + 1):
            result: Any = self._rpc.call(method, None, "ASC", _LEGACY_PAGE, page)
            if not isinstance(result, list):
                break
            for item in result:
                try:
                    record = record_from_rpc(item)
                except NutshellError:
                    continue
                if isinstance(record, Record) and isinstance(record.id, int):
                    out[record.id] = record
            if len(result) < _LEGACY_PAGE:
                break
        return out

    def teams(self) -> dict[int, Team]:
        """Every team, from the legacy ``findTeams`` (REST has no teams)."""
        return {k: v for k, v in self.records("Team").items() if isinstance(v, Team)}

    @staticmethod
    def fill_times(
        records: Mapping[int, Record], legacy: Mapping[int, Record]
    ) -> dict[int, Record]:
        """``records`` with the times they lack taken from the legacy ones."""
        out = dict(records)
        for record_id, record in records.items():
            source = legacy.get(record_id)
            if source is None:
                continue
            changes: dict[str, Any] = {}
            for name in ("created_time", "modified_time"):
                if getattr(record, name) is UNSET and isinstance(getattr(source, name), datetime):
                    changes[name] = getattr(source, name)
            if changes:
                out[record_id] = attrs.evolve(record, **changes)
        return out
