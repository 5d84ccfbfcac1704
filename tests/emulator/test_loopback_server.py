"""The loopback server under attack: each breaking input gets a 4xx, never a 500 or a hang.

Every test talks to a real socket on 127.0.0.1 with short limits, so a regression shows up as a
failure within a second or two, never as a stuck suite. After each breaking input the store
must still answer both APIs.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests

from bridge.routes import Routes
from nutshell_core.errors import ConfigurationError, UsageError
from nutshell_core.loopback import LoopbackServer, ServerLimits, serving
from nutshell_emulator.emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator, EmulatorUrls
from nutshell_emulator.faults import Fault
from nutshell_migrate import proxy, tls

AUTH = (DEFAULT_EMAIL, DEFAULT_API_KEY)
#: Short enough that a test waiting on a timeout takes well under a second.
LIMITS = ServerLimits(
    max_body=1024 * 1024,
    idle_timeout=0.5,
    read_timeout=0.5,
    write_timeout=2.0,
    drain_timeout=0.5,
    workers=4,
    queue=8,
)
WAIT = 3.0  # seconds: the bound on every client read


@pytest.fixture
def served() -> Iterator[tuple[Emulator, EmulatorUrls]]:
    """An emulator on loopback with the short limits."""
    emulator = Emulator()
    try:
        with emulator.serve(limits=LIMITS) as urls:
            yield emulator, urls
    finally:
        emulator.close()


def _port(urls: EmulatorUrls | proxy.ProxyUrls) -> int:
    return int(urls.base.rsplit(":", 1)[1])


def _exchange(port: int, data: bytes, *, hold: bool = True) -> tuple[int | None, bytes, float]:
    """Send raw bytes, read to EOF: (status or None when closed unanswered, body, seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(data)
        if not hold:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    elapsed = time.monotonic() - started
    if not raw:
        return None, b"", elapsed
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body, elapsed


def _post(port: int, path: str, body: bytes, *, extra: str = "") -> tuple[int | None, bytes]:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Authorization: Basic b3duZXJAZXhhbXBsZS5jb206ZW11bGF0b3ItYXBpLWtleS0wMDAx\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    )
    status, reply, _ = _exchange(port, head.encode() + body)
    return status, reply


def _assert_readable(urls: EmulatorUrls) -> None:
    """Both APIs still answer reads of every contact."""
    listed = requests.get(f"{urls.rest}/contacts", auth=AUTH, timeout=WAIT)
    assert listed.status_code == 200, listed.text
    for contact in listed.json()["contacts"]:
        one = requests.get(f"{urls.rest}/contacts/{contact['id']}", auth=AUTH, timeout=WAIT)
        assert one.status_code == 200, one.text
    found = requests.post(
        urls.rpc, json={"method": "findContacts", "params": {}, "id": 1}, auth=AUTH, timeout=WAIT
    )
    assert found.status_code == 200 and found.json()["error"] is None, found.text


def _rest_error(body: bytes) -> dict[str, Any]:
    errors = json.loads(body)["errors"]
    assert len(errors) == 1
    return dict(errors[0])


# -- JSON bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"contacts": [{"name": "\\ud800"}]}',
        b'{"contacts": [{"name": "x", "\\udfff": 1}]}',
        b'{"contacts": [{"name": "\xff\xfe"}]}',  # not UTF-8
        b'{"contacts": [{"name": "\xed\xa0\x80"}]}',  # an encoded surrogate
    ],
)
def test_rest_refuses_invalid_unicode_before_storing(
    served: tuple[Emulator, EmulatorUrls], body: bytes
) -> None:
    _, urls = served
    before = len(requests.get(f"{urls.rest}/contacts", auth=AUTH, timeout=WAIT).json()["contacts"])
    status, reply = _post(_port(urls), "/rest/contacts", body)
    assert status == 400
    assert _rest_error(reply)["title"] == "Invalid JSON"
    after = requests.get(f"{urls.rest}/contacts", auth=AUTH, timeout=WAIT).json()["contacts"]
    assert len(after) == before
    _assert_readable(urls)


