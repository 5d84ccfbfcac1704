"""The emulator's JSON-RPC front: the legacy methods over the one store, in process.

Calls go through ``nutshell_rpc.server.RpcServer(EmulatorBackend(store)).handle(...)`` (the
protocol as Nutshell speaks it) and, at the end, through the real ``NutshellAPI`` client with
``responses`` routing its requests to the same server.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import requests
import responses

from nutshell_core.catalog import RPC_METHODS
from nutshell_core.model import (
    AccountType,
    ActivityType,
    Competitor,
    CustomField,
    Industry,
    Lead,
    LeadStatus,
    Money,
    Note,
    Product,
    Ref,
    Source,
    Stage,
    Stageset,
    Team,
    Territory,
    User,
)
from nutshell_emulator import rules
from nutshell_emulator.rpc_front import EmulatorBackend, handler_table
from nutshell_emulator.store import REV_IGNORE, Store
from nutshell_rpc import NutshellAPI
from nutshell_rpc.server import RpcServer

EMAIL, KEY = "owner@example.com", "front-test-key-000001"
ENDPOINT = "https://app.nutshell.com/api/v1/json"
NOW = datetime(2024, 4, 3, 12, 0, tzinfo=timezone.utc)


def _basic(email: str, key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{key}".encode()).decode()}


class Rpc:
    """A store with Nutshell's defaults behind a JSON-RPC server, and call helpers."""

    def __init__(self) -> None:
        self.now = NOW
        self.store = Store(clock=lambda: self.now)
        self.user = rules.install_defaults(self.store, email=EMAIL, name="Owen Owner")
        assert isinstance(self.user.id, int)
        self.store.add_api_key(self.user.id, KEY)
        self.backend = EmulatorBackend(self.store)
        self.server = RpcServer(self.backend)

    def send(
        self, method: str, params: Any = None, *, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        body: dict[str, Any] = {"method": method, "id": "t1"}
        if params is not None:
            body["params"] = params
        reply = self.server.handle(
            "POST",
            headers if headers is not None else _basic(EMAIL, KEY),
            json.dumps(body).encode(),
        )
        return reply.status, reply.json()

    def __call__(self, method: str, **params: Any) -> Any:
        status, body = self.send(method, params)
        assert status == 200 and body["error"] is None, body
        return body["result"]

    def error(self, method: str, **params: Any) -> tuple[int, int, str]:
        status, body = self.send(method, params)
        assert body["result"] is None and body["error"] is not None, body
        return status, body["error"]["code"], body["error"]["message"]

    def later(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def rpc() -> Rpc:
    return Rpc()


def _time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S%z")


# -- protocol, discovery, the method table -----------------------------------------------------


def test_discovery_answers_the_recorded_shape_without_auth(rpc: Rpc) -> None:
    status, body = rpc.send("getApiForUsername", {"username": EMAIL}, headers={})
    host = "app.nutshell.com"
    assert status == 200
    assert body["result"] == {"iphone": host, "mobile": host, "api": host, "login": host}


def test_add_sums_and_refuses_non_numbers(rpc: Rpc) -> None:
    assert rpc("add", num1=2, num2=3.5) == 5.5
    assert rpc.send("add", [40, 2])[1]["result"] == 42  # positional params
    assert rpc.error("add", num1="2", num2=3)[:2] == (400, -32602)


def test_a_bad_key_is_401(rpc: Rpc) -> None:
    status, body = rpc.send("findLeads", {}, headers=_basic(EMAIL, "wrong-key-0000000"))
    assert status == 401 and body["error"]["code"] == 401


def test_unknown_methods_are_404_method_not_found(rpc: Rpc) -> None:
    for method in ("noSuchMethod", "findorigins", "getSteps"):
        status, body = rpc.send(method, {})
        assert (status, body["error"]["code"]) == (404, -32601), method


def test_the_method_table_comes_from_the_catalog() -> None:
    table = handler_table(RPC_METHODS)
    backend = EmulatorBackend(Store())
    assert set(table) <= set(RPC_METHODS)
    assert all(backend.implements(RPC_METHODS[name]) for name in table)
    for family in ("Lead", "Contact", "Account", "Activity", "Task", "Product", "User", "Team"):
        verbs = {"get", "find", "new", "edit", "delete"}
        rows = [r for r in RPC_METHODS.values() if r.entity == family]
        assert {r.name for r in rows if r.name.startswith(tuple(verbs))} <= set(table)
    assert {n for n in RPC_METHODS if n.startswith("search")} <= set(table)
    assert "getApiForUsername" in table and "editStep" in table
    # The SMD lists exactly what the backend answers.
    smd = RpcServer(backend).handle("GET", {}, b"").json()
    assert set(smd["services"]) == set(table)


def test_a_missing_record_is_404_with_code_404(rpc: Rpc) -> None:
    for method, params in (
        ("getLead", {"leadId": 999}),
        ("getContact", {"contactId": 999}),
        ("editAccount", {"accountId": 999, "rev": "0", "account": {"name": "x"}}),
        ("deleteActivity", {"activityId": 999, "rev": "0"}),
    ):
        assert rpc.error(method, **params)[:2] == (404, 404), method


# -- CRUD per family ----------------------------------------------------------------------------

FAMILIES: list[tuple[str, dict[str, Any], dict[str, Any], str, Any, str]] = [
    # (entity, new input, edit input, key the edit changes, its new value, a key it keeps)
    ("Lead", {"description": "Solar roof"}, {"confidence": 40}, "confidence", 40, "description"),
    ("Contact", {"name": "Ann Lee"}, {"description": "VIP"}, "description", "VIP", "name"),
    (
        "Account",
        {"name": "Acme", "description": "Rockets"},
        {"name": "Acme Corp"},
        "name",
        "Acme Corp",
        "description",
    ),
    (
        "Activity",
        {
            "name": "Call",
            "startTime": "2024-04-04T10:00:00+0000",
            "endTime": "2024-04-04T10:30:00Z",
        },
        {"isFlagged": True},
        "isFlagged",
        True,
        "endTime",
    ),
    (
        "Task",
        {"title": "Send quote"},
        {"description": "by Friday"},
        "description",
        "by Friday",
        "title",
    ),
    ("Product", {"name": "Panel", "sku": "P-1"}, {"unit": "each"}, "unit", "each", "sku"),
    (
        "User",
        {"firstName": "Sam", "emails": ["sam@example.com"]},
        {"lastName": "Seller"},
        "name",
        "Sam Seller",
        "emails",
    ),
    ("Team", {"name": "Blue"}, {"name": "Blue AM"}, "name", "Blue AM", "createdTime"),
]


@pytest.mark.parametrize(("entity", "new", "edit", "key", "expected", "kept"), FAMILIES)
def test_crud_for_each_family(
    rpc: Rpc,
    entity: str,
    new: dict[str, Any],
    edit: dict[str, Any],
    key: str,
    expected: Any,
    kept: str,
) -> None:
    param = entity.lower()
    id_name = f"{param}Id"
    created = rpc(f"new{entity}", **{param: new})
    assert created["rev"] == "0" and isinstance(created["id"], int)
    assert rpc(f"get{entity}", **{id_name: created["id"]}) == created
    rpc.later(minutes=1)
    edited = rpc(f"edit{entity}", **{id_name: created["id"], "rev": "0", param: edit})
    assert edited["rev"] == "1" and edited[key] == expected
    assert edited[kept] == created[kept]  # edits are partial
    assert edited["modifiedTime"] != created["modifiedTime"]
    find = f"find{entity}s" if entity != "Activity" else "findActivities"
    assert created["id"] in [stub["id"] for stub in rpc(find)]
    assert rpc(f"delete{entity}", **{id_name: created["id"], "rev": "1"}) is True
    gone = rpc(f"get{entity}", **{id_name: created["id"]})
    assert "deletedTime" in gone  # deleted records can still be read, with deletedTime
    assert created["id"] not in [stub["id"] for stub in rpc(find)]
    again = rpc.error(f"edit{entity}", **{id_name: created["id"], "rev": REV_IGNORE, param: edit})
    assert again[:2] == (404, 404)


def test_new_lead_has_nutshells_defaults(rpc: Rpc) -> None:
    lead = rpc("newLead", lead={})
    assert lead["name"] == "Lead–1000"  # EN DASH
    assert lead["status"] == 0 and lead["confidence"] == 0
    assert lead["assignee"]["id"] == rpc.user.id and lead["creator"]["id"] == rpc.user.id
    assert lead["milestone"]["name"] == "Qualify" and lead["market"]["name"] == "U.S."
    assert lead["htmlUrl"] == "https://app.nutshell.com/lead/1000"
    assert rpc("newLead", lead={})["name"] == "Lead–1001"


def test_stubs_unless_stub_responses_is_false(rpc: Rpc) -> None:
    rpc("newLead", lead={"description": "a"})
    stub = rpc("findLeads")[0]
    assert stub["stub"] is True and "contacts" not in stub
    assert set(stub) >= {"primaryAccountName", "primaryContactName", "completion", "value"}
    full = rpc("findLeads", stubResponses=False)[0]
    assert "stub" not in full and "contacts" in full and "activitiesCount" in full
    assert rpc("getLead", leadId=full["id"]) == full


def test_non_stub_finds_are_capped_at_100(rpc: Rpc) -> None:
    for _ in range(105):
        rules.new_lead(rpc.store, {}, rpc.user)
    assert len(rpc("findLeads", limit=500)) == 105  # stubs: as many as asked for
    assert len(rpc("findLeads", limit=500, stubResponses=False)) == 100
    assert len(rpc("findLeads", limit=100, page=2, stubResponses=False)) == 5


# -- edits: partial, multi-value replacement, notes, revs ---------------------------------------


def test_edits_are_partial_and_replace_multi_value_fields(rpc: Rpc) -> None:
    contact = rpc(
        "newContact",
        contact={
            "name": "Andy Fowler",
            "email": ["andy@x.io", "andy@home.io"],
            "phone": {"0": "734-555-9090", "cell": "734-555-6711"},
            "address": {"office": {"address_1": "1 Main", "city": "Ann Arbor", "state": "MI"}},
        },
    )
    assert contact["email"] == {"0": "andy@x.io", "1": "andy@home.io", "--primary": "andy@x.io"}
    assert contact["phone"]["cell"] == "734-555-6711"
    assert contact["phone"]["--primary"] == "734-555-9090"
    assert contact["name"]["givenName"] == "Andy" and contact["name"]["familyName"] == "Fowler"
    edited = rpc("editContact", contactId=contact["id"], rev="0", contact={"phone": ["555-0000"]})
    assert edited["phone"] == {"0": "555-0000", "--primary": "555-0000"}  # replaced, not merged
    assert edited["email"] == contact["email"]  # untouched
    assert edited["address"] == contact["address"]
    assert edited["name"] == contact["name"]


def test_lead_links_are_replaced_wholesale(rpc: Rpc) -> None:
    a = rpc("newContact", contact={"name": "A A"})["id"]
    b = rpc("newContact", contact={"name": "B B"})["id"]
    lead = rpc("newLead", lead={"contacts": [{"id": a}, {"id": b}], "tags": ["x", "y"]})
    edited = rpc(
        "editLead",
        leadId=lead["id"],
        rev=lead["rev"],
        lead={
            "contacts": [{"id": b, "relationship": "Buyer", "entityType": "Contacts"}],
            "tags": ["z"],
        },
    )
    assert [(c["id"], c["relationship"]) for c in edited["contacts"]] == [(b, "Buyer")]
    assert edited["tags"] == ["z"]


def test_products_set_the_lead_value(rpc: Rpc) -> None:
    panel = rpc(
        "newProduct",
        product={"name": "Panel", "prices": [{"price": {"amount": 2500, "currency": "USD"}}]},
    )
    assert panel["prices"][0]["price"] == {"currency": "USD", "amount": 2500}
    lead = rpc(
        "newLead",
        lead={
            "products": [
                {
                    "id": panel["id"],
                    "quantity": 2,
                    "price": {"amount": 2000, "currency_shortname": "USD"},
                }
            ]
        },
    )
    assert lead["products"][0]["quantity"] == 2
    assert lead["products"][0]["price"] == {"currency": "USD", "amount": 2000}
    assert lead["value"] == {"currency": "USD", "amount": 4000}


def test_a_note_key_appends_a_note(rpc: Rpc) -> None:
    account = rpc("newAccount", account={"name": "Acme", "note": "first"})
    assert [n["note"] for n in account["notes"]] == ["first"]
    edited = rpc("editAccount", accountId=account["id"], rev="0", account={"note": "second <b>"})
    assert [n["note"] for n in edited["notes"]] == ["first", "second <b>"]
    assert edited["notes"][1]["noteHtml"] == "second &lt;b&gt;"
    notes = rpc.store.all(Note)
    assert all(n.parent == Ref(entity="Account", id=account["id"], name="Acme") for n in notes)
    note = rpc("getNote", noteId=edited["notes"][0]["id"])
    assert note["account"]["id"] == account["id"] and note["user"]["id"] == rpc.user.id


def test_new_note_and_edit_note(rpc: Rpc) -> None:
    lead = rpc("newLead", lead={})
    note = rpc("newNote", entity={"entityType": "Leads", "id": lead["id"]}, note="hello")
    assert note["lead"]["id"] == lead["id"] and note["note"] == "hello"
    assert [n["id"] for n in rpc("getLead", leadId=lead["id"])["notes"]] == [note["id"]]
    edited = rpc("editNote", noteId=note["id"], rev="0", note="hello again")
    assert edited["note"] == "hello again" and edited["rev"] == "1"
    rpc.later(hours=25)
    assert rpc.error("editNote", noteId=note["id"], rev="1", note="late")[0] == 403
    assert rpc.error("newNote", entity={"entityType": "Tasks", "id": 1}, note="x")[:2] == (
        400,
        -32602,
    )


def test_a_stale_rev_is_409_and_rev_ignore_skips_the_check(rpc: Rpc) -> None:
    lead = rpc("newLead", lead={})
    rpc("editLead", leadId=lead["id"], rev="0", lead={"confidence": 10})
    status, code, message = rpc.error(
        "editLead", leadId=lead["id"], rev="0", lead={"confidence": 20}
    )
    assert (status, code, message) == (409, 409, "rev key is out-of-date")
    assert rpc.error("deleteLead", leadId=lead["id"], rev="0")[:2] == (409, 409)
    edited = rpc("editLead", leadId=lead["id"], rev=REV_IGNORE, lead={"confidence": 20})
    assert edited["confidence"] == 20 and edited["rev"] == "2"
    assert rpc("editLead", leadId=lead["id"], rev=2, lead={})["rev"] == "3"  # an integer rev
    assert rpc("deleteLead", leadId=lead["id"], rev=REV_IGNORE) is True


def test_edit_lead_closes_reopens_and_moves(rpc: Rpc) -> None:
    lead = rpc("newLead", lead={})
    won = rpc("editLead", leadId=lead["id"], rev=lead["rev"], lead={"outcome": {"id": 1}})
    assert won["status"] == 10 and won["outcome"]["description"] == "Won"
    assert won["closedTime"] and won["completion"] == 100
    reopened = rpc("editLead", leadId=lead["id"], rev=won["rev"], lead={"status": 0})
    assert reopened["status"] == 0 and "outcome" not in reopened and "closedTime" not in reopened
    lost = rpc("editLead", leadId=lead["id"], rev=REV_IGNORE, lead={"status": 11})
    assert lost["status"] == 11 and lost["outcome"]["description"] == "Lost"

    pipeline = rpc.store.insert(Stageset(name="Renewals", is_default=False, position=1))
    stages = [
        rpc.store.insert(
            Stage(name=name, position=i, stageset=Ref(entity="Stageset", id=pipeline.id))
        )
        for i, name in enumerate(("Renew", "Sign"), start=1)
    ]
    moved = rpc("editLead", leadId=lead["id"], rev=REV_IGNORE, lead={"stagesetId": pipeline.id})
    assert moved["stageset"]["id"] == pipeline.id and moved["milestone"]["id"] == stages[0].id
    staged = rpc("editLead", leadId=lead["id"], rev=REV_IGNORE, lead={"milestoneId": stages[1].id})
    assert staged["milestone"]["name"] == "Sign"
    default_first = rules.stages_of(rpc.store, rules.default_stageset(rpc.store).id)[0]  # type: ignore[arg-type]
    back = rpc(
        "editLead", leadId=lead["id"], rev=REV_IGNORE, lead={"milestoneId": default_first.id}
    )
    assert back["stageset"]["id"] == rules.default_stageset(rpc.store).id
    error = rpc.error(
        "editLead",
        leadId=lead["id"],
        rev=REV_IGNORE,
        lead={"stagesetId": pipeline.id, "milestoneId": default_first.id},
    )
    assert error[:2] == (400, -32602) and "milestoneId" in error[2]


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        ("newLead", {"lead": {"contacts": {"id": 1}}}, "lead.contacts"),
        ("newLead", {"lead": {"contacts": [{"id": 99}]}}, "lead.contacts[0]"),
        ("newLead", {"lead": {"confidence": 200}}, "lead.confidence"),
        ("newLead", {"lead": {"assignee": {"entityType": "Contacts", "id": 1}}}, "lead.assignee"),
        ("newLead", {"lead": {"dueTime": "next tuesday"}}, "lead.dueTime"),
        ("newLead", {"lead": {"colour": "red"}}, "lead.colour"),
        ("newLead", {"lead": "not an object"}, "lead"),
        ("newContact", {"contact": {}}, "contact"),
        ("newContact", {"contact": {"email": ["not-an-email"]}}, "contact.email"),
        ("newAccount", {"account": {"name": "x", "industryId": 42}}, "account.industryId"),
        ("newActivity", {"activity": {"name": "x"}}, "activity.startTime"),
        ("newTask", {"task": {}}, "task.title"),
        ("getLead", {"leadId": "one"}, "leadId"),
        ("findLeads", {"query": {"status": 7}}, "query.status"),
        ("findLeads", {"query": {"colour": 1}}, "query.colour"),
        ("findLeads", {"query": "status=0"}, "query"),
        ("findLeads", {"stubResponses": "maybe"}, "stubResponses"),
    ],
)
def test_bad_input_is_400_naming_the_field(
    rpc: Rpc, method: str, params: dict[str, Any], field: str
) -> None:
    status, code, message = rpc.error(method, **params)
    assert (status, code) == (400, -32602)
    assert message.startswith(field), message


