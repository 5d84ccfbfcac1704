"""The one loopback HTTP server under the emulator's ``serve()`` and the bridge proxy's ``serve()``.

It runs a WSGI application on a loopback address only, and reads every request itself, with
limits, before the application sees it; the application gets the whole body in
``wsgi.input`` and can never block on a slow client. One request per connection
(``Connection: close``), which every HTTP client handles and which bounds what a connection can
hold.

Limits (:class:`ServerLimits`; the defaults, and why):

* ``max_body`` = 10 MiB -> **413**. Legacy calls and REST documents are a few KiB; a server that
  buffers bodies must not be made to buffer arbitrary amounts of memory. A declared length over
  the limit is answered before the body is read (also after ``Expect: 100-continue``).
* ``Content-Length`` must be decimal digits -> **400** otherwise (``abc``, ``-1``, ``+5``, two
  different values). ``Transfer-Encoding`` (chunked bodies) -> **411**: the clients this
  project serves send a length, and refusing it removes length/encoding disagreements.
* ``max_request_line`` = 8 KiB -> **414**. The longest legitimate target (a REST list with
  filters) is well under 2 KiB.
* ``max_header_bytes`` = 32 KiB in all, ``max_headers`` = 100 -> **431**.
* ``idle_timeout`` = 10 s: a connection that sends nothing is closed without an answer, so idle
  sockets cannot hold the workers.
* ``read_timeout`` = 30 s: once a request starts, its head and body must have arrived within this,
  whatever the pace (a trickle of one byte a second does not extend it). A short or slow body
  gets **408** and a closed connection, never a hang.
* ``write_timeout`` = 30 s: a client that stops reading its answer is dropped.
* ``workers`` = 16 threads, a fixed pool; ``queue`` = 64 accepted connections may wait for a
  worker; beyond that a connection is answered **503** at once and closed.
* ``drain_timeout`` = 1 s: after answering a request whose body was not read (413, 411, ...),
  the server reads and discards for up to this long before closing, so the client, still
  sending, receives the answer instead of a reset.

Request ids are routed on the raw target: ``REQUEST_URI`` / ``RAW_URI`` hold the target exactly
as sent (``PATH_INFO`` is percent-decoded as WSGI requires), so an application can keep ``%3F``
or ``%2F`` inside one path segment.

An application raises :class:`DropConnection` to close the connection without answering (the
emulator's injected "connection reset" fault).

TLS is opt-in: given an :class:`ssl.SSLContext` (server side), each accepted connection is
wrapped and its handshake done by the worker that serves it, bounded by ``idle_timeout``, so a
client that stalls mid-handshake holds one worker for a bounded time and never the accepting
thread. ``wsgi.url_scheme`` is then ``https``. A connection refused because the queue is full
is closed without the plain-text 503, which a TLS client could not read anyway.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import socket
import ssl
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import unquote

import attrs

from nutshell_core.errors import ConfigurationError, UsageError
from nutshell_core.transport import is_loopback_host

__all__ = [
    "DropConnection",
    "ErrorRenderer",
    "LoopbackServer",
    "ServerLimits",
    "WsgiApp",
    "header_items",
    "plain_error",
    "serving",
]

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
#: Renders the server's own refusals (413, 408, ...): ``(status, message) -> (headers, body)``.
ErrorRenderer = Callable[[int, str], tuple[tuple[tuple[str, str], ...], bytes]]

_TOKEN: Final = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_VERSION: Final = re.compile(r"^HTTP/(\d)\.(\d)$")


class DropConnection(Exception):
    """Raised by an application to close the connection without sending an answer."""


@attrs.frozen(kw_only=True)
class ServerLimits:
    """The limits a :class:`LoopbackServer` enforces (see the module docstring for why)."""

    max_body: int = 10 * 1024 * 1024
    max_request_line: int = 8 * 1024
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    idle_timeout: float = 10.0
    read_timeout: float = 30.0
    write_timeout: float = 30.0
    workers: int = 16
    queue: int = 64
    drain_timeout: float = 1.0

    def __attrs_post_init__(self) -> None:
        if self.workers < 1 or self.queue < 1 or self.max_body < 0:
            raise ConfigurationError("workers and queue must be at least 1, max_body not negative")
        for name in ("idle_timeout", "read_timeout", "write_timeout", "drain_timeout"):
            if not getattr(self, name) > 0:
                raise ConfigurationError(f"{name} must be positive")


def plain_error(status: int, message: str) -> tuple[tuple[tuple[str, str], ...], bytes]:
    """The default rendering of the server's own refusals: a short plain-text message."""
    return (("Content-Type", "text/plain; charset=utf-8"),), f"{message}\n".encode()


class _Refusal(Exception):
    """The request cannot be served: answer ``status`` (or close silently when it is None)."""

    def __init__(self, status: int | None, message: str = "") -> None:
        super().__init__(message)
        self.status, self.message = status, message


