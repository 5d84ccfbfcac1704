"""Convert between the JSON-RPC wire format and the shared domain model.

Every record class is declared once, as a table of :class:`~nutshell_core.wiremap.Field` rows
built from the small codecs in :mod:`nutshell_rpc._codecs`; the cattrs converter from
:func:`make_rpc_converter` delegates each record class to :func:`wiremap.structure` /
:func:`wiremap.unstructure` with its table, and has plain hooks for the value objects (Money,
Phone, Email, Url, Address, PersonName, datetime) and :class:`~nutshell_core.model.Ref`.

* :func:`record_from_rpc` / :func:`record_to_rpc`: one record; ``wire -> model -> wire`` is exact
  (unknown keys, ``-05:00`` offsets and odd spellings live in the record's memo).
* :func:`value_from_rpc` / :func:`value_to_rpc`: any ``result`` (lists, ``searchByEmail``'s
  ``{"contacts": [...]}``, ``findTags``' map...): every object with a known ``entityType``
  becomes a record, everything else (``Emails``, ``Processes``...) stays plain JSON.
* :func:`record_to_rpc_input`: a record's *set* fields in the shape ``new*``/``edit*`` take.

Bad input raises :class:`~nutshell_core.errors.MalformedResponseError` naming the path
(``$.contacts[0].id``).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, overload

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from nutshell_core import wiremap
from nutshell_core.errors import MalformedResponseError, UsageError
from nutshell_core.model import (
    ENTITIES,
    UNSET,
    Account,
    AccountType,
    Activity,
    ActivityStatus,
    ActivityType,
    Address,
    Audience,
    Competitor,
    Contact,
    CustomField,
    Email,
    EmailMessage,
    Industry,
    Lead,
    LeadStatus,
    Market,
    Money,
    Note,
    Outcome,
    PersonName,
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
    Team,
    Territory,
    Url,
    User,
    entity_for_rpc_type,
)
from nutshell_core.wiremap import Field, RecordMap
from nutshell_rpc._codecs import (
    PRODUCT_CODES,
    Sent,
    address_dump,
    address_input,
    address_load,
    as_text,
    contact_name_input,
    decimal_to_json,
    each,
    email_load,
    format_time,
    link,
    link_id,
    link_obj,
    money_dump,
    money_input,
    money_load,
    multi_input,
    nullable,
    parse_time,
    phone_dump,
    phone_input,
    phone_load,
    product_link,
    reroot,
    rpc_type_of,
    sent,
    tag_names,
    typed_link,
    url_load,
    value_of,
)
from nutshell_rpc._email_codecs import correspondents_field
from nutshell_rpc._fieldkit import FieldKit

__all__ = [
    "REQUIRED_KEYS",
    "WIRE",
    "check_required_keys",
    "default_converter",
    "make_rpc_converter",
    "record_from_rpc",
    "record_maps",
    "record_to_rpc",
    "record_to_rpc_input",
    "required_keys",
    "value_from_rpc",
    "value_to_rpc",
]

R = TypeVar("R", bound=Record)

#: The memo tag of records read from the JSON-RPC API.
WIRE = "rpc"

_RECORD_CLASSES: tuple[type[Record], ...] = tuple(ENTITIES.values())


# -- the tables ---------------------------------------------------------------------------------


def _record_maps(k: FieldKit) -> dict[type[Record], RecordMap]:
    """Every record class's RPC keys, in the order the API writes them."""

    def head(cls: type[Record]) -> tuple[Field, ...]:
        return (
            k.boolean("stub", null=False),
            k.integer("id", null=False),
            k.entity_type(cls),
            k.token("rev", null=False),
            k.time("modifiedTime", "modified_time"),
            k.time("createdTime", "created_time"),
        )

    tail = (k.time("deletedTime", "deleted_time"),)
    party = (
        k.text("description"),
        k.text("htmlUrl", "html_url"),
        k.text("avatarUrl", "avatar_url"),
        k.ref("creator", "creator", User),
        k.ref("owner", "owner", User),
        k.refs("leads", "leads", Lead),
        k.tags(),
        k.refs("notes", "notes", Note),
        k.ref("territory", "territory", Territory),
        k.time("lastContactedDate", "last_contacted_time"),
        k.mapping("customFields", "custom_fields"),
        k.multi("email", "emails", Email),
        k.multi("phone", "phones", Phone),
        k.multi("url", "urls", Url),
        k.multi("address", "addresses", Address),
    )
    named = (k.text("name"),)
    body: dict[type[Record], tuple[Field, ...]] = {
        Lead: (
            k.text("name"),
            k.text("description"),
            k.text("htmlUrl", "html_url"),
            k.ref("creator", "creator", User),
            k.ref("primaryAccount", "primary_account", Account),
            k.ref("milestone", "stage", Stage),
            k.ref("stageset", "stageset", Stageset),
            k.enum("status", "status", LeadStatus),
            k.integer("confidence"),
            k.integer("completion"),
            k.boolean("isOverdue", "is_overdue"),
            k.time("lastContactedDate", "last_contacted_time"),
            k.ref("market", "market", Market),
            k.ref("assignee", "owner", User),
            k.refs("sources", "sources", Source),
            k.refs("competitors", "competitors", Competitor),
            k.refs("products", "products", Product),
            k.refs("contacts", "contacts", Contact),
            k.refs("accounts", "accounts", Account),
            k.tags(),
            k.integer("priority"),
            k.time("dueTime", "due_time"),
            k.ref("outcome", "outcome", Outcome),
            k.time("closedTime", "closed_time"),
            k.value("value", "value", Money),
            k.mapping("customFields", "custom_fields"),
            k.refs("notes", "notes", Note),
            k.ref("territory", "territory", Territory),
        ),
        Contact: (
            k.contact_name(),
            k.text("jobTitle", "job_title"),
            *party,
            k.refs("accounts", "accounts", Account),
        ),
        Account: (
            k.text("name"),
            k.ref("accountType", "account_type", AccountType),
            k.ref("industry", "industry", Industry),
            *party,
            k.refs("contacts", "contacts", Contact),
        ),
        Activity: (
            k.text("name"),
            k.text("description"),
            k.ref("activityType", "activity_type", ActivityType),
            k.refs("leads", "leads", Lead),
            k.time("startTime", "start_time"),
            k.time("endTime", "end_time"),
            k.boolean("isAllDay", "is_all_day"),
            k.boolean("isTimed", "is_timed"),
            k.boolean("isFlagged", "is_flagged"),
            k.enum("status", "status", ActivityStatus),
            k.ref("loggedBy", "logged_by", User),
            k.refs("participants", "participants", Contact),
            k.ref("logNote", "log_note", Note),
            k.location(),
        ),
        Task: (
            k.text("title"),
            k.text("description"),
            k.time("dueTime", "due_time"),
            k.time("completedTime", "completed_time"),
            k.ref("assignee", "assignee", User),
            k.ref("entity", "related", Lead),
        ),
        Note: (
            k.text("note", "body"),
            k.text("noteMarkup", "body_markup"),
            k.text("noteHtml", "body_html"),
            k.ref("user", "user", User),
            k.time("date", "date"),
            k.parent("lead", Lead),
            k.parent("contact", Contact),
            k.parent("account", Account),
        ),
        # The order of the recorded emails (HULL api_findtimeline.json).
        EmailMessage: (
            k.time("sentTime", "sent_time"),
            correspondents_field("to", "to"),
            correspondents_field("from", "from_"),
            correspondents_field("cc", "cc"),
            k.text("subject"),
            k.text("body"),
            k.refs("contacts", "contacts", Contact),
            k.refs("users", "users", User),
            k.refs("leads", "leads", Lead),
            k.refs("accounts", "accounts", Account),
        ),
        Product: (
            *named,
            k.product_type(),
            k.text("sku"),
            k.text("unit"),
            k.value("price", "price", Money),
        ),
        ProductMap: (
            *named,
            k.number("quantity"),
            k.value("price", "price", Money),
            k.text("unit"),
        ),
        Stageset: (*named, k.flag01("default", "is_default"), k.integer("position")),
        Stage: (
            *named,
            k.text("description"),
            k.integer("position"),
            k.ref_id("stagesetId", "stageset", Stageset.entity),
        ),
        Outcome: (k.text("description", "name"), k.enum("type", "status", LeadStatus)),
        User: (
            *named,
            k.text("firstName", "first_name"),
            k.text("lastName", "last_name"),
            k.strings("emails", "emails"),
            k.boolean("isEnabled", "is_enabled"),
            k.boolean("isAdministrator", "is_administrator"),
        ),
        Source: (*named, k.integer("channel")),
        # The order of the HULL connector's findCustomFields example.
        CustomField: (
            *named,
            k.boolean("isMultiple", "is_multiple"),
            k.integer("position"),
            k.field_type(),
            k.mapping("enumElements", "choices"),
        ),
    }
    for cls in (
        Team,
        Tag,
        Market,
        Territory,
        Industry,
        AccountType,
        ActivityType,
        Competitor,
        Audience,
    ):
        body[cls] = named
    missing = set(_RECORD_CLASSES) - set(body)
    if missing:  # pragma: no cover - a model class added without an RPC table
        raise TypeError(f"no RPC field table for {sorted(c.entity for c in missing)}")
    return {cls: RecordMap(cls, (*head(cls), *rows, *tail)) for cls, rows in body.items()}


