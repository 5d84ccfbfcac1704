"""The REST list query builder renders Nutshell's filter grammar (rest-api.md §4)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutshell_core.errors import UsageError
from nutshell_rest.query import ID_FILTER_TYPES, MAX_PAGE_LIMIT, Query, format_time

EST = timezone(timedelta(hours=-5))


def test_full_chain_renders_in_stable_order() -> None:
    start = datetime(2025, 3, 1, 0, 0, tzinfo=timezone.utc)
    end = datetime(2025, 3, 15, 23, 59, 59, tzinfo=timezone.utc)
    query = (
        Query()
        .filter(status="open")
        .filter(accounts=[3, 4])
        .range("number", gt=1020)
        .between("createdTime", start, end)
        .address(country="US")
        .custom("Favorite Number", "12")
        .sort("-name")
        .search("acme")
        .email("a@x.com")
        .page(limit=100)
    )
    assert query.params() == [
        ("filter[status]", "open"),
        ("filter[accounts][]", "3-accounts"),
        ("filter[accounts][]", "4-accounts"),
        ("filter[number]", ">1020"),
        ("filter[createdTime]", "2025-03-01T00:00:00 TO 2025-03-15T23:59:59"),
        ("filter[address][country]", "US"),
        ("filter[Favorite Number]", "12"),
        ("sort", "-name"),
        ("q", "acme"),
        ("email", "a@x.com"),
        ("page[limit]", "100"),
    ]


def test_empty_query_has_no_params() -> None:
    assert Query().params() == []


def test_non_filter_params_have_a_fixed_order_whatever_the_call_order() -> None:
    a = Query().page(limit=5, page=2).email("e@x.com").search("s").sort("name")
    b = Query().sort("name").search("s").email("e@x.com").page(page=2, limit=5)
    assert (
        a.params()
        == b.params()
        == [
            ("sort", "name"),
            ("q", "s"),
            ("email", "e@x.com"),
            ("page[limit]", "5"),
            ("page[page]", "2"),
        ]
    )


# -- filter values ------------------------------------------------------------------------------


def test_scalar_and_list_forms() -> None:
    assert Query().filter(name="Acme").params() == [("filter[name]", "Acme")]
    assert Query().filter(tags=["1-tags", "2-tags"]).params() == [
        ("filter[tags][]", "1-tags"),
        ("filter[tags][]", "2-tags"),
    ]
    assert Query().filter(tags=("1-tags",)).params() == [("filter[tags][]", "1-tags")]


def test_a_one_item_list_stays_a_list() -> None:
    assert Query().filter(contacts=[1]).params() == [("filter[contacts][]", "1-contacts")]


def test_set_values_are_sorted_for_stability() -> None:
    assert Query().filter(status={"b", "c", "a"}).params() == [
        ("filter[status][]", "a"),
        ("filter[status][]", "b"),
        ("filter[status][]", "c"),
    ]
    assert Query().filter(tags=frozenset({"2-tags", "1-tags"})).params()[0] == (
        "filter[tags][]",
        "1-tags",
    )


def test_mapping_and_keywords_together_in_order() -> None:
    query = Query().filter({"Favorite Color": "blue", "status": "open"}, owners=[1])
    assert query.params() == [
        ("filter[Favorite Color]", "blue"),
        ("filter[status]", "open"),
        ("filter[owners][]", "1-users"),
    ]


def test_filter_with_nothing_is_a_no_op() -> None:
    query = Query().filter(status="open")
    assert query.filter() == query
    assert query.filter({}) == query
    assert query.address() == query


@pytest.mark.parametrize(("key", "rest_type"), sorted(ID_FILTER_TYPES.items()))
def test_every_id_filter_renders_plain_ints_as_api_ids(key: str, rest_type: str) -> None:
    assert Query().filter({key: 7}).params() == [(f"filter[{key}]", f"7-{rest_type}")]
    assert Query().filter({key: [7, 8]}).params() == [
        (f"filter[{key}][]", f"7-{rest_type}"),
        (f"filter[{key}][]", f"8-{rest_type}"),
    ]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("accounts", "accounts"),
        ("owners", "users"),
        ("creator", "users"),
        ("stageset", "stagesets"),
        ("milestones", "stages"),
        ("accountTypes", "accountTypes"),
        ("outcomes", "outcomes"),
        ("industries", "industries"),
        ("territories", "territories"),
    ],
)
def test_id_filter_table_spot_checks(key: str, expected: str) -> None:
    assert ID_FILTER_TYPES[key] == expected


def test_id_strings_pass_through_as_given() -> None:
    assert Query().filter(owners=["2-teams", 3]).params() == [
        ("filter[owners][]", "2-teams"),
        ("filter[owners][]", "3-users"),
    ]
    assert Query().filter(contacts="1").params() == [("filter[contacts]", "1")]


def test_ints_outside_id_filters_are_plain_numbers() -> None:
    assert Query().filter(confidence=42).params() == [("filter[confidence]", "42")]
    assert Query().filter(number=1020).params() == [("filter[number]", "1020")]


def test_id_filter_needs_the_listed_type_for_plain_ints() -> None:
    with pytest.raises(UsageError, match="rest_type"):
        Query().filter(id=12)
    with pytest.raises(UsageError, match="rest_type"):
        Query().filter(id=["12-leads", 13])
    assert Query().filter(id="12-leads").params() == [("filter[id]", "12-leads")]
    assert Query(rest_type="leads").filter(id=[12, "13-leads"]).params() == [
        ("filter[id][]", "12-leads"),
        ("filter[id][]", "13-leads"),
    ]


@pytest.mark.parametrize("bad", [0, -3])
def test_non_positive_ids_are_rejected(bad: int) -> None:
    with pytest.raises(UsageError, match="not a valid id"):
        Query().filter(accounts=bad)


def test_booleans_render_as_true_false_even_in_id_filters() -> None:
    assert Query().filter(flagged=True, isOverdue=False).params() == [
        ("filter[flagged]", "true"),
        ("filter[isOverdue]", "false"),
    ]
    assert Query().filter(accounts=True).params() == [("filter[accounts]", "true")]


def test_dates_datetimes_and_numbers() -> None:
    query = Query().filter(
        dateMin=date(2025, 1, 2),
        since=datetime(2025, 1, 2, 7, 0, 0, 999, tzinfo=EST),
        amount=Decimal("1E+3"),
        ratio=0.5,
    )
    assert query.params() == [
        ("filter[dateMin]", "2025-01-02"),
        ("filter[since]", "2025-01-02T12:00:00"),
        ("filter[amount]", "1000"),
        ("filter[ratio]", "0.5"),
    ]


def test_naive_datetime_in_a_filter_is_rejected() -> None:
    with pytest.raises(UsageError, match="naive"):
        Query().filter(since=datetime(2025, 1, 2))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity")])
def test_non_finite_numbers_are_rejected(bad: Any) -> None:
    with pytest.raises(UsageError, match="finite"):
        Query().filter(amount=bad)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (None, "None"),
        ([], "empty list"),
        (set(), "empty list"),
        ({"a": 1}, "cannot send"),
        (b"raw", "cannot send"),
        ([[1, 2]], "cannot send"),
        ([None], "None"),
        (object(), "cannot send"),
    ],
)
def test_bad_filter_values(value: Any, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        Query().filter(status=value)


@pytest.mark.parametrize("key", ["", "a[b", "a]b", "a[]"])
def test_bad_filter_keys(key: str) -> None:
    with pytest.raises(UsageError):
        Query().filter({key: "x"})
    with pytest.raises(UsageError):
        Query().custom(key, "x")
    with pytest.raises(UsageError):
        Query().address(**{key: "x"})


def test_setting_a_key_again_replaces_it_in_place() -> None:
    query = Query().filter(status="open").filter(tags=[1]).filter(status=["won", "lost"])
    assert query.params() == [
        ("filter[status][]", "won"),
        ("filter[status][]", "lost"),
        ("filter[tags][]", "1-tags"),
    ]
    assert Query().custom("status", "x").filter(status="y").params() == [("filter[status]", "y")]


# -- ranges, spans, addresses, custom fields ----------------------------------------------------


def test_range_bounds() -> None:
    assert Query().range("number", gt=1020).params() == [("filter[number]", ">1020")]
    assert Query().range("number", lt=5).params() == [("filter[number]", "<5")]
    assert Query().range("value", gt=Decimal("99.50")).params() == [("filter[value]", ">99.50")]
    assert Query().range("number", lt=" 1000 ").params() == [("filter[number]", "<1000")]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"gt": 1, "lt": 5}, {"gt": True}, {"gt": "ten"}, {"lt": "NaN"}, {"gt": 1.5}],
)
def test_bad_ranges(kwargs: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        Query().range("number", **kwargs)


def test_range_replaces_a_plain_filter_on_the_same_key() -> None:
    assert Query().filter(number=3).range("number", gt=1).params() == [("filter[number]", ">1")]


def test_between_converts_aware_datetimes_to_utc() -> None:
    query = Query().between(
        "lastContactedTime",
        datetime(2025, 3, 1, 19, 0, tzinfo=EST),
        datetime(2025, 3, 2, 1, 30, 15, 500, tzinfo=timezone.utc),
    )
    assert query.params() == [
        ("filter[lastContactedTime]", "2025-03-02T00:00:00 TO 2025-03-02T01:30:15")
    ]


def test_between_dates_covers_whole_days() -> None:
    query = Query().between("createdTime", date(2025, 3, 1), date(2025, 3, 15))
    assert query.params() == [("filter[createdTime]", "2025-03-01T00:00:00 TO 2025-03-15T23:59:59")]
    same_day = Query().between("createdTime", date(2025, 3, 1), date(2025, 3, 1))
    assert same_day.params()[0][1] == "2025-03-01T00:00:00 TO 2025-03-01T23:59:59"


def test_between_mixes_dates_and_datetimes() -> None:
    start = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)
    query = Query().between("createdTime", start, date(2025, 3, 2))
    assert query.params()[0][1] == "2025-03-01T12:00:00 TO 2025-03-02T23:59:59"


def test_between_errors() -> None:
    aware = datetime(2025, 3, 1, tzinfo=timezone.utc)
    with pytest.raises(UsageError, match="naive"):
        Query().between("createdTime", datetime(2025, 3, 1), aware)
    with pytest.raises(UsageError, match="naive"):
        Query().between("createdTime", aware, datetime(2025, 3, 2))
    with pytest.raises(UsageError, match="after"):
        Query().between("createdTime", date(2025, 3, 2), date(2025, 3, 1))
    with pytest.raises(UsageError, match="not a date"):
        Query().between("createdTime", "2025-03-01", aware)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        Query().between("", aware, aware)


def test_format_time() -> None:
    assert format_time(date(2025, 1, 1)) == "2025-01-01T00:00:00"
    assert format_time(date(2025, 1, 1), end_of_day=True) == "2025-01-01T23:59:59"
    assert format_time(datetime(2025, 1, 1, 1, tzinfo=timezone(timedelta(hours=2)))) == (
        "2024-12-31T23:00:00"
    )
    with pytest.raises(UsageError):
        format_time(datetime(2025, 1, 1))


def test_address_subfields() -> None:
    query = Query().address(country="US", city="Ann Arbor").address(country="CA")
    assert query.params() == [
        ("filter[address][country]", "CA"),
        ("filter[address][city]", "Ann Arbor"),
    ]
    assert Query().address(state=["MI", "OH"]).params() == [
        ("filter[address][state][]", "MI"),
        ("filter[address][state][]", "OH"),
    ]


def test_plain_address_filter_points_to_address_method() -> None:
    with pytest.raises(UsageError, match=r"\.address"):
        Query().filter(address="US")


def test_custom_fields_take_any_name_and_never_convert_ids() -> None:
    query = Query().custom("Favorite Number", 12).custom("accounts", 3)
    assert query.params() == [("filter[Favorite Number]", "12"), ("filter[accounts]", "3")]
    assert Query().custom("Colors", ["red", "blue"]).params() == [
        ("filter[Colors][]", "red"),
        ("filter[Colors][]", "blue"),
    ]


def test_address_values_never_convert_ids() -> None:
    assert Query().address(postalCode=48104).params() == [("filter[address][postalCode]", "48104")]


# -- sort, search, email ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "descending", "expected"),
    [
        ("name", False, "name"),
        ("name", True, "-name"),
        ("-name", False, "-name"),
        ("-name", True, "-name"),
    ],
)
def test_sort(field: str, descending: bool, expected: str) -> None:
    assert Query().sort(field, descending=descending).params() == [("sort", expected)]


def test_a_new_sort_replaces_the_old() -> None:
    assert Query().sort("name").sort("createdTime", descending=True).params() == [
        ("sort", "-createdTime")
    ]


@pytest.mark.parametrize("bad", ["", "-", "--name", "first name", None])
def test_bad_sort_fields(bad: Any) -> None:
    with pytest.raises(UsageError):
        Query().sort(bad)


def test_search_and_email() -> None:
    assert Query().search("acme co").email("a@x.com").params() == [
        ("q", "acme co"),
        ("email", "a@x.com"),
    ]


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_blank_search_and_email_are_rejected(bad: Any) -> None:
    with pytest.raises(UsageError):
        Query().search(bad)
    with pytest.raises(UsageError):
        Query().email(bad)


# -- paging -------------------------------------------------------------------------------------


def test_page_params_and_properties() -> None:
    query = Query().page(limit=50, page=0)
    assert query.params() == [("page[limit]", "50"), ("page[page]", "0")]
    assert (query.limit, query.page_index) == (50, 0)
    assert (Query().limit, Query().page_index) == (None, None)


def test_page_keeps_what_is_not_given() -> None:
    query = Query().page(limit=50).page(page=3)
    assert (query.limit, query.page_index) == (50, 3)
    assert query.page() == query


@pytest.mark.parametrize("limit", [1, MAX_PAGE_LIMIT])
def test_limit_bounds_accepted(limit: int) -> None:
    assert Query().page(limit=limit).limit == limit


@pytest.mark.parametrize("limit", [0, -1, MAX_PAGE_LIMIT + 1, True, 10.0, "10"])
def test_bad_limits(limit: Any) -> None:
    with pytest.raises(UsageError, match="limit"):
        Query().page(limit=limit)
    with pytest.raises(UsageError, match="limit"):
        Query().with_page(0, limit)


@pytest.mark.parametrize("page", [-1, -100, False, 1.0])
def test_bad_pages(page: Any) -> None:
    with pytest.raises(UsageError, match="page"):
        Query().page(page=page)
    with pytest.raises(UsageError, match="page"):
        Query().with_page(page, 10)


def test_negative_page_message_matches_the_server() -> None:
    with pytest.raises(UsageError, match="Invalid page number: -1"):
        Query().page(page=-1)


def test_with_page_keeps_filters_and_sets_both() -> None:
    base = Query().filter(status="open").page(limit=10, page=9)
    nxt = base.with_page(1, 200)
    assert nxt.params() == [
        ("filter[status]", "open"),
        ("page[limit]", "200"),
        ("page[page]", "1"),
    ]


# -- immutability and construction -------------------------------------------------------------


def test_every_method_returns_a_new_query_and_leaves_the_old_alone() -> None:
    base = Query()
    derived = [
        base.filter(status="open"),
        base.custom("X", "1"),
        base.address(country="US"),
        base.range("number", gt=1),
        base.between("createdTime", date(2025, 1, 1), date(2025, 1, 2)),
        base.sort("name"),
        base.search("a"),
        base.email("a@x.com"),
        base.page(limit=1),
        base.with_page(0, 1),
    ]
    for query in derived:
        assert query is not base
        assert query.params()
    assert base.params() == []


def test_query_is_frozen_and_hashable() -> None:
    query = Query().filter(tags=[1, 2])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        query.rest_type = "leads"  # type: ignore[misc]
    assert hash(query) == hash(Query().filter(tags=[1, 2]))
    assert query == Query().filter(tags=["1-tags", "2-tags"])


@pytest.mark.parametrize("bad", ["", "leads/x", "1leads", "le ads"])
def test_bad_rest_type(bad: str) -> None:
    with pytest.raises(UsageError, match="rest_type"):
        Query(rest_type=bad)


def test_camel_case_rest_type_is_fine() -> None:
    assert Query(rest_type="productMaps").filter(id=1).params() == [("filter[id]", "1-productMaps")]


# -- properties ---------------------------------------------------------------------------------


@given(
    key=st.sampled_from(sorted(ID_FILTER_TYPES)),
    ids=st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=20),
)
def test_id_lists_render_one_pair_per_id_in_order(key: str, ids: list[int]) -> None:
    params = Query().filter({key: ids}).params()
    assert params == [(f"filter[{key}][]", f"{n}-{ID_FILTER_TYPES[key]}") for n in ids]


@given(
    offset_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
    moment=st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(timezone.utc),
    ),
)
def test_the_same_instant_renders_the_same_in_any_zone(
    offset_minutes: int, moment: datetime
) -> None:
    local = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    assert format_time(local) == moment.strftime("%Y-%m-%dT%H:%M:%S")


@given(page=st.integers(min_value=0, max_value=10**9), limit=st.integers(1, MAX_PAGE_LIMIT))
def test_with_page_round_trips(page: int, limit: int) -> None:
    query = Query().with_page(page, limit)
    assert (query.page_index, query.limit) == (page, limit)
    assert query.params() == [("page[limit]", str(limit)), ("page[page]", str(page))]
