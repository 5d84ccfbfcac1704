"""Stored records, events and webhook deliveries rendered in Nutshell's REST shapes.

The yardstick is what the real service sent (``tests/fixtures/rest`` and
``tests/fixtures/webhooks``): accounts as in ``read/accounts/1-first-page.json``; leads,
contacts, activities and notes as in the ``payloads`` of ``read/events/1-first-page.json``;
users as in the webhook ``actors``. Key order follows the recordings too, so a diff against a
real response reads naturally.

Typed values take their wire spelling from :mod:`nutshell_rest.convert` where the converter
has one (ids, contact points); the keys the real service computes (``href``, ``htmlUrl``,
``avatarUrl``, ``initials``, the always-empty ``files`` relations...) are added here. Lead
times are ``{absoluteLocalizedString, timestamp, value}`` objects, every other time a unix int.

Competitor maps have no model class: a lead's competitor relation *is* the map. Its id is a
reversible pairing of the lead id and the competitor id, and its ``status`` lives in the
competitor Ref's ``relationship``, so both APIs see the same relation.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from nutshell_core.model import (
    DEFAULT_POINT_LABELS,
    ENTITIES,
    UNSET,
    Account,
    Activity,
    ActivityStatus,
    Address,
    Audience,
    Contact,
    CustomField,
    Email,
    EmailMessage,
    Lead,
    LeadStatus,
    Market,
    Money,
    Note,
    Outcome,
    Phone,
    Product,
    ProductMap,
    Record,
    Ref,
    Source,
    Stage,
    Stageset,
    Tag,
    Task,
    Unset,
    Url,
    User,
)
from nutshell_emulator.emails import email_to_rest
from nutshell_emulator.rest_reference import render_audience, render_custom_field
from nutshell_emulator.store import Store, StoreEvent
from nutshell_rest._codecs import dump_decimal
from nutshell_rest.convert import id_for_ref
from nutshell_rpc.inputs import note_html
from nutshell_rpc.shapes import lead_accounts

__all__ = [
    "COMPETITOR_MAPS",
    "DEFAULT_BASE_URL",
    "INSTANCE_ID",
    "SITE_ID",
    "CompetitorMap",
    "RestPresenter",
    "competitor_map_id",
    "competitor_maps",
    "contact_points",
    "event_to_rest",
    "find_competitor_map",
    "money",
    "present_record",
    "rest_type_for",
    "split_competitor_map_id",
    "time_object",
    "unix",
    "webhook_body",
]

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
    return None if isinstance(value, Unset) else value


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
    stamp = unix(moment)
    if stamp is None:
        return None
    when = datetime.fromtimestamp(stamp, _UTC)
    absolute = f"{when:%B} {when.day}, {when.year}"
    today = now.astimezone(_UTC).date() if now.tzinfo else now.date()
    relative = {0: "Today", -1: "Yesterday", 1: "Tomorrow"}.get((when.date() - today).days)
    return {"absoluteLocalizedString": absolute, "timestamp": stamp, "value": relative or absolute}


def rest_type_for(entity: str) -> str:
    """The REST type of a model entity name; unknown names (``origins``) are types already."""
    cls = ENTITIES.get(entity)
    return cls.rest_type if cls is not None else entity


def _ref_id(ref: Any) -> str | None:
    ref = _set(ref)
    if not isinstance(ref, Ref) or isinstance(ref.id, Unset):
        return None
    return id_for_ref(ref)


def _ref_number(ref: Any) -> int | None:
    ref = _set(ref)
    if not isinstance(ref, Ref):
        return None
    number = ref.id
    return number if isinstance(number, int) else None


def _ref_ids(refs: Any) -> list[str]:
    return [i for i in (_ref_id(r) for r in _set(refs) or ()) if i is not None]


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


# -- competitor maps ----------------------------------------------------------------------------


def competitor_map_id(lead_id: int, competitor_id: int) -> int:
    """The id of a lead's competitor relation: Szudzik's pairing of the two ids (reversible)."""
    if lead_id >= competitor_id:
        return lead_id * lead_id + lead_id + competitor_id
    return lead_id + competitor_id * competitor_id


def split_competitor_map_id(map_id: int) -> tuple[int, int]:
    """``(lead_id, competitor_id)`` of a competitor map id."""
    root = math.isqrt(map_id)
    rest = map_id - root * root
    return (root, rest - root) if rest >= root else (rest, root)


@attrs.frozen
class CompetitorMap:
    """A competitor on a lead, as ``/competitormaps`` shows it."""

    lead: Lead
    competitor: Ref

    @property
    def id(self) -> int:
        """The map's id (see :func:`competitor_map_id`)."""
        assert isinstance(self.lead.id, int) and isinstance(self.competitor.id, int)
        return competitor_map_id(self.lead.id, self.competitor.id)


