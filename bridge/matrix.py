"""The migration matrix, generated from the registry: never written by hand.

``matrix()`` returns one row per legacy method (status, REST operations, declared differences
or the reason it is unsupported); ``to_markdown()`` renders the table that
``docs/migration-matrix.md`` embeds between ``<!-- matrix:start -->`` and ``<!-- matrix:end -->``;
a test fails when that copy is stale, and ``python -m bridge.matrix --write`` refreshes it.
Differences that share a reason are grouped: the reason once, the fields it covers listed.

``plan_for()`` answers "can this method move now?" (the route modes it allows, where a routes
file starts it and why), and ``describe()`` renders one method readably for a terminal.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from bridge.registry import Difference, Kind, Registry, Status, Translator
from bridge.routes import Mode
from nutshell_core.catalog import Access

__all__ = [
    "DOC_PATH",
    "END",
    "START",
    "MatrixRow",
    "MovePlan",
    "ReasonGroup",
    "describe",
    "embed",
    "group_differences",
    "matrix",
    "plan_for",
    "shared_reasons",
    "to_markdown",
]

START = "<!-- matrix:start -->"
END = "<!-- matrix:end -->"

#: Where the generated matrix lives, relative to the project root (``--write``'s default).
DOC_PATH = "docs/migration-matrix.md"

_PARAM = "param:"
_BRIEF_FIELDS = 3  # a verdict names this many differing fields, then "+N more"
_SHARED_MIN = 3  # a reason in this many rows is written once, below the table


@attrs.frozen
class ReasonGroup:
    """Declared differences that share one reason: the reason once, the paths it covers."""

    reason: str
    paths: tuple[str, ...]
    #: True when every path is an opaque token (a rev legacy code only passes back).
    token: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        """The result paths (``$.assignee.name``)."""
        return tuple(p for p in self.paths if not p.startswith(_PARAM))

    @property
    def inputs(self) -> tuple[str, ...]:
        """The parameters, without the ``param:`` prefix (``orderBy``)."""
        return tuple(p[len(_PARAM) :] for p in self.paths if p.startswith(_PARAM))


def group_differences(differences: Iterable[Difference]) -> tuple[ReasonGroup, ...]:
    """Differences grouped by reason, in the order each reason first appears."""
    by_reason: dict[str, list[Difference]] = {}
    for difference in differences:
        by_reason.setdefault(difference.reason, []).append(difference)
    return tuple(
        ReasonGroup(
            reason,
            tuple(d.path for d in items),
            token=all(d.kind is Kind.OPAQUE for d in items),
        )
        for reason, items in by_reason.items()
    )


@attrs.frozen
class MatrixRow:
    """One legacy method in the migration matrix.

    ``differences`` keeps one ``"path: reason"`` item per declared difference (the JSON shape);
    ``groups`` holds the same differences grouped by reason.
    """

    method: str
    status: Status
    rest_operations: tuple[str, ...]
    differences: tuple[str, ...]
    groups: tuple[ReasonGroup, ...] = ()
    reason: str = ""  # why the method is unsupported; empty otherwise

    @classmethod
    def of(cls, translator: Translator) -> MatrixRow:
        """The row for one translator."""
        operations = tuple(f"{m} {p}" for m, p in translator.rest_operations)
        if translator.status is Status.UNSUPPORTED:
            return cls(
                translator.method,
                translator.status,
                operations,
                (translator.reason,),
                reason=translator.reason,
            )
        notes = tuple(f"{d.path}: {d.reason}" for d in translator.differences)
        groups = group_differences(translator.differences)
        return cls(translator.method, translator.status, operations, notes, groups)


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    from bridge.translators import REGISTRY  # noqa: PLC0415 - avoids an import cycle

    return REGISTRY


def matrix(registry: Registry | None = None) -> tuple[MatrixRow, ...]:
    """The migration matrix as data, one row per legacy method, by name."""
    return tuple(MatrixRow.of(t) for t in _registry(registry))


# -- the plan: can a method move now, and where does a routes file start it -------------------


@attrs.frozen
class MovePlan:
    """What one legacy method's translation allows today."""

    method: str
    access: Access
    status: Status
    #: The route modes worth choosing: the ones routes validation accepts for the method's
    #: access, and only ``rpc`` for an unsupported method (REST cannot answer it).
    modes: tuple[Mode, ...]
    #: The mode a starting routes file gives the method.
    start: Mode
    can_move: bool
    #: "yes", "yes, after checking differences: ..." or "no: <reason>".
    verdict: str
    #: The next step after ``start``, or why the method stays on ``rpc``.
    next_step: str
    #: Result fields REST answers differently (what makes the method partial).
    fields: tuple[str, ...] = ()
    #: Parameters with a declared difference (some values refused or handled otherwise).
    inputs: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The plan as JSON-compatible data."""
        return {
            "method": self.method,
            "access": self.access.value,
            "status": self.status.value,
            "can_move": self.can_move,
            "verdict": self.verdict,
            "modes": [m.value for m in self.modes],
            "start": self.start.value,
            "next_step": self.next_step,
            "fields": list(self.fields),
            "inputs": list(self.inputs),
        }


def _brief(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_BRIEF_FIELDS])
    more = len(items) - _BRIEF_FIELDS
    return f"{shown} (+{more} more)" if more > 0 else shown


def plan_for(method: str, registry: Registry | None = None) -> MovePlan:
    """Whether ``method`` can move to REST now, the modes it allows and where to start it.

    Raises :class:`~nutshell_core.errors.NotBridgeable` for a name that is no legacy method.
    """
    translator = _registry(registry)[method]
    access = translator.rpc.access
    fields = tuple(d.path for d in translator.differences if d.makes_partial)
    inputs = tuple(d.path[len(_PARAM) :] for d in translator.differences if d.is_param)
    if not translator.supported:
        reason = " ".join(translator.reason.split())
        return MovePlan(
            method,
            access,
            translator.status,
            modes=(Mode.RPC,),
            start=Mode.RPC,
            can_move=False,
            verdict=f"no: {reason}",
            next_step=f"stays on rpc: {reason}",
        )
    verdict = f"yes, after checking differences: {_brief(fields)}" if fields else "yes"
    if access is Access.WRITE:
        # shadow and shadow-rest send every call to both APIs: a write would run twice.
        modes = tuple(m for m in Mode if not m.shadows)
        start = Mode.RPC
        next_step = (
            "next: rest-fallback once proven (a parity test against the emulator); a write "
            "cannot be shadowed, it would run twice"
        )
    else:
        modes = tuple(Mode)
        start = Mode.SHADOW
        next_step = "prove it first: shadow compares REST beside RPC; then shadow-rest, then rest"
    return MovePlan(
        method,
        access,
        translator.status,
        modes=modes,
        start=start,
        can_move=True,
        verdict=verdict,
        next_step=next_step,
        fields=fields,
        inputs=inputs,
    )


# -- Markdown ------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _code_list(items: Iterable[str]) -> str:
    return ", ".join(f"`{_escape(item)}`" for item in items)


def _group_cell(group: ReasonGroup, shared: dict[str, int]) -> str:
    covered = []
    if group.fields:
        covered.append(f"{'tokens' if group.token else 'fields'}: {_code_list(group.fields)}")
    if group.inputs:
        covered.append(f"inputs: {_code_list(group.inputs)}")
    number = shared.get(group.reason)
    reason = f"see R{number}" if number else _escape(group.reason)
    return f"{reason} — {'; '.join(covered)}"


def _cell(items: Iterable[str]) -> str:
    text = "<br>".join(items)
    return text or "—"


def _notes_cell(row: MatrixRow, shared: dict[str, int]) -> str:
    if row.status is Status.UNSUPPORTED or not row.groups:
        # An unsupported row's one note is its reason; a row built by hand has no groups.
        return _cell(_escape(d) for d in row.differences)
    return _cell(_group_cell(g, shared) for g in row.groups)


def shared_reasons(rows: Sequence[MatrixRow]) -> dict[str, int]:
    """Reasons that recur in several rows, numbered, most frequent first: written once below
    the table instead of in every row (the rev reason alone recurs in about fifty)."""
    counts = Counter(g.reason for r in rows for g in r.groups)
    recurring = [reason for reason, n in counts.most_common() if n >= _SHARED_MIN]
    return {reason: number for number, reason in enumerate(recurring, 1)}


def to_markdown(rows: Sequence[MatrixRow] | None = None) -> str:
    """The matrix as a Markdown table, with a count per status.

    A row lists its differences grouped by reason (the reason once, then the fields it covers);
    a reason recurring in several rows is written once below the table as ``R1``, ``R2``...
    """
    rows = matrix() if rows is None else rows
    counts = {s: sum(r.status is s for r in rows) for s in Status}
    summary = ", ".join(f"{counts[s]} {s.value}" for s in Status)
    shared = shared_reasons(rows)
    lines = [
        f"{len(rows)} legacy methods: {summary}.",
        "",
        "| Method | Status | REST operations | Differences (reason — fields) or reason |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{r.method}` | {r.status.value} | {_cell(map(_escape, r.rest_operations))} "
        f"| {_notes_cell(r, shared)} |"
        for r in rows
    ]
    if shared:
        lines += ["", "Reasons shared by several methods:", ""]
        lines += [f"- **R{number}**: {reason}" for reason, number in shared.items()]
    return "\n".join(lines) + "\n"


def embed(document: str, table: str | None = None) -> str:
    """``document`` with the text between the matrix markers replaced by the current table."""
    if START not in document or END not in document:
        raise ValueError(f"the document has no {START} ... {END} block")
    head, rest = document.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table if table is not None else to_markdown()}{END}{tail}"


# -- one method, for a terminal ------------------------------------------------------------------


def _wrapped(text: str, width: int, indent: str, first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    )


def describe(method: str, registry: Registry | None = None, width: int = 100) -> str:
    """One method's translation as wrapped text: status, access, the plan, REST operations,
    then its differences grouped by reason (the reason once, the fields and inputs listed).

    Raises :class:`~nutshell_core.errors.NotBridgeable` for a name that is no legacy method.
    """
    translator = _registry(registry)[method]
    row = MatrixRow.of(translator)
    plan = plan_for(method, registry)
    width = max(width, 40)
    lines = [f"{method} — {plan.access.value}, {row.status.value}"]
    if not plan.can_move:
        lines.append("Can move now: no — route modes: rpc only")
        lines += _wrapped(row.reason, width, "  ", "Why not: ")
        return "\n".join(lines) + "\n"
    lines += _wrapped(plan.verdict, width, "  ", "Can move now: ")
    lines += _wrapped(", ".join(m.value for m in plan.modes), width, "  ", "Route modes: ")
    lines += _wrapped(f"{plan.start.value} — {plan.next_step}", width, "  ", "Start with: ")
    lines.append("REST operations:")
    lines += [f"  {operation}" for operation in row.rest_operations] or ["  (none: local)"]
    if not row.groups:
        lines.append("Differences: none")
        return "\n".join(lines) + "\n"
    count = sum(len(g.paths) for g in row.groups)
    lines.append(f"Differences ({count} path(s), {len(row.groups)} reason(s)):")
    for number, group in enumerate(row.groups, 1):
        marker = f"  {number}. "
        lines += _wrapped(group.reason, width, " " * len(marker), marker)
        pad = " " * len(marker)
        if group.fields:
            kind = "tokens" if group.token else "fields"
            lines += _wrapped(", ".join(group.fields), width, pad + "  ", f"{pad}{kind}: ")
        if group.inputs:
            lines += _wrapped(", ".join(group.inputs), width, pad + "  ", f"{pad}inputs: ")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the matrix, or refresh the copy embedded in a document with ``--write``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--write",
        metavar="FILE",
        nargs="?",
        const=DOC_PATH,
        help=f"refresh the table embedded in FILE (default {DOC_PATH})",
    )
    args = parser.parse_args(argv)
    if args.write:
        path = Path(args.write)
        path.write_text(embed(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(to_markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
