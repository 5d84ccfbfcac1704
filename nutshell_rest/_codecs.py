"""Value codecs for the REST wire: ids, times, money, contact points, links, and field builders.

Loaders here raise ``ValueError``/``TypeError``/``KeyError`` on bad input; callers run them under
:func:`nutshell_core.wiremap.structure`, which turns those into
:class:`~nutshell_core.errors.MalformedResponseError` naming the path. Dumpers return the REST
spelling, or :data:`~nutshell_core.model.UNSET` to leave a key out.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from typing import Any, Final, Literal, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from nutshell_core import wiremap
from nutshell_core.errors import MalformedResponseError, UsageError
from nutshell_core.model import (
    ENTITIES,
    UNSET,
    Address,
    Email,
    Money,
    Phone,
    Record,
    Ref,
    Unset,
    Url,
    WireMemo,
    entity_for_rest_type,
)
from nutshell_core.wiremap import Field, RecordMap

#: The wire name in :class:`~nutshell_core.model.WireMemo` for records read from REST.
WIRE: Final = "rest"

#: Errors a loader may raise on bad input (what wiremap turns into MalformedResponseError).
LOAD_ERRORS: Final = (ValueError, TypeError, KeyError, AttributeError, ArithmeticError)

Conv = Callable[[Any], Any]
TimeStyle = Literal["unix", "object"]

# -- ids ----------------------------------------------------------------------------------------

_ID = re.compile(r"([0-9]+)-([A-Za-z][A-Za-z0-9_]*)")
_DIGITS = re.compile(r"[0-9]+")
_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def split_id(value: object) -> tuple[int, str | None]:
    """``"3-accounts"`` -> ``(3, "accounts")``; ``3`` or ``"3"`` -> ``(3, None)``."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"expected an id like '3-accounts', got {type(value).__name__}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"negative id {value}")
        return value, None
    if _DIGITS.fullmatch(value):
        return int(value), None
    match = _ID.fullmatch(value)
    if match is None:
        raise ValueError(f"malformed id {value!r}: expected '<n>-<type>'")
    return int(match.group(1)), match.group(2)


def rest_type_of(entity_or_rest_type: str | type[Record]) -> str:
    """The REST type for a record class, a model entity name (``"Lead"``) or a REST type."""
    if isinstance(entity_or_rest_type, type):
        if not issubclass(entity_or_rest_type, Record) or not entity_or_rest_type.rest_type:
            raise UsageError(f"{entity_or_rest_type.__name__} has no REST type")
        return entity_or_rest_type.rest_type
    if not isinstance(entity_or_rest_type, str):
        raise UsageError(f"expected an entity or REST type, got {entity_or_rest_type!r}")
    cls = ENTITIES.get(entity_or_rest_type)
    if cls is not None:
        return cls.rest_type
    if not _TYPE.fullmatch(entity_or_rest_type):
        raise UsageError(f"not a REST type: {entity_or_rest_type!r}")
    return entity_or_rest_type


def entity_name(rest_type: str) -> str:
    """The model entity for a REST type (``"accountTypes"`` -> ``"AccountType"``).

    Types the model has no class for (``"origins"``, ``"emAudiences"``) are returned verbatim,
    so a :class:`Ref` to them still renders back to the same id.
    """
    cls = entity_for_rest_type(rest_type)
    return cls.entity if cls is not None else rest_type


def check_type(found: str | None, expected: str | type[Record] | None) -> None:
    """Raise ValueError when an id's type is not the expected one (plain ids always pass)."""
    if expected is None or found is None:
        return
    want = rest_type_of(expected)
    if found.lower() != want.lower():
        raise ValueError(f"expected an id of type {want!r}, got {found!r}")


def parse_id(
    value: str | int, expected_type: str | type[Record] | None = None
) -> tuple[int, str | None]:
    """Parse an id given by a caller; raises :class:`~nutshell_core.errors.UsageError`.

    ``"1003-leads"`` -> ``(1003, "leads")``; ``1003`` and ``"1003"`` -> ``(1003, None)``.
    ``expected_type`` (a REST type, entity name or record class) rejects ids of another type.
    """
    try:
        number, rest_type = split_id(value)
        check_type(rest_type, expected_type)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    return number, rest_type


def parse_server_id(
    value: object, expected_type: str | type[Record] | None = None, *, path: str = "$"
) -> tuple[int, str | None]:
    """Parse an id the server sent; raises MalformedResponseError naming ``path``."""
    try:
        number, rest_type = split_id(value)
        check_type(rest_type, expected_type)
    except (TypeError, ValueError) as exc:
        raise MalformedResponseError("malformed id", problems=(f"{exc} @ {path}",)) from None
    return number, rest_type


