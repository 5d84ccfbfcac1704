"""Code generation for :mod:`nutshell_core.wiremap`: one straight-line function per record map.

The generic loops in :class:`~nutshell_core.wiremap.RecordCodec` dispatch on every key of every
record. The records of one API come in a handful of shapes (a stub, a full record), and a
shape is its key order. For a key order seen again, a function generated for exactly that
order does the same work without the dispatch: the values unpack in order, each row's check is
written out (``type(v) is str``), each reader is a local, unknown keys go to the memo by
position, and the record is built with one call (or stored slot by slot). A reader's Kept and
Check are handled in place as the loop handles them (the original kept; the rendering compared
once the record is built), as are rows filling several attributes and a map's prepare step.
Anything else (a reader's SLOW, an error, two rows filling one attribute, a value the class
would refuse) hands the whole record to the generic loop, so the result is always the generic
one. This is the technique attrs and cattrs use for their own ``__init__`` and hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final, cast

import attrs

__all__ = [
    "EMPTY",
    "Outcomes",
    "StructureRow",
    "UnstructureStep",
    "compile_structure",
    "compile_unstructure",
]

#: The memo mapping of a record with nothing to put there (read-only, shared).
EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})

#: A row as the structure compiler sees it: key, attribute (None: the reader validates or fills
#: several attributes), reader, the exact JSON types its reader takes back unchanged (None: call
#: the reader), and the row's dump (to compare a value its reader could not vouch for).
StructureRow = tuple[
    str, str | None, Callable[[Any], Any], tuple[type, ...] | None, Callable[[Any], Any]
]

#: A render step: key, kind (0 extra, 1 as is, 2 write, 3 dump), attribute, writer, dumper.
UnstructureStep = tuple[str, int, str | None, Any, Any]

_INDENT: Final = "    "
_I2: Final = _INDENT * 2
_I3: Final = _INDENT * 3


def _type_test(name: str, types: tuple[type, ...], names: dict[type, str]) -> str:
    tests = []
    for kind in types:
        if kind is type(None):
            tests.append(f"{name} is None")
        else:
            tests.append(f"type({name}) is {names[kind]}")
    return " or ".join(tests)


def _compile(source: str, namespace: dict[str, Any], name: str, filename: str) -> Any:
    code = compile(source, filename, "exec")
    exec(code, namespace)  # noqa: S102 - our own generated source, built from the field table
    return namespace[name]


@attrs.frozen
class Outcomes:
    """What the generic loop does with a reader's result, handed to the generated code.

    ``slow`` is the type of SLOW (hand the record to the loop); ``kept`` and ``check`` are the
    types of a Kept and a Check result; ``special`` all three. ``full_memo(extra, originals,
    loaded, order)`` builds the memo of a record that keeps originals; ``differs(rendered,
    original)`` is the codec's comparison of a Check; ``prepare(values, data)`` the map's step
    deriving values from several keys (None: none).
    """

    slow: type
    kept: type
    check: type
    special: frozenset[type]
    full_memo: Callable[
        [Mapping[str, Any], Mapping[str, Any], Mapping[str, Any], tuple[str, ...]], Any
    ]
    differs: Callable[[Any, Any], bool]
    prepare: Callable[[dict[str, Any], Mapping[str, Any]], None] | None = None


def _single_row(index: int, key: str, attr: str, emit: Callable[[str], None]) -> None:
    """A row reading one attribute: a plain result is its value; Kept keeps the original;
    Check compares once the record is built; SLOW hands the record to the loop."""
    emit(f"a{index} = r{index}(v{index})")
    emit(f"if type(a{index}) in SPECIAL:")
    emit(f"{_INDENT}t = type(a{index})")
    emit(f"{_INDENT}if t is KEPT:")
    emit(f"{_I2}a{index} = a{index}.value")
    emit(f"{_I2}if kept is None:")
    emit(f"{_I3}kept = {{}}")
    emit(f"{_I2}kept[{key!r}] = v{index}")
    emit(f"{_INDENT}elif t is CHECK:")
    emit(f"{_I2}a{index} = a{index}.value")
    emit(f"{_I2}if pending is None:")
    emit(f"{_I3}pending = []")
    emit(f"{_I2}pending.append(({key!r}, v{index}, {{{attr!r}: a{index}}}, d{index}))")
    emit(f"{_INDENT}else:")
    emit(f"{_I2}return slow(data, path)")


def _multi_row(index: int, key: str, emit: Callable[[str], None]) -> None:
    """A row whose reader validates (a plain result, ignored) or fills several attributes (a
    Kept or Check of a dict of them, in ``m<index>``; None when it filled none)."""
    emit(f"m{index} = r{index}(v{index})")
    emit(f"t = type(m{index})")
    emit("if t is KEPT:")
    emit(f"{_INDENT}m{index} = m{index}.value")
    emit(f"{_INDENT}if kept is None:")
    emit(f"{_I2}kept = {{}}")
    emit(f"{_INDENT}if loaded is None:")
    emit(f"{_I2}loaded = {{}}")
    emit(f"{_INDENT}kept[{key!r}] = v{index}")
    emit(f"{_INDENT}loaded[{key!r}] = m{index}")
    emit("elif t is CHECK:")
    emit(f"{_INDENT}m{index} = m{index}.value")
    emit(f"{_INDENT}if pending is None:")
    emit(f"{_I2}pending = []")
    emit(f"{_INDENT}pending.append(({key!r}, v{index}, m{index}, d{index}))")
    emit("elif t is SLOWT:")
    emit(f"{_INDENT}return slow(data, path)")
    emit("else:")
    emit(f"{_INDENT}m{index} = None")


def _read_rows(
    order: tuple[str, ...],
    rows: Mapping[str, StructureRow],
    namespace: dict[str, Any],
    type_names: dict[type, str],
) -> tuple[list[str], dict[str, str], list[str], list[str]]:
    """The lines reading each value of ``order`` (``v<index>``), the expression of each
    attribute read by one row, the names of the multi-attribute results, and the unknown keys
    as ``'key': v<index>`` items of a dict display."""
    body: list[str] = []
    emit = body.append
    given: dict[str, str] = {}
    multi: list[str] = []
    unknown: list[str] = []
    for index, key in enumerate(order):
        value = f"v{index}"
        row = rows.get(key)
        if row is None:
            unknown.append(f"{key!r}: {value}")
            continue
        _key, attr, read, exact, dump = row
        namespace[f"r{index}"] = read
        namespace[f"d{index}"] = dump
        if attr is None:
            _multi_row(index, key, emit)
            multi.append(f"m{index}")
        elif exact is not None:
            emit(f"if not ({_type_test(value, exact, type_names)}):")
            emit(f"{_INDENT}return slow(data, path)")
            given[attr] = value
        else:
            _single_row(index, key, attr, emit)
            given[attr] = f"a{index}"
    return body, given, multi, unknown


def compile_structure(
    cls: type,
    order: tuple[str, ...],
    rows: Mapping[str, StructureRow],
    *,
    slow: Callable[[Any, str], Any],
    memo: Any,
    make_memo: Callable[[dict[str, Any], tuple[str, ...]], Any],
    outcomes: Outcomes,
    read_errors: tuple[type[BaseException], ...],
    slots: Sequence[tuple[str, Any, Any]] | None = None,
) -> Callable[[Any, str], Any]:
    """The fast ``structure(data, path)`` of ``cls`` records whose keys come in ``order``.

    ``rows`` are the class's rows with a fast reader, by key (keys without a row are unknown,
    kept in the memo); the caller has checked that every key of ``order`` that has a row in the
    table has one here, and that no two of them read the same attribute. ``slow`` is the
    generic structure, called with the same arguments whenever the fast code cannot vouch for
    a value or meets what the loop would report as an error, so that the result is always the
    loop's. ``memo`` is the memo every record of this order shares when it keeps no original
    (records without unknown keys), else None and ``make_memo(extra, order)`` builds one per
    record. ``outcomes`` says how the loop treats each kind of reader result. ``slots`` (name,
    slot setter, default) of every field of a class whose ``__init__`` only stores its
    arguments lets the code store them itself, without the keyword call (a third of the cost
    of a small record); without it, ``cls(...)`` is called.
    """
    namespace: dict[str, Any] = {
        "cls": cls,
        "slow": slow,
        "MEMO": memo,
        "ORDER": order,
        "EMPTY": EMPTY,
        "make_memo": make_memo,
        "full_memo": outcomes.full_memo,
        "differs": outcomes.differs,
        "prepare": outcomes.prepare,
        "SPECIAL": outcomes.special,
        "KEPT": outcomes.kept,
        "CHECK": outcomes.check,
        "SLOWT": outcomes.slow,
        "READ_ERRORS": read_errors,
    }
    type_names: dict[type, str] = {}
    for _key, _attr, _read, exact, _dump in rows.values():
        for kind in exact or ():
            if kind is not type(None) and kind not in type_names:
                type_names[kind] = f"T{len(type_names)}"
                namespace[type_names[kind]] = kind
    values = [f"v{index}" for index in range(len(order))]
    body, given, multi, unknown = _read_rows(order, rows, namespace, type_names)
    namespace["SINGLE"] = frozenset(given)
    extra = f"{{{', '.join(unknown)}}}" if unknown else "EMPTY"
    shared = "MEMO" if memo is not None else f"make_memo({extra}, ORDER)"
    memo_expr = (
        f"full_memo({extra}, kept or EMPTY, loaded or EMPTY, ORDER) if kept or loaded else {shared}"
    )
    if outcomes.prepare is not None:
        _prepare_values(given, multi, body.append)
    lines = ["def structure(data, path='$'):"]
    # the caller matched the key order, so the values unpack in that order
    if values:
        lines.append(f"{_INDENT}{', '.join(values)}, = data.values()")
    lines.append(f"{_INDENT}kept = loaded = pending = None")
    lines.append(f"{_INDENT}try:")
    lines += [_I2 + line for line in body] or [_I2 + "pass"]
    lines.append(f"{_INDENT}except READ_ERRORS:")
    lines.append(f"{_I2}return slow(data, path)")
    # a Check compares the rendering of the record as the loop does: built, without a memo
    lines.append(f"{_INDENT}memo = None if pending is not None else {memo_expr}")
    if outcomes.prepare is not None:
        lines += _build_from_values(slots, namespace)
    else:
        lines += _build_record(given, multi, slots, namespace)
    lines += [
        f"{_INDENT}if pending is not None:",
        f"{_I2}for key, value, part, dump in pending:",
        f"{_I3}if differs(dump(record), value):",
        f"{_I3}{_INDENT}if kept is None:",
        f"{_I3}{_I2}kept = {{}}",
        f"{_I3}{_INDENT}if loaded is None:",
        f"{_I3}{_I2}loaded = {{}}",
        f"{_I3}{_INDENT}kept[key] = value",
        f"{_I3}{_INDENT}loaded[key] = part",
        f"{_I2}set_memo(record, {memo_expr})",
        f"{_INDENT}return record",
    ]
    namespace["set_memo"] = _memo_setter(slots)
    structure: Callable[[Any, str], Any] = _compile(
        "\n".join(lines), namespace, "structure", f"<wiremap structure {cls.__name__}>"
    )
    return structure


def _memo_setter(slots: Sequence[tuple[str, Any, Any]] | None) -> Callable[[Any, Any], None]:
    """Stores a built record's memo (in place: the record is new and not yet seen by anyone)."""
    for name, setter, _default in slots or ():
        if name == "memo":
            return cast(Callable[[Any, Any], None], setter)

    def set_memo(record: Any, memo: Any) -> None:
        object.__setattr__(record, "memo", memo)

    return set_memo


