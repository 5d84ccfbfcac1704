"""Does a legacy JSON-RPC result have the shape of a real recorded one?

The yardstick for the bridge's REST route, independent of the code that renders legacy results:
the recorded answers of the real Nutshell API in ``tests/fixtures/rpc`` (provenance in the
reference ``SOURCES.md``). :func:`shape_problems` compares *shapes*, never values:

* every key the recording has must be in the result, recursively into nested records;
* with the same JSON type (string, number, bool, object, array); int and float are one type;
* ``null`` is accepted only where the recording has ``null`` (which then says nothing about the
  type, so anything goes) or where the key is documented nullable (:data:`NULLABLE`);
* ``null`` is also accepted in a linked stub for a key that some recording has as ``null`` in
  a stub of the same ``entityType`` (an account stub's ``relationship`` is a string in one
  recording and ``null`` in another: both are real);
* list elements are compared one by one with the recorded element of the same ``entityType``
  (the first recorded element when the recording's elements carry none; position by position
  when they are of different JSON types, as in ``[timestamp, "53"]``);
* a linked stub the recording cannot show (the recording has ``null`` or an empty list there,
  or no element of that ``entityType``) is compared with the stubs of that ``entityType``
  recorded anywhere else (:func:`stub_shapes`): a ``{stub, id, entityType}`` link where a legacy
  client gets a full lead stub is caught even though the recorded activity had no leads;
* keys the result has beyond the recording are fine (the API adds keys; clients ignore them);
* coverage: a recorded non-empty list or non-null object whose counterpart was empty or null in
  every place of the result compared nothing, and that is reported too, so a check cannot pass
  by having nothing to look at.

Every problem is one readable line with a JSONPath-like location, for example::

    $[0].creator.createdTime: expected string, got null
    $.participants[1].name: expected string, key missing (and 3 more like it)
    $[*].products: the recording has elements here, but the result never had one to compare
    with them

Multi-value maps (``email``, ``phone``... with a ``--primary`` key) have labels for keys, so only
``--primary`` is required, and each entry is compared with the recorded entry of the same label,
else with the recorded ``--primary`` entry; a documented second form of an entry
(:data:`MULTI_VALUE_ALTERNATIVES`: a phone as an object) is accepted too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "ABSENT",
    "MULTI_VALUE_ALTERNATIVES",
    "NULLABLE",
    "RECORDINGS",
    "StubShapes",
    "all_recorded_results",
    "json_type",
    "recorded_result",
    "shape_problems",
    "stub_shapes",
]

#: The recorded real responses (copies of the reference recordings).
RECORDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "rpc"

#: Keys the legacy API documents as nullable (reference ``jsonrpc-api.md``), with the reason.
#: ``createdTime`` and ``modifiedTime`` are deliberately absent: every record has been created,
#: every recording sends them as strings, and typed legacy clients declare them as strings.
NULLABLE: Mapping[str, str] = {
    "primaryAccount": "§6 Lead: primaryAccount is an Account stub or null",
    "value": "§6 Lead: value is {currency, amount} or null (null in recorded lead stubs too)",
    "logNote": "§6 Activity: logNote is a Note or null",
    "dueTime": "§4: dates are strings or null; a lead without a due date has none",
    "closedTime": "§4: dates are strings or null; an open lead or process is not closed",
    "nextStepDueTime": "§4: dates are strings or null; a lead without a next step has none",
    "lastContactedDate": "§4: dates are strings or null; null until someone is contacted",
}

#: Multi-value maps whose entries the legacy API documents in a second JSON type (reference
#: ``jsonrpc-api.md``): map key -> (that type, why).
MULTI_VALUE_ALTERNATIVES: Mapping[str, tuple[str, str]] = {
    "phone": (
        "object",
        "§3 and §6 Contact: a phone entry is {countryCode, number, extension, numberFormatted, "
        'E164} or a string (the docs show "phone":{"work":{...},"--primary":{...}}; HULL '
        "recorded strings)",
    ),
}

#: Per ``entityType``, the keys recorded stubs of that type have, each with the JSON types the
#: recordings show for it (``"null"`` among them when some recording has null there, and
#: :data:`ABSENT` when some recorded stub of that type lacks the key).
StubShapes = Mapping[str, Mapping[str, frozenset[str]]]

#: The pseudo-type of a key that some recorded stub lacks.
ABSENT = "absent"

_MULTI_VALUE_PRIMARY = "--primary"
_INDEX = re.compile(r"\[\d+\]")


def json_type(value: Any) -> str:
    """The JSON type name of a decoded value: null, bool, number, string, array or object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def recorded_result(name: str) -> Any:
    """A recording's ``result``; the bare activity recordings are getActivity results as is."""
    data = json.loads((RECORDINGS / name).read_text(encoding="utf-8"))
    if isinstance(data, dict) and "result" in data and ("error" in data or "jsonrpc" in data):
        return data["result"]
    return data


