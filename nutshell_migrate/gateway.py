"""The proxy as the agents' gateway: caller tokens, grants, browser refusal and the audit trail.

With a :class:`~nutshell_core.policy.Policy` the proxy no longer forwards its callers'
credentials: it holds one Nutshell username and API key itself, and its callers are *agents* of
the policy, each with a token of its own and grants per record type. For every request:

1. a browser request is refused with HTTP 403 (code :data:`CROSS_ORIGIN_CODE`): an ``Origin``
   header, a ``Sec-Fetch-Site`` other than ``none``, an ``OPTIONS`` preflight, or a ``Host``
   that is no loopback name (a DNS-rebinding page). No CORS header is ever sent;
2. the caller is authenticated by :func:`agent_for`: HTTP Basic with the agent's name and
   token, or ``Authorization: Bearer <token>``; anything else is HTTP 401 with
   ``WWW-Authenticate`` (code :data:`UNAUTHENTICATED_CODE`);
3. the call is checked with :func:`~nutshell_core.policy.check_rpc`; a refusal is HTTP 403
   with the JSON-RPC code :data:`POLICY_DENIED_CODE` and :class:`PolicyDenied`'s words;
   filtered searches lose the stubs of types not granted;
4. one :class:`~nutshell_core.audit.AuditEvent` is recorded (refusals included, with agent
   ``null`` before authentication).

Refusals send nothing upstream. The Nutshell key is registered with a
:class:`~nutshell_core.secrets.SecretMask` for as long as the gateway lives, so no error message
or audit line can carry it; an agent's token never leaves :func:`agent_for`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from nutshell_core.audit import AuditEvent, AuditSink, audit_event, rpc_ids
from nutshell_core.catalog import RPC_METHODS, RpcMethod
from nutshell_core.errors import (
    AuthenticationError,
    NutshellError,
    PermissionDeniedError,
    PolicyDenied,
    ServerError,
)
from nutshell_core.policy import Agent, Decision, Policy, check_rpc, enforce, filter_result
from nutshell_core.secrets import SecretMask, basic_token
from nutshell_core.transport import is_loopback_host
from nutshell_rpc.server import parse_basic_auth

if TYPE_CHECKING:
    from nutshell_migrate.proxy import BridgeBackend, BridgePrincipal

__all__ = [
    "AUTH_CHALLENGES",
    "CROSS_ORIGIN_CODE",
    "POLICY_DENIED_CODE",
    "UNAUTHENTICATED_CODE",
    "AgentCall",
    "Gateway",
    "agent_for",
    "browser_refusal",
]

#: The JSON-RPC error code of a call the policy refused (JSON-RPC's implementation-defined
#: server range is -32000 to -32099); answered with HTTP 403.
POLICY_DENIED_CODE: Final = -32001
#: The code of a request without valid agent credentials: 401, as Nutshell answers a bad key.
UNAUTHENTICATED_CODE: Final = 401
#: The code of a browser request: 403, answered with HTTP 403.
CROSS_ORIGIN_CODE: Final = 403

_REALM: Final = "nutshell-migrate proxy"
#: The ``WWW-Authenticate`` challenges of a 401: Basic (agent name and token) and Bearer.
AUTH_CHALLENGES: Final = (
    ("WWW-Authenticate", f'Basic realm="{_REALM}", charset="UTF-8"'),
    ("WWW-Authenticate", f'Bearer realm="{_REALM}"'),
)

#: What a request without valid agent credentials is told (and the audit line's reason).
UNAUTHENTICATED_MESSAGE: Final = (
    "agent credentials required: HTTP Basic with the agent name and token, or a Bearer token"
)

# The Authorization header the protocol handling sees once the gateway has authenticated the
# agent: the agent's token goes no further than agent_for.
_INNER_AUTHORIZATION: Final = "Basic " + basic_token("agent", "authenticated")

log = logging.getLogger(__name__)


def browser_refusal(environ: Mapping[str, Any]) -> str | None:
    """Why a request looks like it comes from a browser page (refused), or None.

    Agents and scripts send none of these; a web page can make a browser send requests to
    loopback, with whatever credentials the browser remembers.
    """
    if str(environ.get("REQUEST_METHOD") or "").upper() == "OPTIONS":
        return "browser preflight (OPTIONS) refused: the proxy serves no web pages"
    if environ.get("HTTP_ORIGIN") is not None:
        return "browser request (Origin header) refused: the proxy serves no web pages"
    site = str(environ.get("HTTP_SEC_FETCH_SITE") or "").strip().lower()
    if site and site != "none":
        return f"browser request (Sec-Fetch-Site: {site[:20]}) refused"
    host = str(environ.get("HTTP_HOST") or "")
    if host:
        try:
            name = urlsplit("//" + host).hostname or ""
        except ValueError:
            name = ""
        if not is_loopback_host(name):
            return "the Host header must name a loopback address (127.0.0.1, ::1, localhost)"
    return None


def agent_for(policy: Policy, authorization: str | None) -> Agent | None:
    """The agent an ``Authorization`` header authenticates (Basic name:token, or Bearer)."""
    if not authorization:
        return None
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        token = rest.strip()
        return policy.authenticate(token) if token else None
    credentials = parse_basic_auth(authorization)
    if credentials is None:
        return None
    name, token = credentials
    return policy.authenticate(token, name=name) if name and token else None


def _denied_message(decision: Decision) -> str:
    try:
        enforce(decision)
    except PolicyDenied as exc:
        return exc.message
    return f"{decision.call} is refused by the policy"  # pragma: no cover - allowed decisions


class AgentCall:
    """The :class:`~nutshell_rpc.server.RpcBackend` for one authenticated request.

    Built per request, so it can note what the audit line needs (the decision, the named
    params, the route, the error) without any sharing between threads.
    """

    def __init__(self, gateway: Gateway, agent: Agent) -> None:
        self._gateway = gateway
        self.agent = agent
        self.row: RpcMethod | None = None
        self.params: Mapping[str, Any] | None = None
        self.decision: Decision | None = None
        self.route = ""
        self.error: str | None = None

    def authenticate(self, username: str, api_key: str) -> Agent:
        """The agent: the gateway authenticated it before the protocol handling ran."""
        return self.agent

    def discover(self, username: str) -> Mapping[str, Any]:
        """``getApiForUsername``: the proxy itself, for an authenticated agent."""
        self.route = "discovery"
        return self._gateway.backend.discover(username)

    def implements(self, method: RpcMethod) -> bool:
        """Every catalog method: the policy decides, per call."""
        return True

    def dispatch(self, method: RpcMethod, params: Mapping[str, Any], principal: Any) -> Any:
        """Check the call against the agent's grants, then run it with the proxy's key."""
        self.row, self.params = method, params
        decision = check_rpc(self.agent, method, params)
        self.decision = decision
        if not decision.allowed:
            raise PermissionDeniedError(
                _denied_message(decision), status=403, code=POLICY_DENIED_CODE
            )
        backend = self._gateway.backend
        self.route = backend.routes.mode_for(method.name).value
        try:
            result = backend.call(self._gateway.principal.api, method, params)
        except AuthenticationError:
            self.error = "AuthenticationError"
            # The agent is authenticated; it is the proxy's own Nutshell key that failed.
            raise ServerError(
                "upstream refused the proxy's Nutshell credentials", status=502, code=502
            ) from None
        except NutshellError as exc:
            # The upstream failure itself, not the server error it was answered as.
            cause = exc.__context__ if isinstance(exc.__context__, NutshellError) else exc
            self.error = type(cause).__name__
            raise
        return filter_result(decision, result)


class Gateway:
    """A policy, the proxy's own bridge principal and the audit sink, shared by all requests.

    ``principal`` is the bridge built from the proxy's Nutshell credentials; the gateway
    masks its key everywhere (errors, audit lines) while it lives and closes it on
    :meth:`close`.
    """

    def __init__(
        self,
        policy: Policy,
        *,
        backend: BridgeBackend,
        principal: BridgePrincipal,
        mask: SecretMask,
        audit: AuditSink | None = None,
    ) -> None:
        self.policy = policy
        self.backend = backend
        self.principal = principal
        self.audit = audit
        # Held, not used: a live mask keeps mask_secrets covering the key.
        self._mask = mask

    def __repr__(self) -> str:
        return f"Gateway({len(self.policy.agents)} agents)"

    def authenticate(self, authorization: str | None) -> Agent | None:
        """The agent the request's ``Authorization`` header names, or None."""
        return agent_for(self.policy, authorization)

    def call_for(self, agent: Agent) -> AgentCall:
        """A fresh per-request backend for ``agent``."""
        return AgentCall(self, agent)

    @staticmethod
    def inner_environ(environ: Mapping[str, Any], body_stream: Any) -> dict[str, Any]:
        """The environ the protocol handling sees: the body again, and no agent token."""
        return {**environ, "wsgi.input": body_stream, "HTTP_AUTHORIZATION": _INNER_AUTHORIZATION}

    def record(
        self,
        *,
        http_method: str,
        path: str,
        method: str,
        status: int,
        started: float,
        agent: Agent | None = None,
        call: AgentCall | None = None,
        refusal: str | None = None,
    ) -> None:
        """Send one audit event for a finished request to the sink (never raises)."""
        if self.audit is None:
            return
        try:
            event = _event(http_method, path, method, status, started, agent, call, refusal)
            self.audit(event)
        except Exception as exc:  # an audit sink failing must not take the answer with it
            log.error("audit sink failed: %s", type(exc).__name__)

    def close(self) -> None:
        """Close the proxy's own bridge."""
        self.principal.api.close()