# -- findLeads query keys -----------------------------------------------------------------------


@pytest.fixture
def leads(rpc: Rpc) -> dict[str, Any]:
    """Four leads with different accounts, contacts, stages, owners, tags and states."""
    store = rpc.store
    other = store.insert(
        User(name="Sam Seller", last_name="Seller", emails=("sam@x.io",), is_enabled=True)
    )
    team = store.insert(Team(name="Blue"))
    mate = store.insert(
        User(
            name="Mia Mate",
            last_name="Mate",
            emails=("mia@x.io",),
            is_enabled=True,
            teams=(Ref(entity="Team", id=team.id),),
        )
    )
    store.update(User, rpc.user.id, {"teams": (Ref(entity="Team", id=team.id),)})  # type: ignore[arg-type]
    acme = rpc("newAccount", account={"name": "Acme"})["id"]
    globex = rpc("newAccount", account={"name": "Globex"})["id"]
    ann = rpc("newContact", contact={"name": "Ann Lee"})["id"]
    bob = rpc("newContact", contact={"name": "Bob Ray"})["id"]
    stages = rules.stages_of(store, rules.default_stageset(store).id)  # type: ignore[arg-type]
    pipeline = store.insert(Stageset(name="Renewals", position=1))
    renew = store.insert(
        Stage(name="Renew", position=1, stageset=Ref(entity="Stageset", id=pipeline.id))
    )
    a = rpc(
        "newLead",
        lead={
            "primaryAccount": {"id": acme},
            "contacts": [{"id": ann}],
            "tags": ["hot"],
            "dueTime": "2024-05-01T00:00:00+0000",
        },
    )
    b = rpc(
        "newLead",
        lead={
            "accounts": [{"id": globex}],
            "contacts": [{"id": bob}],
            "assignee": {"entityType": "Users", "id": other.id},
            "milestoneId": stages[2].id,
        },
    )
    c = rpc(
        "newLead",
        lead={
            "primaryAccount": {"id": globex},
            "assignee": {"entityType": "Teams", "id": team.id},
            "stagesetId": pipeline.id,
            "tags": ["cold", "hot"],
        },
    )
    d = rpc(
        "newLead", lead={"assignee": {"entityType": "Users", "id": mate.id}, "outcome": {"id": 2}}
    )
    return {
        "ids": [x["id"] for x in (a, b, c, d)],
        "acme": acme, "globex": globex, "ann": ann, "bob": bob, "other": other.id,
        "team": team.id, "stage": stages[2].id, "first": stages[0].id,
        "pipeline": pipeline.id, "default": rules.default_stageset(store).id, "renew": renew.id,
    }  # fmt: skip


