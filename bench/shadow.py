"""Shadow wall time against the slower of its two routes, with latency injected.

The emulator delays every request by the same latency (its fault injection), so a route costs
about its request count times the latency. A ``shadow`` call runs the JSON-RPC control and the
REST candidate in parallel and compares them; it should cost about as much as the slower route
alone, not their sum. Target: at most 1.15x the slower route.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from bench._common import Figure, Settings, bridge, median_seconds, mounted, rpc_client, verdict
from bridge.routes import Mode, Routes
from nutshell_emulator import Fault

SECTION = "shadow"
TARGET = 1.15


def run(settings: Settings) -> list[Figure]:
    """Shadow vs the slower route, for getLead and findLeads."""
    figures: list[Figure] = []
    repeat = max(3, settings.repeat // 2)
    with mounted(settings.records) as emulator:
        rpc = rpc_client()
        lead_id = rpc.findLeads(limit=1)[0]["id"]
        rest = bridge()
        shadowed = bridge(routes=Routes({"getLead": Mode.SHADOW, "findLeads": Mode.SHADOW}))
        for api in (rest, shadowed):
            api.context.cache.warm()
        emulator.faults.add("*", Fault.delay(settings.latency))
        cases: dict[str, Callable[[Any], object]] = {
            "getLead": lambda api: api.getLead(lead_id),
            "findLeads(limit=20)": lambda api: api.findLeads(limit=20),
        }
        for label, call in cases.items():
            via_rpc = median_seconds(functools.partial(call, rpc), repeat)
            via_rest = median_seconds(functools.partial(call, rest), repeat)
            both = median_seconds(functools.partial(call, shadowed), repeat)
            slower = max(via_rpc, via_rest)
            ratio = both / slower
            figures.append(
                Figure(
                    section=SECTION,
                    name=f"{label}, {settings.latency * 1000:.0f} ms per request",
                    value=both,
                    unit="s",
                    shown=f"{both * 1000:.0f} ms",
                    ratio=ratio,
                    ratio_shown=f"{ratio:.2f}x slower route (rpc {via_rpc * 1000:.0f} ms, "
                    f"rest {via_rest * 1000:.0f} ms)",
                    target=f"<= {TARGET}x",
                    status=verdict(ratio <= TARGET),
                )
            )
        emulator.faults.clear()
        rest.close()
        shadowed.close()
        rpc.close()
    return figures
