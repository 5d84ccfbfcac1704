"""The server side of Nutshell's JSON-RPC protocol, dispatching to a pluggable backend.

The emulator's store is one backend and the bridge's router another (the ``nutshell-migrate
proxy``); both get the same protocol handling from here:

* ``jsonrpc`` is optional; ``params`` may be an object, an array in catalog signature order, or
  absent; the ``id`` is echoed (``null`` when the request was too broken to read one);
* success answers ``{"result": ..., "id": ..., "error": null, "jsonrpc": "2.0"}``;
* failures answer ``{"result": null, "error": {"code", "message", "data"}, "id": ...}`` with
  Nutshell's codes and statuses: 401 for bad credentials, 404 with -32601 for an unknown
  method, -32600 for an invalid request, 409 for a stale rev, -32602 for bad params;
* ``getApiForUsername`` is answered without authentication; everything else needs HTTP Basic
  auth (the user's email and an API key), checked by the backend.

Assumptions the references leave open (batches are refused as invalid requests; -32600 and
-32602 travel with HTTP 400; -32700 for unparsable JSON) are listed in ``ASSUMPTIONS``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import attrs

from nutshell_core.calls import named_params
from nutshell_core.catalog import RPC_METHODS, RpcMethod
from nutshell_core.errors import APIError, NutshellError, UsageError
from nutshell_core.model import UNSET
from nutshell_core.strict_json import JsonInputError, loads_request

__all__ = [
    "ASSUMPTIONS",
    "BATCH_REFUSED",
    "RpcBackend",
    "RpcReply",
    "RpcServer",
    "parse_basic_auth",
]

log = logging.getLogger(__name__)

ASSUMPTIONS: Mapping[str, str] = {
    "batch": (
        "A JSON array body is answered as -32600 Invalid Request (HTTP 400, id null, error.data "
        "saying batches are not supported): no source documents or uses batches."
    ),
    "invalid-request-status": "-32600 and -32602 are sent with HTTP 400 (unrecorded).",
    "parse-error": "Unparsable JSON is answered -32700 Parse error, HTTP 400, id null.",
    "strict-json": (
        "Bodies that are not UTF-8, hold a lone UTF-16 surrogate or nest more than 64 arrays/"
        "objects are answered -32700 Parse error (HTTP 400) too, the reason in error.data."
    ),
    "not-found-status": "A missing record is HTTP 404 with code 404 (unrecorded).",
    "notification": (
        "A request without an id is answered like any other, with id null (not HTTP 204): "
        "legacy clients always send an id and read the body."
    ),
}

#: ``error.data`` of the answer to a batch (a JSON array body): why it is refused, what to do.
BATCH_REFUSED = "batch requests (a JSON array body) are not supported: send one call per request"

_STATUS_FOR_CODE = {-32600: 400, -32602: 400, -32700: 400, -32601: 404, -32603: 500}


class RpcBackend(Protocol):
    """What a server needs from whatever answers the calls."""

    def authenticate(self, username: str, api_key: str) -> Any | None:
        """Return a principal for valid credentials, or None."""

    def discover(self, username: str) -> Mapping[str, Any]:
        """Answer ``getApiForUsername`` for ``username``."""

    def dispatch(self, method: RpcMethod, params: Mapping[str, Any], principal: Any) -> Any:
        """Run ``method`` with named ``params``; raise an APIError subclass on failure."""

    def implements(self, method: RpcMethod) -> bool:
        """True when the backend answers ``method``."""


@attrs.frozen
class RpcReply:
    """An HTTP answer: status, headers and body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def parse_basic_auth(header: str | None) -> tuple[str, str] | None:
    """Split an ``Authorization: Basic ...`` header into (username, api_key), or None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, key = decoded.partition(":")
    return (username, key) if sep else None


class _Failure(Exception):
    """A protocol-level failure carrying the JSON-RPC error to send."""

    def __init__(self, status: int, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.data = status, code, message, data


def _status_for(error: APIError) -> int:
    status = error.status
    if status is None and error.code is not None and 100 <= error.code < 600:
        status = error.code
    if status is None:
        return _STATUS_FOR_CODE.get(error.code or 0, 500)
    # Only an error status can carry the error envelope: a 304 has no body, and a relayed 1xx,
    # 2xx or 3xx would tell the caller something else entirely. Whatever it was, the backend
    # behind this endpoint failed to give an answer.
    return status if 400 <= status < 600 else 502


def _json_default(value: Any) -> Any:
    """JSON for what an error's ``data`` may hold besides JSON: records, tuples, anything."""
    if attrs.has(type(value)):  # e.g. a REST error item: the fields the server sent
        return {
            field.name: getattr(value, field.name)
            for field in attrs.fields(type(value))
            if field.repr and getattr(value, field.name) is not UNSET
        }
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return str(value)


