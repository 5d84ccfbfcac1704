"""bridge.diff: paths, record matching by id, strict types, ignore globs, normalizers, render."""

from __future__ import annotations

import copy
import math
import pickle
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.diff import (
    MISSING,
    DiffEntry,
    Same,
    casefold,
    check_glob,
    diff,
    from_differences,
    iso_instant,
    normalizers_from,
    numbers_as_decimal,
    path_matches,
    render,
    unordered,
)
from bridge.registry import Difference
from nutshell_core.errors import UsageError

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
        | st.lists(
            st.fixed_dictionaries({"id": st.integers(0, 5)}, optional={"name": children}),
            max_size=4,
        )
    ),
    max_leaves=20,
)
finite_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
        | st.lists(
            st.fixed_dictionaries({"id": st.integers(0, 5)}, optional={"name": children}),
            max_size=4,
        )
    ),
    max_leaves=20,
)


def paths(entries: tuple[DiffEntry, ...]) -> list[tuple[str, str]]:
    return [(entry.path, entry.kind) for entry in entries]


# --- identity and symmetry -----------------------------------------------------------------------


@given(json_values)
def test_identical_values_have_no_differences(value: Any) -> None:
    assert diff(value, value) == ()
    assert diff(value, copy.deepcopy(value)) == ()


@given(finite_values, finite_values)
def test_diff_is_symmetric(old: Any, new: Any) -> None:
    swap = {"added": "removed", "removed": "added", "changed": "changed", "type": "type"}
    forward = {(e.path, e.kind, repr(e.old), repr(e.new)) for e in diff(old, new)}
    backward = {(e.path, swap[e.kind], repr(e.new), repr(e.old)) for e in diff(new, old)}
    assert forward == backward


@given(finite_values, finite_values)
def test_ignoring_the_root_ignores_everything(old: Any, new: Any) -> None:
    assert diff(old, new, ignore=["$"]) == ()


def test_nan_equals_nan_because_it_is_the_same_wire_value() -> None:
    assert diff({"x": math.nan}, {"x": math.nan}) == ()


# --- paths ---------------------------------------------------------------------------------------


def test_paths_use_dots_for_identifiers_and_quotes_for_other_keys() -> None:
    old = {"name": "Ann", "email": {"--primary": "a@x.com"}, "Lead–1000": 1, "tags": ["a", "b"]}
    new = {"name": "Anne", "email": {"--primary": "b@x.com"}, "Lead–1000": 2, "tags": ["a", "c"]}
    assert paths(diff(old, new)) == [
        ('$["Lead–1000"]', "changed"),
        ('$.email["--primary"]', "changed"),
        ("$.name", "changed"),
        ("$.tags[1]", "changed"),
    ]


def test_changed_entry_carries_both_values() -> None:
    assert diff({"a": {"b": 1}}, {"a": {"b": 2}}) == (DiffEntry("$.a.b", "changed", 1, 2),)


# --- records matched by id ------------------------------------------------------------------------


def test_records_are_matched_by_id_regardless_of_order() -> None:
    old = [{"id": 1003, "rev": "1"}, {"id": 1004, "rev": "1"}]
    new = [{"id": 1004, "rev": "1"}, {"id": 1003, "rev": "2"}]
    assert diff(old, new) == (DiffEntry("$[id=1003].rev", "changed", "1", "2"),)
    assert diff(old, list(reversed(old))) == ()


def test_added_and_removed_records_are_reported_by_id() -> None:
    old = {"contacts": [{"id": 7, "name": "Ann"}, {"id": 8, "name": "Bo"}]}
    new = {"contacts": [{"id": 9, "name": "Cy"}, {"id": 7, "name": "Anne"}]}
    assert diff(old, new) == (
        DiffEntry("$.contacts[id=7].name", "changed", "Ann", "Anne"),
        DiffEntry("$.contacts[id=8]", "removed", {"id": 8, "name": "Bo"}, MISSING),
        DiffEntry("$.contacts[id=9]", "added", MISSING, {"id": 9, "name": "Cy"}),
    )