def test_a_surrogate_pair_is_one_character_and_is_stored(
    served: tuple[Emulator, EmulatorUrls],
) -> None:
    _, urls = served
    status, reply = _post(
        _port(urls), "/rest/contacts", b'{"contacts": [{"name": "\\ud83d\\ude00"}]}'
    )
    assert status == 200, reply
    assert json.loads(reply)["contacts"][0]["name"] == "\U0001f600"
    _assert_readable(urls)


def test_rpc_refuses_a_lone_surrogate_with_a_parse_error(
    served: tuple[Emulator, EmulatorUrls],
) -> None:
    _, urls = served
    body = b'{"method": "newContact", "params": {"contact": {"name": "\\ud800"}}, "id": 7}'
    status, reply = _post(_port(urls), "/api/v1/json", body)
    assert status == 400
    assert json.loads(reply)["error"]["code"] == -32700
    _assert_readable(urls)


def test_deep_json_is_a_400_on_rest_and_a_parse_error_on_rpc(
    served: tuple[Emulator, EmulatorUrls],
) -> None:
    _, urls = served
    deep = b"[" * 1000 + b"]" * 1000
    status, reply = _post(_port(urls), "/rest/contacts", b'{"contacts": ' + deep + b"}")
    assert status == 400 and _rest_error(reply)["title"] == "Invalid JSON"
    status, reply = _post(
        _port(urls), "/api/v1/json", b'{"method": "newContact", "params": ' + deep + b"}"
    )
    assert status == 400 and json.loads(reply)["error"]["code"] == -32700
    # Deep enough to be refused, shallow enough for json to parse: the depth limit, not Python's.
    nested = b'{"a": ' * 70 + b"1" + b"}" * 70
    status, reply = _post(_port(urls), "/api/v1/json", nested)
    assert status == 400 and json.loads(reply)["error"]["code"] == -32700
    _assert_readable(urls)


# -- the request line, headers and body --------------------------------------------------------


@pytest.mark.parametrize("length", ["abc", "-1", "+5", "1 2", "٣"])
def test_a_content_length_that_is_not_digits_is_a_400(
    served: tuple[Emulator, EmulatorUrls], length: str
) -> None:
    _, urls = served
    head = f"POST /api/v1/json HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
    status, _, _ = _exchange(_port(urls), head.encode("utf-8") + b"{}", hold=False)
    assert status == 400
    _assert_readable(urls)


def test_a_body_shorter_than_its_length_gets_408_not_a_hang(
    served: tuple[Emulator, EmulatorUrls],
) -> None:
    _, urls = served
    head = b"POST /api/v1/json HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}"
    status, _, elapsed = _exchange(_port(urls), head)
    assert status == 408
    assert elapsed < LIMITS.read_timeout + 1.0
    _assert_readable(urls)


def test_a_trickled_request_does_not_outlive_the_read_timeout(
    served: tuple[Emulator, EmulatorUrls],
) -> None:
    _, urls = served
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", _port(urls)), timeout=WAIT) as sock:
        sock.sendall(b"GET /rest/contacts HTTP/1.1\r\n")
        for _ in range(30):  # one header byte every 0.05 s: 1.5 s if each byte reset the clock
            try:
                sock.sendall(b"X")
            except OSError:
                break
            time.sleep(0.05)
        answer = b""
        while chunk := _recv(sock):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 30 * 0.05 + 1.0
    _assert_readable(urls)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


def test_an_idle_connection_is_closed_unanswered(served: tuple[Emulator, EmulatorUrls]) -> None:
    _, urls = served
    status, _, elapsed = _exchange(_port(urls), b"")
    assert status is None
    assert LIMITS.idle_timeout * 0.8 <= elapsed < LIMITS.idle_timeout + 1.0


def test_an_overlong_request_line_is_a_414(served: tuple[Emulator, EmulatorUrls]) -> None:
    _, urls = served
    line = b"GET /rest/contacts?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    status, _, _ = _exchange(_port(urls), line)
    assert status == 414
    _assert_readable(urls)


