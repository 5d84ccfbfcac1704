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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from bench._common import Figure, Settings, bridge, mounted, rpc_client, verdict
from nutshell_core.transport import Transport
from nutshell_emulator import Emulator
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
        self.server = 0.0
        self._depth = {"rest": 0, "http": 0, "server": 0}

    def reset(self) -> None:
        """Start a new call."""
        self.rest = self.http = self.server = 0.0

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
        saved.append((Emulator, "handle", Emulator.__dict__["handle"]))
        kinds = {Transport: "http", Emulator: "server"}
        for cls, name, fn in saved:
            setattr(cls, name, self._timed(kinds.get(cls, "rest"), fn))
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


#: Median (total, inside the REST client, own = total minus inside the REST client, inside
#: the transport, inside the emulator answering) seconds of one way of making a call.
Timing = tuple[float, float, float, float, float]


def _samples(
    fns: Mapping[str, Callable[[], object]],
    split: Split,
    repeat: int,
    *,
    before: Callable[[], object],
) -> dict[str, Timing]:
    """The :data:`Timing` of each of ``fns``, sampled in turn: one call of each per round, so
    that a machine slowing down for a while slows every way of making the call alike and the
    ratios between them hold; the order turns round every round.

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
    for fn in fns.values():
        fn()
    gc.collect()
    gc.freeze()
    rows: dict[str, list[Timing]] = {name: [] for name in fns}
    order = list(fns.items())
    try:
        for _ in range(repeat):
            # Each round in the other order, so that neither always runs after the other
            # (what ran before leaves its mark on the processor's caches).
            order.reverse()
            for name, fn in order:
                before()
                split.reset()
                started = time.perf_counter()
                fn()
                total = time.perf_counter() - started
                rows[name].append((total, split.rest, total - split.rest, split.http, split.server))
    finally:
        gc.unfreeze()
    median = statistics.median
    return {
        name: (
            median(r[0] for r in taken),
            median(r[1] for r in taken),
            median(r[2] for r in taken),
            median(r[3] for r in taken),
            median(r[4] for r in taken),
        )
        for name, taken in rows.items()
    }


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
        apis = {"complete": bridge(lean=False), "lean": bridge(lean=True)}
        for api in apis.values():
            api.context.cache.warm()
        # (label, call, repetitions): a findLeads is about ten getLeads.
        calls: list[tuple[str, Callable[[Any], object], int]] = [
            ("getLead", lambda api: api.getLead(lead_id), settings.repeat * 10),
            ("findLeads(limit=100)", lambda api: api.findLeads(limit=100), settings.repeat * 3),
        ]
        for label, call, repeat in calls:
            direct = functools.partial(call, rpc)
            for kind, api in apis.items():
                # Each bridge against the direct call, in pairs: the complete bridge's many
                # requests would otherwise run between the lean one and the direct call.
                bridged = functools.partial(call, api)
                timings = _samples({"rpc": direct, kind: bridged}, split, repeat, before=fresh)
                rpc_total, _, _, _, rpc_server = timings["rpc"]
                total, rest, own, http, server = timings[kind]
                sent = _requests(bridged)
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
                if same:
                    # The same comparison without the emulator's own time answering, shown
                    # beside the target (which is set on whole calls): the two fronts are not
                    # equally quick, and a whole-call ratio leans on which front is quicker.
                    # This is what the client side of each route costs.
                    ours, theirs = total - server, rpc_total - rpc_server
                    figures.append(
                        Figure(
                            section=SECTION,
                            name=f"{label} {kind}: client side, bridged vs direct",
                            value=ours,
                            unit="s",
                            shown=f"{ours * 1000:.2f} ms",
                            ratio=ours / theirs,
                            ratio_shown=f"{ours / theirs:.2f}x rpc {theirs * 1000:.2f} ms "
                            f"(server {server * 1000:.2f} vs {rpc_server * 1000:.2f})",
                            target="context: the target is on whole calls",
                        )
                    )
        for api in apis.values():
            api.close()
        rpc.close()
    return figures
