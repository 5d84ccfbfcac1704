"""``nutshell-migrate scan``: find legacy Nutshell JSON-RPC calls in a codebase.

Each call site is reported with its method's bridge status. Source files in common languages are
read (binary, huge and unreadable files are reported, never fatal); dependencies, caches and
virtual environments are skipped.
"""

from __future__ import annotations

import argparse
import bisect
import codecs
import json
import os
import re
import stat
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from bridge.registry import Registry, Status
from bridge.translators import REGISTRY
from nutshell_core.catalog import RPC_METHODS
from nutshell_core.errors import UsageError
from nutshell_migrate.terminal import out

__all__ = ["MAX_FILE_BYTES", "Hit", "ScanReport", "register", "scan_paths"]

# -- scan: what counts as a source file, and what is skipped ---------------------------------

SOURCE_EXTENSIONS = frozenset({".py", ".js", ".ts", ".php", ".rb", ".go", ".java", ".cs"})

#: Directories never descended into: version control, dependencies, caches and virtualenvs
#: hold other people's code (or none), and would drown the report.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
    }
)

#: Files larger than this are skipped unread (generated bundles, data dumps).
MAX_FILE_BYTES = 2 * 1024 * 1024

# A NUL byte in the first block marks a binary file, as git and grep decide.
_BINARY_SNIFF = 8192

_IDENT = r"[\w$]"  # `$` is an identifier character in JavaScript and PHP


@attrs.frozen
class Hit:
    """One legacy JSON-RPC call found in a source file."""

    path: str
    line: int
    column: int
    method: str
    status: str
    form: str  # "attribute", "call-string" or "method-string": which pattern found it


@attrs.define
class ScanReport:
    """Everything a scan found, skipped or failed to read."""

    hits: list[Hit] = attrs.field(factory=list)
    files_scanned: int = 0
    skipped: list[tuple[str, str]] = attrs.field(factory=list)
    errors: list[tuple[str, str]] = attrs.field(factory=list)

    def by_method(self) -> dict[str, int]:
        """Hits per legacy method, by name."""
        return dict(sorted(Counter(h.method for h in self.hits).items()))

    def by_status(self) -> dict[str, int]:
        """Hits per bridge status; every status is listed, zero or not."""
        counts = Counter(h.status for h in self.hits)
        return {s.value: counts.get(s.value, 0) for s in Status}

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-compatible data."""
        return {
            "hits": [attrs.asdict(h) for h in self.hits],
            "summary": {
                "total": len(self.hits),
                "by_method": self.by_method(),
                "by_status": self.by_status(),
            },
            "files_scanned": self.files_scanned,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "errors": [{"path": p, "error": e} for p, e in self.errors],
        }


# A quoted name counts when the text just before it makes it an RPC method name: a "method"
# key (`"method": "x"`, `'method' => 'x'`, `method="x"`, `Method: "x"`) or the first argument
# of a call-like function (`api.call("x"`, `$c->call('x'`, `rpc.request("x"`).
_METHOD_KEY = re.compile(rf"(?i:method){_IDENT}*[\"']?\s*(?:=>|:=|:|=|,)\s*\Z")
_CALL_OPEN = re.compile(rf"(?i:call|invoke|request|execute|rpc){_IDENT}*\s*\(\s*\Z")
_QUOTES = frozenset("\"'`")
_ACCESSORS = (".", "->", "::")  # api.findLeads, $api->getLead, Api::findLeads, api?.getLead
_CONTEXT = 120  # characters looked at before a quoted name: a key or call opener is close by

#: One regex per catalog name; the look-arounds make `findLeads` miss `findLeadsX`/`xfindLeads`.
#: The left boundary is a look-behind placed after the name: a pattern that starts with the
#: literal name lets the regex engine skip ahead to candidates instead of trying every offset.
_NAME_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"{re.escape(name)}(?<!{_IDENT}{re.escape(name)})(?!{_IDENT})")
    for name in RPC_METHODS
}


def _form_at(text: str, start: int, end: int, name: str) -> str | None:
    """How the name at ``text[start:end]`` is used as a legacy call, or None if it is not."""
    before = text[start - 1] if start > 0 else ""
    if before in _QUOTES and text[end : end + 1] == before:
        prefix = text[max(0, start - 1 - _CONTEXT) : start - 1]
        if _METHOD_KEY.search(prefix):
            return "method-string"
        if _CALL_OPEN.search(prefix):
            return "call-string"
        return None
    # A plain lower-case word (the catalog's test method "add") is everyone's method name:
    # `items.add(x)` is not a Nutshell call, so such names only count when quoted as above.
    if name.isalpha() and name.islower():
        return None
    return "attribute" if text.endswith(_ACCESSORS, 0, start) else None


def _find_calls(path: str, text: str, statuses: dict[str, str]) -> list[Hit]:
    """Every legacy call in one file's text."""
    hits: list[Hit] = []
    line_starts: list[int] | None = None
    for name, pattern in _NAME_PATTERNS.items():
        if name not in text:  # cheap filter: most files mention no catalog name at all
            continue
        for match in pattern.finditer(text):
            form = _form_at(text, match.start(), match.end(), name)
            if form is None:
                continue
            if line_starts is None:
                line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
            line = bisect.bisect_right(line_starts, match.start())
            column = match.start() - line_starts[line - 1] + 1
            hits.append(Hit(path, line, column, name, statuses[name], form))
    return hits