def _ids(result: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in result]


def test_find_leads_query_keys(rpc: Rpc, leads: dict[str, Any]) -> None:
    a, b, c, d = leads["ids"]

    def find(**query: Any) -> list[int]:
        return _ids(rpc("findLeads", query=query))

    assert find() == [a, b, c, d]
    assert (
        find(status=0) == [a, b, c]
        and find(status=11) == [d]
        and find(status=[0, 11]) == [a, b, c, d]
    )
    assert find(filter=0) == [a] and find(filter=1) == [a, c, d] and find(filter=2) == [a, b, c, d]
    assert find(accountId=leads["acme"]) == [a] and find(accountId=leads["globex"]) == [b, c]
    assert find(accountId=[leads["acme"], leads["globex"]]) == [a, b, c]
    assert find(contactId=leads["bob"]) == [b]
    assert find(milestoneId=leads["stage"]) == [b]
    assert find(milestoneIds=[leads["stage"], leads["renew"]]) == [b, c]
    assert find(stagesetId=leads["pipeline"]) == [c]
    assert find(stagesetIds=[leads["default"]]) == [a, b, d]
    assert find(outcomeId=2) == [d]
    assert find(number=1001) == [b] and find(number=["1000", "1003"]) == [a, d]
    assert find(assignee=[{"entityType": "Teams", "id": leads["team"]}]) == [c]
    assert find(
        assignee=[
            {"entityType": "Users", "id": leads["other"]},
            {"entityType": "Teams", "id": leads["team"]},
        ]
    ) == [b, c]
    assert find(tag="hot") == [a, c] and find(tag=["cold"]) == [c]
    assert find(dueTime="> 2024-04-30") == [a] and find(dueTime="< 2024-04-30") == []
    assert find(status=0, accountId=leads["globex"], tag="hot") == [c]  # keys are ANDed


