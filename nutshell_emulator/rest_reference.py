"""The REST front's account set-up routes: custom fields, and lead reports.

* ``GET /{leads,contacts,accounts}/customfields/attributes``: the definitions for that type,
  under ``customFields`` (rest-api.md §2), ordered as ``findCustomFields`` lists them;
* ``POST /{leads,contacts,accounts}/customfield``: defines a field from ``{name, type,
  choices, isMultiple, title}`` (OAS ``CustomFieldCreateInput``) and answers 200 with no body,
  as the document declares no content;
* ``GET /{leads,contacts,accounts}/{id}/customfields``: the record's values, one
  ``{id, type, name, value}`` per defined field that has a value (OAS ``FullCustomField``);
* ``GET /leads/report``: :func:`nutshell_emulator.reports.lead_reports` over the leads the
  list filters (``filter[...]``, ``q``) select.

Audiences are listed by the front's generic list handler (:class:`~nutshell_core.model.Audience`
is a model class); ``POST /audiences`` is here, since a new audience needs a name and the API
sets ``isWebFX`` (WebFX audiences come from WebFX, not from API clients). The REST shapes
of both classes are rendered here (:func:`render_custom_field`, :func:`render_audience`) and
registered in :class:`~nutshell_emulator.rest_present.RestPresenter`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from nutshell_core.errors import InvalidRequestError
from nutshell_core.model import (
    UNSET,
    Account,
    Audience,
    Contact,
    CustomField,
    Lead,
    Record,
    Unset,
)
from nutshell_emulator.http import HttpReply, json_reply
from nutshell_emulator.reports import LeadReportParams, lead_reports
from nutshell_emulator.rest_filters import matches, parse_list_params
from nutshell_rpc.reference_shapes import custom_field_order

if TYPE_CHECKING:
    from nutshell_emulator.rest_front import RestFront
    from nutshell_emulator.rest_handling import _Call

__all__ = [
    "FIELD_TYPES",
    "LEAD_ONLY_TYPES",
    "ROUTES",
    "render_audience",
    "render_custom_field",
]

#: Custom field types a definition may have (REST spelling).
FIELD_TYPES: Final = (
    "text",
    "number",
    "currency",
    "date",
    "enum",
    "checkbox",
    "email",
    "phone",
    "url",
    "location",
)

#: "Email, location, phone, and URL are only applicable to leads." (OAS)
LEAD_ONLY_TYPES: Final = frozenset({"email", "location", "phone", "url"})

#: The record class each custom-field path serves, by its first segment.
_OWNERS: Final[Mapping[str, type[Record]]] = {
    "leads": Lead,
    "contacts": Contact,
    "accounts": Account,
}


def _set(value: Any) -> Any:
    return None if isinstance(value, Unset) else value


def render_custom_field(record: Record, _index: Any = None) -> dict[str, Any]:
    """A definition as REST lists it: the keys of ``CustomFieldCreateInput`` plus its id."""
    assert isinstance(record, CustomField) and isinstance(record.id, int)
    choices = _set(record.choices)
    return {
        "id": f"{record.id}-{CustomField.rest_type}",
        "type": CustomField.rest_type,
        "name": _set(record.name),
        "title": _set(record.title) or _set(record.name),
        "fieldType": _set(record.field_type),
        "isMultiple": record.is_multiple is True,
        "choices": list(choices.values()) if isinstance(choices, Mapping) else [],
    }


def render_audience(record: Record, _index: Any = None) -> dict[str, Any]:
    """An audience as ``POST /audiences`` answers it (OAS): ``{id, type, name, isWebFX}``."""
    assert isinstance(record, Audience) and isinstance(record.id, int)
    return {
        "id": f"{record.id}-{Audience.rest_type}",
        "type": Audience.rest_type,
        "name": _set(record.name),
        "isWebFX": record.is_web_fx is True,
    }


# -- routes -------------------------------------------------------------------------------------


def _owner(call: _Call) -> type[Record]:
    return _OWNERS[call.op.path.strip("/").split("/")[0]]


def _definitions(front: RestFront, owner: type[Record]) -> list[CustomField]:
    fields = [f for f in front.store.all(CustomField) if f.applies_to == owner.entity]
    return sorted(fields, key=custom_field_order)


def _attributes(front: RestFront, call: _Call) -> HttpReply:
    wires = [render_custom_field(f) for f in _definitions(front, _owner(call))]
    return front._envelope(call, wires)


def _text(front: RestFront, call: _Call, body: Mapping[str, Any], key: str) -> str | None:
    """A non-empty string (trimmed) or None when absent; anything else is a 400."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise front._bad(call, "Invalid custom field", f"{key} must be a non-empty string")
    return value.strip()


