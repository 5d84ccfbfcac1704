"""``nutshell-migrate``: the command line for moving from Nutshell's JSON-RPC API to REST.

Each subcommand lives in a module of its own and registers itself here:

* ``matrix`` — the migration matrix generated from the bridge registry;
* ``scan PATH...`` — find legacy JSON-RPC calls in a codebase, with each method's bridge status;
* ``emulator`` — serve a local Nutshell (both APIs, one store) on loopback;
* ``proxy`` — a local JSON-RPC endpoint answering legacy integrations through the bridge;
* ``policy`` — add agents (tokens and grants) to an access policy file, list and check it.

Exit codes: 0 success, 2 a usage or configuration error (one line on stderr, no traceback),
130 interrupted. API keys are never printed or logged; the only key ever shown is the
emulator's own built-in test key, which grants nothing outside the emulator.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from nutshell_core.errors import NutshellError
from nutshell_migrate import (
    __version__,
    compare_command,
    emulator_command,
    matrix_view,
    policy_command,
    proxy_command,
    report_command,
    scan,
)
from nutshell_migrate.terminal import PROG, err, silence_stdout

__all__ = ["build_parser", "main"]

#: The subcommands, in the order ``--help`` lists them.
COMMANDS = (
    compare_command,
    report_command,
    matrix_view,
    scan,
    emulator_command,
    proxy_command,
    policy_command,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Migrate from Nutshell CRM's legacy JSON-RPC API to its REST API.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


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
        err(f"{PROG} {args.command}: error: {message}")
        return 2
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except BrokenPipeError:
        silence_stdout()
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
