"""The RPC converter's fast path keeps its promises: what it reads without keeping the original
renders back exactly, and its fast readers agree with the loaders (checked here, not per read)."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nutshell_core import wiremap
from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import Record
from nutshell_rpc._codecs import RPC_TIME, format_time, parse_time
from nutshell_rpc.convert import record_from_rpc, record_maps, record_to_rpc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpc"
FILES = sorted(FIXTURES.rglob("*.json"))
MAPS = record_maps()


def records_in(value: Any) -> list[tuple[dict[str, Any], Record]]:
    """Every object with a known entityType in ``value``, nested ones too, with its record."""
    found: list[tuple[dict[str, Any], Record]] = []
    if isinstance(value, list):
        for item in value:
            found += records_in(item)
    elif isinstance(value, dict):
        if isinstance(value.get("entityType"), str):
            # a type the model lacks is no record, but its members still count
            with contextlib.suppress(MalformedResponseError):
                found.append((value, record_from_rpc(value)))
        for item in value.values():
            found += records_in(item)
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_every_recorded_record_keeps_what_its_fast_reads_promised(path: Path) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    for data, record in records_in(raw):
        assert wiremap.verify(MAPS[type(record)], data, record, exact_json=False) == []
        assert record_to_rpc(record) == data


FAST_ROWS = [
    (cls, fld)
    for cls, rmap in MAPS.items()
    for fld in rmap.fields
    if fld.read is not None and fld.attr is not None
]

TIMES = st.datetimes(
    min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(None)
).map(lambda moment: moment.replace(microsecond=0))
OFFSETS = st.integers(-24 * 60 + 1, 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
TIME_TEXT = st.builds(
    lambda moment, tz: moment.replace(tzinfo=tz).strftime(RPC_TIME), TIMES, OFFSETS
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | TIME_TEXT,
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


@settings(max_examples=300)
@given(TIMES, OFFSETS)
def test_fast_time_parsing_matches_strptime(moment: datetime, tz: timezone) -> None:
    text = moment.replace(tzinfo=tz).strftime(RPC_TIME)
    expected = datetime.strptime(text, RPC_TIME)
    parsed = parse_time(text)
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()
    assert format_time(parsed) == expected.strftime(RPC_TIME)


@pytest.mark.parametrize("offset", ["+0060", "+00.1", "-00.0", "+0\u0660" + "00", "-0000", "+0100"])
def test_a_time_with_an_offset_spelled_otherwise_is_written_back_as_sent(offset: str) -> None:
    from nutshell_core.model import Lead  # noqa: PLC0415

    data = {
        "id": 1,
        "entityType": "Leads",
        "rev": "1",
        "createdTime": f"2023-02-27T16:51:57{offset}",
    }
    try:
        record = record_from_rpc(data, Lead)
    except MalformedResponseError:
        return  # refused with its path is as good: never a time written back otherwise
    assert record_to_rpc(record)["createdTime"] == data["createdTime"]


def test_a_bare_link_renders_as_its_class_stub_each_time_from_a_kept_copy() -> None:
    from nutshell_core.model import Lead, Outcome, Ref, User  # noqa: PLC0415
    from nutshell_rpc.convert import make_rpc_converter  # noqa: PLC0415

    conv = make_rpc_converter()
    lead = Lead(
        id=1, owner=Ref(entity="User", id=5, name="Ann"), outcome=Ref(entity="Outcome", id=2)
    )
    first = conv.unstructure(lead)
    assert first["assignee"] == conv.unstructure(User(id=5, name="Ann"))
    assert first["outcome"] == conv.unstructure(Outcome(id=2))
    first["assignee"]["name"] = "changed by the caller"
    assert conv.unstructure(lead) == conv.unstructure(Lead(**attrs.asdict(lead, recurse=False)))
    assert conv.unstructure(lead)["assignee"]["name"] == "Ann"
    # Ids equal as numbers but not as JSON are not confused (True == 1 == 1.0 in Python).
    odd = [cast(Any, True), cast(Any, 1.0), 1]
    rendered = [
        conv.unstructure(Lead(id=2, owner=Ref(entity="User", id=i, name="Ann")))["assignee"]["id"]
        for i in odd
    ]
    assert [type(r) for r in rendered] == [bool, float, int]
    # A hook registered later applies to links rendered after it, kept copies or not.
    conv.register_unstructure_hook(User, lambda user: {"entityType": "Users", "id": user.id})
    assert conv.unstructure(lead)["assignee"] == {"entityType": "Users", "id": 5}
