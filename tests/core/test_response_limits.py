"""Bounded, strictly decoded responses in both clients (transport size cap, strict JSON).

* The transport refuses bodies over ``max_response_bytes`` counted while decompressing, so a
  gzip bomb fails after the cap, not after inflating it all.
* Both clients decode with :func:`nutshell_core.strict_json.loads_response`: deep nesting, invalid
  UTF-8 and NaN are typed errors, a UTF-8 byte order mark is accepted.
* A success answer to a write whose body cannot be read is "outcome unknown", never a definite
  failure: the server said it applied the write.
"""

from __future__ import annotations

import json
import socket
import threading
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from nutshell_core import errors
from nutshell_core.deadline import DEFAULT_MAX_RESPONSE_BYTES
from nutshell_core.strict_json import JsonInputError, loads_response
from nutshell_core.transport import Credentials, RetryPolicy, Transport
from nutshell_rest.client import RestClient
from nutshell_rest.patch import Patch
from nutshell_rpc import NutshellAPI

USER = "migrator@example.com"
KEY = "sekrit-KEY-123456"
RPC = "https://app.nutshell.com/api/v1/json"
REST = "https://app.nutshell.com/rest"
MiB = 1024 * 1024


def make_transport(**overrides: Any) -> Transport:
    options: dict[str, Any] = {
        "credentials": Credentials(username=USER, api_key=KEY),
        "retry": RetryPolicy(max_attempts=2),
        "sleep": lambda _seconds: None,
    }
    options.update(overrides)
    return Transport(**options)


def rpc(**overrides: Any) -> NutshellAPI:
    return NutshellAPI(USER, KEY, endpoint=RPC, transport=make_transport(**overrides))


def rest(**overrides: Any) -> RestClient:
    return RestClient(USER, KEY, transport=make_transport(**overrides))


def gzip_bomb(inflated: int) -> bytes:
    """``inflated`` zero bytes, gzipped, built a MiB at a time (never all in memory)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MiB)
    parts = [packer.compress(block) for _ in range(inflated // MiB)]
    parts.append(packer.flush())
    return b"".join(parts)


def rpc_body(result: Any, request_id: int = 1) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "result": result}).encode()


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


# ---------------------------------------------------------------------------------------------
# Size and decompression caps (transport)
# ---------------------------------------------------------------------------------------------


def test_a_gzip_bomb_fails_at_the_default_cap_without_inflating_it_all(
    rsps: responses.RequestsMock,
) -> None:
    bomb = gzip_bomb(200 * MiB)
    assert len(bomb) < 250 * 1024  # ~199 KiB on the wire
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    rsps.add(responses.GET, f"{REST}/leads", body=bomb, headers=headers)
    with make_transport() as transport, pytest.raises(errors.MalformedResponseError) as info:
        transport.request("GET", f"{REST}/leads", idempotent=True)
    assert f"response larger than {DEFAULT_MAX_RESPONSE_BYTES} bytes" in str(info.value)
    assert len(rsps.calls) == 1  # an oversized answer is not asked for again


def test_a_body_over_a_configured_cap_is_refused(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{REST}/leads", body=b"x" * (2 * MiB))
    with make_transport(max_response_bytes=MiB) as transport:
        with pytest.raises(errors.MalformedResponseError, match=f"larger than {MiB} bytes"):
            transport.request("GET", f"{REST}/leads", idempotent=True)
        # Exactly at the cap is fine.
        rsps.replace(responses.GET, f"{REST}/leads", body=b"y" * MiB)
        assert len(transport.request("GET", f"{REST}/leads", idempotent=True).content) == MiB


def test_an_oversized_success_after_a_write_is_outcome_unknown(
    rsps: responses.RequestsMock,
) -> None:
    rsps.add(responses.POST, f"{REST}/leads", body=b"x" * (MiB + 1), status=201)
    rsps.add(responses.POST, f"{REST}/contacts", body=b"x" * (MiB + 1), status=422)
    with make_transport(max_response_bytes=MiB) as transport:
        with pytest.raises(errors.OutcomeUnknownError, match="may have been applied"):
            transport.request("POST", f"{REST}/leads", idempotent=False, json={})
        # A refusal that is too large to read is still a refusal.
        with pytest.raises(errors.MalformedResponseError, match="larger than"):
            transport.request("POST", f"{REST}/contacts", idempotent=False, json={})


def test_bad_caps_are_configuration_errors() -> None:
    for bad in (0, -1, True, 1.5, "64"):
        with pytest.raises(errors.ConfigurationError, match="max_response_bytes"):
            make_transport(max_response_bytes=bad)


class OneAnswer:
    """A loopback server sending ``answer`` to each connection, then closing it."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(4)
        self._sock.settimeout(5.0)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/api/v1/json"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self._sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(5.0)
            try:
                conn.recv(65536)
                conn.sendall(self.answer)
            except OSError:
                return

    def close(self) -> None:
        self._sock.close()
        self._thread.join(5.0)


def test_an_announced_length_over_the_cap_is_refused_before_reading() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n"
    server = OneAnswer(head + b"[1,2,3")
    try:
        capped = make_transport(retry=RetryPolicy(max_attempts=1), max_response_bytes=MiB)
        with capped as t, pytest.raises(errors.MalformedResponseError, match="larger than"):
            t.request("GET", server.url, idempotent=True)
    finally:
        server.close()


