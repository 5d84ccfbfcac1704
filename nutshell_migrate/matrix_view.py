"""``nutshell-migrate matrix``: the migration matrix generated from the bridge registry.

``matrix`` prints the whole table (Markdown, or JSON with ``--format json``); ``matrix getLead``
or ``matrix --method getLead`` prints one method readably for a terminal: status, access, whether
it can move now and with which route modes, its REST operations and its differences grouped by
reason. ``--format json`` with a method prints that method's row with the grouped form added.
"""

from __future__ import annotations

import argparse
import difflib
import json
import shutil
import sys
from typing import Any

from bridge.matrix import MatrixRow, describe, matrix, plan_for, to_markdown
from bridge.registry import Status
from nutshell_core.catalog import RPC_METHODS
from nutshell_core.errors import UsageError
from nutshell_migrate.terminal import out

__all__ = ["register", "resolve_method"]

# Wrapping bounds for the one-method view: narrower is unreadable, wider is hard to follow.
_MIN_WIDTH, _MAX_WIDTH = 60, 120


def _row_json(row: MatrixRow) -> dict[str, Any]:
    return {
        "method": row.method,
        "status": row.status.value,
        "rest_operations": list(row.rest_operations),
        "differences": list(row.differences),
    }


def _method_json(row: MatrixRow) -> dict[str, Any]:
    """One method's row, with the plan and the differences grouped by reason added."""
    plan = plan_for(row.method)
    return {
        **_row_json(row),
        "access": plan.access.value,
        "can_move": plan.can_move,
        "verdict": plan.verdict,
        "modes": [m.value for m in plan.modes],
        "reason": row.reason,
        "grouped_differences": [
            {"reason": g.reason, "fields": list(g.fields), "inputs": list(g.inputs)}
            for g in row.groups
        ],
    }


def _squash(name: str) -> str:
    return name.replace("_", "").lower()


def resolve_method(name: str) -> str:
    """The catalog name ``name`` means: exact, or unique ignoring case and underscores
    (``find_leads``, ``getlead``); a :class:`UsageError` naming close matches otherwise."""
    if name in RPC_METHODS:
        return name
    loose = [m for m in RPC_METHODS if _squash(m) == _squash(name)]
    if len(loose) == 1:
        return loose[0]
    by_squash = {_squash(m): m for m in RPC_METHODS}
    close = difflib.get_close_matches(_squash(name), list(by_squash), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(by_squash[c] for c in close)}?" if close else ""
    raise UsageError(f"unknown method {name!r}{hint} (see: nutshell-migrate matrix)")


def _chosen_method(args: argparse.Namespace) -> str | None:
    names = {n for n in (args.method, args.method_name) if n}
    if len(names) > 1:
        raise UsageError(f"two methods given ({', '.join(sorted(names))}); name one")
    if names and args.status:
        raise UsageError("--status filters the whole matrix; leave it out with a method name")
    return resolve_method(names.pop()) if names else None


def cmd_matrix(args: argparse.Namespace) -> int:
    """Print the migration matrix generated from the bridge registry, or one method of it."""
    method = _chosen_method(args)
    if method is not None:
        row = next(r for r in matrix() if r.method == method)
        if args.format == "json":
            out(json.dumps(_method_json(row), indent=2, ensure_ascii=False))
        elif args.format == "markdown":
            sys.stdout.write(to_markdown([row]))
        else:
            columns = shutil.get_terminal_size((100, 24)).columns
            sys.stdout.write(describe(method, width=min(max(columns, _MIN_WIDTH), _MAX_WIDTH)))
        sys.stdout.flush()
        return 0
    rows = matrix()
    if args.status:
        wanted = {Status(s) for s in args.status}
        rows = tuple(r for r in rows if r.status in wanted)
    if args.format == "json":
        out(json.dumps([_row_json(r) for r in rows], indent=2, ensure_ascii=False))
    else:
        # "text" without a method is the table too: there is no other whole-matrix text form.
        sys.stdout.write(to_markdown(rows))
        sys.stdout.flush()
    return 0


def register(commands: Any) -> None:
    """Add the ``matrix`` subcommand to the parser's subcommands."""
    statuses = [s.value for s in Status]
    matrix_cmd = commands.add_parser(
        "matrix",
        help="print the migration matrix generated from the bridge registry",
        description="The migration matrix; name a method for its translation in detail.",
    )
    matrix_cmd.add_argument(
        "method_name", nargs="?", metavar="METHOD", help="one legacy method, e.g. getLead"
    )
    matrix_cmd.add_argument("--method", metavar="NAME", help="one legacy method (as METHOD)")
    matrix_cmd.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default=None,
        help="default: markdown for the matrix, text for one method",
    )
    matrix_cmd.add_argument(
        "--status",
        choices=statuses,
        action="append",
        help="only methods with this status (repeatable)",
    )
    matrix_cmd.set_defaults(handler=cmd_matrix)
