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

Speed comes from two optional members of a row. ``read`` turns a wire value straight into the
value of the row's one attribute ``attr`` *and* vouches that ``dump`` would give back exactly
that wire value (same JSON: types and key order), so no rendering is needed to decide whether
the original must be kept; it returns :data:`SLOW` to hand the value to ``load`` and a rendered
comparison, :class:`Check` to supply the attribute but still compare, or :class:`Kept` to keep
the original without comparing. ``write`` renders a set attribute value when ``dump`` is just
``write(getattr(record, attr))``. Each record map is compiled once into a :class:`RecordCodec`
(per wire); :func:`verify` re-renders a structured record to prove the ``read`` promises, and is
what the tests run over the recorded responses.

Loaders raise ``ValueError``/``TypeError``/``KeyError`` on bad input; :func:`structure` turns
those into :class:`~nutshell_core.errors.MalformedResponseError` naming the path.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from types import MemberDescriptorType
from typing import Any, Final, Protocol, TypeVar, cast

import attrs

from nutshell_core._wirecompile import (
    EMPTY,
    Outcomes,
    StructureRow,
    compile_structure,
    compile_unstructure,
)
from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import UNSET, Record, WireMemo

__all__ = [
    "SLOW",
    "Check",
    "Field",
    "Kept",
    "RecordCodec",
    "RecordMap",
    "codec",
    "identity",
    "new_memo",
    "positional_maker",
    "same_json",
    "structure",
    "unstructure",
    "verify",
]

R = TypeVar("R", bound=Record)
T = TypeVar("T")

Loader = Callable[[Any], Mapping[str, Any]]
Dumper = Callable[[Record], Any]
Reader = Callable[[Any], Any]
Writer = Callable[[Any], Any]
#: Fills in values derived from several wire keys before the record is built.
Prepare = Callable[[dict[str, Any], Mapping[str, Any]], None]

#: What a loader may raise on bad input.
LOAD_ERRORS: Final = (ValueError, TypeError, KeyError, AttributeError, ArithmeticError)
# A fast reader that fails hands the value to the loader, whose error is the one reported.
_READ_ERRORS: Final = (*LOAD_ERRORS, MalformedResponseError)


class _Slow(enum.Enum):
    SLOW = "SLOW"

    def __repr__(self) -> str:
        return "SLOW"


#: Returned by a ``read`` that cannot vouch for a value: ``load`` and a comparison decide.
SLOW: Final = _Slow.SLOW


class Check:
    """A ``read`` result: the attribute's value, whose rendering must still be compared."""

    # a plain slotted class: made on the hot path, where an attrs frozen init costs more
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Check({self.value!r})"


class Kept:
    """A ``read`` result: the attribute's value; the original spelling is kept as it came."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Kept({self.value!r})"


@attrs.frozen
class Field:
    """One wire key: ``load`` maps its value to attributes; ``dump`` renders it (UNSET omits).

    ``attr``, ``read`` and ``write`` are the fast path described in the module docstring; a
    row with ``read`` but no ``attr`` validates (a plain result is ignored) or fills several
    attributes (a Check or Kept of a dict of attribute values). ``exact`` says that ``read``
    is the identity on values of exactly these types (``type(None)`` for null) and SLOW on any
    other, so the compiled structure tests the type in place of calling ``read``.
    """

    key: str
    load: Loader
    dump: Dumper
    attr: str | None = attrs.field(default=None, kw_only=True)
    read: Reader | None = attrs.field(default=None, kw_only=True)
    write: Writer | None = attrs.field(default=None, kw_only=True)
    exact: tuple[type, ...] | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class RecordMap:
    """The wire mapping of one record class in one wire format."""

    cls: type[Record]
    fields: tuple[Field, ...]
    by_key: Mapping[str, Field] = attrs.field(init=False)
    _codecs: dict[Any, RecordCodec] = attrs.field(
        init=False, factory=dict, eq=False, repr=False, hash=False
    )

    @by_key.default
    def _index(self) -> Mapping[str, Field]:
        return {f.key: f for f in self.fields}


#: The memo mapping of the many records that have nothing to put there (read-only, shared).
_EMPTY: Final[Mapping[str, Any]] = EMPTY

#: The types of the ``read`` results that are not plain attribute values.
_SPECIAL: Final = frozenset({_Slow, Check, Kept})


def same_json(left: Any, right: Any) -> bool:
    """Equal as JSON text would be: same types (``0`` is not ``False``), same key order."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(same_json(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same_json, left, right))
    return bool(left == right)


