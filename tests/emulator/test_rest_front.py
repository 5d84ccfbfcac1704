"""The emulator's REST front, driven directly and through the REST client.

Every family of operations the front implements: auth and HTML errors, lists with paging,
filters and sorting, creates, JSON Patch updates, deletes and undeletes, lead status, reopen
and pipeline moves, reference lists, competitor and product maps, and the event feed.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from nutshell_core import errors
from nutshell_core.model import (
    Account,
    AccountType,
    Competitor,
    Contact,
    Industry,
    Lead,
    LeadStatus,
    Product,
    Ref,
    Source,
    Stage,
    Stageset,
    Tag,
    Team,
    Territory,
    User,
)
from nutshell_emulator import rules
from nutshell_emulator.http import HttpReply, HttpRequest, html_error_page
from nutshell_emulator.rest_filters import id_matcher, same_id
from nutshell_emulator.rest_front import MEDIA_TYPE_ERROR, RestFront
from nutshell_emulator.rest_present import competitor_map_id, split_competitor_map_id
from nutshell_emulator.store import Store
from nutshell_rest import Patch, Query, RestClient

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rest"
EMAIL, KEY = "owner@example.com", "emulator-test-key"
BASE = "https://app.nutshell.com/rest"
PATCH_TYPE = {"content-type": "application/json-patch+json"}


class Clock:
    """A store clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 8, 14, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: int = 60) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> Store:
    s = Store(clock=clock)
    user = rules.install_defaults(s, email=EMAIL, name="Account Owner")
    assert isinstance(user.id, int)
    s.add_api_key(user.id, KEY)
    return s


@pytest.fixture
def front(store: Store) -> RestFront:
    return RestFront(store)


def basic(email: str = EMAIL, key: str = KEY) -> str:
    return "Basic " + base64.b64encode(f"{email}:{key}".encode()).decode()


def send(
    front: RestFront,
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    auth: str | None = None,
) -> HttpReply:
    all_headers = {"authorization": auth if auth is not None else basic()}
    all_headers.update(headers or {})
    raw = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
    return front.handle(HttpRequest.from_url(method, BASE + path, all_headers, raw))


def ok(reply: HttpReply, status: int = 200) -> Any:
    assert reply.status == status, (reply.status, reply.body[:500])
    return json.loads(reply.body)


def error(reply: HttpReply, status: int = 400) -> dict[str, Any]:
    body = ok(reply, status)
    assert reply.header("content-type") == "application/json"
    assert body["links"] == {}
    (item,) = body["errors"]
    assert item["status"] == str(status)
    assert item["type"] == "errors"
    return dict(item)


def get(front: RestFront, path: str) -> Any:
    return ok(send(front, "GET", path))


def create(front: RestFront, key: str, item: dict[str, Any], status: int = 201) -> dict[str, Any]:
    body = ok(send(front, "POST", f"/{key}", {key: [item]}), status)
    (record,) = body[key]
    return dict(record)


def patch(front: RestFront, path: str, ops: list[dict[str, Any]]) -> HttpReply:
    return send(front, "PATCH", path, ops, headers=PATCH_TYPE)


def names(body: dict[str, Any], key: str) -> list[Any]:
    return [r["name"] for r in body[key]]


# -- auth and HTML errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "auth",
    ["", "Bearer x", basic(key="wrong"), basic(email="other@example.com"), "Basic !!notbase64"],
)
def test_bad_credentials_get_the_html_401_page(front: RestFront, auth: str) -> None:
    reply = send(front, "GET", "/accounts", auth=auth or " ")
    assert reply.status == 401
    assert (
        reply.header(
            "content-type",
        )
        == "text/html; charset=UTF-8"
    )
    assert b"<title>An Error Occurred: Unauthorized</title>" in reply.body
    assert reply.body == html_error_page(401, "Unauthorized").body


def test_missing_authorization_header_is_401(front: RestFront) -> None:
    reply = front.handle(HttpRequest(method="GET", path="/rest/accounts"))
    assert reply.status == 401


def test_a_disabled_user_cannot_authenticate(front: RestFront, store: Store) -> None:
    store.update(User, 1, {"is_enabled": False})
    assert send(front, "GET", "/accounts").status == 401


@pytest.mark.parametrize(
    "path", ["/nope", "/accounts/99", "/accounts/1-leads", "/accounts/abc", "/leads/1/nothing"]
)
def test_unknown_routes_and_ids_get_the_recorded_404_page(front: RestFront, path: str) -> None:
    reply = send(front, "GET", path)
    assert reply.status == 404
    recorded = (FIXTURES / "err-not-found.html").read_bytes()
    assert reply.body.strip() == recorded.strip()


def test_paths_outside_the_base_are_404(front: RestFront) -> None:
    reply = front.handle(HttpRequest(method="GET", path="/api/v1/json", headers={}))
    assert reply.status == 404


def test_wrong_method_on_a_known_path_is_the_recorded_405(front: RestFront) -> None:
    reply = send(front, "DELETE", "/accounts")
    assert reply.status == 405
    assert reply.body == b'"Internal Error"'


def test_catalog_operations_the_emulator_lacks_answer_501(front: RestFront) -> None:
    # Every catalog row has a handler today (test_rest_operations); a row added to the catalog
    # before its handler is written is simulated by taking one handler away.
    lacking = ("GET", "/accounts/list")
    front._routes = [
        attrs.evolve(r, handler=None) if r.op.key == lacking else r for r in front._routes
    ]
    assert lacking not in front.implemented
    item = error(send(front, "GET", "/accounts/list"), 501)
    assert item["title"] == "Not implemented"
    assert "GET /accounts/list" in item["detail"]


def test_entity_segment_is_case_insensitive(front: RestFront) -> None:
    assert get(front, "/ActivityTypes")["activityTypes"]
    assert get(front, "/STAGESETS")["stagesets"]


# -- accounts: create, get, list ----------------------------------------------------------------


