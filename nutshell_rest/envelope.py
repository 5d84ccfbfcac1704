"""REST envelopes, API error items and events (also the shape of webhook deliveries).

Every REST response is an envelope: ``meta``, a top-level ``links``, one array named after
the primary type, optional side-loaded arrays, and ``errors`` on failures (REST reference
§3.1, §6 and §7). :func:`parse_envelope` reads one into an
:class:`Envelope` of model records; :func:`render_envelope` gives back exactly what was parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Final

import attrs

from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import (
    UNSET,
    Maybe,
    Record,
    Ref,
    Unset,
    WireMemo,
    entity_for_rest_type,
)
from nutshell_core.wiremap import RecordMap
from nutshell_rest._codecs import (
    LOAD_ERRORS,
    WIRE,
    Link,
    RestMap,
    attr_field,
    id_field,
    links_field,
    list_codec,
    load_text,
    ref_from_id,
    structure_exact,
    time_field,
    type_field,
    unstructure_exact,
    verbatim,
)
from nutshell_rest.convert import structure_record, unstructure_record

__all__ = [
    "ApiErrorItem",
    "Change",
    "Envelope",
    "Event",
    "parse_envelope",
    "parse_error_item",
    "parse_event",
    "render_envelope",
    "render_error_item",
    "render_event",
    "resolve",
]

Item = Record | Mapping[str, Any]

# -- plain objects with a memo ------------------------------------------------------------------

#: (wire key, attribute, loader) rows of a small object kept verbatim apart from its checks.
Rows = tuple[tuple[str, str, Callable[[Any], Any]], ...]


class _PlainError(ValueError):
    """A bad key of a small wire object; ``key`` is empty when the object itself is bad."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


def _load_plain(cls: type[Any], rows: Rows, data: Any) -> Any:
    if not isinstance(data, Mapping):
        raise _PlainError(f"expected an object, got {type(data).__name__}")
    known = {key: (attr, load) for key, attr, load in rows}
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if key in known:
            attr, load = known[key]
            try:
                fields[attr] = load(value)
            except LOAD_ERRORS as exc:
                raise _PlainError(f"{key}: {exc}", key) from exc
    extra = {key: value for key, value in data.items() if key not in known}
    return cls(**fields, memo=WireMemo(wire=WIRE, extra=extra, order=tuple(data)))


def _render_plain(rows: Rows, obj: Any) -> dict[str, Any]:
    typed = {
        key: getattr(obj, attr)
        for key, attr, _ in rows
        if not isinstance(getattr(obj, attr), Unset)
    }
    memo: WireMemo | None = obj.memo
    if memo is None or memo.wire != WIRE:
        return typed
    out: dict[str, Any] = {}
    for key in memo.order:
        if key in typed:
            out[key] = typed.pop(key)
        elif key in memo.extra:
            out[key] = memo.extra[key]
    out.update(typed)
    out.update({k: v for k, v in memo.extra.items() if k not in out})
    return out


def _scalar(value: Any) -> str | int | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"expected a string or integer, got {type(value).__name__}")


# -- errors -------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ApiErrorItem:
    """One item of an envelope's ``errors`` array. ``status`` is the HTTP status as the server
    spelled it (a string such as ``"400"``); :attr:`http_status` is it as an int."""

    id: Maybe[str | int | None] = UNSET
    type: Maybe[str | None] = UNSET
    code: Maybe[str | int | None] = UNSET
    status: Maybe[str | int | None] = UNSET
    title: Maybe[str | None] = UNSET
    detail: Maybe[str | None] = UNSET
    href: Maybe[str | None] = UNSET
    field: Maybe[str | None] = UNSET
    memo: WireMemo | None = attrs.field(default=None, eq=False, hash=False, repr=False)

    @property
    def http_status(self) -> int | None:
        """``status`` as an int, or None when absent or not a number."""
        if isinstance(self.status, int):
            return self.status
        if isinstance(self.status, str) and self.status.strip().isdigit():
            return int(self.status)
        return None

    @property
    def message(self) -> str:
        """``title: detail`` (whichever are present)."""
        parts = [p for p in (self.title, self.detail) if isinstance(p, str) and p]
        return ": ".join(parts) or "error"


