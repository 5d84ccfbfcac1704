"""REST requests per bridged read, for every read the registry can answer through REST.

The methods come from the registry (every supported read translator), and each one's
arguments from the account itself (:func:`nutshell_migrate.samples.plan_calls`, the same
argument sets ``compare`` uses), so a new translator is measured without editing this file.
Each read is counted with :func:`nutshell_rest.track_requests` on a fresh bridge (cold: the
reference cache is empty) and again on the same bridge (warm), complete and ``lean``.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from typing import Any

from bench._common import Figure, Settings, bridge, mounted, rpc_client, verdict
from bridge import NutshellAPI as BridgeAPI
from bridge.complete import MAX_REQUESTS
from bridge.translators import REGISTRY
from nutshell_core.calls import bind_call
from nutshell_core.catalog import Access, rpc_method
from nutshell_migrate.samples import plan_calls
from nutshell_rest import track_requests

SECTION = "requests"


def mapped_reads() -> list[str]:
    """Every read method the registry answers through REST (mapped or partial)."""
    return [
        t.method for t in REGISTRY if t.supported and t.rpc.access is Access.READ and not t.local
    ]


def _count(api: BridgeAPI, method: str, params: Mapping[str, Any]) -> int:
    row = rpc_method(method)
    with track_requests() as sent:
        api.call_named(row, bind_call(row, (), params))
    return len(sent.requests)


def counts(method: str, params: Mapping[str, Any]) -> tuple[int, int, int, int]:
    """(complete cold, complete warm, lean cold, lean warm) REST requests of one call."""
    found: list[int] = []
    for lean in (False, True):
        api = bridge(lean=lean)
        try:
            found += [_count(api, method, params), _count(api, method, params)]
        finally:
            api.close()
    return found[0], found[1], found[2], found[3]


def run(settings: Settings) -> list[Figure]:
    """One figure per mapped read: warm requests against the bound, cold beside it."""
    figures: list[Figure] = []
    warm_counts: list[int] = []
    with mounted(settings.records):
        rpc = rpc_client()
        plan = plan_calls(rpc.call, mapped_reads(), 1)
        rpc.close()
        for method in mapped_reads():
            sets = plan.calls.get(method)
            if not sets:
                figures.append(
                    Figure(
                        section=SECTION,
                        name=method,
                        value=None,
                        unit="requests",
                        shown="not measured",
                        note=plan.skipped.get(method, "no arguments"),
                    )
                )
                continue
            cold, warm, lean_cold, lean_warm = counts(method, sets[0])
            warm_counts.append(warm)
            figures.append(
                Figure(
                    section=SECTION,
                    name=method,
                    value=float(warm),
                    unit="requests",
                    shown=f"warm {warm} / cold {cold}",
                    ratio=float(lean_warm),
                    ratio_shown=f"lean {lean_warm} / {lean_cold}",
                    target=f"warm <= {MAX_REQUESTS}",
                    status=verdict(warm <= MAX_REQUESTS),
                )
            )
    if warm_counts:
        mean = statistics.fmean(warm_counts)
        figures.append(
            Figure(
                section=SECTION,
                name=f"mean over {len(warm_counts)} reads",
                value=mean,
                unit="requests",
                shown=f"warm {mean:.2f}",
                note="complete results; the JSON-RPC call is 1 request",
            )
        )
    return figures