def all_recorded_results() -> dict[str, Any]:
    """Every recording's result, by its name under :data:`RECORDINGS`."""
    return {
        str(path.relative_to(RECORDINGS)): recorded_result(str(path.relative_to(RECORDINGS)))
        for path in sorted(RECORDINGS.rglob("*.json"))
    }


def _walk_values(value: Any) -> Iterable[Any]:
    yield value
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _walk_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_values(item)


def _entity_type(value: Any) -> str | None:
    if isinstance(value, Mapping) and isinstance(value.get("entityType"), str):
        return str(value["entityType"])
    return None


def _is_stub(value: Any) -> bool:
    return (
        isinstance(value, Mapping) and value.get("stub") is True and _entity_type(value) is not None
    )


def stub_shapes(recordings: Iterable[Any]) -> dict[str, dict[str, frozenset[str]]]:
    """Per ``entityType``: every key recorded stubs have, with the JSON types seen for it.

    A key some recorded stub of that type lacks also has the pseudo-type :data:`ABSENT`: only
    keys without it are required of a stub.
    """
    seen: dict[str, list[Mapping[str, Any]]] = {}
    for recording in recordings:
        for value in _walk_values(recording):
            if _is_stub(value):
                seen.setdefault(str(value["entityType"]), []).append(value)
    shapes: dict[str, dict[str, frozenset[str]]] = {}
    for entity, stubs in seen.items():
        keys = dict.fromkeys(key for stub in stubs for key in stub)
        shapes[entity] = {
            key: frozenset(json_type(stub[key]) if key in stub else ABSENT for stub in stubs)
            for key in keys
        }
    return shapes


