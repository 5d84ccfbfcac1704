"""The REST front's shared renderings answer byte for byte what an uncached front renders.

The front renders a lead, contact or account once per store version (and, for leads, per day)
and reuses its JSON text across responses. Here a seeded emulator answers every lead, the lead
pages and the contact and account lists twice (the second answer comes from the caches), and
each answer is compared with the one a front that keeps nothing renders: a fresh relation
index per record, no shared renderings, plain ``json.dumps``, the value helpers' memos
cleared. The comparison is repeated after writes that change a record (PATCH a lead), that
change a record's relations but not the record (a new contact on an account, a product map
on a lead, a stage moved), after a write through the store as the JSON-RPC front makes it,
and after the day turns with no write at all ("Today" becomes "Yesterday").

Some of what the front keeps outlives a store version: what a record's rendering reads from
the stored record alone (kept beside that very record object) and the relations an index
takes over from the one before (while the tables hold the same objects). Those are proven
here too: reused after the version moves with nothing written, never served after a write,
a delete or a snapshot load replaces a record, and never holding a day's relative times.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
import responses

from nutshell_core.model import (
    Account,
    Contact,
    Lead,
    LeadStatus,
    Money,
    Product,
    ProductMap,
    Ref,
    Stage,
)
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator, rest_reads, rest_values
from nutshell_emulator import rest_present_base as present_base
from nutshell_emulator.http import HttpReply, HttpRequest
from nutshell_emulator.rest_front import RestFront
from nutshell_emulator.rest_present import RestPresenter
from nutshell_emulator.rest_relations import CompetitorMap, _Index
from nutshell_emulator.store import Store
from nutshell_rpc import NutshellAPI as RpcAPI

BASE = "https://app.nutshell.com/rest"
RPC_ENDPOINT = "https://app.nutshell.com/api/v1/json"
AUTH = "Basic " + base64.b64encode(f"{DEFAULT_EMAIL}:{DEFAULT_API_KEY}".encode()).decode()
PATCH_TYPE = "application/json-patch+json"


class Clock:
    """A store clock the test moves by hand; near the seeded times, so that lead times read
    "Today" and "Yesterday"."""

    def __init__(self) -> None:
        self.now = datetime(2024, 1, 18, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


class Uncached(RestPresenter):
    """A presenter that keeps nothing: a fresh index for every record (no relation taken
    over), every record rendered afresh from scratch, bodies encoded by ``json.dumps`` as a
    whole."""

    def index(self) -> _Index:
        return _Index(self.store)

    def _fixed(self, record: Any, build: Any) -> Any:
        return build(record)

    def shared(self, record: Any, index: _Index, day: date) -> dict[str, Any]:
        return self.record(record, self.index())

    def encode(self, body: Mapping[str, Any], index: _Index) -> bytes:
        return json.dumps(body, ensure_ascii=False).encode("utf-8")


def clear_value_memos() -> None:
    """The value helpers' memos (pure functions of their arguments, cleared all the same)."""
    for memo in (
        rest_values._wire_id,
        rest_values._calendar_day,
        rest_values._day_texts,
        present_base._avatar_token,
    ):
        memo.cache_clear()


def request(method: str, path: str, body: Any = None, content_type: str = "") -> HttpRequest:
    headers = {"authorization": AUTH}
    if content_type:
        headers["content-type"] = content_type
    raw = None if body is None else json.dumps(body)
    return HttpRequest.from_url(method, BASE + path, headers, raw)


def answer(front: RestFront, path: str) -> HttpReply:
    return front.handle(request("GET", path))


def write(front: RestFront, method: str, path: str, body: Any, content_type: str) -> Any:
    reply = front.handle(request(method, path, body, content_type))
    assert reply.status in (200, 201, 204), reply.body[:300]
    return json.loads(reply.body) if reply.body else None


@pytest.fixture
def seeded() -> tuple[Emulator, Clock]:
    clock = Clock()
    emulator = Emulator(clock=clock)
    emulator.seed(200, random_seed=1)
    return emulator, clock


