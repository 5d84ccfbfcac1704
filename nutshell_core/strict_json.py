"""Decoding JSON strictly: request bodies a server receives, and responses a client receives.

Both local servers (the emulator's fronts and the bridge proxy, through
:class:`nutshell_rpc.server.RpcServer`) decode request bodies with :func:`loads_request`, so a
body is refused *before* anything reaches a store:

* **UTF-8 only, strictly.** RFC 8259 requires UTF-8 between systems. Invalid byte sequences,
  including UTF-8-encoded surrogates (which :func:`json.loads` on bytes lets through with
  ``surrogatepass``), are refused.
* **No lone surrogates.** ``"\\ud800"`` is valid JSON text but not a Unicode string: stored, it
  makes every later answer that contains it impossible to encode (each read became a 500).
  Escaped surrogate *pairs* decode to one character and are accepted.
* **At most** :data:`MAX_DEPTH` **nested arrays/objects.** Legacy calls and REST documents nest
  fewer than ten levels; deeper input only costs stack (``json`` raises ``RecursionError`` near
  1,000 levels) and every later walk over the value.

Every refusal is a :class:`JsonInputError`, a ``ValueError`` so callers that already treat
``ValueError`` as "not JSON" answer it the same way (REST 400, JSON-RPC -32700).

Both clients decode response bodies with :func:`loads_response`: the same rules with a deeper
limit (:data:`RESPONSE_MAX_DEPTH`; legacy answers nest fewer than twenty levels), a leading
UTF-8 byte order mark accepted, and ``NaN``/``Infinity`` refused, so a hostile or broken answer
becomes one typed error instead of a ``RecursionError`` or text silently full of U+FFFD.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final, NoReturn

__all__ = [
    "MAX_DEPTH",
    "RESPONSE_MAX_DEPTH",
    "JsonInputError",
    "loads_request",
    "loads_response",
]

#: Arrays and objects nested deeper than this are refused (see the module docstring).
MAX_DEPTH: Final = 64

#: The nesting limit for response bodies.
RESPONSE_MAX_DEPTH: Final = 128

_BOM: Final = b"\xef\xbb\xbf"
# An escaped high or low surrogate; only these can decode to a lone surrogate.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


class JsonInputError(ValueError):
    """A request body that is not acceptable JSON; the message says why, without echoing it."""


def loads_request(body: bytes | str, *, max_depth: int = MAX_DEPTH, empty: Any = None) -> Any:
    """Decode a request body as strict JSON (UTF-8, no lone surrogates, bounded nesting).

    An empty body decodes to ``empty``. Raises :class:`JsonInputError` for anything else that
    is not acceptable JSON.
    """
    if isinstance(body, bytes | bytearray):
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            raise JsonInputError("the body is not valid UTF-8") from None
    else:
        text = body
    if not text:
        return empty
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonInputError(f"JSON nested deeper than {max_depth} levels") from None
    except ValueError:
        raise JsonInputError("the body is not valid JSON") from None
    _check_decoded(body, text, value, max_depth)
    return value


def loads_response(body: bytes | str, *, max_depth: int = RESPONSE_MAX_DEPTH) -> Any:
    """Decode a response body as strict JSON; raise :class:`JsonInputError` if it is not.

    Bytes must be UTF-8 (a leading byte order mark is skipped); ``NaN``, ``Infinity``, lone
    surrogates and nesting deeper than ``max_depth`` are refused. An empty body is refused too:
    the caller decides what an empty answer means before decoding.
    """
    if isinstance(body, bytes | bytearray):
        raw = bytes(body)
        if raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonInputError(f"the body is not valid UTF-8 (at byte {exc.start})") from None
    else:
        text = body.removeprefix("\ufeff")
    if not text or text.isspace():
        raise JsonInputError("the body is empty")
    try:
        value = _RESPONSE_DECODER.decode(text)
    except RecursionError:
        raise JsonInputError(f"JSON nested deeper than {max_depth} levels") from None
    except JsonInputError:
        raise
    except ValueError as exc:
        raise JsonInputError(f"the body is not valid JSON ({exc})") from None
    _check_decoded(body, text, value, max_depth)
    return value


def _check_decoded(body: bytes | str, text: str, value: Any, max_depth: int) -> None:
    """Refuse a decoded value nested too deeply or holding a lone surrogate.

    The text is measured rather than the value walked: a walk costs a Python step per string
    and container (2.6 ms for a 230 KB page of 100 leads), the text measure a few C-speed
    passes (about 0.2 ms). Only a text holding an escaped surrogate is walked, to look at
    its strings.
    """
    if "\\u" in text and _ESCAPED_SURROGATE.search(text):
        _check(value, max_depth)
        return
    if isinstance(value, dict | list) and _nesting_depth(body, text, max_depth) > max_depth:
        raise JsonInputError(f"JSON nested deeper than {max_depth} levels")


# Every byte but the JSON brackets and the quote (deleted by bytes.translate), and curly
# brackets read as square ones: in valid JSON both kinds pair up the same way.
_NOT_STRUCTURE: Final = bytes(range(256)).translate(None, b'[]{}"')
_SQUARE: Final = bytes.maketrans(b"{}", b"[]")


def _nesting_depth(body: bytes | str, text: str, limit: int) -> int:
    """How deeply valid JSON ``body`` nests its arrays and objects (counting stops past
    ``limit``), measured on the text with bytes operations that run at C speed.

    The value has already been decoded, so the text is valid JSON: its brackets outside
    strings pair up. Escaped backslashes and quotes are removed first (only then does every
    quote open or close a string); everything but quotes and brackets is deleted; brackets
    inside strings are dropped, being those after an odd number of quotes. Each pass then
    removes the innermost pairs, so the number of passes is the depth.
    """
    raw = body if isinstance(body, bytes) else text.encode("utf-8", "surrogatepass")
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Two adjacent quotes close one string and open the next (or make an empty one):
    # removing them keeps the parity of the quotes before every bracket.
    marks = raw.translate(_SQUARE, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in marks:  # a string holding a bracket: keep what lies outside strings
        marks = b"".join(marks.split(b'"')[::2])
    depth = 0
    while marks and depth <= limit:
        marks = marks.replace(b"[]", b"")
        depth += 1
    return depth


def _refuse_constant(name: str) -> NoReturn:
    raise JsonInputError(f"{name} is not valid JSON")


# One decoder for every response, as json.loads keeps one for its defaults: a decoder made per
# call (json.loads with parse_constant) is a reference cycle with its scanner, left for the
# garbage collector, so memory grew with the number of responses read between collections.
_RESPONSE_DECODER: Final = json.JSONDecoder(parse_constant=_refuse_constant)


def _check(value: Any, max_depth: int) -> None:
    # Iterative so a deep value cannot exhaust the stack here either.
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list):
            if depth + 1 > max_depth:
                raise JsonInputError(f"JSON nested deeper than {max_depth} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonInputError("a JSON string holds a lone UTF-16 surrogate") from None