def test_create_account_answers_201_with_the_one_record_envelope(front: RestFront) -> None:
    body = ok(
        send(
            front,
            "POST",
            "/accounts",
            {
                "accounts": [
                    {
                        "name": "Acme",
                        "emails": [{"value": "a@acme.test"}],
                        "phones": [{"value": "734-123-4567"}],
                        "addresses": [{"value": {"address_1": "1 Main", "city": "Ann Arbor"}}],
                        "customFields": {"Favorite Number": "12"},
                    }
                ]
            },
        ),
        201,
    )
    assert list(body) == ["meta", "links", "accounts"]
    assert list(body["meta"]) == ["instanceId", "siteId"]
    (account,) = body["accounts"]
    assert account["id"] == "1-accounts"
    assert account["href"] == f"{BASE}/accounts/1-accounts"
    assert account["htmlUrl"] == "https://app.nutshell.com/company/1-acme"
    assert account["htmlUrlPath"] == "/company/1-acme"
    assert account["initials"] == "A"
    assert account["emails"] == [{"isPrimary": True, "name": "email", "value": "a@acme.test"}]
    assert account["phones"][0]["value"]["E164"] == "+17341234567"
    assert account["addresses"][0]["value"]["city"] == "Ann Arbor"
    assert account["customFields"] == {"Favorite Number": "12"}
    assert account["links"]["creator"] == "1-users"
    assert account["links"]["owner"] == "1-users"


def test_create_more_or_less_than_one_is_the_recorded_400(front: RestFront) -> None:
    recorded = json.loads((FIXTURES / "write" / "err-create-account.json").read_bytes())
    body: dict[str, Any]
    for body in (
        {"accounts": [{"name": "A"}, {"name": "B"}]},
        {"accounts": []},
        {"name": "A"},
    ):
        reply = send(front, "POST", "/accounts", body)
        got = ok(reply, 400)
        assert got["errors"] == recorded["errors"]
        assert got["accounts"] == []


def test_create_account_needs_an_identifying_field(front: RestFront) -> None:
    item = error(send(front, "POST", "/accounts", {"accounts": [{"description": "x"}]}))
    assert "name, phone, email" in item["title"]


def test_create_with_a_missing_relation_is_400(front: RestFront) -> None:
    item = error(
        send(front, "POST", "/accounts", {"accounts": [{"name": "A", "links": {"owner": 77}}]})
    )
    assert item["title"] == "Invalid relationship"
    assert item["detail"] == "77-users does not exist"


def test_invalid_json_body_is_400(front: RestFront) -> None:
    assert error(send(front, "POST", "/accounts", b"{nope"))["title"] == "Invalid JSON"


def test_get_by_typed_or_plain_id_and_several_at_once(front: RestFront, store: Store) -> None:
    kind = store.insert(AccountType(name="Customer"))
    create(
        front, "accounts", {"name": "Apple", "links": {"accountType": f"{kind.id}-accountTypes"}}
    )
    create(front, "accounts", {"name": "Banana"})
    one = get(front, "/accounts/1")
    assert one == get(front, "/accounts/1-accounts")
    assert [r["id"] for r in one["accounts"]] == ["1-accounts"]
    # A single account side-loads its creators, owners and account types (OAS accountResponse).
    assert [u["id"] for u in one["creators"]] == ["1-users"]
    assert [u["id"] for u in one["owners"]] == ["1-users"]
    assert [t["id"] for t in one["accountTypes"]] == [f"{kind.id}-accountTypes"]
    both = get(front, "/accounts/1-accounts,2-accounts")
    assert names(both, "accounts") == ["Apple", "Banana"]


def add_accounts(front: RestFront, *names_: str) -> None:
    for name in names_:
        create(front, "accounts", {"name": name})


def test_list_meta_and_the_recorded_default_order(front: RestFront, store: Store) -> None:
    for name in ("Customer", "Partner"):
        store.insert(AccountType(name=name))
    add_accounts(front, "banana", "Cucumber", "Apple", "Banana")
    body = get(front, "/accounts")
    # Case-sensitive name order, as in read/accounts/1-first-page.json.
    assert names(body, "accounts") == ["Apple", "Banana", "Cucumber", "banana"]
    meta = body["meta"]
    assert meta["count"] == meta["total"] == 4
    assert meta["countFormatted"] == {"formatted": "4", "prefix": "", "suffix": "", "value": 4}
    assert meta["facets"] == {"accountType": {"1-accountTypes": 0, "2-accountTypes": 0}}
    assert list(body) == ["meta", "links", "accounts"]


def test_paging_is_zero_based_and_past_the_end_is_empty(front: RestFront) -> None:
    add_accounts(front, "A", "B", "C", "D", "E")
    first = get(front, "/accounts?page[limit]=2&page[page]=0")
    second = get(front, "/accounts?page[limit]=2&page[page]=1")
    last = get(front, "/accounts?page[limit]=2&page[page]=2")
    past = get(front, "/accounts?page[limit]=2&page[page]=9")
    assert names(first, "accounts") == ["A", "B"]
    assert names(second, "accounts") == ["C", "D"]
    assert names(last, "accounts") == ["E"]
    assert past["accounts"] == []
    assert past["meta"]["count"] == past["meta"]["total"] == 5


def test_negative_page_is_the_recorded_400(front: RestFront) -> None:
    recorded = json.loads((FIXTURES / "read" / "err-page-size.json").read_bytes())
    got = ok(send(front, "GET", "/accounts?page[page]=-1"), 400)
    assert got["errors"] == recorded["errors"]
    assert got["accounts"] == recorded["accounts"] == []
    assert list(got) == list(recorded)


@pytest.mark.parametrize("limit", ["10001", "0", "-5", "many"])
def test_bad_page_limit_is_400(front: RestFront, limit: str) -> None:
    item = error(send(front, "GET", f"/accounts?page[limit]={limit}"))
    assert item["title"] == "Invalid filter"
    assert item["detail"] == f"Invalid page limit: {limit}"


def test_page_limit_of_ten_thousand_is_accepted(front: RestFront) -> None:
    assert get(front, "/accounts?page[limit]=10000")["accounts"] == []


# -- filters, q, email, sort --------------------------------------------------------------------