def ids(front: RestFront, key: str) -> list[str]:
    body = json.loads(answer(front, f"/{key}?page[limit]=1000").body)
    return [str(item["id"]) for item in body[key]]


def paths(front: RestFront) -> list[str]:
    leads, contacts, accounts = ids(front, "leads"), ids(front, "contacts"), ids(front, "accounts")
    return [
        "/leads?page[limit]=100",
        "/leads?page[limit]=100&page[page]=1",
        "/leads?page[limit]=20&page[page]=1",
        "/leads?page[limit]=20&sort=-name",
        "/leads?q=deal",
        "/leads?page[limit]=100&sort=id",
        "/leads?page[limit]=20&page[page]=1&sort=-id",
        "/contacts?page[limit]=30&sort=id",
        "/contacts",
        "/contacts?page[limit]=20&page[page]=2",
        "/accounts",
        *[f"/leads/{lead}" for lead in leads],
        "/leads/" + ",".join(leads[:4]),
        *[f"/contacts/{contact}" for contact in contacts[:15]],
        *[f"/accounts/{account}" for account in accounts[:15]],
    ]


def assert_same_answers(cached: RestFront, reference: RestFront) -> dict[str, bytes]:
    """Every path answered twice by ``cached`` (the second from its caches) and once by
    ``reference``: status, headers and body bytes all equal. Returns the bodies."""
    bodies: dict[str, bytes] = {}
    for path in paths(reference):
        first, again = answer(cached, path), answer(cached, path)
        clear_value_memos()
        expected = answer(reference, path)
        assert expected.status == 200, path
        for got in (first, again):
            assert (got.status, got.headers) == (expected.status, expected.headers), path
            assert got.body == expected.body, path
        bodies[path] = expected.body
    return bodies


def lead_number(wire_id: str) -> int:
    return int(wire_id.partition("-")[0])


def test_answers_match_an_uncached_front_before_and_after_writes(
    seeded: tuple[Emulator, Clock],
) -> None:
    emulator, clock = seeded
    store = emulator.store
    cached = emulator.rest_front(BASE)
    reference = RestFront(store, base_url=BASE)
    reference.present = Uncached(store, base_url=BASE)

    before = assert_same_answers(cached, reference)
    page = before["/leads?page[limit]=100"]
    assert b"Today" in page or b"Yesterday" in page  # the day-relative times are exercised
    assert json.loads(page)["contacts"]  # and the side-loaded contacts

    # A write to a record: the lead's own rendering changes.
    leads = ids(reference, "leads")
    clock.now += timedelta(minutes=5)
    patch = [{"op": "replace", "path": "/leads/0/name", "value": "Renamed lead"}]
    write(cached, "PATCH", f"/leads/{leads[0]}", patch, PATCH_TYPE)
    assert_same_answers(cached, reference)

    # Writes that change renderings of records they do not touch: a new contact shows on its
    # account, a product map on its lead, a moved stage in its leads' pie state.
    accounts = ids(reference, "accounts")
    body = {"contacts": [{"name": "New Person", "links": {"accounts": [accounts[0]]}}]}
    created = write(cached, "POST", "/contacts", body, "application/json")
    new_contact = created["contacts"][0]["id"]
    shown = json.loads(answer(cached, f"/accounts/{accounts[0]}").body)
    assert new_contact in shown["accounts"][0]["links"]["contacts"]
    add = [{"op": "add", "path": "/leads/0/links/contacts/-", "value": new_contact}]
    write(cached, "PATCH", f"/leads/{leads[1]}", add, PATCH_TYPE)
    with store.transaction():
        product = store.insert(Product(name="Widget"))
        lead = store.get(Lead, lead_number(leads[2]))
        store.insert(
            ProductMap(
                name="Widget",
                product=product.ref(),
                lead=lead.ref(),
                quantity=1.0,
                price=Money(amount=None, currency="USD"),
            )
        )
        stage = lead.stage
        assert isinstance(stage, Ref) and isinstance(stage.id, int)
        store.update(Stage, stage.id, {"position": 7})
    after = assert_same_answers(cached, reference)
    lead_body = json.loads(after[f"/leads/{leads[2]}"])["leads"][0]
    assert lead_body["links"]["productMaps"] and lead_body["pieState"] == "07"

    # A write through the store, as the JSON-RPC front makes it.
    store.update(Lead, lead_number(leads[3]), {"description": "Written over JSON-RPC"})
    assert_same_answers(cached, reference)

    # The day turns, nothing is written: "Today" becomes "Yesterday".
    version = store.version
    clock.now += timedelta(days=1)
    next_day = assert_same_answers(cached, reference)
    assert store.version == version
    assert next_day["/leads?page[limit]=100"] != after["/leads?page[limit]=100"]