def format_id(entity_or_rest_type: str | type[Record], n: int) -> str:
    """``format_id(Lead, 1003)``, ``format_id("Lead", 1003)`` and ``format_id("leads", 1003)``
    all give ``"1003-leads"``; raises UsageError on a bad type or number."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise UsageError(f"an id number must be a non-negative int, got {n!r}")
    return f"{n}-{rest_type_of(entity_or_rest_type)}"


def ref_from_id(value: object, default_entity: str | None = None) -> Ref:
    """A Ref for a wire id; the entity comes from the id's type, else ``default_entity``."""
    number, rest_type = split_id(value)
    if rest_type is not None:
        return Ref(entity=entity_name(rest_type), id=number)
    if default_entity is None:
        raise ValueError(f"id {value!r} does not say its type")
    return Ref(entity=default_entity, id=number)


def id_from_ref(ref: object) -> str:
    """The wire id of a Ref; raises UsageError for a Ref without an id."""
    if not isinstance(ref, Ref):
        raise UsageError(f"expected a Ref, got {type(ref).__name__}")
    if isinstance(ref.id, Unset):
        raise UsageError(f"cannot render a {ref.entity} reference without an id")
    return format_id(ref.entity, ref.id)


# -- scalars ------------------------------------------------------------------------------------


def verbatim(value: Any) -> Any:
    """The identity conversion."""
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type(value).__name__}")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def load_text(value: Any) -> str | None:
    """A string or null."""
    return None if value is None else _str(value)


def load_flag(value: Any) -> bool | None:
    """A boolean or null."""
    return None if value is None else _bool(value)


def load_int(value: Any) -> int | None:
    """An integer or null (not a boolean)."""
    return None if value is None else _int(value)


def load_float(value: Any) -> float | None:
    """A number or null, as a float."""
    return None if value is None else _float(value)


def load_text_list(value: Any) -> tuple[str, ...]:
    """A JSON array of strings."""
    return tuple(_str(item) for item in _list(value))


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected an array, got {type(value).__name__}")
    return value


# -- times --------------------------------------------------------------------------------------

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _from_unix(value: Any) -> datetime:
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a unix time, got {value!r}")
    try:
        return _EPOCH + timedelta(seconds=value)
    except (OverflowError, ValueError) as exc:
        raise ValueError(f"unix time out of range: {value!r}") from exc


def load_time(value: Any) -> datetime | None:
    """A unix int, a ``{"timestamp": n, ...}`` object, or null -> an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        stamp = value["timestamp"]
        return None if stamp is None else _from_unix(stamp)
    return _from_unix(value)


def unix(moment: datetime) -> int | float:
    """Seconds since the epoch: an int for whole seconds; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - _EPOCH
    if delta.microseconds:
        return delta / timedelta(seconds=1)
    return delta.days * 86400 + delta.seconds


def time_dumper(style: TimeStyle) -> Conv:
    """Render a datetime as a unix int or as a ``{"timestamp": n}`` object."""

    def dump(moment: datetime | None) -> Any:
        if moment is None:
            return None
        stamp = unix(moment)
        return {"timestamp": stamp} if style == "object" else stamp

    return dump


# -- money --------------------------------------------------------------------------------------


def load_decimal(value: Any) -> Decimal | None:
    """A JSON number or numeric string as a Decimal (floats via their shortest repr)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("expected an amount, got a boolean")
    if isinstance(value, float):
        value = repr(value)
    elif not isinstance(value, (int, str)):
        raise TypeError(f"expected an amount, got {type(value).__name__}")
    amount = Decimal(value.strip() if isinstance(value, str) else value)
    if not amount.is_finite():
        raise ValueError(f"amount is not finite: {value!r}")
    return amount


def dump_decimal(amount: Decimal | None) -> str | None:
    """A Decimal as a plain numeric string (``"100.00"``), never a float."""
    return None if amount is None else format(amount, "f")


def load_money(value: Any) -> Money | None:
    """``{amount, currency, formatted, ...}`` -> Money; null -> None."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a money object, got {type(value).__name__}")
    fields: dict[str, Any] = {"amount": load_decimal(value.get("amount"))}
    for key in ("currency", "formatted"):
        if value.get(key) is not None:
            fields[key] = _str(value[key])
    return Money(**fields)