_ERROR_ROWS: Final[Rows] = (
    ("id", "id", _scalar),
    ("type", "type", load_text),
    ("code", "code", _scalar),
    ("status", "status", _scalar),
    ("title", "title", load_text),
    ("detail", "detail", load_text),
    ("href", "href", load_text),
    ("field", "field", load_text),
)


def parse_error_item(data: Any, path: str = "$") -> ApiErrorItem:
    """One ``errors[]`` item -> ApiErrorItem (unknown keys and key order kept)."""
    try:
        item: ApiErrorItem = _load_plain(ApiErrorItem, _ERROR_ROWS, data)
    except _PlainError as exc:
        where = f"{path}.{exc.key}" if exc.key else path
        raise MalformedResponseError(
            "cannot read error item", problems=(f"{exc} @ {where}",)
        ) from exc
    return item


def render_error_item(item: ApiErrorItem) -> dict[str, Any]:
    """ApiErrorItem -> its wire object."""
    return _render_plain(_ERROR_ROWS, item)


# -- events -------------------------------------------------------------------------------------


def _value_ref(value: Any) -> Ref | None:
    if not isinstance(value, Mapping) or "id" not in value:
        return None
    try:
        ref = ref_from_id(value["id"])
    except (TypeError, ValueError):
        return None
    name = value.get("name", UNSET)
    return attrs.evolve(ref, name=name) if isinstance(name, (str, Unset)) else ref


@attrs.frozen(kw_only=True)
class Change:
    """One ``{attribute, oldValue, newValue}`` of an event. The values are kept as sent:
    strings (``"7"``), null, or objects such as ``{"id": "101-stages", "type": "stages",
    "name": "Qualify", "position": 1}``; :attr:`old_ref`/:attr:`new_ref` read the latter."""

    attribute: Maybe[str | None] = UNSET
    old_value: Any = UNSET
    new_value: Any = UNSET
    memo: WireMemo | None = attrs.field(default=None, eq=False, hash=False, repr=False)

    @property
    def old_ref(self) -> Ref | None:
        """The old value as a Ref, when it is a record object."""
        return _value_ref(self.old_value)

    @property
    def new_ref(self) -> Ref | None:
        """The new value as a Ref, when it is a record object."""
        return _value_ref(self.new_value)


_CHANGE_ROWS: Final[Rows] = (
    ("attribute", "attribute", load_text),
    ("oldValue", "old_value", verbatim),
    ("newValue", "new_value", verbatim),
)


def _load_change(data: Any) -> Change:
    change: Change = _load_plain(Change, _CHANGE_ROWS, data)
    return change


@attrs.frozen(kw_only=True)
class Event(Record):
    """An entry of ``GET /events`` or a webhook delivery: ``action`` (``create``,
    ``update``, ``stagechange``, ``log``...) done by ``actor`` to ``payloads``."""

    entity: ClassVar[str] = "Event"
    rest_type: ClassVar[str] = "events"

    action: Maybe[str | None] = UNSET
    actor_type: Maybe[str | None] = UNSET
    payload_type: Maybe[str | None] = UNSET
    actor: Maybe[Ref | None] = UNSET
    payloads: Maybe[tuple[Ref, ...]] = UNSET
    changes: Maybe[tuple[Change, ...]] = UNSET


