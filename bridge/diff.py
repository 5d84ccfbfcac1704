"""A structural diff of legacy-shaped JSON values, with JSON paths and ignore globs.

The legacy JSON-RPC API answers with dicts, lists and scalars; :func:`diff` walks two such
values and reports each difference as a :class:`DiffEntry` at a JSON path::

    $.contacts[id=7].name         a key of a record matched by id inside a list
    $[id=1003].rev                a record of a top-level result list
    $.email["--primary"]          a key that is not an identifier
    $.tags[2]                     a list element matched by position

Rules that keep a comparison honest:

* **Types are never silently equal.** ``1`` and ``"1"``, ``1`` and ``True``, ``1`` and ``1.0``
  are reported as ``type`` differences (use :func:`numbers_as_decimal` when ``1 == 1.0`` is
  intended). A missing key is not ``null``: it is reported as ``added`` or ``removed`` and the
  absent side holds :data:`MISSING`.
* **Records are matched by id.** A list whose elements are all dicts with an ``id`` key is
  compared record by record, whatever the order; records present on one side only are
  ``added``/``removed`` at ``[id=...]``. When ids repeat, ``entityType`` plus ``id`` is tried;
  when that repeats too, the list is compared by position.
* **Ignores are globs or predicates.** A glob is a JSON path where ``*`` is any key or index,
  ``[*]`` any list element and ``..`` any depth (``$[*].activitiesCount``, ``$..modifiedTime``);
  it drops the path and everything under it. A predicate ``(path, old, new) -> bool`` is asked
  only about paths that differ.
* **Normalizers** ``(path, value) -> value`` are applied to both sides of every node before the
  node is compared: :func:`iso_instant`, :func:`numbers_as_decimal`, :func:`unordered`,
  :func:`casefold`.
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final, Literal, Protocol

import attrs

from nutshell_core.errors import UsageError

__all__ = [
    "MISSING",
    "DiffEntry",
    "DiffKind",
    "DifferenceLike",
    "IgnorePredicate",
    "Normalizer",
    "Same",
    "casefold",
    "check_glob",
    "diff",
    "from_differences",
    "iso_instant",
    "normalizers_from",
    "numbers_as_decimal",
    "path_matches",
    "render",
    "unordered",
]

DiffKind = Literal["changed", "added", "removed", "type"]
Normalizer = Callable[[str, Any], Any]
IgnorePredicate = Callable[[str, Any, Any], bool]


class Same(enum.Enum):
    """When a declared difference is tolerated only while the two values are alike in a
    weaker sense than equal (:func:`normalizers_from`), instead of left out of comparisons."""

    #: ISO times with an offset that name the same instant (``10:00-05:00``, ``15:00+00:00``).
    INSTANT = "the same instant"
    #: Numbers of the same value (``10`` and ``10.0``).
    NUMBER = "the same number"
    #: A key one side leaves out and the other sends empty (null, or an object of nulls).
    EMPTY_OR_MISSING = "empty where the RPC API leaves the key out"


class DifferenceLike(Protocol):
    """What :func:`from_differences` reads of a :class:`bridge.registry.Difference`."""

    @property
    def path(self) -> str: ...

    @property
    def is_param(self) -> bool: ...

    @property
    def same(self) -> Same | None: ...


class _Missing(enum.Enum):
    """The type of :data:`MISSING`; an enum so the sentinel survives pickling as itself."""

    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "<missing>"


#: The side of an ``added``/``removed`` entry where the key or record does not exist.
MISSING: Final = _Missing.MISSING


@attrs.frozen
class DiffEntry:
    """One difference: where it is, what kind it is, and the two sides' (normalized) values.

    ``old`` is :data:`MISSING` for ``added`` entries, ``new`` is :data:`MISSING` for
    ``removed`` ones.
    """

    path: str
    kind: DiffKind
    old: Any
    new: Any


# --- paths and globs -------------------------------------------------------------------------


@attrs.frozen
class _Key:
    name: str


@attrs.frozen
class _Index:
    index: int


@attrs.frozen
class _Record:
    # The bracket text, e.g. ``id=7``; record segments match by their exact spelling.
    text: str


class _Wild(enum.Enum):
    ANY = "*"
    ANY_ELEMENT = "[*]"
    DESCENT = ".."


_Segment = _Key | _Index | _Record
_Token = _Key | _Index | _Record | _Wild

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _render_segment(segment: _Segment) -> str:
    if isinstance(segment, _Key):
        if _IDENTIFIER.match(segment.name):
            return f".{segment.name}"
        return f"[{json.dumps(segment.name, ensure_ascii=False)}]"
    if isinstance(segment, _Index):
        return f"[{segment.index}]"
    return f"[{segment.text}]"


def _bad(text: str, why: str) -> UsageError:
    return UsageError(f"bad JSON path {text!r}: {why}")


def _parse_name(text: str, i: int, tokens: list[_Token]) -> int:
    end = i
    while end < len(text) and text[end] not in ".[":
        end += 1
    name = text[i:end]
    if not name:
        raise _bad(text, f"a name or * is due at {i}")
    if "]" in name or '"' in name:
        raise _bad(text, f"quote the key {name!r} in brackets")
    tokens.append(_Wild.ANY if name == "*" else _Key(name))
    return end


def _parse_bracket(text: str, i: int, tokens: list[_Token]) -> int:
    # Find the closing bracket outside double-quoted strings: keys and ids may contain "]".
    j, quoted = i + 1, False
    while j < len(text):
        char = text[j]
        if quoted and char == "\\":
            j += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "]" and not quoted:
            break
        j += 1
    else:
        raise _bad(text, f"unclosed [ at {i}")
    inner = text[i + 1 : j]
    if inner == "*":
        tokens.append(_Wild.ANY_ELEMENT)
    elif inner.isdigit():
        tokens.append(_Index(int(inner)))
    elif inner.startswith('"'):
        try:
            key = json.loads(inner)
        except ValueError:
            raise _bad(text, f"bad quoted key {inner}") from None
        if not isinstance(key, str):
            raise _bad(text, f"bad quoted key {inner}")
        tokens.append(_Key(key))
    elif inner.startswith(("id=", "entityType=")):
        tokens.append(_Record(inner))
    else:
        raise _bad(text, f"cannot read [{inner}]")
    return j + 1


@lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[_Token, ...]:
    """Parse a JSON path or glob into tokens (paths are globs without wildcards)."""
    if not text.startswith("$"):
        raise _bad(text, "it must start with $")
    tokens: list[_Token] = []
    i = 1
    while i < len(text):
        if text.startswith("..", i):
            tokens.append(_Wild.DESCENT)
            i += 2
            if i >= len(text):
                raise _bad(text, ".. must be followed by a name, * or [")
            if text[i] != "[":
                i = _parse_name(text, i, tokens)
        elif text[i] == ".":
            i = _parse_name(text, i + 1, tokens)
        elif text[i] == "[":
            i = _parse_bracket(text, i, tokens)
        else:
            raise _bad(text, f"unexpected {text[i]!r} at {i}")
    return tuple(tokens)


# A glob is run as a small NFA: a state is a position in its token list. ``..`` may consume
# zero segments (closure) or any number (it stays put while consuming).
_States = frozenset[tuple[int, int]]


class _Globs:
    def __init__(self, patterns: Sequence[tuple[_Token, ...]]) -> None:
        self._patterns = tuple(patterns)

    def _closure(self, states: Iterable[tuple[int, int]]) -> _States:
        out: set[tuple[int, int]] = set()
        todo = list(states)
        while todo:
            state = todo.pop()
            if state in out:
                continue
            out.add(state)
            glob, pos = state
            tokens = self._patterns[glob]
            if pos < len(tokens) and tokens[pos] is _Wild.DESCENT:
                todo.append((glob, pos + 1))
        return frozenset(out)

    def start(self) -> _States:
        return self._closure((glob, 0) for glob in range(len(self._patterns)))

    def step(self, states: _States, segment: _Segment) -> _States:
        if not states:
            return states
        moved: set[tuple[int, int]] = set()
        for glob, pos in states:
            tokens = self._patterns[glob]
            if pos >= len(tokens):
                continue
            token = tokens[pos]
            if token is _Wild.DESCENT:
                moved.add((glob, pos))
            elif _token_matches(token, segment):
                moved.add((glob, pos + 1))
        return self._closure(moved)

    def accepts(self, states: _States) -> bool:
        return any(pos == len(self._patterns[glob]) for glob, pos in states)


def _token_matches(token: _Token, segment: _Segment) -> bool:
    if token is _Wild.ANY:
        return True
    if token is _Wild.ANY_ELEMENT:
        return isinstance(segment, _Index | _Record)
    return token == segment


def _as_segments(path: str) -> tuple[_Segment, ...]:
    tokens = _parse(path)
    segments: list[_Segment] = []
    for token in tokens:
        if isinstance(token, _Wild):
            raise _bad(path, "a concrete path cannot hold wildcards")
        segments.append(token)
    return tuple(segments)


def path_matches(glob: str, path: str) -> bool:
    """True when the whole of the concrete ``path`` matches ``glob`` (not just a prefix)."""
    return _accepts_path(_Globs([_parse(glob)]), path)


# --- comparing ----------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    # Order matters: bool is an int subclass, and a bool must never equal a number.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return f"{type(value).__module__}.{type(value).__qualname__}"


def _same_scalar(old: Any, new: Any) -> bool:
    if isinstance(old, float) and isinstance(new, float) and math.isnan(old) and math.isnan(new):
        return True  # the same wire value; NaN != NaN would make identical inputs differ
    return bool(old == new)


def _json_text(value: Any) -> str:
    """Compact, key-sorted JSON for a value, or its repr when it is not JSON."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def _record_text(record: Mapping[str, Any], with_type: bool) -> str:
    # JSON spelling keeps 7, "7", 7.0 and true distinct, so the key is as strict as the diff.
    text = f"id={_json_text(record['id'])}"
    if with_type:
        text = f"entityType={_json_text(record['entityType'])},{text}"
    return text


