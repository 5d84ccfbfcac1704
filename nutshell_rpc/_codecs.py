"""Small reusable codecs for the JSON-RPC wire format.

The scalar and value-object codecs (times, money, phones, addresses, multi-value maps) are plain
functions. :class:`nutshell_rpc._fieldkit.FieldKit` turns them into
:class:`~nutshell_core.wiremap.Field` rows, one factory per kind of key (``kit.time("dueTime",
"due_time")``, ``kit.ref("assignee", "owner", User)``...), so that :mod:`nutshell_rpc.convert`
can declare every record class as a table.
The renderers at the end (``sent``, ``link_obj``, ``typed_link``...) do the same for the
input tables of ``new*``/``edit*`` calls.

Two rules shape every codec here:

* **Loaders are strict about JSON types.** :func:`~nutshell_core.wiremap.structure` keeps a
  key's original spelling only when the rendering compares *unequal* in Python, and in Python
  ``1 == 1.0 == True``. So a loader never accepts a spelling its dumper cannot reproduce and
  Python cannot tell apart: a bool field wants a JSON bool, a text field a JSON string, an int
  field rejects floats, a money amount remembers whether it was an integer. Spellings that *do*
  compare unequal (an id sent as ``"11"``, a ``-05:00`` offset, a ``--primary`` placed oddly) are
  accepted and kept exact.
* **Loaders raise ValueError or TypeError** on bad input; wiremap turns those into
  :class:`~nutshell_core.errors.MalformedResponseError` naming the path. A nested record's error
  is re-rooted with :func:`reroot` so the path reads ``$.contacts[0].id``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from nutshell_core.errors import MalformedResponseError, UsageError
from nutshell_core.model import (
    ENTITIES,
    UNSET,
    Address,
    Email,
    Money,
    PersonName,
    Phone,
    Record,
    Ref,
    Url,
    is_set,
)
from nutshell_core.wiremap import SLOW, positional_maker

if TYPE_CHECKING:
    pass

__all__ = [
    "FIELD_TYPES",
    "FIELD_TYPE_CODES",
    "PRIMARY",
    "PRODUCT_CODES",
    "PRODUCT_TYPES",
    "RPC_TIME",
    "Sent",
    "address_dump",
    "address_input",
    "address_load",
    "as_bool",
    "as_int",
    "as_text",
    "as_token",
    "contact_name_input",
    "decimal_from_json",
    "decimal_to_json",
    "each",
    "email_load",
    "format_time",
    "link",
    "link_id",
    "link_obj",
    "money_dump",
    "money_input",
    "money_load",
    "multi_dump",
    "multi_input",
    "multi_load",
    "nullable",
    "parse_time",
    "phone_dump",
    "phone_input",
    "phone_load",
    "product_link",
    "reroot",
    "rpc_type_of",
    "sent",
    "tag_names",
    "typed_link",
    "url_load",
    "value_of",
]

T = TypeVar("T")
E = TypeVar("E", bound=IntEnum)
V = TypeVar("V", Email, Url, Phone, Address)

#: The key of the duplicate primary value in RPC multi-value maps.
PRIMARY = "--primary"

#: How the RPC API writes times: ``2016-11-11T15:59:00+0000``.
RPC_TIME = "%Y-%m-%dT%H:%M:%S%z"
_RPC_TIME_FRACTION = "%Y-%m-%dT%H:%M:%S.%f%z"
_INTEGER = re.compile(r"[+-]?\d+")


# -- errors -------------------------------------------------------------------------------------


def reroot(exc: MalformedResponseError, segment: str) -> MalformedResponseError:
    """The same error with ``segment`` (``".contacts[0]"``) inserted after each path's ``$``."""

    def move(problem: str) -> str:
        head, sep, tail = problem.rpartition(" @ $")
        return f"{head}{sep}{segment}{tail}" if sep else f"{problem} @ ${segment}"

    problems = tuple(move(p) for p in exc.problems) or (f"@ ${segment}",)
    return MalformedResponseError(exc.message, exc.target, exc.status, exc.body, problems)


def _at(segment: str, fn: Callable[[Any], T], raw: Any) -> T:
    """Run ``fn(raw)``; report any failure as a MalformedResponseError at ``segment``."""
    try:
        return fn(raw)
    except MalformedResponseError as exc:
        raise reroot(exc, segment) from exc
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError) as exc:
        raise MalformedResponseError(
            f"cannot read {segment.lstrip('.')}", problems=(f"{exc} @ ${segment}",)
        ) from exc


