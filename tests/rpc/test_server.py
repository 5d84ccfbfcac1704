"""The JSON-RPC server front: parsing, auth, dispatch and Nutshell's error shapes."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import pytest

from nutshell_core import errors
from nutshell_core.catalog import RpcMethod
from nutshell_rest.envelope import ApiErrorItem
from nutshell_rpc.server import RpcServer, parse_basic_auth

USER, KEY = "jim@demo.nutshell.com", "sekrit-KEY-123456"


class Backend:
    """A tiny backend: one lead with a rev, and a record of what was dispatched."""

    def __init__(self) -> None:
        self.rev = "3"
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def authenticate(self, username: str, api_key: str) -> Any | None:
        return username if (username, api_key) == (USER, KEY) else None

    def discover(self, username: str) -> Mapping[str, Any]:
        host = "app.nutshell.com"
        return {"iphone": host, "mobile": host, "api": host, "login": host}

    def implements(self, method: RpcMethod) -> bool:
        return method.name in {"getLead", "editLead", "findLeads", "getApiForUsername", "add"}

    def dispatch(self, method: RpcMethod, params: Mapping[str, Any], principal: Any) -> Any:
        self.calls.append((method.name, dict(params)))
        if method.name == "editLead":
            if params["rev"] not in (self.rev, "REV_IGNORE"):
                raise errors.ConflictError("rev key is out-of-date", status=409, code=409)
            return {"id": params["leadId"], "rev": str(int(self.rev) + 1)}
        if method.name == "getLead" and params["leadId"] == 404:
            raise errors.NotFoundError("Lead not found", status=404, code=404)
        if method.name == "getLead" and params["leadId"] == 304:  # an upstream's stray 304
            raise errors.APIError("HTTP 304 not modified", status=304)
        if method.name == "getLead" and params["leadId"] == 400:  # REST error items as data
            items = (ApiErrorItem(status="400", title="bad"),)
            raise errors.InvalidRequestError("bad", status=400, data=items)
        if method.name == "add":
            raise RuntimeError("internal detail that must not leak")
        return {"id": params.get("leadId", 0), "params": dict(params)}


def auth_header(user: str = USER, key: str = KEY) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def post(server: RpcServer, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    reply = server.handle("POST", headers if headers is not None else auth_header(), raw)
    return reply.status, reply.json()


@pytest.fixture
def backend() -> Backend:
    return Backend()


@pytest.fixture
def server(backend: Backend) -> RpcServer:
    return RpcServer(backend)


def test_success_echoes_id_and_carries_error_null(server: RpcServer) -> None:
    status, body = post(server, {"method": "getLead", "params": {"leadId": 7}, "id": "apeye"})
    assert status == 200
    assert body == {
        "result": {"id": 7, "params": {"leadId": 7}},
        "id": "apeye",
        "error": None,
        "jsonrpc": "2.0",
    }


def test_jsonrpc_member_is_optional_and_params_may_be_positional(
    server: RpcServer, backend: Backend
) -> None:
    status, _ = post(
        server, {"jsonrpc": "2.0", "method": "findLeads", "params": [{"status": 0}, "id"], "id": 1}
    )
    assert status == 200
    status, _ = post(server, {"method": "findLeads", "id": 2})
    assert status == 200
    assert backend.calls == [
        ("findLeads", {"query": {"status": 0}, "orderBy": "id"}),
        ("findLeads", {}),
    ]


def test_discovery_needs_no_auth(server: RpcServer) -> None:
    status, body = post(
        server, {"method": "getApiForUsername", "params": {"username": USER}, "id": 9}, headers={}
    )
    assert status == 200 and body["result"]["api"] == "app.nutshell.com"


@pytest.mark.parametrize("headers", [{}, auth_header(key="wrong"), {"Authorization": "Basic !!"}])
def test_bad_credentials_are_401(server: RpcServer, headers: dict[str, str]) -> None:
    status, body = post(server, {"method": "getLead", "params": [1], "id": 3}, headers=headers)
    assert status == 401
    assert body["error"]["code"] == 401 and body["result"] is None and body["id"] == 3


def test_unknown_method_is_404_with_32601(server: RpcServer) -> None:
    status, body = post(server, {"method": "findPipelines", "id": 4})
    assert (status, body["error"]["code"], body["error"]["message"]) == (
        404,
        -32601,
        "Method not found",
    )
    status, body = post(server, {"method": "deleteLead", "params": [1, "0"], "id": 5})
    assert status == 404  # in the catalog but not implemented by this backend


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        json.dumps([{"method": "getLead", "id": 1}]).encode(),
        json.dumps({"params": {}, "id": 1}).encode(),
        json.dumps({"method": "getLead", "jsonrpc": "1.0", "id": 1}).encode(),
        json.dumps({"method": "getLead", "params": "x", "id": 1}).encode(),
    ],
)
def test_invalid_requests_get_the_recorded_shape(server: RpcServer, raw: bytes) -> None:
    status, body = post(server, raw)
    assert status == 400
    assert body["result"] is None
    assert body["error"]["code"] in (-32600, -32700)
    assert set(body["error"]) == {"code", "message", "data"}


def test_bad_params_are_32602(server: RpcServer) -> None:
    status, body = post(server, {"method": "getLead", "params": {"nope": 1}, "id": 6})
    assert status == 400 and body["error"]["code"] == -32602
    assert "nope" in body["error"]["data"]


def test_stale_rev_is_409_and_rev_ignore_passes(server: RpcServer) -> None:
    status, body = post(server, {"method": "editLead", "params": [1, "2", {}], "id": 7})
    assert (status, body["error"]["code"], body["error"]["message"]) == (
        409,
        409,
        "rev key is out-of-date",
    )
    status, body = post(server, {"method": "editLead", "params": [1, "REV_IGNORE", {}], "id": 8})
    assert status == 200 and body["result"]["rev"] == "4"


def test_backend_not_found_and_internal_errors(server: RpcServer) -> None:
    status, body = post(server, {"method": "getLead", "params": [404], "id": 1})
    assert status == 404 and body["error"]["message"] == "Lead not found"
    status, body = post(server, {"method": "add", "params": [1, 2], "id": 2})
    assert status == 500 and body["error"]["code"] == -32603
    assert "internal detail" not in json.dumps(body)


def test_an_error_status_that_cannot_carry_a_body_is_a_bad_gateway(server: RpcServer) -> None:
    status, body = post(server, {"method": "getLead", "params": [304], "id": 1})
    assert status == 502 and body["error"]["message"] == "HTTP 304 not modified"


def test_error_data_that_is_not_json_is_rendered_not_a_crash(server: RpcServer) -> None:
    status, body = post(server, {"method": "getLead", "params": [400], "id": 1})
    assert status == 400 and body["id"] == 1
    assert body["error"]["data"] == [{"status": "400", "title": "bad"}]


def test_get_returns_a_service_description(server: RpcServer) -> None:
    reply = server.handle("GET", {}, b"")
    assert reply.status == 200
    assert "getLead" in reply.json()["services"]


def test_parse_basic_auth() -> None:
    assert parse_basic_auth(auth_header()["Authorization"]) == (USER, KEY)
    assert parse_basic_auth("Bearer abc") is None
    assert parse_basic_auth(None) is None


@pytest.mark.parametrize(
    "raw",
    [
        b'{"method": "getLead", "params": {"leadId": "\\ud800"}, "id": 1}',
        b'{"method": "getLead", "params": {"leadId": "\xff"}, "id": 1}',
        b'{"method": "getLead", "params": ' + b"[" * 100 + b"]" * 100 + b"}",
        b'{"method": "getLead", "params": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
)
def test_unsafe_json_is_a_parse_error_before_any_dispatch(
    server: RpcServer, backend: Backend, raw: bytes
) -> None:
    status, body = post(server, raw)
    assert status == 400 and body["error"]["code"] == -32700
    assert body["id"] is None and isinstance(body["error"]["data"], str)
    assert backend.calls == []


@pytest.mark.parametrize("length", ["abc", "-5"])
def test_wsgi_refuses_a_content_length_that_is_not_a_size(server: RpcServer, length: str) -> None:
    seen: list[str] = []
    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": length, "wsgi.input": None}
    chunks = server.wsgi(environ, lambda status, headers: seen.append(status))
    assert seen == ["400 Bad Request"]
    assert json.loads(b"".join(chunks))["error"]["code"] == -32600
