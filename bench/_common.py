"""What every benchmark section shares: the figure it reports, timing helpers, the emulator.

A figure is one row of the table: a measured value, a ratio beside it (the comparison that
matters, since absolute times on a shared machine vary from run to run), the target and
whether it was met. Sections return lists of figures; nothing here prints.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.routes import Mode, Routes
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_rest import RestClient
from nutshell_rpc import NutshellAPI as RpcAPI

#: The JSON-RPC endpoint the in-process emulator answers (no discovery round trip).
ENDPOINT = "https://app.nutshell.com/api/v1/json"

PASS = "PASS"
MISS = "MISS"
INFO = ""


@attrs.frozen(kw_only=True)
class Figure:
    """One measured figure with its ratio, its target and whether the target was met.

    ``status`` is ``PASS``, ``MISS`` or empty (a figure reported for context, no target).
    ``value`` and ``ratio`` are the raw numbers (``--format json``); ``shown`` and
    ``ratio_shown`` their spelling in the table.
    """

    section: str
    name: str
    value: float | None
    unit: str
    shown: str
    ratio: float | None = None
    ratio_shown: str = ""
    target: str = ""
    status: str = INFO
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        """The figure as a JSON object."""
        return attrs.asdict(self)


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return PASS if ok else MISS


@attrs.frozen(kw_only=True)
class Settings:
    """Sizes for one run: the default run, or ``--quick`` (a smoke run with small sizes)."""

    quick: bool = False
    #: Leads converted (2,000 in the default run).
    leads: int = 2000
    #: Timed repetitions a median is taken over.
    repeat: int = 7
    #: Records seeded into the emulator for the bridge sections.
    records: int = 200
    #: Records paged through for the memory figure: (small, large).
    paging: tuple[int, int] = (10_000, 100_000)
    #: Seconds each throughput figure runs for.
    throughput_seconds: float = 2.0
    #: Latency injected per request for the shadow figure (seconds).
    latency: float = 0.05
    #: Records seeded for ``compare``.
    compare_records: int = 200
    #: ``compare --calls`` per method.
    compare_calls: int = 5

    @classmethod
    def for_mode(cls, quick: bool) -> Settings:
        """The default settings, or the quick ones."""
        if not quick:
            return cls()
        return cls(
            quick=True,
            leads=200,
            repeat=3,
            records=100,
            paging=(1_000, 10_000),
            throughput_seconds=0.3,
            latency=0.02,
            compare_records=200,
            compare_calls=1,
        )


def median_seconds(fn: Callable[[], object], repeat: int, *, warmup: int = 1) -> float:
    """Median wall time of ``fn`` in seconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def ms(seconds: float) -> str:
    """Seconds spelled in milliseconds."""
    return f"{seconds * 1000:.2f} ms"


def per_second(count: float, seconds: float) -> float:
    """A rate, 0 when nothing was timed."""
    return count / seconds if seconds > 0 else 0.0


@contextmanager
def mounted(records: int, *, seed: int = 1) -> Iterator[Emulator]:
    """A seeded emulator answering Nutshell's hosts in-process (a ``responses`` mock)."""
    emulator = Emulator()
    if records:
        emulator.seed(records, random_seed=seed)
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            emulator.mount(mock)
            yield emulator
    finally:
        emulator.close()


def rpc_client() -> RpcAPI:
    """A JSON-RPC client of the in-process emulator."""
    return RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, sleep=lambda _s: None)


def rest_client() -> RestClient:
    """A REST client of the in-process emulator."""
    return RestClient(DEFAULT_EMAIL, DEFAULT_API_KEY, sleep=lambda _s: None)


def bridge(**options: Any) -> BridgeAPI:
    """A bridge of the in-process emulator with every method routed to REST."""
    options.setdefault("routes", Routes({}, default=Mode.REST))
    return BridgeAPI(
        DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, sleep=lambda _s: None, **options
    )
