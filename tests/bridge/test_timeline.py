"""``getEmail`` and ``findTimeline`` through REST against the same calls over JSON-RPC.

Over a seeded emulator (emails on leads, people and companies; long and short bodies; cc'd
users), for every email and the timelines of every record an email is filed on (plus leads and
contacts without emails), in both directions and a few pages:

* the bridged result equals ``rpc.call`` once the declared result differences are removed,
  with the items in the same order;
* every declared difference occurs for at least one call, so none is over-declared: the test
  world moves one recipient's, one sender's and one cc'd user's address after their emails
  were stored, which is what the bridge's filing by address cannot see;
* requests do not grow with the number of items: no email is fetched one by one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

import attrs
import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.diff import diff, from_differences, path_matches
from bridge.matrix import matrix
from bridge.registry import Status, Translator
from bridge.translators import REGISTRY, timeline
from bridge.translators._shared import REV
from nutshell_core.errors import InvalidRequestError, NotBridgeable, NotFoundError
from nutshell_core.model import Account, Contact, EmailMessage, Lead, User
from nutshell_emulator import Emulator
from nutshell_emulator.emails import EXCERPT_LENGTH
from nutshell_emulator.store import Store
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.bridge.worlds import mounted

TRANSLATORS: Mapping[str, Translator] = {t.method: t for t in timeline.TRANSLATORS}

Case = tuple[tuple[Any, ...], dict[str, Any]]

#: A lead every seed has (lead ids are those of the seed, deterministic).
LEAD = 2


@attrs.frozen
class World:
    """The module's emulator, its mock and both clients."""

    emulator: Emulator
    mock: responses.RequestsMock
    rpc: RpcAPI
    bridge: BridgeAPI
    deleted_email: int

    @property
    def store(self) -> Store:
        return self.emulator.store

    def rest_urls(self) -> list[str]:
        return [
            unquote(str(c.request.url)) for c in self.mock.calls if "/rest/" in str(c.request.url)
        ]

    def bridged(self, method: str, *args: Any, **kwargs: Any) -> tuple[list[str], Any]:
        """A bridged call's result and the REST requests it sent."""
        before = len(self.rest_urls())
        result = self.bridge.call(method, *args, **kwargs)
        return self.rest_urls()[before:], result


def _id(value: Any) -> int:
    assert isinstance(value, int)
    return value


