"""Summarise an audit log (``proxy --audit-log``) per agent and call.

An audit log holds one :class:`~nutshell_core.audit.AuditEvent` a line. :func:`is_audit_log`
tells one from a shadow log by the keys of its first record; :func:`summarise_audit_log`
groups the events per agent (``-`` for requests refused before authentication) and call,
counting allowed and denied calls and errors (allowed calls that did not end ``ok``), with
the median and 95th percentile of their durations. The summary renders as a terminal table
(:func:`print_audit_table`), JSON (:func:`audit_to_json`) or a self-contained HTML page
(:func:`render_audit_html`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import IO, Any, Final

import attrs
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from nutshell_core.errors import UsageError
from nutshell_migrate.report import PLAIN_WIDTH, bounded_lines

__all__ = [
    "AUDIT_KEYS",
    "AuditRow",
    "AuditSummary",
    "audit_to_json",
    "is_audit_log",
    "is_audit_record",
    "print_audit_table",
    "render_audit_html",
    "summarise_audit",
    "summarise_audit_log",
]

#: The keys that make a JSON line an audit event (every event has them; a shadow record none
#: of ``agent``, ``decision`` and ``duration_ms``).
AUDIT_KEYS: Final = frozenset({"time", "agent", "call", "decision", "status", "duration_ms"})

#: How many lines :func:`is_audit_log` looks at for a first record.
_SNIFF_LINES: Final = 20

#: What an event of no agent (refused before authentication) is listed under.
NO_AGENT: Final = "-"


def is_audit_record(value: object) -> bool:
    """Whether a parsed JSON line is an audit event."""
    return (
        isinstance(value, dict)
        and value.keys() >= AUDIT_KEYS
        and isinstance(value.get("call"), str)
        and value.get("decision") in ("allowed", "denied")
    )


def _parsed(line: str) -> Any:
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None


def is_audit_log(path: str | Path) -> bool:
    """Whether the file's first JSON object (within a few lines) is an audit event."""
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as stream:
            for number, line in enumerate(bounded_lines(stream)):
                if number >= _SNIFF_LINES:
                    return False
                value = _parsed(line) if line.strip() else None
                if isinstance(value, dict):
                    return is_audit_record(value)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    return False


