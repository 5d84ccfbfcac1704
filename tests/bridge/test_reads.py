"""Read translators against the emulator: every bridged read equals the direct RPC answer.

For each read translator, over a spread of arguments (ids of leads with products and closed
leads, every supported query key, pages and limits, stubs and full records, each ``orderBy``
in both directions, searches that hit and miss):

* the bridged result equals ``rpc.call`` once the translator's declared result differences are
  removed, and nothing else (a mapped method is compared with no ignores at all);
* records come in the same order (the diff matches records by id, so order is checked apart);
* every declared difference occurs for at least one argument set, so none is over-declared.

Cost: with a warm cache a single-record read is one REST request and a find page is one;
reference lists are answered from the cache; a query REST cannot express raises NotBridgeable
before any request.

One seeded emulator serves the whole module (reads do not change it), so the fixtures here are
module-scoped rather than conftest's per-test ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.complete import MAX_REQUESTS
from bridge.diff import diff, from_differences, path_matches
from bridge.registry import Kind, Status, Translator
from bridge.routes import Mode, Routes
from bridge.translators import REGISTRY, _search, reads
from bridge.translators import _queries as q
from nutshell_core.errors import InvalidRequestError, NotBridgeable, NotFoundError
from nutshell_core.model import (
    Account,
    Activity,
    ActivityStatus,
    Contact,
    Lead,
    LeadStatus,
    Note,
    Product,
    Ref,
    Stage,
    Task,
    User,
)
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_emulator.store import Store
from nutshell_rest.query import Query
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.bridge.worlds import mounted

ENDPOINT = "https://app.nutshell.com/api/v1/json"

Case = tuple[tuple[Any, ...], dict[str, Any]]
TRANSLATORS: Mapping[str, Translator] = {t.method: t for t in reads.TRANSLATORS}


@attrs.frozen
class World:
    """The module's emulator, its mock, both clients and the records added for these tests."""

    emulator: Emulator
    mock: responses.RequestsMock
    rpc: RpcAPI
    bridge: BridgeAPI
    added: dict[str, int]

    @property
    def store(self) -> Store:
        return self.emulator.store

    def rest_calls(self) -> int:
        """REST requests sent so far (JSON-RPC ones are not counted)."""
        return sum(1 for call in self.mock.calls if "/rest/" in str(call.request.url))

    def bridged(self, method: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        """A bridged call's result, and how many REST requests it sent."""
        before = self.rest_calls()
        result = self.bridge.call(method, *args, **kwargs)
        return self.rest_calls() - before, result


def _add_records(rpc: RpcAPI, store: Store) -> dict[str, int]:
    """Records the seed lacks, so that every declared difference can show itself: notes on a
    contact and an account, a logged activity with an account and a log note, tasks on a
    contact and an account, and a deleted lead."""
    account, contact, lead = store.all(Account)[0], store.all(Contact)[0], store.all(Lead)[0]
    contact_ref = {"entityType": "Contacts", "id": contact.id}
    account_ref = {"entityType": "Accounts", "id": account.id}
    added = {
        "contact": _id(contact),
        "account": _id(account),
        "contact_note": rpc.call("newNote", contact_ref, "Called about the renewal.")["id"],
        "account_note": rpc.call("newNote", account_ref, "Visited the office.")["id"],
    }
    activity = {
        "name": "Logged call",
        "startTime": "2024-05-01T10:00:00+0000",
        "endTime": "2024-05-01T10:30:00+0000",
        "status": 1,
        "participants": [account_ref, contact_ref],
        "leads": [{"id": lead.id}],
        "logNote": "We talked.",
    }
    added["activity"] = rpc.call("newActivity", activity)["id"]
    task = {"title": "Call back", "entity": contact_ref, "dueTime": "2024-06-01T09:00:00+0200"}
    added["contact_task"] = rpc.call("newTask", task)["id"]
    task = {"title": "Visit", "entity": account_ref, "assignee": {"entityType": "Users", "id": 2}}
    added["account_task"] = rpc.call("newTask", task)["id"]
    # Records as legacy code writes them, which the seed does not: times with offsets, whole
    # amounts as floats, link roles, a partial address, an untimed activity.
    titled = rpc.call(
        "newContact",
        {
            "name": "Dr. Pat Titled",
            "accounts": [{"id": account.id, "relationship": "CFO"}],
            "address": {"work": {"city": "Austin"}},
        },
    )
    added["titled_contact"] = titled["id"]
    role_lead = {
        "description": "Roles and offsets",
        "contacts": [{"id": contact.id, "relationship": "Buyer"}],
        "dueTime": "2030-01-01T10:00:00-0500",
        "value": {"amount": 10.0, "currency": "USD"},
    }
    added["role_lead"] = rpc.call("newLead", role_lead)["id"]
    untimed = {
        "name": "Sometime",
        "startTime": "2024-05-02T09:00:00+0530",
        "endTime": "2024-05-02T10:00:00+0530",
        "isTimed": False,
        "participants": [contact_ref],
    }
    added["untimed_activity"] = rpc.call("newActivity", untimed)["id"]
    # A lead nothing links to, deleted: only the deleted-record behaviour can see it.
    doomed = rpc.call("newLead", {"description": "Soon gone"})
    rpc.call("deleteLead", doomed["id"], doomed["rev"])
    added["deleted_lead"] = doomed["id"]
    return added


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    emulator = Emulator()
    emulator.seed(200, random_seed=11)
    with mounted(emulator) as world:
        added = _add_records(world.rpc, emulator.store)
        world.bridge.context.cache.warm()
        yield World(emulator, world.mock, world.rpc, world.bridge, added)


# -- argument sets ------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str:
    assert moment is not None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _id(item: Any) -> int:
    """The id of a stored record or link (always set in a seeded store)."""
    assert isinstance(item.id, int)
    return item.id


def _ids(records: Sequence[Any]) -> list[int]:
    return [_id(r) for r in records]


def _refs(value: object) -> tuple[Ref, ...]:
    return value if isinstance(value, tuple) else ()


def _on_closed_lead(refs: object, closed: set[int]) -> bool:
    return any(ref.id in closed for ref in _refs(refs) if ref.entity == "Lead")


def _orders(keys: Sequence[str], pages: Sequence[int] = (1, 2)) -> list[dict[str, Any]]:
    return [
        {"orderBy": key, "orderDirection": direction, "limit": 10, "page": page}
        for key in keys
        for direction in ("ASC", "DESC")
        for page in pages
    ]


_PAGING: list[dict[str, Any]] = [
    {},
    {"stubResponses": False},
    {"limit": 10, "page": 1},
    {"limit": 10, "page": 2},
    {"limit": 10, "page": 3, "stubResponses": False},
    {"limit": 150, "stubResponses": False},  # full records: at most 100 a page
    {"page": 9},  # past the end
]


def _lead_queries(store: Store) -> list[dict[str, Any] | None]:
    leads = store.all(Lead)
    accounts = store.all(Account)
    stages = store.all(Stage)
    closed = [lead for lead in leads if lead.status is not LeadStatus.OPEN]
    due = sorted(lead.due_time for lead in leads if isinstance(lead.due_time, datetime))
    first_contact = leads[3].contacts[0].id  # type: ignore[index]
    outcome = closed[0].outcome.id  # type: ignore[union-attr]
    return [
        {"status": 0},
        {"status": [10, 11]},
        {"status": 12},
        {"filter": 0},
        {"filter": 1},
        {"filter": 2},
        {"accountId": accounts[2].id},
        {"accountId": [accounts[3].id, accounts[4].id]},
        {"contactId": first_contact},
        {"milestoneId": stages[1].id},
        {"milestoneIds": [stages[0].id, stages[2].id]},
        {"stagesetId": 1},
        {"stagesetIds": [1]},
        {"outcomeId": outcome},
        {"number": int(str(leads[4].number))},
        {"number": [leads[5].number, int(str(leads[6].number))]},
        {"assignee": [{"entityType": "Users", "id": 2}]},
        {"tag": "VIP"},
        {"tag": ["vip", "Q4"]},
        {"source": 1},
        {"sourceId": [2, 3]},
        {"priority": 0},
        {"id": [1, 2, 3, 999]},
        {"dueTime": f"> {due[10].date().isoformat()}"},
        {"dueTime": [f">= {_iso(due[5])}", f"< {due[30].date().isoformat()}"]},
        {"dueTime": f"= {due[12].date().isoformat()}"},
        {"dueTime": f"<= {_iso(due[3])}"},
        {"closedTime": "< 2100-01-01"},
        {"createdTime": ">= 2024-01-20"},
        {"modifiedTime": "< 2000-01-01"},
        {"status": 0, "accountId": accounts[1].id},
        {},
        None,
    ]


def build_cases(world: World) -> dict[str, list[Case]]:
    """Argument sets per method, chosen from the seeded store."""
    store = world.store
    added = world.added
    leads = store.all(Lead)
    closed = {_id(lead) for lead in leads if lead.status is not LeadStatus.OPEN}
    with_products = [lead for lead in leads if lead.products]
    accounts, contacts = store.all(Account), store.all(Contact)
    activities, tasks = store.all(Activity), store.all(Task)
    lead_ids = {
        *_ids([leads[0], leads[7], leads[-1], with_products[0], with_products[-1]]),
        min(closed),
        max(closed),
    }
    on_closed = [a for a in activities if _on_closed_lead(a.leads, closed)]
    closed_tasks = [t for t in tasks if isinstance(t.related, Ref) and t.related.id in closed]
    cases: dict[str, list[Case]] = {
        "getLead": [((i,), {}) for i in [*sorted(lead_ids), added["role_lead"]]],
        "getContact": [
            ((i,), {}) for i in [*_ids(contacts[::9]), added["contact"], added["titled_contact"]]
        ],
        "getAccount": [((i,), {}) for i in [*_ids(accounts[::5]), added["account"]]],
        "getActivity": [
            ((i,), {})
            for i in [
                *_ids(activities[::7]),
                *_ids(on_closed[:1]),
                added["activity"],
                added["untimed_activity"],
            ]
        ],
        "getTask": [
            ((i,), {})
            for i in [
                *_ids(tasks[::4]),
                *_ids(closed_tasks[:1]),
                added["contact_task"],
                added["account_task"],
            ]
        ],
        "getNote": [
            ((i,), {})
            for i in [*_ids(store.all(Note)[:20:4]), added["contact_note"], added["account_note"]]
        ],
        "getProduct": [((i,), {}) for i in _ids(store.all(Product))],
        "getUser": [((i,), {}) for i in _ids(store.all(User))] + [((), {})],
    }
    lead_orders = _orders(["id", "name", "number", "createdTime", "modifiedTime"])
    cases["findLeads"] = [
        *[((), kw) for kw in [*_PAGING, *lead_orders, {"orderBy": "dueTime"}]],
        *[((), {"orderBy": "closed_time", "limit": 20, "page": p}) for p in (1, 2)],
        *[
            ((query,), {"stubResponses": stub})
            for stub in (True, False)
            for query in _lead_queries(store)
        ],
    ]
    contact_queries: list[dict[str, Any]] = [
        {"accountId": accounts[0].id},
        {"accountId": [accounts[1].id, accounts[2].id]},
        {"tag": "VIP"},
        {"id": [3, 4]},
    ]
    cases["findContacts"] = [
        *[((), kw) for kw in [*_PAGING, *_orders(["id", "name", "createdTime"])]],
        *[((query,), {}) for query in contact_queries],
    ]
    account_queries: list[dict[str, Any]] = [
        {"accountType": 1},
        {"accountTypeId": [1, 2]},
        {"industry": 2},
        {"industryId": 3},
        {"territory": 1},
        {"territoryId": [2]},
        {"tag": "VIP"},
    ]
    cases["findAccounts"] = [
        *[((), kw) for kw in [*_PAGING, *_orders(["id", "name", "modifiedTime"])]],
        *[((query,), {"stubResponses": False}) for query in account_queries],
    ]
    participant_contacts = [
        p.id for p in _refs(activities[1].participants) if p.entity == "Contact"
    ]
    activity_queries: list[dict[str, Any]] = [
        {"leadId": activities[0].leads[0].id},  # type: ignore[index]
        {"contactId": participant_contacts},
        {"status": [0, -1]},
        {"status": 1},
        {"status": 2},
        {"status": -1},
        {"activityTypeId": 1},
        {"isFlagged": True},
        {"isFlagged": False},
        {"startTime": "> 2024-06-01"},
        {"endTime": ["> 2024-03-01", "< 2024-08-01"]},
    ]
    cases["findActivities"] = [
        *[((), kw) for kw in [*_PAGING, *_orders(["id", "name", "startTime", "endTime"], (1,))]],
        *[((query,), {"stubResponses": False}) for query in activity_queries],
    ]
    task_queries: list[dict[str, Any]] = [
        {"assignee": 1},
        {"assignee": [2]},
        {"dueTime": "> 2024-01-20"},
    ]
    cases["findTasks"] = [
        *[((), kw) for kw in [*_PAGING, *_orders(["id", "title"], (1,))]],
        # Not every task is due, so due times sort ascending only (empty values last).
        *[((), {"orderBy": "due_time", "limit": 5, "page": p}) for p in (1, 4)],
        *[((query,), {}) for query in task_queries],
    ]
    product_paging: list[dict[str, Any]] = [
        {},
        {"stubResponses": False},
        {"limit": 2, "page": 2},
        *_orders(["id", "name", "sku", "modifiedTime"], (1, 2)),
    ]
    cases["findProducts"] = [((), kw) for kw in product_paging]
    for method in (
        "findUsers",
        "findSources",
        "findStagesets",
        "findMilestones",
        "findLead_Outcomes",
        "findMarkets",
        "findIndustries",
        "findTerritories",
        "findAccountTypes",
        "findActivityTypes",
        "findCompetitors",
    ):
        cases[method] = [
            ((), {}),
            ((), {"orderBy": "id", "orderDirection": "DESC"}),
            ((), {"orderBy": "name", "limit": 2, "page": 2}),
        ]
    cases["findUsers"] += [((), {"orderBy": "firstName"}), ((), {"orderBy": "last_name"})]
    cases["findMilestones"] += [((), {"orderBy": "position", "orderDirection": "DESC"})]
    cases["findLead_Outcomes"] += [((), {"orderBy": "type"})]
    cases["findTags"] = [((), {})]
    number = str(leads[12].number)
    cases["searchLeads"] = [
        (("deal",), {}),
        ((number,), {}),
        (("Expansion",), {"limit": 5}),
        (("zzz",), {}),
        # Text in the "Lead–" of lead names, which REST's q= does not see.
        (("a",), {}),
        (("Lead",), {"limit": 5}),
        ((f"Lead–{number[:2]}",), {"limit": 30}),
        (("lead–",), {}),
        (("–",), {"limit": 1}),
        (("Roles and offsets",), {}),  # the lead written with an offset and a float amount
    ]
    cases["searchContacts"] = [
        (("alan",), {}),
        (("example",), {}),
        (("",), {"limit": 3}),
        (("a",), {"limit": 100}),
        (("o'",), {}),
        ((".",), {}),
    ]
    cases["searchAccounts"] = [
        (("acme",), {}),
        (("ann arbor",), {}),
        (("LLC",), {"limit": 2}),
        (("a",), {}),
        ((",",), {}),
    ]
    cases["searchProducts"] = [(("sol",), {}), (("x",), {})]
    cases["searchSources"] = [(("e",), {}), (("web",), {})]
    cases["searchContactsAndUsers"] = [(("a",), {}), (("sam",), {})]
    cases["searchActivityParticipants"] = [(("s",), {}), (("hopper",), {"limit": 4})]
    cases["searchUniversal"] = [
        (("acme",), {}),
        (("alan",), {}),
        (("deal",), {}),
        (("zzz",), {}),
        (("a",), {}),
        ((f"ead–{number[:3]}",), {}),
        (("Roles and offsets",), {}),
    ]
    email = accounts[0].emails[0].value  # type: ignore[index]
    cases["searchByEmail"] = [
        ((email,), {}),
        ((email.upper(),), {}),
        ((contacts[0].emails[0].value,), {}),  # type: ignore[index]
        (("nobody@example.org",), {}),
        (("  ",), {}),
    ]
    return cases


@pytest.fixture(scope="module")
def cases(world: World) -> dict[str, list[Case]]:
    return build_cases(world)


# -- comparing ----------------------------------------------------------------------------------


def _segments(path: str) -> list[str]:
    """A concrete diff path split into its segments (``$``, ``.name``, ``[id=3]``...)."""
    out, i = ["$"], 1
    while i < len(path):
        if path[i] == ".":
            j = i + 1
            while j < len(path) and path[j] not in ".[":
                j += 1
        else:
            j, quoted = i + 1, False
            while path[j] != "]" or quoted:
                if path[j] == "\\":
                    j += 1
                elif path[j] == '"':
                    quoted = not quoted
                j += 1
            j += 1
        out.append(path[i:j])
        i = j
    return out


def _covers(glob: str, path: str) -> bool:
    """True when ``glob`` drops ``path``: it matches the path or one of its ancestors."""
    parts = _segments(path)
    return any(path_matches(glob, "".join(parts[:n])) for n in range(1, len(parts) + 1))


def _order(value: Any) -> Any:
    """The ids of a result, in order: lists of records, or maps of such lists."""
    if isinstance(value, list):
        return [item.get("id") if isinstance(item, dict) else item for item in value]
    if isinstance(value, dict) and value and all(isinstance(v, list) for v in value.values()):
        return {key: _order(items) for key, items in value.items()}
    return None


def test_every_read_translator_is_registered() -> None:
    """The registry serves these translators, each with a status that fits its differences."""
    assert set(TRANSLATORS) == set(reads.READ_METHODS)
    for method, translator in TRANSLATORS.items():
        assert REGISTRY[method] is translator
        assert translator.rpc.access.value == "read"
        noticeable = any(d.makes_partial for d in translator.differences)
        assert translator.status is (Status.PARTIAL if noticeable else Status.MAPPED)
        assert all(d.reason for d in translator.differences)


@pytest.mark.parametrize("method", sorted(TRANSLATORS))
def test_bridged_reads_equal_rpc_except_declared_differences(
    world: World, cases: dict[str, list[Case]], method: str
) -> None:
    translator = world.bridge.registry[method]
    assert translator is TRANSLATORS[method]
    globs = from_differences(translator.differences)
    if translator.status is Status.MAPPED:
        # A mapped method is compared with no ignores but its opaque tokens (revs), and times
        # and amounts only as the same instants and numbers.
        assert not any(d.makes_partial for d in translator.differences)
        assert all(d.kind is Kind.OPAQUE for d in translator.differences if d.path in globs), (
            "a mapped method ignores nothing but opaque tokens"
        )
    assert cases[method], f"no argument sets for {method}"
    seen: set[str] = set()
    for args, kwargs in cases[method]:
        direct = world.rpc.call(method, *args, **kwargs)
        bridged = world.bridge.call(method, *args, **kwargs)
        where = f"{method}{args}{kwargs}"
        alike = translator.normalizers  # differences tolerated while both values are alike
        assert diff(direct, bridged, ignore=globs, normalizers=alike) == (), where
        assert _order(direct) == _order(bridged), where
        seen.update(entry.path for entry in diff(direct, bridged))
    declared = [d.path for d in translator.differences if not d.is_param]
    unseen = [glob for glob in declared if not any(_covers(glob, path) for path in seen)]
    assert unseen == [], f"{method} declares differences that never occur: {unseen}"


# -- cost ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lean(world: World) -> Iterator[BridgeAPI]:
    """A bridge that renders one REST response as it is (``lean=True``)."""
    bridge = BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=ENDPOINT,
        routes=Routes({}, default=Mode.REST),
        sleep=lambda _s: None,
        lean=True,
    )
    bridge.context.cache.warm()
    yield bridge
    bridge.close()


