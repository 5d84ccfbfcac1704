"""``NutshellAPI``: the legacy JSON-RPC client.

Every catalog method is a real method (generated into ``_legacy.py``) that binds its arguments
through the catalog signature and lands in :meth:`NutshellAPI.call`. Results come back exactly
as the API sends them: plain JSON values. The typed face (``api.leads.get(...)`` and friends)
lives in :mod:`nutshell_rpc.typed` and is reached through attributes of the same client.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import requests

from nutshell_core.audit import AuditSink
from nutshell_core.calls import bind_call, positional_params
from nutshell_core.catalog import Access, Returns, RpcMethod, rpc_method
from nutshell_core.errors import ConfigurationError, MalformedResponseError
from nutshell_core.guard import CallGuard
from nutshell_core.model import ENTITIES
from nutshell_core.policy import Agent
from nutshell_core.transport import Credentials, RetryPolicy, Timeouts, Transport, check_url_is_safe
from nutshell_rpc._legacy import LegacyMethods
from nutshell_rpc._protocol import IdGenerator, decode_response, encode_request
from nutshell_rpc.discovery import DEFAULT_TTL, DISCOVERY_URL, Discovery
from nutshell_rpc.typed import TypedFace

__all__ = ["REV_IGNORE", "NutshellAPI"]

#: The rev that skips Nutshell's optimistic-concurrency check. Never used unless passed.
REV_IGNORE = "REV_IGNORE"

ParamsStyle = Literal["named", "positional"]

_DIGITS = re.compile(r"[0-9]+")


class NutshellAPI(LegacyMethods, TypedFace):
    """A client for Nutshell's legacy JSON-RPC API.

    ``NutshellAPI(username, api_key)`` discovers the account's endpoint on first use through
    ``getApiForUsername``; ``endpoint=`` skips discovery (this is how the emulator is reached).
    ``username`` is the user's email (or the company domain) and ``api_key`` the API key.
    ``policy=`` (an :class:`~nutshell_core.policy.Agent`) refuses every call its grants do not
    cover with :class:`~nutshell_core.errors.PolicyDenied` before anything is sent, and
    ``audit=`` (an :data:`~nutshell_core.audit.AuditSink`) receives one event per call.
    """

    __slots__ = (
        "_discovery",
        "_discovery_url",
        "_endpoint",
        "_guard",
        "_ids",
        "_params_style",
        "_transport",
        "_typed_cache",
        "_username",
    )

    def __init__(
        self,
        username: str,
        api_key: str,
        *,
        endpoint: str | None = None,
        discovery_url: str = DISCOVERY_URL,
        discovery_ttl: float = DEFAULT_TTL,
        trusted_hosts: Iterable[str] = (),
        params_style: ParamsStyle = "named",
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: Transport | None = None,
        policy: Agent | None = None,
        audit: AuditSink | None = None,
    ) -> None:
        if not username or not api_key:
            raise ConfigurationError("NutshellAPI needs a username (an email) and an API key")
        self._guard = CallGuard(policy, audit, clock=clock)
        if params_style not in ("named", "positional"):
            raise ConfigurationError("params_style must be 'named' or 'positional'")
        if endpoint is not None:
            check_url_is_safe(endpoint)
        check_url_is_safe(discovery_url)
        self._username = username
        self._transport = transport or Transport(
            credentials=Credentials(username=username, api_key=api_key),
            timeouts=timeouts or Timeouts(),
            retry=retry or RetryPolicy(),
            session=session,
            sleep=sleep,
            clock=clock,
        )
        self._endpoint = endpoint
        self._discovery_url = discovery_url
        self._discovery = Discovery(
            self._transport,
            username,
            url=discovery_url,
            ttl=discovery_ttl,
            trusted_hosts=trusted_hosts,
            clock=clock,
        )
        self._params_style: ParamsStyle = params_style
        self._ids = IdGenerator()
        self._typed_cache: dict[str, Any] = {}

    def __repr__(self) -> str:
        # getattr: a repr must work on a half-built client (a failed __init__, a debugger).
        where = getattr(self, "_endpoint", None) or (
            f"discovered via {getattr(self, '_discovery_url', None)}"
        )
        return f"NutshellAPI(username={getattr(self, '_username', None)!r}, endpoint={where!r})"

    def __enter__(self) -> NutshellAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session."""
        self._transport.close()

    @property
    def transport(self) -> Transport:
        """The transport this client sends through."""
        return self._transport

    @property
    def endpoint(self) -> str:
        """The JSON-RPC endpoint, discovering it on first use when none was given."""
        return self._endpoint or self._discovery.endpoint()

    def call(self, method: str, /, *args: Any, **kwargs: Any) -> Any:
        """Call a legacy method by name with positional or named arguments."""
        row = rpc_method(method)
        return self.call_named(row, bind_call(row, args, kwargs))

    def call_named(self, row: RpcMethod, params: Mapping[str, Any]) -> Any:
        """Send already-bound named params for a catalog method and return its raw result.

        Under a policy, a call the agent's grants do not cover raises
        :class:`~nutshell_core.errors.PolicyDenied` before any request.
        """
        return self._guard.rpc(row, params, lambda: self._send_named(row, params))

    def _send_named(self, row: RpcMethod, params: Mapping[str, Any]) -> Any:
        if row.name == "getApiForUsername":
            # Discovery is unauthenticated and lives on its own host.
            url, auth = self._discovery_url, False
        else:
            url, auth = self.endpoint, True
        wire_params: Mapping[str, Any] | Sequence[Any] = (
            positional_params(row, params) if self._params_style == "positional" else params
        )
        request_id = next(self._ids)
        body = encode_request(row.name, wire_params, request_id)
        response = self._transport.request(
            "POST", url, idempotent=row.idempotent, json=body, auth=auth, target=row.name
        )
        result = decode_response(
            status=response.status_code,
            headers=response.headers,
            text=response.content,  # bytes: decoded strictly, never guessed at
            method=row.name,
            request_id=request_id,
            idempotent=row.idempotent,
        )
        if _reads_by_id(row):
            check_get_answer(row, params, result)
        return result