def test_record_ids_keep_their_type() -> None:
    assert paths(diff([{"id": 7}], [{"id": "7"}])) == [
        ("$[id=7]", "removed"),
        ('$[id="7"]', "added"),
    ]


def test_duplicate_ids_fall_back_to_entity_type_then_position() -> None:
    old = [{"id": 1, "entityType": "Contacts", "n": 1}, {"id": 1, "entityType": "Accounts", "n": 2}]
    new = [{"id": 1, "entityType": "Accounts", "n": 2}, {"id": 1, "entityType": "Contacts", "n": 3}]
    assert paths(diff(old, new)) == [('$[entityType="Contacts",id=1].n', "changed")]
    same = [{"id": 1, "n": 1}, {"id": 1, "n": 2}]
    assert paths(diff(same, [same[1], same[0]])) == [("$[0].n", "changed"), ("$[1].n", "changed")]


def test_entity_type_change_on_a_unique_id_is_a_field_change() -> None:
    old = [{"id": 1, "entityType": "Contacts"}]
    new = [{"id": 1, "entityType": "Accounts"}]
    assert paths(diff(old, new)) == [("$[id=1].entityType", "changed")]


def test_lists_without_ids_compare_by_position() -> None:
    assert diff([1, 2], [1, 2, 3]) == (DiffEntry("$[2]", "added", MISSING, 3),)
    assert diff([1, 2, 3], [1, 2]) == (DiffEntry("$[2]", "removed", 3, MISSING),)
    mixed = [{"id": 1}, {"name": "no id"}]
    assert paths(diff(mixed, [mixed[1], mixed[0]])) == [
        ("$[0].id", "removed"),
        ("$[0].name", "added"),
        ("$[1].id", "added"),
        ("$[1].name", "removed"),
    ]


def test_records_on_one_side_of_an_empty_list_are_added_by_id() -> None:
    assert paths(diff([], [{"id": 5}])) == [("$[id=5]", "added")]


# --- types are never silently equal ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (1, "1"),
        (1, True),
        (0, False),
        (1, 1.0),
        (None, 0),
        (None, {}),
        ([], {}),
        ("", None),
    ],
)
def test_type_differences_are_reported(old: Any, new: Any) -> None:
    assert diff({"v": old}, {"v": new}) == (DiffEntry("$.v", "type", old, new),)


def test_a_missing_key_is_not_null() -> None:
    assert diff({}, {"v": None}) == (DiffEntry("$.v", "added", MISSING, None),)
    assert diff({"v": None}, {}) == (DiffEntry("$.v", "removed", None, MISSING),)


def test_tuples_and_lists_are_both_json_arrays() -> None:
    assert diff([1, 2], (1, 2)) == ()


def test_other_objects_compare_with_equality() -> None:
    assert diff({"d": Decimal("1.0")}, {"d": Decimal("1")}) == ()
    assert paths(diff({"d": Decimal("1")}, {"d": 1})) == [("$.d", "type")]


# --- ignore globs and predicates ------------------------------------------------------------------


def test_registry_style_glob_drops_a_field_of_every_record() -> None:
    old = [{"id": 1, "activitiesCount": 3, "name": "A"}, {"id": 2, "activitiesCount": 0}]
    new = [{"id": 2, "activitiesCount": 5}, {"id": 1, "name": "B"}]
    assert paths(diff(old, new, ignore=["$[*].activitiesCount"])) == [("$[id=1].name", "changed")]


def test_recursive_descent_matches_any_depth() -> None:
    old = {"modifiedTime": 1, "a": {"modifiedTime": 2, "b": [{"id": 1, "modifiedTime": 3}]}}
    new = {"modifiedTime": 9, "a": {"modifiedTime": 8, "b": [{"id": 1, "modifiedTime": 7}]}}
    assert len(diff(old, new)) == 3
    assert diff(old, new, ignore=["$..modifiedTime"]) == ()
    assert paths(diff(old, new, ignore=["$.a..modifiedTime"])) == [("$.modifiedTime", "changed")]


