"""Prints the reliability suite's one summary line at the end of the pytest run.

A conftest hook in a subdirectory runs for the whole session once this directory is collected,
so the line shows in the default ``pytest -q`` output (and so in CI logs).
"""

from __future__ import annotations

from typing import Any

from tests.reliability.summary import line


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    """Write ``reliability: ...`` when any part of the suite ran."""
    text = line()
    if text is not None:
        terminalreporter.write_line(text)