@pytest.fixture
def crowd(front: RestFront, store: Store, clock: Clock) -> dict[str, Any]:
    """Accounts with types, industries, addresses, tags and custom fields, a minute apart."""
    customer = store.insert(AccountType(name="Customer"))
    partner = store.insert(AccountType(name="Partner"))
    software = store.insert(Industry(name="Software"))
    tag = store.insert(Tag(name="VIP", applies_to="Account"))
    made = {}
    for name, kind, country, email, extra in (
        ("Apple", customer, "US", "hi@apple.test", {"customFields": {"Tier": "Gold"}}),
        ("Banana", partner, "CA", "hi@banana.test", {}),
        ("Cherry", customer, "US", "sales@cherry.test", {"customFields": {"Tier": "Silver"}}),
        ("Damson", None, "GB", "d@damson.test", {}),
    ):
        clock.tick(60)
        links: dict[str, Any] = {}
        if kind is not None:
            links["accountType"] = f"{kind.id}-accountTypes"
        if name == "Cherry":
            links["industry"] = software.id
            links["tags"] = [tag.id]
        made[name] = create(
            front,
            "accounts",
            {
                "name": name,
                "emails": [{"value": email}],
                "addresses": [{"value": {"country": country, "city": f"{name} City"}}],
                "links": links,
                **extra,
            },
        )
    return {"customer": customer, "partner": partner, "accounts": made}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("filter[name]=an", ["Banana"]),
        ("filter[name][]=apple&filter[name][]=damson", ["Apple", "Damson"]),
        ("filter[email]=HI@APPLE.TEST", ["Apple"]),
        ("filter[accountType]=1-accountTypes", ["Apple", "Cherry"]),
        ("filter[accountType][]=1&filter[accountType][]=2", ["Apple", "Banana", "Cherry"]),
        ("filter[accountTypes]=2", ["Banana"]),
        ("filter[address][country]=us", ["Apple", "Cherry"]),
        ("filter[address][city]=Damson City", ["Damson"]),
        ("filter[industry]=1-industries", ["Cherry"]),
        ("filter[tags]=1", ["Cherry"]),
        ("filter[id]=2", ["Banana"]),
        ("filter[id][]=2-accounts&filter[id][]=4", ["Banana", "Damson"]),
        ("filter[Tier]=gold", ["Apple"]),
        ("filter[Tier][]=Gold&filter[Tier][]=Silver", ["Apple", "Cherry"]),
        ("filter[owner]=1-users&filter[accountType]=2", ["Banana"]),
        ("q=cherry.test", ["Cherry"]),
        ("q=city", ["Apple", "Banana", "Cherry", "Damson"]),
        ("email=sales@cherry.test", ["Cherry"]),
        ("filter[creator]=1", ["Apple", "Banana", "Cherry", "Damson"]),
        ("filter[nothing]=x", []),
    ],
)
def test_filters(front: RestFront, crowd: dict[str, Any], query: str, expected: list[str]) -> None:
    body = get(front, f"/accounts?{query}")
    assert names(body, "accounts") == expected
    assert body["meta"]["count"] == len(expected)
    assert body["meta"]["total"] == 4


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        # Created at 12:01, 12:02, 12:03 and 12:04 UTC.
        ("2025-08-14T12:02:00 TO 2025-08-14T12:03:00", ["Banana", "Cherry"]),
        ("2025-08-14T12:02:00Z 2025-08-14T12:03:30Z", ["Banana", "Cherry"]),
        ("2025-08-14T14:02:00+02:00 TO 2025-08-14T12:02:00", ["Banana"]),
        ("2025-08-14", ["Apple", "Banana", "Cherry", "Damson"]),
        ("2025-08-13", []),
        (">2025-08-14T12:03:00", ["Damson"]),
        ("<2025-08-14T12:02:00", ["Apple"]),
        ("1755172860 TO 1755172920", ["Apple", "Banana"]),
    ],
)
def test_time_span_filters(
    front: RestFront, crowd: dict[str, Any], span: str, expected: list[str]
) -> None:
    body = get(front, "/accounts?" + requests.compat.urlencode({"filter[createdTime]": span}))
    assert names(body, "accounts") == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Apple", "Banana", "Cherry", "Damson"]),
        ("-name", ["Damson", "Cherry", "Banana", "Apple"]),
        ("-createdTime", ["Damson", "Cherry", "Banana", "Apple"]),
        ("email", ["Damson", "Apple", "Banana", "Cherry"]),
        # Accounts without a type sort last whichever the direction.
        ("accountType", ["Apple", "Cherry", "Banana", "Damson"]),
        ("-accountType", ["Banana", "Cherry", "Apple", "Damson"]),
    ],
)
def test_sort(front: RestFront, crowd: dict[str, Any], sort: str, expected: list[str]) -> None:
    assert names(get(front, f"/accounts?sort={sort}"), "accounts") == expected


def test_unknown_sort_field_is_400(front: RestFront) -> None:
    item = error(send(front, "GET", "/accounts?sort=shoeSize"))
    assert (item["title"], item["detail"]) == ("Invalid sort", "Invalid sort field: shoeSize")


# -- PATCH --------------------------------------------------------------------------------------


def test_patch_needs_the_json_patch_media_type(front: RestFront) -> None:
    add_accounts(front, "Acme")
    ops = [{"op": "replace", "path": "/accounts/0/name", "value": "X"}]
    for headers in ({}, {"content-type": "application/json"}):
        reply = send(front, "PATCH", "/accounts/1", ops, headers=headers)
        assert reply.status == 400
        assert json.loads(reply.body) == MEDIA_TYPE_ERROR
    assert get(front, "/accounts/1")["accounts"][0]["name"] == "Acme"


def test_patch_without_operations_is_no_patches_sent(front: RestFront) -> None:
    add_accounts(front, "Acme")
    assert error(patch(front, "/accounts/1", []))["title"] == "No patches sent"


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "replace", "path": "/leads/0/name", "value": "X"}],
        [{"op": "replace", "path": "/accounts/1/name", "value": "X"}],
        [{"op": "jump", "path": "/accounts/0/name"}],
        [{"op": "replace", "path": "/accounts/0/name"}],
        [{"op": "replace", "path": "/accounts/0/createdTime", "value": 1}],
        [{"op": "move", "from": "/accounts/0/name", "path": "/accounts/0/description"}],
        [{"op": "add", "path": "/accounts/0/links/tags", "value": "1-tags"}],
        {"op": "replace"},
    ],
)
def test_malformed_patches_are_400(front: RestFront, store: Store, ops: Any) -> None:
    add_accounts(front, "Acme")
    store.insert(Tag(name="VIP", applies_to="Account"))
    rev = store.get(Account, 1).rev
    error(patch(front, "/accounts/1", ops))
    assert store.get(Account, 1).rev == rev


