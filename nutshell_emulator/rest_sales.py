"""The REST front's sales documents: quotes and invoices.

* ``GET /quotes``, ``GET /invoices``: pages (``page[limit]``, 0-based ``page[page]``) of the
  documents, filtered by ``filter[lead]`` and by creation date (``filter[dateMin]``,
  ``filter[dateMax]``, ``YYYY-MM-DD``, both ends inclusive);
* ``GET /quotes/{id}``, ``GET /invoices/{id}``: one document;
* ``POST /quotes/{id}/status``, ``POST /invoices/{id}/status``: ``{status, acceptedName,
  acceptedEmail, comment}``, one of READY, SENT, REVOKED, ACCEPTED, ARCHIVED; the matching
  time is stamped (READY publishes, SENT publishes and sends, ACCEPTED accepts or, for an
  invoice, pays);
* ``POST /quotes/{id}/invoice``: 201 and a new invoice duplicating the quote's lines and
  recipient, in DRAFT.

The API creates no quote (the web app's editor does): :func:`nutshell_emulator.rest_book.add_quote`
stands in for it. Documents are kept in the store's :mod:`~nutshell_emulator.rest_book`, quotes
and invoices in one id sequence, since the document's own examples give an invoice the id
``"789-quotes"``; paths accept ``n``, ``n-quotes`` and ``n-invoices``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from nutshell_core.errors import NotFoundError
from nutshell_emulator.http import HttpReply, json_reply
from nutshell_emulator.rest_book import book, money
from nutshell_emulator.rest_filters import DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, whole_number

if TYPE_CHECKING:
    from nutshell_emulator.rest_front import RestFront
    from nutshell_emulator.rest_handling import _Call

__all__ = ["ROUTES", "STATUSES", "VALID_DAYS", "render_document"]

#: Statuses a client may set (OAS); DRAFT and EXPIRED are the service's own.
STATUSES: Final = ("READY", "SENT", "REVOKED", "ACCEPTED", "ARCHIVED")

#: Days a document stays valid after creation (the document does not say; see assumptions).
VALID_DAYS: Final = 30


def _iso(value: Any) -> str | None:
    if not isinstance(value, datetime):
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A quote or invoice as OAS ``Quote`` / ``Invoice`` describes it."""
    kind = doc["kind"]
    currency = doc["currency"]
    lines = []
    total = Decimal(0)
    for line in doc["lines"]:
        amount = line["quantity"] * line["price"]
        total += amount
        lines.append(
            {
                "id": f"{doc['id'] * 100 + line['position'] + 1}-quoteProductLineItems",
                "position": line["position"],
                "product": f"{line['product']}-products" if line["product"] is not None else None,
                "name": line["name"],
                "description": line["description"],
                "sku": line["sku"],
                "quantity": float(line["quantity"]),
                "term": None,
                "price": money(line["price"], currency),
                "total": money(amount, currency),
                "discountUnit": None,
                "discountNumber": None,
            }
        )
    times = doc["times"]
    created = doc["created"]
    status = doc["status"]
    valid_through = created + timedelta(days=VALID_DAYS)
    if status in ("DRAFT", "READY", "SENT") and doc.get("now", created) > valid_through:
        status = "EXPIRED"
    wire: dict[str, Any] = {
        "id": f"{doc['id']}-quotes",
        "type": kind,
        "number": doc["number"],
        "displayStatus": status,
        "total": money(total, currency),
        "productLineItems": lines,
        "subtotalLineItems": [],
        "recipient": doc["recipient"],
        "validThroughTime": _iso(valid_through),
        "createdTime": _iso(created),
        "publishedTime": _iso(times.get("published")),
        "sentTime": _iso(times.get("sent")),
    }
    if kind == "invoices":
        wire["paidTime"] = _iso(times.get("accepted"))
    else:
        wire["acceptedTime"] = _iso(times.get("accepted"))
    wire["acceptedName"] = doc["acceptedName"]
    wire["acceptedEmail"] = doc["acceptedEmail"]
    if kind == "invoices":
        wire["completionComment"] = doc["completionComment"]
    wire["deletedTime"] = None
    wire["links"] = {"lead": f"{doc['lead']}-leads"}
    return wire


def _kind(call: _Call) -> str:
    return call.op.path.strip("/").split("/")[0]


def _document(front: RestFront, call: _Call, kind: str) -> dict[str, Any]:
    text = call.params.get("id", "")
    number = front._id(call, "invoices" if text.lower().endswith("-invoices") else "quotes")
    doc = book(front.store).get("quotes", number)
    if doc is None or doc["kind"] != kind:
        raise NotFoundError(f"no {kind} {number}", status=404)
    return doc


