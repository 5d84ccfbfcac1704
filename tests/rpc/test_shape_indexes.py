"""A presenter's indexes of activities, tasks and stages answer what scanning the source does,
and follow the source: a store by its version, another source by the list it hands out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from nutshell_core.model import (
    Account,
    Activity,
    ActivityStatus,
    Contact,
    Lead,
    Record,
    Ref,
    Task,
)
from nutshell_emulator.seed import seed
from nutshell_emulator.store import Store
from nutshell_rpc.convert import value_to_rpc
from nutshell_rpc.shapes import Presenter, activity_status

R = TypeVar("R", bound=Record)
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


def _same(ref: object, record: Record) -> bool:
    return isinstance(ref, Ref) and ref.entity == record.entity and ref.id == record.id


def _scanned_next_step(store: Store, lead: Lead) -> datetime | None:
    """next_step_due the long way: every activity and task of the store looked at."""
    times = [
        a.start_time
        for a in store.all(Activity)
        if any(r.id == lead.id for r in a.leads or ())
        and isinstance(a.start_time, datetime)
        and activity_status(a, NOW) in (ActivityStatus.SCHEDULED, ActivityStatus.OVERDUE)
    ]
    times += [
        t.due_time
        for t in store.all(Task)
        if _same(t.related, lead)
        and isinstance(t.due_time, datetime)
        and not isinstance(t.completed_time, datetime)
    ]
    return min(times, default=None)


def _scanned_last_contact(store: Store, record: Record) -> datetime | None:
    times = [
        a.start_time
        for a in store.all(Activity)
        if a.status is ActivityStatus.LOGGED
        and isinstance(a.start_time, datetime)
        and any(_same(r, record) for r in (*(a.participants or ()), *(a.leads or ())))
    ]
    return max(times, default=None)


def _check(store: Store, presenter: Presenter) -> int:
    checked = 0
    for lead in store.all(Lead):
        assert presenter.next_step_due(lead) == _scanned_next_step(store, lead)
        assert list(presenter.lead_activities(lead.id or 0)) == [
            a for a in store.all(Activity) if any(r.id == lead.id for r in a.leads or ())
        ]
        checked += 1
    for record in (*store.all(Lead), *store.all(Contact), *store.all(Account)):
        if isinstance(record.last_contacted_time, datetime):
            continue  # the stored time wins; nothing derived
        latest = _scanned_last_contact(store, record)
        expected = None if latest is None else value_to_rpc(latest)
        assert presenter.last_contacted(record) == expected
        checked += 1
    return checked


def test_indexes_answer_as_scans_and_follow_the_store_s_writes() -> None:
    store = Store(clock=lambda: NOW)
    seed(store, 80, random_seed=11)
    presenter = Presenter(store)
    assert _check(store, presenter) > 50
    lead = store.all(Lead)[0]
    contact = next(c for c in store.all(Contact) if not isinstance(c.last_contacted_time, datetime))
    # A write raises the version: the next answers include the new records.
    store.insert(
        Activity(
            name="call",
            status=ActivityStatus.LOGGED,
            start_time=NOW - timedelta(minutes=5),
            end_time=NOW - timedelta(minutes=1),
            leads=(Ref(entity="Lead", id=lead.id),),
            participants=(Ref(entity="Contact", id=contact.id),),
        )
    )
    store.insert(
        Task(
            title="next", due_time=NOW - timedelta(days=400), related=Ref(entity="Lead", id=lead.id)
        )
    )
    # (both answers are new: nothing else is that early, or that late)
    assert presenter.next_step_due(lead) == NOW - timedelta(days=400)
    assert presenter.last_contacted(contact) == value_to_rpc(NOW - timedelta(minutes=5))
    _check(store, presenter)


class _Listed:
    """A source without a version that hands out the same lists until told otherwise."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lists: dict[type[Record], list[Any]] = {}

    def renew(self) -> None:
        self._lists.clear()

    def all(self, cls: type[R], /) -> Sequence[R]:
        if cls not in self._lists:
            self._lists[cls] = self._store.all(cls)
        return self._lists[cls]

    def find(self, cls: type[R], record_id: int) -> R | None:
        return self._store.find(cls, record_id)

    def trashed(self, cls: type[R], record_id: int) -> R | None:
        return None

    def now(self) -> datetime:
        return NOW


def test_without_a_version_the_indexes_follow_the_list_handed_out() -> None:
    store = Store(clock=lambda: NOW)
    seed(store, 40, random_seed=12)
    source = _Listed(store)
    presenter = Presenter(source)
    lead = store.all(Lead)[0]
    before = presenter.next_step_due(lead)
    store.insert(
        Task(
            title="sooner",
            due_time=NOW - timedelta(days=400),
            related=Ref(entity="Lead", id=lead.id),
        )
    )
    assert presenter.next_step_due(lead) == before  # the same list: the same answer
    source.renew()
    assert presenter.next_step_due(lead) == NOW - timedelta(days=400)