def test_a_lead_turns_overdue_as_its_due_time_passes_with_no_write(
    seeded: tuple[Emulator, Clock],
) -> None:
    """Within one day and one store version, a lead's shared rendering follows the clock past
    its due time (the JSON-RPC front tells overdue by the same rule)."""
    emulator, clock = seeded
    store = emulator.store
    cached = emulator.rest_front(BASE)
    reference = RestFront(store, base_url=BASE)
    reference.present = Uncached(store, base_url=BASE)
    lead = next(
        lead for lead in store.all(Lead) if lead.status is LeadStatus.OPEN and not lead.is_overdue
    )
    assert isinstance(lead.id, int)
    store.update(Lead, lead.id, {"due_time": clock.now + timedelta(hours=1)})
    path = f"/leads/{lead.id}-leads"

    def overdue() -> bool:
        shown = json.loads(answer(cached, path).body)["leads"][0]["isOverdue"]
        assert isinstance(shown, bool)
        return shown

    assert not overdue()
    version = store.version
    clock.now += timedelta(hours=2)  # still the same day
    assert overdue()
    assert store.version == version
    assert_same_answers(cached, reference)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        rpc = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=RPC_ENDPOINT, sleep=lambda _s: None)
        assert rpc.getLead(lead.id)["isOverdue"] is True
        rpc.close()


def test_lists_and_records_are_rendered_once_per_store_version(
    seeded: tuple[Emulator, Clock],
) -> None:
    emulator, _ = seeded
    front = emulator.rest_front(BASE)
    first = answer(front, "/leads?page[limit]=100")
    index = front.present.index()
    lead = json.loads(first.body)["leads"][0]
    entry = index.rendered[("Lead", lead_number(lead["id"]))]
    assert entry.text is not None  # encoded once ...
    again = answer(front, f"/leads/{lead['id']}")
    assert index.rendered[("Lead", lead_number(lead["id"]))] is entry  # ... and reused
    assert entry.text in again.body.decode("utf-8")
    emulator.store.update(Lead, lead_number(lead["id"]), {"description": "changed"})
    assert front.present.index() is not index  # a write starts a new version's caches


def test_encode_spells_bodies_as_json_dumps_does() -> None:
    store = Store()
    presenter = RestPresenter(store)
    index = presenter.index()
    body: dict[str, Any] = {
        "meta": {"count": 2, "ratio": 0.1, "none": None, "flag": True},
        "links": {},
        "items": [{"name": "Zoë ☃ \U0001f600", "quote": '"', "nested": [1, [2.5, {}]]}, "text"],
        "empty": [],
        "number": -3,
    }
    expected = json.dumps(body, ensure_ascii=False).encode("utf-8")
    assert presenter.encode(body, index) == expected
    assert presenter.encode({1: "not a string key"}, index) == b'{"1": "not a string key"}'


