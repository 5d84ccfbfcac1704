"""JSON Patch (RFC 6902) in Nutshell's dialect, for ``PATCH /{entity}/{id}`` (rest-api.md §5.2).

Nutshell's paths always start ``/<type>/0/``; the ``0`` is a convention, not an index. Relations
live under ``links``: a to-one relation is set with ``replace``, a to-many one grows with
``add`` on ``.../links/<name>/-`` (the ``/-`` is required) and shrinks with ``remove`` on
``.../links/<name>/<id>`` (the id in the path, no value). ::

    Patch("leads").replace("description", "Big deal").set_link("owner", 2).to_json()
    -> [{"op": "replace", "path": "/leads/0/description", "value": "Big deal"},
        {"op": "replace", "path": "/leads/0/links/owner", "value": "2-users"}]

:func:`diff_inputs` computes such a patch between two POST-body-shaped records;
:func:`parse_patch` and :func:`split_path` validate an incoming document for the emulator.
The body goes out with ``Content-Type:`` :data:`PATCH_MEDIA_TYPE`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Final

import attrs

from nutshell_core.errors import InvalidRequestError, UsageError
from nutshell_core.model import UNSET

__all__ = [
    "LIST_FIELDS",
    "OPS",
    "PATCH_MEDIA_TYPE",
    "TO_MANY_LINK_TYPES",
    "TO_ONE_LINK_TYPES",
    "Patch",
    "PatchOp",
    "diff_inputs",
    "escape_token",
    "parse_patch",
    "split_path",
    "unescape_token",
]

#: The Content-Type a PATCH body must carry; without it Nutshell answers 400.
PATCH_MEDIA_TYPE: Final = "application/json-patch+json"

#: Every RFC 6902 operation name.
OPS: Final = frozenset({"add", "remove", "replace", "move", "copy", "test"})

#: Multi-value fields that are only ever replaced whole.
LIST_FIELDS: Final = frozenset({"emails", "phones", "urls", "addresses"})

#: To-one relation -> REST type, for turning a plain int into ``"<n>-<type>"``.
#:
#: Relations whose target type varies (``relatedEntity``, ``parent``) are absent on purpose:
#: they need a formatted id, since guessing the type would link the wrong record.
TO_ONE_LINK_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "accountType": "accountTypes",
        "activityType": "activityTypes",
        "assignee": "users",
        "competitor": "competitors",
        "creator": "users",
        "industry": "industries",
        "lead": "leads",
        "market": "markets",
        "outcome": "outcomes",
        # Owners may be teams too: pass "2-teams" as a string for those.
        "owner": "users",
        "product": "products",
        "stage": "stages",
        "stageset": "stagesets",
        "territory": "territories",
    }
)

#: To-many relation -> REST type of its members.
TO_MANY_LINK_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "accounts": "accounts",
        "competitorMaps": "competitorMaps",
        "competitors": "competitors",
        "contacts": "contacts",
        "emAudiences": "emAudiences",
        "files": "files",
        "leads": "leads",
        "productMaps": "productMaps",
        "products": "products",
        "sources": "sources",
        "stages": "stages",
        "tags": "tags",
        "teams": "teams",
        "users": "users",
        "watchers": "users",
    }
)

_API_ID = re.compile(r"\d+-[A-Za-z][A-Za-z0-9]*")
_REST_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_BAD_ESCAPE = re.compile(r"~(?![01])")
_NEEDS_VALUE = frozenset({"add", "replace", "test"})
_NEEDS_FROM = frozenset({"move", "copy"})


# -- JSON Pointer -------------------------------------------------------------------------------


def escape_token(token: str) -> str:
    """Escape one JSON-Pointer reference token (RFC 6901): ``~`` -> ``~0``, ``/`` -> ``~1``."""
    # "~" first: escaping "/" first would turn its "~1" into "~01".
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """Undo :func:`escape_token`; a ``~`` not followed by ``0`` or ``1`` raises 400."""
    if _BAD_ESCAPE.search(token):
        raise InvalidRequestError(f"Invalid JSON Pointer escape in {token!r}", status=400)
    # "~1" first: unescaping "~0" first would turn "~01" into "/" instead of "~1".
    return token.replace("~1", "/").replace("~0", "~")


def split_path(rest_type: str, path: str) -> list[str]:
    """Check that ``path`` starts ``/<rest_type>/0/`` and return the unescaped tokens after it.

    ``split_path("leads", "/leads/0/links/contacts/-") == ["links", "contacts", "-"]``. The
    type is compared case-insensitively, since URL segments are lowercase (``/productmaps``)
    while types are camelCase (``productMaps``). A wrong prefix raises
    :class:`InvalidRequestError` (400).
    """
    tokens = path.split("/") if isinstance(path, str) else []
    if (
        len(tokens) < 4
        or tokens[0] != ""
        or tokens[1].lower() != rest_type.lower()
        or tokens[2] != "0"
    ):
        raise InvalidRequestError(
            f"Invalid patch path {path!r}: it must start with /{rest_type}/0/", status=400
        )
    return [unescape_token(t) for t in tokens[3:]]


# -- operations ---------------------------------------------------------------------------------


def _check_op(_: object, __: object, value: str) -> None:
    if value not in OPS:
        raise UsageError(f"unknown JSON Patch op {value!r}; expected one of {sorted(OPS)}")


def _check_pointer(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None and attribute.name == "from_":
        return
    if not isinstance(value, str) or not value.startswith("/"):
        raise UsageError(f"JSON Patch {attribute.name} must be a string starting with '/'")


@attrs.frozen
class PatchOp:
    """One RFC 6902 operation. ``value`` is :data:`~nutshell_core.model.UNSET` when absent.

    ``from_`` is only for ``move`` and ``copy``, which Nutshell's spec lists but which this
    library never builds itself.
    """

    op: str = attrs.field(validator=_check_op)
    path: str = attrs.field(validator=_check_pointer)
    value: Any = UNSET
    from_: str | None = attrs.field(default=None, kw_only=True, validator=_check_pointer)

    def __attrs_post_init__(self) -> None:
        if self.op in _NEEDS_VALUE and self.value is UNSET:
            raise UsageError(f"JSON Patch {self.op!r} needs a value")
        if self.op in _NEEDS_FROM and self.from_ is None:
            raise UsageError(f"JSON Patch {self.op!r} needs from_")

    def to_json(self) -> dict[str, Any]:
        """The operation as a JSON object (``value`` and ``from`` only when present)."""
        out: dict[str, Any] = {"op": self.op, "path": self.path}
        if self.from_ is not None:
            out["from"] = self.from_
        if self.value is not UNSET:
            # A copy, so that editing the returned document cannot change this frozen op.
            out["value"] = copy.deepcopy(self.value)
        return out


def parse_patch(ops: object) -> tuple[PatchOp, ...]:
    """Validate an incoming JSON Patch document and return its operations.

    Each operation must be an object with ``op`` in :data:`OPS` and a string ``path`` starting
    with ``/``; ``add``, ``replace`` and ``test`` need ``value``; ``move`` and ``copy`` need a
    ``from`` pointer. Unknown members are ignored (RFC 6902 §4). Anything else, including an
    empty document ("No patches sent", as Nutshell says), raises :class:`InvalidRequestError`
    with status 400.
    """
    if not isinstance(ops, list):
        raise InvalidRequestError(
            "A JSON Patch document must be an array of operations", status=400
        )
    if not ops:
        raise InvalidRequestError("No patches sent", status=400)
    parsed = []
    for i, raw in enumerate(ops):
        where = f"Patch operation {i}"
        if not isinstance(raw, Mapping):
            raise InvalidRequestError(f"{where} is not an object", status=400)
        op = raw.get("op")
        if not isinstance(op, str) or op not in OPS:
            raise InvalidRequestError(f"{where}: invalid op {op!r}", status=400)
        path = raw.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise InvalidRequestError(
                f"{where}: path must be a string starting with '/'", status=400
            )
        if op in _NEEDS_VALUE and "value" not in raw:
            raise InvalidRequestError(f"{where}: {op!r} needs a value", status=400)
        source = raw.get("from")
        if op in _NEEDS_FROM and (not isinstance(source, str) or not source.startswith("/")):
            raise InvalidRequestError(f"{where}: {op!r} needs a 'from' pointer", status=400)
        parsed.append(
            PatchOp(
                op,
                path,
                raw.get("value", UNSET),
                from_=source if op in _NEEDS_FROM else None,
            )
        )
    return tuple(parsed)


# -- the builder --------------------------------------------------------------------------------


def _check_rest_type(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or not _REST_TYPE.fullmatch(value):
        raise UsageError(f"rest_type must be a REST type name like 'leads', not {value!r}")


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise UsageError(f"{what} must be a non-empty string, not {name!r}")
    return name


def _link_id(name: str, value: object, table: Mapping[str, str]) -> str:
    """Render a link target: a formatted id string as is, a plain int through ``table``."""
    if isinstance(value, bool):
        raise UsageError(f"link {name!r}: {value!r} is not an id")
    if isinstance(value, int):
        if name not in table:
            raise UsageError(
                f"link {name!r}: give a formatted id like '3-contacts'; its type is not known"
            )
        if value < 1:
            raise UsageError(f"link {name!r}: {value} is not a valid id")
        return f"{value}-{table[name]}"
    if isinstance(value, str) and _API_ID.fullmatch(value):
        return value
    raise UsageError(f"link {name!r}: {value!r} is not an id like '3-contacts'")


def _money(amount: object) -> str:
    # Money is never a float here: 0.1 + 0.2 would reach the server as 0.30000000000000004.
    if isinstance(amount, bool) or not isinstance(amount, int | str | Decimal):
        raise UsageError(f"manual value must be a Decimal, int or str, not {amount!r}")
    try:
        value = Decimal(amount.strip() if isinstance(amount, str) else amount)
    except InvalidOperation:
        raise UsageError(f"manual value {amount!r} is not a number") from None
    if not value.is_finite():
        raise UsageError(f"manual value {amount!r} is not a finite number")
    exponent = value.as_tuple().exponent
    # Pad to cents ("500" -> "500.00") but never round away extra precision the caller gave.
    if isinstance(exponent, int) and exponent > -2:
        value = value.quantize(Decimal("0.01"))
    return format(value, "f")


@attrs.frozen
class Patch:
    """A JSON Patch for one record of ``rest_type`` (``"leads"``...).

    Immutable: every method returns a new Patch, so keep the result (``p = p.replace(...)``).
    """

    rest_type: str = attrs.field(validator=_check_rest_type)
    _ops: tuple[PatchOp, ...] = attrs.field(default=(), alias="_ops")

    def _path(self, *tokens: str) -> str:
        return "/" + "/".join([self.rest_type, "0", *(escape_token(t) for t in tokens)])

    def append(self, op: PatchOp) -> Patch:
        """This patch plus ``op``, as given (no dialect checks)."""
        if not isinstance(op, PatchOp):
            raise UsageError(f"expected a PatchOp, not {op!r}")
        return attrs.evolve(self, _ops=(*self._ops, op))

    def _emit(self, op: str, tokens: Sequence[str], value: Any = UNSET) -> Patch:
        # Copy containers so later edits to the caller's dicts cannot alter this frozen patch.
        return self.append(PatchOp(op, self._path(*tokens), copy.deepcopy(value)))

    def replace(self, field: str, value: Any) -> Patch:
        """Set a top-level field: ``replace /<type>/0/<field>``."""
        return self._emit("replace", [_check_name(field, "field")], value)

    def set_link(self, name: str, target: int | str | None) -> Patch:
        """Set a to-one relation: ``replace /<type>/0/links/<name>``; None clears it.

        An int goes through :data:`TO_ONE_LINK_TYPES` (``owner``: 2 -> ``"2-users"``); a
        formatted id (``"2-teams"``) is sent as is. To-many relations use the list methods.
        """
        _check_name(name, "link name")
        if name in TO_MANY_LINK_TYPES:
            raise UsageError(f"link {name!r} is a list: use add_link, remove_link or replace_links")
        value = None if target is None else _link_id(name, target, TO_ONE_LINK_TYPES)
        return self._emit("replace", ["links", name], value)

    def _many(self, name: str) -> str:
        _check_name(name, "link name")
        if name in TO_ONE_LINK_TYPES:
            raise UsageError(f"link {name!r} holds one record: use set_link")
        return name

    def add_link(self, name: str, target: int | str) -> Patch:
        """Add to a to-many relation: ``add /<type>/0/links/<name>/-`` with the id as value."""
        value = _link_id(self._many(name), target, TO_MANY_LINK_TYPES)
        return self._emit("add", ["links", name, "-"], value)

    def remove_link(self, name: str, target: int | str) -> Patch:
        """Remove from a to-many relation: ``remove /<type>/0/links/<name>/<id>``, no value."""
        value = _link_id(self._many(name), target, TO_MANY_LINK_TYPES)
        return self._emit("remove", ["links", name, value])

    def replace_links(self, name: str, targets: Iterable[int | str]) -> Patch:
        """Replace a whole to-many relation: ``replace /<type>/0/links/<name>`` with a list."""
        self._many(name)
        if isinstance(targets, str | bytes | Mapping):
            # A lone "3-accounts" would otherwise be iterated character by character.
            raise UsageError(f"link {name!r}: give a list of ids, not {targets!r}")
        ids = [_link_id(name, t, TO_MANY_LINK_TYPES) for t in targets]
        return self._emit("replace", ["links", name], ids)

    def replace_list(self, field: str, items: Iterable[Mapping[str, Any]]) -> Patch:
        """Replace a whole multi-value field (``emails``, ``phones``, ``urls``, ``addresses``).

        ``items`` are wire dicts such as ``{"isPrimary": True, "value": "a@x.com"}``; Nutshell
        has no per-item operations for these.
        """
        if field not in LIST_FIELDS:
            raise UsageError(f"replace_list takes one of {sorted(LIST_FIELDS)}, not {field!r}")
        if isinstance(items, str | bytes | Mapping):
            raise UsageError(f"{field}: give a list of objects, not {items!r}")
        values = list(items)
        for item in values:
            if not isinstance(item, Mapping):
                raise UsageError(f"{field}: each item must be an object, not {item!r}")
        return self._emit("replace", [field], [dict(item) for item in values])

    def custom_field(self, name: str, value: Any) -> Patch:
        """Set a custom field: ``replace /<type>/0/customFields/<name>`` (name Pointer-escaped)."""
        return self._emit(
            "replace", ["customFields", _check_name(name, "custom field name")], value
        )

    def manual_value(self, amount: Decimal | int | str) -> Patch:
        """Set a lead's value by hand: ``replace /leads/0/manualValue`` with ``"500.00"``.

        Amounts are padded to cents; floats are refused (money is never a float here).
        """
        if self.rest_type != "leads":
            raise UsageError(f"manualValue is a lead field, not a {self.rest_type} one")
        return self._emit("replace", ["manualValue"], _money(amount))

    def ops(self) -> tuple[PatchOp, ...]:
        """The operations, in order."""
        return self._ops

    def to_json(self) -> list[dict[str, Any]]:
        """The PATCH body: a bare JSON array of operations (possibly empty)."""
        return [op.to_json() for op in self._ops]

    def ensure_not_empty(self) -> Patch:
        """Return self, or raise :class:`UsageError` if there is nothing to send.

        Nutshell answers an empty patch with 400 "No patches sent"; callers with nothing to
        change should skip the request instead.
        """
        if not self._ops:
            raise UsageError(f"No patches sent: the {self.rest_type} patch is empty")
        return self

    def __len__(self) -> int:
        return len(self._ops)


# -- diffing ------------------------------------------------------------------------------------


def _same(a: object, b: object) -> bool:
    """JSON equality: lists equal tuples, but ``True`` is not ``1`` (unlike Python's ``==``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping | list | tuple) or isinstance(b, Mapping | list | tuple):
        return False
    return bool(a == b)


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise UsageError(f"{what} must be a mapping, not {value!r}")
    return value


def _id_list(name: str, value: object) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"link {name!r}: expected a list of id strings, not {value!r}")
    return list(value)


