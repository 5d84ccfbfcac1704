"""Small reusable codecs for the JSON-RPC wire format, and the field kit built from them.

The scalar and value-object codecs (times, money, phones, addresses, multi-value maps) are plain
functions. :class:`FieldKit` turns them into :class:`~nutshell_core.wiremap.Field` rows, one
factory per kind of key (``kit.time("dueTime", "due_time")``, ``kit.ref("assignee", "owner",
User)``...), so that :mod:`nutshell_rpc.convert` can declare every record class as a table.
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
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TypeVar

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
    entity_for_rpc_type,
    is_set,
)
from nutshell_core.wiremap import Field

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "FIELD_TYPES",
    "FIELD_TYPE_CODES",
    "PRIMARY",
    "PRODUCT_CODES",
    "PRODUCT_TYPES",
    "RPC_TIME",
    "FieldKit",
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


def parse_time(value: Any) -> datetime:
    """A timezone-aware datetime from ``+0000``, ``-05:00`` or ``Z`` ISO strings.

    A time with no offset is taken as UTC; its original spelling is kept by the memo.
    """
    if not isinstance(value, str):
        raise TypeError(f"expected a time string, got {_kind(value)}")
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
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.strftime(RPC_TIME if value.microsecond == 0 else _RPC_TIME_FRACTION)


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


def money_load(raw: Any) -> Money:
    """``{currency, amount}`` as Money; a null currency reads as not sent (original kept)."""
    if not isinstance(raw, Mapping):
        raise TypeError(f"expected a money object, got {_kind(raw)}")
    currency = raw.get("currency")
    return Money(
        amount=decimal_from_json(raw.get("amount")),
        currency=UNSET if currency is None else as_text(currency),
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


# -- the field kit ------------------------------------------------------------------------------


def _set_or(value: Any, fn: Callable[[Any], Any]) -> Any:
    """``fn(value)`` for a real value; UNSET and None pass through."""
    return value if value is UNSET or value is None else fn(value)


@attrs.frozen
class FieldKit:
    """Field factories bound to one converter (refs and value objects go through its hooks)."""

    conv: cattrs.Converter

    # scalars

    def scalar(
        self, key: str, attr: str | None, check: Callable[[Any], Any], *, null: bool = True
    ) -> Field:
        """A key whose value is ``check``-ed and stored as is."""
        name = attr or key
        load = nullable(check) if null else check
        return Field(key, lambda v: {name: load(v)}, lambda r: getattr(r, name))

    def text(self, key: str, attr: str | None = None, *, null: bool = True) -> Field:
        """A string (or null)."""
        return self.scalar(key, attr, as_text, null=null)

    def token(self, key: str, attr: str | None = None, *, null: bool = True) -> Field:
        """An opaque string token (``rev``); an integer spelling is read as its digits."""
        return self.scalar(key, attr, as_token, null=null)

    def integer(self, key: str, attr: str | None = None, *, null: bool = True) -> Field:
        """An integer (or null)."""
        return self.scalar(key, attr, as_int, null=null)

    def boolean(self, key: str, attr: str | None = None, *, null: bool = True) -> Field:
        """A JSON boolean (or null)."""
        return self.scalar(key, attr, as_bool, null=null)

    def number(self, key: str, attr: str | None = None) -> Field:
        """A JSON number (or null), int or float as it came."""
        return self.scalar(key, attr, as_number)

    def flag01(self, key: str, attr: str) -> Field:
        """A ``0``/``1`` integer read as a bool and written back as an integer."""
        return Field(
            key,
            lambda v: {attr: nullable(as_flag01)(v)},
            lambda r: _set_or(getattr(r, attr), int),
        )

    def enum(self, key: str, attr: str, enum_cls: type[IntEnum]) -> Field:
        """An IntEnum from its integer; never null."""
        return Field(
            key, lambda v: {attr: as_enum(enum_cls)(v)}, lambda r: _set_or(getattr(r, attr), int)
        )

    def time(self, key: str, attr: str) -> Field:
        """An RPC time string (or null) as an aware datetime."""
        return Field(
            key,
            lambda v: {attr: nullable(parse_time)(v)},
            lambda r: _set_or(getattr(r, attr), format_time),
        )

    def mapping(self, key: str, attr: str) -> Field:
        """A JSON object kept as a dict (PHP's empty ``[]`` reads as ``{}``)."""

        def load(value: Any) -> Mapping[str, Any]:
            if value == []:
                return {attr: {}}
            if not isinstance(value, Mapping):
                raise TypeError(f"expected an object, got {_kind(value)}")
            return {attr: dict(value)}

        return Field(key, load, lambda r: _set_or(getattr(r, attr), dict))

    def strings(self, key: str, attr: str) -> Field:
        """A list of strings as a tuple; nulls in it are dropped (the memo keeps them)."""

        def load(value: Any) -> Mapping[str, Any]:
            if not isinstance(value, list):
                raise TypeError(f"expected a list, got {_kind(value)}")
            return {attr: tuple(_plain_string(v) for v in value if v is not None)}

        return Field(key, load, lambda r: _set_or(getattr(r, attr), list))

    def entity_type(self, cls: type[Record]) -> Field:
        """``entityType``: checked against the class; written unless the record came without."""

        def load(value: Any) -> Mapping[str, Any]:
            if value != cls.rpc_type:
                raise ValueError(f"entityType {value!r} is not {cls.rpc_type!r}")
            return {}

        def dump(record: Record) -> Any:
            memo = record.memo
            if memo is not None and memo.wire == "rpc" and "entityType" not in memo.order:
                return UNSET
            return cls.rpc_type

        return Field("entityType", load, dump)

    # value objects (through the converter's hooks)

    def value(self, key: str, attr: str, cls: type[Any]) -> Field:
        """A value object (Money...) or null, via the converter."""
        return Field(
            key,
            lambda v: {attr: None if v is None else self.conv.structure(v, cls)},
            lambda r: _set_or(getattr(r, attr), self.conv.unstructure),
        )

    def multi(self, key: str, attr: str, cls: type[V]) -> Field:
        """A ``--primary`` multi-value map as a tuple of Email/Phone/Url/Address."""

        def load_item(raw: Any) -> V:
            item: V = self.conv.structure(raw, cls)
            return item

        def dump(record: Record) -> Any:
            items = getattr(record, attr)
            return _set_or(items, lambda v: multi_dump(v, self.conv.unstructure))

        def load(value: Any) -> Mapping[str, Any]:
            return {attr: _at(f".{key}", lambda v: multi_load(v, load_item), value)}

        return Field(key, load, dump)

    # links

    def load_ref(self, raw: Any, default: type[Record]) -> Ref:
        """An embedded stub as a Ref carrying the structured record.

        ``default`` is the class for stubs without ``entityType`` (``industry: {id, name}``).
        A type the model lacks (``Origins``) becomes a Ref named by its RPC type, without a
        record; the memo keeps its other keys.
        """
        if not isinstance(raw, Mapping):
            raise TypeError(f"expected an object, got {_kind(raw)}")
        relationship = _opt_text(raw["relationship"]) if "relationship" in raw else UNSET
        rpc_type = raw.get("entityType", UNSET)
        cls = default if rpc_type is UNSET else entity_for_rpc_type(as_text(rpc_type))
        if cls is None:
            return Ref(
                entity=as_text(rpc_type),
                id=as_int(raw["id"]) if "id" in raw else UNSET,
                name=_opt_text(raw["name"]) if "name" in raw else UNSET,
                relationship=relationship,
            )
        record: Record = self.conv.structure(raw, cls)
        name = getattr(record, "name", UNSET)
        return Ref(
            entity=record.entity, id=record.id, name=name, relationship=relationship, record=record
        )

    def dump_ref(self, ref: Ref) -> dict[str, Any]:
        """The embedded record while it still matches the Ref, else a bare stub of its class.

        A bare stub goes through the class's table, so an Outcome's name goes out as
        ``description``; a type the model lacks is written as ``{entityType, id, name}``.
        """
        record = ref.record
        cls = ENTITIES.get(ref.entity)
        out: dict[str, Any]
        if record is not None and record.ref() == attrs.evolve(ref, relationship=UNSET):
            out = self.conv.unstructure(record)
        elif cls is not None:
            fields: dict[str, Any] = {"id": ref.id}
            if "name" in attrs.fields_dict(cls):
                fields["name"] = ref.name
            out = self.conv.unstructure(cls(**fields))
        else:
            out = {"entityType": ref.entity, "id": ref.id, "name": ref.name}
            out = {key: value for key, value in out.items() if is_set(value)}
        if is_set(ref.relationship):
            out["relationship"] = ref.relationship
        else:
            out.pop("relationship", None)
        return out

    def ref(self, key: str, attr: str, default: type[Record]) -> Field:
        """An embedded stub (or null) as a Ref."""

        def load(value: Any) -> Mapping[str, Any]:
            return {attr: None if value is None else _at(f".{key}", self._ref_of(default), value)}

        return Field(key, load, lambda r: _set_or(getattr(r, attr), self.dump_ref))

    def refs(self, key: str, attr: str, default: type[Record]) -> Field:
        """A list of embedded stubs as a tuple of Refs."""

        def load(value: Any) -> Mapping[str, Any]:
            if not isinstance(value, list):
                raise TypeError(f"expected a list, got {_kind(value)}")
            one = self._ref_of(default)
            return {attr: tuple(_at(f".{key}[{i}]", one, v) for i, v in enumerate(value))}

        def dump(record: Record) -> Any:
            return _set_or(getattr(record, attr), lambda refs: [self.dump_ref(r) for r in refs])

        return Field(key, load, dump)

    def _ref_of(self, default: type[Record]) -> Callable[[Any], Ref]:
        return lambda raw: self.load_ref(raw, default)

    def ref_id(self, key: str, attr: str, entity: str) -> Field:
        """A bare id (``stagesetId: 71``) as a Ref to ``entity``."""
        return Field(
            key,
            lambda v: {attr: None if v is None else Ref(entity=entity, id=as_int(v))},
            lambda r: _set_or(getattr(r, attr), lambda ref: ref.id),
        )

    def parent(self, key: str, default: type[Record]) -> Field:
        """One of a note's parent keys (``lead``/``contact``/``account``) as ``parent``."""

        def load(value: Any) -> Mapping[str, Any]:
            if value is None:
                return {}  # says nothing about the parent; the memo keeps the null
            parent = _at(f".{key}", self._ref_of(default), value)
            if parent.entity != default.entity:
                raise ValueError(f"expected a {default.rpc_type} stub, got {parent.entity}")
            return {"parent": parent}

        def dump(record: Record) -> Any:
            parent = getattr(record, "parent", UNSET)
            if isinstance(parent, Ref) and parent.entity == default.entity:
                return self.dump_ref(parent)
            return UNSET

        return Field(key, load, dump)

    def tags(self, key: str = "tags") -> Field:
        """Tag names as Refs to Tag."""

        def load(value: Any) -> Mapping[str, Any]:
            if not isinstance(value, list):
                raise TypeError(f"expected a list of tag names, got {_kind(value)}")
            return {"tags": tuple(Ref(entity="Tag", name=_plain_string(v)) for v in value)}

        def dump(record: Record) -> Any:
            return _set_or(getattr(record, "tags", UNSET), lambda refs: [r.name for r in refs])

        return Field(key, load, dump)

    # keys with a shape of their own

    def contact_name(self) -> Field:
        """Contact ``name``: the parts object on full records (person_name, and name = the
        display name), a plain string on stubs. Written back in the form it came in, unless
        ``name`` was changed by hand."""

        def load(value: Any) -> Mapping[str, Any]:
            if isinstance(value, Mapping):
                person: PersonName = self.conv.structure(value, PersonName)
                return {"person_name": person, "name": person.display}
            return {"name": _opt_text(value)}

        def dump(record: Record) -> Any:
            person = getattr(record, "person_name", UNSET)
            name = getattr(record, "name", UNSET)
            if isinstance(person, PersonName) and name in (UNSET, person.display):
                return self.conv.unstructure(person)
            return name

        return Field("name", load, dump)

    def product_type(self) -> Field:
        """Product ``type``: ``"0"``/``"1"`` read as REST's ``"product"``/``"service"``."""

        def load(value: Any) -> Mapping[str, Any]:
            text = _opt_text(value)
            return {"product_type": None if text is None else PRODUCT_TYPES.get(text, text)}

        def dump(record: Record) -> Any:
            kind = getattr(record, "product_type", UNSET)
            return PRODUCT_CODES.get(kind, kind) if isinstance(kind, str) else kind

        return Field("type", load, dump)

    def field_type(self) -> Field:
        """A custom field's ``type`` (``"Enum"``) as the model's REST spelling (``"enum"``);
        a type the table lacks is kept as it came."""

        def load(value: Any) -> Mapping[str, Any]:
            text = _opt_text(value)
            return {"field_type": None if text is None else FIELD_TYPES.get(text, text)}

        def dump(record: Record) -> Any:
            kind = getattr(record, "field_type", UNSET)
            return FIELD_TYPE_CODES.get(kind, kind) if isinstance(kind, str) else kind

        return Field("type", load, dump)

    def location(self) -> Field:
        """Activity ``location``: text; an address object is not modelled (the memo keeps it)."""

        def load(value: Any) -> Mapping[str, Any]:
            return {"location": UNSET if isinstance(value, Mapping) else _opt_text(value)}

        return Field("location", load, lambda r: getattr(r, "location", UNSET))


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