def test_records_not_shared_are_rendered_afresh(seeded: tuple[Emulator, Clock]) -> None:
    emulator, clock = seeded
    front = emulator.rest_front(BASE)
    index, day = front.present.index(), front.present.today()
    leads = emulator.store.all(Lead)
    lead = next(item for item in leads if item.competitors)
    competitor = lead.competitors[0]  # type: ignore[index]
    pair = CompetitorMap(lead, competitor)
    # Competitor maps have no model class, and other records are outside the shared set.
    assert front.present.shared(pair, index, day) is not front.present.shared(pair, index, day)
    stage = emulator.store.all(Stage)[0]
    assert front.present.shared(stage, index, day) is not front.present.shared(stage, index, day)
    shared = front.present.shared(lead, index, day)
    assert front.present.shared(lead, index, day) is shared
    # Another day: the lead's relative times are rendered again, for that day.
    assert front.present.shared(lead, index, day + timedelta(days=1)) is not shared
    assert clock.now.date() == day


# -- what outlives a store version ----------------------------------------------------------------


def fixed_entry(front: RestFront, entity: str, number: int) -> tuple[Any, Any]:
    """The presenter's ``(record, parts)`` kept for one record."""
    return front.present._fixed_parts[(entity, number)]


def test_fixed_parts_outlive_versions_but_not_the_records(seeded: tuple[Emulator, Clock]) -> None:
    emulator, clock = seeded
    store = emulator.store
    cached = emulator.rest_front(BASE)
    reference = RestFront(store, base_url=BASE)
    reference.present = Uncached(store, base_url=BASE)
    assert_same_answers(cached, reference)
    leads, contacts = ids(reference, "leads"), ids(reference, "contacts")
    lead_id, contact_id = lead_number(leads[0]), lead_number(contacts[0])
    lead_entry = fixed_entry(cached, "Lead", lead_id)
    contact_entry = fixed_entry(cached, "Contact", contact_id)
    assert lead_entry[0] is store.get(Lead, lead_id)

    # Nothing written: a new version takes the parts over as they are.
    store.invalidate_caches()
    assert_same_answers(cached, reference)
    assert fixed_entry(cached, "Lead", lead_id) is lead_entry
    assert fixed_entry(cached, "Contact", contact_id) is contact_entry

    # A write stores a new record object: its parts are worked out again, and shown.
    clock.now += timedelta(minutes=1)
    store.update(Lead, lead_id, {"name": "Written after", "confidence": 55})
    store.update(Contact, contact_id, {"job_title": "Chief Tester"})
    bodies = assert_same_answers(cached, reference)
    assert fixed_entry(cached, "Lead", lead_id)[0] is store.get(Lead, lead_id)
    assert fixed_entry(cached, "Lead", lead_id) is not lead_entry
    assert b"Written after" in bodies[f"/leads/{leads[0]}"]
    assert b"Chief Tester" in bodies[f"/contacts/{contacts[0]}"]

    # A delete and a restore store new objects too.
    store.delete(Contact, contact_id)
    assert_same_answers(cached, reference)
    store.undelete(Contact, contact_id)
    assert_same_answers(cached, reference)

    # A snapshot load brings back older objects: never the newer parts kept beside them.
    saved = store.state()
    store.update(Lead, lead_id, {"name": "Changed before the load"})
    assert_same_answers(cached, reference)
    store.load_state(saved)
    bodies = assert_same_answers(cached, reference)
    assert b"Changed before the load" not in bodies[f"/leads/{leads[0]}"]
    assert b"Written after" in bodies[f"/leads/{leads[0]}"]


def test_fixed_parts_hold_no_relative_day(seeded: tuple[Emulator, Clock]) -> None:
    emulator, clock = seeded
    store = emulator.store
    cached = emulator.rest_front(BASE)
    reference = RestFront(store, base_url=BASE)
    reference.present = Uncached(store, base_url=BASE)
    before = assert_same_answers(cached, reference)
    entries = dict(cached.present._fixed_parts)
    # The day turns and the caches of the version are emptied: only the kept parts remain.
    clock.now += timedelta(days=1)
    store.invalidate_caches()
    after = assert_same_answers(cached, reference)
    page = "/leads?page[limit]=100"
    assert after[page] != before[page]
    assert b"Today" in before[page] or b"Yesterday" in before[page]
    kept = cached.present._fixed_parts
    assert all(kept[key] is entry for key, entry in entries.items())