def _reads_by_id(row: RpcMethod) -> bool:
    """Whether ``row`` reads one record by its id (``getLead(leadId)``, ``getUser(userId)``)."""
    return (
        row.entity in ENTITIES
        and row.access is Access.READ
        and row.returns is Returns.RECORD
        and bool(row.params)
        and row.params[0].name.endswith("Id")
    )


def _same_id(value: object, wanted: int) -> bool:
    # The API sometimes spells ids as digit strings ("11"); either spelling of the id asked for
    # is that record.
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == wanted
    return (
        isinstance(value, str)
        and _DIGITS.fullmatch(value.strip()) is not None
        and int(value) == wanted
    )


def check_get_answer(row: RpcMethod, params: Mapping[str, Any], result: Any) -> None:
    """Raise MalformedResponseError when a get by id answered a different record.

    ``result`` is returned as the server sent it otherwise: a record with another
    ``entityType`` or ``id`` than asked for is a wrong answer, but an object saying neither
    (the notice ``get*`` may send for a still-current ``rev``, whose shape is undocumented)
    and any other value are the caller's to read. ``getUser`` without an id answers the
    caller, whatever its id.
    """
    if not isinstance(result, Mapping):
        return
    problems: list[str] = []
    expected = ENTITIES[row.entity or ""].rpc_type
    if "entityType" in result and result["entityType"] != expected:
        problems.append(
            f"entityType {_quote(result['entityType'])}, expected {expected!r} @ $.entityType"
        )
    asked = params.get(row.params[0].name)
    wanted = asked if isinstance(asked, int) and not isinstance(asked, bool) else None
    if isinstance(asked, str) and _DIGITS.fullmatch(asked.strip()):
        wanted = int(asked)
    if wanted is not None and "id" in result and not _same_id(result["id"], wanted):
        problems.append(f"id {_quote(result['id'])}, expected {wanted} @ $.id")
    if problems:
        raise MalformedResponseError(
            f"{row.name} answered another record than the one asked for",
            row.name,
            problems=tuple(problems),
        )


def _quote(value: object) -> str:
    text = repr(value)
    # A hostile answer can be any size; the problem only needs to show what it was.
    return text if len(text) <= 60 else text[:57] + "..."
