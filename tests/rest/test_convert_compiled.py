"""The generated per-shape code of the REST converter gives exactly what the generic loop gives
(records, memos, renderings, errors) for the recorded records, the emulator's pages and
records with one value replaced by anything."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nutshell_core import wiremap
from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import Record, entity_for_rest_type
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL
from nutshell_rest.convert import REST_MAPS, structure_record, unstructure_record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FILES = [
    p
    for p in sorted((FIXTURES / "rest").rglob("*.json"))
    + sorted((FIXTURES / "webhooks").glob("*.json"))
    if p.name != "nutshell-openapi.json"
]
SEED_DATA = (60, 5)

#: The emulator's list resources read here (each answers one page of its records).
RESOURCES = (
    "leads",
    "contacts",
    "accounts",
    "activities",
    "tasks",
    "notes",
    "users",
    "teams",
    "products",
    "stagesets",
    "stages",
    "sources",
    "tags",
    "outcomes",
    "competitors",
    "industries",
    "markets",
    "territories",
    "events",
)


def record_objects(value: Any) -> list[dict[str, Any]]:
    """Every object whose ``type`` names a model class, nested ones too."""
    found: list[dict[str, Any]] = []
    if isinstance(value, list):
        for item in value:
            found += record_objects(item)
    elif isinstance(value, dict):
        kind = value.get("type")
        if isinstance(kind, str) and entity_for_rest_type(kind) is not None and "id" in value:
            found.append(value)
        for item in value.values():
            found += record_objects(item)
    return found


def memo_of(record: Record) -> tuple[Any, ...]:
    memo = record.memo
    assert memo is not None
    loaded = {key: dict(part) for key, part in memo.loaded.items()}
    return (memo.wire, dict(memo.extra), dict(memo.originals), memo.order, loaded)


def outcome(structure: Any, data: Any) -> tuple[Any, ...]:
    try:
        record = structure(data, "$")
    except MalformedResponseError as exc:
        return ("error", str(exc), exc.problems)
    return ("record", record, memo_of(record), [*map(repr, attrs.astuple(record, recurse=False))])


def check_as_the_loop(data: dict[str, Any]) -> Record | None:
    """Structure ``data`` by the loop, then (three times, so that its shape is compiled) by
    the codec's dispatch: the same outcome every time. Returns the record, if any."""
    cls = entity_for_rest_type(data["type"])
    assert cls is not None
    codec = REST_MAPS[cls].codec
    expected = outcome(codec.structure_any, copy.deepcopy(data))
    for _ in range(3):
        assert outcome(codec.structure, copy.deepcopy(data)) == expected
    return expected[1] if expected[0] == "record" else None


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_generated_code_reads_every_recorded_record_as_the_loop_does(path: Path) -> None:
    for data in record_objects(json.loads(path.read_text(encoding="utf-8"))):
        record = check_as_the_loop(data)
        assert record is not None
        assert json.dumps(unstructure_record(record)) == json.dumps(data)
        assert wiremap.verify(REST_MAPS[type(record)].record_map, data, record) == []


def test_generated_code_reads_the_emulators_pages_as_the_loop_does(
    mock: responses.RequestsMock,
) -> None:
    seen: dict[str, int] = {}
    for resource in RESOURCES:
        reply = requests.get(
            f"https://app.nutshell.com/rest/{resource}?page[limit]=100",
            auth=(DEFAULT_EMAIL, DEFAULT_API_KEY),
            timeout=10,
        )
        if reply.status_code != 200:
            continue
        for data in record_objects(reply.json()):
            record = check_as_the_loop(data)
            assert record is not None, data
            assert json.dumps(unstructure_record(record)) == json.dumps(data)
            assert wiremap.verify(REST_MAPS[type(record)].record_map, data, record) == []
            seen[record.entity] = seen.get(record.entity, 0) + 1
    assert {"Lead", "Contact", "Account", "Activity", "Task", "Note", "User"} <= set(seen)


def recorded_samples() -> list[dict[str, Any]]:
    """One recorded record of each class and key order."""
    samples: dict[tuple[str, ...], dict[str, Any]] = {}
    for path in FILES:
        for data in record_objects(json.loads(path.read_text(encoding="utf-8"))):
            samples.setdefault((data["type"], *data), data)
    return list(samples.values())


SAMPLES = recorded_samples()
POINT = st.fixed_dictionaries(
    {"isPrimary": st.booleans(), "name": st.text(max_size=2), "value": st.text(max_size=2)}
)
ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 2000)
    | st.floats(allow_nan=False)
    | st.text(max_size=4)
    | st.sampled_from(["1-users", "3-accounts", "7-leads", "open", "won"])
    | st.fixed_dictionaries({"timestamp": st.integers(0, 2000)}, optional={"value": st.text()})
    | st.fixed_dictionaries({"amount": st.integers() | st.text("0123.", max_size=4)})
    | st.lists(POINT, max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.data())
def test_a_replaced_value_in_a_known_shape_gives_what_the_loop_gives(
    sample: dict[str, Any], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(sample)))
    changed = dict(sample, **{key: data.draw(ANY_JSON)})
    if key == "type":
        changed["type"] = sample["type"]  # the class is chosen by it
    check_as_the_loop(sample)  # the shape is compiled now
    check_as_the_loop(changed)


def test_a_bad_value_in_a_compiled_contact_names_its_path() -> None:
    contact = next(s for s in SAMPLES if s["type"] == "contacts" and "phones" in s)
    for _ in range(3):
        structure_record(contact)
    for key, bad in (("phones", [{"isPrimary": "yes"}]), ("emails", "a@x.com"), ("id", "x")):
        with pytest.raises(MalformedResponseError) as caught:
            structure_record(dict(contact, **{key: bad}), path="$.contacts[3]")
        assert any(p.endswith(f"@ $.contacts[3].{key}") for p in caught.value.problems)
