"""No lost updates: concurrent read-then-edit through the bridge, on REST and mixed routes.

The counting test is the one the issue measured: eight threads, each with its own
``bridge.NutshellAPI`` in this process, read a record, write a counter field with the rev they
read, and retry on 409. Every acknowledged edit must show in the final value. The other tests
place a write by someone outside the process (a direct JSON-RPC client, which no bridge lock
covers) at each point of a REST-routed edit and check what the bridge answers.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.locks import RECORD_LOCKS, RecordLocks
from bridge.revs import REV_IGNORE, is_bridge_rev
from nutshell_core import errors
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator, Fault
from nutshell_rpc import NutshellAPI as RpcAPI

ENDPOINT = "https://app.nutshell.com/api/v1/json"
#: A small seed: the conftest emulator and mock are seeded with it.
SEED_DATA = (30, 3)
THREADS = 8
EDITS_PER_THREAD = 15
#: Attempts per edit before a thread gives up (each 409 is one); far above what is needed.
MAX_ATTEMPTS = 400
#: The whole run's bound, in seconds; a run takes a few seconds.
RUN_TIMEOUT = 240.0
#: The record the threads increment, and its counter field: a contact's job title, as digits
#: (``editContact`` is what the issue measured).
CONTACT_ID = 3
GET, EDIT, FIELD = "getContact", "editContact", "jobTitle"
#: The record the single-threaded tests write.
TASK_ID = 1


@attrs.define
class Tally:
    """What the threads saw: the values acknowledged edits wrote, and the 409s."""

    acknowledged: list[int] = attrs.field(factory=list)
    conflicts: int = 0
    applied_conflicts: int = 0
    gave_up: int = 0
    lock: threading.Lock = attrs.field(factory=threading.Lock)


def _read_then_edit(api: BridgeAPI, tally: Tally, rng: random.Random) -> None:
    """One counter increment: read, write value + 1 with the rev read, retry on 409."""
    for _ in range(MAX_ATTEMPTS):
        record = api.call(GET, CONTACT_ID)
        # A rev must be checked for this to mean anything: a null rev skips the check.
        assert record["rev"] is not None
        value = int(record[FIELD])
        try:
            api.call(EDIT, CONTACT_ID, record["rev"], {FIELD: str(value + 1)})
        except errors.ConflictError as exc:
            with tally.lock:
                tally.conflicts += 1
                if isinstance(exc.data, dict) and exc.data.get("applied"):
                    tally.applied_conflicts += 1
            time.sleep(rng.random() * 0.05)  # jitter, so the same thread does not always lose
            continue
        with tally.lock:
            tally.acknowledged.append(value + 1)
        return
    with tally.lock:
        tally.gave_up += 1


def _run(urls_rpc: str, routes: Callable[[int], str]) -> tuple[Tally, int]:
    """Eight threads x fifteen increments; returns the tally and the final stored value."""
    direct = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=urls_rpc)
    direct.call(EDIT, CONTACT_ID, REV_IGNORE, {FIELD: "0"})
    tally = Tally()
    start = threading.Barrier(THREADS)

    def worker(index: int) -> None:
        route = routes(index)
        # Each thread its own bridge, as in the issue; lean reads keep the run short (a read
        # is one request) and do not touch revs.
        with BridgeAPI(
            DEFAULT_EMAIL,
            DEFAULT_API_KEY,
            endpoint=urls_rpc,
            routes={GET: route, EDIT: route},
            lean=True,
        ) as api:
            rng = random.Random(index)
            start.wait(timeout=30)
            for _ in range(EDITS_PER_THREAD):
                _read_then_edit(api, tally, rng)

    deadline = time.monotonic() + RUN_TIMEOUT
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(worker, i) for i in range(THREADS)]
        for future in futures:
            future.result(timeout=max(1.0, deadline - time.monotonic()))
    final = int(direct.call(GET, CONTACT_ID)[FIELD])
    direct.close()
    return tally, final


@pytest.fixture
def served() -> Iterator[str]:
    """A small seeded emulator on loopback; yields its JSON-RPC endpoint."""
    emulator = Emulator()
    emulator.seed(30, random_seed=3)
    with emulator.serve() as urls:
        yield urls.rpc
    emulator.close()


@pytest.mark.parametrize(
    "routes",
    [
        pytest.param(lambda _i: "rest", id="rest-only"),
        pytest.param(lambda i: "rest" if i % 2 == 0 else "rpc", id="mixed"),
    ],
)
def test_concurrent_read_then_edit_loses_no_update(
    served: str, routes: Callable[[int], str]
) -> None:
    tally, final = _run(served, routes)
    lost = len(tally.acknowledged) - final
    assert tally.gave_up == 0
    assert len(tally.acknowledged) == THREADS * EDITS_PER_THREAD
    # Every acknowledged edit wrote a different value, and together they are the final value:
    # an edit that overwrote another one would have written a value twice.
    assert sorted(tally.acknowledged) == list(range(1, final + 1)), f"{lost} updates lost"
    assert lost == 0
    # Contention was real (the threads did collide), and every collision was a clean 409.
    assert tally.conflicts > 0
    assert tally.applied_conflicts == 0
    # No lock outlives the edits that took it.
    assert len(RECORD_LOCKS) == 0


# -- writers outside the process ----------------------------------------------------------------


@pytest.fixture
def outsider(mock: responses.RequestsMock) -> RpcAPI:
    """A JSON-RPC client that takes no bridge lock: another process, as far as the bridge knows."""
    return RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, sleep=lambda _s: None)


def _bridge(mock: responses.RequestsMock, route: str = "rest", **options: Any) -> BridgeAPI:
    return BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=ENDPOINT,
        routes={"*": "rpc", "getTask": route, "editTask": route, "deleteTask": route},
        lean=True,
        sleep=lambda _s: None,
        **options,
    )


def _requests(mock: responses.RequestsMock) -> list[str]:
    return [f"{c.request.method} {c.request.path_url.split('?')[0]}" for c in mock.calls]


def test_a_write_landing_between_the_check_and_the_re_read_is_refused_before_writing(
    mock: responses.RequestsMock, outsider: RpcAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = _bridge(mock)
    read = api.getTask(TASK_ID)
    events = api.rest.events
    real_list = events.list

    def list_then_outsider_writes(**kwargs: Any) -> Any:
        # The bridge reads the event log's mark right after its rev check: land a write there.
        if "since_id" not in kwargs:
            outsider.editTask(TASK_ID, REV_IGNORE, {"title": "outsider"})
        return real_list(**kwargs)

    monkeypatch.setattr(events, "list", list_then_outsider_writes)
    with pytest.raises(errors.ConflictError, match="rev key is out-of-date") as caught:
        api.editTask(TASK_ID, read["rev"], {"title": "bridge"})
    assert caught.value.status == 409
    assert caught.value.data["applied"] is False
    assert "nothing was written" in str(caught.value)
    assert not any(r.startswith("PATCH") for r in _requests(mock))
    assert outsider.getTask(TASK_ID)["title"] == "outsider"


def test_a_record_deleted_after_the_check_is_not_found_and_not_written(
    mock: responses.RequestsMock, outsider: RpcAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = _bridge(mock)
    read = api.getTask(TASK_ID)
    events = api.rest.events
    real_list = events.list

    def list_then_outsider_deletes(**kwargs: Any) -> Any:
        if "since_id" not in kwargs:
            outsider.deleteTask(TASK_ID, REV_IGNORE)
        return real_list(**kwargs)

    monkeypatch.setattr(events, "list", list_then_outsider_deletes)
    with pytest.raises(errors.NotFoundError, match=f"Tasks {TASK_ID} not found"):
        api.editTask(TASK_ID, read["rev"], {"title": "bridge"})
    assert not any(r.startswith("PATCH") for r in _requests(mock))


def test_a_write_landing_between_the_re_read_and_the_write_is_reported_as_applied(
    mock: responses.RequestsMock, outsider: RpcAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = _bridge(mock)
    read = api.getTask(TASK_ID)
    tasks = api.rest.tasks
    real_update = tasks.update

    def outsider_writes_then_update(*args: Any, **kwargs: Any) -> Any:
        outsider.editTask(TASK_ID, REV_IGNORE, {"title": "outsider"})
        return real_update(*args, **kwargs)

    monkeypatch.setattr(tasks, "update", outsider_writes_then_update)
    with pytest.raises(errors.ConflictError, match="rev key is out-of-date") as caught:
        api.editTask(TASK_ID, read["rev"], {"title": "bridge"})
    data = caught.value.data
    assert data["applied"] is True and data["own_writes"] == 1 and len(data["events"]) == 2
    assert "WAS applied" in str(caught.value) and f"Task {TASK_ID}" in str(caught.value)
    # The bridge's write went through and overwrote the outsider's: reported, not acknowledged.
    assert outsider.getTask(TASK_ID)["title"] == "bridge"


def test_a_delete_racing_an_outside_write_is_reported(
    mock: responses.RequestsMock, outsider: RpcAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = _bridge(mock)
    read = api.getTask(TASK_ID)
    tasks = api.rest.tasks
    real_delete = tasks.delete

    def outsider_writes_then_delete(*args: Any, **kwargs: Any) -> Any:
        outsider.editTask(TASK_ID, REV_IGNORE, {"title": "outsider"})
        return real_delete(*args, **kwargs)

    monkeypatch.setattr(tasks, "delete", outsider_writes_then_delete)
    with pytest.raises(errors.ConflictError) as caught:
        api.deleteTask(TASK_ID, read["rev"])
    assert caught.value.data["applied"] is True


@pytest.fixture
def lead_world() -> Iterator[tuple[responses.RequestsMock, BridgeAPI, RpcAPI]]:
    """The seed the write tests use (lead 5 is open, outcome 2 closes it)."""
    emu = Emulator()
    emu.seed(200, random_seed=11)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        emu.mount(rsps)
        api = BridgeAPI(
            DEFAULT_EMAIL,
            DEFAULT_API_KEY,
            endpoint=ENDPOINT,
            routes={"getLead": "rest", "editLead": "rest"},
            lean=True,
            sleep=lambda _s: None,
        )
        yield rsps, api, RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT)
    emu.close()


EDIT_THAT_CLOSES = {"outcome": {"id": 2}, "description": "closed", "note": "closing it"}


def test_an_edit_sent_as_several_requests_counts_each_of_its_own_writes(
    lead_world: tuple[responses.RequestsMock, BridgeAPI, RpcAPI],
) -> None:
    mock, api, direct = lead_world
    read = api.getLead(5)
    before = len(mock.calls)
    edited = api.editLead(5, read["rev"], EDIT_THAT_CLOSES)
    writes = [r for r in _requests(mock)[before:] if not r.startswith("GET")]
    assert writes == [
        "POST /rest/leads/5-leads/status",
        "PATCH /rest/leads/5-leads",
        "POST /rest/notes",
    ]
    assert edited["description"] == "closed" and direct.getLead(5)["status"] != 0


def test_an_outside_write_between_two_requests_of_one_edit_is_reported(
    lead_world: tuple[responses.RequestsMock, BridgeAPI, RpcAPI],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, api, direct = lead_world
    read = api.getLead(5)
    leads = api.rest.leads
    real_close = leads.close

    def close_then_outsider_writes(*args: Any, **kwargs: Any) -> Any:
        result = real_close(*args, **kwargs)
        direct.editLead(5, REV_IGNORE, {"confidence": 5})
        return result

    monkeypatch.setattr(leads, "close", close_then_outsider_writes)
    with pytest.raises(errors.ConflictError) as caught:
        api.editLead(5, read["rev"], EDIT_THAT_CLOSES)
    assert caught.value.data["applied"] is True and caught.value.data["own_writes"] == 2


def test_an_undisturbed_edit_costs_two_event_reads_and_one_re_read(
    mock: responses.RequestsMock,
) -> None:
    api = _bridge(mock)
    read = api.getTask(TASK_ID)
    before = len(mock.calls)
    edited = api.editTask(TASK_ID, read["rev"], {"title": "quiet"})
    assert edited["title"] == "quiet" and is_bridge_rev(edited["rev"])
    sent = _requests(mock)[before:]
    path = f"/rest/tasks/{TASK_ID}-tasks"
    assert sent[:5] == [
        f"GET {path}",  # the record, and the rev check against it
        "GET /rest/events",  # the mark
        f"GET {path}",  # the re-read right before the write
        f"PATCH {path}",
        "GET /rest/events",  # nobody else wrote it meanwhile
    ]
    assert all(r.startswith("GET ") for r in sent[5:])  # reading the result back


def test_rev_ignore_opts_out_of_the_checks_as_over_rpc(mock: responses.RequestsMock) -> None:
    api = _bridge(mock)
    before = len(mock.calls)
    api.editTask(TASK_ID, REV_IGNORE, {"title": "blind"})
    sent = _requests(mock)[before:]
    path = f"/rest/tasks/{TASK_ID}-tasks"
    assert sent[:2] == [f"GET {path}", f"PATCH {path}"]  # the 404 check, then the write
    assert "GET /rest/events" not in sent


def test_an_unreadable_event_log_turns_only_the_after_check_off(
    emulator: Emulator, mock: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    api = _bridge(mock)
    read = api.getTask(TASK_ID)
    emulator.faults.add("GET /rest/events*", Fault.http_status(403))
    edited = api.editTask(TASK_ID, read["rev"], {"title": "no log"})
    assert edited["title"] == "no log"
    assert "event log cannot be read" in caplog.text
    # The re-read still guards: a stale rev is still refused.
    with pytest.raises(errors.ConflictError):
        api.editTask(TASK_ID, read["rev"], {"title": "stale"})


def test_a_failing_event_log_read_before_the_write_fails_the_call_with_nothing_written(
    emulator: Emulator, mock: responses.RequestsMock
) -> None:
    api = _bridge(mock)
    read = api.getTask(TASK_ID)
    emulator.faults.add("GET /rest/events*", Fault.http_status(500))
    with pytest.raises(errors.ServerError):
        api.editTask(TASK_ID, read["rev"], {"title": "never"})
    assert not any(r.startswith("PATCH") for r in _requests(mock))


# -- the locks ----------------------------------------------------------------------------------


def test_both_routes_hold_the_record_lock_around_check_and_write(
    mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    held: list[frozenset[tuple[str, int]]] = []
    rest_api = _bridge(mock)
    real_update = rest_api.rest.tasks.update

    def update(*args: Any, **kwargs: Any) -> Any:
        held.append(RECORD_LOCKS.in_use())
        return real_update(*args, **kwargs)

    monkeypatch.setattr(rest_api.rest.tasks, "update", update)
    rest_api.editTask(TASK_ID, REV_IGNORE, {"title": "rest"})

    rpc_api = _bridge(mock, route="rpc")
    real_call = RpcAPI.call_named

    def call_named(self: RpcAPI, row: Any, params: Any) -> Any:
        held.append(RECORD_LOCKS.in_use())
        return real_call(self, row, params)

    monkeypatch.setattr(RpcAPI, "call_named", call_named)
    rpc_api.editTask(TASK_ID, REV_IGNORE, {"title": "rpc"})
    rpc_api.getTask(TASK_ID)  # a read takes no lock
    assert held == [frozenset({("Task", TASK_ID)})] * 2 + [frozenset()]
    assert len(RECORD_LOCKS) == 0


def test_a_bridge_waits_for_another_bridges_edit_of_the_same_record(
    mock: responses.RequestsMock,
) -> None:
    locks = RecordLocks()
    api = _bridge(mock, locks=locks, lock_timeout=0.2)
    other = api.newTask({"title": "another record"})["id"]
    with locks.hold("Task", TASK_ID):
        # Another call holds the record: this one waits, then gives up with nothing sent.
        before = len(mock.calls)
        outcome: list[BaseException] = []
        thread = threading.Thread(target=lambda: _capture(outcome, api, TASK_ID))
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive()
        assert len(mock.calls) == before
        # Another record is not held up.
        thread = threading.Thread(target=lambda: _capture(outcome, api, other))
        thread.start()
        thread.join(timeout=10)
    (error,) = outcome
    assert isinstance(error, errors.ConflictError) and error.data["applied"] is False
    assert "nothing was written" in str(error)
    assert api.getTask(other)["title"] == "edited"
    # The lock is free again once released, and no entry is left behind.
    api.editTask(TASK_ID, REV_IGNORE, {"title": "free"})
    assert len(locks) == 0


def _capture(into: list[BaseException], api: BridgeAPI, task_id: int) -> None:
    try:
        api.editTask(task_id, REV_IGNORE, {"title": "edited"})
    except BaseException as exc:  # handed to the test thread to assert on
        into.append(exc)


def test_locks_of_idle_records_do_not_accumulate() -> None:
    locks = RecordLocks()
    for record_id in range(1, 501):
        with locks.hold("Lead", record_id):
            assert locks.in_use() == {("Lead", record_id)}
    assert len(locks) == 0
    with locks.hold("Lead", 1), locks.hold("Lead", 1):  # re-entrant in one thread
        assert len(locks) == 1
    assert len(locks) == 0


def test_waiters_keep_a_lock_alive_and_the_last_one_drops_it() -> None:
    locks = RecordLocks()
    order: list[str] = []
    entered = threading.Event()
    release = threading.Event()

    def first() -> None:
        with locks.hold("Contact", 3):
            order.append("first in")
            entered.set()
            release.wait(timeout=10)
            order.append("first out")

    def second() -> None:
        entered.wait(timeout=10)
        with locks.hold("Contact", 3, timeout=10):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    entered.wait(timeout=10)
    for _ in range(200):  # until the second thread is waiting (bounded: 2 s)
        if locks.in_use() == {("Contact", 3)} and len(order) == 1:
            break
        time.sleep(0.01)
    assert len(locks) == 1
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["first in", "first out", "second in"]
    assert len(locks) == 0


def test_a_lock_wait_is_bounded() -> None:
    locks = RecordLocks()
    with locks.hold("Task", 1):
        failures: list[BaseException] = []

        def wait() -> None:
            try:
                with locks.hold("Task", 1, timeout=0.05, method="editTask"):
                    pass
            except errors.ConflictError as exc:
                failures.append(exc)

        thread = threading.Thread(target=wait)
        thread.start()
        thread.join(timeout=10)
    (failure,) = failures
    assert "over 0.05s" in str(failure)
    assert len(locks) == 0
    with pytest.raises(errors.UsageError), locks.hold("Task", 1, timeout=0):
        pass
