"""The domain model shared by the JSON-RPC and REST clients.

A :class:`Lead` is the same object whichever API produced it. Classes are attrs-frozen,
slotted and keyword-only; the wire spellings (``Lead–1000`` names, ``n-type`` ids, ``--primary``
maps, REST time objects) belong to the converters in ``nutshell_rpc.convert`` and
``nutshell_rest.convert``, never to this module.

Two rules keep comparisons honest and round trips lossless:

* **Not sent is not null.** Every field defaults to :data:`UNSET`. A stub carries few fields;
  a full record may carry ``None``. ``lead.value is UNSET`` means the server did not say;
  ``lead.value is None`` means it said "no value".
* **Nothing is lost.** Each record keeps a :class:`WireMemo` of what its converter could not
  express in typed fields: keys the model does not know, and the exact original spelling of
  known keys whose wire form is richer than the typed value. Converting back to the *same*
  wire format restores them; a record that was changed in between is rendered from the typed
  fields. The memo is left out of equality, hashing and ``repr``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Final, Literal, TypeVar, Union

import attrs

__all__ = [
    "DEFAULT_POINT_LABELS",
    "ENTITIES",
    "UNSET",
    "Account",
    "AccountType",
    "Activity",
    "ActivityStatus",
    "ActivityType",
    "Address",
    "Audience",
    "Competitor",
    "Contact",
    "Correspondent",
    "CustomField",
    "Email",
    "EmailMessage",
    "Industry",
    "Lead",
    "LeadStatus",
    "Market",
    "Maybe",
    "Money",
    "Note",
    "Outcome",
    "PersonName",
    "Phone",
    "Product",
    "ProductMap",
    "Record",
    "Ref",
    "Source",
    "Stage",
    "Stageset",
    "Tag",
    "Task",
    "Team",
    "Territory",
    "Unset",
    "Url",
    "User",
    "WireMemo",
    "entity_class",
    "entity_for_rest_type",
    "entity_for_rpc_type",
    "is_set",
]


class Unset(enum.Enum):
    """The type of :data:`UNSET`: a field the server did not send."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


#: A field that was not sent, as opposed to one sent as ``null``.
UNSET: Final = Unset.UNSET

T = TypeVar("T")

#: ``Maybe[int]`` is ``int | Unset``: a value, or "not sent".
Maybe = Union[T, Unset]  # noqa: UP007 - a generic alias needs Union on Python 3.10


def is_set(value: object) -> bool:
    """True unless ``value`` is :data:`UNSET`."""
    return value is not UNSET


# -- enums --------------------------------------------------------------------------------------


class LeadStatus(enum.IntEnum):
    """A lead's status: RPC integers, with the REST spelling in :attr:`rest`."""

    OPEN = 0
    PENDING = 1
    WON = 10
    LOST = 11
    CANCELLED = 12

    @property
    def rest(self) -> str:
        """The REST API's spelling (``"open"``, ``"won"``, ...)."""
        return self.name.lower()

    @classmethod
    def from_rest(cls, value: str) -> LeadStatus:
        """Parse the REST spelling; accepts ``canceled`` as well as ``cancelled``."""
        key = value.strip().upper()
        if key == "CANCELED":
            key = "CANCELLED"
        try:
            return cls[key]
        except KeyError:
            raise ValueError(f"unknown lead status {value!r}") from None

    @property
    def is_closed(self) -> bool:
        """True for won, lost and cancelled."""
        return self >= LeadStatus.WON


class ActivityStatus(enum.IntEnum):
    """An activity's status: RPC integers, with the REST spelling in :attr:`rest`."""

    SCHEDULED = 0
    LOGGED = 1
    CANCELLED = 2
    OVERDUE = -1

    @property
    def rest(self) -> str:
        """The REST API's spelling (``"scheduled"``, ``"logged"``, ...)."""
        return self.name.lower()

    @classmethod
    def from_rest(cls, value: str) -> ActivityStatus:
        """Parse the REST spelling."""
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown activity status {value!r}") from None