def _record_keys(old: Sequence[Any], new: Sequence[Any]) -> tuple[list[str], list[str]] | None:
    items = [*old, *new]
    if not items or not all(isinstance(item, Mapping) and "id" in item for item in items):
        return None
    for with_type in (False, True):
        if with_type and not all("entityType" in item for item in items):
            break
        old_keys = [_record_text(item, with_type) for item in old]
        new_keys = [_record_text(item, with_type) for item in new]
        if len(set(old_keys)) == len(old_keys) and len(set(new_keys)) == len(new_keys):
            return old_keys, new_keys
    return None  # ids repeat: matching by id would pair records arbitrarily


class _Differ:
    def __init__(
        self,
        globs: _Globs,
        predicates: Sequence[IgnorePredicate],
        normalizers: Sequence[Normalizer],
    ) -> None:
        self._globs = globs
        self._predicates = tuple(predicates)
        self._normalizers = tuple(normalizers)

    def walk(self, path: str, states: _States, old: Any, new: Any) -> list[DiffEntry]:
        if self._globs.accepts(states):
            return []  # pruned before comparing: nothing below an ignored path counts
        for normalize in self._normalizers:
            if old is not MISSING:
                old = normalize(path, old)
            if new is not MISSING:
                new = normalize(path, new)
        entries = self._compare(path, states, old, new)
        if entries and any(predicate(path, old, new) for predicate in self._predicates):
            return []
        return entries

    def _child(
        self, path: str, states: _States, segment: _Segment, old: Any, new: Any
    ) -> list[DiffEntry]:
        child_path = path + _render_segment(segment)
        return self.walk(child_path, self._globs.step(states, segment), old, new)

    def _compare(self, path: str, states: _States, old: Any, new: Any) -> list[DiffEntry]:
        if old is MISSING:
            return [DiffEntry(path, "added", MISSING, new)]
        if new is MISSING:
            return [DiffEntry(path, "removed", old, MISSING)]
        old_kind, new_kind = _kind(old), _kind(new)
        if old_kind != new_kind:
            return [DiffEntry(path, "type", old, new)]
        if old_kind == "object":
            return self._objects(path, states, old, new)
        if old_kind == "array":
            return self._arrays(path, states, old, new)
        if _same_scalar(old, new):
            return []
        return [DiffEntry(path, "changed", old, new)]

    def _objects(
        self, path: str, states: _States, old: Mapping[Any, Any], new: Mapping[Any, Any]
    ) -> list[DiffEntry]:
        entries: list[DiffEntry] = []
        # Sorted keys make the output independent of insertion order.
        keys = sorted({*old, *new}, key=lambda key: (str(key), type(key).__name__))
        for key in keys:
            entries += self._child(
                path,
                states,
                _Key(str(key)),
                old.get(key, MISSING),
                new.get(key, MISSING),
            )
        return entries

    def _arrays(
        self, path: str, states: _States, old: Sequence[Any], new: Sequence[Any]
    ) -> list[DiffEntry]:
        entries: list[DiffEntry] = []
        keys = _record_keys(old, new)
        if keys is None:
            for index in range(max(len(old), len(new))):
                entries += self._child(
                    path,
                    states,
                    _Index(index),
                    old[index] if index < len(old) else MISSING,
                    new[index] if index < len(new) else MISSING,
                )
            return entries
        old_by_key = dict(zip(keys[0], old, strict=True))
        new_by_key = dict(zip(keys[1], new, strict=True))
        for key, record in old_by_key.items():
            entries += self._child(path, states, _Record(key), record, new_by_key.get(key, MISSING))
        for key, record in new_by_key.items():
            if key not in old_by_key:
                entries += self._child(path, states, _Record(key), MISSING, record)
        return entries


