"""``bridge.NutshellAPI``: the legacy surface, routed one method at a time.

It has the same methods, arguments and results as :class:`nutshell_rpc.NutshellAPI` (both are
generated from the catalog), so migrating starts as a one-line import change; each method then
moves to REST by changing its route. Routing, per method (see :mod:`bridge.routes`):

* ``rpc`` calls the JSON-RPC API;
* ``rest`` runs the method's translator — an unsupported method fails before any request with
  :class:`~nutshell_core.errors.NotBridgeable` naming the reason;
* ``shadow`` / ``shadow-rest`` run both routes as a Scientist experiment, return the control's
  result and publish the comparison (declared differences are ignore rules);
* ``rest-fallback`` answers through REST and falls back to RPC where REST cannot: a read on
  :class:`~nutshell_core.errors.NotBridgeable` or a transport or server failure; a write only
  while no REST write of the call may have reached the server (a write whose outcome is unknown
  must not run a second time through RPC), so any failure after that propagates.

Revs work across routes: a rev the bridge issued is checked through REST before an RPC-routed
edit, and an RPC rev is checked through RPC before a REST-routed one (:mod:`bridge.revs`).
Every edit and delete, on either route, holds its record's lock from a registry shared by
every bridge in the process (:mod:`bridge.locks`), so check and write are one step here.

One legacy call is one deadline: a call may make several requests (a lead and its linked
records, a create and its read-back, a rev check), and each gets only what is left of the call's
deadline (:func:`nutshell_core.deadline.call_budget`), on both APIs and in a shadow's second
thread. When nothing is left a read raises :class:`~nutshell_core.errors.RequestTimeoutError`
naming the call and its deadline; a write that may have been applied raises
:class:`~nutshell_core.errors.OutcomeUnknownError`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any
from urllib.parse import urlsplit

from bridge.cache import DEFAULT_TTL, ReferenceCache
from bridge.context import BridgeContext
from bridge.experiment import Experiment, Result, same_api_error
from bridge.locks import DEFAULT_LOCK_TIMEOUT, RECORD_LOCKS, RecordLocks
from bridge.publish import masked
from bridge.registry import Registry, Translator
from bridge.revs import is_bridge_rev
from bridge.routes import Mode, Routes, calls_rpc_beside_rest
from bridge.times import EventTimes, LegacyReference
from nutshell_core.audit import AuditSink
from nutshell_core.calls import bind_call
from nutshell_core.catalog import Access, RpcMethod, rpc_method
from nutshell_core.deadline import CallBudget, CallDeadlineError, call_budget, current_budget
from nutshell_core.errors import (
    APIError,
    ConfigurationError,
    ConflictError,
    NotBridgeable,
    NutshellError,
    OutcomeUnknownError,
    ServerError,
    TransportError,
)
from nutshell_core.guard import CallGuard
from nutshell_core.policy import Agent
from nutshell_rest import RestClient, SentRequest, track_requests
from nutshell_rest.client import DEFAULT_BASE_URL
from nutshell_rpc import NutshellAPI as RpcAPI
from nutshell_rpc._legacy import LegacyMethods
from nutshell_rpc.typed import TypedFace

__all__ = ["NutshellAPI"]

Publisher = Callable[[Any], None]


def _rest_base(explicit: str | None, endpoint: str | None) -> str:
    """The REST root: as given, else beside an explicit JSON-RPC endpoint, else Nutshell's.

    An RPC endpoint on the emulator (``http://127.0.0.1:8080/api/v1/json``) means REST is
    there too (``http://127.0.0.1:8080/rest``): the key must not go to the real service.
    """
    if explicit is not None:
        return explicit
    if endpoint is not None:
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc}/rest"
    return DEFAULT_BASE_URL


def _writes_applied(requests: Sequence[SentRequest], failure: NutshellError) -> int:
    """How many of a call's REST writes may have been applied when ``failure`` ended it.

    Requests go one after another and stop at the first failure, so every write that reached
    the server before the last request was answered with success. The last request is the one
    that failed: a write refused with a 4xx changed nothing, while a 5xx, or an answer that
    could not be read, may come after the server acted.
    """
    reached = [r for r in requests if r.reached]
    writes = sum(1 for r in reached if r.writes)
    refused = isinstance(failure, APIError) and not isinstance(failure, ServerError)
    # The call's deadline had passed before the last request was sent: it never left.
    unsent = isinstance(failure, CallDeadlineError)
    if reached and reached[-1].writes and (refused or unsent):
        # Only a definite refusal (a 4xx) of the last write says it changed nothing; a 5xx, a
        # garbled or truncated success body, or a lost answer may all follow an applied write.
        writes -= 1
    return max(writes, 0)


def _record_of(row: RpcMethod, params: Mapping[str, Any]) -> tuple[str, int] | None:
    """The record an edit or delete writes (``("Contact", 3)``), or None for other calls.

    An id the call would refuse anyway (not a positive integer) locks nothing: the route
    answers with its own error.
    """
    if row.access is not Access.WRITE or row.entity is None or len(row.params) < 2:
        return None
    if row.params[1].name != "rev" or not row.params[0].name.endswith("Id"):
        return None
    value = params.get(row.params[0].name)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return row.entity, value


def _recording_created() -> AbstractContextManager[list[tuple[str, int]]]:
    from bridge.translators._write_steps import recording_created  # noqa: PLC0415 - as below

    return recording_created()


def _outcome_unknown(
    row: RpcMethod, created: Sequence[tuple[str, int]], applied: int, failure: NutshellError
) -> OutcomeUnknownError:
    """The error for a write that failed after some of it may have been applied."""
    made = ", ".join(f"{entity} {record_id}" for entity, record_id in created)
    what = (
        f"after it created {made} (that record exists now)"
        if made
        else f"after {applied} of its REST writes may have been applied"
    )
    return OutcomeUnknownError(
        f"{row.name}: the outcome is unknown: it failed {what} ({failure}); the call may be "
        "partly done and may have been applied: read the record before retrying, do not "
        "retry blindly",
        row.name,
    )


def _check_deadline(value: object) -> float | None:
    if value is None:
        return None
    if (
        not isinstance(value, (int, float))
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigurationError("call_deadline must be a positive finite number of seconds")
    return float(value)


def _within(budget: CallBudget | None) -> AbstractContextManager[object]:
    """``budget`` applied in this context (another thread doing the same call's work)."""
    return budget.applied() if budget is not None else nullcontext()


def _default_registry() -> Registry:
    from bridge.translators import REGISTRY  # noqa: PLC0415 - the registry imports this floor

    return REGISTRY


class NutshellAPI(LegacyMethods, TypedFace):
    """A drop-in for ``nutshell_rpc.NutshellAPI`` that can answer each method through REST.

    The typed face comes along: ``api.leads.get(1003)`` returns a model
    :class:`~nutshell_core.model.Lead` whichever route answers, since the services send
    through :meth:`call_named` like every other call.

    ``policy=`` (an :class:`~nutshell_core.policy.Agent`) is checked once per legacy call, in
    :meth:`call_named`, whichever route answers: a call the grants do not cover raises
    :class:`~nutshell_core.errors.PolicyDenied` before any request. The REST requests a
    translator makes for that call (linked records, reference lists) are not checked again:
    they are how the one allowed call is answered. ``audit=`` receives one event per call,
    with the route that served it.

    ``call_deadline=`` (seconds) bounds each legacy call as a whole, every request it makes
    included; by default it is the shorter of the two clients' :attr:`RetryPolicy.deadline
    <nutshell_core.transport.RetryPolicy.deadline>`, so a call takes no longer than one request
    could.
    """

    def __init__(
        self,
        username: str,
        api_key: str,
        *,
        routes: Routes | Mapping[str, str] | None = None,
        rpc: RpcAPI | None = None,
        rest: RestClient | None = None,
        endpoint: str | None = None,
        rest_base_url: str | None = None,
        registry: Registry | None = None,
        publishers: Iterable[Publisher] = (),
        raise_on_mismatch: bool = False,
        shadow_timeout: float = 5.0,
        cache_ttl: float = DEFAULT_TTL,
        lean: bool = False,
        legacy_reference: bool | None = None,
        locks: RecordLocks | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        policy: Agent | None = None,
        audit: AuditSink | None = None,
        call_deadline: float | None = None,
        **rpc_options: Any,
    ) -> None:
        self._call_deadline = _check_deadline(call_deadline)
        self._clock: Callable[[], float] = rpc_options.get("clock", time.monotonic)
        self._guard = CallGuard(policy, audit, clock=self._clock)
        if isinstance(routes, Routes):
            self.routes = routes
        elif routes is None:
            self.routes = Routes.from_env()
        else:
            self.routes = Routes.from_mapping(routes)
        self.registry = registry or _default_registry()
        self._rpc = rpc or RpcAPI(username, api_key, endpoint=endpoint, sleep=sleep, **rpc_options)
        shared = {k: rpc_options[k] for k in ("timeouts", "retry", "clock") if k in rpc_options}
        self._rest = rest or RestClient(
            username, api_key, base_url=_rest_base(rest_base_url, endpoint), sleep=sleep, **shared
        )
        self.context = BridgeContext(
            rest=self._rest,
            cache=ReferenceCache(
                self._rest,
                ttl=cache_ttl,
                times=None if lean else EventTimes(self._rest),
                legacy=LegacyReference(self._rpc)
                if self._legacy_reference(legacy_reference)
                else None,
            ),
            username=username,
            rpc=self._rpc,
            lean=lean,
        )
        # Shared with every other bridge in the process unless the caller gives its own.
        self._locks = RECORD_LOCKS if locks is None else locks
        self._lock_timeout = lock_timeout
        self._publishers = tuple(publishers)
        self._raise_on_mismatch = raise_on_mismatch
        self._shadow_timeout = shadow_timeout
        self._username = username
        self._typed_cache: dict[str, Any] = {}  # TypedFace's services, built on first use

    def _legacy_reference(self, wanted: bool | None) -> bool:
        """Whether reference data REST lacks is read from the JSON-RPC API.

        Asked for (True) or refused (False) explicitly; by default (None) on when the routes
        already answer through the JSON-RPC API beside REST (``rest-fallback``, ``shadow``,
        ``shadow-rest``), off for routes that use REST alone.
        """
        return wanted if wanted is not None else calls_rpc_beside_rest(self.routes)

    def __repr__(self) -> str:
        # getattr: a repr must work on a half-built bridge (a failed __init__, a debugger).
        return f"bridge.NutshellAPI(username={getattr(self, '_username', None)!r})"

    def __enter__(self) -> NutshellAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close both clients."""
        self._rpc.close()
        self._rest.close()

    @property
    def rpc(self) -> RpcAPI:
        """The JSON-RPC client behind the ``rpc`` route."""
        return self._rpc

    @property
    def rest(self) -> RestClient:
        """The REST client behind the ``rest`` route."""
        return self._rest

    def route(self, method: str, mode: str | Mode) -> None:
        """Change one method's route (validated like any routes configuration)."""
        self.routes = self.routes.with_mode(method, mode)

    # -- dispatch ----------------------------------------------------------------------------

    def call(self, method: str, /, *args: Any, **kwargs: Any) -> Any:
        """Call a legacy method by name; routed by its mode."""
        row = rpc_method(method)
        return self.call_named(row, bind_call(row, args, kwargs))

    @property
    def call_deadline(self) -> float:
        """Seconds one legacy call may take, all its requests included (see the class doc)."""
        if self._call_deadline is not None:
            return self._call_deadline
        return min(self._rest.transport.retry.deadline, self._rpc.transport.retry.deadline)

    def call_named(self, row: RpcMethod, params: Mapping[str, Any]) -> Any:
        """Route already-bound named params; an edit or delete holds its record's lock.

        Under a policy, a call the agent's grants do not cover raises
        :class:`~nutshell_core.errors.PolicyDenied` before it is routed anywhere. Every
        request the call makes shares its deadline (:attr:`call_deadline`).
        """
        with call_budget(row.name, self.call_deadline, clock=self._clock):
            if not self._guard.active:
                return self._route_named(row, params)
            route = self.routes.mode_for(row.name).value
            return self._guard.rpc(row, params, lambda: self._route_named(row, params), route=route)

    def _route_named(self, row: RpcMethod, params: Mapping[str, Any]) -> Any:
        with self._record_lock(row, params):
            mode = self.routes.mode_for(row.name)
            translator = self.registry[row.name]
            if mode is Mode.RPC:
                return self._via_rpc(row, params)
            if mode is Mode.REST:
                return self._via_rest(row, translator, params)
            if mode is Mode.REST_FALLBACK:
                return self._rest_fallback(row, translator, params)
            rest_first = mode is Mode.SHADOW_REST
            return self._shadow(row, translator, params, rest_first=rest_first)

    @contextmanager
    def _record_lock(self, row: RpcMethod, params: Mapping[str, Any]) -> Iterator[None]:
        # The rev check and the write must be one step for every bridge in the process, on
        # both routes: an RPC-routed edit landing between a REST-routed check and its write
        # would be overwritten without a 409.
        record = _record_of(row, params)
        if record is None:
            yield
            return
        entity, record_id = record
        with self._locks.hold(entity, record_id, timeout=self._lock_timeout, method=row.name):
            yield

    def _rest_fallback(
        self, row: RpcMethod, translator: Translator, params: Mapping[str, Any]
    ) -> Any:
        """REST, else RPC: a read on any REST failure, a write only while none of its REST
        writes may have reached the server (a write must never run twice)."""
        if not translator.supported:
            return self._via_rpc(row, params)
        with track_requests() as sent:
            try:
                return self._via_rest(row, translator, params)
            except (NotBridgeable, TransportError, ServerError):
                if row.access is Access.WRITE and sent.sent_write:
                    # The write may have been applied (an outcome-unknown timeout, a 5xx after
                    # the server acted): sending it again through RPC could apply it twice.
                    raise
        return self._via_rpc(row, params)

    def _via_rest(self, row: RpcMethod, translator: Translator, params: Mapping[str, Any]) -> Any:
        """The translator's answer; a write that fails after some of its REST writes were
        applied is reported as outcome-unknown, never as a plain failure a caller would
        retry (Nutshell has no idempotency keys: a retried newLead is a second lead)."""
        if row.access is not Access.WRITE:
            return translator(self.context, params)
        with track_requests() as sent, _recording_created() as created:
            try:
                return translator(self.context, params)
            except (OutcomeUnknownError, ConflictError):
                raise  # they say themselves what was applied
            except NutshellError as exc:
                applied = _writes_applied(sent.requests, exc)
                if not applied and not created:
                    raise
                raise _outcome_unknown(row, created, applied, exc) from exc

    def _via_rpc(self, row: RpcMethod, params: Mapping[str, Any]) -> Any:
        rev = params.get("rev")
        if is_bridge_rev(rev) and row.entity is not None:
            # A rev the bridge issued. Read the RPC rev first, then check the bridge rev through
            # REST, then send the RPC rev read first: a change landing after that read makes
            # the server answer 409 itself, so no window lets a concurrent edit be overwritten.
            record_id = params[row.params[0].name]
            rpc_rev = self.context.rpc_rev(self.context.rpc_getter(row.entity), record_id)
            self.context.check_rev(row, record_id, rev)
            params = {**params, "rev": rpc_rev}
        return self._rpc.call_named(row, params)

    def _shadow(
        self, row: RpcMethod, translator: Translator, params: Mapping[str, Any], *, rest_first: bool
    ) -> Any:
        # The candidate runs in another thread, where this call's budget must hold too.
        budget = current_budget()

        def via_rpc() -> Any:
            with _within(budget):
                return self._via_rpc(row, params)

        def via_rest() -> Any:
            with _within(budget):
                return translator(self.context, params)

        control, candidate = (via_rest, via_rpc) if rest_first else (via_rpc, via_rest)
        experiment = Experiment(
            row.name,
            raise_on_mismatch=self._raise_on_mismatch,
            timeout=self._shadow_timeout,
            context={"method": row.name, "route": "shadow-rest" if rest_first else "shadow"},
        )
        # The routes word their errors differently; failing alike (class, status, code) is a match.
        experiment.compare_errors(same_api_error)
        experiment.use(control, name="rest" if rest_first else "rpc")
        if translator.supported:
            experiment.try_(candidate, name="rpc" if rest_first else "rest")
        for glob in translator.ignored_paths:
            experiment.ignore(glob)
        for normalize in translator.normalizers:
            experiment.normalize(normalize)
        for publisher in self._publishers:
            experiment.publish(self._masking(publisher))
        return experiment.run()

    def mask(self, text: str) -> str:
        """``text`` without any form of either client's API key (for what a tool writes)."""
        # Both clients' masks: each removes every form of its own key (they may differ).
        return self._rest.transport.mask(self._rpc.transport.mask(text))

    def _masking(self, publisher: Publisher) -> Publisher:
        """``publisher`` fed results with the API key masked wherever the server echoed it."""

        def publish(result: Result) -> None:
            publisher(masked(result, self.mask))

        return publish
