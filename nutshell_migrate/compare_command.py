"""``nutshell-migrate compare``: every bridged read, through JSON-RPC and through REST.

Without credentials it starts the embedded emulator (``--records``, ``--seed``), mounted
in-process on Nutshell's hosts, so nothing leaves the machine. With ``NUTSHELL_USERNAME`` and
``NUTSHELL_API_KEY`` set it compares against that live account, read-only: only reads are
ever called and ``--methods`` naming a write is refused. ``--emulator`` forces the emulator.

Each method gets up to ``--calls`` argument sets learnt from the account itself
(:mod:`nutshell_migrate.samples`); each call is a shadow experiment whose declared differences
are ignored (:mod:`nutshell_migrate.compare`). A progress bar runs on stderr, then a table per
method prints on stdout (``--format json``: JSON only). ``--report FILE.html`` writes the same
page as ``report --html``; ``--log FILE`` writes the shadow-log lines (``report`` reads them).

Exit codes: 0 when every difference was declared, 1 on any mismatch (an undeclared difference
or a differing error), 2 on usage or configuration errors. The API key is never printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from nutshell_core.errors import UsageError
from nutshell_migrate import arguments
from nutshell_migrate.compare import (
    DEFAULT_CALLS,
    DEFAULT_RECORDS,
    DEFAULT_SEED,
    compare,
    open_target,
    select_methods,
    unsupported,
)
from nutshell_migrate.report import Summary, print_table, summarise, to_json
from nutshell_migrate.report_command import write_html
from nutshell_migrate.report_html import render_html
from nutshell_migrate.samples import plan_calls
from nutshell_migrate.terminal import out

__all__ = ["register"]


def _positive(text: str) -> int:
    value = arguments.non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _names(values: Sequence[str] | None) -> list[str]:
    """``--methods a,b --methods c`` as ``[a, b, c]``."""
    return [name.strip() for value in values or () for name in value.split(",") if name.strip()]


@contextlib.contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[str], None]]:
    """A transient progress bar on stderr; a no-op when disabled."""
    if not enabled:
        yield lambda _method: None
        return
    with Progress(console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task("comparing", total=total)

        def advance(method: str) -> None:
            bar.update(task, advance=1, description=method)

        yield advance


def _write_log(path: str, records: Sequence[dict[str, Any]]) -> None:
    lines = "".join(
        json.dumps(r, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n"
        for r in records
    )
    try:
        Path(path).write_text(lines, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _check_output(path: str | None) -> None:
    """Refuse an output path that cannot be written before comparing, not after: a run
    against a live account takes a while, and its results would be lost."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {path}: no such directory {target.parent}")


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare every bridged read (or ``--methods``) through JSON-RPC and through REST."""
    methods = select_methods(_names(args.methods))
    _check_output(args.report)
    _check_output(args.log)
    skipped = unsupported(methods)
    with open_target(
        records=args.records, seed=args.seed, timeout=args.timeout, force_emulator=args.emulator
    ) as target:
        # Fails early (one line, exit 2) on a wrong key or an unreachable account, rather
        # than comparing two identical authentication errors per call.
        target.bridge.rpc.call("getUser")
        plan = plan_calls(
            target.bridge.rpc.call, [m for m in methods if m not in skipped], args.calls
        )
        # On a terminal only: elsewhere the bar draws nothing but leaves a blank line on stderr.
        with _progress(plan.total, args.format == "text" and sys.stderr.isatty()) as advance:
            records = compare(target.bridge, plan.calls, timeout=args.timeout, progress=advance)
        source = f"{target.description}, {len(methods)} read methods"
    summary = summarise(records, skipped={**skipped, **plan.skipped}, source=source)
    summary = Summary(
        methods={m: summary.methods[m] for m in methods if m in summary.methods},
        source=summary.source,
    )
    if args.log:
        _write_log(args.log, records)
    if args.report:
        write_html(args.report, render_html(summary))
    if args.format == "json":
        extra = {"mode": target.mode, "calls_per_method": args.calls}
        out(json.dumps(to_json(summary, **extra), indent=2, ensure_ascii=False))
    else:
        print_table(summary, sys.stdout)
        for label, path in (("HTML report", args.report), ("shadow log", args.log)):
            if path:
                out(f"{label} written to {path}")
    return 1 if summary.has_mismatch else 0


def register(commands: Any) -> None:
    """Add the ``compare`` subcommand to the parser's subcommands."""
    cmd = commands.add_parser(
        "compare",
        help="compare every bridged read through JSON-RPC and REST (emulator, or your "
        "account read-only when NUTSHELL_USERNAME and NUTSHELL_API_KEY are set)",
    )
    cmd.add_argument(
        "--methods",
        action="append",
        metavar="NAME[,NAME...]",
        help="only these read methods (repeatable; default: every read)",
    )
    cmd.add_argument(
        "--calls",
        type=_positive,
        default=DEFAULT_CALLS,
        help=f"argument sets per method (default {DEFAULT_CALLS})",
    )
    cmd.add_argument(
        "--records",
        type=arguments.non_negative_int,
        default=DEFAULT_RECORDS,
        help=f"emulator only: about how many records to seed (default {DEFAULT_RECORDS})",
    )
    cmd.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"emulator only: random seed (default {DEFAULT_SEED})",
    )
    cmd.add_argument(
        "--emulator",
        action="store_true",
        help="use the embedded emulator even when credentials are set",
    )
    cmd.add_argument(
        "--timeout",
        type=arguments.seconds,
        default=30.0,
        help="seconds to wait for the REST side of a call (default 30)",
    )
    cmd.add_argument("--format", choices=("text", "json"), default="text")
    cmd.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report")
    cmd.add_argument("--log", metavar="FILE", help="write the shadow-log lines (JSON lines)")
    cmd.set_defaults(handler=cmd_compare)
