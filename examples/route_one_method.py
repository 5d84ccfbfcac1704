"""Route one method: ``getLead`` answers through REST, every other method stays on JSON-RPC.

A route is per method. The result keeps the legacy shape (same keys, same types), whichever
API answered. The bridge reads REST in batches: one request per kind of linked record, and
reference data (users, pipelines, stages...) from a cache, so a second call costs less.

    python examples/route_one_method.py
"""

from __future__ import annotations

from _account import account

from bridge import NutshellAPI
from bridge.diff import diff
from nutshell_rest import track_requests


def main() -> None:
    """Read one lead through JSON-RPC and through REST; count the REST requests."""
    with account() as acct:
        print(f"Running against {acct.where}.")
        with NutshellAPI(
            acct.username,
            acct.api_key,
            endpoint=acct.rpc_endpoint,
            rest_base_url=acct.rest_base_url,
            routes={"getLead": "rest"},  # findLeads keeps the default route: rpc
        ) as api:
            print(
                "Routes:",
                api.routes.mode_for("getLead").value,
                "for getLead,",
                api.routes.mode_for("findLeads").value,
                "for findLeads",
            )
            leads = api.findLeads(limit=1, stubResponses=True)
            if not leads:
                print("No leads to read.")
                return
            lead_id = leads[0]["id"]
            via_rpc = api.rpc.getLead(lead_id)  # the JSON-RPC client behind the bridge

            with track_requests() as cold:
                via_rest = api.getLead(lead_id)
            with track_requests() as warm:
                api.getLead(lead_id)
            translator = api.registry["getLead"]

    # What may differ is declared per method (the migration matrix); the rest must not.
    declared = translator.ignored_paths
    undeclared = diff(via_rpc, via_rest, ignore=declared, normalizers=translator.normalizers)

    print(f"Lead {lead_id}: {len(via_rest)} keys through REST, {len(via_rpc)} through JSON-RPC")
    print("Same keys:", sorted(via_rest) == sorted(via_rpc))
    print("Keys:", ", ".join(sorted(via_rest)))
    print(f"getLead is {translator.status.value}; declared differences: {', '.join(declared)}")
    print("Undeclared differences:", len(undeclared))
    print(
        f"REST requests: {len(cold.requests)} for the first getLead, "
        f"{len(warm.requests)} once reference data is cached"
    )
    for request in warm.requests:
        print(f"  {request.method} {request.path}")


if __name__ == "__main__":
    main()
