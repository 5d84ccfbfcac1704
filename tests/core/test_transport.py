"""Tests for nutshell_core.transport: HTTPS only, safe redirects, retries, no credential leaks.

HTTP is mocked with ``responses``; a few tests talk to a throwaway socket server on 127.0.0.1
to prove the failure classification on the exception chains requests and urllib3 really build.
Time never passes for real: ``sleep``, ``clock``, ``random`` and ``now`` are injected.
"""

from __future__ import annotations

import base64
import copy
import logging
import pickle
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, TypeVar

import pytest
import requests
import responses
import urllib3
from hypothesis import given
from hypothesis import strategies as st
from requests.exceptions import ChunkedEncodingError, ConnectTimeout, ReadTimeout
from responses import matchers
from urllib3.connection import HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from nutshell_core import errors
from nutshell_core.transport import (
    MAX_REDIRECTS,
    USER_AGENT,
    Credentials,
    RetryPolicy,
    Timeouts,
    Transport,
    check_url_is_safe,
    is_loopback_host,
    parse_retry_after,
    request_id,
)

USER = "migrator@example.com"
KEY = "sekrit-KEY-123456"
CREDS = Credentials(username=USER, api_key=KEY)
TOKEN = base64.b64encode(f"{USER}:{KEY}".encode()).decode()
SECRETS = (KEY, TOKEN)
BASE = "https://app.nutshell.com"
LEADS = f"{BASE}/rest/leads"
RPC = f"{BASE}/api/v1/json"
NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)

E = TypeVar("E", bound=BaseException)


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------------------------


class FakeTime:
    """A monotonic clock that only moves when slept on (or when a test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def make(fake: FakeTime) -> Callable[..., Transport]:
    def build(**overrides: Any) -> Transport:
        options: dict[str, Any] = {
            "credentials": CREDS,
            "sleep": fake.sleep,
            "clock": fake.clock,
            "random": lambda: 0.5,
            "now": lambda: NOW,
        }
        options.update(overrides)
        return Transport(**options)

    return build


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.fixture
def caught() -> Iterator[list[BaseException]]:
    """Every error a test collects; on teardown, none of them may mention the credentials."""
    seen: list[BaseException] = []
    yield seen
    for error in seen:
        assert_no_secret(str(error))
        assert_no_secret(repr(error))
        assert_no_secret(repr(error.args))


@pytest.fixture(autouse=True)
def debug_logs_never_leak(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test runs with DEBUG logging on; nothing logged may mention the credentials."""
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.get_records("call"):
        assert_no_secret(record.getMessage())
    assert_no_secret(caplog.text)


def expect(seen: list[BaseException], kind: type[E], call: Callable[[], object]) -> E:
    with pytest.raises(kind) as info:
        call()
    seen.append(info.value)
    return info.value


