"""Summarise a shadow log per method: counts, timings, requests and the paths that differ.

A shadow log holds one JSON object a line: :func:`bridge.publish.shadow_record` lines (from the
bridge's ``ShadowLogPublisher`` or ``nutshell-migrate compare --log``) or the older
``JsonLinesPublisher`` lines (:func:`bridge.publish.result_record`). :func:`read_log` reads
either, skipping (and counting) lines that are not such objects; :func:`summarise` groups the
records per method; the summary renders as a terminal table (:func:`print_table`), as JSON
(:func:`to_json`) or as a self-contained HTML page (:mod:`nutshell_migrate.report_html`).

Sides are named by API, ``rpc`` and ``rest``, whichever was the control: on the ``shadow``
route the control is the JSON-RPC call, on ``shadow-rest`` it is the REST translation.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Final, Literal

import attrs
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bridge.translators import REGISTRY
from nutshell_core.catalog import RPC_METHODS
from nutshell_core.errors import UsageError

__all__ = [
    "APIS",
    "Log",
    "MethodSummary",
    "PathStat",
    "Summary",
    "bounded_lines",
    "parse_lines",
    "print_table",
    "read_log",
    "skipped_notes",
    "summarise",
    "summarise_log",
    "table_rows",
    "to_json",
    "total_line",
]

#: The two APIs a shadow record compares, in the order they are shown.
APIS: Final = ("rpc", "rest")

#: Examples kept per method (errors, mismatched calls): enough to see a pattern.
MAX_EXAMPLES: Final = 3

Record = dict[str, Any]


@attrs.frozen
class Log:
    """The records of a shadow log and how many of its lines were skipped."""

    records: tuple[Record, ...]
    lines: int
    skipped_lines: int


def _milliseconds(seconds: object) -> float | None:
    if isinstance(seconds, int | float) and not isinstance(seconds, bool):
        return round(float(seconds) * 1000, 1) if math.isfinite(seconds) else None
    return None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _old_side(observation: Mapping[str, Any], name: str) -> Record:
    exception = observation.get("exception")
    side: Record = {"name": name, "ms": _milliseconds(observation.get("duration"))}
    side["error"] = exception if isinstance(exception, str) else None
    if observation.get("timed_out") is True:
        side["timed_out"] = True
    return side


def _from_result_record(line: Mapping[str, Any]) -> list[Record]:
    """Shadow records for one older ``result_record`` line (one per candidate)."""
    context = _mapping(line.get("context"))
    rest_context = {k: v for k, v in context.items() if k not in ("method", "route")}
    method = context.get("method", line.get("name"))
    route = context.get("route")
    control = _mapping(line.get("control"))
    records = []
    for candidate in line.get("candidates") or []:
        if not isinstance(candidate, dict):
            continue
        differences = []
        for entry in candidate.get("diff") or []:
            if isinstance(entry, dict):
                difference = {"path": entry.get("path"), "kind": entry.get("kind")}
                if "old" in entry:
                    difference["control"] = entry["old"]
                if "new" in entry:
                    difference["candidate"] = entry["new"]
                differences.append(difference)
        records.append(
            {
                "method": method,
                "route": route,
                "outcome": candidate.get("outcome", line.get("outcome")),
                "control": _old_side(control, str(control.get("name", "control"))),
                "candidate": _old_side(candidate, str(candidate.get("name", "candidate"))),
                "differences": differences,
                "context": rest_context,
            }
        )
    return records


def _records_of(value: object) -> list[Record] | None:
    """The shadow records a parsed line holds, or None when it is not a log line."""
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("method"), str) and isinstance(value.get("outcome"), str):
        return [value]
    if isinstance(value.get("name"), str) and isinstance(value.get("candidates"), list):
        return _from_result_record(value)
    return None


#: A longer line is skipped unparsed (counted as unreadable) and never held whole in memory.
#: A compact record is under a kilobyte; one written with ``values=True`` holds two results.
MAX_LINE_CHARS: Final = 16 * 1024 * 1024


@attrs.define
class _Counts:
    lines: int = 0
    skipped: int = 0


def _parse(lines: Iterable[str], counts: _Counts) -> Iterator[Record]:
    """The records of ``lines``, one at a time; blank lines are ignored, others counted."""
    for line in lines:
        if not line.strip():
            continue
        counts.lines += 1
        try:
            found = _records_of(json.loads(line))
        except (ValueError, RecursionError):
            found = None
        if found is None:
            counts.skipped += 1
        else:
            yield from found


def bounded_lines(stream: IO[str]) -> Iterator[str]:
    """The lines of ``stream``, each at most :data:`MAX_LINE_CHARS`; a longer one becomes a
    line that does not parse (so it is counted as skipped), read past in bounded pieces."""
    while line := stream.readline(MAX_LINE_CHARS + 1):
        if len(line) <= MAX_LINE_CHARS or line.endswith("\n"):
            yield line
            continue
        while (rest := stream.readline(MAX_LINE_CHARS)) and not rest.endswith("\n"):
            pass
        yield "<line too long>"


def parse_lines(lines: Iterable[str]) -> Log:
    """The records of ``lines``; blank lines are ignored, anything else unreadable is counted."""
    counts = _Counts()
    records = tuple(_parse(lines, counts))
    return Log(records=records, lines=counts.lines, skipped_lines=counts.skipped)


def read_log(path: str | Path) -> Log:
    """Read a shadow-log file; an unreadable file is a :class:`UsageError` naming it."""
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as stream:
            return parse_lines(bounded_lines(stream))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def summarise_log(path: str | Path, *, source: str = "") -> tuple[Summary, int]:
    """A shadow-log file summarised as it is read (memory does not grow with the file), and
    how many of its lines were not blank; an unreadable file is a :class:`UsageError`."""
    counts = _Counts()
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as stream:
            summary = summarise(_parse(bounded_lines(stream), counts), source=source)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    summary.skipped_lines = counts.skipped
    return summary, counts.lines


# -- summary ------------------------------------------------------------------------------------


@attrs.define
class PathStat:
    """One differing path: how often it differed, and one example of both sides."""

    path: str
    kind: str
    count: int = 0
    example: dict[str, Any] = attrs.Factory(dict)  # "rpc"/"rest" -> value; a missing side absent


@attrs.define
class MethodSummary:
    """Everything the log says about one method."""

    method: str
    status: str = ""
    calls: int = 0
    matched: int = 0
    ignored: int = 0
    mismatched: int = 0
    errors: int = 0
    timed_out: int = 0
    errors_by_api: dict[str, int] = attrs.Factory(lambda: dict.fromkeys(APIS, 0))
    ms: dict[str, list[float]] = attrs.Factory(lambda: {api: [] for api in APIS})
    requests: dict[str, int | None] = attrs.Factory(lambda: dict.fromkeys(APIS))
    paths: dict[str, PathStat] = attrs.Factory(dict)
    error_examples: list[dict[str, str | None]] = attrs.Factory(list)
    mismatch_examples: list[dict[str, Any]] = attrs.Factory(list)
    skipped: str | None = None

    @property
    def verdict(self) -> str:
        """``mismatched``, ``ignored`` (only declared differences), ``matched`` or ``skipped``."""
        if self.mismatched:
            return "mismatched"
        if self.ignored:
            return "ignored"
        if self.calls:
            return "matched"
        return "skipped"

    def median_ms(self, api: str) -> float | None:
        """The median duration of ``api``'s side, in milliseconds."""
        values = self.ms[api]
        return round(statistics.median(values), 1) if values else None

    def p95_ms(self, api: str) -> float | None:
        """The 95th percentile (nearest rank) duration of ``api``'s side."""
        values = sorted(self.ms[api])
        return values[math.ceil(0.95 * len(values)) - 1] if values else None