# -- the wire memo ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class WireMemo:
    """What a converter keeps so that ``wire -> model -> same wire`` is exact.

    ``wire`` names the format (``"rpc"`` or ``"rest"``); ``extra`` holds keys the model does not
    know, verbatim; ``originals`` holds the original spelling of known keys whose wire form is
    richer than the typed value (a converter re-uses one only while it still structures to the
    current typed value); ``order`` is the original key order; ``loaded`` holds, per original,
    the attribute values it was read as, so a renderer tells an unchanged record without
    reading the original again (a key missing from it is read again).
    """

    wire: str
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    originals: Mapping[str, Any] = attrs.field(factory=dict)
    order: tuple[str, ...] = ()
    loaded: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict, eq=False, repr=False)


# -- value objects ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Money:
    """An amount in a currency. ``amount`` is a Decimal: money is never a float here."""

    amount: Decimal | None
    currency: Maybe[str] = UNSET
    formatted: Maybe[str] = UNSET


@attrs.frozen(kw_only=True)
class Email:
    """One email address of a contact or account."""

    value: str
    label: Maybe[str] = UNSET
    is_primary: bool = False


@attrs.frozen(kw_only=True)
class Correspondent:
    """A sender or recipient of an :class:`EmailMessage`.

    ``address`` is the email address; ``display`` the name shown for it (the header's name, or
    the address itself when there was none); ``entity`` the contact or user the address was
    matched to (None when it matched nobody).
    """

    address: str
    display: Maybe[str | None] = UNSET
    entity: Maybe[Ref | None] = UNSET


@attrs.frozen(kw_only=True)
class Url:
    """One web address of a contact or account."""

    value: str
    label: Maybe[str] = UNSET
    is_primary: bool = False


@attrs.frozen(kw_only=True)
class Phone:
    """One phone number. ``value`` is the number as typed; the rest is the server's parse."""

    value: Maybe[str] = UNSET
    label: Maybe[str] = UNSET
    is_primary: bool = False
    country_code: Maybe[str | None] = UNSET
    number: Maybe[str | None] = UNSET
    extension: Maybe[str | None] = UNSET
    formatted: Maybe[str | None] = UNSET
    e164: Maybe[str | None] = UNSET
    is_opted_out: Maybe[bool] = UNSET


@attrs.frozen(kw_only=True)
class Address:
    """One postal address."""

    label: Maybe[str] = UNSET
    is_primary: bool = False
    address_1: Maybe[str | None] = UNSET
    address_2: Maybe[str | None] = UNSET
    address_3: Maybe[str | None] = UNSET
    city: Maybe[str | None] = UNSET
    state: Maybe[str | None] = UNSET
    postal_code: Maybe[str | None] = UNSET
    country: Maybe[str | None] = UNSET
    timezone: Maybe[str | None] = UNSET
    latitude: Maybe[float | None] = UNSET
    longitude: Maybe[float | None] = UNSET
    location_accuracy: Maybe[str | None] = UNSET


#: The name REST gives a contact point that has no label of its own, by the point's class
#: (recorded: ``{"name": "email"}``, ``"url"``, ``"address"``; ``"phone"`` is assumed). The
#: legacy API keys such a value by its position instead, so both views read this one table.
DEFAULT_POINT_LABELS: Final[Mapping[type, str]] = {
    Email: "email",
    Url: "url",
    Phone: "phone",
    Address: "address",
}


@attrs.frozen(kw_only=True)
class PersonName:
    """A person's name in parts, as the RPC API returns it on full contact records."""

    given: Maybe[str | None] = UNSET
    family: Maybe[str | None] = UNSET
    salutation: Maybe[str | None] = UNSET
    display: Maybe[str | None] = UNSET


@attrs.frozen(kw_only=True)
class Ref:
    """A link to another record.

    ``entity`` is a model class name (``"Account"``); ``id`` the numeric id both APIs share.
    ``record`` carries the linked record when the wire embedded it (an RPC stub) or side-loaded
    it (a REST ``included`` array); ``relationship`` is the RPC role text on lead contacts.
    """

    entity: str
    id: Maybe[int] = UNSET
    name: Maybe[str | None] = UNSET
    relationship: Maybe[str | None] = UNSET
    record: Record | None = attrs.field(default=None, eq=False, repr=False)


