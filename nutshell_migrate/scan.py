"""``nutshell-migrate scan``: find legacy Nutshell JSON-RPC calls in a codebase, and plan the move.

Each call site is reported with its method's access (read or write), bridge status, allowed route
modes and whether it can move now; the text report groups call sites by method, and
``--routes-out FILE.toml`` writes a starting routes file. What counts as a call, including
dynamic names and Ruby's snake_case, is in :mod:`nutshell_migrate.scan_patterns`; endpoint
discovery (``getApiForUsername``) is left out of the plan.

Source files in common languages are read; dependencies, caches and virtual environments are
skipped. Binary, huge and unreadable files and directories are reported one line per path,
never fatal: the exit code stays 0 (2 only for a path that does not exist, or a routes file
that cannot be written).
"""

from __future__ import annotations

import argparse
import codecs
import errno
import json
import os
import stat
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from bridge.registry import Registry, Status
from bridge.translators import REGISTRY
from nutshell_core.errors import UsageError
from nutshell_migrate.scan_patterns import DISCOVERY, DYNAMIC_STATUS, Hit, find_calls
from nutshell_migrate.scan_plan import MethodPlan, hit_json, plan_methods, render_plan, routes_toml
from nutshell_migrate.terminal import out

__all__ = ["MAX_FILE_BYTES", "Hit", "ScanReport", "register", "scan_paths"]

# -- scan: what counts as a source file, and what is skipped ---------------------------------

SOURCE_EXTENSIONS = frozenset({".py", ".js", ".ts", ".php", ".rb", ".rake", ".go", ".java", ".cs"})

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

_RUBY_EXTENSIONS = frozenset({".rb", ".rake"})

#: Why discovery calls are left out of the plan.
_DISCOVERY_NOTE = "endpoint discovery, which REST does not need (it has one fixed base URL)"