@attrs.define
class Summary:
    """Per-method summaries, in the order methods first appear, and what was left out."""

    methods: dict[str, MethodSummary]
    skipped_lines: int = 0
    source: str = ""

    @property
    def calls(self) -> int:
        """Calls compared, over every method."""
        return sum(m.calls for m in self.methods.values())

    def total(self, key: str) -> int:
        """The sum of one count (``matched``, ``mismatched``...) over every method."""
        return sum(int(getattr(m, key)) for m in self.methods.values())

    @property
    def has_mismatch(self) -> bool:
        """True when any call mismatched (an undeclared difference or a differing error)."""
        return any(m.mismatched for m in self.methods.values())


def _status(method: str) -> str:
    return REGISTRY[method].status.value if method in RPC_METHODS else ""


def _sides(record: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The record's two sides keyed by API: the control is REST only on ``shadow-rest``."""
    control, candidate = _mapping(record.get("control")), _mapping(record.get("candidate"))
    if record.get("route") == "shadow-rest":
        return {"rest": control, "rpc": candidate}
    return {"rpc": control, "rest": candidate}


def _control_api(record: Mapping[str, Any]) -> str:
    return "rest" if record.get("route") == "shadow-rest" else "rpc"


def _add(summary: MethodSummary, record: Mapping[str, Any]) -> None:
    summary.calls += 1
    outcome = record.get("outcome")
    if outcome in ("matched", "ignored", "mismatched"):
        setattr(summary, str(outcome), getattr(summary, str(outcome)) + 1)
    sides = _sides(record)
    errors: dict[str, str | None] = {}
    for api, side in sides.items():
        ms = side.get("ms")
        if isinstance(ms, int | float) and not isinstance(ms, bool) and math.isfinite(ms):
            summary.ms[api].append(float(ms))
        requests = side.get("requests")
        if isinstance(requests, int) and not isinstance(requests, bool):
            summary.requests[api] = (summary.requests[api] or 0) + requests
        error = side.get("error")
        errors[api] = error if isinstance(error, str) else None
        if errors[api]:
            summary.errors_by_api[api] += 1
    if any(side.get("timed_out") is True for side in sides.values()):
        summary.timed_out += 1
    if any(errors.values()):
        summary.errors += 1
        if len(summary.error_examples) < MAX_EXAMPLES and errors not in summary.error_examples:
            summary.error_examples.append(errors)
    control_api = _control_api(record)
    candidate_api = "rpc" if control_api == "rest" else "rest"
    differences = record.get("differences")
    for entry in differences if isinstance(differences, list) else []:
        if not isinstance(entry, Mapping):
            continue
        path, kind = str(entry.get("path", "$")), str(entry.get("kind", "changed"))
        stat = summary.paths.setdefault(path, PathStat(path=path, kind=kind))
        stat.count += 1
        if stat.count == 1:
            for key, api in (("control", control_api), ("candidate", candidate_api)):
                if key in entry:
                    stat.example[api] = entry[key]
    if outcome == "mismatched" and len(summary.mismatch_examples) < MAX_EXAMPLES:
        context = record.get("context")
        summary.mismatch_examples.append(context if isinstance(context, dict) else {})


def summarise(
    records: Iterable[Mapping[str, Any]],
    *,
    skipped: Mapping[str, str] | None = None,
    skipped_lines: int = 0,
    source: str = "",
) -> Summary:
    """Group ``records`` per method; ``skipped`` methods (with the reason) are listed too."""
    methods: dict[str, MethodSummary] = {}
    for record in records:
        method = str(record.get("method"))
        if method not in methods:
            methods[method] = MethodSummary(method=method, status=_status(method))
        _add(methods[method], record)
    for method, reason in (skipped or {}).items():
        summary = methods.setdefault(method, MethodSummary(method=method, status=_status(method)))
        summary.skipped = reason
    return Summary(methods=methods, skipped_lines=skipped_lines, source=source)


# -- JSON ---------------------------------------------------------------------------------------


def _method_json(m: MethodSummary) -> dict[str, Any]:
    return {
        "method": m.method,
        "status": m.status,
        "verdict": m.verdict,
        "calls": m.calls,
        "matched": m.matched,
        "ignored": m.ignored,
        "mismatched": m.mismatched,
        "errors": m.errors,
        "errors_by_api": m.errors_by_api,
        "timed_out": m.timed_out,
        "ms": {api: {"median": m.median_ms(api), "p95": m.p95_ms(api)} for api in APIS},
        "requests": m.requests,
        "differences": [
            {"path": s.path, "kind": s.kind, "count": s.count, "example": s.example}
            for s in sorted(m.paths.values(), key=lambda s: (-s.count, s.path))
        ],
        "error_examples": m.error_examples,
        "mismatch_examples": m.mismatch_examples,
        "skipped": m.skipped,
    }


def to_json(summary: Summary, **extra: Any) -> dict[str, Any]:
    """A JSON-ready dict of ``summary``: totals and one entry per method (``extra`` merged in)."""
    totals = {key: summary.total(key) for key in ("calls", "matched", "ignored", "mismatched")}
    totals["errors"] = summary.total("errors")
    totals["skipped_methods"] = sum(1 for m in summary.methods.values() if m.skipped)
    return {
        **extra,
        "source": summary.source,
        "ok": not summary.has_mismatch,
        "totals": totals,
        "skipped_lines": summary.skipped_lines,
        "methods": [_method_json(m) for m in summary.methods.values()],
    }


# -- terminal -----------------------------------------------------------------------------------

COLUMNS: Final = (
    "method",
    "status",
    "calls",
    "matched",
    "ignored",
    "mismatched",
    "errors",
    "RPC requests",
    "REST requests",
    "RPC ms",
    "REST ms",
)

#: The headers on a terminal: short words, so the numbers fit beside long method names.
HEADERS: Final = (
    "method",
    "status",
    "calls",
    "match",
    "ignore",
    "mism",
    "err",
    "RPC\nreq",
    "REST\nreq",
    "RPC\nms",
    "REST\nms",
)

#: Width of the table when stdout is not a terminal (a file, a pipe, a CI log).
PLAIN_WIDTH: Final = 120

#: Below this terminal width the table leaves out the status column.
NARROW: Final = 96


def _cell(value: float | int | None) -> str:
    return "-" if value is None else str(value)


def table_rows(summary: Summary) -> list[tuple[str, ...]]:
    """The terminal table's rows (see :data:`COLUMNS`); a skipped method shows its reason."""
    rows = []
    for m in summary.methods.values():
        if m.skipped and not m.calls:
            rows.append((m.method, m.status, "0", *["-"] * (len(COLUMNS) - 3)))
            continue
        rows.append(
            (
                m.method,
                m.status,
                str(m.calls),
                str(m.matched),
                str(m.ignored),
                str(m.mismatched),
                str(m.errors),
                _cell(m.requests["rpc"]),
                _cell(m.requests["rest"]),
                _cell(m.median_ms("rpc")),
                _cell(m.median_ms("rest")),
            )
        )
    return rows


def skipped_notes(summary: Summary, width: int = 100) -> list[str]:
    """One line per skipped method with the reason, cut to ``width`` characters."""
    lines = []
    for m in summary.methods.values():
        if m.skipped and not m.calls:
            line = f"  {m.method}: {m.skipped}"
            lines.append(line if len(line) <= width else line[: width - 1] + "…")
    return ["skipped (not compared):", *lines] if lines else []


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def total_line(summary: Summary) -> str:
    """One line: the totals and the verdict."""
    compared = sum(1 for m in summary.methods.values() if m.calls)
    skipped = sum(1 for m in summary.methods.values() if m.skipped and not m.calls)
    line = (
        f"{_plural(summary.calls, 'call')} over {_plural(compared, 'method')}: "
        f"{summary.total('matched')} matched, "
        f"{summary.total('ignored')} ignored (declared differences), "
        f"{summary.total('mismatched')} mismatched, {summary.total('errors')} with errors"
    )
    if skipped:
        line += f"; {_plural(skipped, 'method')} skipped"
    verdict = "MISMATCHES FOUND" if summary.has_mismatch else "no undeclared differences"
    return f"{line} — {verdict}"


_STYLES: Final = {
    "mismatched": "bold red",
    "ignored": "yellow",
    "matched": "green",
    "skipped": "dim",
}


def print_table(summary: Summary, stream: IO[str]) -> None:
    """Print the per-method table and the total line to ``stream``."""
    rows = table_rows(summary)
    tty = hasattr(stream, "isatty") and stream.isatty()
    console = Console(file=stream, width=None if tty else PLAIN_WIDTH, highlight=False)
    # On a narrow terminal the declared status goes (it is in the JSON and HTML reports).
    shown = [i for i, h in enumerate(HEADERS) if h != "status" or console.width >= NARROW]
    # Method names and the source come from the log: plain Text, never parsed as rich markup
    # (a name like "[/x]" would otherwise raise MarkupError).
    table = Table(
        title=Text(summary.source) if summary.source else None,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for index in shown:
        header = HEADERS[index]
        if header == "method":  # long names fold; numbers never shrink
            table.add_column(header, overflow="fold", min_width=12)
            continue
        widest = max([row[index] for row in rows] + header.split("\n"), key=len)
        justify: Literal["left", "right"] = "left" if header == "status" else "right"
        table.add_column(header, justify=justify, min_width=len(widest))
    for m, row in zip(summary.methods.values(), rows, strict=True):
        table.add_row(*(Text(row[i]) for i in shown), style=_STYLES.get(m.verdict))
    console.print(table)
    for line in skipped_notes(summary, max(console.width, 40)):
        console.print(line, style="dim", markup=False, soft_wrap=True)
    style = "bold red" if summary.has_mismatch else None
    console.print(total_line(summary), style=style, markup=False, soft_wrap=True)