# -- records ------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Record:
    """Fields every Nutshell record has. Subclasses declare their wire type names."""

    entity: ClassVar[str] = "Record"
    rpc_type: ClassVar[str] = ""
    rest_type: ClassVar[str] = ""

    id: Maybe[int] = UNSET
    rev: Maybe[str] = UNSET
    stub: Maybe[bool] = UNSET
    created_time: Maybe[datetime | None] = UNSET
    modified_time: Maybe[datetime | None] = UNSET
    deleted_time: Maybe[datetime | None] = UNSET
    memo: WireMemo | None = attrs.field(default=None, eq=False, hash=False, repr=False)

    @property
    def extra(self) -> Mapping[str, Any]:
        """Wire keys the model does not know, verbatim (empty when there were none)."""
        return self.memo.extra if self.memo is not None else {}

    def ref(self) -> Ref:
        """A :class:`Ref` pointing at this record."""
        name = getattr(self, "name", UNSET)
        return Ref(entity=self.entity, id=self.id, name=name, record=self)


@attrs.frozen(kw_only=True)
class Lead(Record):
    """A sales opportunity."""

    entity: ClassVar[str] = "Lead"
    rpc_type: ClassVar[str] = "Leads"
    rest_type: ClassVar[str] = "leads"

    name: Maybe[str | None] = UNSET
    number: Maybe[str | None] = UNSET
    description: Maybe[str | None] = UNSET
    status: Maybe[LeadStatus] = UNSET
    confidence: Maybe[int | None] = UNSET
    completion: Maybe[int | None] = UNSET
    priority: Maybe[int | None] = UNSET
    is_overdue: Maybe[bool | None] = UNSET
    value: Maybe[Money | None] = UNSET
    due_time: Maybe[datetime | None] = UNSET
    closed_time: Maybe[datetime | None] = UNSET
    last_contacted_time: Maybe[datetime | None] = UNSET
    html_url: Maybe[str | None] = UNSET
    creator: Maybe[Ref | None] = UNSET
    owner: Maybe[Ref | None] = UNSET
    primary_account: Maybe[Ref | None] = UNSET
    accounts: Maybe[tuple[Ref, ...]] = UNSET
    contacts: Maybe[tuple[Ref, ...]] = UNSET
    products: Maybe[tuple[Ref, ...]] = UNSET
    sources: Maybe[tuple[Ref, ...]] = UNSET
    competitors: Maybe[tuple[Ref, ...]] = UNSET
    tags: Maybe[tuple[Ref, ...]] = UNSET
    notes: Maybe[tuple[Ref, ...]] = UNSET
    stage: Maybe[Ref | None] = UNSET
    stageset: Maybe[Ref | None] = UNSET
    outcome: Maybe[Ref | None] = UNSET
    market: Maybe[Ref | None] = UNSET
    territory: Maybe[Ref | None] = UNSET
    custom_fields: Maybe[Mapping[str, Any]] = UNSET


@attrs.frozen(kw_only=True)
class _Party(Record):
    """Fields people and companies share."""

    name: Maybe[str | None] = UNSET
    description: Maybe[str | None] = UNSET
    emails: Maybe[tuple[Email, ...]] = UNSET
    phones: Maybe[tuple[Phone, ...]] = UNSET
    urls: Maybe[tuple[Url, ...]] = UNSET
    addresses: Maybe[tuple[Address, ...]] = UNSET
    html_url: Maybe[str | None] = UNSET
    avatar_url: Maybe[str | None] = UNSET
    creator: Maybe[Ref | None] = UNSET
    owner: Maybe[Ref | None] = UNSET
    leads: Maybe[tuple[Ref, ...]] = UNSET
    tags: Maybe[tuple[Ref, ...]] = UNSET
    notes: Maybe[tuple[Ref, ...]] = UNSET
    territory: Maybe[Ref | None] = UNSET
    last_contacted_time: Maybe[datetime | None] = UNSET
    custom_fields: Maybe[Mapping[str, Any]] = UNSET


@attrs.frozen(kw_only=True)
class Contact(_Party):
    """A person ("People" in Nutshell's UI)."""

    entity: ClassVar[str] = "Contact"
    rpc_type: ClassVar[str] = "Contacts"
    rest_type: ClassVar[str] = "contacts"

    person_name: Maybe[PersonName] = UNSET
    first_name: Maybe[str | None] = UNSET
    last_name: Maybe[str | None] = UNSET
    job_title: Maybe[str | None] = UNSET
    accounts: Maybe[tuple[Ref, ...]] = UNSET


