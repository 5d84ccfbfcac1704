"""Per-record locks shared by every bridge in the process.

An edit or delete is a check followed by a write: the rev is compared with the record as it
is, then the record is written. Through REST there is no conditional write, so two such calls
on one record that interleave (both check, both write) lose the first write without a 409 —
and so do a REST-routed and an RPC-routed call, because the RPC API cannot see the REST
route's check. :data:`RECORD_LOCKS` makes the check and the write one step for everything in
this process: every :class:`bridge.NutshellAPI` (and so every caller of the proxy, which is one
process) holds the lock of ``(entity, id)`` around a legacy edit or delete on either route.

Bookkeeping is bounded: a record's lock exists only while some call holds it or waits for it,
and is dropped when the last one leaves, so locks of idle records never accumulate. A call
waits at most ``timeout`` seconds and then fails with a 409 that says nothing was written.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import attrs

from nutshell_core.errors import ConflictError, UsageError

__all__ = ["DEFAULT_LOCK_TIMEOUT", "RECORD_LOCKS", "RecordKey", "RecordLocks"]

#: How long a call waits for another call's edit of the same record, in seconds. An edit is a
#: handful of requests, each bounded by the transport's timeouts; this bounds the queue.
DEFAULT_LOCK_TIMEOUT: Final = 120.0

#: A record, as the locks know it: its entity (``"Contact"``) and numeric id.
RecordKey = tuple[str, int]


@attrs.define(eq=False)
class _Entry:
    """One record's lock and how many calls hold it or wait for it."""

    lock: threading.RLock = attrs.field(factory=threading.RLock)
    users: int = 0


class RecordLocks:
    """A registry of re-entrant locks keyed by record, created on demand, dropped when idle."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._entries: dict[RecordKey, _Entry] = {}

    def __repr__(self) -> str:
        return f"RecordLocks({len(self)} records in use)"

    def __len__(self) -> int:
        """How many records have a lock now (held or waited for)."""
        with self._mutex:
            return len(self._entries)

    def in_use(self) -> frozenset[RecordKey]:
        """The records some call holds or waits for now."""
        with self._mutex:
            return frozenset(self._entries)

    @contextmanager
    def hold(
        self,
        entity: str,
        record_id: int,
        *,
        timeout: float = DEFAULT_LOCK_TIMEOUT,
        method: str = "",
    ) -> Iterator[None]:
        """Hold the lock of one record for the block; re-entrant within a thread.

        Raises :class:`~nutshell_core.errors.ConflictError` (409) when the lock stays taken for
        ``timeout`` seconds; nothing has been sent for this call then.
        """
        if not timeout > 0:
            raise UsageError(f"a lock timeout must be above 0 seconds, not {timeout!r}")
        key = (entity, record_id)
        with self._mutex:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
            entry.users += 1
        try:
            if not entry.lock.acquire(timeout=timeout):
                raise ConflictError(
                    f"{entity} {record_id} is being written by another call in this process, "
                    f"which has held it for over {timeout:g}s; nothing was written. Re-read the "
                    "record and retry",
                    status=409,
                    code=409,
                    target=method,
                    data={"applied": False},
                )
            try:
                yield
            finally:
                entry.lock.release()
        finally:
            with self._mutex:
                entry.users -= 1
                if entry.users == 0:
                    # The last user leaves: no call holds or waits for it, so the next call on
                    # this record may start from a fresh lock.
                    del self._entries[key]


#: The one registry every bridge in this process uses (unless given another).
RECORD_LOCKS: Final = RecordLocks()
