"""The ``nutshell-migrate`` command line: matrix, scan, emulator and the bridge proxy.

Servers run in threads with ``--run-seconds`` so every test ends on its own; every wait is
bounded. Network traffic stays on 127.0.0.1 (the suite's guard refuses anything else).
"""

from __future__ import annotations

import io
import json
import re
import socket
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.matrix import matrix, to_markdown
from bridge.revs import is_bridge_rev
from bridge.routes import Routes
from bridge.translators import REGISTRY
from nutshell_core.catalog import RPC_METHODS, rpc_method
from nutshell_core.errors import AuthenticationError, ServerError
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator, Fault
from nutshell_migrate.cli import main
from nutshell_migrate.proxy import BridgeBackend, BridgePrincipal
from nutshell_migrate.scan import MAX_FILE_BYTES, scan_paths
from nutshell_rpc import NutshellAPI as RpcAPI

WRONG_KEY = "sekrit-KEY-123456"  # one of the suite's secrets: the leak guard watches it too
WAIT = 10.0  # seconds: the bound on every wait for a server thread


# -- helpers ----------------------------------------------------------------------------------


class Running:
    """``main(argv)`` running in a thread, its stdout captured in a StringIO."""

    def __init__(self, argv: list[str], stdout: io.StringIO) -> None:
        self.stdout = stdout
        self.codes: list[int] = []
        self.thread = threading.Thread(target=lambda: self.codes.append(main(argv)), daemon=True)
        self.thread.start()

    def wait_for(self, pattern: str) -> str:
        """The output so far, once ``pattern`` appears in it (bounded wait)."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            text = self.stdout.getvalue()
            if re.search(pattern, text, re.MULTILINE):
                return text
            if not self.thread.is_alive():
                break
            time.sleep(0.01)
        pytest.fail(
            f"no {pattern!r} in the output: {self.stdout.getvalue()!r} (codes {self.codes})"
        )

    def finish(self) -> int:
        """The exit code, once the thread has stopped (bounded wait)."""
        self.thread.join(timeout=WAIT)
        assert not self.thread.is_alive(), "the server did not stop after --run-seconds"
        assert len(self.codes) == 1
        return self.codes[0]


def _capture_stdout(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Replace sys.stdout with a StringIO that server threads print into.

    Called in the test body: pytest re-installs its own capture between setup and call, so
    a fixture's replacement would not last. A StringIO, unlike capsys, is never truncated
    under a writing thread, so no line can be lost between two reads.
    """
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buffer)
    return buffer


