"""The counts the reliability tests collect, and the one line printed at the end of the run.

Each test adds what it measured (even when it then fails, so the line shows the real figures);
``tests/reliability/conftest.py`` prints :func:`line` from ``pytest_terminal_summary``.
"""

from __future__ import annotations

import threading

import attrs

__all__ = ["TALLY", "Tally", "line"]


@attrs.define
class Tally:
    """Counters for the four parts of the suite; ``None`` sections did not run."""

    responses: int | None = None  # distinct malformed/hostile responses
    runs: int = 0  # (response, client face) pairs driven
    untyped: int = 0
    hangs: int = 0
    wrong: int = 0
    writes: int | None = None
    duplicates: int = 0
    lost: int = 0
    uncertain: int = 0
    misreported: int = 0  # applied writes reported as a definite failure
    resent: int = 0  # writes sent again after reaching the server
    write_untyped: int = 0
    threads: int | None = None
    edits: int = 0  # acknowledged edits over every run
    edit_runs: int = 0
    lost_updates: int = 0
    secret_outputs: int | None = None
    secret_hits: int = 0
    lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False, eq=False)


TALLY = Tally()


def line(tally: Tally = TALLY) -> str | None:
    """``reliability: ...`` with the sections that ran, or None when none did."""
    parts: list[str] = []
    if tally.responses is not None:
        parts.append(
            f"{tally.responses} malformed responses in {tally.runs} runs ({tally.untyped} untyped, "
            f"{tally.hangs} hangs, {tally.wrong} wrong)"
        )
    if tally.writes is not None:
        parts.append(
            f"{tally.writes} faulted writes ({tally.duplicates} duplicates, {tally.lost} lost, "
            f"{tally.resent} re-sent, {tally.uncertain} uncertain reported, "
            f"{tally.misreported} misreported, {tally.write_untyped} untyped)"
        )
    if tally.threads is not None:
        runs = max(tally.edit_runs, 1)
        per = tally.edits // max(tally.threads * runs, 1)
        parts.append(
            f"{tally.threads} threads x {per} edits x {runs} runs "
            f"({tally.lost_updates} lost updates)"
        )
    if tally.secret_outputs is not None:
        parts.append(f"secret scan {tally.secret_hits} hits in {tally.secret_outputs} outputs")
    return "reliability: " + ", ".join(parts) if parts else None