def test_relations_are_taken_over_only_while_their_tables_stay(
    seeded: tuple[Emulator, Clock],
) -> None:
    emulator, _ = seeded
    store = emulator.store
    cached = emulator.rest_front(BASE)
    reference = RestFront(store, base_url=BASE)
    reference.present = Uncached(store, base_url=BASE)
    present = cached.present
    first = present.index()
    accounts_of_contact, maps_of_lead = first.accounts_of_contact, first.maps_of_lead
    contacts_of_account = first.contacts_of_account

    store.invalidate_caches()
    second = present.index()
    assert second is not first
    assert second.accounts_of_contact is accounts_of_contact
    assert second.maps_of_lead is maps_of_lead

    # A write to a lead leaves the accounts and the product maps as they were.
    lead = store.all(Lead)[0]
    assert isinstance(lead.id, int)
    store.update(Lead, lead.id, {"description": "a lead write"})
    assert present.index().accounts_of_contact is accounts_of_contact

    # An account listing one more contact: the contact's accounts are gathered again.
    account = next(a for a in store.all(Account) if isinstance(a.id, int))
    existing = account.contacts if isinstance(account.contacts, tuple) else ()
    contact = next(c for c in store.all(Contact) if c.id not in {r.id for r in existing})
    assert isinstance(account.id, int) and isinstance(contact.id, int)
    refs = (*existing, contact.ref())
    store.update(Account, account.id, {"contacts": refs})
    third = present.index()
    assert third.accounts_of_contact is not accounts_of_contact
    assert f"{account.id}-accounts" in third.accounts_of_contact[contact.id]
    # The other relations are rebuilt only when what they read changed.
    assert third.contacts_of_account is contacts_of_account

    # A new product map on the lead: the lead's product maps are gathered again.
    product = store.insert(Product(name="Gadget"))
    store.insert(ProductMap(name="Gadget", product=product.ref(), lead=lead.ref(), quantity=2.0))
    fourth = present.index()
    assert fourth.maps_of_lead is not maps_of_lead
    bodies = assert_same_answers(cached, reference)
    shown = json.loads(bodies[f"/leads/{lead.id}-leads"])["leads"][0]
    assert f"{product.id}-products" in shown["links"]["products"]
    shown_contact = json.loads(answer(cached, f"/contacts/{contact.id}-contacts").body)
    assert f"{account.id}-accounts" in shown_contact["contacts"][0]["links"]["accounts"]


@pytest.mark.parametrize(
    "path",
    [
        "/leads?page[limit]=100&sort=id",
        "/leads?page[limit]=7&page[page]=3&sort=id",
        "/leads?page[limit]=7&page[page]=3&sort=-id",
        "/leads?page[limit]=50&page[page]=9&sort=-id",
        "/contacts?page[limit]=25&page[page]=1&sort=id",
        "/contacts?sort=-id",
        "/stages?sort=-id",
        "/competitormaps?sort=id",
        "/accounts?sort=-id",
    ],
)
def test_pages_sorted_by_id_render_only_the_page_and_match_a_full_sort(
    seeded: tuple[Emulator, Clock], monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    emulator, _ = seeded
    front = emulator.rest_front(BASE)
    paged = answer(front, path)
    assert paged.status == 200
    # The same page the way every other sort is answered: every record rendered and sorted.
    monkeypatch.setattr(rest_reads, "_reads_every_record", lambda params, rest_type: True)
    emulator.store.invalidate_caches()
    full = answer(front, path)
    assert (paged.status, paged.headers, paged.body) == (full.status, full.headers, full.body)
    key = path.partition("?")[0].strip("/")
    listed = json.loads(paged.body)
    items = listed["competitorMaps" if key == "competitormaps" else key]
    assert items or "page[page]=9" in path  # a page past the end is empty, with the totals
