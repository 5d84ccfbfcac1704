"""Legacy writes through the bridge: the same store state through either route, revs across
routes, refusals before any request.

Equivalence is checked on two emulators seeded identically and frozen at one instant: a write
goes through JSON-RPC to one and through the bridge (REST) to the other, then both records are
read back with a direct JSON-RPC ``get*`` and compared. Only the differences the translator
declares (for results) or this module declares (for stored records, below) are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.cache import ReferenceCache
from bridge.context import BridgeContext
from bridge.diff import diff, render
from bridge.registry import Registry, Status
from bridge.revs import REV_IGNORE, is_bridge_rev
from bridge.routes import Mode, Routes
from bridge.translators import writes
from nutshell_core import errors
from nutshell_core.catalog import RPC_METHODS, Access
from nutshell_core.model import Lead, Note, Ref, Source, Tag
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_rest import RestClient
from nutshell_rest.patch import Patch
from nutshell_rpc import NutshellAPI as RpcAPI

FIXED = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
SEED = 11
REGISTRY = Registry(writes.TRANSLATORS)
WRITES = {t.method: t for t in writes.TRANSLATORS}

GETTERS = {
    "Lead": "getLead",
    "Contact": "getContact",
    "Account": "getAccount",
    "Activity": "getActivity",
    "Task": "getTask",
    "Note": "getNote",
    "Product": "getProduct",
}


def _host(name: str) -> str:
    return f"https://{name}.nutshell.com"


def _bridge(host: str, mode: Mode = Mode.REST, **options: Any) -> BridgeAPI:
    return BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=f"{host}/api/v1/json",
        rest_base_url=f"{host}/rest",
        routes=Routes({}, default=mode),
        registry=REGISTRY,
        sleep=lambda _s: None,
        **options,
    )


def _rpc(host: str) -> RpcAPI:
    return RpcAPI(
        DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=f"{host}/api/v1/json", sleep=lambda _s: None
    )


@attrs.define
class Pair:
    """Two identically seeded emulators at one frozen instant: ``a`` written through JSON-RPC,
    ``b`` through the bridge."""

    mock: responses.RequestsMock
    a: Emulator
    b: Emulator
    rpc_a: RpcAPI
    rpc_b: RpcAPI
    bridge: BridgeAPI

    def writes_of(self, host: str) -> list[str]:
        """The writing requests sent to one emulator so far (``PATCH /rest/leads/5-leads``)."""
        return [
            f"{c.request.method} {c.request.path_url}"
            for c in self.mock.calls
            if host in str(c.request.url)
            and c.request.method != "GET"
            and "/rest/" in str(c.request.url)
        ]


@pytest.fixture
def pair() -> Iterator[Pair]:
    emulators = []
    for _ in range(2):
        emulator = Emulator(clock=lambda: FIXED)
        emulator.seed(200, random_seed=SEED)
        emulators.append(emulator)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulators[0].mount(mock, app_host="a.nutshell.com", discovery_host="da.nutshell.com")
        emulators[1].mount(mock, app_host="b.nutshell.com", discovery_host="db.nutshell.com")
        yield Pair(
            mock=mock,
            a=emulators[0],
            b=emulators[1],
            rpc_a=_rpc(_host("a")),
            rpc_b=_rpc(_host("b")),
            bridge=_bridge(_host("b")),
        )
    for emulator in emulators:
        emulator.close()


def _outcome(api: Any, method: str, args: tuple[Any, ...]) -> Any:
    try:
        return api.call(method, *args)
    except errors.NutshellError as exc:
        return exc


def _same_error(one: BaseException, other: BaseException) -> None:
    """The same failure as a caller sees it: class, words, HTTP status and code."""
    assert type(one) is type(other), (one, other)
    assert (one.message, one.status, one.code) == (other.message, other.status, other.code)  # type: ignore[attr-defined]


# -- the registry -------------------------------------------------------------------------------


#: Legacy writes with no REST counterpart, and the REST operation each reason must name.
UNSUPPORTED = {
    "deleteActivity": "DELETE /activities/{id}",
    "editNote": "PATCH /notes/{id}",
    "newProduct": "POST /products",
    "editProduct": "PATCH /products/{id}",
    "newUser": "POST /users",
    "editUser": "PATCH /users/{id}",
    "deleteUser": "DELETE /users/{id}",
    "newTeam": "POST /teams",
    "editTeam": "PATCH /teams/{id}",
    "deleteTeam": "DELETE /teams/{id}",
    "editStep": "/steps",
    "newBackup": "POST /backups",
    "newEmail": "/emails",
    "addEmail": "/emails",
}

SUPPORTED = {
    "newLead", "editLead", "deleteLead", "newContact", "editContact", "deleteContact",
    "newAccount", "editAccount", "deleteAccount", "newActivity", "editActivity",
    "newTask", "editTask", "deleteTask", "newNote", "deleteNote", "deleteProduct",
    "newTag", "newSource",
}  # fmt: skip


def test_every_legacy_write_is_declared() -> None:
    assert set(WRITES) == SUPPORTED | set(UNSUPPORTED)
    for method, translator in WRITES.items():
        assert RPC_METHODS[method].access is Access.WRITE
        assert translator.supported is (method in SUPPORTED), method
    for method, operation in UNSUPPORTED.items():
        assert WRITES[method].status is Status.UNSUPPORTED
        assert operation in WRITES[method].reason, (method, WRITES[method].reason)
    # Deletes leave the store as RPC does and answer true: mapped, nothing to declare.
    for method in ("deleteLead", "deleteContact", "deleteAccount", "deleteTask", "deleteNote",
                   "deleteProduct"):  # fmt: skip
        assert WRITES[method].status is Status.MAPPED and not WRITES[method].ignored_paths
    # Every new*/edit* result carries the bridge's own rev, an opaque token: the others are
    # mapped when nothing else differs, partial when something legacy code can notice does.
    for method in SUPPORTED - {m for m in SUPPORTED if m.startswith("delete")}:
        translator = WRITES[method]
        assert "$..rev" in translator.ignored_paths
        noticeable = [d.path for d in translator.differences if d.makes_partial]
        assert translator.status is (Status.PARTIAL if noticeable else Status.MAPPED), method
    mapped = sorted(m for m in SUPPORTED if WRITES[m].status is Status.MAPPED)
    assert mapped == [
        "deleteAccount",
        "deleteContact",
        "deleteLead",
        "deleteNote",
        "deleteProduct",
        "deleteTask",
        "editActivity",
        "newActivity",
        "newNote",
        "newSource",
        "newTag",
    ]


def test_the_assembled_registry_serves_these_translators() -> None:
    from bridge.translators import REGISTRY as ASSEMBLED  # noqa: PLC0415 - needs reads.py too

    for method, translator in WRITES.items():
        assert ASSEMBLED[method] == translator


# -- the same write through either route --------------------------------------------------------

#: Stored differences a write may leave, by glob, with why. Everything else read back through
#: ``get*`` must be equal on both routes (ids, times and revs included: both stores start
#: identical at one frozen instant and see the same number of writes, unless noted).
RELATIONSHIP = "REST links are ids: a relationship sent with a link is not stored"
NO_OP_REV = (
    "an edit that changes nothing: the RPC API still writes (a new rev), while REST is sent no "
    "empty patch"
)
TWO_WRITES = "REST creates the task, then sets completedTime with a PATCH: two writes, two revs"
NEW_CREATOR = "REST records the caller as a new contact's or account's creator"

SCENARIOS: list[tuple[str, tuple[Any, ...], Mapping[str, str]]] = [
    ("newLead", ({"description": "Solar deal", "confidence": 40},), {}),
    (
        "newLead",
        (
            {
                "description": "Everything at once",
                "contacts": [{"id": 3, "relationship": "Buyer"}],
                "accounts": [{"id": 2}],
                "products": [{"id": 1, "quantity": 2}, {"id": 3, "price": {"amount": 10}}],
                "sources": [{"id": 2}],
                "competitors": [{"id": 1}],
                "tags": ["VIP", "Brand new"],
                "assignee": {"entityType": "Users", "id": 2},
                "dueTime": "2030-01-01T00:00:00+0000",
                "customFields": {"Color": "red"},
                "note": "hello <b>world</b>",
                "milestoneId": 103,
                "outcome": {"id": 1},
                "territoryId": 1,
                "priority": 1,
            },
        ),
        {"$.contacts[*].relationship": RELATIONSHIP},
    ),
    ("newLead", ({"stagesetId": 1, "status": 12, "market": {"id": 1}},), {}),
    # A primary account: REST's links.accounts lists it first (see the assumptions).
    ("newLead", ({"description": "Primary", "primaryAccount": {"id": 2}},), {}),
    ("newLead", ({"primaryAccount": {"id": 2}, "accounts": [{"id": 4}, {"id": 2}]},), {}),
    ("newLead", ({"accounts": [{"id": 4}, {"id": 2}]},), {}),  # the first is the primary one
    ("editLead", (5, REV_IGNORE, {"primaryAccount": {"id": 2}}), {}),
    ("editLead", (5, REV_IGNORE, {"accounts": [{"id": 3}, {"id": 4}]}), {}),
    ("editLead", (5, REV_IGNORE, {"primaryAccount": {"id": 3}, "accounts": [{"id": 2}]}), {}),
    ("editLead", (5, REV_IGNORE, {"primaryAccount": None, "accounts": []}), {}),
    ("editLead", (5, REV_IGNORE, {"description": "changed", "confidence": 55}), {}),
    # A cleared value: REST's manualValue has no null, and a body left it out (no write).
    ("editLead", (5, REV_IGNORE, {"value": None}), {}),
    (
        "editLead",
        (
            5,
            REV_IGNORE,
            {"contacts": [{"id": 3}, {"id": 56}], "tags": ["Q4", "Fresh"], "sources": []},
        ),
        {},
    ),
    ("editLead", (5, REV_IGNORE, {"contacts": [{"id": 56}, {"id": 3}]}), {}),
    (
        "editLead",
        (5, REV_IGNORE, {"products": [{"id": 2, "quantity": 3}]}),
        {},
    ),
    ("editLead", (5, REV_IGNORE, {"products": []}), {}),
    ("editLead", (5, REV_IGNORE, {"outcome": {"id": 2}, "note": "closing it"}), {}),
    ("editLead", (5, REV_IGNORE, {"status": 11}), {}),
    ("editLead", (20, REV_IGNORE, {"status": 0}), {}),  # a won lead reopened
    ("editLead", (3, REV_IGNORE, {"outcome": None}), {}),  # a cancelled lead reopened
    ("editLead", (6, REV_IGNORE, {"outcome": {"id": 1}}), {}),  # a lost lead closed as won
    ("editLead", (42, REV_IGNORE, {"status": 11}), {}),  # a won lead closed as lost
    (
        "editLead",
        (5, REV_IGNORE, {"stagesetId": 1, "milestoneId": 104, "customFields": {"A": 1}}),
        {},
    ),
    (
        "editLead",
        (
            5,
            REV_IGNORE,
            {
                "assignee": {"entityType": "Users", "id": 1},
                "dueTime": None,
                "priority": 1,
                "value": {"amount": 123.5, "currency": "USD"},
            },
        ),
        {},
    ),
    (
        "editLead",
        (5, REV_IGNORE, {}),
        {"$.rev": NO_OP_REV, "$.processes[*].rev": NO_OP_REV, "$.modifiedTime": NO_OP_REV},
    ),
    (
        "newContact",
        (
            {
                "name": "Ada Lovelace",
                "email": ["ada@x.com"],
                "phone": {"cell": "555-1234", "0": "555-9999"},
                "jobTitle": "CTO",
                "tags": ["Friend"],
                "accounts": [{"id": 2}],
                "leads": [{"id": 5}],
                "customFields": {"X": "y"},
                "note": "met at the expo",
                "territoryId": 2,
                "owner": {"entityType": "Users", "id": 2},
            },
        ),
        {"$.creator": NEW_CREATOR},
    ),
    ("newContact", ({"email": "solo@x.com"},), {"$.creator": NEW_CREATOR}),
    (
        "editContact",
        (
            3,
            REV_IGNORE,
            {
                "name": "Grace Hopper",
                "email": {"work": "g@x.com"},
                "description": "d",
                "address": {"home": {"address_1": "1 Main", "city": "Austin"}},
            },
        ),
        {},
    ),
    ("editContact", (3, REV_IGNORE, {"leads": [{"id": 5}], "accounts": []}), {}),
    # Unlabelled contact points keep their legacy keys (positions), labelled ones their labels.
    (
        "newContact",
        (
            {
                "name": "Points",
                "email": ["a@x.com", "b@x.com"],
                "url": ["https://a.b"],
                "address": [{"address_1": "1 Main", "city": "Austin"}],
            },
        ),
        {"$.creator": NEW_CREATOR},
    ),
    ("editContact", (3, REV_IGNORE, {"email": {"home": "h@x.com", "0": "z@x.com"}}), {}),
    (
        "newAccount",
        (
            {
                "name": "NewCo",
                "url": ["https://new.co"],
                "industryId": 1,
                "accountTypeId": 2,
                "contacts": [{"id": 3}],
                "tags": ["Big"],
            },
        ),
        {"$.creator": NEW_CREATOR},
    ),
    (
        "editAccount",
        (2, REV_IGNORE, {"name": "Renamed", "phone": ["123"], "contacts": [{"id": 3}]}),
        {},
    ),
    ("editAccount", (2, REV_IGNORE, {"customFields": {"Tier": "gold"}, "note": "renewal"}), {}),
    ("editAccount", (2, REV_IGNORE, {"email": ["x@y.com"], "url": ["https://y.com"]}), {}),
    (
        "newActivity",
        (
            {
                "name": "Call",
                "startTime": "2030-01-01T10:00:00+0000",
                "endTime": "2030-01-01T10:30:00+0000",
                "leads": [{"id": 5}],
                "isFlagged": True,
                "participants": [
                    {"entityType": "Contacts", "id": 3},
                    {"entityType": "Users", "id": 1},
                ],
                "location": "Office",
            },
        ),
        {},
    ),
    (
        "newActivity",
        (
            {
                "startTime": "2025-01-01T10:00:00+0000",
                "endTime": "2025-01-01T10:30:00+0000",
                "status": 1,
                "logNote": "went well",
                "activityTypeId": 2,
            },
        ),
        {},
    ),
    ("editActivity", (1, REV_IGNORE, {"name": "Renamed", "isAllDay": True}), {}),
    ("editActivity", (13, REV_IGNORE, {"name": "Still cancelled"}), {}),
    # A PUT that left an emptied link out kept it: links an edit empties are sent empty.
    ("editActivity", (3, REV_IGNORE, {"leads": []}), {}),
    ("editActivity", (3, REV_IGNORE, {"leads": None, "participants": []}), {}),
    ("editActivity", (3, REV_IGNORE, {"activityTypeId": None}), {}),
    ("editActivity", (3, REV_IGNORE, {"isFlagged": True}), {}),  # stored overdue
    ("editActivity", (1, REV_IGNORE, {"status": 2}), {}),
    ("editActivity", (8, REV_IGNORE, {"status": 1, "note": "logged it"}), {}),  # scheduled
    (
        "newTask",
        (
            {
                "title": "Do it",
                "dueTime": "2030-02-01T00:00:00+0000",
                "entity": {"entityType": "Leads", "id": 5},
            },
        ),
        {},
    ),
    (
        "newTask",
        (
            {
                "title": "Done",
                "completedTime": "2025-02-01T00:00:00+0000",
                "assignee": {"entityType": "Users", "id": 2},
            },
        ),
        {"$.rev": TWO_WRITES},
    ),
    (
        "editTask",
        (1, REV_IGNORE, {"title": "Retitled", "completedTime": "2025-03-01T00:00:00+0000"}),
        {},
    ),
    ("newNote", ({"entityType": "Leads", "id": 5}, "a note"), {}),
    (
        "newNote",
        ({"entityType": "Accounts", "id": 2}, "two\nlines & <tags>"),
        {},
    ),
    ("newTag", ({"name": "Hot", "entityType": "Contacts"},), {}),
    ("newSource", ("Webinar",), {}),
    ("newSource", ("referral",), {}),  # an existing source, named in another case
]


def _scenario_id(scenario: tuple[str, tuple[Any, ...], Mapping[str, str]]) -> str:
    return scenario[0]


@pytest.mark.parametrize(("method", "args", "stored"), SCENARIOS, ids=map(_scenario_id, SCENARIOS))
def test_a_write_means_the_same_through_either_route(
    pair: Pair, method: str, args: tuple[Any, ...], stored: Mapping[str, str]
) -> None:
    """Result: equal except the translator's declared differences. Store: equal through a
    direct ``get*`` except the stored differences declared above."""
    direct = pair.rpc_a.call(method, *args)
    bridged = pair.bridge.call(method, *args)
    translator = WRITES[method]
    assert is_bridge_rev(bridged["rev"])
    json.dumps(bridged)  # a result is plain JSON
    result_diff = diff(
        direct, bridged, ignore=translator.ignored_paths, normalizers=translator.normalizers
    )
    assert not result_diff, render(result_diff)
    # A stored difference tolerated here is one the translator declares, saying so.
    declared = {d.path: d.reason for d in translator.differences}
    for glob in stored:
        if not glob.endswith(".rev"):  # revs: declared as $..rev, which covers write counts
            assert "stored" in declared.get(glob, ""), (glob, method)
    # What each store now holds, read back the same way on both.
    getter = GETTERS.get(translator.rpc.entity or "")
    assert direct["id"] == bridged["id"]  # same seed, same writes: same ids
    if getter is None:  # tags and sources have no get*: read them through find*
        finder = {"Tag": "findTags", "Source": "findSources"}[translator.rpc.entity or ""]
        assert pair.rpc_a.call(finder) == pair.rpc_b.call(finder)
        return
    stored_diff = diff(
        pair.rpc_a.call(getter, direct["id"]),
        pair.rpc_b.call(getter, bridged["id"]),
        ignore=tuple(stored),
    )
    assert not stored_diff, render(stored_diff)


def test_links_written_on_the_other_side_are_the_same(pair: Pair) -> None:
    """A contact's ``leads`` live on the leads, an account's ``contacts`` on the contacts: the
    records on the other side end the same on both routes."""
    for api in (pair.rpc_a, pair.bridge):
        api.call("editContact", 3, REV_IGNORE, {"leads": [{"id": 5}, {"id": 7}]})
        api.call("editAccount", 2, REV_IGNORE, {"contacts": [{"id": 56}]})
    # Contact 3's rev: the RPC API also writes the contact itself (its own copy of the links,
    # emptied), which changes nothing visible; REST has no such link on a contact to write.
    contact_rev = {"$.contacts[id=3].rev": NO_OP_REV, "$.rev": NO_OP_REV}
    for getter, record_id, ignore in (
        ("getLead", 5, ("$.contacts[id=3].rev",)),
        ("getLead", 7, ("$.contacts[id=3].rev",)),
        ("getContact", 56, ()),
        ("getContact", 3, ("$.rev",)),
        ("getAccount", 2, ()),
    ):
        assert set(ignore) <= set(contact_rev)
        found = diff(
            pair.rpc_a.call(getter, record_id), pair.rpc_b.call(getter, record_id), ignore=ignore
        )
        assert not found, render(found)


DELETES = [
    ("deleteLead", 5),
    ("deleteContact", 3),
    ("deleteAccount", 2),
    ("deleteTask", 1),
    ("deleteNote", 1),
    ("deleteProduct", 1),
]


@pytest.mark.parametrize(("method", "record_id"), DELETES)
def test_every_mapped_write_leaves_the_store_in_the_same_state(
    pair: Pair, method: str, record_id: int
) -> None:
    assert WRITES[method].status is Status.MAPPED
    assert pair.rpc_a.call(method, record_id, REV_IGNORE) is True
    assert pair.bridge.call(method, record_id, REV_IGNORE) is True
    getter = GETTERS[WRITES[method].rpc.entity or ""]
    trashed_a = pair.rpc_a.call(getter, record_id)
    assert "deletedTime" in trashed_a
    assert trashed_a == pair.rpc_b.call(getter, record_id)
    # Nothing else moved either: the stores hold the same records, live and trashed.
    state_a, state_b = pair.a.store.state(), pair.b.store.state()
    assert state_a["live"] == state_b["live"] and state_a["trash"] == state_b["trash"]


# -- revs ---------------------------------------------------------------------------------------


#: The RPC edit that moves a record's rev on, by entity (notes cannot be edited here: editNote
#: only works within 24 hours of writing, and the seeded notes are older).
RPC_EDITS = {
    "Lead": "editLead",
    "Contact": "editContact",
    "Account": "editAccount",
    "Activity": "editActivity",
    "Task": "editTask",
    "Product": "editProduct",
}


def _stale_rev(rpc: RpcAPI, entity: str, record_id: int) -> str:
    """A rev that was current a moment ago: read it, then edit the record through RPC (an edit
    always writes). A note's rev is made up instead: one that was never current is as stale."""
    if entity not in RPC_EDITS:
        return "999"
    rev: str = rpc.call(GETTERS[entity], record_id)["rev"]
    rpc.call(RPC_EDITS[entity], record_id, rev, {})
    return rev


