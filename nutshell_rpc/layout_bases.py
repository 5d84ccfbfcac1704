"""The part of a record a layout reads, rendered alone.

A legacy stub shows a handful of a record's keys (its head: id, rev, entity type and times,
and for some classes a status or a due time), yet a list of a hundred stubs would otherwise
render a hundred whole records to read them; a full lead's layout, too, builds most of its
keys itself (links, counts, URLs) and reads only a few from the rendered record.
:func:`stub_base` and :func:`full_base` render only the wire rows of the attributes the layout
of the record's class reads, with the same writers :func:`~nutshell_rpc.convert.record_to_rpc`
uses, so the keys they give are spelled exactly as in the whole rendering (tests hold the two
equal over every seeded record).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from nutshell_core.model import (
    UNSET,
    Account,
    AccountType,
    Activity,
    ActivityType,
    Competitor,
    Contact,
    Industry,
    Lead,
    Market,
    Product,
    Record,
    Source,
    Stage,
    Stageset,
    Task,
    Team,
    Territory,
    User,
)
from nutshell_rpc.convert import WIRE as RPC_WIRE
from nutshell_rpc.convert import default_converter, record_maps, record_to_rpc

__all__ = ["FULL_ATTRS", "HEAD_ATTRS", "STUB_ATTRS", "full_base", "stub_base"]

#: Per class, the attributes whose wire keys its stub layout reads from the rendered record.
#: Classes not listed render whole.
STUB_ATTRS: Final[Mapping[type[Record], tuple[str, ...]]] = {
    Lead: ("status", "due_time", "closed_time"),
    Contact: (),
    Account: (),
    Activity: ("start_time", "end_time"),
    Task: ("due_time", "completed_time"),
    # the links a lead shows: their stubs read the head and a name (a user's emails too)
    User: ("name", "emails"),
    Product: ("name",),
    Team: ("name",),
    Stage: ("name",),
    Stageset: ("name",),
    Market: ("name",),
    Source: ("name",),
    Competitor: ("name",),
    ActivityType: ("name",),
    Industry: ("name",),
    Territory: ("name",),
    AccountType: ("name",),
}
#: The same for full layouts that read only a few keys of the rendered record.
FULL_ATTRS: Final[Mapping[type[Record], tuple[str, ...]]] = {
    Lead: ("status", "confidence", "tags", "priority", "due_time", "custom_fields", "closed_time"),
}
#: What every head reads (``Presenter.head``).
HEAD_ATTRS: Final = ("id", "rev", "modified_time", "created_time")

# Per class: the keys an empty record renders (its entity type), and (key, attribute, writer)
# of the rows the stub reads; kept with the converter's hooks_version they were made at.
_Plan = tuple[dict[str, Any], tuple[tuple[str, str, Callable[[Any], Any]], ...]]
_PLANS: dict[tuple[type[Record], tuple[str, ...]], tuple[int | None, _Plan | None]] = {}


def _plan(cls: type[Record], wanted: tuple[str, ...]) -> _Plan | None:
    version = getattr(default_converter(), "hooks_version", None)
    kept = _PLANS.get((cls, wanted))
    if kept is not None and kept[0] == version and version is not None:
        return kept[1]
    names = {*HEAD_ATTRS, *wanted}
    rows: list[tuple[str, str, Callable[[Any], Any]]] = []
    plan: _Plan | None
    for field in record_maps()[cls].fields:
        if field.attr not in names:
            continue
        if field.write is None:  # a row rendered from the whole record: render it whole
            plan = None
            break
        rows.append((field.key, field.attr, field.write))
    else:
        plan = (record_to_rpc(cls()), tuple(rows))
    _PLANS[cls, wanted] = (version, plan)
    return plan


def stub_base(cls: type[Record], record: Record, rev: str | None = None) -> dict[str, Any]:
    """The RPC wire keys a stub of ``record`` reads, spelled as :func:`record_to_rpc` spells
    them for the whole record; with ``rev`` given, as if the record carried that rev."""
    return _base(STUB_ATTRS.get(cls), cls, record, rev)


def full_base(cls: type[Record], record: Record, rev: str | None = None) -> dict[str, Any] | None:
    """The RPC wire keys the full layout of ``record``'s class reads, spelled as
    :func:`record_to_rpc` spells them (with ``rev`` as :func:`stub_base` takes it); None for
    classes whose layout reads the whole record."""
    wanted = FULL_ATTRS.get(cls)
    return None if wanted is None else _base(wanted, cls, record, rev)


def _base(
    wanted: tuple[str, ...] | None, cls: type[Record], record: Record, rev: str | None
) -> dict[str, Any]:
    memo = record.memo
    if wanted is None or (memo is not None and memo.wire == RPC_WIRE):
        # A record read from the RPC wire is rendered from its original spelling: whole.
        return record_to_rpc(record if rev is None else attrs.evolve(record, rev=rev))
    plan = _plan(cls, wanted)
    if plan is None:
        kept = {name: getattr(record, name) for name in (*HEAD_ATTRS, *wanted)}
        if rev is not None:
            kept["rev"] = rev
        return record_to_rpc(cls(**{k: v for k, v in kept.items() if v is not UNSET}))
    constants, rows = plan
    out = dict(constants)
    for key, attr, write in rows:
        value = rev if rev is not None and attr == "rev" else getattr(record, attr)
        if value is not UNSET:
            rendered = write(value)
            if rendered is not UNSET:
                out[key] = rendered
    return out
