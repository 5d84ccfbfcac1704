"""The plan a scan gives: per method found, whether its calls can move to REST now.

For every method with call sites: its access (read or write), bridge status, the route modes it
allows, a verdict ("yes", "yes, after checking differences: ...", "no: <reason>") and where a
starting routes file puts it. A dynamic name (``find*``) gets a plan over its candidates: it can
move only once the names it really builds are known.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence

import attrs

from bridge.matrix import MovePlan, plan_for
from bridge.registry import Status
from bridge.routes import Mode
from nutshell_migrate.scan_patterns import Hit

__all__ = ["MethodPlan", "hit_json", "plan_methods", "render_plan", "routes_toml"]

_WIDTH = 100  # comment lines of the routes file wrap here
_SHOWN_CANDIDATES = 6
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")

#: Text sections, in the order they are printed: (status, heading).
_SECTIONS = (
    ("mapped", "Can move now (mapped)"),
    ("partial", "Can move after checking differences (partial)"),
    ("unsupported", "Cannot move: stays on rpc (unsupported)"),
    ("dynamic", "Dynamic names: decide once the names are known"),
)


@attrs.frozen
class DynamicPlan:
    """What a dynamic name's candidates allow, taken together."""

    candidates: tuple[str, ...]
    plans: tuple[MovePlan, ...]

    @property
    def access(self) -> str:
        """``read``, ``write`` or ``mixed``."""
        kinds = {p.access.value for p in self.plans}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    @property
    def modes(self) -> tuple[Mode, ...]:
        """The modes every candidate allows: what a route common to all of them could use."""
        return tuple(m for m in Mode if all(m in p.modes for p in self.plans))

    @property
    def verdict(self) -> str:
        """ "depends on the name", with the candidates counted by status and listed."""
        counts = Counter(p.status.value for p in self.plans)
        by_status = ", ".join(f"{counts[s.value]} {s.value}" for s in Status if counts[s.value])
        shown = ", ".join(self.candidates[:_SHOWN_CANDIDATES])
        more = len(self.candidates) - _SHOWN_CANDIDATES
        listed = f"{shown} (+{more} more)" if more > 0 else shown
        return f"depends on the name: {len(self.candidates)} candidates ({by_status}): {listed}"


@attrs.frozen
class MethodPlan:
    """One method (or dynamic name) found by a scan, its call sites and its plan.

    Exactly one of ``plan`` (a catalog method) and ``dynamic`` (a name built at run time) is set.
    """

    method: str
    hits: tuple[Hit, ...]
    plan: MovePlan | None = None
    dynamic: DynamicPlan | None = None

    @property
    def access(self) -> str:
        """``read`` or ``write`` (``mixed`` for a dynamic name over both)."""
        if self.plan is not None:
            return self.plan.access.value
        return self.dynamic.access if self.dynamic else "mixed"

    @property
    def status(self) -> str:
        """The bridge status, or ``dynamic``."""
        return self.plan.status.value if self.plan is not None else "dynamic"

    @property
    def modes(self) -> tuple[Mode, ...]:
        """The route modes the method allows."""
        if self.plan is not None:
            return self.plan.modes
        return self.dynamic.modes if self.dynamic else (Mode.RPC,)

    @property
    def can_move(self) -> bool | None:
        """True or False; None for a dynamic name (it depends on the names it builds)."""
        return self.plan.can_move if self.plan is not None else None

    @property
    def verdict(self) -> str:
        """The answer to "can it move now?" in a few words."""
        if self.plan is not None:
            return self.plan.verdict
        return self.dynamic.verdict if self.dynamic else "depends on the name"

    def to_json(self) -> dict[str, object]:
        """The plan as JSON-compatible data."""
        data: dict[str, object] = {
            "method": self.method,
            "calls": len(self.hits),
            "access": self.access,
            "status": self.status,
            "can_move": self.can_move,
            "verdict": self.verdict,
            "modes": [m.value for m in self.modes],
        }
        if self.plan is not None:
            data.update(
                start=self.plan.start.value,
                next_step=self.plan.next_step,
                fields=list(self.plan.fields),
                inputs=list(self.plan.inputs),
            )
        if self.dynamic is not None:
            data["candidates"] = list(self.dynamic.candidates)
        return data


