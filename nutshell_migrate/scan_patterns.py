"""What ``scan`` counts as a legacy JSON-RPC call in source text.

A catalog method name counts where code calls it:

* ``attribute`` — after an accessor: ``api.findLeads(``, ``$api->getLead(``, ``Api::findTags``,
  ``client?.getContact(``; in Ruby files also the snake_case spelling (``api.find_leads``,
  ``client.get_lead(``) when it converts to a catalog name;
* ``method-string`` — quoted after a "method" key: ``{"method": "getLead"}``;
* ``call-string`` — quoted as the first argument of a call-like function: ``api.call("editLead"``;
* ``reflective`` — quoted (or a Ruby symbol) where code looks a method up by name:
  ``getattr(api, "findLeads")``, ``$api->{'getLead'}``, ``api.send(:find_leads)``,
  ``[$api, 'getLead']``, ``api["getLead"](``;
* ``dynamic`` — a name built at run time from a literal prefix in any of those places:
  ``getattr(api, "find" + entity)``, ``getattr(api, f"find{entity}")``, ``$api->{"find" . $x}``,
  ``api.call(`find${entity}`)``, ``api.send("find_#{entity}")``. One hit per call site with
  method ``find*`` and the catalog methods that prefix could name as candidates (not one hit per
  candidate: the call site is one place to change, and counting it once keeps totals honest).

``getApiForUsername`` is endpoint discovery, not a call to migrate (REST has one fixed base URL):
its hits are kept apart (see :data:`DISCOVERY`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping

import attrs

from nutshell_core.catalog import RPC_METHODS

__all__ = ["DISCOVERY", "DYNAMIC_STATUS", "Hit", "find_calls", "snake_case"]

#: Catalog methods that are endpoint discovery: the RPC client calls them before any other
#: (on a host of their own, unauthenticated); there is nothing to move to REST.
DISCOVERY = frozenset({"getApiForUsername"})

#: The ``status`` of a dynamic hit: its method is one of several candidates.
DYNAMIC_STATUS = "dynamic"

_MIN_PREFIX = 3  # "get", "new", "find": a shorter literal prefix names too much to be useful


@attrs.frozen
class Hit:
    """One legacy JSON-RPC call found in a source file."""

    path: str
    line: int
    column: int
    method: str  # a catalog name, or "<prefix>*" for a dynamic name
    status: str  # the bridge status, or "dynamic"
    form: str  # "attribute", "method-string", "call-string", "reflective" or "dynamic"
    #: For a dynamic name: every catalog method the literal prefix could make.
    candidates: tuple[str, ...] = ()

    @property
    def dynamic(self) -> bool:
        """True when the method name is built at run time (``method`` is ``prefix*``)."""
        return self.form == "dynamic"


def snake_case(name: str) -> str:
    """``findLeads`` -> ``find_leads``; ``findLead_Outcomes`` -> ``find_lead_outcomes``."""
    return re.sub(r"_+", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)).lower()


def _camel_case(name: str) -> str:
    """``find_lead_`` -> ``findLead``: a Ruby prefix in catalog spelling."""
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


_IDENT = r"[\w$]"  # `$` is an identifier character in JavaScript and PHP
_METHODS = tuple(sorted(RPC_METHODS))

# A quoted name counts when the text just before it makes it an RPC method name: a "method"
# key (`"method": "x"`, `'method' => 'x'`, `method="x"`, `Method: "x"`) or the first argument
# of a call-like function (`api.call("x"`, `$c->call('x'`, `rpc.request("x"`).
_METHOD_KEY = re.compile(rf"(?i:method){_IDENT}*[\"']?\s*(?:=>|:=|:|=|,)\s*\Z")
_CALL_OPEN = re.compile(rf"(?i:call|invoke|request|execute|rpc){_IDENT}*\s*\(\s*\Z")
# Code that looks a method up by name: Python getattr, PHP's variable method and callable
# array, Ruby's send/public_send/method (a symbol's colon included).
_REFLECT = re.compile(
    r"(?:\bgetattr\s*\(\s*[^,()\n]+,\s*"
    r"|->\s*\{\s*"
    r"|\b(?:public_send|__send__|send|method)\s*\(\s*:?"
    r"|(?:\[|\barray\s*\()\s*\$\w+\s*,\s*)\Z"
)
# `api["getLead"](`: a subscript counts only when the line goes on to call what it picked.
_SUBSCRIPT = re.compile(r"[\w$\])]\s*\[\s*\Z")
_SUBSCRIPT_CALL = re.compile(r"\]\s*\(")
_QUOTES = frozenset("\"'`")
_ACCESSORS = (".", "->", "::")  # api.findLeads, $api->getLead, Api::findLeads, api?.getLead
_CONTEXT = 120  # characters looked at before a quoted name: a key or call opener is close by


#: One regex per name; the look-arounds make `findLeads` miss `findLeadsX`/`xfindLeads`.
#: The left boundary is a look-behind placed after the name: a pattern that starts with the
#: literal name lets the regex engine skip ahead to candidates instead of trying every offset.
def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(name)}(?<!{_IDENT}{re.escape(name)})(?!{_IDENT})")


_NAME_PATTERNS: dict[str, re.Pattern[str]] = {name: _name_pattern(name) for name in _METHODS}
#: Ruby spellings: snake_case name -> catalog name, where the two differ.
_SNAKE_NAMES: dict[str, str] = {
    snake_case(name): name for name in _METHODS if snake_case(name) != name
}
_SNAKE_PATTERNS: dict[str, re.Pattern[str]] = {s: _name_pattern(s) for s in _SNAKE_NAMES}

# A string literal that starts with a word and then turns dynamic: closed and concatenated
# (`"find" + x`, PHP `"find" . $x`) or interpolated (`f"find{x}"`, `"find{}".format(x)`,
# `` `find${x}` ``, Ruby `"find_#{x}"`, PHP `"find$x"` / `"find{$x}"`, `"find%s" % x`).
_DYNAMIC = re.compile(
    r"(?P<q>[\"'`])(?P<prefix>[A-Za-z][A-Za-z0-9_]*)"
    r"(?:(?P=q)\s*(?:\+|\.(?=\s|\$))|\{|\$\{|\$[A-Za-z_]|#\{|%[s(])"
)
_F_STRING = re.compile(r"(?<![\w$])[fF]\Z")  # the f of a Python f-string, before the quote


def _looked_up(text: str, opening: int, after: int) -> bool:
    """True when the literal opening at ``text[opening]`` names a method being looked up."""
    before = text[max(0, opening - _CONTEXT) : opening]
    if _REFLECT.search(before):
        return True
    if _SUBSCRIPT.search(before):
        line_end = text.find("\n", after)
        rest = text[after : line_end if line_end >= 0 else len(text)]
        return _SUBSCRIPT_CALL.search(rest) is not None
    return False


def _form_at(text: str, start: int, end: int, name: str, *, snake: bool) -> str | None:
    """How the name at ``text[start:end]`` is used as a legacy call, or None if it is not.

    ``snake`` marks a Ruby snake_case spelling: it never goes on the wire, so it counts as an
    accessor call or a lookup, never as a "method" key or a call-like function's argument.
    """
    before = text[start - 1] if start > 0 else ""
    if before in _QUOTES and text[end : end + 1] == before:
        prefix = text[max(0, start - 1 - _CONTEXT) : start - 1]
        if not snake and _METHOD_KEY.search(prefix):
            return "method-string"
        if not snake and _CALL_OPEN.search(prefix):
            return "call-string"
        return "reflective" if _looked_up(text, start - 1, end + 1) else None
    if text.endswith(_ACCESSORS, 0, start):
        # A plain lower-case word (the catalog's test method "add") is everyone's method name:
        # `items.add(x)` is not a Nutshell call, so such names only count when quoted as above.
        return None if name.isalpha() and name.islower() else "attribute"
    if before == ":" and _looked_up(text, start - 1, end):  # Ruby: api.send(:find_leads)
        return "reflective"
    return None


class _Lines:
    """Line and column of an offset, computed only once a file has a hit."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: list[int] | None = None

    def at(self, offset: int) -> tuple[int, int]:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in re.finditer("\n", self._text))]
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


