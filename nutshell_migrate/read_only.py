"""Read-only clients for comparing against a real account (the pytest plugin's live mode).

A test run pointed at a real Nutshell account must never change it. Every call of
:class:`ReadOnlyRpcAPI` and :class:`ReadOnlyBridgeAPI` goes through ``call_named`` — the legacy
methods, ``call`` and the typed services (``api.leads``) alike — and a catalog WRITE method is
refused there with :class:`~nutshell_core.errors.PolicyDenied` before anything is sent.
:class:`ReadOnlyTransport` does the same one level down for REST, where only safe HTTP methods
(``GET``, ``HEAD``, ``OPTIONS``) go out: it guards the bridge's REST client, which could
otherwise be reached directly through ``bridge.rest``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from bridge.api import NutshellAPI as BridgeAPI
from nutshell_core.catalog import Access, RpcMethod
from nutshell_core.errors import PolicyDenied
from nutshell_core.transport import Transport
from nutshell_rest.tracking import SAFE_METHODS
from nutshell_rpc import NutshellAPI as RpcAPI

__all__ = ["ReadOnlyBridgeAPI", "ReadOnlyRpcAPI", "ReadOnlyTransport", "refuse_writes"]


def refuse_writes(row: RpcMethod) -> None:
    """Raise :class:`PolicyDenied` for a catalog method that writes."""
    if row.access is Access.WRITE:
        raise PolicyDenied(
            f"{row.name} is a write; this client is read-only (live account) and did not send it"
        )


class ReadOnlyRpcAPI(RpcAPI):
    """A JSON-RPC client that refuses every catalog write before sending it."""

    __slots__ = ()

    def call_named(self, row: RpcMethod, params: Mapping[str, Any]) -> Any:
        """Send a read; refuse a write with :class:`PolicyDenied`."""
        refuse_writes(row)
        return super().call_named(row, params)


class ReadOnlyBridgeAPI(BridgeAPI):
    """A bridge that refuses every catalog write before routing it anywhere."""

    def call_named(self, row: RpcMethod, params: Mapping[str, Any]) -> Any:
        """Route a read; refuse a write with :class:`PolicyDenied`."""
        refuse_writes(row)
        return super().call_named(row, params)


class ReadOnlyTransport(Transport):
    """A transport that sends only safe HTTP methods (for REST, where a write is never a GET)."""

    def request(self, method: str, url: str, **options: Any) -> requests.Response:
        """Send a ``GET``/``HEAD``/``OPTIONS``; refuse anything else with PolicyDenied."""
        if not isinstance(method, str) or method.upper() not in SAFE_METHODS:
            raise PolicyDenied(
                f"{method} {options.get('target') or 'request'} could write; this transport is "
                "read-only (live account) and did not send it"
            )
        return super().request(method, url, **options)
