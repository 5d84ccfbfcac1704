"""The REST converter's fast path keeps its promises: what it reads without keeping the original
renders back exactly, and its fast readers agree with the loaders (checked here, not per read)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nutshell_core import wiremap
from nutshell_core.model import Record, entity_for_rest_type
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