def test_ordering_and_one_based_paging(rpc: Rpc, leads: dict[str, Any]) -> None:
    a, b, c, d = leads["ids"]
    assert _ids(rpc("findLeads", orderBy="id", orderDirection="DESC")) == [d, c, b, a]
    assert _ids(rpc("findLeads", orderBy="number", limit=2, page=1)) == [a, b]
    assert _ids(rpc("findLeads", orderBy="number", limit=2, page=2)) == [c, d]
    assert rpc("findLeads", limit=2, page=3) == []
    assert [u["name"] for u in rpc("findUsers")] == ["Mia Mate", "Owen Owner", "Sam Seller"]
    by_last = rpc("findUsers", orderBy="lastName", orderDirection="desc")
    assert by_last[0]["name"] == "Sam Seller"
    assert _ids(rpc("findAccounts")) == [leads["acme"], leads["globex"]]  # default: name
    for params in ({"orderBy": "shoeSize"}, {"orderDirection": "UP"}, {"page": 0}, {"limit": -1}):
        status, code, _ = rpc.error("findLeads", **params)
        assert (status, code) == (400, -32602), params


def test_find_contacts_and_accounts_query_keys(rpc: Rpc, leads: dict[str, Any]) -> None:
    kind = rpc.store.insert(AccountType(name="Partner"))
    industry = rpc.store.insert(Industry(name="Solar"))
    territory = rpc.store.insert(Territory(name="Midwest"))
    zeta = rpc(
        "newAccount",
        account={
            "name": "Zeta",
            "accountTypeId": kind.id,
            "industryId": industry.id,
            "territoryId": territory.id,
            "tags": ["vip"],
        },
    )["id"]
    rpc(
        "editContact",
        contactId=leads["ann"],
        rev=REV_IGNORE,
        contact={"accounts": [{"id": zeta, "relationship": "CEO"}], "tags": ["vip"]},
    )
    assert _ids(rpc("findContacts", query={"accountId": zeta})) == [leads["ann"]]
    assert _ids(rpc("findContacts", query={"leadId": leads["ids"][1]})) == [leads["bob"]]
    assert _ids(rpc("findContacts", query={"tag": "vip"})) == [leads["ann"]]
    for key, value in (
        ("accountType", kind.id),
        ("industry", [industry.id]),
        ("territory", territory.id),
        ("tag", "vip"),
    ):
        assert _ids(rpc("findAccounts", query={key: value})) == [zeta], key
    assert _ids(rpc("findAccounts", query={"hasOpenLeads": True})) == [
        leads["acme"],
        leads["globex"],
    ]
    assert _ids(rpc("findAccounts", query={"hasOpenLeads": False})) == [zeta]
    account = rpc("getAccount", accountId=zeta)
    assert account["contacts"][0]["relationship"] == "CEO"
    assert account["accountType"] == {"id": kind.id, "name": "Partner"}