class RecordingSession(requests.Session):
    """A session that remembers the keyword arguments of every request."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[dict[str, Any]] = []
        self.closes = 0

    def close(self) -> None:
        self.closes += 1
        super().close()

    def request(self, method: str | bytes, url: str | bytes, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.seen.append(kwargs)
        return super().request(method, url, **kwargs)


def auth_header(call: Any) -> str | None:
    value = call.request.headers.get("Authorization")
    return None if value is None else str(value)


# Exceptions shaped exactly like the ones requests raises (see the loopback tests below, which
# check the real ones are classified the same way).
def _pool() -> urllib3.HTTPSConnectionPool:
    return urllib3.HTTPSConnectionPool("app.nutshell.com", 443)


def refused() -> requests.ConnectionError:
    reason = NewConnectionError(
        HTTPSConnection("app.nutshell.com", 443),
        "Failed to establish a new connection: [Errno 111] Connection refused",
    )
    reason.__cause__ = ConnectionRefusedError(111, "Connection refused")
    return requests.ConnectionError(MaxRetryError(_pool(), "/rest/leads", reason))


def dns_failure() -> requests.ConnectionError:
    reason = NameResolutionError(
        "app.nutshell.com",
        HTTPSConnection("app.nutshell.com", 443),
        socket.gaierror(-2, "Name or service not known"),
    )
    return requests.ConnectionError(MaxRetryError(_pool(), "/rest/leads", reason))


def connect_timeout() -> ConnectTimeout:
    reason = ConnectTimeoutError(
        HTTPSConnection("app.nutshell.com", 443), "Connection timed out. (connect timeout=5.0)"
    )
    return ConnectTimeout(MaxRetryError(_pool(), "/rest/leads", reason))


def read_timeout() -> ReadTimeout:
    return ReadTimeout(ReadTimeoutError(_pool(), "/rest/leads", "Read timed out."))


def reset() -> requests.ConnectionError:
    return requests.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
    )


def body_read_timeout() -> requests.ConnectionError:
    # What requests raises when the read timeout strikes while the body is streaming in.
    return requests.ConnectionError(ReadTimeoutError(_pool(), None, "Read timed out."))


# ---------------------------------------------------------------------------------------------
# Value objects
# ---------------------------------------------------------------------------------------------


def test_credentials_repr_and_str_mask_the_key() -> None:
    assert repr(CREDS) == f"Credentials(username={USER!r}, api_key='[secure]')"
    assert str(CREDS) == repr(CREDS)
    assert_no_secret(repr(CREDS))


@pytest.mark.parametrize(
    "clone", [pickle.dumps, copy.copy, copy.deepcopy], ids=["pickle", "copy", "deepcopy"]
)
def test_credentials_refuse_to_be_pickled_or_copied(
    caught: list[BaseException], clone: Callable[[Any], object]
) -> None:
    error = expect(caught, errors.ConfigurationError, lambda: clone(CREDS))
    assert "not picklable" in str(error)


@pytest.mark.parametrize(
    ("username", "api_key"),
    [("", KEY), (USER, ""), ("a:b", KEY), ("me\r\nX-Evil: 1", KEY), (USER, KEY + "\n")],
)
def test_credentials_are_validated_without_echoing_the_key(
    caught: list[BaseException], username: str, api_key: str
) -> None:
    expect(caught, errors.ConfigurationError, lambda: Credentials(username, api_key))


@pytest.mark.parametrize(
    "build",
    [
        lambda: Timeouts(connect=0),
        lambda: Timeouts(read=-1),
        lambda: Timeouts(read=float("inf")),
        lambda: Timeouts(connect=None),  # type: ignore[arg-type]
        lambda: RetryPolicy(max_attempts=0),
        lambda: RetryPolicy(max_attempts=True),
        lambda: RetryPolicy(multiplier=0.5),
        lambda: RetryPolicy(deadline=0),
        lambda: RetryPolicy(backoff_initial=-0.1),
        lambda: RetryPolicy(max_retry_after=float("nan")),
    ],
)
def test_bad_timeouts_and_policies_are_configuration_errors(
    caught: list[BaseException], build: Callable[[], object]
) -> None:
    expect(caught, errors.ConfigurationError, build)


def test_backoff_is_full_jitter_over_a_capped_exponential() -> None:
    policy = RetryPolicy()
    assert [policy.backoff(n, lambda: 0.5) for n in (1, 2, 3, 4, 5, 6)] == [
        0.25,
        0.5,
        1.0,
        2.0,
        4.0,
        4.0,  # 0.5 * 2**5 = 16, capped at backoff_max 8
    ]
    assert policy.backoff(3, lambda: 0.0) == 0.0
    assert RetryPolicy(jitter=False).backoff(3, lambda: 0.0) == 2.0
    assert RetryPolicy(jitter=False).backoff(10_000, lambda: 0.0) == 8.0  # no OverflowError


@given(retry=st.integers(1, 5000), fraction=st.floats(0, 1))
def test_backoff_stays_within_zero_and_the_cap(retry: int, fraction: float) -> None:
    delay = RetryPolicy().backoff(retry, lambda: fraction)
    assert 0.0 <= delay <= 8.0


def test_transport_repr_shows_the_username_but_not_the_key(make: Callable[..., Transport]) -> None:
    with make() as transport:
        text = repr(transport)
    assert USER in text
    assert_no_secret(text)
    assert_no_secret(str(vars(transport).get("_auth")))


def test_transport_rejects_bad_configuration(caught: list[BaseException]) -> None:
    expect(caught, errors.ConfigurationError, lambda: Transport(credentials=(USER, KEY)))  # type: ignore[arg-type]
    expect(
        caught,
        errors.ConfigurationError,
        lambda: Transport(credentials=CREDS, user_agent="x\r\nAuthorization: y"),
    )


# ---------------------------------------------------------------------------------------------
# HTTPS enforcement
# ---------------------------------------------------------------------------------------------

UNSAFE_URLS = [
    "http://app.nutshell.com/rest/leads",
    "http://10.0.0.1/api/v1/json",
    "http://192.168.1.10:8080/api/v1/json",
    "http://localhost.evil.example.com/",
    "http://127.0.0.1.evil.example.com/",
    "http://localhost./",  # an FQDN: resolved by DNS, not necessarily loopback
    "http://127.1/",  # resolvers read this as 127.0.0.1; ipaddress does not, so refuse it
    "http://[::2]/",
    "http://0.0.0.0/",
    f"https://{USER.replace('@', '%40')}:{KEY}@app.nutshell.com/api/v1/json",
    "http://evil.example.com\\@localhost/",
    "https://app.nutshell.com:99999/",
    "https:///rest/leads",
    "ftp://app.nutshell.com/",
    "app.nutshell.com/rest/leads",
    " https://app.nutshell.com/",
    "https://app.nut\nshell.com/",
]


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_unsafe_urls_are_refused_before_any_request(
    make: Callable[..., Transport],
    rsps: responses.RequestsMock,
    caught: list[BaseException],
    url: str,
) -> None:
    rsps.add(responses.GET, url.strip(), status=200)
    expect(caught, errors.InsecureTransportError, lambda: check_url_is_safe(url))
    with make() as transport:
        expect(
            caught,
            errors.InsecureTransportError,
            lambda: transport.request("GET", url, idempotent=True),
        )
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/api/v1/json",
        "http://127.200.3.4/rest/leads",
        "http://localhost/rest/leads",
        "http://LOCALHOST:5000/rest/leads",
        "http://[::1]:8080/rest/leads",
        "https://app.nutshell.com/rest/leads",
        "https://203.0.113.7/rest/leads",
    ],
)
def test_https_and_loopback_http_are_allowed(
    make: Callable[..., Transport], rsps: responses.RequestsMock, url: str
) -> None:
    check_url_is_safe(url)
    rsps.add(responses.GET, url, json={"ok": True})
    with make() as transport:
        assert transport.request("GET", url, idempotent=True).json() == {"ok": True}
    assert len(rsps.calls) == 1


def test_loopback_http_can_be_disabled(
    make: Callable[..., Transport], rsps: responses.RequestsMock, caught: list[BaseException]
) -> None:
    with make(allow_insecure_loopback=False) as transport:
        expect(
            caught,
            errors.InsecureTransportError,
            lambda: transport.request("GET", "http://127.0.0.1:8000/x", idempotent=True),
        )
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LocalHost", True),
        ("localhost.", False),
        ("sub.localhost", False),
        ("128.0.0.1", False),
        ("10.0.0.1", False),
        ("::2", False),
        ("app.nutshell.com", False),
        ("", False),
    ],
)
def test_is_loopback_host(host: str, expected: bool) -> None:
    assert is_loopback_host(host) is expected


@given(st.ip_addresses(v=4))
def test_plain_http_is_allowed_exactly_for_127_slash_8(address: Any) -> None:
    url = f"http://{address}/api/v1/json"
    if address.packed[0] == 127:
        check_url_is_safe(url)
    else:
        with pytest.raises(errors.InsecureTransportError):
            check_url_is_safe(url)


# ---------------------------------------------------------------------------------------------
# What goes on the wire
# ---------------------------------------------------------------------------------------------


def test_every_request_carries_basic_auth_user_agent_timeouts_and_no_redirects(
    make: Callable[..., Transport], rsps: responses.RequestsMock
) -> None:
    rsps.add(
        responses.GET,
        LEADS,
        json={"leads": []},
        match=[
            matchers.request_kwargs_matcher({"timeout": (5.0, 30.0)}),
            matchers.query_param_matcher({"page[limit]": "5"}),
        ],
    )
    session = RecordingSession()
    with make(session=session) as transport:
        response = transport.request("get", LEADS, idempotent=True, params={"page[limit]": "5"})
    assert response.status_code == 200
    assert session.seen[0]["allow_redirects"] is False
    assert session.seen[0]["timeout"] == (5.0, 30.0)
    sent = rsps.calls[0].request
    assert sent.method == "GET"
    assert sent.headers["Authorization"] == f"Basic {TOKEN}"
    assert sent.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("nutshell-migrate/")
    assert sent.req_kwargs["timeout"] == (5.0, 30.0)  # type: ignore[attr-defined]


def test_custom_timeouts_are_passed(
    make: Callable[..., Transport], rsps: responses.RequestsMock
) -> None:
    rsps.add(responses.GET, LEADS, status=200)
    with make(timeouts=Timeouts(connect=2.0, read=9.5)) as transport:
        transport.request("GET", LEADS, idempotent=True)
    assert rsps.calls[0].request.req_kwargs["timeout"] == (2.0, 9.5)  # type: ignore[attr-defined]


def test_auth_false_sends_no_credentials(
    make: Callable[..., Transport], rsps: responses.RequestsMock
) -> None:
    rsps.add(responses.POST, "https://api.nutshell.com/v1/json", json={"result": {}})
    with make() as transport:
        transport.request(
            "POST", "https://api.nutshell.com/v1/json", idempotent=True, json={}, auth=False
        )
    assert auth_header(rsps.calls[0]) is None


def test_auth_without_credentials_is_a_configuration_error(
    make: Callable[..., Transport], rsps: responses.RequestsMock, caught: list[BaseException]
) -> None:
    with make(credentials=None) as transport:
        expect(
            caught,
            errors.ConfigurationError,
            lambda: transport.request("GET", LEADS, idempotent=True),
        )
        rsps.add(responses.GET, LEADS, status=200)
        assert transport.request("GET", LEADS, idempotent=True, auth=False).status_code == 200
    assert len(rsps.calls) == 1


def test_json_and_text_bodies_are_utf8(
    make: Callable[..., Transport], rsps: responses.RequestsMock
) -> None:
    rsps.add(responses.POST, RPC, status=200)
    with make() as transport:
        transport.request("POST", RPC, idempotent=False, json={"name": "Zoë – Lead"})
        transport.request("POST", RPC, idempotent=False, json=None)
        transport.request(
            "POST", RPC, idempotent=False, data="Zoë", headers={"Content-Type": "text/plain"}
        )
        transport.request(
            "POST",
            RPC,
            idempotent=False,
            json=[],
            headers={"content-type": "application/vnd.api+json"},
        )
    first, null, text, custom = (call.request for call in rsps.calls)
    assert first.body == '{"name": "Zoë – Lead"}'.encode()
    assert first.headers["Content-Type"] == "application/json"
    assert null.body == b"null"
    assert text.body == "Zoë".encode()
    assert text.headers["Content-Type"] == "text/plain"
    assert custom.headers["Content-Type"] == "application/vnd.api+json"


def test_bad_arguments_are_usage_errors_before_any_request(
    make: Callable[..., Transport], rsps: responses.RequestsMock, caught: list[BaseException]
) -> None:
    with make() as transport:
        for call in (
            lambda: transport.request("POST", RPC, idempotent=False, json={}, data=b"x"),
            lambda: transport.request("POST", RPC, idempotent=False, json={"n": float("nan")}),
            lambda: transport.request("POST", RPC, idempotent=False, json={"s": {1, 2}}),
            lambda: transport.request("GET /x", RPC, idempotent=True),
            lambda: transport.request("GET", RPC, idempotent="yes"),  # type: ignore[arg-type]
        ):
            expect(caught, errors.UsageError, call)
    assert len(rsps.calls) == 0


@pytest.mark.parametrize("status", [200, 201, 204, 400, 401, 403, 404, 409, 422, 500])
@pytest.mark.parametrize("idempotent", [True, False])
def test_final_statuses_are_returned_as_is_without_retry(
    make: Callable[..., Transport],
    rsps: responses.RequestsMock,
    fake: FakeTime,
    status: int,
    idempotent: bool,
) -> None:
    rsps.add(
        responses.POST,
        RPC,
        status=status,
        body="" if status == 204 else '{"error": {"code": 1}}',
        headers={"x-nutshell-request-id": "req-42"},
    )
    with make() as transport:
        response = transport.request("POST", RPC, idempotent=idempotent, json={})
    assert response.status_code == status
    assert request_id(response) == "req-42"
    assert len(rsps.calls) == 1
    assert fake.sleeps == []


def test_request_id_is_none_without_the_header(
    make: Callable[..., Transport], rsps: responses.RequestsMock
) -> None:
    rsps.add(responses.GET, LEADS, status=200)
    with make() as transport:
        assert request_id(transport.request("GET", LEADS, idempotent=True)) is None


def test_close_and_context_manager(
    make: Callable[..., Transport], caught: list[BaseException]
) -> None:
    own = make()
    with own:
        assert not own.closed
    assert own.closed
    own.close()  # closing twice is fine
    expect(caught, errors.ConfigurationError, lambda: own.request("GET", LEADS, idempotent=True))

    session = RecordingSession()
    with make(session=session):
        pass
    assert session.closes == 0  # a session passed in belongs to the caller


# ---------------------------------------------------------------------------------------------
# Retries of reads
# ---------------------------------------------------------------------------------------------


def test_read_429_with_retry_after_seconds_sleeps_exactly_that_then_succeeds(
    make: Callable[..., Transport], rsps: responses.RequestsMock, fake: FakeTime
) -> None:
    rsps.add(responses.GET, LEADS, status=429, headers={"Retry-After": "3"})
    rsps.add(responses.GET, LEADS, json={"leads": [1]})
    with make() as transport:
        response = transport.request("GET", LEADS, idempotent=True)
    assert response.status_code == 200
    assert response.json() == {"leads": [1]}
    assert fake.sleeps == [3.0]
    assert len(rsps.calls) == 2


def test_read_429_with_retry_after_as_an_http_date(
    make: Callable[..., Transport], rsps: responses.RequestsMock, fake: FakeTime
) -> None:
    when = format_datetime(NOW + timedelta(seconds=7), usegmt=True)
    assert when == "Thu, 01 Jan 2026 12:00:07 GMT"
    rsps.add(responses.GET, LEADS, status=429, headers={"Retry-After": when})
    rsps.add(responses.GET, LEADS, status=200)
    with make() as transport:
        assert transport.request("GET", LEADS, idempotent=True).status_code == 200
    assert fake.sleeps == [7.0]


def test_parse_retry_after() -> None:
    def now() -> datetime:
        return NOW

    assert parse_retry_after(None) is None
    assert parse_retry_after("3", now=now) == 3.0
    assert parse_retry_after(" 0 ", now=now) == 0.0
    assert parse_retry_after("1.5", now=now) == 1.5
    assert parse_retry_after("-5", now=now) is None
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after("", now=now) is None
    assert parse_retry_after("Thu, 01 Jan 2026 11:59:00 GMT", now=now) == 0.0  # in the past
    assert parse_retry_after("Thu, 01 Jan 2026 12:01:00 -0000", now=now) == 60.0
    assert (
        parse_retry_after("Thu, 01 Jan 2026 12:01:00 GMT", now=lambda: NOW.replace(tzinfo=None))
        == 60.0
    )


@pytest.mark.parametrize("status", [502, 503, 504])
def test_read_retried_on_gateway_errors_with_jittered_backoff(
    make: Callable[..., Transport], rsps: responses.RequestsMock, fake: FakeTime, status: int
) -> None:
    for _ in range(3):
        rsps.add(responses.GET, LEADS, status=status)
    rsps.add(responses.GET, LEADS, status=200)
    with make() as transport:
        assert transport.request("GET", LEADS, idempotent=True).status_code == 200
    # random() is 0.5: half of 0.5, 1.0 and 2.0.
    assert fake.sleeps == [0.25, 0.5, 1.0]
    assert len(rsps.calls) == 4


def test_read_retried_on_a_mix_of_failures(
    make: Callable[..., Transport], rsps: responses.RequestsMock, fake: FakeTime
) -> None:
    rsps.add(responses.GET, LEADS, body=refused())
    rsps.add(responses.GET, LEADS, body=read_timeout())
    rsps.add(responses.GET, LEADS, status=503)
    rsps.add(responses.GET, LEADS, json={"leads": []})
    with make(random=lambda: 1.0) as transport:
        assert transport.request("GET", LEADS, idempotent=True).json() == {"leads": []}
    assert fake.sleeps == [0.5, 1.0, 2.0]
    assert len(rsps.calls) == 4


def test_read_attempts_are_capped_and_the_last_response_is_returned(
    make: Callable[..., Transport], rsps: responses.RequestsMock, fake: FakeTime
) -> None:
    rsps.add(responses.GET, LEADS, status=503, body="busy")
    with make(retry=RetryPolicy(max_attempts=3)) as transport:
        response = transport.request("GET", LEADS, idempotent=True)
    assert response.status_code == 503
    assert response.text == "busy"
    assert len(rsps.calls) == 3
    assert fake.sleeps == [0.25, 0.5]


def test_read_429_exhausted_returns_the_429_for_the_caller_to_map(
    make: Callable[..., Transport], rsps: responses.RequestsMock, fake: FakeTime
) -> None:
    rsps.add(responses.GET, LEADS, status=429, headers={"Retry-After": "2"})
    with make() as transport:
        response = transport.request("GET", LEADS, idempotent=True)
    assert response.status_code == 429
    assert fake.sleeps == [2.0, 2.0, 2.0]
    assert len(rsps.calls) == 4


def test_retry_after_beyond_max_retry_after_is_not_waited_for(
    make: Callable[..., Transport], rsps: responses.RequestsMock, fake: FakeTime
) -> None:
    rsps.add(responses.GET, LEADS, status=429, headers={"Retry-After": "120"})
    with make() as transport:
        response = transport.request("GET", LEADS, idempotent=True)
    assert response.status_code == 429
    assert parse_retry_after(response.headers["Retry-After"]) == 120.0
    assert fake.sleeps == []
    assert len(rsps.calls) == 1


def test_retry_after_the_deadline_cannot_accommodate_is_not_waited_for(
    make: Callable[..., Transport], rsps: responses.RequestsMock, fake: FakeTime
) -> None:
    def slow_429(_request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        fake.now += 2.0  # the answer took 2 s, so 59 s more would end at 61 s > 60 s
        return (429, {"Retry-After": "59"}, "")

    rsps.add_callback(responses.GET, LEADS, callback=slow_429)
    with make() as transport:
        assert transport.request("GET", LEADS, idempotent=True).status_code == 429
    assert fake.sleeps == []
    assert len(rsps.calls) == 1


def test_overall_deadline_stops_retries_and_trims_timeouts(
    make: Callable[..., Transport], rsps: responses.RequestsMock, fake: FakeTime
) -> None:
    def slow_503(_request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        fake.now += 4.0
        return (503, {}, "")

    rsps.add_callback(responses.GET, LEADS, callback=slow_503)
    policy = RetryPolicy(max_attempts=10, deadline=10.0, jitter=False, backoff_initial=1.0)
    with make(retry=policy) as transport:
        response = transport.request("GET", LEADS, idempotent=True)
    # t=0..4 first answer; wait 1 s; t=5..9 second answer; waiting 2 s would end at 11 > 10.
    assert response.status_code == 503
    assert fake.sleeps == [1.0]
    assert len(rsps.calls) == 2
    timeouts = [call.request.req_kwargs["timeout"] for call in rsps.calls]  # type: ignore[attr-defined]
    assert timeouts == [(5.0, 10.0), (5.0, 5.0)]  # never beyond the 10 s deadline


def test_deadline_on_timeouts_raises_timeout_error(
    make: Callable[..., Transport],
    rsps: responses.RequestsMock,
    fake: FakeTime,
    caught: list[BaseException],
) -> None:
    def hang(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        fake.now += request.req_kwargs["timeout"][1]  # type: ignore[attr-defined]
        raise read_timeout()

    rsps.add_callback(responses.GET, LEADS, callback=hang)
    with make() as transport:
        error = expect(
            caught,
            errors.RequestTimeoutError,
            lambda: transport.request("GET", LEADS, idempotent=True),
        )
    # t=0..30 first attempt; wait 0.25; t=30.25..60 second (read timeout trimmed to 29.75).
    assert len(rsps.calls) == 2
    assert fake.sleeps == [0.25]
    assert fake.now <= 1000.0 + 60.0
    assert not isinstance(error, errors.OutcomeUnknownError)
    assert "2 attempt(s)" in str(error)
    assert "deadline" in str(error)


def test_read_timeouts_exhausted_raise_timeout_error_with_the_attempt_count(
    make: Callable[..., Transport],
    rsps: responses.RequestsMock,
    fake: FakeTime,
    caught: list[BaseException],
) -> None:
    rsps.add(responses.GET, LEADS, body=read_timeout())
    with make() as transport:
        error = expect(
            caught,
            errors.RequestTimeoutError,
            lambda: transport.request("GET", LEADS, idempotent=True, target="GET /leads"),
        )
    assert type(error) is errors.RequestTimeoutError
    assert error.target == "GET /leads"
    assert str(error).startswith("GET /leads: no response within the 30s read timeout")
    assert "4 attempt(s)" in str(error)
    assert isinstance(error.__cause__, ReadTimeout)
    assert len(rsps.calls) == 4
    assert fake.sleeps == [0.25, 0.5, 1.0]


def test_connect_failures_exhausted_raise_connect_error(
    make: Callable[..., Transport],
    rsps: responses.RequestsMock,
    caught: list[BaseException],
) -> None:
    rsps.add(responses.GET, LEADS, body=refused())
    with make(retry=RetryPolicy(max_attempts=2)) as transport:
        error = expect(
            caught, errors.ConnectError, lambda: transport.request("GET", LEADS, idempotent=True)
        )
    assert "not sent" in str(error)
    assert "2 attempt(s)" in str(error)
    assert error.target == f"GET {LEADS}"
    assert len(rsps.calls) == 2


def test_broken_connections_exhausted_raise_a_plain_transport_error(
    make: Callable[..., Transport], rsps: responses.RequestsMock, caught: list[BaseException]
) -> None:
    rsps.add(responses.GET, LEADS, body=reset())
    with make(retry=RetryPolicy(max_attempts=2)) as transport:
        error = expect(
            caught,
            errors.TransportError,
            lambda: transport.request("GET", LEADS, idempotent=True),
        )
    assert type(error) is errors.TransportError
    assert "connection broke" in str(error)
    assert len(rsps.calls) == 2


def test_rejected_tls_certificate_is_a_connect_error_and_not_retried(
    make: Callable[..., Transport], rsps: responses.RequestsMock, caught: list[BaseException]
) -> None:
    verify = ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate")
    failure = requests.exceptions.SSLError(
        MaxRetryError(_pool(), "/rest/leads", urllib3.exceptions.SSLError(verify))
    )
    rsps.add(responses.GET, LEADS, body=failure)
    with make() as transport:
        error = expect(
            caught, errors.ConnectError, lambda: transport.request("GET", LEADS, idempotent=True)
        )
    assert "certificate was rejected" in str(error)
    assert len(rsps.calls) == 1


def test_other_request_failures_are_not_retried(
    make: Callable[..., Transport], rsps: responses.RequestsMock, caught: list[BaseException]
) -> None:
    rsps.add(responses.GET, LEADS, body=requests.exceptions.InvalidHeader("bad header"))
    with make() as transport:
        error = expect(
            caught, errors.TransportError, lambda: transport.request("GET", LEADS, idempotent=True)
        )
    assert type(error) is errors.TransportError
    assert len(rsps.calls) == 1


# ---------------------------------------------------------------------------------------------
# Writes: re-sent only when they certainly never left
# ---------------------------------------------------------------------------------------------


def test_write_timing_out_after_sending_is_not_resent_and_outcome_is_unknown(
    make: Callable[..., Transport],
    rsps: responses.RequestsMock,
    fake: FakeTime,
    caught: list[BaseException],
) -> None:
    rsps.add(
        responses.POST,
        f"{BASE}/rest/leads",
        body=requests.exceptions.ReadTimeout("Read timed out. (read timeout=30.0)"),
    )
    with make() as transport:
        error = expect(
            caught,
            errors.OutcomeUnknownError,
            lambda: transport.request(
                "POST", LEADS, idempotent=False, json={"data": {}}, target="POST /leads"
            ),
        )
    assert len(rsps.calls) == 1
    assert fake.sleeps == []
    assert isinstance(error, errors.RequestTimeoutError)
    assert "outcome is unknown" in str(error)
    assert "may or may not have been applied" in str(error)
    assert error.target == "POST /leads"
    assert isinstance(error.__cause__, ReadTimeout)


@pytest.mark.parametrize(
    "failure",
    [reset, body_read_timeout, lambda: requests.ConnectionError("boom"), ChunkedEncodingError],
    ids=["reset", "body-read-timeout", "bare-connection-error", "chunked-encoding"],
)
def test_write_whose_connection_broke_after_sending_is_not_resent(
    make: Callable[..., Transport],
    rsps: responses.RequestsMock,
    caught: list[BaseException],
    failure: Callable[[], Exception],
) -> None:
    rsps.add(responses.POST, RPC, body=failure())
    with make() as transport:
        error = expect(
            caught,
            errors.OutcomeUnknownError,
            lambda: transport.request("POST", RPC, idempotent=False, json={}, target="newLead"),
        )
    assert "outcome is unknown" in str(error)
    assert str(error).startswith("newLead: ")
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    "failure", [connect_timeout, refused, dns_failure], ids=["connect-timeout", "refused", "dns"]
)
def test_write_failing_before_it_was_sent_is_retried(
    make: Callable[..., Transport],
    rsps: responses.RequestsMock,
    fake: FakeTime,
    failure: Callable[[], Exception],
) -> None:
    rsps.add(responses.POST, LEADS, body=failure())
    rsps.add(responses.POST, LEADS, body=failure())
    rsps.add(responses.POST, LEADS, status=201, json={"data": {"id": "1-leads"}})
    with make() as transport:
        response = transport.request("POST", LEADS, idempotent=False, json={"data": {}})
    assert response.status_code == 201
    assert len(rsps.calls) == 3
    assert fake.sleeps == [0.25, 0.5]
    assert all(call.request.body == b'{"data": {}}' for call in rsps.calls)


def test_write_connect_failures_exhausted_raise_connect_error(
    make: Callable[..., Transport], rsps: responses.RequestsMock, caught: list[BaseException]
) -> None:
    rsps.add(responses.POST, LEADS, body=connect_timeout())
    with make() as transport:
        error = expect(
            caught,
            errors.ConnectError,
            lambda: transport.request("POST", LEADS, idempotent=False, json={}),
        )
    assert "not sent" in str(error)
    assert "4 attempt(s)" in str(error)
    assert len(rsps.calls) == 4


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_write_answered_with_a_retryable_status_is_returned_without_retry(
    make: Callable[..., Transport], rsps: responses.RequestsMock, fake: FakeTime, status: int
) -> None:
    rsps.add(responses.POST, LEADS, status=status, headers={"Retry-After": "1"})
    rsps.add(responses.POST, LEADS, status=201)
    with make() as transport:
        response = transport.request("POST", LEADS, idempotent=False, json={})
    assert response.status_code == status
    assert len(rsps.calls) == 1
    assert fake.sleeps == []


# ---------------------------------------------------------------------------------------------
# Redirects
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example.com/steal",
        "//evil.example.com/steal",
        "http://app.nutshell.com/rest/leads",  # a downgrade to plain http
        "https://app.nutshell.com:8443/rest/leads",  # another port is another origin
        "https://someone@app.nutshell.com/rest/leads",
    ],
)
def test_cross_origin_redirect_is_returned_not_followed(
    make: Callable[..., Transport], rsps: responses.RequestsMock, location: str
) -> None:
    rsps.add(responses.GET, LEADS, status=302, headers={"Location": location})
    rsps.add(responses.GET, "https://evil.example.com/steal", status=200)
    rsps.add(responses.GET, "https://app.nutshell.com:8443/rest/leads", status=200)
    with make() as transport:
        response = transport.request("GET", LEADS, idempotent=True)
    assert response.status_code == 302
    assert response.headers["Location"] == location
    assert [call.request.url for call in rsps.calls] == [LEADS]
    other_hosts = [c for c in rsps.calls if not str(c.request.url).startswith(f"{BASE}/")]
    assert all(auth_header(call) is None for call in other_hosts)


def test_an_unparsable_location_is_the_answer_not_a_crash(
    make: Callable[..., Transport], rsps: responses.RequestsMock
) -> None:
    rsps.add(responses.GET, LEADS, status=307, headers={"Location": "http://[::1"})
    with make() as transport:
        response = transport.request("GET", LEADS, idempotent=True)
    assert response.status_code == 307 and "Location" not in response.headers
    assert len(rsps.calls) == 1


def test_the_sessions_own_response_hooks_still_run(
    make: Callable[..., Transport], rsps: responses.RequestsMock
) -> None:
    seen: list[int] = []
    session = requests.Session()
    session.hooks["response"].append(lambda response, **_: seen.append(response.status_code))
    rsps.add(responses.GET, LEADS, json={})
    with make(session=session) as transport:
        transport.request("GET", LEADS, idempotent=True)
    assert seen == [200]


def test_a_request_id_echoing_the_credentials_is_masked_in_the_debug_log(
    make: Callable[..., Transport], rsps: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    token = base64.b64encode(f"{USER}:{KEY}".encode()).decode()
    rsps.add(responses.GET, LEADS, json={}, headers={"x-nutshell-request-id": f"Basic {token}"})
    with make() as transport:
        transport.request("GET", LEADS, idempotent=True)
    assert "request id" in caplog.text  # the line is there; the autouse guard finds no secret


def test_same_origin_redirect_is_followed_with_credentials(
    make: Callable[..., Transport], rsps: responses.RequestsMock
) -> None:
    rsps.add(responses.GET, LEADS, status=301, headers={"Location": "/rest/leads/?page=1"})
    rsps.add(responses.GET, f"{LEADS}/", json={"leads": []})
    session = RecordingSession()
    with make(session=session) as transport:
        response = transport.request("GET", LEADS, idempotent=True)
    assert response.status_code == 200
    assert response.url == f"{LEADS}/?page=1"
    assert [r.status_code for r in response.history] == [301]
    assert len(rsps.calls) == 2
    assert all(auth_header(call) == f"Basic {TOKEN}" for call in rsps.calls)
    assert [kwargs["allow_redirects"] for kwargs in session.seen] == [False, False]


def test_303_turns_a_post_into_a_bodiless_get_and_307_keeps_it(
    make: Callable[..., Transport], rsps: responses.RequestsMock
) -> None:
    rsps.add(responses.POST, f"{BASE}/a", status=303, headers={"Location": "/done"})
    rsps.add(responses.GET, f"{BASE}/done", status=200)
    rsps.add(responses.POST, f"{BASE}/b", status=307, headers={"Location": "/b2"})
    rsps.add(responses.POST, f"{BASE}/b2", status=201)
    with make() as transport:
        assert transport.request("POST", f"{BASE}/a", idempotent=False, json={}).ok
        assert transport.request("POST", f"{BASE}/b", idempotent=False, json={"x": 1}).ok
    methods = [(c.request.method, c.request.body) for c in rsps.calls]
    assert methods == [("POST", b"{}"), ("GET", None), ("POST", b'{"x": 1}'), ("POST", b'{"x": 1}')]
    assert "Content-Type" not in rsps.calls[1].request.headers


def test_redirect_hops_are_capped(
    make: Callable[..., Transport], rsps: responses.RequestsMock
) -> None:
    rsps.add(responses.GET, LEADS, status=302, headers={"Location": LEADS})
    with make() as transport:
        response = transport.request("GET", LEADS, idempotent=True)
    assert response.status_code == 302
    assert len(rsps.calls) == MAX_REDIRECTS + 1
    assert len(response.history) == MAX_REDIRECTS


# ---------------------------------------------------------------------------------------------
# Credentials never leak; errors cross process boundaries
# ---------------------------------------------------------------------------------------------


def test_full_flow_logs_at_debug_without_credentials(
    make: Callable[..., Transport],
    rsps: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
    caught: list[BaseException],
) -> None:
    rsps.add(responses.GET, LEADS, status=503)
    rsps.add(responses.GET, LEADS, body=read_timeout())
    rsps.add(responses.GET, LEADS, status=302, headers={"Location": "/rest/leads/"})
    rsps.add(responses.GET, f"{LEADS}/", status=200, headers={"x-nutshell-request-id": "req-7"})
    rsps.add(responses.POST, LEADS, body=reset())
    with make() as transport:
        assert transport.request("GET", LEADS, idempotent=True, params={"q": "x"}).ok
        expect(
            caught,
            errors.OutcomeUnknownError,
            lambda: transport.request("POST", LEADS, idempotent=False, json={"k": 1}),
        )
    records = [r for r in caplog.records if r.name == "nutshell_core.transport"]
    text = "\n".join(r.getMessage() for r in records)
    assert all(r.levelno == logging.DEBUG for r in records)
    assert f"GET {LEADS} -> 503" in text
    assert "(attempt 1/4" in text
    assert "req-7" in text
    assert "retrying in" in text
    assert "ReadTimeout" in text
    assert "Authorization" not in text
    assert_no_secret(text)


def test_a_key_smuggled_into_a_url_or_exception_is_masked(
    make: Callable[..., Transport],
    rsps: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
    caught: list[BaseException],
) -> None:
    # A careless caller put the key in the query; the failure text quotes the URL.
    leaky = requests.ConnectionError(
        f"HTTPSConnectionPool(host='app.nutshell.com', port=443): url: /rest/leads?key={KEY}"
    )
    rsps.add(responses.POST, LEADS, body=leaky)
    with make() as transport:
        error = expect(
            caught,
            errors.OutcomeUnknownError,
            lambda: transport.request(
                "POST", LEADS, idempotent=False, params={"key": KEY}, target=f"POST ?key={KEY}"
            ),
        )
    assert "[secure]" in str(error)
    assert_no_secret(caplog.text)


def test_userinfo_in_a_url_is_refused_without_echoing_it(caught: list[BaseException]) -> None:
    error = expect(
        caught,
        errors.InsecureTransportError,
        lambda: check_url_is_safe(f"https://me:{KEY}@app.nutshell.com/api/v1/json"),
    )
    assert "app.nutshell.com" in str(error)


def _raise_each() -> Iterator[BaseException]:
    fake = FakeTime()

    def transport() -> Transport:
        return Transport(credentials=CREDS, sleep=fake.sleep, clock=fake.clock)

    scenarios: list[tuple[str, Exception | int]] = [
        ("read-timeout-write", read_timeout()),
        ("refused", refused()),
        ("read-timeout-read", read_timeout()),
        ("reset-read", reset()),
    ]
    for name, body in scenarios:
        with responses.RequestsMock() as mock, transport() as t:
            mock.add(responses.POST, RPC, body=body)  # type: ignore[arg-type]
            try:
                t.request("POST", RPC, idempotent=name.endswith("read"), json={})
            except errors.NutshellError as error:
                yield error
    for call in (
        lambda: check_url_is_safe("http://app.nutshell.com/"),
        lambda: transport().request("POST", RPC, idempotent=False, json={}, data=b""),
        lambda: pickle.dumps(CREDS),
    ):
        try:
            call()
        except errors.NutshellError as error:
            yield error


def test_errors_survive_a_pickle_round_trip() -> None:
    raised = list(_raise_each())
    assert [type(e).__name__ for e in raised] == [
        "OutcomeUnknownError",
        "ConnectError",
        "RequestTimeoutError",
        "TransportError",
        "InsecureTransportError",
        "UsageError",
        "ConfigurationError",
    ]
    for error in raised:
        assert_no_secret(str(error))
        assert_no_secret(repr(error))
        clone = pickle.loads(pickle.dumps(error))
        assert type(clone) is type(error)
        assert str(clone) == str(error)
        assert getattr(clone, "target", None) == getattr(error, "target", None)


# ---------------------------------------------------------------------------------------------
# Real sockets on 127.0.0.1: the classification holds for the exceptions requests really raises
# ---------------------------------------------------------------------------------------------


class LoopbackServer:
    """Accepts connections, reads the request, then hangs or resets. Counts connections."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.accepted = 0
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        self.accepted += 1
        with conn:
            conn.settimeout(2.0)
            try:
                conn.recv(65536)
            except OSError:
                return
            if self.mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self._stop.wait(2.0)  # hang (bounded) until the test is over

    def close(self) -> int:
        """Stop, and return how many connections were made (including unaccepted ones)."""
        self._stop.set()
        self._thread.join(5.0)
        self._sock.setblocking(False)
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                break
            conn.close()
            self.accepted += 1
        self._sock.close()
        return self.accepted


