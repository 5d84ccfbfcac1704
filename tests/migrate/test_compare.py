"""``nutshell-migrate compare``: every bridged read through JSON-RPC and through REST.

Emulator mode starts its own emulator (mounted in ``responses`` on Nutshell's hosts); live mode
is tested in-process with the suite's emulator mounted by the ``mock`` fixture and the
credential variables set to its test account, so nothing leaves the process either way. A
mismatch is injected by swapping one translator in the registry for one whose answer differs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
import responses

from bridge.context import BridgeContext
from bridge.translators import REGISTRY
from nutshell_core.catalog import RPC_METHODS, Access
from nutshell_core.errors import NotFoundError
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL
from nutshell_migrate.cli import main
from nutshell_migrate.compare import open_target, read_methods
from nutshell_migrate.samples import plan_calls

SEED_DATA = (30, 11)  # the live-mode tests' emulator (conftest's ``emulator`` fixture)
SMALL = ["--records", "30", "--calls", "2"]
EVIL = "<script>alert('x')</script>"


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Emulator mode unless a test sets the variables itself."""
    monkeypatch.delenv("NUTSHELL_USERNAME", raising=False)
    monkeypatch.delenv("NUTSHELL_API_KEY", raising=False)


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch, mock: responses.RequestsMock) -> responses.RequestsMock:
    """The emulator mounted on Nutshell's hosts and its account in the credential variables."""
    monkeypatch.setenv("NUTSHELL_USERNAME", DEFAULT_EMAIL)
    monkeypatch.setenv("NUTSHELL_API_KEY", DEFAULT_API_KEY)
    return mock


@pytest.fixture
def product_names_differ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """getProduct through REST answers with a different name (an undeclared difference)."""
    real = REGISTRY["getProduct"]

    def run(context: BridgeContext, params: Mapping[str, Any]) -> Any:
        value = real(context, params)
        return {**value, "name": EVIL}

    monkeypatch.setitem(REGISTRY._entries, "getProduct", attrs.evolve(real, run=run))
    yield


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["compare", *argv, "--format", "json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def _methods(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["method"]: m for m in report["methods"]}


def test_every_supported_read_gets_calls_built_from_the_account() -> None:
    with open_target(records=60, environ={}) as target:
        supported = [m for m in read_methods() if REGISTRY[m].supported]
        plan = plan_calls(target.bridge.rpc.call, supported, 3)
    assert plan.skipped == {}
    assert set(plan.calls) == set(supported)
    assert all(1 <= len(sets) <= 3 for sets in plan.calls.values())
    assert all(RPC_METHODS[m].access is Access.READ for m in plan.calls)
    # Ids come from the account: every get* fetches a record that exists.
    assert plan.calls["getLead"][0]["leadId"] >= 1
    assert "noteId" in plan.calls["getNote"][0]


def test_a_method_whose_arguments_the_account_cannot_give_is_skipped_with_the_reason() -> None:
    with open_target(records=0, environ={}) as target:
        plan = plan_calls(target.bridge.rpc.call, ["getLead", "getNote", "findLeads"], 2)
    assert "findLeads" in plan.calls
    assert plan.skipped["getLead"] == "the account has no leads"
    assert "no notes" in plan.skipped["getNote"]


def test_compare_prints_the_table_and_exits_0_when_every_difference_is_declared(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    page, log = tmp_path / "report.html", tmp_path / "shadow.jsonl"
    argv = ["compare", "--methods", "getLead,findUsers", "--methods", "getTeam", *SMALL]
    code = main([*argv, "--report", str(page), "--log", str(log)])
    out = capsys.readouterr().out
    assert code == 0
    for word in ("getLead", "findUsers", "getTeam", "skipped", "no undeclared differences"):
        assert word in out
    assert "4 calls over 2 methods" in out
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["method"] for r in lines] == ["getLead", "getLead", "findUsers", "findUsers"]
    assert all(r["control"]["name"] == "rpc" and r["candidate"]["name"] == "rest" for r in lines)
    assert all(r["control"]["requests"] == 1 for r in lines)
    assert all(r["candidate"]["requests"] >= 1 for r in lines if r["method"] == "getLead")


def test_json_output_is_json_only_with_counts_requests_and_skips(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, report, err = _json(capsys, "--methods", "getLead,findLeads,getTeam", *SMALL)
    assert code == 0
    assert err == ""  # no progress bar, no table
    assert report["mode"] == "emulator" and report["ok"] is True
    methods = _methods(report)
    assert methods["getLead"]["calls"] == 2
    assert methods["getLead"]["status"] == "partial"
    assert methods["getLead"]["requests"]["rpc"] == 2
    assert methods["getLead"]["requests"]["rest"] >= 2
    assert methods["getLead"]["ms"]["rest"]["median"] is not None
    assert methods["getTeam"]["verdict"] == "skipped"
    assert methods["getTeam"]["skipped"].startswith("unsupported: ")
    totals = report["totals"]
    assert totals["calls"] == 4 and totals["mismatched"] == 0


def test_an_undeclared_difference_exits_1_and_shows_everywhere_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, product_names_differ: None
) -> None:
    page = tmp_path / "report.html"
    code = main(["compare", "--methods", "getProduct,findUsers", *SMALL, "--report", str(page)])
    out = capsys.readouterr().out
    assert code == 1
    assert "MISMATCHES FOUND" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("getProduct"))
    assert row.split()[1:6] == ["mapped", "2", "0", "0", "2"]

    code, report, _ = _json(capsys, "--methods", "getProduct", *SMALL)
    assert code == 1 and report["ok"] is False
    product = _methods(report)["getProduct"]
    assert product["verdict"] == "mismatched" and product["mismatched"] == 2
    [difference] = product["differences"]
    assert difference["path"] == "$.name" and difference["count"] == 2
    assert difference["example"]["rest"] == EVIL
    assert product["mismatch_examples"][0]["params"]["productId"] >= 1

    html = page.read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert '<details id="m-getProduct" open>' in html