def test_patch_answers_204_and_raises_the_rev_by_one(front: RestFront, store: Store) -> None:
    add_accounts(front, "Acme")
    before = store.get(Account, 1).rev
    reply = patch(
        front,
        "/accounts/1",
        [
            {"op": "replace", "path": "/accounts/0/name", "value": "Acme Inc"},
            {"op": "replace", "path": "/accounts/0/description", "value": "Anvils"},
        ],
    )
    assert (reply.status, reply.body) == (204, b"")
    after = store.get(Account, 1)
    assert int(str(after.rev)) == int(str(before)) + 1
    assert (after.name, after.description) == ("Acme Inc", "Anvils")
    # A patch that changes nothing is still one write.
    patch(
        front, "/accounts/1", [{"op": "replace", "path": "/accounts/0/name", "value": "Acme Inc"}]
    )
    assert int(str(store.get(Account, 1).rev)) == int(str(before)) + 2


def test_patch_lists_links_and_custom_fields(front: RestFront, store: Store) -> None:
    add_accounts(front, "Acme")
    for name in ("Ann", "Bob"):
        create(front, "contacts", {"name": name}, 200)
    tag = store.insert(Tag(name="VIP", applies_to="Account"))
    reply = patch(
        front,
        "/accounts/1",
        [
            {"op": "replace", "path": "/accounts/0/emails", "value": [{"value": "x@acme.test"}]},
            {"op": "add", "path": "/accounts/0/urls/-", "value": {"value": "acme.test"}},
            {"op": "add", "path": "/accounts/0/links/contacts/-", "value": "1-contacts"},
            {"op": "add", "path": "/accounts/0/links/contacts/-", "value": 2},
            {"op": "remove", "path": "/accounts/0/links/contacts/1-contacts"},
            {"op": "replace", "path": "/accounts/0/links/tags", "value": [f"{tag.id}-tags"]},
            {"op": "replace", "path": "/accounts/0/links/owner", "value": None},
            {"op": "replace", "path": "/accounts/0/customFields/Tier~1Level", "value": "Gold"},
            {"op": "replace", "path": "/accounts/0/Region", "value": "North"},
        ],
    )
    assert reply.status == 204
    account = get(front, "/accounts/1")["accounts"][0]
    assert account["emails"] == [{"isPrimary": True, "name": "email", "value": "x@acme.test"}]
    assert account["urls"][0]["value"] == "acme.test"
    assert account["links"]["contacts"] == ["2-contacts"]
    assert account["links"]["tags"] == [f"{tag.id}-tags"]
    assert account["links"]["owner"] is None
    assert account["customFields"] == {"Tier/Level": "Gold", "Region": "North"}
    patch(front, "/accounts/1", [{"op": "remove", "path": "/accounts/0/customFields/Region"}])
    assert get(front, "/accounts/1")["accounts"][0]["customFields"] == {"Tier/Level": "Gold"}
    # The relation shows from the contact's side too.
    assert get(front, "/contacts/2")["contacts"][0]["links"]["accounts"] == ["1-accounts"]


def test_patch_to_a_missing_record_is_404(front: RestFront) -> None:
    ops = [{"op": "replace", "path": "/accounts/0/name", "value": "X"}]
    assert patch(front, "/accounts/5", ops).status == 404


def test_patch_relation_to_a_missing_record_is_400(front: RestFront) -> None:
    add_accounts(front, "Acme")
    ops = [{"op": "add", "path": "/accounts/0/links/contacts/-", "value": "9-contacts"}]
    assert error(patch(front, "/accounts/1", ops))["detail"] == "9-contacts does not exist"


# -- delete and undelete ------------------------------------------------------------------------


def test_delete_answers_the_record_and_undelete_restores_it(front: RestFront, store: Store) -> None:
    add_accounts(front, "Acme")
    deleted = ok(send(front, "DELETE", "/accounts/1-accounts"))["accounts"][0]
    assert isinstance(deleted["deletedTime"], int)
    assert send(front, "GET", "/accounts/1").status == 404
    assert get(front, "/accounts")["accounts"] == []
    restored = ok(send(front, "POST", "/accounts/1/undelete"))["accounts"][0]
    assert restored["name"] == "Acme"
    assert "deletedTime" not in restored
    assert send(front, "POST", "/accounts/1/undelete").status == 404
    assert send(front, "DELETE", "/accounts/7").status == 404


def test_contacts_delete_with_204(front: RestFront) -> None:
    create(front, "contacts", {"name": "Ann Lee"}, 200)
    reply = send(front, "DELETE", "/contacts/1")
    assert (reply.status, reply.body) == (204, b"")
    assert ok(send(front, "POST", "/contacts/1-contacts/undelete"))["contacts"][0]["name"] == (
        "Ann Lee"
    )


# -- contacts -----------------------------------------------------------------------------------


def test_contacts_names_and_relations(front: RestFront) -> None:
    add_accounts(front, "Acme")
    contact = create(
        front,
        "contacts",
        {"name": "Jane Doe", "jobTitle": "CTO", "links": {"accounts": ["1-accounts"]}},
        200,
    )
    assert (contact["firstName"], contact["lastName"], contact["initials"]) == ("Jane", "Doe", "JD")
    assert contact["htmlUrlPath"] == "/person/1-jane-doe"
    assert get(front, "/accounts/1")["accounts"][0]["links"]["contacts"] == ["1-contacts"]
    patch(front, "/contacts/1", [{"op": "replace", "path": "/contacts/0/firstName", "value": "Jo"}])
    assert get(front, "/contacts/1")["contacts"][0]["name"] == "Jo Doe"
    assert names(get(front, "/contacts?filter[accounts]=1"), "contacts") == ["Jo Doe"]
    assert get(front, "/contacts?email=nobody@x.test")["contacts"] == []


# -- leads --------------------------------------------------------------------------------------


def make_lead(front: RestFront, **fields: Any) -> dict[str, Any]:
    item = {"description": "Big deal", **fields}
    return create(front, "leads", item)