# -- the converter ------------------------------------------------------------------------------


#: ``Maybe[str | None]`` exactly as attrs resolved it on the value objects' fields.
_TEXT_OR_NULL: Any = attrs.fields(attrs.resolve_types(PersonName)).given.type


def _check_text(value: Any, _type: Any) -> str | None:
    return nullable(as_text)(value)


def _register_values(conv: cattrs.Converter) -> None:
    """Hooks for the value objects; records and Refs come after, from the tables."""
    conv.register_structure_hook(_TEXT_OR_NULL, _check_text)
    conv.register_structure_hook(datetime, lambda value, _t: parse_time(value))
    conv.register_unstructure_hook(datetime, format_time)
    conv.register_unstructure_hook(Decimal, decimal_to_json)
    conv.register_structure_hook(Money, lambda value, _t: money_load(value))
    conv.register_unstructure_hook(Money, money_dump)
    conv.register_structure_hook(Email, lambda value, _t: email_load(value))
    conv.register_unstructure_hook(Email, value_of)
    conv.register_structure_hook(Url, lambda value, _t: url_load(value))
    conv.register_unstructure_hook(Url, value_of)
    conv.register_structure_hook(Phone, lambda value, _t: phone_load(value))
    conv.register_unstructure_hook(Phone, phone_dump)
    conv.register_structure_hook(Address, lambda value, _t: address_load(value))
    conv.register_unstructure_hook(Address, address_dump)
    given, family = override(rename="givenName"), override(rename="familyName")
    display = override(rename="displayName")
    conv.register_structure_hook(
        PersonName,
        make_dict_structure_fn(PersonName, conv, given=given, family=family, display=display),
    )
    conv.register_unstructure_hook(
        PersonName,
        make_dict_unstructure_fn(
            PersonName,
            conv,
            _cattrs_omit_if_default=True,
            given=given,
            family=family,
            display=display,
        ),
    )