def plan_methods(hits: Iterable[Hit]) -> list[MethodPlan]:
    """One plan per method (or dynamic name) among ``hits``, by name."""
    by_method: dict[str, list[Hit]] = {}
    for hit in hits:
        by_method.setdefault(hit.method, []).append(hit)
    plans: list[MethodPlan] = []
    for method, sites in sorted(by_method.items()):
        first = sites[0]
        if first.dynamic:
            dynamic = DynamicPlan(first.candidates, tuple(plan_for(c) for c in first.candidates))
            plans.append(MethodPlan(method, tuple(sites), dynamic=dynamic))
        else:
            plans.append(MethodPlan(method, tuple(sites), plan=plan_for(method)))
    return plans


def hit_json(hit: Hit, plan: MethodPlan) -> dict[str, object]:
    """One call site as JSON: where, what, and its method's plan in brief."""
    return {
        **attrs.asdict(hit),
        "access": plan.access,
        "modes": [m.value for m in plan.modes],
        "can_move": plan.can_move,
        "verdict": plan.verdict,
    }


def _method_line(plan: MethodPlan) -> str:
    if plan.dynamic is not None:
        # Each candidate has its own modes; what they share is rarely more than rpc.
        return f"  {plan.method} ({plan.access}, dynamic name): {plan.verdict}"
    modes = ", ".join(m.value for m in plan.modes)
    return f"  {plan.method} ({plan.access}, {plan.status}; modes: {modes}): {plan.verdict}"


def render_plan(plans: Sequence[MethodPlan]) -> list[str]:
    """The plan as text lines: per section one line per method with its verdict, then the
    method's call sites."""
    lines: list[str] = []
    for status, heading in _SECTIONS:
        chosen = [p for p in plans if p.status == status]
        if not chosen:
            continue
        calls = sum(len(p.hits) for p in chosen)
        kind = "name(s)" if status == "dynamic" else "method(s)"
        lines.append(f"{heading}: {len(chosen)} {kind}, {calls} call site(s)")
        for plan in chosen:
            lines.append(_method_line(plan))
            lines += [f"      {h.path}:{h.line}:{h.column}" for h in plan.hits]
        lines.append("")
    return lines


# -- the starting routes file -------------------------------------------------------------------


def _comment(text: str) -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()),
        width=_WIDTH,
        initial_indent="# ",
        subsequent_indent="#   ",
        break_on_hyphens=False,
        break_long_words=False,
    )


def _key(method: str) -> str:
    return method if _BARE_KEY.match(method) else f'"{method}"'


def _route_entry(plan: MethodPlan, routed: frozenset[str]) -> list[str]:
    where = f"{len(plan.hits)} call site(s)"
    if plan.dynamic is not None:
        # No single key can route a name built at run time: suggest each candidate, commented
        # out, for the user to keep the ones the code really builds.
        first = plan.hits[0]
        lines = _comment(
            f"{plan.method} — a dynamic name, {where} (first: {first.path}:{first.line}); "
            "uncomment the methods it really calls:"
        )
        for candidate in plan.dynamic.plans:
            if candidate.method in routed:
                lines.append(f"#   ({candidate.method}: found directly, routed above or below)")
                continue
            lines.append(
                f'# {_key(candidate.method)} = "{candidate.start.value}"  '
                f"# {candidate.access.value}, {candidate.status.value}"
            )
        return lines
    move = plan.plan
    if move is None:
        return []
    details = f"{move.access.value}, {move.status.value}, {where}: {move.next_step}"
    if move.fields:
        details += f"; differs in {', '.join(move.fields)}"
    return [*_comment(f"{plan.method} — {details}"), f'{_key(plan.method)} = "{move.start.value}"']


def routes_toml(plans: Sequence[MethodPlan], total_calls: int) -> str:
    """A TOML routes file (``Routes.from_file`` reads it) starting each method found where it
    can safely begin: reads in ``shadow``, writes and unsupported methods on ``rpc``."""
    methods = sum(p.dynamic is None for p in plans)
    lines = [
        *_comment(
            f"Starting routes from `nutshell-migrate scan`: {total_calls} call site(s) of "
            f"{methods} legacy method(s). Load it with Routes.from_file(PATH) or "
            "`nutshell-migrate proxy --routes PATH`."
        ),
        *_comment(
            "Reads start in shadow: RPC still answers and REST runs beside it to be compared. "
            "Writes stay on rpc until proven (shadow would run a write twice), then "
            "rest-fallback. Unsupported methods stay on rpc."
        ),
        "",
        "[routes]",
        "# Everything the scan did not find stays on JSON-RPC.",
        '"*" = "rpc"',
    ]
    routed = frozenset(p.method for p in plans if p.dynamic is None)
    for plan in plans:
        lines += ["", *_route_entry(plan, routed)]
    return "\n".join(lines) + "\n"
