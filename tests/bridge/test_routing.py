"""Routes, the registry, the facade's modes, the matrix and the pytest plugin."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import responses

import bridge
from bridge import NutshellAPI as BridgeAPI
from bridge.matrix import DOC_PATH, END, START, embed, matrix, to_markdown
from bridge.publish import MemoryPublisher
from bridge.registry import Difference, Registry, Status, Translator
from bridge.routes import ENV_VAR, Mode, Routes
from bridge.translators import REGISTRY
from nutshell_core import errors
from nutshell_core.catalog import RPC_METHODS
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator, Fault
from nutshell_rpc import NutshellAPI as RpcAPI
from nutshell_rpc._legacy import LegacyMethods

ENDPOINT = "https://app.nutshell.com/api/v1/json"
MATRIX_DOC = Path(__file__).resolve().parents[2] / DOC_PATH


# -- routes ------------------------------------------------------------------------------------


def test_routes_default_to_rpc_and_parse_every_source(tmp_path: Path) -> None:
    assert Routes().mode_for("getLead") is Mode.RPC
    env = {ENV_VAR: "getLead=rest, findLeads=shadow ,*=rpc"}
    routes = Routes.from_env(env)
    assert routes.mode_for("getLead") is Mode.REST
    assert routes.mode_for("findLeads") is Mode.SHADOW
    assert (
        Routes.from_env({ENV_VAR: json.dumps({"getLead": "shadow-rest"})}).mode_for("getLead")
        is Mode.SHADOW_REST
    )
    toml = tmp_path / "routes.toml"
    toml.write_text('[routes]\ngetLead = "rest-fallback"\ndefault = "rpc"\n', encoding="utf-8")
    assert Routes.from_file(toml).mode_for("getLead") is Mode.REST_FALLBACK
    as_json = tmp_path / "routes.json"
    as_json.write_text(json.dumps({"findAccounts": "rest"}), encoding="utf-8")
    assert Routes.from_file(as_json).mode_for("findAccounts") is Mode.REST
    assert Routes().with_mode("getLead", "rest").mode_for("getLead") is Mode.REST


@pytest.mark.parametrize("mode", ["shadow", "shadow-rest"])
def test_a_write_can_never_be_routed_to_run_twice(mode: str) -> None:
    with pytest.raises(errors.ConfigurationError, match="write would run twice"):
        Routes.from_mapping({"editLead": mode})
    with pytest.raises(errors.ConfigurationError):
        Routes.from_mapping({"*": mode})
    # rest-fallback falls back only before a write may have reached the server (see
    # test_fallback.py), so it cannot run one twice.
    assert Routes.from_mapping({"editLead": "rest-fallback", "*": "rest-fallback"})


@pytest.mark.parametrize(
    "bad",
    [{"getLead": "sideways"}, {"findPipelines": "rest"}, {"getLead": 3}],
)
def test_bad_routes_are_refused_with_a_clear_error(bad: dict[str, Any]) -> None:
    with pytest.raises(errors.ConfigurationError):
        Routes.from_mapping(bad)


def test_bad_route_sources_are_refused(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigurationError):
        Routes.from_env({ENV_VAR: "getLead"})
    with pytest.raises(errors.ConfigurationError):
        Routes.from_env({ENV_VAR: "{not json"})
    with pytest.raises(errors.ConfigurationError):
        Routes.from_file(tmp_path / "missing.toml")


# -- registry and matrix ---------------------------------------------------------------------------


def test_every_catalog_method_has_exactly_one_registry_entry() -> None:
    assert {t.method for t in REGISTRY} == set(RPC_METHODS)
    assert len(REGISTRY) == len(RPC_METHODS)
    for translator in REGISTRY:
        if translator.status is Status.UNSUPPORTED:
            assert translator.reason
        else:
            # A local translation (the test method add) sends no request at all.
            assert translator.run is not None
            assert bool(translator.rest_operations) is not translator.local
        if translator.status is Status.PARTIAL:
            assert translator.differences and all(d.reason for d in translator.differences)


def test_registry_declarations_are_validated() -> None:
    with pytest.raises(errors.ConfigurationError):
        Translator(method="getLead", status=Status.UNSUPPORTED)
    with pytest.raises(errors.ConfigurationError):
        Translator(method="getLead", status=Status.PARTIAL,
                   rest_operations=(("GET", "/leads/{id}"),), run=lambda c, p: None)  # fmt: skip
    with pytest.raises(errors.UnknownMethodError):
        Translator(method="getLead", status=Status.MAPPED, rest_operations=(("GET", "/nope"),),
                   run=lambda c, p: None)  # fmt: skip
    with pytest.raises(errors.ConfigurationError):
        Translator(method="nope", status=Status.UNSUPPORTED, reason="x")
    entry = Translator(method="getLead", status=Status.UNSUPPORTED, reason="x")
    with pytest.raises(errors.ConfigurationError):
        Registry([entry, entry])
    with pytest.raises(errors.NotBridgeable, match="x"):
        entry(None, {})  # type: ignore[arg-type]


def test_the_required_methods_are_translated_and_the_known_gaps_declared() -> None:
    supported = {t.method for t in REGISTRY if t.supported}
    required = {
        "findLeads", "getLead", "newLead", "editLead", "deleteLead",
        "findContacts", "getContact", "newContact", "editContact", "deleteContact",
        "findAccounts", "getAccount", "newAccount", "editAccount", "deleteAccount",
        "findActivities", "getActivity", "newActivity", "editActivity",
        "findTasks", "getTask", "newTask", "editTask", "deleteTask",
        "getNote", "newNote", "deleteNote", "findProducts", "getProduct", "deleteProduct",
        "findUsers", "getUser", "findTags", "newTag", "findSources", "newSource",
        "findStagesets", "findMilestones", "findLead_Outcomes", "findMarkets", "findIndustries",
        "findTerritories", "findAccountTypes", "findActivityTypes", "findCompetitors",
        "searchByEmail", "searchLeads", "searchContacts", "searchAccounts", "searchUniversal",
    }  # fmt: skip
    assert required <= supported, sorted(required - supported)
    for method in ("deleteActivity", "editNote", "newProduct"):
        assert REGISTRY[method].status is Status.UNSUPPORTED
        assert "REST" in REGISTRY[method].reason or "/" in REGISTRY[method].reason


def test_matrix_is_generated_from_the_registry() -> None:
    rows = matrix()
    assert [r.method for r in rows] == sorted(RPC_METHODS)
    table = to_markdown(rows)
    assert table.count("\n| `") == len(rows)
    assert f"{sum(r.status is Status.MAPPED for r in rows)} mapped" in table
    assert "deleteActivity" in table


def test_the_docs_embed_the_current_matrix() -> None:
    document = MATRIX_DOC.read_text(encoding="utf-8")
    assert START in document and END in document
    assert embed(document) == document, f"run: python -m bridge.matrix --write {DOC_PATH}"


# -- the facade ------------------------------------------------------------------------------------


def test_the_facade_has_the_legacy_surface() -> None:
    for name in RPC_METHODS:
        assert getattr(BridgeAPI, name) is getattr(RpcAPI, name) is getattr(LegacyMethods, name)


@pytest.fixture
def emulator() -> Emulator:
    emu = Emulator()
    emu.seed(60, random_seed=5)
    return emu


def make_bridge(routes: dict[str, str], **options: Any) -> BridgeAPI:
    return BridgeAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, routes=routes,
                     sleep=lambda _s: None, **options)  # fmt: skip


def _rest_calls(mock: responses.RequestsMock) -> int:
    return sum("/rest/" in str(c.request.url) for c in mock.calls)


def test_rpc_route_sends_no_rest_request_and_rest_route_no_rpc_request(emulator: Emulator) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        lead_id = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT).findLeads()[0]["id"]
        before = len(mock.calls)
        make_bridge({}).getLead(lead_id)
        assert _rest_calls(mock) == 0 and len(mock.calls) == before + 1
        api = make_bridge({"getLead": "rest"})
        api.context.cache.warm()
        before = len(mock.calls)
        api.getLead(lead_id)
        sent = [str(c.request.url) for c in mock.calls[before:]]
        assert sent and all("/rest/" in url for url in sent), sent
        assert "/rest/leads/" in sent[0]
        # A lean bridge renders the one response: exactly one request.
        lean = make_bridge({"getLead": "rest"}, lean=True)
        lean.context.cache.warm()
        before = len(mock.calls)
        lean.getLead(lead_id)
        assert len(mock.calls) == before + 1 and "/rest/leads/" in str(mock.calls[-1].request.url)


def test_unsupported_method_on_rest_fails_before_any_request(emulator: Emulator) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        api = make_bridge({"deleteActivity": "rest"})
        with pytest.raises(errors.NotBridgeable) as caught:
            api.deleteActivity(1, "0")
        assert caught.value.reason and caught.value.method == "deleteActivity"
        assert len(mock.calls) == 0


def test_rest_fallback_answers_through_rpc_when_rest_cannot(emulator: Emulator) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        api = make_bridge({"findLeads": "rest-fallback", "getAnalyticsReport": "rest-fallback"})
        emulator.faults.add("GET /rest/leads*", Fault.http_status(503), count=10)
        leads = api.findLeads(limit=5)
        assert len(leads) == 5
        assert any("/rest/leads" in str(c.request.url) for c in mock.calls)
        assert str(mock.calls[-1].request.url) == ENDPOINT


def test_shadow_serves_rpc_and_publishes_the_comparison(emulator: Emulator) -> None:
    published = MemoryPublisher()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        api = make_bridge({"getLead": "shadow"}, publishers=[published])
        direct = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT)
        lead_id = direct.findLeads()[0]["id"]
        assert api.getLead(lead_id) == direct.getLead(lead_id)
    (result,) = published.results
    assert result.outcome in ("matched", "ignored")
    assert [o.name for o in result.candidates] == ["rest"]


def test_shadow_runs_both_routes_in_parallel() -> None:
    emu = Emulator()  # real sleeps: this is the one timing the spec names
    emu.seed(20, random_seed=1)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emu.mount(mock)
        lead_id = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT).findLeads()[0]["id"]
        # Lean, so that each route is one request and the timing measures the parallelism.
        api = make_bridge({"getLead": "shadow"}, lean=True)
        api.context.cache.warm()
        emu.faults.add("POST /api/v1/json", Fault.delay(0.2))
        emu.faults.add("GET /rest/*", Fault.delay(0.2))
        timings = []
        for _ in range(3):  # best of three: the machine is shared, the bound is the spec's
            started = time.perf_counter()
            api.getLead(lead_id)
            timings.append(time.perf_counter() - started)
    assert all(t < 0.4 for t in timings), timings  # never the serial 0.4 s
    assert 0.2 <= min(timings) < 0.3, timings


def test_a_mismatch_in_raise_mode_is_published_before_it_raises(emulator: Emulator) -> None:
    published = MemoryPublisher()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        lead_id = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT).findLeads()[0]["id"]
        registry = Registry(
            [
                Translator(
                    method="getLead",
                    status=Status.PARTIAL,
                    rest_operations=(("GET", "/leads/{id}"),),
                    differences=(Difference("$.rev", "a deliberately wrong translator"),),
                    run=lambda ctx, params: {"id": params["leadId"], "name": "wrong"},
                )
            ]
        )
        api = make_bridge({"getLead": "shadow"}, registry=registry, raise_on_mismatch=True,
                          publishers=[published])  # fmt: skip
        with pytest.raises(bridge.MismatchError) as caught:
            api.getLead(lead_id)
    assert published.outcomes() == ["mismatched"]
    assert isinstance(caught.value, AssertionError)
    assert "name" in str(caught.value)


# -- the pytest plugin --------------------------------------------------------------------------


def test_the_plugin_works_in_a_separate_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_migration="""
        def test_open_leads_match(parity, nutshell_rpc_client):
            leads = parity("findLeads", query={"status": 0}, limit=10)
            assert leads == nutshell_rpc_client.findLeads(query={"status": 0}, limit=10)

        def test_the_bridge_fixture_is_bound(nutshell_bridge, nutshell_emulator):
            assert nutshell_bridge.findStagesets()
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--nutshell-seed-records", "40"
    )
    result.assert_outcomes(passed=2)


def test_a_null_rev_is_treated_alike_on_both_routes(emulator: Emulator) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        direct = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT)
        lead_id = direct.findLeads()[0]["id"]
        via_rpc = direct.editLead(lead_id, None, {"description": "null rev, rpc"})
        via_rest = make_bridge({"editLead": "rest"}).editLead(
            lead_id, None, {"description": "null rev, rest"}
        )
    assert via_rpc["description"] == "null rev, rpc"
    assert via_rest["description"] == "null rev, rest"
