"""List parameters of the emulator's REST front: ``filter[...]``, ``q``, ``email``, ``sort``, pages.

This is the server side of the grammar :mod:`nutshell_rest.query` writes (rest-api.md §4):

* ``filter[key]=v`` and ``filter[key][]=v`` (one pair per value; several values match any);
* ``filter[address][country]=US`` (address sub-fields);
* numeric ranges ``>1020`` / ``<1020``; time spans ``A TO B`` and, as AMP sends them, two
  space-separated times without ``TO``; single times and dates;
* id filters by ``"3-accounts"`` or plain ``3``; custom fields by name;
* ``sort=field`` / ``sort=-field``; ``page[page]`` (0-based) and ``page[limit]`` (max 10,000).

Predicates look at both the model record (for values the REST shape does not show, such as an
account's created time) and its rendered REST object (for relations in ``links``), so a filter
on ``contacts`` sees the same relations a client reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Final, TypeVar

import attrs

from nutshell_core.model import UNSET, Record, Unset

__all__ = [
    "DEFAULT_PAGE_LIMIT",
    "MAX_PAGE_LIMIT",
    "FilterTerm",
    "ListParams",
    "QueryError",
    "matches",
    "parse_list_params",
    "sort_records",
    "whole_number",
]

#: The largest ``page[limit]`` Nutshell accepts (AMP ``handlers.go``).
MAX_PAGE_LIMIT: Final = 10_000

#: Nutshell's default page size is undocumented; 50 is the emulator's choice.
DEFAULT_PAGE_LIMIT: Final = 50

Wire = Mapping[str, Any]
T = TypeVar("T")
W = TypeVar("W", bound=Mapping[str, Any])


#: The most digits a number in a request may have: ids, pages and unix times fit in 18, and
#: ``int`` refuses strings past 4,300 digits (ValueError), so longer is no number.
MAX_DIGITS: Final = 18


def whole_number(text: str) -> int | None:
    """``text`` as a whole number written in ASCII digits (at most :data:`MAX_DIGITS`), else None.

    ``str.isdigit`` alone also accepts superscripts and other digits ``int`` refuses ("³"),
    which turned such path ids into 500s.
    """
    if not text or len(text) > MAX_DIGITS or not text.isascii() or not text.isdigit():
        return None
    return int(text)


class QueryError(Exception):
    """A list parameter Nutshell would refuse with 400: ``title`` and ``detail`` as it says them."""

    def __init__(self, title: str, detail: str | None = None) -> None:
        super().__init__(title if detail is None else f"{title}: {detail}")
        self.title = title
        self.detail = detail


@attrs.frozen
class FilterTerm:
    """One ``filter[key]`` (or ``filter[key][sub]``) with every value given for it."""

    key: str
    sub: str | None
    values: tuple[str, ...]


@attrs.frozen(kw_only=True)
class ListParams:
    """The parsed query string of a list request."""

    filters: tuple[FilterTerm, ...] = ()
    q: str | None = None
    email: str | None = None
    sort: str | None = None
    descending: bool = False
    page: int = 0
    limit: int | None = None


_FILTER_KEY = re.compile(r"filters?\[([^\[\]]+)\](?:\[([^\[\]]+)\])?(\[\])?")


def _page_number(text: str) -> int:
    try:
        page = int(text.strip())
    except ValueError:
        raise QueryError("Invalid filter", f"Invalid page number: {text}") from None
    if page < 0:
        # The exact words of the recorded 400 (read/err-page-size.json).
        raise QueryError("Invalid filter", f"Invalid page number: {page}")
    return page


def _page_limit(text: str) -> int:
    try:
        limit = int(text.strip())
    except ValueError:
        raise QueryError("Invalid filter", f"Invalid page limit: {text}") from None
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        raise QueryError("Invalid filter", f"Invalid page limit: {limit}")
    return limit


def parse_list_params(
    query: Sequence[tuple[str, str]], *, limit_aliases: Iterable[str] = ("limit",)
) -> ListParams:
    """Read ``filter[...]``, ``q``, ``email``, ``sort`` and paging from a query string.

    Raises :class:`QueryError` for a bad page number or limit. ``limit_aliases`` are other
    names taken for ``page[limit]`` (OAS documents a bare ``limit`` on ``/activities``).
    """
    terms: dict[tuple[str, str | None], list[str]] = {}
    q = email = sort = None
    page = 0
    limit: int | None = None
    aliases = set(limit_aliases)
    for key, value in query:
        match = _FILTER_KEY.fullmatch(key)
        if match is not None:
            name, sub, _ = match.groups()
            terms.setdefault((name, sub), []).append(value)
        elif key == "q" and value.strip():
            q = value.strip()
        elif key == "email" and value.strip():
            email = value.strip()
        elif key == "sort" and value.strip():
            sort = value.strip()
        elif key == "page[page]":
            page = _page_number(value)
        elif key == "page[limit]" or (key in aliases and limit is None):
            limit = _page_limit(value)
    descending = False
    if sort is not None and sort.startswith("-"):
        descending, sort = True, sort[1:]
    return ListParams(
        filters=tuple(FilterTerm(k, s, tuple(v)) for (k, s), v in terms.items()),
        q=q,
        email=email,
        sort=sort or None,
        descending=descending,
        page=page,
        limit=limit,
    )


# -- values -------------------------------------------------------------------------------------

_UTC = timezone.utc
_TO = re.compile(r"\s+TO\s+", re.IGNORECASE)


def _parse_moment(text: str) -> tuple[datetime, datetime] | None:
    """A time or date as the span it covers: a date is its whole day, a time its second."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        seconds = whole_number(text)
        if seconds is None:
            return None
        try:
            moment = datetime.fromtimestamp(seconds, _UTC)
        except (OverflowError, OSError, ValueError):
            return None  # past the years a datetime holds: no time at all
        return moment, moment
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = datetime.combine(day, time.min, _UTC)
        return start, start + timedelta(days=1) - timedelta(seconds=1)
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    # Filter times are UTC when they carry no offset (nutshell_rest.query.TIME_FORMAT).
    moment = moment.replace(tzinfo=_UTC) if moment.tzinfo is None else moment.astimezone(_UTC)
    return moment, moment