class RpcServer:
    """Protocol handling for one JSON-RPC endpoint in front of a backend."""

    def __init__(self, backend: RpcBackend, *, methods: Mapping[str, RpcMethod] = RPC_METHODS):
        self._backend = backend
        self._methods = methods

    # -- HTTP entry points -------------------------------------------------------------------

    def handle(self, http_method: str, headers: Mapping[str, str], body: bytes) -> RpcReply:
        """Answer one HTTP request to the endpoint."""
        if http_method.upper() == "GET":
            return self._reply(200, self._smd())
        if http_method.upper() != "POST":
            return self._error(405, -32600, "Invalid Request", None)
        request_id: Any = None
        try:
            request = self._parse(body)
            request_id = request.get("id")
            return self._reply(200, self._success(self._run(request, headers), request_id))
        except _Failure as failure:
            return self._error(
                failure.status, failure.code, failure.message, request_id, failure.data
            )

    def wsgi(
        self, environ: Mapping[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """A WSGI application serving this endpoint."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            reply = self._error(400, -32600, "Invalid Request", None, "invalid Content-Length")
            start_response(f"400 {_REASONS[400]}", list(reply.headers))
            return [reply.body]
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {"authorization": environ.get("HTTP_AUTHORIZATION", "")}
        reply = self.handle(environ.get("REQUEST_METHOD", "GET"), headers, body)
        start_response(
            f"{reply.status} {_REASONS.get(reply.status, 'Status')}", list(reply.headers)
        )
        return [reply.body]

    # -- protocol ------------------------------------------------------------------------------

    @staticmethod
    def _parse(body: bytes) -> dict[str, Any]:
        try:
            # Strict: UTF-8, no lone surrogates, bounded nesting, refused before any backend
            # (and so any store) sees the request.
            data = loads_request(body)
        except JsonInputError as exc:
            raise _Failure(400, -32700, "Parse error", str(exc)) from None
        if isinstance(data, list):
            raise _Failure(400, -32600, "Invalid Request", BATCH_REFUSED)
        if not isinstance(data, dict):
            raise _Failure(400, -32600, "Invalid Request")
        if not isinstance(data.get("method"), str):
            raise _Failure(400, -32600, "Invalid Request")
        if "jsonrpc" in data and data["jsonrpc"] != "2.0":
            raise _Failure(400, -32600, "Invalid Request")
        request_id = data.get("id")
        if request_id is not None and not isinstance(request_id, str | int | float):
            raise _Failure(400, -32600, "Invalid Request")
        if isinstance(request_id, float) and not math.isfinite(request_id):
            # NaN or Infinity would be echoed back as a bare word no JSON parser reads.
            raise _Failure(400, -32600, "Invalid Request")
        return data

    def _run(self, request: Mapping[str, Any], headers: Mapping[str, str]) -> Any:
        row = self._methods.get(request["method"])
        if row is None or not self._backend.implements(row):
            raise _Failure(404, -32601, "Method not found")
        params = request.get("params")
        if params is not None and not isinstance(params, dict | list):
            raise _Failure(400, -32600, "Invalid Request")
        try:
            named = named_params(row, params)
        except UsageError as exc:
            raise _Failure(400, -32602, "Invalid params", str(exc)) from None
        try:
            if row.name == "getApiForUsername":
                return self._backend.discover(str(named["username"]))
            credentials = parse_basic_auth(_header(headers, "authorization"))
            principal = self._backend.authenticate(*credentials) if credentials else None
            if principal is None:
                raise _Failure(401, 401, "API key not found")
            return self._backend.dispatch(row, named, principal)
        except APIError as exc:
            code = exc.code if exc.code is not None else _status_for(exc)
            raise _Failure(_status_for(exc), code, exc.message, exc.data) from None
        except _Failure:
            raise
        except NutshellError as exc:
            raise _Failure(400, -32602, exc.message) from None
        except Exception:
            # A backend bug must not leak a traceback (or anything in it) to the caller.
            log.exception("JSON-RPC backend failed on %s", row.name)
            raise _Failure(500, -32603, "Internal error") from None

    @staticmethod
    def _success(result: Any, request_id: Any) -> dict[str, Any]:
        return {"result": result, "id": request_id, "error": None, "jsonrpc": "2.0"}

    def _error(
        self, status: int, code: int, message: str, request_id: Any, data: Any = None
    ) -> RpcReply:
        body = {
            "result": None,
            "error": {"code": code, "message": message, "data": data},
            "id": request_id,
            "jsonrpc": "2.0",
        }
        return self._reply(status, body)

    @staticmethod
    def _reply(status: int, body: Any) -> RpcReply:
        payload = json.dumps(body, ensure_ascii=False, default=_json_default).encode("utf-8")
        headers = (("Content-Type", "application/json; charset=utf-8"),)
        return RpcReply(status, headers, payload)

    def _smd(self) -> dict[str, Any]:
        services = {
            name: {"parameters": [{"name": p.name, "optional": not p.required} for p in row.params]}
            for name, row in sorted(self._methods.items())
            if self._backend.implements(row)
        }
        return {"transport": "POST", "envelope": "JSON-RPC-2.0", "services": services}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