def diff(
    old: Any,
    new: Any,
    *,
    ignore: Iterable[str | IgnorePredicate] = (),
    normalizers: Iterable[Normalizer] = (),
) -> tuple[DiffEntry, ...]:
    """Compare two JSON-shaped values; an empty tuple means they are equal.

    ``ignore`` holds JSON-path globs (``$[*].activitiesCount``, ``$..modifiedTime``), which drop
    a path and everything under it, and predicates ``(path, old, new) -> bool``, asked only
    about differing paths (a container is asked after its children, with normalized values).
    ``normalizers`` ``(path, value) -> value`` run on both sides of every node, in order,
    before the node is compared. Raises :class:`~nutshell_core.errors.UsageError` for a glob
    that cannot be read.
    """
    if isinstance(ignore, str):
        ignore = (ignore,)  # a lone glob, not an iterable of one-character globs
    patterns: list[tuple[_Token, ...]] = []
    predicates: list[IgnorePredicate] = []
    for item in ignore:
        if isinstance(item, str):
            patterns.append(_parse(item))
        elif callable(item):
            predicates.append(item)
        else:
            raise UsageError(f"an ignore must be a glob or a predicate, not {item!r}")
    globs = _Globs(patterns)
    differ = _Differ(globs, predicates, tuple(normalizers))
    return tuple(differ.walk("$", globs.start(), old, new))


