"""``nutshell-migrate matrix``: the migration matrix generated from the bridge registry."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bridge.matrix import MatrixRow, matrix, to_markdown
from bridge.registry import Status
from nutshell_migrate.terminal import out

__all__ = ["register"]


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
        out(json.dumps([_row_json(r) for r in rows], indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(to_markdown(rows))
        sys.stdout.flush()
    return 0


def register(commands: Any) -> None:
    """Add the ``matrix`` subcommand to the parser's subcommands."""
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
