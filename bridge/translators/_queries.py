"""Legacy ``find*`` parameters as REST list parameters: query keys, ordering and paging.

The JSON-RPC API filters with a ``query`` object (jsonrpc-api.md §5), orders with
``orderBy``/``orderDirection`` and pages with a 1-based ``page`` and a ``limit``; the REST API
filters with ``filter[...]``, sorts with ``sort=[-]field`` and pages with a 0-based
``page[page]`` and ``page[limit]`` (rest-api.md §4). This module holds the pieces that turn one
into the other, so that a translator either sends a REST request that selects exactly the
records the RPC API would, or refuses before any request.

Every query key is read in two steps. :data:`Key` parses and validates the RPC value with no
I/O (the same readers and error messages the RPC front uses, so a bad value fails the same way
on both routes) and returns a :class:`Term`; :meth:`Term.apply` then writes the REST filter,
which may read the reference cache (tag names become tag ids, "my leads" needs the caller's
user). A key REST cannot express raises :class:`Unbridgeable` in the first step, so a refusal
never costs a request. A query whose filters no record can satisfy raises
:class:`MatchesNothing` and is answered ``[]`` without asking REST.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from nutshell_core.model import UNSET, ActivityStatus, LeadStatus, Money, Record, Ref, Tag, User
from nutshell_rest.query import MAX_PAGE_LIMIT, Query, format_time
from nutshell_rpc.inputs import (
    bad_input,
    read_bool,
    read_id,
    read_ids,
    read_int,
    read_text,
    read_time,
)
from nutshell_rpc.rules import order_key

if TYPE_CHECKING:
    from bridge.context import BridgeContext

__all__ = [
    "NON_STUB_LIMIT",
    "Apply",
    "Key",
    "MatchesNothing",
    "Order",
    "Paging",
    "Term",
    "Unbridgeable",
    "activity_status",
    "assignee",
    "flag",
    "ids",
    "lead_filter",
    "lead_number",
    "lead_status",
    "normalize",
    "read_paging",
    "rpc_sort_key",
    "sort_like_rpc",
    "tag_names",
    "times",
    "typed_ids",
    "values",
]

R = TypeVar("R", bound=Record)

#: The most full records one non-stub ``find*`` page returns (the RPC API's own cap).
NON_STUB_LIMIT: Final = 100

_SECOND: Final = timedelta(seconds=1)


class Unbridgeable(Exception):
    """A parameter REST cannot express; the translator turns it into ``NotBridgeable``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MatchesNothing(Exception):
    """No record can match the query (say, a tag name no tag has): the answer is ``[]``."""


#: Writes one parsed query key into a REST query; may read the reference cache.
Apply = Callable[["BridgeContext", Query], Query]


@attrs.frozen
class Term:
    """One parsed query key: the REST filter keys it sets and how it sets them."""

    keys: tuple[str, ...]
    apply: Apply


#: Parses one RPC query value (``value`` at ``field``, e.g. ``query.accountId``) with no I/O.
Key = Callable[[Any, str], Term]


def _listed(value: Any) -> list[Any]:
    """A query value that takes one item or a list of them, as a list."""
    return list(value) if isinstance(value, list | tuple) else [value]


# -- ids ----------------------------------------------------------------------------------------


def ids(rest_key: str) -> Key:
    """An id or a list of ids (ORed) -> ``filter[<rest_key>][]``, typed by the REST key."""

    def parse(value: Any, field: str) -> Term:
        wanted = read_ids(value, field)

        def apply(_ctx: BridgeContext, query: Query) -> Query:
            if not wanted:
                raise MatchesNothing  # the RPC API matches no record against an empty list
            return query.filter({rest_key: wanted})

        return Term((rest_key,), apply)

    return parse


def typed_ids(rest_key: str, *rest_types: str) -> Key:
    """Ids the RPC API matches whatever the linked type (a task's assignee: user or team).

    REST ids carry a type, so each id is sent once per type the link can have; the values of
    one filter are ORed, which is exactly "this id, of any of these types".
    """

    def parse(value: Any, field: str) -> Term:
        wanted = read_ids(value, field)

        def apply(_ctx: BridgeContext, query: Query) -> Query:
            if not wanted:
                raise MatchesNothing
            return query.filter({rest_key: [f"{n}-{t}" for n in wanted for t in rest_types]})

        return Term((rest_key,), apply)

    return parse


def values(rest_key: str) -> Key:
    """Integers the REST record shows as a plain field (a lead's ``priority``)."""

    def parse(value: Any, field: str) -> Term:
        wanted = read_ids(value, field)

        def apply(_ctx: BridgeContext, query: Query) -> Query:
            if not wanted:
                raise MatchesNothing
            return query.filter({rest_key: [str(n) for n in wanted]})

        return Term((rest_key,), apply)

    return parse


