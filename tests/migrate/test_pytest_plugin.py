"""The pytest plugin, run the way a user's suite runs it (``pytester``).

* Default mode: ``parity`` compares through the emulator mounted in-process.
* ``--nutshell-live``: the same ``parity`` test runs against "the real account", read-only. No
  real network here: the inner conftest mounts an emulator on Nutshell's hosts with
  ``responses`` for the whole session and the environment names the emulator's test account, so
  the live clients (discovery included) talk to it exactly as they would to Nutshell. Writes
  through any live client are refused with PolicyDenied before a request goes out; the
  emulator fixtures skip; missing or unsafe settings stop the session with a usage error.
* The plugin imports nothing at load time beyond pytest (pytest loads it in every suite of every
  project that installs the package), and runs with only the runtime dependencies importable.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL

#: Mounts an emulator on Nutshell's hosts for the whole inner session when it runs live, so
#: "the real account" answers in-process; records how many requests reached it.
LIVE_CONFTEST = """
import pytest
import responses

from nutshell_emulator import Emulator


@pytest.fixture(scope="session", autouse=True)
def nutshell_hosts(request):
    if not request.config.getoption("--nutshell-live"):
        yield None
        return
    emulator = Emulator()
    emulator.seed(40, random_seed=4)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        yield mock
    emulator.close()
"""

PARITY_TESTS = """
def test_leads_match(parity):
    leads = parity("findLeads", query={"status": 0}, limit=5)
    assert leads
    parity("getLead", leads[0]["id"])


def test_contacts_match(parity):
    assert parity("findContacts", limit=5)
"""

LIVE_TESTS = """
import pytest

from nutshell_core.errors import PolicyDenied


def _sent(mock):
    return len(mock.calls)


def test_rpc_client_reads_and_refuses_writes(nutshell_rpc_client, nutshell_hosts):
    lead = nutshell_rpc_client.leads.find(limit=1)[0]
    assert nutshell_rpc_client.leads.get(lead.id).id == lead.id
    sent = _sent(nutshell_hosts)
    with pytest.raises(PolicyDenied, match="newLead"):
        nutshell_rpc_client.newLead(lead={"name": "must not exist"})
    with pytest.raises(PolicyDenied, match="editLead"):
        nutshell_rpc_client.leads.edit(lead.id, "REV_IGNORE", {"name": "renamed"})
    with pytest.raises(PolicyDenied, match="deleteLead"):
        nutshell_rpc_client.call("deleteLead", lead.id, "REV_IGNORE")
    assert _sent(nutshell_hosts) == sent


def test_bridge_refuses_writes_on_every_path(nutshell_bridge, nutshell_hosts):
    sent = _sent(nutshell_hosts)
    with pytest.raises(PolicyDenied, match="newContact"):
        nutshell_bridge.newContact(contact={"name": "must not exist"})
    with pytest.raises(PolicyDenied, match="newContact"):
        nutshell_bridge.rpc.newContact(contact={"name": "must not exist"})
    with pytest.raises(PolicyDenied, match="POST"):
        nutshell_bridge.rest.call("POST", "/leads", json={"leads": [{"name": "no"}]})
    assert _sent(nutshell_hosts) == sent


def test_rest_client_reads_and_refuses_writes(nutshell_rest_client, nutshell_hosts):
    page = nutshell_rest_client.leads.list()
    assert page
    sent = _sent(nutshell_hosts)
    with pytest.raises(PolicyDenied, match="DELETE"):
        nutshell_rest_client.call("DELETE", "/leads/{id}", id=1)
    assert _sent(nutshell_hosts) == sent


def test_needs_the_emulator(nutshell_emulator):
    raise AssertionError("skipped in live mode")


def test_needs_the_mock(nutshell_mock):
    raise AssertionError("skipped in live mode")
"""


def _plugin_args() -> list[str]:
    # The installed package registers the plugin through its pytest11 entry point; load it by
    # hand only when entry points are switched off (loading it twice would be an error).
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return ["-p", "nutshell_migrate.pytest_plugin"]
    return []


@pytest.fixture
def live_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment names the emulator's test account (nothing real)."""
    monkeypatch.setenv("NUTSHELL_USERNAME", DEFAULT_EMAIL)
    monkeypatch.setenv("NUTSHELL_API_KEY", DEFAULT_API_KEY)
    monkeypatch.delenv("NUTSHELL_RPC_ENDPOINT", raising=False)
    monkeypatch.delenv("NUTSHELL_REST_URL", raising=False)


def test_parity_runs_against_the_emulator_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_parity=PARITY_TESTS)
    result = pytester.runpytest(*_plugin_args(), "--nutshell-seed-records", "40")
    result.assert_outcomes(passed=2)