def test_a_glob_drops_everything_below_it() -> None:
    old = {"a": {"b": {"c": 1}, "d": [1]}, "e": 1}
    new = {"a": {"b": {"c": 2}, "x": 1}, "e": 2}
    assert paths(diff(old, new, ignore=["$.a"])) == [("$.e", "changed")]


def test_star_matches_keys_and_indices_but_element_star_only_elements() -> None:
    old = {"a": {"x": 1}, "b": [{"x": 1}]}
    new = {"a": {"x": 2}, "b": [{"x": 2}]}
    assert paths(diff(old, new, ignore=["$.*.*.x"])) == [("$.a.x", "changed")]
    assert diff(old, new, ignore=["$.*.x", "$.*[*].x"]) == ()
    assert paths(diff(old, new, ignore=["$.*[*].x"])) == [("$.a.x", "changed")]
    assert paths(diff({"a": 1}, {"a": 2}, ignore=["$[*]"])) == [("$.a", "changed")]


def test_quoted_and_record_segments_in_globs() -> None:
    old = {"email": {"--primary": "a", "1": "b"}, "rows": [{"id": 3, "n": 1}, {"id": 4, "n": 1}]}
    new = {"email": {"--primary": "A", "1": "c"}, "rows": [{"id": 3, "n": 2}, {"id": 4, "n": 2}]}
    kept = diff(old, new, ignore=['$.email["--primary"]', "$.rows[id=3]"])
    assert paths(kept) == [('$.email["1"]', "changed"), ("$.rows[id=4].n", "changed")]


def test_a_lone_glob_string_is_one_glob() -> None:
    assert diff({"a": 1, "b": 1}, {"a": 2, "b": 1}, ignore="$.a") == ()


def test_predicates_are_asked_only_about_differing_paths() -> None:
    calls: list[tuple[str, Any, Any]] = []

    def never(path: str, old: Any, new: Any) -> bool:
        calls.append((path, old, new))
        return False

    diff({"same": [1, 2], "x": {"y": 1}}, {"same": [1, 2], "x": {"y": 2}, "z": 0}, ignore=[never])
    assert [call[0] for call in calls] == ["$.x.y", "$.x", "$.z", "$"]
    assert calls[2] == ("$.z", MISSING, 0)


def test_a_predicate_can_drop_a_container() -> None:
    def same_length(path: str, old: Any, new: Any) -> bool:
        return path == "$.tags" and len(old) == len(new)

    assert paths(
        diff({"tags": [1, 2], "n": 1}, {"tags": [2, 3], "n": 2}, ignore=[same_length])
    ) == [("$.n", "changed")]


@pytest.mark.parametrize("glob", ["a.b", "$.", "$[", "$..", "$[x]", "$.a]", '$["unterminated]'])
def test_bad_globs_are_rejected(glob: str) -> None:
    with pytest.raises(UsageError):
        diff(1, 2, ignore=[glob])
    with pytest.raises(UsageError):
        check_glob(glob)


def test_ignore_items_must_be_globs_or_callables() -> None:
    with pytest.raises(UsageError):
        diff(1, 2, ignore=[42])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("glob", "path", "expected"),
    [
        ("$[*].activitiesCount", "$[id=1003].activitiesCount", True),
        ("$[*].activitiesCount", "$[2].activitiesCount", True),
        ("$[*].activitiesCount", "$.x.activitiesCount", False),
        ("$..modifiedTime", "$.a[3].b.modifiedTime", True),
        ("$..modifiedTime", "$.modifiedTime", True),
        ("$..modifiedTime", "$.modifiedTime.x", False),
        ("$.*", "$[4]", True),
        ('$.email["--primary"]', '$.email["--primary"]', True),
        ('$["name"]', "$.name", True),
        ("$..[*]", "$.a.b[0]", True),
    ],
)
def test_path_matches(glob: str, path: str, expected: bool) -> None:
    assert path_matches(glob, path) is expected