Span = tuple[datetime | None, datetime | None]


def _time_span(spec: str) -> Span | None:
    """``A TO B``, ``A B`` (AMP's form), ``>A``, ``<A`` or ``A`` -> inclusive (low, high)."""
    spec = spec.strip()
    if spec[:1] in "<>":
        bound = _parse_moment(spec[1:])
        if bound is None:
            return None
        if spec[0] == ">":
            return bound[1] + timedelta(seconds=1), None
        return None, bound[0] - timedelta(seconds=1)
    parts = _TO.split(spec)
    if len(parts) == 1:
        parts = spec.split()
    if len(parts) == 1:
        return _parse_moment(parts[0])
    if len(parts) == 2:
        low, high = _parse_moment(parts[0]), _parse_moment(parts[1])
        if low is not None and high is not None:
            return low[0], high[1]
    return None


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _match_number(spec: str, actual: Decimal) -> bool:
    spec = spec.strip()
    if spec[:1] in "<>":
        bound = _number(spec[1:])
        if bound is None:
            return False
        return actual > bound if spec[0] == ">" else actual < bound
    parts = _TO.split(spec)
    if len(parts) == 2:
        low, high = _number(parts[0]), _number(parts[1])
        return low is not None and high is not None and low <= actual <= high
    wanted = _number(spec)
    return wanted is not None and wanted == actual


def _match_time(spec: str, actual: datetime) -> bool:
    span = _time_span(spec)
    if span is None:
        return False
    low, high = span
    moment = actual.astimezone(_UTC) if actual.tzinfo else actual.replace(tzinfo=_UTC)
    return (low is None or moment >= low) and (high is None or moment <= high)


def _match_text(spec: str, actual: str, *, contains: bool = False) -> bool:
    wanted, have = spec.strip().casefold(), actual.casefold()
    return wanted in have if contains else wanted == have


def match_value(spec: str, actual: object, *, contains: bool = False) -> bool:
    """Whether one filter value matches one field value (times, numbers, booleans, text)."""
    if actual is None or isinstance(actual, Unset):
        return spec.strip().lower() in ("null", "")
    if isinstance(actual, datetime):
        return _match_time(spec, actual)
    if isinstance(actual, bool):
        return spec.strip().lower() in (("true", "1", "yes") if actual else ("false", "0", "no"))
    number = _number(actual) if not isinstance(actual, str) else None
    if number is not None:
        return _match_number(spec, number)
    if isinstance(actual, str):
        if spec.strip()[:1] in "<>" and _number(actual) is not None:
            return _match_number(spec, _number(actual) or Decimal(0))
        return _match_text(spec, actual, contains=contains)
    if isinstance(actual, Mapping):
        return any(match_value(spec, v, contains=contains) for v in actual.values())
    if isinstance(actual, (list, tuple)):
        return any(match_value(spec, v, contains=contains) for v in actual)
    return _match_text(spec, str(actual), contains=contains)