@pytest.mark.usefixtures("live_env")
def test_live_mode_runs_parity_read_only(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(LIVE_CONFTEST)
    pytester.makepyfile(test_parity=PARITY_TESTS, test_live=LIVE_TESTS)
    result = pytester.runpytest(*_plugin_args(), "--nutshell-live", "-rs")
    result.assert_outcomes(passed=5, skipped=2)
    result.stdout.fnmatch_lines(
        [
            f"nutshell: live account {DEFAULT_EMAIL} at the endpoint discovered*(read-only)",
            "*nutshell_emulator is not available with --nutshell-live*",
            "*nutshell_mock is not available with --nutshell-live*",
        ]
    )
    assert DEFAULT_API_KEY not in result.stdout.str()


@pytest.mark.usefixtures("live_env")
def test_live_mode_takes_explicit_endpoints(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUTSHELL_RPC_ENDPOINT", "https://app.nutshell.com/api/v1/json")
    pytester.makeconftest(LIVE_CONFTEST)
    pytester.makepyfile(test_parity=PARITY_TESTS)
    result = pytester.runpytest(*_plugin_args(), "--nutshell-live")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*live account * at https://app.nutshell.com/api/v1/json*"])


@pytest.mark.parametrize(
    ("unset", "named"),
    [
        (("NUTSHELL_USERNAME", "NUTSHELL_API_KEY"), "NUTSHELL_USERNAME and NUTSHELL_API_KEY"),
        (("NUTSHELL_API_KEY",), "NUTSHELL_API_KEY"),
    ],
)
@pytest.mark.usefixtures("live_env")
def test_live_mode_without_credentials_is_a_usage_error(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    unset: tuple[str, ...],
    named: str,
) -> None:
    for name in unset:
        monkeypatch.delenv(name)
    pytester.makepyfile(test_parity=PARITY_TESTS)
    result = pytester.runpytest(*_plugin_args(), "--nutshell-live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --nutshell-live needs {named} in the environment*"])
    assert "Traceback" not in result.stderr.str()


@pytest.mark.parametrize(
    ("variable", "url"),
    [
        ("NUTSHELL_RPC_ENDPOINT", "http://nutshell.example.com/api/v1/json"),
        ("NUTSHELL_REST_URL", "ftp://app.nutshell.com/rest"),
    ],
)
@pytest.mark.usefixtures("live_env")
def test_live_mode_refuses_an_unsafe_endpoint_at_start(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, variable: str, url: str
) -> None:
    monkeypatch.setenv(variable, url)
    pytester.makepyfile(test_parity=PARITY_TESTS)
    result = pytester.runpytest(*_plugin_args(), "--nutshell-live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --nutshell-live: {variable}: refusing *"])
    assert DEFAULT_API_KEY not in result.stderr.str() + result.stdout.str()


# -- import cost and runtime dependencies ---------------------------------------------------------

#: Refuses to import the test extra's packages (a runtime install does not have them).
_BLOCKER = """
import importlib.abc
import sys

BLOCKED = {blocked!r}


class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is not installed (blocked: test extra only)")
        return None


sys.meta_path.insert(0, Blocker())
"""

_TEST_EXTRA_ONLY = ["hypothesis", "jsonschema", "schemathesis", "mypy", "ruff"]


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUTSHELL_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def test_loading_the_plugin_imports_nothing_but_pytest() -> None:
    code = _BLOCKER.format(blocked=[*_TEST_EXTRA_ONLY, "responses"]) + textwrap.dedent(
        """
        import nutshell_migrate.pytest_plugin
        PROJECT = {"bridge", "nutshell_core", "nutshell_rpc", "nutshell_rest",
                   "nutshell_emulator", "requests", "responses", "attrs", "cattrs"}
        print(sorted(m for m in sys.modules if m.partition(".")[0] in PROJECT))
        """
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_plugin_works_with_the_runtime_dependencies_only(pytester: pytest.Pytester) -> None:
    # A user's suite, run in a fresh interpreter where the test extra cannot be imported and
    # entry points are off (hypothesis's own plugin would otherwise load): the plugin, the
    # emulator and ``responses`` (a runtime dependency) are enough.
    pytester.makepyfile(test_parity=PARITY_TESTS)
    code = _BLOCKER.format(blocked=_TEST_EXTRA_ONLY) + textwrap.dedent(
        f"""
        import os
        import pytest
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        sys.exit(pytest.main([{str(pytester.path)!r}, "-q", "-p", "nutshell_migrate.pytest_plugin",
                              "--nutshell-seed-records", "30", "-p", "no:cacheprovider"]))
        """
    )
    done = _python(code)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
