"""Converting between Nutshell's REST wire format and the shared domain model.

Each record class in :data:`nutshell_core.model.ENTITIES` has a declared
:class:`~nutshell_core.wiremap.RecordMap`; :func:`make_rest_converter` registers cattrs hooks
that run them through :mod:`nutshell_core.wiremap`, so ``wire -> model -> same wire`` is exact
(keys the model does not know, display strings of time objects, untyped ``links`` members and
key order all survive). Envelopes, API errors and events are in :mod:`nutshell_rest.envelope`.

Ids are ``"<n>-<type>"`` strings on the wire (``"1003-leads"``) and ints in the model; a
relation in ``links`` becomes a :class:`~nutshell_core.model.Ref` whose entity comes from the
id's type (``"2-teams"`` -> ``Team``). REST types the model has no class for (``"origins"``)
are kept verbatim as the Ref's entity.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs
import cattrs

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
    Industry,
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
    Team,
    Territory,
    Unset,
    Url,
    User,
    entity_for_rest_type,
)
from nutshell_core.wiremap import SLOW, Field, RecordMap
from nutshell_rest._codecs import (
    LOAD_ERRORS,
    Conv,
    Link,
    RestMap,
    TimeStyle,
    attr_field,
    dump_decimal,
    dump_money,
    format_id,
    id_field,
    id_from_ref,
    lenient_field,
    links_field,
    list_codec,
    load_flag,
    load_float,
    load_int,
    load_money,
    load_text,
    load_text_list,
    parse_id,
    parse_server_id,
    ref_from_id,
    structure_exact,
    time_field,
    type_field,
    unstructure_exact,
)
from nutshell_rest._email_codecs import EMAIL_MAP
from nutshell_rest._points import (
    dump_address,
    dump_email,
    dump_phone,
    load_address,
    load_email,
    load_phone,
    load_url,
    read_addresses,
    read_emails,
    read_phones,
    read_urls,
)

__all__ = [
    "REST_MAPS",
    "default_converter",
    "format_id",
    "id_for_ref",
    "make_rest_converter",
    "parse_id",
    "parse_server_id",
    "record_to_rest_input",
    "ref_for_id",
    "structure_record",
    "unstructure_record",
]

# -- field shorthands ---------------------------------------------------------------------------


def _text(key: str, attr: str | None = None) -> Field:
    return attr_field(key, attr or key, load_text)


def _flag(key: str, attr: str) -> Field:
    return attr_field(key, attr, load_flag)


def _int(key: str, attr: str | None = None) -> Field:
    return attr_field(key, attr or key, load_int)


def _points(key: str, load: Conv, dump: Conv, read: Conv) -> Field:
    return attr_field(key, key, *list_codec(load, dump), read=read)


def _one(key: str, entity: str | None, attr: str | None = None) -> Link:
    return Link(key, attr or key, entity)


def _many(key: str, entity: str | None, attr: str | None = None) -> Link:
    return Link(key, attr or key, entity, many=True)


def _custom_fields(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _lead_number(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return load_text(value)


def _lead_status(value: Any) -> LeadStatus:
    if isinstance(value, int) and not isinstance(value, bool):
        return LeadStatus(value)
    if not isinstance(value, str):
        raise TypeError(f"expected a status string, got {type(value).__name__}")
    return LeadStatus.from_rest(value)


def _outcome_status() -> Field:
    """An outcome's status (its spelling is unconfirmed): one the model cannot read stays
    verbatim in the memo instead of failing the record."""

    def load(value: Any) -> Mapping[str, Any]:
        try:
            return {"status": _lead_status(value)}
        except (TypeError, ValueError):
            return {}

    return Field("status", load, attr_field("status", "status", dump=_rest_spelling).dump)


def _rest_spelling(status: LeadStatus) -> str:
    return status.rest


#: Statuses by the spelling the dump writes (only those read back exactly).
_STATUS_BY_REST: Final = {status.rest: status for status in LeadStatus}


def _read_status(value: Any) -> Any:
    return _STATUS_BY_REST.get(value, SLOW) if type(value) is str else SLOW


def _read_number(value: Any) -> Any:
    return value if value is None or type(value) is str else SLOW


_TAG_TYPES: Final = {"1": "Lead", "2": "Contact", "3": "Account"}


def _tag_type(value: Any) -> str | None:
    text = load_text(value)
    if text is None:
        return None
    if text in _TAG_TYPES:
        return _TAG_TYPES[text]
    cls = entity_for_rest_type(text)
    return cls.entity if cls is not None else text


def _dump_tag_type(applies_to: str | None) -> str | None:
    cls = ENTITIES.get(applies_to) if applies_to is not None else None
    return cls.rest_type if cls is not None else applies_to


def _channel(value: Any) -> int | None:
    """A source channel: ``{"value": 1, "display": "Organic search"}`` or a bare int."""
    if isinstance(value, Mapping):
        value = value.get("value")
    return load_int(value)


def _dump_channel(channel: int | None) -> dict[str, int] | None:
    return None if channel is None else {"value": channel}


def _choices(value: Any) -> Mapping[str, str]:
    """A custom field's ``choices``: a list of labels (OAS ``CustomFieldCreateInput``), keyed
    here by position from 1, since REST names no choice ids."""
    if not isinstance(value, list):
        raise TypeError(f"expected a list of choices, got {type(value).__name__}")
    labels = [load_text(item) for item in value]
    if any(label is None for label in labels):
        raise TypeError("a choice is not a string")
    return {str(index): str(label) for index, label in enumerate(labels, start=1)}


def _dump_choices(choices: Mapping[str, str]) -> list[str]:
    return list(choices.values())


def _record_map(
    cls: type[Record],
    fields: Sequence[Field] = (),
    links: Sequence[Link] = (),
    times: TimeStyle = "unix",
    **fixups: Any,
) -> RestMap:
    """id, type, the class's fields, the three record times, then ``links``."""
    record_times = (
        time_field(key, attr, times)
        for key, attr in (
            ("createdTime", "created_time"),
            ("modifiedTime", "modified_time"),
            ("deletedTime", "deleted_time"),
        )
    )
    fields = (id_field(cls), type_field(cls), *fields, *record_times, links_field(links))
    return RestMap(RecordMap(cls, fields), **fixups)


