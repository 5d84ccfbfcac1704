"""``RestClient``: every resource, verb and extra, checked on the wire with ``responses``.

Requests are asserted by method, path, query, body and Content-Type; recorded fixtures are the
answers where one fits. The catalog tests prove that every operation of the OpenAPI document is
reachable through the public API, both by its resource method and through ``client.call``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
import requests
import responses
from requests import PreparedRequest

from nutshell_core import errors
from nutshell_core.catalog import REST_OPERATIONS, RestOperation
from nutshell_core.model import (
    Account,
    Activity,
    Contact,
    CustomField,
    Lead,
    Money,
    Note,
    ProductMap,
    Ref,
    Stage,
    Task,
)
from nutshell_core.transport import RetryPolicy, Transport
from nutshell_rest import Envelope, Event, Patch, Query, RestClient
from nutshell_rest.client import Resource, Stagesets
from nutshell_rest.patch import PATCH_MEDIA_TYPE

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rest"
BASE = "https://app.nutshell.com/rest"
USER = "migrator@example.com"
KEY = "sekrit-KEY-123456"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def envelope(key: str, *records: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    return {"meta": {"instanceId": "379104"}, "links": {}, key: list(records), **extra}


def rec(rest_type: str, n: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"{n}-{rest_type}", "type": rest_type, **fields}


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def api() -> Iterator[RestClient]:
    with RestClient(USER, KEY, retry=RetryPolicy(max_attempts=1), sleep=lambda _: None) as c:
        yield c


def sent(mock: responses.RequestsMock, i: int = -1) -> PreparedRequest:
    request = mock.calls[i].request
    assert isinstance(request, PreparedRequest)
    return request


def path_of(request: PreparedRequest) -> str:
    return unquote(urlsplit(str(request.url)).path).removeprefix("/rest")


def query_of(request: PreparedRequest) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(str(request.url)).query, keep_blank_values=True)


def body_of(request: PreparedRequest) -> Any:
    assert request.body is not None
    raw = request.body.decode() if isinstance(request.body, bytes) else request.body
    return json.loads(raw)


# -- construction -------------------------------------------------------------------------------


def test_constructor_does_no_io(rsps: responses.RequestsMock) -> None:
    client = RestClient(USER, KEY)
    assert len(rsps.calls) == 0
    assert isinstance(client.transport, Transport)
    client.close()


def test_repr_shows_the_username_never_the_key() -> None:
    client = RestClient(USER, KEY)
    assert repr(client) == f"RestClient(username={USER!r}, base_url={BASE!r})"
    assert KEY not in repr(client) and KEY not in repr(client.transport)


def test_context_manager_closes_the_transport() -> None:
    with RestClient(USER, KEY) as client:
        assert not client.transport.closed
    assert client.transport.closed
    client.close()  # idempotent


def test_plain_http_only_to_loopback(rsps: responses.RequestsMock) -> None:
    with pytest.raises(errors.InsecureTransportError):
        RestClient(USER, KEY, base_url="http://app.nutshell.com/rest")
    local = RestClient(USER, KEY, base_url="http://127.0.0.1:8765/rest/")
    assert local.base_url == "http://127.0.0.1:8765/rest"
    rsps.add(responses.GET, "http://127.0.0.1:8765/rest/users", json=envelope("users"))
    assert local.users.list().records == ()


@pytest.mark.parametrize(
    ("username", "api_key", "base_url"),
    [("", KEY, BASE), (USER, "", BASE), (USER, KEY, BASE + "?x=1"), (USER, KEY, BASE + "#f")],
)
def test_bad_configuration(username: str, api_key: str, base_url: str) -> None:
    with pytest.raises(errors.ConfigurationError):
        RestClient(username, api_key, base_url=base_url)


def test_given_transport_is_used(rsps: responses.RequestsMock) -> None:
    transport = Transport(credentials=None)
    client = RestClient(USER, KEY, transport=transport)
    assert client.transport is transport


def test_pipelines_are_stagesets(api: RestClient) -> None:
    assert api.pipelines is api.stagesets
    assert isinstance(api.pipelines, Stagesets)


def test_resources_serve_exactly_their_catalog_rows(api: RestClient) -> None:
    owners: dict[tuple[str, str], list[str]] = {}
    for resource in api.resources:
        # Every verb offered is a catalog row, and every catalog row under the base is offered.
        assert resource.served == set(resource.rows), resource
        for op in resource.rows.values():
            owners.setdefault(op.key, []).append(resource.base)
    assert sorted(owners) == sorted(op.key for op in REST_OPERATIONS)
    assert all(len(bases) == 1 for bases in owners.values())
    assert len(api.resources) == 30


def test_resource_types(api: RestClient) -> None:
    assert (api.leads.rest_type, api.leads.primary_key) == ("leads", "leads")
    assert api.product_maps.rest_type == "productMaps"
    assert api.activity_types.rest_type == "activityTypes"
    assert api.audiences.rest_type == "emAudiences"
    assert api.competitor_maps.rest_type == "competitorMaps"
    assert repr(api.leads) == "<Leads /leads>"


def test_verbs_the_api_lacks_are_absent(api: RestClient) -> None:
    assert not hasattr(api.notes, "update")  # notes have no PATCH
    assert not hasattr(api.activities, "update") and hasattr(api.activities, "replace")
    assert not hasattr(api.products, "create")
    assert not hasattr(api.emails, "list")


def test_a_resource_offering_a_missing_verb_fails_construction(api: RestClient) -> None:
    class Broken(Resource):
        _base = "/notes"
        _requires = (("PATCH", "/{id}"),)

    with pytest.raises(errors.ConfigurationError, match="PATCH /notes/"):
        Broken(api)


# -- list and get -------------------------------------------------------------------------------


def test_list_one_page_with_recorded_fixture(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.GET, BASE + "/accounts", json=fixture("read/accounts/1-first-page.json"))
    page = api.accounts.list()
    assert isinstance(page, Envelope)
    assert [a.name for a in page.records if isinstance(a, Account)] == [
        "Apple",
        "Banana",
        "Cucumber",
    ]
    assert isinstance(page.meta, Mapping) and page.meta["total"] == 4
    request = sent(rsps)
    assert request.method == "GET" and path_of(request) == "/accounts"
    assert query_of(request) == [("page[limit]", "100"), ("page[page]", "0")]
    assert request.headers["Authorization"].startswith("Basic ")


def test_list_with_query_page_and_limit(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.GET, BASE + "/leads", json=envelope("leads"))
    query = Query().filter(owner=2, status="open").sort("-name").search("acme")
    api.leads.list(query, page=2, limit=10)
    assert query_of(sent(rsps)) == [
        ("filter[owner]", "2-users"),
        ("filter[status]", "open"),
        ("sort", "-name"),
        ("q", "acme"),
        ("page[limit]", "10"),
        ("page[page]", "2"),
    ]


def test_list_extra_params(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.GET, BASE + "/filters", json=envelope("filters"))
    api.filters.list(params={"reportType": "entity_list_leads", "userId": "1-users"})
    assert query_of(sent(rsps)) == [("reportType", "entity_list_leads"), ("userId", "1-users")]


def test_unpaged_list_refuses_paging(rsps: responses.RequestsMock, api: RestClient) -> None:
    with pytest.raises(errors.UsageError, match="not paged"):
        api.products.list(page=1)
    with pytest.raises(errors.UsageError, match="not paged"):
        api.products.list(Query().page(limit=5))
    rsps.add(responses.GET, BASE + "/products", json=envelope("products"))
    api.products.list(Query().sort("sku"))
    assert query_of(sent(rsps)) == [("sort", "sku")]


def test_get_formats_int_ids(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.GET, BASE + "/accounts/23-accounts", json=fixture("write/accounts/new.json"))
    account = api.accounts.get(23)
    assert isinstance(account, Account) and account.id == 23 and account.name == "Blueberry"
    assert api.accounts.get("23-accounts") == account
    assert api.accounts.get("23") == account
    assert [path_of(sent(rsps, i)) for i in range(3)] == ["/accounts/23-accounts"] * 3


@pytest.mark.parametrize("bad", ["23-leads", "23-accounts/../x", "abc", -1, True, 2.5])
def test_get_rejects_bad_ids_before_sending(
    rsps: responses.RequestsMock, api: RestClient, bad: Any
) -> None:
    with pytest.raises(errors.UsageError):
        api.accounts.get(bad)
    assert len(rsps.calls) == 0


def test_get_many_joins_ids(rsps: responses.RequestsMock, api: RestClient) -> None:
    body = envelope("contacts", rec("contacts", 1), rec("contacts", 2))
    rsps.add(responses.GET, re.compile(re.escape(BASE) + r"/contacts/.*"), json=body)
    found = api.contacts.get_many([1, "2-contacts"])
    assert [c.id for c in found.records if isinstance(c, Contact)] == [1, 2]
    assert path_of(sent(rsps)) == "/contacts/1-contacts,2-contacts"
    with pytest.raises(errors.UsageError):
        api.contacts.get_many([])
    with pytest.raises(errors.UsageError):
        api.contacts.get_many(3)  # type: ignore[arg-type]


def test_get_resolves_side_loads(rsps: responses.RequestsMock, api: RestClient) -> None:
    lead = rec("leads", 1003, name="Big", links={"contacts": ["3-contacts"]})
    body = envelope("leads", lead, contacts=[rec("contacts", 3, name="Jane")])
    rsps.add(responses.GET, BASE + "/leads/1003-leads", json=body)
    plain = api.leads.get(1003)
    resolved = api.leads.get(1003, resolve=True)
    assert isinstance(plain, Lead) and isinstance(resolved, Lead)
    assert isinstance(plain.contacts, tuple) and isinstance(resolved.contacts, tuple)
    assert plain.contacts[0].record is None
    contact = resolved.contacts[0].record
    assert isinstance(contact, Contact) and contact.name == "Jane"


def test_get_needs_exactly_one_record(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.GET, BASE + "/users/1-users", json=envelope("users"))
    with pytest.raises(errors.MalformedResponseError, match="exactly one") as caught:
        api.users.get(1)
    assert caught.value.target == "GET /users/1-users"


def test_bare_array_reference_list_is_read(rsps: responses.RequestsMock, api: RestClient) -> None:
    # The OpenAPI document declares some reference lists as bare arrays.
    rsps.add(responses.GET, BASE + "/accounttypes", json=[rec("accountTypes", 1, name="Client")])
    (item,) = api.account_types.list().records
    assert getattr(item, "name", None) == "Client"


# -- create -------------------------------------------------------------------------------------


def test_create_account_from_a_record(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(
        responses.POST, BASE + "/accounts", json=fixture("write/accounts/new.json"), status=201
    )
    created = api.accounts.create(Account(name="Blueberry"))
    assert isinstance(created, Account) and created.id == 23
    request = sent(rsps)
    assert request.method == "POST" and path_of(request) == "/accounts"
    assert request.headers["Content-Type"] == "application/json"
    assert body_of(request) == {"accounts": [{"name": "Blueberry"}]}


def test_create_from_a_dict(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.POST, BASE + "/sources", json=envelope("sources", rec("sources", 4)))
    api.sources.create({"name": "Google", "channel": 1})
    assert body_of(sent(rsps)) == {"sources": [{"name": "Google", "channel": 1}]}


def test_create_lead_renders_description(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.POST, BASE + "/leads", json=envelope("leads", rec("leads", 9)))
    api.leads.create(Lead(name="Big deal", contacts=(Ref(entity="Contact", id=55),)))
    assert body_of(sent(rsps)) == {
        "leads": [{"links": {"contacts": ["55-contacts"]}, "description": "Big deal"}]
    }


def test_create_note_uses_a_data_object(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.POST, BASE + "/notes", json=envelope("notes", rec("notes", 3, body="hi")))
    note = api.notes.create(Note(body="hi", parent=Ref(entity="Lead", id=1003)))
    assert isinstance(note, Note) and note.body == "hi"
    assert body_of(sent(rsps)) == {"data": {"body": "hi", "links": {"parent": "1003-leads"}}}


def test_create_task_is_unwrapped(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.POST, BASE + "/tasks", json=envelope("tasks", rec("tasks", 5, title="T")))
    task = api.tasks.create(Task(title="T", assignee=Ref(entity="User", id=1)))
    assert isinstance(task, Task) and task.id == 5
    assert body_of(sent(rsps)) == {"title": "T", "links": {"assignee": "1-users"}}


def test_create_refuses_wrong_records_and_double_wrapping(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    with pytest.raises(errors.UsageError, match="Contact cannot be sent to /accounts"):
        api.accounts.create(Contact(name="x"))
    with pytest.raises(errors.UsageError, match="not"):
        api.accounts.create({"accounts": [{"name": "x"}]})
    with pytest.raises(errors.UsageError):
        api.accounts.create(["x"])  # type: ignore[arg-type]
    assert len(rsps.calls) == 0


def test_create_without_a_body_returns_none(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.POST, BASE + "/tags", status=204)
    assert api.tags.create({"name": "VIP", "tagType": "1"}) is None


def test_writes_are_not_retried_but_reads_are(rsps: responses.RequestsMock) -> None:
    # idempotent comes from the catalog row: POST /leads is unsafe to replay, GET is safe.
    client = RestClient(USER, KEY, retry=RetryPolicy(max_attempts=3), sleep=lambda _: None)
    rsps.add(responses.POST, BASE + "/leads", status=503)
    with pytest.raises(errors.ServerError):
        client.leads.create({"description": "x"})
    assert len(rsps.calls) == 1
    rsps.add(responses.GET, BASE + "/leads/1-leads", status=503)
    with pytest.raises(errors.ServerError):
        client.leads.get(1)
    assert len(rsps.calls) == 4


# -- update (PATCH) and replace (PUT) -----------------------------------------------------------


def test_update_with_a_patch(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.PATCH, BASE + "/contacts/3-contacts", status=204)
    patch = Patch("contacts").replace("firstName", "Nutty").add_link("accounts", 3)
    assert api.contacts.update(3, patch) is None
    request = sent(rsps)
    assert request.method == "PATCH" and path_of(request) == "/contacts/3-contacts"
    assert request.headers["Content-Type"] == PATCH_MEDIA_TYPE
    assert body_of(request) == [
        {"op": "replace", "path": "/contacts/0/firstName", "value": "Nutty"},
        {"op": "add", "path": "/contacts/0/links/accounts/-", "value": "3-accounts"},
    ]


def test_update_reread_gets_the_record(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.PATCH, BASE + "/leads/7-leads", status=204)
    rsps.add(responses.GET, BASE + "/leads/7-leads", json=envelope("leads", rec("leads", 7)))
    lead = api.leads.update(7, Patch("leads").manual_value(500), reread=True)
    assert isinstance(lead, Lead) and lead.id == 7
    assert [c.request.method for c in rsps.calls] == ["PATCH", "GET"]


def test_update_with_op_dicts(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.PATCH, BASE + "/tasks/2-tasks", status=204)
    ops = [{"op": "replace", "path": "/tasks/0/title", "value": "New"}]
    api.tasks.update("2-tasks", ops)
    assert body_of(sent(rsps)) == ops
    with pytest.raises(errors.UsageError, match="JSON Patch"):
        api.tasks.update(2, [{"op": "frobnicate", "path": "/tasks/0/title"}])
    with pytest.raises(errors.UsageError):
        api.tasks.update(2, [])
    assert len(rsps.calls) == 1


def test_update_with_old_and_new_records(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.PATCH, BASE + "/accounts/15-accounts", status=204)
    old = Account(id=15, name="Apple", owner=Ref(entity="User", id=1))
    new = Account(id=15, name="Apple Inc.", owner=Ref(entity="User", id=2))
    api.accounts.update(15, (old, new))
    assert body_of(sent(rsps)) == [
        {"op": "replace", "path": "/accounts/0/name", "value": "Apple Inc."},
        {"op": "replace", "path": "/accounts/0/links/owner", "value": "2-users"},
    ]


def test_update_without_differences_sends_nothing(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    same = Account(id=15, name="Apple")
    assert api.accounts.update(15, (same, same)) is None
    assert len(rsps.calls) == 0


def test_update_refuses_empty_and_foreign_patches(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    with pytest.raises(errors.UsageError, match="No patches sent"):
        api.leads.update(1, Patch("leads"))
    with pytest.raises(errors.UsageError, match="contacts patch"):
        api.leads.update(1, Patch("contacts").replace("name", "x"))
    with pytest.raises(errors.UsageError):
        api.leads.update(1, "replace")  # type: ignore[arg-type]
    assert len(rsps.calls) == 0


def test_update_returns_a_record_the_server_sent(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    rsps.add(
        responses.PATCH,
        BASE + "/productmaps/4-productMaps",
        json=envelope("productMaps", rec("productMaps", 4, quantity=3)),
    )
    found = api.product_maps.update(4, Patch("productMaps").replace("quantity", 3))
    assert isinstance(found, ProductMap) and found.quantity == 3


def test_update_ignores_an_unreadable_success_body(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    rsps.add(responses.PATCH, BASE + "/competitormaps/1-competitorMaps", body="OK", status=200)
    patch = Patch("competitorMaps").replace("status", "beat")
    assert api.competitor_maps.update(1, patch) is None


def test_activities_replace_with_put(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(
        responses.PUT,
        BASE + "/activities/5-activities",
        json=envelope("activities", rec("activities", 5, name="Call")),
    )
    activity = Activity(name="Call", activity_type=Ref(entity="ActivityType", id=1))
    updated = api.activities.replace(5, activity)
    assert isinstance(updated, Activity) and updated.id == 5
    request = sent(rsps)
    assert request.method == "PUT" and request.headers["Content-Type"] == "application/json"
    assert body_of(request) == {"activities": [{"name": "Call", "activityType": "1-activityTypes"}]}


# -- delete and undelete ------------------------------------------------------------------------


def test_delete_returns_the_record(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.DELETE, BASE + "/leads/3-leads", json=envelope("leads", rec("leads", 3)))
    lead = api.leads.delete(3)
    assert isinstance(lead, Lead) and lead.id == 3
    assert sent(rsps).body is None


def test_delete_204_returns_none(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.DELETE, BASE + "/contacts/3-contacts", status=204)
    assert api.contacts.delete(3) is None


def test_delete_product_map_uses_the_documents_spelling(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    rsps.add(responses.DELETE, BASE + "/productMaps/4-productMaps", status=204)
    assert api.product_maps.delete(4) is None
    assert path_of(sent(rsps)) == "/productMaps/4-productMaps"


def test_undelete(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(
        responses.POST,
        BASE + "/notes/3-notes/undelete",
        json=envelope("notes", rec("notes", 3, body="back")),
    )
    note = api.notes.undelete("3-notes")
    assert isinstance(note, Note) and note.body == "back"
    assert sent(rsps).body is None


# -- leads --------------------------------------------------------------------------------------


def lead_answer(n: int = 7) -> dict[str, Any]:
    return envelope("leads", rec("leads", n, name="Deal"))


def test_close_lead_body(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.POST, BASE + "/leads/7-leads/status", json=lead_answer())
    product = ProductMap(
        product=Ref(entity="Product", id=1),
        quantity=2.0,
        price=Money(amount=Decimal("10"), currency="USD"),
    )
    lead = api.leads.close(
        7,
        1,
        competitor_maps=[1, "2-competitorMaps"],
        product_maps=[product, {"links": {"product": "3-products"}}],
    )
    assert isinstance(lead, Lead) and lead.id == 7
    assert body_of(sent(rsps)) == {
        "outcomeId": "1-outcomes",
        "competitorMaps": ["1-competitorMaps", "2-competitorMaps"],
        "productMaps": [
            {
                "quantity": 2.0,
                "price": {"amount": "10", "currency": "USD"},
                "links": {"product": "1-products"},
                "type": "productMaps",
                "productType": "product",
            },
            {"links": {"product": "3-products"}},
        ],
    }


def test_close_lead_minimal_body(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.POST, BASE + "/leads/7-leads/status", json=lead_answer())
    api.leads.close("7-leads", "4-outcomes")
    assert body_of(sent(rsps)) == {"outcomeId": "4-outcomes"}
    with pytest.raises(errors.UsageError):
        api.leads.close(7, "4-stages")


def test_reopen_sends_no_body(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.POST, BASE + "/leads/7-leads/reopen", json=lead_answer())
    assert isinstance(api.leads.reopen(7), Lead)
    assert sent(rsps).body is None


def test_move_and_set_pipeline(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.POST, BASE + "/leads/7-leads/stageset", json=lead_answer())
    api.leads.move(7, 2)
    api.leads.set_pipeline(7, "2-stagesets")
    assert [body_of(sent(rsps, i)) for i in range(2)] == [{"stageset": "2-stagesets"}] * 2


def test_lead_stages(rsps: responses.RequestsMock, api: RestClient) -> None:
    stages = [rec("stages", 101, name="Qualify", position=1), rec("stages", 102, name="Win")]
    rsps.add(responses.GET, BASE + "/leads/7-leads/stages", json=envelope("stages", *stages))
    found = api.leads.stages(7)
    assert [s.name for s in found.records if isinstance(s, Stage)] == ["Qualify", "Win"]


@pytest.mark.parametrize(
    ("status", "outcome"), [("won", 1), ("lost", 2), ("canceled", 3), ("cancelled", 3)]
)
def test_set_status_closes_with_a_matching_outcome(
    rsps: responses.RequestsMock, api: RestClient, status: str, outcome: int
) -> None:
    outcomes = [
        rec("outcomes", 1, name="Won", status="won"),
        rec("outcomes", 2, name="Lost", status="lost"),
        rec("outcomes", 3, name="Cancelled", status="cancelled"),
    ]
    rsps.add(responses.GET, BASE + "/outcomes", json=envelope("outcomes", *outcomes))
    rsps.add(responses.POST, BASE + "/leads/7-leads/status", json=lead_answer())
    api.leads.set_status(7, status)
    assert body_of(sent(rsps)) == {"outcomeId": f"{outcome}-outcomes"}


def test_set_status_without_an_outcome(rsps: responses.RequestsMock, api: RestClient) -> None:
    only_won = envelope("outcomes", rec("outcomes", 1, name="Won", status="won"))
    rsps.add(responses.GET, BASE + "/outcomes", json=only_won)
    with pytest.raises(errors.UsageError, match="no outcome with status 'lost'"):
        api.leads.set_status(7, "lost")
    with pytest.raises(errors.UsageError, match="reopen"):
        api.leads.set_status(7, "open")
    assert len(rsps.calls) == 1


def test_product_maps_of_a_lead(rsps: responses.RequestsMock, api: RestClient) -> None:
    lead = rec("leads", 7, links={"productMaps": ["1-productMaps", "2-productMaps"]})
    rsps.add(responses.GET, BASE + "/leads/7-leads", json=envelope("leads", lead))
    maps = envelope("productMaps", rec("productMaps", 1), rec("productMaps", 2))
    rsps.add(responses.GET, BASE + "/productmaps/1-productMaps,2-productMaps", json=maps)
    found = api.leads.product_maps(7)
    assert len(found.records) == 2
    assert len(api.leads.products(7).records) == 2
    assert [path_of(sent(rsps, i)) for i in range(4)] == [
        "/leads/7-leads",
        "/productmaps/1-productMaps,2-productMaps",
    ] * 2


def test_product_maps_of_a_lead_without_any(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.GET, BASE + "/leads/7-leads", json=lead_answer())
    assert api.leads.product_maps(7).records == ()
    assert len(rsps.calls) == 1


def test_watch_installments_and_report(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.POST, BASE + "/leads/7-leads/watch", json=lead_answer())
    item = {"id": "1-installments", "dueTime": "2026-01-01T00:00:00+0000", "value": "1000"}
    rsps.add(responses.GET, BASE + "/leads/7-leads/installments", json={"installments": [item]})
    rsps.add(responses.POST, BASE + "/leads/7-leads/installments", json={"installments": [item]})
    rsps.add(responses.GET, BASE + "/leads/report", json={"reports": [{"report": {}}]})
    assert isinstance(api.leads.watch(7), Lead)
    assert api.leads.installments(7).records == (item,)
    new = [{"dueTime": "2026-02-01T00:00:00+0000", "value": "5", "isFailed": False}]
    api.leads.save_installments(7, new)
    assert body_of(sent(rsps)) == new
    api.leads.report(Query().search("x"), reportType="won", useConfidence=True)
    assert query_of(sent(rsps)) == [("q", "x"), ("reportType", "won"), ("useConfidence", "true")]


def test_custom_fields_and_list_views(rsps: responses.RequestsMock, api: RestClient) -> None:
    fields = {"customFields": [{"name": "Favorite Number"}]}
    rsps.add(responses.GET, BASE + "/contacts/3-contacts/customfields", json=fields)
    rsps.add(responses.GET, BASE + "/contacts/customfields/attributes", json=fields)
    rsps.add(responses.POST, BASE + "/contacts/customfield", status=200)
    rsps.add(responses.GET, BASE + "/contacts/list", json={"listItems": [{"id": "3-contacts"}]})
    rsps.add(
        responses.GET,
        BASE + "/contacts/list/fields",
        json={"properties": {"name": {"isFilterable": True}}},
    )
    # Items of a customFields array are custom field definitions (their type by default).
    assert api.contacts.customfields(3).records == (CustomField(name="Favorite Number"),)
    assert len(api.contacts.customfield_attributes().records) == 1
    api.contacts.create_customfield("Tier", "TEXT", choices=["A", "B"], is_multiple=True)
    assert body_of(sent(rsps)) == {
        "name": "Tier",
        "type": "TEXT",
        "choices": ["A", "B"],
        "isMultiple": True,
        "title": "Tier",
    }
    assert api.contacts.list_items(Query().search("j")).records == ({"id": "3-contacts"},)
    assert query_of(sent(rsps)) == [("q", "j")]
    assert api.contacts.list_fields() == {"name": {"isFilterable": True}}


# -- other resources ----------------------------------------------------------------------------


def test_quote_and_invoice_status(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.POST, BASE + "/quotes/2-quotes/status", json={"quotes": [rec("quotes", 2)]})
    rsps.add(
        responses.POST, BASE + "/quotes/2-quotes/invoice", json={"invoices": [rec("invoices", 9)]}
    )
    rsps.add(
        responses.POST,
        BASE + "/invoices/9-invoices/status",
        json={"invoices": [rec("invoices", 9)]},
    )
    quote = api.quotes.set_status(2, "accepted", accepted_name="Jane", accepted_email="j@x.com")
    assert quote == rec("quotes", 2)
    assert body_of(sent(rsps)) == {
        "status": "ACCEPTED",
        "acceptedName": "Jane",
        "acceptedEmail": "j@x.com",
    }
    assert api.quotes.invoice(2) == rec("invoices", 9)
    assert sent(rsps).body is None
    api.invoices.set_status(9, "SENT")
    assert body_of(sent(rsps)) == {"status": "SENT"}
    with pytest.raises(errors.UsageError, match="status must be one of"):
        api.invoices.set_status(9, "PAID")


def test_stageset_export_is_csv_text(rsps: responses.RequestsMock, api: RestClient) -> None:
    csv = "lead,from,to\n1003-leads,101-stages,102-stages\n"
    rsps.add(
        responses.GET, BASE + "/stagesets/1-stagesets/export", body=csv, content_type="text/csv"
    )
    assert api.pipelines.export(1) == csv


def test_forms_and_fields(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.GET, BASE + "/forms/2-wfForms", json={"wfForms": [{"id": "2-wfForms"}]})
    rsps.add(responses.GET, BASE + "/forms/5-wfFields", json={"wfFields": [{"id": "5-wfFields"}]})
    assert api.forms.get(2) == {"id": "2-wfForms"}
    assert api.forms.get_field(5) == {"id": "5-wfFields"}


def test_events_list_params(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.GET, BASE + "/events", json=fixture("read/events/1-first-page.json"))
    page = api.events.list(
        since_id=19,
        since_time=datetime(2025, 8, 14, tzinfo=timezone.utc),
        entity_id="1003-leads",
        limit=20,
        creators=[1],
        include=["comments"],
        resolve=True,
    )
    assert query_of(sent(rsps)) == [
        ("limit", "20"),
        ("since_id", "19-events"),
        ("since_time", "1755129600"),
        ("entity_id", "1003-leads"),
        ("filters[creator][]", "1-users"),
        ("events[]", "comments"),
    ]
    event = page.records[0]
    assert isinstance(event, Event) and event.action == "create"
    assert isinstance(event.payloads, tuple)
    payload = event.payloads[0].record
    assert isinstance(payload, Account) and payload.id == 19
    with pytest.raises(errors.UsageError):
        api.events.list(entity_id=1003)  # type: ignore[arg-type]
    with pytest.raises(errors.UsageError):
        api.events.list(since_time=datetime(2025, 1, 1))


def test_deleted_events(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.GET, BASE + "/events/deleted", json={"events": []})
    api.events.deleted(types="leads", newest_first=True)
    assert query_of(sent(rsps)) == [("filter[types]", "leads"), ("sort", "-change_time")]
    assert list(api.events.iterate_deleted(types="leads")) == []


# -- call ---------------------------------------------------------------------------------------


def test_call_validates_against_the_catalog(rsps: responses.RequestsMock, api: RestClient) -> None:
    for method, path in [("GET", "/pipelines"), ("POST", "/leads/{id}/products"), ("GET", "/x")]:
        with pytest.raises(errors.UnknownMethodError):
            api.call(method, path)
    with pytest.raises(errors.UnknownMethodError):
        api.call("PATCH", "/notes/{id}", id=1)
    with pytest.raises(errors.UsageError, match="missing"):
        api.call("GET", "/leads/{id}")
    with pytest.raises(errors.UsageError, match="unexpected"):
        api.call("GET", "/leads", id=3)
    with pytest.raises(errors.UsageError):
        api.call("GET", "/forms/{fieldId}", fieldId=5)
    assert len(rsps.calls) == 0


def test_call_returns_envelopes_json_or_text(rsps: responses.RequestsMock, api: RestClient) -> None:
    rsps.add(responses.GET, BASE + "/leads/7-leads/stages", json=envelope("stages"))
    rsps.add(
        responses.GET, BASE + "/stagesets/1-stagesets/export", body="a,b\n", content_type="text/csv"
    )
    rsps.add(responses.GET, BASE + "/leads/list/fields", json={"properties": {}})
    rsps.add(responses.POST, BASE + "/leads/customfield", status=200)
    rsps.add(responses.PATCH, BASE + "/leads/7-leads", status=204)
    assert isinstance(api.call("get", "/leads/{id}/stages", id=7), Envelope)
    assert api.call("GET", "/stagesets/{id}/export", id="1-stagesets") == "a,b\n"
    assert api.call("GET", "/leads/list/fields") == {"properties": {}}
    assert api.call("POST", "/leads/customfield", json={"name": "x"}) is None
    ops = [{"op": "replace", "path": "/leads/0/description", "value": "x"}]
    assert api.call("PATCH", "/leads/{id}", id=7, json=ops) is None
    assert sent(rsps).headers["Content-Type"] == PATCH_MEDIA_TYPE
    odd = envelope("wfFields", {"id": "5-wfFields"})
    rsps.add(responses.GET, BASE + "/forms/5-wfFields", json=odd)
    found = api.call("GET", "/forms/{fieldId}", fieldId="5-wfFields")
    assert isinstance(found, Envelope) and found.records == ({"id": "5-wfFields"},)


def test_path_values_cannot_escape_their_segment(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    rsps.add(responses.GET, re.compile(re.escape(BASE) + r"/forms/.*"), json={"wfFields": [{}]})
    api.call("GET", "/forms/{fieldId}", fieldId="a/../../users")
    assert urlsplit(str(sent(rsps).url)).path == "/rest/forms/a%2F..%2F..%2Fusers"


# -- every operation is reachable ---------------------------------------------------------------

PATCH_OPS = {"op": "replace", "path": "/{}/0/name", "value": "x"}

#: (method, suffix) -> how the public API invokes it on the owning resource, given ids of 7.
GENERIC: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("GET", ""): lambda r: r.list(),
    ("POST", ""): lambda r: r.create({"name": "x"}),
    ("GET", "/{id}"): lambda r: r.get(7),
    ("PATCH", "/{id}"): lambda r: r.update(
        7, [{**PATCH_OPS, "path": PATCH_OPS["path"].format(r.rest_type)}]
    ),
    ("PUT", "/{id}"): lambda r: r.replace(7, {"name": "x"}),
    ("DELETE", "/{id}"): lambda r: r.delete(7),
    ("POST", "/{id}/undelete"): lambda r: r.undelete(7),
    ("GET", "/{id}/customfields"): lambda r: r.customfields(7),
    ("GET", "/customfields/attributes"): lambda r: r.customfield_attributes(),
    ("POST", "/customfield"): lambda r: r.create_customfield("F", "TEXT"),
    ("GET", "/list"): lambda r: r.list_items(),
    ("GET", "/list/fields"): lambda r: r.list_fields(),
    ("POST", "/{id}/status"): lambda r: (
        r.close(7, 1) if r.base == "/leads" else r.set_status(7, "SENT")
    ),
    ("POST", "/{id}/reopen"): lambda r: r.reopen(7),
    ("POST", "/{id}/stageset"): lambda r: r.move(7, 2),
    ("POST", "/{id}/watch"): lambda r: r.watch(7),
    ("GET", "/{id}/stages"): lambda r: r.stages(7),
    ("GET", "/{id}/installments"): lambda r: r.installments(7),
    ("POST", "/{id}/installments"): lambda r: r.save_installments(7, [{"value": "1"}]),
    ("GET", "/report"): lambda r: r.report(),
    ("GET", "/{id}/export"): lambda r: r.export(7),
    ("POST", "/{id}/invoice"): lambda r: r.invoice(7),
    ("GET", "/{fieldId}"): lambda r: r.get_field(7),
    ("GET", "/deleted"): lambda r: r.deleted(),
}


def _template(op: RestOperation) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(op.path)) + "$")


def catalog_server(mock: responses.RequestsMock) -> None:
    """Answer any catalog request with a body fit for every row its method and path match."""

    def callback(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        path = path_of(request)
        rows = [op for op in REST_OPERATIONS if op.method == request.method]
        matching = [op for op in rows if _template(op).match(path)]
        keys = {op.primary_key for op in matching if op.primary_key is not None}
        if any(op.path.endswith("/export") for op in matching):
            return 200, {"Content-Type": "text/csv"}, "a,b\n"
        if "properties" in keys:
            return 200, {"Content-Type": "application/json"}, json.dumps({"properties": {}})
        if not keys:
            return 204, {}, ""
        segment = path.split("/")[1]
        item = {"id": f"7-{segment}", "name": "x"}
        body = {key: [dict(item, type=key, id=f"7-{key}")] for key in sorted(keys)}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        mock.add_callback(method, re.compile(re.escape(BASE) + r"/.*"), callback=callback)


def sample_path(api: RestClient, op: RestOperation) -> str:
    owner = next(r for r in api.resources if op in r.rows.values())
    return op.path.replace("{id}", f"7-{owner.rest_type}").replace("{fieldId}", "7-wfFields")


@pytest.mark.parametrize("op", REST_OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_every_operation_is_reachable_by_its_method(api: RestClient, op: RestOperation) -> None:
    owner = next(r for r in api.resources if op in r.rows.values())
    suffix = next(key[1] for key, row in owner.rows.items() if row is op)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        catalog_server(mock)
        GENERIC[(op.method, suffix)](owner)
        assert len(mock.calls) == 1
        request = sent(mock)
    assert request.method == op.method
    assert path_of(request) == sample_path(api, op)


def test_every_operation_is_reachable_through_call(api: RestClient) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        catalog_server(mock)
        for i, op in enumerate(REST_OPERATIONS):
            names = re.findall(r"\{(\w+)\}", op.path)
            ids: dict[str, Any] = {n: (7 if n == "id" else "7-wfFields") for n in names}
            if op.method == "GET":
                api.call(op.method, op.path, **ids)
            else:
                body: Any = [PATCH_OPS] if op.method == "PATCH" else {}
                api.call(op.method, op.path, json=body, **ids)
            request = sent(mock)
            assert len(mock.calls) == i + 1
            assert (request.method, path_of(request)) == (op.method, sample_path(api, op))
            assert (request.body is None) == (op.method == "GET")


def test_requests_are_made_with_the_session(rsps: responses.RequestsMock) -> None:
    session = requests.Session()
    client = RestClient(USER, KEY, session=session)
    rsps.add(responses.GET, BASE + "/territories", json=envelope("territories"))
    client.territories.list()
    client.close()
    assert len(rsps.calls) == 1


def test_call_get_without_a_body_is_malformed(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    rsps.add(responses.GET, BASE + "/users", body="", status=200)
    with pytest.raises(errors.MalformedResponseError, match="empty body") as caught:
        api.call("GET", "/users")
    assert caught.value.target == "GET /users"


def test_iterate_checks_the_page_size_before_sending(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    for bad in (0, 10_001):
        with pytest.raises(errors.UsageError):
            api.accounts.iterate(page_size=bad)
    assert len(rsps.calls) == 0