# --- normalizers ----------------------------------------------------------------------------------


def test_iso_instant_compares_instants_not_spellings() -> None:
    old = {"t": "2016-11-11T15:59:00+0000", "u": "2016-11-11T15:59:00Z"}
    new = {"t": "2016-11-11T10:59:00-05:00", "u": "2016-11-11T15:59:00.000+00:00"}
    assert paths(diff(old, new)) == [("$.t", "changed"), ("$.u", "changed")]
    assert diff(old, new, normalizers=[iso_instant]) == ()
    assert iso_instant("$", "2016-11-11T10:59:00-05:00") == "2016-11-11T15:59:00+00:00"


def test_iso_instant_keeps_different_instants_and_non_instants_apart() -> None:
    assert diff("2016-11-11T15:59:00+0000", "2016-11-11T15:59:01+0000", normalizers=[iso_instant])
    for value in ("2016-11-11T15:59:00", "2016-11-11", "2016-13-11T15:59:00Z", 5, "hello"):
        assert iso_instant("$", value) == value


def test_numbers_as_decimal_equates_numbers_only() -> None:
    norm = [numbers_as_decimal]
    assert diff({"v": 1, "w": 2.50}, {"v": 1.0, "w": 2.5}, normalizers=norm) == ()
    assert paths(diff({"v": "1.00"}, {"v": 1}, normalizers=norm)) == [("$.v", "type")]
    assert paths(diff({"v": True}, {"v": 1}, normalizers=norm)) == [("$.v", "type")]
    assert numbers_as_decimal("$", 0.1) == Decimal("0.1")
    assert math.isnan(numbers_as_decimal("$", math.nan))


def test_unordered_sorts_only_matching_lists() -> None:
    old = {"tags": ["b", "a"], "order": [1, 2], "nested": [{"tags": [2, 1]}]}
    new = {"tags": ["a", "b"], "order": [2, 1], "nested": [{"tags": [1, 2]}]}
    kept = diff(old, new, normalizers=[unordered("$..tags")])
    assert paths(kept) == [("$.order[0]", "changed"), ("$.order[1]", "changed")]
    by_len = unordered("$", key=len)
    assert by_len("$", ["ccc", "a", "bb"]) == ["a", "bb", "ccc"]


def test_unordered_default_key_orders_mixed_values() -> None:
    assert diff([1, "1", None, True], [True, None, "1", 1], normalizers=[unordered("$")]) == ()
    assert diff([1, "1"], ["1", True], normalizers=[unordered("$")]) != ()


def test_casefold_applies_at_matching_paths() -> None:
    old = {"email": {"--primary": "Ann@X.com"}, "name": "Ann"}
    new = {"email": {"--primary": "ann@x.com"}, "name": "ANN"}
    assert paths(diff(old, new, normalizers=[casefold("$..email.*")])) == [("$.name", "changed")]
    with pytest.raises(UsageError):
        casefold()


def test_normalizers_see_every_path_and_run_in_order() -> None:
    seen: list[str] = []

    def record(path: str, value: Any) -> Any:
        seen.append(path)
        return value

    def double(path: str, value: Any) -> Any:
        return value * 2 if isinstance(value, int) and not isinstance(value, bool) else value

    def plus_one(path: str, value: Any) -> Any:
        return value + 1 if isinstance(value, int) and not isinstance(value, bool) else value

    diff({"a": [{"id": 1, "b": 1}]}, {"a": [{"id": 1, "b": 1}]}, normalizers=[record])
    assert sorted(set(seen)) == ["$", "$.a", "$.a[id=1]", "$.a[id=1].b", "$.a[id=1].id"]
    assert diff(3, 7, normalizers=[double, plus_one]) == (DiffEntry("$", "changed", 7, 15),)


# --- render ---------------------------------------------------------------------------------------