# -- activity status: derived from isLogged / isCancelled / isOverdue ----------------------------

_STATUS_FLAGS: Final = ("isCancelled", "isLogged", "isOverdue")


def _derive_status(data: Mapping[str, Any]) -> ActivityStatus | Unset:
    flags = {key: data[key] for key in _STATUS_FLAGS if key in data}
    if not flags:
        return UNSET
    for key, value in flags.items():
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"{key}: expected a boolean, got {type(value).__name__}")
    if flags.get("isCancelled"):
        return ActivityStatus.CANCELLED
    if flags.get("isLogged"):
        return ActivityStatus.LOGGED
    if flags.get("isOverdue"):
        return ActivityStatus.OVERDUE
    return ActivityStatus.SCHEDULED


def _activity_prepare(values: dict[str, Any], data: Mapping[str, Any]) -> None:
    status = _derive_status(data)
    if not isinstance(status, Unset):
        values["status"] = status


def _activity_rendered(record: Record, out: dict[str, Any]) -> dict[str, Any]:
    """Set the flags from ``status`` when what would be rendered no longer says it."""
    status = getattr(record, "status", UNSET)
    if isinstance(status, Unset) or _derive_status(out) == status:
        return out
    out["isCancelled"] = status is ActivityStatus.CANCELLED
    if status is not ActivityStatus.CANCELLED:
        out["isLogged"] = status is ActivityStatus.LOGGED
    out["isOverdue"] = status is ActivityStatus.OVERDUE
    return out


# -- a lead's primary account: the first of links.accounts -------------------------------------


def _same_ref(one: Ref, other: Ref) -> bool:
    return (one.entity, one.id) == (other.entity, other.id)


def _lead_prepare(values: dict[str, Any], data: Mapping[str, Any]) -> None:
    """A REST lead's primary account is the first of ``links.accounts`` (REST has no link of
    its own for it; see the emulator's assumptions, "Primary account"); none when it has none.
    """
    accounts = values.get("accounts", UNSET)
    if not isinstance(accounts, Unset):
        values["primary_account"] = accounts[0] if accounts else None