def test_contact_leads_are_written_on_the_leads(rpc: Rpc, leads: dict[str, Any]) -> None:
    a, _, c, _ = leads["ids"]
    rpc("editContact", contactId=leads["ann"], rev=REV_IGNORE, contact={"leads": [{"id": c}]})
    assert _ids(rpc("findLeads", query={"contactId": leads["ann"]})) == [c]
    assert _ids(rpc("getContact", contactId=leads["ann"])["leads"]) == [c]
    assert rpc("getLead", leadId=a)["contacts"] == []


# -- activities, timeline, tasks ----------------------------------------------------------------


def test_find_activities_query_keys(rpc: Rpc, leads: dict[str, Any]) -> None:
    kinds = rpc.store.all(ActivityType)
    base = NOW - timedelta(days=1)

    def new(days: int, **extra: Any) -> int:
        start = base + timedelta(days=days)
        activity = {
            "startTime": _time(start),
            "endTime": _time(start + timedelta(hours=1)),
            **extra,
        }
        return int(rpc("newActivity", activity=activity)["id"])

    one = new(
        0,
        leads=[{"id": leads["ids"][0]}],
        participants=[{"entityType": "Contacts", "id": leads["ann"]}],
        status=1,
    )
    two = new(
        2,
        activityTypeId=kinds[1].id,
        isFlagged=True,
        participants=[{"entityType": "Users", "id": leads["other"]}],
    )
    three = new(-3, participants=[{"entityType": "Accounts", "id": leads["acme"]}])

    def find(**query: Any) -> list[int]:
        return sorted(_ids(rpc("findActivities", query=query)))

    assert find(leadId=leads["ids"][0]) == [one]
    assert find(contactId=[leads["ann"]]) == [one]
    assert find(accountId=[leads["acme"]]) == [three]
    assert find(userId=[leads["other"]]) == [two]
    assert find(status=1) == [one] and find(status=-1) == [three] and find(status=0) == [two]
    assert find(activityTypeId=[kinds[1].id]) == [two] and find(isFlagged=True) == [two]
    assert find(startTime=f">= {_time(base)}") == [one, two]
    assert find(startTime=[f"> {_time(base - timedelta(days=5))}", f"< {_time(base)}"]) == [three]
    assert find(endTime=f"<= {_time(base + timedelta(hours=1))}") == [one, three]
    lead = rpc("getLead", leadId=leads["ids"][0])
    assert lead["activitiesCount"] == {"0": 0, "1": 1, "2": 0, "-1": 0}
    assert lead["lastContactedDate"] == _time(base)