def lead_number(value: Any, field: str) -> Term:
    """``number`` (the N of "Lead-N", not the id) -> ``filter[number][]``."""
    # The RPC API reads each item as an integer; the REST number is its digits as text.
    wanted = [str(read_int(v, field)) for v in _listed(value)]

    def apply(_ctx: BridgeContext, query: Query) -> Query:
        if not wanted:
            raise MatchesNothing
        return query.filter(number=wanted)

    return Term(("number",), apply)


# -- statuses -----------------------------------------------------------------------------------


def _codes(enum_cls: type[LeadStatus] | type[ActivityStatus], value: Any, field: str) -> list[Any]:
    """Status codes read as the RPC API reads them (same fields in the same error messages)."""
    wanted = []
    for index, item in enumerate(_listed(value)):
        code = read_int(item, f"{field}[{index}]" if isinstance(value, list) else field)
        try:
            wanted.append(enum_cls(code))
        except ValueError:
            raise bad_input(field, f"{code} is not a valid status") from None
    return wanted


def lead_status(value: Any, field: str) -> Term:
    """Lead status codes (0 open, 1 pending, 10 won...) -> ``filter[status][]=open``."""
    wanted = sorted({s.rest for s in _codes(LeadStatus, value, field)})

    def apply(_ctx: BridgeContext, query: Query) -> Query:
        if not wanted:
            raise MatchesNothing
        return query.filter(status=wanted)

    return Term(("status",), apply)


def activity_status(value: Any, field: str) -> Term:
    """Activity status codes -> ``filter[status][]`` words.

    REST's ``scheduled`` includes overdue activities, while the RPC API's 0 means scheduled
    and *not* overdue: 0 is only expressible together with -1 (overdue).
    """
    wanted = set(_codes(ActivityStatus, value, field))
    if ActivityStatus.SCHEDULED in wanted and ActivityStatus.OVERDUE not in wanted:
        raise Unbridgeable(
            f"{field}: status 0 (scheduled, not overdue) has no REST filter; REST's "
            "'scheduled' includes overdue activities"
        )
    words = set()
    for status in wanted:
        covered = status is ActivityStatus.OVERDUE and ActivityStatus.SCHEDULED in wanted
        if not covered:
            words.add(status.rest)

    def apply(_ctx: BridgeContext, query: Query) -> Query:
        if not words:
            raise MatchesNothing
        return query.filter(status=sorted(words))

    return Term(("status",), apply)


def flag(rest_key: str) -> Key:
    """A boolean query key -> ``filter[<rest_key>]=true|false``."""

    def parse(value: Any, field: str) -> Term:
        wanted = read_bool(value, field)

        def apply(_ctx: BridgeContext, query: Query) -> Query:
            return query.filter({rest_key: "true" if wanted else "false"})

        return Term((rest_key,), apply)

    return parse


# -- owners and tags ----------------------------------------------------------------------------


def assignee(value: Any, field: str) -> Term:
    """A lead's ``assignee``: ``[{entityType: Users|Teams, id}]`` -> ``filter[owner][]``."""
    wanted: list[str] = []
    for index, item in enumerate(_listed(value)):
        path = f"{field}[{index}]"
        if not isinstance(item, Mapping):
            raise bad_input(path, "expected {entityType, id}")
        kind = str(item.get("entityType", "Users"))
        if kind not in ("Users", "Teams"):
            raise bad_input(f"{path}.entityType", "expected Users or Teams")
        wanted.append(f"{read_id(item, path)}-{kind.lower()}")

    def apply(_ctx: BridgeContext, query: Query) -> Query:
        if not wanted:
            raise MatchesNothing
        return query.filter(owner=wanted)

    return Term(("owner",), apply)


def lead_filter(value: Any, field: str) -> Term:
    """A lead's ``filter``: 0 the caller's leads, 1 the caller's teams' leads, 2 all.

    Whose leads those are is read from the cached users: the caller, their teams and the users
    on those teams become one ``filter[owner][]`` list.
    """
    mode = read_int(value, field)
    if mode not in (0, 1, 2):
        raise bad_input(field, "expected 0 (mine), 1 (my teams') or 2 (all)")

    def apply(ctx: BridgeContext, query: Query) -> Query:
        if mode == 2:
            return query
        me = ctx.me()
        owners = {f"{me.id}-users"}
        if mode == 1:
            teams = _ref_ids(me.teams)
            owners |= {f"{t}-teams" for t in teams}
            for user in ctx.cache.records(User).values():
                if isinstance(user, User) and _ref_ids(user.teams) & teams:
                    owners.add(f"{user.id}-users")
        return query.filter(owner=sorted(owners))

    # "all" sets no filter, but it still occupies the owner filter for overlap checks.
    return Term(("owner",), apply)