def _prepare_values(given: dict[str, str], multi: list[str], emit: Callable[[str], None]) -> None:
    """The lines (inside the readers' ``try``) that gather the attribute values in ``values``
    and run the map's prepare step on them."""
    emit(f"values = {{{', '.join(f'{attr!r}: {expr}' for attr, expr in given.items())}}}")
    for name in multi:
        emit(f"if {name}:")
        # an attribute also read by its own row: the loop decides which wins
        emit(f"{_INDENT}if not SINGLE.isdisjoint({name}):")
        emit(f"{_I2}return slow(data, path)")
        emit(f"{_INDENT}values.update({name})")
    emit("prepare(values, data)")


def _build_record(
    given: dict[str, str],
    multi: list[str],
    slots: Sequence[tuple[str, Any, Any]] | None,
    namespace: dict[str, Any],
) -> list[str]:
    """The lines that build ``record`` from ``given`` (field -> expression), the attributes
    filled by the multi-attribute rows (``multi``) and ``memo``."""
    if slots is not None and set(given) <= {name for name, _set, _default in slots}:
        namespace["new"] = object.__new__
        namespace["SETTERS"] = {name: setter for name, setter, _default in slots}
        lines = [f"{_INDENT}record = new(cls)"]
        for index, (name, setter, default) in enumerate(slots):
            namespace[f"s{index}"] = setter
            namespace[f"f{index}"] = default
            expr = "memo" if name == "memo" else given.get(name, f"f{index}")
            lines.append(f"{_INDENT}s{index}(record, {expr})")
        for name in multi:
            lines += [
                f"{_INDENT}if {name}:",
                # an attribute also read by its own row: the loop decides which wins
                f"{_I2}if not SINGLE.isdisjoint({name}):",
                f"{_I3}return slow(data, path)",
                f"{_I2}for name, value in {name}.items():",
                f"{_I3}setter = SETTERS.get(name)",
                f"{_I3}if setter is None:",  # not a field: the loop reports it
                f"{_I3}{_INDENT}return slow(data, path)",
                f"{_I3}setter(record, value)",
            ]
        return lines
    spread = "".join(f", **({name} or EMPTY)" for name in multi)
    arguments = ", ".join(f"{k}={v}" for k, v in given.items())
    return [
        f"{_INDENT}try:",
        f"{_I2}record = cls({arguments}{', ' if arguments else ''}memo=memo{spread})",
        f"{_INDENT}except (TypeError, ValueError):",
        f"{_I2}return slow(data, path)",
    ]