def _read_source(path: Path) -> tuple[str | None, str | None]:
    """(text, None) for a scannable file, (None, reason) for one to skip; OSError otherwise."""
    info = path.stat()
    # FIFOs and devices would block or never end; only regular files are read.
    if not stat.S_ISREG(info.st_mode):
        return None, "not a regular file"
    if info.st_size > MAX_FILE_BYTES:
        return None, "too large"
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat()
    if len(data) > MAX_FILE_BYTES:
        return None, "too large"
    # UTF-16 sources (common for C# on Windows) are full of NULs but are text.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), None
    if b"\0" in data[:_BINARY_SNIFF]:
        return None, "binary"
    return data.decode("utf-8-sig", errors="replace"), None


def _is_skipped_dir(directory: Path) -> bool:
    # Virtualenvs come under any name; pyvenv.cfg is what marks one.
    return directory.name in SKIP_DIRS or (directory / "pyvenv.cfg").is_file()


def _source_files(paths: Sequence[str], report: ScanReport) -> Iterator[Path]:
    """The files to scan: named files as given, source files under named directories."""
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    seen: set[str] = set()

    def first_time(path: Path) -> bool:
        # Overlapping arguments (`scan . src`) must not count a call twice.
        key = os.path.realpath(path)
        if key in seen:
            return False
        seen.add(key)
        return True

    def on_error(error: OSError) -> None:
        report.errors.append((str(error.filename), error.strerror or str(error)))

    for raw in paths:
        top = Path(raw)
        if not top.is_dir():
            # A file named explicitly is scanned whatever its extension: the user asked.
            if first_time(top):
                yield top
            continue
        for root, dirnames, filenames in os.walk(top, onerror=on_error):
            base = Path(root)
            dirnames[:] = sorted(d for d in dirnames if not _is_skipped_dir(base / d))
            for filename in sorted(filenames):
                path = base / filename
                if path.suffix.lower() in SOURCE_EXTENSIONS and first_time(path):
                    yield path


def scan_paths(paths: Sequence[str], registry: Registry | None = None) -> ScanReport:
    """Scan files and directory trees for legacy Nutshell JSON-RPC calls."""
    statuses = {t.method: t.status.value for t in (registry or REGISTRY)}
    report = ScanReport()
    for path in _source_files(paths, report):
        try:
            text, skip = _read_source(path)
        except OSError as exc:
            # One unreadable file must not cost the whole report.
            report.errors.append((str(path), exc.strerror or str(exc)))
            continue
        if text is None:
            report.skipped.append((str(path), skip or "skipped"))
            continue
        report.files_scanned += 1
        report.hits.extend(_find_calls(str(path), text, statuses))
    report.hits.sort(key=lambda h: (h.path, h.line, h.column))
    return report


def _render_scan(report: ScanReport) -> str:
    """The report as text: one line per hit, then the summary."""
    lines = [f"{h.path}:{h.line}:{h.column}: {h.method} ({h.status})" for h in report.hits]
    files_with_hits = len({h.path for h in report.hits})
    if lines:
        lines.append("")
    lines.append(
        f"{len(report.hits)} legacy call(s) in {files_with_hits} file(s); "
        f"{report.files_scanned} file(s) scanned."
    )
    if report.hits:
        lines.append("By method:")
        width = max(len(m) for m in report.by_method())
        statuses = {h.method: h.status for h in report.hits}
        lines += [
            f"  {method:<{width}}  {count:>5}  {statuses[method]}"
            for method, count in report.by_method().items()
        ]
    lines.append("By status:")
    lines += [f"  {status:<11}  {count:>5}" for status, count in report.by_status().items()]
    if report.skipped:
        reasons = Counter(reason for _, reason in report.skipped)
        shown = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
        lines.append(f"Skipped {len(report.skipped)} file(s): {shown}.")
    if report.errors:
        lines.append(f"Could not read {len(report.errors)} path(s):")
        lines += [f"  {path}: {error}" for path, error in report.errors]
    return "\n".join(lines) + "\n"


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan a codebase for legacy Nutshell JSON-RPC calls and report each with its status."""
    report = scan_paths(args.paths)
    if args.format == "json":
        out(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(_render_scan(report))
        sys.stdout.flush()
    return 0


def register(commands: Any) -> None:
    """Add the ``scan`` subcommand to the parser's subcommands."""
    scan_cmd = commands.add_parser(
        "scan", help="find legacy Nutshell JSON-RPC calls in source files"
    )
    scan_cmd.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    scan_cmd.add_argument("--format", choices=("text", "json"), default="text")
    scan_cmd.set_defaults(handler=cmd_scan)