def _field(text: str, name: str) -> str:
    match = re.search(rf"^  {re.escape(name)}:\s+(\S+)", text, re.MULTILINE)
    assert match is not None, f"no {name} line in {text!r}"
    return match.group(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- matrix -----------------------------------------------------------------------------------


def test_matrix_markdown_is_the_generated_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix"]) == 0
    assert capsys.readouterr().out == to_markdown()


def test_matrix_json_has_one_row_per_legacy_method(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["method"] for r in rows] == sorted(RPC_METHODS)
    assert all(set(r) == {"method", "status", "rest_operations", "differences"} for r in rows)
    get_lead = next(r for r in rows if r["method"] == "getLead")
    expected = next(r for r in matrix() if r.method == "getLead")
    assert get_lead["status"] == expected.status.value
    assert get_lead["rest_operations"] == ["GET /leads/{id}"]
    assert get_lead["differences"] == list(expected.differences)


@pytest.mark.parametrize("status", ["mapped", "partial", "unsupported"])
def test_matrix_filters_by_status(status: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--format", "json", "--status", status]) == 0
    rows = json.loads(capsys.readouterr().out)
    expected = [r.method for r in matrix() if r.status.value == status]
    assert expected, "every status has at least one method"
    assert [r["method"] for r in rows] == expected

    assert main(["matrix", "--status", status]) == 0
    table = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| `")]
    assert len(table) == len(expected)
    assert all(f"| {status} |" in line for line in table)


def test_matrix_refuses_an_unknown_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--status", "done"]) == 2
    assert "invalid choice" in capsys.readouterr().err


# -- scan -------------------------------------------------------------------------------------

APP_PY = """\
import nutshell

api = nutshell.NutshellAPI(user, key)
leads = api.findLeads(query={"status": 0})
lead = api.getLead(leads[0]["id"])
api.call("editLead", 1, "rev", {})
payload = {"jsonrpc": "2.0", "method": "newTask", "params": {}}
rpc_method = 'searchUniversal'
total = {"method": "add", "params": [1, 2]}
api.findLeadsX()
api.xfindLeads()
findLeads = 3
print("findLeads", "getLead")
items = set()
items.add(1)
"""

LEGACY_PHP = """\
<?php
$api = new NutshellApi($user, $key);
$leads = $api->findLeads(array('query' => array()));
$lead = $api->getLead(12);
$request = array('method' => 'getLead', 'params' => array(12));
$api->call('newLead', $params);
$api->getLeadsCount();
$x = Nutshell::findTags();
"""

CLIENT_JS = """\
const body = JSON.stringify({ jsonrpc: "2.0", method: "findAccounts", params: {}, id: 1 });
client?.getContact(5);
await rpc.request('searchLeads', ['acme']);
const other = myfindAccounts();
const s = "findAccounts";
api.findAccounts_v2();
$api.$getContact();
"""

# (file, line, method) for every call the tree holds; everything else in it is a near miss.
EXPECTED_HITS = [
    ("client.js", 1, "findAccounts"),
    ("client.js", 2, "getContact"),
    ("client.js", 3, "searchLeads"),
    ("src/app.py", 4, "findLeads"),
    ("src/app.py", 5, "getLead"),
    ("src/app.py", 6, "editLead"),
    ("src/app.py", 7, "newTask"),
    ("src/app.py", 8, "searchUniversal"),
    ("src/app.py", 9, "add"),
    ("src/legacy.php", 3, "findLeads"),
    ("src/legacy.php", 4, "getLead"),
    ("src/legacy.php", 5, "getLead"),
    ("src/legacy.php", 6, "newLead"),
    ("src/legacy.php", 8, "findTags"),
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small codebase: three sources with calls, and everything the scanner must pass over."""
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(APP_PY, encoding="utf-8")
    (root / "src" / "legacy.php").write_text(LEGACY_PHP, encoding="utf-8")
    (root / "client.js").write_text(CLIENT_JS, encoding="utf-8")
    call = "api.findLeads()\n"
    # Not scanned: other extensions, dependencies, version control and virtualenvs.
    (root / "notes.txt").write_text(call, encoding="utf-8")
    for folder in ("node_modules/lib", ".git/hooks", "env/lib"):
        (root / folder).mkdir(parents=True)
        (root / folder / "x.js").write_text(call, encoding="utf-8")
    (root / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    # Skipped: a binary file and one over the size bound, both with a call inside.
    (root / "blob.py").write_bytes(b"\x00\x01\x02" + call.encode() + b"\x00" * 64)
    (root / "bundle.js").write_bytes(call.encode() + b"x" * MAX_FILE_BYTES)
    # Unreadable: a dangling symlink is an error in the report, not the end of the scan.
    (root / "broken.py").symlink_to(root / "missing.py")
    return root


def _relative(tree: Path, path: str) -> str:
    return Path(path).relative_to(tree).as_posix()


def test_scan_finds_calls_and_passes_over_near_misses(tree: Path) -> None:
    report = scan_paths([str(tree)])
    found = [(_relative(tree, h.path), h.line, h.method) for h in report.hits]
    assert found == EXPECTED_HITS
    assert all(h.status == REGISTRY[h.method].status.value for h in report.hits)
    assert report.files_scanned == 3
    assert sorted((_relative(tree, p), r) for p, r in report.skipped) == [
        ("blob.py", "binary"),
        ("bundle.js", "too large"),
    ]
    assert [_relative(tree, p) for p, _ in report.errors] == ["broken.py"]


def test_scan_reports_columns_and_forms(tree: Path) -> None:
    hits = {(_relative(tree, h.path), h.line): h for h in scan_paths([str(tree)]).hits}
    assert (hits[("src/app.py", 4)].column, hits[("src/app.py", 4)].form) == (13, "attribute")
    assert hits[("src/app.py", 6)].form == "call-string"
    assert hits[("src/legacy.php", 5)].form == "method-string"
    assert hits[("client.js", 2)].column == 9


def test_scan_json_counts_per_method_and_status(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(tree), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["total"] == 14
    assert data["summary"]["by_method"] == {
        "add": 1,
        "editLead": 1,
        "findAccounts": 1,
        "findLeads": 2,
        "findTags": 1,
        "getContact": 1,
        "getLead": 3,
        "newLead": 1,
        "newTask": 1,
        "searchLeads": 1,
        "searchUniversal": 1,
    }
    expected_status = {"mapped": 0, "partial": 0, "unsupported": 0}
    for method, count in data["summary"]["by_method"].items():
        expected_status[REGISTRY[method].status.value] += count
    assert data["summary"]["by_status"] == expected_status
    assert sum(expected_status.values()) == 14
    assert data["files_scanned"] == 3
    assert len(data["skipped"]) == 2
    assert len(data["errors"]) == 1
    hit = data["hits"][0]
    assert set(hit) == {
        "path",
        "line",
        "column",
        "method",
        "status",
        "form",
        "candidates",
        "access",
        "modes",
        "can_move",
        "verdict",
    }


def test_scan_text_report(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tree)]) == 0
    out = capsys.readouterr().out
    assert f"      {tree / 'src' / 'app.py'}:4:13\n" in out
    assert "14 legacy call(s) in 3 file(s) to 11 method(s); 3 file(s) scanned." in out
    # One line per method with its verdict, then its call sites.
    assert re.search(r"^  getLead \(read, partial; modes: [^)]*\): yes, after checking", out, re.M)
    assert "Skipped 2 file(s): 1 binary, 1 too large." in out
    assert f"could not read {tree / 'broken.py'}: No such file or directory" in out


def test_scan_counts_each_file_once_and_reads_named_files(tree: Path, tmp_path: Path) -> None:
    named = tmp_path / "script.legacy"
    named.write_text('request({"method": "getLead"})\n', encoding="utf-8")
    report = scan_paths([str(tree), str(tree / "src"), str(named)])
    # The tree's files are counted once although `src` was named twice; the named file is read
    # although its extension is not a source one.
    assert len(report.hits) == len(EXPECTED_HITS) + 1
    assert [(h.line, h.method) for h in report.hits if h.path == str(named)] == [(1, "getLead")]
    assert report.files_scanned == 4


def test_scan_of_a_missing_path_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no such file or directory" in err
    assert "Traceback" not in err


# -- emulator ---------------------------------------------------------------------------------


def test_emulator_serves_until_run_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    stdout = _capture_stdout(monkeypatch)
    running = Running(
        ["emulator", "--port", "0", "--records", "12", "--seed", "3", "--run-seconds", "1"],
        stdout,
    )
    text = running.wait_for(r"^  api key:")
    rpc_url = _field(text, "rpc")
    assert urlsplit(rpc_url).hostname == "127.0.0.1"
    assert _field(text, "discovery").endswith("/v1/json")
    assert _field(text, "rest").endswith("/rest")
    email, key = _field(text, "email"), _field(text, "api key")
    assert (email, key) == (DEFAULT_EMAIL, DEFAULT_API_KEY)

    api = RpcAPI(email, key, endpoint=rpc_url)
    try:
        leads = api.findLeads()
    finally:
        api.close()
    assert leads
    assert all(lead["entityType"] == "Leads" for lead in leads)
    assert running.finish() == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["emulator", "--host", "0.0.0.0", "--run-seconds", "0"],
        ["proxy", "--listen-port", "0", "--listen-host", "0.0.0.0", "--run-seconds", "0"],
        ["proxy", "--listen-port", "0", "--listen-host", "192.168.1.5", "--run-seconds", "0"],
    ],
)
def test_servers_refuse_non_loopback_hosts(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "only listens on loopback" in captured.err
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err


# -- proxy ------------------------------------------------------------------------------------


def test_proxy_serves_raw_json_rpc_through_the_bridge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdout = _capture_stdout(monkeypatch)
    emulator = Emulator()
    emulator.seed(20, random_seed=5)
    # Were the routes ignored, these would fail the calls: getLead must not reach the RPC
    # front, nor findLeads the REST one.
    rpc_get_lead = emulator.faults.add("getLead", Fault.http_status(500))
    rest_find_leads = emulator.faults.add("GET /rest/leads", Fault.http_status(500))
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps({"getLead": "rest"}), encoding="utf-8")
    try:
        with emulator.serve() as urls:
            running = Running(
                [
                    "proxy",
                    "--listen-port",
                    "0",
                    "--upstream-rpc",
                    urls.rpc,
                    "--upstream-rest",
                    urls.rest,
                    "--routes",
                    str(routes),
                    "--run-seconds",
                    "3",
                ],
                stdout,
            )
            text = running.wait_for(r"^  routes:")
            proxy_rpc, proxy_discovery = _field(text, "rpc"), _field(text, "discovery")

            def call(method: str, params: object, key: str = DEFAULT_API_KEY) -> requests.Response:
                # What a PHP or Ruby integration sends: a JSON body and Basic auth.
                body = {"jsonrpc": "2.0", "method": method, "params": params, "id": "legacy-7"}
                return requests.post(
                    proxy_rpc,
                    data=json.dumps(body),
                    headers={"Content-Type": "application/json"},
                    auth=(DEFAULT_EMAIL, key),
                    timeout=5,
                )

            found = call("findLeads", {"query": {}, "limit": 5})
            assert found.status_code == 200
            payload = found.json()
            assert payload["error"] is None
            assert payload["id"] == "legacy-7"
            leads = payload["result"]
            assert 0 < len(leads) <= 5
            assert all(lead["entityType"] == "Leads" for lead in leads)
            assert not any(is_bridge_rev(lead["rev"]) for lead in leads)  # RPC's own revs

            got = call("getLead", [leads[0]["id"]])  # positional params, as old clients send
            assert got.status_code == 200
            lead = got.json()["result"]
            assert (lead["id"], lead["name"]) == (leads[0]["id"], leads[0]["name"])
            assert is_bridge_rev(lead["rev"])  # answered through REST

            bad = call("findLeads", {}, key=WRONG_KEY)
            assert bad.status_code == 401
            assert bad.json()["error"]["code"] == 401
            assert bad.json()["result"] is None

            discovery = requests.post(
                proxy_discovery,
                json={"method": "getApiForUsername", "params": {"username": DEFAULT_EMAIL}},
                timeout=5,
            ).json()["result"]
            assert discovery["api"] == urlsplit(proxy_rpc).netloc

            # A client that discovers its endpoint ends up at the proxy too.
            legacy = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, discovery_url=proxy_discovery)
            try:
                assert legacy.endpoint == proxy_rpc
                assert legacy.getLead(leads[1]["id"])["id"] == leads[1]["id"]
            finally:
                legacy.close()

            assert running.finish() == 0
    finally:
        emulator.close()
    assert (rpc_get_lead.fired, rest_find_leads.fired) == (0, 0)
    output = stdout.getvalue()
    assert DEFAULT_API_KEY not in output
    assert WRONG_KEY not in output


def test_proxy_refuses_a_bad_routes_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps({"newLead": "shadow"}), encoding="utf-8")
    assert main(["proxy", "--listen-port", "0", "--routes", str(routes)]) == 2
    assert "newLead is a write" in capsys.readouterr().err


def test_proxy_refuses_plain_http_upstreams_off_loopback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["proxy", "--listen-port", "0", "--upstream-rpc", "http://example.com/api/v1/json"]
    assert main(argv) == 2
    assert "plain http" in capsys.readouterr().err


# -- the backend on its own -------------------------------------------------------------------

UPSTREAM = "https://app.nutshell.com/api/v1/json"


@pytest.fixture
def backend() -> BridgeBackend:
    """A backend for the emulator mounted on Nutshell's hosts (see conftest's ``mock``)."""
    return BridgeBackend(api_host="127.0.0.1:9999", upstream_rpc=UPSTREAM, routes=Routes())


def test_backend_caches_one_client_per_credential_pair(backend: BridgeBackend) -> None:
    first = backend.authenticate(DEFAULT_EMAIL, DEFAULT_API_KEY)
    assert isinstance(first, BridgePrincipal)
    assert backend.authenticate(DEFAULT_EMAIL, DEFAULT_API_KEY) is first
    other = backend.authenticate(DEFAULT_EMAIL, WRONG_KEY)
    assert other is not None and other is not first
    assert backend.authenticate(DEFAULT_EMAIL, "") is None
    assert backend.authenticate("", DEFAULT_API_KEY) is None
    for text in (repr(first), repr(other), repr(backend)):
        assert DEFAULT_API_KEY not in text
        assert WRONG_KEY not in text
    assert backend.implements(rpc_method("getAnalyticsReport"))
    assert backend.discover("anyone@example.com")["api"] == "127.0.0.1:9999"
    backend.close()


def test_backend_evicts_the_least_recently_used_client() -> None:
    backend = BridgeBackend(api_host="127.0.0.1:1", upstream_rpc=UPSTREAM, max_clients=2)
    a = backend.authenticate("a@example.com", "key-a")
    b = backend.authenticate("b@example.com", "key-b")
    assert backend.authenticate("a@example.com", "key-a") is a  # a is now the most recent
    backend.authenticate("c@example.com", "key-c")
    assert backend.authenticate("a@example.com", "key-a") is a
    assert backend.authenticate("b@example.com", "key-b") is not b
    backend.close()


def test_backend_dispatches_and_forgets_rejected_credentials(
    backend: BridgeBackend, mock: responses.RequestsMock
) -> None:
    good = backend.authenticate(DEFAULT_EMAIL, DEFAULT_API_KEY)
    leads = backend.dispatch(rpc_method("findLeads"), {"limit": 3}, good)
    assert 0 < len(leads) <= 3

    bad = backend.authenticate(DEFAULT_EMAIL, WRONG_KEY)
    with pytest.raises(AuthenticationError):
        backend.dispatch(rpc_method("findLeads"), {}, bad)
    assert backend.authenticate(DEFAULT_EMAIL, WRONG_KEY) is not bad
    assert backend.authenticate(DEFAULT_EMAIL, DEFAULT_API_KEY) is good
    with pytest.raises(AuthenticationError):
        backend.dispatch(rpc_method("findLeads"), {}, object())
    backend.close()


def test_backend_reports_an_unreachable_upstream_as_a_server_error() -> None:
    endpoint = f"http://127.0.0.1:{_free_port()}/api/v1/json"
    backend = BridgeBackend(
        api_host="127.0.0.1:1",
        api_factory=lambda user, key: BridgeAPI(
            user, key, endpoint=endpoint, sleep=lambda _s: None
        ),
    )
    principal = backend.authenticate(DEFAULT_EMAIL, DEFAULT_API_KEY)
    with pytest.raises(ServerError) as caught:
        backend.dispatch(rpc_method("findLeads"), {}, principal)
    assert caught.value.status == 503
    backend.close()
