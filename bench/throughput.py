"""Requests per second through the emulator and through the proxy, with 1 and 8 client threads.

Both serve on 127.0.0.1 only. The load comes from a separate process (:mod:`bench._load`)
sending ``getLead`` as JSON-RPC: straight to the emulator's JSON-RPC front, and to the proxy
with ``getLead`` routed to REST (the bridge answers it from the emulator's REST front over
loopback, its reference cache warm after the first call). Figures for context, no target:
the server, the bridge and the load share the machine's cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench._common import Figure, Settings
from bridge.routes import Mode, Routes
from nutshell_emulator import Emulator
from nutshell_migrate import proxy
from nutshell_rpc import NutshellAPI as RpcAPI

SECTION = "throughput"
ROOT = Path(__file__).resolve().parents[1]
THREADS = (1, 8)


def _load(url: str, auth: tuple[str, str], seconds: float, lead_id: int) -> list[dict[str, float]]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench._load",
            url,
            str(seconds),
            str(lead_id),
            ",".join(str(t) for t in THREADS),
        ],
        input=json.dumps({"username": auth[0], "api_key": auth[1]}),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=len(THREADS) * seconds + 120,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def _figures(
    what: str, url: str, auth: tuple[str, str], settings: Settings, lead_id: int
) -> list[Figure]:
    figures: list[Figure] = []
    single = 0.0
    for threads, result in zip(
        THREADS, _load(url, auth, settings.throughput_seconds, lead_id), strict=True
    ):
        rate = result["ok"] / result["seconds"]
        if threads == 1:
            single = rate
        scale = rate / single if single else 0.0
        figures.append(
            Figure(
                section=SECTION,
                name=f"{what}, {threads} client thread{'s' if threads > 1 else ''}",
                value=rate,
                unit="requests/s",
                shown=f"{rate:,.0f} req/s",
                ratio=None if threads == 1 else scale,
                ratio_shown="" if threads == 1 else f"{scale:.2f}x 1 thread",
                note="" if not result["failed"] else f"{result['failed']:.0f} failed",
            )
        )
    return figures


def run(settings: Settings) -> list[Figure]:
    """Emulator and proxy throughput."""
    emulator = Emulator()
    emulator.seed(settings.records, random_seed=1)
    figures: list[Figure] = []
    try:
        with emulator.serve() as urls:
            rpc = RpcAPI(emulator.email, emulator.api_key, endpoint=urls.rpc)
            lead_id = rpc.findLeads(limit=1)[0]["id"]
            rpc.close()
            auth = (emulator.email, emulator.api_key)
            figures += _figures("emulator JSON-RPC getLead", urls.rpc, auth, settings, lead_id)
            with proxy.serve(
                upstream_rpc=urls.rpc,
                upstream_rest=urls.rest,
                routes=Routes({"getLead": Mode.REST}),
            ) as served:
                figures += _figures("proxy getLead via REST", served.rpc, auth, settings, lead_id)
    finally:
        emulator.close()
    return figures