def dump_money(money: Money | None) -> Any:
    """Money -> ``{"amount": "100.00", "currency": ..., "formatted": ...}``."""
    if money is None:
        return None
    out: dict[str, Any] = {"amount": dump_decimal(money.amount)}
    if not isinstance(money.currency, Unset):
        out["currency"] = money.currency
    if not isinstance(money.formatted, Unset):
        out["formatted"] = money.formatted
    return out


# -- contact points (cattrs does the camelCase renaming) ----------------------------------------

_RENAMES: Final[Mapping[type, Mapping[str, str]]] = {
    Email: {"label": "name", "is_primary": "isPrimary"},
    Url: {"label": "name", "is_primary": "isPrimary"},
    Phone: {
        "label": "name",
        "is_primary": "isPrimary",
        "is_opted_out": "isOptedOut",
        "country_code": "countryCode",
        "formatted": "numberFormatted",
        "e164": "E164",
    },
    Address: {
        "label": "name",
        "is_primary": "isPrimary",
        "postal_code": "postalCode",
        "location_accuracy": "locationAccuracy",
    },
}

_POINT_KEYS: Final = ("isPrimary", "name", "isOptedOut", "value")
_PHONE_VALUE_KEYS: Final = ("countryCode", "number", "extension", "numberFormatted", "E164")
_ADDRESS_VALUE_KEYS: Final = (
    "locationAccuracy",
    "address_1",
    "address_2",
    "address_3",
    "city",
    "state",
    "postalCode",
    "country",
    "timezone",
)


def _is_maybe(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType) and Unset in get_args(tp)


def _structure_maybe(conv: cattrs.Converter, value: Any, tp: Any) -> Any:
    args = tuple(arg for arg in get_args(tp) if arg is not Unset)
    target: Any = args[0] if len(args) == 1 else Union[args]  # noqa: UP007 - built at runtime
    return conv.structure(value, target)


def _configure_values(conv: cattrs.Converter) -> None:
    """Teach ``conv`` the flat camelCase spelling of the contact-point value objects.

    Primitives are structured strictly (a number is not a string, ``"false"`` is not a bool),
    ``Maybe[...]`` unions are handled, and UNSET attributes are left out when unstructuring.
    """
    conv.register_structure_hook(str, lambda value, _: _str(value))
    conv.register_structure_hook(bool, lambda value, _: _bool(value))
    conv.register_structure_hook(int, lambda value, _: _int(value))
    conv.register_structure_hook(float, lambda value, _: _float(value))
    conv.register_structure_hook_func(_is_maybe, partial(_structure_maybe, conv))
    for cls, renames in _RENAMES.items():
        structure_overrides: dict[str, Any] = {
            attr: override(rename=key) for attr, key in renames.items()
        }
        unstructure_overrides: dict[str, Any] = {
            attr: override(rename=key, omit_if_default=attr != "is_primary")
            for attr, key in renames.items()
        }
        conv.register_structure_hook(cls, make_dict_structure_fn(cls, conv, **structure_overrides))
        conv.register_unstructure_hook(
            cls,
            make_dict_unstructure_fn(
                cls, conv, _cattrs_omit_if_default=True, **unstructure_overrides
            ),
        )


def _value_converter() -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=False)
    _configure_values(conv)
    return conv


_VALUES: Final = _value_converter()


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected {what} object, got {type(value).__name__}")
    return value


def _point(item: Any, what: str, keys: Sequence[str]) -> dict[str, Any]:
    """The common keys of a contact point; a null label or flag is left to the memo."""
    item = _object(item, what)
    return {key: item[key] for key in keys if key in item and item[key] is not None}


def load_email(item: Any) -> Email:
    """``{isPrimary, name, value}`` -> Email."""
    return _VALUES.structure(_point(item, "an email", ("isPrimary", "name", "value")), Email)


def load_url(item: Any) -> Url:
    """``{isPrimary, name, value}`` -> Url."""
    return _VALUES.structure(_point(item, "a url", ("isPrimary", "name", "value")), Url)


def load_phone(item: Any) -> Phone:
    """``{isPrimary, name, isOptedOut, value: {countryCode, number, ...} | "as typed"}``."""
    flat = _point(item, "a phone", ("isPrimary", "name"))
    if "isOptedOut" in item:
        flat["isOptedOut"] = item["isOptedOut"]
    value = item.get("value")
    if isinstance(value, str):
        flat["value"] = value
    elif isinstance(value, Mapping):
        flat.update({key: value[key] for key in _PHONE_VALUE_KEYS if key in value})
    elif value is not None:
        raise TypeError(f"expected a phone value, got {type(value).__name__}")
    return _VALUES.structure(flat, Phone)