EDIT_AND_DELETE = [
    ("editLead", 5, {"description": "x"}),
    ("deleteLead", 5, None),
    ("editContact", 3, {"jobTitle": "x"}),
    ("deleteContact", 3, None),
    ("editAccount", 2, {"name": "x"}),
    ("deleteAccount", 2, None),
    ("editActivity", 1, {"name": "x"}),
    ("editTask", 1, {"title": "x"}),
    ("deleteTask", 1, None),
    ("deleteNote", 1, None),
    ("deleteProduct", 1, None),
]


@pytest.mark.parametrize(("method", "record_id", "entity"), EDIT_AND_DELETE)
def test_a_stale_rpc_rev_fails_identically_on_both_routes_before_any_write(
    pair: Pair, method: str, record_id: int, entity: Mapping[str, Any] | None
) -> None:
    kind = RPC_METHODS[method].entity or ""
    stale = _stale_rev(pair.rpc_a, kind, record_id)
    assert _stale_rev(pair.rpc_b, kind, record_id) == stale  # the same history on both
    args = (record_id, stale) if entity is None else (record_id, stale, entity)
    direct = _outcome(pair.rpc_a, method, args)
    before = pair.b.store.state()
    writes_before = len(pair.writes_of("b.nutshell.com"))
    bridged = _outcome(pair.bridge, method, args)
    assert isinstance(direct, errors.ConflictError), direct
    assert (direct.message, direct.status, direct.code) == ("rev key is out-of-date", 409, 409)
    _same_error(direct, bridged)
    # Refused before anything was written.
    assert len(pair.writes_of("b.nutshell.com")) == writes_before
    assert pair.b.store.state()["live"] == before["live"]