def _lead_rendered(record: Record, out: dict[str, Any]) -> dict[str, Any]:
    """``links.accounts`` with the primary account first, the others after it in their order.

    A lead read from REST already lists its primary account first, so its list is left as it
    came (a wire round trip stays exact); a primary account the list does not start with (set
    by a caller, or read from the legacy API) is moved or added to the front.
    """
    assert isinstance(record, Lead)
    primary = record.primary_account
    if not isinstance(primary, Ref):
        return out
    accounts = record.accounts if isinstance(record.accounts, tuple) else ()
    if accounts and _same_ref(accounts[0], primary):
        return out
    ordered = [primary, *(ref for ref in accounts if not _same_ref(ref, primary))]
    links = out.get("links")
    out["links"] = {**(links if isinstance(links, Mapping) else {})}
    out["links"]["accounts"] = [id_from_ref(ref) for ref in ordered]
    return out


# -- the maps -----------------------------------------------------------------------------------

_PARTY_FIELDS: Final = (
    _text("name"),
    _text("description"),
    _points("emails", load_email, dump_email, read_emails),
    _points("phones", load_phone, dump_phone, read_phones),
    _points("urls", load_url, dump_email, read_urls),
    _points("addresses", load_address, dump_address, read_addresses),
    _text("htmlUrl", "html_url"),
    _text("avatarUrl", "avatar_url"),
    time_field("lastContactedTime", "last_contacted_time", "unix"),
    lenient_field("customFields", "custom_fields", _custom_fields),
)
_PARTY_LINKS: Final = (
    _one("creator", "User"),
    _one("owner", "User"),
    _one("territory", "Territory"),
    _many("tags", "Tag"),
)

_LEAD_FIELDS: Final = (
    _text("name"),
    _text("description"),
    attr_field("number", "number", _lead_number, read=_read_number),
    attr_field("status", "status", _lead_status, _rest_spelling, read=_read_status),
    _int("confidence"),
    _int("priority"),
    _flag("isOverdue", "is_overdue"),
    attr_field("value", "value", load_money, dump_money),
    time_field("dueTime", "due_time", "object"),
    time_field("closedTime", "closed_time", "object"),
    time_field("lastContactedTime", "last_contacted_time", "object"),
    _text("htmlUrl", "html_url"),
    lenient_field("customFields", "custom_fields", _custom_fields),
)
_LEAD_LINKS: Final = (
    _many("accounts", "Account"),
    _many("contacts", "Contact"),
    _many("tags", "Tag"),
    _many("sources", "Source"),
    _one("owner", "User"),
    _one("territory", "Territory"),
    _one("stage", "Stage"),
    _one("stageset", "Stageset"),
    _one("creator", "User"),
    _many("products", "Product"),
    _many("competitors", "Competitor"),
    _one("outcome", "Outcome"),
    _one("market", "Market"),
)
_ACTIVITY_FIELDS: Final = (
    _text("name"),
    _text("agenda", "description"),
    _text("location"),
    time_field("startTime", "start_time", "unix"),
    time_field("endTime", "end_time", "unix"),
    _flag("isAllDay", "is_all_day"),
    _flag("isFlagged", "is_flagged"),
)
_ACTIVITY_LINKS: Final = (
    _one("activityType", "ActivityType", "activity_type"),
    _many("accounts", "Account", "participants"),
    _many("contacts", "Contact", "participants"),
    _many("users", "User", "participants"),
    _many("leads", "Lead"),
    _one("logger", "User", "logged_by"),
    _one("logNote", "Note", "log_note"),
)
_USER_FIELDS: Final = (
    _text("name"),
    _text("firstName", "first_name"),
    _text("lastName", "last_name"),
    attr_field("emails", "emails", load_text_list, list),
    _flag("isEnabled", "is_enabled"),
    _flag("isAdministrator", "is_administrator"),
)
_TASK_FIELDS: Final = (
    _text("title"),
    _text("description"),
    time_field("dueTime", "due_time", "unix"),
    time_field("completedTime", "completed_time", "unix"),
)
_PRICE: Final = attr_field("price", "price", load_money, dump_money)
_NAMED: Final = (_text("name"),)

