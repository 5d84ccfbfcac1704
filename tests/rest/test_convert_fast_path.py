"""The REST converter's fast path keeps its promises: what it reads without keeping the original
renders back exactly, and its fast readers agree with the loaders (checked here, not per read)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nutshell_core import wiremap
from nutshell_core.model import Record, entity_for_rest_type
from nutshell_rest._codecs import LOAD_ERRORS
from nutshell_rest._points import _ADDRESS_VALUE_KEYS as _ADDRESS_KEYS
from nutshell_rest._points import _PHONE_VALUE_KEYS
from nutshell_rest.convert import REST_MAPS, structure_record, unstructure_record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FILES = [
    p
    for p in sorted((FIXTURES / "rest").rglob("*.json"))
    + sorted((FIXTURES / "webhooks").glob("*.json"))
    if p.name != "nutshell-openapi.json"
]


def records_in(value: Any) -> list[tuple[dict[str, Any], Record]]:
    """Every object whose ``type`` names a model class, nested ones too, with its record."""
    found: list[tuple[dict[str, Any], Record]] = []
    if isinstance(value, list):
        for item in value:
            found += records_in(item)
    elif isinstance(value, dict):
        kind = value.get("type")
        if isinstance(kind, str) and entity_for_rest_type(kind) is not None and "id" in value:
            found.append((value, structure_record(value)))
        for item in value.values():
            found += records_in(item)
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_recorded_record_keeps_what_its_fast_reads_promised(path: Path) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    for data, record in records_in(raw):
        assert wiremap.verify(REST_MAPS[type(record)].record_map, data, record) == []
        assert json.dumps(unstructure_record(record)) == json.dumps(data)


FAST_ROWS = [
    (cls, fld)
    for cls, rmap in REST_MAPS.items()
    for fld in rmap.record_map.fields
    if fld.read is not None and fld.attr is not None
]
IDS = st.builds(
    "{}-{}".format,
    st.sampled_from(["0", "7", "007", "1003", "x"]),
    st.sampled_from([m.record_map.cls.rest_type for m in REST_MAPS.values()] + ["Leads", ""]),
)
TIME_OBJECTS = st.fixed_dictionaries(
    {"timestamp": st.integers(-(10**10), 10**10)},
    optional={"value": st.text(max_size=3)},
)
MONEY = st.fixed_dictionaries(
    {"amount": st.integers() | st.text("0123456789.", max_size=5)},
    optional={"currency": st.none() | st.text(max_size=3), "formatted": st.text(max_size=3)},
)
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
)
JSON = st.recursive(
    SCALARS | IDS | TIME_OBJECTS | MONEY,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FAST_ROWS), JSON)
def test_fast_readers_agree_with_the_loaders(row: Any, value: Any) -> None:
    cls, fld = row
    try:
        got = fld.read(value)
    except Exception:  # a failing fast read hands the value to the loader
        return
    if got is wiremap.SLOW:
        return
    exact = not isinstance(got, (wiremap.Check, wiremap.Kept))
    if not exact:
        got = got.value
    assert fld.load(value) == {fld.attr: got}
    record = cls(**{fld.attr: got})
    if exact:
        assert wiremap.same_json(fld.dump(record), value)
    if fld.write is not None:
        assert wiremap.same_json(fld.write(got), fld.dump(record))


# -- contact points -----------------------------------------------------------------------------

#: Values a point's members take: the right types and the near misses (a number for a string,
#: an int for a float, null where a value is due).
POINT_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-2, 2)
    | st.floats(-90, 90, allow_nan=False)
    | st.text(max_size=3)
)


@st.composite
def ordered_objects(
    draw: st.DrawFn, members: dict[str, st.SearchStrategy[Any]], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Objects of ``members``, mostly as the dumpers write them (their order, the ``required``
    keys there, each value from its strategy), with now and then a near miss: a key missing,
    the keys shuffled, a key no dumper writes, a value of another type."""
    keys = [key for key in members if draw(st.integers(0, 15 if key in required else 1))]
    if draw(st.integers(0, 3)) == 0:
        keys = list(draw(st.permutations(keys)))
    if draw(st.integers(0, 7)) == 0:
        keys.insert(draw(st.integers(0, len(keys))), "other")
    return {
        key: draw(
            POINT_SCALARS if key not in members or not draw(st.integers(0, 9)) else members[key]
        )
        for key in keys
    }