def test_a_stale_bridge_rev_fails_on_both_routes(pair: Pair) -> None:
    rpc_routed = _bridge(_host("b"), Mode.RPC)
    issued = pair.bridge.editLead(5, REV_IGNORE, {"description": "bridged"})["rev"]
    assert is_bridge_rev(issued)
    pair.rpc_b.editLead(5, REV_IGNORE, {"description": "changed since"})  # issued is now stale
    reference = _outcome(pair.rpc_b, "editLead", (5, "999", {}))
    assert isinstance(reference, errors.ConflictError)
    for api in (pair.bridge, rpc_routed):
        refused = _outcome(api, "editLead", (5, issued, {"description": "lost update"}))
        _same_error(reference, refused)
        refused = _outcome(api, "deleteLead", (5, issued))
        _same_error(reference, refused)
    assert pair.rpc_b.getLead(5)["description"] == "changed since"


def test_rev_ignore_passes_on_both_routes(pair: Pair) -> None:
    rpc_routed = _bridge(_host("b"), Mode.RPC)
    for api, text in ((pair.rpc_b, "direct"), (rpc_routed, "routed"), (pair.bridge, "bridged")):
        assert api.editLead(5, REV_IGNORE, {"description": text})["description"] == text
    assert pair.bridge.deleteTask(1, REV_IGNORE) is True