_MAPS: Final[tuple[RestMap, ...]] = (
    _record_map(
        Lead,
        _LEAD_FIELDS,
        _LEAD_LINKS,
        times="object",
        prepare=_lead_prepare,
        after_render=_lead_rendered,
    ),
    _record_map(
        Account,
        _PARTY_FIELDS,
        (
            *_PARTY_LINKS,
            _many("contacts", "Contact"),
            _one("accountType", "AccountType", "account_type"),
            _one("industry", "Industry"),
        ),
    ),
    _record_map(
        Contact,
        (
            *_PARTY_FIELDS,
            _text("jobTitle", "job_title"),
            _text("firstName", "first_name"),
            _text("lastName", "last_name"),
        ),
        (_many("accounts", "Account"), *_PARTY_LINKS),
    ),
    _record_map(
        Activity,
        _ACTIVITY_FIELDS,
        _ACTIVITY_LINKS,
        prepare=_activity_prepare,
        after_render=_activity_rendered,
    ),
    _record_map(
        Task, _TASK_FIELDS, (_one("assignee", "User"), _one("relatedEntity", None, "related"))
    ),
    _record_map(
        Note,
        (_text("body"), _text("bodyHtml", "body_html"), _text("bodyMarkup", "body_markup")),
        (_one("parent", None),),
    ),
    EMAIL_MAP,
    _record_map(
        Product,
        (*_NAMED, _text("sku"), _text("unit"), _text("productType", "product_type"), _PRICE),
    ),
    _record_map(
        ProductMap,
        (*_NAMED, attr_field("quantity", "quantity", load_float), _text("unit"), _PRICE),
        (_one("product", "Product"), _one("lead", "Lead")),
    ),
    _record_map(
        Stageset,
        (*_NAMED, _flag("default", "is_default"), _int("position")),
        (_many("stages", "Stage"),),
    ),
    _record_map(
        Stage,
        (*_NAMED, _text("description"), _int("position")),
        (_one("stageset", "Stageset"),),
    ),
    _record_map(
        Outcome,
        (*_NAMED, _outcome_status()),
    ),
    _record_map(User, _USER_FIELDS, (_many("teams", "Team"),)),
    _record_map(Tag, (*_NAMED, attr_field("tagType", "applies_to", _tag_type, _dump_tag_type))),
    _record_map(Source, (*_NAMED, attr_field("channel", "channel", _channel, _dump_channel))),
    *(
        _record_map(cls, _NAMED)
        for cls in (Team, Market, Territory, Industry, AccountType, ActivityType, Competitor)
    ),
    # The keys of OAS CustomFieldCreateInput; a definition's own kind is fieldType, since
    # every REST record's ``type`` is its resource type.
    _record_map(
        CustomField,
        (
            *_NAMED,
            _text("title"),
            _text("fieldType", "field_type"),
            _flag("isMultiple", "is_multiple"),
            attr_field("choices", "choices", _choices, _dump_choices),
        ),
    ),
    _record_map(Audience, (*_NAMED, _flag("isWebFX", "is_web_fx"))),
)

#: The REST map of every record class in ENTITIES.
REST_MAPS: Final[Mapping[type[Record], RestMap]] = {m.record_map.cls: m for m in _MAPS}

# -- records ------------------------------------------------------------------------------------


def _rest_map(cls: type[Record]) -> RestMap:
    try:
        return REST_MAPS[cls]
    except KeyError:
        raise UsageError(f"no REST mapping for {cls.__name__}") from None


def structure_record(data: Any, cls: type[Record] | None = None, *, path: str = "$") -> Record:
    """A REST record object -> model record; the class comes from ``type`` when not given.

    Raises MalformedResponseError naming ``path`` on anything it cannot read.
    """
    if cls is None:
        if not isinstance(data, Mapping):
            raise MalformedResponseError(
                "expected a record object", problems=(f"got {type(data).__name__} @ {path}",)
            )
        rest_type = data.get("type")
        found = entity_for_rest_type(rest_type) if isinstance(rest_type, str) else None
        if found is None:
            raise MalformedResponseError(
                "not a record type the model knows", problems=(f"{rest_type!r} @ {path}.type",)
            )
        cls = found
    direct = _STRUCTURE.get(cls)
    if direct is not None:
        return direct(data, path)
    return structure_exact(_rest_map(cls), data, path)


def unstructure_record(record: Record) -> dict[str, Any]:
    """A model record -> its REST object (exactly the original when it came from REST)."""
    direct = _UNSTRUCTURE.get(type(record))
    if direct is not None:
        return direct(record)
    return unstructure_exact(_rest_map(type(record)), record)


# The compiled codecs of the maps without fix-ups, called straight (the hot path of paging).
_STRUCTURE: Final[Mapping[type[Record], Callable[[Any, str], Record]]] = {
    cls: rmap.codec.structure for cls, rmap in REST_MAPS.items() if rmap.after_load is None
}
_UNSTRUCTURE: Final[Mapping[type[Record], Callable[[Record], dict[str, Any]]]] = {
    cls: rmap.codec.unstructure for cls, rmap in REST_MAPS.items() if rmap.after_render is None
}


