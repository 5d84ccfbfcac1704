"""Publishers for experiment results: a shadow log, a log line, a JSON-lines file, or memory.

A publisher is any ``Callable[[Result], None]`` given to :meth:`Experiment.publish` or to
``bridge.NutshellAPI(publishers=[...])``. Publishers see cleaned values only
(:meth:`Experiment.clean`), and one that raises is reported to the experiment's ``raised`` hook,
never to the caller.

* :class:`ShadowLogPublisher` — the one to use for shadow routes: one compact JSON line per call
  (:func:`shadow_record`): method, route, outcome, each side's duration and error, and the paths
  that differ with both values. Records are never copied whole unless asked (``values=True``).
  ``nutshell-migrate report FILE`` summarises such a file per method.
* :class:`LoggingPublisher` — one structured log line per result.
* :class:`JsonLinesPublisher` — every observation with its cleaned value (large: whole records).
* :class:`MemoryPublisher` — keeps results in memory, for tests.

The bridge masks its API key in every result before a publisher sees it (:func:`masked`), so a
server that echoes the key back cannot put it in a log.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

import attrs

from bridge.diff import MISSING, DiffEntry, render
from bridge.experiment import Observation, Outcome, Raised, Result

__all__ = [
    "SHADOW_LOG_VERSION",
    "JsonLinesPublisher",
    "LoggingPublisher",
    "MemoryPublisher",
    "ShadowLogPublisher",
    "masked",
    "result_record",
    "shadow_record",
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


# -- the shadow log -----------------------------------------------------------------------------

#: The ``v`` of every shadow-log record; bumped when a key changes meaning.
SHADOW_LOG_VERSION: Final = 1

#: Strings longer than this are cut in a shadow record: a path and a glimpse of each side say
#: what differs; the whole text is in the CRM.
MAX_TEXT: Final = 200


def _brief(value: Any) -> Any:
    """A differing value as a shadow record keeps it: scalars as they are, containers summarised."""
    if isinstance(value, Mapping):
        return f"<object, {len(value)} keys>"
    if isinstance(value, list | tuple):
        return f"<array, {len(value)} items>"
    if isinstance(value, Raised):
        return f"<raised {value.type_name}>"
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    return _to_json(value)


def _error_text(exception: BaseException | None) -> str | None:
    if exception is None:
        return None
    message = " ".join(str(exception).split())
    if len(message) > MAX_TEXT:
        message = message[:MAX_TEXT] + "…"
    return f"{type(exception).__name__}: {message}" if message else type(exception).__name__


def _side(observation: Observation) -> dict[str, Any]:
    side: dict[str, Any] = {
        "name": observation.name,
        "ms": _milliseconds(observation.duration),
        "error": _error_text(observation.exception),
    }
    if observation.timed_out:
        side["timed_out"] = True
    return side


def _difference(entry: DiffEntry, values: bool) -> dict[str, Any]:
    keep = _to_json if values else _brief
    record: dict[str, Any] = {"path": entry.path, "kind": entry.kind}
    if entry.old is not MISSING:
        record["control"] = keep(entry.old)
    if entry.new is not MISSING:
        record["candidate"] = keep(entry.new)
    return record


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shadow_record(result: Result, *, values: bool = False) -> list[dict[str, Any]]:
    """One compact, JSON-ready record per candidate of ``result`` (the shadow-log format).

    Keys: ``v``, ``time``, ``method``, ``route``, ``outcome``, ``control`` and ``candidate``
    (each ``name``, ``ms``, ``error``), ``differences`` (``path``, ``kind`` and the two sides'
    values, a missing side left out) and ``context`` (the rest of the result's context).
    Differing objects and arrays are summarised (``"<object, 12 keys>"``) and long strings cut,
    unless ``values`` is true; then full values are kept and ``values`` holds both cleaned
    results as well.
    """
    context = dict(result.context)
    method = context.pop("method", result.name)
    route = context.pop("route", None)
    control = _side(result.control)
    records = []
    for candidate in result.candidates:
        record: dict[str, Any] = {
            "v": SHADOW_LOG_VERSION,
            "time": _now(),
            "method": _to_json(method),
            "route": _to_json(route),
            "outcome": result.outcome_of(candidate.name),
            "control": control,
            "candidate": _side(candidate),
            "differences": [_difference(entry, values) for entry in candidate.diff],
            "context": _to_json(context),
        }
        if values:
            record["values"] = {
                "control": _to_json(result.control.cleaned_value),
                "candidate": _to_json(candidate.cleaned_value),
            }
        records.append(record)
    return records


class ShadowLogPublisher:
    """Appends :func:`shadow_record` lines to a file: the log of a shadow route.

    Each line is one ``write`` to a file opened for appending, serialised within the process, so
    concurrent calls never interleave lines. The file is opened per result, so it can be rotated
    or removed while the process runs. ``values=True`` keeps whole results (large).
    """

    def __init__(self, path: str | os.PathLike[str], *, values: bool = False) -> None:
        self.path = Path(path)
        self.values = values
        self._lock = _lock_for(self.path)

    def __repr__(self) -> str:
        return f"ShadowLogPublisher({str(self.path)!r}, values={self.values})"

    def __call__(self, result: Result) -> None:
        """Append ``result``'s records."""
        lines = "".join(
            json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n"
            for record in shadow_record(result, values=self.values)
        )
        with self._lock, self.path.open("a", encoding="utf-8") as stream:
            stream.write(lines)


# -- masking ------------------------------------------------------------------------------------


def _mask_value(value: Any, mask: Callable[[str], str], depth: int = 0) -> Any:
    if isinstance(value, str):
        return mask(value)
    if depth >= MAX_DEPTH:
        # Publishers write what is this deep as its repr (_to_json), so it is masked as one;
        # returned as it is, a key echoed this deep would reach the log unmasked.
        scalar = value is None or isinstance(value, bool | int | float)
        return value if scalar else mask(repr(value))
    if isinstance(value, Mapping):
        return {
            mask(key) if isinstance(key, str) else key: _mask_value(item, mask, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_mask_value(item, mask, depth + 1) for item in value]
    if isinstance(value, tuple):
        return tuple(_mask_value(item, mask, depth + 1) for item in value)
    if isinstance(value, Raised):
        return Raised(mask(value.type_name), mask(value.message))
    return value


class _MaskedError(Exception):
    """Stands in for an exception whose message held a secret: same class name, masked text."""


def _mask_exception(exc: BaseException | None, mask: Callable[[str], str]) -> BaseException | None:
    if exc is None:
        return None
    text = str(exc)
    masked_text = mask(text)
    if masked_text == text:
        return exc
    # A new class of the same name keeps ``type(e).__name__`` for the log without the secret.
    stand_in: type[_MaskedError] = type(type(exc).__name__, (_MaskedError,), {})
    return stand_in(masked_text)


def _mask_observation(observation: Observation, mask: Callable[[str], str]) -> Observation:
    return attrs.evolve(
        observation,
        value=_mask_value(observation.value, mask),
        cleaned_value=_mask_value(observation.cleaned_value, mask),
        exception=_mask_exception(observation.exception, mask),
        diff=tuple(
            DiffEntry(
                mask(entry.path),
                entry.kind,
                _mask_value(entry.old, mask),
                _mask_value(entry.new, mask),
            )
            for entry in observation.diff
        ),
    )


def masked(result: Result, mask: Callable[[str], str]) -> Result:
    """``result`` with ``mask`` applied to every string in it: values, diffs, errors, context.

    The bridge passes its transport's mask, which removes every form of the API key, so a
    publisher cannot write a key the server echoed back inside a record or an error message.
    """
    by_name = {c.name: _mask_observation(c, mask) for c in result.candidates}
    return attrs.evolve(
        result,
        context=_mask_value(dict(result.context), mask),
        control=_mask_observation(result.control, mask),
        candidates=tuple(by_name[c.name] for c in result.candidates),
        matched=tuple(by_name[c.name] for c in result.matched),
        ignored=tuple(by_name[c.name] for c in result.ignored),
        mismatched=tuple(by_name[c.name] for c in result.mismatched),
    )