def _cost(world: World, bridge: BridgeAPI, method: str, *args: Any, **kwargs: Any) -> int:
    before = world.rest_calls()
    bridge.call(method, *args, **kwargs)
    return world.rest_calls() - before


@pytest.mark.parametrize("method", sorted(m for m in TRANSLATORS if m.startswith("get")))
def test_a_lean_single_record_read_is_one_rest_request(
    world: World, lean: BridgeAPI, cases: dict[str, list[Case]], method: str
) -> None:
    for args, kwargs in cases[method]:
        assert _cost(world, lean, method, *args, **kwargs) == 1, f"{method}{args}"


@pytest.mark.parametrize("method", sorted(m for m in TRANSLATORS if m.startswith("get")))
def test_a_complete_read_costs_a_bounded_number_of_requests(
    world: World, cases: dict[str, list[Case]], method: str
) -> None:
    """Linked records come in one request per kind, never one per record."""
    world.bridge.context.cache.warm()
    for args, kwargs in cases[method]:
        cost, _ = world.bridged(method, *args, **kwargs)
        assert 1 <= cost <= MAX_REQUESTS, f"{method}{args}: {cost}"


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("findLeads", {"stubResponses": False}),
        ("findLeads", {}),
        ("findContacts", {"stubResponses": False}),
        ("findAccounts", {"stubResponses": False}),
        ("findActivities", {"stubResponses": False}),
        ("findTasks", {}),
    ],
)
def test_a_complete_page_costs_the_same_bound_whatever_its_size(
    world: World, method: str, kwargs: dict[str, Any]
) -> None:
    """Records of a page are fetched together: 100 records cost no more kinds of request
    than 2 do."""
    world.bridge.context.cache.warm()
    small, _ = world.bridged(method, limit=2, **kwargs)
    large, _ = world.bridged(method, limit=100, **kwargs)
    assert small <= MAX_REQUESTS
    assert large <= MAX_REQUESTS


