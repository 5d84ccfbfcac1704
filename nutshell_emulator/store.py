"""The emulator's one store: every entity, both APIs, one lock.

Records are kept as model objects (``nutshell_core.model``), keyed by model class name and
integer id. Both fronts read and write through the same methods, so a lead created over
JSON-RPC is visible over REST at once, with the same rev and modified time.

Rules Nutshell is known to follow, and the store enforces:

* ids are integers, per entity type, never reused;
* revs are strings starting at ``"0"`` and raised by one on every write;
* a stale rev is refused with a 409 ``ConflictError("rev key is out-of-date")``;
  ``"REV_IGNORE"`` skips the check;
* deleted records go to a trash and can be restored (Nutshell keeps them 30 days);
* every write appends an :class:`StoreEvent` saying what changed and who changed it; listeners
  (webhook delivery, REST ``/events``) read that log.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs

from nutshell_core.errors import ConflictError, NotFoundError, UsageError
from nutshell_core.model import UNSET, Record, Ref, User, entity_class

__all__ = ["REV_IGNORE", "TRASH_DAYS", "Change", "Store", "StoreEvent", "utc_now"]

R = TypeVar("R", bound=Record)

REV_IGNORE = "REV_IGNORE"

#: How long a deleted record stays restorable.
TRASH_DAYS = 30

_STATE_FIELDS = ("id", "rev", "created_time", "modified_time", "deleted_time", "memo", "stub")


def _key_digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def utc_now() -> datetime:
    """The current time in UTC, to the second (both APIs speak whole seconds)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


@attrs.frozen
class Change:
    """One attribute that a write changed."""

    attribute: str
    old: Any
    new: Any


@attrs.frozen(kw_only=True)
class StoreEvent:
    """One write, as the event log and webhooks report it."""

    id: int
    time: datetime
    action: str  # create, update, delete, undelete, stagechange, ...
    entity: str  # model class name
    record_id: int
    actor: Ref | None
    changes: tuple[Change, ...] = ()


