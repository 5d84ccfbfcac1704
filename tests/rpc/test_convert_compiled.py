"""The generated per-shape code of the RPC converter gives exactly what the generic loop gives:
the same records, memos and renderings, the same errors, and the same fallbacks."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutshell_core import wiremap
from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import Lead, Record, User, WireMemo
from nutshell_rpc._codecs import _canonical_time, format_time, parse_time
from nutshell_rpc.convert import record_from_rpc, record_maps, record_to_rpc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpc"
LEADS = FIXTURES / "biguscj7" / "findLeadsNonStub.json"
MAPS = record_maps()


def recorded_lead() -> dict[str, Any]:
    lead: dict[str, Any] = json.loads(LEADS.read_text(encoding="utf-8"))["result"][0]
    return lead


def memo_of(record: Record) -> tuple[Any, ...]:
    memo = record.memo
    assert memo is not None
    return (memo.wire, dict(memo.extra), dict(memo.originals), memo.order)


def same_everywhere(left: Any, right: Any) -> None:
    """Equal records whose memos (and their linked records' memos) are equal too."""
    assert left == right
    if isinstance(left, Record):
        assert memo_of(left) == memo_of(right)
        for name in attrs_of(left):
            same_everywhere(getattr(left, name), getattr(right, name))
    elif isinstance(left, tuple):
        for one, other in zip(left, right, strict=True):
            same_everywhere(one, other)
    elif hasattr(left, "record") and left.record is not None:
        same_everywhere(left.record, right.record)


def attrs_of(record: Record) -> list[str]:
    import attrs  # noqa: PLC0415

    return [f.name for f in attrs.fields(type(record)) if f.name != "memo"]


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.json")), ids=lambda p: p.name)
def test_generated_code_reads_every_recorded_record_as_the_loop_does(path: Path) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    items = raw.get("result") if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        items = [items]
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("entityType"), str):
            continue
        try:
            generic = wiremap.codec(MAPS[type(record_from_rpc(item))], "rpc").structure_any(item)
        except MalformedResponseError:
            continue
        for _ in range(3):  # the first sight takes the loop, the next ones the generated code
            fast = record_from_rpc(copy.deepcopy(item))
            same_everywhere(fast, generic)
            assert record_to_rpc(fast) == item
            assert wiremap.verify(MAPS[type(fast)], item, fast, exact_json=False) == []


def test_a_shape_without_unknown_keys_shares_one_memo() -> None:
    stub = {"stub": True, "id": 5, "entityType": "Users", "rev": "1", "name": "Ann"}
    first, second, third = (record_from_rpc(dict(stub, id=n)) for n in (1, 2, 3))
    assert second.memo is third.memo and second.memo is not None
    assert memo_of(first) == memo_of(second) == ("rpc", {}, {}, tuple(stub))


def test_a_bad_value_in_a_known_shape_is_reported_as_the_loop_reports_it() -> None:
    lead = recorded_lead()
    record_from_rpc(lead), record_from_rpc(lead)  # the shape is compiled now
    for key, bad, where in (
        ("id", "x", "$.id"),
        ("modifiedTime", 5, "$.modifiedTime"),
        ("creator", {"entityType": "Users", "id": "q"}, "$.creator"),
    ):
        broken = dict(lead, **{key: bad})
        with pytest.raises(MalformedResponseError) as caught:
            record_from_rpc(broken)
        assert any(where in problem for problem in caught.value.problems)


def test_a_known_shape_with_an_odd_spelling_keeps_the_original() -> None:
    lead = recorded_lead()
    record_from_rpc(lead), record_from_rpc(lead)
    odd = dict(lead, dueTime="2024-05-31T10:51:00-05:00", id="15739")
    record = record_from_rpc(odd)
    assert isinstance(record, Lead) and record.id == 15739
    assert record.due_time == datetime(2024, 5, 31, 15, 51, tzinfo=timezone.utc)
    assert record_to_rpc(record) == odd


def test_generated_rendering_matches_the_loop_for_hand_made_memos() -> None:
    codec = wiremap.codec(MAPS[User], "rpc")
    memo = WireMemo(
        wire="rpc", extra={"late": 1, "name": "ignored", "early": 0}, order=("early", "id", "name")
    )
    user = User(id=3, name="Ann", memo=memo)
    expected = codec._unstructure_memo(user, memo)
    assert expected == {"early": 0, "id": 3, "name": "Ann", "late": 1}
    for _ in range(3):
        assert list(codec.unstructure(user).items()) == list(expected.items())
    bare = User(id=3, name="Ann")
    rendered = [list(codec.unstructure(bare).items()) for _ in range(3)]
    assert rendered[0] == rendered[1] == rendered[2]
    assert dict(rendered[0]) == {"id": 3, "entityType": "Users", "name": "Ann"}


def test_a_changed_record_renders_its_typed_values() -> None:
    lead = recorded_lead()
    for _ in range(3):
        record = record_from_rpc(lead)
    changed = record_to_rpc(attrs_evolve(record, name="Renamed", priority=2))
    assert changed == dict(lead, name="Renamed", priority=2)


def attrs_evolve(record: Record, **changes: Any) -> Record:
    import attrs  # noqa: PLC0415

    return attrs.evolve(record, **changes)


@pytest.mark.parametrize(
    "text",
    [
        "0999-11-11T15:59:00+0000",  # format_time writes no leading zero
        "2016-11-11T24:00:00+0000",  # newer Pythons read it as the next midnight
        "2016-11-11T15:59:00-0000",  # written back as +0000
        "2016-11-11 15:59:00+0000",
        "2016-W45-5T15:59:00+0000",
        "2016-02-30T15:59:00+0000",
        "2016-11-11T15:59:00+00:0",
    ],
)
def test_the_fast_time_reader_refuses_what_does_not_render_back(text: str) -> None:
    assert _canonical_time(text) is None


def test_equal_times_with_other_offsets_keep_their_own_spelling() -> None:
    utc = parse_time("2016-11-11T15:00:00+0000")
    east = parse_time("2016-11-11T20:00:00+0500")
    assert utc == east
    assert format_time(utc) == "2016-11-11T15:00:00+0000"
    assert format_time(east) == "2016-11-11T20:00:00+0500"
    made = datetime(2016, 11, 11, 20, tzinfo=timezone(timedelta(hours=5)))
    assert format_time(made) == "2016-11-11T20:00:00+0500"


@settings(max_examples=200)
@given(
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
    st.integers(-24 * 60 + 1, 24 * 60 - 1),
)
def test_times_round_trip_through_both_caches(moment: datetime, minutes: int) -> None:
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    text = format_time(aware)
    assert format_time(aware) == text  # from the cache
    parsed = parse_time(text)
    assert parsed == aware and parsed.utcoffset() == aware.utcoffset()
    assert format_time(parsed) == text


def test_exact_hints_agree_with_their_readers() -> None:
    samples: list[Any] = [None, True, False, 0, 1, -3, 1.5, "", "x", [], {}, ["a"]]
    for rmap in MAPS.values():
        for fld in rmap.fields:
            if fld.exact is None:
                continue
            assert fld.read is not None and fld.attr is not None
            for value in samples:
                expected = value if type(value) in fld.exact else wiremap.SLOW
                assert fld.read(value) is expected, (rmap.cls.entity, fld.key, value)