# -- scalars ------------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def as_int(value: Any) -> int:
    """An integer, or a string of digits (ids sometimes arrive as ``"11"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    if isinstance(value, str):
        raise ValueError(f"expected an integer, got {value!r}")
    raise TypeError(f"expected an integer, got {_kind(value)}")


def as_text(value: Any) -> str:
    """A JSON string, nothing else.

    A number where text belongs (``name: 5``) is refused rather than read as ``"5"``: no
    recorded response sends one, and a typed record must not hide that the server sent
    another type.
    """
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {_kind(value)}")


def as_token(value: Any) -> str:
    """An opaque token such as a ``rev``: a string, or a bare integer read as its decimal
    spelling (the original is kept). Revs look like integers and are treated as opaque."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"expected a string, got {_kind(value)}")


def as_bool(value: Any) -> bool:
    """A JSON boolean, nothing else (``1`` would come back as ``true``)."""
    if isinstance(value, bool):
        return value
    raise TypeError(f"expected true or false, got {value!r}")


def as_number(value: Any) -> int | float:
    """A JSON number, kept as it came (int stays int)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise TypeError(f"expected a number, got {_kind(value)}")


def as_flag01(value: Any) -> bool:
    """The RPC API's ``0``/``1`` flags (Stageset ``default``)."""
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    raise ValueError(f"expected 0 or 1, got {value!r}")


def nullable(check: Callable[[Any], T]) -> Callable[[Any], T | None]:
    """``check``, letting JSON null through as None."""

    def load(value: Any) -> T | None:
        return None if value is None else check(value)

    return load


def as_enum(enum_cls: type[E]) -> Callable[[Any], E]:
    """An IntEnum member from its RPC integer."""

    def load(value: Any) -> E:
        return enum_cls(as_int(value))

    return load


# -- times --------------------------------------------------------------------------------------


#: Canonical time strings already read. Records of one page share many (their owners' and
#: stages' stubs repeat), and a datetime is immutable, so one object serves them all.
_TIMES: dict[str, datetime] = {}
_TIMES_SIZE: Final = 4096
#: The other way: the text of times already written, by the time object itself (its id, with
#: the object kept beside so that the id stays its own). Read times are shared objects (see
#: above), and an aware ``isoformat`` costs about a microsecond: a page's records repeat them.
#: Keyed by identity, not equality: an equal time with another offset is spelled otherwise.
_TEXTS: dict[int, str] = {}
_WRITTEN: dict[int, datetime] = {}


# Python 3.11's fromisoformat reads ``+hhmm`` itself; 3.10's wants ``+hh:mm``.
_FROMISO_HHMM: Final = sys.version_info >= (3, 11)
_fromisoformat = datetime.fromisoformat


def _canonical_time(value: str) -> datetime | None:
    """The datetime of a canonical RPC time string, or None for any other spelling.

    The separators are checked by position, which pins the layout to
    ``YYYY-MM-DDTHH:MM:SS+hhmm``; fromisoformat then checks every digit and range. What it
    would also take but :func:`format_time` does not give back is refused first: a year
    below 1000, ``-0000``, and hour 24 (read as the next midnight by newer Pythons).
    """
    if (
        len(value) != 24
        or value[4:17:3] != "--T::"  # the separators at 4, 7, 10, 13 and 16 in one slice
        or value[0] == "0"
        or value[11:13] == "24"
    ):
        return None
    sign = value[19]
    if sign != "+" and (sign != "-" or value[20:] == "0000"):
        return None
    offset = value[20:]
    # fromisoformat also reads "+00.1" and "+0060" (as +0100): neither is written back as sent
    if not (offset.isascii() and offset.isdigit()) or offset[2] > "5":
        return None
    try:
        # the C parser is what makes it fast
        moment = _fromisoformat(value if _FROMISO_HHMM else f"{value[:22]}:{value[22:]}")
    except ValueError:  # a day the month does not have: strptime reports it
        return None
    if len(_TIMES) >= _TIMES_SIZE:
        _TIMES.clear()
    _TIMES[value] = moment
    return moment


def read_time(value: Any) -> Any:
    """Fast reader of a time key: a canonical string (or null), else ``SLOW``."""
    if value is None:
        return None
    if type(value) is not str:
        return SLOW
    found = _TIMES.get(value)
    if found is not None:
        return found
    # _canonical_time written out: a page of distinct times reads a dozen per record
    if (
        len(value) != 24
        or value[4:17:3] != "--T::"
        or value[0] == "0"
        or value[11:13] == "24"
        or (value[19] != "+" and (value[19] != "-" or value[20:] == "0000"))
        or not (value[20:].isascii() and value[20:].isdigit())
        or value[22] > "5"
    ):
        return SLOW
    try:
        moment = _fromisoformat(value if _FROMISO_HHMM else f"{value[:22]}:{value[22:]}")
    except ValueError:
        return SLOW
    if len(_TIMES) >= _TIMES_SIZE:
        _TIMES.clear()
    _TIMES[value] = moment
    return moment


