"""Snapshot and restore of the whole emulator state as a JSON file.

The state holds model objects whose fields mix "not sent" (UNSET), None, Decimals, aware
datetimes, enums, tuples and maps keyed by integers — more than plain JSON can tell apart. Each
such value is written as a small tagged object (``{"$dec": "9.50"}``), so restoring gives back
objects equal to the ones saved. Embedded copies of linked records (``Ref.record``) and wire
memos are caches, not state, and are left out.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from nutshell_core import model
from nutshell_core.errors import UsageError
from nutshell_emulator.store import Change, Store, StoreEvent

__all__ = ["FORMAT", "from_data", "restore", "save", "to_data"]

#: Written into every snapshot; a file of another format is refused.
FORMAT = "nutshell-emulator-snapshot/1"

_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        *model.ENTITIES.values(),
        model.Ref,
        model.Money,
        model.Email,
        model.Correspondent,
        model.Url,
        model.Phone,
        model.Address,
        model.PersonName,
        Change,
        StoreEvent,
    )
}
_ENUMS: dict[str, type[enum.Enum]] = {
    cls.__name__: cls for cls in (model.LeadStatus, model.ActivityStatus)
}
_SKIPPED = frozenset({"record", "memo"})


def to_data(value: Any) -> Any:
    """Encode a state value as JSON-compatible data."""
    if value is model.UNSET:
        return {"$unset": True}
    if isinstance(value, enum.Enum):
        return {"$enum": type(value).__name__, "v": value.value}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, tuple):
        return {"$tuple": [to_data(v) for v in value]}
    if isinstance(value, list):
        return [to_data(v) for v in value]
    if isinstance(value, Mapping):
        return {"$map": [[to_data(k), to_data(v)] for k, v in value.items()]}
    if attrs.has(type(value)) and type(value).__name__ in _CLASSES:
        fields = {
            f.name: to_data(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if f.name not in _SKIPPED
        }
        return {"$attrs": type(value).__name__, "f": fields}
    raise UsageError(f"cannot snapshot a {type(value).__name__}")


def from_data(data: Any) -> Any:
    """Decode what :func:`to_data` wrote."""
    if isinstance(data, list):
        return [from_data(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$unset" in data:
        return model.UNSET
    if "$enum" in data:
        return _ENUMS[data["$enum"]](data["v"])
    if "$dec" in data:
        return Decimal(data["$dec"])
    if "$dt" in data:
        return datetime.fromisoformat(data["$dt"])
    if "$tuple" in data:
        return tuple(from_data(v) for v in data["$tuple"])
    if "$map" in data:
        return {from_data(k): from_data(v) for k, v in data["$map"]}
    if "$attrs" in data:
        cls = _CLASSES[data["$attrs"]]
        return cls(**{k: from_data(v) for k, v in data["f"].items()})
    raise UsageError(f"unknown snapshot value {sorted(data)!r}")


def save(store: Store, path: str | Path) -> None:
    """Write the whole state of ``store`` to a JSON file."""
    document = {"format": FORMAT, "state": to_data(store.state())}
    Path(path).write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")


def restore(store: Store, path: str | Path) -> None:
    """Replace the state of ``store`` with a snapshot file's."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise UsageError(f"{path} is not a {FORMAT} file")
        state = from_data(document["state"])
        if not isinstance(state, Mapping):
            raise TypeError("the state is not a table")
        store.load_state(state)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"cannot restore a snapshot from {path}: {exc}") from exc