class _Reader:
    """Reads from a socket against a deadline, whatever the pace of the bytes."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buf = bytearray()
        self.received = False

    def _fill(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self._sock.settimeout(remaining)
        chunk = self._sock.recv(65536)
        if not chunk:
            return False
        self.received = True
        self._buf += chunk
        return True

    def readline(self, limit: int, deadline: float) -> bytes | None:
        """One line (with its ``\\n``) of at most ``limit`` bytes; None when it is longer."""
        while True:
            end = self._buf.find(b"\n", 0, limit)
            if end >= 0:
                line = bytes(self._buf[: end + 1])
                del self._buf[: end + 1]
                return line
            if len(self._buf) >= limit:
                return None
            if not self._fill(deadline):
                raise _Refusal(None if not self._buf else 400, "Incomplete request")

    def read(self, size: int, deadline: float) -> bytes:
        """Exactly ``size`` bytes; a body cut short by the client is a 400."""
        while len(self._buf) < size:
            if not self._fill(deadline):
                raise _Refusal(400, "Request body shorter than its Content-Length")
        body = bytes(self._buf[:size])
        del self._buf[:size]
        return body

    def wait_first_byte(self, deadline: float) -> None:
        """Wait for the request to start; an idle connection is closed without an answer."""
        try:
            if not self._buf and not self._fill(deadline):
                raise _Refusal(None)
        except TimeoutError:
            raise _Refusal(None) from None


@attrs.frozen
class _Request:
    method: str
    target: str
    version: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class LoopbackServer:
    """A WSGI server on a loopback address with a fixed worker pool and request limits.

    ``open()`` binds (so the port is known before the application exists), ``start(app)``
    serves, ``close()`` stops; :func:`serving` does all three around a ``with`` block.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: ServerLimits | None = None,
        error_renderer: ErrorRenderer = plain_error,
        name: str = "loopback-http",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not is_loopback_host(host):
            raise UsageError(f"the server only listens on loopback addresses, not {host!r}")
        self._host = host.strip().strip("[]")
        self._port = port
        self.limits = limits if limits is not None else ServerLimits()
        self._tls = ssl_context
        self._render = error_renderer
        self._name = name
        self._app: WsgiApp | None = None
        self._listener: socket.socket | None = None
        self._pending: deque[socket.socket] = deque()
        self._ready = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def __repr__(self) -> str:
        return f"LoopbackServer(host={self._host!r}, port={self._port})"

    # -- lifecycle -------------------------------------------------------------------------------

    def open(self) -> tuple[str, int]:
        """Bind and listen; return the bound ``(host, port)``."""
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self._host, self._port))
            listener.listen(self.limits.queue + self.limits.workers)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        address = listener.getsockname()
        self._port = int(address[1])
        return str(address[0]), self._port

    def start(self, app: WsgiApp) -> None:
        """Serve ``app`` from background threads (binding first if :meth:`open` was not called)."""
        if self._listener is None:
            self.open()
        self._app = app
        acceptor = threading.Thread(target=self._accept_loop, name=f"{self._name}-accept")
        workers = [
            threading.Thread(target=self._work_loop, name=f"{self._name}-{n}")
            for n in range(self.limits.workers)
        ]
        for thread in (acceptor, *workers):
            thread.daemon = True
            thread.start()
            self._threads.append(thread)

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting, let requests in progress finish (bounded), close everything."""
        self._stopping.set()
        with self._ready:
            self._ready.notify_all()
        if self._listener is not None and self._threads:
            # Wakes the accepting thread, blocked in accept(), so it sees the stop flag.
            with contextlib.suppress(OSError):
                socket.create_connection(self._listener.getsockname()[:2], timeout=1.0).close()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self._threads.clear()
        with self._ready:
            while self._pending:
                _close(self._pending.popleft())
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    # -- threads ---------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                if self._stopping.is_set():
                    return
                log.debug("accept failed", exc_info=True)
                time.sleep(0.01)  # e.g. out of file descriptors: do not spin
                continue
            if self._stopping.is_set():
                _close(conn)
                return
            with self._ready:
                full = len(self._pending) >= self.limits.queue
                if not full:
                    self._pending.append(conn)
                    self._ready.notify()
            if full:
                self._reject(conn)

    def _reject(self, conn: socket.socket) -> None:
        # Answered from the accepting thread, so it must not wait on the client (nor on a TLS
        # handshake: a TLS connection is closed unanswered).
        if self._tls is not None:
            _close(conn)
            return
        with contextlib.suppress(OSError):
            conn.settimeout(1.0)
            conn.sendall(self._refusal(503, "Server busy, try again"))
            conn.setblocking(False)
            with contextlib.suppress(OSError):
                while conn.recv(65536):
                    pass
        _close(conn)

    def _work_loop(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._stopping.is_set():
                    self._ready.wait()
                if self._stopping.is_set():
                    return
                conn = self._pending.popleft()
            try:
                self._serve_connection(conn)
            except Exception:
                log.exception("loopback server failed on a connection")
            finally:
                _close(conn)

    # -- one connection --------------------------------------------------------------------------

    def _handshake(self, conn: socket.socket) -> ssl.SSLSocket | None:
        """``conn`` wrapped in TLS after a handshake bounded by ``idle_timeout``, or None."""
        assert self._tls is not None
        try:
            tls = self._tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        except (OSError, ValueError):
            log.debug("could not start TLS on a connection", exc_info=True)
            return None
        try:
            tls.settimeout(self.limits.idle_timeout)
            tls.do_handshake()
        except (OSError, ValueError):
            # ssl.SSLError is an OSError: a client that does not trust the certificate, or
            # speaks plain http to the TLS port, is routine, not a server failure.
            log.debug("TLS handshake failed", exc_info=True)
            _close(tls)
            return None
        return tls

    def _serve_connection(self, conn: socket.socket) -> None:
        if self._tls is not None:
            tls = self._handshake(conn)
            if tls is None:
                return
            try:
                self._serve_request(tls)
            finally:
                _close(tls)
            return
        self._serve_request(conn)

    def _serve_request(self, conn: socket.socket) -> None:
        limits = self.limits
        reader = _Reader(conn)
        body_read = False
        try:
            reader.wait_first_byte(time.monotonic() + limits.idle_timeout)
            deadline = time.monotonic() + limits.read_timeout
            try:
                request = self._read_request(conn, reader, deadline)
            except TimeoutError:
                raise _Refusal(408, "Request not received in time") from None
            body_read = True
        except _Refusal as refusal:
            if refusal.status is not None:
                self._send(conn, self._refusal(refusal.status, refusal.message))
                self._drain(conn)
            return
        except OSError:
            log.debug("client connection failed while sending its request", exc_info=True)
            return
        assert body_read
        self._answer(conn, request)

    def _read_request(self, conn: socket.socket, reader: _Reader, deadline: float) -> _Request:
        limits = self.limits
        line = reader.readline(limits.max_request_line, deadline)
        # RFC 9112 2.2: a server should ignore at least one empty line before the request line.
        if line in (b"\r\n", b"\n"):
            line = reader.readline(limits.max_request_line, deadline)
        if line is None:
            raise _Refusal(414, "Request line too long")
        method, target, version = _request_line(line)
        headers = self._read_headers(reader, deadline)
        length = _content_length(headers)
        if length > limits.max_body:
            raise _Refusal(413, f"Request body larger than {limits.max_body} bytes")
        if length and any(k == "expect" and v.lower() == "100-continue" for k, v in headers):
            self._send(conn, b"HTTP/1.1 100 Continue\r\n\r\n")
        body = reader.read(length, deadline)
        return _Request(method, target, version, headers, body)

    def _read_headers(self, reader: _Reader, deadline: float) -> tuple[tuple[str, str], ...]:
        limits = self.limits
        headers: list[tuple[str, str]] = []
        used = 0
        while True:
            line = reader.readline(limits.max_header_bytes - used + 1, deadline)
            if line is None:
                raise _Refusal(431, "Request headers too large")
            used += len(line)
            if used > limits.max_header_bytes:
                raise _Refusal(431, "Request headers too large")
            if line in (b"\r\n", b"\n"):
                return tuple(headers)
            if len(headers) >= limits.max_headers:
                raise _Refusal(431, "Too many request headers")
            text = line.rstrip(b"\r\n").decode("latin-1")
            name, sep, value = text.partition(":")
            # Obsolete line folding and names with spaces are refused (RFC 9112 5.1, 5.2).
            if not sep or not _TOKEN.match(name):
                raise _Refusal(400, "Malformed request header")
            headers.append((name.lower(), value.strip(" \t")))

    def _answer(self, conn: socket.socket, request: _Request) -> None:
        app = self._app
        assert app is not None
        status_line = ""
        reply_headers: list[tuple[str, str]] = []
        written: list[bytes] = []  # PEP 3333's legacy write(), buffered like the returned body

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            nonlocal status_line, reply_headers
            status_line, reply_headers = status, list(headers)
            return written.append

        try:
            chunks = app(self._environ(conn, request), start_response)
            try:
                body = b"".join([*written, *chunks])
            finally:
                close = getattr(chunks, "close", None)
                if callable(close):
                    close()
        except DropConnection:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            return
        except Exception:
            log.exception("the application failed")
            self._send(conn, self._refusal(500, "Internal server error"))
            return
        code, _, reason = status_line.partition(" ")
        try:
            status = int(code)
        except ValueError:
            log.error("the application sent a malformed status %r", status_line)
            self._send(conn, self._refusal(500, "Internal server error"))
            return
        if request.method == "HEAD":
            body = b""
        self._send(conn, self._response(status, reason, tuple(reply_headers), body))

    def _environ(self, conn: socket.socket, request: _Request) -> dict[str, Any]:
        path, _, query = request.target.partition("?")
        try:
            peer = conn.getpeername()
        except OSError:  # the client already hung up; its answer will go nowhere
            peer = ("", 0)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            # PEP 3333: PATH_INFO is decoded, bytes as latin-1; the raw target is kept beside it.
            "PATH_INFO": unquote(path, encoding="latin-1"),
            "QUERY_STRING": query,
            "REQUEST_URI": request.target,
            "RAW_URI": request.target,
            "SERVER_NAME": self._host,
            "SERVER_PORT": str(self._port),
            "SERVER_PROTOCOL": request.version,
            "REMOTE_ADDR": str(peer[0]),
            "CONTENT_LENGTH": str(len(request.body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http" if self._tls is None else "https",
            "wsgi.input": io.BytesIO(request.body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in request.headers:
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
                continue
            if name == "content-length" or "_" in name:
                # Underscored names would collide with dashed ones once mapped to HTTP_*.
                continue
            key = "HTTP_" + name.upper().replace("-", "_")
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    # -- writing ---------------------------------------------------------------------------------

    def _refusal(self, status: int, message: str) -> bytes:
        headers, body = self._render(status, message)
        return self._response(status, _reason(status), headers, body)

    @staticmethod
    def _response(
        status: int,
        reason: str,
        headers: tuple[tuple[str, str], ...],
        body: bytes,
    ) -> bytes:
        lines = [f"HTTP/1.1 {status} {reason or _reason(status)}"]
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                lines.append(f"{name}: {value}")
        lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
        return "\r\n".join(lines).encode("latin-1") + body

    def _send(self, conn: socket.socket, data: bytes) -> None:
        try:
            conn.settimeout(self.limits.write_timeout)
            conn.sendall(data)
        except OSError:
            # A client hanging up mid-answer is routine; no traceback on the console.
            log.debug("client connection failed while receiving its answer", exc_info=True)

    def _drain(self, conn: socket.socket) -> None:
        # Closing with unread bytes makes the kernel send a reset, and the client, still
        # sending, may then never read the answer; read and discard for a bounded time.
        deadline = time.monotonic() + self.limits.drain_timeout
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_WR)
            while (remaining := deadline - time.monotonic()) > 0:
                conn.settimeout(remaining)
                if not conn.recv(65536):
                    break


def _request_line(line: bytes) -> tuple[str, str, str]:
    parts = line.rstrip(b"\r\n").decode("latin-1").split(" ")
    if len(parts) != 3 or not _TOKEN.match(parts[0]):
        raise _Refusal(400, "Malformed request line")
    method, target, version = parts
    matched = _VERSION.match(version)
    if matched is None:
        raise _Refusal(400, "Malformed request line")
    if matched.group(1) != "1":
        raise _Refusal(505, "HTTP version not supported")
    if not target.startswith("/") or any(ord(c) <= 0x20 or ord(c) >= 0x7F for c in target):
        raise _Refusal(400, "Malformed request target")
    return method, target, version


def _content_length(headers: tuple[tuple[str, str], ...]) -> int:
    if any(name == "transfer-encoding" for name, _ in headers):
        raise _Refusal(411, "Transfer-Encoding is not supported; send a Content-Length")
    values = {value for name, value in headers if name == "content-length"}
    if not values:
        return 0
    if len(values) > 1:
        raise _Refusal(400, "Conflicting Content-Length headers")
    value = values.pop()
    # Digits only: int() would also take "+5", " 5", "5_0" and non-ASCII digits.
    if not value or not value.isascii() or not value.isdigit() or len(value) > 18:
        raise _Refusal(400, "Invalid Content-Length")
    return int(value)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"


def _close(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.close()


@contextmanager
def serving(
    app_for: Callable[[str, int], WsgiApp],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    limits: ServerLimits | None = None,
    error_renderer: ErrorRenderer = plain_error,
    name: str = "loopback-http",
    ssl_context: ssl.SSLContext | None = None,
) -> Iterator[tuple[str, int]]:
    """Serve the application ``app_for(bound_host, bound_port)`` builds until the block ends.

    ``ssl_context`` (a server-side context) serves https instead of plain http.
    """
    server = LoopbackServer(
        host=host,
        port=port,
        limits=limits,
        error_renderer=error_renderer,
        name=name,
        ssl_context=ssl_context,
    )
    try:
        bound = server.open()
        server.start(app_for(*bound))
        yield bound
    finally:
        server.close()


def header_items(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request headers of a WSGI ``environ``, names lower-case with dashes."""
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return headers