def test_find_timeline_orders_activities_and_notes_by_time(rpc: Rpc) -> None:
    lead = rpc("newLead", lead={"note": "first"})
    rpc.later(hours=1)
    start = rpc.now - timedelta(minutes=30)
    activity = rpc(
        "newActivity",
        activity={
            "startTime": _time(start),
            "endTime": _time(rpc.now),
            "leads": [{"id": lead["id"]}],
        },
    )
    rpc.later(hours=1)
    note = rpc("newNote", entity={"entityType": "Leads", "id": lead["id"]}, note="second")
    timeline = rpc("findTimeline", query={"entityType": "Leads", "id": lead["id"]})
    assert [(i["entityType"], i["id"]) for i in timeline] == [
        ("Notes", lead["notes"][0]["id"]),
        ("Activities", activity["id"]),
        ("Notes", note["id"]),
    ]
    newest = rpc(
        "findTimeline",
        query={"entityType": "Leads", "id": lead["id"]},
        orderDirection="DESC",
        limit=1,
    )
    assert _ids(newest) == [note["id"]]
    assert rpc.error("findTimeline", query={"entityType": "Tasks", "id": 1})[:2] == (400, -32602)
    assert rpc.error("findTimeline", query={"entityType": "Leads", "id": 999})[:2] == (404, 404)


