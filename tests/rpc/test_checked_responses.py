"""JSON-RPC answers checked against the request.

The raw face returns what the server sent, but never another record than a get asked for; the
typed face also wants the keys that say what a record is, and every key in its JSON type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from nutshell_core import errors
from nutshell_core.model import Lead, Stageset, User
from nutshell_rpc import NutshellAPI
from nutshell_rpc.convert import (
    check_required_keys,
    record_from_rpc,
    record_to_rpc,
    value_from_rpc,
)
from tests.rpc.rpc_helpers import ENDPOINT, KEY, USER, rpc_answer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpc"

LEAD = {"id": 1, "entityType": "Leads", "rev": "3", "name": "Lead–1"}


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def api() -> Iterator[NutshellAPI]:
    with NutshellAPI(USER, KEY, endpoint=ENDPOINT, sleep=lambda _s: None) as client:
        yield client


def answer(rsps: responses.RequestsMock, result: Any) -> None:
    """Answer every call with ``result`` from now on (what was registered before is dropped)."""
    rsps.reset()
    rsps.add_callback(responses.POST, ENDPOINT, callback=rpc_answer(result))


# -- the raw face ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "where"),
    [
        ({**LEAD, "id": 2}, "id 2, expected 1 @ $.id"),
        ({**LEAD, "entityType": "Contacts"}, "entityType 'Contacts', expected 'Leads'"),
        ({**LEAD, "id": "2"}, "id '2', expected 1 @ $.id"),
        ({**LEAD, "id": True}, "id True, expected 1 @ $.id"),
    ],
)
def test_raw_get_refuses_another_record(
    rsps: responses.RequestsMock, api: NutshellAPI, result: dict[str, Any], where: str
) -> None:
    answer(rsps, result)
    with pytest.raises(errors.MalformedResponseError) as exc:
        api.getLead(1)
    assert where in "; ".join(exc.value.problems)
    assert exc.value.target == "getLead"


@pytest.mark.parametrize(
    "result",
    [
        {**LEAD, "brandNew": [1]},
        {**LEAD, "id": "1"},  # the API sometimes spells ids as digit strings
        {"x": 1},  # says neither id nor type (a still-current rev's notice is undocumented)
        None,
        [1, 2],
    ],
)
def test_raw_get_returns_anything_else_as_sent(
    rsps: responses.RequestsMock, api: NutshellAPI, result: Any
) -> None:
    answer(rsps, result)
    assert api.getLead(1) == result


def test_raw_get_user_without_an_id_answers_the_caller(
    rsps: responses.RequestsMock, api: NutshellAPI
) -> None:
    me = {"id": 42, "entityType": "Users", "rev": "0", "name": "Me"}
    answer(rsps, me)
    assert api.getUser() == me
    answer(rsps, {**me, "entityType": "Teams"})
    with pytest.raises(errors.MalformedResponseError, match="entityType 'Teams'"):
        api.getUser()


def test_raw_finds_are_not_judged(rsps: responses.RequestsMock, api: NutshellAPI) -> None:
    answer(rsps, [{"x": 1}, {"id": 9, "entityType": "Contacts"}])
    assert api.findLeads() == [{"x": 1}, {"id": 9, "entityType": "Contacts"}]


# -- the typed face -------------------------------------------------------------------------------


def test_typed_get_reads_the_record(rsps: responses.RequestsMock, api: NutshellAPI) -> None:
    answer(rsps, LEAD)
    lead = api.leads.get(1)
    assert isinstance(lead, Lead) and lead.id == 1 and lead.rev == "3"


def test_typed_get_refuses_a_record_without_its_keys(
    rsps: responses.RequestsMock, api: NutshellAPI
) -> None:
    answer(rsps, {"x": 1})
    with pytest.raises(errors.MalformedResponseError) as exc:
        api.leads.get(1)
    assert exc.value.problems == (
        "missing @ $.id",
        "missing @ $.entityType",
        "missing @ $.rev",
        "missing @ $.name",
    )
    assert exc.value.target == "getLead"


@pytest.mark.parametrize(
    ("key", "value"),
    [("name", 5), ("name", 5.5), ("name", True), ("description", 7), ("rev", None), ("id", 1.0)],
)
def test_typed_get_refuses_wrong_types_naming_the_path(
    rsps: responses.RequestsMock, api: NutshellAPI, key: str, value: Any
) -> None:
    answer(rsps, {**LEAD, key: value})
    with pytest.raises(errors.MalformedResponseError, match=rf"@ \$\.{key}$"):
        api.leads.get(1)


def test_typed_get_refuses_another_record(rsps: responses.RequestsMock, api: NutshellAPI) -> None:
    answer(rsps, {**LEAD, "id": 2})
    with pytest.raises(errors.MalformedResponseError, match="id 2"):
        api.leads.get(1)


def test_typed_find_names_the_item(rsps: responses.RequestsMock, api: NutshellAPI) -> None:
    answer(rsps, [LEAD, {**LEAD, "id": 2, "name": 5}])
    with pytest.raises(errors.MalformedResponseError, match=r"@ \$\[1\]\.name"):
        api.leads.find()
    answer(rsps, [LEAD, {"stub": True, "id": 3, "entityType": "Leads", "name": "x"}])
    with pytest.raises(errors.MalformedResponseError, match=r"missing @ \$\[1\]\.rev"):
        api.leads.find()


def test_unknown_keys_still_round_trip(rsps: responses.RequestsMock, api: NutshellAPI) -> None:
    raw = {**LEAD, "brandNew": {"nested": [1, 2.0, True]}, "rev": 3}  # an int rev is kept
    answer(rsps, raw)
    lead = api.leads.get(1)
    assert lead.extra == {"brandNew": {"nested": [1, 2.0, True]}} and lead.rev == "3"
    assert record_to_rpc(lead) == raw


def test_find_tags_elements_need_no_keys_but_their_types(
    rsps: responses.RequestsMock, api: NutshellAPI
) -> None:
    answer(rsps, {"Leads": ["hot", {"name": "cold"}], "Contacts": []})
    assert [t.name for t in api.tags.all()] == ["hot", "cold"]
    answer(rsps, {"Leads": [{"name": 5}]})
    with pytest.raises(errors.MalformedResponseError, match=r"@ \$\.Leads\[0\]\.name"):
        api.tags.all()
    answer(rsps, {"Leads": [7]})
    with pytest.raises(errors.MalformedResponseError, match=r"@ \$\.Leads\[0\]"):
        api.tags.all()


# -- the recorded responses are the yardstick -----------------------------------------------------


def _recorded() -> list[tuple[str, Any]]:
    out = []
    for path in sorted(FIXTURES.glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        result = data.get("result") if isinstance(data, dict) else None
        items = result if isinstance(result, list) else [result]
        out += [(f"{path.parent.name}/{path.name}", item) for item in items]
    return out


@pytest.mark.parametrize(("name", "item"), _recorded())
def test_every_recorded_record_passes_the_checks(name: str, item: Any) -> None:
    value_from_rpc(item)  # every type strict, nested records too
    if isinstance(item, dict) and isinstance(item.get("entityType"), str):
        record = record_from_rpc(item)
        check_required_keys(item, type(record))


def test_recorded_stagesets_have_no_rev_and_need_none() -> None:
    check_required_keys({"id": 1, "entityType": "Stagesets", "name": "Sales"}, Stageset)
    with pytest.raises(errors.MalformedResponseError, match=r"missing @ \$\.rev"):
        check_required_keys({"id": 1, "entityType": "Users", "name": "A"}, User)
