"""bridge.publish: the logging, JSON-lines and in-memory publishers."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bridge.experiment import Experiment, Result
from bridge.publish import (
    JsonLinesPublisher,
    LoggingPublisher,
    MemoryPublisher,
    result_record,
    summary_line,
)


class Ticks:
    """A fake clock that advances a fixed step per reading, per thread."""

    def __init__(self, step: float) -> None:
        self._step = step
        self._local = threading.local()

    def __call__(self) -> float:
        now = float(getattr(self._local, "now", 0.0))
        self._local.now = now + self._step
        return now


def run(
    control: Any,
    candidate: Any,
    *,
    name: str = "getContact",
    setup: Callable[[Experiment], Any] | None = None,
) -> Result:
    memory = MemoryPublisher()
    experiment = Experiment(
        name, context={"method": name}, clock=Ticks(0.25), cpu_clock=Ticks(0.125)
    )
    experiment.use(lambda: control).try_(lambda: candidate, name="rest").publish(memory)
    if setup is not None:
        setup(experiment)
    experiment.run()
    (result,) = memory.results
    return result


# --- MemoryPublisher ------------------------------------------------------------------------------


def test_memory_publisher_collects_and_clears() -> None:
    memory = MemoryPublisher()
    experiment = Experiment("e").use(lambda: 1).try_(lambda: 1).publish(memory)
    experiment.run()
    experiment.compare(lambda a, b: False).run()
    assert memory.outcomes() == ["matched", "mismatched"]
    assert [result.name for result in memory.results] == ["e", "e"]
    memory.clear()
    assert memory.results == () and memory.outcomes() == []


def test_memory_publisher_is_thread_safe() -> None:
    memory = MemoryPublisher()
    result = run(1, 1)

    def publish_many() -> None:
        for _ in range(50):
            memory(result)

    threads = [threading.Thread(target=publish_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(memory.results) == 200


# --- JsonLinesPublisher --------------------------------------------------------------------------


def test_json_lines_record_of_a_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    result = run({"id": 7, "name": "Ann", "gone": None}, {"id": 7, "name": "Anne", "new": 1})
    JsonLinesPublisher(path)(result)
    (line,) = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record == {
        "name": "getContact",
        "outcome": "mismatched",
        "context": {"method": "getContact"},
        "control": {
            "name": "control",
            "duration": 0.25,
            "cpu_time": 0.125,
            "timed_out": False,
            "value": {"id": 7, "name": "Ann", "gone": None},
            "exception": None,
        },
        "candidates": [
            {
                "name": "rest",
                "outcome": "mismatched",
                "duration": 0.25,
                "cpu_time": 0.125,
                "timed_out": False,
                "value": {"id": 7, "name": "Anne", "new": 1},
                "exception": None,
                "diff": [
                    {"path": "$.gone", "kind": "removed", "old": None},
                    {"path": "$.name", "kind": "changed", "old": "Ann", "new": "Anne"},
                    {"path": "$.new", "kind": "added", "new": 1},
                ],
            }
        ],
    }


def test_json_lines_publish_cleaned_values_and_exceptions(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"

    def setup(experiment: Experiment) -> None:
        experiment.clean(lambda value: {"name": value["name"]})

    result = run({"name": "A", "secret": "s1"}, {"name": "A", "secret": "s2"}, setup=setup)
    JsonLinesPublisher(path)(result)
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["control"]["value"] == {"name": "A"}
    assert "s1" not in json.dumps(record["control"]) and record["outcome"] == "mismatched"

    memory = MemoryPublisher()
    experiment = Experiment("e").use(lambda: 1).publish(memory)

    def down() -> int:
        raise RuntimeError("down")

    experiment.try_(down, name="rest").run()
    JsonLinesPublisher(path)(memory.results[0])
    second = json.loads(path.read_text(encoding="utf-8").splitlines()[1])
    assert second["candidates"][0]["exception"] == "RuntimeError('down')"
    assert second["candidates"][0]["value"] is None


def test_json_lines_render_non_json_values_with_repr(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    marker = object()
    control = {"d": Decimal("1.5"), "s": {1}, "o": marker, "f": float("nan"), 3: "int key"}
    result = run(control, dict(control), name="odd")
    JsonLinesPublisher(path)(result)
    record = json.loads(path.read_text(encoding="utf-8"))
    value = record["control"]["value"]
    assert value == {
        "d": "Decimal('1.5')",
        "s": "{1}",
        "o": repr(marker),
        "f": "nan",
        "3": "int key",
    }


def test_json_lines_append_and_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    result = run({"text": "x" * 5000}, {"text": "x" * 5000})
    publishers = [JsonLinesPublisher(path), JsonLinesPublisher(str(path))]

    def write(publisher: JsonLinesPublisher) -> None:
        for _ in range(25):
            publisher(result)

    threads = [threading.Thread(target=write, args=(publishers[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200
    assert all(json.loads(line)["outcome"] == "matched" for line in lines)


def test_result_record_is_json_ready() -> None:
    record = result_record(run([1, 2], [1, 2]))
    assert json.loads(json.dumps(record, allow_nan=False)) == record


# --- LoggingPublisher -----------------------------------------------------------------------------


def test_logging_publisher_logs_one_line_per_match(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bridge.publish"):
        LoggingPublisher()(run({"a": 1}, {"a": 1}))
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert "\n" not in message
    assert message.startswith('experiment="getContact" outcome=matched control_ms=250.0 ')
    assert 'context={"method":"getContact"}' in message
    assert getattr(record, "experiment", None) == "getContact"
    assert getattr(record, "outcome", None) == "matched"


def test_logging_publisher_warns_on_mismatch_with_the_diff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("tests.bridge.shadow")
    with caplog.at_level(logging.DEBUG, logger="tests.bridge.shadow"):
        LoggingPublisher(logger, level=logging.DEBUG)(run({"name": "Ann"}, {"name": "Anne"}))
    (record,) = caplog.records
    assert record.name == "tests.bridge.shadow"
    assert record.levelno == logging.WARNING
    first, *rest = record.getMessage().splitlines()
    assert "outcome=mismatched" in first
    assert rest == ["candidate 'rest' vs control:", '  ~ $.name: "Ann" -> "Anne"']


def test_logging_publisher_level_is_configurable(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="bridge.publish"):
        LoggingPublisher(level=logging.DEBUG)(run(1, 1))
        LoggingPublisher(level=logging.ERROR)(run(1, 2))
    assert [record.levelno for record in caplog.records] == [logging.DEBUG, logging.ERROR]


def test_summary_line_parses_back() -> None:
    line = summary_line(run(1, 2))
    fields = dict(part.split("=", 1) for part in line.split(" "))
    assert json.loads(fields["experiment"]) == "getContact"
    assert fields["outcome"] == "mismatched"
    assert json.loads(fields["control_ms"]) == 250.0
    assert json.loads(fields["candidates"]) == [
        {"name": "rest", "outcome": "mismatched", "ms": 250.0}
    ]
    assert json.loads(fields["context"]) == {"method": "getContact"}


def test_summary_line_marks_timeouts_and_exceptions() -> None:
    release = threading.Event()
    memory = MemoryPublisher()
    experiment = Experiment("e", timeout=0.05).use(lambda: 1).publish(memory)
    experiment.try_(lambda: release.wait(1.0), name="slow")
    try:
        experiment.run()
    finally:
        release.set()
    fields = dict(part.split("=", 1) for part in summary_line(memory.results[0]).split(" "))
    (candidate,) = json.loads(fields["candidates"])
    assert candidate["timed_out"] is True and candidate["raised"] == "CandidateTimeoutError"