def test_tasks(rpc: Rpc) -> None:
    lead = rpc("newLead", lead={})
    task = rpc(
        "newTask",
        task={
            "title": "Call back",
            "dueTime": "2024-04-05T09:00:00+0000",
            "entity": {"entityType": "Leads", "id": lead["id"]},
        },
    )
    assert task["entity"]["id"] == lead["id"] and task["assignee"]["id"] == rpc.user.id
    assert rpc("getLead", leadId=lead["id"])["nextStepDueTime"] == "2024-04-05T09:00:00+0000"
    assert _ids(rpc("findTasks", orderBy="dueTime")) == [task["id"]]


# -- searches, tags, sources, users, custom fields, reference data ------------------------------


def test_search_methods(rpc: Rpc) -> None:
    acme = rpc("newAccount", account={"name": "Acme Solar", "email": ["info@acme.io"]})
    ann = rpc("newContact", contact={"name": "Ann Acme", "email": ["ann@acme.io"]})
    lead = rpc("newLead", lead={"description": "Acme roof"})
    rpc.store.insert(Product(name="Acme Panel"))
    rpc.store.insert(Source(name="Acme fair"))
    rpc.store.insert(Team(name="Acme team"))
    rpc.store.insert(User(name="Acme Admin", emails=("admin@acme.io",), is_enabled=True))
    assert _ids(rpc("searchAccounts", string="acme")) == [acme["id"]]
    assert _ids(rpc("searchContacts", string="ACME")) == [ann["id"]]
    assert _ids(rpc("searchLeads", string="roof")) == [lead["id"]]
    assert _ids(rpc("searchLeads", string="1000")) == [lead["id"]]
    assert [s["name"] for s in rpc("searchProducts", string="acme")] == ["Acme Panel"]
    assert [s["name"] for s in rpc("searchSources", string="fair")] == ["Acme fair"]
    assert [s["entityType"] for s in rpc("searchContactsAndUsers", string="acme")] == [
        "Users",
        "Contacts",
    ]
    assert [s["entityType"] for s in rpc("searchUsersAndTeams", string="acme")] == [
        "Users",
        "Teams",
    ]
    assert len(rpc("searchActivityParticipants", string="acme")) == 3
    assert len(rpc("searchContactsAndUsers", string="acme", limit=1)) == 1
    universal = rpc("searchUniversal", string="acme")
    assert {k: _ids(v) for k, v in universal.items()} == {
        "contacts": [ann["id"]],
        "accounts": [acme["id"]],
        "leads": [lead["id"]],
    }
    found = rpc("searchByEmail", emailAddressString="ANN@acme.io")
    assert _ids(found["contacts"]) == [ann["id"]] and found["accounts"] == []
    for i in range(7):
        rpc("newContact", contact={"email": [f"dup{i}@x.io", "same@x.io"]})
    assert len(rpc("searchByEmail", emailAddressString="same@x.io")["contacts"]) == 5


def test_tags_and_sources(rpc: Rpc) -> None:
    tag = rpc("newTag", tag={"name": "Enterprise", "entityType": "Leads"})
    assert tag["entityType"] == "Tags" and tag["name"] == "Enterprise"
    assert rpc.error("newTag", tag={"name": "enterprise", "entityType": "Leads"})[:2] == (
        400,
        -32602,
    )
    rpc("newTag", tag={"name": "Enterprise", "entityType": "Accounts"})  # another type is fine
    rpc("newContact", contact={"name": "Ann", "tags": ["friend"]})
    assert rpc("findTags") == {
        "Leads": ["Enterprise"],
        "Contacts": ["friend"],
        "Accounts": ["Enterprise"],
    }
    first = rpc("newSource", name="Trade show")
    again = rpc("newSource", name="trade show")
    assert first == again and len(rpc("findSources")) == 1


def test_get_user_defaults_to_the_caller(rpc: Rpc) -> None:
    me = rpc("getUser")
    assert me["id"] == rpc.user.id and me["emails"] == [EMAIL] and "stub" not in me
    assert rpc("getUser", userId=rpc.user.id) == me
    assert [u["id"] for u in rpc("findUsers")] == [rpc.user.id]


