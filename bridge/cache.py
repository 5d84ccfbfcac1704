"""Reference data cached per client, so a bridged read costs one REST request, not five.

A legacy lead names its stage, pipeline, owner, sources, tags, outcome and market; REST gives
only their ids. Those lists change rarely, so the bridge keeps them with a TTL: with a warm cache
a bridged ``getLead`` is exactly one REST request. Reads are thread-safe; each list is fetched
at most once per TTL even when several threads ask at the same moment.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

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
    Territory,
    User,
)
from nutshell_rest import RestClient

__all__ = ["DEFAULT_TTL", "REFERENCE_CLASSES", "ReferenceCache"]

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


class ReferenceCache:
    """TTL cache of reference lists read through a :class:`RestClient`."""

    def __init__(
        self,
        rest: RestClient,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rest = rest
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._lists: dict[type[Record], tuple[float, dict[int, Record]]] = {}
        self._fetch_locks: dict[type[Record], threading.Lock] = {
            cls: threading.Lock() for cls in REFERENCE_CLASSES
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
            resource: Any = getattr(self._rest, REFERENCE_CLASSES[cls])
            records = {
                item.id: item
                for item in resource.iterate()
                if isinstance(item, Record) and isinstance(item.id, int)
            }
            with self._lock:
                self._lists[cls] = (self._clock() + self._ttl, records)
            return records

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
        """Fetch the given lists (all of them when none are named) now."""
        for cls in classes or tuple(REFERENCE_CLASSES):
            self.records(cls)