def test_render_is_readable() -> None:
    old = {"name": "Ann", "gone": 1, "n": 1}
    new = {"name": "Anne", "new": [1], "n": "1"}
    assert render(diff(old, new)) == "\n".join(
        [
            "- $.gone: 1",
            '! $.n: 1 (int) -> "1" (string)',
            '~ $.name: "Ann" -> "Anne"',
            "+ $.new: [1]",
        ]
    )
    assert render(()) == "(no differences)"
    assert (
        render([DiffEntry("$.x", "type", MISSING, None)])
        == "! $.x: <missing> (missing) -> null (null)"
    )


def test_render_is_stable_whatever_the_key_order() -> None:
    old_a = {"x": 1, "y": 2}
    old_b = {"y": 2, "x": 1}
    new = {"y": 3, "x": 4}
    assert render(diff(old_a, new)) == render(diff(old_b, new))


def test_render_is_bounded() -> None:
    long = "z" * 10_000
    text = render(diff({"v": long}, {"v": long + "!"}), width=40)
    assert len(text) < 200 and "chars" in text
    many = render(diff(list(range(200)), list(range(1, 201))), max_entries=5)
    assert many.count("\n") == 5 and many.endswith("... and 195 more difference(s)")


def test_render_falls_back_to_repr_for_non_json_values() -> None:
    assert "Decimal('1')" in render([DiffEntry("$", "changed", Decimal(1), Decimal(2))])


# --- registry differences, pickling ---------------------------------------------------------------


def test_from_differences_keeps_result_paths_only() -> None:
    differences = [
        Difference("$[*].activitiesCount", "REST has no counts"),
        Difference("param:orderBy", "REST sorts differently"),
        Difference("$..modifiedTime", "precision"),
        Difference("$[*].activitiesCount", "duplicate"),
    ]
    globs = from_differences(differences)
    assert globs == ("$[*].activitiesCount", "$..modifiedTime")
    assert diff([{"id": 1, "activitiesCount": 1}], [{"id": 1}], ignore=globs) == ()
    with pytest.raises(UsageError):
        from_differences([Difference("activitiesCount", "no $")])


def test_differences_tolerated_while_alike_still_report_other_values() -> None:
    """A ``same`` difference is left out of the globs and compared through a normalizer: the
    spelling it tolerates passes, a different value at the same path is still reported."""
    differences = [
        Difference("$..dueTime", "UTC", same=Same.INSTANT),
        Difference("$..amount", "numbers", same=Same.NUMBER),
        Difference("$.address.*.*", "nulls", same=Same.EMPTY_OR_MISSING),
        Difference("$.rev", "opaque"),
    ]
    assert from_differences(differences) == ("$.rev",)
    alike = normalizers_from(differences)
    written = {
        "rev": "1",
        "dueTime": "2030-01-01T10:00:00-0500",
        "value": {"amount": 10.0},
        "address": {"home": {"city": "Austin"}},
    }
    read = {
        "rev": "b:2",
        "dueTime": "2030-01-01T15:00:00+0000",
        "value": {"amount": 10},
        "address": {
            "home": {
                "city": "Austin",
                "address_2": None,
                "location": {"latitude": None, "longitude": None},
            }
        },
    }
    globs = from_differences(differences)
    assert diff(written, read, ignore=globs) != ()  # undeclared, these would all show
    assert diff(written, read, ignore=globs, normalizers=alike) == ()
    changed = {
        **read,
        "dueTime": "2030-01-01T16:00:00+0000",
        "value": {"amount": 11},
        "address": {"home": {"city": None, "address_2": "Suite 1"}},
    }
    paths = {e.path for e in diff(written, changed, ignore=globs, normalizers=alike)}
    assert paths == {
        "$.dueTime",
        "$.value.amount",
        "$.address.home.city",
        "$.address.home.address_2",
    }


def test_entries_pickle_and_missing_stays_itself() -> None:
    entries = diff({"a": 1}, {"b": 2})
    again = pickle.loads(pickle.dumps(entries))
    assert again == entries
    assert again[0].new is MISSING and repr(MISSING) == "<missing>"
