"""Read the entity objects that JSON-RPC ``new*``/``edit*`` calls send, as model attributes.

The input shapes are not the output shapes (jsonrpc-api.md §6, "Create/edit input keys"):
links go in as ``{id}`` objects or ``*Id`` integers, a contact's name as one string, tags as
names, and multi-value fields as a list or a label-keyed object::

    "phone": {"0": "734-555-9090", "cell": "734-555-6711"}
    "email": ["a@x.com"]
    "address": {"office": {"address_1": ..., "city": ..., "postalCode": ...}}

:class:`InputReader` turns one such object into a :class:`ParsedInput`: the model attribute
values to write, plus the keys that are not plain attributes (a ``note`` to append, a lead's
``outcome``/``status``/``stagesetId``/``milestoneId``, which go through the lead workflow,
and links written on the side of a relation that is kept on the other record).

Both writers of legacy input use this one reader, so a write means the same thing whichever
route it takes: the emulator's JSON-RPC front (over its store) and the bridge (over what REST
returned plus its reference cache). Referenced ids are looked up in an :class:`InputSource`:

* for a record class the source holds completely (``verified``), an id it lacks is refused;
* for any other class an unknown id is accepted as a bare link: a source that cannot see every
  record (the bridge) leaves that check to the API the write goes to;
* with no source at all nothing is looked up.

Every problem is an :class:`~nutshell_core.errors.InvalidRequestError` (HTTP 400, code -32602)
naming the field (``lead.contacts[1].id``): a caller never sees a KeyError or TypeError.

Keys a record *returns* but a call cannot set (``id``, ``rev``, ``htmlUrl``,
``activitiesCount``...) are ignored, so a client may send back a record it read; any other
unknown key is refused, because silently dropping it would hide a client bug.

Reading never writes. New tag names are links without an id until :meth:`InputReader.with_tags`
registers them through a callback the writer supplies (the emulator inserts into its store,
the bridge posts to REST), once the whole call has been validated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar, runtime_checkable

import attrs

from nutshell_core.errors import InvalidRequestError
from nutshell_core.model import (
    UNSET,
    Account,
    AccountType,
    Activity,
    ActivityStatus,
    ActivityType,
    Address,
    Competitor,
    Contact,
    Email,
    Industry,
    Lead,
    LeadStatus,
    Market,
    Money,
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
from nutshell_rpc._codecs import PRIMARY, parse_time
from nutshell_rpc._names import split_person_name

__all__ = [
    "InputReader",
    "InputSource",
    "ParsedInput",
    "TagFactory",
    "bad_input",
    "lead_stage",
    "note_html",
    "read_bool",
    "read_id",
    "read_ids",
    "read_int",
    "read_money",
    "read_number",
    "read_rev",
    "read_text",
    "read_time",
    "split_person_name",
]

R = TypeVar("R", bound=Record)


@runtime_checkable
class InputSource(Protocol):
    """Where the reader looks up the records an input links to.

    ``nutshell_emulator.store.Store`` and the bridge's REST view satisfy this structurally
    (it is the read-only part of :class:`nutshell_rpc.shapes.RecordSource` the reader needs).
    """

    def find(self, cls: type[R], record_id: int, /) -> R | None:
        """The live record of class ``cls`` with this id, or None when the source lacks it."""
        ...

    def all(self, cls: type[R], /) -> Sequence[R]:
        """Every live record of class ``cls`` the source holds, in id order."""
        ...


#: Registers a new tag ``(name, applies_to)`` and returns it with its id (see
#: :meth:`InputReader.with_tags`).
TagFactory = Callable[[str, str], Record]


def _every_class(_cls: type[Record]) -> bool:
    return True


#: Keys of RPC output that a client may echo back in an input object; they are not settable.
_OUTPUT_ONLY = frozenset(
    {
        "id",
        "entityType",
        "rev",
        "stub",
        "createdTime",
        "modifiedTime",
        "deletedTime",
        "htmlUrl",
        "htmlUrlPath",
        "avatarUrl",
        "creator",
        "legacyId",
        "mergedInto",
        "mergedWith",
        "clonedFrom",
        "notes",
        "lastContactedDate",
    }
)
_OUTPUT_ONLY_BY_CLASS: Mapping[type[Record], frozenset[str]] = {
    Lead: frozenset(
        {
            "name",
            "milestone",
            "stageset",
            "activitiesCount",
            "completion",
            "urgency",
            "isOverdue",
            "processes",
            "normalizedValue",
            "estimatedValue",
            "nextStepDueTime",
            "channels",
            "primaryAccountName",
            "primaryContactName",
        }
    ),
    Contact: frozenset({"contactedCount", "territory", "audiences"}),
    Account: frozenset({"accountType", "industry", "territory", "leads", "regions"}),
    Activity: frozenset({"activityType", "loggedBy", "lead", "logDescription", "followup"}),
    Task: frozenset({"completed"}),
    Product: frozenset(),
    User: frozenset({"teams"}),
}


def bad_input(field: str, problem: str) -> InvalidRequestError:
    """The error for a bad input value: HTTP 400, code -32602, the field named first."""
    return InvalidRequestError(f"{field}: {problem}", status=400, code=-32602, target=field)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


# -- scalars ------------------------------------------------------------------------------------


def read_text(value: Any, field: str, *, null: bool = True) -> str | None:
    """A string (numbers are read as their spelling); null only when ``null``."""
    if value is None and null:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise bad_input(field, f"expected a string, got {_kind(value)}")


def read_rev(value: Any) -> str | None:
    """A rev as an edit or delete is checked with: revs are strings, but PHP clients send
    integers; null skips the check. Anything else is a 400 naming ``rev``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise bad_input("rev", f"expected a string, got {type(value).__name__}")
    return str(value)


