"""Run the proxy: legacy integrations in any language keep speaking JSON-RPC, the bridge answers.

``nutshell_migrate.proxy.serve`` (the ``nutshell-migrate proxy`` command) listens on loopback
and answers Nutshell's JSON-RPC protocol through ``bridge.NutshellAPI``, built from each caller's
own Basic-auth credentials. Here every method is routed ``rest-fallback``: REST answers where it
can, JSON-RPC where it cannot. The client is a plain HTTP POST, as PHP, Ruby or a shell script
would send it.

    python examples/run_proxy.py
"""

from __future__ import annotations

from typing import Any

import requests
from _account import account

from bridge import Routes
from nutshell_migrate import proxy

TIMEOUT = 10.0  # seconds: a bound on every HTTP call


def rpc(endpoint: str, auth: tuple[str, str], method: str, params: dict[str, Any]) -> Any:
    """One JSON-RPC 2.0 call over plain HTTP; the result, or SystemExit with the error."""
    body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    response = requests.post(endpoint, json=body, auth=auth, timeout=TIMEOUT)
    answer = response.json()
    if answer.get("error"):
        raise SystemExit(f"{method} failed: {answer['error'].get('message')}")
    return answer["result"]


def main() -> None:
    """Serve the proxy in front of the account and make three legacy calls through it."""
    routes = Routes.from_mapping({"*": "rest-fallback"})
    with account() as acct:
        print(f"Running against {acct.where}.")
        with proxy.serve(
            host="127.0.0.1",
            port=0,  # any free port
            upstream_rpc=acct.rpc_endpoint,  # None: discover Nutshell's endpoint per user
            upstream_rest=acct.rest_base_url,
            routes=routes,
        ) as urls:
            print(f"Proxy listening at {urls.rpc}")
            auth = (acct.username, acct.api_key)

            # Legacy clients discover their endpoint first; the proxy names itself.
            api = rpc(urls.discovery, auth, "getApiForUsername", {"username": acct.username})
            print(f"getApiForUsername -> api host {api['api']}")

            leads = rpc(urls.rpc, auth, "findLeads", {"query": {"status": 0}, "limit": 3})
            print(f"findLeads -> {len(leads)} open leads: {[lead['id'] for lead in leads]}")
            if leads:
                lead = rpc(urls.rpc, auth, "getLead", {"leadId": leads[0]["id"]})
                # A rev starting "b:" is the bridge's own: REST answered.
                print(
                    f"getLead -> lead {lead['id']} {lead['description']!r}, "
                    f"{len(lead)} keys, rev {lead['rev']!r}"
                )

            # REST has no /teams: under rest-fallback this read is answered by JSON-RPC.
            teams = rpc(urls.rpc, auth, "findTeams", {})
            print(f"findTeams -> {len(teams)} teams (JSON-RPC: REST cannot answer it)")


if __name__ == "__main__":
    main()