@pytest.mark.parametrize(
    ("method", "kwargs", "requests"),
    [
        ("findLeads", {"query": {"tag": "VIP", "filter": 0}, "limit": 5, "page": 2}, 1),
        ("findLeads", {"stubResponses": False, "orderBy": "name", "orderDirection": "DESC"}, 1),
        ("findContacts", {"orderBy": "name", "limit": 10, "page": 3}, 1),
        ("findAccounts", {"query": {"industry": 2}, "stubResponses": False}, 1),
        ("findActivities", {"query": {"status": [0, -1]}}, 1),
        ("findTasks", {"query": {"assignee": 1}}, 1),
        ("findProducts", {"orderBy": "sku", "limit": 2, "page": 2}, 1),
        # Reference lists come from the warm cache.
        ("findUsers", {}, 0),
        ("findStagesets", {}, 0),
        ("findMilestones", {"orderBy": "position"}, 0),
        ("findLead_Outcomes", {}, 0),
        ("findSources", {}, 0),
        ("findMarkets", {}, 0),
        ("findIndustries", {}, 0),
        ("findTerritories", {}, 0),
        ("findAccountTypes", {}, 0),
        ("findActivityTypes", {}, 0),
        ("findCompetitors", {}, 0),
        ("findTags", {}, 0),
        ("searchSources", {"string": "web"}, 0),
        # One q= request per REST-listed type searched.
        ("searchLeads", {"string": "deal"}, 1),
        ("searchContacts", {"string": "alan"}, 1),
        ("searchContactsAndUsers", {"string": "a"}, 1),
        ("searchActivityParticipants", {"string": "s"}, 2),
        ("searchUniversal", {"string": "acme"}, 3),
        ("searchByEmail", {"emailAddressString": "nobody@example.org"}, 2),
        # A tag no tag has matches nothing: no request at all.
        ("findLeads", {"query": {"tag": "no such tag"}}, 0),
    ],
)
def test_lean_finds_cost_one_request_per_page(
    world: World, lean: BridgeAPI, method: str, kwargs: dict[str, Any], requests: int
) -> None:
    assert _cost(world, lean, method, **kwargs) == requests


