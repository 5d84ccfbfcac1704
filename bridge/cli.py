"""``nutshell-migrate``: the command line for moving from Nutshell's JSON-RPC API to REST.

Subcommands:

* ``matrix`` — the migration matrix generated from the bridge registry (Markdown or JSON);
* ``scan PATH...`` — find legacy JSON-RPC calls in a codebase, with each method's bridge status;
* ``emulator`` — serve a local Nutshell (both APIs, one store) on loopback;
* ``proxy`` — a local JSON-RPC endpoint answering legacy integrations through the bridge.

Exit codes: 0 success, 2 a usage or configuration error (one line on stderr, no traceback),
130 interrupted. API keys are never printed or logged; the only key ever shown is the
emulator's own built-in test key, which grants nothing outside the emulator.
"""

from __future__ import annotations

import argparse
import bisect
import codecs
import contextlib
import json
import os
import re
import signal
import stat
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

import attrs

from bridge import proxy
from bridge.matrix import MatrixRow, matrix, to_markdown
from bridge.registry import Registry, Status
from bridge.routes import Routes, calls_rpc_beside_rest
from bridge.translators import REGISTRY
from nutshell_core.catalog import RPC_METHODS
from nutshell_core.errors import NutshellError, UsageError
from nutshell_core.transport import is_loopback_host
from nutshell_emulator import Emulator

__all__ = ["Hit", "ScanReport", "build_parser", "main", "scan_paths"]

PROG = "nutshell-migrate"

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


# -- output helpers ---------------------------------------------------------------------------


