"""Where the command line writes: results on stdout, one-line messages on stderr."""

from __future__ import annotations

import contextlib
import os
import sys

__all__ = ["PROG", "err", "out", "silence_stdout"]

PROG = "nutshell-migrate"


def out(text: str = "") -> None:
    """Write a line of results to stdout."""
    # sys.stdout is looked up on every call, so redirected or captured output is honoured.
    print(text, file=sys.stdout, flush=True)


def err(text: str) -> None:
    """Write a one-line message to stderr."""
    print(text, file=sys.stderr, flush=True)


def silence_stdout() -> None:
    """Point stdout at devnull after its reader went away (``| head``)."""
    # Otherwise the interpreter's final flush prints a second error.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