@attrs.frozen(kw_only=True)
class Account(_Party):
    """A company ("Companies" in Nutshell's UI)."""

    entity: ClassVar[str] = "Account"
    rpc_type: ClassVar[str] = "Accounts"
    rest_type: ClassVar[str] = "accounts"

    contacts: Maybe[tuple[Ref, ...]] = UNSET
    industry: Maybe[Ref | None] = UNSET
    account_type: Maybe[Ref | None] = UNSET


@attrs.frozen(kw_only=True)
class Activity(Record):
    """A call, meeting or other logged or scheduled activity."""

    entity: ClassVar[str] = "Activity"
    rpc_type: ClassVar[str] = "Activities"
    rest_type: ClassVar[str] = "activities"

    name: Maybe[str | None] = UNSET
    description: Maybe[str | None] = UNSET
    activity_type: Maybe[Ref | None] = UNSET
    status: Maybe[ActivityStatus] = UNSET
    start_time: Maybe[datetime | None] = UNSET
    end_time: Maybe[datetime | None] = UNSET
    is_all_day: Maybe[bool | None] = UNSET
    is_flagged: Maybe[bool | None] = UNSET
    is_timed: Maybe[bool | None] = UNSET
    location: Maybe[str | None] = UNSET
    leads: Maybe[tuple[Ref, ...]] = UNSET
    participants: Maybe[tuple[Ref, ...]] = UNSET
    logged_by: Maybe[Ref | None] = UNSET
    log_note: Maybe[Ref | None] = UNSET


@attrs.frozen(kw_only=True)
class Task(Record):
    """A to-do attached to a record and assigned to a user or team."""

    entity: ClassVar[str] = "Task"
    rpc_type: ClassVar[str] = "Tasks"
    rest_type: ClassVar[str] = "tasks"

    title: Maybe[str | None] = UNSET
    description: Maybe[str | None] = UNSET
    due_time: Maybe[datetime | None] = UNSET
    completed_time: Maybe[datetime | None] = UNSET
    assignee: Maybe[Ref | None] = UNSET
    related: Maybe[Ref | None] = UNSET


@attrs.frozen(kw_only=True)
class Note(Record):
    """A note on a lead, contact or account."""

    entity: ClassVar[str] = "Note"
    rpc_type: ClassVar[str] = "Notes"
    rest_type: ClassVar[str] = "notes"

    body: Maybe[str | None] = UNSET
    body_markup: Maybe[str | None] = UNSET
    body_html: Maybe[str | None] = UNSET
    date: Maybe[datetime | None] = UNSET
    user: Maybe[Ref | None] = UNSET
    parent: Maybe[Ref | None] = UNSET


@attrs.frozen(kw_only=True)
class EmailMessage(Record):
    """An email on Nutshell's timeline: sent from the app or logged by BCC ("Email" in both APIs).

    Named apart from :class:`Email`, the address value object. ``from_`` is the wire's
    ``from`` (a Python keyword). ``body`` is the whole text (the RPC API sends it); ``excerpt``
    is the REST API's shortened text. ``contacts``, ``users``, ``leads`` and ``accounts`` are
    the records the email is filed on.
    """

    entity: ClassVar[str] = "Email"
    rpc_type: ClassVar[str] = "Emails"
    rest_type: ClassVar[str] = "emails"

    subject: Maybe[str | None] = UNSET
    body: Maybe[str | None] = UNSET
    excerpt: Maybe[str | None] = UNSET
    sent_time: Maybe[datetime | None] = UNSET
    from_: Maybe[tuple[Correspondent, ...]] = UNSET
    to: Maybe[tuple[Correspondent, ...]] = UNSET
    cc: Maybe[tuple[Correspondent, ...]] = UNSET
    contacts: Maybe[tuple[Ref, ...]] = UNSET
    users: Maybe[tuple[Ref, ...]] = UNSET
    leads: Maybe[tuple[Ref, ...]] = UNSET
    accounts: Maybe[tuple[Ref, ...]] = UNSET
    html_url: Maybe[str | None] = UNSET


