"""Masking secrets without keeping them: :class:`SecretMask` holds digests, never the key.

A server may echo the API key or the Basic token back (in a body, a header, an error message),
and whatever the project stores or writes from an answer could then carry it. A mask is built
once from the credentials and keeps, for every form the key can take in text (as given,
URL-quoted in upper- or lower-case hex, JSON- and HTML-escaped, inside the Basic token), only
a keyed BLAKE2 digest and its length. Masking hashes every window of those lengths and
replaces the windows whose digest matches; the key of the digest is random per process, so the
digests are no use elsewhere.

Each window is first looked up by Python's own ``hash`` (SipHash, itself keyed per process
unless ``PYTHONHASHSEED`` is set) in C-level iteration, so a text with no secret costs one pass
per distinct length; only a hit is confirmed with BLAKE2.

Every live mask is also registered process-wide: :func:`mask_secrets` applies all of them, which
is how :class:`~nutshell_core.errors.NutshellError` masks every message and attribute wherever
the error is built, without each raiser having to know the transport.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import threading
import weakref
from collections import Counter, deque
from collections.abc import Iterable
from typing import Any, Final, NoReturn, SupportsIndex
from urllib.parse import quote, quote_plus

import attrs

__all__ = ["MASK", "SecretMask", "basic_token", "mask_secrets", "mask_value"]

#: What a masked secret is replaced with.
MASK: Final = "[secure]"

# The BLAKE2 key of this process: digests made here match nothing made anywhere else.
_PROCESS_KEY: Final = os.urandom(32)
# Shorter forms would mask ordinary words; no real key is this short.
_MIN_LENGTH: Final = 6
_MAX_DEPTH: Final = 12
_PERCENT: Final = re.compile(r"%[0-9A-F]{2}")


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), key=_PROCESS_KEY).digest()


def basic_token(username: str, api_key: str) -> str:
    """The base64 ``user:key`` of an HTTP Basic ``Authorization`` header (UTF-8)."""
    return base64.b64encode(f"{username}:{api_key}".encode()).decode("ascii")


def _spellings(secret: str) -> set[str]:
    """Every way ``secret`` may be written into a text a server sends back."""
    quoted = {quote(secret, safe=""), quote(secret), quote_plus(secret)}
    # RFC 3986 percent-encoding is case-insensitive and some servers write lower-case hex.
    quoted |= {_PERCENT.sub(lambda m: m.group(0).lower(), form) for form in quoted}
    forms = {secret, *quoted}
    for form in list(forms):
        for ascii_only in (True, False):
            escaped = json.dumps(form, ensure_ascii=ascii_only)[1:-1]
            forms.update((escaped, escaped.replace("/", "\\/")))  # PHP escapes slashes
        forms.add(html.escape(form))
    return forms


class _Table:
    """Digests by length, plus the quick ``hash`` prefilter; shared by masks and the registry."""

    __slots__ = ("digests", "heads", "lengths", "quick")

    def __init__(self, forms: Iterable[str]) -> None:
        kept = {form for form in forms if len(form) >= _MIN_LENGTH}
        self.lengths: tuple[int, ...] = tuple(sorted({len(f) for f in kept}, reverse=True))
        # Hashes of each form's first _MIN_LENGTH characters: one pass over a text finds
        # every place a form could start, whatever the number of lengths.
        self.heads: frozenset[int] = frozenset(hash(f[:_MIN_LENGTH]) for f in kept)
        self.quick: frozenset[int] = frozenset(hash(f) for f in kept)
        self.digests: frozenset[bytes] = frozenset(_digest(f) for f in kept)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where a secret form sits in ``text``, as sorted ``(start, end)`` pairs."""
        size = len(text)
        if not self.lengths or size < _MIN_LENGTH:
            return []
        starts = range(size - _MIN_LENGTH + 1)
        # C-level iteration: slice, hash, look up; only a hit is looked at in Python.
        heads = map(text.__getitem__, map(slice, starts, range(_MIN_LENGTH, size + 1)))
        if not any(map(self.heads.__contains__, map(hash, heads))):
            return []
        found: list[tuple[int, int]] = []
        for start in starts:
            if hash(text[start : start + _MIN_LENGTH]) not in self.heads:
                continue
            for length in self.lengths:
                window = text[start : start + length]
                if len(window) != length or hash(window) not in self.quick:
                    continue
                if _digest(window) in self.digests:
                    found.append((start, start + length))
                    break  # the longest form starting here
        return found


def _apply(text: str, table: _Table) -> str:
    spans = table.spans(text)
    if not spans:
        return text
    pieces: list[str] = []
    position = 0
    for start, end in spans:
        if end <= position:
            continue  # inside a span already masked
        pieces.append(text[position : max(start, position)])
        pieces.append(MASK)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