def ref_for_id(value: object, default_entity: str | None = None, *, path: str = "$") -> Ref:
    """A Ref for an id the server sent (``"2-teams"`` -> ``Ref(entity="Team", id=2)``).

    A plain integer id takes ``default_entity``; raises MalformedResponseError otherwise.
    """
    try:
        return ref_from_id(value, default_entity)
    except (TypeError, ValueError) as exc:
        raise MalformedResponseError("malformed id", problems=(f"{exc} @ {path}",)) from None


def id_for_ref(ref: Ref) -> str:
    """The REST id of a Ref (``Ref(entity="User", id=1)`` -> ``"1-users"``)."""
    return id_from_ref(ref)


# -- cattrs -------------------------------------------------------------------------------------


def _structure_hook(cls: type[Record]) -> Callable[[Any, Any], Record]:
    def structure(data: Any, _: Any) -> Record:
        return structure_record(data, cls)

    return structure


def _value_hooks(
    conv: cattrs.Converter, cls: type[Any], load: Callable[[Any], Any], dump: Callable[[Any], Any]
) -> None:
    def structure(data: Any, _: Any) -> Any:
        try:
            return load(data)
        except LOAD_ERRORS as exc:
            raise MalformedResponseError(
                f"cannot read {cls.__name__}", problems=(f"{exc} @ $",)
            ) from exc

    conv.register_structure_hook(cls, structure)
    conv.register_unstructure_hook(cls, dump)


def make_rest_converter() -> cattrs.Converter:
    """A new cattrs converter that speaks the REST wire for every model record class.

    ``conv.structure(obj, Lead)`` and ``conv.unstructure(lead)`` go through the declared
    wire maps (lossless round trips); Email, Url, Phone, Address and Money structure from and
    unstructure to their REST spelling too (their camelCase renaming is itself done by a
    private cattrs converter). ``conv.structure(obj, Record)`` dispatches on the object's
    ``type``. Bad input raises MalformedResponseError.
    """
    conv = cattrs.Converter()
    for cls in ENTITIES.values():
        conv.register_structure_hook(cls, _structure_hook(cls))
        conv.register_unstructure_hook(cls, unstructure_record)
    conv.register_structure_hook(Record, lambda data, _: structure_record(data))
    conv.register_unstructure_hook(Record, unstructure_record)
    _value_hooks(conv, Email, load_email, dump_email)
    _value_hooks(conv, Url, load_url, dump_email)
    _value_hooks(conv, Phone, load_phone, dump_phone)
    _value_hooks(conv, Address, load_address, dump_address)
    _value_hooks(conv, Money, load_money, dump_money)
    return conv


@functools.cache
def default_converter() -> cattrs.Converter:
    """A shared :func:`make_rest_converter` converter (do not register hooks on it)."""
    return make_rest_converter()


# -- write bodies -------------------------------------------------------------------------------

#: Keys the server sets; never sent in a create body.
_READ_ONLY: Final = frozenset(
    {
        "id",
        "href",
        "htmlUrl",
        "htmlUrlPath",
        "avatarUrl",
        "initials",
        "createdTime",
        "modifiedTime",
        "deletedTime",
        "closedTime",
        "lastContactedTime",
        "isOverdue",
        "number",
    }
)
#: Relations the server sets (a lead's outcome is set through ``POST /leads/{id}/status``).
_READ_ONLY_LINKS: Final[Mapping[type[Record], frozenset[str]]] = {Lead: frozenset({"outcome"})}


def _point_input(wire: Mapping[str, Any], value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value}
    if "name" in wire:
        out["name"] = wire["name"]
    if wire.get("isPrimary"):
        out["isPrimary"] = True
    return out


def _phone_input(phone: Phone) -> dict[str, Any]:
    typed = phone.value if not isinstance(phone.value, Unset) else phone.e164
    if isinstance(typed, Unset) or typed is None:
        typed = phone.number
    if isinstance(typed, Unset) or typed is None:
        raise UsageError("a phone needs a value, e164 or number to be sent")
    return _point_input(dump_phone(phone), typed)


def _address_input(address: Address) -> dict[str, Any]:
    wire = dump_address(address)
    value = {k: v for k, v in wire["value"].items() if k not in ("location", "locationAccuracy")}
    return _point_input(wire, value)


