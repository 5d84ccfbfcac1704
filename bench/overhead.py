"""Bridge overhead: its own CPU per call beside the REST requests it sends, and bridged vs direct.

Everything runs in one thread against the in-process emulator, so wall time is CPU time. While
a bridged call runs, the time spent inside the REST client (its resource methods checking ids
and building the query, sending each request, the emulator answering it, and parsing the
envelope into model records) is summed, and each call's own time is its total minus that:
the bridge's own work, choosing the route, completing and naming linked records, digesting
revs and rendering the legacy shape. The REST client's share is exactly "a direct RestClient
call for the same data", and the time inside the transport alone is what raw ``requests``
would cost for the same requests. Target: the bridge's own time at most 20% of the REST
client's.

Beside it, the whole bridged call against the direct JSON-RPC call on the same emulator
(target 1.2x where both send one request: the ``lean`` bridge; the complete bridge sends
more requests, whose count the table shows).
"""

from __future__ import annotations

import functools
import gc
import inspect
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench._common import Figure, Settings, bridge, mounted, rpc_client, verdict
from nutshell_core.transport import Transport
from nutshell_rest import RestClient, track_requests
from nutshell_rest.resources.base import Resource

SECTION = "overhead"

#: The bridge's own time, as a share of its REST client's, must stay under this.
OWN_SHARE_TARGET = 0.20
#: Bridged over direct JSON-RPC where the request count is the same.
VS_RPC_TARGET = 1.2


class Split:
    """Time spent inside the REST client and inside the transport, summed while installed."""

    def __init__(self) -> None:
        self.rest = 0.0
        self.http = 0.0
        self._depth = {"rest": 0, "http": 0}

    def reset(self) -> None:
        """Start a new call."""
        self.rest = self.http = 0.0

    def _timed(self, key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._depth[key]:  # nested (call -> _envelope): counted once, outermost
                return fn(*args, **kwargs)
            self._depth[key] += 1
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                setattr(self, key, getattr(self, key) + time.perf_counter() - started)
                self._depth[key] -= 1

        return timed

    @contextmanager
    def installed(self) -> Iterator[Split]:
        """Wrap the REST client's ways to an answer (a parsed envelope, :meth:`RestClient.call`,
        and the one request every resource method sends through), and the transport's request.

        ``_send`` is wrapped as well as the two parsers: a resource method that sends and reads
        the response itself (a JSON Patch, a CSV export) would otherwise count its request as
        the bridge's own time. Nested wrappers count once, at the outermost.
        """
        methods: list[tuple[type, str]] = [(RestClient, n) for n in ("_envelope", "call", "_send")]
        methods += _resource_methods()
        saved: list[tuple[type, str, Any]] = [(c, n, c.__dict__[n]) for c, n in methods]
        saved.append((Transport, "request", Transport.__dict__["request"]))
        for cls, name, fn in saved:
            setattr(cls, name, self._timed("http" if cls is Transport else "rest", fn))
        try:
            yield self
        finally:
            for cls, name, fn in saved:
                setattr(cls, name, fn)


def _resource_methods() -> list[tuple[type, str]]:
    """The public methods of every REST resource class (``leads.get_many``, ``list``...).

    A direct RestClient call is one of these: the id checks and query building around the
    request are the REST client's work, not the bridge's. Generators (``iterate``) are left
    out: they return before doing anything, and the requests they send are timed inside.
    """
    found: list[tuple[type, str]] = []
    pending: list[type] = [Resource]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        for name, value in vars(cls).items():
            if (
                not name.startswith("_")
                and inspect.isfunction(value)
                and not inspect.isgeneratorfunction(value)
                and (cls, name) not in found
            ):
                found.append((cls, name))
    return found


def _samples(
    fn: Callable[[], object], split: Split, repeat: int, *, before: Callable[[], object]
) -> tuple[float, float, float, float]:
    """Median (total, inside the REST client, own = total minus inside the REST client,
    inside the transport) seconds of ``fn``.

    The own time is the median of each call's own time, not the difference of two medians
    (which may come from different calls). ``before`` runs ahead of each call, untimed: it
    empties the emulator's caches, so that every call is a read after a write on both routes
    (the REST front keeps rendered records per store version; the JSON-RPC front renders
    every answer afresh, and a Nutshell server's caches are not the bridge's doing).
    Everything alive before the timed calls (the emulator's store, the reference cache) is
    frozen out of the garbage collector: a collection a call triggers would otherwise scan
    the in-process emulator's records, which a client talking to Nutshell does not hold, and
    charge that to whichever side it lands in.
    """
    fn()
    gc.collect()
    gc.freeze()
    try:
        totals, rests, owns, https = [], [], [], []
        for _ in range(repeat):
            before()
            split.reset()
            started = time.perf_counter()
            fn()
            total = time.perf_counter() - started
            totals.append(total)
            rests.append(split.rest)
            owns.append(total - split.rest)
            https.append(split.http)
    finally:
        gc.unfreeze()
    median = statistics.median
    return median(totals), median(rests), median(owns), median(https)


def _requests(fn: Callable[[], object]) -> int:
    with track_requests() as sent:
        fn()
    return len(sent.requests)


def run(settings: Settings) -> list[Figure]:
    """Own-CPU share and bridged/direct ratio for getLead and findLeads(limit=100)."""
    figures: list[Figure] = []
    with mounted(settings.records * 2) as emulator, Split().installed() as split:
        fresh = emulator.store.invalidate_caches
        rpc = rpc_client()
        lead_id = rpc.findLeads(limit=1)[0]["id"]
        # (label, call, repetitions): a findLeads is about ten getLeads.
        calls: list[tuple[str, Callable[[Any], object], int]] = [
            ("getLead", lambda api: api.getLead(lead_id), settings.repeat * 5),
            ("findLeads(limit=100)", lambda api: api.findLeads(limit=100), settings.repeat),
        ]
        for label, call, repeat in calls:
            rpc_total, _, _, _ = _samples(functools.partial(call, rpc), split, repeat, before=fresh)
            for lean in (False, True):
                api = bridge(lean=lean)
                api.context.cache.warm()
                total, rest, own, http = _samples(
                    functools.partial(call, api), split, repeat, before=fresh
                )
                sent = _requests(functools.partial(call, api))
                api.close()
                kind = "lean" if lean else "complete"
                share = own / rest if rest else 0.0
                figures.append(
                    Figure(
                        section=SECTION,
                        name=f"{label} {kind}: bridge own CPU",
                        value=own,
                        unit="s",
                        shown=f"{own * 1000:.2f} ms",
                        ratio=share,
                        ratio_shown=f"{share:.0%} of RestClient {rest * 1000:.2f} ms "
                        f"(HTTP {http * 1000:.2f})",
                        target=f"<= {OWN_SHARE_TARGET:.0%}",
                        status=verdict(share <= OWN_SHARE_TARGET),
                    )
                )
                ratio = total / rpc_total
                same = sent == 1
                figures.append(
                    Figure(
                        section=SECTION,
                        name=f"{label} {kind}: bridged vs direct JSON-RPC",
                        value=total,
                        unit="s",
                        shown=f"{total * 1000:.2f} ms",
                        ratio=ratio,
                        ratio_shown=f"{ratio:.2f}x rpc {rpc_total * 1000:.2f} ms",
                        target=f"<= {VS_RPC_TARGET}x" if same else f"n/a: {sent} requests vs 1",
                        status=verdict(ratio <= VS_RPC_TARGET) if same else "",
                    )
                )
        rpc.close()
    return figures