def _static_hits(
    path: str, text: str, statuses: Mapping[str, str], lines: _Lines, *, ruby: bool
) -> list[Hit]:
    spellings: list[tuple[str, str, re.Pattern[str], bool]] = [
        (name, name, pattern, False) for name, pattern in _NAME_PATTERNS.items()
    ]
    if ruby:
        spellings += [(s, _SNAKE_NAMES[s], p, True) for s, p in _SNAKE_PATTERNS.items()]
    hits: list[Hit] = []
    for spelled, method, pattern, snake in spellings:
        if spelled not in text:  # cheap filter: most files mention no catalog name at all
            continue
        for match in pattern.finditer(text):
            form = _form_at(text, match.start(), match.end(), method, snake=snake)
            if form is not None:
                line, column = lines.at(match.start())
                hits.append(Hit(path, line, column, method, statuses[method], form))
    return hits


def _dynamic_hits(path: str, text: str, lines: _Lines, *, ruby: bool) -> list[Hit]:
    hits: list[Hit] = []
    for match in _DYNAMIC.finditer(text):
        # Only Ruby spells a prefix in snake_case (`"find_#{x}"`); elsewhere `"get_" + x` is
        # some other name (Python's own snake_case), never a catalog method's.
        prefix = match.group("prefix")
        prefix = _camel_case(prefix) if ruby else prefix
        if len(prefix) < _MIN_PREFIX:
            continue
        candidates = tuple(n for n in _METHODS if n.startswith(prefix) and n not in DISCOVERY)
        if not candidates:
            continue
        opening = match.start("q")
        if _F_STRING.search(text, max(0, opening - 2), opening):
            opening -= 1  # the f of a Python f-string belongs to the literal
        context = text[max(0, opening - _CONTEXT) : opening]
        if not (
            _METHOD_KEY.search(context)
            or _CALL_OPEN.search(context)
            or _looked_up(text, opening, match.end())
        ):
            continue
        line, column = lines.at(match.start("prefix"))
        hits.append(Hit(path, line, column, f"{prefix}*", DYNAMIC_STATUS, "dynamic", candidates))
    return hits


def find_calls(path: str, text: str, statuses: Mapping[str, str], *, ruby: bool) -> list[Hit]:
    """Every legacy call in one file's text, discovery included; ``statuses`` maps each catalog
    method to its bridge status, ``ruby`` adds the snake_case spellings."""
    lines = _Lines(text)
    return [
        *_static_hits(path, text, statuses, lines, ruby=ruby),
        *_dynamic_hits(path, text, lines, ruby=ruby),
    ]