def check_glob(glob: str) -> str:
    """Return ``glob`` when it can be read as a JSON-path glob; raise ``UsageError`` otherwise."""
    _parse(glob)
    return glob


def from_differences(differences: Iterable[DifferenceLike]) -> tuple[str, ...]:
    """The ignore globs of a translator's declared result differences (parameter ones, and
    those tolerated only while the values are alike, skipped: see :func:`normalizers_from`).

    Each path is checked, so a typo in the registry fails here rather than ignoring nothing.
    """
    globs: dict[str, None] = {}
    for difference in differences:
        if difference.is_param or getattr(difference, "same", None) is not None:
            continue
        _parse(difference.path)
        globs[difference.path] = None
    return tuple(globs)


def normalizers_from(differences: Iterable[DifferenceLike]) -> tuple[Normalizer, ...]:
    """Normalizers for the declared result differences tolerated only while the two values
    are alike (:class:`Same`): at their paths, both sides are brought to a common form before
    comparing, so a different value there is still reported. Pass them to :func:`diff` (or
    :meth:`bridge.experiment.Experiment.normalize`) beside :func:`from_differences`' globs."""
    out: list[Normalizer] = []
    for difference in differences:
        same = getattr(difference, "same", None)  # objects from before ``same`` existed
        if difference.is_param or same is None:
            continue
        out.append(_ALIKE[same](_PathTest(difference.path)))
    return tuple(out)