# -- refusals and errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("findContacts", {"query": {"leadId": 1}}),
        ("findAccounts", {"query": {"hasOpenLeads": True}}),
        ("findAccounts", {"query": {"origin": 1}}),
        ("findActivities", {"query": {"accountId": 1}}),
        ("findActivities", {"query": {"userId": 1}}),
        ("findActivities", {"query": {"status": 0}}),
        ("findActivities", {"query": {"status": [0, 1]}}),
        ("findLeads", {"query": {"filter": 0, "assignee": [{"entityType": "Users", "id": 1}]}}),
        ("findLeads", {"query": {"milestoneId": 1, "milestoneIds": [2]}}),
        ("findLeads", {"query": {"tag": "VIP", "channel": 1}}),
        ("findLeads", {"orderBy": "confidence"}),
        ("findLeads", {"orderBy": "dueTime", "orderDirection": "DESC"}),
        ("findLeads", {"limit": 20_000}),
        ("findContacts", {"orderBy": "lastName"}),
        ("findTasks", {"orderBy": "dueTime", "orderDirection": "DESC"}),
        ("findUsers", {"orderBy": "createdTime"}),
        ("findProducts", {"orderBy": "createdTime"}),
    ],
)
def test_what_rest_cannot_express_is_refused_before_any_request(
    world: World, method: str, kwargs: dict[str, Any]
) -> None:
    world.bridge.context.cache.warm()
    before = world.rest_calls()
    with pytest.raises(NotBridgeable) as caught:
        world.bridge.call(method, **kwargs)
    assert world.rest_calls() == before
    assert caught.value.method == method
    assert caught.value.reason