class _Comparison:
    """One comparison's state: problems grouped by location pattern, and coverage."""

    def __init__(self, nullable: Mapping[str, str], stubs: StubShapes) -> None:
        self.nullable = nullable
        self.stubs = stubs
        # (pattern, message) -> the concrete paths where it happened, in order.
        self.problems: dict[tuple[str, str], list[str]] = {}
        # Recorded containers reached (pattern -> what the recording had), and those compared.
        self.wanted: dict[str, str] = {}
        self.exercised: set[str] = set()

    def problem(self, path: str, message: str) -> None:
        self.problems.setdefault((_INDEX.sub("[*]", path), message), []).append(path)

    def compare(
        self, recorded: Any, actual: Any, path: str, key: str | None, *, may_be_null: bool = False
    ) -> None:
        rtype, atype = json_type(recorded), json_type(actual)
        if rtype == "null":
            # A recorded null says nothing about the type; a stub still has a recorded shape.
            self.compare_stub(actual, path)
            return
        pattern = _INDEX.sub("[*]", path)
        if rtype == "object" and recorded:
            self.wanted.setdefault(pattern, "an object")
        if atype == "null" and (may_be_null or (key is not None and key in self.nullable)):
            return
        if rtype != atype:
            self.problem(path, f"expected {rtype}, got {atype}")
            self.exercised.add(pattern)
            return
        if rtype == "object":
            self.exercised.add(pattern)
            if _MULTI_VALUE_PRIMARY in recorded:
                self.compare_multi_value(recorded, actual, path, key)
            else:
                self.compare_object(recorded, actual, path)
        elif rtype == "array":
            self.compare_array(recorded, actual, path)

    def compare_object(
        self, recorded: Mapping[str, Any], actual: Mapping[str, Any], path: str
    ) -> None:
        # A key of a stub that some recording has as null may be null (an account stub's
        # relationship is a string in one recording and null in another).
        kind = _entity_type(actual)
        stub = self.stubs.get(kind, {}) if kind is not None and _is_stub(actual) else {}
        for key, value in recorded.items():
            where = f"{path}.{key}"
            if key not in actual:
                self.problem(where, f"expected {json_type(value)}, key missing")
            else:
                may_be_null = "null" in stub.get(key, ())
                self.compare(value, actual[key], where, key, may_be_null=may_be_null)

    def compare_multi_value(
        self, recorded: Mapping[str, Any], actual: Mapping[str, Any], path: str, key: str | None
    ) -> None:
        primary = recorded[_MULTI_VALUE_PRIMARY]
        if _MULTI_VALUE_PRIMARY not in actual:
            self.problem(
                f"{path}.{_MULTI_VALUE_PRIMARY}", f"expected {json_type(primary)}, key missing"
            )
        alternative = MULTI_VALUE_ALTERNATIVES.get(key or "")
        for label, value in actual.items():
            sample = recorded.get(label, primary)
            if alternative is not None and json_type(value) == alternative[0]:
                continue  # the documented other form of an entry
            self.compare(sample, value, f"{path}.{label}", label)

    def compare_array(self, recorded: list[Any], actual: list[Any], path: str) -> None:
        pattern = _INDEX.sub("[*]", path)
        if recorded:
            self.wanted.setdefault(pattern, "elements")
        typed = {kind: item for item in reversed(recorded) if (kind := _entity_type(item))}
        # Elements of different JSON types and no records ([timestamp, "53"]) are a tuple:
        # each position has its own type.
        is_tuple = not typed and len({json_type(item) for item in recorded}) > 1
        for index, item in enumerate(actual):
            where = f"{path}[{index}]"
            kind = _entity_type(item)
            if kind is not None and typed:
                has_sample, sample = kind in typed, typed.get(kind)
            elif is_tuple:
                has_sample, sample = True, recorded[min(index, len(recorded) - 1)]
            else:
                has_sample, sample = bool(recorded), recorded[0] if recorded else None
            if has_sample:
                self.exercised.add(pattern)
                self.compare(sample, item, where, None)
            else:
                self.compare_stub(item, where)

    def compare_stub(self, actual: Any, path: str) -> None:
        """Compare a stub the recording cannot show with the stubs recorded elsewhere."""
        kind = _entity_type(actual)
        if not _is_stub(actual) or kind is None or kind not in self.stubs:
            return
        for key, seen in self.stubs[kind].items():
            if ABSENT in seen:
                continue  # not every recorded stub of this type has it
            types = seen - {ABSENT}
            where = f"{path}.{key}"
            expected = " or ".join(sorted(types - {"null"})) or "null"
            if key not in actual:
                self.problem(where, f"expected {expected}, key missing")
                continue
            got = json_type(actual[key])
            # Recorded only as null: the recordings say nothing about its type.
            if got in types or types == {"null"} or (got == "null" and key in self.nullable):
                continue
            self.problem(where, f"expected {expected}, got {got}")

    def report(self) -> list[str]:
        lines = []
        for (_pattern, message), paths in self.problems.items():
            more = f" (and {len(paths) - 1} more like it)" if len(paths) > 1 else ""
            lines.append(f"{paths[0]}: {message}{more}")
        for pattern, what in self.wanted.items():
            if pattern in self.exercised:
                continue
            if what == "elements":
                lines.append(
                    f"{pattern}: the recording has elements here, but the result never had "
                    "one to compare with them"
                )
            else:
                lines.append(
                    f"{pattern}: the recording has an object here, but the result's was always null"
                )
        return lines


def shape_problems(
    recorded: Any,
    actual: Any,
    *,
    nullable: Mapping[str, str] = NULLABLE,
    stubs: StubShapes | None = None,
) -> list[str]:
    """Every way ``actual`` falls short of the shape of ``recorded``, one readable line each.

    ``stubs`` (from :func:`stub_shapes`) shapes linked stubs the recording has no example of;
    without it such stubs are not compared. An empty list means the shapes agree.
    """
    comparison = _Comparison(nullable, stubs or {})
    comparison.compare(recorded, actual, "$", None)
    return comparison.report()