def _ref_ids(refs: object) -> set[int]:
    found: Iterable[object] = refs if isinstance(refs, tuple) else ()
    return {r.id for r in found if isinstance(r, Ref) and isinstance(r.id, int)}


def tag_names(value: Any, field: str) -> Term:
    """Tag names (matched case-insensitively, ORed) -> ``filter[tags][]`` with their ids.

    REST filters tags by id; the names become ids through the cached tag list. A name no tag
    has matches no record, as in the RPC API.
    """
    wanted = {(read_text(v, field, null=False) or "").casefold() for v in _listed(value)}

    def apply(ctx: BridgeContext, query: Query) -> Query:
        found = sorted(
            tag.id
            for tag in ctx.cache.records(Tag).values()
            if isinstance(tag.id, int)
            and isinstance(getattr(tag, "name", None), str)
            and str(getattr(tag, "name", "")).casefold() in wanted
        )
        if not found:
            raise MatchesNothing
        return query.filter(tags=found)

    return Term(("tags",), apply)


# -- times --------------------------------------------------------------------------------------

_COMPARISONS: Final = (">=", "<=", ">", "<", "=")


def _floor(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _ceil(moment: datetime) -> datetime:
    return _floor(moment) + (_SECOND if moment.microsecond else timedelta(0))


def times(rest_key: str) -> Key:
    """``"> 2026-01-01"``-style comparisons (a list is ANDed) -> one REST time filter.

    Both APIs keep whole seconds, so each comparison becomes an inclusive bound at second
    precision, the bounds of a list are intersected, and the result is sent as
    ``A TO B``, ``>A`` or ``<B`` in UTC (REST ORs several values of one filter, so an ANDed
    list must become a single span).
    """

    def parse(value: Any, field: str) -> Term:
        low: datetime | None = None
        high: datetime | None = None
        empty = False
        for item in _listed(value):
            text = (read_text(item, field, null=False) or "").strip()
            op = next((o for o in _COMPARISONS if text.startswith(o)), "=")
            raw = text[len(op) :].strip() if text.startswith(op) else text
            when = read_time(raw, field)
            assert when is not None  # raw is a string, so read_time never returns None
            when = when.astimezone(timezone.utc)
            lo, hi = _bounds(op, raw, when)
            if lo is None and hi is None:
                empty = True
            if lo is not None:
                low = lo if low is None else max(low, lo)
            if hi is not None:
                high = hi if high is None else min(high, hi)

        def apply(_ctx: BridgeContext, query: Query) -> Query:
            if empty or (low is not None and high is not None and low > high):
                raise MatchesNothing
            if low is not None and high is not None:
                return query.filter({rest_key: f"{format_time(low)} TO {format_time(high)}"})
            if low is not None:
                # REST's ">A" starts one second after A.
                return query.filter({rest_key: f">{format_time(low - _SECOND)}"})
            assert high is not None
            return query.filter({rest_key: f"<{format_time(high + _SECOND)}"})

        return Term((rest_key,), apply)

    return parse


def _bounds(op: str, raw: str, when: datetime) -> tuple[datetime | None, datetime | None]:
    """The inclusive whole-second span one RPC comparison allows; (None, None) for none."""
    if op == "=" and len(raw) == 10:
        # "= 2026-01-31" means that whole day, as the RPC API reads it.
        start = datetime.combine(when.date(), time.min, timezone.utc)
        return start, start + timedelta(days=1) - _SECOND
    if op == ">":
        return _floor(when) + _SECOND, None
    if op == ">=":
        return _ceil(when), None
    if op == "<":
        return None, _ceil(when) - _SECOND
    if op == "<=":
        return None, _floor(when)
    if when.microsecond:
        return None, None  # no whole-second time equals a fractional one
    return when, when


# -- ordering -----------------------------------------------------------------------------------


def normalize(name: str) -> str:
    """``last_name``, ``lastName`` and ``LASTNAME`` are one order key, as in the RPC API."""
    return order_key(name)


@attrs.frozen(kw_only=True)
class Order:
    """How one RPC ``orderBy`` key is answered.

    ``attr`` is the model attribute the RPC API sorts by (used when the bridge sorts itself:
    cached lists, unpaged collections, and the records of one page). ``rest`` is the REST
    ``sort`` field, or None where REST cannot sort by it. ``text`` marks a text field: REST
    sorts text case-sensitively ("LLC" before "Labs") and the RPC API case-insensitively, so
    the bridge re-sorts each page. ``nullable`` marks a field that may be empty: REST puts
    empty values last in both directions, the RPC API first when descending, so a descending
    order is refused.
    """

    attr: str
    rest: str | None = None
    text: bool = False
    nullable: bool = False


def _attr_value(record: Record, attr: str) -> Any:
    """The value the RPC API sorts a record by (a link by its name, money by its amount)."""
    if attr == "number":
        number = getattr(record, "number", None)
        return int(number) if isinstance(number, str) and number.isdigit() else None
    value = getattr(record, attr, None)
    if isinstance(value, Ref):
        value = value.name if isinstance(value.name, str) else value.id
    if isinstance(value, Money):
        value = value.amount
    return None if value is UNSET else value


def rpc_sort_key(record: Record, attr: str) -> tuple[bool, Any, int]:
    """The RPC API's sort key: empty values last, text case-insensitive, ties by id."""
    value = _attr_value(record, attr)
    if isinstance(value, str):
        value = value.casefold()
    record_id = record.id if isinstance(record.id, int) else 0
    return (value is None, value, record_id)


def sort_like_rpc(records: Sequence[R], order: Order | None, *, descending: bool) -> list[R]:
    """``records`` in the order the RPC API gives them (unsorted without an ``orderBy``)."""
    if order is None:
        return list(records)
    ordered = sorted(records, key=lambda r: rpc_sort_key(r, order.attr))
    if descending:
        ordered.reverse()
    return ordered


# -- paging -------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Paging:
    """The ordering and page of one ``find*`` call, validated as the RPC API validates it."""

    order: Order | None
    descending: bool
    limit: int
    page: int

    @property
    def start(self) -> int:
        """The index of the page's first record."""
        return (self.page - 1) * self.limit

    def slice(self, records: Sequence[R]) -> list[R]:
        """This page of ``records`` (already ordered)."""
        return list(records[self.start : self.start + self.limit])

    def rest_query(self, query: Query) -> Query:
        """``query`` sorted and paged for REST: ``sort`` and a 0-based ``page[page]``."""
        if self.limit > MAX_PAGE_LIMIT:
            raise Unbridgeable(f"limit {self.limit} exceeds REST's page[limit] of {MAX_PAGE_LIMIT}")
        field = self.order.rest if self.order is not None else "id"
        assert field is not None  # read_paging refuses orders REST cannot sort by
        # Without an orderBy the RPC API keeps store (id) order; REST lists some types by name.
        descending = self.descending and self.order is not None
        return query.sort(field, descending=descending).page(limit=self.limit, page=self.page - 1)


def _positive(value: Any, field: str) -> int:
    number = read_int(value, field)
    if number < 1:
        raise bad_input(field, "must be 1 or more")
    return number


def read_paging(
    params: Mapping[str, Any],
    orders: Mapping[str, Order],
    *,
    full: bool,
    by_rest: bool,
    legacy: Callable[[object], None] | None = None,
) -> Paging:
    """Read ``orderBy``, ``orderDirection``, ``limit`` and ``page`` as the RPC API does.

    ``orders`` are the keys the bridge can honour (normalized); ``by_rest`` says the order is
    REST's to apply (paged collections), so keys without a REST sort field are refused, as is
    descending order on a field that may be empty. ``legacy`` refuses a key the RPC API does
    not take with its own 400; only a key it takes is refused as not bridgeable.
    """
    order_by = params.get("orderBy")
    direction = params.get("orderDirection", "ASC")
    if not isinstance(direction, str) or direction.upper() not in ("ASC", "DESC"):
        raise bad_input("orderDirection", "expected ASC or DESC")
    descending = direction.upper() == "DESC"
    order: Order | None = None
    if order_by is not None:
        order = orders.get(normalize(order_by)) if isinstance(order_by, str) else None
        if order is None:
            if legacy is not None:
                legacy(order_by)
            known = ", ".join(sorted(orders))
            raise Unbridgeable(
                f"orderBy {order_by!r} cannot be answered; the bridge orders by {known}"
            )
        if by_rest and order.rest is None:
            raise Unbridgeable(f"orderBy {order_by!r}: REST cannot sort by it")
        if by_rest and order.nullable and descending:
            raise Unbridgeable(
                f"orderBy {order_by!r} DESC: REST sorts empty values last, the RPC API first"
            )
    limit = _positive(params.get("limit", 50), "limit")
    page = _positive(params.get("page", 1), "page")
    if full:
        limit = min(limit, NON_STUB_LIMIT)
    return Paging(order=order, descending=descending, limit=limit, page=page)
