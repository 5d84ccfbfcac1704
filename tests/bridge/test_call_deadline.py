"""One deadline per legacy call: every request the call makes gets only what is left of it.

The emulator answers every request 0.9 s late on a fake clock (its delay advances the clock the
bridge's transports read), inside the 1 s read timeout and the 3 s per-request deadline: without
a call deadline a REST-routed getLead makes a dozen such requests and takes over 10 s. With it,
each call ends within its deadline + 1 s with a typed error: a read raises
:class:`RequestTimeoutError` naming the call and its deadline; a write whose request may have
reached the server raises :class:`OutcomeUnknownError`, and a write that never left is a plain
timeout. One test does the same on real sockets, with short real delays.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.api import _writes_applied
from bridge.experiment import Result
from bridge.routes import Mode, Routes
from nutshell_core import errors
from nutshell_core.deadline import CallDeadlineError
from nutshell_core.transport import RetryPolicy, Timeouts
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_emulator.faults import Fault
from nutshell_rest import SentRequest, track_requests
from nutshell_rpc import NutshellAPI as RpcAPI

ENDPOINT = "https://app.nutshell.com/api/v1/json"
LATE = 0.9  # every answer this late: inside the read timeout and the per-request deadline
DEADLINE = 3.0
SLACK = 1.0  # the most a call may outlive its deadline


class FakeTime:
    """A clock that moves only when something sleeps (the emulator's delay, a backoff)."""

    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()  # a shadow's candidate sleeps from another thread

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(seconds, 0.0)


class World:
    """A small seeded emulator on a fake clock, mounted on Nutshell's hosts."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.time = FakeTime()
        self.emulator = Emulator(sleep=self.time.sleep)
        self.emulator.seed(20, random_seed=3)
        self.emulator.mount(mock)
        self.rpc = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, sleep=lambda _s: None)
        first = self.rpc.findLeads(query={}, limit=1)[0]
        self.lead = self.rpc.getLead(leadId=first["id"])

    def bridge(self, mode: Mode = Mode.REST, **options: Any) -> BridgeAPI:
        settings: dict[str, Any] = {
            "timeouts": Timeouts(connect=1.0, read=1.0),
            "retry": RetryPolicy(deadline=DEADLINE),
            **options,
        }
        return BridgeAPI(
            DEFAULT_EMAIL,
            DEFAULT_API_KEY,
            endpoint=ENDPOINT,
            routes=Routes({}, default=mode),
            sleep=self.time.sleep,
            clock=self.time.clock,
            **settings,
        )

    def slow(self, seconds: float = LATE) -> None:
        self.emulator.faults.add("*", Fault.delay(seconds))

    def quick(self) -> None:
        self.emulator.faults.clear()


@pytest.fixture
def world() -> Iterator[World]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        built = World(mock)
        yield built
        built.rpc.close()
        built.emulator.close()


def _timed(world: World, call: Callable[[], Any]) -> tuple[float, Any, BaseException | None]:
    start = world.time.clock()
    try:
        value, failure = call(), None
    except errors.NutshellError as exc:
        value, failure = None, exc
    return world.time.clock() - start, value, failure


def _calls(world: World, api: BridgeAPI) -> dict[str, Callable[[], Any]]:
    lead_id, rev = world.lead["id"], world.lead["rev"]
    return {
        "getLead": lambda: api.getLead(leadId=lead_id),
        "findLeads": lambda: api.findLeads(query={}, limit=50),
        "newContact": lambda: api.newContact(contact={"name": "Dee Deadline"}),
        "editLead": lambda: api.editLead(
            leadId=lead_id, rev=rev, lead={"description": "Edited under a deadline"}
        ),
    }


def _applied(world: World, method: str) -> bool:
    """Whether the write ``method`` made reached the emulator's data (read without delays)."""
    world.quick()
    if method == "newContact":
        return bool(world.rpc.searchContacts(string="Dee Deadline"))
    lead = world.rpc.getLead(leadId=world.lead["id"])
    return bool(lead.get("description") == "Edited under a deadline")


# -- every answer late --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["getLead", "findLeads", "newContact", "editLead"])
def test_a_call_with_every_answer_late_ends_within_its_deadline(world: World, method: str) -> None:
    api = world.bridge()
    world.slow()
    took, _, failure = _timed(world, _calls(world, api)[method])
    assert took <= DEADLINE + SLACK, f"{method} took {took:.1f}s"
    assert isinstance(failure, errors.RequestTimeoutError), failure
    message = str(failure)
    assert f"the {DEADLINE:g}s deadline of the {method} call" in message
    if method in ("getLead", "findLeads"):
        assert not isinstance(failure, errors.OutcomeUnknownError)
    else:
        # A write that reached the server is never a definite failure; one that never left
        # (editLead here: three late reads come first) is a plain timeout.
        applied = _applied(world, method)
        assert isinstance(failure, errors.OutcomeUnknownError) == applied, message
        assert applied == (method == "newContact")


@pytest.mark.parametrize("method", ["newContact", "editLead"])
@pytest.mark.parametrize("deadline", [0.5, 1.0, 1.5, 2.0, 2.5, 3.5, 4.5, 6.0, 30.0])
def test_a_write_is_outcome_unknown_exactly_when_it_may_have_been_applied(
    world: World, method: str, deadline: float
) -> None:
    api = world.bridge(call_deadline=deadline)
    world.slow()
    took, _, failure = _timed(world, _calls(world, api)[method])
    assert took <= deadline + SLACK
    applied = _applied(world, method)
    if failure is None:
        assert applied
    else:
        assert isinstance(failure, errors.RequestTimeoutError), failure
        assert f"deadline of the {method} call" in str(failure)
        # Applied (or maybe applied) and reported as such; or not applied and a plain timeout.
        assert isinstance(failure, errors.OutcomeUnknownError) == applied, str(failure)


def test_a_normal_call_is_unaffected(world: World) -> None:
    api = world.bridge()
    for method, call in _calls(world, api).items():
        took, value, failure = _timed(world, call)
        assert failure is None, f"{method}: {failure}"
        assert value
        assert took == 0.0  # nothing slept: no retry, no wait
    assert api.call_deadline == DEADLINE


def test_late_answers_within_a_longer_call_deadline_succeed(world: World) -> None:
    api = world.bridge(retry=RetryPolicy(deadline=DEADLINE), call_deadline=60.0)
    world.slow()
    for method, call in _calls(world, api).items():
        took, value, failure = _timed(world, call)
        assert failure is None, f"{method}: {failure}"
        assert (value and took > DEADLINE) or method != "getLead"


def test_the_call_deadline_defaults_to_the_shorter_client_deadline(world: World) -> None:
    api = world.bridge(retry=RetryPolicy(deadline=7.0))
    assert api.call_deadline == 7.0
    rest_first = BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=ENDPOINT,
        rpc=RpcAPI(
            DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, retry=RetryPolicy(deadline=9)
        ),
        retry=RetryPolicy(deadline=4.0),
    )
    assert rest_first.call_deadline == 4.0
    assert world.bridge(call_deadline=2).call_deadline == 2.0


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), True, "3"])
def test_a_bad_call_deadline_is_refused(world: World, bad: Any) -> None:
    with pytest.raises(errors.ConfigurationError, match="call_deadline"):
        world.bridge(call_deadline=bad)


