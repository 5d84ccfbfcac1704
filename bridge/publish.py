"""Publishers for experiment results: a log line, a JSON-lines file, or memory (for tests).

A publisher is any ``Callable[[Result], None]`` given to :meth:`Experiment.publish`. Publishers
see cleaned values only (:meth:`Experiment.clean`), and one that raises is reported to the
experiment's ``raised`` hook, never to the caller.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from bridge.diff import MISSING, DiffEntry, render
from bridge.experiment import Observation, Outcome, Result

__all__ = [
    "JsonLinesPublisher",
    "LoggingPublisher",
    "MemoryPublisher",
    "result_record",
    "summary_line",
]

#: How deep values are copied for JSON before falling back to ``repr``; keeps cyclic or absurdly
#: nested values from exhausting the stack.
MAX_DEPTH: Final = 64


def _to_json(value: Any, depth: int = 0) -> Any:
    """A JSON-ready copy of ``value``; what JSON cannot hold becomes its ``repr``."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)  # NaN is not JSON
    if depth >= MAX_DEPTH:
        return repr(value)
    if isinstance(value, Mapping):
        return {
            key if isinstance(key, str) else repr(key): _to_json(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_to_json(item, depth + 1) for item in value]
    return repr(value)


def _seconds(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _entry_record(entry: DiffEntry) -> dict[str, Any]:
    # A missing side is left out rather than written as null: null is a value, missing is not.
    record: dict[str, Any] = {"path": entry.path, "kind": entry.kind}
    if entry.old is not MISSING:
        record["old"] = _to_json(entry.old)
    if entry.new is not MISSING:
        record["new"] = _to_json(entry.new)
    return record


def _observation_record(observation: Observation, outcome: Outcome | None) -> dict[str, Any]:
    record: dict[str, Any] = {"name": observation.name}
    if outcome is not None:
        record["outcome"] = outcome
    record.update(
        duration=_seconds(observation.duration),
        cpu_time=_seconds(observation.cpu_time),
        timed_out=observation.timed_out,
        value=_to_json(observation.cleaned_value),
        exception=None if observation.exception is None else repr(observation.exception),
    )
    if outcome is not None:
        record["diff"] = [_entry_record(entry) for entry in observation.diff]
    return record


def result_record(result: Result) -> dict[str, Any]:
    """A JSON-ready dict for ``result``: name, outcome, context and every observation.

    Observations carry durations and CPU times in seconds, *cleaned* values, the exception's
    repr, and for candidates their outcome and diff entries.
    """
    return {
        "name": result.name,
        "outcome": result.outcome,
        "context": _to_json(result.context),
        "control": _observation_record(result.control, None),
        "candidates": [
            _observation_record(candidate, result.outcome_of(candidate.name))
            for candidate in result.candidates
        ],
    }


def _milliseconds(value: float | None) -> float | None:
    seconds = _seconds(value)
    return None if seconds is None else round(seconds * 1000, 1)


def summary_line(result: Result) -> str:
    """One ``key=value`` line for ``result``, values JSON-encoded so the line parses back."""
    candidates = []
    for candidate in result.candidates:
        summary: dict[str, Any] = {
            "name": candidate.name,
            "outcome": result.outcome_of(candidate.name),
            "ms": _milliseconds(candidate.duration),
        }
        if candidate.timed_out:
            summary["timed_out"] = True
        if candidate.exception is not None:
            summary["raised"] = type(candidate.exception).__name__
        candidates.append(summary)

    def encode(value: Any) -> str:
        return json.dumps(_to_json(value), ensure_ascii=False, separators=(",", ":"))

    return " ".join(
        (
            f"experiment={encode(result.name)}",
            f"outcome={result.outcome}",
            f"control_ms={encode(_milliseconds(result.control.duration))}",
            f"candidates={encode(candidates)}",
            f"context={encode(result.context)}",
        )
    )


class LoggingPublisher:
    """Logs one structured line per result; a mismatch at WARNING (or above) with its diff.

    The record's ``extra`` fields ``experiment`` and ``outcome`` let handlers filter by them.
    """

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
        self.logger = logger if logger is not None else logging.getLogger("bridge.publish")
        self.level = level

    def __call__(self, result: Result) -> None:
        """Log ``result``."""
        extra = {"experiment": result.name, "outcome": result.outcome}
        line = summary_line(result)
        if result.outcome != "mismatched":
            self.logger.log(self.level, "%s", line, extra=extra)
            return
        details = "\n".join(
            f"candidate {candidate.name!r} vs control:\n"
            + "\n".join(f"  {text}" for text in render(candidate.diff).splitlines())
            for candidate in result.mismatched
        )
        self.logger.log(max(self.level, logging.WARNING), "%s\n%s", line, details, extra=extra)


_FILE_LOCKS: dict[str, threading.Lock] = {}
_FILE_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    # One lock per file, shared by every publisher writing it, so lines never interleave.
    key = os.path.abspath(path)
    with _FILE_LOCKS_GUARD:
        return _FILE_LOCKS.setdefault(key, threading.Lock())


class JsonLinesPublisher:
    """Appends one JSON object per result (see :func:`result_record`) to a file.

    Appends are serialised within the process and each line is one ``write`` to a file opened
    for appending, so concurrent experiments never interleave lines.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = _lock_for(self.path)

    def __call__(self, result: Result) -> None:
        """Append ``result`` as a line."""
        line = json.dumps(result_record(result), ensure_ascii=False, allow_nan=False)
        with self._lock, self.path.open("a", encoding="utf-8") as stream:
            stream.write(line + "\n")


class MemoryPublisher:
    """Keeps every result in memory, for tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: list[Result] = []

    def __call__(self, result: Result) -> None:
        """Keep ``result``."""
        with self._lock:
            self._results.append(result)

    @property
    def results(self) -> tuple[Result, ...]:
        """The results so far, oldest first."""
        with self._lock:
            return tuple(self._results)

    def outcomes(self) -> list[Outcome]:
        """The outcome of each result so far, oldest first."""
        return [result.outcome for result in self.results]

    def clear(self) -> None:
        """Forget every result."""
        with self._lock:
            self._results.clear()
