"""Legacy shapes of account set-up data: custom field definitions (``findCustomFields``).

The layouts here are registered into :mod:`nutshell_rpc.shapes`' tables, so
:class:`~nutshell_rpc.shapes.Presenter` renders these records like any other; this module only
chooses keys and order, the RPC converter spells the values.

The yardstick is the HULL connector's ``findCustomFields`` example (its
``fields-lead.e2e.spec.js`` mock of the API): a definition is ``{name, isMultiple, position,
type, enumElements}`` with no ``id``, ``entityType`` or ``rev``; ``enumElements`` maps each
choice's id to its label, listed by label; the result groups definitions under ``Leads``,
``Contacts`` and ``Accounts``. Audiences need no layout of their own: their stub is the plain
named stub (``stub, id, rev, entityType, name``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from nutshell_core.model import CustomField, Record

if TYPE_CHECKING:
    from nutshell_rpc.shapes import Presenter

__all__ = [
    "CUSTOM_FIELD_GROUPS",
    "FULL_LAYOUTS",
    "STUB_LAYOUTS",
    "custom_field_map",
    "custom_field_order",
]

Layout = Callable[["Presenter", Record, dict[str, Any]], dict[str, Any]]

#: The keys of ``findCustomFields``' result, by the model class name a field applies to.
CUSTOM_FIELD_GROUPS: Final[Mapping[str, str]] = {
    "Lead": "Leads",
    "Contact": "Contacts",
    "Account": "Accounts",
}


def _custom_field(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, CustomField)
    out: dict[str, Any] = {
        "name": base.get("name", ""),
        "isMultiple": record.is_multiple is True,
        "position": base.get("position", 0),
        "type": base.get("type", "Text"),
    }
    choices = record.choices if isinstance(record.choices, Mapping) else None
    if record.field_type == "enum" or choices:
        ordered = sorted((choices or {}).items(), key=lambda item: item[1].casefold())
        out["enumElements"] = dict(ordered)
    return out


def custom_field_order(record: CustomField) -> tuple[int, str, int]:
    """How a type's definitions are listed: by position, then name, then id."""
    position = record.position if isinstance(record.position, int) else 0
    name = record.name if isinstance(record.name, str) else ""
    record_id = record.id if isinstance(record.id, int) else 0
    return position, name.casefold(), record_id


def custom_field_map(p: Presenter, fields: Iterable[CustomField]) -> dict[str, Any]:
    """``findCustomFields``' result: each type's definitions in order, every type present."""
    grouped: dict[str, list[CustomField]] = {key: [] for key in CUSTOM_FIELD_GROUPS.values()}
    for field in fields:
        key = CUSTOM_FIELD_GROUPS.get(str(field.applies_to))
        if key is not None:
            grouped[key].append(field)
    return {
        key: [p.full(field) for field in sorted(items, key=custom_field_order)]
        for key, items in grouped.items()
    }


#: Layouts for :data:`nutshell_rpc.shapes`' full-record table.
FULL_LAYOUTS: Final[Mapping[type[Record], Layout]] = {CustomField: _custom_field}

#: Layouts for its stub table (a definition has one form).
STUB_LAYOUTS: Final[Mapping[type[Record], Layout]] = {CustomField: _custom_field}
