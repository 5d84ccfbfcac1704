"""The REST front's smaller REST-only families, kept in the store's
:mod:`~nutshell_emulator.rest_book`.

* ``GET /productcategories``, ``GET /productcategories/{id}``, ``POST /productcategories``
  (``{"productCategories": [{"name": ...}]}``, 201): ``{id, type, name, modifiedTime, href}``;
* ``GET /leads/{id}/installments``: the lead's schedule, ``{id, dueTime, description, value:
  {currency, amount}, failedTime, isPaid}`` each; ``POST`` replaces the schedule with a JSON
  array of ``{id?, dueTime, description?, value, isFailed}`` (an item with a known ``id`` keeps
  that id and its paid state);
* ``POST /leads/{id}/watch``: toggles whether the authenticated user watches the lead and
  answers the lead;
* ``GET /editions``, ``GET /editions/{id}``: ``{id, type, name}``;
* ``GET /forms``: non-archived forms with their field ids under ``links.wfFields``;
  ``GET /forms/{id}`` adds the fields side-loaded as ``wfFields``; ``GET /forms/{fieldId}``
  (the same path shape, so one handler tells them apart by the id's type, ``n-wfFields``)
  answers one field;
* ``GET /filters``: saved filters, narrowed by ``userId`` and ``reportType`` (``report_*``
  matches every report type).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from nutshell_core.errors import NotFoundError
from nutshell_core.model import Lead
from nutshell_emulator.http import HttpReply, json_reply
from nutshell_emulator.rest_book import book
from nutshell_emulator.rest_present import unix

if TYPE_CHECKING:
    from nutshell_emulator.rest_front import RestFront
    from nutshell_emulator.rest_handling import _Call

__all__ = ["ROUTES"]

_TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%S%z"


def _item(front: RestFront, call: _Call, kind: str) -> dict[str, Any]:
    number = front._id(call, kind)
    found = book(front.store).get(kind, number)
    if found is None:
        raise NotFoundError(f"no {kind} {number}", status=404)
    return found


# -- product categories ---------------------------------------------------------------------------


def _category(front: RestFront, item: Mapping[str, Any]) -> dict[str, Any]:
    wire_id = f"{item['id']}-productCategories"
    return {
        "id": wire_id,
        "type": "productCategories",
        "name": item["name"],
        "modifiedTime": unix(item["modified"]),
        "href": f"{front.base_url}/productcategories/{wire_id}",
    }


def _categories(front: RestFront, call: _Call) -> HttpReply:
    items = sorted(book(front.store).all("productCategories"), key=lambda i: i["name"])
    return front._envelope(call, [_category(front, i) for i in items])


def _get_category(front: RestFront, call: _Call) -> HttpReply:
    return front._envelope(call, [_category(front, _item(front, call, "productCategories"))])


def _create_category(front: RestFront, call: _Call) -> HttpReply:
    body = front._one_item(call, front._body(call))
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise front._bad(call, "Invalid product category", "name is required")
    the_book = book(front.store)
    taken = {i["name"].casefold() for i in the_book.all("productCategories")}
    if name.strip().casefold() in taken:
        raise front._bad(call, "Invalid product category", f"{name.strip()!r} already exists")
    item = the_book.add("productCategories", {"name": name.strip(), "modified": front.store.now()})
    return front._envelope(call, [_category(front, item)], status=201)


# -- installments ---------------------------------------------------------------------------------


def _installment(item: Mapping[str, Any]) -> dict[str, Any]:
    failed = item["failed"]
    return {
        "id": f"{item['id']}-installments",
        "dueTime": item["due"].strftime(_TIME_FORMAT),
        "description": item["description"],
        "value": {"currency": item["currency"], "amount": float(item["amount"])},
        "failedTime": failed.strftime(_TIME_FORMAT) if isinstance(failed, datetime) else None,
        "isPaid": item["paid"],
    }


def _lead_id(front: RestFront, call: _Call) -> int:
    number = front._id(call, Lead)
    front._live(Lead, number)  # 404 for an unknown or deleted lead
    return number


def _schedule(front: RestFront, call: _Call, lead_id: int) -> HttpReply:
    the_book = book(front.store)
    items = [the_book.tables["installments"][i] for i in the_book.schedules.get(lead_id, [])]
    return front._envelope(call, [_installment(i) for i in items])


def _installments(front: RestFront, call: _Call) -> HttpReply:
    return _schedule(front, call, _lead_id(front, call))


def _parse_installment(front: RestFront, call: _Call, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise front._bad(call, "Invalid installments", "each installment must be an object")
    missing = [k for k in ("dueTime", "value", "isFailed") if k not in raw]
    if missing:
        raise front._bad(call, "Invalid installments", f"missing {', '.join(missing)}")
    try:
        due = datetime.strptime(str(raw["dueTime"]), _TIME_FORMAT)
    except ValueError:
        try:
            due = datetime.fromisoformat(str(raw["dueTime"]))
        except ValueError:
            raise front._bad(call, "Invalid installments", "dueTime must be ISO 8601") from None
    if due.tzinfo is None:
        due = due.replace(tzinfo=timezone.utc)
    try:
        amount = Decimal(str(raw["value"]))
    except InvalidOperation:
        raise front._bad(call, "Invalid installments", "value must be a number") from None
    if not amount.is_finite():
        raise front._bad(call, "Invalid installments", "value must be a number")
    if not isinstance(raw["isFailed"], bool):
        raise front._bad(call, "Invalid installments", "isFailed must be true or false")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise front._bad(call, "Invalid installments", "description must be a string")
    return {
        "wire_id": raw.get("id"),
        "due": due.astimezone(timezone.utc),
        "description": description,
        "amount": amount,
        "is_failed": raw["isFailed"],
    }


def _replace_installments(front: RestFront, call: _Call) -> HttpReply:
    lead_id = _lead_id(front, call)
    body = front._body(call)
    if not isinstance(body, list):
        raise front._bad(call, "Invalid installments", "expected a JSON array")
    parsed = [_parse_installment(front, call, raw) for raw in body]
    the_book = book(front.store)
    old = set(the_book.schedules.get(lead_id, []))
    now = front.store.now()
    kept: list[int] = []
    for entry in parsed:
        wire_id = entry["wire_id"]
        previous = None
        if wire_id is not None:
            number = front._value_id(call, wire_id, "installments", "id")
            if number not in old:
                raise front._bad(call, "Invalid installments", f"no installment {wire_id!r}")
            previous = the_book.tables["installments"][number]
        item = previous if previous is not None else the_book.add("installments", {"paid": False})
        was_failed = item.get("failed")
        item.update(
            due=entry["due"],
            description=entry["description"],
            amount=entry["amount"],
            currency="USD",
            failed=(was_failed or now) if entry["is_failed"] else None,
        )
        kept.append(item["id"])
    for number in old - set(kept):
        del the_book.tables["installments"][number]
    table = the_book.tables["installments"]
    the_book.schedules[lead_id] = sorted(kept, key=lambda i: table[i]["due"])
    return _schedule(front, call, lead_id)


# -- watching -------------------------------------------------------------------------------------


def _watch(front: RestFront, call: _Call) -> HttpReply:
    lead_id = _lead_id(front, call)
    watchers = book(front.store).watchers.setdefault(lead_id, set())
    user_id = call.user.id
    assert isinstance(user_id, int)
    watchers.symmetric_difference_update({user_id})
    wire = front.present.record(front._live(Lead, lead_id))
    # The presenter knows no watchers (the model has none): the book's are written in here.
    wire["isCurrentUserWatching"] = user_id in watchers
    wire.setdefault("links", {})["watchers"] = [f"{u}-users" for u in sorted(watchers)]
    return front._envelope(call, [wire])


# -- editions, forms, filters ---------------------------------------------------------------------


def _edition(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": f"{item['id']}-editions", "type": "editions", "name": item["name"]}


def _editions(front: RestFront, call: _Call) -> HttpReply:
    return front._envelope(call, [_edition(i) for i in book(front.store).all("editions")])


def _get_edition(front: RestFront, call: _Call) -> HttpReply:
    return front._envelope(call, [_edition(_item(front, call, "editions"))])


def _form(front: RestFront, item: Mapping[str, Any]) -> dict[str, Any]:
    wire_id = f"{item['id']}-wfForms"
    return {
        "id": wire_id,
        "type": "wfForms",
        "name": item["name"],
        "href": f"{front.base_url}/forms/{wire_id}",
        "createdTime": item["created"].strftime(_TIME_FORMAT),
        "links": {"wfFields": [f"{f}-wfFields" for f in item["fields"]]},
    }


def _field(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": f"{item['id']}-wfFields",
        "type": "wfFields",
        "label": item.get("label", ""),
        "fieldName": item.get("fieldName", ""),
        "fieldType": item.get("fieldType", "textfield"),
        "entityName": item.get("entityName", "Contacts"),
    }


def _forms(front: RestFront, call: _Call) -> HttpReply:
    forms = [f for f in book(front.store).all("wfForms") if not f["archived"]]
    return front._envelope(call, [_form(front, f) for f in forms])


def _get_form_or_field(front: RestFront, call: _Call) -> HttpReply:
    text = call.params.get("id") or call.params.get("fieldId") or ""
    the_book = book(front.store)
    if text.strip().lower().endswith("-wffields"):
        field = the_book.get("wfFields", front._id(call, "wfFields", text))
        if field is None:
            raise NotFoundError(f"no form field {text!r}", status=404)
        # A field answers under wfFields whichever of the two rows matched the path.
        body = {"meta": front.present.meta(), "links": {}, "wfFields": [_field(field)]}
        return json_reply(200, body)
    form = the_book.get("wfForms", front._id(call, "wfForms", text))
    if form is None or form["archived"]:
        raise NotFoundError(f"no form {text!r}", status=404)
    fields = [the_book.tables["wfFields"][f] for f in form["fields"]]
    return front._envelope(call, [_form(front, form)], wfFields=[_field(f) for f in fields])


def _filters(front: RestFront, call: _Call) -> HttpReply:
    query = dict(reversed(call.request.query))
    items = book(front.store).all("filters")
    user = query.get("userId")
    if user is not None:
        wanted = front._value_id(call, user, "users", "userId")
        items = [i for i in items if i["user"] == wanted]
    report = query.get("reportType")
    if report is not None:
        if report == "report_*":
            items = [i for i in items if i["reportType"].startswith("report_")]
        else:
            items = [i for i in items if i["reportType"] == report]
    needle = query.get("filter")
    if needle:
        items = [i for i in items if needle.casefold() in i["name"].casefold()]
    wires = [
        {
            "id": f"{i['id']}-filters",
            "type": "filters",
            "name": i["name"],
            "reportType": i["reportType"],
            "filter": i["filter"],
            "links": {"user": f"{i['user']}-users"},
        }
        for i in items
    ]
    return front._envelope(call, wires)


Route = Callable[["RestFront", "_Call"], HttpReply]

#: ``(METHOD, path template)`` -> handler, merged into the front's routing table.
ROUTES: Final[Mapping[tuple[str, str], Route]] = {
    ("GET", "/productcategories"): _categories,
    ("POST", "/productcategories"): _create_category,
    ("GET", "/productcategories/{id}"): _get_category,
    ("GET", "/leads/{id}/installments"): _installments,
    ("POST", "/leads/{id}/installments"): _replace_installments,
    ("POST", "/leads/{id}/watch"): _watch,
    ("GET", "/editions"): _editions,
    ("GET", "/editions/{id}"): _get_edition,
    ("GET", "/forms"): _forms,
    ("GET", "/forms/{id}"): _get_form_or_field,
    ("GET", "/forms/{fieldId}"): _get_form_or_field,
    ("GET", "/filters"): _filters,
}
