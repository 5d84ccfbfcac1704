"""Emails in the emulator: one store, both fronts, measured against the recorded emails.

* JSON-RPC: ``getEmail`` answers the recorded timeline email's shape (key for key, type for
  type), ``findTimeline`` lists emails beside notes and activities, ordered by time;
* REST: ``GET /emails/{id}`` answers the recorded events payload's shape, with the excerpt
  rule; ``GET /events?entity_id=`` takes several ids and finds a record's timeline events;
* the seed files emails on leads, contacts and companies, the same way every time.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from nutshell_core.model import (
    Account,
    Contact,
    Correspondent,
    Email,
    EmailMessage,
    Lead,
    Note,
    Ref,
    User,
)
from nutshell_emulator import Emulator, rules, snapshot
from nutshell_emulator.emails import (
    EXCERPT_LENGTH,
    excerpt,
    file_email,
    match_address,
    on_timeline,
    timeline_time,
)
from nutshell_emulator.http import HttpRequest
from nutshell_emulator.rest_front import RestFront
from nutshell_emulator.rpc_front import EmulatorBackend
from nutshell_emulator.store import Store
from nutshell_rest.envelope import parse_envelope, render_envelope
from nutshell_rpc.convert import value_from_rpc, value_to_rpc
from nutshell_rpc.server import RpcServer
from tests.emulator.shapes import shape_diff

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EMAIL, KEY = "michal@example.com", "emails-test-key-000001"
NOW = datetime(2024, 4, 3, 12, 0, tzinfo=timezone.utc)
BASE = "https://app.nutshell.com/rest"


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _recorded_email() -> dict[str, Any]:
    """The newest email of the recorded timeline (HULL api_findtimeline.json)."""
    item: dict[str, Any] = _fixture("rpc/hull/api_findtimeline.json")["result"][0]
    assert item["entityType"] == "Emails"
    return item


def _recorded_rest_email() -> dict[str, Any]:
    """The email payload of the recorded events page (read/events/1-first-page.json)."""
    page = _fixture("rest/read/events/1-first-page.json")
    (item,) = [p for p in page["payloads"] if p["type"] == "emails"]
    return dict(item)


class World:
    """One store, its JSON-RPC server and REST front, and a few linked records."""

    def __init__(self) -> None:
        self.now = NOW
        self.store = Store(clock=lambda: self.now)
        self.user = rules.install_defaults(self.store, email=EMAIL, name="Michal")
        assert isinstance(self.user.id, int)
        self.store.add_api_key(self.user.id, KEY)
        self.server = RpcServer(EmulatorBackend(self.store))
        self.front = RestFront(self.store, base_url=BASE)
        token = base64.b64encode(f"{EMAIL}:{KEY}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    def later(self, minutes: int = 1) -> None:
        self.now += timedelta(minutes=minutes)

    def rpc(self, method: str, **params: Any) -> Any:
        body = json.dumps({"method": method, "params": params, "id": "t"}).encode()
        answer = self.server.handle("POST", self.headers, body).json()
        assert answer["error"] is None, answer
        return answer["result"]

    def rpc_error(self, method: str, **params: Any) -> tuple[int, int]:
        body = json.dumps({"method": method, "params": params, "id": "t"}).encode()
        reply = self.server.handle("POST", self.headers, body)
        return reply.status, reply.json()["error"]["code"]

    def rest(self, path: str) -> tuple[int, Any]:
        reply = self.front.handle(HttpRequest.from_url("GET", BASE + path, self.headers, None))
        is_json = (reply.header("content-type") or "").startswith("application/json")
        return reply.status, json.loads(reply.body) if is_json else reply.body

    def get(self, path: str) -> Any:
        status, body = self.rest(path)
        assert status == 200, (path, status, body)
        return body

    def contact(self, name: str, address: str) -> Contact:
        self.later()
        return self.store.insert(
            Contact(name=name, emails=(Email(value=address, label="0", is_primary=True),))
        )

    def email(self, subject: str, *, to: str, body: str = "Hi", **links: Any) -> EmailMessage:
        self.later()
        email = EmailMessage(
            subject=subject,
            body=body,
            sent_time=self.now - timedelta(seconds=30),
            from_=(Correspondent(address=EMAIL, display="Michal"),),
            to=(Correspondent(address=to, display=to),),
            cc=(),
        )
        return self.store.insert(file_email(self.store, email, **links))


@pytest.fixture
def world() -> World:
    return World()


def _ref(record: Any) -> Ref:
    return Ref(entity=record.entity, id=record.id)


def _t(value: Any) -> tuple[Any, ...]:
    """A tuple field's items (none when unset)."""
    return value if isinstance(value, tuple) else ()