def test_typed_calls_share_the_deadline_too(world: World) -> None:
    api = world.bridge()
    world.slow()
    start = world.time.clock()
    with pytest.raises(errors.RequestTimeoutError, match="getLead call"):
        api.leads.get(world.lead["id"])
    assert world.time.clock() - start <= DEADLINE + SLACK


# -- the other routes ---------------------------------------------------------------------------


def test_an_rpc_routed_call_respects_the_call_deadline(world: World) -> None:
    api = world.bridge(Mode.RPC, call_deadline=0.5)
    world.slow()
    took, _, failure = _timed(world, lambda: api.getLead(leadId=world.lead["id"]))
    assert took <= 0.5 + SLACK
    assert isinstance(failure, errors.RequestTimeoutError)
    assert not isinstance(failure, errors.OutcomeUnknownError)
    assert "the 0.5s deadline of the getLead call" in str(failure)


def test_an_rpc_edit_with_a_bridge_rev_checks_it_within_the_deadline(world: World) -> None:
    api = world.bridge(call_deadline=2.0)
    rev = api.getLead(leadId=world.lead["id"])["rev"]  # a rev the bridge issued
    api.route("editLead", "rpc")
    world.slow()
    took, _, failure = _timed(
        world,
        lambda: api.editLead(
            leadId=world.lead["id"], rev=rev, lead={"description": "Edited under a deadline"}
        ),
    )
    # The RPC rev read and the REST rev check fit in 2 s; the edit itself is sent with what
    # is left, and its late answer leaves it in doubt.
    assert took <= 2.0 + SLACK
    assert isinstance(failure, errors.OutcomeUnknownError), failure
    assert "the 2s deadline of the editLead call" in str(failure)
    assert _applied(world, "editLead")


