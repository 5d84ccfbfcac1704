"""Compare bridged reads with the JSON-RPC API, call by call, as shadow-log records.

:func:`compare` runs each planned call (:mod:`nutshell_migrate.samples`) as a
:class:`bridge.Experiment`, exactly as the bridge's ``shadow`` route does: the control is the
JSON-RPC call, the candidate the method's REST translator, and the translator's declared
differences are ignore rules. Each result, with the bridge's API key masked, becomes a
shadow-log record (:func:`bridge.publish.shadow_record`) with the HTTP requests each side sent
(``"requests"``). Only reads are ever called.

:func:`open_target` picks where to compare: the live account when ``NUTSHELL_USERNAME`` and
``NUTSHELL_API_KEY`` are set, else an embedded emulator, seeded and mounted in-process on
Nutshell's hosts (nothing leaves the process).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from typing import Any, Final

import attrs
import requests

from bridge import Experiment, Result
from bridge.api import NutshellAPI as BridgeAPI
from bridge.experiment import same_api_error
from bridge.publish import masked, shadow_record
from bridge.registry import Registry
from bridge.translators import REGISTRY
from nutshell_core.calls import bind_call
from nutshell_core.catalog import RPC_METHODS, Access, rpc_method
from nutshell_core.errors import ConfigurationError, UnknownMethodError, UsageError
from nutshell_core.transport import Credentials
from nutshell_migrate.read_only import ReadOnlyRpcAPI, ReadOnlyTransport
from nutshell_rest import RestClient
from nutshell_rest.client import DEFAULT_BASE_URL

__all__ = [
    "DEFAULT_CALLS",
    "DEFAULT_RECORDS",
    "DEFAULT_SEED",
    "Target",
    "compare",
    "open_target",
    "read_methods",
    "select_methods",
]

#: Calls per method, records seeded and the seed of the embedded emulator, by default: small
#: enough that comparing every read takes seconds, large enough to see each shape.
DEFAULT_CALLS: Final = 5
DEFAULT_RECORDS: Final = 60
DEFAULT_SEED: Final = 11

#: Where the embedded emulator answers (mounted in-process on Nutshell's own hosts).
EMULATOR_ENDPOINT: Final = "https://app.nutshell.com/api/v1/json"

USERNAME_VARIABLE: Final = "NUTSHELL_USERNAME"
KEY_VARIABLE: Final = "NUTSHELL_API_KEY"

# Requests sent by the side running in this context; each side runs in its own thread.
_COUNTER: ContextVar[list[int] | None] = ContextVar("nutshell_migrate_compare_requests")


def _count_response(response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
    counter = _COUNTER.get(None)
    if counter is not None:
        counter[0] += 1


def _counting_session() -> requests.Session:
    """A session that counts every response for the side that sent it."""
    session = requests.Session()
    session.hooks["response"].append(_count_response)
    return session


def _counted(fn: Callable[[], Any], counter: list[int]) -> Callable[[], Any]:
    def run() -> Any:
        token = _COUNTER.set(counter)
        try:
            return fn()
        finally:
            _COUNTER.reset(token)

    return run


@attrs.frozen
class Target:
    """The account being compared: a bridge (with its JSON-RPC client) and a label."""

    bridge: BridgeAPI
    mode: str  # "emulator" or "live"
    description: str


def read_methods() -> list[str]:
    """Every read in the catalog, in catalog order (unsupported ones are reported as skipped)."""
    return [name for name, row in RPC_METHODS.items() if row.access is Access.READ]


def select_methods(names: Sequence[str] | None) -> list[str]:
    """The methods to compare: ``names`` (checked: known reads only), else every read."""
    if not names:
        return read_methods()
    chosen: list[str] = []
    for name in names:
        try:
            row = rpc_method(name)
        except UnknownMethodError:
            raise UsageError(f"unknown method {name!r}; see 'nutshell-migrate matrix'") from None
        if row.access is Access.WRITE:
            raise UsageError(
                f"compare only reads; {row.name} is a write and would change the account"
            )
        if row.name not in chosen:
            chosen.append(row.name)
    return chosen


def _credentials(environ: Mapping[str, str]) -> tuple[str, str] | None:
    username = environ.get(USERNAME_VARIABLE, "").strip()
    api_key = environ.get(KEY_VARIABLE, "").strip()
    if username and api_key:
        return username, api_key
    if username or api_key:
        missing = KEY_VARIABLE if username else USERNAME_VARIABLE
        raise ConfigurationError(
            f"{missing} is not set: set both {USERNAME_VARIABLE} and {KEY_VARIABLE} to compare "
            "against your account, or neither to use the embedded emulator"
        )
    return None


def _bridge(
    stack: ExitStack, username: str, api_key: str, endpoint: str | None, timeout: float
) -> BridgeAPI:
    rpc_session = stack.enter_context(_counting_session())
    rest_session = stack.enter_context(_counting_session())
    # Read-only clients, so not even a bug here could change the account: a catalog write is
    # refused before it is sent, and REST sends nothing but GET/HEAD/OPTIONS.
    rpc = ReadOnlyRpcAPI(username, api_key, endpoint=endpoint, session=rpc_session)
    # REST beside an explicit JSON-RPC endpoint (the emulator), else Nutshell's REST root.
    rest_base = DEFAULT_BASE_URL if endpoint is None else endpoint.rsplit("/api/", 1)[0] + "/rest"
    transport = ReadOnlyTransport(
        credentials=Credentials(username=username, api_key=api_key), session=rest_session
    )
    rest = RestClient(username, api_key, transport=transport, base_url=rest_base)
    # Routes are not used (every call is an experiment); reference data REST lacks is read
    # through JSON-RPC as on the shadow route.
    bridge = BridgeAPI(
        username,
        api_key,
        routes={},
        rpc=rpc,
        rest=rest,
        legacy_reference=True,
        shadow_timeout=timeout,
    )
    stack.callback(bridge.close)
    return bridge


@contextmanager
def open_target(
    *,
    records: int = DEFAULT_RECORDS,
    seed: int = DEFAULT_SEED,
    timeout: float = 30.0,
    force_emulator: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Iterator[Target]:
    """The account to compare: live when both credential variables are set (and not
    ``force_emulator``), else a seeded emulator mounted in-process."""
    credentials = (
        None if force_emulator else _credentials(os.environ if environ is None else environ)
    )
    with ExitStack() as stack:
        if credentials is not None:
            username, api_key = credentials
            bridge = _bridge(stack, username, api_key, None, timeout)
            yield Target(bridge, "live", f"the live account of {username}")
            return
        # Imported here: the emulator and responses are only needed without credentials.
        import responses  # noqa: PLC0415

        from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator  # noqa: PLC0415

        emulator = Emulator()
        stack.callback(emulator.close)
        if records:  # zero: the empty account, only the built-in owner and defaults
            emulator.seed(records, random_seed=seed)
        mock = stack.enter_context(responses.RequestsMock(assert_all_requests_are_fired=False))
        emulator.mount(mock)
        bridge = _bridge(stack, DEFAULT_EMAIL, DEFAULT_API_KEY, EMULATOR_ENDPOINT, timeout)
        yield Target(bridge, "emulator", f"the embedded emulator ({records} records, seed {seed})")


def compare_call(
    bridge: BridgeAPI, method: str, params: Mapping[str, Any], *, timeout: float
) -> list[dict[str, Any]]:
    """Run one read both ways and return its shadow-log record(s), requests counted.

    An unsupported method has no candidate, so it yields no record.
    """
    row = rpc_method(method)
    params = bind_call(row, (), params)
    if row.access is not Access.READ:  # never reached through the command; a last guard
        raise UsageError(f"compare only reads; {method} is a write and would change the account")
    translator = bridge.registry[method]
    control_requests, candidate_requests = [0], [0]
    results: list[Result] = []
    experiment = Experiment(
        method,
        timeout=timeout,
        context={"method": method, "route": "shadow", "params": dict(params)},
    )
    experiment.compare_errors(same_api_error)
    experiment.use(
        _counted(lambda: bridge.rpc.call_named(row, params), control_requests), name="rpc"
    )
    if translator.supported:
        candidate = _counted(lambda: translator(bridge.context, params), candidate_requests)
        experiment.try_(candidate, name="rest")
    for glob in translator.ignored_paths:
        experiment.ignore(glob)
    for normalize in translator.normalizers:
        experiment.normalize(normalize)
    experiment.publish(lambda result: results.append(masked(result, bridge.mask)))
    with contextlib.suppress(Exception):  # the control's own error is in the published record
        experiment.run()
    records = []
    for result in results:
        for record in shadow_record(result):
            record["control"]["requests"] = control_requests[0]
            record["candidate"]["requests"] = candidate_requests[0]
            records.append(record)
    return records


def compare(
    bridge: BridgeAPI,
    calls: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    timeout: float = 30.0,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Every planned call compared, as shadow-log records in plan order; ``progress(method)``
    after each call."""
    bridge.context.cache.warm()  # once, so each call's requests are its own
    records: list[dict[str, Any]] = []
    for method, sets in calls.items():
        for params in sets:
            records.extend(compare_call(bridge, method, params, timeout=timeout))
            if progress is not None:
                progress(method)
    return records


def unsupported(methods: Sequence[str], registry: Registry = REGISTRY) -> dict[str, str]:
    """The methods among ``methods`` REST cannot answer, each with the registry's reason."""
    return {
        name: f"unsupported: {registry[name].reason}"
        for name in methods
        if not registry[name].supported
    }