def _create(front: RestFront, call: _Call) -> HttpReply:
    owner = _owner(call)
    body = front._body(call)
    if not isinstance(body, Mapping):
        raise front._bad(call, "Invalid custom field", "expected a JSON object")
    name = _text(front, call, body, "name")
    kind = (_text(front, call, body, "type") or "").lower()
    if name is None or not kind:
        raise front._bad(call, "Invalid custom field", "name and type are required")
    if kind not in FIELD_TYPES:
        raise front._bad(call, "Invalid custom field", f"unknown type {kind!r}")
    if kind in LEAD_ONLY_TYPES and owner is not Lead:
        raise front._bad(call, "Invalid custom field", f"{kind} fields apply to leads only")
    existing = _definitions(front, owner)
    if any(str(f.name).casefold() == name.casefold() for f in existing):
        raise front._bad(call, "Invalid custom field", f"a field named {name!r} already exists")
    choices = body.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, str) and c.strip() for c in choices):
        raise front._bad(call, "Invalid custom field", "choices must be a list of strings")
    if choices and kind != "enum":
        raise front._bad(call, "Invalid custom field", "only enum fields take choices")
    multiple = body.get("isMultiple", False)
    if not isinstance(multiple, bool):
        raise front._bad(call, "Invalid custom field", "isMultiple must be true or false")
    positions = [f.position for f in existing if isinstance(f.position, int)]
    field = CustomField(
        name=name,
        title=_text(front, call, body, "title") or name,
        field_type=kind,
        applies_to=owner.entity,
        is_multiple=multiple and kind == "enum",
        position=max(positions, default=0) + 1,
        choices={str(i): c.strip() for i, c in enumerate(choices, start=1)}
        if kind == "enum"
        else UNSET,
    )
    front.store.insert(field, actor=call.actor)
    return HttpReply(200, (), b"")


def _create_audience(front: RestFront, call: _Call) -> HttpReply:
    """``POST /audiences`` with ``{"emAudiences": [{"name": ...}]}``: 201 and the audience."""
    item = front._one_item(call, front._body(call))
    name = _text(front, call, item, "name")
    if name is None:
        raise front._bad(call, "Invalid audience", "name is required")
    audience = front.store.insert(Audience(name=name, is_web_fx=False), actor=call.actor)
    return front._envelope(call, [render_audience(audience)], status=201)


def _values(front: RestFront, call: _Call) -> HttpReply:
    owner = _owner(call)
    record = front._live(owner, front._id(call, owner))
    stored = _set(getattr(record, "custom_fields", UNSET)) or {}
    wires = []
    for field in _definitions(front, owner):
        value = stored.get(field.name) if isinstance(field.name, str) else None
        if value is None:
            continue
        wire = render_custom_field(field)
        wires.append({"id": wire["id"], "type": wire["type"], "name": wire["name"], "value": value})
    return front._envelope(call, wires)


def _report(front: RestFront, call: _Call) -> HttpReply:
    query = call.request.query
    try:
        params = LeadReportParams.from_query(query)
    except InvalidRequestError as exc:
        raise front._bad(call, "Invalid report", exc.message) from None
    listed = parse_list_params(query)
    index = front.present.index()
    leads = [
        lead
        for lead in front.store.all(Lead)
        if matches(listed, lead, front.present.record(lead, index))
    ]
    body = {"meta": front.present.meta(), "links": {}, call.key: lead_reports(leads, params)}
    return json_reply(200, body)


Route = Callable[["RestFront", "_Call"], HttpReply]

#: ``(METHOD, path template)`` -> handler, merged into the front's routing table.
ROUTES: Final[Mapping[tuple[str, str], Route]] = {
    **{("GET", f"/{base}/customfields/attributes"): _attributes for base in _OWNERS},
    **{("POST", f"/{base}/customfield"): _create for base in _OWNERS},
    **{("GET", f"/{base}/{{id}}/customfields"): _values for base in _OWNERS},
    ("GET", "/leads/report"): _report,
    ("POST", "/audiences"): _create_audience,
}
