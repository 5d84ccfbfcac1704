"""Embedded stubs read once are given back by their exact wire values: the key tells apart
every two stubs that are different JSON (1, 1.0 and true; 0.0 and -0.0; key order), a
record embedding an interned stub still renders back exactly, and a change of the
converter's hooks or a run of different stubs is handled."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutshell_core.model import Lead, User
from nutshell_rpc import _stubs
from nutshell_rpc._stubs import stub_key
from nutshell_rpc.convert import make_rpc_converter, record_from_rpc, record_to_rpc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpc"
RECORDED = FIXTURES / "biguscj7" / "findLeadsNonStub.json"

# the values Python's equality mixes up: each pair is equal in Python, different JSON
ATOMS = st.one_of(
    st.sampled_from([0, 1, -1, True, False, 0.0, -0.0, 1.0, None, "1", "", 2**70]),
    st.integers(),
    st.text(max_size=4),
    st.floats(allow_nan=False, allow_infinity=False),
)
VALUES = st.one_of(
    ATOMS,
    st.lists(ATOMS, max_size=3),
    st.dictionaries(st.sampled_from(["currency", "amount"]), ATOMS, max_size=2),
    st.lists(st.lists(ATOMS, max_size=2), max_size=2),  # deeper: never keyed
)
STUBS = st.dictionaries(st.sampled_from(["id", "name", "rev", "isEnabled", "emails"]), VALUES)


def text(value: Any) -> str:
    return json.dumps(value, allow_nan=False)


@settings(max_examples=600)
@given(STUBS, STUBS)
def test_equal_keys_only_for_the_same_json(first: dict[str, Any], second: dict[str, Any]) -> None:
    one, other = stub_key(User, first), stub_key(User, second)
    if one is not None and other is not None and one == other:
        assert text(first) == text(second)
    if one is not None and text(first) == text(second):
        # the same JSON (decoded again) gives the same key
        assert stub_key(User, json.loads(text(second))) == one


def test_python_equal_values_get_different_keys() -> None:
    base = {"id": 1, "isEnabled": True}
    assert stub_key(User, base) == stub_key(User, dict(base))
    for other in ({"id": True, "isEnabled": True}, {"id": 1, "isEnabled": 1}):
        assert stub_key(User, other) != stub_key(User, base)
    assert stub_key(User, {"isEnabled": True, "id": 1}) != stub_key(User, base)  # key order
    assert stub_key(User, {"id": 1, "emails": [1]}) != stub_key(User, {"id": 1, "emails": [True]})
    price = {"id": 1, "price": {"amount": 1}}
    assert stub_key(User, price) != stub_key(User, {"id": 1, "price": {"amount": True}})
    # floats are never keyed: 0.0 == -0.0 in Python
    assert stub_key(User, {"id": 1, "q": 0.0}) is None
    assert stub_key(User, {"id": 1, "q": [[1]]}) is None


def leads(count: int) -> list[dict[str, Any]]:
    recorded = json.loads(RECORDED.read_text("utf-8"))["result"][0]
    out = []
    for index in range(count):
        lead = copy.deepcopy(recorded)
        lead["id"] = recorded["id"] + index
        out.append(lead)
    return out


def test_the_same_stub_in_two_records_is_one_ref_and_both_render_back() -> None:
    first, second = leads(2)
    one, other = record_from_rpc(first, Lead), record_from_rpc(second, Lead)
    assert one.creator is other.creator
    assert record_to_rpc(one) == first
    assert record_to_rpc(other) == second


def test_a_stub_differing_only_in_a_python_equal_value_is_read_again() -> None:
    first, second = leads(2)
    first["creator"]["score"] = 1  # a key the model keeps verbatim
    second["creator"]["score"] = True  # true in JSON is not 1, though True == 1
    one, other = record_from_rpc(first, Lead), record_from_rpc(second, Lead)
    assert one.creator is not other.creator
    assert text(record_to_rpc(other)["creator"]) == text(second["creator"])
    assert text(record_to_rpc(one)["creator"]) == text(first["creator"])


def test_a_hook_registered_later_is_used_for_stubs_seen_before() -> None:
    (lead,) = leads(1)
    conv = make_rpc_converter()
    before = record_from_rpc(lead, Lead, converter=conv)
    assert record_from_rpc(lead, Lead, converter=conv).creator is before.creator
    conv.register_structure_hook(complex, lambda value, _type: value)  # any hook at all
    after = record_from_rpc(lead, Lead, converter=conv)
    assert after.creator is not before.creator
    assert after.creator == before.creator


def test_a_stub_holding_a_list_or_dict_is_never_shared() -> None:
    first, second = leads(2)
    for lead in (first, second):
        lead["creator"]["labels"] = ["a", "b"]  # kept verbatim: a list a reader could change
        lead["contacts"][0]["customFields"] = {"Region": "West"}
    one = record_from_rpc(first, Lead)
    first["creator"]["labels"].append("changed")
    assert one.contacts[0].record is not None
    custom = one.contacts[0].record.custom_fields
    assert isinstance(custom, dict)
    custom["Region"] = "X"
    other = record_from_rpc(second, Lead)
    assert other.creator is not one.creator
    assert record_to_rpc(other) == second


def test_a_shared_record_keeps_its_unknown_keys_read_only() -> None:
    first, second = leads(2)
    for lead in (first, second):
        lead["creator"]["badge"] = "gold"
    one, other = record_from_rpc(first, Lead), record_from_rpc(second, Lead)
    assert one.creator is other.creator
    assert one.creator.record is not None
    with pytest.raises(TypeError):
        one.creator.record.extra["badge"] = "tin"  # type: ignore[index]
    assert record_to_rpc(other)["creator"]["badge"] == "gold"


def test_a_stub_with_a_key_that_is_not_text_is_never_kept() -> None:
    first, second = leads(2)
    first["creator"][True] = 1  # type: ignore[index]
    second["creator"][1] = 1  # type: ignore[index]  # True == 1 as keys
    one, other = record_from_rpc(first, Lead), record_from_rpc(second, Lead)
    assert one.creator is not other.creator
    assert one.creator.record is not None and other.creator.record is not None
    assert list(other.creator.record.extra) == [1]
    assert type(next(iter(one.creator.record.extra))) is bool


def test_stubs_that_keep_differing_stop_being_keyed_then_are_tried_again() -> None:
    batch = leads(_stubs.KEYED_MISSES + 40)
    for index, lead in enumerate(batch):
        for contact in lead["contacts"]:
            contact["id"] = 5_000_000 + index  # every contact a different one
        lead["creator"]["rev"] = str(index)  # and every creator
    records = [record_from_rpc(lead, Lead) for lead in batch]
    assert [record_to_rpc(r) for r in records] == batch
    again = [record_from_rpc(lead, Lead) for lead in batch]
    # keyed for a while, then read without keys: the last ones are new Refs each time
    assert again[-1].creator is not records[-1].creator
    assert again[-1].creator == records[-1].creator
    # a key whose stubs repeat (the market) stays keyed: misses are counted per key
    assert again[0].market is records[0].market
    # read again after the pause: the same stub twice is one Ref again
    for _ in range(_stubs.UNKEYED_READS):
        record_from_rpc(batch[0], Lead)
    a, b = record_from_rpc(batch[1], Lead), record_from_rpc(batch[1], Lead)
    assert a.creator is b.creator
