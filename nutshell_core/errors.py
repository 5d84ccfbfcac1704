"""The one exception tree for every package in this project.

Everything raised on purpose derives from :class:`NutshellError`::

    NutshellError
    ├── ConfigurationError          bad options given to a client (never a server's fault)
    │   └── PolicyError             a policy file or grant that cannot be used (policy.py)
    ├── UsageError                  bad arguments for a call, rejected before any request
    │   └── UnknownMethodError      a method name the catalog does not know
    ├── InsecureTransportError      plain http off loopback, or an untrusted discovery host
    ├── TransportError              the request did not produce an HTTP response
    │   ├── ConnectError            the connection was never made: the request did not leave
    │   ├── RequestTimeoutError     no answer in time
    │   │   └── OutcomeUnknownError a write timed out after it was sent: it may have happened
    │   └── RetryExhaustedError     retries or the overall deadline ran out
    ├── APIError                    the server answered with an error
    │   ├── InvalidRequestError     400, JSON-RPC -32600 / -32602
    │   ├── AuthenticationError     401
    │   ├── PermissionDeniedError   403
    │   ├── NotFoundError           404
    │   │   └── MethodNotFoundError JSON-RPC -32601
    │   ├── ConflictError           409: a stale rev
    │   ├── RateLimitedError        429, with ``retry_after`` in seconds when the server said
    │   └── ServerError             5xx
    ├── MalformedResponseError      HTML where JSON was due, truncated JSON, a wrong envelope
    ├── PolicyDenied                an access policy refused the call
    └── NotBridgeable               a legacy method with no REST counterpart was routed to REST

Every error is picklable (its arguments are kept in ``args``), so they cross process
boundaries in pytest-xdist and multiprocessing. No error ever holds credentials: every message,
argument and attribute is masked when the error is built (URL userinfo, Basic tokens, and every
form of the key of any live :class:`~nutshell_core.secrets.SecretMask`, even when a server
echoed it back), bodies are truncated after masking, and a pickle is built from the masked
state again.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from nutshell_core.secrets import mask_secrets, mask_value

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "InsecureTransportError",
    "InvalidRequestError",
    "MalformedResponseError",
    "MethodNotFoundError",
    "NotBridgeable",
    "NotFoundError",
    "NutshellError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "PolicyDenied",
    "RateLimitedError",
    "RequestTimeoutError",
    "RetryExhaustedError",
    "ServerError",
    "TransportError",
    "UnknownMethodError",
    "UsageError",
    "error_for_status",
    "truncate_body",
]

#: How much of a response body an error keeps: enough to diagnose, never a whole payload.
BODY_LIMIT = 500

_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_BASIC = re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?basic\s+)[A-Za-z0-9+/=]+")


def scrub(text: str) -> str:
    """Remove URL userinfo and Basic credentials from ``text``."""
    return _BASIC.sub(r"\1[secure]", _USERINFO.sub("", text))


def clean(text: str) -> str:
    """``text`` scrubbed (:func:`scrub`) and with every known secret masked."""
    return mask_secrets(scrub(text))


def _clean_value(value: Any) -> Any:
    return mask_value(value, clean)


def _clean_handled() -> None:
    """Mask the exception being handled, and its chain, where this error is being built.

    ``raise NutshellError(...) from exc`` keeps ``exc`` as the cause, and a traceback prints
    it: a ``ValueError`` quoting a value the server sent could show an echoed key there. Its
    ``args`` (what ``str`` and ``repr`` of most exceptions are made of) are masked in place.
    """
    pending = [sys.exc_info()[1]]
    seen: set[int] = set()
    while pending and len(seen) < 16:  # bounded: chains can be long or cyclic
        exc = pending.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        if not isinstance(exc, NutshellError):  # those are masked already
            try:
                masked = _clean_value(exc.args)
                if masked != exc.args:
                    exc.args = masked
            except Exception:  # noqa: S110 - masking must never replace the real error
                pass
        pending.extend((exc.__cause__, exc.__context__))


def truncate_body(body: str | bytes | None, limit: int = BODY_LIMIT) -> str:
    """Return a short, credential-free excerpt of a response body for an error message."""
    if body is None:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    total = len(text)
    # Masked before it is cut, so a key straddling the cut cannot leave half of itself; only
    # a bounded head is masked (a secret starting in the kept part ends inside this head).
    text = clean(text[: limit * 2 + 1024])
    if total <= limit and len(text) <= limit:
        return text
    # The result is exactly ``limit`` long, so truncating it again changes nothing.
    suffix = f"... [{total} chars in all]"
    return text[: max(0, limit - len(suffix))] + suffix


class NutshellError(Exception):
    """Root of every error this project raises on purpose."""

    def __init__(self, message: str, *args: Any) -> None:
        super().__init__(clean(str(message)), *_clean_value(args))
        _clean_handled()

    @property
    def message(self) -> str:
        """The human-readable message."""
        return str(self.args[0])

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its (masked again) state without calling ``__init__``: attributes set
        # after construction are masked too, and subclasses need no reduce of their own.
        state = {name: _clean_value(value) for name, value in vars(self).items()}
        return (_rebuild_error, (type(self), _clean_value(self.args), state))


def _rebuild_error(
    cls: type[NutshellError], args: tuple[Any, ...], state: dict[str, Any]
) -> NutshellError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigurationError(NutshellError):
    """A client was constructed with options that cannot work."""


class UsageError(NutshellError):
    """A call was made with arguments the API cannot accept; no request was sent."""


class UnknownMethodError(UsageError):
    """The method name is not in the catalog."""


class InsecureTransportError(NutshellError):
    """Credentials would travel in the clear or to a host that was not trusted."""


class PolicyDenied(NutshellError):
    """An access policy refused the call before it was sent."""


class NotBridgeable(NutshellError):
    """A legacy method with no REST equivalent was routed to REST."""

    def __init__(self, message: str, method: str = "", reason: str = "") -> None:
        super().__init__(message, method, reason)
        self.method = method
        self.reason = reason


class TransportError(NutshellError):
    """No usable HTTP response arrived."""

    def __init__(self, message: str, target: str = "") -> None:
        super().__init__(message, clean(target))
        self.target = clean(target)


class ConnectError(TransportError):
    """The connection could not be made, so the request never left this machine."""


class RequestTimeoutError(TransportError):
    """The server did not answer in time."""


class OutcomeUnknownError(RequestTimeoutError):
    """A non-idempotent write was sent but no answer came: it may or may not have happened."""


class RetryExhaustedError(TransportError):
    """Every allowed attempt failed, or the overall deadline passed."""


class MalformedResponseError(NutshellError):
    """The server's answer could not be understood (HTML, truncated JSON, a wrong envelope)."""

    def __init__(
        self,
        message: str,
        target: str = "",
        status: int | None = None,
        body: str = "",
        problems: tuple[str, ...] = (),
    ) -> None:
        problems = tuple(clean(str(problem)) for problem in problems)
        super().__init__(message, clean(target), status, truncate_body(body), problems)
        self.target = clean(target)
        self.status = status
        self.body = truncate_body(body)
        self.problems = problems

    def __str__(self) -> str:
        where = f" ({self.target})" if self.target else ""
        detail = "; ".join(self.problems)
        return f"{self.message}{where}" + (f": {detail}" if detail else "")