def test_revs_cross_routes(pair: Pair) -> None:
    """A rev the bridge issued works for an RPC-routed edit; an RPC rev for a REST-routed one;
    and each route's fresh rev works for the next edit on the same route."""
    rpc_routed = _bridge(_host("b"), Mode.RPC)
    bridged = pair.bridge.editLead(5, REV_IGNORE, {"description": "one"})
    # What a bridged read issues is the same rev: the record as REST has it now.
    context = pair.bridge.context
    assert context.present_one(context.fetch(Lead, 5))["rev"] == bridged["rev"]
    routed = rpc_routed.editLead(5, bridged["rev"], {"description": "two"})
    assert routed["description"] == "two" and not is_bridge_rev(routed["rev"])
    again = pair.bridge.editLead(5, routed["rev"], {"description": "three"})
    assert again["description"] == "three"
    last = pair.bridge.editLead(5, again["rev"], {"description": "four"})
    assert pair.rpc_b.getLead(5)["description"] == last["description"] == "four"
    assert pair.bridge.deleteLead(5, last["rev"]) is True


def test_an_rpc_rev_is_never_ignored_without_an_rpc_client(pair: Pair) -> None:
    """With no JSON-RPC client to check it, an RPC rev is refused, not skipped."""
    rest = RestClient(DEFAULT_EMAIL, DEFAULT_API_KEY, base_url=f"{_host('b')}/rest")
    context = BridgeContext(rest=rest, cache=ReferenceCache(rest), username=DEFAULT_EMAIL)
    rev = pair.rpc_b.getLead(5)["rev"]
    with pytest.raises(errors.NotBridgeable, match="RPC rev"):
        WRITES["editLead"](context, {"leadId": 5, "rev": rev, "lead": {"description": "x"}})
    assert pair.writes_of("b.nutshell.com") == []
    assert WRITES["editLead"](context, {"leadId": 5, "rev": REV_IGNORE, "lead": {}})["id"] == 5