@attrs.frozen(kw_only=True)
class Product(Record):
    """A product or service that can be attached to leads."""

    entity: ClassVar[str] = "Product"
    rpc_type: ClassVar[str] = "Products"
    rest_type: ClassVar[str] = "products"

    name: Maybe[str | None] = UNSET
    sku: Maybe[str | None] = UNSET
    unit: Maybe[str | None] = UNSET
    product_type: Maybe[str | None] = UNSET
    price: Maybe[Money | None] = UNSET


@attrs.frozen(kw_only=True)
class ProductMap(Record):
    """A product attached to a lead, with its quantity and price on that lead."""

    entity: ClassVar[str] = "ProductMap"
    rpc_type: ClassVar[str] = "Products"
    rest_type: ClassVar[str] = "productMaps"

    name: Maybe[str | None] = UNSET
    product: Maybe[Ref | None] = UNSET
    lead: Maybe[Ref | None] = UNSET
    quantity: Maybe[float | None] = UNSET
    price: Maybe[Money | None] = UNSET
    unit: Maybe[str | None] = UNSET


@attrs.frozen(kw_only=True)
class Stageset(Record):
    """A pipeline (a "stageset" in both APIs)."""

    entity: ClassVar[str] = "Stageset"
    rpc_type: ClassVar[str] = "Stagesets"
    rest_type: ClassVar[str] = "stagesets"

    name: Maybe[str | None] = UNSET
    is_default: Maybe[bool | None] = UNSET
    position: Maybe[int | None] = UNSET
    stages: Maybe[tuple[Ref, ...]] = UNSET


@attrs.frozen(kw_only=True)
class Stage(Record):
    """A stage of a pipeline (a "milestone" in the RPC API)."""

    entity: ClassVar[str] = "Stage"
    rpc_type: ClassVar[str] = "Milestones"
    rest_type: ClassVar[str] = "stages"

    name: Maybe[str | None] = UNSET
    description: Maybe[str | None] = UNSET
    position: Maybe[int | None] = UNSET
    stageset: Maybe[Ref | None] = UNSET


@attrs.frozen(kw_only=True)
class Outcome(Record):
    """A way a lead closes: won, lost or cancelled."""

    entity: ClassVar[str] = "Outcome"
    rpc_type: ClassVar[str] = "Lead_Outcomes"
    rest_type: ClassVar[str] = "outcomes"

    name: Maybe[str | None] = UNSET
    status: Maybe[LeadStatus] = UNSET


@attrs.frozen(kw_only=True)
class User(Record):
    """A Nutshell user."""

    entity: ClassVar[str] = "User"
    rpc_type: ClassVar[str] = "Users"
    rest_type: ClassVar[str] = "users"

    name: Maybe[str | None] = UNSET
    first_name: Maybe[str | None] = UNSET
    last_name: Maybe[str | None] = UNSET
    emails: Maybe[tuple[str, ...]] = UNSET
    is_enabled: Maybe[bool | None] = UNSET
    is_administrator: Maybe[bool | None] = UNSET
    teams: Maybe[tuple[Ref, ...]] = UNSET


@attrs.frozen(kw_only=True)
class _Named(Record):
    """A reference-data record that is little more than a name."""

    name: Maybe[str | None] = UNSET


@attrs.frozen(kw_only=True)
class Team(_Named):
    """A team of users."""

    entity: ClassVar[str] = "Team"
    rpc_type: ClassVar[str] = "Teams"
    rest_type: ClassVar[str] = "teams"


@attrs.frozen(kw_only=True)
class Tag(_Named):
    """A tag; ``applies_to`` is the model class name of what it tags (``"Lead"``...)."""

    entity: ClassVar[str] = "Tag"
    rpc_type: ClassVar[str] = "Tags"
    rest_type: ClassVar[str] = "tags"

    applies_to: Maybe[str | None] = UNSET


@attrs.frozen(kw_only=True)
class Source(_Named):
    """Where a lead came from."""

    entity: ClassVar[str] = "Source"
    rpc_type: ClassVar[str] = "Sources"
    rest_type: ClassVar[str] = "sources"

    channel: Maybe[int | None] = UNSET


@attrs.frozen(kw_only=True)
class Market(_Named):
    """A market (currency and price list region)."""

    entity: ClassVar[str] = "Market"
    rpc_type: ClassVar[str] = "Markets"
    rest_type: ClassVar[str] = "markets"


