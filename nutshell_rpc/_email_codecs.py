"""The JSON-RPC wire of an email's senders and recipients.

An Email's ``from``, ``to`` and ``cc`` are lists of ``{address, display, entity}``, where
``entity`` names the contact or user the address belongs to as ``{entityType, id}`` with the id
a *string* (``api_findtimeline.json``: ``{"entityType": "Contacts", "id": "11"}``), or null.
The loaders follow :mod:`nutshell_rpc._codecs`: strict about JSON types, raising ValueError or
TypeError on bad input, and never accepting a spelling the dumper cannot give back unless
Python tells the two apart (an integer id is kept as sent by the record's memo).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nutshell_core.model import UNSET, Correspondent, Record, Ref, entity_for_rpc_type, is_set
from nutshell_core.wiremap import Field
from nutshell_rpc._codecs import as_int, as_text, nullable, rpc_type_of

__all__ = ["correspondent_dump", "correspondent_load", "correspondents_field"]

_opt_text = nullable(as_text)


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        kind = "null" if value is None else type(value).__name__
        raise TypeError(f"{what}: expected a string, got {kind}")
    return value


def _entity_load(raw: Any) -> Ref | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise TypeError(f"entity: expected an object, got {type(raw).__name__}")
    rpc_type = _string(raw.get("entityType"), "entity.entityType")
    cls = entity_for_rpc_type(rpc_type)
    record_id = as_int(raw["id"]) if "id" in raw else UNSET
    # A type the model lacks keeps its RPC spelling, so the Ref still renders back.
    return Ref(entity=cls.entity if cls is not None else rpc_type, id=record_id)


def _entity_dump(ref: Ref | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    out: dict[str, Any] = {"entityType": rpc_type_of(ref.entity)}
    if is_set(ref.id):
        out["id"] = str(ref.id)  # the recorded spelling: a string
    return out


def correspondent_load(raw: Any) -> Correspondent:
    """One ``{address, display, entity}`` object."""
    if not isinstance(raw, Mapping):
        raise TypeError(f"expected a correspondent object, got {type(raw).__name__}")
    values: dict[str, Any] = {"address": _string(raw.get("address"), "address")}
    if "display" in raw:
        values["display"] = _opt_text(raw["display"])
    if "entity" in raw:
        values["entity"] = _entity_load(raw["entity"])
    return Correspondent(**values)


def correspondent_dump(item: Correspondent) -> dict[str, Any]:
    """``{address, display, entity}`` in the recorded key order; unset keys left out."""
    out: dict[str, Any] = {"address": item.address}
    if is_set(item.display):
        out["display"] = item.display
    if isinstance(item.entity, Ref) or item.entity is None:
        out["entity"] = _entity_dump(item.entity)
    return out


def correspondents_field(key: str, attr: str) -> Field:
    """A list of correspondents (``from``/``to``/``cc``) as a tuple; null says nothing (the
    memo keeps it)."""

    def load(value: Any) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        items = []
        for index, raw in enumerate(value):
            try:
                items.append(correspondent_load(raw))
            except (TypeError, ValueError, KeyError) as exc:
                raise ValueError(f"[{index}]: {exc}") from exc
        return {attr: tuple(items)}

    def dump(record: Record) -> Any:
        items = getattr(record, attr, UNSET)
        if not isinstance(items, tuple):
            return items
        return [correspondent_dump(i) for i in items]

    return Field(key, load, dump)