# -- refusals -----------------------------------------------------------------------------------


def _params(method: str) -> dict[str, Any]:
    """Placeholder params for every parameter of a method (refused before they are read)."""
    return {p.name: 1 if p.name.endswith("Id") else {} for p in RPC_METHODS[method].params}


@pytest.mark.parametrize("method", sorted(UNSUPPORTED))
def test_unsupported_writes_fail_before_any_request(pair: Pair, method: str) -> None:
    before = len(pair.mock.calls)
    with pytest.raises(errors.NotBridgeable) as caught:
        pair.bridge.call_named(RPC_METHODS[method], _params(method))
    assert caught.value.method == method
    assert caught.value.reason == WRITES[method].reason and caught.value.reason in str(caught.value)
    assert len(pair.mock.calls) == before


@pytest.mark.parametrize("method", sorted(SUPPORTED | set(UNSUPPORTED)))
def test_writes_cannot_be_routed_to_run_twice(method: str) -> None:
    for mode in ("shadow", "shadow-rest"):
        with pytest.raises(errors.ConfigurationError, match="write would run twice"):
            Routes.from_mapping({method: mode})
    Routes.from_mapping({method: "rest"})  # the two single routes are fine
    Routes.from_mapping({method: "rpc"})
    Routes.from_mapping({method: "rest-fallback"})  # falls back only before a write is sent