def load_address(item: Any) -> Address:
    """``{isPrimary, name, value: {address_1.., location: {latitude, longitude}, ...}}``."""
    flat = _point(item, "an address", ("isPrimary", "name"))
    value = _object(item.get("value") or {}, "an address value")
    flat.update({key: value[key] for key in _ADDRESS_VALUE_KEYS if key in value})
    if "location" in value:
        location = value["location"]
        if location is None:
            flat.update(latitude=None, longitude=None)
        else:
            location = _object(location, "a location")
            flat.update({k: location[k] for k in ("latitude", "longitude") if k in location})
    return _VALUES.structure(flat, Address)


def _ordered(flat: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    return {key: flat[key] for key in keys if key in flat}


def dump_email(email: Email | Url) -> dict[str, Any]:
    """Email or Url -> ``{isPrimary, name?, value}``."""
    return _ordered(_VALUES.unstructure(email), ("isPrimary", "name", "value"))


def dump_phone(phone: Phone) -> dict[str, Any]:
    """Phone -> ``{isPrimary, name?, isOptedOut?, value}``; value is the server's parse when
    the phone carries one, else the number as typed."""
    flat = _VALUES.unstructure(phone)
    out = _ordered(flat, _POINT_KEYS[:3])
    parsed = _ordered(flat, _PHONE_VALUE_KEYS)
    if parsed:
        out["value"] = parsed
    elif "value" in flat:
        out["value"] = flat["value"]
    return out


def dump_address(address: Address) -> dict[str, Any]:
    """Address -> ``{isPrimary, name?, value: {location?, locationAccuracy?, address_1.. }}``."""
    flat = _VALUES.unstructure(address)
    value: dict[str, Any] = {}
    location = _ordered(flat, ("longitude", "latitude"))
    if location:
        value["location"] = location
    value.update(_ordered(flat, _ADDRESS_VALUE_KEYS))
    return {**_ordered(flat, ("isPrimary", "name")), "value": value}


def list_codec(load_item: Conv, dump_item: Conv) -> tuple[Conv, Conv]:
    """Loader and dumper for a JSON array of value objects as a tuple."""

    def load(value: Any) -> tuple[Any, ...]:
        items = []
        for index, item in enumerate(_list(value)):
            try:
                items.append(load_item(item))
            except LOAD_ERRORS as exc:
                raise ValueError(f"[{index}]: {exc}") from exc
        return tuple(items)

    def dump(values: Sequence[Any]) -> list[Any]:
        return [dump_item(item) for item in values]

    return load, dump


# -- field builders -----------------------------------------------------------------------------


def attr_field(key: str, attr: str, load: Conv = verbatim, dump: Conv = verbatim) -> Field:
    """One wire key <-> one model attribute."""

    def _load(value: Any) -> Mapping[str, Any]:
        return {attr: load(value)}

    def _dump(record: Record) -> Any:
        value = getattr(record, attr, UNSET)
        return UNSET if isinstance(value, Unset) else dump(value)

    return Field(key, _load, _dump)


def lenient_field(key: str, attr: str, load: Conv, dump: Conv = verbatim) -> Field:
    """Like :func:`attr_field`, but a null the model cannot hold stays verbatim in the memo."""

    def _load(value: Any) -> Mapping[str, Any]:
        return {} if value is None else {attr: load(value)}

    return Field(key, _load, attr_field(key, attr, load, dump).dump)


def time_field(key: str, attr: str, style: TimeStyle) -> Field:
    """A time: unix int or time object on the wire, aware UTC datetime in the model."""
    return attr_field(key, attr, load_time, time_dumper(style))


def id_field(cls: type[Record]) -> Field:
    """``"1003-leads"`` <-> ``id=1003``; an id of another type is malformed."""

    def load(value: Any) -> Mapping[str, Any]:
        number, rest_type = split_id(value)
        check_type(rest_type, cls.rest_type)
        return {"id": number}

    return Field("id", load, lambda record: _dump_id(cls, record))


def _dump_id(cls: type[Record], record: Record) -> Any:
    return UNSET if isinstance(record.id, Unset) else format_id(cls.rest_type, record.id)


def type_field(cls: type[Record]) -> Field:
    """The ``type`` key: checked against the class, rendered from it, unless the record came
    from REST without one (an envelope's array name typed it), so a round trip adds nothing."""

    def load(value: Any) -> Mapping[str, Any]:
        if _str(value).lower() != cls.rest_type.lower():
            raise ValueError(f"expected type {cls.rest_type!r}, got {value!r}")
        return {}

    def dump(record: Record) -> Any:
        memo = record.memo
        if memo is not None and memo.wire == WIRE and "type" not in memo.order:
            return UNSET
        return cls.rest_type

    return Field("type", load, dump)


# -- links --------------------------------------------------------------------------------------


@attrs.frozen
class Link:
    """One member of a record's ``links`` object.

    ``entity`` is the model entity of plain-integer ids (typed ids say their own type; None
    means the id must be typed). Several to-many links may share one attribute: Activity
    ``participants`` is ``links.contacts`` + ``links.accounts`` + ``links.users``.
    """

    key: str
    attr: str
    entity: str | None
    many: bool = False


def _load_link(link: Link, member: Any) -> Any:
    if link.many:
        members = [] if member is None else _list(member)
        return tuple(ref_from_id(item, link.entity) for item in members)
    return None if member is None else ref_from_id(member, link.entity)


def links_field(links: Sequence[Link]) -> Field:
    """The per-record ``links`` object as typed Ref attributes.

    Members the model does not type (``files``, ``watchers``, ``followup``...) and the original
    member order are kept: an unchanged record re-uses the original object, and a changed one
    is rendered into it, so only the typed members change.
    """
    by_key = {link.key: link for link in links}
    groups: dict[str, list[Link]] = {}
    for link in links:
        groups.setdefault(link.attr, []).append(link)

    def load(value: Any) -> Mapping[str, Any]:
        if value is None:
            return {}
        out: dict[str, Any] = {}
        for key, member in _object(value, "a links").items():
            link = by_key.get(key)
            if link is None:
                continue
            try:
                loaded = _load_link(link, member)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"links.{key}: {exc}") from exc
            out[link.attr] = out.get(link.attr, ()) + loaded if link.many else loaded
        return out

    def typed(record: Record) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for attr, group in groups.items():
            value = getattr(record, attr, UNSET)
            if isinstance(value, Unset):
                continue
            if not group[0].many:
                out[group[0].key] = None if value is None else id_from_ref(value)
                continue
            members: dict[str, list[str]] = {link.key: [] for link in group}
            for ref in value:
                target = next((lk for lk in group if lk.entity == ref.entity), group[0])
                members[target.key].append(id_from_ref(ref))
            out.update(members)
        return out

    def dump(record: Record) -> Any:
        rendered = typed(record)
        memo = record.memo
        original = memo.originals.get("links") if memo and memo.wire == WIRE else None
        if not isinstance(original, Mapping):
            return rendered or UNSET
        merged: dict[str, Any] = {}
        for key, member in original.items():
            if key not in by_key:
                merged[key] = member
            elif key in rendered:
                merged[key] = rendered.pop(key)
        merged.update(rendered)
        return merged

    return Field("links", load, dump)


