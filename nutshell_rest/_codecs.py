"""Value codecs for the REST wire: ids, times, money, links, and field builders (contact points
are in :mod:`nutshell_rest._points`).

Loaders here raise ``ValueError``/``TypeError``/``KeyError`` on bad input; callers run them under
:func:`nutshell_core.wiremap.structure`, which turns those into
:class:`~nutshell_core.errors.MalformedResponseError` naming the path. Dumpers return the REST
spelling, or :data:`~nutshell_core.model.UNSET` to leave a key out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final, Literal

import attrs

from nutshell_core import wiremap
from nutshell_core.errors import MalformedResponseError, UsageError
from nutshell_core.model import (
    ENTITIES,
    UNSET,
    Money,
    Record,
    Ref,
    Unset,
    entity_for_rest_type,
)
from nutshell_core.wiremap import SLOW, Check, Field, Kept, Prepare, RecordMap, identity

#: The wire name in :class:`~nutshell_core.model.WireMemo` for records read from REST.
WIRE: Final = "rest"

#: Errors a loader may raise on bad input (what wiremap turns into MalformedResponseError).
LOAD_ERRORS: Final = (ValueError, TypeError, KeyError, AttributeError, ArithmeticError)

Conv = Callable[[Any], Any]
Reader = Callable[[Any], Any]
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


# -- shared helpers ---------------------------------------------------------------------------


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected {what} object, got {type(value).__name__}")
    return value


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


def _types_reader(*types: type) -> Reader:
    """A fast reader taking values of exactly ``types`` as they are (their dump is identity)."""
    accepted = frozenset(types)

    def read(value: Any) -> Any:
        return value if type(value) in accepted else SLOW

    return read


def _read_text_list(value: Any) -> Any:
    if type(value) is list and all(type(item) is str for item in value):
        return tuple(value)
    return SLOW


#: Money by (int amount, currency, formatted): a page's leads repeat a few values, and Money is
#: immutable.
_MONIES: dict[tuple[int, str | None, str | None], Money] = {}
_MONIES_SIZE: Final = 1024


def _read_money(value: Any) -> Any:
    if value is None:
        return None
    if type(value) is not dict:
        return SLOW
    amount = value.get("amount")
    currency = value.get("currency")
    formatted = value.get("formatted")
    if (
        type(amount) is int
        and (currency is None or type(currency) is str)
        and (formatted is None or type(formatted) is str)
    ):  # the recorded shape, built without the general loader
        # the types are checked, so equal keys are equal values (True is not 1 here)
        key = (amount, currency, formatted)
        money = _MONIES.get(key)
        if money is None:
            money = Money(
                amount=Decimal(amount),
                currency=UNSET if currency is None else currency,
                formatted=UNSET if formatted is None else formatted,
            )
            if len(_MONIES) >= _MONIES_SIZE:
                _MONIES.clear()
            _MONIES[key] = money
        return Kept(money)
    money = load_money(value)
    # the dump writes the amount as a string: any other spelling is kept as it came
    return Check(money) if type(value.get("amount")) is str else Kept(money)


_NONE: Final = type(None)

#: The JSON types the stock scalar loaders take back unchanged (their dump is the identity).
_EXACT: Final[Mapping[Conv, tuple[type, ...]]] = {
    load_text: (str, _NONE),
    load_flag: (bool, _NONE),
    load_int: (int, _NONE),
    load_float: (float, _NONE),
}

#: Fast readers of the loaders whose dump gives every value they accept back unchanged.
_READERS: Final[Mapping[Conv, Reader]] = {
    **{load: _types_reader(*types) for load, types in _EXACT.items()},
    verbatim: verbatim,
    load_text_list: _read_text_list,
    load_money: _read_money,
}


def attr_field(
    key: str,
    attr: str,
    load: Conv = verbatim,
    dump: Conv = verbatim,
    *,
    read: Reader | None = None,
) -> Field:
    """One wire key <-> one model attribute.

    ``read`` is the fast reader (see :mod:`nutshell_core.wiremap`); by default one is known
    for the stock loaders, and any other loader's result is compared once rendered.
    """

    def _load(value: Any) -> Mapping[str, Any]:
        return {attr: load(value)}

    def _dump(record: Record) -> Any:
        value = getattr(record, attr, UNSET)
        return UNSET if isinstance(value, Unset) else dump(value)

    def _checked(value: Any) -> Any:
        return Check(load(value))

    fast = read or _READERS.get(load, _checked)
    write = identity if dump is verbatim else dump
    # the compiled structure tests the types in place of calling the stock readers
    exact = _EXACT.get(load) if read is None and dump is verbatim else None
    return Field(key, _load, _dump, attr=attr, read=fast, write=write, exact=exact)


def lenient_field(key: str, attr: str, load: Conv, dump: Conv = verbatim) -> Field:
    """Like :func:`attr_field`, but a null the model cannot hold stays verbatim in the memo."""

    def _load(value: Any) -> Mapping[str, Any]:
        return {} if value is None else {attr: load(value)}

    def read(value: Any) -> Any:
        if value is None:
            return SLOW
        loaded = load(value)
        # the very object that came is what the dump gives back: nothing to compare
        return loaded if loaded is value and dump is verbatim else Check(loaded)

    dumped = attr_field(key, attr, load, dump)
    return Field(key, _load, dumped.dump, attr=attr, read=read, write=dumped.write)


def _unix_time(value: int) -> datetime:
    try:
        return datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError):  # the platform's range: the loader decides
        return _EPOCH + timedelta(seconds=value)


def time_field(key: str, attr: str, style: TimeStyle) -> Field:
    """A time: unix int or time object on the wire, aware UTC datetime in the model."""
    as_object = style == "object"

    def read(value: Any) -> Any:
        if value is None:
            return None
        kind = type(value)
        if kind is int:
            moment = _unix_time(value)
            return Kept(moment) if as_object else moment
        if kind is dict:
            stamp = value.get("timestamp")
            if type(stamp) is not int:
                return SLOW
            moment = _unix_time(stamp)
            # display strings (``absoluteLocalizedString``...) are kept as they came
            return moment if as_object and len(value) == 1 else Kept(moment)
        return SLOW

    return attr_field(key, attr, load_time, time_dumper(style), read=read)


def id_field(cls: type[Record]) -> Field:
    """``"1003-leads"`` <-> ``id=1003``; an id of another type is malformed."""
    rest_type = cls.rest_type
    suffix = f"-{rest_type}"
    cut = -len(suffix)

    def load(value: Any) -> Mapping[str, Any]:
        number, found = split_id(value)
        check_type(found, rest_type)
        return {"id": number}

    def read(value: Any) -> Any:
        # only the spelling format_id gives back: no leading zero, the type as the class has it
        if type(value) is str and value.endswith(suffix):
            digits = value[:cut]
            if digits.isascii() and digits.isdigit() and (digits[0] != "0" or digits == "0"):
                return int(digits)
        return SLOW

    def write(number: Any) -> Any:
        return format_id(rest_type, number)

    return Field(
        "id", load, lambda record: _dump_id(cls, record), attr="id", read=read, write=write
    )


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

    def read(value: Any) -> Any:
        return None if value == cls.rest_type and type(value) is str else SLOW

    return Field("type", load, dump, read=read)


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


#: Refs by default entity, then wire id: a page's records link the same owners, stages and
#: pipelines over and over, and a Ref is immutable.
_REFS: dict[str | None, dict[str, Ref]] = {}
_REFS_SIZE: Final = 4096


def _ref(refs: dict[str, Ref], value: Any, default_entity: str | None) -> Ref:
    """The Ref of a wire id; string ids are remembered in ``refs`` (their default entity's)."""
    if type(value) is not str:  # 1 == 1.0 == True: only strings are safe cache keys
        return ref_from_id(value, default_entity)
    ref = refs.get(value)
    if ref is None:
        ref = ref_from_id(value, default_entity)
        if len(refs) >= _REFS_SIZE:
            refs.clear()
        refs[value] = ref
    return ref


def _links_reader(by_key: Mapping[str, Link]) -> Reader:
    """The fast reader of a ``links`` object with these typed members."""
    rows = tuple(
        (key, link.attr, link.many, link.entity, _REFS.setdefault(link.entity, {}))
        for key, link in by_key.items()
    )
    members = {row[0]: row[1:] for row in rows}
    absent = object()

    def read_shared(value: Any) -> Any:
        # The original is always kept: real links carry members the model does not type
        # (files, watchers...), and a record edited later is rendered into it. Members that
        # share an attribute (participants) are joined in the order they came.
        if type(value) is not dict:
            return SLOW
        out: dict[str, Any] = {}
        for key, member in value.items():
            row = members.get(key)
            if row is None:
                continue
            attr, many, entity, refs = row
            loaded = _link_refs(member, many, entity, refs)
            if loaded is SLOW:
                return SLOW
            out[attr] = out[attr] + loaded if many and attr in out else loaded
        return Kept(out)

    def read(value: Any) -> Any:
        # one attribute per member: look up the typed members only
        if type(value) is not dict:
            return SLOW
        out: dict[str, Any] = {}
        get = value.get
        for key, attr, many, entity, refs in rows:
            member = get(key, absent)
            if member is absent:
                continue
            # a remembered id is looked up in place (an unhashable one fails the read);
            # only strings are remembered, so a number is never found there
            if not many:
                out[attr] = (
                    None if member is None else refs.get(member) or _ref(refs, member, entity)
                )
            elif type(member) is list:
                if not member:
                    out[attr] = ()
                elif len(member) == 1:  # the common case, without a comprehension
                    item = member[0]
                    out[attr] = (refs.get(item) or _ref(refs, item, entity),)
                else:
                    cached = refs.get
                    out[attr] = tuple([cached(item) or _ref(refs, item, entity) for item in member])
            elif member is None:
                out[attr] = ()
            else:
                return SLOW
        return Kept(out)

    shared = len(members) > len({row[1] for row in rows})
    return read_shared if shared else read


def _link_refs(member: Any, many: bool, entity: str | None, refs: dict[str, Ref]) -> Any:
    """The Ref(s) of one links member, or SLOW for a shape the loader must judge."""
    if not many:
        return None if member is None else _ref(refs, member, entity)
    if type(member) is list:
        return tuple([_ref(refs, item, entity) for item in member]) if member else ()
    return () if member is None else SLOW


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

    read = _links_reader(by_key)

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

    return Field("links", load, dump, read=read)


# -- exact structure / unstructure --------------------------------------------------------------


same_json = wiremap.same_json

Fixup = Callable[[Record, Mapping[str, Any]], Record]
RenderFixup = Callable[[Record, dict[str, Any]], dict[str, Any]]


@attrs.frozen
class RestMap:
    """A :class:`RecordMap` plus optional fix-ups for values derived from several wire keys."""

    record_map: RecordMap
    after_load: Fixup | None = None
    after_render: RenderFixup | None = None
    prepare: Prepare | None = None

    @property
    def codec(self) -> wiremap.RecordCodec:
        """The compiled codec: originals kept whenever they differ as JSON."""
        return wiremap.codec(self.record_map, WIRE, exact_json=True, prepare=self.prepare)


def structure_exact(rmap: RestMap, data: Any, path: str = "$") -> Record:
    """wiremap.structure, keeping originals that differ even only in key order or type."""
    mapping = rmap.record_map
    record = rmap.codec.structure(data, path)
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
    out = rmap.codec.unstructure(record)
    return rmap.after_render(record, out) if rmap.after_render is not None else out