def test_the_facade_validates_routes_when_built_and_changed() -> None:
    with pytest.raises(errors.ConfigurationError):
        Routes({"editLead": Mode.SHADOW})
    with pytest.raises(errors.ConfigurationError):
        _bridge(_host("b"), Mode.RPC).route("editLead", "shadow")
    with pytest.raises(errors.ConfigurationError):
        BridgeAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, routes={"editLead": "shadow"})
    with pytest.raises(errors.ConfigurationError, match="route every write"):
        Routes({}, default=Mode.SHADOW)


REFUSED_INPUT = [
    ("newLead", ({"closedTime": "2025-01-01T00:00:00+0000"},), "closedTime"),
    ("newLead", ({"isPending": True},), "pending"),
    ("editLead", (5, REV_IGNORE, {"status": 1}), "pending"),
    ("editLead", (5, REV_IGNORE, {"description": "x", "closedTime": None}), "closedTime"),
    (
        "newActivity",
        (
            {
                "startTime": "2030-01-01T10:00:00+0000",
                "endTime": "2030-01-01T11:00:00+0000",
                "status": -1,
            },
        ),
        "overdue",
    ),
    ("editActivity", (1, REV_IGNORE, {"isTimed": False}), "isTimed"),
]


@pytest.mark.parametrize(("method", "args", "words"), REFUSED_INPUT)
def test_input_rest_cannot_write_is_refused_before_any_write(
    pair: Pair, method: str, args: tuple[Any, ...], words: str
) -> None:
    with pytest.raises(errors.NotBridgeable, match=words) as caught:
        pair.bridge.call(method, *args)
    assert caught.value.method == method
    declared = {d.path for d in WRITES[method].differences if d.is_param}
    assert declared, "refused input is declared as a parameter difference"
    assert pair.writes_of("b.nutshell.com") == []


