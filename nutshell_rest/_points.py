"""Contact points on the REST wire: emails, urls, phones and addresses as
``{isPrimary, name, value}`` objects, to and from the model's value objects.

A private cattrs converter does the camelCase renaming; primitives are structured strictly (a
number is not a string, ``"false"`` is not a bool) and UNSET attributes are left out.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Final, Union, get_args, get_origin

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from nutshell_core.model import Address, Email, Phone, Unset, Url
from nutshell_rest._codecs import _bool, _float, _int, _object, _str

__all__ = [
    "dump_address",
    "dump_email",
    "dump_phone",
    "load_address",
    "load_email",
    "load_phone",
    "load_url",
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