def test_create_lead_uses_the_shared_lead_rules(front: RestFront, store: Store) -> None:
    create(front, "contacts", {"name": "Ann Lee"}, 200)
    lead = make_lead(
        front,
        manualValue="999.99",
        dueTime=1756322819,
        customFields={"Favorite Number": "12"},
        links={"contacts": ["1-contacts"]},
    )
    assert lead["id"] == "1-leads"
    assert (lead["name"], lead["description"], lead["number"]) == ("Big deal", "Big deal", "1000")
    assert lead["status"] == "open"
    assert lead["value"] == {"amount": 999.99, "currency": "USD", "formatted": "$999.99"}
    assert lead["createdTime"] == {
        "absoluteLocalizedString": "August 14, 2025",
        "timestamp": int(datetime(2025, 8, 14, 12, tzinfo=timezone.utc).timestamp()),
        "value": "Today",
    }
    assert lead["dueTime"]["absoluteLocalizedString"] == "August 27, 2025"
    assert lead["htmlUrl"] == "https://app.nutshell.com/lead/1000"
    assert lead["links"]["owner"] == lead["links"]["creator"] == "1-users"
    assert lead["links"]["stage"] == "101-stages"
    assert lead["links"]["stageset"] == "1-stagesets"
    assert lead["customFields"] == {"Favorite Number": "12"}
    second = make_lead(front, description="Second")
    assert second["number"] == "1001"
    # Lists and single reads side-load the leads' contacts.
    listed = get(front, "/leads?filter[number]=1000")
    assert [c["id"] for c in listed["contacts"]] == ["1-contacts"]
    assert [c["id"] for c in get(front, "/leads/1")["contacts"]] == ["1-contacts"]


def test_lead_filters_and_sort(front: RestFront) -> None:
    for n, value in enumerate(("10", "500", "50")):
        make_lead(front, description=f"Lead {n}", manualValue=value)
    assert names(get(front, "/leads?filter[number]=>1000"), "leads") == ["Lead 1", "Lead 2"]
    assert names(get(front, "/leads?filter[number]=<1001"), "leads") == ["Lead 0"]
    assert names(get(front, "/leads?sort=-value"), "leads") == ["Lead 1", "Lead 2", "Lead 0"]
    assert names(get(front, "/leads?filter[status]=open&sort=name"), "leads") == [
        "Lead 0",
        "Lead 1",
        "Lead 2",
    ]
    assert names(get(front, "/leads?filter[milestones]=101"), "leads") == [
        "Lead 0",
        "Lead 1",
        "Lead 2",
    ]
    assert get(front, "/leads?filter[stage]=102-stages")["leads"] == []


def test_lead_status_reopen_and_pipeline(front: RestFront, store: Store) -> None:
    make_lead(front)
    won = ok(send(front, "POST", "/leads/1-leads/status", {"outcomeId": "1-outcomes"}))
    (lead,) = won["leads"]
    assert lead["status"] == "won"
    assert lead["links"]["outcome"] == "1-outcomes"
    assert lead["closedTime"]["value"] == "Today"
    lost = ok(send(front, "POST", "/leads/1/status", {"outcomeId": 2}))["leads"][0]
    assert lost["status"] == "lost"
    assert error(send(front, "POST", "/leads/1/status", {"outcomeId": "99-outcomes"}))
    assert error(send(front, "POST", "/leads/1/status", {}))["detail"] == "outcomeId is required"
    reopened = ok(send(front, "POST", "/leads/1/reopen"))["leads"][0]
    assert (reopened["status"], reopened["closedTime"], reopened["links"]["outcome"]) == (
        "open",
        None,
        None,
    )
    # Another pipeline, with its own stages: the lead lands on its first stage.
    pipeline = store.insert(Stageset(name="Partners", position=1))
    stage_ids = []
    for position, name in enumerate(("Meet", "Sign"), start=1):
        stage = store.insert(
            Stage(
                id=store.next_id("Stage", start=101),
                name=name,
                position=position,
                stageset=Ref(entity="Stageset", id=pipeline.id),
            )
        )
        stage_ids.append(stage.id)
    moved = ok(send(front, "POST", "/leads/1/stageset", {"stageset": f"{pipeline.id}-stagesets"}))
    assert moved["leads"][0]["links"]["stageset"] == f"{pipeline.id}-stagesets"
    assert moved["leads"][0]["links"]["stage"] == f"{stage_ids[0]}-stages"
    assert store.events()[-1].action == "stagechange"
    stages = get(front, "/leads/1/stages")
    assert [s["name"] for s in stages["stages"]] == ["Meet", "Sign"]
    assert stages["meta"]["stageset"]["id"] == f"{pipeline.id}-stagesets"
    assert error(send(front, "POST", "/leads/1/stageset", {"stageset": "99-stagesets"}))
    assert send(front, "POST", "/leads/8/reopen").status == 404


def test_patch_lead_value_relations_and_stage(front: RestFront, store: Store) -> None:
    create(front, "contacts", {"name": "Ann Lee"}, 200)
    store.insert(User(name="Sam Seller", emails=("sam@example.com",), is_enabled=True))
    make_lead(front)
    reply = patch(
        front,
        "/leads/1",
        [
            {"op": "replace", "path": "/leads/0/description", "value": "Bigger deal"},
            {"op": "replace", "path": "/leads/0/manualValue", "value": "500.00"},
            {"op": "add", "path": "/leads/0/links/contacts/-", "value": "1-contacts"},
            {"op": "replace", "path": "/leads/0/links/owner", "value": 2},
            {"op": "replace", "path": "/leads/0/links/stage", "value": "102-stages"},
            {"op": "replace", "path": "/leads/0/confidence", "value": 70},
        ],
    )
    assert reply.status == 204
    lead = get(front, "/leads/1")["leads"][0]
    # A lead's name follows its description when they were the same.
    assert (lead["name"], lead["description"]) == ("Bigger deal", "Bigger deal")
    assert lead["value"]["amount"] == 500
    assert lead["links"]["contacts"] == ["1-contacts"]
    assert lead["links"]["owner"] == "2-users"
    assert lead["links"]["stage"] == "102-stages"
    assert lead["confidence"] == 70
    assert store.get(Lead, 1).owner == Ref(entity="User", id=2, name="Sam Seller")
    patch(front, "/leads/1", [{"op": "remove", "path": "/leads/0/links/contacts/1"}])
    assert get(front, "/leads/1")["leads"][0]["links"]["contacts"] == []


