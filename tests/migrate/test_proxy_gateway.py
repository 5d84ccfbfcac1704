"""The proxy as the agents' gateway, end to end on 127.0.0.1 with the emulator upstream.

* An agent with ``leads = "read"`` gets ``findLeads`` and ``getLead`` answered; ``newLead``,
  ``editLead`` and ``getContact`` are refused (HTTP 403, JSON-RPC -32001, the policy's words)
  with zero upstream requests.
* A wrong or missing token is HTTP 401 with ``WWW-Authenticate``, zero upstream requests.
* Browser requests (Origin, Sec-Fetch-Site, OPTIONS, a foreign Host) are 403, never CORS.
* The audit file holds one valid JSON line per call and neither the token nor the key, also
  with 8 threads calling at once.
* The command line: ``proxy --policy`` takes the key from the environment or serves the
  embedded emulator, and refuses option combinations that cannot work.
"""

from __future__ import annotations

import base64
import io
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from nutshell_core.audit import EVENT_KEYS, AuditLog, MemoryAudit
from nutshell_core.errors import NutshellError
from nutshell_core.policy import Agent, Policy, new_token
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_migrate import proxy
from nutshell_migrate.cli import main
from nutshell_migrate.gateway import CROSS_ORIGIN_CODE, POLICY_DENIED_CODE
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.migrate.test_cli import Running

TIMEOUT = 10.0  # seconds: the bound on every HTTP call
SEED_DATA = (12, 4)
READER, READER_TOKEN, READER_DIGEST = "reader", *new_token()
WRITER, WRITER_TOKEN, WRITER_DIGEST = "writer", *new_token()


class Upstream:
    """The emulator served on loopback, counting every request it receives."""

    def __init__(self, emulator: Emulator, urls: Any) -> None:
        self.urls = urls
        self.requests: list[str] = []
        real = emulator.handle

        def counting(request: Any, **kwargs: Any) -> Any:
            self.requests.append(f"{request.method} {request.path}")
            return real(request, **kwargs)

        emulator.handle = counting  # type: ignore[method-assign]


@pytest.fixture
def upstream(emulator: Emulator) -> Iterator[Upstream]:
    with emulator.serve() as urls:
        yield Upstream(emulator, urls)


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "agents.toml"
    path.write_text(
        f"[agents.{READER}]\n"
        f'token_sha256 = "{READER_DIGEST}"\n'
        'grants = { leads = "read" }\n\n'
        f"[agents.{WRITER}]\n"
        f'token_sha256 = "{WRITER_DIGEST}"\n'
        'grants = { "*" = "write" }\n',
        encoding="utf-8",
    )
    return path


class Gateway:
    """A gateway proxy in front of the counting emulator, auditing to a file."""

    def __init__(self, urls: Any, upstream: Upstream, audit_path: Path) -> None:
        self.urls, self.upstream, self.audit_path = urls, upstream, audit_path

    def call(
        self,
        method: str,
        params: Any = None,
        *,
        auth: Any = (READER, READER_TOKEN),
        headers: dict[str, str] | None = None,
        url: str | None = None,
    ) -> requests.Response:
        body = {"method": method, "params": params or {}, "id": 7}
        return requests.post(
            url or self.urls.rpc, json=body, auth=auth, headers=headers, timeout=TIMEOUT
        )

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.audit_path.read_text("utf-8").splitlines()]


@pytest.fixture
def gateway(upstream: Upstream, policy_file: Path, tmp_path: Path) -> Iterator[Gateway]:
    audit_path = tmp_path / "audit.jsonl"
    with (
        AuditLog(audit_path) as audit,
        proxy.serve(
            upstream_rpc=upstream.urls.rpc,
            upstream_rest=upstream.urls.rest,
            policy=Policy.load(policy_file),
            credentials=(DEFAULT_EMAIL, DEFAULT_API_KEY),
            audit=audit,
        ) as urls,
    ):
        yield Gateway(urls, upstream, audit_path)


def _no_secret(text: str) -> None:
    basic = base64.b64encode(f"{DEFAULT_EMAIL}:{DEFAULT_API_KEY}".encode()).decode()
    for secret in (READER_TOKEN, WRITER_TOKEN, DEFAULT_API_KEY, basic):
        assert secret not in text