def test_a_differing_error_is_a_mismatch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = REGISTRY["getActivity"]

    def run(context: BridgeContext, params: Mapping[str, Any]) -> Any:
        raise NotFoundError("no such activity")

    monkeypatch.setitem(REGISTRY._entries, "getActivity", attrs.evolve(real, run=run))
    code, report, _ = _json(capsys, "--methods", "getActivity", *SMALL)
    assert code == 1
    task = _methods(report)["getActivity"]
    assert task["mismatched"] == 2 and task["errors_by_api"] == {"rpc": 0, "rest": 2}
    assert task["error_examples"][0]["rest"] == "NotFoundError: no such activity"


def test_writes_are_refused_before_anything_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--methods", "getLead,newLead"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        "nutshell-migrate compare: error: compare only reads; newLead is a write and would "
        "change the account"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--methods", "getLeed"], "unknown method 'getLeed'"),
        (["--calls", "0"], "must be at least 1"),
        (["--timeout", "-1"], "must be a finite, non-negative number"),
    ],
)
def test_bad_arguments_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["compare", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_live_mode_uses_the_credentials_reads_only_and_never_prints_the_key(
    capsys: pytest.CaptureFixture[str], live: responses.RequestsMock
) -> None:
    code, report, err = _json(capsys, "--methods", "getLead,findLeads,searchContacts", *SMALL)
    assert code == 0
    assert report["mode"] == "live"
    assert DEFAULT_EMAIL in report["source"]
    assert DEFAULT_API_KEY not in json.dumps(report) + err
    urls = [str(call.request.url) for call in live.calls]
    assert any("api.nutshell.com" in url for url in urls), "the endpoint was discovered"
    for call in live.calls:
        if "/rest/" in str(call.request.url):
            assert call.request.method == "GET"
        else:
            body = json.loads(call.request.body or b"{}")
            assert RPC_METHODS[body["method"]].access is Access.READ, body["method"]


def test_live_mode_text_output_never_prints_the_key(
    capsys: pytest.CaptureFixture[str], live: responses.RequestsMock
) -> None:
    assert main(["compare", "--methods", "getContact", *SMALL]) == 0
    captured = capsys.readouterr()
    assert "the live account of owner@example.com" in captured.out
    assert DEFAULT_API_KEY not in captured.out + captured.err


def test_emulator_flag_ignores_the_credentials(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUTSHELL_USERNAME", "someone@example.org")
    monkeypatch.setenv("NUTSHELL_API_KEY", "another-key-000000000")
    code, report, _ = _json(capsys, "--emulator", "--methods", "findUsers", *SMALL)
    assert code == 0 and report["mode"] == "emulator"


def test_one_credential_variable_alone_is_a_configuration_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUTSHELL_API_KEY", "another-key-000000000")
    assert main(["compare", "--methods", "findUsers"]) == 2
    err = capsys.readouterr().err
    assert "NUTSHELL_USERNAME is not set" in err
    assert "another-key-000000000" not in err


def test_a_wrong_key_fails_in_one_line_before_comparing(
    capsys: pytest.CaptureFixture[str],
    live: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NUTSHELL_API_KEY", "sekrit-KEY-123456")
    assert main(["compare", "--methods", "findUsers"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("nutshell-migrate compare: error: ")
    assert len(captured.err.strip().splitlines()) == 1
    assert "sekrit-KEY-123456" not in captured.err


@pytest.mark.parametrize("option", ["--report", "--log"])
@pytest.mark.parametrize("where", ["missing-dir", "directory"])
def test_an_unwritable_output_is_refused_before_comparing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    option: str,
    where: str,
) -> None:
    # The check comes first: the comparison (minutes against a live account) never starts.
    def never(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the comparison started")

    monkeypatch.setattr("nutshell_migrate.compare_command.open_target", never)
    path = tmp_path / "no" / "out.x" if where == "missing-dir" else tmp_path
    assert main(["compare", *SMALL, option, str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"nutshell-migrate compare: error: cannot write {path}")
    assert len(captured.err.splitlines()) == 1