def test_delete_and_undelete_lead(front: RestFront) -> None:
    make_lead(front)
    deleted = ok(send(front, "DELETE", "/leads/1"))["leads"][0]
    assert deleted["deletedTime"]["value"] == "Today"
    assert ok(send(front, "POST", "/leads/1/undelete"))["leads"][0]["deletedTime"] is None


# -- product and competitor maps ----------------------------------------------------------------


def test_product_maps_on_leads(front: RestFront, store: Store) -> None:
    widget = store.insert(Product(name="Widget", sku="W-1"))
    lead = make_lead(
        front,
        links={
            "productMaps": [
                {
                    "links": {"product": f"{widget.id}-products"},
                    "quantity": 2,
                    "price": {"amount": "10", "currency": "USD"},
                    "type": "productMaps",
                    "productType": "product",
                }
            ]
        },
    )
    assert lead["links"]["productMaps"] == ["1-productMaps"]
    assert lead["links"]["products"] == [f"{widget.id}-products"]
    maps = get(front, "/productmaps")["productMaps"]
    assert [(m["name"], m["quantity"], m["links"]["lead"]) for m in maps] == [
        ("Widget", 2.0, "1-leads")
    ]
    assert get(front, "/productmaps/1")["productMaps"][0]["price"]["amount"] == 10
    patch(
        front, "/productmaps/1", [{"op": "replace", "path": "/productMaps/0/quantity", "value": 3}]
    )
    assert get(front, "/productmaps/1")["productMaps"][0]["quantity"] == 3
    patch(front, "/leads/1", [{"op": "replace", "path": "/leads/0/valueToProductMode"}])
    assert get(front, "/leads/1")["leads"][0]["value"]["amount"] == 30
    reply = send(front, "DELETE", "/productMaps/1")
    assert (reply.status, reply.body) == (204, b"")
    assert get(front, "/leads/1")["leads"][0]["links"]["productMaps"] == []


def test_competitor_maps_are_the_leads_competitor_relations(front: RestFront, store: Store) -> None:
    rival = store.insert(Competitor(name="Rival"))
    assert isinstance(rival.id, int)
    make_lead(front)
    patch(front, "/leads/1", [{"op": "add", "path": "/leads/0/links/competitors/-", "value": 1}])
    map_id = f"{competitor_map_id(1, rival.id)}-competitorMaps"
    assert split_competitor_map_id(competitor_map_id(1, rival.id)) == (1, rival.id)
    assert get(front, "/leads/1")["leads"][0]["links"]["competitorMaps"] == [map_id]
    (listed,) = get(front, "/competitormaps")["competitorMaps"]
    assert listed["id"] == map_id
    assert (listed["name"], listed["status"]) == ("Rival", None)
    reply = send(
        front,
        "PATCH",
        f"/competitormaps/{map_id}",
        [{"op": "replace", "path": "/competitorMaps/0/status", "value": "beat"}],
        headers=PATCH_TYPE,
    )
    assert reply.status == 204
    assert get(front, f"/competitormaps/{map_id}")["competitorMaps"][0]["status"] == "beat"
    # Editing the lead keeps the map's status.
    patch(front, "/leads/1", [{"op": "replace", "path": "/leads/0/confidence", "value": 5}])
    assert get(front, f"/competitormaps/{map_id}")["competitorMaps"][0]["status"] == "beat"
    assert send(front, "DELETE", f"/competitormaps/{map_id}").status == 204
    assert get(front, "/competitormaps")["competitorMaps"] == []
    assert send(front, "GET", f"/competitormaps/{map_id}").status == 404


# -- activities, tasks, notes -------------------------------------------------------------------


def test_activities_create_put_log_and_filter(front: RestFront, store: Store, clock: Clock) -> None:
    create(front, "contacts", {"name": "Ann Lee"}, 200)
    start = int(clock.now.timestamp()) + 3600
    activity = create(
        front,
        "activities",
        {
            "name": "Demo",
            "description": "Show the product",
            "activityType": "2-activityTypes",
            "startTime": start,
            "endTime": start + 1800,
            "links": {"participants": ["1-contacts", "1-users"]},
        },
    )
    assert activity["agenda"] == "Show the product"
    assert activity["links"]["activityType"] == "2-activityTypes"
    assert activity["links"]["contacts"] == ["1-contacts"]
    assert activity["links"]["users"] == ["1-users"]
    assert activity["links"]["creator"] == "1-users"
    assert (activity["isLogged"], activity["isCancelled"]) == (False, False)
    assert names(get(front, "/activities?filter[status][]=scheduled"), "activities") == ["Demo"]
    assert get(front, "/activities?filter[status][]=logged")["activities"] == []
    assert names(get(front, "/activities?filter[participant][]=1-contacts"), "activities") == [
        "Demo"
    ]
    assert names(get(front, "/activities?filter[dateMin]=2025-08-14"), "activities") == ["Demo"]
    assert get(front, "/activities?filter[dateMax]=2025-08-13")["activities"] == []
    logged = ok(
        send(front, "PUT", "/activities/1", {"activities": [{"name": "Demo", "isLogged": True}]})
    )["activities"][0]
    assert logged["isLogged"] is True
    assert isinstance(logged["loggedTime"], int)
    assert store.events()[-1].action == "log"
    assert names(get(front, "/activities?filter[status][]=logged"), "activities") == ["Demo"]
    assert send(front, "PATCH", "/activities/1", [], headers=PATCH_TYPE).status == 405


def test_tasks_wrapped_or_not(front: RestFront, clock: Clock) -> None:
    due = int(clock.now.timestamp()) + 86400
    first = ok(
        send(
            front,
            "POST",
            "/tasks",
            {"title": "Call back", "dueTime": str(due), "links": {"assignee": "1-users"}},
        )
    )["tasks"][0]
    assert (first["title"], first["dueTime"], first["links"]["assignee"]) == (
        "Call back",
        due,
        "1-users",
    )
    second = create(front, "tasks", {"title": "Send quote"}, 200)
    assert second["id"] == "2-tasks"
    assert names_of(get(front, "/tasks?filter[assignee]=1-users"), "tasks") == ["Call back"]
    patch(front, "/tasks/2", [{"op": "replace", "path": "/tasks/0/title", "value": "Send it"}])
    assert get(front, "/tasks/2")["tasks"][0]["title"] == "Send it"
    assert ok(send(front, "DELETE", "/tasks/2"))["tasks"][0]["title"] == "Send it"