def _differs(rendered: Any, original: Any) -> bool:
    return bool(rendered != original)


def _differs_json(rendered: Any, original: Any) -> bool:
    return not same_json(rendered, original)


def identity(value: Any) -> Any:
    """The ``write`` of a key whose wire value is the attribute value itself."""
    return value


# The kinds of render steps: a key with no row, an attribute written as it is, one rendered
# by the row's write, a key rendered by the row's dump.
_EXTRA: Final = 0
_AS_IS: Final = 1
_WRITE: Final = 2
_DUMP: Final = 3

#: Render plans by key order are cached per codec; a page of records shares a handful.
_PLAN_CACHE_SIZE: Final = 256

#: A memo plan per key order: the memo shared by records without unknown keys (None when there
#: are some), the unknown keys, and the order tuple all records of that order share.
_MemoPlan = tuple[WireMemo | None, tuple[str, ...], tuple[str, ...]]


class Structure(Protocol):
    """A record class's structure function: ``structure(data, path="$")``."""

    def __call__(self, data: Any, path: str = "$") -> Record:
        """Build a record from a wire dict."""


class StructureHook(Protocol):
    """The same as a cattrs structure hook: ``hook(data, type)``."""

    def __call__(self, data: Any, _type: Any, path: str = "$") -> Record:
        """Build a record from a wire dict."""