BAD_INPUT = [
    ("newLead", ({"sources": [{"id": 999}]},)),
    ("newLead", ({"milestoneId": 999},)),
    ("newLead", ({"products": [{"id": 999}]},)),
    ("newLead", ({"bogus": 1},)),
    ("editLead", (5, REV_IGNORE, {"confidence": 300})),
    ("editLead", (5, REV_IGNORE, {"stagesetId": 1, "milestoneId": 999})),
    ("editLead", (9999, REV_IGNORE, {"description": "x"})),
    ("deleteLead", (9999, REV_IGNORE)),
    ("newContact", ({"description": "no name, phone or email"},)),
    ("newAccount", ({"description": "no name"},)),
    ("newActivity", ({"name": "no times"},)),
    (
        "newActivity",
        ({"startTime": "2025-01-01T10:00:00+0000", "endTime": "2025-01-01T09:00:00+0000"},),
    ),
    ("newTask", ({"description": "no title"},)),
    ("newNote", ({"entityType": "Leads", "id": 9999}, "x")),
    ("newNote", ({"entityType": "Teams", "id": 1}, "x")),
    ("newNote", ({"entityType": "Leads", "id": 5}, "  ")),
    ("newTag", ({"name": "vip", "entityType": "Leads"},)),
    ("newTag", ({"name": "x"},)),
    ("newSource", ("  ",)),
    ("deleteProduct", (999, REV_IGNORE)),
    # Links kept on the other record (one PATCH each, after the record is written): a missing
    # or impossible id is refused before anything is written, as over JSON-RPC.
    ("newContact", ({"name": "Linked", "leads": [{"id": 5}, {"id": 999999}]},)),
    ("editContact", (3, REV_IGNORE, {"leads": [{"id": 999999}]})),
    ("editContact", (3, REV_IGNORE, {"leads": [{"id": -1}]})),
    ("newAccount", ({"name": "Linked", "contacts": [{"id": 999999}]},)),
    ("editAccount", (2, REV_IGNORE, {"contacts": [{"id": 3}, {"id": 2**70}]})),
    ("editLead", (5, REV_IGNORE, {"contacts": [{"id": -1}]})),
    # The input's own position is named (links are deduplicated when read), and links come
    # before a missing name, in the input's order.
    ("editContact", (3, REV_IGNORE, {"leads": [{"id": 5}, {"id": 5}, {"id": 999999}]})),
    ("newAccount", ({"contacts": [{"id": 999999}]},)),
    # A rev that is no string (nor a PHP client's integer) is a 400, not a stale rev.
    ("editLead", (5, 1.0, {"description": "x"})),
    ("deleteContact", (3, [])),
    ("editTask", (1, {}, {"title": "x"})),
]


@pytest.mark.parametrize(("method", "args"), BAD_INPUT)
def test_bad_input_fails_identically_on_both_routes(
    pair: Pair, method: str, args: tuple[Any, ...]
) -> None:
    direct = _outcome(pair.rpc_a, method, args)
    bridged = _outcome(pair.bridge, method, args)
    assert isinstance(direct, errors.APIError), direct
    _same_error(direct, bridged)
    assert pair.writes_of("b.nutshell.com") == []


# -- how writes go out --------------------------------------------------------------------------


def _patches(pair: Pair) -> list[Any]:
    return [
        json.loads(c.request.body or b"")
        for c in pair.mock.calls
        if c.request.method == "PATCH" and "b.nutshell.com" in str(c.request.url)
    ]


def test_an_edit_is_one_patch_of_what_changed_with_lists_replaced_whole(pair: Pair) -> None:
    confidence = pair.rpc_b.getLead(5)["confidence"]  # sent unchanged
    pair.bridge.editLead(5, REV_IGNORE, {"description": "new words", "confidence": confidence,
                                         "contacts": [{"id": 3}, {"id": 56}]})  # fmt: skip
    (patch,) = _patches(pair)
    assert patch == [
        {"op": "replace", "path": "/leads/0/description", "value": "new words"},
        {
            "op": "replace",
            "path": "/leads/0/links/contacts",
            "value": ["3-contacts", "56-contacts"],
        },
    ]  # the confidence was unchanged: not sent


def test_lead_workflow_uses_the_lead_endpoints_in_rpc_order(pair: Pair) -> None:
    pair.bridge.editLead(5, REV_IGNORE, {"stagesetId": 1, "milestoneId": 104, "outcome": {"id": 1},
                                         "description": "won it", "note": "done"})  # fmt: skip
    assert pair.writes_of("b.nutshell.com") == [
        "PATCH /rest/leads/5-leads",  # the stage (already on pipeline 1: no move)
        "POST /rest/leads/5-leads/status",
        "PATCH /rest/leads/5-leads",
        "POST /rest/notes",
    ]
    assert pair.rpc_b.getLead(5)["status"] == 10
    pair.bridge.editLead(5, REV_IGNORE, {"status": 0})
    assert pair.writes_of("b.nutshell.com")[-1] == "POST /rest/leads/5-leads/reopen"