class SecretMask:
    """Masks every form of some secrets in a text, keeping only digests of them.

    ``SecretMask.for_credentials(username, api_key)`` covers the key and the Basic token; the
    mask registers itself for :func:`mask_secrets` until it is garbage-collected. Neither its
    ``repr`` nor its attributes show a secret, and it refuses to be pickled or copied (its
    digests mean nothing in another process).
    """

    __slots__ = ("__weakref__", "_table")

    def __init__(self, *secrets: str) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if isinstance(secret, str) and secret:
                forms |= _spellings(secret)
        self._table = _Table(forms)
        _REGISTRY.add(self)

    @classmethod
    def for_credentials(cls, username: str, api_key: str) -> SecretMask:
        """A mask for an API key, the Basic token it is sent in, and the key in base64 alone
        (what a server that decoded the token and re-encoded the password would echo)."""
        alone = base64.b64encode(api_key.encode("utf-8", "surrogatepass")).decode("ascii")
        return cls(api_key, basic_token(username, api_key), alone)

    def __call__(self, text: str) -> str:
        """Same as :meth:`mask`."""
        return self.mask(text)

    def mask(self, text: str) -> str:
        """``text`` with every form of the secrets replaced by ``'[secure]'``."""
        return _apply(text, self._table)

    def __repr__(self) -> str:
        return f"SecretMask({len(self._table.digests)} digests)"

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError("a SecretMask is not picklable")

    def __copy__(self) -> NoReturn:
        raise TypeError("a SecretMask is not copyable")

    def __deepcopy__(self, memo: Any) -> NoReturn:
        raise TypeError("a SecretMask is not copyable")


class _Registry:
    """Every live mask's forms, counted, so that :func:`mask_secrets` covers them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._digests: Counter[bytes] = Counter()
        self._quick: Counter[int] = Counter()
        self._heads: Counter[int] = Counter()
        self._lengths: Counter[int] = Counter()
        self._table: _Table | None = None
        # Tables of collected masks, dropped at the next add or lookup. A finalizer may run
        # inside any allocation, even one made while the lock is held, so it only appends
        # (atomic) and never takes the lock itself.
        self._dead: deque[_Table] = deque()

    def add(self, mask: SecretMask) -> None:
        table = mask._table
        with self._lock:
            self._drop_dead()
            self._count(table, +1)
        weakref.finalize(mask, self._dead.append, table)

    def _drop_dead(self) -> None:
        while self._dead:
            self._count(self._dead.popleft(), -1)

    def _count(self, table: _Table, step: int) -> None:
        _bump(self._digests, table.digests, step)
        _bump(self._quick, table.quick, step)
        _bump(self._heads, table.heads, step)
        _bump(self._lengths, table.lengths, step)
        self._table = None

    def table(self) -> _Table:
        with self._lock:
            self._drop_dead()
            table = self._table
            if table is None:
                table = _Table(())
                table.lengths = tuple(sorted(self._lengths, reverse=True))
                table.quick = frozenset(self._quick)
                table.heads = frozenset(self._heads)
                table.digests = frozenset(self._digests)
                self._table = table
            return table


def _bump(counter: Counter[Any], items: Iterable[Any], step: int) -> None:
    for item in items:
        counter[item] += step
        if counter[item] <= 0:
            del counter[item]


_REGISTRY: Final = _Registry()


def mask_secrets(text: str) -> str:
    """``text`` with every form of every secret of a live :class:`SecretMask` masked."""
    return _apply(text, _REGISTRY.table())


def mask_value(value: Any, mask: Any = mask_secrets, depth: int = 0) -> Any:
    """``value`` with ``mask`` applied to every string in it (JSON values, tuples, attrs
    records); any other object whose ``repr`` holds a secret becomes its masked ``repr``."""
    if isinstance(value, str):
        return mask(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if depth >= _MAX_DEPTH:
        shown = repr(value)
        return value if mask(shown) == shown else mask(shown)
    if isinstance(value, dict):
        return {
            mask_value(k, mask, depth + 1): mask_value(v, mask, depth + 1) for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_value(item, mask, depth + 1) for item in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(mask_value(item, mask, depth + 1) for item in value)
    if attrs.has(type(value)):
        changes = {
            field.alias or field.name: mask_value(getattr(value, field.name), mask, depth + 1)
            for field in attrs.fields(type(value))
            if field.init
        }
        try:
            return attrs.evolve(value, **changes)
        except (TypeError, ValueError):
            pass
    shown = repr(value)
    masked = mask(shown)
    return value if masked == shown else masked
