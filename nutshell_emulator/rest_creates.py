"""The REST front's creates and deletes: ``POST /<entity>`` bodies read into records (relations
checked, contact points normalised, activities logged), ``DELETE`` and ``undelete``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

import attrs

from nutshell_core.model import (
    ENTITIES,
    UNSET,
    Account,
    Activity,
    ActivityStatus,
    Contact,
    Lead,
    Note,
    ProductMap,
    Record,
    Ref,
    Tag,
    Unset,
)
from nutshell_emulator import rules
from nutshell_emulator.http import HttpReply
from nutshell_emulator.rest_filters import whole_number
from nutshell_emulator.rest_handling import _Call, _entity
from nutshell_emulator.rest_reads import _ReadHandlers
from nutshell_emulator.rest_values import COMPETITOR_MAPS, _note_html
from nutshell_rest.convert import structure_record

#: Creates that answer 200 rather than 201 (OAS).
_CREATE_200: Final = frozenset({"contacts", "tags", "tasks"})

#: Deletes that answer 204 with no body (OAS).
_DELETE_204: Final = frozenset({"contacts", "productMaps", COMPETITOR_MAPS})

#: Record attributes no request may set.
_STATE: Final = frozenset(
    {"id", "rev", "stub", "created_time", "modified_time", "deleted_time", "memo"}
)

#: Wire keys a create or PATCH never sets: the server computes them.
_READ_ONLY: Final = frozenset(
    {
        "id",
        "type",
        "href",
        "htmlUrl",
        "htmlUrlPath",
        "avatarUrl",
        "initials",
        "createdTime",
        "modifiedTime",
        "deletedTime",
        "number",
        "isOverdue",
        "closedTime",
    }
)


class _CreateHandlers(_ReadHandlers):
    """``POST /<entity>``, ``DELETE /<entity>/{id}`` and ``POST /<entity>/{id}/undelete``."""

    # -- creates ---------------------------------------------------------------------------------

    def _create(self, call: _Call) -> HttpReply:
        cls = _entity(call.op)
        assert cls is not None
        item = self._one_item(call, self._body(call))
        extras: dict[str, Any] = {}
        values = self._input_values(call, cls, item, extras)
        actor = call.actor
        if cls is Account and not any(
            values.get(k) for k in ("name", "phones", "emails", "addresses", "urls")
        ):
            raise self._bad(
                call,
                "An account needs a name, phone, email, address or url",
            )
        if cls in (Account, Contact):
            values.setdefault("creator", actor)
            values.setdefault("owner", actor)
        if cls is Note:
            values.setdefault("user", actor)
            values.setdefault("date", self.store.now())
            if isinstance(values.get("body"), str):
                # Store the markup and HTML this front shows for the note, so the JSON-RPC
                # front shows them too: one note, whichever API wrote it.
                values.setdefault("body_markup", values["body"])
                values.setdefault("body_html", _note_html(values["body"]))
        if cls is Activity:
            # Without isLogged/isCancelled a new activity is scheduled, over RPC too.
            values.setdefault("status", ActivityStatus.SCHEDULED)
            self._log_activity(call, item, values, None)
        if cls is Lead:
            record: Record = rules.new_lead(self.store, values, call.user)
        else:
            record = self.store.insert(cls(**values), actor=actor)
        self._after_create(call, record, extras)
        status = 200 if cls.rest_type in _CREATE_200 else 201
        return self._records_reply(call, [record], status=status)

    def _one_item(self, call: _Call, body: Any) -> Mapping[str, Any]:
        key = call.key
        if key == "notes" and isinstance(body, Mapping) and isinstance(body.get("data"), Mapping):
            data: Mapping[str, Any] = body["data"]
            return data
        if key == "tasks" and isinstance(body, Mapping) and not isinstance(body.get(key), list):
            return body  # OAS shows the task body unwrapped
        items = body.get(key) if isinstance(body, Mapping) else None
        if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], Mapping):
            # The recorded words; what exactly triggers them is not recorded (rest-api.md §5.1).
            raise self._bad(call, f"You may only create one {key} resource per request.")
        item: Mapping[str, Any] = items[0]
        return item

    def _input_values(
        self,
        call: _Call,
        cls: type[Record],
        item: Mapping[str, Any],
        extras: dict[str, Any],
    ) -> dict[str, Any]:
        """A create (or PUT) body item as model attribute values; relations are checked."""
        data = {k: copy.deepcopy(v) for k, v in item.items() if k not in _READ_ONLY}
        raw_links = data.pop("links", None)
        links = dict(raw_links) if isinstance(raw_links, Mapping) else {}
        links.pop("creator", None)
        if cls is Lead:
            data.pop("status", None)
            extras["productMaps"] = links.pop("productMaps", None)
            links.pop("competitorMaps", None)
            if "manualValue" in data:
                data["value"] = {"amount": data.pop("manualValue"), "currency": "USD"}
            if "name" not in data and isinstance(data.get("description"), str):
                data["name"] = data["description"]  # "description ... is also set as the name"
        elif cls is Activity:
            if "activityType" in data:
                links["activityType"] = data.pop("activityType")
            if "description" in data and "agenda" not in data:
                data["agenda"] = data.pop("description")
            data.pop("note", None)
            participants = links.pop("participants", None)
            if isinstance(participants, list):
                links["contacts"] = [*(links.get("contacts") or []), *participants]
        elif cls is Contact:
            _split_person_name(data)
        elif cls is Tag:
            extras["entities"] = links.pop("entities", None)
        for member in ("emails", "phones", "urls", "addresses"):
            if member in data:
                data[member] = _points_input(member, data[member])
        data["links"] = links
        record = structure_record(data, cls)
        values: dict[str, Any] = {}
        for fld in attrs.fields(cls):
            value = getattr(record, fld.name)
            if fld.name in _STATE or isinstance(value, Unset):
                continue
            values[fld.name] = self._checked(call, value)
        return values

    def _checked(self, call: _Call, value: Any, old: Any = UNSET) -> Any:
        """Refs checked against the store and given their names; statuses of competitors kept."""
        if isinstance(value, Ref):
            return self._checked_ref(call, value, old)
        if isinstance(value, tuple) and all(isinstance(v, Ref) for v in value):
            # An empty tuple passes too: it may replace contact points, not links.
            kept = old if isinstance(old, tuple) else ()
            previous = {(r.entity, r.id): r for r in kept if isinstance(r, Ref)}
            return tuple(
                self._checked_ref(call, v, previous.get((v.entity, v.id), UNSET)) for v in value
            )
        return value

    def _checked_ref(self, call: _Call, ref: Ref, old: Any) -> Ref:
        cls = ENTITIES.get(ref.entity)
        if cls is None or not isinstance(ref.id, int):
            return ref
        target = self.store.find(cls, ref.id)
        if target is None:
            raise self._bad(
                call, "Invalid relationship", f"{ref.id}-{cls.rest_type} does not exist"
            )
        relationship = old.relationship if isinstance(old, Ref) else ref.relationship
        name = getattr(target, "name", UNSET)
        return Ref(
            entity=ref.entity,
            id=ref.id,
            name=name if isinstance(name, str) or name is None else UNSET,
            relationship=relationship,
        )

    def _after_create(self, call: _Call, record: Record, extras: Mapping[str, Any]) -> None:
        if isinstance(record, Lead) and isinstance(extras.get("productMaps"), list):
            for entry in extras["productMaps"]:
                self._attach_product_map(call, record, entry)
        if isinstance(record, Tag) and isinstance(extras.get("entities"), list):
            for wire_id in extras["entities"]:
                self._tag_entity(call, record, wire_id)

    def _attach_product_map(self, call: _Call, lead: Lead, entry: Any) -> None:
        """Put a product on a lead: an existing map by id, or a new one from an object."""
        lead_ref = Ref(entity="Lead", id=lead.id, name=lead.name)
        if isinstance(entry, (str, int)) and not isinstance(entry, bool):
            number = self._value_id(call, entry, "productMaps", "product map")
            self.store.update(ProductMap, number, {"lead": lead_ref}, actor=call.actor)
            return
        if not isinstance(entry, Mapping):
            raise self._bad(call, "Invalid product map", repr(entry))
        item = {k: v for k, v in entry.items() if k not in ("id", "type", "productType")}
        values = self._input_values(call, ProductMap, item, {})
        product = values.get("product")
        if not isinstance(product, Ref):
            raise self._bad(call, "Invalid product map", "links.product is required")
        values["lead"] = lead_ref
        values.setdefault("name", product.name)
        values.setdefault("quantity", 1.0)
        self.store.insert(ProductMap(**values), actor=call.actor)

    def _tag_entity(self, call: _Call, tag: Tag, wire_id: Any) -> None:
        text, _, kind = str(wire_id).partition("-")
        cls = next((c for c in (Lead, Contact, Account) if c.rest_type == kind), None)
        number = whole_number(text)
        if cls is None or number is None:
            raise self._bad(call, "Invalid relationship", f"cannot tag {wire_id!r}")
        target = self._live(cls, number)
        tags = tuple(getattr(target, "tags", ()) or ())
        ref = Ref(entity="Tag", id=tag.id, name=tag.name)
        self.store.update(cls, int(number), {"tags": (*tags, ref)}, actor=call.actor)

    def _log_activity(
        self, call: _Call, item: Mapping[str, Any], values: dict[str, Any], current: Activity | None
    ) -> None:
        """Logging through REST records what logging in the app (or over JSON-RPC) does: the
        caller as the logger (webhook samples), and the body's ``note`` (OAS) as the log note,
        a note with no parent."""
        was_logged = current is not None and current.status is ActivityStatus.LOGGED
        logger = current.logged_by if current is not None else None
        if (
            values.get("status") is ActivityStatus.LOGGED
            and not was_logged
            and logger in (None, UNSET)
        ):
            values.setdefault("logged_by", call.actor)
        text = item.get("note")
        if isinstance(text, str) and text.strip():
            note = Note(
                body=text,
                body_markup=text,
                body_html=_note_html(text),
                date=self.store.now(),
                user=call.actor,
                parent=None,
            )
            stored = self.store.insert(note, actor=call.actor)
            values["log_note"] = Ref(entity="Note", id=stored.id)

    # -- deletes ---------------------------------------------------------------------------------

    def _delete(self, call: _Call) -> HttpReply:
        cls = _entity(call.op)
        assert cls is not None
        deleted = self.store.delete(cls, self._id(call, cls), actor=call.actor)
        if cls.rest_type in _DELETE_204:
            return HttpReply(204, (), b"")
        return self._records_reply(call, [deleted])

    def _undelete(self, call: _Call) -> HttpReply:
        cls = _entity(call.op)
        assert cls is not None
        restored = self.store.undelete(cls, self._id(call, cls), actor=call.actor)
        return self._records_reply(call, [restored])


def _split_person_name(data: dict[str, Any]) -> None:
    name = data.get("name")
    if isinstance(name, str) and "firstName" not in data and "lastName" not in data:
        first, _, last = name.strip().partition(" ")
        data["firstName"], data["lastName"] = first, last or None
    elif "name" not in data:
        parts = [data.get("firstName"), data.get("lastName")]
        joined = " ".join(p for p in parts if isinstance(p, str) and p)
        if joined:
            data["name"] = joined


def _point_input(member: str, item: Any) -> Any:
    """Input contact points as the converter reads them (a bare string is the value)."""
    if isinstance(item, str):
        return {"value": item}
    if member == "phones" and isinstance(item, Mapping):
        value = item.get("value")
        # AP sends {"value": {"number": ...}} without a parse; keep what was typed.
        if isinstance(value, Mapping) and set(value) <= {"number", "countryCode", "extension"}:
            typed = str(value.get("number") or "")
            return {**item, "value": typed}
    return item


def _points_input(member: str, items: Any) -> list[Any]:
    """A contact-point list; when none is marked primary the first one is (as in the UI)."""
    if not isinstance(items, list):
        return [] if items is None else [_point_input(member, items)]
    points = [_point_input(member, p) for p in items]
    if points and not any(isinstance(p, Mapping) and p.get("isPrimary") for p in points):
        first = points[0]
        if isinstance(first, Mapping):
            points[0] = {**first, "isPrimary": True}
    return points