def test_new_source_gets_or_creates(pair: Pair) -> None:
    existing = pair.bridge.newSource("REFERRAL")
    assert existing["name"] == "Referral" and pair.writes_of("b.nutshell.com") == []
    # Created through RPC after the bridge cached the list: found, not created twice.
    pair.rpc_b.newSource("Podcast")
    found = pair.bridge.newSource("podcast")
    assert pair.writes_of("b.nutshell.com") == []
    created = pair.bridge.newSource("Billboard")
    assert pair.writes_of("b.nutshell.com") == ["POST /rest/sources"]
    assert pair.bridge.newSource("Billboard")["id"] == created["id"]
    names = [s.name for s in pair.b.store.all(Source)]
    assert names.count("Podcast") == 1 and names.count("Billboard") == 1
    assert found["id"] == next(s.id for s in pair.b.store.all(Source) if s.name == "Podcast")


def test_new_tag_names_are_created_once(pair: Pair) -> None:
    pair.bridge.newLead({"tags": ["Fresh", "VIP"]})
    pair.bridge.newLead({"tags": ["Fresh"]})
    assert pair.writes_of("b.nutshell.com").count("POST /rest/tags") == 1
    assert [t.name for t in pair.b.store.all(Tag)].count("Fresh") == 1


def test_note_keys_append_notes_on_both_routes(pair: Pair) -> None:
    for api in (pair.rpc_a, pair.bridge):
        api.editContact(3, REV_IGNORE, {"note": "first"})
        api.editContact(3, REV_IGNORE, {"note": "second"})
    for store in (pair.a.store, pair.b.store):
        bodies = [
            n.body
            for n in store.all(Note)
            if isinstance(n.parent, Ref) and (n.parent.entity, n.parent.id) == ("Contact", 3)
        ]
        assert bodies == ["first", "second"]


def test_a_contact_renamed_or_cleared_through_rest_reads_the_same_over_json_rpc(
    pair: Pair,
) -> None:
    """One contact, written the same way on both stores: its name parts follow a REST rename
    as they follow a legacy one, and its contact points clear with an empty list."""
    made = [
        rpc.newContact({"name": "Dr. Bob Ray", "email": ["bob@x.com"], "phone": ["5550100"]})
        for rpc in (pair.rpc_a, pair.rpc_b)
    ]
    assert made[0]["id"] == made[1]["id"] and made[0]["name"]["salutation"] == "Dr."
    contact_id = made[0]["id"]
    for edit in (
        {"name": "Bobby Rayzor"},
        {"email": [], "phone": []},
        {"name": "Robert Ray Jr", "description": "renamed again"},
    ):
        pair.rpc_a.editContact(contact_id, REV_IGNORE, edit)
        pair.bridge.editContact(contact_id, REV_IGNORE, edit)
        direct, bridged = pair.rpc_a.getContact(contact_id), pair.rpc_b.getContact(contact_id)
        for key in ("name", "htmlUrl", "email", "phone", "description"):
            assert direct.get(key) == bridged.get(key), (edit, key)
    assert bridged["name"]["givenName"] == "Robert Ray" and "email" not in bridged
    # A REST client's rename (the name alone) reads as the same legacy rename would.
    pair.rpc_a.editContact(contact_id, REV_IGNORE, {"name": "Dr. Jean de la Rue"})
    rest = pair.bridge.context.rest
    rest.contacts.update(contact_id, Patch("contacts").replace("name", "Dr. Jean de la Rue"))
    direct, bridged = pair.rpc_a.getContact(contact_id), pair.rpc_b.getContact(contact_id)
    assert direct["name"] == bridged["name"]
    assert bridged["name"]["salutation"] == "Dr." and bridged["name"]["familyName"] == "Rue"


def test_a_reordered_link_list_keeps_the_order_sent_on_both_routes(pair: Pair) -> None:
    """The same members in another order is a change: a lead's first contact is its primary
    one in the legacy view."""
    for contacts, tags in (([3, 56], ["Q4", "Fresh"]), ([56, 3], ["Fresh", "Q4"])):
        edit = {"contacts": [{"id": i} for i in contacts], "tags": tags}
        pair.rpc_a.editLead(5, REV_IGNORE, edit)
        pair.bridge.editLead(5, REV_IGNORE, edit)
        direct, bridged = pair.rpc_a.getLead(5), pair.rpc_b.getLead(5)
        assert [c["id"] for c in direct["contacts"]] == contacts
        assert [c["id"] for c in bridged["contacts"]] == contacts
        assert bridged["tags"] == direct["tags"] == tags