def _points_input(record: Record, out: dict[str, Any]) -> None:
    for key, render in (
        ("emails", lambda e: _point_input(dump_email(e), e.value)),
        ("urls", lambda u: _point_input(dump_email(u), u.value)),
        ("phones", _phone_input),
        ("addresses", _address_input),
    ):
        values = getattr(record, key, UNSET)
        if key in out and not isinstance(values, Unset):
            out[key] = [render(item) for item in values]


def _lead_input(record: Record, out: dict[str, Any]) -> None:
    assert isinstance(record, Lead)
    out.pop("status", None)
    name = out.pop("name", None)
    if "description" not in out and name is not None:
        out["description"] = name
    out.pop("value", None)
    if isinstance(record.value, Money) and record.value.amount is not None:
        out["manualValue"] = dump_decimal(record.value.amount)


def _activity_input(record: Record, out: dict[str, Any]) -> None:
    assert isinstance(record, Activity)
    if "agenda" in out:
        out["description"] = out.pop("agenda")
    for flag in _STATUS_FLAGS:
        out.pop(flag, None)
    if not isinstance(record.status, Unset):
        out["isLogged"] = record.status is ActivityStatus.LOGGED
    links = out.pop("links", {})
    if "activityType" in links:
        out["activityType"] = links.pop("activityType")
    wanted: dict[str, Any] = {}
    if not isinstance(record.participants, Unset):
        wanted["participants"] = [id_from_ref(ref) for ref in record.participants]
    if "leads" in links:
        wanted["leads"] = links["leads"]
    if wanted:
        out["links"] = wanted


def _note_input(record: Record, out: dict[str, Any]) -> None:
    for key in ("bodyHtml", "bodyMarkup"):
        out.pop(key, None)


def _task_input(record: Record, out: dict[str, Any]) -> None:
    assert isinstance(record, Task)
    out.pop("completedTime", None)


def _source_input(record: Record, out: dict[str, Any]) -> None:
    assert isinstance(record, Source)
    if "channel" in out:
        out["channel"] = record.channel


_TAG_NUMBERS: Final = {entity: number for number, entity in _TAG_TYPES.items()}


def _tag_input(record: Record, out: dict[str, Any]) -> None:
    assert isinstance(record, Tag)
    if isinstance(record.applies_to, str) and record.applies_to in _TAG_NUMBERS:
        out["tagType"] = _TAG_NUMBERS[record.applies_to]


def _product_map_input(record: Record, out: dict[str, Any]) -> None:
    assert isinstance(record, ProductMap)
    if isinstance(record.price, Money):
        out["price"] = {k: v for k, v in out["price"].items() if k != "formatted"}
    out.pop("name", None)
    out["type"] = ProductMap.rest_type
    out.setdefault("productType", record.extra.get("productType", "product"))


_INPUT_FIXUPS: Final[Mapping[type[Record], Callable[[Record, dict[str, Any]], None]]] = {
    Lead: _lead_input,
    Activity: _activity_input,
    Note: _note_input,
    Task: _task_input,
    Source: _source_input,
    Tag: _tag_input,
    ProductMap: _product_map_input,
}


def record_to_rest_input(record: Record) -> dict[str, Any]:
    """The fields of ``record`` that are set, shaped for a REST create (POST) body item.

    Server-set keys (id, href, times other than due/start/end, the creator...) are left out,
    relations go in ``links`` as id strings, contact points are ``{value, name?, isPrimary?}``,
    a lead's value is its ``manualValue`` and its name goes in ``description``; null and empty
    relations are left out (a new record has none anyway). The memo is
    ignored: this renders the typed fields only. Wrap the result as ``{"leads": [item]}``
    (notes: ``{"data": item}``).
    """
    bare = attrs.evolve(record, memo=None)
    out = {k: v for k, v in unstructure_record(bare).items() if k not in _READ_ONLY}
    del out["type"]
    links = out.pop("links", None)
    if isinstance(links, dict):
        skip = {"creator"} | _READ_ONLY_LINKS.get(type(record), frozenset())
        # null and [] are what a new record has anyway; only real relations are sent
        links = {k: v for k, v in links.items() if k not in skip and v is not None and v != []}
        if links:
            out["links"] = links
    _points_input(record, out)
    fixup = _INPUT_FIXUPS.get(type(record))
    if fixup is not None:
        fixup(record, out)
    return out
