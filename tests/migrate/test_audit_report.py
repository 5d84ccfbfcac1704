"""``nutshell-migrate report`` on an audit log: per agent and call, allowed, denied, errors,
p50/p95; as text, JSON and HTML; a shadow log is still read as one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nutshell_core.audit import AuditLog, audit_event
from nutshell_migrate.audit_report import is_audit_log, summarise_audit_log
from nutshell_migrate.cli import main


@pytest.fixture
def audit_file(tmp_path: Path) -> Path:
    path = tmp_path / "audit.jsonl"
    with AuditLog(path) as log:
        for index in range(20):
            log(audit_event(agent="bot", call="getLead", duration_ms=float(index + 1)))
        log(audit_event(agent="bot", call="getLead", status="NotFoundError", duration_ms=50))
        log(audit_event(agent="bot", call="newLead", access="write", decision="denied",
                        status="denied", reason="newLead needs write on leads"))  # fmt: skip
        log(audit_event(agent=None, call="getLead", decision="denied", status="401"))
    with path.open("a", encoding="utf-8") as stream:
        stream.write("not json\n\n")
    return path


def test_an_audit_log_is_recognised_by_its_keys(audit_file: Path, tmp_path: Path) -> None:
    assert is_audit_log(audit_file)
    shadow = tmp_path / "shadow.jsonl"
    shadow.write_text(json.dumps({"method": "getLead", "outcome": "matched"}) + "\n")
    assert not is_audit_log(shadow)


def test_the_summary_counts_per_agent_and_call(audit_file: Path) -> None:
    summary, lines = summarise_audit_log(audit_file)
    assert lines == 24
    assert summary.skipped_lines == 1
    rows = {(r.agent, r.call): r for r in summary.sorted_rows()}
    get = rows[("bot", "getLead")]
    assert (get.calls, get.allowed, get.denied, get.errors) == (21, 21, 0, 1)
    assert get.p50_ms == 11.0
    assert get.p95_ms == 20.0
    assert rows[("bot", "newLead")].denied == 1
    assert rows[("-", "getLead")].denied == 1
    assert [r.agent for r in summary.sorted_rows()][-1] == "-"


def test_the_report_command_prints_json_text_and_html(
    audit_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(audit_file), "--format", "json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["kind"] == "audit"
    assert data["totals"] == {"calls": 23, "allowed": 21, "denied": 2, "errors": 1}
    assert {(r["agent"], r["call"]) for r in data["rows"]} == {
        ("bot", "getLead"), ("bot", "newLead"), (None, "getLead")
    }  # fmt: skip
    assert "skipped 1 of 24 lines" in captured.err

    page = tmp_path / "audit.html"
    assert main(["report", str(audit_file), "--html", str(page)]) == 0
    text = capsys.readouterr().out
    assert "getLead" in text
    assert "23 calls by 1 agent: 21 allowed (1 with errors), 2 denied" in text
    html = page.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert "newLead" in html
