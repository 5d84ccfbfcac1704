"""Deadlines that hold while an answer is read, and answers of bounded size.

A socket timeout bounds only the gap between two bytes: a server that sends one byte every
0.4 s keeps a 1 s read timeout satisfied forever, in the status line, the headers or the body.
Two mechanisms close that, one for each phase:

* **A watchdog per attempt** (:class:`Watchdog`). Connections made through a session prepared
  by :func:`watch_session` register themselves with the watchdog of the thread that uses them
  (a thread-local, set by :meth:`Watchdog.active`), and at the deadline the watchdog shuts
  their sockets down. Whatever read was blocked (the status line, a header, a body chunk, a TLS
  handshake) returns at once and the attempt fails; :attr:`Watchdog.fired` tells the caller why.
  A connection carries its current owner, and the watchdog only shuts down a connection it still
  owns, under one lock with the owner's registration, so a connection already handed back to the
  pool and reused by another call is never touched; one shut down just after its release is
  reopened by its next user before sending.
* **Chunked body reading** (:func:`read_body`): the body is read in chunks with the deadline
  checked between them, and the decoded size is capped. urllib3 decodes at most the requested
  chunk per read, so 200 KiB of gzip that would inflate to 200 MiB is refused after the cap is
  reached, not after inflating it all. A ``Content-Length`` above the cap is refused before the
  body is read at all.

The watchdog needs no thread until a real connection registers, so calls answered by
``responses`` mocks (which never open a socket) cost nothing extra.

A third mechanism bounds a *call* made of several requests (the bridge answers one legacy call
with a few REST requests, each of which would otherwise get the whole per-request deadline):
a **call budget** (:func:`call_budget`), held in a :class:`contextvars.ContextVar`. The
transport asks :func:`call_window` how long the request it is about to send may take: the
smaller of its own deadline and what is left of the call's, or :class:`CallDeadlineError` when
nothing is left, before anything is sent.
"""

from __future__ import annotations

import contextlib
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final

import requests
import requests.adapters
import urllib3
import urllib3.connection
from urllib3.poolmanager import ProxyManager

from nutshell_core.errors import ConfigurationError, RequestTimeoutError

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "BodyTooLargeError",
    "CallBudget",
    "CallDeadlineError",
    "DeadlinePassedError",
    "Watchdog",
    "call_budget",
    "call_window",
    "current_budget",
    "read_body",
    "watch_session",
]

#: The largest decoded response body accepted by default (64 MiB).
DEFAULT_MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024

#: How much decoded body is asked for per read: small enough to check the clock and the cap
#: often, large enough not to matter for speed.
CHUNK_SIZE: Final = 64 * 1024

# One lock for every registration and every shutdown: ownership changes and shutdowns are
# serialised, so a watchdog never shuts a socket another call has just taken over.
_OWNERSHIP = threading.Lock()
_CURRENT = threading.local()


class DeadlinePassedError(requests.exceptions.Timeout):
    """The overall deadline passed while an answer was being read (raised between chunks)."""


class BodyTooLargeError(Exception):
    """The response body is larger than the cap; ``size`` is what was seen (or announced)."""

    def __init__(self, size: int, limit: int, status: int) -> None:
        super().__init__(size, limit, status)
        self.size = size
        self.limit = limit
        self.status = status


class Watchdog:
    """Shuts down the sockets of one attempt when its deadline passes (see the module doc).

    ``seconds`` is the time left, in real (monotonic) seconds. The timer thread starts only
    when the first connection registers. :meth:`finish` must be called when the attempt ends;
    after that the watchdog touches nothing.
    """

    def __init__(self, seconds: float) -> None:
        self._ends_at = time.monotonic() + max(seconds, 0.0)
        # (connection, socket) pairs: a connection told to close by a "Connection: close"
        # answer drops its socket while the body is still read from it, so the socket itself
        # is kept here for as long as the attempt runs.
        self._held: list[tuple[Any, socket.socket]] = []
        self._timer: threading.Timer | None = None
        self._done = False
        self.fired = False

    @contextmanager
    def active(self) -> Iterator[Watchdog]:
        """Make this the watchdog of connections used by the current thread, for the block."""
        previous = getattr(_CURRENT, "watchdog", None)
        _CURRENT.watchdog = self
        try:
            yield self
        finally:
            _CURRENT.watchdog = previous

    def _register(self, connection: Any, sock: socket.socket | None) -> None:
        """Take ``connection`` (now using ``sock``) over; the caller holds the ownership lock."""
        connection._nutshell_owner = self
        if self._done:
            return
        if sock is not None and all(held is not sock for _, held in self._held):
            self._held.append((connection, sock))
        if self._timer is None:
            self._timer = threading.Timer(max(self._ends_at - time.monotonic(), 0.0), self.fire)
            self._timer.daemon = True
            self._timer.start()

    def fire(self) -> None:
        """Shut down every socket this attempt still owns. Called by the timer."""
        with _OWNERSHIP:
            if self._done:
                return
            self.fired = True
            for connection, sock in self._held:
                if connection.sock is not sock:
                    # Ours alone: the connection has dropped it (and may since have opened
                    # another, for another call, which is left alone).
                    _shutdown(sock)
                elif getattr(connection, "_nutshell_owner", None) is self:
                    connection._nutshell_killed = True  # its next user reconnects
                    _shutdown(sock)

    def finish(self) -> None:
        """End the attempt: release the connections and stop the timer. Idempotent."""
        with _OWNERSHIP:
            self._done = True
            for connection, _ in self._held:
                if getattr(connection, "_nutshell_owner", None) is self:
                    connection._nutshell_owner = None
            self._held.clear()
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()