class RecordCodec:
    """The compiled structure and unstructure functions of one record map on one wire.

    Built once per (map, wire) by :func:`codec`. ``exact_json`` keeps an original whenever its
    rendering differs as JSON (``1`` vs ``1.0``, key order), not only by Python equality;
    ``prepare`` fills in values derived from several keys before the record is built.

    ``structure`` (and ``hook``, its cattrs form) runs code generated per key order once that
    order is seen again (see :mod:`nutshell_core._wirecompile`), falling back to the generic
    loop :meth:`structure_any` for any record it cannot vouch for; ``unstructure`` likewise
    uses a renderer generated per key order.
    """

    __slots__ = (
        "_by_key",
        "_cls",
        "_differs",
        "_entity",
        "_fields",
        "_memo_plans",
        "_outcomes",
        "_plans",
        "_prepare",
        "_renders",
        "_shapes",
        "_sightings",
        "_table",
        "_wire",
        "hook",
        "mapping",
        "structure",
    )

    def __init__(
        self,
        mapping: RecordMap,
        wire: str,
        *,
        exact_json: bool = False,
        prepare: Prepare | None = None,
    ) -> None:
        self.mapping = mapping
        self._cls = mapping.cls
        self._entity = mapping.cls.entity
        self._wire = wire
        self._differs = _differs_json if exact_json else _differs
        self._prepare = prepare
        self._by_key = mapping.by_key
        # key -> (attr, read, field); attr is None unless the row has a fast reader of it
        self._table: dict[str, tuple[Any, Any, Field]] = {
            f.key: (f.attr if f.read is not None else None, f.read, f) for f in mapping.fields
        }
        # (key, attr, write, field): write None means "call dump(record)"
        self._fields: tuple[tuple[str, Any, Any, Field], ...] = tuple(
            (f.key, f.attr, f.write if f.attr is not None else None, f) for f in mapping.fields
        )
        self._plans: dict[tuple[str, ...], tuple[Any, ...]] = {}
        self._renders: dict[tuple[str, ...], Callable[[Any, Mapping[str, Any]], Any]] = {}
        self._memo_plans: dict[tuple[str, ...], _MemoPlan] = {}
        self._shapes: dict[tuple[str, ...], Structure] = {}
        self._sightings: dict[tuple[str, ...], int] = {}
        self._outcomes = Outcomes(
            slow=_Slow,
            kept=Kept,
            check=Check,
            special=_SPECIAL,
            full_memo=self._full_memo,
            differs=self._differs,
            prepare=prepare,
        )
        self.structure: Structure
        self.hook: StructureHook
        self.structure, self.hook = self._dispatchers()

    def _hook_any(self, data: Any, _type: Any, path: str = "$") -> Record:
        return self.structure_any(data, path)

    def _dispatchers(self) -> tuple[Structure, StructureHook]:
        """``structure`` and ``hook``: the generated function of the data's key order when
        there is one, else :meth:`_first_sight` (plain functions: this is every read's path)."""
        shape_of = self._shapes.get
        first_sight = self._first_sight
        slow = self.structure_any

        def structure(data: Any, path: str = "$") -> Record:
            if type(data) is dict:
                fast = shape_of(tuple(data))
                return first_sight(data, path) if fast is None else fast(data, path)
            return slow(data, path)

        def hook(data: Any, _type: Any, path: str = "$") -> Record:
            if type(data) is dict:
                fast = shape_of(tuple(data))
                return first_sight(data, path) if fast is None else fast(data, path)
            return slow(data, path)

        return structure, hook

    def _first_sight(self, data: dict[str, Any], path: str) -> Record:
        """A key order without a generated function: the loop reads it; seen again, it gets
        one (a one-off shape is not worth compiling)."""
        order = tuple(data)
        if order not in self._sightings:
            if len(self._sightings) >= _PLAN_CACHE_SIZE:
                self._sightings.clear()
            self._sightings[order] = 1
            return self.structure_any(data, path)
        fast = self._compile_shape(order)
        if len(self._shapes) >= _PLAN_CACHE_SIZE:
            self._shapes.clear()
        self._shapes[order] = fast
        return fast(data, path)

    def _compile_shape(self, order: tuple[str, ...]) -> Structure:
        """The generated structure of one key order, or the loop when a key needs it: one
        that only ``load`` reads, or two keys filling the same attribute."""
        rows: dict[str, StructureRow] = {}
        attributes: set[str] = set()
        for key in order:
            entry = self._table.get(key)
            if entry is None:
                continue
            attr, read, fld = entry
            if read is None or (attr is not None and attr in attributes):
                return self.structure_any
            if attr is not None:
                attributes.add(attr)
            rows[key] = (key, attr, read, fld.exact if attr is not None else None, fld.dump)
        shared, _unknown, interned = self._memo_plan(order)
        fast = compile_structure(
            self._cls,
            interned,
            rows,
            slow=self.structure_any,
            memo=shared,
            make_memo=self._make_memo,
            outcomes=self._outcomes,
            read_errors=_READ_ERRORS,
            slots=_slot_setters(self._cls),
        )
        return cast(Structure, fast)  # generated with the same signature

    def _memo_plan(self, order: tuple[str, ...]) -> _MemoPlan:
        """The memo plan of a key order (made once, then shared)."""
        plan = self._memo_plans.get(order)
        if plan is None:
            unknown = tuple(key for key in order if key not in self._table)
            shared = None if unknown else self._make_memo(_EMPTY, order)
            plan = (shared, unknown, order)
            if len(self._memo_plans) >= _PLAN_CACHE_SIZE:
                self._memo_plans.clear()
            self._memo_plans[order] = plan
        return plan

    def _make_memo(self, extra: Mapping[str, Any], order: tuple[str, ...]) -> WireMemo:
        return new_memo(self._wire, extra, _EMPTY, order, _EMPTY)

    def _full_memo(
        self,
        extra: Mapping[str, Any],
        originals: Mapping[str, Any],
        loaded: Mapping[str, Any],
        order: tuple[str, ...],
    ) -> WireMemo:
        return new_memo(self._wire, extra, originals, order, loaded)

    # -- wire -> model --------------------------------------------------------------------------

    # One flat loop on purpose: this is the path of every record the generated code declines.
    def structure_any(self, data: Any, path: str = "$") -> Record:  # noqa: PLR0915
        """Build a record from a wire dict, keeping what the typed fields cannot express."""
        if type(data) is not dict and not isinstance(data, Mapping):
            raise MalformedResponseError(
                f"expected an object for {self._entity}",
                problems=(f"got {type(data).__name__} @ {path}",),
            )
        row_of = self._table.get
        special = _SPECIAL
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        # Made only when needed: originals kept as they came (Kept reads), with the attributes
        # read from those that fill several (one attribute is cheap to read again); and the
        # (key, wire value, attributes) whose rendering is compared once the record is built.
        kept: dict[str, Any] | None = None
        loaded: dict[str, Mapping[str, Any]] | None = None
        pending: list[tuple[str, Any, Mapping[str, Any]]] | None = None
        for key, value in data.items():
            entry = row_of(key)
            if entry is None:
                extra[key] = value
                continue
            attr, read, fld = entry
            if attr is not None:  # a row with a fast reader of its one attribute
                try:
                    got = read(value)
                except _READ_ERRORS:
                    got = SLOW
                if type(got) not in special:
                    values[attr] = got
                    continue
                if got is not SLOW:
                    values[attr] = got.value
                    if type(got) is Kept:
                        if kept is None:
                            kept = {}
                        kept[key] = value
                    else:
                        if pending is None:
                            pending = []
                        pending.append((key, value, {attr: got.value}))
                    continue
            elif read is not None:  # validates, or fills several attributes
                try:
                    got = read(value)
                except _READ_ERRORS:
                    got = SLOW
                if got is not SLOW:
                    if type(got) is Kept:
                        values.update(got.value)
                        if kept is None:
                            kept = {}
                        if loaded is None:
                            loaded = {}
                        kept[key] = value
                        loaded[key] = got.value
                    elif type(got) is Check:
                        values.update(got.value)
                        if pending is None:
                            pending = []
                        pending.append((key, value, got.value))
                    continue
            part = self._load(fld, value, path)
            values.update(part)
            if pending is None:
                pending = []
            pending.append((key, value, part))
        if self._prepare is not None:
            self._prepared(values, data, path)
        try:
            record = self._cls(**values)
        except (TypeError, ValueError) as exc:
            raise MalformedResponseError(
                f"cannot build {self._entity}", problems=(f"{exc} @ {path}",)
            ) from exc
        if pending is not None:
            if kept is None:
                kept = {}
            if loaded is None:
                loaded = {}
            differs = self._differs
            by_key = self._by_key
            for key, value, part in pending:
                if differs(by_key[key].dump(record), value):
                    kept[key] = value
                    loaded[key] = part
        order = tuple(data)
        if type(data) is dict:  # records of one shape share their order (and a bare memo)
            plan = self._memo_plans.get(order) or self._memo_plan(order)
            if plan[0] is not None and not kept and not loaded:
                object.__setattr__(record, "memo", plan[0])
                return record
            order = plan[2]
        memo = new_memo(self._wire, extra or _EMPTY, kept or _EMPTY, order, loaded or _EMPTY)
        # The record is new and not yet seen by anyone: setting its memo in place (as attrs
        # itself sets a frozen instance's fields) spares building it a second time.
        object.__setattr__(record, "memo", memo)
        return record

    def _load(self, fld: Field, value: Any, path: str) -> Mapping[str, Any]:
        try:
            return fld.load(value)
        except LOAD_ERRORS as exc:
            raise MalformedResponseError(
                f"cannot read {self._entity} field {fld.key!r}",
                problems=(f"{exc} @ {path}.{fld.key}",),
            ) from exc

    def _prepared(self, values: dict[str, Any], data: Mapping[str, Any], path: str) -> None:
        assert self._prepare is not None
        try:
            self._prepare(values, data)
        except LOAD_ERRORS as exc:
            raise MalformedResponseError(
                f"cannot read {self._entity}", problems=(f"{exc} @ {path}",)
            ) from exc

    # -- model -> wire --------------------------------------------------------------------------

    def _plan(self, order: tuple[str, ...]) -> tuple[Any, ...]:
        """Steps ``(key, kind, attr, write, field)`` in the memo's key order, then the rows the
        order lacks; kind is _EXTRA (a key with no row), _AS_IS, _WRITE or _DUMP."""
        plan = self._plans.get(order)
        if plan is None:
            by_key = {row[0]: row for row in self._fields}
            steps: list[Any] = []
            seen = set(order)
            for key in (*order, *(row[0] for row in self._fields if row[0] not in seen)):
                row = by_key.get(key)
                if row is None:
                    steps.append((key, _EXTRA, None, None, None))
                    continue
                _key, attr, write, fld = row
                kind = _DUMP if write is None else _AS_IS if write is identity else _WRITE
                steps.append((key, kind, attr, write, fld))
            plan = tuple(steps)
            if len(self._plans) >= _PLAN_CACHE_SIZE:
                self._plans.clear()
            self._plans[order] = plan
        return plan

    def unstructure(self, record: Record) -> dict[str, Any]:
        """Render a record as a wire dict, restoring its memo when it came from the same wire."""
        memo = record.memo
        if memo is None or memo.wire != self._wire:
            render = self._renders.get(())
            if render is not None:
                return render(record, _EMPTY)  # type: ignore[no-any-return]
            return self._unstructure_bare(record)
        if not memo.originals:
            render = self._renders.get(memo.order)
            if render is not None:
                return render(record, memo.extra)  # type: ignore[no-any-return]
            if memo.order in self._plans:  # seen before: worth a generated renderer
                render = self._compile_render(memo.order)
                return render(record, memo.extra)  # type: ignore[no-any-return]
        return self._unstructure_memo(record, memo)

    def _compile_render(self, order: tuple[str, ...]) -> Callable[[Any, Mapping[str, Any]], Any]:
        render = compile_unstructure(self._cls, self._plan(order), unset=UNSET)
        if len(self._renders) >= _PLAN_CACHE_SIZE:
            self._renders.clear()
        self._renders[order] = render
        return render

    def _unstructure_bare(self, record: Record) -> dict[str, Any]:
        """A record without a memo of this wire, in the table's order."""
        if () in self._plans:
            return self._compile_render(())(record, _EMPTY)  # type: ignore[no-any-return]
        self._plan(())
        out: dict[str, Any] = {}
        for _key, attr, write, fld in self._fields:
            if write is None:
                value = fld.dump(record)
                if value is not UNSET:
                    out[_key] = value
                continue
            value = getattr(record, attr, UNSET)
            if value is not UNSET:
                rendered = value if write is identity else write(value)
                if rendered is not UNSET:
                    out[_key] = rendered
        return out

    def _unstructure_memo(self, record: Record, memo: WireMemo) -> dict[str, Any]:
        out: dict[str, Any] = {}
        originals = memo.originals
        has_originals = bool(originals)
        extra = memo.extra
        emitted = 0
        for key, kind, attr, write, fld in self._plan(memo.order):
            if kind == _EXTRA:
                if key in extra:
                    out[key] = extra[key]
                    emitted += 1
                continue
            if has_originals and key in originals:
                original = originals[key]
                if self._still_current(fld, key, original, record, memo):
                    out[key] = original
                    continue
            if kind == _AS_IS:
                value = getattr(record, attr, UNSET)
                if value is not UNSET:
                    out[key] = value
                    continue
            elif kind == _WRITE:
                value = getattr(record, attr, UNSET)
                if value is not UNSET:
                    value = write(value)
                    if value is not UNSET:
                        out[key] = value
                        continue
            else:
                value = fld.dump(record)
                if value is not UNSET:
                    out[key] = value
                    continue
            if key in extra:  # a hand-made memo may hold a known key: the typed value wins
                out[key] = extra[key]
                emitted += 1
        if emitted < len(extra):  # extras outside the memo's order (a hand-made memo)
            out.update({k: v for k, v in extra.items() if k not in out})
        return out

    @staticmethod
    def _still_current(fld: Field, key: str, original: Any, record: Record, memo: WireMemo) -> bool:
        part = memo.loaded.get(key)
        if part is None and fld.attr is not None and fld.read is not None:
            # one attribute: its fast reader gives what load would, for less
            try:
                got = fld.read(original)
            except _READ_ERRORS:
                got = SLOW
            if got is not SLOW:
                if type(got) is Kept or type(got) is Check:
                    got = got.value
                current = getattr(record, fld.attr, UNSET)
                return current is got or bool(current == got)
        if part is None:
            try:
                part = fld.load(original)
            except LOAD_ERRORS:
                return False
        for name, value in part.items():
            current = getattr(record, name, UNSET)
            if current is not value and current != value:
                return False
        return True


