"""``Emulator``: one local Nutshell speaking both APIs over one store.

Two ways in:

* ``Emulator().mount(mock)`` registers callbacks on a ``responses.RequestsMock`` for Nutshell's
  own hosts (``api.nutshell.com`` for discovery, ``app.nutshell.com`` for ``/api/v1/json`` and
  ``/rest``), so clients configured for the real service talk to the emulator in-process;
* ``with Emulator().serve() as urls:`` runs the shared loopback server
  (:mod:`nutshell_core.loopback`) on 127.0.0.1 (an ephemeral
  port by default) and yields the URLs to point clients at.

Both go through :meth:`Emulator.handle`, which applies fault rules and routes to the JSON-RPC
front (``nutshell_rpc.server`` over :class:`~nutshell_emulator.rpc_front.EmulatorBackend`) or
the REST front.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import requests

from nutshell_core.errors import UsageError
from nutshell_core.loopback import DropConnection, ServerLimits, header_items, serving
from nutshell_core.model import User
from nutshell_core.strict_json import loads_request
from nutshell_core.transport import is_loopback_host
from nutshell_emulator import rules, snapshot
from nutshell_emulator.faults import Fault, FaultInjector
from nutshell_emulator.http import HttpReply, HttpRequest, html_error_page, json_reply
from nutshell_emulator.rest_front import RestFront
from nutshell_emulator.rest_present import webhook_body
from nutshell_emulator.rpc_front import EmulatorBackend
from nutshell_emulator.seed import SeedSummary, seed
from nutshell_emulator.store import Store, utc_now
from nutshell_emulator.webhooks import WebhookDispatcher
from nutshell_rpc.server import RpcServer

__all__ = ["APP_HOST", "DISCOVERY_HOST", "Emulator", "EmulatorUrls"]

APP_HOST = "app.nutshell.com"
DISCOVERY_HOST = "api.nutshell.com"

RPC_PATH = "/api/v1/json"
DISCOVERY_PATH = "/v1/json"
REST_PREFIX = "/rest"

#: The key and email every emulator accepts unless told otherwise (test tooling only).
DEFAULT_EMAIL = "owner@example.com"
DEFAULT_API_KEY = "emulator-api-key-0001"


class ConnectionReset(DropConnection):
    """Raised inside the emulator to drop a connection without answering."""


@attrs.frozen
class EmulatorUrls:
    """Where a served emulator listens."""

    base: str

    @property
    def rpc(self) -> str:
        """The JSON-RPC endpoint (``/api/v1/json``)."""
        return self.base + RPC_PATH

    @property
    def discovery(self) -> str:
        """The discovery endpoint (``/v1/json``)."""
        return self.base + DISCOVERY_PATH

    @property
    def rest(self) -> str:
        """The REST base URL (``/rest``)."""
        return self.base + REST_PREFIX


class Emulator:
    """A stateful, local Nutshell: one store, a JSON-RPC front and a REST front."""

    def __init__(
        self,
        *,
        store: Store | None = None,
        email: str = DEFAULT_EMAIL,
        api_key: str = DEFAULT_API_KEY,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        fault_seed: int = 0,
    ) -> None:
        self.store = store if store is not None else Store(clock=clock)
        if not self.store.all(User):
            owner = rules.install_defaults(self.store, email=email)
            assert isinstance(owner.id, int)
            self.store.add_api_key(owner.id, api_key)
        self.email = email
        self.api_key = api_key
        self.faults = FaultInjector(seed=fault_seed)
        self._sleep = sleep
        self._rpc_servers: dict[str, RpcServer] = {}
        self._rest_fronts: dict[str, RestFront] = {}
        self.webhooks = WebhookDispatcher(self.store, webhook_body)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Emulator(email={self.email!r})"

    # -- data --------------------------------------------------------------------------------

    def seed(self, n: int = 200, random_seed: int = 0) -> SeedSummary:
        """Add about ``n`` realistic linked records, deterministically."""
        return seed(self.store, n, random_seed)

    def add_user(self, email: str, api_key: str, *, name: str = "Another User") -> User:
        """Create a user who can authenticate with ``email`` and ``api_key``."""
        first, _, last = name.partition(" ")
        user = self.store.insert(
            User(name=name, first_name=first, last_name=last or None, emails=(email,),
                 is_enabled=True, is_administrator=False)
        )  # fmt: skip
        assert isinstance(user.id, int)
        self.store.add_api_key(user.id, api_key)
        return user

    def snapshot(self, path: str | Path) -> None:
        """Save the whole state to a JSON file."""
        snapshot.save(self.store, path)

    def restore(self, path: str | Path) -> None:
        """Replace the whole state with a snapshot file's."""
        snapshot.restore(self.store, path)

    def register_webhook(self, url: str) -> None:
        """POST Nutshell-shaped webhook payloads for every write to ``url`` (loopback only)."""
        self.webhooks.register(url)

    def close(self) -> None:
        """Stop background work (webhook delivery)."""
        self.webhooks.close()

    # -- the HTTP surface --------------------------------------------------------------------

    def rest_front(self, base_url: str = f"https://{APP_HOST}{REST_PREFIX}") -> RestFront:
        """The REST front rendering links under ``base_url``."""
        with self._lock:
            front = self._rest_fronts.get(base_url)
            if front is None:
                front = self._rest_fronts[base_url] = RestFront(self.store, base_url=base_url)
            return front

    def rpc_server(self, base: str = f"https://{APP_HOST}") -> RpcServer:
        """The JSON-RPC front for clients reaching the emulator at ``base``.

        Discovery answers with the host of ``base``, so a served emulator points clients back
        at its own loopback address, never at Nutshell's real hosts.
        """
        with self._lock:
            server = self._rpc_servers.get(base)
            if server is None:
                host = urlsplit(base).netloc or APP_HOST
                # Web-app links stay Nutshell's whatever host answered: the emulator serves no
                # web app, and both fronts then render the same htmlUrl.
                backend = EmulatorBackend(self.store, api_host=host, web_host=APP_HOST)
                server = RpcServer(backend)
                self._rpc_servers[base] = server
            return server

    def handle(self, request: HttpRequest, *, base: str = f"https://{APP_HOST}") -> HttpReply:
        """Answer one request, applying fault rules first."""
        fault = self.faults.decide(self._targets(request))
        if fault is not None and fault.kind != "truncate":
            early = self._apply(fault)
            if early is not None:
                return early
        reply = self._route(request, base)
        if fault is not None and fault.kind == "truncate":
            return HttpReply(reply.status, reply.headers, reply.body[: len(reply.body) // 2])
        return reply

    def _route(self, request: HttpRequest, base: str) -> HttpReply:
        path = request.path.rstrip("/") or "/"
        if path in (RPC_PATH, DISCOVERY_PATH):
            rpc = self.rpc_server(base).handle(request.method, dict(request.headers), request.body)
            return HttpReply(rpc.status, rpc.headers, rpc.body)
        if path == REST_PREFIX or path.startswith(REST_PREFIX + "/"):
            return self.rest_front(base + REST_PREFIX).handle(request)
        return html_error_page(404, "Not Found")

    @staticmethod
    def _targets(request: HttpRequest) -> tuple[str, ...]:
        targets = [f"{request.method} {request.path}"]
        if request.path.rstrip("/") in (RPC_PATH, DISCOVERY_PATH):
            try:
                method = loads_request(request.body, empty={}).get("method")
            except (ValueError, AttributeError):
                method = None
            if isinstance(method, str):
                targets.append(method)
        return tuple(targets)

    def _apply(self, fault: Fault) -> HttpReply | None:
        if fault.kind == "delay":
            self._sleep(fault.seconds)
            return None
        if fault.kind == "reset":
            raise ConnectionReset("fault injection: connection reset")
        if fault.kind == "html":
            page = html_error_page(fault.status, "Internal Server Error")
            return HttpReply(fault.status, page.headers, page.body)
        headers = (("Retry-After", fault.retry_after),) if fault.retry_after is not None else ()
        body = {"code": fault.status, "message": "Injected fault"}
        return json_reply(fault.status, body, headers)

    # -- transports --------------------------------------------------------------------------

    def mount(
        self, mock: Any, *, app_host: str = APP_HOST, discovery_host: str = DISCOVERY_HOST
    ) -> None:
        """Answer requests to Nutshell's hosts from inside a ``responses.RequestsMock``."""
        for host in (app_host, discovery_host):
            pattern = re.compile(rf"https://{re.escape(host)}(/.*)?(\?.*)?$")
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                mock.add_callback(method, pattern, callback=self._responses_callback(app_host))

    # Requests to either host are answered as the app host: discovery on api.nutshell.com
    # points clients at app.nutshell.com, as Nutshell does.
    def _responses_callback(
        self, app_host: str
    ) -> Callable[[requests.PreparedRequest], tuple[int, dict[str, str], bytes]]:
        def callback(prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
            body = prepared.body
            request = HttpRequest.from_url(
                str(prepared.method), str(prepared.url), dict(prepared.headers), body
            )
            try:
                reply = self.handle(request, base=f"https://{app_host}")
            except ConnectionReset as exc:
                raise requests.ConnectionError("Connection reset by peer (emulated)") from exc
            return reply.status, dict(reply.headers), reply.body

        return callback

    @contextmanager
    def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, limits: ServerLimits | None = None
    ) -> Iterator[EmulatorUrls]:
        """Serve both APIs on a loopback address until the ``with`` block ends.

        The server is :mod:`nutshell_core.loopback` (body size, timeouts, a fixed worker pool);
        ``limits`` overrides its defaults.
        """
        if not is_loopback_host(host):
            raise UsageError("the emulator only listens on loopback addresses")
        with serving(
            # Discovery and links answer with the address bound, never a Host header's: a
            # client naming another host gets this server's own address back, and one server
            # per base is kept, so arbitrary Host headers cannot grow that table.
            lambda bound_host, bound_port: functools.partial(
                self._wsgi, base=f"http://{_netloc(bound_host, bound_port)}"
            ),
            host=host,
            port=port,
            limits=limits,
            error_renderer=_server_error,
            name="emulator-http",
        ) as (_, bound_port):
            yield EmulatorUrls(base=f"http://{host}:{bound_port}")

    def _wsgi(
        self, environ: dict[str, Any], start_response: Callable[..., Any], *, base: str
    ) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        # The raw target, not PATH_INFO: percent-decoding before routing would let "%3F" or
        # "%2F" inside an id change which route answers.
        target = environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        request = HttpRequest.from_url(
            environ["REQUEST_METHOD"], f"{base}{target}", header_items(environ), body
        )
        reply = self.handle(request, base=base)  # ConnectionReset drops the connection
        start_response(f"{reply.status} {_reason(reply.status)}", list(reply.headers))
        return [reply.body]


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"


def _server_error(status: int, message: str) -> tuple[tuple[tuple[str, str], ...], bytes]:
    # The server's own refusals (413, 408, ...) in the shape of Nutshell's generic error body.
    reply = json_reply(status, {"code": status, "message": message})
    return reply.headers, reply.body