def test_rest_fallback_answers_a_refused_read_through_rpc(world: World) -> None:
    fallback = BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=ENDPOINT,
        routes=Routes({"findAccounts": Mode.REST_FALLBACK}),
        sleep=lambda _s: None,
    )
    query = {"hasOpenLeads": True}
    before = world.rest_calls()
    assert fallback.call("findAccounts", query) == world.rpc.call("findAccounts", query)
    assert world.rest_calls() == before
    fallback.close()


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("findLeads", {"limit": 0}),
        ("findLeads", {"page": "two"}),
        ("findLeads", {"orderDirection": "UP"}),
        ("findLeads", {"query": [1]}),
        ("findLeads", {"query": {"status": "won"}}),
        ("findLeads", {"query": {"status": 5}}),
        ("findLeads", {"query": {"filter": 3}}),
        ("findLeads", {"query": {"assignee": [7]}}),
        ("findLeads", {"query": {"dueTime": "> someday"}}),
        ("findActivities", {"query": {"isFlagged": "maybe"}}),
        ("findContacts", {"stubResponses": "nope"}),
        ("findUsers", {"limit": -1}),
        ("getLead", {"leadId": "seven"}),
        ("searchContacts", {"string": "a", "limit": 0}),
    ],
)
def test_bad_input_fails_as_it_does_over_rpc(
    world: World, method: str, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidRequestError) as direct:
        world.rpc.call(method, **kwargs)
    before = world.rest_calls()
    with pytest.raises(InvalidRequestError) as bridged:
        world.bridge.call(method, **kwargs)
    assert world.rest_calls() == before
    assert bridged.value.message == direct.value.message