class _PathTest:
    """Whether a concrete path matches a glob, the glob parsed once; a glob ending in a key
    first checks the path's end (most nodes differ there), and then walks the glob."""

    def __init__(self, glob: str) -> None:
        tokens = _parse(glob)
        self._globs = _Globs([tokens])
        last = tokens[-1] if tokens else None
        self._tail = _render_segment(last) if isinstance(last, _Key) else ""

    def __call__(self, path: str) -> bool:
        return path.endswith(self._tail) and _accepts_path(self._globs, path)


def _instants_at(matches: _PathTest) -> Normalizer:
    def normalize(path: str, value: Any) -> Any:
        if isinstance(value, str) and _ISO_INSTANT.match(value) and matches(path):
            return iso_instant(path, value)
        return value

    return normalize


def _numbers_at(matches: _PathTest) -> Normalizer:
    def normalize(path: str, value: Any) -> Any:
        if isinstance(value, int | float) and matches(path):
            return numbers_as_decimal(path, value)
        return value

    return normalize


def _empty(value: Any) -> bool:
    return value is None or (
        isinstance(value, Mapping) and bool(value) and all(v is None for v in value.values())
    )


def _empty_keys_at(matches: _PathTest) -> Normalizer:
    # Runs on the object holding the key: a key can only be dropped from its parent.
    def normalize(path: str, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        dropped = [
            key
            for key, item in value.items()
            if _empty(item) and matches(path + _render_segment(_Key(str(key))))
        ]
        if not dropped:
            return value
        return {key: item for key, item in value.items() if key not in dropped}

    return normalize


_ALIKE: Final[Mapping[Same, Callable[[_PathTest], Normalizer]]] = {
    Same.INSTANT: _instants_at,
    Same.NUMBER: _numbers_at,
    Same.EMPTY_OR_MISSING: _empty_keys_at,
}


# --- normalizers --------------------------------------------------------------------------------

_ISO_INSTANT = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)"
    r"(?:[.,](?P<fraction>\d+))?(?P<offset>[Zz]|[+-]\d{2}(?::?\d{2})?)\Z"
)


def iso_instant(path: str, value: Any) -> Any:
    """Rewrite an ISO 8601 time *with an offset* as the same instant in UTC.

    ``2016-11-11T15:59:00+0000``, ``2016-11-11T10:59:00-05:00`` and ``2016-11-11T15:59:00Z``
    all become ``2016-11-11T15:59:00+00:00``. Times without an offset are not instants and are
    left as they are, as is everything that is not such a string.
    """
    if not isinstance(value, str):
        return value
    match = _ISO_INSTANT.match(value)
    if match is None:
        return value
    clock = match["time"] if len(match["time"]) == 8 else match["time"] + ":00"
    # Python 3.10's fromisoformat takes only 3 or 6 fraction digits and only "+HH:MM".
    micro = (match["fraction"] or "").ljust(6, "0")[:6]
    offset = match["offset"]
    if offset in ("Z", "z"):
        offset = "+00:00"
    elif len(offset) == 3:
        offset += ":00"
    elif ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    try:
        moment = datetime.fromisoformat(f"{match['date']}T{clock}.{micro}{offset}")
    except ValueError:
        return value  # looks like a time but is not one (month 13): compare it as text
    return moment.astimezone(timezone.utc).isoformat()