def names_of(body: dict[str, Any], key: str) -> list[Any]:
    return [r["title"] for r in body[key]]


def test_notes_use_the_data_wrapper(front: RestFront) -> None:
    make_lead(front)
    body = ok(
        send(
            front,
            "POST",
            "/notes",
            {"data": {"body": "Called. It's on!", "links": {"parent": "1-leads"}}},
        ),
        201,
    )
    (note,) = body["notes"]
    assert note["parentType"] == "leads"
    assert note["links"]["parent"] == "1-leads"
    assert note["bodyHtml"] == "Called. It&#039;s on!"
    assert note["links"]["users"] == ["1-users"]
    assert [n["id"] for n in get(front, "/notes")["notes"]] == ["1-notes"]
    assert ok(send(front, "DELETE", "/notes/1"))["notes"][0]["deletedTime"] is not None
    assert ok(send(front, "POST", "/notes/1/undelete"))["notes"][0]["deletedTime"] is None
    error(send(front, "POST", "/notes", {"data": {"body": "x", "links": {"parent": 3}}}))


# -- reference lists ----------------------------------------------------------------------------


def test_reference_lists(front: RestFront, store: Store) -> None:
    store.insert(Territory(name="North"))
    store.insert(Industry(name="Software"))
    store.insert(AccountType(name="Customer"))
    store.insert(Team(name="Sales"))
    store.insert(Competitor(name="Rival"))
    store.insert(Product(name="Widget", sku="W-1"))
    assert names(get(front, "/activitytypes"), "activityTypes") == [
        "Email",
        "Meeting",
        "Phone call",
        "Virtual meeting",
    ]
    assert names(get(front, "/accounttypes"), "accountTypes") == ["Customer"]
    assert names(get(front, "/stagesets"), "stagesets") == ["Sales pipeline"]
    assert get(front, "/stagesets")["stagesets"][0]["links"]["stages"][0] == "101-stages"
    assert names(get(front, "/stages"), "stages") == list(rules.DEFAULT_STAGES)
    assert [(o["name"], o["status"]) for o in get(front, "/outcomes")["outcomes"]] == [
        ("Won", "won"),
        ("Lost", "lost"),
        ("Cancelled", "cancelled"),
    ]
    assert get(front, "/outcomes/2-outcomes")["outcomes"][0]["name"] == "Lost"
    assert names(get(front, "/territories"), "territories") == ["North"]
    assert names(get(front, "/markets"), "markets") == ["U.S."]
    assert get(front, "/markets/1")["markets"][0]["isDefault"] is True
    assert names(get(front, "/industries/1-industries"), "industries") == ["Software"]
    assert names(get(front, "/competitors?q=riv"), "competitors") == ["Rival"]
    assert names(get(front, "/competitors/1"), "competitors") == ["Rival"]
    users = get(front, "/users")["users"]
    assert [(u["id"], u["emails"]) for u in users] == [("1-users", [EMAIL])]
    assert get(front, "/users/1")["users"][0]["initials"] == "AO"
    products = get(front, "/products?q=W-1")["products"]
    assert [(p["name"], p["sku"]) for p in products] == [("Widget", "W-1")]
    assert get(front, "/products")["meta"]["total"] == 1


def test_sources_and_tags(front: RestFront, store: Store) -> None:
    source = create(front, "sources", {"name": "Google", "channel": 1})
    assert source["channel"] == {"value": 1, "display": "Organic search"}
    make_lead(front)
    tag = create(
        front,
        "tags",
        {"name": "VIP", "tagType": "1", "colorType": "3", "links": {"entities": ["1-leads"]}},
        200,
    )
    assert (tag["tagType"], tag["count"]) == ("leads", 1)
    assert get(front, "/leads/1")["leads"][0]["links"]["tags"] == [tag["id"]]
    assert names(get(front, "/tags?filter[tagType]=leads"), "tags") == ["VIP"]
    assert names(get(front, "/tags?filter[tagType]=1"), "tags") == ["VIP"]
    assert get(front, "/tags?filter[tagType]=accounts")["tags"] == []
    assert ok(send(front, "DELETE", "/tags/1"))["tags"][0]["deletedTime"] is not None
    assert get(front, "/tags")["tags"] == []
    assert names(ok(send(front, "POST", "/tags/1/undelete")), "tags") == ["VIP"]
    assert ok(send(front, "DELETE", f"/sources/{source['id']}"))["sources"][0]["name"] == "Google"
    assert names(ok(send(front, "POST", "/sources/1/undelete")), "sources") == ["Google"]
    assert store.get(Source, 1).channel == 1


def test_product_delete_and_undelete(front: RestFront, store: Store) -> None:
    store.insert(Product(name="Widget"))
    assert ok(send(front, "DELETE", "/products/1"))["products"][0]["name"] == "Widget"
    assert get(front, "/products")["products"] == []
    assert names(ok(send(front, "POST", "/products/1/undelete")), "products") == ["Widget"]


# -- events -------------------------------------------------------------------------------------