#: Keys that fill the same attribute, so at most one of them may carry a value.
_ONE_OF: Mapping[type[Record], tuple[str, ...]] = {Note: ("lead", "contact", "account")}


def _register_record(conv: cattrs.Converter, rmap: RecordMap) -> None:
    exclusive = _ONE_OF.get(rmap.cls, ())
    compiled = wiremap.codec(rmap, WIRE)
    structure = compiled.structure
    if not exclusive:  # the codec's own hook: no frame of ours between cattrs and its code
        conv.register_structure_hook(rmap.cls, compiled.hook)
        conv.register_unstructure_hook(rmap.cls, compiled.unstructure)
        return

    def structure_hook(data: Any, _type: Any) -> Record:
        if exclusive and isinstance(data, Mapping):
            present = [key for key in exclusive if data.get(key) is not None]
            if len(present) > 1:
                raise MalformedResponseError(
                    f"a {rmap.cls.entity} has one parent",
                    problems=(f"both {present[0]!r} and {present[1]!r} are set @ $",),
                )
        return structure(data)

    conv.register_structure_hook(rmap.cls, structure_hook)
    conv.register_unstructure_hook(rmap.cls, compiled.unstructure)


class _Converter(cattrs.Converter):
    """A cattrs converter that counts hook registrations, so that the hooks the field kit looks
    up once and keeps (nested records, money) are looked up again after any change."""

    hooks_version = 0

    def _changed(self) -> None:
        self.hooks_version += 1

    def register_structure_hook(self, *args: Any, **kwargs: Any) -> Any:
        """As cattrs; the kit's kept hooks are refreshed."""
        self._changed()
        try:
            return super().register_structure_hook(*args, **kwargs)
        finally:
            self._changed()  # a read while it was being stored kept the old hook: not for long

    def register_unstructure_hook(self, *args: Any, **kwargs: Any) -> Any:
        """As cattrs; the kit's kept hooks are refreshed."""
        self._changed()
        try:
            return super().register_unstructure_hook(*args, **kwargs)
        finally:
            self._changed()  # a read while it was being stored kept the old hook: not for long

    def register_structure_hook_func(self, *args: Any, **kwargs: Any) -> Any:
        """As cattrs; the kit's kept hooks are refreshed."""
        self._changed()
        try:
            return super().register_structure_hook_func(*args, **kwargs)
        finally:
            self._changed()  # a read while it was being stored kept the old hook: not for long

    def register_unstructure_hook_func(self, *args: Any, **kwargs: Any) -> Any:
        """As cattrs; the kit's kept hooks are refreshed."""
        self._changed()
        try:
            return super().register_unstructure_hook_func(*args, **kwargs)
        finally:
            self._changed()  # a read while it was being stored kept the old hook: not for long

    def register_structure_hook_factory(self, *args: Any, **kwargs: Any) -> Any:
        """As cattrs; the kit's kept hooks are refreshed."""
        self._changed()
        try:
            return super().register_structure_hook_factory(*args, **kwargs)
        finally:
            self._changed()  # a read while it was being stored kept the old hook: not for long

    def register_unstructure_hook_factory(self, *args: Any, **kwargs: Any) -> Any:
        """As cattrs; the kit's kept hooks are refreshed."""
        self._changed()
        try:
            return super().register_unstructure_hook_factory(*args, **kwargs)
        finally:
            self._changed()  # a read while it was being stored kept the old hook: not for long