def _t(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else ()


def _move_addresses(rpc: RpcAPI, store: Store) -> None:
    """Give a recipient, a sender and a cc'd user new addresses after their emails were
    stored: the RPC API keeps what each email was filed on, REST can only match addresses."""
    emails = store.all(EmailMessage)
    recipient = next(
        p.entity for e in emails for p in _t(e.to) if p.entity and p.entity.entity == "Contact"
    )
    sender = next(
        p.entity
        for e in emails
        for p in _t(e.from_)
        if p.entity and p.entity.entity == "Contact" and p.entity.id != recipient.id
    )
    for ref in (recipient, sender):
        contact = rpc.call("getContact", ref.id)
        rpc.call("editContact", ref.id, contact["rev"], {"email": [f"moved{ref.id}@example.org"]})
    cc = next(p.entity for e in emails for p in _t(e.cc) if p.entity)
    user = rpc.call("getUser", cc.id)
    rpc.call("editUser", cc.id, user["rev"], {"emails": [f"moved{cc.id}@example.org"]})


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    emulator = Emulator()
    emulator.seed(200, random_seed=11)
    with mounted(emulator) as world:
        rpc, bridge = world.rpc, world.bridge
        _move_addresses(rpc, emulator.store)
        # One busy contact: a timeline of many items costs what a short one costs.
        busy = next(r for e in emulator.store.all(EmailMessage) for r in _t(e.contacts))
        for n in range(8):
            rpc.call("newNote", {"entityType": "Contacts", "id": busy.id}, f"Call {n}")
        # Nothing deletes emails over either API; the store does, as the app would.
        doomed = emulator.store.all(EmailMessage)[-1]
        emulator.store.delete(EmailMessage, _id(doomed.id))
        bridge.context.cache.invalidate()
        bridge.context.cache.warm()
        yield World(emulator, world.mock, rpc, bridge, _id(doomed.id))


def _timelines(store: Store) -> list[tuple[str, int]]:
    """Every record an email is filed on, and a few leads and contacts with none."""
    found: set[tuple[str, int]] = set()
    kinds = {"Contact": "Contacts", "Lead": "Leads", "Account": "Accounts"}
    for email in store.all(EmailMessage):
        for ref in (*_t(email.contacts), *_t(email.leads), *_t(email.accounts)):
            found.add((kinds[ref.entity], _id(ref.id)))
    found |= {("Leads", _id(lead.id)) for lead in store.all(Lead)[:6]}
    found |= {("Contacts", _id(c.id)) for c in store.all(Contact)[:6]}
    found |= {("Accounts", _id(a.id)) for a in store.all(Account)[:3]}
    return sorted(found)


_PAGING: list[dict[str, Any]] = [
    {"orderDirection": "DESC"},
    {},
    {"orderBy": "id", "orderDirection": "DESC"},
    {"orderDirection": "DESC", "limit": 2, "page": 2},
    {"orderBy": None},
    {"stubResponses": True, "limit": 1},
]


@pytest.fixture(scope="module")
def cases(world: World) -> dict[str, list[Case]]:
    emails = [_id(e.id) for e in world.store.all(EmailMessage)]
    timelines = _timelines(world.store)
    return {
        "getEmail": [((i,), {}) for i in emails],
        "findTimeline": [
            (({"entityType": kind, "id": record_id},), kwargs)
            for kind, record_id in timelines
            for kwargs in (_PAGING if record_id % 4 == 0 else _PAGING[:2])
        ],
    }


def _segments(path: str) -> list[str]:
    out, i = ["$"], 1
    while i < len(path):
        j = i + 1
        if path[i] == ".":
            while j < len(path) and path[j] not in ".[":
                j += 1
        else:
            while path[j] != "]":
                j += 1
            j += 1
        out.append(path[i:j])
        i = j
    return out


def _covers(glob: str, path: str) -> bool:
    parts = _segments(path)
    return any(path_matches(glob, "".join(parts[:n])) for n in range(1, len(parts) + 1))


# -- the registry -------------------------------------------------------------------------------


def test_both_methods_are_translated_and_partial() -> None:
    assert set(TRANSLATORS) == {"getEmail", "findTimeline"}
    for method, translator in TRANSLATORS.items():
        assert REGISTRY[method] is translator
        assert translator.status is Status.PARTIAL
        assert all(d.reason for d in translator.differences)
    rows = {row.method: row for row in matrix()}
    assert rows["getEmail"].status is rows["findTimeline"].status is Status.PARTIAL


# -- parity -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", sorted(TRANSLATORS))
def test_bridged_equals_rpc_except_declared_differences(
    world: World, cases: dict[str, list[Case]], method: str
) -> None:
    globs = from_differences(TRANSLATORS[method].differences)
    seen: set[str] = set()
    for args, kwargs in cases[method]:
        direct = world.rpc.call(method, *args, **kwargs)
        bridged = world.bridge.call(method, *args, **kwargs)
        where = f"{method}{args}{kwargs}"
        assert diff(direct, bridged, ignore=globs) == (), where
        if isinstance(direct, list):
            order = [(i["entityType"], i["id"]) for i in direct]
            assert order == [(i["entityType"], i["id"]) for i in bridged], where
        seen.update(entry.path for entry in diff(direct, bridged))
    unseen = [glob for glob in globs if not any(_covers(glob, path) for path in seen)]
    assert unseen == [], f"{method} declares differences that never occur"


def test_activities_and_notes_differ_only_in_revs(
    world: World, cases: dict[str, list[Case]]
) -> None:
    """The email differences' globs (``$[*].leads``...) also cover activities' keys of the
    same name: compared alone, activities and notes differ in nothing but revs."""
    revs = from_differences((REV,))
    compared = 0
    for args, kwargs in cases["findTimeline"]:
        direct = world.rpc.call("findTimeline", *args, **kwargs)
        bridged = world.bridge.call("findTimeline", *args, **kwargs)
        others = [
            (mine, theirs)
            for mine, theirs in zip(bridged, direct, strict=True)
            if theirs["entityType"] != "Emails"
        ]
        for mine, theirs in others:
            assert diff(theirs, mine, ignore=revs) == (), (args, kwargs, theirs["id"])
        compared += len(others)
    assert compared


def test_the_timeline_lists_every_kind_of_item(world: World, cases: dict[str, list[Case]]) -> None:
    kinds: set[str] = set()
    for args, kwargs in cases["findTimeline"]:
        kinds |= {item["entityType"] for item in world.bridge.call("findTimeline", *args, **kwargs)}
    assert kinds == {"Activities", "Notes", "Emails"}


def test_a_short_body_is_whole_and_a_long_one_is_the_excerpt(world: World) -> None:
    for email in world.store.all(EmailMessage):
        body = email.body if isinstance(email.body, str) else ""
        bridged = world.bridge.call("getEmail", email.id)["body"]
        if len(body) <= EXCERPT_LENGTH:
            assert bridged == body
        else:
            assert bridged == body[:252] + "..."


# -- cost ---------------------------------------------------------------------------------------


def test_get_email_costs_the_same_whatever_the_email(world: World) -> None:
    world.bridge.context.cache.warm()
    costs = set()
    for email in world.store.all(EmailMessage)[:8]:
        urls, _ = world.bridged("getEmail", email.id)
        assert sum("/rest/emails/" in u for u in urls) == 1
        costs.add(len(urls))
    assert max(costs) <= 4


def test_a_timeline_costs_one_request_per_kind_of_record(
    world: World, cases: dict[str, list[Case]]
) -> None:
    """Requests are bounded by the kinds of records read, not by how many there are."""
    world.bridge.context.cache.warm()
    most_items, most_requests = 0, 0
    for args, _ in cases["findTimeline"][::2]:
        urls, items = world.bridged("findTimeline", *args, limit=100)
        # No email is read on its own: the event feed's payloads are the emails.
        assert not any("/rest/emails/" in u for u in urls)
        most_items = max(most_items, len(items))
        most_requests = max(most_requests, len(urls))
    assert most_items >= 8  # some timelines hold many items...
    assert most_requests <= 12  # ...and none costs more than this


# -- errors and refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("findTimeline", {"query": None}),
        ("findTimeline", {"query": {"entityType": "Tasks", "id": 1}}),
        ("findTimeline", {"query": {"entityType": "Leads"}}),
        ("findTimeline", {"query": {"entityType": "Leads", "id": "one"}}),
        ("findTimeline", {"query": {"entityType": "Leads", "id": LEAD}, "orderDirection": "UP"}),
        ("findTimeline", {"query": {"entityType": "Leads", "id": LEAD}, "limit": 0}),
        ("findTimeline", {"query": {"entityType": "Leads", "id": LEAD}, "page": "two"}),
        ("getEmail", {"emailId": "seven"}),
    ],
)
def test_bad_input_fails_as_it_does_over_rpc(
    world: World, method: str, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidRequestError) as direct:
        world.rpc.call(method, **kwargs)
    with pytest.raises(InvalidRequestError) as bridged:
        world.bridge.call(method, **kwargs)
    assert bridged.value.message == direct.value.message


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("getEmail", {"emailId": 9999}),
        ("getEmail", {"emailId": 0}),
        ("findTimeline", {"query": {"entityType": "Contacts", "id": 9999}}),
        ("findTimeline", {"query": {"entityType": "Accounts", "id": 0}}),
    ],
)
def test_a_missing_record_is_not_found_on_both_routes(
    world: World, method: str, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(NotFoundError):
        world.rpc.call(method, **kwargs)
    with pytest.raises(NotFoundError):
        world.bridge.call(method, **kwargs)


def test_a_deleted_email_is_the_declared_parameter_difference(world: World) -> None:
    assert "deletedTime" in world.rpc.call("getEmail", world.deleted_email)
    with pytest.raises(NotFoundError):
        world.bridge.call("getEmail", world.deleted_email)
    assert "param:emailId" in {d.path for d in TRANSLATORS["getEmail"].differences}
    # Nor is it on any timeline, on either route.
    for kind, record_id in _timelines(world.store):
        query = {"entityType": kind, "id": record_id}
        for result in (
            world.rpc.call("findTimeline", query),
            world.bridge.call("findTimeline", query),
        ):
            assert world.deleted_email not in {
                i["id"] for i in result if i["entityType"] == "Emails"
            }


def test_an_order_the_bridge_cannot_honour_is_refused(world: World) -> None:
    query = {"entityType": "Leads", "id": LEAD}
    with pytest.raises(InvalidRequestError):
        world.rpc.call("findTimeline", query, orderBy="subject")
    with pytest.raises(NotBridgeable) as caught:
        world.bridge.call("findTimeline", query, orderBy="subject")
    assert caught.value.method == "findTimeline"
    assert {d.path for d in TRANSLATORS["findTimeline"].differences} >= {"param:orderBy"}


def test_emails_are_filed_as_the_emulator_files_them(world: World) -> None:
    """Where no address moved, the bridge names the same contact or user as the RPC API."""
    users = {_id(u.id) for u in world.store.all(User)}
    matched = 0
    for email in world.store.all(EmailMessage)[:6]:
        if email.id == world.deleted_email:
            continue
        direct = world.rpc.call("getEmail", email.id)
        bridged = world.bridge.call("getEmail", email.id)
        for key in ("to", "from", "cc"):
            for mine, theirs in zip(bridged[key], direct[key], strict=True):
                assert mine["address"] == theirs["address"]
                assert mine["display"] == theirs["display"]
                if mine["entity"] == theirs["entity"]:
                    matched += 1
        assert {u["id"] for u in bridged["users"]} <= users
    assert matched
