"""JSON Patch in Nutshell's dialect: building, diffing and validating (rest-api.md §5.2)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutshell_core.errors import InvalidRequestError, UsageError
from nutshell_core.model import UNSET
from nutshell_rest.patch import (
    LIST_FIELDS,
    PATCH_MEDIA_TYPE,
    TO_MANY_LINK_TYPES,
    TO_ONE_LINK_TYPES,
    Patch,
    PatchOp,
    diff_inputs,
    escape_token,
    parse_patch,
    split_path,
    unescape_token,
)


def test_media_type() -> None:
    assert PATCH_MEDIA_TYPE == "application/json-patch+json"


# -- PatchOp ------------------------------------------------------------------------------------


def test_patch_op_to_json() -> None:
    assert PatchOp("remove", "/leads/0/links/contacts/55-contacts").to_json() == {
        "op": "remove",
        "path": "/leads/0/links/contacts/55-contacts",
    }
    assert PatchOp("replace", "/leads/0/links/owner", None).to_json() == {
        "op": "replace",
        "path": "/leads/0/links/owner",
        "value": None,
    }
    assert PatchOp("move", "/a/0/b", from_="/a/0/c").to_json() == {
        "op": "move",
        "path": "/a/0/b",
        "from": "/a/0/c",
    }
    assert PatchOp("remove", "/a/0/b").value is UNSET


def test_patch_op_to_json_returns_a_copy() -> None:
    op = PatchOp("replace", "/leads/0/emails", [{"value": "a@x.com"}])
    op.to_json()["value"][0]["value"] = "changed"
    assert op.value == [{"value": "a@x.com"}]


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (("delete", "/a/0/b"), {}, "unknown JSON Patch op"),
        (("remove", "a/0/b"), {}, "path"),
        (("remove", 3), {}, "path"),
        (("add", "/a/0/b"), {}, "needs a value"),
        (("replace", "/a/0/b"), {}, "needs a value"),
        (("test", "/a/0/b"), {}, "needs a value"),
        (("move", "/a/0/b"), {}, "needs from_"),
        (("copy", "/a/0/b"), {"from_": "nope"}, "from_"),
    ],
)
def test_patch_op_validation(args: tuple[Any, ...], kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        PatchOp(*args, **kwargs)


# -- the builder --------------------------------------------------------------------------------


def test_builder_produces_the_reference_examples() -> None:
    patch = (
        Patch("leads")
        .replace("description", "Big deal")
        .set_link("owner", 2)
        .add_link("contacts", 55)
        .remove_link("contacts", "55-contacts")
        .replace_links("accounts", [3, "4-accounts"])
        .replace_list("emails", [{"isPrimary": True, "value": "a@x.com"}])
        .custom_field("Favorite Number", "12")
        .manual_value("500.00")
    )
    assert patch.to_json() == [
        {"op": "replace", "path": "/leads/0/description", "value": "Big deal"},
        {"op": "replace", "path": "/leads/0/links/owner", "value": "2-users"},
        {"op": "add", "path": "/leads/0/links/contacts/-", "value": "55-contacts"},
        {"op": "remove", "path": "/leads/0/links/contacts/55-contacts"},
        {"op": "replace", "path": "/leads/0/links/accounts", "value": ["3-accounts", "4-accounts"]},
        {
            "op": "replace",
            "path": "/leads/0/emails",
            "value": [{"isPrimary": True, "value": "a@x.com"}],
        },
        {"op": "replace", "path": "/leads/0/customFields/Favorite Number", "value": "12"},
        {"op": "replace", "path": "/leads/0/manualValue", "value": "500.00"},
    ]
    assert len(patch) == 8
    assert all(isinstance(op, PatchOp) for op in patch.ops())
    assert [op.to_json() for op in patch.ops()] == patch.to_json()


def test_paths_use_the_builders_type() -> None:
    assert Patch("contacts").replace("firstName", "Nutty").to_json() == [
        {"op": "replace", "path": "/contacts/0/firstName", "value": "Nutty"}
    ]


def test_every_add_ends_with_dash() -> None:
    patch = Patch("contacts").add_link("accounts", 3).add_link("emAudiences", "1-emAudiences")
    assert [op.path for op in patch.ops()] == [
        "/contacts/0/links/accounts/-",
        "/contacts/0/links/emAudiences/-",
    ]


@pytest.mark.parametrize(("name", "rest_type"), sorted(TO_ONE_LINK_TYPES.items()))
def test_to_one_ints_convert_through_the_table(name: str, rest_type: str) -> None:
    assert Patch("tasks").set_link(name, 9).ops()[0].value == f"9-{rest_type}"


@pytest.mark.parametrize(("name", "rest_type"), sorted(TO_MANY_LINK_TYPES.items()))
def test_to_many_ints_convert_through_the_table(name: str, rest_type: str) -> None:
    patch = Patch("leads").add_link(name, 9).remove_link(name, 10).replace_links(name, [11])
    assert [op.to_json() for op in patch.ops()] == [
        {"op": "add", "path": f"/leads/0/links/{name}/-", "value": f"9-{rest_type}"},
        {"op": "remove", "path": f"/leads/0/links/{name}/10-{rest_type}"},
        {"op": "replace", "path": f"/leads/0/links/{name}", "value": [f"11-{rest_type}"]},
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("owner", "users"),
        ("assignee", "users"),
        ("stage", "stages"),
        ("stageset", "stagesets"),
        ("accountType", "accountTypes"),
        ("industry", "industries"),
        ("territory", "territories"),
    ],
)
def test_to_one_table_spot_checks(name: str, expected: str) -> None:
    assert TO_ONE_LINK_TYPES[name] == expected


def test_set_link_accepts_formatted_ids_and_none() -> None:
    patch = Patch("leads").set_link("owner", "2-teams").set_link("territory", None)
    assert patch.to_json() == [
        {"op": "replace", "path": "/leads/0/links/owner", "value": "2-teams"},
        {"op": "replace", "path": "/leads/0/links/territory", "value": None},
    ]


def test_related_entity_needs_a_formatted_id() -> None:
    with pytest.raises(UsageError, match="formatted id"):
        Patch("tasks").set_link("relatedEntity", 3)
    patch = Patch("tasks").set_link("relatedEntity", "3-contacts").set_link("assignee", 1)
    assert patch.to_json() == [
        {"op": "replace", "path": "/tasks/0/links/relatedEntity", "value": "3-contacts"},
        {"op": "replace", "path": "/tasks/0/links/assignee", "value": "1-users"},
    ]


def test_unknown_links_take_formatted_ids_only() -> None:
    assert Patch("leads").add_link("destinations", "4-destinations").ops()[0].value == (
        "4-destinations"
    )
    with pytest.raises(UsageError, match="formatted id"):
        Patch("leads").add_link("destinations", 4)


@pytest.mark.parametrize("bad", ["Acme", "3", "-3-users", "3-", "3-users/x", True, 0, -1, 1.0])
def test_bad_ids_are_rejected(bad: Any) -> None:
    with pytest.raises(UsageError):
        Patch("leads").set_link("owner", bad)
    with pytest.raises(UsageError):
        Patch("leads").add_link("contacts", bad)
    with pytest.raises(UsageError):
        Patch("leads").remove_link("contacts", bad)
    with pytest.raises(UsageError):
        Patch("leads").replace_links("contacts", [bad])


def test_to_one_and_to_many_methods_do_not_mix() -> None:
    with pytest.raises(UsageError, match="is a list"):
        Patch("leads").set_link("contacts", 5)
    with pytest.raises(UsageError, match="set_link"):
        Patch("leads").add_link("owner", 5)
    with pytest.raises(UsageError, match="set_link"):
        Patch("leads").remove_link("owner", 5)
    with pytest.raises(UsageError, match="set_link"):
        Patch("leads").replace_links("owner", [5])


def test_replace_links_takes_a_list_not_a_string() -> None:
    with pytest.raises(UsageError, match="list of ids"):
        Patch("leads").replace_links("contacts", "55-contacts")
    assert Patch("leads").replace_links("tags", []).to_json() == [
        {"op": "replace", "path": "/leads/0/links/tags", "value": []}
    ]
    assert Patch("leads").replace_links("tags", (i for i in (1, 2))).ops()[0].value == [
        "1-tags",
        "2-tags",
    ]


@pytest.mark.parametrize("field", sorted(LIST_FIELDS))
def test_replace_list_fields(field: str) -> None:
    items: list[dict[str, Any]] = [{"isPrimary": True, "value": "x"}, {"value": "y"}]
    assert Patch("accounts").replace_list(field, items).to_json() == [
        {"op": "replace", "path": f"/accounts/0/{field}", "value": items}
    ]


def test_replace_list_errors_and_copies() -> None:
    with pytest.raises(UsageError, match="replace_list takes"):
        Patch("accounts").replace_list("names", [])
    with pytest.raises(UsageError, match="object"):
        Patch("accounts").replace_list("emails", ["a@x.com"])  # type: ignore[list-item]
    with pytest.raises(UsageError, match="list of objects"):
        Patch("accounts").replace_list("emails", {"value": "a@x.com"})  # type: ignore[dict-item]
    items: list[dict[str, Any]] = [{"value": {"address_1": "1 Main"}}]
    patch = Patch("accounts").replace_list("addresses", items)
    items[0]["value"]["address_1"] = "changed"
    assert patch.ops()[0].value == [{"value": {"address_1": "1 Main"}}]


def test_custom_field_names_are_pointer_escaped() -> None:
    patch = Patch("leads").custom_field("a/b~c", 1).custom_field("~1", ["x"])
    assert [op.path for op in patch.ops()] == [
        "/leads/0/customFields/a~1b~0c",
        "/leads/0/customFields/~01",
    ]


def test_replace_escapes_field_names_too() -> None:
    assert Patch("leads").replace("a/b", 1).ops()[0].path == "/leads/0/a~1b"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("500.00", "500.00"),
        (500, "500.00"),
        (Decimal(500), "500.00"),
        (Decimal("999.9"), "999.90"),
        (Decimal("10.125"), "10.125"),
        (" 42 ", "42.00"),
        ("1e3", "1000.00"),
        (-5, "-5.00"),
        (0, "0.00"),
    ],
)
def test_manual_value(amount: Any, expected: str) -> None:
    assert Patch("leads").manual_value(amount).to_json() == [
        {"op": "replace", "path": "/leads/0/manualValue", "value": expected}
    ]


@pytest.mark.parametrize("bad", [12.5, True, None, "ten", "NaN", "Infinity", Decimal("NaN")])
def test_bad_manual_values(bad: Any) -> None:
    with pytest.raises(UsageError, match="manual value"):
        Patch("leads").manual_value(bad)


def test_manual_value_is_a_lead_field() -> None:
    with pytest.raises(UsageError, match="lead field"):
        Patch("accounts").manual_value(1)


@pytest.mark.parametrize("bad", ["", None, 3])
def test_empty_names_are_rejected(bad: Any) -> None:
    calls: list[Callable[[], Patch]] = [
        lambda: Patch("leads").replace(bad, 1),
        lambda: Patch("leads").set_link(bad, None),
        lambda: Patch("leads").add_link(bad, "1-tags"),
        lambda: Patch("leads").custom_field(bad, 1),
    ]
    for call in calls:
        with pytest.raises(UsageError):
            call()


def test_empty_patch() -> None:
    patch = Patch("leads")
    assert patch.to_json() == []
    assert patch.ops() == ()
    assert len(patch) == 0
    with pytest.raises(UsageError, match="No patches sent"):
        patch.ensure_not_empty()
    full = patch.replace("name", "x")
    assert full.ensure_not_empty() is full


def test_patch_is_immutable() -> None:
    base = Patch("leads")
    changed = base.replace("name", "x")
    assert base.ops() == ()
    assert changed.ops() == (PatchOp("replace", "/leads/0/name", "x"),)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        base.rest_type = "contacts"  # type: ignore[misc]


def test_builder_copies_values() -> None:
    value = {"amount": "1"}
    patch = Patch("leads").replace("dueTime", value)
    value["amount"] = "2"
    assert patch.ops()[0].value == {"amount": "1"}


def test_append_takes_patch_ops_only() -> None:
    op = PatchOp("test", "/leads/0/name", "x")
    assert Patch("leads").append(op).ops() == (op,)
    with pytest.raises(UsageError):
        Patch("leads").append({"op": "test"})  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", "leads/0", "1leads", None])
def test_bad_rest_type(bad: Any) -> None:
    with pytest.raises(UsageError, match="rest_type"):
        Patch(bad)


# -- parse_patch --------------------------------------------------------------------------------


def test_parse_patch_round_trips_a_built_patch() -> None:
    patch = Patch("leads").set_link("owner", 2).add_link("contacts", 5).remove_link("tags", 1)
    assert parse_patch(patch.to_json()) == patch.ops()


def test_parse_patch_accepts_all_ops() -> None:
    ops = parse_patch(
        [
            {"op": "add", "path": "/a/0/b/-", "value": None},
            {"op": "remove", "path": "/a/0/b/1-x"},
            {"op": "replace", "path": "/a/0/c", "value": 1, "ignored": True},
            {"op": "move", "path": "/a/0/d", "from": "/a/0/c"},
            {"op": "copy", "path": "/a/0/e", "from": "/a/0/d"},
            {"op": "test", "path": "/a/0/e", "value": 1},
        ]
    )
    assert [op.op for op in ops] == ["add", "remove", "replace", "move", "copy", "test"]
    assert ops[0].value is None
    assert ops[1].value is UNSET
    assert ops[3].from_ == "/a/0/c"
    assert ops[2].from_ is None


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({"op": "add"}, "array"),
        ("[]", "array"),
        (None, "array"),
        ([], "No patches sent"),
        (["add"], "not an object"),
        ([{"path": "/a/0/b"}], "invalid op"),
        ([{"op": "delete", "path": "/a/0/b"}], "invalid op"),
        ([{"op": 1, "path": "/a/0/b"}], "invalid op"),
        ([{"op": "remove"}], "path"),
        ([{"op": "remove", "path": 3}], "path"),
        ([{"op": "remove", "path": "a/0/b"}], "path"),
        ([{"op": "remove", "path": ""}], "path"),
        ([{"op": "add", "path": "/a/0/b"}], "needs a value"),
        ([{"op": "replace", "path": "/a/0/b"}], "needs a value"),
        ([{"op": "test", "path": "/a/0/b"}], "needs a value"),
        ([{"op": "move", "path": "/a/0/b"}], "from"),
        ([{"op": "copy", "path": "/a/0/b", "from": 1}], "from"),
        ([{"op": "remove", "path": "/a/0/b"}, {"op": "nope", "path": "/"}], "operation 1"),
    ],
)
def test_parse_patch_rejects(doc: Any, match: str) -> None:
    with pytest.raises(InvalidRequestError, match=match) as caught:
        parse_patch(doc)
    assert caught.value.status == 400


# -- split_path and JSON Pointer ----------------------------------------------------------------


def test_split_path() -> None:
    assert split_path("leads", "/leads/0/links/contacts/-") == ["links", "contacts", "-"]
    assert split_path("leads", "/leads/0/customFields/a~1b~0c") == ["customFields", "a/b~c"]
    assert split_path("contacts", "/contacts/0/firstName") == ["firstName"]
    assert split_path("leads", "/leads/0/") == [""]
    assert split_path("productMaps", "/productmaps/0/quantity") == ["quantity"]


@pytest.mark.parametrize(
    "path",
    ["/contacts/0/name", "/leads/1/name", "/leads/0", "/leads", "leads/0/name", "", "/", None],
)
def test_split_path_rejects_wrong_prefixes(path: Any) -> None:
    with pytest.raises(InvalidRequestError, match="must start with /leads/0/") as caught:
        split_path("leads", path)
    assert caught.value.status == 400


@pytest.mark.parametrize("token", ["~", "a~", "~2", "~a1"])
def test_bad_escapes(token: str) -> None:
    with pytest.raises(InvalidRequestError, match="escape"):
        unescape_token(token)
    with pytest.raises(InvalidRequestError, match="escape"):
        split_path("leads", f"/leads/0/{token}")


def test_escape_order() -> None:
    assert escape_token("~/") == "~0~1"
    assert unescape_token("~01") == "~1"
    assert unescape_token("~10") == "/0"


@given(st.text())
def test_escape_round_trips(token: str) -> None:
    escaped = escape_token(token)
    assert "/" not in escaped
    assert unescape_token(escaped) == token


@given(st.text(min_size=1))
def test_custom_field_paths_round_trip_through_split_path(name: str) -> None:
    (op,) = Patch("leads").custom_field(name, 1).ops()
    assert split_path("leads", op.path) == ["customFields", name]


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_any_tokens_round_trip_through_split_path(tokens: list[str]) -> None:
    path = "/accounts/0/" + "/".join(escape_token(t) for t in tokens)
    assert split_path("accounts", path) == tokens


# -- diff_inputs --------------------------------------------------------------------------------


def ops_of(patch: Patch) -> list[dict[str, Any]]:
    return patch.to_json()


def test_diff_scalars() -> None:
    old = {"name": "A", "description": "d", "confidence": 40}
    new = {"name": "B", "description": "d", "confidence": None, "priority": 1}
    assert ops_of(diff_inputs("leads", old, new)) == [
        {"op": "replace", "path": "/leads/0/name", "value": "B"},
        {"op": "replace", "path": "/leads/0/confidence", "value": None},
        {"op": "replace", "path": "/leads/0/priority", "value": 1},
    ]


def test_diff_leaves_keys_absent_from_new_alone() -> None:
    old = {"name": "A", "emails": [{"value": "a@x.com"}], "links": {"owner": "1-users"}}
    assert diff_inputs("accounts", old, {}).ops() == ()
    assert diff_inputs("accounts", old, {"links": {}}).ops() == ()


def test_diff_json_equality_is_strict_about_booleans() -> None:
    assert ops_of(diff_inputs("leads", {"priority": 1}, {"priority": True})) == [
        {"op": "replace", "path": "/leads/0/priority", "value": True}
    ]
    assert ops_of(diff_inputs("leads", {"isFlagged": False}, {"isFlagged": 0})) == [
        {"op": "replace", "path": "/leads/0/isFlagged", "value": 0}
    ]
    assert diff_inputs("leads", {"confidence": 1}, {"confidence": 1.0}).ops() == ()


def test_diff_nested_values_compare_structurally() -> None:
    old = {"dueTime": {"timestamp": 1, "tags": ("a",)}}
    assert diff_inputs("leads", old, {"dueTime": {"timestamp": 1, "tags": ["a"]}}).ops() == ()
    assert len(diff_inputs("leads", old, {"dueTime": {"timestamp": 2, "tags": ["a"]}})) == 1
    assert len(diff_inputs("leads", {"x": [1]}, {"x": {"0": 1}})) == 1
    assert len(diff_inputs("leads", {"x": "1"}, {"x": ["1"]})) == 1


def test_diff_list_fields_replace_whole() -> None:
    old = {"emails": [{"value": "a@x.com", "isPrimary": True}], "phones": [{"value": "1"}]}
    new = {
        "emails": [{"value": "a@x.com", "isPrimary": True}, {"value": "b@x.com"}],
        "phones": ({"value": "1"},),
        "urls": [{"value": "https://x.com"}],
    }
    assert ops_of(diff_inputs("accounts", old, new)) == [
        {
            "op": "replace",
            "path": "/accounts/0/emails",
            "value": [{"value": "a@x.com", "isPrimary": True}, {"value": "b@x.com"}],
        },
        {"op": "replace", "path": "/accounts/0/urls", "value": [{"value": "https://x.com"}]},
    ]


def test_diff_custom_fields_one_op_per_changed_field() -> None:
    old = {"customFields": {"Same": "1", "Changed": "1", "Dropped": "x"}}
    new = {"customFields": {"Same": "1", "Changed": "2", "a/b~c": 3}}
    assert ops_of(diff_inputs("leads", old, new)) == [
        {"op": "replace", "path": "/leads/0/customFields/Changed", "value": "2"},
        {"op": "replace", "path": "/leads/0/customFields/a~1b~0c", "value": 3},
    ]
    assert ops_of(diff_inputs("leads", {}, {"customFields": {"F": None}})) == [
        {"op": "replace", "path": "/leads/0/customFields/F", "value": None}
    ]
    assert len(diff_inputs("leads", {"customFields": None}, {"customFields": {"F": 1}})) == 1


def test_diff_to_many_links_add_then_remove_in_order() -> None:
    old = {"links": {"contacts": ["1-contacts", "2-contacts", "3-contacts"]}}
    new = {"links": {"contacts": ["5-contacts", "3-contacts", "4-contacts", "5-contacts"]}}
    assert ops_of(diff_inputs("leads", old, new)) == [
        {"op": "add", "path": "/leads/0/links/contacts/-", "value": "5-contacts"},
        {"op": "add", "path": "/leads/0/links/contacts/-", "value": "4-contacts"},
        {"op": "remove", "path": "/leads/0/links/contacts/1-contacts"},
        {"op": "remove", "path": "/leads/0/links/contacts/2-contacts"},
    ]


def test_diff_to_many_links_ignore_member_order() -> None:
    old = {"links": {"tags": ["1-tags", "2-tags"]}}
    assert diff_inputs("leads", old, {"links": {"tags": ("2-tags", "1-tags")}}).ops() == ()


def test_diff_to_many_link_missing_from_old_is_replaced() -> None:
    assert ops_of(diff_inputs("leads", {"links": {}}, {"links": {"tags": ["1-tags"]}})) == [
        {"op": "replace", "path": "/leads/0/links/tags", "value": ["1-tags"]}
    ]
    assert ops_of(diff_inputs("leads", {}, {"links": {"tags": []}})) == [
        {"op": "replace", "path": "/leads/0/links/tags", "value": []}
    ]


def test_diff_to_many_link_that_was_null_gets_adds() -> None:
    assert ops_of(
        diff_inputs("leads", {"links": {"tags": None}}, {"links": {"tags": ["1-tags"]}})
    ) == [{"op": "add", "path": "/leads/0/links/tags/-", "value": "1-tags"}]


def test_diff_to_one_links() -> None:
    old = {"links": {"owner": "1-users", "territory": "1-territories", "stage": None}}
    new = {"links": {"owner": "2-teams", "territory": None, "stage": None, "market": "1-markets"}}
    assert ops_of(diff_inputs("leads", old, new)) == [
        {"op": "replace", "path": "/leads/0/links/owner", "value": "2-teams"},
        {"op": "replace", "path": "/leads/0/links/territory", "value": None},
        {"op": "replace", "path": "/leads/0/links/market", "value": "1-markets"},
    ]
    unchanged = {"links": {"owner": "1-users"}}
    assert diff_inputs("leads", unchanged, copy.deepcopy(unchanged)).ops() == ()


def test_diff_link_ids_are_escaped_in_remove_paths() -> None:
    patch = diff_inputs("leads", {"links": {"x": ["a/b"]}}, {"links": {"x": []}})
    assert ops_of(patch) == [{"op": "remove", "path": "/leads/0/links/x/a~1b"}]


def test_diff_follows_new_key_order() -> None:
    new = {"links": {"owner": "2-users"}, "name": "B", "customFields": {"F": 1}}
    paths = [op.path for op in diff_inputs("leads", {}, new).ops()]
    assert paths == ["/leads/0/links/owner", "/leads/0/name", "/leads/0/customFields/F"]


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ({}, {"links": ["1-users"]}, "new links"),
        ({"links": "x"}, {"links": {"owner": "1-users"}}, "old links"),
        ({}, {"links": {"owner": 1}}, "expected an id string"),
        ({}, {"links": {"tags": ["1-tags", 2]}}, "list of id strings"),
        ({"links": {"tags": "1-tags"}}, {"links": {"tags": ["1-tags"]}}, "list of id strings"),
        ({}, {"customFields": ["F"]}, "customFields"),
        ({}, {"": 1}, "field"),
    ],
)
def test_diff_errors(old: Any, new: Any, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        diff_inputs("leads", old, new)


def test_diff_rejects_non_mappings() -> None:
    with pytest.raises(UsageError, match="old"):
        diff_inputs("leads", [], {})  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="new"):
        diff_inputs("leads", {}, None)  # type: ignore[arg-type]


# -- diff properties ----------------------------------------------------------------------------

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)
api_ids = st.builds(
    lambda n, t: f"{n}-{t}",
    st.integers(min_value=1, max_value=999),
    st.sampled_from(["contacts", "accounts", "tags", "users"]),
)
links = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.none() | api_ids | st.lists(api_ids, max_size=5),
    max_size=4,
)
wire_items = st.lists(st.dictionaries(st.text(max_size=5), json_values, max_size=3), max_size=3)
inputs = st.fixed_dictionaries(
    {},
    optional={
        "name": json_values,
        "description": json_values,
        "manualValue": st.text(max_size=8),
        "links": links,
        "customFields": st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=3),
        "emails": wire_items,
        "phones": wire_items,
        "urls": wire_items,
        "addresses": wire_items,
    },
)


@given(rest_type=st.sampled_from(["leads", "contacts", "accounts", "tasks"]), record=inputs)
def test_diff_of_a_record_with_itself_is_empty(rest_type: str, record: dict[str, Any]) -> None:
    assert diff_inputs(rest_type, record, record).ops() == ()
    assert diff_inputs(rest_type, record, copy.deepcopy(record)).ops() == ()


@given(record=inputs, other=inputs)
def test_diff_ops_always_parse_and_stay_under_the_prefix(
    record: dict[str, Any], other: dict[str, Any]
) -> None:
    patch = diff_inputs("leads", record, other)
    if patch.ops():
        assert parse_patch(patch.to_json()) == patch.ops()
    for op in patch.ops():
        split_path("leads", op.path)


def apply_link_ops(rest_type: str, name: str, ids: Sequence[str], patch: Patch) -> list[str]:
    """A tiny applier for Nutshell's add-with-dash / remove-by-id link operations."""
    result = list(ids)
    for op in patch.ops():
        tokens = split_path(rest_type, op.path)
        assert tokens[:2] == ["links", name]
        if op.op == "add":
            assert tokens[2:] == ["-"]
            result.append(op.value)
        elif op.op == "remove":
            assert op.value is UNSET
            result = [i for i in result if i != tokens[2]]
        else:
            raise AssertionError(f"unexpected op {op}")
    return result


@given(
    before=st.lists(api_ids, unique=True, max_size=8),
    after=st.lists(api_ids, max_size=8),
)
def test_applying_a_to_many_diff_yields_the_new_set(before: list[str], after: list[str]) -> None:
    patch = diff_inputs("leads", {"links": {"contacts": before}}, {"links": {"contacts": after}})
    result = apply_link_ops("leads", "contacts", before, patch)
    assert set(result) == set(after)
    assert len(result) == len(set(result))
    if set(before) == set(after):
        assert patch.ops() == ()
