"""``nutshell-migrate emulator``: serve a local Nutshell (both APIs, one store) on loopback."""

from __future__ import annotations

import argparse
import os
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from nutshell_core.errors import UsageError
from nutshell_emulator import Emulator
from nutshell_migrate import arguments
from nutshell_migrate.serving import enter_server, require_loopback, run_until_stopped
from nutshell_migrate.terminal import out

__all__ = ["register"]


def _save_snapshot(emulator: Emulator, path: Path) -> None:
    # Written beside the target and renamed, so an interrupted save never leaves half a file.
    temporary = path.with_name(path.name + ".tmp")
    try:
        emulator.snapshot(temporary)
        os.replace(temporary, path)
    except OSError as exc:
        raise UsageError(f"cannot save the snapshot to {path}: {exc.strerror or exc}") from None


def _check_snapshot_path(path: Path) -> None:
    """Refuse, before serving, a ``--snapshot`` that could not be saved on exit.

    Found only at the end, a bad path would lose everything the emulator's clients did. A
    file is written and removed where the save writes its temporary copy: that is the one
    check that asks the file system itself (permission bits say nothing for root, nor for
    read-only mounts).
    """
    if path.is_dir():
        raise UsageError(f"cannot save the snapshot to {path}: it is a directory")
    folder = path.parent
    if not folder.is_dir():
        problem = "is not a directory" if folder.exists() else "does not exist"
        raise UsageError(f"cannot save the snapshot to {path}: the folder {folder} {problem}")
    probe = path.with_name(path.name + ".tmp")
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot save the snapshot to {path}: {exc.strerror or exc}") from None


def cmd_emulator(args: argparse.Namespace) -> int:
    """Serve the emulator (JSON-RPC and REST over one store) on loopback until stopped."""
    require_loopback(args.host, "emulator")
    snapshot = Path(args.snapshot) if args.snapshot else None
    if snapshot is not None:
        # Before anything runs: an existing file is restored below (a bad one fails there).
        _check_snapshot_path(snapshot)
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
            urls = enter_server(
                stack, emulator.serve(args.host, args.port), f"{args.host}:{args.port}"
            )
            out("Nutshell emulator running (Ctrl-C to stop)")
            out(f"  rpc:        {urls.rpc}")
            out(f"  discovery:  {urls.discovery}")
            out(f"  rest:       {urls.rest}")
            out(f"  state:      {state}")
            # The emulator's built-in test credentials: they open nothing but this emulator.
            out(f"  email:      {emulator.email}")
            out(f"  api key:    {emulator.api_key}  (emulator test key, not a real credential)")
            run_until_stopped(args.run_seconds)
        if snapshot is not None:
            _save_snapshot(emulator, snapshot)
    finally:
        emulator.close()
    return 0


def register(commands: Any) -> None:
    """Add the ``emulator`` subcommand to the parser's subcommands."""
    emu_cmd = commands.add_parser(
        "emulator", help="serve a local Nutshell emulator (JSON-RPC and REST) on loopback"
    )
    emu_cmd.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    emu_cmd.add_argument("--port", type=arguments.port, default=0, help="port (0 picks a free one)")
    emu_cmd.add_argument("--seed", type=int, default=0, help="random seed for the seed data")
    emu_cmd.add_argument(
        "--records",
        type=arguments.non_negative_int,
        default=200,
        help="about how many records to seed",
    )
    emu_cmd.add_argument(
        "--snapshot",
        metavar="FILE",
        help="keep the state in FILE: restored at start when it exists, saved on exit "
        "(checked at start: its folder must exist and be writable)",
    )
    emu_cmd.add_argument(
        "--run-seconds", type=arguments.seconds, metavar="SECONDS", help="stop after SECONDS"
    )
    emu_cmd.set_defaults(handler=cmd_emulator)
