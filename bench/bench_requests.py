"""REST requests per bridged read: complete results vs lean, cold cache vs warm, side by side.

Run from the repository root::

    python bench/bench_requests.py [--records 200]

A complete read fetches the records its legacy shape links to, one request per kind of record
(never one per record), so its count is bounded by the number of linked record types, not by
the page size: each find is measured with a page of 5 and a page of 100 to show it. Counts come
from the in-process emulator (requests to ``/rest/`` only; JSON-RPC calls are not counted).
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.complete import MAX_REQUESTS
from bridge.routes import Mode, Routes
from bridge.translators import REGISTRY
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator

ENDPOINT = "https://app.nutshell.com/api/v1/json"

#: One representative call per bridged read (ids exist in any seed of 100+ records).
CALLS: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...] = (
    ("getLead", (3,), {}),
    ("getContact", (3,), {}),
    ("getAccount", (3,), {}),
    ("getActivity", (2,), {}),
    ("getTask", (1,), {}),
    ("getNote", (1,), {}),
    ("getProduct", (1,), {}),
    ("getUser", (1,), {}),
    ("findLeads", (), {"limit": 5}),
    ("findLeads", (), {"limit": 100}),
    ("findLeads", (), {"limit": 5, "stubResponses": False}),
    ("findLeads", (), {"limit": 100, "stubResponses": False}),
    ("findContacts", (), {"limit": 5, "stubResponses": False}),
    ("findContacts", (), {"limit": 100, "stubResponses": False}),
    ("findAccounts", (), {"limit": 5, "stubResponses": False}),
    ("findAccounts", (), {"limit": 100, "stubResponses": False}),
    ("findActivities", (), {"limit": 5, "stubResponses": False}),
    ("findActivities", (), {"limit": 100, "stubResponses": False}),
    ("findTasks", (), {"limit": 5}),
    ("findTasks", (), {"limit": 100}),
    ("findProducts", (), {}),
    ("findUsers", (), {}),
    ("findMilestones", (), {}),
    ("searchLeads", ("deal",), {}),
    ("searchContacts", ("a",), {}),
    ("searchUniversal", ("acme",), {}),
    ("searchByEmail", ("nobody@example.org",), {}),
)


@contextmanager
def _world(records: int) -> Iterator[tuple[responses.RequestsMock, Callable[..., BridgeAPI]]]:
    emulator = Emulator()
    emulator.seed(records, random_seed=1)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)

        def bridge(**options: Any) -> BridgeAPI:
            return BridgeAPI(
                DEFAULT_EMAIL,
                DEFAULT_API_KEY,
                endpoint=ENDPOINT,
                routes=Routes({}, default=Mode.REST),
                sleep=lambda _s: None,
                **options,
            )

        yield mock, bridge
    emulator.close()


def _rest_calls(mock: responses.RequestsMock) -> int:
    return sum(1 for call in mock.calls if "/rest/" in str(call.request.url))


def _count(mock: responses.RequestsMock, fn: Callable[[], object]) -> int:
    before = _rest_calls(mock)
    fn()
    return _rest_calls(mock) - before


def main() -> None:
    """Measure and print one table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200)
    records = parser.parse_args().records
    rows: list[tuple[str, int, int, int, int]] = []
    with _world(records) as (mock, bridge):
        for method, args, kwargs in CALLS:
            if not REGISTRY[method].supported:
                continue
            counts = []
            for lean in (False, True):
                api = bridge(lean=lean)

                call = functools.partial(api.call, method, *args, **kwargs)
                counts += [_count(mock, call), _count(mock, call)]  # cold, then warm
                api.close()
            label = method + (
                f"({', '.join(f'{k}={v}' for k, v in kwargs.items())})" if kwargs else ""
            )
            rows.append((label, *counts))  # type: ignore[arg-type]
    width = max(len(r[0]) for r in rows)
    print(f"REST requests per bridged read ({records} seeded records; bound {MAX_REQUESTS})")
    heads = ("complete cold", "complete warm", "lean cold", "lean warm")
    print(f"{'call':<{width}}  " + "  ".join(f"{h:>13}" for h in heads))
    for label, cold, warm, lean_cold, lean_warm in rows:
        counts = (cold, warm, lean_cold, lean_warm)
        print(f"{label:<{width}}  " + "  ".join(f"{c:>13}" for c in counts))
    worst = max(r[2] for r in rows)
    print(f"most requests for one warm complete read: {worst} (bound {MAX_REQUESTS})")


if __name__ == "__main__":
    main()