# -- exact structure / unstructure --------------------------------------------------------------


def same_json(left: Any, right: Any) -> bool:
    """Equal as JSON text would be: same types (``0`` is not ``False``), same key order."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(same_json(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same_json, left, right))
    return bool(left == right)


Fixup = Callable[[Record, Mapping[str, Any]], Record]
RenderFixup = Callable[[Record, dict[str, Any]], dict[str, Any]]


@attrs.frozen
class RestMap:
    """A :class:`RecordMap` plus optional fix-ups for values derived from several wire keys."""

    record_map: RecordMap
    after_load: Fixup | None = None
    after_render: RenderFixup | None = None


def structure_exact(rmap: RestMap, data: Any, path: str = "$") -> Record:
    """wiremap.structure, keeping originals that differ even only in key order or type."""
    mapping = rmap.record_map
    record = wiremap.structure(mapping, WIRE, data, path)
    memo = record.memo or WireMemo(wire=WIRE)
    bare = attrs.evolve(record, memo=None)
    originals = dict(memo.originals)
    for key, value in data.items():
        fld = mapping.by_key.get(key)
        if fld is not None and key not in originals and not same_json(fld.dump(bare), value):
            originals[key] = value
    record = attrs.evolve(record, memo=attrs.evolve(memo, originals=originals))
    if rmap.after_load is not None:
        try:
            record = rmap.after_load(record, data)
        except LOAD_ERRORS as exc:
            raise MalformedResponseError(
                f"cannot read {mapping.cls.entity}", problems=(f"{exc} @ {path}",)
            ) from exc
    return record


def unstructure_exact(rmap: RestMap, record: Record) -> dict[str, Any]:
    """wiremap.unstructure plus the map's render fix-up."""
    out = wiremap.unstructure(rmap.record_map, WIRE, record)
    return rmap.after_render(record, out) if rmap.after_render is not None else out
