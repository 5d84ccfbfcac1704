"""Reference data cached per client, so a bridged read costs one REST request, not five.

A legacy lead names its stage, pipeline, owner, sources, tags, outcome and market; REST gives
only their ids. Those lists change rarely, so the bridge keeps them with a TTL: with a warm cache
a bridged ``getLead`` is exactly one REST request. Reads are thread-safe; each list is fetched
at most once per TTL even when several threads ask at the same moment.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from bridge.revs import with_rev
from bridge.times import EventTimes, LegacyReference
from nutshell_core.errors import NutshellError
from nutshell_core.model import (
    AccountType,
    ActivityType,
    Competitor,
    Industry,
    Market,
    Outcome,
    Record,
    Source,
    Stage,
    Stageset,
    Tag,
    Team,
    Territory,
    User,
)
from nutshell_rest import RestClient

_log = logging.getLogger(__name__)

__all__ = ["DEFAULT_TTL", "REFERENCE_CLASSES", "TIMED_CLASSES", "ReferenceCache"]

#: Seconds a cached list is trusted.
DEFAULT_TTL = 300.0

#: The reference lists the cache serves, by model class, with the client attribute that lists them.
REFERENCE_CLASSES: Mapping[type[Record], str] = {
    Stageset: "stagesets",
    Stage: "stages",
    Outcome: "outcomes",
    User: "users",
    Source: "sources",
    Tag: "tags",
    Market: "markets",
    Industry: "industries",
    Territory: "territories",
    AccountType: "account_types",
    ActivityType: "activity_types",
    Competitor: "competitors",
}


#: Reference classes whose legacy shapes show times REST may not send (users' createdTime,
#: markets' and pipelines' modifiedTime...): the event log (and, opted in, the legacy API)
#: supplies them when a list is loaded.
TIMED_CLASSES: frozenset[type[Record]] = frozenset(
    {User, Market, Stageset, Source, Competitor, Tag}
)


class ReferenceCache:
    """TTL cache of reference lists read through a :class:`RestClient`."""

    def __init__(
        self,
        rest: RestClient,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
        times: EventTimes | None = None,
        legacy: LegacyReference | None = None,
    ) -> None:
        self._rest = rest
        self._times = times
        self._legacy = legacy
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._lists: dict[type[Record], tuple[float, dict[int, Record]]] = {}
        self._fetch_locks: dict[type[Record], threading.Lock] = {
            cls: threading.Lock() for cls in (*REFERENCE_CLASSES, Team)
        }

    def _fresh(self, cls: type[Record]) -> dict[int, Record] | None:
        with self._lock:
            entry = self._lists.get(cls)
        if entry is None or self._clock() >= entry[0]:
            return None
        return entry[1]

    def records(self, cls: type[Record]) -> dict[int, Record]:
        """Every record of a reference class by id, from cache or one REST list."""
        if cls not in REFERENCE_CLASSES:
            raise KeyError(f"{cls.entity} is not reference data")
        cached = self._fresh(cls)
        if cached is not None:
            return cached
        with self._fetch_locks[cls]:
            cached = self._fresh(cls)  # another thread may have fetched it meanwhile
            if cached is not None:
                return cached
            records = self._load(cls)
            with self._lock:
                self._lists[cls] = (self._clock() + self._ttl, records)
            return records

    def _load(self, cls: type[Record]) -> dict[int, Record]:
        resource: Any = getattr(self._rest, REFERENCE_CLASSES[cls])
        records: dict[int, Record] = {
            item.id: item
            for item in resource.iterate()
            if isinstance(item, Record) and isinstance(item.id, int)
        }
        if cls in TIMED_CLASSES:
            if self._times is not None:
                for (_, record_id), record in self._times.fill(records.values()).items():
                    records[record_id] = record
            if self._legacy is not None:
                records = LegacyReference.fill_times(records, self._legacy_records(cls.entity))
        return {record_id: with_rev(record) for record_id, record in records.items()}

    def _legacy_records(self, entity: str) -> dict[int, Record]:
        """The legacy API's list, or none when it fails: it only fills in what REST lacks,
        so its trouble must not fail a read REST can answer (it is logged instead)."""
        assert self._legacy is not None
        try:
            return self._legacy.records(entity)
        except NutshellError as exc:
            _log.warning("legacy reference data for %s unavailable: %s", entity, exc)
            return {}

    def teams(self) -> dict[int, Record]:
        """Every team, when the legacy reference source is on (REST has no teams), else none."""
        if self._legacy is None:
            return {}
        cached = self._fresh(Team)
        if cached is not None:
            return cached
        with self._fetch_locks[Team]:
            cached = self._fresh(Team)
            if cached is not None:
                return cached
            teams: dict[int, Record] = dict(self._legacy_records("Team"))
            with self._lock:
                self._lists[Team] = (self._clock() + self._ttl, teams)
            return teams

    def get(self, cls: type[Record], record_id: int) -> Record | None:
        """One cached reference record, or None."""
        return self.records(cls).get(record_id)

    def invalidate(self, cls: type[Record] | None = None) -> None:
        """Forget one list (after a write to it), or everything."""
        with self._lock:
            if cls is None:
                self._lists.clear()
            else:
                self._lists.pop(cls, None)

    def warm(self, *classes: type[Record]) -> None:
        """Fetch the given lists (all of them, teams included, when none are named) now."""
        for cls in classes or (*REFERENCE_CLASSES, Team):
            if cls is Team:
                self.teams()
            else:
                self.records(cls)
