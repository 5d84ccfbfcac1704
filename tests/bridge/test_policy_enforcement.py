"""``policy=`` and ``audit=`` on the JSON-RPC client, the REST client and the bridge.

A refused call raises PolicyDenied naming the method, the record type and the access missing,
and sends nothing (the responses mock records every request); allowed calls are answered as
before; every call produces exactly one audit event, refused or not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from nutshell_core.audit import AuditEvent, MemoryAudit
from nutshell_core.errors import NotFoundError, PolicyDenied
from nutshell_core.guard import CallGuard
from nutshell_core.policy import Agent, PolicyError
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL
from nutshell_rest import RestClient
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.bridge.conftest import ENDPOINT

SEED_DATA = (20, 5)
REST_BASE = "https://app.nutshell.com/rest"
DIGEST = "cd" * 32
READER = Agent("sales-bot", DIGEST, {"leads": "read"})


def _rpc(**options: Any) -> RpcAPI:
    return RpcAPI(
        DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, sleep=lambda _s: None, **options
    )


def _rest(**options: Any) -> RestClient:
    return RestClient(
        DEFAULT_EMAIL, DEFAULT_API_KEY, base_url=REST_BASE, sleep=lambda _s: None, **options
    )


def _bridge(mode: str, **options: Any) -> BridgeAPI:
    return BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=ENDPOINT,
        routes={"*": mode},
        sleep=lambda _s: None,
        **options,
    )


LegacyClient = Callable[..., Any]
LEGACY: dict[str, LegacyClient] = {
    "rpc": _rpc,
    "bridge-rpc": lambda **o: _bridge("rpc", **o),
    "bridge-rest": lambda **o: _bridge("rest", **o),
    "bridge-fallback": lambda **o: _bridge("rest-fallback", **o),
}


@pytest.fixture
def lead_id(mock: responses.RequestsMock) -> int:
    stubs = _rpc().findLeads(limit=1)
    return int(stubs[0]["id"])


@pytest.mark.parametrize("kind", sorted(LEGACY))
def test_a_reader_reads_and_is_refused_the_rest_with_nothing_sent(
    kind: str, mock: responses.RequestsMock, lead_id: int
) -> None:
    audit = MemoryAudit()
    api = LEGACY[kind](policy=READER, audit=audit)
    assert api.findLeads(limit=2)
    assert api.getLead(lead_id)["id"] == lead_id
    sent = len(mock.calls)
    refusals: list[tuple[Callable[[], Any], str]] = [
        (lambda: api.newLead({"description": "x"}), "newLead needs write on leads"),
        (lambda: api.editLead(lead_id, "0", {"description": "y"}), "editLead needs write on leads"),
        (lambda: api.deleteLead(lead_id, "0"), "deleteLead needs write on leads"),
        (lambda: api.getContact(1), "getContact needs read on contacts"),
        (lambda: api.call("findAccounts"), "findAccounts needs read on accounts"),
    ]
    for attempt, words in refusals:
        with pytest.raises(PolicyDenied) as caught:
            attempt()
        assert str(caught.value).startswith(words)
        assert "agent sales-bot has" in str(caught.value)
    assert len(mock.calls) == sent  # not one request for a refused call
    decisions = [(e.call, e.decision, e.status, e.agent) for e in audit.events]
    assert decisions[:2] == [
        ("findLeads", "allowed", "ok", "sales-bot"),
        ("getLead", "allowed", "ok", "sales-bot"),
    ]
    assert [d[1:3] for d in decisions[2:]] == [("denied", "denied")] * len(refusals)
    assert audit.events[1].ids == (str(lead_id),)
    assert all(e.duration_ms >= 0 for e in audit.events)
    assert all(DEFAULT_API_KEY not in e.to_json() for e in audit.events)


def test_typed_services_are_checked_too(mock: responses.RequestsMock, lead_id: int) -> None:
    api = _rpc(policy=READER)
    assert api.leads.get(lead_id).id == lead_id
    sent = len(mock.calls)
    with pytest.raises(PolicyDenied, match="getContact needs read on contacts"):
        api.contacts.get(1)
    assert len(mock.calls) == sent


def test_bridge_routes_record_the_mode(mock: responses.RequestsMock, lead_id: int) -> None:
    audit = MemoryAudit()
    api = _bridge("rest", policy=READER, audit=audit)
    api.getLead(lead_id)  # linked stages, users... fetched through REST for this one call
    assert [(e.call, e.route) for e in audit.events] == [("getLead", "rest")]


def test_filtered_searches_drop_types_not_granted(mock: responses.RequestsMock) -> None:
    everything = _rpc().searchUniversal("a")
    assert set(everything) >= {"contacts", "accounts"}
    for kind in ("rpc", "bridge-rest"):
        api = LEGACY[kind](policy=Agent("crm", DIGEST, {"contacts": "read"}))
        found = api.searchUniversal("a")
        assert set(found) == set(everything)  # every key stays, for legacy readers
        assert [c["id"] for c in found["contacts"]] == [c["id"] for c in everything["contacts"]]
        assert all(v == [] for k, v in found.items() if k != "contacts")
    with pytest.raises(PolicyDenied, match="one of contacts, users"):
        _rpc(policy=READER).searchContactsAndUsers("a")


def test_rest_client_refuses_before_sending(mock: responses.RequestsMock, lead_id: int) -> None:
    audit = MemoryAudit()
    client = _rest(policy=READER, audit=audit)
    assert client.leads.get(lead_id)
    assert client.call("GET", "/leads/{id}", id=lead_id)
    sent = len(mock.calls)
    with pytest.raises(PolicyDenied, match=r"^POST /leads needs write on leads; agent sales-bot"):
        client.leads.create({"description": "x"})
    with pytest.raises(PolicyDenied, match="GET /contacts needs read on contacts"):
        client.contacts.list()
    with pytest.raises(PolicyDenied, match=r"GET /leads/\{id\}/stages needs read on stages"):
        client.leads.stages(lead_id)
    with pytest.raises(PolicyDenied, match="GET /events needs read on events"):
        client.events.list()
    assert len(mock.calls) == sent
    assert [(e.call, e.decision, e.status) for e in audit.events] == [
        ("GET /leads/{id}", "allowed", "ok"),
        ("GET /leads/{id}", "allowed", "ok"),
        ("POST /leads", "denied", "denied"),
        ("GET /contacts", "denied", "denied"),
        ("GET /leads/{id}/stages", "denied", "denied"),
        ("GET /events", "denied", "denied"),
    ]
    assert audit.events[0].ids == (f"{lead_id}-leads",)


def test_failures_are_audited_with_their_class(mock: responses.RequestsMock) -> None:
    audit = MemoryAudit()
    with pytest.raises(NotFoundError):
        _rest(policy=READER, audit=audit).leads.get(999_999)
    with pytest.raises(NotFoundError):
        _rpc(audit=audit).getLead(999_999)
    assert [(e.agent, e.decision, e.status) for e in audit.events] == [
        ("sales-bot", "allowed", "NotFoundError"),
        (None, "allowed", "NotFoundError"),  # audit without a policy: nothing is refused
    ]
    assert audit.events[1].record_types == ("leads",)


def test_no_policy_changes_nothing(mock: responses.RequestsMock, lead_id: int) -> None:
    assert _rpc().newLead({"description": "allowed"})["id"]
    assert _rest().leads.get(lead_id)


def test_a_failing_sink_never_changes_the_outcome(
    mock: responses.RequestsMock, lead_id: int
) -> None:
    def broken(_event: AuditEvent) -> None:
        raise RuntimeError("disk full")

    assert _rpc(policy=READER, audit=broken).getLead(lead_id)["id"] == lead_id


def test_bad_options_are_configuration_errors() -> None:
    with pytest.raises(PolicyError, match="policy must be an Agent"):
        _rpc(policy={"leads": "read"})
    with pytest.raises(PolicyError, match="audit must be a callable"):
        CallGuard(None, "audit.log")  # type: ignore[arg-type]