TEXT_OR_NULL = st.none() | st.text(max_size=3)


def point_items(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return ordered_objects(
        {"isPrimary": st.booleans(), "name": st.text(max_size=3), "value": value},
        required=("isPrimary", "value"),
    )


PHONE_VALUES = ordered_objects(dict.fromkeys(_PHONE_VALUE_KEYS, TEXT_OR_NULL))
DEGREES = st.none() | st.floats(-90, 90, allow_nan=False) | st.integers(-90, 90)
LOCATIONS = ordered_objects({"longitude": DEGREES, "latitude": DEGREES})
ADDRESS_VALUES = ordered_objects(
    {"location": LOCATIONS, **dict.fromkeys(_ADDRESS_KEYS, TEXT_OR_NULL)}
)
PHONES = ordered_objects(
    {
        "isPrimary": st.booleans(),
        "name": st.text(max_size=3),
        "isOptedOut": st.booleans(),
        "value": st.text(max_size=3) | PHONE_VALUES,
    },
    required=("isPrimary", "value"),
)
POINT_LISTS = {
    "emails": point_items(st.text(max_size=3)),
    "urls": point_items(st.text(max_size=3)),
    "phones": PHONES,
    "addresses": point_items(ADDRESS_VALUES),
}
#: The point lists of accounts and contacts (a user's ``emails`` are plain strings).
POINT_ROWS = [
    (cls, fld)
    for cls, fld in FAST_ROWS
    if fld.key in POINT_LISTS and cls.entity in ("Account", "Contact")
]


def test_every_party_has_fast_point_readers() -> None:
    keys = {(cls.entity, fld.key) for cls, fld in POINT_ROWS}
    assert keys == {(entity, key) for entity in ("Account", "Contact") for key in POINT_LISTS}


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_point_readers_agree_with_the_loaders_and_render_back(data: st.DataObject) -> None:
    cls, fld = data.draw(st.sampled_from(POINT_ROWS))
    items = data.draw(st.lists(POINT_LISTS[fld.key], max_size=3) | POINT_SCALARS)
    got = fld.read(items)
    if got is wiremap.SLOW:
        with contextlib.suppress(*LOAD_ERRORS):  # the loader and a comparison decide
            fld.load(items)
        return
    assert not isinstance(got, (wiremap.Check, wiremap.Kept))
    # the same values of the same types (1 == 1.0, but a float field holds a float)
    assert repr(fld.load(items)) == repr({fld.attr: got})
    assert wiremap.same_json(fld.dump(cls(**{fld.attr: got})), items)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_recorded_points_take_the_fast_readers(path: Path) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    for data, record in records_in(raw):
        for cls, fld in POINT_ROWS:
            if type(record) is cls and fld.key in data:
                assert fld.read(data[fld.key]) == getattr(record, str(fld.attr))


def test_exact_hints_agree_with_their_readers() -> None:
    samples: list[Any] = [None, True, False, 0, 1, -3, 1.5, "", "x", [], {}, ["a"]]
    hinted = 0
    for rmap in REST_MAPS.values():
        for fld in rmap.record_map.fields:
            if fld.exact is None:
                continue
            hinted += 1
            assert fld.read is not None and fld.attr is not None
            for value in samples:
                expected = value if type(value) in fld.exact else wiremap.SLOW
                assert fld.read(value) is expected, (rmap.record_map.cls.entity, fld.key, value)
    assert hinted
