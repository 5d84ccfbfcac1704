"""Running a server from the command line: loopback only, clean stops on Ctrl-C and SIGTERM."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from types import FrameType
from typing import Any

from nutshell_core.errors import UsageError
from nutshell_core.transport import is_loopback_host
from nutshell_migrate.terminal import err

__all__ = ["enter_server", "require_loopback", "run_until_stopped"]


def require_loopback(host: str, what: str) -> None:
    """Refuse a listening address off this machine."""
    if not is_loopback_host(host):
        raise UsageError(
            f"the {what} only listens on loopback addresses (127.0.0.1, ::1, localhost), "
            f"not {host!r}"
        )


def enter_server(
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


def run_until_stopped(run_seconds: float | None) -> None:
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
        err("stopping")