def _rendered(front: RestFront, doc: Mapping[str, Any]) -> dict[str, Any]:
    return render_document({**doc, "now": front.store.now()})


def _date(front: RestFront, call: _Call, text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise front._bad(call, "Invalid filter", f"{name} must be YYYY-MM-DD") from None


def _number(front: RestFront, call: _Call, text: str | None, name: str, default: int) -> int:
    if text is None:
        return default
    number = whole_number(text.strip())
    if number is None:
        raise front._bad(call, "Invalid page", f"{name} must be a whole number")
    return number


def _list(front: RestFront, call: _Call) -> HttpReply:
    kind = _kind(call)
    query = dict(reversed(call.request.query))  # the first of repeated parameters wins
    docs = [d for d in book(front.store).all("quotes") if d["kind"] == kind]
    total = len(docs)
    lead = query.get("filter[lead]")
    if lead is not None:
        wanted = front._value_id(call, lead, "leads", "filter[lead]")
        docs = [d for d in docs if d["lead"] == wanted]
    low, high = query.get("filter[dateMin]"), query.get("filter[dateMax]")
    if low is not None:
        start = _date(front, call, low, "filter[dateMin]")
        docs = [d for d in docs if d["created"].date() >= start]
    if high is not None:
        end = _date(front, call, high, "filter[dateMax]")
        docs = [d for d in docs if d["created"].date() <= end]
    limit = _number(front, call, query.get("page[limit]"), "page[limit]", DEFAULT_PAGE_LIMIT)
    page = _number(front, call, query.get("page[page]"), "page[page]", 0)
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        raise front._bad(call, "Invalid page", f"Invalid limit: {limit}")
    chosen = docs[page * limit : (page + 1) * limit]
    meta = {**front.present.meta(), "count": len(docs), "total": total}
    body = {"meta": meta, "links": {}, kind: [_rendered(front, d) for d in chosen]}
    return json_reply(200, body)


def _get(front: RestFront, call: _Call) -> HttpReply:
    kind = _kind(call)
    return front._envelope(call, [_rendered(front, _document(front, call, kind))])


def _status(front: RestFront, call: _Call) -> HttpReply:
    kind = _kind(call)
    doc = _document(front, call, kind)
    body = front._body(call)
    if not isinstance(body, Mapping):
        raise front._bad(call, "Invalid status", "expected a JSON object")
    status = body.get("status")
    if status not in STATUSES:
        raise front._bad(call, "Invalid status", f"status must be one of {', '.join(STATUSES)}")
    extras = {k: body.get(k) for k in ("acceptedName", "acceptedEmail", "comment")}
    for key, value in extras.items():
        if value is not None and not isinstance(value, str):
            raise front._bad(call, "Invalid status", f"{key} must be a string")
    if extras["comment"] is not None and kind != "invoices":
        raise front._bad(call, "Invalid status", "only invoices take a comment")
    now = front.store.now()
    times = doc["times"]
    if status in ("READY", "SENT"):
        times.setdefault("published", now)
    if status == "SENT":
        times.setdefault("sent", now)
    if status == "ACCEPTED":
        times["accepted"] = now
        doc["acceptedName"] = extras["acceptedName"]
        doc["acceptedEmail"] = extras["acceptedEmail"]
    if kind == "invoices" and status in ("ACCEPTED", "REVOKED"):
        doc["completionComment"] = extras["comment"]
    doc["status"] = status
    return front._envelope(call, [_rendered(front, doc)])


def _invoice(front: RestFront, call: _Call) -> HttpReply:
    quote = _document(front, call, "quotes")
    the_book = book(front.store)
    invoice = the_book.add(
        "quotes",
        {
            **{k: v for k, v in quote.items() if k != "id"},
            "kind": "invoices",
            "lines": [dict(line) for line in quote["lines"]],
            "status": "DRAFT",
            "created": front.store.now(),
            "times": {},
            "acceptedName": None,
            "acceptedEmail": None,
            "completionComment": None,
        },
    )
    count = sum(1 for d in the_book.all("quotes") if d["kind"] == "invoices")
    invoice["number"] = f"INV-{count:04d}"
    return front._envelope(call, [_rendered(front, invoice)], status=201)


Route = Callable[["RestFront", "_Call"], HttpReply]

#: ``(METHOD, path template)`` -> handler, merged into the front's routing table.
ROUTES: Final[Mapping[tuple[str, str], Route]] = {
    ("GET", "/quotes"): _list,
    ("GET", "/invoices"): _list,
    ("GET", "/quotes/{id}"): _get,
    ("GET", "/invoices/{id}"): _get,
    ("POST", "/quotes/{id}/status"): _status,
    ("POST", "/invoices/{id}/status"): _status,
    ("POST", "/quotes/{id}/invoice"): _invoice,
}
