"""The overall deadline holds while an answer is read (nutshell_core.deadline).

Real slow servers on 127.0.0.1 (a raw socket thread each) trickle the status line, the headers
or the body one byte at a time, each byte well within the read timeout: only the deadline can
stop them. The bound asserted is generous (deadline + 1 s), never a tight timing.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import responses

from nutshell_core import errors
from nutshell_core.deadline import Watchdog, watch_session
from nutshell_core.transport import Credentials, RetryPolicy, Timeouts, Transport

KEY = "sekrit-KEY-123456"
CREDS = Credentials(username="migrator@example.com", api_key=KEY)
DEADLINE = 1.5
SLACK = 1.0  # the most a call may outlive its deadline
BODY = b'{"result": {"id": 1}, "jsonrpc": "2.0", "id": 1}'
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"


class TrickleServer:
    """Answers each connection with ``prefix`` at once, then ``trickle`` one byte per ``gap``.

    Every wait is bounded and ends when the test closes the server.
    """

    def __init__(self, prefix: bytes, trickle: bytes, gap: float = 0.2) -> None:
        self.prefix = prefix
        self.trickle = trickle
        self.gap = gap
        self.connections = 0
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1/json"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2.0)
            try:
                conn.recv(65536)
                conn.sendall(self.prefix)
                for i in range(len(self.trickle)):
                    if self._stop.wait(self.gap):
                        return
                    conn.sendall(self.trickle[i : i + 1])
            except OSError:
                return  # the client gave up and shut the socket: as intended

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5.0)
        self._sock.close()


@pytest.fixture
def servers() -> Iterator[list[TrickleServer]]:
    made: list[TrickleServer] = []
    yield made
    for server in made:
        server.close()


def transport(**overrides: object) -> Transport:
    options: dict[str, object] = {
        "credentials": CREDS,
        "timeouts": Timeouts(connect=1.0, read=1.0),  # every byte arrives well within this
        "retry": RetryPolicy(max_attempts=3, deadline=DEADLINE),
    }
    options.update(overrides)
    return Transport(**options)  # type: ignore[arg-type]


def timed(call: object) -> tuple[BaseException, float]:
    began = time.monotonic()
    with pytest.raises(errors.NutshellError) as info:
        call()  # type: ignore[operator]
    return info.value, time.monotonic() - began


SLOW_BODY = (HEAD % len(BODY), BODY)  # headers at once, body one byte per 0.2 s (~10 s)
SLOW_HEADERS = (b"", HEAD % len(BODY) + BODY)  # even the status line trickles
# "Connection: close" makes http.client drop the socket from the connection while the body is
# still read from it: the watchdog must hold on to the socket itself.
CLOSING = HEAD.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
SLOW_BODY_CLOSING = (CLOSING % len(BODY), BODY)
# The status line at once, then header fields that never end: the watchdog's shutdown ends
# the head as if the server had closed, which must not pass for an empty 200 answer.
SLOW_HEADER_FIELDS = (b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 100 + b"\r\n\r\n")
SHAPES = pytest.mark.parametrize(
    "shape",
    [SLOW_BODY, SLOW_BODY_CLOSING, SLOW_HEADERS, SLOW_HEADER_FIELDS],
    ids=["body", "body-close", "headers", "header-fields"],
)


@SHAPES
def test_a_trickling_read_ends_at_the_deadline_with_a_timeout_error(
    servers: list[TrickleServer], shape: tuple[bytes, bytes]
) -> None:
    server = TrickleServer(*shape)
    servers.append(server)
    with transport() as client:
        error, took = timed(lambda: client.request("POST", server.url, idempotent=True, json={}))
    assert took < DEADLINE + SLACK
    assert type(error) is errors.RequestTimeoutError
    assert "deadline" in str(error)
    assert server.connections == 1  # no time was left for another attempt


@SHAPES
def test_a_trickling_write_ends_at_the_deadline_with_outcome_unknown(
    servers: list[TrickleServer], shape: tuple[bytes, bytes]
) -> None:
    server = TrickleServer(*shape)
    servers.append(server)
    with transport() as client:
        error, took = timed(lambda: client.request("POST", server.url, idempotent=False, json={}))
    assert took < DEADLINE + SLACK
    assert isinstance(error, errors.OutcomeUnknownError)
    assert "may or may not have been applied" in str(error)
    assert server.connections == 1  # a write that may have been applied is never re-sent


def test_a_caller_session_with_default_adapters_is_watched_too(
    servers: list[TrickleServer],
) -> None:
    server = TrickleServer(*SLOW_HEADERS)
    servers.append(server)
    session = requests.Session()
    session.trust_env = False
    with transport(session=session) as client:
        error, took = timed(lambda: client.request("GET", server.url, idempotent=True))
    assert took < DEADLINE + SLACK
    assert isinstance(error, errors.RequestTimeoutError)
    session.close()


def test_a_quick_answer_is_unaffected_and_its_connection_is_reused(
    servers: list[TrickleServer],
) -> None:
    server = TrickleServer(HEAD % len(BODY) + BODY, b"")
    servers.append(server)
    with transport() as client:
        for _ in range(3):
            response = client.request("POST", server.url, idempotent=True, json={})
            assert response.content == BODY
            assert response.json()["result"] == {"id": 1}
    # The trickle server closes after each answer; what matters is that nothing hung.
    assert server.connections >= 1


def test_a_watchdog_that_fires_late_leaves_a_reused_connection_alone() -> None:
    # Finished watchdogs touch nothing, and firing twice is harmless.
    dog = Watchdog(0.0)
    dog.finish()
    dog.fire()
    assert dog.fired is False


def test_watch_session_keeps_custom_adapters() -> None:
    class Custom(requests.adapters.HTTPAdapter):
        pass

    session = requests.Session()
    custom = Custom()
    session.mount("https://", custom)
    watch_session(session)
    assert session.adapters["https://"] is custom
    assert type(session.adapters["http://"]) is not requests.adapters.HTTPAdapter
    session.close()


def test_the_deadline_is_checked_between_body_chunks_with_responses() -> None:
    # Under responses no socket exists; the clock checks between chunks still apply.
    now = [0.0]

    def clock() -> float:
        now[0] += 0.5  # every look at the clock costs half a second
        return now[0]

    body = b"[" + b"0," * 200_000 + b"0]"  # several chunks
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, "https://app.nutshell.com/rest/leads", body=body)
        client = transport(clock=clock, retry=RetryPolicy(max_attempts=1, deadline=3.0))
        with client, pytest.raises(errors.RequestTimeoutError, match="deadline"):
            client.request("GET", "https://app.nutshell.com/rest/leads", idempotent=True)


def test_responses_mocks_still_stream_whole_bodies() -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, "https://app.nutshell.com/rest/leads", json={"leads": [1, 2]})
        with transport() as client:
            response = client.request("GET", "https://app.nutshell.com/rest/leads", idempotent=True)
    assert response.json() == {"leads": [1, 2]}
    assert response.text == '{"leads": [1, 2]}'