def test_events_feed_pages_forward_from_since_id(
    front: RestFront, store: Store, clock: Clock
) -> None:
    start = store.events()[-1].id
    for name in ("A", "B", "C"):
        clock.tick()
        add_accounts(front, name)
    body = get(front, f"/events?since_id={start}-events&limit=2")
    ids = [e["id"] for e in body["events"]]
    # The two events right after since_id, newest first.
    assert ids == [f"{start + 2}-events", f"{start + 1}-events"]
    meta = body["meta"]
    stamp = int(clock.now.timestamp()) - 60
    assert meta["next"] == f"{BASE}/events?limit=2&since_id={start + 2}-events&since_time={stamp}"
    assert meta["previous"].startswith(f"{BASE}/events?limit=2&max_id={start + 1}-events")
    assert meta["last"] == f"{start + 1}-events"
    assert [p["name"] for p in body["payloads"]] == ["B", "A"]
    assert [a["id"] for a in body["actors"]] == ["1-users"]
    event = body["events"][0]
    assert (event["actorType"], event["payloadType"], event["action"]) == (
        "users",
        "accounts",
        "create",
    )
    assert event["links"] == {
        "comments": [],
        "actor": "1-users",
        "payloads": ["2-accounts"],
    }
    # Following next reaches the rest, then an empty page that still says where to come back.
    following = get(front, meta["next"].removeprefix(BASE))
    assert [e["id"] for e in following["events"]] == [f"{start + 3}-events"]
    done = get(front, following["meta"]["next"].removeprefix(BASE))
    assert done["events"] == []
    assert done["meta"]["next"].endswith(f"since_id={start + 3}-events")


def test_events_without_since_id_are_the_newest(front: RestFront, store: Store) -> None:
    add_accounts(front, "A", "B")
    body = get(front, "/events?limit=1")
    assert [e["id"] for e in body["events"]] == [f"{store.events()[-1].id}-events"]
    assert get(front, "/events")["meta"]["next"].startswith(f"{BASE}/events?limit=20&")


def test_event_filters_and_changes(front: RestFront, store: Store) -> None:
    add_accounts(front, "Acme")
    make_lead(front)
    patch(front, "/accounts/1", [{"op": "replace", "path": "/accounts/0/name", "value": "Acme 2"}])
    updates = get(front, "/events?filters[payload][]=accounts&limit=50")["events"]
    assert [e["action"] for e in updates] == ["update", "create"]
    assert updates[0]["changes"] == [
        {"attribute": "name", "oldValue": "Acme", "newValue": "Acme 2"}
    ]
    assert [e["payloadType"] for e in get(front, "/events?entity_id=1-leads")["events"]] == [
        "leads"
    ]
    last = store.events()[-1].id
    assert [e["id"] for e in get(front, f"/events?max_id={last - 1}&limit=1")["events"]] == [
        f"{last - 1}-events"
    ]
    send(front, "POST", "/leads/1/stageset", {"stageset": "1-stagesets"})
    stagechange = get(front, "/events?limit=1")["events"][0]
    assert stagechange["action"] == "stagechange"
    assert error(send(front, "GET", "/events?since_id=abc"))["detail"] == "Invalid since_id: abc"
    assert error(send(front, "GET", "/events?limit=0"))["title"] == "Invalid filter"


def test_deleted_events(front: RestFront) -> None:
    add_accounts(front, "Acme")
    make_lead(front)
    send(front, "DELETE", "/accounts/1")
    send(front, "DELETE", "/leads/1")
    body = get(front, "/events/deleted")
    assert [e["payloadType"] for e in body["events"]] == ["leads", "accounts"]
    only = get(front, "/events/deleted?filter[types]=accounts")
    assert [p["id"] for p in only["payloads"]] == ["1-accounts"]


# -- through the REST client --------------------------------------------------------------------


@pytest.fixture
def mock(front: RestFront) -> Iterator[responses.RequestsMock]:
    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        reply = front.handle(
            HttpRequest.from_url(
                str(request.method), str(request.url), dict(request.headers), request.body
            )
        )
        return reply.status, dict(reply.headers), reply.body

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            rsps.add_callback(method, re.compile(re.escape(BASE) + r"/.*"), callback=answer)
        yield rsps


def test_rest_client_round_trip(mock: responses.RequestsMock, front: RestFront) -> None:
    with RestClient(EMAIL, KEY, sleep=lambda _s: None) as client:
        created = client.accounts.create({"name": "Acme", "emails": [{"value": "a@acme.test"}]})
        assert isinstance(created, Account)
        assert created.id == 1
        for name in ("Banana", "Cherry", "Damson"):
            client.accounts.create({"name": name})
        page = client.accounts.list(Query().sort("-name"), limit=2)
        assert [r.name for r in page.records] == ["Damson", "Cherry"]  # type: ignore[union-attr]
        walked = [r.name for r in client.accounts.iterate(page_size=3)]  # type: ignore[union-attr]
        assert walked == ["Acme", "Banana", "Cherry", "Damson"]
        client.accounts.update(1, Patch("accounts").replace("name", "Acme Inc"))
        fetched = client.accounts.get("1-accounts")
        assert isinstance(fetched, Account)
        assert fetched.name == "Acme Inc"
        lead = client.leads.create({"description": "Deal"})
        assert isinstance(lead, Lead)
        closed = client.leads.close(lead.id, outcome_id=1)  # type: ignore[arg-type]
        assert isinstance(closed, Lead)
        assert closed.status is LeadStatus.WON
        with pytest.raises(errors.NotFoundError):
            client.accounts.get(99)
        with pytest.raises(errors.InvalidRequestError):
            client.accounts.list(params={"page[limit]": "10001"})
        contact = client.contacts.create(Contact(name="Ann Lee"))
        assert isinstance(contact, Contact)
        assert contact.first_name == "Ann"
        # The event cursor follows meta.next to the head of the feed, two at a time.
        start = front.store.events()[0].id
        cursor = client.events.iterate(since_id=start, limit=2)
        walked_ids = [getattr(event, "id", None) for event in cursor]
        assert sorted(walked_ids, key=str) == sorted(
            (e.id for e in front.store.events(since_id=start)), key=str
        )
        assert dict(cursor.next_params)["since_id"] == f"{front.store.events()[-1].id}-events"
    with (
        RestClient(EMAIL, "wrong", sleep=lambda _s: None) as bad,
        pytest.raises(errors.AuthenticationError),
    ):
        bad.accounts.list()


@given(
    specs=st.lists(
        st.sampled_from(["3", "3-leads", "3-Leads", "4-contacts", "x", "", "12-accounts"]),
        max_size=4,
    ),
    wire=st.sampled_from(["3-leads", "3-contacts", "4-contacts", "12-accounts", "3", "bad"]),
)
@settings(max_examples=200)
def test_an_id_matcher_matches_as_same_id_does_for_every_spec(specs: list[str], wire: str) -> None:
    assert id_matcher(specs)(wire) == any(same_id(spec, wire) for spec in specs)
