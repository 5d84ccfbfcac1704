"""The small pieces of Nutshell's REST shapes: unix times and time objects, typed ids, money,
contact points, slugs and initials, and the emulator's instance constants.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Final

from nutshell_core.model import (
    DEFAULT_POINT_LABELS,
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
)
from nutshell_rest.convert import id_for_ref
from nutshell_rpc.inputs import note_html

DEFAULT_BASE_URL: Final = "https://app.nutshell.com/rest"

#: The emulator's instance and site ids (``meta.instanceId`` / ``meta.siteId``); the real ones
#: identify a customer account, so the emulator uses its own.
INSTANCE_ID: Final = "100001"
SITE_ID: Final = "emuSite1"

#: The REST type of competitor maps (no model class: see the module docstring).
COMPETITOR_MAPS: Final = "competitorMaps"

_UTC: Final = timezone.utc

Wire = dict[str, Any]


# -- small renderers ----------------------------------------------------------------------------


def _set(value: Any) -> Any:
    """UNSET as None: the REST shapes always carry their keys."""
    # UNSET is the only Unset there is (a one-member enum): identity is the cheaper test.
    return None if value is UNSET else value


def unix(moment: Any) -> int | None:
    """A datetime as whole unix seconds (None stays None)."""
    moment = _set(moment)
    if not isinstance(moment, datetime):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)
    stamp: float = moment.timestamp()
    return math.floor(stamp)


def time_object(moment: Any, now: datetime) -> dict[str, Any] | None:
    """A lead time: ``{absoluteLocalizedString, timestamp, value}`` (recorded shape).

    ``value`` is "Today", "Yesterday" or "Tomorrow" near ``now`` and the absolute date otherwise,
    as in the recording ("Yesterday" next to "August 27, 2025"). Times are shown in UTC: the
    emulator has no per-user time zone.
    """
    today = now.astimezone(_UTC).date() if now.tzinfo else now.date()
    return day_time_object(moment, today)


def day_time_object(moment: Any, today: date) -> dict[str, Any] | None:
    """:func:`time_object` for a ``now`` on the UTC day ``today`` (a lead's five times share
    one day: it is worked out once)."""
    return stamp_time_object(unix(moment), today)


def stamp_time_object(stamp: int | None, today: date) -> dict[str, Any] | None:
    """:func:`day_time_object` of a time already in unix seconds (:func:`unix`): a record's
    stamps do not change, its time objects change with the day."""
    if stamp is None:
        return None
    absolute, value = _day_texts(stamp, today)
    return {"absoluteLocalizedString": absolute, "timestamp": stamp, "value": value}


@functools.lru_cache(maxsize=16_384)
def _day_texts(stamp: int, today: date) -> tuple[str, str]:
    absolute, day = _calendar_day(stamp)
    relative = _RELATIVE_DAYS.get((day - today).days)
    return absolute, relative or absolute


_RELATIVE_DAYS: Final = {0: "Today", -1: "Yesterday", 1: "Tomorrow"}


@functools.lru_cache(maxsize=16_384)
def _calendar_day(stamp: int) -> tuple[str, date]:
    # A page of leads shows five times per lead; most repeat, and strftime is the costly part.
    when = datetime.fromtimestamp(stamp, _UTC)
    return f"{when:%B} {when.day}, {when.year}", when.date()


def rest_type_for(entity: str) -> str:
    """The REST type of a model entity name; unknown names (``origins``) are types already."""
    cls = ENTITIES.get(entity)
    return cls.rest_type if cls is not None else entity


def _ref_id(ref: Any) -> str | None:
    # UNSET and None are not Refs: no _set() needed first.
    if not isinstance(ref, Ref) or ref.id is UNSET:
        return None
    number = ref.id
    # A page of leads spells tens of thousands of ids; the converter's checks run once per id.
    # Only exact ints are remembered: True == 1 would otherwise find 1's id instead of failing.
    if type(number) is int and number >= 0:
        return _wire_id(ref.entity, number)
    return id_for_ref(ref)


@functools.lru_cache(maxsize=65_536)
def _wire_id(entity: str, number: int) -> str:
    return id_for_ref(Ref(entity=entity, id=number))


def _ref_number(ref: Any) -> int | None:
    ref = _set(ref)
    if not isinstance(ref, Ref):
        return None
    number = ref.id
    return number if isinstance(number, int) else None


def _ref_ids(refs: Any) -> list[str]:
    if not refs:  # UNSET, None and () alike
        return []
    return [wire_id for wire_id in map(_ref_id, refs) if wire_id is not None]


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _amount(amount: Decimal | None) -> int | float | None:
    # The recording sends a JSON number (0), not OAS's string "100.00"; whole amounts as ints.
    if amount is None:
        return None
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


_SYMBOLS: Final = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def money(value: Any, *, default_currency: str = "USD") -> dict[str, Any] | None:
    """Money as ``{amount, currency, formatted}``; formatted is "" for zero, as recorded."""
    value = _set(value)
    if not isinstance(value, Money):
        return None
    currency = _set(value.currency) or default_currency
    formatted = _set(value.formatted)
    if formatted is None:
        amount = value.amount or Decimal(0)
        symbol = _SYMBOLS.get(currency)
        text = f"{amount:,.2f}"
        formatted = "" if amount == 0 else (f"{symbol}{text}" if symbol else f"{text} {currency}")
    return {"amount": _amount(value.amount), "currency": currency, "formatted": formatted}


def _label(item: Email | Url | Phone | Address) -> str:
    """A contact point's name: its label, else REST's name for an unlabelled value."""
    return _set(item.label) or DEFAULT_POINT_LABELS[type(item)]


def _email(item: Email | Url) -> dict[str, Any]:
    return {"isPrimary": bool(item.is_primary), "name": _label(item), "value": item.value}


_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension)\s*(\d+)\s*$", re.IGNORECASE)


def _phone_value(phone: Phone) -> dict[str, Any]:
    """The server's parse of a number; the emulator parses NANP numbers, others as typed."""
    typed = _set(phone.value) or ""
    extension = _set(phone.extension)
    match = _EXTENSION.search(typed)
    if match is not None:
        extension = extension or match.group(1)
        typed = typed[: match.start()]
    digits = "".join(c for c in typed if c.isdigit())
    country, number, formatted, e164 = None, digits or None, typed or None, None
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:
        country, number = "1", digits
        formatted = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
        e164 = f"+1{digits}"
    elif typed.strip().startswith("+") and digits:
        e164 = f"+{digits}"
    stored = {
        "countryCode": _set(phone.country_code),
        "number": _set(phone.number),
        "extension": extension,
        "numberFormatted": _set(phone.formatted),
        "E164": _set(phone.e164),
    }
    parsed = {
        "countryCode": country,
        "number": number,
        "extension": extension,
        "numberFormatted": formatted,
        "E164": e164,
    }
    # What the store knows beats the emulator's own parse.
    return {key: stored[key] if stored[key] is not None else parsed[key] for key in parsed}


