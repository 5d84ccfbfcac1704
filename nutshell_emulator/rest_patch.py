"""The REST front's ``PATCH``: Nutshell's JSON-Patch dialect applied to a record's wire form,
links and product maps included, as one store write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import attrs

from nutshell_core.model import Contact, Lead, Money, PersonName, ProductMap, Record, Ref, Unset
from nutshell_emulator.http import HttpReply, json_reply
from nutshell_emulator.rest_creates import _READ_ONLY, _STATE, _CreateHandlers, _points_input
from nutshell_emulator.rest_filters import same_id, whole_number
from nutshell_emulator.rest_handling import _Abort, _Call, _entity, _FrontBase
from nutshell_emulator.rest_relations import find_competitor_map
from nutshell_emulator.rest_values import COMPETITOR_MAPS
from nutshell_rest.convert import REST_MAPS, structure_record, unstructure_record
from nutshell_rest.patch import LIST_FIELDS, PATCH_MEDIA_TYPE, PatchOp, parse_patch, split_path
from nutshell_rpc.inputs import split_person_name
from nutshell_rpc.shapes import lead_accounts

#: The recorded body of a PATCH sent without the JSON-Patch media type (AMP err-media-type.txt).
MEDIA_TYPE_ERROR: Final = "application/json-patch+json is required, see http://jsonapi.org"


class _PatchHandlers(_CreateHandlers):
    """``PATCH /<entity>/{id}`` with ``application/json-patch+json``."""

    # -- PATCH -----------------------------------------------------------------------------------

    def _patch_ops(self, call: _Call) -> tuple[PatchOp, ...]:
        media = (call.request.header("content-type") or "").split(";")[0].strip().lower()
        if media != PATCH_MEDIA_TYPE:
            raise _Abort(json_reply(400, MEDIA_TYPE_ERROR))
        body = self._body(call)
        if isinstance(body, list):
            # Nutshell documents "replace .../valueToProductMode" with no value; RFC 6902 (and
            # parse_patch) want one, so the emulator supplies a null.
            body = [
                {**op, "value": None}
                if isinstance(op, Mapping)
                and str(op.get("path", "")).endswith("/valueToProductMode")
                and "value" not in op
                else op
                for op in body
            ]
        return parse_patch(body)

    def _patch(self, call: _Call) -> HttpReply:
        cls = _entity(call.op)
        assert cls is not None
        ops = self._patch_ops(call)
        number = self._id(call, cls)
        record = self._live(cls, number)
        deferred: list[Callable[[], None]] = []
        changes = self._apply(call, cls, record, ops, deferred)
        # One store write per PATCH: the rev goes up by exactly one, changed or not.
        self.store.update(
            cls, number, changes, actor=call.actor, action=call.op.webhook_event or "update"
        )
        for step in deferred:
            step()
        return HttpReply(204, (), b"")

    def _apply(
        self,
        call: _Call,
        cls: type[Record],
        record: Record,
        ops: Sequence[PatchOp],
        deferred: list[Callable[[], None]],
    ) -> dict[str, Any]:
        """Apply Nutshell's JSON-Patch dialect to the record's wire form; the attribute changes."""
        wire = unstructure_record(attrs.evolve(record, memo=None))
        links = wire.setdefault("links", {})
        known = REST_MAPS[cls].record_map.by_key
        has_custom = "customFields" in known
        custom = dict(wire.get("customFields") or {})
        original_custom = dict(custom)
        # Link lists a patch replaced whole: their order is the one sent (a lead's first
        # contact is its primary one in the legacy view); others compare in any order.
        replaced: set[str] = set()
        for op in ops:
            tokens = split_path(cls.rest_type, op.path)
            head = tokens[0] if tokens else ""
            if head == "links" and len(tokens) == 2 and op.op == "replace":
                replaced.add(tokens[1])
            if op.op in ("move", "copy"):
                raise self._bad(call, "Unsupported patch operation", op.op)
            if head == "links" and len(tokens) > 1:
                self._patch_link(call, record, links, tokens[1:], op, deferred)
            elif head == "customFields" and has_custom and len(tokens) == 2:
                _set_in(custom, tokens[1], op, call, self)
            elif head == "manualValue" and cls is Lead:
                wire["value"] = self._manual_value(call, record, op.value)
            elif head == "valueToProductMode" and cls is Lead:
                wire["value"] = self._product_value(record)
            elif head in _READ_ONLY or head == "links":
                raise self._bad(call, "Invalid patch", f"{head} cannot be changed")
            elif head in known:
                if head in LIST_FIELDS:
                    wire.setdefault(head, [])
                _apply_pointer(wire, tokens, op, call, self)
            elif has_custom and len(tokens) == 1:
                _set_in(custom, head, op, call, self)  # OAS: /leads/0/<customFieldName>
            else:
                raise self._bad(call, "Invalid patch", f"unknown field {head!r}")
        if has_custom and custom != original_custom:
            wire["customFields"] = custom
        for member in ("emails", "phones", "urls", "addresses"):
            if isinstance(wire.get(member), list):
                wire[member] = _points_input(member, wire[member])
        updated = structure_record(wire, cls)
        changes: dict[str, Any] = {}
        for fld in attrs.fields(cls):
            new = getattr(updated, fld.name)
            old = getattr(record, fld.name)
            if fld.name in _STATE or isinstance(new, Unset):
                continue
            if _same(old, new, ordered=fld.name in replaced):
                continue
            changes[fld.name] = self._checked(call, new, old)
        if isinstance(record, Lead) and isinstance(updated, Lead):
            self._lead_accounts(call, record, updated, changes)
        _follow_names(cls, record, changes)
        return changes

    def _lead_accounts(
        self, call: _Call, lead: Lead, updated: Lead, changes: dict[str, Any]
    ) -> None:
        """A lead's accounts change when their order does: the first is the primary one.

        The generic comparison reads lists in any order; for a lead's accounts the order
        names the primary account, so it decides, and an unchanged order changes nothing
        (a lead written through JSON-RPC with accounts and no primary one keeps it that way).
        """
        changes.pop("primary_account", None)
        changes.pop("accounts", None)
        before = [_ref_key(ref) for ref in lead_accounts(lead)]
        after = [_ref_key(ref) for ref in lead_accounts(updated)]
        if isinstance(updated.accounts, Unset) or before == after:
            return
        changes["primary_account"] = self._checked(call, updated.primary_account)
        changes["accounts"] = self._checked(call, updated.accounts, lead.accounts)

    def _patch_link(
        self,
        call: _Call,
        record: Record,
        links: dict[str, Any],
        tokens: Sequence[str],
        op: PatchOp,
        deferred: list[Callable[[], None]],
    ) -> None:
        rel, rest = tokens[0], list(tokens[1:])
        if rel == "productMaps" and isinstance(record, Lead):
            self._patch_product_maps(call, record, rest, op, deferred)
            return
        if rel == "competitorMaps" and isinstance(record, Lead):
            # A competitor map is the lead's competitor relation: removing one drops it.
            if op.op == "remove" and rest:
                pair = find_competitor_map(
                    self.store, self._value_id(call, rest[0], COMPETITOR_MAPS, "competitor map")
                )
                if pair is not None:
                    wanted = f"{pair.competitor.id}-competitors"
                    links["competitors"] = [
                        i for i in links.get("competitors") or [] if not same_id(str(i), wanted)
                    ]
            return
        current = links.get(rel)
        many = isinstance(current, list) or rel in _MANY_LINKS
        value = _link_value(op.value)
        if op.op == "replace" and not rest:
            links[rel] = value if not many or isinstance(value, list) else [value]
        elif op.op == "add" and many:
            # Nutshell's dialect: every add to a list relation ends with "/-" (rest-api.md §5.2).
            if rest != ["-"]:
                raise self._bad(call, "Invalid patch", f"add to links/{rel} must end with /-")
            links[rel] = [*(current or []), value]
        elif op.op == "add" and not rest:
            links[rel] = value
        elif op.op == "remove":
            if many and rest:
                links[rel] = [i for i in current or [] if not same_id(rest[0], i)]
            else:
                links[rel] = [] if many else None
        elif op.op == "test":
            if current != op.value:
                raise self._bad(call, "Patch test failed", "/".join(["links", *tokens]))
        else:
            links[rel] = value

    def _patch_product_maps(
        self,
        call: _Call,
        lead: Lead,
        rest: Sequence[str],
        op: PatchOp,
        deferred: list[Callable[[], None]],
    ) -> None:
        if op.op == "add":
            deferred.append(lambda: self._attach_product_map(call, lead, op.value))
        elif op.op == "remove" and rest:
            number = self._value_id(call, rest[0], "productMaps", "product map")
            self._live(ProductMap, number)
            deferred.append(lambda: self._drop(ProductMap, number, call))
        elif op.op == "replace" and isinstance(op.value, list):
            existing = [
                m.id
                for m in self.store.all(ProductMap)
                if _points_to(m.lead, lead) and isinstance(m.id, int)
            ]
            for number in existing:
                deferred.append(lambda n=number: self._drop(ProductMap, n, call))  # type: ignore[misc]
            for entry in op.value:
                deferred.append(lambda e=entry: self._attach_product_map(call, lead, e))  # type: ignore[misc]
        else:
            raise self._bad(call, "Invalid patch", "links/productMaps")

    def _drop(self, cls: type[Record], number: int, call: _Call) -> None:
        self.store.delete(cls, number, actor=call.actor)

    def _manual_value(self, call: _Call, lead: Record, value: Any) -> dict[str, Any]:
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise self._bad(call, "Invalid patch", f"manualValue {value!r}") from None
        current = getattr(lead, "value", None)
        currency = current.currency if isinstance(current, Money) else "USD"
        return {"amount": format(amount, "f"), "currency": currency or "USD"}

    def _product_value(self, lead: Record) -> dict[str, Any]:
        total = Decimal(0)
        for item in self.store.all(ProductMap):
            if _points_to(item.lead, lead) and isinstance(item.price, Money):
                quantity = item.quantity if isinstance(item.quantity, float | int) else 1
                total += (item.price.amount or Decimal(0)) * Decimal(repr(quantity))
        return {"amount": format(total, "f"), "currency": "USD"}


#: Link members that hold lists even when the wire form has not got them yet.
_MANY_LINKS: Final = frozenset(
    {
        "accounts",
        "contacts",
        "tags",
        "sources",
        "products",
        "competitors",
        "leads",
        "users",
        "teams",
        "files",
        "watchers",
        "emAudiences",
        "stages",
    }
)


def _points_to(ref: Any, record: Record) -> bool:
    return isinstance(ref, Ref) and ref.entity == record.entity and ref.id == record.id


def _ref_key(ref: Ref) -> tuple[str, Any]:
    return (ref.entity, ref.id)


def _same(old: Any, new: Any, *, ordered: bool = False) -> bool:
    """Whether a re-read value equals the stored one: Refs by target, lists of links in any
    order unless ``ordered`` (a list the patch replaced whole)."""
    if isinstance(old, Unset):
        return False
    if isinstance(new, Ref) and isinstance(old, Ref):
        return _ref_key(old) == _ref_key(new)
    if (
        isinstance(new, tuple)
        and isinstance(old, tuple)
        and all(isinstance(v, Ref) for v in (*old, *new))
    ):
        if ordered:
            return list(map(_ref_key, old)) == list(map(_ref_key, new))
        return sorted(map(_ref_key, old), key=repr) == sorted(map(_ref_key, new), key=repr)
    return bool(old == new)


def _follow_names(cls: type[Record], record: Record, changes: dict[str, Any]) -> None:
    """Keep derived names in step: a contact's name and parts, a lead's name and description."""
    if cls is Contact:
        parts_changed = "first_name" in changes or "last_name" in changes
        if parts_changed and "name" not in changes:
            first = changes.get("first_name", getattr(record, "first_name", None))
            last = changes.get("last_name", getattr(record, "last_name", None))
            changes["name"] = " ".join(p for p in (first, last) if isinstance(p, str) and p)
        elif "name" in changes and not parts_changed and isinstance(changes["name"], str):
            first, _, last = changes["name"].strip().partition(" ")
            changes["first_name"], changes["last_name"] = first, last or None
        if "name" in changes or parts_changed:
            # The legacy view renders the stored name parts: they follow the new name whole.
            # A name alone is split as a legacy rename splits it (salutation, given names, last
            # word the family name); parts sent are the parts (REST has no salutation).
            name = changes.get("name", getattr(record, "name", None))
            if not parts_changed and isinstance(name, str):
                changes["person_name"] = split_person_name(name)
            else:
                first = changes.get("first_name", getattr(record, "first_name", None))
                last = changes.get("last_name", getattr(record, "last_name", None))
                changes["person_name"] = PersonName(
                    given=first if isinstance(first, str) else "",
                    family=last if isinstance(last, str) else "",
                    salutation="",
                    display=name if isinstance(name, str) else "",
                )
    if (
        cls is Lead
        and "description" in changes
        and "name" not in changes
        and getattr(record, "name", None) == getattr(record, "description", None)
    ):
        changes["name"] = changes["description"]


def _link_value(value: Any) -> Any:
    # A link given as an object ({"id": "3-contacts"}) is its id.
    if isinstance(value, Mapping) and "id" in value:
        return value["id"]
    if isinstance(value, list):
        return [_link_value(v) for v in value]
    return value


def _set_in(target: dict[str, Any], name: str, op: PatchOp, call: _Call, front: _FrontBase) -> None:
    if op.op in ("replace", "add"):
        target[name] = op.value
    elif op.op == "remove":
        target.pop(name, None)
    elif op.op == "test" and target.get(name) != op.value:
        raise front._bad(call, "Patch test failed", name)


def _apply_pointer(
    wire: dict[str, Any], tokens: Sequence[str], op: PatchOp, call: _Call, front: _FrontBase
) -> None:
    """Apply one op at a JSON Pointer inside the wire form; removing a field sets it to null."""
    node: Any = wire
    for token in tokens[:-1]:
        index = whole_number(token)
        if isinstance(node, list) and index is not None and index < len(node):
            node = node[index]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise front._bad(call, "Invalid patch", "/".join(tokens))
    last = tokens[-1]
    if isinstance(node, list):
        if op.op == "add" and last == "-":
            node.append(op.value)
        elif (position := whole_number(last)) is not None and position <= len(node):
            if op.op == "remove" and position < len(node):
                del node[position]
            elif op.op == "add":
                node.insert(position, op.value)
            elif op.op == "replace" and position < len(node):
                node[position] = op.value
            elif op.op == "test" and (position >= len(node) or node[position] != op.value):
                raise front._bad(call, "Patch test failed", "/".join(tokens))
        else:
            raise front._bad(call, "Invalid patch", "/".join(tokens))
    elif isinstance(node, dict):
        if op.op in ("replace", "add"):
            node[last] = op.value
        elif op.op == "remove":
            node[last] = [] if isinstance(node.get(last), list) else None
        elif op.op == "test" and node.get(last) != op.value:
            raise front._bad(call, "Patch test failed", "/".join(tokens))
    else:
        raise front._bad(call, "Invalid patch", "/".join(tokens))