class Store:
    """Thread-safe storage of model records, with revs, trash and an event log."""

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._live: dict[str, dict[int, Record]] = {}
        self._trash: dict[str, dict[int, Record]] = {}
        self._next_id: dict[str, int] = {}
        self._events: list[StoreEvent] = []
        self._listeners: list[Callable[[StoreEvent], None]] = []
        self._api_keys: dict[str, int] = {}
        # Raised on every write and load: readers key their caches on it (see ``version``).
        self._version = 0

    # -- housekeeping ------------------------------------------------------------------------

    @property
    def lock(self) -> threading.RLock:
        """The store's lock; hold it to make several reads and writes one atomic step."""
        return self._lock

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock for a group of operations."""
        with self._lock:
            yield self

    @property
    def version(self) -> int:
        """A number raised by every write and every :meth:`load_state`: while it stays the same,
        what the store holds is the same, so anything computed from it may be reused."""
        return self._version

    def invalidate_caches(self) -> None:
        """Raise :attr:`version` without changing anything: whatever a reader keeps for the
        current version is computed again (a benchmark measures a read after a write so)."""
        with self._lock:
            self._version += 1

    def now(self) -> datetime:
        """The store's clock."""
        with self._lock:
            return self._clock()

    @contextmanager
    def stamped(self, clock: Callable[[], datetime]) -> Iterator[Store]:
        """Hold the lock and date every write with ``clock`` instead of the store's own.

        Seeding uses this so that seeded records, their revs' times and their events carry
        times derived from the seed, never from the wall clock: the same seed gives the same
        store. Other threads wait on the lock, so none of their writes takes a seeded time.
        """
        with self._lock:
            saved = self._clock
            self._clock = clock
            try:
                yield self
            finally:
                self._clock = saved

    def subscribe(self, listener: Callable[[StoreEvent], None]) -> None:
        """Call ``listener`` after every write (while the lock is held: keep it quick)."""
        with self._lock:
            self._listeners.append(listener)

    def next_id(self, entity: str, *, start: int = 1) -> int:
        """Reserve the next id for ``entity``."""
        with self._lock:
            current = max(self._next_id.get(entity, start), start)
            self._next_id[entity] = current + 1
            return current

    # -- credentials -------------------------------------------------------------------------

    def add_api_key(self, user_id: int, api_key: str) -> None:
        """Let ``api_key`` authenticate as the user ``user_id`` (Basic: email + key).

        Only a digest of the key is kept, so a snapshot file never holds a usable key.
        """
        with self._lock:
            self.get(User, user_id)
            self._api_keys[_key_digest(api_key)] = user_id

    def key_holders(self) -> list[int]:
        """The ids of the users who hold an API key (never the keys or their digests)."""
        with self._lock:
            return sorted(set(self._api_keys.values()))

    def authenticate(self, email: str, api_key: str) -> User | None:
        """The enabled user whose email and key these are, or None."""
        with self._lock:
            user_id = self._api_keys.get(_key_digest(api_key))
            if user_id is None:
                return None
            user = self._live.get("User", {}).get(user_id)
            if not isinstance(user, User) or user.is_enabled is False:
                return None
            emails = user.emails if user.emails is not UNSET else ()
            return user if email.lower() in {e.lower() for e in emails} else None

    # -- reads -------------------------------------------------------------------------------

    def get(self, cls: type[R], record_id: int) -> R:
        """The live record, or NotFoundError."""
        with self._lock:
            record = self._live.get(cls.entity, {}).get(record_id)
        if record is None:
            raise NotFoundError(
                f"{cls.entity} {record_id} not found", status=404, code=404, target=cls.entity
            )
        assert isinstance(record, cls)
        return record

    def find(self, cls: type[R], record_id: int) -> R | None:
        """The live record, or None."""
        with self._lock:
            record = self._live.get(cls.entity, {}).get(record_id)
        return record if isinstance(record, cls) else None

    def all(self, cls: type[R]) -> list[R]:
        """Every live record of a class, in id order."""
        with self._lock:
            table = self._live.get(cls.entity, {})
            return [r for _, r in sorted(table.items()) if isinstance(r, cls)]

    def trashed(self, cls: type[R], record_id: int) -> R | None:
        """A deleted record still in the trash, or None."""
        with self._lock:
            record = self._trash.get(cls.entity, {}).get(record_id)
        return record if isinstance(record, cls) else None

    def events(self, *, since_id: int = 0) -> list[StoreEvent]:
        """Events with an id above ``since_id``, oldest first."""
        with self._lock:
            return [e for e in self._events if e.id > since_id]

    # -- writes ------------------------------------------------------------------------------

    def insert(self, record: R, *, actor: Ref | None = None, action: str = "create") -> R:
        """Store a new record: id assigned when unset, rev "0", created and modified now."""
        with self._lock:
            table = self._live.setdefault(record.entity, {})
            record_id = record.id if isinstance(record.id, int) else self.next_id(record.entity)
            if record_id in table:
                raise UsageError(f"{record.entity} {record_id} already exists")
            self._next_id[record.entity] = max(self._next_id.get(record.entity, 1), record_id + 1)
            # A record given its creation time (seed data, imports) was last modified then
            # too, and its create event happened then: the event log, REST's only source of
            # creation and modification times, must agree with the record.
            born = record.created_time if isinstance(record.created_time, datetime) else None
            now = born or self._clock()
            stored = attrs.evolve(
                record,
                id=record_id,
                rev="0",
                stub=UNSET,
                created_time=now,
                modified_time=now,
                deleted_time=UNSET,
                memo=None,
            )
            table[record_id] = stored
            self._emit(action, stored, actor, (), at=now)
            return stored

    def check_rev(self, record: Record, rev: str | None) -> None:
        """Refuse a stale rev with 409, as Nutshell does; None and REV_IGNORE skip the check."""
        if rev is None or rev == REV_IGNORE:
            return
        if str(rev) != record.rev:
            raise ConflictError(
                "rev key is out-of-date", status=409, code=409, target=record.entity
            )

    def update(
        self,
        cls: type[R],
        record_id: int,
        changes: Mapping[str, Any],
        *,
        rev: str | None = None,
        actor: Ref | None = None,
        action: str = "update",
    ) -> R:
        """Apply attribute ``changes``; the rev is checked, then raised by one."""
        with self._lock:
            current = self.get(cls, record_id)
            self.check_rev(current, rev)
            bad = [k for k in changes if k in _STATE_FIELDS or not hasattr(current, k)]
            if bad:
                raise UsageError(f"cannot change {', '.join(bad)} on {cls.entity}")
            diff = tuple(
                Change(k, getattr(current, k), v)
                for k, v in changes.items()
                if getattr(current, k) != v
            )
            now = self._clock()
            updated = attrs.evolve(
                current, **changes, rev=str(int(str(current.rev)) + 1), modified_time=now
            )
            self._live[cls.entity][record_id] = updated
            self._emit(action, updated, actor, diff, at=now)
            return updated

    def delete(
        self, cls: type[R], record_id: int, *, rev: str | None = None, actor: Ref | None = None
    ) -> R:
        """Move a record to the trash; the rev is checked first."""
        with self._lock:
            current = self.get(cls, record_id)
            self.check_rev(current, rev)
            now = self._clock()
            deleted = attrs.evolve(
                current, rev=str(int(str(current.rev)) + 1), modified_time=now, deleted_time=now
            )
            del self._live[cls.entity][record_id]
            self._trash.setdefault(cls.entity, {})[record_id] = deleted
            self._emit("delete", deleted, actor, (), at=now)
            return deleted

    def undelete(self, cls: type[R], record_id: int, *, actor: Ref | None = None) -> R:
        """Restore a record from the trash (within the 30 days Nutshell keeps it)."""
        with self._lock:
            deleted = self.trashed(cls, record_id)
            if deleted is None:
                raise NotFoundError(
                    f"{cls.entity} {record_id} is not in the trash", status=404, code=404
                )
            deleted_at = deleted.deleted_time
            if isinstance(deleted_at, datetime) and self._clock() - deleted_at > timedelta(
                days=TRASH_DAYS
            ):
                raise NotFoundError(
                    f"{cls.entity} {record_id} was deleted more than {TRASH_DAYS} days ago",
                    status=404,
                    code=404,
                )
            now = self._clock()
            restored = attrs.evolve(
                deleted, rev=str(int(str(deleted.rev)) + 1), modified_time=now, deleted_time=UNSET
            )
            del self._trash[cls.entity][record_id]
            self._live.setdefault(cls.entity, {})[record_id] = restored
            self._emit("undelete", restored, actor, (), at=now)
            return restored

    def _emit(
        self,
        action: str,
        record: Record,
        actor: Ref | None,
        changes: tuple[Change, ...],
        *,
        at: datetime | None = None,
    ) -> None:
        assert isinstance(record.id, int)
        # Before the listeners run: they may read the store and must not see a stale cache.
        self._version += 1
        event = StoreEvent(
            id=len(self._events) + 1,
            time=at or self._clock(),
            action=action,
            entity=record.entity,
            record_id=record.id,
            actor=actor,
            changes=changes,
        )
        self._events.append(event)
        for listener in list(self._listeners):
            listener(event)

    # -- snapshot ----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The whole state as plain data (see :mod:`nutshell_emulator.snapshot`)."""
        with self._lock:
            return {
                "live": {e: dict(t) for e, t in self._live.items()},
                "trash": {e: dict(t) for e, t in self._trash.items()},
                "next_id": dict(self._next_id),
                "events": list(self._events),
                "api_keys": dict(self._api_keys),
            }

    def load_state(self, state: Mapping[str, Any]) -> None:
        """Replace the whole state (listeners are kept); a bad state changes nothing."""
        missing = [k for k in ("live", "trash", "next_id", "events", "api_keys") if k not in state]
        if missing:
            raise UsageError(f"not a store state: missing {', '.join(missing)}")
        with self._lock:
            self._live = {e: dict(t) for e, t in state["live"].items()}
            self._trash = {e: dict(t) for e, t in state["trash"].items()}
            self._next_id = dict(state["next_id"])
            self._events = list(state["events"])
            self._api_keys = dict(state["api_keys"])
            self._version += 1

    def entity_names(self) -> list[str]:
        """Model class names that have live or trashed records."""
        with self._lock:
            return sorted(set(self._live) | set(self._trash))


def record_class(entity: str) -> type[Record]:
    """The model class for a name, for callers that only have the name."""
    return entity_class(entity)