def _slot_setters(cls: type) -> list[tuple[str, Any, Any]] | None:
    """(name, slot setter, default) of every field, when the class's ``__init__`` does nothing
    but store its arguments (no validator, converter, factory or init hook); else None."""
    if (
        any(
            getattr(cls, hook, None) is not None
            for hook in ("__attrs_pre_init__", "__attrs_post_init__", "__attrs_init__")
        )
        or "__slots__" not in cls.__dict__
    ):
        return None
    setters = []
    for fld in attrs.fields(cls):
        if (
            not fld.init
            or fld.converter is not None
            or fld.validator is not None
            or fld.default is attrs.NOTHING
            or isinstance(fld.default, attrs.Factory)  # type: ignore[arg-type]
            or getattr(fld, "alias", fld.name) != fld.name
        ):
            return None
        slot = next((k.__dict__[fld.name] for k in cls.__mro__ if fld.name in k.__dict__), None)
        if type(slot) is not MemberDescriptorType:
            return None
        setters.append((fld.name, slot.__set__, fld.default))
    return setters


def positional_maker(cls: type[T], names: tuple[str, ...]) -> Callable[..., T]:
    """A constructor of ``cls`` taking ``names`` positionally and storing them slot by slot,
    when its ``__init__`` only stores exactly those arguments (a record read makes several such
    objects: the keyword call through attrs is half their cost); else a keyword call of the
    class itself, so a class that gains a validator or a hook is still built through them."""
    fields = attrs.fields(cast(Any, cls))
    init = cls.__dict__.get("__init__")
    plain = (
        tuple(f.name for f in fields) == names
        # the class's own __init__, as attrs wrote it: not a subclass's, nor one by hand
        and getattr(getattr(init, "__code__", None), "co_filename", "").startswith(
            "<attrs generated"
        )
        and cls.__new__ is object.__new__
        # a cached hash is a slot __init__ clears
        and not any("_attrs_cached_hash" in getattr(k, "__slots__", ()) for k in cls.__mro__)
        and all(f.validator is None and f.converter is None for f in fields)
        and not any(
            getattr(cls, hook, None) is not None
            for hook in ("__attrs_pre_init__", "__attrs_post_init__", "__attrs_init__")
        )
        and all(
            type(next((k.__dict__[n] for k in cls.__mro__ if n in k.__dict__), None))
            is MemberDescriptorType
            for n in names
        )
    )
    params = ", ".join(names)
    if plain:
        setters = {
            f"set_{n}": next(k.__dict__[n] for k in cls.__mro__ if n in k.__dict__).__set__
            for n in names
        }
        body = "".join(f"    set_{n}(made, {n})\n" for n in names)
        source = f"def make({params}):\n    made = new(cls)\n{body}    return made\n"
        namespace: dict[str, Any] = {"new": object.__new__, "cls": cls, **setters}
    else:
        alias = {f.name: getattr(f, "alias", None) or f.name for f in fields}
        keywords = ", ".join(f"{alias.get(n, n)}={n}" for n in names)
        source = f"def make({params}):\n    return cls({keywords})\n"
        namespace = {"cls": cls}
    exec(compile(source, f"<make {cls.__name__}>", "exec"), namespace)  # noqa: S102 - built here
    make: Callable[..., T] = namespace["make"]
    return make


