"""Side-by-side timings: direct JSON-RPC vs the bridge's REST route, and the two converters.

Run from the repository root::

    python bench/bench_bridge.py [--repeat 200]

Everything runs in-process against the emulator (no network). Timings on shared machines are
noisy, so this prints medians and the *ratios* between the routes measured in the same run —
compare ratios between runs, not absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.routes import Mode, Routes
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_rest.convert import structure_record
from nutshell_rpc import NutshellAPI as RpcAPI
from nutshell_rpc.convert import value_from_rpc, value_to_rpc

ENDPOINT = "https://app.nutshell.com/api/v1/json"
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    repeat = parser.parse_args().repeat

    lead = json.loads((FIXTURES / "rpc/hull/api_lead_get.json").read_text("utf-8"))["result"]
    account = json.loads((FIXTURES / "rest/read/accounts/1-first-page.json").read_text("utf-8"))
    first_account = account["accounts"][0]
    rows = [
        ("rpc convert: lead wire->model->wire",
         median_ms(lambda: value_to_rpc(value_from_rpc(lead)), repeat)),
        ("rest convert: account wire->model",
         median_ms(lambda: structure_record(first_account), repeat)),
    ]  # fmt: skip

    emulator = Emulator()
    emulator.seed(200, random_seed=1)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        rpc = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT)
        bridged = BridgeAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT,
                            routes=Routes({}, default=Mode.REST))  # fmt: skip
        bridged.context.cache.warm()
        lead_id = rpc.findLeads()[0]["id"]
        direct_get = median_ms(lambda: rpc.getLead(lead_id), repeat)
        bridged_get = median_ms(lambda: bridged.getLead(lead_id), repeat)
        direct_find = median_ms(lambda: rpc.findLeads(limit=50), max(1, repeat // 4))
        bridged_find = median_ms(lambda: bridged.findLeads(limit=50), max(1, repeat // 4))
    rows += [
        ("getLead direct rpc", direct_get),
        ("getLead bridged rest", bridged_get),
        ("findLeads(50) direct rpc", direct_find),
        ("findLeads(50) bridged rest", bridged_find),
    ]
    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"{name:<{width}}  {ms:8.3f} ms")
    print(f"{'ratio getLead bridged/direct':<{width}}  {bridged_get / direct_get:8.2f} x")
    print(f"{'ratio findLeads bridged/direct':<{width}}  {bridged_find / direct_find:8.2f} x")


if __name__ == "__main__":
    main()
