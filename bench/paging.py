"""Paging memory: the peak while iterating N records, at two sizes ten times apart.

``RestClient.<resource>.iterate()`` reads one page at a time; iterating should hold one page,
not every record read so far, so the peak at 100,000 records should be about the peak at
10,000 (target: at most 1.2x). A ``responses`` callback serves synthetic pages of small leads
(no emulator: seeding 100,000 records would measure the seeding), and ``tracemalloc`` measures
the peak of the iteration alone.
"""

from __future__ import annotations

import json
import re
import time
import tracemalloc
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import requests
import responses

from bench._common import Figure, Settings, rest_client, verdict

SECTION = "paging"
TARGET = 1.2


def _pages(
    total: int, mock: responses.RequestsMock
) -> Callable[[requests.PreparedRequest], tuple[int, dict[str, str], str]]:
    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        # responses keeps every call it answered (in the mock and in each registered
        # response); that is the mock's memory, not the client's, so it is emptied as pages
        # are served.
        mock.calls.reset()
        for registered in mock.registered():
            registered.calls.reset()
        query = parse_qs(urlsplit(request.url or "").query)
        page = int(query.get("page[page]", ["0"])[0])
        limit = int(query.get("page[limit]", ["100"])[0])
        first = page * limit
        ids = range(first + 1, min(first + limit, total) + 1)
        leads = [
            {"id": f"{i}-leads", "type": "leads", "name": f"Lead {i}", "number": str(i)}
            for i in ids
        ]
        body = {"meta": {"count": total, "total": total}, "links": {}, "leads": leads}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    return callback


def peak(total: int) -> tuple[int, float, int]:
    """(peak bytes, seconds, records seen) iterating ``total`` leads."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(
            "GET", re.compile(r"https://app\.nutshell\.com/rest/leads(\?.*)?$"), _pages(total, mock)
        )
        client = rest_client()
        seen = 0
        tracemalloc.start()
        started = time.perf_counter()
        try:
            for _ in client.leads.iterate():
                seen += 1
            _, top = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        took = time.perf_counter() - started
        client.close()
    return top, took, seen


def run(settings: Settings) -> list[Figure]:
    """Peak memory at the two sizes and their ratio."""
    small, large = settings.paging
    # One unmeasured pass first, of more pages than the bounded caches on the way hold (the
    # standard library keeps 128 split URLs): what a process builds once (the code generated
    # for a key order, those caches) is not what paging holds, and would land in the first
    # figure only.
    peak(small * 2)
    small_peak, small_s, small_seen = peak(small)
    large_peak, _, large_seen = peak(large)
    ratio = large_peak / small_peak if small_peak else 0.0
    complete = small_seen == small and large_seen == large
    return [
        Figure(
            section=SECTION,
            name=f"iterate {small:,} leads: peak",
            value=float(small_peak),
            unit="bytes",
            shown=f"{small_peak / 1e6:.2f} MB",
            ratio_shown=f"{small_seen / small_s:,.0f} rec/s",
        ),
        Figure(
            section=SECTION,
            name=f"iterate {large:,} leads: peak",
            value=float(large_peak),
            unit="bytes",
            shown=f"{large_peak / 1e6:.2f} MB",
            ratio=ratio,
            ratio_shown=f"{ratio:.2f}x the {small:,} peak",
            target=f"<= {TARGET}x",
            status=verdict(ratio <= TARGET and complete),
            note="" if complete else f"saw {small_seen:,} and {large_seen:,}",
        ),
    ]
