"""Policy enforcement and auditing around one call, shared by every client.

The JSON-RPC client, the REST client and the bridge each take ``policy=`` (an
:class:`~nutshell_core.policy.Agent`) and ``audit=`` (an
:data:`~nutshell_core.audit.AuditSink`), and pass every call through :meth:`CallGuard.run`:
the call is checked before anything is sent, a refusal raises
:class:`~nutshell_core.errors.PolicyDenied` (and is audited as ``denied``), an allowed call
runs and is audited once with its outcome (``"ok"`` or the class name of the error) and its
duration, and a filtered search has the stubs of types not granted removed from its result.

An audit sink is asked not to raise; if one does anyway, the error is logged and the call's
own outcome stands: a write that succeeded must not look failed (a retry would repeat it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from nutshell_core.audit import AuditSink, audit_event
from nutshell_core.catalog import RestOperation, RpcMethod
from nutshell_core.policy import (
    Agent,
    Decision,
    PolicyError,
    check_rest_operation,
    check_rpc,
    enforce,
    filter_result,
)

__all__ = ["CallGuard", "rpc_ids"]

_LOG = logging.getLogger(__name__)

T = TypeVar("T")

# Checks calls for audit-only clients: every call is allowed, the decision still says which
# record types and access the call has.
_UNRESTRICTED = Agent("unrestricted", "0" * 64, {"*": "write"})


def rpc_ids(row: RpcMethod, params: Mapping[str, Any]) -> tuple[str, ...]:
    """The record ids a legacy call names (``leadId`` and the like), as strings."""
    ids: list[str] = []
    for param in row.params:
        value = params.get(param.name)
        if param.name.endswith("Id") and isinstance(value, (int, str)) and value != "":
            ids.append(str(value))
    return tuple(ids)


class CallGuard:
    """Checks calls against an agent's grants and reports them to an audit sink.

    With neither ``agent`` nor ``audit`` every call runs untouched. ``clock`` (monotonic
    seconds) times the calls.
    """

    __slots__ = ("_agent", "_audit", "_clock")

    def __init__(
        self,
        agent: Agent | None = None,
        audit: AuditSink | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if agent is not None and not isinstance(agent, Agent):
            raise PolicyError(f"policy must be an Agent, not {type(agent).__name__}")
        if audit is not None and not callable(audit):
            raise PolicyError("audit must be a callable taking an AuditEvent")
        self._agent = agent
        self._audit = audit
        self._clock = clock

    @property
    def agent(self) -> Agent | None:
        """The agent whose grants are enforced, or None."""
        return self._agent

    @property
    def active(self) -> bool:
        """Whether calls are checked or audited at all."""
        return self._agent is not None or self._audit is not None

    def rpc(
        self,
        row: RpcMethod,
        params: Mapping[str, Any],
        send: Callable[[], Any],
        *,
        route: str = "rpc",
    ) -> Any:
        """Run the legacy call ``send`` for ``row`` under the policy, filtered and audited."""
        if not self.active:
            return send()
        decision = check_rpc(self._agent or _UNRESTRICTED, row, params)
        result = self.run(decision, send, ids=rpc_ids(row, params), route=route)
        return filter_result(decision, result)

    def rest(
        self,
        op: RestOperation,
        send: Callable[[], T],
        *,
        ids: Iterable[str] = (),
        route: str = "rest",
    ) -> T:
        """Run the REST request ``send`` for ``op`` under the policy, audited."""
        if not self.active:
            return send()
        decision = check_rest_operation(self._agent or _UNRESTRICTED, op)
        return self.run(decision, send, ids=tuple(ids), route=route)

    def run(
        self, decision: Decision, send: Callable[[], T], *, ids: Iterable[str], route: str
    ) -> T:
        """Enforce ``decision``, then run ``send``; one audit event either way."""
        started = self._clock()
        if not decision.allowed:
            self._emit(decision, ids, route, "denied", started)
            enforce(decision)
        try:
            result = send()
        except BaseException as exc:
            self._emit(decision, ids, route, type(exc).__name__, started)
            raise
        self._emit(decision, ids, route, "ok", started)
        return result

    def _emit(
        self, decision: Decision, ids: Iterable[str], route: str, status: str, started: float
    ) -> None:
        if self._audit is None:
            return
        try:
            event = audit_event(
                agent=self._agent.name if self._agent is not None else None,
                call=decision.call,
                record_types=decision.record_types,
                access=decision.access.value,
                ids=ids,
                decision="allowed" if decision.allowed else "denied",
                status=status,
                duration_ms=max(0.0, (self._clock() - started) * 1000.0),
                route=route,
                reason=decision.reason,
            )
            self._audit(event)
        except Exception as exc:  # the call's own outcome must stand (see the module docstring)
            _LOG.warning("the audit sink failed (%s); the call went on", type(exc).__name__)
