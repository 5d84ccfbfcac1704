"""The JSON-RPC front's ordering and paging: ``orderBy`` keys per record type, and the small
readers of paging and rev parameters the handlers share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from nutshell_core.model import (
    UNSET,
    Activity,
    Contact,
    Lead,
    Money,
    Outcome,
    Product,
    Record,
    Ref,
    Stage,
    Stageset,
    Task,
    User,
)
from nutshell_emulator.emails import timeline_time
from nutshell_rpc.inputs import bad_input, read_int, read_rev
from nutshell_rpc.rules import order_key

if TYPE_CHECKING:
    from nutshell_emulator.rpc_front import EmulatorBackend


# -- ordering and paging ------------------------------------------------------------------------

SortKey = Callable[["EmulatorBackend", Record], Any]


_norm = order_key  # ``last_name``, ``lastName`` and ``LASTNAME`` are one order key


def _sort_key(value: Any, record: Record) -> tuple[bool, Any, int]:
    # Missing values sort last (ASC), and ties fall back to the id so pages are stable.
    if isinstance(value, str):
        value = value.casefold()
    return (value is None, value, _int(record.id))


def _attr_key(attr: str) -> SortKey:
    def key(_backend: EmulatorBackend, record: Record) -> Any:
        value = getattr(record, attr, None)
        if isinstance(value, Ref):
            value = value.name if isinstance(value.name, str) else value.id
        if isinstance(value, Money):
            value = value.amount
        return None if value is UNSET else value

    return key


def _lead_number(_backend: EmulatorBackend, record: Record) -> Any:
    number = getattr(record, "number", None)
    return int(number) if isinstance(number, str) and number.isdigit() else None


_COMMON_ORDER: Mapping[str, SortKey] = {
    "id": _attr_key("id"),
    "name": _attr_key("name"),
    "createdTime": _attr_key("created_time"),
    "modifiedTime": _attr_key("modified_time"),
}

_ORDER: Mapping[type[Record], Mapping[str, SortKey]] = {
    Lead: {
        "name": _lead_number,
        "number": _lead_number,
        "description": _attr_key("description"),
        "status": _attr_key("status"),
        "confidence": _attr_key("confidence"),
        "priority": _attr_key("priority"),
        "value": _attr_key("value"),
        "dueTime": _attr_key("due_time"),
        "closedTime": _attr_key("closed_time"),
    },
    Contact: {"lastName": _attr_key("last_name"), "firstName": _attr_key("first_name")},
    User: {"lastName": _attr_key("last_name"), "firstName": _attr_key("first_name")},
    Activity: {
        "startTime": _attr_key("start_time"),
        "endTime": _attr_key("end_time"),
        "status": _attr_key("status"),
    },
    Task: {"title": _attr_key("title"), "dueTime": _attr_key("due_time")},
    Outcome: {"description": _attr_key("name"), "type": _attr_key("status")},
    Stage: {"position": _attr_key("position")},
    Stageset: {"position": _attr_key("position")},
    Product: {"sku": _attr_key("sku")},
}


def _order_keys(cls: type[Record]) -> dict[str, SortKey]:
    return {**_COMMON_ORDER, **_ORDER.get(cls, {})}


def _timeline_time(_backend: EmulatorBackend, record: Record) -> Any:
    return timeline_time(record)


_TIMELINE_KEYS: Mapping[str, SortKey] = {"time": _timeline_time, "id": _attr_key("id")}


def _positive(value: Any, field: str) -> int:
    number = read_int(value, field)
    if number < 1:
        raise bad_input(field, "must be 1 or more")
    return number


def _rev(value: Any) -> str | None:
    """A rev as the store compares it (:func:`nutshell_rpc.inputs.read_rev`)."""
    return read_rev(value)


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _same_ref(ref: object, record: Record) -> bool:
    return isinstance(ref, Ref) and ref.entity == record.entity and ref.id == record.id


def _text_or(value: object) -> str:
    return value if isinstance(value, str) else ""
