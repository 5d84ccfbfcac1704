"""The scripts in ``examples/`` run and print what they claim, against the embedded emulator.

Each script is loaded from its file and its ``main()`` run in-process, so the suite's guards
(loopback-only network, no key in logs or errors) watch it too; one also runs as a script in a
subprocess, and the comparison test runs under its own pytest. The environment variables that
would point an example at a real account are removed first.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from nutshell_emulator import DEFAULT_API_KEY
from nutshell_migrate.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
COMPARISON = "comparison_test.py"
TIMEOUT = 60.0  # seconds: the bound on every subprocess
ENVIRONMENT = ("NUTSHELL_USERNAME", "NUTSHELL_API_KEY", "NUTSHELL_BRIDGE_ROUTES")

#: The example scripts (the comparison test and the shared helper are checked apart).
SCRIPTS = (
    "swap_import",
    "route_one_method",
    "shadow_and_report",
    "comparison_test",
    "run_proxy",
    "rest_client",
)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real account for the examples, and their folder importable (for ``_account``)."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.syspath_prepend(str(EXAMPLES))


def load(name: str) -> ModuleType:
    """The example module ``examples/<name>.py``, executed but with ``main()`` not yet run."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run(name: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Run an example's ``main()``; what it printed."""
    load(name).main()
    printed = capsys.readouterr().out
    assert DEFAULT_API_KEY not in printed
    return printed


def has_subcommand(name: str) -> bool:
    """Whether ``nutshell-migrate`` has this subcommand."""
    return any(
        isinstance(action, argparse._SubParsersAction) and name in action.choices
        for action in build_parser()._actions
    )


def scrubbed_environment() -> dict[str, str]:
    """This process's environment without what would point an example at a real account."""
    return {key: value for key, value in os.environ.items() if key not in ENVIRONMENT}


# -- the scripts ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("offline")
def test_swap_import_gives_the_same_results(capsys: pytest.CaptureFixture[str]) -> None:
    printed = run("swap_import", capsys)
    assert "Running against the emulator at http://127.0.0.1:" in printed
    for method in ("findAccounts", "findLeads", "getLead"):
        assert f"{method}: " in printed
        assert re.search(rf"{method}: \d+ result\(s\), same through the bridge", printed)
    assert "Same results: True" in printed


@pytest.mark.usefixtures("offline")
def test_route_one_method_reads_rest_with_the_legacy_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    printed = run("route_one_method", capsys)
    assert "Routes: rest for getLead, rpc for findLeads" in printed
    assert "Same keys: True" in printed
    assert "declared differences: $..rev" in printed
    assert "Undeclared differences: 0" in printed
    counts = re.search(r"REST requests: (\d+) for the first getLead, (\d+) once", printed)
    assert counts is not None
    cold, warm = int(counts[1]), int(counts[2])
    assert 0 < warm < cold  # reference data came from the cache the second time
    assert "GET /leads/" in printed


@pytest.mark.usefixtures("offline")
def test_shadow_and_report_logs_every_call(capsys: pytest.CaptureFixture[str]) -> None:
    module = load("shadow_and_report")
    if has_subcommand("report"):
        module.main()
    else:
        with pytest.raises(SystemExit) as exited:  # the report subcommand refuses: exit 2
            module.main()
        assert exited.value.code == 2
    printed = capsys.readouterr().out
    assert DEFAULT_API_KEY not in printed
    assert f"Shadow log: {len(module.CALLS)} lines" in printed
    outcomes = re.findall(r"findLeads (matched|ignored|mismatched): ", printed)
    assert outcomes == ["ignored"] * len(module.CALLS)  # the revs differ, as declared
    assert "0 undeclared differences" in printed
    assert "$ nutshell-migrate report shadow.jsonl" in printed
    if not has_subcommand("report"):
        pytest.skip("nutshell-migrate has no report subcommand yet")
    report = printed.split("$ nutshell-migrate report shadow.jsonl", 1)[1]
    assert "findLeads" in report


@pytest.mark.usefixtures("offline")
def test_run_proxy_answers_a_plain_http_client(capsys: pytest.CaptureFixture[str]) -> None:
    printed = run("run_proxy", capsys)
    proxy = re.search(r"Proxy listening at http://(127\.0\.0\.1:\d+)/api/v1/json", printed)
    assert proxy is not None
    assert f"getApiForUsername -> api host {proxy[1]}" in printed
    assert "findLeads -> 3 open leads" in printed
    assert "rev 'b:" in printed  # the bridge's own rev: REST answered getLead
    assert re.search(r"findTeams -> \d+ teams \(JSON-RPC", printed)


@pytest.mark.usefixtures("offline")
def test_rest_client_lists_pages_reads_and_patches(capsys: pytest.CaptureFixture[str]) -> None:
    printed = run("rest_client", capsys)
    assert "First page of open leads (5):" in printed
    pages = re.search(r"Open leads in all: (\d+), read in (\d+) requests", printed)
    assert pages is not None
    total, requests = int(pages[1]), int(pages[2])
    assert total > 10 and requests == total // 10 + 1  # pages of 10, the last one short
    assert re.search(r"Lead \d+: number \d+, status OPEN, value", printed)
    assert "description 'Updated by examples/rest_client.py'" in printed


def test_an_example_runs_as_a_script() -> None:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "swap_import.py")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
        env=scrubbed_environment(),
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Same results: True" in completed.stdout


def test_the_comparison_test_passes_under_pytest() -> None:
    # Its own pytest, so the plugin loads through the pytest11 entry point as in a user's project.
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(EXAMPLES / COMPARISON)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
        env=scrubbed_environment(),
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert re.search(r"\b6 passed\b", completed.stdout), completed.stdout


# -- where the examples connect -------------------------------------------------------------------


@pytest.mark.usefixtures("offline")
def test_credentials_from_the_environment_make_a_read_only_account(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = load("_account")
    monkeypatch.setenv("NUTSHELL_USERNAME", "jim@example.com")
    monkeypatch.setenv("NUTSHELL_API_KEY", "sekrit-KEY-123456")
    with account.account() as acct:
        assert not acct.emulated
        assert acct.rpc_endpoint is None and acct.rest_base_url is None
        assert "read-only" in acct.where
        assert "sekrit" not in repr(acct)


@pytest.mark.usefixtures("offline")
def test_half_the_credentials_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    account = load("_account")
    monkeypatch.setenv("NUTSHELL_USERNAME", "jim@example.com")
    with pytest.raises(SystemExit, match="set both"), account.account():
        pass


# -- what every example has -----------------------------------------------------------------------


def test_every_example_is_listed_and_tested() -> None:
    found = {path.stem for path in EXAMPLES.glob("*.py")} - {"_account"}
    assert found == set(SCRIPTS)
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for name in SCRIPTS:
        assert f"{name}.py" in readme


@pytest.mark.parametrize("name", [name for name in SCRIPTS if name != "comparison_test"])
def test_every_script_has_a_docstring_a_main_and_a_guard(name: str) -> None:
    tree = ast.parse((EXAMPLES / f"{name}.py").read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{name}.py says nothing about what it shows"
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert "main" in functions
    guard = tree.body[-1]
    assert isinstance(guard, ast.If)
    assert ast.unparse(guard.test) == "__name__ == '__main__'"
    assert ast.unparse(guard.body[0]) == "main()"
