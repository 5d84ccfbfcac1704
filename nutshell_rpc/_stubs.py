"""Embedded legacy stubs read once and given back: the key that tells when two stubs are the
same JSON, and the check that a record read from one can be shared.

A page of leads embeds the same users, pipelines, stages, markets and teams over and over;
the same JSON read as the same class is the same frozen record, so the field kit keeps what
it read by :func:`stub_key` and gives it back (see ``FieldKit._read_ref``). Only records
nothing reachable from them can change are shared (:func:`shared_form`): a record holding a
list or a dict from its wire (an unknown key kept verbatim, custom fields) is read anew each
time, so changing one record's values never changes another's.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from types import MappingProxyType, MemberDescriptorType
from typing import Any, Final

import attrs

from nutshell_core.model import Record, Ref, Unset, WireMemo
from nutshell_core.wiremap import new_memo

__all__ = ["KEYED_MISSES", "STUBS_SIZE", "UNKEYED_READS", "shared_form", "stub_key"]

#: The most embedded stubs a FieldKit keeps by their wire values (cleared when full).
STUBS_SIZE: Final = 4096
#: Stubs of one key (``creator``, ``contacts``) missed (or not shareable) in a row before that
#: key's stubs are read without keys (keying costs about a third of reading a stub), and the
#: reads (counted on) until keys are tried again.
KEYED_MISSES: Final = 32
UNKEYED_READS: Final = 1024

# the JSON kinds whose Python equality is JSON equality: 1 == 1.0 == True and 0.0 == -0.0 in
# Python, while each is written differently (floats, and Decimals, are never keyed)
_EXACT_KINDS: Final = frozenset({str, int, bool, type(None)})

# positions of the lists and objects in a stub's values, by the types of its values (None for
# types no key is made of); a page's stubs have a few such type rows
_NESTED_AT: dict[tuple[type, ...], tuple[int, ...] | None] = {}


def _nested_at(kinds: tuple[type, ...]) -> tuple[int, ...] | None:
    found = _NESTED_AT.get(kinds, ())
    if found != ():
        return found
    at: tuple[int, ...] | None = tuple(
        i for i, kind in enumerate(kinds) if kind not in _EXACT_KINDS
    )
    if at is not None and any(kinds[i] not in (list, dict) for i in at):
        at = None
    if len(_NESTED_AT) >= STUBS_SIZE:
        _NESTED_AT.clear()
    _NESTED_AT[kinds] = at
    return at


def stub_key(cls: type[Record], raw: dict[str, Any]) -> tuple[Any, ...] | None:
    """A key that is equal for two embedded stubs exactly when they are the same JSON read
    with the same default class: the same keys in the same order, the same values of the
    same types, and at most one level of lists and objects of such values. None when ``raw``
    holds anything else (a float, deeper nesting): such a stub is read every time.

    Keys are compared as they are: ``True`` and ``1`` as keys would be equal, so a stub with a
    key that is not text is never kept (:func:`shared_form`), and none can be found by one.
    """
    values = tuple(raw.values())
    kinds = tuple(map(type, values))
    if _EXACT_KINDS.issuperset(kinds):
        return (cls, tuple(raw), values, kinds)
    nested = _nested_at(kinds)
    if nested is None:
        return None
    flat = list(values)
    for at in nested:
        value = flat[at]
        if type(value) is list:
            inner = tuple(value)
            inner_kinds = tuple(map(type, inner))
            if not _EXACT_KINDS.issuperset(inner_kinds):
                return None
            flat[at] = (inner, inner_kinds)
        else:  # the kinds tell an object (three parts) from a list (two)
            inner = tuple(value.values())
            inner_kinds = tuple(map(type, inner))
            if not _EXACT_KINDS.issuperset(inner_kinds):
                return None
            flat[at] = (tuple(value), inner, inner_kinds)
    return (cls, tuple(raw), tuple(flat), kinds)


# values nothing can change, by exact type (Unset and enums are checked apart)
_FROZEN_KINDS: Final = frozenset({str, int, float, bool, type(None), Decimal, datetime, date, time})
# every frozen attrs class shares attrs' refusing __setattr__
_FROZEN_SETATTR: Final = Ref.__setattr__
_set_memo: Final = (
    Record.__dict__["memo"].__set__
    if type(Record.__dict__.get("memo")) is MemberDescriptorType
    else None
)


def _frozen(value: Any) -> bool:
    """Whether nothing reachable from ``value`` can be changed in place."""
    kind = type(value)
    if kind in _FROZEN_KINDS or isinstance(value, Enum | Unset):
        return True
    if kind is tuple or kind is frozenset:
        return all(_frozen(item) for item in value)
    if attrs.has(kind) and kind.__setattr__ is _FROZEN_SETATTR:
        return all(
            _frozen(getattr(value, f.name))
            for f in attrs.fields(kind)
            if not (f.name == "memo" and isinstance(value, Record))
        ) and (not isinstance(value, Record) or _frozen_memo(value.memo))
    return False


def _frozen_memo(memo: WireMemo | None) -> bool:
    if memo is None:
        return True
    # originals and what they were read as are rare (a non-canonical spelling): not shared
    return (
        not memo.originals
        and not memo.loaded
        and all(type(key) is str and _frozen(value) for key, value in memo.extra.items())
    )


def _text_keys(raw: dict[str, Any]) -> bool:
    return all(type(key) is str for key in raw) and all(
        all(type(key) is str for key in value) for value in raw.values() if type(value) is dict
    )


def shared_form(raw: dict[str, Any], ref: Ref) -> Ref | None:
    """``ref`` ready to be given out for every later stub equal to ``raw``, or None when it
    cannot be: a key of ``raw`` that is not text, or a value reachable from its record that
    could be changed in place. Its record's kept unknown keys are made read-only (the record
    was made by this read and is not yet seen by anyone)."""
    record = ref.record
    if record is None or _set_memo is None or not _text_keys(raw) or not _frozen(ref):
        return None
    memo = record.memo
    if memo is not None and type(memo.extra) is not MappingProxyType:
        _set_memo(
            record,
            new_memo(
                memo.wire,
                MappingProxyType(dict(memo.extra)),
                memo.originals,
                memo.order,
                memo.loaded,
            ),
        )
    return ref
