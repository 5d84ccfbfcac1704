"""The catalog is complete and internally consistent.

The REST side is checked against ``tests/fixtures/openapi-operations.json``, a list of every
(method, path) pair in Nutshell's OpenAPI document, derived once by
``tests/fixtures/derive_openapi_operations.py``. The document itself is not needed here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutshell_core.catalog import (
    REQUIRED,
    REST_OPERATIONS,
    RPC_METHODS,
    Access,
    Paging,
    Param,
    RestOperation,
    Returns,
    RpcMethod,
    rest_operation,
    rpc_method,
)
from nutshell_core.errors import UnknownMethodError

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "openapi-operations.json"

# Every method named in the JSON-RPC reference (section 4, every table) plus discovery (section 1).
# Kept literal on purpose: a row dropped from the catalog must fail here, not silently shrink both.
EXPECTED_RPC_METHODS = (
    "getApiForUsername",
    # leads
    "findLeads",
    "getLead",
    "newLead",
    "editLead",
    "deleteLead",
    "searchLeads",
    "findLead_Outcomes",
    "findMilestones",
    "findStagesets",
    "findMarkets",
    "findCompetitors",
    "findOrigins",
    "findSources",
    "findIndustries",
    "findTerritories",
    "findAccountTypes",
    "findActivityTypes",
    "findTeams",
    "findDelays",
    "findSettings",
    "findAudiences",
    "findTimeline",
    "editStep",
    # contacts
    "findContacts",
    "getContact",
    "newContact",
    "editContact",
    "deleteContact",
    "searchContacts",
    "searchContactsAndUsers",
    # accounts
    "findAccounts",
    "getAccount",
    "newAccount",
    "editAccount",
    "deleteAccount",
    "searchAccounts",
    # activities, notes, tasks
    "findActivities",
    "getActivity",
    "newActivity",
    "editActivity",
    "deleteActivity",
    "searchActivityParticipants",
    "getNote",
    "newNote",
    "editNote",
    "deleteNote",
    "findTasks",
    "getTask",
    "newTask",
    "editTask",
    "deleteTask",
    # products, users, teams, tags, sources, misc
    "findProducts",
    "getProduct",
    "newProduct",
    "editProduct",
    "deleteProduct",
    "searchProducts",
    "getUser",
    "findUsers",
    "newUser",
    "editUser",
    "deleteUser",
    "getTeam",
    "newTeam",
    "editTeam",
    "deleteTeam",
    "searchUsersAndTeams",
    "findTags",
    "newTag",
    "newSource",
    "searchSources",
    "searchUniversal",
    "searchByEmail",
    "findCustomFields",
    "describeCustomFields",
    "getAnalyticsReport",
    "getUpdateTimes",
    "getMobileSettings",
    "findBackups",
    "newBackup",
    "instanceData",
    "getEmail",
    "newEmail",
    "addEmail",
    "add",
)

# Names the reference says do not exist; a catalog row for one would be an invention.
NONEXISTENT_RPC_METHODS = ("findPipelines", "findStages", "findLeadOutcomes", "undeleteLead")

RPC_ENTITIES = frozenset(
    {
        "Lead",
        "Contact",
        "Account",
        "Activity",
        "Task",
        "Note",
        "Product",
        "ProductMap",
        "Stageset",
        "Stage",
        "Outcome",
        "User",
        "Team",
        "Tag",
        "Source",
        "Market",
        "Territory",
        "Industry",
        "AccountType",
        "ActivityType",
        "Competitor",
        "Origin",
        "Email",
        "Step",
        "Delay",
        "Setting",
        "Audience",
        "CustomField",
    }
)

REST_ENTITIES = frozenset(
    {
        "Lead",
        "Account",
        "Contact",
        "Activity",
        "ActivityType",
        "AccountType",
        "Task",
        "Note",
        "Product",
        "ProductMap",
        "ProductCategory",
        "Competitor",
        "CompetitorMap",
        "Stageset",
        "Stage",
        "Outcome",
        "Source",
        "Tag",
        "User",
        "Territory",
        "Market",
        "Industry",
        "Audience",
        "Event",
        "Filter",
        "Form",
        "Email",
        "Edition",
        "Quote",
        "Invoice",
    }
)

# POSTs that change state to a fixed value, so replaying them is harmless.
WEBHOOK_ACTIONS = frozenset({"create", "update", "delete", "undelete", "stagechange"})


def _load_openapi_operations() -> set[tuple[str, str]]:
    pairs = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return {(method, path) for method, path in pairs}


# --- REST: completeness ------------------------------------------------------------------------


def test_fixture_is_sorted_and_has_112_operations() -> None:
    pairs = [tuple(p) for p in json.loads(FIXTURE.read_text(encoding="utf-8"))]
    assert pairs == sorted(pairs)
    assert len(pairs) == len(set(pairs)) == 112


def test_rest_operations_match_openapi_exactly() -> None:
    expected = _load_openapi_operations()
    actual = {op.key for op in REST_OPERATIONS}
    missing = sorted(expected - actual)
    invented = sorted(actual - expected)
    assert not missing and not invented, (
        f"missing from catalog ({len(missing)}): {missing}; "
        f"not in OpenAPI ({len(invented)}): {invented}"
    )


def test_rest_operations_have_no_duplicates() -> None:
    keys = [op.key for op in REST_OPERATIONS]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"listed more than once: {duplicates}"


def test_rest_keeps_openapi_spelling_quirks() -> None:
    keys = {op.key for op in REST_OPERATIONS}
    assert ("GET", "/productmaps/{id}") in keys
    assert ("DELETE", "/productMaps/{id}") in keys
    assert ("GET", "/forms/{id}") in keys
    assert ("GET", "/forms/{fieldId}") in keys


# --- REST: consistency -------------------------------------------------------------------------


@pytest.mark.parametrize("op", REST_OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_rest_row_is_consistent(op: RestOperation) -> None:
    assert op.method in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert op.path.startswith("/")
    assert op.entity is None or op.entity in REST_ENTITIES
    assert op.access is (Access.READ if op.method == "GET" else Access.WRITE)
    # Only reads and the full-body PUT may be replayed after they might have been applied.
    assert op.idempotent == (op.method in ("GET", "PUT"))
    if op.access is Access.READ:
        assert op.webhook_event is None
    else:
        assert op.paging is Paging.NONE
        assert op.webhook_event is None or op.webhook_event in WEBHOOK_ACTIONS
    if op.method == "PATCH":
        assert op.primary_key is None  # 204 No Content
    # A CURSOR or PAGE listing must say where its records are.
    if op.paging is not Paging.NONE:
        assert op.primary_key is not None


def test_rest_paging_follows_openapi_and_live_evidence() -> None:
    paged = {op.path for op in REST_OPERATIONS if op.paging is Paging.PAGE}
    assert paged == {
        "/accounts",
        "/contacts",
        "/leads",
        "/activities",
        "/tasks",
        "/notes",
        "/quotes",
        "/invoices",
    }
    cursor = {op.path for op in REST_OPERATIONS if op.paging is Paging.CURSOR}
    assert cursor == {"/events", "/events/deleted"}


@pytest.mark.parametrize(
    ("method", "path", "key"),
    [
        ("GET", "/accounttypes", "accountTypes"),
        ("GET", "/activitytypes", "activityTypes"),
        ("GET", "/audiences", "emAudiences"),
        ("GET", "/competitormaps", "competitorMaps"),
        ("GET", "/productmaps", "productMaps"),
        ("DELETE", "/productMaps/{id}", "productMaps"),
        ("GET", "/leads/list", "listItems"),
        ("GET", "/accounts/customfields/attributes", "customFields"),
        ("GET", "/leads/report", "reports"),
        ("GET", "/productcategories", "productCategories"),
        ("GET", "/forms", "wfForms"),
        ("GET", "/leads/{id}", "leads"),
        ("POST", "/leads/{id}/status", "leads"),
        ("GET", "/stagesets/{id}/export", None),
        ("PATCH", "/leads/{id}", None),
        ("DELETE", "/contacts/{id}", None),
    ],
)
def test_rest_primary_key_exceptions(method: str, path: str, key: str | None) -> None:
    assert rest_operation(method, path).primary_key == key


@pytest.mark.parametrize(
    ("method", "path", "event"),
    [
        ("POST", "/leads", "create"),
        ("POST", "/notes", "create"),
        ("PATCH", "/contacts/{id}", "update"),
        ("PUT", "/activities/{id}", "update"),
        ("DELETE", "/tasks/{id}", "delete"),
        ("POST", "/accounts/{id}/undelete", "undelete"),
        ("POST", "/leads/{id}/stageset", "stagechange"),
        ("POST", "/leads/{id}/status", "update"),
        ("POST", "/leads/{id}/reopen", "update"),
        ("GET", "/leads", None),
    ],
)
def test_rest_webhook_events(method: str, path: str, event: str | None) -> None:
    assert rest_operation(method, path).webhook_event == event


def test_rest_operation_lookup() -> None:
    op = rest_operation("post", "/leads/{id}/stageset")
    assert op.key == ("POST", "/leads/{id}/stageset")
    assert op.entity == "Lead"
    with pytest.raises(UnknownMethodError):
        rest_operation("GET", "/pipelines")
    with pytest.raises(UnknownMethodError):
        # The path template is matched exactly, case included.
        rest_operation("DELETE", "/productmaps/{id}")


@given(st.sampled_from(REST_OPERATIONS), st.sampled_from([str.lower, str.upper, str.title]))
def test_rest_operation_finds_every_row_whatever_the_method_case(
    op: RestOperation, case: Callable[[str], str]
) -> None:
    assert rest_operation(case(op.method), op.path) is op


# --- RPC: completeness -------------------------------------------------------------------------


def test_every_rpc_method_in_the_reference_is_catalogued() -> None:
    missing = sorted(set(EXPECTED_RPC_METHODS) - set(RPC_METHODS))
    assert not missing, f"missing RPC methods: {missing}"


def test_rpc_catalog_invents_nothing() -> None:
    extra = sorted(set(RPC_METHODS) - set(EXPECTED_RPC_METHODS))
    assert not extra, f"RPC methods not in the reference: {extra}"
    assert not set(NONEXISTENT_RPC_METHODS) & set(RPC_METHODS)


def test_expected_list_has_no_duplicates() -> None:
    assert len(EXPECTED_RPC_METHODS) == len(set(EXPECTED_RPC_METHODS))


def test_rpc_methods_is_read_only() -> None:
    with pytest.raises(TypeError):
        RPC_METHODS["nope"] = RPC_METHODS["add"]  # type: ignore[index]


# --- RPC: consistency --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RPC_METHODS))
def test_rpc_row_is_consistent(name: str) -> None:
    method = RPC_METHODS[name]
    assert method.name == name
    names = method.param_names
    assert len(names) == len(set(names)), f"duplicate parameter names: {names}"
    required = [p.required for p in method.params]
    assert required == sorted(required, reverse=True), "a required param follows an optional one"
    assert method.entity is None or method.entity in RPC_ENTITIES
    assert method.idempotent == (method.access is Access.READ)
    assert method.doc


def _rpc_rows(prefix: str) -> list[RpcMethod]:
    return [m for name, m in sorted(RPC_METHODS.items()) if name.startswith(prefix)]


def test_get_methods_take_an_id_and_an_optional_rev() -> None:
    for method in _rpc_rows("get"):
        if "rev" not in method.param_names:
            continue
        assert method.param_names[-1] == "rev"
        assert not method.params[-1].required
        assert method.returns is Returns.RECORD
        assert method.access is Access.READ


def test_edit_methods_require_id_rev_and_entity() -> None:
    rows = _rpc_rows("edit")
    assert rows
    for method in rows:
        assert len(method.params) == 3, method.name
        assert method.param_names[1] == "rev", method.name
        assert all(p.required for p in method.params), method.name
        assert method.access is Access.WRITE
        assert not method.idempotent  # a replay 409s, or with REV_IGNORE applies twice
        assert method.returns is Returns.RECORD


def test_delete_methods_require_id_and_rev_and_return_a_boolean() -> None:
    rows = _rpc_rows("delete")
    assert rows
    for method in rows:
        assert method.param_names[1:] == ("rev",), method.name
        assert all(p.required for p in method.params), method.name
        assert method.access is Access.WRITE
        assert not method.idempotent  # a replay after success answers 409 or 404
        assert method.returns is Returns.BOOLEAN


def test_new_methods_are_writes_that_are_not_idempotent() -> None:
    for method in _rpc_rows("new"):
        assert method.access is Access.WRITE, method.name
        assert not method.idempotent, method.name


def test_search_methods_take_a_string() -> None:
    for method in _rpc_rows("search"):
        assert method.params[0].required, method.name
        assert method.access is Access.READ


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("getApiForUsername", (Param("username"),)),
        ("add", (Param("num1"), Param("num2"))),
        ("findTags", ()),
        ("newTag", (Param("tag"),)),
        ("newSource", (Param("name"),)),
        ("newNote", (Param("entity"), Param("note"))),
        ("searchByEmail", (Param("emailAddressString"),)),
        ("searchLeads", (Param("string"), Param("limit", 40))),
        ("searchContacts", (Param("string"), Param("limit", 10))),
        ("getUser", (Param("userId", None), Param("rev", None))),
        ("editLead", (Param("leadId"), Param("rev"), Param("lead"))),
        ("deleteActivity", (Param("activityId"), Param("rev"))),
        (
            "getAnalyticsReport",
            (Param("reportType"), Param("period"), Param("filter", None), Param("options", None)),
        ),
        (
            "findTasks",
            (
                Param("query", None),
                Param("orderBy", "due_time"),
                Param("orderDirection", "ASC"),
                Param("limit", 50),
                Param("page", 1),
                Param("stubResponses", True),
            ),
        ),
        (
            "findProducts",
            (
                Param("orderBy", "name"),
                Param("orderDirection", "ASC"),
                Param("limit", 50),
                Param("page", 1),
                Param("stubResponses", True),
            ),
        ),
        (
            "findLead_Outcomes",
            (
                Param("orderBy", "description"),
                Param("orderDirection", "ASC"),
                Param("limit", 50),
                Param("page", 1),
            ),
        ),
    ],
)
def test_rpc_signatures_from_the_reference(name: str, params: tuple[Param, ...]) -> None:
    assert rpc_method(name).params == params


@pytest.mark.parametrize(
    ("name", "entity", "returns"),
    [
        ("findMilestones", "Stage", Returns.RECORDS),
        ("findStagesets", "Stageset", Returns.RECORDS),
        ("findLead_Outcomes", "Outcome", Returns.RECORDS),
        ("findTimeline", None, Returns.RECORDS),
        ("findLeads", "Lead", Returns.STUBS),
        ("findTags", "Tag", Returns.MAP),
        ("searchUniversal", None, Returns.MAP),
        ("describeCustomFields", "CustomField", Returns.MAP),
        ("getApiForUsername", None, Returns.MAP),
        ("add", None, Returns.VALUE),
    ],
)
def test_rpc_entities_and_results(name: str, entity: str | None, returns: Returns) -> None:
    method = rpc_method(name)
    assert method.entity == entity
    assert method.returns is returns


def test_find_q_defaults() -> None:
    method = rpc_method("findLeads")
    assert method.param_names == (
        "query",
        "orderBy",
        "orderDirection",
        "limit",
        "page",
        "stubResponses",
    )
    assert [p.default for p in method.params] == [None, "id", "ASC", 50, 1, True]
    assert not any(p.required for p in method.params)


def test_required_marker() -> None:
    assert Param("x").default is REQUIRED
    assert Param("x").required
    assert not Param("x", None).required
    assert repr(REQUIRED) == "REQUIRED"


def test_rpc_method_lookup() -> None:
    assert rpc_method("findLead_Outcomes").name == "findLead_Outcomes"
    with pytest.raises(UnknownMethodError):
        rpc_method("nope")
    with pytest.raises(UnknownMethodError):
        rpc_method("findleads")  # names are case-sensitive


@given(st.text(max_size=30).filter(lambda s: s not in RPC_METHODS))
def test_rpc_method_rejects_every_unknown_name(name: str) -> None:
    with pytest.raises(UnknownMethodError):
        rpc_method(name)


def test_derived_operations_fixture_matches_the_shipped_openapi_document() -> None:
    spec_path = Path(__file__).resolve().parents[1] / "fixtures" / "rest" / "nutshell-openapi.json"
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    methods = {"get", "post", "put", "patch", "delete"}
    from_spec = sorted(
        [m.upper(), path] for path, ops in spec["paths"].items() for m in ops if m in methods
    )
    assert from_spec == sorted(json.loads(FIXTURE.read_text(encoding="utf-8")))