def test_overlarge_headers_are_a_431(served: tuple[Emulator, EmulatorUrls]) -> None:
    _, urls = served
    big = b"GET /rest/contacts HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n"
    assert _exchange(_port(urls), big)[0] == 431
    many = b"GET /rest/contacts HTTP/1.1\r\n" + b"X-A: 1\r\n" * 150 + b"\r\n"
    assert _exchange(_port(urls), many)[0] == 431
    _assert_readable(urls)


def test_a_body_over_the_limit_is_a_413(served: tuple[Emulator, EmulatorUrls]) -> None:
    _, urls = served
    body = b"x" * (LIMITS.max_body + 1)
    reply = requests.post(urls.rpc, data=body, auth=AUTH, timeout=WAIT)
    assert reply.status_code == 413
    assert reply.json()["code"] == 413
    _assert_readable(urls)


def test_the_default_body_limit_refuses_fifty_megabytes() -> None:
    emulator = Emulator()
    with emulator.serve(limits=ServerLimits(drain_timeout=2.0)) as urls:
        body = b"x" * (50 * 1024 * 1024)
        reply = requests.post(urls.rpc, data=body, auth=AUTH, timeout=10)
        assert reply.status_code == 413
        _assert_readable(urls)
    emulator.close()


def test_chunked_bodies_are_refused_with_411(served: tuple[Emulator, EmulatorUrls]) -> None:
    _, urls = served
    head = b"POST /api/v1/json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    assert _exchange(_port(urls), head)[0] == 411


def test_malformed_request_lines_are_a_400(served: tuple[Emulator, EmulatorUrls]) -> None:
    _, urls = served
    for line in (b"GARBAGE\r\n\r\n", b"GET http://x/ HTTP/1.1\r\n\r\n", b"GET / HTTP/9\r\n\r\n"):
        assert _exchange(_port(urls), line)[0] == 400, line
    assert _exchange(_port(urls), b"GET / HTTP/2.0\r\n\r\n")[0] == 505


# -- routing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("tail", ["%3Fx", "%3F", "1%2F2", "%2E%2E", "1%3Fq=1"])
def test_percent_encoded_ids_are_ids_not_routes(
    served: tuple[Emulator, EmulatorUrls], tail: str
) -> None:
    _, urls = served
    head = (
        f"GET /rest/contacts/{tail} HTTP/1.1\r\nHost: x\r\n"
        "Authorization: Basic b3duZXJAZXhhbXBsZS5jb206ZW11bGF0b3ItYXBpLWtleS0wMDAx\r\n\r\n"
    )
    status, body, _ = _exchange(_port(urls), head.encode())
    assert status == 404, body[:200]


# -- the worker pool ---------------------------------------------------------------------------


def test_connections_beyond_the_pool_and_queue_get_503() -> None:
    limits = ServerLimits(idle_timeout=0.5, read_timeout=0.5, workers=1, queue=1, drain_timeout=0.2)

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = LoopbackServer(limits=limits)
    _, port = server.open()
    server.start(app)
    try:
        busy = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        busy.sendall(b"GET / HTTP/1.1\r\n")  # occupies the only worker until its timeout
        time.sleep(0.2)
        waiting = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        time.sleep(0.2)
        status, _, elapsed = _exchange(port, b"", hold=True)
        assert status == 503 and elapsed < 1.0
        waiting.sendall(b"GET / HTTP/1.1\r\n\r\n")
        answer = b""
        while chunk := _recv(waiting):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok")
        busy.close()
        waiting.close()
    finally:
        server.close()
    # A worker thread is the bound: once closed, none is left running.
    assert not [t for t in threading.enumerate() if t.name.startswith("loopback-http")]


def test_limits_and_hosts_are_checked() -> None:
    with pytest.raises(UsageError):
        LoopbackServer(host="0.0.0.0")
    with pytest.raises(ConfigurationError):
        ServerLimits(workers=0)
    with pytest.raises(ConfigurationError):
        ServerLimits(read_timeout=0)