@attrs.define
class ScanReport:
    """Everything a scan found, left out, skipped or failed to read."""

    hits: list[Hit] = attrs.field(factory=list)
    #: Calls found but not to migrate: endpoint discovery (``getApiForUsername``).
    left_out: list[Hit] = attrs.field(factory=list)
    files_scanned: int = 0
    skipped: list[tuple[str, str]] = attrs.field(factory=list)
    errors: list[tuple[str, str]] = attrs.field(factory=list)

    def by_method(self) -> dict[str, int]:
        """Hits per legacy method (or dynamic name), by name."""
        return dict(sorted(Counter(h.method for h in self.hits).items()))

    def by_status(self) -> dict[str, int]:
        """Hits per bridge status; every status is listed, zero or not, and ``dynamic`` when
        some call builds its method name at run time."""
        counts = Counter(h.status for h in self.hits)
        result = {s.value: counts.get(s.value, 0) for s in Status}
        if counts.get(DYNAMIC_STATUS):
            result[DYNAMIC_STATUS] = counts[DYNAMIC_STATUS]
        return result

    def plans(self) -> list[MethodPlan]:
        """One plan per method found: can it move now, with which modes, from which sites."""
        return plan_methods(self.hits)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-compatible data: per-hit entries and the per-method plan."""
        plans = self.plans()
        by_name = {p.method: p for p in plans}
        return {
            "hits": [hit_json(h, by_name[h.method]) for h in self.hits],
            "plan": [p.to_json() for p in plans],
            "summary": {
                "total": len(self.hits),
                "by_method": self.by_method(),
                "by_status": self.by_status(),
            },
            "left_out": [{**attrs.asdict(h), "reason": _DISCOVERY_NOTE} for h in self.left_out],
            "files_scanned": self.files_scanned,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "errors": [{"path": p, "error": e} for p, e in self.errors],
        }


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
    # Virtualenvs come under any name; pyvenv.cfg is what marks one. os.path.isfile, unlike
    # Path.is_file, answers False inside a directory it may not read instead of raising.
    return directory.name in SKIP_DIRS or os.path.isfile(directory / "pyvenv.cfg")


def _strerror(error: OSError) -> str:
    return error.strerror or str(error)


def _source_files(paths: Sequence[str], report: ScanReport) -> Iterator[Path]:
    """The files to scan: named files as given, source files under named directories.

    A path that does not exist is a usage error (before anything is scanned); one that cannot
    be read is reported in ``report.errors`` and the scan goes on.
    """
    missing: list[str] = []
    readable: list[str] = []
    for raw in paths:
        try:
            os.lstat(raw)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                missing.append(raw)
            else:  # EACCES on a parent directory, say: the path may exist
                report.errors.append((raw, _strerror(exc)))
            continue
        readable.append(raw)
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
        report.errors.append((str(error.filename), _strerror(error)))

    for raw in readable:
        top = Path(raw)
        if not os.path.isdir(top):
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


def _position(hit: Hit) -> tuple[str, int, int]:
    return (hit.path, hit.line, hit.column)


def scan_paths(paths: Sequence[str], registry: Registry | None = None) -> ScanReport:
    """Scan files and directory trees for legacy Nutshell JSON-RPC calls."""
    statuses = {t.method: t.status.value for t in (registry or REGISTRY)}
    report = ScanReport()
    for path in _source_files(paths, report):
        try:
            text, skip = _read_source(path)
        except OSError as exc:
            # One unreadable file must not cost the whole report.
            report.errors.append((str(path), _strerror(exc)))
            continue
        if text is None:
            report.skipped.append((str(path), skip or "skipped"))
            continue
        report.files_scanned += 1
        ruby = path.suffix.lower() in _RUBY_EXTENSIONS
        for hit in find_calls(str(path), text, statuses, ruby=ruby):
            (report.left_out if hit.method in DISCOVERY else report.hits).append(hit)
    report.hits.sort(key=_position)
    report.left_out.sort(key=_position)
    return report


def _render_scan(report: ScanReport) -> str:
    """The report as text: the plan (one line per method, then its call sites), the summary,
    then what was left out, skipped or unreadable (one line per path)."""
    plans = report.plans()
    lines = render_plan(plans)
    files_with_hits = len({h.path for h in report.hits})
    dynamic = sum(p.dynamic is not None for p in plans)
    names = f" and {dynamic} dynamic name(s)" if dynamic else ""
    lines.append(
        f"{len(report.hits)} legacy call(s) in {files_with_hits} file(s) to "
        f"{len(plans) - dynamic} method(s){names}; {report.files_scanned} file(s) scanned."
    )
    by_status = ", ".join(f"{n} {s}" for s, n in report.by_status().items())
    lines.append(f"By status (calls): {by_status}.")
    if report.left_out:
        sites = ", ".join(f"{h.path}:{h.line}" for h in report.left_out)
        lines.append(
            f"Left out {len(report.left_out)} getApiForUsername call(s), {_DISCOVERY_NOTE}: {sites}"
        )
    if report.skipped:
        reasons = Counter(reason for _, reason in report.skipped)
        shown = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
        lines.append(f"Skipped {len(report.skipped)} file(s): {shown}.")
    lines += [f"could not read {path}: {error}" for path, error in report.errors]
    return "\n".join(lines) + "\n"


def _check_routes_out(target: str, force: bool) -> Path:
    """The routes file to write, refused before any scanning if it would fail or overwrite."""
    path = Path(target)
    if path.suffix != ".toml":
        # Routes.from_file reads anything but *.toml as JSON.
        raise UsageError(f"--routes-out needs a .toml file name, not {target}")
    if path.exists() and not force:
        raise UsageError(f"{target} exists; pass --force to overwrite it")
    if path.is_dir():
        raise UsageError(f"{target} is a directory")
    return path


def _write_routes(path: Path, text: str, force: bool) -> None:
    try:
        # "x" fails if the file appeared since the check; only --force overwrites.
        with path.open("w" if force else "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise UsageError(f"{path} exists; pass --force to overwrite it") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {_strerror(exc)}") from None


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan a codebase for legacy Nutshell JSON-RPC calls; report each call site with its
    method's plan, and write a starting routes file with ``--routes-out``."""
    routes_out = _check_routes_out(args.routes_out, args.force) if args.routes_out else None
    report = scan_paths(args.paths)
    if routes_out is not None:
        _write_routes(routes_out, routes_toml(report.plans(), len(report.hits)), args.force)
    if args.format == "json":
        out(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        text = _render_scan(report)
        if routes_out is not None:
            methods = len({h.method for h in report.hits if not h.dynamic})
            text += f"Wrote starting routes for {methods} method(s) to {routes_out}.\n"
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0


def register(commands: Any) -> None:
    """Add the ``scan`` subcommand to the parser's subcommands."""
    scan_cmd = commands.add_parser(
        "scan",
        help="find legacy Nutshell JSON-RPC calls in source files and plan their move",
        description="Find legacy JSON-RPC calls; say per method whether it can move to REST now.",
    )
    scan_cmd.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    scan_cmd.add_argument("--format", choices=("text", "json"), default="text")
    scan_cmd.add_argument(
        "--routes-out",
        metavar="FILE",
        help="write a starting routes file (TOML, FILE must end in .toml) for the methods found",
    )
    scan_cmd.add_argument(
        "--force", action="store_true", help="let --routes-out overwrite an existing file"
    )
    scan_cmd.set_defaults(handler=cmd_scan)