def parse_time(value: Any) -> datetime:
    """A timezone-aware datetime from ``+0000``, ``-05:00`` or ``Z`` ISO strings.

    A time with no offset is taken as UTC; its original spelling is kept by the memo.
    """
    if not isinstance(value, str):
        raise TypeError(f"expected a time string, got {_kind(value)}")
    found = _TIMES.get(value) or _canonical_time(value)
    if found is not None:
        return found
    for fmt in (RPC_TIME, _RPC_TIME_FRACTION):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a time: {value!r}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def format_time(value: datetime) -> str:
    """``2016-11-11T15:59:00+0000``; naive datetimes are taken as UTC."""
    key = id(value)
    known = _TEXTS.get(key)
    if known is not None and _WRITTEN.get(key) is value:
        return known
    # isoformat is several times faster than strftime, and only an aware time without
    # microseconds or a sub-second offset, from year 1000 on, has 25 characters (``+hh:mm``
    # at the end) and no leading zero
    text = value.isoformat()
    if len(text) == 25 and text[0] != "0":
        text = text[:22] + text[23:]
        if len(_WRITTEN) >= _TIMES_SIZE:
            _WRITTEN.clear()
            _TEXTS.clear()
        _TEXTS[key] = text
        _WRITTEN[key] = value
        return text
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    if value.microsecond == 0 and value.year >= 1000:
        # isoformat is several times faster than strftime; it writes the offset ``+hh:mm``
        text = value.isoformat()
        if len(text) == 25:
            return text[:22] + text[23:]
    return value.strftime(RPC_TIME if value.microsecond == 0 else _RPC_TIME_FRACTION)


def write_time(value: datetime | None) -> str | None:
    """The ``write`` of a time key: null stays null."""
    return None if value is None else format_time(value)


# -- money --------------------------------------------------------------------------------------


def decimal_from_json(value: Any) -> Decimal | None:
    """A Decimal whose exponent remembers the JSON type: ints get 0, floats a fraction."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("expected an amount, got bool")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        amount = Decimal(repr(value))
        if amount.is_finite() and int(amount.as_tuple().exponent) >= 0:
            amount = Decimal(f"{value:.1f}")  # 1e+16 is still a float: keep a fraction digit
    elif isinstance(value, str):
        amount = Decimal(value.strip())
    else:
        raise TypeError(f"expected an amount, got {_kind(value)}")
    if not amount.is_finite():
        raise ValueError(f"amount {value!r} is not a finite number")
    return amount


def decimal_to_json(amount: Decimal | None) -> int | float | None:
    """An integral exponent renders as a JSON integer, a fractional one as a JSON float."""
    if amount is None:
        return None
    if not amount.is_finite():
        raise ValueError(f"amount {amount} cannot be written as JSON")
    return int(amount) if int(amount.as_tuple().exponent) >= 0 else float(amount)


# Money per amount read (a lead has several): built slot by slot
_make_money: Final = positional_maker(Money, ("amount", "currency", "formatted"))


def money_load(raw: Any) -> Money:
    """``{currency, amount}`` as Money; a null currency reads as not sent (original kept)."""
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise TypeError(f"expected a money object, got {_kind(raw)}")
    currency = raw.get("currency")
    amount = raw.get("amount")
    return _make_money(
        Decimal(amount) if type(amount) is int else decimal_from_json(amount),
        UNSET if currency is None else as_text(currency),
        UNSET,
    )


def money_dump(money: Money) -> dict[str, Any]:
    """``{"currency": ..., "amount": ...}``, the order the API uses."""
    out: dict[str, Any] = {}
    if is_set(money.currency):
        out["currency"] = money.currency
    out["amount"] = decimal_to_json(money.amount)
    return out


def money_input(money: Money) -> dict[str, Any]:
    """Money as new*/edit* inputs take it: ``{amount, currency}``."""
    out: dict[str, Any] = {"amount": decimal_to_json(money.amount)}
    if is_set(money.currency):
        out["currency"] = money.currency
    return out


# -- contact points -----------------------------------------------------------------------------

_PHONE_KEYS = (
    ("countryCode", "country_code"),
    ("number", "number"),
    ("extension", "extension"),
    ("numberFormatted", "formatted"),
    ("E164", "e164"),
)
_ADDRESS_KEYS = (
    ("address_1", "address_1"),
    ("address_2", "address_2"),
    ("address_3", "address_3"),
    ("city", "city"),
    ("state", "state"),
    ("postalCode", "postal_code"),
    ("country", "country"),
    ("timezone", "timezone"),
)
_opt_text = nullable(as_text)
_opt_number = nullable(as_number)

#: Custom field types as the RPC API spells them, by the REST spelling the model uses
#: ("Enum" is in the HULL connector's findCustomFields example; the others follow its case).
FIELD_TYPE_CODES = {
    "text": "Text",
    "number": "Number",
    "currency": "Currency",
    "date": "Date",
    "enum": "Enum",
    "checkbox": "Checkbox",
    "email": "Email",
    "phone": "Phone",
    "url": "Url",
    "location": "Location",
}
FIELD_TYPES = {code: name for name, code in FIELD_TYPE_CODES.items()}

#: Product ``type`` codes and the REST names the model uses for them.
PRODUCT_TYPES = {"0": "product", "1": "service"}
PRODUCT_CODES = {name: code for code, name in PRODUCT_TYPES.items()}


def email_load(raw: Any) -> Email:
    """An email map value: a plain string."""
    return Email(value=_plain_string(raw))


def url_load(raw: Any) -> Url:
    """A url map value: a plain string."""
    return Url(value=_plain_string(raw))


def _plain_string(raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError(f"expected a string, got {_kind(raw)}")
    return raw


def phone_load(raw: Any) -> Phone:
    """A phone map value: the number as typed, or the server's parse of it."""
    if isinstance(raw, str):
        return Phone(value=raw)
    if not isinstance(raw, Mapping):
        raise TypeError(f"expected a phone string or object, got {_kind(raw)}")
    values: dict[str, Any] = {attr: _opt_text(raw[key]) for key, attr in _PHONE_KEYS if key in raw}
    return Phone(**values)