# -- ids ----------------------------------------------------------------------------------------

_ID = re.compile(r"\s*([0-9]{1,18})(?:-([A-Za-z][A-Za-z0-9]*))?\s*")


def _id_parts(text: object) -> tuple[int, str | None] | None:
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text, None
    if not isinstance(text, str):
        return None
    match = _ID.fullmatch(text)
    if match is None:
        return None
    return int(match.group(1)), match.group(2)


def same_id(spec: str, wire_id: object) -> bool:
    """``"3-accounts"`` or ``"3"`` against a wire id ``"3-accounts"`` (types case-insensitive)."""
    want, have = _id_parts(spec), _id_parts(wire_id)
    if want is None or have is None or want[0] != have[0]:
        return False
    return want[1] is None or have[1] is None or want[1].lower() == have[1].lower()


def id_matcher(specs: Iterable[str]) -> Callable[[object], bool]:
    """A test of wire ids against several specs at once, as :func:`same_id` matches one:
    the specs are parsed once, so checking many ids costs a set lookup each."""
    typed: set[tuple[int, str]] = set()
    bare: set[int] = set()
    for spec in specs:
        parts = _id_parts(spec)
        if parts is None:
            continue
        if parts[1] is None:
            bare.add(parts[0])
        else:
            typed.add((parts[0], parts[1].lower()))
    any_type = {number for number, _ in typed} | bare

    def matches(wire_id: object) -> bool:
        have = _id_parts(wire_id)
        if have is None:
            return False
        number, kind = have
        if number in bare or (kind is None and number in any_type):
            return True
        return kind is not None and (number, kind.lower()) in typed

    return matches


# -- field getters ------------------------------------------------------------------------------

#: Filter keys that name relations, and the ``links`` members they look at.
_LINK_FILTERS: Final[Mapping[str, tuple[str, ...]]] = {
    "accounts": ("accounts",),
    "account": ("accounts",),
    "contacts": ("contacts",),
    "contact": ("contacts",),
    "creator": ("creator",),
    "creators": ("creator",),
    "owner": ("owner",),
    "owners": ("owner",),
    "products": ("products",),
    "sources": ("sources",),
    "tags": ("tags",),
    "territory": ("territory",),
    "territories": ("territory",),
    "outcome": ("outcome",),
    "outcomes": ("outcome",),
    "stageset": ("stageset",),
    "stagesets": ("stageset",),
    # The RPC API's "milestones" are REST stages.
    "milestone": ("stage",),
    "milestones": ("stage",),
    "stage": ("stage",),
    "stages": ("stage",),
    "industry": ("industry",),
    "industries": ("industry",),
    "accountType": ("accountType",),
    "accountTypes": ("accountType",),
    "activityType": ("activityType",),
    "activityTypes": ("activityType",),
    "assignee": ("assignee",),
    "relatedEntity": ("relatedEntity",),
    "participant": ("contacts", "accounts", "users"),
    "participants": ("contacts", "accounts", "users"),
    "lead": ("lead", "leads"),
    "leads": ("leads", "lead"),
    "users": ("users",),
    "teams": ("teams",),
    "competitors": ("competitors",),
    "competitor": ("competitor",),
    "product": ("product",),
    "market": ("market",),
    "markets": ("market",),
    "parent": ("parent",),
    "stagesetId": ("stageset",),
}

#: Filter keys on times, and the model attribute holding each.
_TIME_FILTERS: Final[Mapping[str, str]] = {
    "createdTime": "created_time",
    "modifiedTime": "modified_time",
    "deletedTime": "deleted_time",
    "lastContactedTime": "last_contacted_time",
    "dueTime": "due_time",
    "closedTime": "closed_time",
    "startTime": "start_time",
    "endTime": "end_time",
    "completedTime": "completed_time",
}

#: Fields matched by "contains" rather than equality (a name filter finds "Acme Inc" by "acme").
_CONTAINS: Final = frozenset({"name", "title", "description", "jobTitle", "sku", "body"})


def _links(wire: Wire) -> Mapping[str, Any]:
    links = wire.get("links")
    return links if isinstance(links, Mapping) else {}


def _link_ids(wire: Wire, keys: Sequence[str]) -> list[Any]:
    found: list[Any] = []
    links = _links(wire)
    for key in keys:
        member = links.get(key)
        if isinstance(member, list):
            found.extend(member)
        elif member is not None:
            found.append(member)
    return found