def test_an_injected_reset_still_drops_the_connection(
    served: tuple[Emulator, EmulatorUrls],
) -> None:
    emulator, urls = served
    emulator.faults.add("findContacts", Fault.reset(), count=1)
    with pytest.raises(requests.ConnectionError):
        requests.post(
            urls.rpc,
            json={"method": "findContacts", "params": {}, "id": 1},
            auth=AUTH,
            timeout=WAIT,
        )
    _assert_readable(urls)


# -- the proxy gets the same server ------------------------------------------------------------


@pytest.fixture
def proxy_port() -> Iterator[int]:
    """The bridge proxy on loopback with the short limits (no request reaches an upstream)."""
    with proxy.serve(routes=Routes(), limits=LIMITS) as urls:
        yield _port(urls)


def test_the_proxy_refuses_the_same_inputs(proxy_port: int) -> None:
    port = proxy_port
    status, body = _post(port, "/api/v1/json", b"x" * (LIMITS.max_body + 1))
    assert status == 413 and json.loads(body)["error"]["code"] == -32600
    head = b"POST /api/v1/json HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"
    assert _exchange(port, head)[0] == 400
    head = b"POST /api/v1/json HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}"
    status, _, elapsed = _exchange(port, head)
    assert status == 408 and elapsed < LIMITS.read_timeout + 1.0
    line = b"GET /api/v1/json?" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n"
    assert _exchange(port, line)[0] == 414
    deep = b'{"method": "getLead", "params": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    status, body = _post(port, "/api/v1/json", deep)
    assert status == 400 and json.loads(body)["error"]["code"] == -32700
    status, body = _post(port, "/api/v1/json", b'{"method": "getLead", "params": ["\\ud800"]}')
    assert status == 400 and json.loads(body)["error"]["code"] == -32700


# -- TLS (opt-in; the proxy's --tls) ------------------------------------------------------------


def test_tls_is_opt_in_and_a_stalled_handshake_holds_no_one_up(tmp_path: Path) -> None:
    files = tls.self_signed(tmp_path)

    def app_for(host: str, port: int) -> Any:
        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [environ["wsgi.url_scheme"].encode()]

        return app

    one_worker = attrs.evolve(LIMITS, workers=1)
    context = tls.server_context(files.cert, files.key)
    with serving(app_for, limits=one_worker, ssl_context=context) as (_, port):
        # A client that connects and never starts the handshake holds the only worker until
        # idle_timeout; the verified client behind it is answered after that, not never.
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT):
            answer = requests.get(
                f"https://127.0.0.1:{port}/", verify=str(files.cert), timeout=WAIT
            )
        assert (answer.status_code, answer.text) == (200, "https")
        # Plain http on the TLS port is closed without an answer.
        status, body, _ = _exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (status, body) == (None, b"")


def test_discovery_answers_the_bound_address_whatever_host_the_client_names(
    served: tuple[Emulator, EmulatorUrls],
) -> None:
    """A Host header is the client's to choose: echoing it would point a client at another
    host, and keeping a front per named host would grow without bound."""
    emulator, urls = served
    port = _port(urls)
    body = json.dumps({"method": "getApiForUsername", "params": [DEFAULT_EMAIL], "id": 1})
    for named in ("evil.example.com", "localhost", f"127.0.0.1:{port}"):
        head = (
            f"POST /v1/json HTTP/1.1\r\nHost: {named}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        status, reply, _ = _exchange(port, head.encode() + body.encode(), hold=False)
        assert status == 200, reply
        assert json.loads(reply)["result"]["api"] == f"127.0.0.1:{port}", named
    assert len(emulator._rpc_servers) == 1


def test_a_request_id_that_is_no_json_number_is_refused_not_echoed(
    served: tuple[Emulator, EmulatorUrls],
) -> None:
    for word in (b"NaN", b"Infinity", b"-Infinity"):
        body = b'{"jsonrpc": "2.0", "method": "getLead", "params": [1], "id": ' + word + b"}"
        status, reply = _post(_port(served[1]), "/api/v1/json", body)
        assert status == 400
        answer = json.loads(reply)  # readable JSON: no bare NaN echoed
        assert answer["error"]["code"] == -32600 and answer["id"] is None
