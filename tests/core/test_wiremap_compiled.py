"""The generated per-shape structure code gives exactly what the generic loop gives, for every
kind of reader result (plain, Kept, Check, SLOW, an error), rows filling several attributes,
a prepare step, and classes built slot by slot or by their ``__init__``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutshell_core import wiremap
from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import UNSET, Maybe, Record, Ref, Unset, WireMemo
from nutshell_core.wiremap import SLOW, Check, Field, Kept, RecordMap


@attrs.frozen(kw_only=True)
class Gadget(Record):
    """Its ``__init__`` only stores its arguments: the generated code stores them itself."""

    entity: ClassVar[str] = "Gadget"

    name: Maybe[str | None] = UNSET
    size: Maybe[int] = UNSET
    note: Maybe[str] = UNSET
    left: Maybe[int] = UNSET
    right: Maybe[int] = UNSET
    total: Maybe[int] = UNSET


def _not_negative(_instance: Any, _attribute: Any, value: Any) -> None:
    if isinstance(value, int) and value < 0:
        raise ValueError("a size is not negative")


@attrs.frozen(kw_only=True)
class CheckedGadget(Gadget):
    """A validator: the generated code calls ``__init__``."""

    entity: ClassVar[str] = "CheckedGadget"

    size: Maybe[int] = attrs.field(default=UNSET, validator=_not_negative)


def _plain_int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _size(value: Any) -> Mapping[str, Any]:
    if type(value) is str and value.isdigit():
        return {"size": int(value)}
    return {"size": _plain_int(value)}


def _read_size(value: Any) -> Any:
    if type(value) is int:
        return value
    if type(value) is str and value.isdigit():
        return Kept(int(value))  # written back as a number: the spelling is kept
    return SLOW


def _note(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return {"note": value.strip()}


def _read_note(value: Any) -> Any:
    return Check(value.strip())  # fails (an error) on anything but a string


def _pair(value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if isinstance(value, list):
        left, right = value
    else:
        left, right = value["l"], value["r"]
    return {"left": _plain_int(left), "right": _plain_int(right)}


def _read_pair(value: Any) -> Any:
    if value is None:
        return None  # validated: fills nothing
    if type(value) is list and len(value) == 2 and all(type(v) is int for v in value):
        return Check({"left": value[0], "right": value[1]})
    if (
        type(value) is dict
        and list(value) == ["l", "r"]
        and type(value["l"]) is int
        and type(value["r"]) is int
    ):
        return Kept({"left": value["l"], "right": value["r"]})
    return SLOW


def _dump_pair(record: Record) -> Any:
    left, right = getattr(record, "left", UNSET), getattr(record, "right", UNSET)
    if isinstance(left, Unset) and isinstance(right, Unset):
        return UNSET
    return {"l": left, "r": right}


def _clash(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return {"name": value}


def _read_clash(value: Any) -> Any:
    return Kept({"name": value}) if type(value) is str else SLOW


def _ghost(value: Any) -> Mapping[str, Any]:
    return {"nothing_like_it": value}


def _read_ghost(value: Any) -> Any:
    return Kept({"nothing_like_it": value})


def _attr(name: str) -> Any:
    def dump(record: Record) -> Any:
        return getattr(record, name, UNSET)

    return dump


def _fields() -> tuple[Field, ...]:
    return (
        Field(
            "id",
            lambda v: {"id": _plain_int(v)},
            _attr("id"),
            attr="id",
            read=lambda v: v if type(v) is int else SLOW,
            exact=(int,),
        ),
        Field(
            "name",
            lambda v: {"name": v if v is None else str(v)},
            _attr("name"),
            attr="name",
            read=lambda v: v if v is None or type(v) is str else SLOW,
            exact=(str, type(None)),
        ),
        Field("size", _size, _attr("size"), attr="size", read=_read_size),
        Field("note", _note, _attr("note"), attr="note", read=_read_note),
        Field("pair", _pair, _dump_pair, read=_read_pair),
        Field("clash", _clash, lambda record: UNSET, read=_read_clash),
        Field("ghost", _ghost, lambda record: UNSET, read=_read_ghost),
        Field("slowonly", lambda v: {"total": _plain_int(v)}, lambda record: UNSET),
    )


def _prepare(values: dict[str, Any], data: Mapping[str, Any]) -> None:
    if data.get("boom"):
        raise ValueError("boom")
    size = values.get("size", UNSET)
    if isinstance(size, int):
        values["total"] = size * 2


MAPS = {cls: RecordMap(cls, _fields()) for cls in (Gadget, CheckedGadget)}

VALUES: dict[str, st.SearchStrategy[Any]] = {
    "id": st.integers(0, 9) | st.just("1"),
    "name": st.none() | st.text(max_size=2) | st.just(5),
    "size": st.integers(-3, 9) | st.sampled_from(["4", "x", "", 1.5]),
    "note": st.sampled_from(["a", " a ", "", 3, None]),
    "pair": st.sampled_from(
        [
            None,
            {"l": 1, "r": 2},
            {"r": 2, "l": 1},
            [1, 2],
            [1, "2"],
            {"l": 1},
            7,
            {"l": True, "r": 2},
        ]
    ),
    "clash": st.sampled_from(["x", 5]),
    "ghost": st.just(1),
    "slowonly": st.integers(0, 3) | st.just("z"),
    "boom": st.booleans(),
    "unknown": st.integers(0, 3) | st.lists(st.integers(0, 3), max_size=2),
}
#: Keys that make the whole record fall back (the loop decides), drawn less often.
RARE = ("clash", "ghost", "slowonly", "boom")


@st.composite
def wire_dicts(draw: st.DrawFn) -> dict[str, Any]:
    keys = [key for key in VALUES if key not in RARE or draw(st.integers(0, 3)) == 0]
    keys = draw(st.permutations(keys))
    keys = keys[: draw(st.integers(0, len(keys)))]
    return {key: draw(VALUES[key]) for key in keys}


def memo_of(record: Record) -> tuple[Any, ...]:
    memo = record.memo
    assert memo is not None
    loaded = {key: dict(part) for key, part in memo.loaded.items()}
    return (memo.wire, dict(memo.extra), dict(memo.originals), memo.order, loaded)


def outcome(structure: Any, data: dict[str, Any]) -> tuple[Any, ...]:
    try:
        record = structure(data)
    except MalformedResponseError as exc:
        return ("error", str(exc), exc.problems)
    return ("record", record, memo_of(record))


@pytest.mark.parametrize("cls", [Gadget, CheckedGadget])
@pytest.mark.parametrize("prepare", [None, _prepare], ids=["plain", "prepare"])
@settings(max_examples=250)
@given(data=wire_dicts())
def test_generated_code_gives_what_the_loop_gives(
    cls: type[Record], prepare: Any, data: dict[str, Any]
) -> None:
    codec = wiremap.codec(MAPS[cls], "test", exact_json=True, prepare=prepare)
    expected = outcome(codec.structure_any, data)
    for _ in range(3):  # the first sight takes the loop, the next ones the generated code
        got = outcome(codec.structure, dict(data))
        assert got == expected
        if got[0] == "record":
            assert wiremap.same_json(codec.unstructure(got[1]), codec.unstructure(expected[1]))


def test_the_generated_code_is_used_and_keeps_what_it_must() -> None:
    codec = wiremap.codec(MAPS[Gadget], "test", exact_json=True, prepare=_prepare)
    data = {"id": 3, "size": "4", "note": " hi ", "pair": {"l": 1, "r": 2}, "more": [1]}
    for _ in range(2):
        codec.structure(data)
    assert tuple(data) in codec._shapes  # compiled, not the loop
    record = codec.structure(data)
    assert record == Gadget(id=3, size=4, note="hi", left=1, right=2, total=8)
    assert memo_of(record) == (
        "test",
        {"more": [1]},
        {"size": "4", "pair": {"l": 1, "r": 2}, "note": " hi "},
        tuple(data),
        {"pair": {"left": 1, "right": 2}, "note": {"note": "hi"}},
    )
    assert codec.unstructure(record) == data


def test_a_bad_value_in_a_compiled_shape_names_its_path() -> None:
    codec = wiremap.codec(MAPS[CheckedGadget], "test", exact_json=True)
    good = {"id": 1, "size": 2, "pair": [1, 2]}
    for _ in range(2):
        codec.structure(good)
    for key, bad, where in (
        ("size", "x", "$.size"),
        ("pair", [1, "2"], "$.pair"),
        ("size", -1, "$"),
    ):
        with pytest.raises(MalformedResponseError) as caught:
            codec.structure({**good, key: bad}, "$")
        assert any(problem.endswith(f"@ {where}") for problem in caught.value.problems)


@pytest.mark.parametrize("cls", [Gadget, CheckedGadget])
@pytest.mark.parametrize("prepare", [None, _prepare], ids=["plain", "prepare"])
@pytest.mark.parametrize(
    "data",
    [
        {"clash": "x", "name": "y", "size": 1},
        {"name": "y", "clash": "x", "size": 1},
        {"id": 1, "ghost": 2},
        {"pair": [1, 2], "name": "n"},
        {"pair": None, "size": "12"},
    ],
    ids=["clash-first", "clash-last", "not-a-field", "check", "validated"],
)
def test_rows_filling_several_attributes(
    cls: type[Record], prepare: Any, data: dict[str, Any]
) -> None:
    codec = wiremap.codec(MAPS[cls], "test", exact_json=True, prepare=prepare)
    expected = outcome(codec.structure_any, data)
    for _ in range(3):
        assert outcome(codec.structure, dict(data)) == expected


def test_a_memo_stored_slot_by_slot_is_the_memo_its_class_builds() -> None:
    parts: tuple[Any, ...] = ("rest", {"a": 1}, {"b": 2}, ("a", "b"), {"b": {"c": 3}})
    built = WireMemo(wire="rest", extra={"a": 1}, originals={"b": 2}, order=("a", "b"))
    stored = wiremap.new_memo(*parts)
    assert type(stored) is WireMemo and stored == built
    assert (stored.wire, stored.extra, stored.originals, stored.order, stored.loaded) == parts


def test_positional_makers_build_what_the_class_builds_and_defer_to_a_validator() -> None:
    make_ref = wiremap.positional_maker(Ref, ("entity", "id", "name", "relationship", "record"))
    made = make_ref("User", 7, "Ann", None, None)
    assert type(made) is Ref and made == Ref(entity="User", id=7, name="Ann", relationship=None)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.id = 8  # type: ignore[misc]

    @attrs.frozen
    class Checked:
        size: int = attrs.field(validator=attrs.validators.instance_of(int))

    make_checked = wiremap.positional_maker(Checked, ("size",))
    assert make_checked(3) == Checked(size=3)
    with pytest.raises(TypeError):
        make_checked("3")  # through the class, so its validator runs


def test_positional_makers_go_through_the_class_when_init_does_more_than_store() -> None:
    @attrs.frozen(cache_hash=True)
    class Hashed:
        a: int
        b: int

    assert hash(wiremap.positional_maker(Hashed, ("a", "b"))(1, 2)) == hash(Hashed(1, 2))

    @attrs.frozen
    class Private:
        _x: int

    assert wiremap.positional_maker(Private, ("_x",))(3) == Private(3)

    class Checked(Ref):
        def __init__(self, **fields: Any) -> None:
            raise ValueError("checked")

    make = wiremap.positional_maker(Checked, ("entity", "id", "name", "relationship", "record"))
    with pytest.raises(ValueError, match="checked"):
        make("User", 1, None, None, None)