def competitor_maps(store: Store) -> list[CompetitorMap]:
    """Every competitor relation of every live lead, in id order."""
    maps = [
        CompetitorMap(lead, ref)
        for lead in store.all(Lead)
        for ref in _set(lead.competitors) or ()
        if isinstance(ref.id, int)
    ]
    return sorted(maps, key=lambda m: m.id)


def find_competitor_map(store: Store, map_id: int) -> CompetitorMap | None:
    """The competitor relation with this id, or None."""
    lead_id, competitor_id = split_competitor_map_id(map_id)
    lead = store.find(Lead, lead_id)
    if lead is None:
        return None
    for ref in _set(lead.competitors) or ():
        if ref.id == competitor_id:
            return CompetitorMap(lead, ref)
    return None


# -- the per-request index ----------------------------------------------------------------------


class _Index:
    """Relations computed once per response, not once per record (both sides of a relation)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @functools.cached_property
    def contacts_of_account(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for contact in self.store.all(Contact):
            for ref in _set(contact.accounts) or ():
                if isinstance(ref.id, int):
                    out.setdefault(ref.id, []).append(f"{contact.id}-contacts")
        return out

    @functools.cached_property
    def accounts_of_contact(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for account in self.store.all(Account):
            for ref in _set(account.contacts) or ():
                if isinstance(ref.id, int):
                    out.setdefault(ref.id, []).append(f"{account.id}-accounts")
        return out

    @functools.cached_property
    def maps_of_lead(self) -> dict[int, list[ProductMap]]:
        out: dict[int, list[ProductMap]] = {}
        for item in self.store.all(ProductMap):
            lead = _set(item.lead)
            if isinstance(lead, Ref) and isinstance(lead.id, int):
                out.setdefault(lead.id, []).append(item)
        return out

    @functools.cached_property
    def creators(self) -> dict[tuple[str, int], Ref]:
        """Who created what, from the event log (activities have no creator attribute)."""
        out: dict[tuple[str, int], Ref] = {}
        for event in self.store.events():
            if event.action == "create" and event.actor is not None:
                out.setdefault((event.entity, event.record_id), event.actor)
        return out

    @functools.cached_property
    def stages(self) -> dict[int, Stage]:
        return {s.id: s for s in self.store.all(Stage) if isinstance(s.id, int)}

    @functools.cached_property
    def stage_counts(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for stage in self.stages.values():
            pipeline = _set(stage.stageset)
            if isinstance(pipeline, Ref) and isinstance(pipeline.id, int):
                out[pipeline.id] = out.get(pipeline.id, 0) + 1
        return out

    @functools.cached_property
    def tag_counts(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for cls in (Lead, Contact, Account):
            for record in self.store.all(cls):
                for ref in _set(getattr(record, "tags", UNSET)) or ():
                    if isinstance(ref.id, int):
                        out[ref.id] = out.get(ref.id, 0) + 1
        return out

    @functools.cached_property
    def default_market(self) -> int | None:
        markets = self.store.all(Market)
        return markets[0].id if markets and isinstance(markets[0].id, int) else None

    def find(self, ref: Any) -> Record | None:
        """The live or trashed record a Ref points at."""
        ref = _set(ref)
        if not isinstance(ref, Ref) or not isinstance(ref.id, int):
            return None
        cls = ENTITIES.get(ref.entity)
        if cls is None:
            return None
        return self.store.find(cls, ref.id) or self.store.trashed(cls, ref.id)


# -- the presenter ------------------------------------------------------------------------------

_CHANNELS: Final = (
    "None",
    "Organic search",
    "Paid search",
    "Organic social",
    "Paid social",
    "Email",
    "Referrer",
    "Traditional",
    "Direct",
)


class RestPresenter:
    """Renders the store's records in REST shapes for one base URL (``.../rest``)."""

    def __init__(
        self,
        store: Store,
        *,
        base_url: str = DEFAULT_BASE_URL,
        instance_id: str = INSTANCE_ID,
        site_id: str = SITE_ID,
    ) -> None:
        self.store = store
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        #: Where ``htmlUrl`` and ``avatarUrl`` point: the host of the REST base URL.
        self.app_url = f"{parts.scheme}://{parts.netloc}"
        self.instance_id = instance_id
        self.site_id = site_id
        self._renderers: Mapping[type[Record], Callable[[Any, _Index], Wire]] = {
            Account: self._account,
            Contact: self._contact,
            Lead: self._lead,
            Activity: self._activity,
            Note: self._note,
            Task: self._task,
            User: self._user,
            Stageset: self._stageset,
            Stage: self._stage,
            Outcome: self._outcome,
            Tag: self._tag,
            Source: self._source,
            Product: self._product,
            ProductMap: self._product_map,
            Market: self._market,
            EmailMessage: lambda email, _index: email_to_rest(self, email),
            # Set-up data (nutshell_emulator.rest_reference).
            CustomField: render_custom_field,
            Audience: render_audience,
        }

    # -- public ----------------------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        """The ``meta`` of a single-record answer: only ``instanceId`` and ``siteId``."""
        return {"instanceId": self.instance_id, "siteId": self.site_id}

    def index(self) -> _Index:
        """A fresh relation index: build one per response and pass it to :meth:`record`."""
        return _Index(self.store)

    def record(self, record: Record | CompetitorMap, index: _Index | None = None) -> Wire:
        """One record in its REST shape."""
        index = index or self.index()
        with self.store.lock:
            if isinstance(record, CompetitorMap):
                return self._competitor_map(record, index)
            render = self._renderers.get(type(record))
            return render(record, index) if render is not None else self._named(record, index)

    def records(self, records: Iterable[Record | CompetitorMap]) -> list[Wire]:
        """Several records sharing one relation index."""
        index = self.index()
        return [self.record(r, index) for r in records]

    def href(self, rest_type: str, wire_id: str) -> str:
        """``{base_url}/{type}/{id}``."""
        return f"{self.base_url}/{rest_type}/{wire_id}"

    # -- shared pieces ---------------------------------------------------------------------------

    def _head(self, record: Record) -> tuple[str, str, int]:
        cls = type(record)
        assert isinstance(record.id, int)
        return f"{record.id}-{cls.rest_type}", cls.rest_type, record.id

    def _avatar(self, rest_type: str, n: int, record: Record) -> str:
        # The recorded URLs carry a per-record token and the modified time; the token here is a
        # stable digest so that the same record always has the same URL.
        digest = hashlib.sha256(f"{rest_type}:{n}:{self.instance_id}".encode()).digest()
        token = base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
        stamp = unix(record.modified_time) or 0
        return f"{self.app_url}/avatar/{rest_type}/{n}/{self.instance_id}/{token}.2/{stamp}"

    def _html(self, path: str) -> dict[str, str]:
        return {"htmlUrl": f"{self.app_url}{path}", "htmlUrlPath": path}

    def _times(self, record: Record, *keys: str) -> dict[str, int | None]:
        attrs_by_key = {
            "createdTime": record.created_time,
            "modifiedTime": record.modified_time,
            "deletedTime": record.deleted_time,
        }
        return {key: unix(attrs_by_key[key]) for key in keys}

    def _creator(self, record: Record, index: _Index) -> str | None:
        # Records with a creator attribute show it, null included: the recording shows null for
        # a contact an integration created. Activities have none; the event log says who.
        if hasattr(record, "creator"):
            return _ref_id(getattr(record, "creator", UNSET))
        assert isinstance(record.id, int)
        return _ref_id(index.creators.get((record.entity, record.id)))

    @staticmethod
    def _custom(record: Record, out: Wire) -> None:
        fields = _set(getattr(record, "custom_fields", UNSET))
        # The recordings show no customFields key on records without any; set ones are shown.
        if fields:
            out["customFields"] = dict(fields)

    # -- people and companies --------------------------------------------------------------------

    def _account(self, account: Account, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(account)
        name = _set(account.name)
        out: Wire = {
            "id": wire_id,
            "type": rest_type,
            "name": name,
            "description": _set(account.description),
            **contact_points(account),
            "href": self.href(rest_type, wire_id),
            "revenue": None,
            "employeeCount": None,
            "avatarUrl": _set(account.avatar_url) or self._avatar(rest_type, n, account),
            "initials": (name or "")[:1] or None,
            **self._html(f"/company/{n}-{_slug(name)}"),
        }
        if _set(account.deleted_time) is not None:
            out["deletedTime"] = unix(account.deleted_time)
        self._custom(account, out)
        contacts = _unique(_ref_ids(account.contacts) + index.contacts_of_account.get(n, []))
        out["links"] = {
            "creator": self._creator(account, index),
            "owner": _ref_id(account.owner),
            "territory": _ref_id(account.territory),
            "tags": _ref_ids(account.tags),
            "files": [],
            "relatedFiles": [],
            "followup": None,
            "recurringTask": None,
            "contacts": contacts,
            "accountType": _ref_id(account.account_type),
            "industry": _ref_id(account.industry),
        }
        return out

    def _contact(self, contact: Contact, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(contact)
        first, last = _set(contact.first_name), _set(contact.last_name)
        name = _set(contact.name) or " ".join(p for p in (first, last) if p) or None
        out: Wire = {
            "id": wire_id,
            "type": rest_type,
            "name": name,
            "description": _set(contact.description),
            **contact_points(contact),
            "jobTitle": _set(contact.job_title),
            "firstName": first,
            "lastName": last,
            "mcfxContactId": None,
            "href": self.href(rest_type, wire_id),
            "avatarUrl": _set(contact.avatar_url) or self._avatar(rest_type, n, contact),
            "initials": _initials(first, last) if first or last else _initials(name),
            **self._html(f"/person/{n}-{_slug(name)}"),
        }
        if _set(contact.deleted_time) is not None:
            out["deletedTime"] = unix(contact.deleted_time)
        self._custom(contact, out)
        accounts = _unique(_ref_ids(contact.accounts) + index.accounts_of_contact.get(n, []))
        out["links"] = {
            "accounts": accounts,
            "emAudiences": [],
            "creator": self._creator(contact, index),
            "owner": _ref_id(contact.owner),
            "territory": _ref_id(contact.territory),
            "tags": _ref_ids(contact.tags),
            "files": [],
            "relatedFiles": [],
            "followup": None,
            "recurringTask": None,
        }
        return out

    # -- leads -----------------------------------------------------------------------------------

    def _lead(self, lead: Lead, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(lead)
        now = self.store.now()
        stage_id, pipeline_id = _ref_number(lead.stage), _ref_number(lead.stageset)
        stage = index.stages.get(stage_id) if stage_id is not None else None
        position = _set(stage.position) if stage is not None else None
        position = position if isinstance(position, int) else 0
        stage_count = index.stage_counts.get(pipeline_id, 0) if pipeline_id is not None else 0
        status = _set(lead.status)
        status = status if isinstance(status, LeadStatus) else LeadStatus.OPEN
        owner = _set(lead.owner)
        number = _set(lead.number)
        maps = index.maps_of_lead.get(n, [])
        products = _unique(
            _ref_ids(lead.products) + [i for i in (_ref_id(m.product) for m in maps) if i]
        )
        competitors = [r for r in _set(lead.competitors) or () if isinstance(r.id, int)]
        due = time_object(lead.due_time, now)
        out: Wire = {
            "id": wire_id,
            "type": rest_type,
            "isCurrentUserWatching": False,
            "deletedTime": time_object(lead.deleted_time, now),
            "name": _set(lead.name),
            "value": money(lead.value) or money(Money(amount=Decimal(0))),
            "number": number,
            "description": _set(lead.description),
            "createdTime": time_object(lead.created_time, now),
            "closedTime": time_object(lead.closed_time, now),
            "dueTime": due,
            # Nutshell shows the same moment twice (recording); the model has only the due time.
            "anticipatedClosedTime": due,
            "ownerType": rest_type_for(owner.entity) if isinstance(owner, Ref) else "users",
            "mcfxContactIds": [],
            "status": status.rest,
            "lastContactedTime": time_object(lead.last_contacted_time, now),
            "pieState": f"{position:02d}",
            "isOverdue": bool(_set(lead.is_overdue)),
            "overdueTime": None,
            "href": self.href(rest_type, wire_id),
            "confidence": _set(lead.confidence) or 0,
            "priority": _set(lead.priority) or 0,
            **self._html(f"/lead/{number if number is not None else n}"),
            "avatarUrl": (
                f"{self.app_url}/avatar/leads/v1/{int(status.is_closed)}/{position}/{stage_count}/0"
            ),
            "initials": None,
        }
        self._custom(lead, out)
        links: Wire = {
            # The primary account first: REST has no other way to say which one it is.
            "accounts": _unique(_ref_ids(lead_accounts(lead))),
            "contacts": _ref_ids(lead.contacts),
            "tags": _ref_ids(lead.tags),
            "sources": _ref_ids(lead.sources),
            "owner": _ref_id(owner),
            "files": [],
            "relatedFiles": [],
            "territory": _ref_id(lead.territory),
            "destinations": [],
            "stage": _ref_id(lead.stage),
            "stageset": _ref_id(lead.stageset),
            "creator": self._creator(lead, index),
            "products": products,
            "productMaps": [f"{m.id}-productMaps" for m in maps],
            "competitors": _ref_ids(competitors),
            "competitorMaps": [
                f"{CompetitorMap(lead, r).id}-{COMPETITOR_MAPS}" for r in competitors
            ],
            "outcome": _ref_id(lead.outcome),
            "watchers": [],
        }
        if _set(lead.market) is not None:
            links["market"] = _ref_id(lead.market)
        out["links"] = links
        return out

    # -- activities, notes, tasks ----------------------------------------------------------------

    def _activity(self, activity: Activity, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(activity)
        status = _set(activity.status)
        status = status if isinstance(status, ActivityStatus) else ActivityStatus.SCHEDULED
        end = _set(activity.end_time)
        overdue = status is ActivityStatus.OVERDUE or (
            status is ActivityStatus.SCHEDULED
            and isinstance(end, datetime)
            and end < self.store.now()
        )
        participants = _set(activity.participants) or ()
        by_type: dict[str, list[str]] = {"Account": [], "Contact": [], "User": []}
        for ref in participants:
            ref_id = _ref_id(ref)
            if ref_id is not None and ref.entity in by_type:
                by_type[ref.entity].append(ref_id)
        logged = status is ActivityStatus.LOGGED
        out: Wire = {
            "id": wire_id,
            "type": rest_type,
            "agenda": _set(activity.description) or "",
            "createdTime": unix(activity.created_time),
            "endTime": unix(end),
            "deletedTime": unix(activity.deleted_time),
            "href": self.href(rest_type, wire_id),
            "isAllDay": bool(_set(activity.is_all_day)),
            "isEditable": True,
            "isCancelled": status is ActivityStatus.CANCELLED,
            "isFlagged": bool(_set(activity.is_flagged)),
            "isLogged": logged,
            "isOverdue": overdue,
            # The model keeps no log time; the last write is when it was logged.
            "loggedTime": unix(activity.modified_time) if logged else None,
            "modifiedTime": unix(activity.modified_time),
            "name": _set(activity.name),
            "startTime": unix(activity.start_time),
            "isMediaLogged": False,
            "transcription": None,
            "showTranscribeLoggingFlow": False,
            "externalMeetingServiceType": None,
            **self._html(f"/activity/open-modal/{n}"),
        }
        if _set(activity.location) is not None:
            out["location"] = activity.location
        out["links"] = {
            "comments": [],
            "accounts": by_type["Account"],
            "activityType": _ref_id(activity.activity_type),
            "contacts": by_type["Contact"],
            "creator": self._creator(activity, index),
            "leads": _ref_ids(activity.leads),
            "logger": _ref_id(activity.logged_by),
            "logNote": _ref_id(activity.log_note),
            "users": by_type["User"],
        }
        return out

    def _note(self, note: Note, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(note)
        body = _set(note.body) or ""
        parent = _set(note.parent)
        return {
            "id": wire_id,
            "type": rest_type,
            "createdTime": unix(note.created_time),
            "deletedTime": unix(note.deleted_time),
            "href": self.href(rest_type, wire_id),
            "body": body,
            "bodyHtml": _set(note.body_html) or _note_html(body),
            "bodyMarkup": _set(note.body_markup) or body,
            "isEditable": True,
            "parentType": rest_type_for(parent.entity) if isinstance(parent, Ref) else None,
            **self._html(f"/note/{n}"),
            "links": {
                "comments": [],
                "parent": _ref_id(parent),
                "accounts": [],
                "contacts": [],
                "leads": [],
                "users": _ref_ids([note.user]),
                "teams": [],
            },
        }

    def _task(self, task: Task, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(task)
        return {
            "id": wire_id,
            "type": rest_type,
            "title": _set(task.title),
            "description": _set(task.description),
            "dueTime": unix(task.due_time),
            "completedTime": unix(task.completed_time),
            "isCompleted": _set(task.completed_time) is not None,
            "recurrenceRule": None,
            **self._times(task, "createdTime", "modifiedTime", "deletedTime"),
            "href": self.href(rest_type, wire_id),
            **self._html(f"/task/{n}"),
            "links": {
                "assignee": _ref_id(task.assignee),
                "relatedEntity": _ref_id(task.related),
            },
        }

    # -- users and reference data ----------------------------------------------------------------

    def _user(self, user: User, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(user)
        first, last = _set(user.first_name), _set(user.last_name)
        out: Wire = {
            "id": wire_id,
            "type": rest_type,
            "name": _set(user.name),
            "firstName": first,
        }
        if last:
            out["lastName"] = last
        out.update(
            {
                "modifiedTime": unix(user.modified_time),
                "isEnabled": _set(user.is_enabled) is not False,
                "isAdministrator": bool(_set(user.is_administrator)),
                "isViewingRestricted": False,
                "emails": list(_set(user.emails) or ()),
                "sendForUser": [],
                "emailSignature": "",
                "phonecallerType": "",
                "avatarUrl": self._avatar(rest_type, n, user),
                "initials": _initials(first, last) or _initials(_set(user.name)),
                "links": {"teams": _ref_ids(user.teams)},
            }
        )
        return out

    def _named(self, record: Record, index: _Index) -> Wire:
        wire_id, rest_type, _ = self._head(record)
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(getattr(record, "name", UNSET)),
            "href": self.href(rest_type, wire_id),
            **self._times(record, "modifiedTime"),
        }

    def _stageset(self, pipeline: Stageset, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(pipeline)
        stages = sorted(
            (s for s in index.stages.values() if _ref_number(s.stageset) == n),
            key=lambda s: (_set(s.position) or 0, s.id),
        )
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(pipeline.name),
            "href": self.href(rest_type, wire_id),
            "default": bool(_set(pipeline.is_default)),
            "canAccess": True,
            "status": 1,
            "position": _set(pipeline.position),
            "links": {"stages": [f"{s.id}-stages" for s in stages]},
        }

    def _stage(self, stage: Stage, index: _Index) -> Wire:
        wire_id, rest_type, _ = self._head(stage)
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(stage.name),
            "description": _set(stage.description),
            "position": _set(stage.position),
            "href": self.href(rest_type, wire_id),
            "links": {"stageset": _ref_id(stage.stageset)},
        }

    def _outcome(self, outcome: Outcome, index: _Index) -> Wire:
        wire_id, rest_type, _ = self._head(outcome)
        status = _set(outcome.status)
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(outcome.name),
            "status": status.rest if isinstance(status, LeadStatus) else None,
            "href": self.href(rest_type, wire_id),
        }

    def _tag(self, tag: Tag, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(tag)
        applies = _set(tag.applies_to)
        cls = ENTITIES.get(applies) if isinstance(applies, str) else None
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(tag.name),
            "href": self.href(rest_type, wire_id),
            **self._times(tag, "modifiedTime", "deletedTime"),
            "tagType": cls.rest_type if cls is not None else applies,
            "count": index.tag_counts.get(n, 0),
            "colorType": "COLOR_DEFAULT",
        }

    def _source(self, source: Source, index: _Index) -> Wire:
        wire_id, rest_type, _ = self._head(source)
        channel = _set(source.channel)
        channel = channel if isinstance(channel, int) and 0 <= channel < len(_CHANNELS) else 0
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(source.name),
            "href": self.href(rest_type, wire_id),
            **self._times(source, "modifiedTime"),
            "channel": {"value": channel, "display": _CHANNELS[channel]},
            **self._times(source, "deletedTime"),
        }

    def _price(self, price: Any) -> dict[str, Any] | None:
        rendered = money(price)
        if rendered is None:
            return None
        return {**rendered, "currencySymbol": _SYMBOLS.get(rendered["currency"], "")}

    def _product(self, product: Product, index: _Index) -> Wire:
        wire_id, rest_type, _ = self._head(product)
        price = self._price(product.price)
        market = index.default_market
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(product.name),
            "href": self.href(rest_type, wire_id),
            "description": None,
            **self._times(product, "modifiedTime", "deletedTime"),
            "sku": _set(product.sku),
            "productType": _set(product.product_type) or "product",
            "unit": _set(product.unit),
            "prices": {f"{market}-markets": price} if market is not None and price else {},
            "price": price,
        }

    def _product_map(self, item: ProductMap, index: _Index) -> Wire:
        wire_id, rest_type, _ = self._head(item)
        product = index.find(item.product)
        name = _set(item.name) or (_set(getattr(product, "name", UNSET)) if product else None)
        quantity = _set(item.quantity)
        return {
            "id": wire_id,
            "type": rest_type,
            "name": name,
            "href": self.href(rest_type, wire_id),
            "relationship": None,
            "price": money(item.price),
            "unit": _set(item.unit),
            "quantity": quantity if quantity is not None else 1,
            "productType": "product",
            "links": {"product": _ref_id(item.product), "lead": _ref_id(item.lead)},
        }

    def _competitor_map(self, item: CompetitorMap, index: _Index) -> Wire:
        wire_id = f"{item.id}-{COMPETITOR_MAPS}"
        competitor = index.find(item.competitor)
        name = _set(item.competitor.name) or (
            _set(getattr(competitor, "name", UNSET)) if competitor else None
        )
        status = _set(item.competitor.relationship)
        return {
            "id": wire_id,
            "type": COMPETITOR_MAPS,
            "name": name,
            "href": self.href(COMPETITOR_MAPS, wire_id),
            "relationship": None,
            "status": status if status in ("potential", "stole", "beat") else None,
            "links": {"lead": _ref_id(item.lead.ref()), "competitor": _ref_id(item.competitor)},
        }

    def _market(self, market: Market, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(market)
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(market.name),
            "href": self.href(rest_type, wire_id),
            "currency": "USD",
            "currencySymbol": "$",
            "isDefault": n == index.default_market,
        }

    # -- events ----------------------------------------------------------------------------------

    def event(self, event: StoreEvent, *, with_count: bool = True) -> Wire:
        """One store event as an event object (``GET /events``; webhooks omit ``count``)."""
        payload_type = rest_type_for(event.entity)
        actor = event.actor
        out: Wire = {
            "id": f"{event.id}-events",
            "type": "events",
            "createdTime": unix(event.time),
            "actorType": rest_type_for(actor.entity) if actor is not None else None,
            "payloadType": payload_type,
            "action": event.action,
            "changes": [out for c in event.changes for out in self._changes(c.attribute, c)],
        }
        if with_count:
            out["count"] = None
        out["links"] = {
            "comments": [],
            "actor": _ref_id(actor),
            "payloads": [f"{event.record_id}-{payload_type}"],
        }
        return out

    def _changes(self, attribute: str, change: Any) -> list[Wire]:
        """One store change as event changes. A list relation becomes one change per member
        added (``null`` -> record) or removed (record -> ``null``), and custom fields one per
        field, so every value is a string, a record object or null as in the recordings."""
        head, *rest = attribute.split("_")
        name = head + "".join(p.title() for p in rest)
        old, new = _set(change.old), _set(change.new)
        if _is_refs(old) and _is_refs(new):
            before = {(r.entity, r.id): r for r in old or ()}
            after = {(r.entity, r.id): r for r in new or ()}
            out = []
            for key in [*before, *(k for k in after if k not in before)]:
                was, now = before.get(key), after.get(key)
                if was is None or now is None or was.relationship != now.relationship:
                    out.append(self._change(name, was, now))
            return out
        if name == "customFields" and isinstance(old or {}, Mapping):
            old_map, new_map = dict(old or {}), dict(new or {}) if isinstance(new, Mapping) else {}
            return [
                self._change(str(key), old_map.get(key), new_map.get(key))
                for key in dict.fromkeys([*old_map, *new_map])
                if old_map.get(key) != new_map.get(key)
            ]
        return [self._change(name, old, new)]

    def _change(self, name: str, old: Any, new: Any) -> Wire:
        return {
            "attribute": name,
            "oldValue": self._change_value(old),
            "newValue": self._change_value(new),
        }

    def _change_value(self, value: Any) -> Any:
        """Changed values as the recordings spell them: records as ``{id, type, name}`` (stages
        with their ``position``), everything else as a string (``"0"`` -> ``"1"``)."""
        value = _set(value)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, Ref):
            out: Wire = {
                "id": _ref_id(value),
                "type": rest_type_for(value.entity),
                "name": _set(value.name),
            }
            if value.entity == "Stage" and isinstance(value.id, int):
                stage = self.store.find(Stage, value.id)
                out["position"] = _set(stage.position) if stage is not None else None
            if _set(value.relationship) is not None:
                out["relationship"] = value.relationship
            return out
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, (int, Decimal, float)):
            return str(int(value)) if isinstance(value, int) else str(value)
        if isinstance(value, datetime):
            return str(unix(value))
        if isinstance(value, Money):
            return dump_decimal(value.amount)
        if isinstance(value, Email | Url):
            return value.value
        if isinstance(value, Phone):
            return _phone_value(value)["numberFormatted"] or _set(value.value)
        if isinstance(value, Address):
            parts = (value.address_1, value.city, value.state, value.postal_code, value.country)
            return ", ".join(str(p) for p in map(_set, parts) if p)
        if isinstance(value, Mapping):
            return json.dumps({str(k): v for k, v in value.items()}, default=str)
        if isinstance(value, Sequence):
            # Lists of values (emails, phones...) read as one comma-separated string.
            return ", ".join(str(self._change_value(v)) for v in value)
        return str(value)

    def payload(self, event: StoreEvent, index: _Index) -> Wire | None:
        """The record an event is about (from the trash when deleted), or None when gone."""
        cls = ENTITIES.get(event.entity)
        if cls is None:
            return None
        record = self.store.find(cls, event.record_id) or self.store.trashed(cls, event.record_id)
        return self.record(record, index) if record is not None else None

    def actors(self, events: Sequence[StoreEvent], index: _Index) -> list[Wire]:
        """The users (and other known actors) who did ``events``, each once."""
        out: dict[str, Wire] = {}
        for event in events:
            found = index.find(event.actor)
            if found is not None and _ref_id(event.actor) not in out:
                out[_ref_id(event.actor) or ""] = self.record(found, index)
        return list(out.values())

    def payloads(self, events: Sequence[StoreEvent], index: _Index) -> list[Wire]:
        """The records ``events`` are about, each once, in event order."""
        out: dict[str, Wire] = {}
        for event in events:
            key = f"{event.record_id}-{rest_type_for(event.entity)}"
            if key not in out:
                rendered = self.payload(event, index)
                if rendered is not None:
                    out[key] = rendered
        return list(out.values())

    # -- webhooks --------------------------------------------------------------------------------

    def webhook(self, events: Sequence[StoreEvent]) -> Wire:
        """A webhook delivery for ``events`` (the samples' shape: ``meta``, link templates,
        ``events``, ``actors``, ``payloads`` and the side-loads of the payload type)."""
        with self.store.lock:
            index = self.index()
            payloads = self.payloads(events, index)
            body: Wire = {
                "meta": {},
                "links": self._templates(payloads),
                "events": [self.event(e, with_count=False) for e in events],
                "actors": self.actors(events, index),
                "payloads": payloads,
            }
            body.update(self._side_loads(payloads, index))
            return body

    def _templates(self, payloads: Sequence[Wire]) -> Wire:
        base = self.base_url

        def template(href: str, kind: str) -> dict[str, str]:
            return {"href": f"{base}/{href}", "type": kind}

        out: Wire = {
            "events.comments": template("comments?parent_id={events.id}", "comments"),
            "events.actor": template("{events.actorType}/{events.actor}", "actors"),
            "events.payloads": template("{events.payloadType}/{events.payloads}", "payloads"),
            "actors.teams": template("teams/{actors.teams}", "teams"),
        }
        side: Wire = {}
        for wire in payloads:
            kind = str(wire.get("type"))
            for key in wire.get("links") or {}:
                if key in _NO_TEMPLATE or f"payloads.{key}" in out:
                    continue
                href, target = _payload_template(kind, key)
                out[f"payloads.{key}"] = template(href, target)
            if kind in _SIDE_LOADS:
                name = _SIDE_LOADS[kind][0]
                side[f"{name}.teams"] = template(f"teams/{{{name}.teams}}", "teams")
        out.update(side)
        return out

    def _side_loads(self, payloads: Sequence[Wire], index: _Index) -> Wire:
        out: dict[str, dict[str, Wire]] = {}
        for wire in payloads:
            kind = str(wire.get("type"))
            if kind not in _SIDE_LOADS:
                continue
            name, keys = _SIDE_LOADS[kind]
            bucket = out.setdefault(name, {})
            links = wire.get("links") or {}
            for key in keys:
                member = links.get(key)
                for wire_id in member if isinstance(member, list) else [member]:
                    if not isinstance(wire_id, str) or not wire_id.endswith("-users"):
                        continue
                    user = self.store.find(User, int(wire_id.split("-", 1)[0]))
                    if user is not None and wire_id not in bucket:
                        bucket[wire_id] = self.record(user, index)
        return {name: list(items.values()) for name, items in out.items()}