def _phone(phone: Phone) -> dict[str, Any]:
    out: dict[str, Any] = {
        "isPrimary": bool(phone.is_primary),
        "name": _label(phone),
    }
    if not isinstance(phone.is_opted_out, Unset):
        out["isOptedOut"] = phone.is_opted_out
    out["value"] = _phone_value(phone)
    return out


def _address(address: Address) -> dict[str, Any]:
    latitude, longitude = _set(address.latitude), _set(address.longitude)
    location = (
        None
        if latitude is None and longitude is None
        else {"longitude": longitude, "latitude": latitude}
    )
    return {
        "isPrimary": bool(address.is_primary),
        "name": _label(address),
        "value": {
            "location": location,
            "locationAccuracy": _set(address.location_accuracy),
            "address_1": _set(address.address_1),
            "address_2": _set(address.address_2),
            "address_3": _set(address.address_3),
            "city": _set(address.city),
            "state": _set(address.state),
            "postalCode": _set(address.postal_code),
            "country": _set(address.country),
            "timezone": _set(address.timezone),
        },
    }


def contact_points(record: Record) -> dict[str, list[dict[str, Any]]]:
    """``emails``, ``addresses``, ``phones`` and ``urls`` of a person or company."""
    return {
        "emails": [_email(e) for e in _set(getattr(record, "emails", UNSET)) or ()],
        "addresses": [_address(a) for a in _set(getattr(record, "addresses", UNSET)) or ()],
        "phones": [_phone(p) for p in _set(getattr(record, "phones", UNSET)) or ()],
        "urls": [_email(u) for u in _set(getattr(record, "urls", UNSET)) or ()],
    }


_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(name: str | None) -> str:
    return _SLUG.sub("-", (name or "").lower()).strip("-")


def _note_html(body: str) -> str:
    # One rendering for both fronts: PHP's htmlspecialchars spelling, as recorded ("can
    # &#039;@ mention&#039;"), newlines as "<br />" plus the newline (recorded legacy notes).
    return note_html(body)


def _initials(*words: str | None) -> str | None:
    letters = "".join(w.strip()[0] for w in words if isinstance(w, str) and w.strip())
    return letters or None