def _point_values(wire: Wire, key: str) -> list[str]:
    values = []
    for item in wire.get(key) or ():
        if isinstance(item, str):
            values.append(item)
        elif isinstance(item, Mapping):
            value = item.get("value")
            if isinstance(value, Mapping):
                values.extend(str(v) for v in value.values() if isinstance(v, str))
            elif isinstance(value, str):
                values.append(value)
    return values


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _address_values(wire: Wire, sub: str | None) -> list[Any]:
    wanted = {"postal_code": "postalCode", "zip": "postalCode"}.get(sub or "", sub)
    values: list[Any] = []
    for item in wire.get("addresses") or ():
        value = item.get("value") if isinstance(item, Mapping) else None
        if not isinstance(value, Mapping):
            continue
        if wanted is None:
            values.extend(v for v in value.values() if isinstance(v, str))
        elif wanted in value:
            values.append(value[wanted])
    return values


def _attr(record: Record, name: str) -> Any:
    value = getattr(record, name, UNSET)
    return None if isinstance(value, Unset) else value


def _custom_value(record: Record, key: str) -> tuple[bool, Any]:
    fields = _attr(record, "custom_fields")
    if not isinstance(fields, Mapping):
        return False, None
    if key in fields:
        return True, fields[key]
    for name, value in fields.items():
        if isinstance(name, str) and name.casefold() == key.casefold():
            return True, value
    return False, None


def _term_matches(term: FilterTerm, record: Record, wire: Wire) -> bool:
    key, values = term.key, term.values
    if key == "id":
        return any(same_id(v, wire.get("id")) for v in values)
    if key == "address":
        found = _address_values(wire, term.sub)
        return any(match_value(v, a) for v in values for a in found)
    if key in _LINK_FILTERS:
        ids = _link_ids(wire, _LINK_FILTERS[key])
        return any(same_id(v, i) for v in values for i in ids)
    if key in _TIME_FILTERS:
        moment = _attr(record, _TIME_FILTERS[key])
        return moment is not None and any(match_value(v, moment) for v in values)
    if key == "email":
        emails = _point_values(wire, "emails")
        return any(match_value(v, e) for v in values for e in emails)
    if key == "phone":
        phones = [_digits(p) for p in _point_values(wire, "phones")]
        return any(_digits(v) and _digits(v) in p for v in values for p in phones)
    if key in ("dateMin", "dateMax"):
        # Activities are filtered on their start; tasks on creation (OAS wording). Both bounds
        # are inclusive, and a date covers its whole day.
        moment = _attr(record, "start_time") or _attr(record, "created_time")
        return isinstance(moment, datetime) and all(_within_bound(key, v, moment) for v in values)
    if key in ("flagged", "isImportant"):
        return any(match_value(v, bool(_attr(record, "is_flagged"))) for v in values)
    if key == "tagType":
        return any(
            match_value(v, wire.get("tagType"))
            or v.strip() == _TAG_NUMBERS.get(str(wire.get("tagType")), "")
            for v in values
        )
    if key == "status" and "isLogged" in wire:
        return any(match_value(v, s) for v in values for s in _activity_statuses(wire))
    if key == "value" and isinstance(wire.get("value"), Mapping):
        return any(match_value(v, wire["value"].get("amount")) for v in values)
    if key in wire and key not in ("links", "type"):
        return any(match_value(v, wire[key], contains=key in _CONTAINS) for v in values)
    # Anything else names a custom field (filter[<customFieldName>]=...).
    present, value = _custom_value(record, key)
    return present and any(match_value(v, value) for v in values)


_TAG_NUMBERS: Final = {"leads": "1", "contacts": "2", "accounts": "3"}


def _activity_statuses(wire: Wire) -> list[str]:
    """An activity's status words, from the flags its REST shape carries."""
    if wire.get("isCancelled"):
        return ["cancelled"]
    if wire.get("isLogged"):
        return ["logged"]
    return ["scheduled", "overdue"] if wire.get("isOverdue") else ["scheduled"]


def _within_bound(key: str, spec: str, moment: datetime) -> bool:
    span = _parse_moment(spec)
    if span is None:
        return False
    return moment >= span[0] if key == "dateMin" else moment <= span[1]


def _text_of(wire: Wire) -> list[str]:
    texts: list[str] = []
    for key in ("name", "description", "title", "jobTitle", "number", "sku", "body", "agenda"):
        value = wire.get(key)
        if isinstance(value, str):
            texts.append(value)
    for key in ("emails", "phones", "urls"):
        texts.extend(_point_values(wire, key))
    texts.extend(v for v in _address_values(wire, None) if isinstance(v, str))
    return texts


