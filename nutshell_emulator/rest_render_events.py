"""The REST renderers of the event log: ``GET /events`` events with their actors and payloads,
and webhook deliveries with their link templates and side-loads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from nutshell_core.model import ENTITIES, Address, Email, Money, Phone, Ref, Stage, Url, User
from nutshell_emulator.rest_present_base import _PresenterBase
from nutshell_emulator.rest_relations import _Index
from nutshell_emulator.rest_values import Wire, _phone_value, _ref_id, _set, rest_type_for, unix
from nutshell_emulator.store import StoreEvent
from nutshell_rest._codecs import dump_decimal


class _EventRenderers(_PresenterBase):
    """Renders store events, their actors and payloads, and webhook deliveries."""

    # -- events ----------------------------------------------------------------------------------

    def event(self, event: StoreEvent, *, with_count: bool = True) -> Wire:
        """One store event as an event object (``GET /events``; webhooks omit ``count``)."""
        payload_type = rest_type_for(event.entity)
        actor = event.actor
        out: Wire = {
            "id": f"{event.id}-events",
            "type": "events",
            "createdTime": unix(event.time),
            "actorType": rest_type_for(actor.entity) if actor is not None else None,
            "payloadType": payload_type,
            "action": event.action,
            "changes": [out for c in event.changes for out in self._changes(c.attribute, c)],
        }
        if with_count:
            out["count"] = None
        out["links"] = {
            "comments": [],
            "actor": _ref_id(actor),
            "payloads": [f"{event.record_id}-{payload_type}"],
        }
        return out

    def _changes(self, attribute: str, change: Any) -> list[Wire]:
        """One store change as event changes. A list relation becomes one change per member
        added (``null`` -> record) or removed (record -> ``null``), and custom fields one per
        field, so every value is a string, a record object or null as in the recordings."""
        head, *rest = attribute.split("_")
        name = head + "".join(p.title() for p in rest)
        old, new = _set(change.old), _set(change.new)
        if _is_refs(old) and _is_refs(new):
            before = {(r.entity, r.id): r for r in old or ()}
            after = {(r.entity, r.id): r for r in new or ()}
            out = []
            for key in [*before, *(k for k in after if k not in before)]:
                was, now = before.get(key), after.get(key)
                if was is None or now is None or was.relationship != now.relationship:
                    out.append(self._change(name, was, now))
            return out
        if name == "customFields" and isinstance(old or {}, Mapping):
            old_map, new_map = dict(old or {}), dict(new or {}) if isinstance(new, Mapping) else {}
            return [
                self._change(str(key), old_map.get(key), new_map.get(key))
                for key in dict.fromkeys([*old_map, *new_map])
                if old_map.get(key) != new_map.get(key)
            ]
        return [self._change(name, old, new)]

    def _change(self, name: str, old: Any, new: Any) -> Wire:
        return {
            "attribute": name,
            "oldValue": self._change_value(old),
            "newValue": self._change_value(new),
        }

    def _change_value(self, value: Any) -> Any:
        """Changed values as the recordings spell them: records as ``{id, type, name}`` (stages
        with their ``position``), everything else as a string (``"0"`` -> ``"1"``)."""
        value = _set(value)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, Ref):
            out: Wire = {
                "id": _ref_id(value),
                "type": rest_type_for(value.entity),
                "name": _set(value.name),
            }
            if value.entity == "Stage" and isinstance(value.id, int):
                stage = self.store.find(Stage, value.id)
                out["position"] = _set(stage.position) if stage is not None else None
            if _set(value.relationship) is not None:
                out["relationship"] = value.relationship
            return out
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, (int, Decimal, float)):
            return str(int(value)) if isinstance(value, int) else str(value)
        if isinstance(value, datetime):
            return str(unix(value))
        if isinstance(value, Money):
            return dump_decimal(value.amount)
        if isinstance(value, Email | Url):
            return value.value
        if isinstance(value, Phone):
            return _phone_value(value)["numberFormatted"] or _set(value.value)
        if isinstance(value, Address):
            parts = (value.address_1, value.city, value.state, value.postal_code, value.country)
            return ", ".join(str(p) for p in map(_set, parts) if p)
        if isinstance(value, Mapping):
            return json.dumps({str(k): v for k, v in value.items()}, default=str)
        if isinstance(value, Sequence):
            # Lists of values (emails, phones...) read as one comma-separated string.
            return ", ".join(str(self._change_value(v)) for v in value)
        return str(value)

    def payload(self, event: StoreEvent, index: _Index) -> Wire | None:
        """The record an event is about (from the trash when deleted), or None when gone."""
        cls = ENTITIES.get(event.entity)
        if cls is None:
            return None
        record = self.store.find(cls, event.record_id) or self.store.trashed(cls, event.record_id)
        return self.record(record, index) if record is not None else None

    def actors(self, events: Sequence[StoreEvent], index: _Index) -> list[Wire]:
        """The users (and other known actors) who did ``events``, each once."""
        out: dict[str, Wire] = {}
        for event in events:
            found = index.find(event.actor)
            if found is not None and _ref_id(event.actor) not in out:
                out[_ref_id(event.actor) or ""] = self.record(found, index)
        return list(out.values())

    def payloads(self, events: Sequence[StoreEvent], index: _Index) -> list[Wire]:
        """The records ``events`` are about, each once, in event order."""
        out: dict[str, Wire] = {}
        for event in events:
            key = f"{event.record_id}-{rest_type_for(event.entity)}"
            if key not in out:
                rendered = self.payload(event, index)
                if rendered is not None:
                    out[key] = rendered
        return list(out.values())

    # -- webhooks --------------------------------------------------------------------------------

    def webhook(self, events: Sequence[StoreEvent]) -> Wire:
        """A webhook delivery for ``events`` (the samples' shape: ``meta``, link templates,
        ``events``, ``actors``, ``payloads`` and the side-loads of the payload type)."""
        with self.store.lock:
            index = self.index()
            payloads = self.payloads(events, index)
            body: Wire = {
                "meta": {},
                "links": self._templates(payloads),
                "events": [self.event(e, with_count=False) for e in events],
                "actors": self.actors(events, index),
                "payloads": payloads,
            }
            body.update(self._side_loads(payloads, index))
            return body

    def _templates(self, payloads: Sequence[Wire]) -> Wire:
        base = self.base_url

        def template(href: str, kind: str) -> dict[str, str]:
            return {"href": f"{base}/{href}", "type": kind}

        out: Wire = {
            "events.comments": template("comments?parent_id={events.id}", "comments"),
            "events.actor": template("{events.actorType}/{events.actor}", "actors"),
            "events.payloads": template("{events.payloadType}/{events.payloads}", "payloads"),
            "actors.teams": template("teams/{actors.teams}", "teams"),
        }
        side: Wire = {}
        for wire in payloads:
            kind = str(wire.get("type"))
            for key in wire.get("links") or {}:
                if key in _NO_TEMPLATE or f"payloads.{key}" in out:
                    continue
                href, target = _payload_template(kind, key)
                out[f"payloads.{key}"] = template(href, target)
            if kind in _SIDE_LOADS:
                name = _SIDE_LOADS[kind][0]
                side[f"{name}.teams"] = template(f"teams/{{{name}.teams}}", "teams")
        out.update(side)
        return out

    def _side_loads(self, payloads: Sequence[Wire], index: _Index) -> Wire:
        out: dict[str, dict[str, Wire]] = {}
        for wire in payloads:
            kind = str(wire.get("type"))
            if kind not in _SIDE_LOADS:
                continue
            name, keys = _SIDE_LOADS[kind]
            bucket = out.setdefault(name, {})
            links = wire.get("links") or {}
            for key in keys:
                member = links.get(key)
                for wire_id in member if isinstance(member, list) else [member]:
                    if not isinstance(wire_id, str) or not wire_id.endswith("-users"):
                        continue
                    user = self.store.find(User, int(wire_id.split("-", 1)[0]))
                    if user is not None and wire_id not in bucket:
                        bucket[wire_id] = self.record(user, index)
        return {name: list(items.values()) for name, items in out.items()}


#: Payload link members the samples give no template (``destinations`` came later).
_NO_TEMPLATE: Final = frozenset({"destinations"})

#: Side-loaded arrays of webhook deliveries by payload type, and the links they gather users
#: from: activity deliveries carry ``users``, lead deliveries ``owners`` (samples).
_SIDE_LOADS: Final[Mapping[str, tuple[str, tuple[str, ...]]]] = {
    "activities": ("users", ("creator", "logger", "users")),
    "leads": ("owners", ("owner",)),
}

#: Link members whose template is not ``<type>/{payloads.<key>}`` (samples).
_TEMPLATE_TYPES: Final[Mapping[str, str]] = {
    "accountType": "accountTypes",
    "activityType": "activityTypes",
    "assignee": "users",
    "competitor": "competitors",
    "followup": "followups",
    "industry": "industries",
    "lead": "leads",
    "logNote": "notes",
    "logger": "users",
    "market": "markets",
    "outcome": "outcomes",
    "parent": "parents",
    "product": "products",
    "recurringTask": "tasks",
    "relatedEntity": "relatedEntities",
    "stage": "stages",
    "territory": "territories",
    "watchers": "users",
}


def _payload_template(kind: str, key: str) -> tuple[str, str]:
    """The href template (after the base URL) and type of one payload link member."""
    if key in ("files", "relatedFiles"):
        return f"{kind}/{{{kind}.id}}/{key.lower()}", "files"
    if key == "comments":
        return f"comments?parent_id={{{kind}.id}}", "comments"
    if kind == "activities" and key == "creator":
        return "users/{payloads.creator}", "users"
    if key == "creator":
        return "creators/{payloads.creator}", "creators"
    if key == "owner":
        if kind == "leads":
            return "{leads.ownerType}/{leads.owner}", "owners"
        return "owners/{payloads.owner}", "owners"
    if kind == "leads" and key == "stageset":
        return "leads/{leads.id}/stages", "stagesets"
    target = _TEMPLATE_TYPES.get(key, key)
    return f"{target}/{{payloads.{key}}}", target


def _is_refs(value: Any) -> bool:
    return value is None or (isinstance(value, tuple) and all(isinstance(v, Ref) for v in value))