_EVENT_MAP: Final = RestMap(
    RecordMap(
        Event,
        (
            id_field(Event),
            type_field(Event),
            time_field("createdTime", "created_time", "unix"),
            attr_field("actorType", "actor_type", load_text),
            attr_field("payloadType", "payload_type", load_text),
            attr_field("action", "action", load_text),
            attr_field(
                "changes",
                "changes",
                *list_codec(_load_change, lambda change: _render_plain(_CHANGE_ROWS, change)),
            ),
            links_field((Link("actor", "actor", "User"), Link("payloads", "payloads", None, True))),
        ),
    )
)


def parse_event(data: Any, path: str = "$") -> Event:
    """An event object -> Event; raises MalformedResponseError naming the path."""
    event = structure_exact(_EVENT_MAP, data, path)
    assert isinstance(event, Event)
    return event


def render_event(event: Event) -> dict[str, Any]:
    """Event -> its wire object (exactly the original when it was parsed)."""
    return unstructure_exact(_EVENT_MAP, event)


# -- envelopes ----------------------------------------------------------------------------------

_FIXED: Final = ("meta", "links", "errors")


@attrs.frozen(kw_only=True)
class Envelope:
    """A parsed REST response or webhook delivery.

    ``records`` is the primary array (named ``primary_key``); ``included`` the side-loaded
    arrays by key, in order. Items whose ``type`` the model knows are records (events are
    :class:`Event`), others stay dicts. ``meta``, ``links`` and ``errors`` are UNSET when the
    body had none; ``memo`` keeps other top-level keys and the key order.
    """

    primary_key: str
    records: tuple[Item, ...] = ()
    meta: Maybe[Mapping[str, Any]] = UNSET
    links: Maybe[Mapping[str, Any]] = UNSET
    included: Mapping[str, tuple[Item, ...]] = attrs.field(factory=dict)
    errors: Maybe[tuple[ApiErrorItem, ...]] = UNSET
    memo: WireMemo | None = attrs.field(default=None, eq=False, hash=False, repr=False)


def _infer_primary(data: Mapping[str, Any]) -> str:
    arrays = [key for key, value in data.items() if key not in _FIXED and isinstance(value, list)]
    if not arrays:
        raise MalformedResponseError(
            "not a REST envelope: no primary array", problems=(f"keys {list(data)} @ $",)
        )
    return "events" if "events" in arrays else arrays[0]


def _parse_item(item: Any, key: str, path: str) -> Item:
    if not isinstance(item, Mapping):
        raise MalformedResponseError(
            "expected a record object", problems=(f"got {type(item).__name__} @ {path}",)
        )
    rest_type = item.get("type", key)
    if rest_type == Event.rest_type:
        return parse_event(item, path)
    cls = entity_for_rest_type(rest_type) if isinstance(rest_type, str) else None
    return item if cls is None else structure_record(item, cls, path=path)


def _parse_items(items: list[Any], key: str) -> tuple[Item, ...]:
    return tuple(_parse_item(item, key, f"$.{key}[{i}]") for i, item in enumerate(items))


def _mapping(data: Mapping[str, Any], key: str) -> Maybe[Mapping[str, Any]]:
    if key not in data:
        return UNSET
    value = data[key]
    if not isinstance(value, Mapping):
        raise MalformedResponseError(
            f"envelope {key!r} is not an object", problems=(f"{type(value).__name__} @ $.{key}",)
        )
    return value