def test_a_success_truncated_on_the_wire_after_a_write_is_outcome_unknown() -> None:
    body = rpc_body({"id": 9, "entityType": "Contacts"})
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    server = OneAnswer(head % len(body) + body[: len(body) // 2])
    try:
        api = NutshellAPI(USER, KEY, endpoint=server.url, retry=RetryPolicy(max_attempts=1))
        with pytest.raises(errors.OutcomeUnknownError):
            api.call("newContact", {"name": "Ada"})
        api.close()
    finally:
        server.close()


# ---------------------------------------------------------------------------------------------
# Strict, depth-limited decoding (both clients)
# ---------------------------------------------------------------------------------------------


def test_loads_response_rules() -> None:
    assert loads_response(b"\xef\xbb\xbf" + b'{"a": [1]}') == {"a": [1]}
    assert loads_response(nested(100)) == loads_response(nested(100))
    for bad in (nested(2000), nested(129), b"\xff\xfe{}", b"[NaN]", b"", b'"\\udc00"'):
        with pytest.raises(JsonInputError):
            loads_response(bad)


Answer = Callable[..., tuple[int, dict[str, str], bytes]]


def rpc_callback(body: bytes, status: int = 200) -> Answer:
    def answer(_request: Any) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "application/json"}, body

    return answer


@pytest.mark.parametrize(
    "body",
    [
        b'{"jsonrpc": "2.0", "id": 1, "result": ' + nested(2000) + b"}",
        b'{"jsonrpc": "2.0", "id": 1, "result": ' + nested(500) + b"}",
        b'{"jsonrpc": "2.0", "id": 1, "result": "caf\xe9"}',
        b'{"jsonrpc": "2.0", "id": 1, "result": NaN}',
    ],
    ids=["nest-2000", "nest-500", "latin-1", "nan"],
)
def test_rpc_client_refuses_deep_or_undecodable_answers_with_a_typed_error(
    rsps: responses.RequestsMock, body: bytes
) -> None:
    rsps.add_callback(responses.POST, RPC, callback=rpc_callback(body))
    with rpc() as api, pytest.raises(errors.MalformedResponseError):
        api.call("getLead", leadId=1)


def test_rpc_client_accepts_a_byte_order_mark(rsps: responses.RequestsMock) -> None:
    utf8 = rpc_body({"id": 1, "name": "Caf\u00e9"}).replace(b"\\u00e9", b"\xc3\xa9")
    body = b"\xef\xbb\xbf" + utf8
    rsps.add_callback(responses.POST, RPC, callback=rpc_callback(body))
    with rpc() as api:
        assert api.call("getLead", leadId=1)["name"] == "Caf\u00e9"


def test_rpc_error_bodies_nested_too_deep_are_still_typed(rsps: responses.RequestsMock) -> None:
    rsps.add_callback(responses.POST, RPC, callback=rpc_callback(nested(3000), status=500))
    with rpc() as api, pytest.raises(errors.ServerError):
        api.call("getLead", leadId=1)


@pytest.mark.parametrize(
    "body",
    [b"{", b"", b"<html>oops</html>", b'{"jsonrpc": "2.0", "id": 1, "result": ' + nested(3000)],
    ids=["truncated", "empty", "html", "deep"],
)
def test_rpc_write_answered_success_with_an_unreadable_body_is_outcome_unknown(
    rsps: responses.RequestsMock, body: bytes
) -> None:
    rsps.add_callback(responses.POST, RPC, callback=rpc_callback(body))
    with rpc() as api, pytest.raises(errors.OutcomeUnknownError) as info:
        api.call("newContact", {"name": "Ada"})
    assert "may have been applied" in str(info.value)
    assert isinstance(info.value.__cause__, errors.MalformedResponseError)
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    "body",
    [b'{"leads": ' + nested(2500) + b"}", b'{"leads": [{"name": "caf\xe9"}]}', b'{"leads": ['],
    ids=["deep", "latin-1", "truncated"],
)
def test_rest_client_refuses_deep_or_undecodable_answers_with_a_typed_error(
    rsps: responses.RequestsMock, body: bytes
) -> None:
    rsps.add(responses.GET, f"{REST}/leads/1-leads", body=body, content_type="application/json")
    with rest() as client, pytest.raises(errors.MalformedResponseError):
        client.leads.get(1)


def test_rest_error_bodies_nested_too_deep_are_still_typed(rsps: responses.RequestsMock) -> None:
    deep = b'{"errors": ' + nested(5000) + b"}"
    rsps.add(responses.GET, f"{REST}/leads/1-leads", body=deep, status=404)
    with rest() as client, pytest.raises(errors.NotFoundError):
        client.leads.get(1)


def test_rest_client_accepts_a_byte_order_mark(rsps: responses.RequestsMock) -> None:
    body = json.dumps({"leads": []}).encode()
    rsps.add(responses.GET, f"{REST}/leads", body=b"\xef\xbb\xbf" + body)
    with rest() as client:
        assert client.call("GET", "/leads") is not None


@pytest.mark.parametrize("body", [b'{"leads": [{"id": "1-le', b"\xff\xfe", b"[" * 3000])
def test_rest_writes_answered_success_with_an_unreadable_body_are_outcome_unknown(
    rsps: responses.RequestsMock, body: bytes
) -> None:
    headers = {"Content-Type": "application/json"}
    rsps.add(responses.POST, f"{REST}/leads", body=body, status=201, headers=headers)
    rsps.add(responses.PATCH, f"{REST}/leads/1-leads", body=body, status=200, headers=headers)
    with rest() as client:
        with pytest.raises(errors.OutcomeUnknownError, match="may have been applied"):
            client.leads.create({"description": "x"})
        with pytest.raises(errors.OutcomeUnknownError, match="may have been applied"):
            client.leads.update(1, Patch("leads").replace("description", "y"))
        with pytest.raises(errors.OutcomeUnknownError):
            client.call("POST", "/leads", json={"leads": [{}]})
    assert len(rsps.calls) == 3  # none re-sent
