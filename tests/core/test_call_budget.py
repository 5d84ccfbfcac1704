"""Call budgets (nutshell_core.deadline.call_budget): one deadline for a call's requests.

A fake clock moves only when a ``responses`` callback says the answer was late, so every bound
here is exact and nothing really waits.
"""

from __future__ import annotations

import pickle
import threading
from typing import Any

import pytest
import requests
import responses

from nutshell_core import errors
from nutshell_core.deadline import (
    CallBudget,
    CallDeadlineError,
    call_budget,
    call_window,
    current_budget,
)
from nutshell_core.transport import Credentials, RetryPolicy, Timeouts, Transport

URL = "https://app.nutshell.com/rest/leads"
CREDS = Credentials(username="migrator@example.com", api_key="sekrit-KEY-123456")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _transport(clock: FakeClock, **options: Any) -> Transport:
    return Transport(
        credentials=CREDS,
        timeouts=Timeouts(connect=1.0, read=1.0),
        retry=options.pop("retry", RetryPolicy(deadline=3.0)),
        clock=clock,
        sleep=clock.sleep,
        random=lambda: 0.5,
        **options,
    )


def _late(clock: FakeClock, seconds: float, status: int = 200) -> Any:
    def answer(_request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        clock.sleep(seconds)
        return status, {"Content-Type": "application/json"}, '{"leads": []}'

    return answer


# -- the budget itself --------------------------------------------------------------------------


def test_without_a_budget_the_request_keeps_its_own_deadline() -> None:
    assert current_budget() is None
    assert call_window(3.0, "GET /leads") == (3.0, "the 3s deadline")


def test_a_budget_leaves_less_as_time_passes(clock: FakeClock) -> None:
    with call_budget("getLead", 2.0, clock=clock) as budget:
        assert current_budget() is budget
        assert call_window(3.0, "GET /leads") == (2.0, "the 2s deadline of the getLead call")
        clock.sleep(1.5)
        assert budget.left() == pytest.approx(0.5)
        assert call_window(0.2, "GET /leads") == (0.2, "the 0.2s deadline")  # its own is shorter
        clock.sleep(0.5)
        with pytest.raises(CallDeadlineError) as caught:
            call_window(3.0, "GET /leads")
    assert current_budget() is None
    error = caught.value
    assert isinstance(error, errors.RequestTimeoutError)
    assert not isinstance(error, errors.OutcomeUnknownError)
    assert str(error) == (
        "GET /leads: not sent: the 2s deadline of the getLead call passed before this request "
        "could start"
    )
    assert (error.call, error.deadline, error.target) == ("getLead", 2.0, "GET /leads")
    again = pickle.loads(pickle.dumps(error))
    assert (again.call, again.deadline, str(again)) == ("getLead", 2.0, str(error))


def test_a_nested_budget_cannot_outlast_the_outer_one(clock: FakeClock) -> None:
    with call_budget("outer", 1.0, clock=clock), call_budget("inner", 5.0, clock=clock) as inner:
        assert inner.left() == pytest.approx(1.0)
        assert inner.describe() == "the 1s deadline of the outer call"
    with call_budget("outer", 5.0, clock=clock), call_budget("inner", 1.0, clock=clock) as inner:
        assert inner.describe() == "the 1s deadline of the inner call"
    assert "inner" in repr(inner)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), True, "2"])
def test_a_bad_budget_is_refused(bad: Any) -> None:
    with pytest.raises(errors.ConfigurationError):
        CallBudget("getLead", bad)


def test_a_budget_belongs_to_its_context_not_to_other_threads(clock: FakeClock) -> None:
    seen: list[CallBudget | None] = []
    with call_budget("getLead", 2.0, clock=clock) as budget:
        thread = threading.Thread(target=lambda: seen.append(current_budget()))
        thread.start()
        thread.join(5.0)

        def carried() -> None:
            with budget.applied():
                seen.append(current_budget())

        thread = threading.Thread(target=carried)
        thread.start()
        thread.join(5.0)
    assert seen == [None, budget]


# -- the transport under a budget -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_with_no_time_left_nothing_is_sent(clock: FakeClock, method: str) -> None:
    transport = _transport(clock)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(method, URL, json={"leads": []})
        with call_budget("newContact", 1.0, clock=clock):
            clock.sleep(1.0)
            with pytest.raises(CallDeadlineError) as caught:
                transport.request(method, URL, idempotent=method == "GET")
        assert len(mock.calls) == 0
    # Even a write: it never left, so it is a plain timeout, not an unknown outcome.
    assert not isinstance(caught.value, errors.OutcomeUnknownError)
    assert "the 1s deadline of the newContact call" in str(caught.value)


def test_a_late_answer_to_a_read_is_a_timeout_naming_the_call(clock: FakeClock) -> None:
    transport = _transport(clock)
    with responses.RequestsMock() as mock:
        mock.add_callback("GET", URL, callback=_late(clock, 0.9))
        with call_budget("findLeads", 2.0, clock=clock):
            transport.request("GET", URL, idempotent=True)
            transport.request("GET", URL, idempotent=True)
            start = clock.now
            with pytest.raises(errors.RequestTimeoutError) as caught:
                transport.request("GET", URL, idempotent=True)  # 0.2 s left, 0.9 s late
    assert clock.now - start == pytest.approx(0.9)
    assert not isinstance(caught.value, errors.OutcomeUnknownError)
    assert "the 2s deadline of the findLeads call passed" in str(caught.value)


def test_a_late_answer_to_a_write_is_an_unknown_outcome(clock: FakeClock) -> None:
    transport = _transport(clock)
    with responses.RequestsMock() as mock:
        mock.add_callback("POST", URL, callback=_late(clock, 0.9))
        with (
            call_budget("newLead", 0.5, clock=clock),
            pytest.raises(errors.OutcomeUnknownError) as caught,
        ):
            transport.request("POST", URL, idempotent=False, json={"leads": [{}]})
    assert "the 0.5s deadline of the newLead call" in str(caught.value)
    assert "may or may not have been applied" in str(caught.value)


def test_retries_stop_at_the_call_deadline(clock: FakeClock) -> None:
    transport = _transport(clock, retry=RetryPolicy(deadline=30.0, max_attempts=10))
    with responses.RequestsMock() as mock:
        mock.add_callback("GET", URL, callback=_late(clock, 0.4, status=503))
        with call_budget("getLead", 2.0, clock=clock):
            response = transport.request("GET", URL, idempotent=True)
        assert 1 < len(mock.calls) < 10
    assert response.status_code == 503  # the last answer, for the caller's typed error
    assert clock.now - 100.0 <= 2.0


def test_a_quick_call_is_unaffected(clock: FakeClock) -> None:
    transport = _transport(clock)
    with responses.RequestsMock() as mock:
        mock.add_callback("GET", URL, callback=_late(clock, 0.0))
        with call_budget("getLead", 0.5, clock=clock):
            for _ in range(20):
                assert transport.request("GET", URL, idempotent=True).status_code == 200