@pytest.mark.parametrize(
    ("method", "key"),
    [
        ("findLeads", "bogus"),
        ("findContacts", "name"),
        ("findAccounts", "email"),
        ("findActivities", "participantId"),
        ("findTasks", "leadId"),
        ("findTasks", "isCompleted"),
    ],
)
def test_a_query_key_the_legacy_api_refuses_is_its_400_on_both_routes(
    world: World, method: str, key: str
) -> None:
    """Not NotBridgeable: the legacy API refuses the key itself (400), so the bridge does."""
    with pytest.raises(InvalidRequestError) as direct:
        world.rpc.call(method, {key: 1})
    with pytest.raises(InvalidRequestError) as bridged:
        world.bridge.call(method, {key: 1})
    assert (bridged.value.status, bridged.value.code) == (400, -32602)
    assert bridged.value.message == direct.value.message


@pytest.mark.parametrize(
    ("method", "order_by"),
    [("findLeads", "bogus"), ("findContacts", ""), ("findTasks", 5), ("findMarkets", "sku")],
)
def test_an_order_the_legacy_api_refuses_is_its_400_on_both_routes(
    world: World, method: str, order_by: object
) -> None:
    with pytest.raises(InvalidRequestError) as direct:
        world.rpc.call(method, orderBy=order_by)
    with pytest.raises(InvalidRequestError) as bridged:
        world.bridge.call(method, orderBy=order_by)
    assert (bridged.value.status, bridged.value.code) == (400, -32602)
    assert bridged.value.message == direct.value.message


