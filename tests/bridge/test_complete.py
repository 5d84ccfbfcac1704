"""Complete legacy results through REST: linked records in batches, times from the event log,
revs on every record, the opt-in legacy reference source, and the lean option."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.complete import MAX_REQUESTS, MAX_ROUNDS, MAX_SEARCH_REQUESTS, Completer, existing
from bridge.routes import Mode, Routes
from bridge.times import EVENT_IDS_PER_REQUEST, EventTimes, LegacyReference
from nutshell_core.errors import NotFoundError
from nutshell_core.model import UNSET, Contact, Lead, User
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator, Fault
from nutshell_rest import RestClient
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.bridge.worlds import rest_bridge

ENDPOINT = "https://app.nutshell.com/api/v1/json"
REST = "https://app.nutshell.com/rest"


_bridge = rest_bridge


def _rest_paths(mock: responses.RequestsMock, since: int) -> list[str]:
    return [
        str(call.request.path_url)
        for call in mock.calls[since:]
        if "/rest/" in str(call.request.url)
    ]


def _walk(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}", item
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _lead_with_accounts(rpc: RpcAPI, count: int) -> int:
    accounts = [rpc.newAccount({"name": f"Linked {n}"})["id"] for n in range(count)]
    lead = rpc.newLead(
        {
            "description": "Linked everywhere",
            "primaryAccount": {"id": accounts[0]},
            "accounts": [{"id": a} for a in accounts],
        }
    )
    return int(lead["id"])


def test_linked_records_come_in_one_request_per_kind(
    mock: responses.RequestsMock, rpc: RpcAPI
) -> None:
    lead_id = _lead_with_accounts(rpc, 4)
    bridge = _bridge()
    bridge.context.cache.warm()
    since = len(mock.calls)
    result = bridge.getLead(lead_id)
    paths = _rest_paths(mock, since)
    account_gets = [p for p in paths if p.startswith("/rest/accounts/")]
    assert len(account_gets) == 1, paths
    assert account_gets[0].count("-accounts") == 4
    assert len(paths) <= MAX_REQUESTS
    # Every linked account renders as the legacy stub, named: the primary one apart, the
    # others in "accounts" (as the legacy API shows them).
    shown = [result["primaryAccount"], *result["accounts"]]
    assert [a["name"] for a in shown] == [f"Linked {n}" for n in range(4)]
    assert all(a["stub"] is True and isinstance(a["rev"], str) for a in shown)


def test_every_rev_in_a_complete_result_is_a_string(
    mock: responses.RequestsMock, rpc: RpcAPI
) -> None:
    bridge = _bridge()
    results = [
        bridge.getLead(_lead_with_accounts(rpc, 2)),
        bridge.findActivities(stubResponses=False, limit=20),
        bridge.findLeads(stubResponses=False, limit=20),
        bridge.getContact(rpc.findContacts(limit=1)[0]["id"]),
    ]
    revs = [(path, value) for result in results for path, value in _walk(result)]
    revs = [(path, value) for path, value in revs if path.endswith(".rev")]
    assert revs
    assert [(p, v) for p, v in revs if not (isinstance(v, str) and v.startswith("b:"))] == []


def test_times_rest_lacks_come_from_the_event_log(
    mock: responses.RequestsMock, rpc: RpcAPI
) -> None:
    bridge = _bridge()
    contact = rpc.findContacts(limit=1)[0]
    direct = rpc.getContact(contact["id"])
    bridged = bridge.getContact(contact["id"])
    for key in ("createdTime", "modifiedTime"):
        assert isinstance(bridged[key], str)
        assert bridged[key] == direct[key]
    users = bridge.findUsers()
    assert all(isinstance(u["createdTime"], str) for u in users)
    assert users == [{**u, "rev": b["rev"]} for u, b in zip(rpc.findUsers(), users, strict=True)]


def test_event_times_ask_for_many_records_in_few_requests(emulator: Emulator) -> None:
    # More contacts than one request names, so the ids go in two requests, not one each.
    for n in range(EVENT_IDS_PER_REQUEST + 1):
        emulator.store.insert(Contact(name=f"Bulk {n}"))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        rest = RestClient(DEFAULT_EMAIL, DEFAULT_API_KEY, base_url=REST, sleep=lambda _s: None)
        contacts = [c for c in rest.contacts.iterate() if isinstance(c, Contact)]
        assert len(contacts) > EVENT_IDS_PER_REQUEST
        assert all(c.created_time is UNSET for c in contacts)  # REST sends none
        since = len(mock.calls)
        filled = EventTimes(rest).fill(contacts)
        requests = _rest_paths(mock, since)
        assert len(requests) == -(-len(contacts) // EVENT_IDS_PER_REQUEST)
        assert {key[1] for key in filled} == {c.id for c in contacts}
        for record in filled.values():
            assert isinstance(record.created_time, datetime)
            assert isinstance(record.modified_time, datetime)
            stored = emulator.store.get(Contact, record.id)  # type: ignore[arg-type]
            assert record.created_time == stored.created_time.replace(microsecond=0)  # type: ignore[union-attr]
            assert record.modified_time == stored.modified_time.replace(microsecond=0)  # type: ignore[union-attr]


def test_a_record_the_event_log_does_not_reach_keeps_what_rest_sent() -> None:
    with responses.RequestsMock() as mock:
        mock.get(
            f"{REST}/events",
            json={"meta": {}, "links": {}, "events": []},
        )
        rest = RestClient(DEFAULT_EMAIL, DEFAULT_API_KEY, base_url=REST, sleep=lambda _s: None)
        lead = Lead(id=7, name="Old", created_time=datetime(2020, 1, 1, tzinfo=timezone.utc))
        assert EventTimes(rest).fill([lead]) == {}
        assert "entity_id=7-leads" in str(mock.calls[0].request.url)


def test_lean_renders_one_response_as_it_is(mock: responses.RequestsMock, rpc: RpcAPI) -> None:
    lead_id = _lead_with_accounts(rpc, 3)
    lean = _bridge(lean=True)
    lean.context.cache.warm()
    since = len(mock.calls)
    result = lean.getLead(lead_id)
    assert len(_rest_paths(mock, since)) == 1
    # Accounts REST links by id render as bare links.
    assert all(
        set(a) <= {"stub", "id", "rev", "entityType", "relationship"} for a in result["accounts"]
    )
    assert all(a["rev"].startswith("b:") for a in result["accounts"])
    assert result["modifiedTime"] is None


def test_the_legacy_reference_source_fills_what_rest_lacks(
    emulator: Emulator, mock: responses.RequestsMock, rpc: RpcAPI
) -> None:
    source = LegacyReference(rpc)
    users = source.records("User")
    assert users and all(isinstance(u, User) for u in users.values())
    assert all(isinstance(u.created_time, datetime) for u in users.values())
    # A lead a team owns: REST has no teams, so only the legacy source can name it.
    team_lead = next(
        lead for lead in emulator.store.all(Lead) if getattr(lead.owner, "entity", "") == "Team"
    )
    direct = rpc.getLead(team_lead.id)
    bare = _bridge(legacy_reference=False).getLead(team_lead.id)
    assert set(bare["assignee"]) == {"stub", "id", "rev", "entityType"}
    named = _bridge(legacy_reference=True).getLead(team_lead.id)
    assert named["assignee"] == {**direct["assignee"], "rev": named["assignee"]["rev"]}
    # Off for plain rest routes; on when a route already calls the JSON-RPC API beside REST.
    assert _bridge().context.cache._legacy is None
    fallback = BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=ENDPOINT,
        routes=Routes({}, default=Mode.REST_FALLBACK),
        sleep=lambda _s: None,
    )
    assert fallback.context.cache._legacy is not None


def test_a_failing_legacy_source_leaves_rest_reads_answered(
    emulator: Emulator, mock: responses.RequestsMock, rpc: RpcAPI
) -> None:
    """The legacy source only fills in: its failure is logged, the REST answer stands."""
    lead_id = rpc.findLeads(limit=1)[0]["id"]
    emulator.faults.add("POST /api/v1/json", Fault.http_status(503), count=1000)
    bridge = _bridge(legacy_reference=True)
    result = bridge.getLead(lead_id)
    assert result["id"] == lead_id


def test_product_lines_written_over_rpc_read_back_through_rest(
    mock: responses.RequestsMock, rpc: RpcAPI
) -> None:
    product = rpc.findProducts(limit=1)[0]["id"]
    line = {"id": product, "quantity": 7, "price": {"amount": 99, "currency": "USD"}}
    lead = rpc.newLead({"description": "Seven units", "products": [line]})
    bridged = _bridge().getLead(lead["id"])
    assert [(p["quantity"], p["price"]) for p in bridged["products"]] == [
        (7, {"currency": "USD", "amount": 99})
    ]
    assert bridged["products"] == [
        {**p, "rev": b["rev"]}
        for p, b in zip(rpc.getLead(lead["id"])["products"], bridged["products"], strict=True)
    ]


def test_a_note_deleted_with_the_rev_the_bridge_gave_it(
    mock: responses.RequestsMock, rpc: RpcAPI
) -> None:
    lead_id = rpc.findLeads(limit=1)[0]["id"]
    bridge = _bridge()
    note = bridge.newNote({"entityType": "Leads", "id": lead_id}, "to be deleted")
    assert bridge.deleteNote(note["id"], note["rev"]) is True
    again = bridge.newNote({"entityType": "Leads", "id": lead_id}, "read, then deleted")
    read = bridge.getNote(again["id"])
    # On the JSON-RPC route the bridge's rev is checked through REST too.
    rpc_routed = BridgeAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, sleep=lambda _s: None)
    assert rpc_routed.deleteNote(read["id"], read["rev"]) is True


def test_completer_asks_nothing_for_records_it_already_holds(emulator: Emulator) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        rest = RestClient(DEFAULT_EMAIL, DEFAULT_API_KEY, base_url=REST, sleep=lambda _s: None)
        completer = Completer(rest)
        assert completer.complete([], [], full=True) == {}
        assert len(mock.calls) == 0


@pytest.mark.parametrize("limit", [2, 50])
def test_a_complete_find_asks_each_kind_of_record_once_a_round_whatever_the_page_size(
    mock: responses.RequestsMock, limit: int
) -> None:
    bridge = _bridge()
    bridge.context.cache.warm()
    since = len(mock.calls)
    result = bridge.findLeads(stubResponses=False, limit=limit)
    assert len(result) == limit
    kinds = Counter(p.split("?")[0].split("/")[2] for p in _rest_paths(mock, since))
    assert kinds["leads"] <= MAX_ROUNDS  # the page itself, then leads linked to its records
    assert all(count <= MAX_ROUNDS for count in kinds.values()), kinds
    assert sum(kinds.values()) <= MAX_REQUESTS


def test_an_unreadable_event_log_leaves_times_unknown_not_the_read_failed(
    emulator: Emulator, mock: responses.RequestsMock, rpc: RpcAPI, caplog: pytest.LogCaptureFixture
) -> None:
    contact_id = rpc.findContacts(limit=1)[0]["id"]
    emulator.faults.add("GET /rest/events*", Fault.http_status(400), count=100)
    result = _bridge().getContact(contact_id)
    assert result["id"] == contact_id
    assert result["createdTime"] is None  # unknown, and said so in the log
    assert "event log unreadable" in caplog.text


def test_a_read_whose_linked_record_was_deleted_still_answers(
    mock: responses.RequestsMock, rpc: RpcAPI
) -> None:
    """REST keeps a link to a record deleted after the link was written, and refuses a batch
    GET holding it with 404 as a whole: the read (and the read-back of an edit) still answers,
    the others in the batch named as before and the deleted one as a bare stub."""
    lead_id = _lead_with_accounts(rpc, 5)
    lead = rpc.getLead(lead_id)
    gone = lead["accounts"][1]["id"]
    rpc.deleteAccount(gone, rpc.getAccount(gone)["rev"])
    assert rpc.getLead(lead_id)["accounts"]  # the legacy API still answers the lead
    bridge = _bridge()
    bridge.context.cache.warm()
    since = len(mock.calls)
    result = bridge.getLead(lead_id)
    account_gets = [p for p in _rest_paths(mock, since) if p.startswith("/rest/accounts/")]
    # The batch of 5 refused, then halved until the deleted id stands alone: a handful more.
    assert 1 < len(account_gets) <= 1 + 2 * 3
    shown = {a["id"]: a for a in [result["primaryAccount"], *result["accounts"]]}
    assert sorted(shown) == sorted(a["id"] for a in [lead["primaryAccount"], *lead["accounts"]])
    assert shown[gone]["stub"] is True and shown[gone]["entityType"] == "Accounts"
    assert "name" not in shown[gone] and str(shown[gone]["rev"]).startswith("b:")
    assert all(a["name"] == f"Linked {n}" for n, a in enumerate(shown.values()) if a["id"] != gone)
    edited = bridge.editLead(lead_id, result["rev"], {"description": "after the delete"})
    assert edited["description"] == "after the delete"


def test_a_refused_batch_is_halved_only_around_the_missing_ids(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every id but the missing ones comes back, and the missing ones are named in a warning;
    a batch with none missing is one request; a search past its budget fails with the 404."""

    class Accounts:
        def __init__(self, missing: set[int]) -> None:
            self.missing = missing
            self.asked: list[list[int]] = []

        def get_many(self, ids: list[int]) -> Any:
            self.asked.append(list(ids))
            if self.missing & set(ids):
                raise NotFoundError("gone", status=404)
            records = tuple(Contact(id=i) for i in ids)
            return type("Envelope", (), {"records": records, "included": {}})()

    everything = list(range(1, 17))
    for missing in (set(), {7}, {1, 16}):
        resource = Accounts(missing)
        found = [r for envelope in existing(resource, everything) for r in envelope.records]
        assert [r.id for r in found] == [i for i in everything if i not in missing]
        if not missing:
            assert len(resource.asked) == 1
        else:
            # Each missing id costs at most one request per halving (log2 16 = 4), twice.
            assert len(resource.asked) <= 1 + 2 * 4 * len(missing)
            named = ", ".join(map(str, sorted(missing)))
            assert f"(deleted since they were linked?): {named}" in caplog.text
    resource = Accounts(set(everything))  # everything gone, or a 404 that is not about ids
    with pytest.raises(NotFoundError):
        existing(resource, everything)
    assert len(resource.asked) == 1 + MAX_SEARCH_REQUESTS