def parse_envelope(data: Any, primary_key: str | None = None) -> Envelope:
    """A REST response body or webhook delivery -> Envelope.

    ``primary_key`` names the primary array; by default it is ``events`` when present, else
    the first array other than ``meta``/``links``/``errors`` (Nutshell puts the primary type
    first). Raises MalformedResponseError naming the path on a body that is not an envelope.
    """
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            "not a REST envelope", problems=(f"got {type(data).__name__} @ $",)
        )
    key = primary_key if primary_key is not None else _infer_primary(data)
    if key in _FIXED or not isinstance(data.get(key), list):
        raise MalformedResponseError(
            "not a REST envelope: no primary array", problems=(f"no {key!r} array @ $.{key}",)
        )
    errors: Maybe[tuple[ApiErrorItem, ...]] = UNSET
    if "errors" in data:
        if not isinstance(data["errors"], list):
            raise MalformedResponseError(
                "envelope errors is not an array", problems=("@ $.errors",)
            )
        errors = tuple(
            parse_error_item(item, f"$.errors[{i}]") for i, item in enumerate(data["errors"])
        )
    included = {
        name: _parse_items(value, name)
        for name, value in data.items()
        if name != key and name not in _FIXED and isinstance(value, list)
    }
    known = {key, *_FIXED, *included}
    return Envelope(
        primary_key=key,
        records=_parse_items(data[key], key),
        meta=_mapping(data, "meta"),
        links=_mapping(data, "links"),
        included=included,
        errors=errors,
        memo=WireMemo(
            wire=WIRE,
            extra={name: value for name, value in data.items() if name not in known},
            order=tuple(data),
        ),
    )


def _render_item(item: Item) -> Any:
    if isinstance(item, Event):
        return render_event(item)
    if isinstance(item, Record):
        return unstructure_record(item)
    return item


def render_envelope(envelope: Envelope) -> dict[str, Any]:
    """Envelope -> wire body; ``render_envelope(parse_envelope(body)) == body``."""
    parts: dict[str, Any] = {}
    if not isinstance(envelope.meta, Unset):
        parts["meta"] = envelope.meta
    if not isinstance(envelope.links, Unset):
        parts["links"] = envelope.links
    parts[envelope.primary_key] = [_render_item(item) for item in envelope.records]
    for name, items in envelope.included.items():
        parts[name] = [_render_item(item) for item in items]
    if not isinstance(envelope.errors, Unset):
        parts["errors"] = [render_error_item(item) for item in envelope.errors]
    memo = envelope.memo if envelope.memo is not None and envelope.memo.wire == WIRE else None
    if memo is None:
        return parts
    out: dict[str, Any] = {}
    for name in memo.order:
        if name in parts:
            out[name] = parts.pop(name)
        elif name in memo.extra:
            out[name] = memo.extra[name]
    out.update(parts)
    out.update({k: v for k, v in memo.extra.items() if k not in out})
    return out


# -- resolving side-loads -----------------------------------------------------------------------


def _attach(value: Any, index: Mapping[tuple[str, int], Record]) -> Any:
    if isinstance(value, Ref):
        found = index.get((value.entity, value.id)) if isinstance(value.id, int) else None
        return (
            value if found is None or value.record is found else attrs.evolve(value, record=found)
        )
    if isinstance(value, tuple) and value and all(isinstance(v, Ref) for v in value):
        attached = tuple(_attach(v, index) for v in value)
        return value if all(a is v for a, v in zip(attached, value, strict=True)) else attached
    return value


def resolve(envelope: Envelope) -> Envelope:
    """Attach side-loaded (and primary) records to the matching Refs of the primary records.

    Matching is by entity and id: ``lead.contacts[0].record`` becomes the Contact from the
    ``contacts`` array, an event's ``payloads[0].record`` the record from ``payloads``. Records
    are frozen, so this returns a new Envelope; rendering is unchanged.
    """
    index: dict[tuple[str, int], Record] = {}
    for items in (*envelope.included.values(), envelope.records):
        for item in items:
            if isinstance(item, Record) and isinstance(item.id, int):
                index.setdefault((item.entity, item.id), item)
    return attrs.evolve(
        envelope, records=tuple(_resolved(item, index) for item in envelope.records)
    )


def _resolved(item: Item, index: Mapping[tuple[str, int], Record]) -> Item:
    if not isinstance(item, Record):
        return item
    changes = {}
    for fld in attrs.fields(type(item)):
        value = getattr(item, fld.name)
        attached = _attach(value, index)
        if attached is not value:
            changes[fld.name] = attached
    return attrs.evolve(item, **changes) if changes else item
