"""The REST front's list-item views and pipeline export.

* ``GET /{accounts,contacts,leads}/list``: every live record as a list item (OAS
  ``ListItemAccount`` / ``ListItemContact`` / ``ListItemLead``) under ``listItems``, selected by
  the same ``filter[...]`` and ``q`` as the plain lists, ordered by ``sort`` (a field of the
  record's REST shape, ``-`` for descending; name order when absent); ``meta.count`` is the
  number selected, ``meta.total`` the number of live records;
* ``GET /{accounts,contacts,leads}/list/fields``: the properties a list may filter, sort and
  display, under ``properties`` (OAS ``FieldsResponse``): the built-in fields below plus the
  type's custom fields;
* ``GET /stagesets/{id}/export``: a CSV (``text/csv``) of lead movements through the pipeline,
  one row per recorded stage change onto one of its stages, oldest first.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from nutshell_core.model import Account, Contact, CustomField, Lead, Record, Ref, Stage, Stageset
from nutshell_emulator.http import HttpReply, json_reply
from nutshell_emulator.rest_filters import matches, parse_list_params
from nutshell_emulator.rest_present import unix

if TYPE_CHECKING:
    from nutshell_emulator.rest_front import RestFront
    from nutshell_emulator.rest_handling import _Call

__all__ = ["BUILT_IN_FIELDS", "EXPORT_COLUMNS", "ROUTES"]

_OWNERS: Final[Mapping[str, type[Record]]] = {
    "accounts": Account,
    "contacts": Contact,
    "leads": Lead,
}

#: Built-in list fields by record type: name -> (type, title, sortable). The sortable ones are
#: OAS's ``sort`` enum of ``/accounts/list``; the others are what the list items display.
BUILT_IN_FIELDS: Final[Mapping[str, Mapping[str, tuple[str, str, bool]]]] = {
    "accounts": {
        "name": ("string", "Name", True),
        "accountType": ("relationship", "Account type", True),
        "createdTime": ("date-time", "Created", True),
        "industry": ("relationship", "Industry", True),
        "lastContactedTime": ("date-time", "Last contacted", True),
        "numberOfContacts": ("integer", "Number of people", True),
        "owner": ("relationship", "Owner", True),
        "phone": ("string", "Phone", True),
        "postalCode": ("string", "Postal code", True),
        "territory": ("relationship", "Territory", True),
        "tags": ("relationship", "Tags", False),
    },
    "contacts": {
        "name": ("string", "Name", True),
        "email": ("string", "Email", True),
        "phone": ("string", "Phone", True),
        "createdTime": ("date-time", "Created", True),
        "lastContactedTime": ("date-time", "Last contacted", True),
        "owner": ("relationship", "Owner", True),
        "territory": ("relationship", "Territory", True),
        "tags": ("relationship", "Tags", False),
    },
    "leads": {
        "name": ("string", "Name", True),
        "status": ("enum", "Status", True),
        "value": ("currency", "Value", True),
        "confidence": ("integer", "Confidence", True),
        "createdTime": ("date-time", "Created", True),
        "closedTime": ("date-time", "Closed", True),
        "dueTime": ("date-time", "Due", True),
        "stage": ("relationship", "Stage", True),
        "stageset": ("relationship", "Pipeline", True),
        "owner": ("relationship", "Assignee", True),
        "tags": ("relationship", "Tags", False),
    },
}

#: The columns of a pipeline export, in order.
EXPORT_COLUMNS: Final = ("Lead ID", "Lead", "Stage", "Moved at (UTC)", "Moved by")


def _base(call: _Call) -> str:
    return call.op.path.strip("/").split("/")[0]


def _first(values: Any) -> str:
    if isinstance(values, list) and values and isinstance(values[0], Mapping):
        value = values[0].get("value")
        if isinstance(value, Mapping):
            return ", ".join(str(v) for v in value.values() if v)
        return str(value) if value is not None else ""
    return ""


def _list_item(base: str, wire: Mapping[str, Any], related: str) -> dict[str, Any]:
    name = wire.get("name") or wire.get("description") or ""
    info = _first(wire.get("emails")) or _first(wire.get("phones"))
    if base == "leads":
        info = str(wire.get("number") or "")
    return {
        "id": wire["id"],
        "type": base,
        "primaryName": name,
        "primaryInfo": info,
        "relatedName": related,
        "relatedInfo": "",
        "relatedType": "accounts" if related else "",
        "htmlUrl": wire.get("htmlUrl", ""),
        "htmlUrlPath": wire.get("htmlUrlPath", ""),
        "avatarUrl": wire.get("avatarUrl", ""),
        "initials": wire.get("initials", ""),
        "isDeleted": False,
        "fields": [],
    }


def _related(record: Record) -> str:
    links = getattr(record, "accounts", None)
    if isinstance(links, tuple) and links and isinstance(links[0], Ref):
        name = links[0].name
        return name if isinstance(name, str) else ""
    return ""


def _sort_key(wire: Mapping[str, Any], field: str) -> tuple[int, Any]:
    value = wire.get(field)
    if isinstance(value, Mapping):
        value = value.get("timestamp", value.get("amount"))
    if value is None:
        return (2, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    # Everything else compares as text, so mixed kinds never meet in one comparison.
    return (1, str(value).casefold())


def _list(front: RestFront, call: _Call) -> HttpReply:
    base = _base(call)
    cls = _OWNERS[base]
    params = parse_list_params(call.request.query)
    index = front.present.index()
    records = front.store.all(cls)
    chosen = []
    for record in records:
        wire = front.present.record(record, index)
        if matches(params, record, wire):
            chosen.append((record, wire))
    field = params.sort or "name"
    descending = params.descending
    if not BUILT_IN_FIELDS[base].get(field, ("", "", False))[2]:
        raise front._bad(call, "Invalid sort", f"Cannot sort by {field!r}")
    chosen.sort(key=lambda rw: _sort_key(rw[1], field), reverse=descending)
    items = [_list_item(base, wire, _related(record)) for record, wire in chosen]
    meta = {**front.present.meta(), "count": len(items), "total": len(records)}
    return json_reply(200, {"meta": meta, "links": {}, "listItems": items})


def _field(kind: str, title: str, sortable: bool) -> dict[str, Any]:
    return {
        "type": kind,
        "title": title,
        "description": title,
        "isFilterable": True,
        "isDisplayable": True,
        "isSortable": sortable,
        "isGoalable": False,
        "isAddable": True,
        "isBoardable": kind != "relationship",
        "isRequireable": False,
        "isAndable": kind == "relationship",
        "isNullable": True,
    }


def _fields(front: RestFront, call: _Call) -> HttpReply:
    base = _base(call)
    properties = {
        name: _field(kind, title, sortable)
        for name, (kind, title, sortable) in BUILT_IN_FIELDS[base].items()
    }
    entity = _OWNERS[base].entity
    for custom in front.store.all(CustomField):
        if custom.applies_to == entity and isinstance(custom.name, str):
            kind = custom.field_type if isinstance(custom.field_type, str) else "text"
            properties[custom.name] = _field(kind, custom.name, False)
    return json_reply(200, {"meta": front.present.meta(), "links": {}, "properties": properties})


def _export(front: RestFront, call: _Call) -> HttpReply:
    stageset_id = front._id(call, Stageset)
    front._live(Stageset, stageset_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for event in front.store.events():
        if event.entity != Lead.entity:
            continue
        for change in event.changes:
            moved_to = change.new
            if change.attribute != "stage" or not isinstance(moved_to, Ref):
                continue
            stage = front.store.find(Stage, moved_to.id) if isinstance(moved_to.id, int) else None
            on = stage.stageset if stage is not None else None
            if not isinstance(on, Ref) or on.id != stageset_id:
                continue
            lead = front.store.find(Lead, event.record_id) or front.store.trashed(
                Lead, event.record_id
            )
            lead_name = lead.name if lead is not None and isinstance(lead.name, str) else ""
            actor = event.actor.name if event.actor and isinstance(event.actor.name, str) else ""
            moment = unix(event.time)
            writer.writerow(
                [
                    f"{event.record_id}-leads",
                    lead_name,
                    stage.name if stage is not None and isinstance(stage.name, str) else "",
                    event.time.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "",
                    actor,
                ]
            )
    body = out.getvalue().encode("utf-8")
    return HttpReply(200, (("Content-Type", "text/csv; charset=UTF-8"),), body)


Route = Callable[["RestFront", "_Call"], HttpReply]

#: ``(METHOD, path template)`` -> handler, merged into the front's routing table.
ROUTES: Final[Mapping[tuple[str, str], Route]] = {
    **{("GET", f"/{base}/list"): _list for base in _OWNERS},
    **{("GET", f"/{base}/list/fields"): _fields for base in _OWNERS},
    ("GET", "/stagesets/{id}/export"): _export,
}