def _event(
    http_method: str,
    path: str,
    method: str,
    status: int,
    started: float,
    agent: Agent | None,
    call: AgentCall | None,
    refusal: str | None,
) -> AuditEvent:
    row = RPC_METHODS.get(method)
    decision = call.decision if call is not None else None
    if decision is not None:
        record_types: tuple[str, ...] = decision.record_types
        access = decision.access.value
    else:
        record_types = ()
        if row is not None:
            access = row.access.value
        else:
            access = "read" if http_method in ("GET", "HEAD", "OPTIONS") else "write"
    denied = refusal is not None or (decision is not None and not decision.allowed)
    if decision is not None and not decision.allowed:
        outcome, reason = "denied", decision.reason
    elif refusal is not None:
        outcome, reason = str(status), refusal
    elif call is not None and call.error is not None:
        outcome, reason = call.error, None
    else:
        outcome, reason = ("ok" if status < 400 else str(status)), None
    return audit_event(
        agent=agent.name if agent is not None else None,
        call=method if row is not None else f"{http_method} {path}",
        record_types=record_types,
        access=access,
        ids=rpc_ids(call.params) if call is not None and call.params else (),
        decision="denied" if denied else "allowed",
        status=outcome,
        duration_ms=(time.perf_counter() - started) * 1000,
        route=call.route if call is not None else "",
        reason=reason,
    )