def test_custom_fields_list_the_definitions_and_values_merge_on_edit(rpc: Rpc) -> None:
    for entity, name, kind, position in (
        ("Lead", "Application", "text", 1),
        ("Lead", "Budget", "currency", 2),
        ("Account", "Employees", "number", 1),
    ):
        rpc.store.insert(
            CustomField(name=name, field_type=kind, applies_to=entity, position=position)
        )
    rpc(
        "newLead",
        lead={"customFields": {"Application": "Roof", "Budget": {"amount": 5, "currency": "USD"}}},
    )
    fields = rpc("findCustomFields")
    assert fields == {
        "Leads": [
            {"name": "Application", "isMultiple": False, "position": 1, "type": "Text"},
            {"name": "Budget", "isMultiple": False, "position": 2, "type": "Currency"},
        ],
        "Contacts": [],
        "Accounts": [{"name": "Employees", "isMultiple": False, "position": 1, "type": "Number"}],
    }
    assert rpc("describeCustomFields") == fields
    lead = rpc("findLeads", stubResponses=False)[0]
    edited = rpc(
        "editLead",
        leadId=lead["id"],
        rev=lead["rev"],
        lead={"customFields": {"Application": "Wall"}},
    )
    assert edited["customFields"] == {
        "Application": "Wall",
        "Budget": {"currency": "USD", "amount": 5},
    }
    assert rpc.send("findCustomFields", [])[1]["result"] == fields  # HULL sends params: []


def test_reference_data_finds(rpc: Rpc) -> None:
    rpc.store.insert(Competitor(name="Southwest Solar"))
    milestones = rpc("findMilestones", orderBy="position")
    assert [m["name"] for m in milestones] == [
        "Qualify",
        "Present",
        "Negotiate",
        "Contracting",
        "Closing",
    ]
    assert set(milestones[0]) == {"id", "entityType", "rev", "name", "position", "stagesetId"}
    assert rpc("findStagesets")[0]["default"] == 1
    assert [o["description"] for o in rpc("findLead_Outcomes")] == ["Cancelled", "Lost", "Won"]
    assert [m["name"] for m in rpc("findMarkets")] == ["U.S."]
    assert [c["name"] for c in rpc("findCompetitors")] == ["Southwest Solar"]
    assert len(rpc("findActivityTypes")) == 4
    for method in ("findIndustries", "findTerritories", "findAccountTypes", "findTeams"):
        assert rpc(method) == [], method


# -- through the real client --------------------------------------------------------------------


@pytest.fixture
def api(rpc: Rpc) -> Iterator[NutshellAPI]:
    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        reply = rpc.server.handle("POST", dict(request.headers), body)
        return reply.status, dict(reply.headers), reply.body

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, ENDPOINT, callback=answer)
        yield NutshellAPI(EMAIL, KEY, endpoint=ENDPOINT, sleep=lambda _s: None)


def test_the_legacy_client_round_trips(api: NutshellAPI) -> None:
    created = api.newLead({"description": "via client"})
    assert api.getLead(created["id"])["description"] == "via client"
    api.editLead(created["id"], REV_IGNORE, {"confidence": 50})
    assert [s["id"] for s in api.findLeads({"status": 0})] == [created["id"]]
    assert api.add(1, 2) == 3


def test_the_typed_face_reads_emulated_records(api: NutshellAPI) -> None:
    created = api.newLead({"description": "typed", "customFields": {"Application": "Roof"}})
    lead = api.leads.get(created["id"])
    assert isinstance(lead, Lead) and lead.status is LeadStatus.OPEN
    assert lead.custom_fields == {"Application": "Roof"}
    won = api.leads.edit(created["id"], lead.rev, {"outcome": {"id": 1}})  # type: ignore[arg-type]
    assert won.status is LeadStatus.WON
    product = api.products.new(
        Product(name="Panel", price=Money(amount=Decimal(10), currency="USD"))
    )
    assert product.name == "Panel"
    with pytest.raises(Exception) as caught:
        api.leads.edit(created["id"], lead.rev, {"confidence": 1})  # type: ignore[arg-type]
    assert getattr(caught.value, "status", None) == 409


_JUNK: list[Any] = [
    None,
    0,
    -1,
    1.5,
    True,
    "x",
    [],
    {},
    [1],
    [{}],
    {"id": "x"},
    {"entityType": "Leads", "id": 1},
    {"contacts": [{"id": 1, "entityType": "Leads"}], "email": {"a": 1}, "address": "x"},
    {"status": [0, "a"], "dueTime": ">> soon", "assignee": [1], "tag": [None]},
    {"products": [{"id": 1, "price": {"amount": "abc"}}], "customFields": [1], "prices": [1]},
]


def test_junk_params_never_reach_an_internal_error(rpc: Rpc) -> None:
    """Whatever arrives, the answer is a result or a 4xx error: no KeyError/TypeError escapes."""
    rpc("newLead", lead={})
    rpc("newContact", contact={"name": "Ann Lee"})
    for name in sorted(handler_table(RPC_METHODS)):
        row = RPC_METHODS[name]
        for index, junk in enumerate(_JUNK):
            params = {p.name: _JUNK[(index + i) % len(_JUNK)] for i, p in enumerate(row.params)}
            for sent in (params, {p.name: junk for p in row.params}):
                status, body = rpc.send(name, sent)
                assert status < 500, (name, sent, body)