def test_a_read_only_agent_reads_leads_and_nothing_else_reaches_nutshell(
    gateway: Gateway,
) -> None:
    found = gateway.call("findLeads", {"limit": 3})
    assert found.status_code == 200, found.text
    leads = found.json()["result"]
    assert leads
    lead = gateway.call("getLead", {"leadId": leads[0]["id"]})
    assert lead.status_code == 200
    assert lead.json()["result"]["id"] == leads[0]["id"]
    before = len(gateway.upstream.requests)
    assert before >= 2

    refused = {
        "newLead": {"lead": {"description": "not allowed"}},
        "editLead": {"leadId": leads[0]["id"], "rev": "REV_IGNORE", "lead": {"description": "x"}},
        "getContact": {"contactId": 1},
    }
    for method, params in refused.items():
        answer = gateway.call(method, params)
        assert answer.status_code == 403
        error = answer.json()["error"]
        assert error["code"] == POLICY_DENIED_CODE
        assert method in error["message"]
        assert ("contacts" if method == "getContact" else "leads") in error["message"]
        assert ("read" if method == "getContact" else "write") in error["message"]
    assert len(gateway.upstream.requests) == before  # zero upstream requests for refusals

    wrong = gateway.call("getLead", {"leadId": 1}, auth=(READER, "not-the-token"))
    assert wrong.status_code == 401
    assert "Basic" in wrong.headers["WWW-Authenticate"]
    assert "Bearer" in wrong.headers["WWW-Authenticate"]
    assert wrong.json()["error"]["code"] == 401
    assert gateway.call("getLead", {"leadId": 1}, auth=None).status_code == 401
    assert gateway.call("getLead", {"leadId": 1}, auth=(WRITER, READER_TOKEN)).status_code == 401
    assert len(gateway.upstream.requests) == before

    events = gateway.events()
    # An unauthenticated body is never parsed (parsing costs; refusing must not), so those
    # calls are named by their HTTP request.
    assert [e["call"] for e in events] == [
        "findLeads", "getLead", "newLead", "editLead", "getContact", *["POST /api/v1/json"] * 3
    ]  # fmt: skip
    assert all(tuple(e) == EVENT_KEYS for e in events)
    assert [e["decision"] for e in events] == ["allowed"] * 2 + ["denied"] * 6
    assert [e["status"] for e in events] == ["ok"] * 2 + ["denied"] * 3 + ["401"] * 3
    assert [e["agent"] for e in events] == [READER] * 5 + [None] * 3
    assert events[1]["ids"] == [str(leads[0]["id"])]
    assert events[1]["route"] == "rpc"
    assert events[4]["record_types"] == ["contacts"]
    assert events[3]["access"] == "write"
    assert "leads" in events[2]["reason"]
    _no_secret(gateway.audit_path.read_text("utf-8"))


def test_a_bearer_token_names_its_agent(gateway: Gateway) -> None:
    headers = {"Authorization": f"Bearer {WRITER_TOKEN}"}
    answer = gateway.call("getContact", {"contactId": 1}, auth=None, headers=headers)
    assert answer.status_code == 200, answer.text
    bad = gateway.call(
        "getContact", {"contactId": 1}, auth=None, headers={"Authorization": "Bearer x"}
    )
    assert bad.status_code == 401
    assert [e["agent"] for e in gateway.events()] == [WRITER, None]


@pytest.mark.parametrize(
    ("how", "headers"),
    [
        ("origin", {"Origin": "https://evil.example"}),
        ("null origin", {"Origin": "null"}),
        ("fetch metadata", {"Sec-Fetch-Site": "cross-site"}),
        ("rebinding", {"Host": "evil.example"}),
    ],
)
def test_browser_requests_are_refused_without_cors(
    gateway: Gateway, how: str, headers: dict[str, str]
) -> None:
    answer = gateway.call("findLeads", auth=(WRITER, WRITER_TOKEN), headers=headers)
    assert answer.status_code == 403, how
    assert answer.json()["error"]["code"] == CROSS_ORIGIN_CODE
    assert not [h for h in answer.headers if h.lower().startswith("access-control-")]
    assert gateway.upstream.requests == []
    (event,) = gateway.events()
    assert (event["agent"], event["decision"], event["status"]) == (None, "denied", "403")


def test_a_preflight_is_refused(gateway: Gateway) -> None:
    answer = requests.options(
        gateway.urls.rpc,
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 403
    assert not [h for h in answer.headers if h.lower().startswith("access-control-")]


def test_discovery_answers_authenticated_agents_with_the_proxy_never_the_key(
    gateway: Gateway,
) -> None:
    params = {"username": DEFAULT_EMAIL}
    answer = gateway.call("getApiForUsername", params, url=gateway.urls.discovery)
    assert answer.status_code == 200
    host = gateway.urls.base.split("://", 1)[1]
    assert answer.json()["result"]["api"] == host
    _no_secret(answer.text)
    anonymous = gateway.call("getApiForUsername", params, url=gateway.urls.discovery, auth=None)
    assert anonymous.status_code == 401
    assert gateway.upstream.requests == []
    assert [e["route"] for e in gateway.events()] == ["discovery", ""]


def test_a_filtered_search_drops_types_not_granted(gateway: Gateway) -> None:
    answer = gateway.call("searchUniversal", {"string": "a"})
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    assert result.get("contacts", []) == []
    assert result.get("accounts", []) == []


def test_eight_threads_audit_whole_lines(gateway: Gateway) -> None:
    per_thread = 6
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for index in range(per_thread):
                method = "getLead" if index % 2 else "newLead"
                params = {"leadId": 1} if index % 2 else {"lead": {}}
                status = gateway.call(method, params).status_code
                assert status == (200 if index % 2 else 403)
        except BaseException as exc:  # reported after the join
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 3)
    assert not failures, failures[0]
    lines = gateway.audit_path.read_text("utf-8").splitlines()
    assert len(lines) == 8 * per_thread
    events = [json.loads(line) for line in lines]  # every line valid JSON
    assert sum(e["decision"] == "denied" for e in events) == 8 * per_thread // 2
    assert sum(e["call"] == "getLead" for e in events) == 8 * per_thread // 2
    assert len(gateway.upstream.requests) == 8 * per_thread // 2