def matches(params: ListParams, record: Record, wire: Wire) -> bool:
    """Whether ``record`` (rendered as ``wire``) passes every filter, ``q`` and ``email``."""
    if params.q is not None:
        needle = params.q.casefold()
        if not any(needle in text.casefold() for text in _text_of(wire)):
            return False
    if params.email is not None:
        wanted = params.email.casefold()
        if wanted not in {e.casefold() for e in _point_values(wire, "emails")}:
            return False
    return all(_term_matches(term, record, wire) for term in params.filters)


# -- sorting ------------------------------------------------------------------------------------

SortKey = Callable[[Record, Wire], Any]


def _first_link(key: str, names: Mapping[str, str]) -> SortKey:
    def get(_: Record, wire: Wire) -> Any:
        ids = _link_ids(wire, (key,))
        return names.get(str(ids[0])) if ids else None

    return get


def _wire_key(key: str) -> SortKey:
    def get(_: Record, wire: Wire) -> Any:
        value = wire.get(key)
        if isinstance(value, Mapping):
            value = value.get("timestamp", value.get("amount"))
        return value

    return get


def _record_attr(name: str) -> SortKey:
    return lambda record, _: _attr(record, name)


def _first_point(key: str) -> SortKey:
    def get(_: Record, wire: Wire) -> Any:
        values = _point_values(wire, key)
        return values[0] if values else None

    return get


def _postal_code(_: Record, wire: Wire) -> Any:
    values = _address_values(wire, "postalCode")
    return values[0] if values else None


def _lead_number(record: Record, _: Wire) -> Any:
    number = _attr(record, "number")
    whole = whole_number(number) if isinstance(number, str) else None
    return number if whole is None else whole


def sort_keys(names: Mapping[str, str]) -> Mapping[str, SortKey]:
    """Sort field -> key function; ``names`` maps wire ids to display names for relations."""
    keys: dict[str, SortKey] = {
        "id": _record_attr("id"),
        "name": _wire_key("name"),
        "title": _wire_key("title"),
        "sku": _wire_key("sku"),
        "number": _lead_number,
        "confidence": _wire_key("confidence"),
        "priority": _wire_key("priority"),
        "value": _wire_key("value"),
        "position": _wire_key("position"),
        "email": _first_point("emails"),
        "phone": _first_point("phones"),
        "postalCode": _postal_code,
        "status": _wire_key("status"),
        # "age" ascending is youngest first: newest created time first.
        "age": lambda record, _: _negated_time(_attr(record, "created_time")),
        "milestone": _first_link("stage", names),
        "stage": _first_link("stage", names),
    }
    for key, attr in _TIME_FILTERS.items():
        keys[key] = _record_attr(attr)
    for key in (
        "owner",
        "accountType",
        "industry",
        "territory",
        "sources",
        "accounts",
        "creator",
        "assignee",
    ):
        keys[key] = _first_link(key, names)
    return keys


def _negated_time(moment: Any) -> Any:
    return None if not isinstance(moment, datetime) else -moment.timestamp()


def _comparable(value: Any) -> tuple[int, Any]:
    # Missing values sort last whichever the direction; mixed types compare by kind first.
    if value is None:
        return (3, 0)
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float, Decimal)):
        return (0, Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
    if isinstance(value, datetime):
        return (1, value.timestamp())
    return (2, str(value))


def sort_records(
    items: Sequence[tuple[T, W]],
    field: str,
    *,
    descending: bool,
    names: Mapping[str, str],
    record_of: Callable[[T], Record],
) -> list[tuple[T, W]]:
    """``items`` sorted by ``field`` (ties by id); raises :class:`QueryError` on an unknown field.

    ``record_of`` gives the model record behind an item (the item itself, for most lists).
    """
    key_of = sort_keys(names).get(field)
    if key_of is None:
        raise QueryError("Invalid sort", f"Invalid sort field: {field}")

    def key(item: tuple[T, W]) -> Any:
        return key_of(record_of(item[0]), item[1])

    def tie(item: tuple[T, W]) -> tuple[int, Any]:
        # Ties go by the numeric id: "24-contacts" after "5-contacts", not before it as the
        # wire strings would compare.
        parts = _id_parts(item[1].get("id"))
        return _comparable(parts[0] if parts is not None else item[1].get("id"))

    # Each item's key once: a relation key looks up names, a wire key digs into the record.
    keyed = [(key(item), item) for item in items]
    present = [(value, item) for value, item in keyed if value is not None]
    missing = [item for value, item in keyed if value is None]
    present.sort(key=lambda vi: (_comparable(vi[0]), tie(vi[1])))
    if descending:
        present.reverse()
    return [item for _, item in present] + sorted(missing, key=tie)