def _out(text: str = "") -> None:
    # sys.stdout is looked up on every call, so redirected or captured output is honoured.
    print(text, file=sys.stdout, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- subcommands ------------------------------------------------------------------------------


def _row_json(row: MatrixRow) -> dict[str, Any]:
    return {
        "method": row.method,
        "status": row.status.value,
        "rest_operations": list(row.rest_operations),
        "differences": list(row.differences),
    }


def cmd_matrix(args: argparse.Namespace) -> int:
    """Print the migration matrix generated from the bridge registry."""
    rows = matrix()
    if args.status:
        wanted = {Status(s) for s in args.status}
        rows = tuple(r for r in rows if r.status in wanted)
    if args.format == "json":
        _out(json.dumps([_row_json(r) for r in rows], indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(to_markdown(rows))
        sys.stdout.flush()
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan a codebase for legacy Nutshell JSON-RPC calls and report each with its status."""
    report = scan_paths(args.paths)
    if args.format == "json":
        _out(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(_render_scan(report))
        sys.stdout.flush()
    return 0


def _require_loopback(host: str, what: str) -> None:
    if not is_loopback_host(host):
        raise UsageError(
            f"the {what} only listens on loopback addresses (127.0.0.1, ::1, localhost), "
            f"not {host!r}"
        )


def _enter_server(
    stack: ExitStack, server: contextlib.AbstractContextManager[Any], where: str
) -> Any:
    """Start a server in ``stack``; a port in use or similar becomes a one-line user error."""
    try:
        return stack.enter_context(server)
    except OSError as exc:
        raise UsageError(f"cannot listen on {where}: {exc.strerror or exc}") from None


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while serving, so ``kill`` and containers stop cleanly."""
    # signal handlers can only be installed from the main thread (tests run servers elsewhere).
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_until_stopped(run_seconds: float | None) -> None:
    """Block until Ctrl-C or SIGTERM, or for ``run_seconds`` when given."""
    deadline = None if run_seconds is None else time.monotonic() + run_seconds
    try:
        with _sigterm_as_interrupt():
            while True:
                remaining = 3600.0 if deadline is None else deadline - time.monotonic()
                if remaining <= 0:
                    return
                time.sleep(min(remaining, 3600.0))
    except KeyboardInterrupt:
        _err("stopping")


def _save_snapshot(emulator: Emulator, path: Path) -> None:
    # Written beside the target and renamed, so an interrupted save never leaves half a file.
    temporary = path.with_name(path.name + ".tmp")
    try:
        emulator.snapshot(temporary)
        os.replace(temporary, path)
    except OSError as exc:
        raise UsageError(f"cannot save the snapshot to {path}: {exc.strerror or exc}") from None


def cmd_emulator(args: argparse.Namespace) -> int:
    """Serve the emulator (JSON-RPC and REST over one store) on loopback until stopped."""
    _require_loopback(args.host, "emulator")
    snapshot = Path(args.snapshot) if args.snapshot else None
    emulator = Emulator()
    try:
        if snapshot is not None and snapshot.exists():
            emulator.restore(snapshot)
            state = f"restored from {snapshot}; saved back on exit"
        else:
            added = emulator.seed(args.records, random_seed=args.seed) if args.records else None
            total = sum(added.counts.values()) if added else 0
            state = f"{total} seeded records (seed {args.seed})"
            if snapshot is not None:
                state += f"; saved to {snapshot} on exit"
        with ExitStack() as stack:
            urls = _enter_server(
                stack, emulator.serve(args.host, args.port), f"{args.host}:{args.port}"
            )
            _out("Nutshell emulator running (Ctrl-C to stop)")
            _out(f"  rpc:        {urls.rpc}")
            _out(f"  discovery:  {urls.discovery}")
            _out(f"  rest:       {urls.rest}")
            _out(f"  state:      {state}")
            # The emulator's built-in test credentials: they open nothing but this emulator.
            _out(f"  email:      {emulator.email}")
            _out(f"  api key:    {emulator.api_key}  (emulator test key, not a real credential)")
            _run_until_stopped(args.run_seconds)
        if snapshot is not None:
            _save_snapshot(emulator, snapshot)
    finally:
        emulator.close()
    return 0


def _describe_routes(routes: Routes) -> str:
    moved = ", ".join(f"{m}={mode.value}" for m, mode in sorted(routes.modes.items()))
    default = f"everything else {routes.default.value}"
    return f"{moved}; {default}" if moved else default


def _describe_results(args: argparse.Namespace, routes: Routes) -> str:
    if args.lean:
        return "lean (one REST response rendered as it is; linked records as bare links)"
    legacy = args.legacy_reference
    if legacy is None:
        legacy = calls_rpc_beside_rest(routes)
    source = "REST and its event log" + (
        ", plus reference data REST lacks from the JSON-RPC API" if legacy else ""
    )
    return f"complete ({source})"


def cmd_proxy(args: argparse.Namespace) -> int:
    """Serve a local JSON-RPC endpoint answering legacy calls through the bridge."""
    _require_loopback(args.listen_host, "proxy")
    routes = Routes.from_file(args.routes) if args.routes else Routes.from_env()
    with ExitStack() as stack:
        urls = _enter_server(
            stack,
            proxy.serve(
                host=args.listen_host,
                port=args.listen_port,
                upstream_rpc=args.upstream_rpc,
                upstream_rest=args.upstream_rest,
                routes=routes,
                lean=args.lean,
                legacy_reference=args.legacy_reference,
            ),
            f"{args.listen_host}:{args.listen_port}",
        )
        upstream_rpc = args.upstream_rpc or "discovered through api.nutshell.com"
        upstream_rest = args.upstream_rest or (
            "beside the RPC endpoint" if args.upstream_rpc else "https://app.nutshell.com/rest"
        )
        _out("Nutshell JSON-RPC bridge proxy running (Ctrl-C to stop)")
        _out(f"  rpc:           {urls.rpc}")
        _out(f"  discovery:     {urls.discovery}")
        _out(f"  upstream rpc:  {upstream_rpc}")
        _out(f"  upstream rest: {upstream_rest}")
        _out(f"  routes:        {_describe_routes(routes)}")
        _out(f"  results:       {_describe_results(args, routes)}")
        _out("  callers authenticate with their own Nutshell email and API key (Basic auth)")
        _run_until_stopped(args.run_seconds)
    return 0


# -- the parser -------------------------------------------------------------------------------


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535 (0 picks a free one), not {value}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0 or value == float("inf"):  # also refuses NaN
        raise argparse.ArgumentTypeError(f"must be a finite, non-negative number: {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Migrate from Nutshell CRM's legacy JSON-RPC API to its REST API.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    statuses = [s.value for s in Status]

    matrix_cmd = commands.add_parser(
        "matrix", help="print the migration matrix generated from the bridge registry"
    )
    matrix_cmd.add_argument("--format", choices=("markdown", "json"), default="markdown")
    matrix_cmd.add_argument(
        "--status",
        choices=statuses,
        action="append",
        help="only methods with this status (repeatable)",
    )
    matrix_cmd.set_defaults(handler=cmd_matrix)

    scan_cmd = commands.add_parser(
        "scan", help="find legacy Nutshell JSON-RPC calls in source files"
    )
    scan_cmd.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    scan_cmd.add_argument("--format", choices=("text", "json"), default="text")
    scan_cmd.set_defaults(handler=cmd_scan)

    emu_cmd = commands.add_parser(
        "emulator", help="serve a local Nutshell emulator (JSON-RPC and REST) on loopback"
    )
    emu_cmd.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    emu_cmd.add_argument("--port", type=_port, default=0, help="port (0 picks a free one)")
    emu_cmd.add_argument("--seed", type=int, default=0, help="random seed for the seed data")
    emu_cmd.add_argument(
        "--records", type=_non_negative_int, default=200, help="about how many records to seed"
    )
    emu_cmd.add_argument(
        "--snapshot",
        metavar="FILE",
        help="keep the state in FILE: restored at start when it exists, saved on exit",
    )
    emu_cmd.add_argument(
        "--run-seconds", type=_seconds, metavar="SECONDS", help="stop after SECONDS"
    )
    emu_cmd.set_defaults(handler=cmd_emulator)

    proxy_cmd = commands.add_parser(
        "proxy", help="serve a local JSON-RPC endpoint that answers through the bridge"
    )
    proxy_cmd.add_argument(
        "--listen-port", type=_port, required=True, help="port (0 picks a free one)"
    )
    proxy_cmd.add_argument(
        "--listen-host", default="127.0.0.1", help="loopback address to listen on"
    )
    proxy_cmd.add_argument(
        "--upstream-rpc", metavar="URL", help="JSON-RPC endpoint (default: Nutshell's, discovered)"
    )
    proxy_cmd.add_argument(
        "--upstream-rest", metavar="URL", help="REST base URL (default: beside the RPC endpoint)"
    )
    proxy_cmd.add_argument(
        "--routes",
        metavar="FILE",
        help="routes file, TOML or JSON (default: the NUTSHELL_BRIDGE_ROUTES variable)",
    )
    proxy_cmd.add_argument(
        "--lean",
        action="store_true",
        help="render one REST response as it is (fewer requests, incomplete legacy results)",
    )
    proxy_cmd.add_argument(
        "--legacy-reference",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read reference data REST lacks (teams, old records' times) from the JSON-RPC "
        "API once per cache period (default: on when a route uses rest-fallback or shadow)",
    )
    proxy_cmd.add_argument(
        "--run-seconds", type=_seconds, metavar="SECONDS", help="stop after SECONDS"
    )
    proxy_cmd.set_defaults(handler=cmd_proxy)
    return parser


def _silence_stdout() -> None:
    # The reader went away (`| head`); point stdout at devnull so the interpreter's final
    # flush does not print a second error.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    """Run ``nutshell-migrate`` with ``argv`` (default: the process arguments); the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its usage message already
        return exc.code if isinstance(exc.code, int) else 2
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except NutshellError as exc:
        # str() of a project error is scrubbed of credentials; one line, no traceback.
        message = " ".join(str(exc).split())
        _err(f"{PROG} {args.command}: error: {message}")
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