def read_int(value: Any, field: str) -> int:
    """An integer, or a string of digits (PHP clients send ids as strings)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value)
    raise bad_input(field, f"expected an integer, got {_kind(value)}")


def read_number(value: Any, field: str) -> int | float:
    """A JSON number (``add``'s operands); a boolean is not one, nor is a numeric string."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_input(field, "expected a number")
    return value


def read_bool(value: Any, field: str) -> bool:
    """A boolean; ``0``/``1`` and ``"true"``/``"false"`` are accepted (PHP and form clients)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "0", "1"):
        return value.strip().lower() in ("true", "1")
    raise bad_input(field, f"expected true or false, got {value!r}")


def read_time(value: Any, field: str) -> datetime | None:
    """An RFC 3339 / ATOM time (``+0000``, ``-05:00``, ``Z``) or a date; null clears it."""
    if value is None:
        return None
    try:
        return parse_time(value)
    except (TypeError, ValueError):
        example = "2026-01-31T09:00:00+0000"
        raise bad_input(field, f"expected a time such as {example}, got {value!r}") from None


def read_id(value: Any, field: str) -> int:
    """An id given as ``7``, ``"7"`` or ``{"id": 7}``."""
    if isinstance(value, Mapping):
        if "id" not in value:
            raise bad_input(field, "expected an object with an id")
        return read_int(value["id"], f"{field}.id")
    return read_int(value, field)


def read_ids(value: Any, field: str) -> list[int]:
    """One id or a list of them (query keys take either)."""
    if isinstance(value, list | tuple):
        return [read_id(v, f"{field}[{i}]") for i, v in enumerate(value)]
    return [read_id(value, field)]


def _read_amount(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad_input(field, f"expected an amount, got {_kind(value)}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise bad_input(field, f"expected an amount, got {value!r}") from None
    if not amount.is_finite():
        raise bad_input(field, f"expected a finite amount, got {value!r}")
    return amount


def read_money(value: Any, field: str, *, default_currency: str = "USD") -> Money:
    """``{amount, currency}`` (``currency_shortname`` is PHP's spelling) or a bare amount."""
    if not isinstance(value, Mapping):
        return Money(amount=_read_amount(value, field), currency=default_currency)
    if "amount" not in value:
        raise bad_input(field, "expected {amount, currency}")
    currency = value.get("currency", value.get("currency_shortname", default_currency))
    return Money(
        amount=_read_amount(value["amount"], f"{field}.amount"),
        currency=read_text(currency, f"{field}.currency", null=False) or default_currency,
    )


# -- the result ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ParsedInput:
    """One input object, read.

    ``values`` are model attributes to write as they are. The other fields are keys that need
    a rule or a second record: ``note`` appends a Note; ``outcome_id``/``status``/
    ``stageset_id``/``stage_id`` are a lead's workflow (closed, reopened, moved: the emulator
    through its lead rules, the bridge through the REST lead endpoints); ``lead_links``/
    ``contact_links`` are links sent on the side of a relation that is kept on the other
    record (a contact's ``leads`` live in each lead's ``contacts``); ``log_note`` is an
    activity's log note text.
    """

    values: Mapping[str, Any] = attrs.field(factory=dict)
    note: str | None = None
    outcome_id: int | None = None
    status: LeadStatus | None = None
    stageset_id: int | None = None
    stage_id: int | None = None
    lead_links: tuple[Ref, ...] | None = None
    contact_links: tuple[Ref, ...] | None = None
    log_note: str | None = None


@attrs.define
class _Builder:
    values: dict[str, Any] = attrs.field(factory=dict)
    extra: dict[str, Any] = attrs.field(factory=dict)


_Handler = Callable[["InputReader", _Builder, Any, str], None]

# RPC entityType of the records a typed link ({entityType, id}) may point at, per key.
_ASSIGNABLE = ("Users", "Teams")
_PARTICIPANTS = ("Users", "Contacts", "Accounts")
_TASK_TARGETS = ("Leads", "Contacts", "Accounts")


class InputReader:
    """Reads ``new*``/``edit*`` input objects, looking linked records up in ``source``.

    ``verified(cls)`` says whether ``source`` holds *every* live record of ``cls``, so that an
    id it lacks is refused with a 400; for the other classes an unknown id becomes a bare link
    and the API written to is left to refuse it. By default every class is verified (the
    emulator's store holds everything); with no source nothing is looked up or refused.
    """

    def __init__(
        self,
        source: InputSource | None = None,
        *,
        verified: Callable[[type[Record]], bool] = _every_class,
    ) -> None:
        self._source = source
        self._verified = verified if source is not None else (lambda _cls: False)

    @property
    def source(self) -> InputSource | None:
        """Where linked records are looked up."""
        return self._source

    # -- entry point -----------------------------------------------------------------------

    def read(self, cls: type[Record], data: Any, field: str) -> ParsedInput:
        """Read ``data``, the input object for a ``cls`` record sent as parameter ``field``."""
        if not isinstance(data, Mapping):
            raise bad_input(field, f"expected an object, got {_kind(data)}")
        table = _TABLES.get(cls)
        if table is None:
            raise bad_input(field, f"{cls.rpc_type} cannot be written through this API")
        ignored = _OUTPUT_ONLY | _OUTPUT_ONLY_BY_CLASS.get(cls, frozenset())
        builder = _Builder()
        for key, value in data.items():
            handler = table.get(key)
            if handler is not None:
                handler(self, builder, value, f"{field}.{key}")
            elif key not in ignored:
                raise bad_input(f"{field}.{key}", f"{cls.rpc_type} input has no key {key!r}")
        return ParsedInput(values=builder.values, **builder.extra)

    # -- links ------------------------------------------------------------------------------

    def record(self, cls: type[Record], record_id: int, field: str) -> Record | None:
        """The live record ``cls`` ``record_id``; a 400 naming ``field`` when the source holds
        every record of ``cls`` and lacks this one; None when it is not known to the source."""
        if record_id < 0:
            # No record has one: refused as the RPC API refuses it, whatever the source holds.
            raise bad_input(field, f"no {cls.rpc_type} with id {record_id}")
        found = self._source.find(cls, record_id) if self._source is not None else None
        if found is None and self._verified(cls):
            raise bad_input(field, f"no {cls.rpc_type} with id {record_id}")
        return found

    def ref(self, cls: type[Record], value: Any, field: str) -> Ref:
        """A link to an existing record from ``7``/``"7"``/``{"id": 7}``."""
        record_id = read_id(value, field)
        record = self.record(cls, record_id, field)
        # A record the source does not know is linked by id alone; the API written to checks it.
        return _ref(record) if record is not None else Ref(entity=cls.entity, id=record_id)

    def opt_ref(self, cls: type[Record], value: Any, field: str) -> Ref | None:
        """Like :meth:`ref`, with null clearing the link."""
        return None if value is None else self.ref(cls, value, field)

    def typed_ref(self, value: Any, field: str, allowed: tuple[str, ...]) -> Ref:
        """A link written ``{entityType, id}``; ``entityType`` must be one of ``allowed``."""
        if not isinstance(value, Mapping):
            raise bad_input(field, f"expected {{entityType, id}}, got {_kind(value)}")
        rpc_type = value.get("entityType", allowed[0])
        cls = entity_for_rpc_type(rpc_type) if isinstance(rpc_type, str) else None
        if cls is None or rpc_type not in allowed:
            raise bad_input(f"{field}.entityType", f"expected one of {', '.join(allowed)}")
        return self.ref(cls, value, field)

    def refs(
        self, cls: type[Record], value: Any, field: str, *, typed: bool = False
    ) -> tuple[Ref, ...]:
        """A list of ``{id, relationship?}`` links, replacing the whole list."""
        if value is None:
            return ()
        if not isinstance(value, list | tuple):
            raise bad_input(field, f"expected a list, got {_kind(value)}")
        out: list[Ref] = []
        seen: set[int] = set()
        for index, item in enumerate(value):
            path = f"{field}[{index}]"
            # Lead contacts may carry entityType (PHP edit.php); it must match if present.
            if (
                typed
                and isinstance(item, Mapping)
                and item.get("entityType", cls.rpc_type) != cls.rpc_type
            ):
                raise bad_input(f"{path}.entityType", f"expected {cls.rpc_type!r}")
            ref = self.ref(cls, item, path)
            if isinstance(item, Mapping) and "relationship" in item:
                relationship = read_text(item["relationship"], f"{path}.relationship")
                ref = attrs.evolve(ref, relationship=relationship)
            if ref.id in seen:
                continue  # the same record twice is one link
            seen.add(_int(ref.id))
            out.append(ref)
        return tuple(out)

    def tags(self, value: Any, field: str, applies_to: str) -> tuple[Ref, ...]:
        """Tag names as links; a name with no Tag yet is a link without an id.

        Reading writes nothing: :meth:`create_tags` registers the new names once the whole
        call has been validated, so a refused call leaves no tags behind.
        """
        if value is None:
            return ()
        if not isinstance(value, list | tuple):
            raise bad_input(field, f"expected a list of tag names, got {_kind(value)}")
        names: list[str] = []
        for index, item in enumerate(value):
            name = item.get("name") if isinstance(item, Mapping) else item
            text = read_text(name, f"{field}[{index}]", null=False)
            if text is None or not text.strip():
                raise bad_input(f"{field}[{index}]", "a tag name cannot be empty")
            if text.strip() not in names:
                names.append(text.strip())
        return tuple(self._tag(name, applies_to) for name in names)

    def _find_tag(self, name: str, applies_to: str) -> Tag | None:
        tags = self._source.all(Tag) if self._source is not None else ()
        return next(
            (t for t in tags if t.name == name and t.applies_to in (applies_to, None, UNSET)),
            None,
        )

    def _tag(self, name: str, applies_to: str) -> Ref:
        tag = self._find_tag(name, applies_to)
        return Ref(entity="Tag", id=tag.id if tag is not None else UNSET, name=name)

    def with_tags(
        self, cls: type[Record], values: Mapping[str, Any], create: TagFactory
    ) -> dict[str, Any]:
        """``values`` with every tag name that has no Tag yet registered through ``create``
        (``create(name, applies_to)`` returns the new Tag). Nutshell wants ``newTag`` first;
        the emulator is lenient (see its assumptions), so every writer registers them here."""
        out = dict(values)
        tags = out.get("tags")
        if not isinstance(tags, tuple) or all(isinstance(t.id, int) for t in tags):
            return out
        linked = []
        for ref in tags:
            if isinstance(ref.id, int):
                linked.append(ref)
                continue
            name = str(ref.name)
            # Looked up again: the tag may have been registered since the input was read.
            tag = self._find_tag(name, cls.entity) or create(name, cls.entity)
            linked.append(Ref(entity="Tag", id=tag.id, name=name))
        out["tags"] = tuple(linked)
        return out

    def multi(self, value: Any, field: str, kind: str) -> tuple[Any, ...]:
        """A multi-value input (list or label-keyed object) as Email/Phone/Url/Address items.

        The first item is primary unless a ``--primary`` entry (echoed output) names another.
        Object keys are kept as labels, digits too (PHP's ``{"0": ..., "cell": ...}``), so
        the output map has the keys the client sent; list items are labelled by position.
        """
        if value is None:
            return ()
        if isinstance(value, str) or (
            kind == "address" and isinstance(value, Mapping) and _looks_like_address(value)
        ):
            value = [value]
        entries: list[tuple[Any, Any, str]]
        primary_raw: Any = UNSET
        if isinstance(value, list | tuple):
            entries = [(UNSET, item, f"{field}[{i}]") for i, item in enumerate(value)]
        elif isinstance(value, Mapping):
            primary_raw = value.get(PRIMARY, UNSET)
            entries = [(str(k), v, f"{field}[{k!r}]") for k, v in value.items() if k != PRIMARY]
        else:
            raise bad_input(field, f"expected a list or an object, got {_kind(value)}")
        items = [self._multi_item(kind, raw, label, path) for label, raw, path in entries]
        if not items:
            return ()
        primary_index = 0
        if primary_raw is not UNSET:
            primary_index = next((i for i, e in enumerate(entries) if e[1] == primary_raw), 0)
        return tuple(
            attrs.evolve(item, is_primary=index == primary_index)
            for index, item in enumerate(items)
        )

    def _multi_item(self, kind: str, raw: Any, label: Any, path: str) -> Any:
        if kind == "email":
            text = _non_empty(read_text(raw, path, null=False), path)
            if "@" not in text:
                raise bad_input(path, f"{text!r} is not an email address")
            return Email(value=text.strip(), label=label)
        if kind == "url":
            return Url(
                value=_non_empty(read_text(raw, path, null=False), path).strip(), label=label
            )
        if kind == "phone":
            if isinstance(raw, Mapping):
                number = raw.get("number", raw.get("numberFormatted"))
                text = _non_empty(read_text(number, f"{path}.number", null=False), path)
                return Phone(value=text.strip(), label=label)
            return Phone(
                value=_non_empty(read_text(raw, path, null=False), path).strip(), label=label
            )
        return self._address(raw, label, path)

    def _address(self, raw: Any, label: Any, path: str) -> Address:
        if not isinstance(raw, Mapping):
            raise bad_input(path, f"expected an address object, got {_kind(raw)}")
        values: dict[str, Any] = {}
        for key, value in raw.items():
            attr = _ADDRESS_KEYS.get(key)
            if attr is not None:
                values[attr] = read_text(value, f"{path}.{key}")
            elif key not in _ADDRESS_OUTPUT_ONLY:
                raise bad_input(f"{path}.{key}", f"an address has no key {key!r}")
        return Address(label=label, **values)


_ADDRESS_KEYS = {
    "address_1": "address_1",
    "address_2": "address_2",
    "address_3": "address_3",
    "city": "city",
    "state": "state",
    "postalCode": "postal_code",
    "country": "country",
}
_ADDRESS_OUTPUT_ONLY = frozenset({"name", "location", "locationAccuracy", "timezone"})


def _looks_like_address(value: Mapping[str, Any]) -> bool:
    """True for one address object, as opposed to a label-keyed map of addresses."""
    return any(key in _ADDRESS_KEYS or key in _ADDRESS_OUTPUT_ONLY for key in value)


def _non_empty(text: str | None, field: str) -> str:
    if text is None or not text.strip():
        raise bad_input(field, "cannot be empty")
    return text


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _ref(record: Record) -> Ref:
    """A bare link (no embedded record: links are kept by id and name)."""
    return Ref(entity=record.entity, id=record.id, name=getattr(record, "name", UNSET))


# -- key handlers -------------------------------------------------------------------------------
# Each handler reads one input key into the builder. They are small functions in tables, one
# table per record class, so adding a key is one row.


def _attr(attr: str, read: Callable[[Any, str], Any]) -> _Handler:
    def handle(_r: InputReader, b: _Builder, value: Any, field: str) -> None:
        b.values[attr] = read(value, field)

    return handle


def _text(attr: str, *, null: bool = True) -> _Handler:
    return _attr(attr, lambda v, f: read_text(v, f, null=null))


def _required_text(attr: str) -> _Handler:
    return _attr(attr, lambda v, f: _non_empty(read_text(v, f, null=False), f).strip())


def _bool(attr: str) -> _Handler:
    return _attr(attr, read_bool)


def _time(attr: str) -> _Handler:
    return _attr(attr, read_time)


def _link(attr: str, cls: type[Record]) -> _Handler:
    def handle(r: InputReader, b: _Builder, value: Any, field: str) -> None:
        b.values[attr] = r.opt_ref(cls, value, field)

    return handle


def _links(attr: str, cls: type[Record], *, typed: bool = False) -> _Handler:
    def handle(r: InputReader, b: _Builder, value: Any, field: str) -> None:
        b.values[attr] = r.refs(cls, value, field, typed=typed)

    return handle


def _typed(attr: str, allowed: tuple[str, ...]) -> _Handler:
    def handle(r: InputReader, b: _Builder, value: Any, field: str) -> None:
        b.values[attr] = None if value is None else r.typed_ref(value, field, allowed)

    return handle


def _multi(attr: str, kind: str) -> _Handler:
    def handle(r: InputReader, b: _Builder, value: Any, field: str) -> None:
        b.values[attr] = r.multi(value, field, kind)

    return handle


def _tags(applies_to: str) -> _Handler:
    def handle(r: InputReader, b: _Builder, value: Any, field: str) -> None:
        b.values["tags"] = r.tags(value, field, applies_to)

    return handle


def _custom_fields(_r: InputReader, b: _Builder, value: Any, field: str) -> None:
    if isinstance(value, list) and not value:
        value = {}  # PHP encodes an empty map as []
    if not isinstance(value, Mapping):
        raise bad_input(field, f"expected an object of field values, got {_kind(value)}")
    for name in value:
        if not isinstance(name, str) or not name:
            raise bad_input(field, "custom field names must be non-empty strings")
    b.values["custom_fields"] = dict(value)


def _note(_r: InputReader, b: _Builder, value: Any, field: str) -> None:
    if isinstance(value, Mapping):  # {"note": "..."} as some clients wrap it
        value = value.get("note")
    b.extra["note"] = _non_empty(read_text(value, field, null=False), field)


def _extra(name: str, read: Callable[[InputReader, Any, str], Any]) -> _Handler:
    def handle(r: InputReader, b: _Builder, value: Any, field: str) -> None:
        b.extra[name] = read(r, value, field)

    return handle


def _lead_status(_r: InputReader, value: Any, field: str) -> LeadStatus:
    code = read_int(value, field)
    try:
        return LeadStatus(code)
    except ValueError:
        raise bad_input(field, f"{code} is not a lead status (0, 1, 10, 11, 12)") from None


def _is_pending(_r: InputReader, b: _Builder, value: Any, field: str) -> None:
    if read_bool(value, field):
        b.extra["status"] = LeadStatus.PENDING
    elif "status" not in b.extra:
        b.extra["status"] = LeadStatus.OPEN


def _outcome(r: InputReader, b: _Builder, value: Any, field: str) -> None:
    if value is None:
        b.extra["status"] = LeadStatus.OPEN  # clearing the outcome reopens the lead
        return
    b.extra["outcome_id"] = _int(r.ref(Outcome, value, field).id)


def _stageset_id(r: InputReader, value: Any, field: str) -> int:
    return _int(r.ref(Stageset, value, field).id)


def _stage_id(r: InputReader, value: Any, field: str) -> int:
    return _int(r.ref(Stage, value, field).id)


def _bounded(low: int, high: int) -> Callable[[Any, str], int | None]:
    def read(value: Any, field: str) -> int | None:
        if value is None:
            return None
        number = read_int(value, field)
        if not low <= number <= high:
            raise bad_input(field, f"expected {low} to {high}, got {number}")
        return number

    return read


def _lead_products(r: InputReader, b: _Builder, value: Any, field: str) -> None:
    """Lead products: each a Ref to the Product carrying a ProductMap (quantity, price)."""
    if value is None:
        value = []
    if not isinstance(value, list | tuple):
        raise bad_input(field, f"expected a list, got {_kind(value)}")
    out: list[Ref] = []
    for index, item in enumerate(value):
        path = f"{field}[{index}]"
        product_id = read_id(item, path)
        found = r.record(Product, product_id, path)
        # A product the source does not know: linked by id, its name and price unknown here.
        product = found if isinstance(found, Product) else Product(id=product_id)
        quantity: float = 1
        price = product.price if isinstance(product.price, Money) else None
        relationship: Any = UNSET
        if isinstance(item, Mapping):
            if item.get("quantity") is not None:
                quantity = _read_quantity(item["quantity"], f"{path}.quantity")
            if item.get("price") is not None:
                price = read_money(item["price"], f"{path}.price")
            if "relationship" in item:
                relationship = read_text(item["relationship"], f"{path}.relationship")
        mapping = ProductMap(
            name=product.name,
            product=_ref(product),
            quantity=quantity,
            price=price,
            unit=product.unit,
        )
        out.append(
            Ref(
                entity="Product",
                id=product.id,
                name=product.name,
                relationship=relationship,
                record=mapping,
            )
        )
    b.values["products"] = tuple(out)


def _read_quantity(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad_input(field, f"expected a number, got {_kind(value)}")
    try:
        number = float(value)
    except ValueError:
        raise bad_input(field, f"expected a number, got {value!r}") from None
    if number < 0:
        raise bad_input(field, "cannot be negative")
    return int(number) if number.is_integer() else number


def _competitors(r: InputReader, b: _Builder, value: Any, field: str) -> None:
    b.values["competitors"] = r.refs(Competitor, value, field)


def _contact_name(_r: InputReader, b: _Builder, value: Any, field: str) -> None:
    if isinstance(value, Mapping):
        given = read_text(value.get("givenName"), f"{field}.givenName") or ""
        family = read_text(value.get("familyName"), f"{field}.familyName") or ""
        salutation = read_text(value.get("salutation"), f"{field}.salutation") or ""
        display = " ".join(p for p in (given, family) if p)
        person = PersonName(given=given, family=family, salutation=salutation, display=display)
    else:
        text = _non_empty(read_text(value, field, null=False), field)
        person = split_person_name(text)
    if not person.display:
        raise bad_input(field, "a contact's name cannot be empty")
    b.values.update(
        person_name=person,
        name=person.display,
        first_name=person.given or None,
        last_name=person.family or None,
    )


def _contact_leads(r: InputReader, b: _Builder, value: Any, field: str) -> None:
    b.extra["lead_links"] = r.refs(Lead, value, field)


def _account_contacts(r: InputReader, b: _Builder, value: Any, field: str) -> None:
    b.extra["contact_links"] = r.refs(Contact, value, field)


def _activity_status(value: Any, field: str) -> ActivityStatus:
    code = read_int(value, field)
    try:
        return ActivityStatus(code)
    except ValueError:
        raise bad_input(field, f"{code} is not an activity status (0, 1, 2, -1)") from None


def _participants(r: InputReader, b: _Builder, value: Any, field: str) -> None:
    if value is None:
        value = []
    if not isinstance(value, list | tuple):
        raise bad_input(field, f"expected a list, got {_kind(value)}")
    refs: list[Ref] = []
    for index, item in enumerate(value):
        ref = r.typed_ref(item, f"{field}[{index}]", _PARTICIPANTS)
        if all((ref.entity, ref.id) != (seen.entity, seen.id) for seen in refs):
            refs.append(ref)
    b.values["participants"] = tuple(refs)


def _location(_r: InputReader, b: _Builder, value: Any, field: str) -> None:
    if isinstance(value, Mapping):
        # An address object: the model keeps activity locations as text.
        parts = [
            read_text(value.get(key), f"{field}.{key}")
            for key in ("name", "address_1", "city", "state", "postalCode", "country")
        ]
        value = ", ".join(p for p in parts if p) or None
    b.values["location"] = read_text(value, field)


def _log_note(_r: InputReader, b: _Builder, value: Any, field: str) -> None:
    if isinstance(value, Mapping):
        value = value.get("note")
    if value is not None:
        b.extra["log_note"] = read_text(value, field, null=False)


def _product_type(_r: InputReader, b: _Builder, value: Any, field: str) -> None:
    text = read_text(value, field)
    names = {"0": "product", "1": "service", "product": "product", "service": "service"}
    if text is not None and text.lower() not in names:
        raise bad_input(field, "expected 0/1 or product/service")
    b.values["product_type"] = None if text is None else names[text.lower()]


def _product_prices(_r: InputReader, b: _Builder, value: Any, field: str) -> None:
    # The model keeps one price; the first entry of the price list is it.
    if not isinstance(value, list | tuple):
        raise bad_input(field, f"expected a list of prices, got {_kind(value)}")
    if not value:
        b.values["price"] = None
        return
    first = value[0]
    if isinstance(first, Mapping) and "price" in first:
        b.values["price"] = read_money(first["price"], f"{field}[0].price")
    else:
        b.values["price"] = read_money(first, f"{field}[0]")


def _product_price(_r: InputReader, b: _Builder, value: Any, field: str) -> None:
    b.values["price"] = None if value is None else read_money(value, field)


def _user_emails(_r: InputReader, b: _Builder, value: Any, field: str) -> None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise bad_input(field, "expected a non-empty list of email addresses")
    emails = []
    for index, item in enumerate(value):
        text = _non_empty(read_text(item, f"{field}[{index}]", null=False), field).strip()
        if "@" not in text:
            raise bad_input(f"{field}[{index}]", f"{text!r} is not an email address")
        emails.append(text)
    b.values["emails"] = tuple(emails)


def _tag_type(_r: InputReader, b: _Builder, value: Any, field: str) -> None:
    applies = {"Leads": "Lead", "Contacts": "Contact", "Accounts": "Account"}
    if value not in applies:
        raise bad_input(field, "expected Leads, Contacts or Accounts")
    b.values["applies_to"] = applies[value]


def _money_or_null(value: Any, field: str) -> Money | None:
    return None if value is None else read_money(value, field)


_PARTY: dict[str, _Handler] = {
    "description": _text("description"),
    "phone": _multi("phones", "phone"),
    "email": _multi("emails", "email"),
    "url": _multi("urls", "url"),
    "address": _multi("addresses", "address"),
    "owner": _typed("owner", _ASSIGNABLE),
    "territoryId": _link("territory", Territory),
    "customFields": _custom_fields,
    "note": _note,
}

_TABLES: Mapping[type[Record], Mapping[str, _Handler]] = {
    Lead: {
        "description": _text("description"),
        "primaryAccount": _link("primary_account", Account),
        "accounts": _links("accounts", Account),
        "contacts": _links("contacts", Contact, typed=True),
        "products": _lead_products,
        "sources": _links("sources", Source),
        "competitors": _competitors,
        "market": _link("market", Market),
        "assignee": _typed("owner", _ASSIGNABLE),
        "confidence": _attr("confidence", _bounded(0, 100)),
        "priority": _attr("priority", _bounded(0, 1)),
        "dueTime": _time("due_time"),
        "closedTime": _time("closed_time"),
        "value": _attr("value", _money_or_null),
        "tags": _tags("Lead"),
        "customFields": _custom_fields,
        "territoryId": _link("territory", Territory),
        "note": _note,
        "milestoneId": _extra("stage_id", _stage_id),
        "stagesetId": _extra("stageset_id", _stageset_id),
        "status": _extra("status", _lead_status),
        "isPending": _is_pending,
        "outcome": _outcome,
    },
    Contact: {
        "name": _contact_name,
        "jobTitle": _text("job_title"),
        **_PARTY,
        "tags": _tags("Contact"),
        "accounts": _links("accounts", Account),
        "leads": _contact_leads,
    },
    Account: {
        "name": _required_text("name"),
        "industryId": _link("industry", Industry),
        "accountTypeId": _link("account_type", AccountType),
        **_PARTY,
        "tags": _tags("Account"),
        "contacts": _account_contacts,
    },
    Activity: {
        "name": _text("name", null=False),
        "description": _text("description"),
        "activityTypeId": _link("activity_type", ActivityType),
        "startTime": _time("start_time"),
        "endTime": _time("end_time"),
        "isAllDay": _bool("is_all_day"),
        "isFlagged": _bool("is_flagged"),
        "isTimed": _bool("is_timed"),
        "status": _attr("status", _activity_status),
        "participants": _participants,
        "leads": _links("leads", Lead),
        "location": _location,
        "logNote": _log_note,
        "note": _log_note,
    },
    Task: {
        "title": _required_text("title"),
        "description": _text("description"),
        "dueTime": _time("due_time"),
        "completedTime": _time("completed_time"),
        "assignee": _typed("assignee", _ASSIGNABLE),
        "entity": _typed("related", _TASK_TARGETS),
    },
    Product: {
        "name": _required_text("name"),
        "sku": _text("sku"),
        "unit": _text("unit"),
        "type": _product_type,
        "prices": _product_prices,
        "price": _product_price,
    },
    User: {
        "firstName": _text("first_name"),
        "lastName": _text("last_name"),
        "emails": _user_emails,
        "isEnabled": _bool("is_enabled"),
        "isAdministrator": _bool("is_administrator"),
    },
    Team: {"name": _required_text("name")},
    Tag: {"name": _required_text("name"), "entityType": _tag_type},
}


def note_html(text: str) -> str:
    """A note's HTML as Nutshell renders plain text: escaped, newlines as ``<br />``."""
    escaped = (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#039;")
    )
    return escaped.replace("\n", "<br />\n")


def lead_stage(
    source: InputSource, current: Lead | None, parsed: ParsedInput
) -> tuple[Stageset | None, Stage | None]:
    """The pipeline and stage a lead input asks for, as the RPC API reads them.

    A ``milestoneId`` alone implies its pipeline (a move when that differs from the lead's
    current one); a ``milestoneId`` outside a given ``stagesetId`` is a 400 naming the field.
    The reader has already refused unknown ids, so lookups here only resolve them.
    """
    stageset = source.find(Stageset, parsed.stageset_id) if parsed.stageset_id else None
    stage = source.find(Stage, parsed.stage_id) if parsed.stage_id else None
    if stage is None:
        return stageset, None
    stage_pipeline = stage.stageset.id if isinstance(stage.stageset, Ref) else None
    if stageset is not None and stage_pipeline != stageset.id:
        raise bad_input(
            "lead.milestoneId", f"milestone {stage.id} is not in stageset {stageset.id}"
        )
    if stageset is None and isinstance(stage_pipeline, int):
        current_pipeline = (
            current.stageset.id
            if current is not None and isinstance(current.stageset, Ref)
            else None
        )
        if stage_pipeline != current_pipeline:
            stageset = source.find(Stageset, stage_pipeline)
    return stageset, stage
