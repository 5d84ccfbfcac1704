"""Shadow a method and read the report: JSON-RPC answers, REST runs alongside and is compared.

Routing ``findLeads`` to ``shadow`` changes nothing for the caller: the JSON-RPC result is
returned as before. The bridge also answers each call through REST and hands the comparison to
its publishers; a ``ShadowLogPublisher`` appends one compact JSON line per call (method,
outcome, timings, the paths that differ). ``nutshell-migrate report FILE`` then summarises the
log per method: how often REST matched, and what differed.

    python examples/shadow_and_report.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from _account import account

from bridge import NutshellAPI
from bridge.publish import ShadowLogPublisher
from nutshell_migrate.cli import main as nutshell_migrate

#: The calls the integration makes, unchanged: open, won and all leads, then one page more.
CALLS = (
    {"query": {"status": 0}, "limit": 10},
    {"query": {"status": 10}, "limit": 10},
    {"limit": 10},
    {"limit": 10, "page": 2},
)


def main() -> None:
    """Shadow findLeads for a few calls, then print the shadow log's report."""
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "shadow.jsonl"
        with account() as acct:
            print(f"Running against {acct.where}.")
            with NutshellAPI(
                acct.username,
                acct.api_key,
                endpoint=acct.rpc_endpoint,
                rest_base_url=acct.rest_base_url,
                routes={"findLeads": "shadow"},
                publishers=[ShadowLogPublisher(log)],
            ) as api:
                for params in CALLS:
                    leads = api.findLeads(**params)  # the JSON-RPC result, as before
                    print(f"findLeads({params}) -> {len(leads)} leads")

        # "ignored": REST differed only where the migration matrix says it may (the revs).
        lines = log.read_text(encoding="utf-8").splitlines()
        print(f"Shadow log: {len(lines)} lines")
        for line in lines:
            record = json.loads(line)
            print(
                f"  {record['method']} {record['outcome']}: "
                f"JSON-RPC {record['control']['ms']} ms, REST {record['candidate']['ms']} ms, "
                f"{len(record['differences'])} undeclared differences"
            )
        print()
        print(f"$ nutshell-migrate report {log.name}")
        code = nutshell_migrate(["report", str(log)])
        if code != 0:
            raise SystemExit(code)


if __name__ == "__main__":
    main()