#: Payload link members the samples give no template (``destinations`` came later).
_NO_TEMPLATE: Final = frozenset({"destinations"})

#: Side-loaded arrays of webhook deliveries by payload type, and the links they gather users
#: from: activity deliveries carry ``users``, lead deliveries ``owners`` (samples).
_SIDE_LOADS: Final[Mapping[str, tuple[str, tuple[str, ...]]]] = {
    "activities": ("users", ("creator", "logger", "users")),
    "leads": ("owners", ("owner",)),
}

#: Link members whose template is not ``<type>/{payloads.<key>}`` (samples).
_TEMPLATE_TYPES: Final[Mapping[str, str]] = {
    "accountType": "accountTypes",
    "activityType": "activityTypes",
    "assignee": "users",
    "competitor": "competitors",
    "followup": "followups",
    "industry": "industries",
    "lead": "leads",
    "logNote": "notes",
    "logger": "users",
    "market": "markets",
    "outcome": "outcomes",
    "parent": "parents",
    "product": "products",
    "recurringTask": "tasks",
    "relatedEntity": "relatedEntities",
    "stage": "stages",
    "territory": "territories",
    "watchers": "users",
}


def _payload_template(kind: str, key: str) -> tuple[str, str]:
    """The href template (after the base URL) and type of one payload link member."""
    if key in ("files", "relatedFiles"):
        return f"{kind}/{{{kind}.id}}/{key.lower()}", "files"
    if key == "comments":
        return f"comments?parent_id={{{kind}.id}}", "comments"
    if kind == "activities" and key == "creator":
        return "users/{payloads.creator}", "users"
    if key == "creator":
        return "creators/{payloads.creator}", "creators"
    if key == "owner":
        if kind == "leads":
            return "{leads.ownerType}/{leads.owner}", "owners"
        return "owners/{payloads.owner}", "owners"
    if kind == "leads" and key == "stageset":
        return "leads/{leads.id}/stages", "stagesets"
    target = _TEMPLATE_TYPES.get(key, key)
    return f"{target}/{{payloads.{key}}}", target


def _is_refs(value: Any) -> bool:
    return value is None or (isinstance(value, tuple) and all(isinstance(v, Ref) for v in value))


# -- module-level helpers -----------------------------------------------------------------------


def present_record(record: Record, store: Store, *, base_url: str = DEFAULT_BASE_URL) -> Wire:
    """One stored record in its REST shape."""
    return RestPresenter(store, base_url=base_url).record(record)


def event_to_rest(
    store_event: StoreEvent, store: Store, *, base_url: str = DEFAULT_BASE_URL
) -> Wire:
    """One store event as ``GET /events`` shows it."""
    return RestPresenter(store, base_url=base_url).event(store_event)


def webhook_body(
    store_events: Sequence[StoreEvent], store: Store, *, base_url: str = DEFAULT_BASE_URL
) -> Wire:
    """The webhook delivery body for ``store_events`` (the real samples' shape)."""
    return RestPresenter(store, base_url=base_url).webhook(list(store_events))