def test_a_read_falling_back_to_rpc_stays_within_the_deadline(world: World) -> None:
    api = world.bridge(Mode.REST_FALLBACK)
    world.slow()
    took, _, failure = _timed(world, lambda: api.getLead(leadId=world.lead["id"]))
    assert took <= DEADLINE + SLACK
    assert isinstance(failure, errors.RequestTimeoutError)
    assert "deadline of the getLead call" in str(failure)


# -- a write that never left ----------------------------------------------------------------------


def test_a_write_not_sent_for_want_of_time_is_not_counted_as_applied() -> None:
    spent = CallDeadlineError("POST /contacts: not sent", "POST /contacts", call="newContact")
    sent = [
        SentRequest("GET", "/users", reached=True),
        SentRequest("POST", "/contacts", reached=True),  # recorded, though it never left
    ]
    assert _writes_applied(sent, spent) == 0
    after_a_write = [SentRequest("PATCH", "/leads/1-leads", reached=True), *sent]
    assert _writes_applied(after_a_write, spent) == 1
    timed_out = errors.RequestTimeoutError("POST /contacts: no answer", "POST /contacts")
    assert _writes_applied(sent, timed_out) == 1


def test_a_call_out_of_time_sends_nothing_more(world: World) -> None:
    api = world.bridge(call_deadline=0.5)
    world.slow(0.6)
    with track_requests() as log:
        took, _, failure = _timed(world, lambda: api.getLead(leadId=world.lead["id"]))
    assert isinstance(failure, errors.RequestTimeoutError)
    assert took <= 0.5 + SLACK
    assert len(log.requests) == 1  # the first late answer ended the call


# -- real sockets -------------------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[tuple[Emulator, str]]:
    """A small seeded emulator on loopback; yields it and its JSON-RPC endpoint."""
    emulator = Emulator()
    emulator.seed(20, random_seed=3)
    with emulator.serve() as urls:
        yield emulator, urls.rpc
    emulator.close()


def _real_bridge(endpoint: str, **options: Any) -> BridgeAPI:
    return BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=endpoint,
        routes=Routes({}, default=Mode.REST),
        timeouts=Timeouts(connect=1.0, read=1.0),
        **options,
    )


def test_on_real_sockets_a_slow_server_cannot_outlast_the_call_deadline(
    served: tuple[Emulator, str],
) -> None:
    emulator, endpoint = served
    api = _real_bridge(endpoint, call_deadline=0.3)
    lead_id = api.rpc.findLeads(query={}, limit=1)[0]["id"]
    emulator.faults.add("*", Fault.delay(0.05))  # a dozen of these outlast 0.3 s
    calls: tuple[Callable[[], Any], ...] = (
        lambda: api.getLead(leadId=lead_id),
        lambda: api.findLeads(query={}, limit=50),
    )
    for call in calls:
        api.context.cache.invalidate()
        start = time.monotonic()
        with pytest.raises(errors.RequestTimeoutError, match=r"0\.3s deadline of the"):
            call()
        assert time.monotonic() - start <= 0.3 + SLACK
    emulator.faults.clear()
    assert api.getLead(leadId=lead_id)["id"] == lead_id
    api.close()


def test_a_shadow_candidate_runs_under_the_same_deadline(served: tuple[Emulator, str]) -> None:
    emulator, endpoint = served
    results: list[Result] = []
    api = _real_bridge(endpoint, call_deadline=0.5, publishers=[results.append])
    api.route("getLead", Mode.SHADOW)
    lead_id = api.rpc.findLeads(query={}, limit=1)[0]["id"]
    emulator.faults.add("*", Fault.delay(0.08))
    start = time.monotonic()
    assert api.getLead(leadId=lead_id)["id"] == lead_id  # the RPC control: one late answer
    assert time.monotonic() - start <= 0.5 + SLACK
    (result,) = results
    (candidate,) = result.candidates
    # The REST candidate needs a dozen late answers: in its own thread, it ran out of the
    # call's time instead of going on for a second (within the 5 s shadow timeout).
    assert isinstance(candidate.exception, errors.RequestTimeoutError), candidate
    assert "the 0.5s deadline of the getLead call" in str(candidate.exception)
    api.close()
