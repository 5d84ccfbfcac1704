"""The benchmark suite runs end to end with tiny sizes, so it cannot rot unnoticed."""

from __future__ import annotations

import json

import pytest

from bench import __main__ as suite
from bench._common import INFO, MISS, PASS, Figure, Settings
from bench.requests_per_call import mapped_reads

TINY = Settings(
    quick=True,
    leads=20,
    repeat=1,
    records=60,
    paging=(200, 1_000),
    throughput_seconds=0.1,
    latency=0.005,
    compare_records=30,
    compare_calls=1,
)


def test_every_section_reports_figures_against_targets() -> None:
    figures, took = suite.measure(TINY, list(suite.SECTIONS))
    assert set(took) == set(suite.SECTIONS)
    sections = {f.section for f in figures}
    assert sections == set(suite.SECTIONS)
    assert all(f.status in (PASS, MISS, INFO) for f in figures)
    targeted = {f.section for f in figures if f.status != INFO}
    # Every section with a target in the issue reports one.
    assert {"conversion", "requests", "overhead", "shadow", "paging", "compare"} <= targeted
    names = [f.name for f in figures]
    assert any(n.startswith("getLead") for n in names)
    assert any("findLeads(limit=100)" in n for n in names)
    assert any("pydantic" in n for n in names)
    # legacy conversion against pydantic in processes of their own: a page at once, every
    # time distinct, and the recorded lead over and over
    assert sum("own processes" in n for n in names) == 3


def test_requests_cover_every_mapped_read() -> None:
    reads = mapped_reads()
    assert "getLead" in reads and "findLeads" in reads
    assert "newLead" not in reads  # writes are never measured


def test_json_format_and_exit_status(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Settings, "for_mode", classmethod(lambda cls, quick: TINY))
    assert suite.main(["--quick", "--only", "paging", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["mode"] == "quick"
    assert {"cpu", "cores", "python", "os"} <= set(doc["machine"])
    assert [f["section"] for f in doc["figures"]] == ["paging", "paging"]


def test_table_prints_misses_and_still_exits_zero(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missed = Figure(
        section="paging", name="made up", value=2.0, unit="x", shown="2", target="<= 1", status=MISS
    )
    monkeypatch.setitem(suite.SECTIONS, "paging", lambda settings: [missed])
    assert suite.main(["--quick", "--only", "paging"]) == 0
    out = capsys.readouterr().out
    assert "MISS paging: made up" in out
    assert "0 passed, 1 missed" in out


def test_unknown_section_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        suite.main(["--only", "nothing"])
    assert exit_info.value.code == 2