def _n(value: Any) -> int:
    assert isinstance(value, int)
    return value


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


# -- filing and timelines -------------------------------------------------------------------


def test_an_email_is_filed_on_everyone_sharing_its_addresses(world: World) -> None:
    older = world.contact("Michal Raczka", "bar@baz.com")
    newer = world.contact("Michal Raczka", "BAR@baz.com")
    company = world.store.insert(
        Account(name="Baz", emails=(Email(value="info@baz.com", label="0", is_primary=True),))
    )
    lead = world.store.insert(Lead(description="Deal"))
    email = world.email("Hello", to="bar@baz.com", leads=(_ref(lead),))
    assert [c.id for c in _t(email.contacts)] == [older.id, newer.id]
    assert [u.id for u in _t(email.users)] == [world.user.id]
    assert [r.id for r in _t(email.leads)] == [lead.id]
    assert email.accounts == ()
    (recipient,) = _t(email.to)
    assert recipient.entity == Ref(entity="Contact", id=older.id, name="Michal Raczka")
    (sender,) = _t(email.from_)
    assert isinstance(sender.entity, Ref) and sender.entity.entity == "User"
    assert match_address(world.store, "info@baz.com") == Ref(
        entity="Account", id=company.id, name="Baz"
    )
    assert match_address(world.store, "nobody@baz.com") is None
    to_company = world.email("Invoice", to="info@baz.com")
    assert [a.id for a in _t(to_company.accounts)] == [company.id]
    for record in (older, newer, lead, world.user):
        assert on_timeline(email, record)
    assert not on_timeline(email, company)


def test_timeline_time_is_start_date_or_sending() -> None:
    sent = datetime(2024, 1, 2, tzinfo=timezone.utc)
    created = datetime(2024, 1, 3, tzinfo=timezone.utc)
    assert timeline_time(EmailMessage(sent_time=sent, created_time=created)) == sent
    assert timeline_time(EmailMessage(sent_time=None, created_time=created)) == created
    assert timeline_time(Note(date=sent, created_time=created)) == sent


@pytest.mark.parametrize(
    ("length", "shortened"), [(0, False), (254, False), (255, False), (256, True), (900, True)]
)
def test_the_excerpt_keeps_bodies_up_to_255_characters(length: int, shortened: bool) -> None:
    body = ("abcdefghij" * 100)[:length]
    text = excerpt(body)
    assert len(text) <= EXCERPT_LENGTH
    assert (text != body) is shortened
    if shortened:
        assert text == body[:252] + "..."


def test_the_recorded_excerpt_follows_the_rule() -> None:
    recorded = _recorded_rest_email()["excerpt"]
    assert len(recorded) == EXCERPT_LENGTH and recorded.endswith("...")


# -- JSON-RPC -----------------------------------------------------------------------------------


