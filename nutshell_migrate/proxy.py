"""A local JSON-RPC endpoint answering legacy calls through the bridge (`nutshell-migrate proxy`).

Integrations written in any language keep speaking Nutshell's JSON-RPC protocol; they only point
their endpoint (``/api/v1/json``) or their discovery URL (``/v1/json``) at the proxy. Each call is
answered by a :class:`bridge.NutshellAPI` built from the caller's own Basic-auth credentials, so
the routes move methods to REST one at a time while the integration stays untouched.

* :class:`BridgeBackend` is the :class:`~nutshell_rpc.server.RpcBackend` the protocol handling
  of :class:`~nutshell_rpc.server.RpcServer` dispatches to;
* :func:`serve` runs it on a loopback address with the shared loopback server
  (:mod:`nutshell_core.loopback`), which the emulator's ``serve()`` uses too; over https when
  given an :class:`ssl.SSLContext`, as clients that build ``https://`` URLs from discovery need.

Every call is logged as one INFO line on the ``nutshell_migrate.proxy.access`` logger::

    POST getLead route=shadow outcome=ok status=200 ms=12.3 caller=1a2b3c4d

``caller`` is the first 8 hex digits of the credential digest (never the key, never the
params): enough to tell integrations apart, useless for recovering a key. The same fields are
on the record as ``extra`` attributes (``rpc_method``, ``route``, ``outcome``, ``status``,
``duration_ms``, ``caller``) for structured handlers.

Credentials are never logged, printed or kept in a readable cache key: clients are cached by a
digest of the credential pair, and a pair the upstream rejects is dropped from the cache.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

import attrs

from bridge.api import NutshellAPI
from bridge.experiment import Publisher
from bridge.routes import Routes
from nutshell_core.audit import AuditSink
from nutshell_core.catalog import RPC_METHODS, RpcMethod
from nutshell_core.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    MalformedResponseError,
    NotBridgeable,
    NutshellError,
    OutcomeUnknownError,
    ServerError,
    TransportError,
    UsageError,
)
from nutshell_core.errors import RequestTimeoutError as UpstreamTimeout
from nutshell_core.loopback import ServerLimits, serving
from nutshell_core.policy import Policy
from nutshell_core.secrets import SecretMask
from nutshell_core.strict_json import JsonInputError, loads_request
from nutshell_core.transport import check_url_is_safe, is_loopback_host
from nutshell_migrate.gateway import (
    AUTH_CHALLENGES,
    CROSS_ORIGIN_CODE,
    UNAUTHENTICATED_CODE,
    UNAUTHENTICATED_MESSAGE,
    Gateway,
    browser_refusal,
)
from nutshell_rpc.server import RpcBackend, RpcServer, parse_basic_auth

__all__ = [
    "ACCESS_LOGGER",
    "DISCOVERY_PATH",
    "NOT_BRIDGEABLE_CODE",
    "NOT_BRIDGEABLE_MESSAGE",
    "NOT_BRIDGEABLE_STATUS",
    "OUTCOME_UNKNOWN_CODE",
    "OUTCOME_UNKNOWN_MESSAGE",
    "OUTCOME_UNKNOWN_STATUS",
    "RPC_PATH",
    "BridgeBackend",
    "BridgePrincipal",
    "ProxyApp",
    "ProxyUrls",
    "serve",
]

#: The JSON-RPC error code of a call whose write may have been applied upstream (JSON-RPC's
#: range for implementation-defined server errors is -32000 to -32099).
OUTCOME_UNKNOWN_CODE: Final = -32099
#: The HTTP status it is answered with: 500, which clients do not retry on their own.
OUTCOME_UNKNOWN_STATUS: Final = 500
#: How the error message of such a call begins.
OUTCOME_UNKNOWN_MESSAGE: Final = (
    "outcome unknown: the call may have been applied; do not retry blindly"
)
#: The JSON-RPC error code of a call its route cannot answer through REST (``NotBridgeable``:
#: the migration matrix names why), answered with HTTP 501 before any request is sent.
NOT_BRIDGEABLE_CODE: Final = -32098
NOT_BRIDGEABLE_STATUS: Final = 501
NOT_BRIDGEABLE_MESSAGE: Final = "not answerable through REST"


log = logging.getLogger(__name__)

#: The logger of the one-line-per-call access log.
ACCESS_LOGGER: Final = "nutshell_migrate.proxy.access"
access_log = logging.getLogger(ACCESS_LOGGER)

RPC_PATH = "/api/v1/json"
DISCOVERY_PATH = "/v1/json"

#: Request bodies above this are refused: legacy calls are small, and the proxy must not be made
#: to buffer arbitrary amounts of memory.
MAX_BODY = 10 * 1024 * 1024

#: How many credential pairs keep a client (and its connection pools) alive at once.
DEFAULT_MAX_CLIENTS = 64

ApiFactory = Callable[[str, str], NutshellAPI]


@attrs.frozen(eq=False)
class BridgePrincipal:
    """An authenticated caller: the bridge client built from its credentials."""

    api: NutshellAPI
    # A digest of the credential pair, never the key itself: it names the cache entry.
    digest: bytes = attrs.field(repr=False)


def _digest(username: str, api_key: str) -> bytes:
    # Length-prefixed so ("a:b", "c") and ("a", "b:c") can never share an entry.
    user = username.encode("utf-8", "surrogatepass")
    key = api_key.encode("utf-8", "surrogatepass")
    return hashlib.sha256(len(user).to_bytes(8, "big") + user + key).digest()


def caller_tag(authorization: str | None) -> str:
    """A short, non-reversible tag for the caller: 8 hex digits of the credential digest.

    ``-`` when the request carries no Basic credentials (discovery, the SMD).
    """
    credentials = parse_basic_auth(authorization)
    if credentials is None:
        return "-"
    return _digest(*credentials).hex()[:8]


class BridgeBackend(RpcBackend):
    """Answers JSON-RPC calls with a per-caller :class:`bridge.NutshellAPI`.

    ``api_host`` is what discovery answers (the proxy's own ``host:port``), so a legacy client
    that discovers its endpoint through the proxy keeps talking to the proxy. ``upstream_rpc``
    and ``upstream_rest`` are where the bridge sends calls (Nutshell's own hosts when omitted);
    ``routes`` default to ``NUTSHELL_BRIDGE_ROUTES``, read once here so a bad value fails at
    start-up rather than on the first call.
    """

    def __init__(
        self,
        *,
        api_host: str,
        upstream_rpc: str | None = None,
        upstream_rest: str | None = None,
        routes: Routes | None = None,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        api_factory: ApiFactory | None = None,
        lean: bool = False,
        legacy_reference: bool | None = None,
        publishers: Sequence[Publisher] = (),
    ) -> None:
        if max_clients < 1:
            raise ConfigurationError("max_clients must be at least 1")
        for url in (upstream_rpc, upstream_rest):
            if url is not None:
                check_url_is_safe(url)
        self._api_host = api_host
        self._upstream_rpc = upstream_rpc
        self._upstream_rest = upstream_rest
        self.routes = routes if routes is not None else Routes.from_env()
        self._max_clients = max_clients
        self._lean = lean
        self._legacy_reference = legacy_reference
        # Shared by every caller's bridge: the shadow log is one file for the whole proxy.
        self._publishers = tuple(publishers)
        self._factory = api_factory or self._bridge_api
        self._clients: OrderedDict[bytes, BridgePrincipal] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"BridgeBackend(api_host={self._api_host!r}, clients={len(self._clients)})"

    def _bridge_api(self, username: str, api_key: str) -> NutshellAPI:
        return NutshellAPI(
            username,
            api_key,
            endpoint=self._upstream_rpc,
            rest_base_url=self._upstream_rest,
            routes=self.routes,
            lean=self._lean,
            legacy_reference=self._legacy_reference,
            publishers=self._publishers,
        )

    # -- RpcBackend ----------------------------------------------------------------------------

    def authenticate(self, username: str, api_key: str) -> BridgePrincipal | None:
        """The cached principal for this credential pair, created on first use.

        The upstream API checks the credentials on the first call; a pair it rejects is dropped
        again by :meth:`dispatch`, so bad keys cannot pile up clients.
        """
        if not username or not api_key:
            return None
        digest = _digest(username, api_key)
        evicted: list[BridgePrincipal] = []
        with self._lock:
            principal = self._clients.get(digest)
            if principal is not None:
                self._clients.move_to_end(digest)
                return principal
            try:
                api = self._factory(username, api_key)
            except ConfigurationError:
                # Credentials the client refuses to send (control characters and the like)
                # are answered like unknown ones.
                return None
            principal = BridgePrincipal(api, digest)
            self._clients[digest] = principal
            while len(self._clients) > self._max_clients:
                evicted.append(self._clients.popitem(last=False)[1])
        for old in evicted:
            old.api.close()
        return principal

    def discover(self, username: str) -> Mapping[str, Any]:
        """``getApiForUsername``: every role is the proxy itself, whoever asks."""
        host = self._api_host
        return {"iphone": host, "mobile": host, "api": host, "login": host}

    def implements(self, method: RpcMethod) -> bool:
        """True for every catalog method: the routes decide who answers, not the proxy."""
        return True

    def dispatch(self, method: RpcMethod, params: Mapping[str, Any], principal: Any) -> Any:
        """Run one call through the caller's bridge; API errors reach the caller as JSON-RPC."""
        if not isinstance(principal, BridgePrincipal):
            raise AuthenticationError("API key not found", status=401, code=401)
        try:
            return self.call(principal.api, method, params)
        except AuthenticationError:
            self._forget(principal)
            raise

    def call(self, api: NutshellAPI, method: RpcMethod, params: Mapping[str, Any]) -> Any:
        """Run one call through ``api``, upstream failures turned into what a caller may do
        next (retry on 502-504; never blindly on an outcome-unknown write)."""
        try:
            return api.call_named(method, params)
        except NotBridgeable as exc:
            # Not the caller's bad params (-32602): the route cannot answer this call, which a
            # rest-fallback route or the JSON-RPC route would.
            raise ServerError(
                f"{NOT_BRIDGEABLE_MESSAGE}: {exc.message}",
                status=NOT_BRIDGEABLE_STATUS,
                code=NOT_BRIDGEABLE_CODE,
                data={"method": exc.method, "reason": exc.reason, "retry": False},
            ) from None
        except AuthenticationError:
            # REST's 401 is an HTML page; a legacy client reads the legacy API's words.
            raise AuthenticationError("API key not found", status=401, code=401) from None
        except ConnectError as exc:
            # The request never left: a caller may safely retry, so say "unavailable".
            raise ServerError(
                f"upstream unavailable: {exc.message}", status=503, code=503
            ) from None
        except OutcomeUnknownError as exc:
            # Checked before the timeouts it derives from: a 504 (or a 502) invites a retry,
            # and a retried write that was applied is a duplicate.
            raise _outcome_unknown(exc) from None
        except (TransportError, MalformedResponseError) as exc:
            if not method.idempotent:
                # A write that was sent and then failed unreadably may have been applied.
                raise _outcome_unknown(exc) from None
            if isinstance(exc, UpstreamTimeout):
                raise ServerError(
                    f"upstream timed out: {exc.message}", status=504, code=504
                ) from None
            # Without this the server would report an upstream failure as the caller's bad params.
            raise ServerError(f"upstream failed: {exc.message}", status=502, code=502) from None

    def gateway_principal(self, username: str, api_key: str) -> BridgePrincipal:
        """A bridge principal for the proxy's own credentials, outside the per-caller cache
        (never evicted; the caller closes it)."""
        return BridgePrincipal(self._factory(username, api_key), _digest(username, api_key))

    # -- lifecycle -----------------------------------------------------------------------------

    def _forget(self, principal: BridgePrincipal) -> None:
        with self._lock:
            if self._clients.get(principal.digest) is principal:
                del self._clients[principal.digest]
        principal.api.close()

    def close(self) -> None:
        """Close every cached client."""
        with self._lock:
            principals = list(self._clients.values())
            self._clients.clear()
        for principal in principals:
            principal.api.close()


def _outcome_unknown(exc: NutshellError) -> ServerError:
    """The answer for a call that may have been applied upstream: a code of its own, on a
    status clients do not retry, so code as well as people can tell it from a failure."""
    return ServerError(
        f"{OUTCOME_UNKNOWN_MESSAGE}: {exc.message}",
        status=OUTCOME_UNKNOWN_STATUS,
        code=OUTCOME_UNKNOWN_CODE,
        data={"outcome": "unknown", "retry": False},
    )


def _json_error(
    start_response: Callable[..., Any],
    status: str,
    code: int,
    message: str,
    headers: Sequence[tuple[str, str]] = (),
) -> list[bytes]:
    body = {
        "result": None,
        "error": {"code": code, "message": message, "data": None},
        "id": None,
        "jsonrpc": "2.0",
    }
    payload = json.dumps(body).encode("utf-8")
    start_response(status, [("Content-Type", "application/json; charset=utf-8"), *headers])
    return [payload]


def _rpc_method_of(http_method: str, body: bytes) -> str:
    """The catalog method a request calls, for the access log; never caller-chosen text."""
    if http_method.upper() != "POST":
        return "-"
    try:
        data = loads_request(body)
    except JsonInputError:
        return "-"
    if isinstance(data, list):
        return "batch"
    name = data.get("method") if isinstance(data, dict) else None
    # Only catalog names are logged: an unknown "method" is whatever the caller typed.
    return name if isinstance(name, str) and name in RPC_METHODS else "-"


def _outcome(status: int, chunks: Sequence[bytes]) -> str:
    """``ok``, or ``error:<JSON-RPC code>`` read from the answer."""
    if status < 400:
        return "ok"
    try:
        code = json.loads(b"".join(chunks))["error"]["code"]
    except (ValueError, TypeError, KeyError):
        return f"error:{status}"
    return f"error:{code}" if isinstance(code, int) else f"error:{status}"


_HTTP_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_STATUS_LINES: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    413: "Content Too Large",
}


class ProxyApp:
    """The WSGI application: the JSON-RPC endpoint and discovery, nothing else.

    Every request to either path is logged on :data:`ACCESS_LOGGER` (see the module docstring);
    ``routes`` names the route mode in that line. With a ``gateway``
    (:mod:`nutshell_migrate.gateway`) callers are the policy's agents and every request is
    audited; the access line's ``caller`` is then the agent's name.
    """

    def __init__(
        self,
        server: RpcServer,
        *,
        max_body: int = MAX_BODY,
        routes: Routes | None = None,
        gateway: Gateway | None = None,
    ) -> None:
        self._server = server
        self._max_body = max_body
        self._routes = routes
        self._gateway = gateway

    def __call__(
        self, environ: Mapping[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Answer one request."""
        started = time.perf_counter()
        path = (environ.get("PATH_INFO") or "/").rstrip("/") or "/"
        if path not in (RPC_PATH, DISCOVERY_PATH):
            return _json_error(start_response, "404 Not Found", 404, "Not Found")
        http_method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        if http_method not in _HTTP_METHODS:
            http_method = "-"  # any token is a valid request method; log only known ones
        if self._gateway is not None:
            return self._answer_agent(self._gateway, environ, start_response, http_method, path)
        caller = caller_tag(environ.get("HTTP_AUTHORIZATION"))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= self._max_body:
            status, code = (400, -32600) if length < 0 else (413, -32600)
            self._log(http_method, "-", f"error:{code}", status, started, caller)
            if length < 0:
                return _json_error(start_response, "400 Bad Request", -32600, "Invalid Request")
            return _json_error(start_response, "413 Content Too Large", -32600, "Request too large")
        # The loopback server hands over the whole body; it is read here once, to name the
        # method in the access log, and handed on to the protocol handling unchanged.
        body = environ["wsgi.input"].read(length) if length else b""
        method = _rpc_method_of(http_method, body)
        seen: list[int] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        chunks = list(self._server.wsgi({**environ, "wsgi.input": io.BytesIO(body)}, capture))
        status = seen[-1] if seen else 500
        self._log(http_method, method, _outcome(status, chunks), status, started, caller)
        return chunks

    def _answer_agent(
        self,
        gateway: Gateway,
        environ: Mapping[str, Any],
        start_response: Callable[..., Any],
        http_method: str,
        path: str,
    ) -> list[bytes]:
        """One request in gateway mode: refusals first, then the call as the agent."""
        started = time.perf_counter()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        sized = 0 <= length <= self._max_body
        body = environ["wsgi.input"].read(length) if sized and length else b""
        method = "-"  # parsed only for an authenticated agent: parsing costs, refusing must not
        agent = None
        headers: tuple[tuple[str, str], ...] = ()
        refusal = browser_refusal(environ)
        if refusal is not None:
            status, code, message = 403, CROSS_ORIGIN_CODE, refusal
        else:
            agent = gateway.authenticate(environ.get("HTTP_AUTHORIZATION"))
            if agent is None:
                refusal = UNAUTHENTICATED_MESSAGE
                status, code, message = 401, UNAUTHENTICATED_CODE, UNAUTHENTICATED_MESSAGE
                headers = AUTH_CHALLENGES
            elif not sized:
                status, code = (400 if length < 0 else 413), -32600
                message = "Invalid Request" if length < 0 else "Request too large"
            else:
                method = _rpc_method_of(http_method, body)
        caller = agent.name if agent is not None else "-"
        if refusal is not None or not sized:
            line = f"{status} {_STATUS_LINES.get(status, 'Error')}"
            chunks = _json_error(start_response, line, code, message, headers)
            gateway.record(
                http_method=http_method,
                path=path,
                method=method,
                status=status,
                started=started,
                agent=agent,
                refusal=refusal,
            )
            self._log(http_method, method, f"error:{code}", status, started, caller)
            return chunks
        assert agent is not None  # refused above otherwise
        call = gateway.call_for(agent)
        seen: list[int] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        inner = gateway.inner_environ(environ, io.BytesIO(body))
        chunks = list(RpcServer(call).wsgi(inner, capture))
        status = seen[-1] if seen else 500
        gateway.record(
            http_method=http_method,
            path=path,
            method=method,
            status=status,
            started=started,
            agent=agent,
            call=call,
        )
        self._log(http_method, method, _outcome(status, chunks), status, started, caller)
        return chunks

    def _route(self, method: str) -> str:
        if method == "getApiForUsername":
            return "discovery"  # answered by the proxy itself, never forwarded
        if method not in RPC_METHODS or self._routes is None:
            return "-"
        return self._routes.mode_for(method).value

    def _log(
        self, http_method: str, method: str, outcome: str, status: int, started: float, caller: str
    ) -> None:
        if not access_log.isEnabledFor(logging.INFO):
            return
        route = self._route(method)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        access_log.info(
            "%s %s route=%s outcome=%s status=%d ms=%.1f caller=%s",
            http_method,
            method,
            route,
            outcome,
            status,
            duration_ms,
            caller,
            extra={
                "rpc_method": method,
                "route": route,
                "outcome": outcome,
                "status": status,
                "duration_ms": duration_ms,
                "caller": caller,
            },
        )


@attrs.frozen
class ProxyUrls:
    """Where a served proxy listens."""

    base: str

    @property
    def rpc(self) -> str:
        """The JSON-RPC endpoint (``/api/v1/json``)."""
        return self.base + RPC_PATH

    @property
    def discovery(self) -> str:
        """The discovery endpoint (``/v1/json``)."""
        return self.base + DISCOVERY_PATH


def _server_error(status: int, message: str) -> tuple[tuple[tuple[str, str], ...], bytes]:
    # The loopback server's own refusals (413, 408, ...) as JSON-RPC errors, like ProxyApp's.
    code = -32603 if status >= 500 else -32600
    body = {
        "result": None,
        "error": {"code": code, "message": message, "data": None},
        "id": None,
        "jsonrpc": "2.0",
    }
    return (("Content-Type", "application/json; charset=utf-8"),), json.dumps(body).encode()


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@contextmanager
def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    upstream_rpc: str | None = None,
    upstream_rest: str | None = None,
    routes: Routes | None = None,
    max_clients: int = DEFAULT_MAX_CLIENTS,
    lean: bool = False,
    legacy_reference: bool | None = None,
    limits: ServerLimits | None = None,
    ssl_context: ssl.SSLContext | None = None,
    publishers: Sequence[Publisher] = (),
    policy: Policy | None = None,
    credentials: tuple[str, str] | None = None,
    audit: AuditSink | None = None,
) -> Iterator[ProxyUrls]:
    """Serve the proxy on a loopback address until the ``with`` block ends.

    Only loopback is allowed: the proxy forwards whatever credentials it receives, and plain
    http off this machine would expose them. The server is :mod:`nutshell_core.loopback`
    (body size, timeouts, a fixed worker pool); ``limits`` overrides its defaults, and its
    ``max_body`` defaults to :data:`MAX_BODY`. ``ssl_context`` (see :mod:`nutshell_migrate.tls`)
    serves https, and discovery then answers the ``host:port`` clients build
    ``https://host:port/api/v1/json`` from. ``publishers`` get every shadow comparison (e.g.
    :class:`bridge.publish.ShadowLogPublisher`).

    With a ``policy`` the proxy is the agents' gateway (:mod:`nutshell_migrate.gateway`): it
    calls Nutshell with ``credentials`` (username, API key), its callers authenticate as the
    policy's agents, each call is checked against their grants, and ``audit`` receives one
    :class:`~nutshell_core.audit.AuditEvent` per request.
    """
    if not is_loopback_host(host):
        raise UsageError(f"the proxy only listens on loopback addresses, not {host!r}")
    for url in (upstream_rpc, upstream_rest):
        if url is not None:
            check_url_is_safe(url)
    if policy is None and (credentials is not None or audit is not None):
        raise ConfigurationError("the proxy's own credentials and an audit sink need a policy")
    if policy is not None and (credentials is None or not all(credentials)):
        raise ConfigurationError("a proxy with a policy needs its Nutshell username and API key")
    # Registered before anything can fail: no message built from here on can show the key.
    mask = SecretMask.for_credentials(*credentials) if credentials is not None else None
    backend: BridgeBackend | None = None
    gateway: Gateway | None = None

    def app_for(bound_host: str, bound_port: int) -> ProxyApp:
        nonlocal backend
        # The backend needs the bound port (an ephemeral one by default) for discovery.
        backend = BridgeBackend(
            api_host=_netloc(bound_host, bound_port),
            upstream_rpc=upstream_rpc,
            upstream_rest=upstream_rest,
            routes=routes,
            max_clients=max_clients,
            lean=lean,
            legacy_reference=legacy_reference,
            publishers=publishers,
        )
        nonlocal gateway
        if policy is not None and credentials is not None and mask is not None:
            gateway = Gateway(
                policy,
                backend=backend,
                principal=backend.gateway_principal(*credentials),
                mask=mask,
                audit=audit,
            )
        return ProxyApp(
            RpcServer(backend),
            max_body=server_limits.max_body,
            routes=backend.routes,
            gateway=gateway,
        )

    server_limits = limits if limits is not None else ServerLimits(max_body=MAX_BODY)
    try:
        with serving(
            app_for,
            host=host,
            port=port,
            limits=server_limits,
            error_renderer=_server_error,
            name="bridge-proxy",
            ssl_context=ssl_context,
        ) as (bound_host, bound_port):
            scheme = "http" if ssl_context is None else "https"
            yield ProxyUrls(base=f"{scheme}://{_netloc(bound_host, bound_port)}")
    finally:
        if gateway is not None:
            gateway.close()
        if backend is not None:
            backend.close()