def _shutdown(sock: socket.socket | None) -> None:
    if sock is None:
        return
    # socket.socket's own shutdown, also on an SSLSocket: it wakes a read blocked in another
    # thread without tearing down the SSL object under it. An OSError means it was already
    # closed or never connected: nothing is waiting on it.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _current() -> Watchdog | None:
    found = getattr(_CURRENT, "watchdog", None)
    return found if isinstance(found, Watchdog) else None


class _Watched:
    """Mixin for urllib3 connections: register with the using thread's watchdog."""

    sock: socket.socket | None
    _nutshell_owner: Watchdog | None = None
    _nutshell_killed: bool = False

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        # The plain socket, so a TLS handshake can be cut short too (no SSL socket yet).
        self._claim(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self._claim(self.sock):
            # A watchdog shut this socket after its last call ended: open a fresh one.
            self.close()
        super().request(*args, **kwargs)  # type: ignore[misc]

    def close(self) -> None:
        super().close()  # type: ignore[misc]

    def _claim(self, sock: socket.socket | None) -> bool:
        """Register with the current watchdog; return whether a watchdog shut the socket."""
        with _OWNERSHIP:
            killed = self._nutshell_killed
            self._nutshell_killed = False
            watchdog = _current()
            if watchdog is None:
                self._nutshell_owner = None
            else:
                watchdog._register(self, sock)
        return killed


class _WatchedHTTPConnection(_Watched, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
    pass


class _WatchedHTTPConnectionPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS: Final[dict[str, type[urllib3.HTTPConnectionPool]]] = {
    "http": _WatchedHTTPConnectionPool,
    "https": _WatchedHTTPSConnectionPool,
}


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    """requests' default adapter, with connections that register with a :class:`Watchdog`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is ProxyManager:  # a SOCKS manager has connection classes of its own
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


def watch_session(session: requests.Session) -> None:
    """Swap ``session``'s default adapters for identical ones whose sockets a watchdog can stop.

    Only adapters that are exactly :class:`requests.adapters.HTTPAdapter` are swapped (their
    pool sizes and retry settings are kept); a custom adapter is left alone, and calls through
    it are bounded between body chunks only (:func:`read_body`).
    """
    for prefix, adapter in list(session.adapters.items()):
        if type(adapter) is requests.adapters.HTTPAdapter:
            default = requests.adapters.DEFAULT_POOLSIZE
            session.adapters[prefix] = _WatchedAdapter(
                pool_connections=getattr(adapter, "_pool_connections", default),
                pool_maxsize=getattr(adapter, "_pool_maxsize", default),
                max_retries=adapter.max_retries,
                pool_block=getattr(adapter, "_pool_block", requests.adapters.DEFAULT_POOLBLOCK),
            )


def read_body(
    response: requests.Response,
    *,
    max_bytes: int,
    expired: Callable[[], bool],
) -> bytes:
    """Read the (decoded) body of a streamed ``response`` into it, and return it.

    Raises :class:`BodyTooLargeError` as soon as more than ``max_bytes`` decoded bytes arrive
    (or a ``Content-Length`` announces more), and :class:`DeadlinePassedError` when
    ``expired()`` turns true between chunks or is true once the body ended; both close the
    response. Read failures are the
    :mod:`requests` exceptions :meth:`requests.Response.iter_content` raises.
    """
    status = response.status_code
    announced = response.headers.get("Content-Length", "").strip()
    encoded = response.headers.get("Content-Encoding", "identity").strip().lower()
    if announced.isdigit() and encoded in ("", "identity") and int(announced) > max_bytes:
        response.close()
        raise BodyTooLargeError(int(announced), max_bytes, status)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(CHUNK_SIZE):
            size += len(chunk)
            if size > max_bytes:
                raise BodyTooLargeError(size, max_bytes, status)
            chunks.append(chunk)
            if expired():
                raise DeadlinePassedError("the deadline passed while the body was read")
        # Also after the last chunk, or when there was none: a watchdog that shut the socket
        # down mid-headers or mid-body ends the read as if the server had closed, and what
        # arrived until then (often nothing) would pass for the whole answer.
        if expired():
            raise DeadlinePassedError("the deadline passed before the answer was complete")
    except BaseException:
        response.close()  # the connection is in an unknown state: never reuse it
        raise
    body = b"".join(chunks)
    # What requests itself does after reading a body, so .content and .text work as usual.
    response._content = body
    setattr(response, "_content_consumed", True)  # noqa: B010 - untyped requests internals
    response.close()  # releases the connection to the pool
    return body


# --------------------------------------------------------------------------------------------
# One deadline for a call made of several requests
# --------------------------------------------------------------------------------------------


class CallDeadlineError(RequestTimeoutError):
    """A call's deadline had passed before one of its requests could be sent: it was not sent.

    ``call`` names the call and ``deadline`` is its length in seconds. The request never left
    this machine, so even a write is not in doubt; what the call's earlier requests did is the
    caller's to say (the bridge reports a write that already applied one as outcome-unknown).
    """

    def __init__(self, message: str, target: str = "", *, call: str = "", deadline: float = 0.0):
        super().__init__(message, target)
        self.call = call
        self.deadline = deadline


class CallBudget:
    """The deadline of one call: ``seconds`` from now on ``clock``, shared by its requests.

    Made by :func:`call_budget`. A budget opened inside another can only end sooner: what is
    left is the smaller of the two, and the one that ends first names the deadline.
    """

    def __init__(
        self,
        call: str,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        outer: CallBudget | None = None,
    ) -> None:
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
            raise ConfigurationError("a call deadline must be a number of seconds")
        if not math.isfinite(seconds) or seconds <= 0:
            raise ConfigurationError("a call deadline must be a positive finite number of seconds")
        self.call = call
        self.seconds = float(seconds)
        self._clock = clock
        self._ends_at = clock() + float(seconds)
        self._outer = outer

    def __repr__(self) -> str:
        return f"CallBudget({self.call!r}, {self.seconds:g}s, {self.left():.3f}s left)"

    def _own_left(self) -> float:
        return self._ends_at - self._clock()

    def binding(self) -> CallBudget:
        """The budget of the chain (this one and those it was opened in) that ends first."""
        outer = self._outer.binding() if self._outer is not None else None
        if outer is not None and outer._own_left() < self._own_left():
            return outer
        return self

    def left(self) -> float:
        """Seconds left (<= 0 once the deadline has passed), outer budgets included."""
        return self.binding()._own_left()

    def describe(self) -> str:
        """The deadline in words: ``"the 3s deadline of the getLead call"``."""
        first = self.binding()
        return f"the {first.seconds:g}s deadline of the {first.call} call"

    def spent(self, target: str) -> CallDeadlineError:
        """The error for a request of this call that is not sent because no time is left."""
        first = self.binding()
        return CallDeadlineError(
            f"{target}: not sent: {first.describe()} passed before this request could start",
            target,
            call=first.call,
            deadline=first.seconds,
        )

    @contextmanager
    def applied(self) -> Iterator[CallBudget]:
        """Make this the budget of requests sent in the current context (another thread's
        work for the same call re-enters it here)."""
        token = _BUDGET.set(self)
        try:
            yield self
        finally:
            _BUDGET.reset(token)


_BUDGET: ContextVar[CallBudget | None] = ContextVar("nutshell_call_budget", default=None)


def current_budget() -> CallBudget | None:
    """The budget of the call running in this context, if one was opened."""
    return _BUDGET.get()


@contextmanager
def call_budget(
    call: str, seconds: float, *, clock: Callable[[], float] = time.monotonic
) -> Iterator[CallBudget]:
    """Give every request sent in this context until the block ends one shared deadline.

    ``seconds`` counts from now on ``clock``; inside another budget, the sooner end holds.
    """
    budget = CallBudget(call, seconds, clock=clock, outer=_BUDGET.get())
    with budget.applied():
        yield budget


def call_window(limit: float, target: str) -> tuple[float, str]:
    """How long a request may take, given its own deadline ``limit``, and that deadline in
    words; raises :class:`CallDeadlineError` (naming ``target``) when the call has no time left.
    """
    own = f"the {limit:g}s deadline"
    budget = _BUDGET.get()
    if budget is None:
        return limit, own
    left = budget.left()
    if left <= 0:
        raise budget.spent(target)
    if left < limit:
        return left, budget.describe()
    return limit, own