def phone_dump(phone: Phone) -> str | dict[str, Any]:
    """The parse as an object when there is one, else the typed string."""
    parsed = {key: getattr(phone, attr) for key, attr in _PHONE_KEYS}
    parsed = {key: value for key, value in parsed.items() if is_set(value)}
    if parsed or not isinstance(phone.value, str):
        return parsed
    return phone.value


def address_load(raw: Any) -> Address:
    """An address map value; ``location`` holds latitude and longitude."""
    if not isinstance(raw, Mapping):
        raise TypeError(f"expected an address object, got {_kind(raw)}")
    values: dict[str, Any] = {
        attr: _opt_text(raw[key]) for key, attr in _ADDRESS_KEYS if key in raw
    }
    location = raw.get("location")
    if isinstance(location, Mapping):
        for key in ("latitude", "longitude"):
            if key in location:
                values[key] = _opt_number(location[key])
    if "locationAccuracy" in raw:
        values["location_accuracy"] = _opt_text(raw["locationAccuracy"])
    return Address(**values)


def address_dump(address: Address) -> dict[str, Any]:
    """The address object in the API's key order (its ``name`` is not modelled: memo keeps it)."""
    out: dict[str, Any] = {}
    location = {
        key: getattr(address, key)
        for key in ("longitude", "latitude")
        if is_set(getattr(address, key))
    }
    if location:
        out["location"] = location
    if is_set(address.location_accuracy):
        out["locationAccuracy"] = address.location_accuracy
    for key, attr in _ADDRESS_KEYS:
        if is_set(getattr(address, attr)):
            out[key] = getattr(address, attr)
    return out


def multi_load(raw: Any, load_item: Callable[[Any], V]) -> tuple[V, ...]:
    """``{"work": x, "--primary": x}`` as items labelled by key; the first match is primary."""
    if raw is None:
        return ()
    if isinstance(raw, list):
        return tuple(_at(f"[{i}]", load_item, item) for i, item in enumerate(raw))
    if not isinstance(raw, Mapping):
        raise TypeError(f"expected a map of values, got {_kind(raw)}")
    primary_pending = PRIMARY in raw
    items: list[V] = []
    for label, value in raw.items():
        if label == PRIMARY:
            continue
        item = attrs.evolve(_at(f"[{label!r}]", load_item, value), label=label)
        if primary_pending and value == raw[PRIMARY]:
            item = attrs.evolve(item, is_primary=True)
            primary_pending = False
        items.append(item)
    return tuple(items)


def multi_dump(items: Iterable[V], dump_item: Callable[[V], Any]) -> dict[str, Any]:
    """The map form: items by label (their index when unlabelled), then ``--primary``."""
    out: dict[str, Any] = {}
    primary: Any = UNSET
    for index, item in enumerate(items):
        rendered = dump_item(item)
        out[item.label if isinstance(item.label, str) else str(index)] = rendered
        if item.is_primary and primary is UNSET:
            primary = rendered
    if primary is not UNSET:
        out[PRIMARY] = primary
    return out