def _diff_links(patch: Patch, old: Mapping[str, Any], new: Mapping[str, Any]) -> Patch:
    for name, target in new.items():
        _check_name(name, "link name")
        if isinstance(target, list | tuple):
            ids = _id_list(name, target)
            if name not in old:
                # Old said nothing about this relation, so set it exactly, as for fields.
                patch = patch._emit("replace", ["links", name], ids)
                continue
            was = old[name]
            before = [] if was is None else _id_list(name, was)
            known, wanted = set(before), set(ids)
            # Adds before removes: a relation that must never be empty (a lead's contacts)
            # does not pass through empty while the patch is applied in order.
            for added in dict.fromkeys(i for i in ids if i not in known):
                patch = patch._emit("add", ["links", name, "-"], added)
            for dropped in dict.fromkeys(i for i in before if i not in wanted):
                patch = patch._emit("remove", ["links", name, dropped])
        elif target is None or isinstance(target, str):
            if name not in old or not _same(old[name], target):
                patch = patch._emit("replace", ["links", name], target)
        else:
            raise UsageError(
                f"link {name!r}: expected an id string, a list or None, not {target!r}"
            )
    return patch


def diff_inputs(rest_type: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> Patch:
    """The patch that turns record ``old`` into ``new``, both shaped like a POST body record.

    Partial-update semantics: keys absent from ``new`` are left alone. A changed or newly
    present scalar is a ``replace``; ``emails``/``phones``/``urls``/``addresses`` are replaced
    whole; each changed custom field is one ``replace`` on ``customFields/<name>``; a changed
    to-one link is a ``replace``; a to-many link becomes ``add`` ops for new ids then
    ``remove`` ops for dropped ones (order within each kept; member order is not significant),
    or one ``replace`` when ``old`` has no such link at all. Ops follow ``new``'s key order.
    """
    old = _mapping(old, "old")
    new = _mapping(new, "new")
    patch = Patch(rest_type)
    for key, value in new.items():
        _check_name(key, "field")
        if key == "links":
            before = _mapping(old.get("links") or {}, "old links")
            patch = _diff_links(patch, before, _mapping(value, "new links"))
        elif key == "customFields":
            before = _mapping(old.get("customFields") or {}, "old customFields")
            for name, field_value in _mapping(value, "new customFields").items():
                if name not in before or not _same(before[name], field_value):
                    patch = patch.custom_field(name, field_value)
        elif key not in old or not _same(old[key], value):
            # List fields land here too: Nutshell can only replace them whole.
            patch = patch._emit("replace", [key], value)
    return patch