def test_a_legacy_client_talks_to_the_gateway_with_its_agent_token(gateway: Gateway) -> None:
    # The project's own JSON-RPC client stands in for a legacy integration: it sends Basic
    # auth with whatever it was given as username and key.
    with RpcAPI(READER, READER_TOKEN, endpoint=gateway.urls.rpc) as client:
        lead = client.call("getLead", 1)
        assert lead["id"] == 1
        with pytest.raises(NutshellError) as refused:
            client.call("getContact", 1)
    assert "getContact needs read on contacts" in str(refused.value)
    _no_secret(gateway.audit_path.read_text("utf-8"))


def test_the_proxys_own_key_refused_upstream_is_a_gateway_error(
    upstream: Upstream, policy_file: Path
) -> None:
    audit = MemoryAudit()
    with proxy.serve(
        upstream_rpc=upstream.urls.rpc,
        upstream_rest=upstream.urls.rest,
        policy=Policy.load(policy_file),
        credentials=(DEFAULT_EMAIL, "another-key-000000000"),
        audit=audit,
    ) as urls:
        body = {"method": "getLead", "params": {"leadId": 1}, "id": 1}
        answer = requests.post(urls.rpc, json=body, auth=(READER, READER_TOKEN), timeout=TIMEOUT)
    assert answer.status_code == 502
    assert "another-key-000000000" not in answer.text
    (event,) = audit.events
    assert (event.decision, event.status) == ("allowed", "AuthenticationError")


def test_serve_refuses_a_policy_without_credentials_and_credentials_without_a_policy() -> None:
    policy = Policy({READER: Agent(READER, READER_DIGEST, {"leads": "read"})})
    with pytest.raises(NutshellError, match="username and API key"), proxy.serve(policy=policy):
        pass
    with (
        pytest.raises(NutshellError, match="need a policy"),
        proxy.serve(credentials=(DEFAULT_EMAIL, DEFAULT_API_KEY)),
    ):
        pass


# -- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "environ", "message"),
    [
        (["--audit-log", "a.jsonl"], {}, "add --policy FILE"),
        (["--policy", "{policy}"], {"NUTSHELL_USERNAME": "a@example.com"}, "NUTSHELL_API_KEY"),
        (["--policy", "{policy}", "--upstream-rpc", "https://app.nutshell.com/api/v1/json"],
         {}, "--upstream-rpc"),
        (["--policy", "missing.toml"], {}, "cannot read the policy file"),
    ],
)  # fmt: skip
def test_the_command_refuses_gateway_options_that_cannot_work(
    argv: list[str],
    environ: dict[str, str],
    message: str,
    policy_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(policy_file.parent)
    for name in ("NUTSHELL_USERNAME", "NUTSHELL_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    args = [a.replace("{policy}", str(policy_file)) for a in argv]
    assert main(["proxy", "--listen-port", "0", *args]) == 2
    error = capsys.readouterr().err
    assert message in error
    assert len(error.strip().splitlines()) == 1


def test_the_command_serves_agents_from_the_embedded_emulator(
    policy_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NUTSHELL_USERNAME", "NUTSHELL_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    audit_path = tmp_path / "audit.jsonl"
    stdout = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    argv = ["proxy", "--listen-port", "0", "--policy", str(policy_file)]
    running = Running([*argv, "--audit-log", str(audit_path), "--run-seconds", "2"], stdout)
    banner = running.wait_for(r"audit log: .*\n")
    rpc = banner.split("rpc:", 1)[1].split()[0]
    body = {"method": "findLeads", "params": {"limit": 2}, "id": 1}
    answer = requests.post(rpc, json=body, auth=(READER, READER_TOKEN), timeout=TIMEOUT)
    assert answer.status_code == 200
    assert len(answer.json()["result"]) == 2
    denied = requests.post(rpc, json=body, auth=(READER, WRITER_TOKEN), timeout=TIMEOUT)
    assert denied.status_code == 401
    assert running.finish() == 0
    assert "embedded emulator" in banner
    assert "2 from" in banner
    _no_secret(banner)
    lines = audit_path.read_text("utf-8").splitlines()
    assert [json.loads(line)["status"] for line in lines] == ["ok", "401"]
    assert audit_path.stat().st_mode & 0o777 == 0o600