def loopback_transport(fake: FakeTime, **overrides: Any) -> Transport:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment may intercept 127.0.0.1
    options: dict[str, Any] = {
        "credentials": CREDS,
        "timeouts": Timeouts(connect=2.0, read=0.3),
        "session": session,
        "sleep": fake.sleep,
        "clock": fake.clock,
    }
    options.update(overrides)
    return Transport(**options)


def test_loopback_write_to_a_closed_port_is_retried_then_raises_connect_error(
    fake: FakeTime, caught: list[BaseException]
) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: connection refused
    with loopback_transport(fake, retry=RetryPolicy(max_attempts=3)) as transport:
        error = expect(
            caught,
            errors.ConnectError,
            lambda: transport.request(
                "POST", f"http://127.0.0.1:{port}/api/v1/json", idempotent=False, json={}
            ),
        )
    assert "3 attempt(s)" in str(error)
    assert len(fake.sleeps) == 2


@pytest.mark.parametrize("mode", ["hang", "reset"])
def test_loopback_write_that_was_sent_is_never_resent(
    fake: FakeTime, caught: list[BaseException], mode: str
) -> None:
    server = LoopbackServer(mode)
    try:
        with loopback_transport(fake) as transport:
            error = expect(
                caught,
                errors.OutcomeUnknownError,
                lambda: transport.request(
                    "POST", f"http://127.0.0.1:{server.port}/api/v1/json", idempotent=False, json={}
                ),
            )
    finally:
        connections = server.close()
    assert connections == 1
    assert "outcome is unknown" in str(error)
    assert fake.sleeps == []


def test_loopback_read_that_times_out_is_retried(
    fake: FakeTime, caught: list[BaseException]
) -> None:
    server = LoopbackServer("hang")
    try:
        with loopback_transport(fake, retry=RetryPolicy(max_attempts=2)) as transport:
            expect(
                caught,
                errors.RequestTimeoutError,
                lambda: transport.request(
                    "GET", f"http://127.0.0.1:{server.port}/rest/leads", idempotent=True
                ),
            )
    finally:
        connections = server.close()
    assert connections == 2
    assert len(fake.sleeps) == 1