def numbers_as_decimal(path: str, value: Any) -> Any:
    """Turn ints and finite floats into :class:`~decimal.Decimal`, so ``1 == 1.0 == 1.00``.

    Only numbers: ``"1.00"`` stays a string (and differs from ``1``), and ``True`` stays a bool.
    A float is read through its shortest repr, so ``0.1`` becomes ``Decimal("0.1")``.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value))
    return value


def unordered(path_glob: str, key: Callable[[Any], Any] | None = None) -> Normalizer:
    """A normalizer that sorts the lists at paths matching ``path_glob`` before comparing.

    ``key`` defaults to each element's canonical JSON text, which orders any JSON values.
    Lists of records are matched by id anyway; this is for lists of scalars such as tags.
    """
    tokens = _parse(path_glob)  # a bad glob fails now, not on the first comparison
    globs = _Globs([tokens])
    sort_key = key if key is not None else _json_text

    def normalize(path: str, value: Any) -> Any:
        if isinstance(value, list | tuple) and _accepts_path(globs, path):
            return sorted(value, key=sort_key)
        return value

    return normalize


def casefold(*path_globs: str) -> Normalizer:
    """A normalizer that case-folds strings at paths matching any of ``path_globs``.

    For example ``casefold("$..email.*")`` compares every email address case-insensitively.
    """
    if not path_globs:
        raise UsageError("casefold needs at least one path glob")
    globs = _Globs([_parse(glob) for glob in path_globs])

    def normalize(path: str, value: Any) -> Any:
        if isinstance(value, str) and _accepts_path(globs, path):
            return value.casefold()
        return value

    return normalize


def _accepts_path(globs: _Globs, path: str) -> bool:
    states = globs.start()
    for segment in _as_segments(path):
        states = globs.step(states, segment)
    return globs.accepts(states)


# --- rendering ----------------------------------------------------------------------------------

_SYMBOLS: Final[Mapping[str, str]] = {"changed": "~", "added": "+", "removed": "-", "type": "!"}


def _short(value: Any, width: int) -> str:
    text = "<missing>" if value is MISSING else _json_text(value)
    if len(text) <= width:
        return text
    return f"{text[: max(0, width - 3)]}... ({len(text)} chars)"


def render(entries: Iterable[DiffEntry], *, max_entries: int = 50, width: int = 80) -> str:
    """A readable text diff, one line per entry, in the order given.

    ``~`` changed, ``+`` added, ``-`` removed, ``!`` type differs. Values longer than ``width``
    are cut, and after ``max_entries`` lines the rest is counted, so the text stays bounded.
    """
    lines: list[str] = []
    hidden = 0
    for entry in entries:
        if len(lines) >= max_entries:
            hidden += 1
            continue
        path = _short_path(entry.path, width * 2)
        old, new = _short(entry.old, width), _short(entry.new, width)
        symbol = _SYMBOLS.get(entry.kind, "?")
        if entry.kind == "added":
            lines.append(f"{symbol} {path}: {new}")
        elif entry.kind == "removed":
            lines.append(f"{symbol} {path}: {old}")
        elif entry.kind == "type":
            old_type = "missing" if entry.old is MISSING else _kind(entry.old)
            new_type = "missing" if entry.new is MISSING else _kind(entry.new)
            lines.append(f"{symbol} {path}: {old} ({old_type}) -> {new} ({new_type})")
        else:
            lines.append(f"{symbol} {path}: {old} -> {new}")
    if hidden:
        lines.append(f"... and {hidden} more difference(s)")
    return "\n".join(lines) if lines else "(no differences)"


def _short_path(path: str, width: int) -> str:
    if len(path) <= width:
        return path
    return f"{path[: max(0, width - 3)]}..."
