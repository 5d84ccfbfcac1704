"""The JSON-RPC envelope codec: the only module that touches ``jsonrpcclient``.

jsonrpcclient 4.0.3 builds requests well but has pitfalls this module closes:

* its ids come from one process-global counter, so we always pass ``id=`` from a per-client
  generator;
* it drops empty ``params``; Nutshell's own clients always send them, so we put them back;
* its ``parse`` reads ``{"result": null, "error": {...}}`` — exactly Nutshell's error shape — as
  success, raises a bare ``KeyError`` when neither member is present, and maps batches lazily.
  We check ``error`` first, validate the envelope, match the echoed id, and only then let
  jsonrpcclient read the result.

Bodies are decoded with :func:`nutshell_core.strict_json.loads_response` (strict UTF-8, bounded
nesting), so no answer escapes as a ``RecursionError``. A success status whose body cannot be read
after a write (a non-idempotent method) raises :class:`OutcomeUnknownError`, never a definite
failure: the server said it did the write.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import jsonrpcclient

from nutshell_core.errors import (
    APIError,
    MalformedResponseError,
    OutcomeUnknownError,
    error_for_status,
    truncate_body,
)
from nutshell_core.strict_json import JsonInputError, loads_response

__all__ = ["IdGenerator", "decode_response", "encode_request"]

_REQUEST_ID_HEADER = "x-nutshell-request-id"


class IdGenerator:
    """Thread-safe request ids, one sequence per client (never jsonrpcclient's global one)."""

    def __init__(self, prefix: str = "") -> None:
        self._counter: Iterator[int] = itertools.count(1)
        self._lock = threading.Lock()
        self._prefix = prefix

    def __next__(self) -> str | int:
        with self._lock:
            n = next(self._counter)
        return f"{self._prefix}{n}" if self._prefix else n

    def __iter__(self) -> IdGenerator:
        return self


def encode_request(
    method: str, params: Mapping[str, Any] | Sequence[Any], request_id: str | int
) -> dict[str, Any]:
    """Build a JSON-RPC request dict; ``params`` is always present, named or positional."""
    if isinstance(params, Mapping):
        body: dict[str, Any] = jsonrpcclient.request(method, params=dict(params), id=request_id)
        body.setdefault("params", {})
    else:
        body = jsonrpcclient.request(method, params=tuple(params), id=request_id)
        body.setdefault("params", [])
    return body


def _looks_like_html(text: str, content_type: str) -> bool:
    head = text.lstrip()[:64].lower()
    return "html" in content_type.lower() or head.startswith(("<!doctype", "<html", "<"))


def decode_response(
    *,
    status: int,
    headers: Mapping[str, str],
    text: str | bytes,
    method: str,
    request_id: str | int,
    idempotent: bool = True,
) -> Any:
    """Return the ``result`` of a JSON-RPC response, or raise the typed error it describes.

    ``text`` is the body, preferably the raw bytes (decoded here as strict UTF-8). With
    ``idempotent`` false (a write), a success status whose body cannot be read raises
    :class:`OutcomeUnknownError` chained to the :class:`MalformedResponseError` it would be.
    """
    try:
        return _decode(
            status=status, headers=headers, body=text, method=method, request_id=request_id
        )
    except MalformedResponseError as exc:
        if idempotent or status >= 300:
            raise
        raise OutcomeUnknownError(
            f"{method}: the outcome is unknown: the server answered success but the body could "
            f"not be read ({exc.message}): the write may have been applied; read before retrying",
            method,
        ) from exc


def _decode(
    *,
    status: int,
    headers: Mapping[str, str],
    body: str | bytes,
    method: str,
    request_id: str | int,
) -> Any:
    text = body if isinstance(body, str) else body.decode("utf-8", "replace")  # messages only
    request_ref = headers.get(_REQUEST_ID_HEADER)
    content_type = headers.get("content-type", "")

    def malformed(message: str, *problems: str) -> MalformedResponseError:
        return MalformedResponseError(
            f"{message} from {method}", method, status, text, tuple(problems)
        )

    def status_error(message: str) -> APIError:
        cls = error_for_status(status)
        return cls(message, status=status, request_id=request_ref, target=method, body=text)

    if not text.strip():
        if status >= 400:
            raise status_error(f"HTTP {status} with an empty body")
        raise malformed("empty response body", f"HTTP {status}")
    try:
        data = loads_response(body)
    except JsonInputError as exc:
        kind = "an HTML page" if _looks_like_html(text, content_type) else "invalid JSON"
        if status >= 400:
            raise status_error(f"HTTP {status} with {kind} instead of a JSON-RPC error") from exc
        raise malformed(f"{kind} instead of a JSON-RPC response", str(exc)) from exc
    if isinstance(data, list):
        raise malformed("a batch response where none was sent", f"{len(data)} items")
    if not isinstance(data, dict):
        raise malformed("a JSON-RPC response must be an object", f"got {type(data).__name__}")

    error = data.get("error")
    if error is not None:
        raise _error_from_body(error, status, request_ref, method, text, malformed)
    if status >= 400:
        raise status_error(f"HTTP {status} without a JSON-RPC error member")
    if "result" not in data:
        raise malformed("neither result nor error in the response", "missing member @ $.result")
    version = data.get("jsonrpc", "2.0")
    if version != "2.0":
        raise malformed("unsupported JSON-RPC version", f"jsonrpc={version!r} @ $.jsonrpc")
    echoed = data.get("id")
    # Python equality would take True for 1 and 1.0 for 1; an echo must be the same JSON value.
    if type(echoed) is not type(request_id) or echoed != request_id:
        raise malformed(
            "the response id does not match the request",
            f"sent {request_id!r}, got {data.get('id')!r} @ $.id",
        )
    parsed = jsonrpcclient.parse(data)
    if not isinstance(parsed, jsonrpcclient.Ok):  # pragma: no cover - excluded above
        raise malformed("jsonrpcclient could not read the response")
    return parsed.result


def _error_from_body(
    error: Any,
    status: int,
    request_ref: str | None,
    method: str,
    text: str,
    malformed: Callable[..., MalformedResponseError],
) -> Exception:
    if not isinstance(error, dict):
        return malformed("a JSON-RPC error must be an object", f"got {error!r} @ $.error")
    code = error.get("code")
    message = error.get("message")
    if not isinstance(code, int) or isinstance(code, bool):
        return malformed("a JSON-RPC error needs an integer code", f"got {code!r} @ $.error.code")
    if not isinstance(message, str):
        message = truncate_body(json.dumps(message), 200)
    cls = error_for_status(status if status >= 400 else None, code)
    return cls(
        message,
        status=status,
        code=code,
        request_id=request_ref,
        target=method,
        body=text,
        data=error.get("data"),
    )
