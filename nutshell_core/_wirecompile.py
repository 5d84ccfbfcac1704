"""Code generation for :mod:`nutshell_core.wiremap`: one straight-line function per record map.

The generic loops in :class:`~nutshell_core.wiremap.RecordCodec` dispatch on every key of every
record. The records of one API come in a handful of shapes (a stub, a full record), and a
shape is its key order. For a key order seen again, a function generated for exactly that
order does the same work without the dispatch: the values unpack in order, each row's check is
written out (``type(v) is str``), each reader is a local, unknown keys go to the memo by
position, and the record is built with one call. Anything the generated code cannot vouch for
(a reader's SLOW, Check or Kept, an error) hands the whole record to the generic loop, so the
result is always the generic one. This is the technique attrs and cattrs use for their own
``__init__`` and hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

__all__ = ["StructureRow", "UnstructureStep", "compile_structure", "compile_unstructure"]

#: A row as the structure compiler sees it: key, attribute (None: validates only), reader, and
#: the exact JSON types its reader takes back unchanged (None: call the reader).
StructureRow = tuple[str, str | None, Callable[[Any], Any], tuple[type, ...] | None]

#: A render step: key, kind (0 extra, 1 as is, 2 write, 3 dump), attribute, writer, dumper.
UnstructureStep = tuple[str, int, str | None, Any, Any]

_INDENT: Final = "    "


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


def compile_structure(
    cls: type,
    order: tuple[str, ...],
    rows: Mapping[str, StructureRow],
    *,
    slow: Callable[[Any, str], Any],
    memo: Any,
    make_memo: Callable[[dict[str, Any], tuple[str, ...]], Any],
    special: frozenset[type],
    read_errors: tuple[type[BaseException], ...],
    slots: Sequence[tuple[str, Any, Any]] | None = None,
) -> Callable[[Any, str], Any]:
    """The fast ``structure(data, path)`` of ``cls`` records whose keys come in ``order``.

    ``rows`` are the class's rows with a fast reader, by key (keys without a row are unknown,
    kept in the memo); the caller has checked that every key of ``order`` that has a row in the
    table has one here. ``slow`` is the generic structure, called with the same arguments
    whenever the fast code cannot vouch for a value. ``memo`` is the memo every record of this
    order shares (records without unknown keys), else None and ``make_memo(extra, order)``
    builds one per record. ``slots`` (name, slot setter, default) of every field of a class
    whose ``__init__`` only stores its arguments lets the code store them itself, without the
    keyword call (a third of the cost of a small record); without it, ``cls(...)`` is called.
    """
    namespace: dict[str, Any] = {
        "cls": cls,
        "slow": slow,
        "MEMO": memo,
        "ORDER": order,
        "make_memo": make_memo,
        "special": special,
        "READ_ERRORS": read_errors,
    }
    type_names: dict[type, str] = {}
    for _key, _attr, _read, exact in rows.values():
        for kind in exact or ():
            if kind is not type(None) and kind not in type_names:
                type_names[kind] = f"T{len(type_names)}"
                namespace[type_names[kind]] = kind
    values = [f"v{index}" for index in range(len(order))]
    body: list[str] = []
    emit = body.append
    args: list[str] = []
    unknown: list[str] = []
    for index, key in enumerate(order):
        value = values[index]
        row = rows.get(key)
        if row is None:
            unknown.append(f"{key!r}: {value}")
            continue
        _key, attr, read, exact = row
        namespace[f"r{index}"] = read
        if attr is None:  # validates only: a plain result is ignored
            emit(f"if type(r{index}({value})) in special:")
            emit(f"{_INDENT}return slow(data, path)")
            continue
        if exact is not None:
            emit(f"if not ({_type_test(value, exact, type_names)}):")
            emit(f"{_INDENT}return slow(data, path)")
            args.append(f"{attr}={value}")
            continue
        emit(f"a{index} = r{index}({value})")
        emit(f"if type(a{index}) in special:")
        emit(f"{_INDENT}return slow(data, path)")
        args.append(f"{attr}=a{index}")
    lines = ["def structure(data, path='$'):"]
    # the caller matched the key order, so the values unpack in that order
    if values:
        lines.append(f"{_INDENT}{', '.join(values)}, = data.values()")
    lines.append(f"{_INDENT}try:")
    lines += [_INDENT * 2 + line for line in body] or [_INDENT * 2 + "pass"]
    lines.append(f"{_INDENT}except READ_ERRORS:")
    lines.append(f"{_INDENT * 2}return slow(data, path)")
    memo_expr = "MEMO" if memo is not None else f"make_memo({{{', '.join(unknown)}}}, ORDER)"
    given = dict(arg.split("=", 1) for arg in args)
    given["memo"] = memo_expr
    lines += _build_record(given, slots, namespace)
    structure: Callable[[Any, str], Any] = _compile(
        "\n".join(lines), namespace, "structure", f"<wiremap structure {cls.__name__}>"
    )
    return structure


def _build_record(
    given: dict[str, str],
    slots: Sequence[tuple[str, Any, Any]] | None,
    namespace: dict[str, Any],
) -> list[str]:
    """The lines that build and return the record from ``given`` (field -> expression)."""
    if slots is not None and set(given) <= {name for name, _set, _default in slots}:
        namespace["new"] = object.__new__
        lines = [f"{_INDENT}record = new(cls)"]
        for index, (name, setter, default) in enumerate(slots):
            namespace[f"s{index}"] = setter
            namespace[f"d{index}"] = default
            lines.append(f"{_INDENT}s{index}(record, {given.get(name, f'd{index}')})")
        return [*lines, f"{_INDENT}return record"]
    return [
        f"{_INDENT}try:",
        f"{_INDENT * 2}return cls({', '.join(f'{k}={v}' for k, v in given.items())})",
        f"{_INDENT}except (TypeError, ValueError):",
        f"{_INDENT * 2}return slow(data, path)",
    ]


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