class APIError(NutshellError):
    """The server answered with an error.

    Attributes: ``status`` (HTTP), ``code`` (the JSON-RPC error code, when there is one),
    ``request_id`` (the ``x-nutshell-request-id`` header), ``target`` (RPC method or URL),
    and ``body`` (a truncated, scrubbed excerpt of the response).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        request_id: str | None = None,
        target: str = "",
        body: str = "",
        data: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.request_id = clean(request_id) if isinstance(request_id, str) else request_id
        self.target = clean(target)
        self.body = truncate_body(body)
        self.data = _clean_value(data)

    def __str__(self) -> str:
        parts = [self.message]
        tags = []
        if self.status is not None:
            tags.append(f"HTTP {self.status}")
        if self.code is not None:
            tags.append(f"code {self.code}")
        if self.target:
            tags.append(self.target)
        if self.request_id:
            tags.append(f"request {self.request_id}")
        if tags:
            parts.append(f"[{', '.join(tags)}]")
        return " ".join(parts)


class InvalidRequestError(APIError):
    """400, or JSON-RPC -32600/-32602: the server rejected the request as malformed or invalid."""


class AuthenticationError(APIError):
    """401: the email or API key was not accepted."""


class PermissionDeniedError(APIError):
    """403: the key's user may not do this."""


class NotFoundError(APIError):
    """404: no such record or route."""


class MethodNotFoundError(NotFoundError):
    """JSON-RPC -32601: the server does not know the method."""


class ConflictError(APIError):
    """409: the rev sent is out of date; re-read the record, merge and retry."""


class RateLimitedError(APIError):
    """429: slow down; ``retry_after`` holds the server's advice in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the server failed."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: InvalidRequestError,
    429: RateLimitedError,
}

_BY_RPC_CODE: dict[int, type[APIError]] = {
    -32600: InvalidRequestError,
    -32602: InvalidRequestError,
    -32700: InvalidRequestError,
    -32601: MethodNotFoundError,
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitedError,
}


def error_for_status(status: int | None, code: int | None = None) -> type[APIError]:
    """Pick the error class for an HTTP status and, when present, a JSON-RPC error code."""
    if code is not None and code in _BY_RPC_CODE:
        return _BY_RPC_CODE[code]
    if status is not None:
        if status in _BY_STATUS:
            return _BY_STATUS[status]
        if status >= 500:
            return ServerError
        if code is not None and code <= -32000:
            return ServerError
    return APIError
