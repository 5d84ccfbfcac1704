"""Structural comparison of a recorded API response with an emulated one.

``shape_diff(recorded, actual)`` compares *shapes*, not values: dict key sets (and the order of
the keys both have), JSON value types, and list elements, each actual element against the
recording's first element (or, in a list mixing record types, the first recorded element of
the same ``entityType``; a list mixing scalar types, such as a ``[time, "count"]`` point, is a
tuple compared position by position). Every difference is one line, with a JSONPath-like location:

    $.creator: missing key 'avatarUrl'
    $.products[*]: unexpected key 'sku'
    $.closedTime: recorded str, got null
    $.contacts: recorded 1 item(s), got an empty list
    $.notes: key order differs: recorded [...], got [...]

Lines are stable strings, so a test can list the differences it accepts, each with a reason,
and fail on anything else. Int and float are one JSON type (``number``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["json_type", "shape_diff"]


def json_type(value: Any) -> str:
    """The JSON type name of a decoded value: null, bool, number, str, list or object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def shape_diff(recorded: Any, actual: Any, path: str = "$", *, order: bool = True) -> list[str]:
    """Every structural difference between ``recorded`` and ``actual``, one line each.

    ``order`` also compares the relative order of the keys both objects have.
    """
    out: list[str] = []
    _diff(recorded, actual, path, out, order)
    return list(dict.fromkeys(out))  # one line per difference, however many elements share it


def _diff(recorded: Any, actual: Any, path: str, out: list[str], order: bool) -> None:
    rtype, atype = json_type(recorded), json_type(actual)
    if rtype != atype:
        out.append(f"{path}: recorded {rtype}, got {atype}")
        return
    if rtype == "object":
        _diff_object(recorded, actual, path, out, order)
    elif rtype == "list":
        _diff_list(recorded, actual, path, out, order)


def _diff_object(
    recorded: Mapping[str, Any], actual: Mapping[str, Any], path: str, out: list[str], order: bool
) -> None:
    out.extend(f"{path}: missing key {key!r}" for key in recorded if key not in actual)
    out.extend(f"{path}: unexpected key {key!r}" for key in actual if key not in recorded)
    common = [key for key in recorded if key in actual]
    if order:
        actual_order = [key for key in actual if key in recorded]
        if common != actual_order:
            out.append(f"{path}: key order differs: recorded {common}, got {actual_order}")
    for key in common:
        _diff(recorded[key], actual[key], f"{path}.{key}", out, order)


def _is_tuple(items: list[Any]) -> bool:
    """Scalars of more than one JSON type: a fixed-position tuple, not a list of alike items."""
    kinds = {json_type(item) for item in items}
    return len(kinds) > 1 and not kinds & {"object", "list", "null"}


def _entity_type(value: Any) -> str | None:
    if isinstance(value, Mapping) and isinstance(value.get("entityType"), str):
        return str(value["entityType"])
    return None


def _diff_list(
    recorded: list[Any], actual: list[Any], path: str, out: list[str], order: bool
) -> None:
    if not recorded:
        return  # an empty recording says nothing about element shapes
    if not actual:
        out.append(f"{path}: recorded {len(recorded)} item(s), got an empty list")
        return
    if _is_tuple(recorded):
        # A list mixing scalar types is a tuple ([epoch ms, "count"] points): by position.
        if len(actual) != len(recorded):
            out.append(f"{path}: recorded {len(recorded)} item(s), got {len(actual)}")
        for index, (want, got) in enumerate(zip(recorded, actual, strict=False)):
            _diff(want, got, f"{path}[{index}]", out, order)
        return
    samples: dict[str | None, Any] = {}
    for item in recorded:
        samples.setdefault(_entity_type(item), item)
    mixed = len(samples) > 1
    for item in actual:
        kind = _entity_type(item)
        sample = samples.get(kind, recorded[0]) if mixed else recorded[0]
        where = f"{path}[{kind}]" if mixed and kind in samples else f"{path}[*]"
        if mixed and kind not in samples:
            out.append(f"{path}: unexpected element type {kind!r}")
            continue
        _diff(sample, item, where, out, order)
    if mixed:
        produced = {_entity_type(item) for item in actual}
        out.extend(
            f"{path}: no {kind!r} element (recorded)" for kind in samples if kind not in produced
        )
