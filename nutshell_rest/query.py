"""An immutable builder for the query string of a REST list request (``GET /leads?...``).

::

    Query().filter(status="open").filter(accounts=[3, 4]).sort("-name").page(limit=100).params()
    -> [("filter[status]", "open"), ("filter[accounts][]", "3-accounts"),
        ("filter[accounts][]", "4-accounts"), ("sort", "-name"), ("page[limit]", "100")]

The grammar is Nutshell's (rest-api.md §4):

* a scalar is ``filter[key]=v``; a list is one ``filter[key][]=v`` pair per value;
* numeric ranges are ``filter[number]=>1020`` (or ``<``);
* time spans are ``filter[createdTime]=<start> TO <end>``, both ``%Y-%m-%dT%H:%M:%S`` in UTC;
* address sub-fields are ``filter[address][country]=US``; custom fields ``filter[<name>]=v``;
* ``sort=<field>`` / ``sort=-<field>``, ``q=`` free text, ``email=``;
* ``page[limit]`` (1..10,000) and ``page[page]`` (0-based).

Ids in id filters may be plain ints; they are rendered ``"<n>-<type>"`` from
:data:`ID_FILTER_TYPES`. :meth:`Query.params` returns *unencoded* pairs: ``requests`` does the
URL encoding, and encoding here as well would double-encode the brackets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import date, datetime, time, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Final

import attrs

from nutshell_core.errors import UsageError

__all__ = [
    "ID_FILTER_TYPES",
    "MAX_PAGE_LIMIT",
    "TIME_FORMAT",
    "FilterScalar",
    "FilterValue",
    "Query",
    "format_time",
]

#: The largest ``page[limit]`` the server accepts (AMP ``handlers.go``).
MAX_PAGE_LIMIT: Final = 10_000

#: How times are spelled inside a ``filter[...]`` value (always UTC, no offset).
TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%S"

#: Filter key -> REST type, for rendering a plain int id as ``"<n>-<type>"``.
#:
#: ``id`` is absent on purpose: its type is the listed entity's, so it comes from
#: ``Query(rest_type=...)``. Keys whose type is ambiguous (``participant``, ``relatedEntity``)
#: are absent too, so a plain int there passes through unconverted rather than being guessed.
ID_FILTER_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "accounts": "accounts",
        "accountType": "accountTypes",
        "accountTypes": "accountTypes",
        "activityType": "activityTypes",
        "activityTypes": "activityTypes",
        "assignee": "users",
        "competitors": "competitors",
        "contacts": "contacts",
        "creator": "users",
        "industries": "industries",
        "industry": "industries",
        "lead": "leads",
        "leads": "leads",
        "markets": "markets",
        # The RPC API's "milestones" are REST stages.
        "milestones": "stages",
        "outcomes": "outcomes",
        "owner": "users",
        # Owners may also be teams; pass "2-teams" as a string for those.
        "owners": "users",
        "products": "products",
        "sources": "sources",
        "stage": "stages",
        "stages": "stages",
        "stageset": "stagesets",
        "stagesets": "stagesets",
        "tags": "tags",
        "teams": "teams",
        "territories": "territories",
        "territory": "territories",
        "users": "users",
    }
)

#: One value a filter accepts.
FilterScalar = str | int | float | Decimal | date
#: What a filter accepts: a value, or several (one ``[]`` pair each).
FilterValue = FilterScalar | Sequence[FilterScalar] | AbstractSet[FilterScalar]

_REST_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def _utc(value: datetime, what: str) -> datetime:
    # A naive time has no defined instant; guessing the local zone would shift a filter by hours
    # depending on where the migration runs.
    if value.tzinfo is None or value.utcoffset() is None:
        raise UsageError(f"{what}: naive datetime {value.isoformat()!r}; give a timezone-aware one")
    return value.astimezone(timezone.utc)


def format_time(value: datetime | date, *, end_of_day: bool = False, what: str = "time") -> str:
    """Spell ``value`` the way Nutshell's time filters want it: ``%Y-%m-%dT%H:%M:%S`` in UTC.

    An aware datetime is converted to UTC; a naive one raises :class:`UsageError`. A ``date``
    becomes its first second, or with ``end_of_day`` its last (``23:59:59``), so that a span of
    dates includes both end days.
    """
    if isinstance(value, datetime):
        return _utc(value, what).strftime(TIME_FORMAT)
    return datetime.combine(value, time(23, 59, 59) if end_of_day else time.min).strftime(
        TIME_FORMAT
    )


def _check_key(key: object, what: str) -> str:
    if not isinstance(key, str) or not key:
        raise UsageError(f"{what} must be a non-empty string, not {key!r}")
    # A bracket inside a key would change the shape the server parses (filter[a][b]).
    if "[" in key or "]" in key:
        raise UsageError(f"{what} {key!r} may not contain '[' or ']'")
    return key


def _render_number(value: float | Decimal, what: str) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise UsageError(f"{what}: {value} is not a finite number")
        # "f" keeps 1E+3 as "1000": the server parses plain decimals.
        return format(value, "f")
    if not math.isfinite(value):
        raise UsageError(f"{what}: {value} is not a finite number")
    return repr(value)


def _render_scalar(value: object, id_type: str | None, what: str) -> str:
    # bool before int: bool is an int subclass, and True must not become "1-accounts".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if id_type is None:
            return str(value)
        if value < 1:
            raise UsageError(f"{what}: {value} is not a valid id")
        return f"{value}-{id_type}"
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        if isinstance(value, datetime):
            return format_time(value, what=what)
        return value.isoformat()
    if isinstance(value, float | Decimal):
        return _render_number(value, what)
    if value is None:
        raise UsageError(f"{what}: None is not a filter value; leave the filter out instead")
    raise UsageError(f"{what}: cannot send a {type(value).__name__} ({value!r})")


def _render(value: object, id_type: str | None, what: str) -> tuple[tuple[str, ...], bool]:
    """Render a filter value: (strings, is_list)."""
    if isinstance(value, str | bytes | Mapping):
        if isinstance(value, str):
            return (value,), False
        raise UsageError(f"{what}: cannot send a {type(value).__name__} ({value!r})")
    if isinstance(value, AbstractSet):
        # A set has no order of its own; sort so params() stays stable across runs.
        rendered = sorted(_render_scalar(v, id_type, what) for v in value)
    elif isinstance(value, Sequence):
        rendered = [_render_scalar(v, id_type, what) for v in value]
    else:
        return (_render_scalar(value, id_type, what),), False
    if not rendered:
        # An empty list would send no pair at all, silently widening the query to everything.
        raise UsageError(f"{what}: an empty list matches nothing; leave the filter out instead")
    return tuple(rendered), True


@attrs.frozen
class _Entry:
    """One filter: its bracket path (``("address", "country")``) and rendered values."""

    path: tuple[str, ...]
    values: tuple[str, ...]
    many: bool

    def pairs(self) -> list[tuple[str, str]]:
        key = "filter" + "".join(f"[{p}]" for p in self.path) + ("[]" if self.many else "")
        return [(key, v) for v in self.values]


def _check_rest_type(_: object, __: object, value: str | None) -> None:
    if value is not None and not _REST_TYPE.fullmatch(value):
        raise UsageError(f"rest_type must be a REST type name like 'leads', not {value!r}")


def _check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise UsageError(f"page limit must be an int, not {limit!r}")
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        raise UsageError(f"page limit must be between 1 and {MAX_PAGE_LIMIT}, not {limit}")
    return limit


def _check_page(page: object) -> int:
    if isinstance(page, bool) or not isinstance(page, int):
        raise UsageError(f"page number must be an int, not {page!r}")
    if page < 0:
        # The server answers 400 "Invalid page number: -1"; fail before sending.
        raise UsageError(f"Invalid page number: {page} (pages are 0-based)")
    return page


def _check_text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{what} must be a non-blank string, not {value!r}")
    return value


@attrs.frozen(kw_only=True)
class Query:
    """The query string of a REST list request. Immutable: every method returns a new Query.

    ``rest_type`` (``"leads"``...) is only needed to render a plain int in ``filter(id=...)``.
    Setting a filter key again replaces its earlier value in place; ``sort``, ``search``,
    ``email`` and ``page`` likewise replace what was set before.
    """

    rest_type: str | None = attrs.field(default=None, validator=_check_rest_type)
    _entries: tuple[_Entry, ...] = attrs.field(default=(), alias="_entries")
    _sort: str | None = attrs.field(default=None, alias="_sort")
    _text: str | None = attrs.field(default=None, alias="_text")
    _email: str | None = attrs.field(default=None, alias="_email")
    _limit: int | None = attrs.field(default=None, alias="_limit")
    _page: int | None = attrs.field(default=None, alias="_page")

    # -- read access for pagers ----------------------------------------------------------------

    @property
    def limit(self) -> int | None:
        """The ``page[limit]`` set, or None (the server's undocumented default)."""
        return self._limit

    @property
    def page_index(self) -> int | None:
        """The 0-based ``page[page]`` set, or None."""
        return self._page

    # -- building ------------------------------------------------------------------------------

    def _put(self, entry: _Entry) -> Query:
        entries = list(self._entries)
        for i, old in enumerate(entries):
            if old.path == entry.path:
                entries[i] = entry
                break
        else:
            entries.append(entry)
        return attrs.evolve(self, _entries=tuple(entries))

    def _id_type(self, key: str) -> str | None:
        if key == "id":
            return self.rest_type
        return ID_FILTER_TYPES.get(key)

    def filter(
        self, filters: Mapping[str, FilterValue] | None = None, /, **more: FilterValue
    ) -> Query:
        """Add ``filter[key]=v`` (scalar) or ``filter[key][]=v`` (one pair per list item).

        Takes a mapping, keywords, or both. Ints in id filters (:data:`ID_FILTER_TYPES`, and
        ``id`` when ``rest_type`` is set) become ``"<n>-<type>"``; strings pass through as given;
        booleans become ``"true"``/``"false"``; datetimes must be timezone-aware and are sent in
        UTC; dates as ``YYYY-MM-DD``. None and empty lists raise :class:`UsageError`.
        """
        query = self
        for key, value in [*(filters or {}).items(), *more.items()]:
            _check_key(key, "filter key")
            if key == "address":
                # filter[address]=x next to filter[address][country]=US would be ambiguous.
                raise UsageError("filter on address sub-fields with .address(country=...)")
            id_type = self._id_type(key)
            if key == "id" and id_type is None and _has_plain_int(value):
                raise UsageError(
                    "filter 'id' with an int needs Query(rest_type=...), or give '12-leads'"
                )
            values, many = _render(value, id_type, f"filter {key!r}")
            query = query._put(_Entry((key,), values, many))
        return query

    def custom(self, name: str, value: FilterValue) -> Query:
        """Filter on a custom field: ``filter[<name>]=v``. Ints are never treated as ids."""
        _check_key(name, "custom field name")
        values, many = _render(value, None, f"custom field {name!r}")
        return self._put(_Entry((name,), values, many))

    def address(self, **subfields: FilterValue) -> Query:
        """Filter on address sub-fields: ``filter[address][country]=US``.

        ``address(country="US", city="Ann Arbor")``. Each sub-field is its own filter;
        setting one again replaces it.
        """
        query = self
        for key, value in subfields.items():
            _check_key(key, "address sub-field")
            values, many = _render(value, None, f"address {key!r}")
            query = query._put(_Entry(("address", key), values, many))
        return query

    def range(
        self,
        field: str,
        *,
        gt: int | Decimal | str | None = None,
        lt: int | Decimal | str | None = None,
    ) -> Query:
        """A one-sided numeric range: ``range("number", gt=1020)`` -> ``filter[number]=>1020``.

        Exactly one of ``gt`` and ``lt``: Nutshell's grammar has one bound per filter value.
        """
        _check_key(field, "range field")
        if (gt is None) == (lt is None):
            raise UsageError(f"range {field!r}: give exactly one of gt= or lt=")
        op, bound = (">", gt) if gt is not None else ("<", lt)
        what = f"range {field!r}"
        if isinstance(bound, bool):
            raise UsageError(f"{what}: {bound!r} is not a number")
        if isinstance(bound, str):
            try:
                ok = Decimal(bound.strip()).is_finite()
            except ArithmeticError:
                ok = False
            if not ok:
                raise UsageError(f"{what}: {bound!r} is not a number")
            text = bound.strip()
        elif isinstance(bound, int):
            text = str(bound)
        elif isinstance(bound, Decimal):
            text = _render_number(bound, what)
        else:
            raise UsageError(f"{what}: {bound!r} is not a number")
        return self._put(_Entry((field,), (op + text,), False))

    def between(self, field: str, start: datetime | date, end: datetime | date) -> Query:
        """A time span: ``filter[<field>]=<start> TO <end>``, both in UTC, inclusive.

        Aware datetimes are converted to UTC; naive ones raise :class:`UsageError`. A date
        ``start`` means its 00:00:00 and a date ``end`` its 23:59:59, so whole days are included.
        """
        _check_key(field, "time field")
        what = f"between {field!r}"
        for bound in (start, end):
            if not isinstance(bound, date):
                raise UsageError(f"{what}: {bound!r} is not a date or datetime")
        first = format_time(start, what=what)
        last = format_time(end, end_of_day=True, what=what)
        # TIME_FORMAT is fixed-width and big-endian, so string order is time order.
        if first > last:
            raise UsageError(f"{what}: start {first} is after end {last}")
        return self._put(_Entry((field,), (f"{first} TO {last}",), False))

    def sort(self, field: str, *, descending: bool = False) -> Query:
        """Sort by ``field``: ``sort=name``; ``sort=-name`` with ``descending=True`` or ``"-name"``.

        One field only (the multi-field form is undocumented); a new sort replaces the old.
        """
        if not isinstance(field, str):
            raise UsageError(f"sort field must be a string, not {field!r}")
        name = field[1:] if field.startswith("-") else field
        if not name or name.startswith("-") or any(c.isspace() for c in name):
            raise UsageError(f"sort field must be a field name like 'name', not {field!r}")
        descending = descending or field.startswith("-")
        return attrs.evolve(self, _sort=("-" if descending else "") + name)

    def search(self, text: str) -> Query:
        """Free-text search: ``q=<text>``."""
        return attrs.evolve(self, _text=_check_text(text, "search text"))

    def email(self, address: str) -> Query:
        """Search contacts or accounts by email address: ``email=<address>``."""
        return attrs.evolve(self, _email=_check_text(address, "email"))

    def page(self, *, limit: int | None = None, page: int | None = None) -> Query:
        """Set ``page[limit]`` (1..10,000) and/or ``page[page]`` (0-based); None keeps the old."""
        return attrs.evolve(
            self,
            _limit=self._limit if limit is None else _check_limit(limit),
            _page=self._page if page is None else _check_page(page),
        )

    def with_page(self, page: int, limit: int) -> Query:
        """This query at one page: what a pager calls for page 0, 1, 2..."""
        return attrs.evolve(self, _limit=_check_limit(limit), _page=_check_page(page))

    # -- output --------------------------------------------------------------------------------

    def params(self) -> list[tuple[str, str]]:
        """The query as unencoded ``(key, value)`` pairs, for ``requests``' ``params=``.

        The order is stable: filters in the order their keys were first set, then ``sort``,
        ``q``, ``email``, ``page[limit]`` and ``page[page]``.
        """
        pairs = [pair for entry in self._entries for pair in entry.pairs()]
        if self._sort is not None:
            pairs.append(("sort", self._sort))
        if self._text is not None:
            pairs.append(("q", self._text))
        if self._email is not None:
            pairs.append(("email", self._email))
        if self._limit is not None:
            pairs.append(("page[limit]", str(self._limit)))
        if self._page is not None:
            pairs.append(("page[page]", str(self._page)))
        return pairs


def _has_plain_int(value: object) -> bool:
    def plain(v: object) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    if isinstance(value, AbstractSet | Sequence) and not isinstance(value, str):
        return any(plain(v) for v in value)
    return plain(value)
