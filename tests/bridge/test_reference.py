"""Set-up data, reports, teams and housekeeping methods through the bridge, against the emulator.

For each translator of :mod:`bridge.translators.reference` the bridged result equals the direct
JSON-RPC answer once the declared differences are removed, and every declared difference
occurs; what REST cannot express is refused before any request; every method REST cannot
answer says why, specifically; and no legacy method is left with the registry's default reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.diff import diff, from_differences, path_matches
from bridge.registry import DEFAULT_UNSUPPORTED_REASON, Status, Translator
from bridge.translators import REGISTRY, reference
from nutshell_core.catalog import RPC_METHODS
from nutshell_core.errors import ConfigurationError, InvalidRequestError, NotBridgeable
from nutshell_core.model import Audience, CustomField
from nutshell_emulator import Emulator
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.bridge.worlds import mounted

TRANSLATORS = {t.method: t for t in reference.TRANSLATORS}


@attrs.frozen
class World:
    emulator: Emulator
    mock: responses.RequestsMock
    rpc: RpcAPI
    bridge: BridgeAPI

    def calls(self) -> int:
        """Requests of any kind (REST or JSON-RPC) sent so far."""
        return len(self.mock.calls)

    def rest_calls(self) -> int:
        return sum(1 for call in self.mock.calls if "/rest/" in str(call.request.url))


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    emulator = Emulator()
    emulator.seed(200, random_seed=11)
    # A definition as the HULL connector's example shows one: a position with a gap before
    # it and choice ids not numbered in REST's order, so both declared differences show.
    labels = {"3": "Commercial", "1": "Heavy duty", "2": "Large-Scale", "4": "Recreational"}
    emulator.store.insert(
        CustomField(name="Application (HULL)", title="Application (HULL)", field_type="enum",
                    applies_to="Lead", is_multiple=False, position=9, choices=labels)
    )  # fmt: skip
    with mounted(emulator) as world:
        world.bridge.context.cache.warm()
        yield World(emulator, world.mock, world.rpc, world.bridge)


def _covers(glob: str, path: str) -> bool:
    """True when ``glob`` drops ``path`` or one of its ancestors (paths here have no ids)."""
    parts = path.replace("[", ".[").split(".")
    return any(path_matches(glob, ".".join(parts[:n]).replace(".[", "[")) for n in range(1, 99))


CASES: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {
    "findCustomFields": [((), {})],
    "describeCustomFields": [((), {})],
    "findAudiences": [
        ((), {}),
        ((), {"orderBy": "id", "orderDirection": "DESC"}),
        ((), {"orderBy": "name", "limit": 2, "page": 2}),
        ((), {"orderBy": "NAME", "orderDirection": "DESC", "limit": 1}),
        ((), {"page": 9}),
    ],
    "add": [((1, 2), {}), ((2.5, -4), {}), ((0, 0.25), {})],
}


def test_the_family_is_registered_with_statuses_that_fit() -> None:
    assert set(CASES) == {m for m, t in TRANSLATORS.items() if t.supported}
    for method, translator in TRANSLATORS.items():
        assert REGISTRY[method] is translator
        assert RPC_METHODS[method].access.value == "read"
    assert TRANSLATORS["findCustomFields"].status is Status.PARTIAL
    assert TRANSLATORS["describeCustomFields"].status is Status.PARTIAL
    # Its only result difference is the revs, opaque tokens in the legacy type.
    assert TRANSLATORS["findAudiences"].status is Status.MAPPED
    assert TRANSLATORS["add"].status is Status.MAPPED
    assert TRANSLATORS["add"].local and TRANSLATORS["add"].rest_operations == ()


@pytest.mark.parametrize("method", sorted(CASES))
def test_bridged_answers_equal_rpc_except_declared_differences(world: World, method: str) -> None:
    translator = TRANSLATORS[method]
    globs = from_differences(translator.differences)
    seen: set[str] = set()
    for args, kwargs in CASES[method]:
        direct = world.rpc.call(method, *args, **kwargs)
        bridged = world.bridge.call(method, *args, **kwargs)
        where = f"{method}{args}{kwargs}"
        assert diff(direct, bridged, ignore=globs) == (), where
        if isinstance(direct, list):
            assert [r["id"] for r in direct] == [r["id"] for r in bridged], where
        seen.update(entry.path for entry in diff(direct, bridged))
    unseen = [g for g in globs if not any(_covers(g, path) for path in seen)]
    assert unseen == [], f"{method} declares differences that never occur"


def test_custom_fields_cost_one_request_per_type(world: World) -> None:
    before = world.rest_calls()
    fields = world.bridge.call("findCustomFields")
    assert world.rest_calls() - before == 3
    assert set(fields) == {"Leads", "Contacts", "Accounts"}
    assert all(fields.values())  # the seed defines fields on every type


def test_audiences_cost_one_request_and_follow_rest_writes(world: World) -> None:
    world.bridge.context.rest.audiences.create({"name": "Made over REST"})
    before = world.rest_calls()
    bridged = world.bridge.call("findAudiences")
    assert world.rest_calls() - before == 1
    assert "Made over REST" in [a["name"] for a in bridged]
    stored = {a.name for a in world.emulator.store.all(Audience)}
    assert {a["name"] for a in bridged} == stored


def test_add_sends_no_request_at_all(world: World) -> None:
    before = world.calls()
    assert world.bridge.call("add", 40, 2) == 42
    assert world.calls() == before


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("add", {"num1": "1", "num2": 2}),
        ("add", {"num1": True, "num2": 2}),
        ("findAudiences", {"limit": 0}),
        ("findAudiences", {"orderDirection": "UP"}),
    ],
)
def test_bad_input_fails_as_it_does_over_rpc(
    world: World, method: str, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidRequestError) as direct:
        world.rpc.call(method, **kwargs)
    before = world.calls()
    with pytest.raises(InvalidRequestError) as bridged:
        world.bridge.call(method, **kwargs)
    assert world.calls() == before
    assert bridged.value.message == direct.value.message


@pytest.mark.parametrize("order", ["createdTime", "modified_time", "rev"])
def test_orders_rest_cannot_supply_are_refused_before_any_request(world: World, order: str) -> None:
    before = world.calls()
    with pytest.raises(NotBridgeable) as caught:
        world.bridge.call("findAudiences", orderBy=order)
    assert world.calls() == before
    assert caught.value.method == "findAudiences" and "orderBy" in caught.value.reason


@pytest.mark.parametrize("method", sorted(reference.REASONS))
def test_what_rest_cannot_answer_says_why_before_any_request(world: World, method: str) -> None:
    translator = REGISTRY[method]
    assert translator.status is Status.UNSUPPORTED
    assert translator.reason == reference.REASONS[method] != DEFAULT_UNSUPPORTED_REASON
    row = RPC_METHODS[method]
    args = [{"entityId": 1, "entityName": "Users"} if p.name == "filter" else 1 for p in row.params]
    before = world.calls()
    with pytest.raises(NotBridgeable) as caught:
        world.bridge.call(method, *args)
    assert world.calls() == before
    assert caught.value.reason == translator.reason


def test_a_local_translation_is_declared_as_one() -> None:
    def run(_context: Any, _params: Any) -> int:
        return 0

    with pytest.raises(ConfigurationError, match="sends no request"):
        Translator(method="add", status=Status.MAPPED, run=run, local=True,
                   rest_operations=(("GET", "/users"),))  # fmt: skip
    with pytest.raises(ConfigurationError, match="REST operations"):
        Translator(method="add", status=Status.MAPPED, run=run)


def test_no_legacy_method_is_left_with_the_default_reason() -> None:
    defaulted = sorted(t.method for t in REGISTRY if t.reason == DEFAULT_UNSUPPORTED_REASON)
    assert defaulted == []
