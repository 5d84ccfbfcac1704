"""Contact points on the REST wire: emails, urls, phones and addresses as
``{isPrimary, name, value}`` objects, to and from the model's value objects.

A private cattrs converter does the camelCase renaming; primitives are structured strictly (a
number is not a string, ``"false"`` is not a bool) and UNSET attributes are left out.

The ``read_*`` functions are the fast readers of whole lists of points (see
:mod:`nutshell_core.wiremap`): they build the value objects directly, without the converter,
and only for the spellings the dumpers write back exactly (keys in the dumper's order, values
of exactly the types it renders); anything else is :data:`~nutshell_core.wiremap.SLOW`, left
to the loaders and a rendered comparison.
"""

from __future__ import annotations

import itertools
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Union, get_args, get_origin

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from nutshell_core.model import UNSET, Address, Email, Phone, Unset, Url
from nutshell_core.wiremap import SLOW
from nutshell_rest._codecs import _bool, _float, _int, _object, _str

__all__ = [
    "dump_address",
    "dump_email",
    "dump_phone",
    "load_address",
    "load_email",
    "load_phone",
    "load_url",
    "read_addresses",
    "read_emails",
    "read_phones",
    "read_urls",
]


# -- the renaming converter ----------------------------------------

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


def _maybe_hook(conv: cattrs.Converter, tp: Any) -> Callable[[Any, Any], Any]:
    """The hook of one ``Maybe[...]`` type: the union without Unset is worked out once here,
    not on every value."""
    args = tuple(arg for arg in get_args(tp) if arg is not Unset)
    target: Any = args[0] if len(args) == 1 else Union[args]  # noqa: UP007 - built at runtime
    inner = conv.get_structure_hook(target)

    def structure(value: Any, _: Any) -> Any:
        return inner(value, target)

    return structure


def _configure_values(conv: cattrs.Converter) -> None:
    """Teach ``conv`` the flat camelCase spelling of the contact-point value objects.

    Primitives are structured strictly (a number is not a string, ``"false"`` is not a bool),
    ``Maybe[...]`` unions are handled, and UNSET attributes are left out when unstructuring.
    """
    conv.register_structure_hook(str, lambda value, _: _str(value))
    conv.register_structure_hook(bool, lambda value, _: _bool(value))
    conv.register_structure_hook(int, lambda value, _: _int(value))
    conv.register_structure_hook(float, lambda value, _: _float(value))
    conv.register_structure_hook_factory(_is_maybe, lambda tp: _maybe_hook(conv, tp))
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


# -- fast readers -------------------------------------------------------------------------------


def _spellings(
    required: Sequence[str], optional: Sequence[str], keys: Sequence[str]
) -> frozenset[tuple[str, ...]]:
    """Every key order the dumper writes: ``keys`` in order, each optional one there or not,
    the required ones always."""
    out: set[tuple[str, ...]] = set()
    for count in range(len(optional) + 1):
        for present in itertools.combinations(optional, count):
            chosen = set(required) | set(present)
            out.add(tuple(key for key in keys if key in chosen))
    return frozenset(out)


_STR: Final = str

#: The key orders of an email or url item that dump_email writes back.
_LABELLED: Final = ("isPrimary", "name", "value")
_UNLABELLED: Final = ("isPrimary", "value")
#: ... of a phone item, of the server's parse of its number, of an address and its value.
_PHONE_ITEMS: Final = _spellings(("isPrimary", "value"), ("name", "isOptedOut"), _POINT_KEYS)
_PHONE_VALUES: Final = _spellings((), _PHONE_VALUE_KEYS, _PHONE_VALUE_KEYS) - {()}
_ADDRESS_ITEMS: Final = _spellings(("isPrimary", "value"), ("name",), _POINT_KEYS)
_ADDRESS_VALUES: Final = _spellings(
    (), ("location", *_ADDRESS_VALUE_KEYS), ("location", *_ADDRESS_VALUE_KEYS)
)
_LOCATIONS: Final = _spellings((), ("longitude", "latitude"), ("longitude", "latitude")) - {()}


def _attrs_of(cls: type, keys: Sequence[str]) -> dict[str, str]:
    """The model attribute of each wire key."""
    renamed = {key: attr for attr, key in _RENAMES[cls].items()}
    return {key: renamed.get(key, key) for key in keys}


#: The model attribute of each key of a phone's parse and of an address value.
_PHONE_ATTRS: Final = _attrs_of(Phone, _PHONE_VALUE_KEYS)
_ADDRESS_ATTRS: Final = _attrs_of(Address, _ADDRESS_VALUE_KEYS)


def _labelled_reader(cls: type[Email] | type[Url]) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        if type(value) is not list:
            return SLOW
        out = []
        for item in value:
            if type(item) is not dict:
                return SLOW
            keys = tuple(item)
            if keys == _LABELLED:
                primary, label, text = item.values()
                if type(label) is not _STR:
                    return SLOW
            elif keys == _UNLABELLED:
                primary, text = item.values()
                label = UNSET
            else:
                return SLOW
            if type(primary) is not bool or type(text) is not _STR:
                return SLOW
            out.append(cls(value=text, label=label, is_primary=primary))
        return tuple(out)

    return read


#: The fast readers of ``emails`` and ``urls`` lists.
read_emails: Final = _labelled_reader(Email)
read_urls: Final = _labelled_reader(Url)


def read_phones(value: Any) -> Any:
    """The fast reader of a ``phones`` list."""
    if type(value) is not list:
        return SLOW
    out = []
    for item in value:
        # the keys in the dumper's order: a flag it always writes, a label only when set
        if type(item) is not dict or tuple(item) not in _PHONE_ITEMS:
            return SLOW
        primary = item["isPrimary"]
        label = item.get("name", UNSET)
        opted_out = item.get("isOptedOut", UNSET)
        number = item["value"]
        if (
            type(primary) is not bool
            or (label is not UNSET and type(label) is not _STR)
            or (opted_out is not UNSET and type(opted_out) is not bool)
        ):
            return SLOW
        if type(number) is _STR:
            fields: dict[str, Any] = {"value": number}
        elif type(number) is dict and tuple(number) in _PHONE_VALUES:
            fields = {}
            for key, part in number.items():
                if part is not None and type(part) is not _STR:
                    return SLOW
                fields[_PHONE_ATTRS[key]] = part
        else:
            return SLOW
        out.append(Phone(is_primary=primary, label=label, is_opted_out=opted_out, **fields))
    return tuple(out)


def read_addresses(value: Any) -> Any:
    """The fast reader of an ``addresses`` list."""
    if type(value) is not list:
        return SLOW
    out = []
    for item in value:
        if type(item) is not dict or tuple(item) not in _ADDRESS_ITEMS:
            return SLOW
        primary = item["isPrimary"]
        label = item.get("name", UNSET)
        where = item["value"]
        if (
            type(primary) is not bool
            or (label is not UNSET and type(label) is not _STR)
            or type(where) is not dict
            or tuple(where) not in _ADDRESS_VALUES
        ):
            return SLOW
        fields: dict[str, Any] = {}
        for key, part in where.items():
            if key == "location":
                if type(part) is not dict or tuple(part) not in _LOCATIONS:
                    return SLOW
                for axis, degrees in part.items():
                    # an integer is read as a float and written back as one: not exact
                    if degrees is not None and type(degrees) is not float:
                        return SLOW
                    fields[axis] = degrees
            elif part is None or type(part) is _STR:
                fields[_ADDRESS_ATTRS[key]] = part
            else:
                return SLOW
        out.append(Address(is_primary=primary, label=label, **fields))
    return tuple(out)