# -- shared by the field kit and the input renderers ----------------------------------------


def _set_or(value: Any, fn: Callable[[Any], Any]) -> Any:
    """``fn(value)`` for a real value; UNSET and None pass through."""
    return value if value is UNSET or value is None else fn(value)


# -- inputs for new* / edit* --------------------------------------------------------------------

#: Renders one input key from a record; UNSET leaves the key out.
Sent = Callable[[Record], Any]


def sent(name: str, render: Callable[[Any], Any] = lambda v: v) -> Sent:
    """Attribute ``name`` rendered by ``render``; UNSET is left out, None is sent as null."""

    def get(record: Record) -> Any:
        return _set_or(getattr(record, name, UNSET), render)

    return get


def rpc_type_of(entity: str) -> str:
    """The RPC ``entityType`` of a model class name (``"Lead"`` -> ``"Leads"``)."""
    cls = ENTITIES.get(entity)
    return cls.rpc_type if cls is not None else entity


def link_id(ref: Ref) -> int:
    """The id of a link (``milestoneId``); a link without one cannot be sent."""
    if not isinstance(ref.id, int):
        raise UsageError(f"a link to {ref.entity} needs an id to be sent")
    return ref.id


def link_obj(ref: Ref) -> dict[str, Any]:
    """``{id}`` (``primaryAccount``, ``market``, ``outcome``)."""
    return {"id": link_id(ref)}


def typed_link(ref: Ref) -> dict[str, Any]:
    """``{entityType, id}`` (``assignee``, ``participants``)."""
    return {"entityType": rpc_type_of(ref.entity), "id": link_id(ref)}


def link(ref: Ref, *, typed: bool = False) -> dict[str, Any]:
    """``{id, relationship?}``, with ``entityType`` too when ``typed``."""
    out = typed_link(ref) if typed else link_obj(ref)
    if is_set(ref.relationship):
        out["relationship"] = ref.relationship
    return out


def each(render: Callable[[Ref], Any]) -> Callable[[tuple[Ref, ...]], list[Any]]:
    """``render`` over a tuple of links."""
    return lambda refs: [render(ref) for ref in refs]


def tag_names(tags: tuple[Ref, ...]) -> list[Any]:
    """Tags go out by name."""
    return [tag.name for tag in tags]


def value_of(item: Email | Url) -> str:
    """An email or url as the string it is."""
    return item.value


def product_link(ref: Ref) -> dict[str, Any]:
    """A lead's product: ``{id, relationship?, quantity?, price?}`` from the embedded record."""
    out = link(ref)
    record = ref.record
    quantity = getattr(record, "quantity", UNSET)
    if record is not None and not is_set(quantity):
        quantity = record.extra.get("quantity", UNSET)
    if is_set(quantity):
        out["quantity"] = quantity
    price = getattr(record, "price", UNSET)
    if isinstance(price, Money):
        out["price"] = money_input(price)
    return out


def phone_input(phone: Phone) -> str | None:
    """The number as typed, else the best of the server's parse."""
    for value in (phone.value, phone.e164, phone.formatted, phone.number):
        if isinstance(value, str):
            return value
    return None


def address_input(address: Address) -> dict[str, Any]:
    """The postal parts of an address (location and timezone are the server's)."""
    rendered = address_dump(address)
    for key in ("location", "locationAccuracy", "timezone"):
        rendered.pop(key, None)
    return rendered


def multi_input(render: Callable[[Any], Any]) -> Callable[[tuple[Any, ...]], Any]:
    """Labelled items as ``{label: value}``, else a list; the primary item goes first."""

    def build(items: tuple[Any, ...]) -> Any:
        ordered = sorted(items, key=lambda item: not item.is_primary)
        labels = [item.label for item in ordered]
        if all(isinstance(label, str) for label in labels) and len(set(labels)) == len(labels):
            return {item.label: render(item) for item in ordered}
        return [render(item) for item in ordered]

    return build


def contact_name_input(record: Record) -> Any:
    """A contact's name as the one string inputs take (the server splits it)."""
    name = getattr(record, "name", UNSET)
    person = getattr(record, "person_name", UNSET)
    if is_set(name) or not isinstance(person, PersonName):
        return name
    if isinstance(person.display, str):
        return person.display
    parts = (person.given, person.family)
    return " ".join(p for p in parts if isinstance(p, str) and p) or UNSET
