"""``Parity``: call a read through the JSON-RPC API and through the bridge, and compare.

The pytest plugin's ``parity`` fixture is an instance; it works in any code too.
"""

from __future__ import annotations

from typing import Any

from bridge.api import NutshellAPI as BridgeAPI
from bridge.diff import diff, render
from nutshell_core.calls import bind_call
from nutshell_core.catalog import Access, rpc_method
from nutshell_core.errors import UsageError
from nutshell_rpc import NutshellAPI as RpcAPI

__all__ = ["Parity", "ParityError"]


class ParityError(AssertionError):
    """A read gave different results through the JSON-RPC API and through the bridge."""


class Parity:
    """Calls a read both ways and asserts the results match after declared differences."""

    def __init__(self, rpc: RpcAPI, bridge: BridgeAPI) -> None:
        self.rpc = rpc
        self.bridge = bridge

    def __call__(self, method: str, /, *args: Any, **kwargs: Any) -> Any:
        """Return the direct result after asserting the bridged one matches it."""
        row = rpc_method(method)
        if row.access is Access.WRITE:
            raise UsageError(f"parity compares reads; {method} is a write and would run twice")
        params = bind_call(row, args, kwargs)
        translator = self.bridge.registry[method]
        direct = self.rpc.call_named(row, params)
        bridged = self.bridge.call_named(row, params)
        entries = diff(
            direct, bridged, ignore=translator.ignored_paths, normalizers=translator.normalizers
        )
        if entries:
            raise ParityError(
                f"{method} differs between JSON-RPC and the bridge "
                f"({translator.status.value}):\n{render(entries)}"
            )
        return direct