def make_rpc_converter() -> cattrs.Converter:
    """A fresh cattrs converter between JSON-RPC values and the model.

    ``conv.structure(data, Lead)`` reads a record, ``conv.unstructure(lead)`` writes one; Refs,
    Money, phones, addresses, person names and datetimes have hooks too. Nested records and
    value objects go through the same converter, so a hook replaced on it applies everywhere.
    """
    conv = _Converter(detailed_validation=False)
    _register_values(conv)
    kit = FieldKit(conv)
    conv.register_unstructure_hook(Ref, kit.dump_ref)
    for rmap in _record_maps(kit).values():
        _register_record(conv, rmap)
    return conv


def record_maps(converter: cattrs.Converter | None = None) -> Mapping[type[Record], RecordMap]:
    """The RPC wire map of every record class, bound to ``converter`` (default: the shared
    one); :func:`nutshell_core.wiremap.verify` checks a read against them. Built afresh."""
    return _record_maps(FieldKit(converter or default_converter()))


@functools.cache
def default_converter() -> cattrs.Converter:
    """The module's shared converter (built on first use)."""
    return make_rpc_converter()


# -- public functions ---------------------------------------------------------------------------


def _rpc_class(data: Mapping[str, Any]) -> type[Record] | None:
    rpc_type = data.get("entityType")
    return entity_for_rpc_type(rpc_type) if isinstance(rpc_type, str) else None


# -- required keys ------------------------------------------------------------------------------

#: Keys every record the typed face reads must carry: without them ``{"x": 1}`` would be a record
#: of any class with every field unset.
REQUIRED_KEYS: tuple[str, ...] = ("id", "entityType")

#: More keys per class: those every recorded response (tests/fixtures/rpc: HULL and biguscj7)
#: carries on every top-level record of the entity, stubs included, limited to the keys that
#: say which version of the record it is (``rev``) and what it is called (``name``), so that a
#: real answer is never refused. Stagesets and emails are recorded without a rev, notes and
#: emails without a name; classes without recorded records need only REQUIRED_KEYS.
_REQUIRED_MORE: Mapping[type[Record], tuple[str, ...]] = {
    Lead: ("rev", "name"),
    Contact: ("rev", "name"),
    Account: ("rev", "name"),
    Activity: ("rev", "name"),
    ActivityType: ("rev", "name"),
    Stage: ("rev", "name"),
    Stageset: ("name",),
    Team: ("rev", "name"),
    User: ("rev", "name"),
    Market: ("rev", "name"),
    Product: ("rev", "name"),
    Source: ("rev", "name"),
    Note: ("rev",),
}