#: ``WireMemo(wire, extra, originals, order, loaded)``, stored slot by slot (one per record read).
new_memo: Final[
    Callable[
        [str, Mapping[str, Any], Mapping[str, Any], tuple[str, ...], Mapping[str, Any]], WireMemo
    ]
] = positional_maker(WireMemo, ("wire", "extra", "originals", "order", "loaded"))


def codec(
    mapping: RecordMap,
    wire: str,
    *,
    exact_json: bool = False,
    prepare: Prepare | None = None,
) -> RecordCodec:
    """The compiled codec of ``mapping`` on ``wire`` (built on first use, then shared)."""
    cache_key = (wire, exact_json, prepare)
    found = mapping._codecs.get(cache_key)
    if found is None:
        found = RecordCodec(mapping, wire, exact_json=exact_json, prepare=prepare)
        mapping._codecs[cache_key] = found
    return found


def structure(mapping: RecordMap, wire: str, data: Any, path: str = "$") -> Record:
    """Build a record from a wire dict, keeping what the typed fields cannot express."""
    return codec(mapping, wire).structure(data, path)


def unstructure(mapping: RecordMap, wire: str, record: Record) -> dict[str, Any]:
    """Render a record as a wire dict, restoring its memo when it came from the same wire."""
    return codec(mapping, wire).unstructure(record)


def verify(
    mapping: RecordMap, data: Mapping[str, Any], record: Record, *, exact_json: bool = True
) -> list[str]:
    """The broken promises of the fast path for ``record`` structured from ``data``.

    Every key read without keeping its original must render (``dump``) to exactly what
    arrived (as JSON, or by Python equality without ``exact_json``), and every key's fast
    ``read`` must agree with its ``load``. An empty list means the record's memo holds all it
    needs. For tests and debugging: it renders every key again, which the hot path never does.
    """
    memo = record.memo
    originals = memo.originals if memo is not None else {}
    broken: list[str] = []
    for key, value in data.items():
        fld = mapping.by_key.get(key)
        if fld is None:
            continue
        if fld.read is not None and fld.attr is not None:
            try:
                got = fld.read(value)
            except _READ_ERRORS:
                got = SLOW
            if isinstance(got, (Check, Kept)):
                got = got.value
            if got is not SLOW and fld.load(value) != {fld.attr: got}:
                broken.append(f"{key}: read and load disagree")
        differs = _differs_json if exact_json else _differs
        if key not in originals and differs(fld.dump(record), value):
            broken.append(f"{key}: renders differently and its original was not kept")
    return broken
