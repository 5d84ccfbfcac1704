"""Every catalog REST operation is answered, and the REST-only families keep state.

One well-formed request goes to every row of :data:`nutshell_core.catalog.REST_OPERATIONS`;
none may answer 501 (not implemented) or any 5xx. Then the families kept in the store's
book (quotes and invoices, product categories, installments, watching, forms, editions,
saved filters) and the list-item views are checked by writing and reading back.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from typing import Any

import pytest

from nutshell_core.catalog import REST_OPERATIONS
from nutshell_core.model import Account, Contact, Product, User
from nutshell_emulator import rules
from nutshell_emulator.http import HttpReply, HttpRequest
from nutshell_emulator.rest_book import add_edition, add_filter, add_form, add_quote
from nutshell_emulator.rest_front import RestFront
from nutshell_emulator.store import Store

EMAIL, KEY = "owner@example.com", "operations-test-key"
BASE = "https://app.nutshell.com/rest"


@pytest.fixture
def store() -> Store:
    s = Store()
    user = rules.install_defaults(s, email=EMAIL, name="Account Owner")
    assert isinstance(user.id, int)
    s.add_api_key(user.id, KEY)
    return s


@pytest.fixture
def front(store: Store) -> RestFront:
    return RestFront(store)


def send(front: RestFront, method: str, path: str, body: Any = None, **headers: str) -> HttpReply:
    auth = "Basic " + base64.b64encode(f"{EMAIL}:{KEY}".encode()).decode()
    all_headers = {"authorization": auth, **headers}
    raw = None if body is None else json.dumps(body)
    return front.handle(HttpRequest.from_url(method, BASE + path, all_headers, raw))


def ok(reply: HttpReply, status: int = 200) -> Any:
    assert reply.status == status, (reply.status, reply.body[:400])
    return json.loads(reply.body)


def new_lead(front: RestFront, description: str) -> int:
    """A lead made through the front, as a client would; its numeric id."""
    made = ok(send(front, "POST", "/leads", {"leads": [{"description": description}]}), 201)
    return int(made["leads"][0]["id"].split("-")[0])


def seed(store: Store, front: RestFront) -> dict[str, int]:
    """One record of every kind the operations below address; their ids by name."""
    account = store.insert(Account(name="Acme"))
    contact = store.insert(Contact(name="Ann Lee"))
    product = store.insert(Product(name="Widget", sku="W-1"))
    lead_id = new_lead(front, "Big deal")
    assert isinstance(product.id, int)
    quote = add_quote(
        store,
        lead_id=lead_id,
        lines=[{"name": "Widget", "quantity": 2, "price": "12.50", "product": product.id}],
        recipient={"id": f"{contact.id}-contacts", "name": "Ann Lee", "email": "ann@acme.test"},
    )
    form = add_form(
        store,
        name="Contact us",
        fields=[{"label": "Name", "fieldName": "name", "fieldType": "textfield"}],
    )
    edition = add_edition(store, name="August newsletter")
    user = store.all(User)[0]
    assert isinstance(user.id, int) and isinstance(account.id, int)
    add_filter(store, name="Hot leads", report_type="entity_list_leads", user_id=user.id)
    return {
        "account": account.id,
        "lead": lead_id,
        "quote": quote["id"],
        "form": form["id"],
        "field": form["fields"][0],
        "edition": edition["id"],
    }


#: Well-formed request bodies by operation; operations not listed send no body.
def bodies(ids: dict[str, int]) -> dict[tuple[str, str], Any]:
    return {
        ("POST", "/accounts"): {"accounts": [{"name": "Beta"}]},
        ("POST", "/contacts"): {"contacts": [{"name": "Bob"}]},
        ("POST", "/leads"): {"leads": [{"description": "Another"}]},
        ("POST", "/activities"): {
            "activities": [{"name": "Call", "startTime": 1755180000, "endTime": 1755181800}]
        },
        ("PUT", "/activities/{id}"): {"activities": [{"isLogged": True}]},
        ("POST", "/tasks"): {"title": "Call back"},
        ("POST", "/notes"): {"data": {"body": "Hi", "links": {"parent": f"{ids['lead']}-leads"}}},
        ("POST", "/sources"): {"sources": [{"name": "Google"}]},
        ("POST", "/tags"): {"tags": [{"name": "VIP"}]},
        ("POST", "/audiences"): {"emAudiences": [{"name": "Buyers"}]},
        ("POST", "/productcategories"): {"productCategories": [{"name": "Hardware"}]},
        ("POST", "/leads/{id}/status"): {"outcomeId": "1-outcomes"},
        ("POST", "/leads/{id}/stageset"): {"stageset": "1-stagesets"},
        ("POST", "/leads/{id}/installments"): [
            {"dueTime": "2026-01-01T00:00:00+0000", "value": "100", "isFailed": False}
        ],
        ("POST", "/quotes/{id}/status"): {"status": "SENT"},
        ("POST", "/invoices/{id}/status"): {"status": "ACCEPTED", "comment": "Paid"},
        **{
            ("POST", f"/{base}/customfield"): {"name": "Tier", "type": "text"}
            for base in ("leads", "contacts", "accounts")
        },
    }


def concrete(path: str, ids: dict[str, int]) -> str:
    """A path template with ids filled in from the seeded records."""
    head = path.strip("/").split("/")[0].lower()
    by_head = {
        "leads": ids["lead"],
        "accounts": ids["account"],
        "quotes": ids["quote"],
        "invoices": ids["quote"] + 1,  # made from the quote first (POST /quotes/{id}/invoice)
        "editions": ids["edition"],
    }
    if path == "/forms/{fieldId}":
        return f"/forms/{ids['field']}-wfFields"
    if path == "/forms/{id}":
        return f"/forms/{ids['form']}-wfForms"
    return re.sub(r"\{[^}]+\}", str(by_head.get(head, 1)), path)


def test_every_catalog_operation_answers_without_501_or_5xx(store: Store, front: RestFront) -> None:
    ids = seed(store, front)
    payloads = bodies(ids)
    # The invoice is made first, so /invoices/{id} has something to address.
    ordered = sorted(REST_OPERATIONS, key=lambda op: op.key != ("POST", "/quotes/{id}/invoice"))
    # Deletes go last, so the reads find their records.
    ordered.sort(key=lambda op: op.method == "DELETE")
    answered: dict[tuple[str, str], int] = {}
    for op in ordered:
        headers = {"content-type": "application/json-patch+json"} if op.method == "PATCH" else {}
        body = payloads.get(op.key, [] if op.method == "PATCH" else None)
        reply = send(front, op.method, concrete(op.path, ids), body, **headers)
        answered[op.key] = reply.status
    failing = {key: status for key, status in answered.items() if status == 501 or status >= 500}
    assert failing == {}
    assert len(answered) == len(REST_OPERATIONS)
    assert front.implemented == {op.key for op in REST_OPERATIONS}


# -- sales documents ------------------------------------------------------------------------------


def test_quote_status_invoice_and_invoice_status(store: Store, front: RestFront) -> None:
    ids = seed(store, front)
    quote = ok(send(front, "GET", f"/quotes/{ids['quote']}-quotes"))["quotes"][0]
    assert quote["displayStatus"] == "DRAFT"
    assert quote["total"] == {"amount": "25.00", "currency": "USD", "formatted": "$25.00"}
    assert quote["links"] == {"lead": f"{ids['lead']}-leads"}
    sent = ok(send(front, "POST", f"/quotes/{ids['quote']}/status", {"status": "SENT"}))
    assert sent["quotes"][0]["displayStatus"] == "SENT"
    assert sent["quotes"][0]["sentTime"] is not None
    accepted = ok(
        send(
            front,
            "POST",
            f"/quotes/{ids['quote']}/status",
            {"status": "ACCEPTED", "acceptedName": "Ann"},
        )
    )["quotes"][0]
    assert accepted["acceptedName"] == "Ann" and accepted["acceptedTime"] is not None
    invoice = ok(send(front, "POST", f"/quotes/{ids['quote']}/invoice"), 201)["invoices"][0]
    assert invoice["type"] == "invoices" and invoice["displayStatus"] == "DRAFT"
    assert invoice["total"] == quote["total"]
    assert [i["name"] for i in invoice["productLineItems"]] == ["Widget"]
    listed = ok(send(front, "GET", "/invoices"))
    assert [i["id"] for i in listed["invoices"]] == [invoice["id"]]
    assert [q["id"] for q in ok(send(front, "GET", "/quotes"))["quotes"]] == [quote["id"]]
    paid = ok(
        send(
            front,
            "POST",
            f"/invoices/{invoice['id']}/status",
            {"status": "ACCEPTED", "comment": "Paid via ACH"},
        )
    )["invoices"][0]
    assert paid["paidTime"] is not None and paid["completionComment"] == "Paid via ACH"
    again = ok(send(front, "GET", f"/invoices/{invoice['id']}"))["invoices"][0]
    assert again == paid
    # A quote is not an invoice and the reverse.
    assert send(front, "GET", f"/invoices/{ids['quote']}").status == 404
    assert send(front, "GET", f"/quotes/{invoice['id']}").status == 404


def test_sales_document_lists_filter_and_page(store: Store, front: RestFront) -> None:
    ids = seed(store, front)
    other = new_lead(front, "Other")
    add_quote(store, lead_id=other, lines=[{"name": "X", "price": "1"}])
    body = ok(send(front, "GET", f"/quotes?filter[lead]={ids['lead']}-leads"))
    assert len(body["quotes"]) == 1 and body["meta"]["total"] == 2
    first = ok(send(front, "GET", "/quotes?page[limit]=1&page[page]=0"))["quotes"]
    second = ok(send(front, "GET", "/quotes?page[limit]=1&page[page]=1"))["quotes"]
    assert len(first) == len(second) == 1 and first != second
    assert ok(send(front, "GET", "/quotes?filter[dateMax]=2000-01-01"))["quotes"] == []
    assert send(front, "GET", "/quotes?filter[dateMin]=yesterday").status == 400


def test_bad_status_is_a_400(store: Store, front: RestFront) -> None:
    ids = seed(store, front)
    assert send(front, "POST", f"/quotes/{ids['quote']}/status", {"status": "DRAFT"}).status == 400
    reply = send(
        front, "POST", f"/quotes/{ids['quote']}/status", {"status": "SENT", "comment": "x"}
    )
    assert reply.status == 400


# -- product categories, installments, watching ---------------------------------------------------


def test_product_category_create_then_read(front: RestFront) -> None:
    made = ok(
        send(front, "POST", "/productcategories", {"productCategories": [{"name": "Hardware"}]}),
        201,
    )["productCategories"][0]
    assert made["name"] == "Hardware" and made["id"].endswith("-productCategories")
    listed = ok(send(front, "GET", "/productcategories"))["productCategories"]
    assert listed == [made]
    assert ok(send(front, "GET", f"/productcategories/{made['id']}"))["productCategories"] == [made]
    duplicate = {"productCategories": [{"name": "hardware"}]}
    assert send(front, "POST", "/productcategories", duplicate).status == 400
    assert send(front, "POST", "/productcategories", {"productCategories": [{}]}).status == 400


def test_installments_replace_and_read_back(store: Store, front: RestFront) -> None:
    ids = seed(store, front)
    path = f"/leads/{ids['lead']}/installments"
    assert ok(send(front, "GET", path))["installments"] == []
    schedule = [
        {"dueTime": "2026-04-01T00:00:00+0000", "value": "250", "isFailed": False},
        {"dueTime": "2026-01-01T00:00:00+0000", "value": "1000.5", "isFailed": True},
    ]
    written = ok(send(front, "POST", path, schedule))["installments"]
    assert [i["value"]["amount"] for i in written] == [1000.5, 250.0]  # in due order
    assert written[0]["failedTime"] is not None and written[1]["failedTime"] is None
    assert ok(send(front, "GET", path))["installments"] == written
    keep = {**schedule[0], "id": written[1]["id"], "description": "Q2"}
    replaced = ok(send(front, "POST", path, [keep]))["installments"]
    assert [(i["id"], i["description"]) for i in replaced] == [(written[1]["id"], "Q2")]
    assert send(front, "POST", path, [{"value": "1"}]).status == 400
    assert send(front, "GET", "/leads/999/installments").status == 404


def test_watch_toggles_for_the_caller(store: Store, front: RestFront) -> None:
    ids = seed(store, front)
    first = ok(send(front, "POST", f"/leads/{ids['lead']}/watch"))["leads"][0]
    assert first["isCurrentUserWatching"] is True and first["links"]["watchers"] == ["1-users"]
    second = ok(send(front, "POST", f"/leads/{ids['lead']}/watch"))["leads"][0]
    assert second["isCurrentUserWatching"] is False and second["links"]["watchers"] == []


# -- forms, editions, filters ---------------------------------------------------------------------


def test_forms_fields_editions_and_filters(store: Store, front: RestFront) -> None:
    ids = seed(store, front)
    forms = ok(send(front, "GET", "/forms"))["wfForms"]
    assert [f["name"] for f in forms] == ["Contact us"]
    one = ok(send(front, "GET", f"/forms/{forms[0]['id']}"))
    assert [f["label"] for f in one["wfFields"]] == ["Name"]
    field = ok(send(front, "GET", f"/forms/{ids['field']}-wfFields"))["wfFields"]
    assert field == one["wfFields"]
    assert send(front, "GET", "/forms/99-wfFields").status == 404
    editions = ok(send(front, "GET", "/editions"))["editions"]
    assert [e["name"] for e in editions] == ["August newsletter"]
    got = ok(send(front, "GET", f"/editions/{editions[0]['id']}"))["editions"]
    assert got == editions
    leads = ok(send(front, "GET", "/filters?reportType=entity_list_leads"))["filters"]
    assert [f["name"] for f in leads] == ["Hot leads"]
    assert ok(send(front, "GET", "/filters?reportType=report_*"))["filters"] == []
    assert ok(send(front, "GET", "/filters?userId=99"))["filters"] == []


# -- list items, fields, export -------------------------------------------------------------------


def test_list_items_follow_the_store(store: Store, front: RestFront) -> None:
    seed(store, front)
    store.insert(Account(name="Zed"))
    body = ok(send(front, "GET", "/accounts/list"))
    assert [i["primaryName"] for i in body["listItems"]] == ["Acme", "Zed"]
    assert body["meta"]["count"] == body["meta"]["total"] == 2
    desc = ok(send(front, "GET", "/accounts/list?sort=-name"))["listItems"]
    assert [i["primaryName"] for i in desc] == ["Zed", "Acme"]
    found = ok(send(front, "GET", "/accounts/list?q=zed"))
    assert [i["primaryName"] for i in found["listItems"]] == ["Zed"]
    assert found["meta"]["total"] == 2
    assert send(front, "GET", "/accounts/list?sort=shoeSize").status == 400
    made = ok(send(front, "POST", "/contacts", {"contacts": [{"name": "Cy"}]}))["contacts"][0]
    items = ok(send(front, "GET", "/contacts/list"))["listItems"]
    assert made["id"] in [i["id"] for i in items]
    assert len(ok(send(front, "GET", "/leads/list"))["listItems"]) == 1


def test_list_fields_include_custom_fields(front: RestFront) -> None:
    before = ok(send(front, "GET", "/leads/list/fields"))["properties"]
    assert before["name"]["isSortable"] is True and "Tier" not in before
    assert send(front, "POST", "/leads/customfield", {"name": "Tier", "type": "text"}).status == 200
    after = ok(send(front, "GET", "/leads/list/fields"))["properties"]
    assert after["Tier"]["type"] == "text"
    assert "Tier" not in ok(send(front, "GET", "/accounts/list/fields"))["properties"]


def test_stageset_export_lists_stage_moves(store: Store, front: RestFront) -> None:
    ids = seed(store, front)
    stages = ok(send(front, "GET", "/stages"))["stages"]
    target = stages[1]["id"]
    reply = send(
        front,
        "PATCH",
        f"/leads/{ids['lead']}",
        [{"op": "replace", "path": "/leads/0/links/stage", "value": target}],
        **{"content-type": "application/json-patch+json"},
    )
    assert reply.status == 204, reply.body[:300]
    exported = send(front, "GET", "/stagesets/1/export")
    assert exported.status == 200
    assert exported.header("content-type") == "text/csv; charset=UTF-8"
    rows = list(csv.reader(io.StringIO(exported.body.decode())))
    assert rows[0] == ["Lead ID", "Lead", "Stage", "Moved at (UTC)", "Moved by"]
    assert [(r[0], r[2]) for r in rows[1:]] == [(f"{ids['lead']}-leads", stages[1]["name"])]
    assert send(front, "GET", "/stagesets/99/export").status == 404