def required_keys(cls: type[Record]) -> tuple[str, ...]:
    """The keys a ``cls`` record must carry to be read by the typed face."""
    return REQUIRED_KEYS + _REQUIRED_MORE.get(cls, ())


def check_required_keys(data: Any, cls: type[Record], path: str = "$") -> None:
    """Raise MalformedResponseError naming each missing key (``missing @ $.id``).

    Structuring alone accepts any object (every field is optional in the model, as stubs
    need); a record answered to the typed face must at least say what it is.
    """
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            f"expected a {cls.entity} object", problems=(f"got {type(data).__name__} @ {path}",)
        )
    missing = [key for key in required_keys(cls) if key not in data]
    if missing:
        raise MalformedResponseError(
            f"a {cls.entity} without {', '.join(missing)}",
            problems=tuple(f"missing @ {path}.{key}" for key in missing),
        )


@overload
def record_from_rpc(
    data: Mapping[str, Any], cls: type[R], *, converter: cattrs.Converter | None = None
) -> R: ...
@overload
def record_from_rpc(
    data: Mapping[str, Any], cls: None = None, *, converter: cattrs.Converter | None = None
) -> Record: ...
def record_from_rpc(
    data: Mapping[str, Any],
    cls: type[Record] | None = None,
    *,
    converter: cattrs.Converter | None = None,
) -> Record:
    """Read one RPC record; without ``cls`` the class comes from its ``entityType``."""
    if cls is None:
        if not isinstance(data, Mapping):
            raise MalformedResponseError(
                "expected a record object", problems=(f"got {type(data).__name__} @ $",)
            )
        cls = _rpc_class(data)
        if cls is None:
            raise MalformedResponseError(
                "not a record type the model knows",
                problems=(f"entityType {data.get('entityType')!r} @ $.entityType",),
            )
    record: Record = (converter or default_converter()).structure(data, cls)
    return record


def record_to_rpc(record: Record, *, converter: cattrs.Converter | None = None) -> dict[str, Any]:
    """Write one record in RPC output form (exactly as read, unless it was changed)."""
    if not isinstance(record, _RECORD_CLASSES):
        raise UsageError(f"{type(record).__name__} is not a record class the RPC API has")
    rendered: dict[str, Any] = (converter or default_converter()).unstructure(record)
    return rendered


def value_from_rpc(value: Any, *, converter: cattrs.Converter | None = None) -> Any:
    """Any RPC result with every known-``entityType`` object read as a model record."""
    conv = converter or default_converter()

    def walk(item: Any, path: str) -> Any:
        if isinstance(item, list):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(item)]
        if not isinstance(item, Mapping):
            return item
        cls = _rpc_class(item)
        if cls is None:
            return {key: walk(v, f"{path}.{key}") for key, v in item.items()}
        try:
            return conv.structure(item, cls)
        except MalformedResponseError as exc:
            raise reroot(exc, path) from exc

    return walk(value, "")


def value_to_rpc(value: Any, *, converter: cattrs.Converter | None = None) -> Any:
    """The inverse of :func:`value_from_rpc`: records and value objects back to plain JSON."""
    conv = converter or default_converter()

    def walk(item: Any) -> Any:
        if isinstance(item, Record):
            return record_to_rpc(item, converter=conv)
        if isinstance(item, Mapping):
            return {key: walk(v) for key, v in item.items() if v is not UNSET}
        if isinstance(item, (list, tuple)):
            return [walk(v) for v in item]
        if isinstance(item, enum.Enum):
            return item.value
        if item is None or isinstance(item, (str, int, float)):
            return item
        return conv.unstructure(item)

    return walk(value)


# -- inputs for new* / edit* --------------------------------------------------------------------

_PARTY_INPUT: tuple[tuple[str, Sent], ...] = (
    ("description", sent("description")),
    ("email", sent("emails", multi_input(value_of))),
    ("phone", sent("phones", multi_input(phone_input))),
    ("url", sent("urls", multi_input(value_of))),
    ("address", sent("addresses", multi_input(address_input))),
    ("owner", sent("owner", typed_link)),
    ("territoryId", sent("territory", link_id)),
    ("tags", sent("tags", tag_names)),
    ("customFields", sent("custom_fields", dict)),
)
_NAME_INPUT = (("name", sent("name")),)