@attrs.frozen(kw_only=True)
class Territory(_Named):
    """A sales territory."""

    entity: ClassVar[str] = "Territory"
    rpc_type: ClassVar[str] = "Territories"
    rest_type: ClassVar[str] = "territories"


@attrs.frozen(kw_only=True)
class Industry(_Named):
    """An industry a company belongs to."""

    entity: ClassVar[str] = "Industry"
    rpc_type: ClassVar[str] = "Industries"
    rest_type: ClassVar[str] = "industries"


@attrs.frozen(kw_only=True)
class AccountType(_Named):
    """A kind of company (customer, partner...)."""

    entity: ClassVar[str] = "AccountType"
    rpc_type: ClassVar[str] = "Account_Types"
    rest_type: ClassVar[str] = "accountTypes"


@attrs.frozen(kw_only=True)
class ActivityType(_Named):
    """A kind of activity (phone call, meeting...)."""

    entity: ClassVar[str] = "ActivityType"
    rpc_type: ClassVar[str] = "Activity_Types"
    rest_type: ClassVar[str] = "activityTypes"


@attrs.frozen(kw_only=True)
class Competitor(_Named):
    """A competitor on leads."""

    entity: ClassVar[str] = "Competitor"
    rpc_type: ClassVar[str] = "Competitors"
    rest_type: ClassVar[str] = "competitors"


@attrs.frozen(kw_only=True)
class CustomField(Record):
    """The definition of a custom field on leads, contacts or accounts.

    ``applies_to`` is the model class name of what the field is on (``"Lead"``...): neither
    wire carries it in the definition (the RPC API groups definitions by type, REST serves
    them per type), so the converters leave it unset and the reader of a list sets it.
    ``field_type`` is REST's lowercase spelling (``"enum"``, ``"currency"``); ``choices`` maps
    each choice's id to its label, in display order (enum fields only).
    """

    entity: ClassVar[str] = "CustomField"
    rpc_type: ClassVar[str] = "CustomFields"
    rest_type: ClassVar[str] = "customFields"

    name: Maybe[str | None] = UNSET
    title: Maybe[str | None] = UNSET
    field_type: Maybe[str | None] = UNSET
    applies_to: Maybe[str | None] = UNSET
    is_multiple: Maybe[bool | None] = UNSET
    position: Maybe[int | None] = UNSET
    choices: Maybe[Mapping[str, str]] = UNSET


@attrs.frozen(kw_only=True)
class Audience(_Named):
    """An email-marketing audience (REST ``emAudiences``)."""

    entity: ClassVar[str] = "Audience"
    rpc_type: ClassVar[str] = "Audiences"
    rest_type: ClassVar[str] = "emAudiences"

    is_web_fx: Maybe[bool | None] = UNSET


#: Every record class by model name.
ENTITIES: Mapping[str, type[Record]] = {
    cls.entity: cls
    for cls in (
        Lead,
        Contact,
        Account,
        Activity,
        Task,
        Note,
        EmailMessage,
        Product,
        ProductMap,
        Stageset,
        Stage,
        Outcome,
        User,
        Team,
        Tag,
        Source,
        Market,
        Territory,
        Industry,
        AccountType,
        ActivityType,
        Competitor,
        CustomField,
        Audience,
    )
}

_BY_RPC_TYPE: Mapping[str, type[Record]] = {
    cls.rpc_type: cls for cls in ENTITIES.values() if cls is not ProductMap
}
_BY_REST_TYPE: Mapping[str, type[Record]] = {
    cls.rest_type.lower(): cls for cls in ENTITIES.values()
}

WireName = Literal["rpc", "rest"]


def entity_class(name: str) -> type[Record]:
    """The record class for a model name (``"Lead"``); raises ``LookupError`` if unknown."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise LookupError(f"no model class named {name!r}") from None


def entity_for_rpc_type(entity_type: str) -> type[Record] | None:
    """The record class for an RPC ``entityType`` (``"Leads"``), or None if the model has none."""
    return _BY_RPC_TYPE.get(entity_type)


def entity_for_rest_type(rest_type: str) -> type[Record] | None:
    """The record class for a REST ``type`` (``"leads"``), or None if the model has none."""
    return _BY_REST_TYPE.get(rest_type.lower())
