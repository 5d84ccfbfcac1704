"""Declarative wire mappings: the mechanism both converters share for lossless round trips.

A converter declares, per record class, a tuple of :class:`Field` rows: a wire key, a ``load``
that turns the wire value into model attributes, and a ``dump`` that renders those attributes
back. :func:`structure` and :func:`unstructure` then do the bookkeeping that makes
``wire -> model -> same wire`` exact:

* wire keys with no row go to the record's :class:`~nutshell_core.model.WireMemo` ``extra``;
* a known key whose rendered form differs from what arrived (a ``-05:00`` offset, a REST time
  object's display strings, an RPC multi-value map keyed by label) keeps its original spelling
  in ``originals``; it is re-used on the way out only while it still loads to the record's
  current attribute values, so an edited record is rendered from its typed fields;
* the original key order is kept.

Loaders raise ``ValueError``/``TypeError``/``KeyError`` on bad input; :func:`structure` turns
those into :class:`~nutshell_core.errors.MalformedResponseError` naming the path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import UNSET, Record, WireMemo

__all__ = ["Field", "RecordMap", "structure", "unstructure"]

R = TypeVar("R", bound=Record)

Loader = Callable[[Any], Mapping[str, Any]]
Dumper = Callable[[Record], Any]


@attrs.frozen
class Field:
    """One wire key: ``load`` maps its value to attributes; ``dump`` renders it (UNSET omits)."""

    key: str
    load: Loader
    dump: Dumper


@attrs.frozen
class RecordMap:
    """The wire mapping of one record class in one wire format."""

    cls: type[Record]
    fields: tuple[Field, ...]
    by_key: Mapping[str, Field] = attrs.field(init=False)

    @by_key.default
    def _index(self) -> Mapping[str, Field]:
        return {f.key: f for f in self.fields}


def structure(mapping: RecordMap, wire: str, data: Any, path: str = "$") -> Record:
    """Build a record from a wire dict, keeping what the typed fields cannot express."""
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            f"expected an object for {mapping.cls.entity}",
            problems=(f"got {type(data).__name__} @ {path}",),
        )
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in data.items():
        fld = mapping.by_key.get(key)
        if fld is None:
            extra[key] = value
            continue
        try:
            values.update(fld.load(value))
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError) as exc:
            raise MalformedResponseError(
                f"cannot read {mapping.cls.entity} field {key!r}",
                problems=(f"{exc} @ {path}.{key}",),
            ) from exc
    try:
        record = mapping.cls(**values)
    except (TypeError, ValueError) as exc:
        raise MalformedResponseError(
            f"cannot build {mapping.cls.entity}", problems=(f"{exc} @ {path}",)
        ) from exc
    originals = {
        key: value
        for key, value in data.items()
        if key in mapping.by_key and mapping.by_key[key].dump(record) != value
    }
    memo = WireMemo(wire=wire, extra=extra, originals=originals, order=tuple(data))
    return attrs.evolve(record, memo=memo)


def _still_current(fld: Field, original: Any, record: Record) -> bool:
    try:
        loaded = fld.load(original)
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError):
        return False
    return all(getattr(record, name, UNSET) == value for name, value in loaded.items())


def unstructure(mapping: RecordMap, wire: str, record: Record) -> dict[str, Any]:
    """Render a record as a wire dict, restoring its memo when it came from the same wire."""
    memo = record.memo if record.memo is not None and record.memo.wire == wire else None
    rendered: dict[str, Any] = {}
    for fld in mapping.fields:
        if memo is not None and fld.key in memo.originals:
            original = memo.originals[fld.key]
            if _still_current(fld, original, record):
                rendered[fld.key] = original
                continue
        value = fld.dump(record)
        if value is not UNSET:
            rendered[fld.key] = value
    if memo is None:
        return rendered
    rendered.update({k: v for k, v in memo.extra.items() if k not in rendered})
    ordered = {key: rendered.pop(key) for key in memo.order if key in rendered}
    ordered.update(rendered)
    return ordered