def _build_from_values(
    slots: Sequence[tuple[str, Any, Any]] | None, namespace: dict[str, Any]
) -> list[str]:
    """The lines that build ``record`` from ``values`` (after a prepare step) and ``memo``."""
    if slots is None:
        return [
            f"{_INDENT}try:",
            f"{_I2}record = cls(**values, memo=memo)",
            f"{_INDENT}except (TypeError, ValueError):",
            f"{_I2}return slow(data, path)",
        ]
    namespace["new"] = object.__new__
    namespace["FIELDS"] = frozenset(name for name, _set, _default in slots if name != "memo")
    lines = [
        f"{_INDENT}if not FIELDS.issuperset(values):",  # not a field: the loop reports it
        f"{_I2}return slow(data, path)",
        f"{_INDENT}get = values.get",
        f"{_INDENT}record = new(cls)",
    ]
    for index, (name, setter, default) in enumerate(slots):
        namespace[f"s{index}"] = setter
        namespace[f"f{index}"] = default
        expr = "memo" if name == "memo" else f"get({name!r}, f{index})"
        lines.append(f"{_INDENT}s{index}(record, {expr})")
    return lines


class _Missing:
    """A key absent from the wire dict (distinct from JSON null)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Final = _Missing()


def compile_unstructure(
    cls: type, steps: Sequence[UnstructureStep], *, unset: Any
) -> Callable[[Any, Mapping[str, Any]], dict[str, Any]]:
    """The renderer of one key order: ``render(record, extra)`` for a record whose memo holds
    no originals; ``steps`` are the codec's plan for that order (see ``RecordCodec._plan``)."""
    namespace: dict[str, Any] = {"UNSET": unset, "MISSING": _MISSING}
    lines = ["def render(record, extra):", f"{_INDENT}out = {{}}", f"{_INDENT}emitted = 0"]
    emit = lines.append
    for index, (key, kind, attr, write, fld) in enumerate(steps):
        if kind == 0:
            emit(f"{_INDENT}v = extra.get({key!r}, MISSING)")
            emit(f"{_INDENT}if v is not MISSING:")
            emit(f"{_INDENT}{_INDENT}out[{key!r}] = v")
            emit(f"{_INDENT}{_INDENT}emitted += 1")
            continue
        # a slot is read directly; a name the class lacks reads as UNSET, as getattr would
        get = f"record.{attr}" if hasattr(cls, str(attr)) else f"getattr(record, {attr!r}, UNSET)"
        if kind == 1:
            emit(f"{_INDENT}v = {get}")
        elif kind == 2:
            namespace[f"w{index}"] = write
            emit(f"{_INDENT}v = {get}")
            emit(f"{_INDENT}if v is not UNSET:")
            emit(f"{_INDENT}{_INDENT}v = w{index}(v)")
        else:
            namespace[f"f{index}"] = fld.dump
            emit(f"{_INDENT}v = f{index}(record)")
        emit(f"{_INDENT}if v is not UNSET:")
        emit(f"{_INDENT}{_INDENT}out[{key!r}] = v")
        # a hand-made memo may hold a known key: the typed value wins, else the extra is kept
        emit(f"{_INDENT}elif {key!r} in extra:")
        emit(f"{_INDENT}{_INDENT}out[{key!r}] = extra[{key!r}]")
        emit(f"{_INDENT}{_INDENT}emitted += 1")
    # extras outside the memo's order (a hand-made memo) go last, as the generic loop puts them
    emit(f"{_INDENT}if emitted < len(extra):")
    emit(f"{_INDENT}{_INDENT}out.update({{k: v for k, v in extra.items() if k not in out}})")
    emit(f"{_INDENT}return out")
    render: Callable[[Any, Mapping[str, Any]], dict[str, Any]] = _compile(
        "\n".join(lines), namespace, "render", f"<wiremap unstructure {cls.__name__}>"
    )
    return render
