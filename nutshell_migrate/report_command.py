"""``nutshell-migrate report FILE``: summarise a shadow log per method, or an audit log.

The log is what the bridge's ``ShadowLogPublisher`` (or ``compare --log``) writes, or the older
``JsonLinesPublisher`` format. Lines that are not log records are skipped and counted (a note on
stderr says how many). Prints a table (``--format text``, the default) or JSON; ``--html OUT``
also writes a self-contained page.

An audit log (``proxy --audit-log``), recognised by the keys of its first record, is summarised
per agent and call instead: allowed, denied, errors, p50/p95 duration
(:mod:`nutshell_migrate.audit_report`), in the same three forms.

Exit codes: 0 once the summary is printed, whatever the log holds, so a report can run in any
pipeline; with ``--fail-on-mismatch``, 1 when any call mismatched (a CI gate). 2 for a missing
or unreadable file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from nutshell_core.errors import UsageError
from nutshell_migrate.audit_report import (
    audit_to_json,
    is_audit_log,
    print_audit_table,
    render_audit_html,
    summarise_audit_log,
)
from nutshell_migrate.report import print_table, summarise_log, to_json
from nutshell_migrate.report_html import render_html
from nutshell_migrate.terminal import PROG, err, out

__all__ = ["register", "write_html"]


def write_html(path: str, page: str) -> None:
    """Write ``page`` to ``path``; a failure is a one-line :class:`UsageError`."""
    try:
        Path(path).write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def cmd_report(args: argparse.Namespace) -> int:
    """Summarise a shadow log per method."""
    if Path(args.file).is_dir():
        raise UsageError(f"cannot read {args.file}: it is a directory")
    if is_audit_log(args.file):
        return _audit_report(args)
    # Summarised while it is read: a shadow log of any size fits in memory.
    summary, lines = summarise_log(args.file, source=str(args.file))
    if summary.skipped_lines:
        err(f"{PROG} report: skipped {summary.skipped_lines} of {lines} lines (not log records)")
    if args.html:
        write_html(args.html, render_html(summary, title=f"Shadow log: {Path(args.file).name}"))
    if args.format == "json":
        out(json.dumps(to_json(summary), indent=2, ensure_ascii=False))
    else:
        print_table(summary, sys.stdout)
        if args.html:
            out(f"HTML report written to {args.html}")
    return 1 if args.fail_on_mismatch and summary.has_mismatch else 0


def _audit_report(args: argparse.Namespace) -> int:
    """Summarise an audit log per agent and call (``--fail-on-mismatch`` has nothing to
    check there: exit 0 once printed)."""
    summary, lines = summarise_audit_log(args.file, source=str(args.file))
    if summary.skipped_lines:
        err(f"{PROG} report: skipped {summary.skipped_lines} of {lines} lines (not audit events)")
    if args.html:
        title = f"Audit log: {Path(args.file).name}"
        write_html(args.html, render_audit_html(summary, title=title))
    if args.format == "json":
        out(json.dumps(audit_to_json(summary), indent=2, ensure_ascii=False))
    else:
        print_audit_table(summary, sys.stdout)
        if args.html:
            out(f"HTML report written to {args.html}")
    return 0


def register(commands: Any) -> None:
    """Add the ``report`` subcommand to the parser's subcommands."""
    report_cmd = commands.add_parser(
        "report",
        help="summarise a shadow log (bridge, compare --log) per method, or a proxy audit log",
    )
    report_cmd.add_argument(
        "file", metavar="FILE", help="a shadow-log or audit-log file (JSON lines)"
    )
    report_cmd.add_argument("--html", metavar="OUT", help="also write a self-contained HTML page")
    report_cmd.add_argument("--format", choices=("text", "json"), default="text")
    report_cmd.add_argument(
        "--fail-on-mismatch",
        action="store_true",
        help="exit 1 when any call mismatched (default: exit 0 once summarised)",
    )
    report_cmd.set_defaults(handler=cmd_report)
