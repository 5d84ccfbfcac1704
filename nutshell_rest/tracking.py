"""Which REST requests one call has sent: per call, thread-safe, whichever client sent them.

A caller that must know whether a request of *this call* may have reached the server (the
bridge's ``rest-fallback`` route may answer through JSON-RPC after REST failed, but only while
no REST write of the call can have been applied) opens a log with :func:`track_requests`.
Every :class:`~nutshell_rest.RestClient` records each request it sends into every log open in
the calling context. Logs live in a :class:`contextvars.ContextVar`, so two calls running at
once in different threads each see only their own requests, even through one shared client.

A request counts as *reached* unless it certainly never left this machine: refused before any
I/O, or a :class:`~nutshell_core.errors.ConnectError` (the connection was never made). Any
answer, a timeout, a broken connection or an interruption count as reached: the server may
have acted on it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final

import attrs

__all__ = ["SAFE_METHODS", "RequestLog", "SentRequest", "record_request", "track_requests"]

#: HTTP methods that change nothing on the server (RFC 9110 "safe").
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


@attrs.frozen
class SentRequest:
    """One request a call sent: its method, its path under the REST root, and whether it may
    have reached the server."""

    method: str
    path: str
    reached: bool

    @property
    def writes(self) -> bool:
        """True for a method that may change the server's state (anything but GET/HEAD)."""
        return self.method.upper() not in SAFE_METHODS


class RequestLog:
    """The requests sent while this log was open, in order; safe to share between threads."""

    def __init__(self, parent: RequestLog | None = None) -> None:
        self._parent = parent
        self._lock = threading.Lock()
        self._requests: list[SentRequest] = []

    def __repr__(self) -> str:
        return f"RequestLog({len(self.requests)} requests)"

    def record(self, method: str, path: str, *, reached: bool) -> None:
        """Note one request here and in every enclosing log."""
        entry = SentRequest(method=method.upper(), path=path, reached=reached)
        log: RequestLog | None = self
        while log is not None:
            with log._lock:
                log._requests.append(entry)
            log = log._parent

    @property
    def requests(self) -> tuple[SentRequest, ...]:
        """Every request recorded so far, reached or not."""
        with self._lock:
            return tuple(self._requests)

    @property
    def sent_any(self) -> bool:
        """True once any request may have reached the server."""
        return any(r.reached for r in self.requests)

    @property
    def sent_write(self) -> bool:
        """True once a request that may change the server's state may have reached it."""
        return any(r.reached and r.writes for r in self.requests)

    def writes_to(self, path: str) -> int:
        """How many writes that may have reached the server went to ``path`` or below it
        (``/leads/5-leads`` counts ``PATCH /leads/5-leads`` and ``POST /leads/5-leads/status``);
        compared without regard to case, as REST paths are."""
        prefix = path.rstrip("/").lower()
        return sum(
            1
            for r in self.requests
            if r.reached
            and r.writes
            and (r.path.lower() == prefix or r.path.lower().startswith(prefix + "/"))
        )


_CURRENT: ContextVar[RequestLog | None] = ContextVar("nutshell_rest_request_log", default=None)


@contextmanager
def track_requests() -> Iterator[RequestLog]:
    """Open a log of the REST requests sent in this context until the block ends.

    Logs nest: a request sent inside an inner block is recorded in the outer log too.
    """
    log = RequestLog(parent=_CURRENT.get())
    token = _CURRENT.set(log)
    try:
        yield log
    finally:
        _CURRENT.reset(token)


def record_request(method: str, path: str, *, reached: bool) -> None:
    """Record a request in the logs open in this context (nothing when none is open)."""
    log = _CURRENT.get()
    if log is not None:
        log.record(method, path, reached=reached)