def test_get_email_has_the_recorded_shape_and_values(world: World) -> None:
    older = world.contact("Michal Raczka", "bar@baz.com")
    world.contact("Michal Raczka", "bar@baz.com")
    account = world.rpc("newAccount", account={"name": "Testing Company"})
    lead = world.rpc(
        "newLead",
        lead={"contacts": [{"id": older.id}], "primaryAccount": {"id": account["id"]}},
    )
    start = world.now - timedelta(minutes=5)
    world.rpc(
        "newActivity",
        activity={
            "startTime": start.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "endTime": world.now.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "status": 1,
            "leads": [{"id": lead["id"]}],
        },
    )
    stored = world.email(
        "Second email test subject", to="bar@baz.com", leads=(Ref(entity="Lead", id=lead["id"]),)
    )
    got = world.rpc("getEmail", emailId=stored.id)
    assert shape_diff(_recorded_email(), got) == []
    assert got["to"] == [
        {
            "address": "bar@baz.com",
            "display": "bar@baz.com",
            "entity": {"entityType": "Contacts", "id": str(older.id)},
        }
    ]
    assert got["from"][0]["entity"] == {"entityType": "Users", "id": str(world.user.id)}
    assert got["sentTime"] == (world.now - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S%z")
    assert (got["subject"], got["body"]) == ("Second email test subject", "Hi")
    # The library's converter reads the result back exactly.
    assert value_to_rpc(value_from_rpc(got)) == got
    assert world.rpc_error("getEmail", emailId=999) == (404, 404)


def test_email_writes_take_rfc822_text(world: World) -> None:
    # The parsing and filing are tested in test_rpc_misc.py; here only that both names answer.
    assert world.rpc("newEmail", emailString="From: a@b.c\n\nhi")["body"] == "hi"
    assert world.rpc_error("addEmail", emailString="no headers") == (400, -32602)


def test_find_timeline_lists_emails_with_notes_and_activities_by_time(world: World) -> None:
    contact = world.contact("Ann Lee", "ann@lee.test")
    other = world.contact("Bob Roe", "bob@roe.test")
    entity = {"entityType": "Contacts", "id": contact.id}
    first = world.email("First", to="ann@lee.test")
    world.later()
    note = world.rpc("newNote", entity=entity, note="Called her.")
    world.email("Not hers", to="bob@roe.test")
    second = world.email("Second", to="ann@lee.test")
    start = NOW - timedelta(days=1)  # earlier than all of the above
    activity = world.rpc(
        "newActivity",
        activity={
            "startTime": start.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "endTime": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S%z"),
            "participants": [{"entityType": "Contacts", "id": contact.id}],
        },
    )
    newest_first = world.rpc("findTimeline", query=entity, orderDirection="DESC")
    assert [(i["entityType"], i["id"]) for i in newest_first] == [
        ("Emails", second.id),
        ("Notes", note["id"]),
        ("Emails", first.id),
        ("Activities", activity["id"]),
    ]
    oldest_first = world.rpc("findTimeline", query=entity)
    assert oldest_first == list(reversed(newest_first))
    page = world.rpc("findTimeline", query=entity, orderDirection="DESC", limit=2, page=2)
    assert [i["id"] for i in page] == [first.id, activity["id"]]
    assert [i["subject"] for i in world.rpc("findTimeline", query={**entity, "id": other.id})] == [
        "Not hers"
    ]
    # A deleted email leaves the timeline, and getEmail shows it deleted.
    world.store.delete(EmailMessage, _n(second.id))
    assert [i["id"] for i in world.rpc("findTimeline", query=entity)][-1] == note["id"]
    assert "deletedTime" in world.rpc("getEmail", emailId=second.id)


def test_lead_and_company_timelines_list_their_emails(world: World) -> None:
    contact = world.contact("Ann Lee", "ann@lee.test")
    company = world.store.insert(
        Account(name="Lee Inc", emails=(Email(value="hq@lee.test", label="0", is_primary=True),))
    )
    lead = world.store.insert(Lead(description="Deal", contacts=(_ref(contact),)))
    on_lead = world.email("Proposal", to="ann@lee.test", leads=(_ref(lead),))
    on_company = world.email("Invoice", to="hq@lee.test")
    lead_items = world.rpc("findTimeline", query={"entityType": "Leads", "id": lead.id})
    assert [i["id"] for i in lead_items] == [on_lead.id]
    company_items = world.rpc("findTimeline", query={"entityType": "Accounts", "id": company.id})
    assert [(i["entityType"], i["id"]) for i in company_items] == [("Emails", on_company.id)]
    (lead_stub,) = lead_items[0]["leads"]
    assert lead_stub["stub"] is True and lead_stub["id"] == lead.id


# -- REST ---------------------------------------------------------------------------------------


def test_get_email_over_rest_has_the_recorded_shape(world: World) -> None:
    world.contact("Ann Lee", "ann@lee.test")
    long = world.email("Long one", to="ann@lee.test", body="x" * 400)
    short = world.email("Short", to="ann@lee.test", body="Short body")
    body = world.get(f"/emails/{long.id}-emails")
    assert list(body) == ["meta", "links", "emails"]
    (wire,) = body["emails"]
    recorded = _recorded_rest_email()
    assert list(wire) == list(recorded)
    assert list(wire["links"]) == list(recorded["links"])
    # The recorded welcome email has no sentTime (the app sent it); these were sent.
    assert shape_diff(recorded, wire) == ["$.sentTime: recorded null, got number"]
    assert wire["excerpt"] == "x" * 252 + "..."
    assert wire["links"]["to"] == ["ann@lee.test"]  # shown as the bare address: no name
    assert wire["links"]["from"] == [f"Michal <{EMAIL}>"]
    assert wire["htmlUrlPath"] == f"/email/{long.id}"
    both = world.get(f"/emails/{long.id},{short.id}-emails")
    assert [e["excerpt"] for e in both["emails"]] == [wire["excerpt"], "Short body"]
    # The client's parser reads it and gives back the same body.
    assert render_envelope(parse_envelope(both)) == both
    assert world.rest("/emails/999")[0] == 404
    assert world.rest(f"/emails/{long.id}-notes")[0] == 404
    world.store.delete(EmailMessage, _n(short.id))
    assert world.rest(f"/emails/{short.id}")[0] == 404


def test_events_take_several_entity_ids(world: World) -> None:
    ann = world.contact("Ann Lee", "ann@lee.test")
    bob = world.contact("Bob Roe", "bob@roe.test")
    world.contact("Cy Doe", "cy@doe.test")
    body = world.get(f"/events?limit=50&entity_id={ann.id}-contacts,{bob.id}-contacts")
    payloads = {p for e in body["events"] for p in e["links"]["payloads"]}
    assert payloads == {f"{ann.id}-contacts", f"{bob.id}-contacts"}
    assert world.get(f"/events?entity_id={ann.id}-contacts")["events"][0]["action"] == "create"


def test_events_of_an_entity_include_its_timeline(world: World) -> None:
    ann = world.contact("Ann Lee", "ann@lee.test")
    world.contact("Bob Roe", "bob@roe.test")
    hers = world.email("For Ann", to="ann@lee.test")
    world.email("For Bob", to="bob@roe.test")
    note = world.rpc("newNote", entity={"entityType": "Contacts", "id": ann.id}, note="Hi")
    wanted = f"/events?limit=50&entity_id={ann.id}-contacts"
    payloads = [p for e in world.get(wanted)["events"] for p in e["links"]["payloads"]]
    assert sorted(payloads) == sorted(
        [f"{ann.id}-contacts", f"{hers.id}-emails", f"{note['id']}-notes"]
    )
    emails_only = world.get(wanted + "&filters[payload][]=emails")
    assert [e["payloadType"] for e in emails_only["events"]] == ["emails"]
    (payload,) = emails_only["payloads"]
    assert payload["subject"] == "For Ann"
    # A deleted email's events still belong to the contact's timeline.
    world.store.delete(EmailMessage, _n(hers.id))
    actions = [e["action"] for e in world.get(wanted + "&filters[payload][]=emails")["events"]]
    assert actions == ["delete", "create"]


# -- the seed -----------------------------------------------------------------------------------


def _emails(emulator: Emulator) -> list[EmailMessage]:
    return emulator.store.all(EmailMessage)


def test_the_seed_files_emails_deterministically_on_leads_people_and_companies() -> None:
    first, second, other = Emulator(), Emulator(), Emulator()
    try:
        first.seed(200, random_seed=11)
        second.seed(200, random_seed=11)
        other.seed(200, random_seed=12)
        emails = _emails(first)
        assert emails == _emails(second)
        assert emails != _emails(other)
        assert len(emails) >= 10
        assert any(e.leads for e in emails)
        assert any(e.contacts and not e.leads for e in emails)
        assert any(e.accounts for e in emails)
        assert any(len(_s(e.body)) > EXCERPT_LENGTH for e in emails)
        assert any(len(_s(e.body)) <= EXCERPT_LENGTH for e in emails)
        assert any(e.cc for e in emails)
        store = first.store
        for email in emails:
            for party in (*(_t(email.from_)), *(_t(email.to)), *(_t(email.cc))):
                assert party.entity == match_address(store, party.address)
            for ref in (*(_t(email.contacts)), *(_t(email.leads))):
                cls = Contact if ref.entity == "Contact" else Lead
                assert store.find(cls, _n(ref.id)) is not None
        # Emails are seeded last: the other records are what a seed gave before emails.
        assert max(_n(e.id) for e in emails) == len(emails)
        users = {u.id for u in store.all(User)}
        assert all({r.id for r in _t(e.users)} <= users for e in emails)
    finally:
        for emulator in (first, second, other):
            emulator.close()


def test_snapshots_keep_emails(tmp_path: Path) -> None:
    emulator = Emulator()
    try:
        emulator.seed(60, random_seed=3)
        path = tmp_path / "state.json"
        snapshot.save(emulator.store, path)
        restored = Store()
        snapshot.restore(restored, path)
        assert restored.all(EmailMessage) == _emails(emulator)
        assert restored.all(EmailMessage)
    finally:
        emulator.close()
