"""The emulator as users meet it: mounted in ``responses`` or served on loopback, one store
behind both APIs, faults, webhooks, seeding and snapshots."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from nutshell_core import errors
from nutshell_core.model import Lead
from nutshell_core.transport import RetryPolicy
from nutshell_emulator import Emulator, Fault
from nutshell_emulator.assumptions import ASSUMPTIONS, by_area
from nutshell_emulator.seed import SEED_EPOCH
from nutshell_emulator.snapshot import to_data
from nutshell_rest import Patch, RestClient
from nutshell_rpc import NutshellAPI
from nutshell_rpc.server import ASSUMPTIONS as SERVER_ASSUMPTIONS

EMAIL, KEY = "owner@example.com", "emulator-api-key-0001"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator()
    yield emu
    emu.close()


@pytest.fixture
def mock(emulator: Emulator) -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        emulator.mount(rsps)
        yield rsps


def rpc(**options: Any) -> NutshellAPI:
    options.setdefault("sleep", lambda _s: None)
    return NutshellAPI(EMAIL, KEY, **options)


def rest(**options: Any) -> RestClient:
    options.setdefault("sleep", lambda _s: None)
    return RestClient(EMAIL, KEY, **options)


def test_a_lead_written_over_rpc_is_patched_over_rest_and_read_back(
    mock: responses.RequestsMock,
) -> None:
    api = rpc()  # discovers app.nutshell.com through the emulated discovery host
    created = api.newLead({"description": "Solar roof"})
    assert created["rev"] == "0" and created["name"].startswith("Lead–")
    client = rest()
    client.leads.update(
        created["id"], Patch("leads").replace("description", "Solar roof, 40 panels")
    )
    again = api.getLead(created["id"])
    assert again["description"] == "Solar roof, 40 panels"
    assert again["rev"] == "1"
    assert again["modifiedTime"] >= created["modifiedTime"]
    over_rest = client.leads.get(created["id"])
    assert isinstance(over_rest, Lead) and over_rest.description == "Solar roof, 40 panels"


def test_stale_rev_after_a_rest_write_fails_over_rpc(mock: responses.RequestsMock) -> None:
    api = rpc()
    lead = api.newLead({"description": "x"})
    rest().leads.update(lead["id"], Patch("leads").replace("description", "y"))
    with pytest.raises(errors.ConflictError, match="rev key is out-of-date"):
        api.editLead(lead["id"], lead["rev"], {"description": "z"})


def test_served_on_loopback_both_apis_answer(emulator: Emulator) -> None:
    with emulator.serve() as urls:
        assert urls.base.startswith("http://127.0.0.1:")
        api = rpc(endpoint=urls.rpc)
        lead = api.newLead({"description": "served"})
        client = rest(base_url=urls.rest)
        fetched = client.leads.get(lead["id"])
        assert fetched.description == "served"
        assert requests.get(urls.rest + "/nope", timeout=5).status_code == 401


def test_injected_429_with_retry_after_is_honoured_by_a_read(
    emulator: Emulator, mock: responses.RequestsMock
) -> None:
    slept: list[float] = []
    emulator.faults.add("getLead", Fault.http_status(429, retry_after=3), count=1)
    api = rpc(sleep=slept.append)
    lead = api.newLead({"description": "x"})
    assert api.getLead(lead["id"])["id"] == lead["id"]
    assert slept == [3.0]


def test_injected_faults_map_to_typed_errors(
    emulator: Emulator, mock: responses.RequestsMock
) -> None:
    api = rpc(retry=RetryPolicy(max_attempts=1))
    emulator.faults.add("findLeads", Fault.reset(), count=1)
    with pytest.raises(errors.TransportError):
        api.findLeads()
    emulator.faults.add("findLeads", Fault.truncate(), count=1)
    with pytest.raises(errors.MalformedResponseError, match="invalid JSON"):
        api.findLeads()
    emulator.faults.add("findLeads", Fault.html(200), count=1)
    with pytest.raises(errors.MalformedResponseError, match="HTML"):
        api.findLeads()
    emulator.faults.add("GET /rest/leads*", Fault.http_status(503), count=1)
    with pytest.raises(errors.ServerError):
        rest(retry=RetryPolicy(max_attempts=1)).leads.list()
    assert api.findLeads() == []  # budgets spent: back to normal


def test_injected_delay_uses_the_emulators_sleep() -> None:
    slept: list[float] = []
    emu = Emulator(sleep=slept.append)
    emu.faults.add("POST /api/v1/json", Fault.delay(0.2), probability=1.0, count=2)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        emu.mount(rsps)
        api = rpc(endpoint="https://app.nutshell.com/api/v1/json")
        api.findLeads()
        api.findLeads()
        api.findLeads()
    assert slept == [0.2, 0.2]


def test_probabilistic_faults_are_reproducible() -> None:
    def run() -> list[bool]:
        emu = Emulator(fault_seed=7)
        emu.faults.add("findLeads", Fault.http_status(500), probability=0.5)
        outcomes = []
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            emu.mount(rsps)
            api = rpc(
                endpoint="https://app.nutshell.com/api/v1/json", retry=RetryPolicy(max_attempts=1)
            )
            for _ in range(20):
                try:
                    api.findLeads()
                    outcomes.append(True)
                except errors.ServerError:
                    outcomes.append(False)
        return outcomes

    first = run()
    assert first == run()
    assert 0 < first.count(False) < 20


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[Any] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_webhooks_deliver_the_real_payload_shape_on_every_write(
    emulator: Emulator, mock: responses.RequestsMock
) -> None:
    _Receiver.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        emulator.register_webhook(f"http://127.0.0.1:{server.server_address[1]}/hook")
        api = rpc()
        lead = api.newLead({"description": "hooked"})
        api.editLead(lead["id"], lead["rev"], {"description": "hooked again"})
        assert emulator.webhooks.flush(timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    assert [d.status for d in emulator.webhooks.deliveries] == [200, 200]
    first, second = _Receiver.bodies
    assert set(first) >= {"meta", "links", "events", "actors", "payloads"}
    assert first["events"][0]["action"] == "create"
    assert second["events"][0]["action"] == "update"
    assert first["events"][0]["links"]["payloads"] == [f"{lead['id']}-leads"]


def test_webhooks_refuse_non_loopback_targets(emulator: Emulator) -> None:
    with pytest.raises(errors.InsecureTransportError):
        emulator.register_webhook("http://10.0.0.5/hook")
    with pytest.raises(errors.InsecureTransportError):
        emulator.register_webhook("https://example.com/hook")


def test_seed_is_deterministic_and_linked() -> None:
    fixed = lambda: SEED_EPOCH  # noqa: E731
    first, second = Emulator(clock=fixed), Emulator(clock=fixed)
    summary = first.seed(200, random_seed=3)
    second.seed(200, random_seed=3)
    assert to_data(first.store.state()) == to_data(second.store.state())
    assert summary.counts["Lead"] >= 40 and summary.counts["Account"] >= 20
    assert sum(summary.counts.values()) >= 200
    third = Emulator(clock=fixed)
    third.seed(200, random_seed=4)
    assert to_data(third.store.state()) != to_data(first.store.state())


def test_snapshot_and_restore_round_trip(tmp_path: Path) -> None:
    emu = Emulator()
    emu.seed(60, random_seed=1)
    path = tmp_path / "state.json"
    emu.snapshot(path)
    other = Emulator()
    other.restore(path)
    assert to_data(other.store.state()) == to_data(emu.store.state())
    with pytest.raises(errors.UsageError):
        other.restore(tmp_path / "missing.json")


def test_unknown_paths_get_the_html_404(mock: responses.RequestsMock) -> None:
    reply = requests.get("https://app.nutshell.com/nowhere", timeout=5)
    assert reply.status_code == 404 and "An Error Occurred: Not Found" in reply.text


def test_the_assumptions_document_covers_every_area() -> None:
    areas = by_area()
    assert {"store", "json-rpc protocol", "rest writes", "rest events and webhooks"} <= set(areas)
    assert len({(a.area, a.question) for a in ASSUMPTIONS}) == len(ASSUMPTIONS)
    assert all(a.question and a.assumed for a in ASSUMPTIONS)
    # The protocol front's own assumptions appear in the document too.
    documented = " ".join(a.assumed for a in areas["json-rpc protocol"])
    assert "-32700" in documented and "array" in documented
    assert len(SERVER_ASSUMPTIONS) <= len(areas["json-rpc protocol"])


def test_served_discovery_points_back_at_the_loopback_server(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy in the environment must not see loopback traffic (it would carry Basic auth in
    # the clear); this one is a closed loopback port, so using it would fail the test.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    with emulator.serve() as urls:
        api = rpc(discovery_url=urls.discovery)
        assert api.endpoint == urls.rpc
        assert api.findLeads() == []
        assert rest(base_url=urls.rest).stagesets.list().records


class _Redirector(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(302)
        self.send_header("Location", "http://127.0.0.1:9/elsewhere")  # closed loopback port
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_webhook_redirects_and_proxies_are_never_followed(
    emulator: Emulator, mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        emulator.register_webhook(f"http://127.0.0.1:{server.server_address[1]}/hook")
        rpc().newLead({"description": "redirected"})
        assert emulator.webhooks.flush(timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    assert [d.status for d in emulator.webhooks.deliveries] == [302]


def test_a_broken_snapshot_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    emu = Emulator()
    emu.seed(20, random_seed=2)
    before = to_data(emu.store.state())
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "nutshell-emulator-snapshot/1",
                                  "state": {"$map": [["live", {"$map": []}]]}}))  # fmt: skip
    with pytest.raises(errors.UsageError, match="missing"):
        emu.restore(broken)
    assert to_data(emu.store.state()) == before


def test_snapshots_never_hold_a_usable_api_key(tmp_path: Path) -> None:
    emu = Emulator()
    path = tmp_path / "state.json"
    emu.snapshot(path)
    assert emu.api_key not in path.read_text(encoding="utf-8")
    other = Emulator(api_key="another-key-000000000")
    other.restore(path)
    assert other.store.authenticate(emu.email, emu.api_key) is not None
