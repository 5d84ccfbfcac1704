"""``nutshell-migrate report FILE``: a shadow log summarised per method.

The log comes from the bridge itself (a ``shadow`` route with a ``ShadowLogPublisher``) or is
written by hand, with the older ``JsonLinesPublisher`` lines and garbage mixed in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.publish import ShadowLogPublisher
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL
from nutshell_migrate.cli import main
from nutshell_migrate.report import parse_lines, summarise
from nutshell_migrate.report_html import render_html

SEED_DATA = (30, 11)
EVIL = "<script>alert(1)</script>"


def _record(method: str, outcome: str = "matched", **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "v": 1,
        "time": "2026-12-06T04:22:10.123Z",
        "method": method,
        "route": "shadow",
        "outcome": outcome,
        "control": {"name": "rpc", "ms": 10.0, "error": None},
        "candidate": {"name": "rest", "ms": 30.0, "error": None, "timed_out": False},
        "differences": [],
        "context": {},
    }
    record.update(changes)
    return record


OLD_FORMAT = {  # a JsonLinesPublisher line (bridge.publish.result_record)
    "name": "getContact",
    "outcome": "mismatched",
    "context": {"method": "getContact", "route": "shadow"},
    "control": {"name": "control", "duration": 0.012, "exception": None, "value": {"id": 1}},
    "candidates": [
        {
            "name": "rest",
            "outcome": "mismatched",
            "duration": 0.034,
            "timed_out": False,
            "exception": None,
            "value": {"id": 1, "x": 2},
            "diff": [{"path": "$.x", "kind": "added", "new": 2}],
        }
    ],
}


def _write(path: Path, lines: list[Any]) -> Path:
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "shadow.jsonl",
        [
            _record("getLead"),
            _record("getLead", "ignored", control={"name": "rpc", "ms": 20.0, "error": None}),
            _record(
                "getLead",
                "mismatched",
                differences=[
                    {"path": "$.name", "kind": "changed", "control": "Acme", "candidate": EVIL},
                    {"path": "$.tags", "kind": "removed", "control": "<array, 2 items>"},
                ],
                context={"params": {"leadId": 7}},
            ),
            "not json at all {",
            "[1, 2, 3]",
            "",
            json.dumps(OLD_FORMAT),
            _record(
                "findUsers",
                route="shadow-rest",
                control={"name": "control", "ms": 5.0, "error": None, "requests": 2},
                candidate={"name": "rpc", "ms": 50.0, "error": "ServerError: boom", "requests": 1},
            ),
        ],
    )


def test_the_log_is_summarised_per_method_and_bad_lines_are_counted(
    capsys: pytest.CaptureFixture[str], log: Path
) -> None:
    assert main(["report", str(log), "--format", "json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert "skipped 2 of 7 lines" in captured.err
    assert report["skipped_lines"] == 2
    assert report["totals"] == {
        "calls": 5,
        "matched": 2,
        "ignored": 1,
        "mismatched": 2,
        "errors": 1,
        "skipped_methods": 0,
    }
    methods = {m["method"]: m for m in report["methods"]}
    lead = methods["getLead"]
    assert (lead["calls"], lead["matched"], lead["ignored"], lead["mismatched"]) == (3, 1, 1, 1)
    assert lead["status"] == "partial" and lead["verdict"] == "mismatched"
    assert lead["ms"]["rpc"] == {"median": 10.0, "p95": 20.0}
    assert lead["ms"]["rest"]["median"] == 30.0
    assert lead["requests"] == {"rpc": None, "rest": None}  # the log did not say
    name = next(d for d in lead["differences"] if d["path"] == "$.name")
    assert name["example"] == {"rpc": "Acme", "rest": EVIL}
    tags = next(d for d in lead["differences"] if d["path"] == "$.tags")
    assert tags["example"] == {"rpc": "<array, 2 items>"}  # a missing side stays missing
    assert lead["mismatch_examples"] == [{"params": {"leadId": 7}}]
    # The older format is read too: seconds become milliseconds, diffs become differences.
    contact = methods["getContact"]
    assert contact["mismatched"] == 1
    assert contact["ms"]["rpc"]["median"] == 12.0 and contact["ms"]["rest"]["median"] == 34.0
    assert contact["differences"][0]["example"] == {"rest": 2}
    # On shadow-rest the control is REST: sides are named by API, not by role.
    users = methods["findUsers"]
    assert users["requests"] == {"rpc": 1, "rest": 2}
    assert users["ms"]["rest"]["median"] == 5.0 and users["ms"]["rpc"]["median"] == 50.0
    assert users["errors_by_api"] == {"rpc": 1, "rest": 0}


def test_the_table_and_the_exit_code(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    assert main(["report", str(log)]) == 0
    out = capsys.readouterr().out
    assert "getLead" in out and "getContact" in out and "MISMATCHES FOUND" in out
    assert main(["report", str(log), "--fail-on-mismatch"]) == 1
    capsys.readouterr()
    clean = _write(log.with_name("clean.jsonl"), [_record("getLead"), _record("findUsers")])
    assert main(["report", str(clean), "--fail-on-mismatch"]) == 0
    assert "no undeclared differences" in capsys.readouterr().out


def test_the_html_page_is_self_contained_and_escaped(
    capsys: pytest.CaptureFixture[str], log: Path, tmp_path: Path
) -> None:
    page = tmp_path / "out.html"
    assert main(["report", str(log), "--html", str(page)]) == 0
    assert f"HTML report written to {page}" in capsys.readouterr().out
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<style>" in html and "<link" not in html and "src=" not in html
    assert '<details id="m-getLead" open>' in html  # a mismatched method opens by itself
    assert '<details id="m-findUsers">' in html
    assert html.count("<details") == 3


def test_a_hostile_method_name_is_escaped_too() -> None:
    log = parse_lines([json.dumps(_record(EVIL, "mismatched"))])
    html = render_html(summarise(log.records, source=EVIL), title=EVIL)
    assert "<script" not in html


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_an_unreadable_file_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "nope.jsonl"
    if kind == "directory":
        path.mkdir()
    assert main(["report", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"nutshell-migrate report: error: cannot read {path}")
    assert len(captured.err.strip().splitlines()) == 1


def test_an_unwritable_html_path_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], log: Path, tmp_path: Path
) -> None:
    target = tmp_path / "no" / "such" / "dir" / "out.html"
    assert main(["report", str(log), "--html", str(target)]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_an_empty_log_is_an_empty_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = _write(tmp_path / "empty.jsonl", [])
    assert main(["report", str(empty), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["calls"] == 0 and report["methods"] == []


def test_a_log_the_bridge_wrote_on_a_shadow_route(
    capsys: pytest.CaptureFixture[str], mock: responses.RequestsMock, tmp_path: Path
) -> None:
    path = tmp_path / "bridge.jsonl"
    with BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint="https://app.nutshell.com/api/v1/json",
        routes={"getLead": "shadow", "findUsers": "shadow"},
        publishers=[ShadowLogPublisher(path)],
        sleep=lambda _s: None,
    ) as bridge:
        for lead_id in (1, 2, 3):
            bridge.call("getLead", lead_id)
        bridge.call("findUsers")
    assert main(["report", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    methods = {m["method"]: m for m in report["methods"]}
    assert methods["getLead"]["calls"] == 3 and methods["findUsers"]["calls"] == 1
    assert report["totals"]["mismatched"] == 0
    assert DEFAULT_API_KEY not in path.read_text(encoding="utf-8")


def test_names_that_look_like_rich_markup_are_printed_as_they_are(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A method or file name from the log is text, never rich markup: "[/x]" used to raise
    # MarkupError (a traceback) and "[bold]" would have vanished.
    path = _write(tmp_path / "x[bold]y.jsonl", [_record("[/x]"), _record("[bold]z")])
    assert main(["report", str(path)]) == 0
    out = capsys.readouterr().out
    assert "[/x]" in out and "[bold]z" in out and "x[bold]y.jsonl" in out


def test_an_overlong_line_is_skipped_without_holding_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nutshell_migrate.report.MAX_LINE_CHARS", 500)
    long_line = json.dumps(_record("getLead", context={"pad": "x" * 2000}))
    path = _write(tmp_path / "long.jsonl", [_record("getLead"), long_line, _record("findUsers")])
    assert main(["report", str(path), "--format", "json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["skipped_lines"] == 1 and "skipped 1 of 3 lines" in captured.err
    assert [m["method"] for m in report["methods"]] == ["getLead", "findUsers"]