def test_a_legacy_query_key_rest_cannot_filter_by_is_not_bridgeable(world: World) -> None:
    with pytest.raises(NotBridgeable):
        world.bridge.call("findAccounts", {"hasOpenLeads": True})
    with pytest.raises(NotBridgeable):
        world.bridge.call("findLeads", {"origin": 1})


@pytest.mark.parametrize(
    "method", ["getLead", "getContact", "getAccount", "getActivity", "getTask", "getNote"]
)
def test_a_missing_record_is_the_same_not_found_on_both_routes(world: World, method: str) -> None:
    """The legacy error, not REST's HTML 404: code 404 and the record named, whatever the id."""
    for record_id in (9999, 0, 2**70):
        with pytest.raises(NotFoundError) as direct:
            world.rpc.call(method, record_id)
        with pytest.raises(NotFoundError) as bridged:
            world.bridge.call(method, record_id)
        assert (bridged.value.status, bridged.value.code) == (404, 404), record_id
        assert bridged.value.message == direct.value.message, record_id


def test_a_bare_team_link_carries_a_rev_as_every_legacy_stub_does(world: World) -> None:
    """REST has no teams, so a team assignee is a bare link; still with the string rev legacy
    code reads from every stub (the declared differences are its name and times)."""
    leads = world.rpc.call("findLeads", limit=100, stubResponses=False)
    lead_id = next(
        lead["id"] for lead in leads if (lead.get("assignee") or {}).get("entityType") == "Teams"
    )
    direct, bridged = world.rpc.call("getLead", lead_id), world.bridge.call("getLead", lead_id)
    assert set(direct["assignee"]) >= {"stub", "id", "rev", "entityType"}
    assert list(bridged["assignee"]) == ["stub", "id", "rev", "entityType"]
    assert bridged["assignee"]["rev"].startswith("b:")


def test_a_deleted_record_is_the_declared_parameter_difference(world: World) -> None:
    lead_id = world.added["deleted_lead"]
    assert "deletedTime" in world.rpc.call("getLead", lead_id)
    with pytest.raises(NotFoundError):
        world.bridge.call("getLead", lead_id)
    declared = {d.path for d in TRANSLATORS["getLead"].differences}
    assert "param:leadId" in declared


def test_get_user_without_an_id_is_the_caller(world: World, lean: BridgeAPI) -> None:
    assert _cost(world, lean, "getUser") == 1
    _, me = world.bridged("getUser")
    assert me["emails"] == [DEFAULT_EMAIL]
    assert me["id"] == world.rpc.call("getUser")["id"]


def test_bridged_revs_are_the_bridges_own(world: World) -> None:
    lead = world.bridge.call("getLead", 1)
    stubs = world.bridge.call("findLeads", limit=3)
    assert str(lead["rev"]).startswith("b:")
    assert all(str(stub["rev"]).startswith("b:") for stub in stubs)


# -- query pieces -------------------------------------------------------------------------------