_INPUT: dict[type[Record], tuple[tuple[str, Sent], ...]] = {
    Lead: (
        ("description", sent("description")),
        ("status", sent("status", int)),
        ("confidence", sent("confidence")),
        ("priority", sent("priority")),
        ("dueTime", sent("due_time", format_time)),
        ("closedTime", sent("closed_time", format_time)),
        ("primaryAccount", sent("primary_account", link_obj)),
        ("accounts", sent("accounts", each(link_obj))),
        ("contacts", sent("contacts", each(functools.partial(link, typed=True)))),
        ("products", sent("products", each(product_link))),
        ("sources", sent("sources", each(link_obj))),
        ("competitors", sent("competitors", each(link))),
        ("market", sent("market", link_obj)),
        ("assignee", sent("owner", typed_link)),
        ("milestoneId", sent("stage", link_id)),
        ("stagesetId", sent("stageset", link_id)),
        ("outcome", sent("outcome", link_obj)),
        ("tags", sent("tags", tag_names)),
        ("customFields", sent("custom_fields", dict)),
    ),
    Contact: (
        ("name", contact_name_input),
        *_PARTY_INPUT,
        ("accounts", sent("accounts", each(link))),
        ("leads", sent("leads", each(link))),
    ),
    Account: (
        *_NAME_INPUT,
        ("industryId", sent("industry", link_id)),
        ("accountTypeId", sent("account_type", link_id)),
        *_PARTY_INPUT,
        ("contacts", sent("contacts", each(link))),
    ),
    Activity: (
        *_NAME_INPUT,
        ("description", sent("description")),
        ("activityTypeId", sent("activity_type", link_id)),
        ("startTime", sent("start_time", format_time)),
        ("endTime", sent("end_time", format_time)),
        ("isAllDay", sent("is_all_day")),
        ("isFlagged", sent("is_flagged")),
        ("isTimed", sent("is_timed")),
        ("status", sent("status", int)),
        ("location", sent("location")),
        ("participants", sent("participants", each(typed_link))),
        ("leads", sent("leads", each(link_obj))),
    ),
    Note: (("note", sent("body")),),
    Task: (
        ("title", sent("title")),
        ("description", sent("description")),
        ("dueTime", sent("due_time", format_time)),
        ("assignee", sent("assignee", typed_link)),
        ("entity", sent("related", typed_link)),
    ),
    Product: (
        *_NAME_INPUT,
        ("type", sent("product_type", lambda kind: PRODUCT_CODES.get(kind, kind))),
        ("sku", sent("sku")),
        ("unit", sent("unit")),
    ),
    ProductMap: (
        ("id", sent("product", link_id)),
        ("quantity", sent("quantity")),
        ("price", sent("price", money_input)),
    ),
    Stageset: (
        *_NAME_INPUT,
        ("default", sent("is_default", int)),
        ("position", sent("position")),
    ),
    Stage: (
        *_NAME_INPUT,
        ("description", sent("description")),
        ("position", sent("position")),
        ("stagesetId", sent("stageset", link_id)),
    ),
    Outcome: (("description", sent("name")), ("type", sent("status", int))),
    User: (
        ("firstName", sent("first_name")),
        ("lastName", sent("last_name")),
        ("emails", sent("emails", list)),
        ("isEnabled", sent("is_enabled")),
        ("isAdministrator", sent("is_administrator")),
    ),
    Tag: (*_NAME_INPUT, ("entityType", sent("applies_to", rpc_type_of))),
}
for _cls in (Team, Source, Market, Territory, Industry, AccountType, ActivityType, Competitor):
    _INPUT[_cls] = _NAME_INPUT


def record_to_rpc_input(record: Record) -> dict[str, Any]:
    """The record's *set* fields in the shape ``new*``/``edit*`` accept (a partial edit).

    Server-owned fields (id, rev, times, html_url, creator, completion...) are never sent;
    links become ids (``primaryAccount: {id}``, ``milestoneId``, ``assignee: {entityType,
    id}``), tags become names, a contact's name one string, multi-value fields label maps.
    """
    rows = next((_INPUT[cls] for cls in type(record).__mro__ if cls in _INPUT), None)
    if rows is None:
        raise UsageError(f"{type(record).__name__} cannot be sent to the RPC API")
    out: dict[str, Any] = {}
    for key, get in rows:
        value = get(record)
        if value is not UNSET:
            out[key] = value
    return out