def _percentile(ordered: list[float], share: float) -> float | None:
    """The nearest-rank percentile of sorted values (None for none)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(share * len(ordered)))
    return round(ordered[rank - 1], 1)


@attrs.define
class AuditRow:
    """The events of one agent and call."""

    agent: str
    call: str
    allowed: int = 0
    denied: int = 0
    errors: int = 0
    durations: list[float] = attrs.field(factory=list, repr=False)

    @property
    def calls(self) -> int:
        """Every event of this agent and call."""
        return self.allowed + self.denied

    @property
    def p50_ms(self) -> float | None:
        """The median duration, in milliseconds."""
        return _percentile(sorted(self.durations), 0.5)

    @property
    def p95_ms(self) -> float | None:
        """The 95th percentile duration (nearest rank), in milliseconds."""
        return _percentile(sorted(self.durations), 0.95)


@attrs.define
class AuditSummary:
    """An audit log per agent and call, with the span of time it covers."""

    rows: dict[tuple[str, str], AuditRow] = attrs.field(factory=dict)
    source: str = ""
    first: str | None = None
    last: str | None = None
    skipped_lines: int = 0

    def total(self, name: str) -> int:
        """The sum of one count (``calls``, ``allowed``, ``denied``, ``errors``) over rows."""
        return sum(int(getattr(row, name)) for row in self.rows.values())

    def sorted_rows(self) -> list[AuditRow]:
        """Rows by agent, then call (events of no agent last)."""
        return sorted(self.rows.values(), key=lambda r: (r.agent == NO_AGENT, r.agent, r.call))


def _duration(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _add(summary: AuditSummary, event: Mapping[str, Any]) -> None:
    agent = event.get("agent")
    agent_name = agent if isinstance(agent, str) and agent else NO_AGENT
    call = str(event.get("call"))
    row = summary.rows.get((agent_name, call))
    if row is None:
        row = summary.rows[(agent_name, call)] = AuditRow(agent_name, call)
    if event.get("decision") == "denied":
        row.denied += 1
    else:
        row.allowed += 1
        if event.get("status") != "ok":
            row.errors += 1
    duration = _duration(event.get("duration_ms"))
    if duration is not None:
        row.durations.append(duration)
    time = event.get("time")
    if isinstance(time, str):
        # ISO 8601 UTC strings of one format: text order is time order.
        summary.first = time if summary.first is None else min(summary.first, time)
        summary.last = time if summary.last is None else max(summary.last, time)


def summarise_audit(events: Iterable[Mapping[str, Any]], *, source: str = "") -> AuditSummary:
    """Audit events (parsed lines) grouped per agent and call."""
    summary = AuditSummary(source=source)
    for event in events:
        _add(summary, event)
    return summary


def summarise_audit_log(path: str | Path, *, source: str = "") -> tuple[AuditSummary, int]:
    """An audit-log file summarised as it is read, and how many of its lines were not blank;
    lines that are not audit events are skipped and counted."""
    summary = AuditSummary(source=source)
    lines = 0
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as stream:
            for line in bounded_lines(stream):
                if not line.strip():
                    continue
                lines += 1
                value = _parsed(line)
                if is_audit_record(value):
                    _add(summary, value)
                else:
                    summary.skipped_lines += 1
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    return summary, lines


def _row_json(row: AuditRow) -> dict[str, Any]:
    return {
        "agent": None if row.agent == NO_AGENT else row.agent,
        "call": row.call,
        "calls": row.calls,
        "allowed": row.allowed,
        "denied": row.denied,
        "errors": row.errors,
        "p50_ms": row.p50_ms,
        "p95_ms": row.p95_ms,
    }


def audit_to_json(summary: AuditSummary) -> dict[str, Any]:
    """A JSON-ready dict: totals, the time span and one entry per agent and call."""
    return {
        "kind": "audit",
        "source": summary.source,
        "first": summary.first,
        "last": summary.last,
        "totals": {name: summary.total(name) for name in ("calls", "allowed", "denied", "errors")},
        "skipped_lines": summary.skipped_lines,
        "rows": [_row_json(row) for row in summary.sorted_rows()],
    }


#: The table's columns.
AUDIT_COLUMNS: Final = ("agent", "call", "calls", "allowed", "denied", "errors", "p50 ms", "p95 ms")


def _cell(value: float | int | None) -> str:
    return "-" if value is None else str(value)


def _table_rows(summary: AuditSummary) -> list[tuple[str, ...]]:
    return [
        (
            row.agent,
            row.call,
            str(row.calls),
            str(row.allowed),
            str(row.denied),
            str(row.errors),
            _cell(row.p50_ms),
            _cell(row.p95_ms),
        )
        for row in summary.sorted_rows()
    ]


def audit_total_line(summary: AuditSummary) -> str:
    """One line: the totals and the span of time."""
    agents = len({row.agent for row in summary.rows.values() if row.agent != NO_AGENT})
    line = (
        f"{summary.total('calls')} calls by {agents} agent{'s' if agents != 1 else ''}: "
        f"{summary.total('allowed')} allowed ({summary.total('errors')} with errors), "
        f"{summary.total('denied')} denied"
    )
    if summary.first and summary.last:
        line += f"; {summary.first} to {summary.last}"
    return line


def print_audit_table(summary: AuditSummary, stream: IO[str]) -> None:
    """Print the per-agent, per-call table and the total line to ``stream``."""
    tty = hasattr(stream, "isatty") and stream.isatty()
    console = Console(file=stream, width=None if tty else PLAIN_WIDTH, highlight=False)
    rows = _table_rows(summary)
    # Agent names and calls come from the log: plain Text, never parsed as rich markup.
    table = Table(
        title=Text(summary.source) if summary.source else None,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for index, header in enumerate(AUDIT_COLUMNS):
        if index < 2:
            table.add_column(header, overflow="fold", min_width=8)
            continue
        widest = max([row[index] for row in rows] + [header], key=len)
        table.add_column(header, justify="right", min_width=len(widest))
    for row, cells in zip(summary.sorted_rows(), rows, strict=True):
        style = "red" if row.denied else ("yellow" if row.errors else None)
        table.add_row(*(Text(cell) for cell in cells), style=style)
    console.print(table)
    console.print(audit_total_line(summary), markup=False, soft_wrap=True)


_CSS: Final = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1d2330;background:#fafbfc}
h1{font-size:1.5rem;margin:0 0 .25rem}.meta{color:#5b6474;margin:0 0 1rem}
.verdict{padding:.8rem 1rem;border-radius:6px;font-weight:600;margin:1rem 0;background:#eef1f5}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e3e6eb;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f3f6;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.denied td{background:#fde8e8}tr.errors td{background:#fdf0c8}
"""


def render_audit_html(summary: AuditSummary, *, title: str = "Audit log") -> str:
    """The summary as one self-contained page (inline CSS, no scripts); every value escaped."""
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    meta = f"{summary.source} · " if summary.source else ""
    if summary.skipped_lines:
        meta += f"{summary.skipped_lines} unreadable log lines skipped · "
    head = "".join(f"<th>{escape(h)}</th>" for h in AUDIT_COLUMNS)
    body = []
    for row, cells in zip(summary.sorted_rows(), _table_rows(summary), strict=True):
        kind = "denied" if row.denied else ("errors" if row.errors else "")
        tds = "".join(
            f'<td class="n">{escape(c)}</td>' if i >= 2 else f"<td>{escape(c)}</td>"
            for i, c in enumerate(cells)
        )
        body.append(f'<tr class="{kind}">{tds}</tr>')
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(meta)}generated {escape(generated)}</p>',
        f'<div class="verdict">{escape(audit_total_line(summary))}</div>',
        f"<table><thead><tr>{head}</tr></thead><tbody>",
        *body,
        "</tbody></table>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
