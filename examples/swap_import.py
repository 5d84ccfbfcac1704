"""Swap the import: ``bridge.NutshellAPI`` is a drop-in for ``nutshell_rpc.NutshellAPI``.

Migrating starts with one changed line. The bridge has the same methods, arguments and results
as the legacy client; until a method is given a route, it still goes through JSON-RPC, so the
answers below are the same call for call.

    python examples/swap_import.py
"""

from __future__ import annotations

from typing import Any

from _account import account

from bridge import NutshellAPI  # was: from nutshell_rpc import NutshellAPI
from nutshell_rpc import NutshellAPI as LegacyAPI


def calls(api: Any) -> dict[str, Any]:
    """The integration's code, unchanged: it cannot tell which client it was given."""
    leads = api.findLeads(query={"status": 0}, limit=5, stubResponses=True)
    first = api.getLead(leads[0]["id"]) if leads else None
    return {
        "findAccounts": api.findAccounts(limit=5),
        "findLeads": leads,
        "getLead": first,
    }


def main() -> None:
    """Make the same calls through both clients and compare the answers."""
    with account() as acct:
        print(f"Running against {acct.where}.")
        with LegacyAPI(acct.username, acct.api_key, endpoint=acct.rpc_endpoint) as legacy:
            before = calls(legacy)
        # routes={} keeps every method on JSON-RPC even if NUTSHELL_BRIDGE_ROUTES is set.
        with NutshellAPI(
            acct.username, acct.api_key, endpoint=acct.rpc_endpoint, routes={}
        ) as bridged:
            after = calls(bridged)
    for method, result in before.items():
        count = len(result) if isinstance(result, list) else 1
        same = "same" if after[method] == result else "DIFFERENT"
        print(f"{method}: {count} result(s), {same} through the bridge")
    print("Same results:", before == after)


if __name__ == "__main__":
    main()