def _params(term: q.Term) -> list[tuple[str, str]]:
    return term.apply(None, Query()).params()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("> 2026-01-01", ">2026-01-01T00:00:00"),
        (">= 2026-01-01T10:00:00+0000", ">2026-01-01T09:59:59"),
        ("< 2026-01-01T10:00:00-05:00", "<2026-01-01T15:00:00"),
        ("<= 2026-01-01T10:00:00.5+0000", "<2026-01-01T10:00:01"),
        ("= 2026-01-31", "2026-01-31T00:00:00 TO 2026-01-31T23:59:59"),
        ("2026-01-31T08:00:00Z", "2026-01-31T08:00:00 TO 2026-01-31T08:00:00"),
        ([">= 2026-01-01", "< 2026-02-01"], "2026-01-01T00:00:00 TO 2026-01-31T23:59:59"),
        (
            [">= 2026-01-01", "> 2026-01-05", "<= 2026-03-01"],
            "2026-01-05T00:00:01 TO 2026-03-01T00:00:00",
        ),
    ],
)
def test_time_comparisons_become_one_inclusive_rest_span(value: Any, expected: str) -> None:
    assert _params(q.times("dueTime")(value, "query.dueTime")) == [("filter[dueTime]", expected)]


@pytest.mark.parametrize(
    "value", [[">= 2026-02-01", "< 2026-01-01"], "= 2026-01-01T00:00:00.5+0000"]
)
def test_time_comparisons_no_time_satisfies_match_nothing(value: Any) -> None:
    with pytest.raises(q.MatchesNothing):
        _params(q.times("dueTime")(value, "query.dueTime"))


@pytest.mark.parametrize(
    ("codes", "words"),
    [(1, ["logged"]), ([2, -1], ["cancelled", "overdue"]), ([0, -1, 1], ["logged", "scheduled"])],
)
def test_activity_status_codes_become_rest_words(codes: Any, words: list[str]) -> None:
    pairs = _params(q.activity_status(codes, "query.status"))
    assert pairs == [("filter[status][]", w) for w in words]


def test_ids_are_typed_and_an_any_type_id_is_sent_once_per_type() -> None:
    assert _params(q.ids("accounts")([3, {"id": 4}], "query.accountId")) == [
        ("filter[accounts][]", "3-accounts"),
        ("filter[accounts][]", "4-accounts"),
    ]
    assert _params(q.typed_ids("assignee", "users", "teams")(2, "query.assignee")) == [
        ("filter[assignee][]", "2-users"),
        ("filter[assignee][]", "2-teams"),
    ]
    with pytest.raises(q.MatchesNothing):
        _params(q.ids("accounts")([], "query.accountId"))


@pytest.mark.parametrize(
    ("text", "digits"),
    [("lead", ""), ("a", ""), ("–", ""), ("", ""), (" D– ", ""), ("LEAD–12", "12"),
     ("–1", "1"), ("ead–12", "12"), ("d–007", "007"), ("12", None), ("deal", None),
     ("lead-12", None), ("–12 x", None), ("lead–²", None), ("x–1", None)],
)  # fmt: skip
def test_text_in_the_lead_name_prefix_names_the_digits_a_number_starts_with(
    text: str, digits: str | None
) -> None:
    assert _search.lead_prefix(text) == digits


def test_rpc_sort_keys_fold_case_and_put_empty_values_last() -> None:
    records = [
        Account(id=1, name="Gringotts Labs 1"),
        Account(id=10, name="Gringotts LLC 10"),
        Account(id=3, name=None),
        Account(id=2, name="gringotts labs 1"),
    ]
    name = q.Order(attr="name", rest="name", text=True)
    assert _ids(q.sort_like_rpc(records, name, descending=False)) == [1, 2, 10, 3]
    assert _ids(q.sort_like_rpc(records, name, descending=True)) == [3, 10, 2, 1]
    assert _ids(q.sort_like_rpc(records, None, descending=True)) == [1, 10, 3, 2]


def test_activity_statuses_cover_each_rpc_code() -> None:
    # Every RPC code REST can express alone has a word; 0 alone is refused (see above).
    expressible = [s for s in ActivityStatus if s is not ActivityStatus.SCHEDULED]
    for status in expressible:
        assert _params(q.activity_status(int(status), "query.status"))


def test_reads_rest_answers_in_full_are_mapped() -> None:
    """Every read is mapped but those whose records REST spells differently (contact points
    and a lead's primary account), cannot show (teams: a lead's assignee, a user's teams) or
    does not keep (link roles, an activity's isTimed, a float amount's type): revs are opaque
    tokens, times REST spells with another offset are the same instants, and everything else
    is fetched."""
    partial = sorted(m for m, t in TRANSLATORS.items() if t.status is Status.PARTIAL)
    assert partial == [
        "findAccounts",
        "findActivities",
        "findContacts",
        "findLeads",
        "getAccount",
        "getActivity",
        "getContact",
        "getLead",
        "getUser",
        "searchLeads",
        "searchUniversal",
    ]
