"""Side storage for REST-only records the domain model does not cover.

Quotes, invoices, product categories, lead installments, lead watchers, forms and their fields,
editions and saved filters exist only in the REST API (the legacy RPC API has no methods for
them) and carry no model class. They are kept here as plain dicts, one :class:`Book` per
:class:`~nutshell_emulator.store.Store`, guarded by the store's lock so both fronts' threads see
one consistent state. They are not in the store's event log (the REST ``/events`` feed does not
document events for them) nor in snapshots; see the emulator's assumptions.

Seeding helpers (:func:`add_quote`, :func:`add_form`, :func:`add_edition`, :func:`add_filter`)
stand in for the parts of Nutshell's web app that create what the API only reads.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import attrs

from nutshell_emulator.store import Store

__all__ = [
    "Book",
    "add_edition",
    "add_filter",
    "add_form",
    "add_quote",
    "book",
    "money",
]

#: Kinds of records kept in a book, each with its own id sequence.
KINDS: Final = (
    "quotes",
    "productCategories",
    "installments",
    "wfForms",
    "wfFields",
    "editions",
    "filters",
)


@attrs.define
class Book:
    """The REST-only records of one store, by kind and integer id."""

    tables: dict[str, dict[int, dict[str, Any]]] = attrs.field(
        factory=lambda: {k: {} for k in KINDS}
    )
    next_ids: dict[str, int] = attrs.field(factory=dict)
    #: lead id -> ids of the users watching it.
    watchers: dict[int, set[int]] = attrs.field(factory=dict)
    #: lead id -> installment ids, in schedule order.
    schedules: dict[int, list[int]] = attrs.field(factory=dict)

    def add(self, kind: str, item: dict[str, Any]) -> dict[str, Any]:
        """Store ``item`` under a fresh id (written into it as ``"id"``) and return it."""
        number = self.next_ids.get(kind, 1)
        self.next_ids[kind] = number + 1
        item["id"] = number
        self.tables[kind][number] = item
        return item

    def get(self, kind: str, number: int) -> dict[str, Any] | None:
        """The item of that kind and id, or None."""
        return self.tables[kind].get(number)

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every item of a kind, in id order."""
        return [item for _, item in sorted(self.tables[kind].items())]


_BOOKS: Final[weakref.WeakKeyDictionary[Store, Book]] = weakref.WeakKeyDictionary()


def book(store: Store) -> Book:
    """The book of ``store`` (created empty on first use); hold ``store.lock`` while using it."""
    with store.lock:
        found = _BOOKS.get(store)
        if found is None:
            found = _BOOKS[store] = Book()
        return found


def money(amount: Decimal, currency: str = "USD") -> dict[str, Any]:
    """A sales-document amount (OAS ``value``): ``{amount, currency, formatted}``."""
    fixed = amount.quantize(Decimal("0.01"))
    sign = "-" if fixed < 0 else ""
    symbol = "$" if currency == "USD" else f"{currency} "
    formatted = f"{sign}{symbol}{abs(fixed):,}"
    return {"amount": f"{fixed}", "currency": currency, "formatted": formatted}


def add_quote(
    store: Store,
    *,
    lead_id: int,
    lines: Sequence[Mapping[str, Any]],
    number: str | None = None,
    recipient: Mapping[str, Any] | None = None,
    status: str = "DRAFT",
    currency: str = "USD",
) -> dict[str, Any]:
    """Add a quote on a lead, as the web app's quote editor would; returns the stored dict.

    ``lines`` are ``{name, quantity, price}`` (plus optional ``sku``, ``description``,
    ``product`` id); prices are decimal strings.
    """
    with store.lock:
        items = []
        for position, line in enumerate(lines):
            quantity = Decimal(str(line.get("quantity", 1)))
            price = Decimal(str(line["price"]))
            items.append(
                {
                    "position": position,
                    "product": line.get("product"),
                    "name": str(line["name"]),
                    "description": str(line.get("description", "")),
                    "sku": str(line.get("sku", "")),
                    "quantity": quantity,
                    "price": price,
                }
            )
        quote = book(store).add(
            "quotes",
            {
                "kind": "quotes",
                "lead": lead_id,
                "lines": items,
                "recipient": dict(recipient) if recipient else None,
                "status": status,
                "currency": currency,
                "created": store.now(),
                "times": {},
                "acceptedName": None,
                "acceptedEmail": None,
                "completionComment": None,
            },
        )
        quote["number"] = number or f"{1000 + lead_id}-{quote['id']:02d}"
        return quote


def add_form(store: Store, *, name: str, fields: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """Add a (non-archived) form with ``fields`` of ``{label, fieldName, fieldType,
    entityName}``; returns the stored dict, its field ids under ``"fields"``."""
    with store.lock:
        the_book = book(store)
        field_ids = [the_book.add("wfFields", dict(field))["id"] for field in fields]
        return the_book.add(
            "wfForms",
            {"name": name, "fields": field_ids, "created": store.now(), "archived": False},
        )


def add_edition(store: Store, *, name: str) -> dict[str, Any]:
    """Add an email edition (a marketing email's sent version)."""
    with store.lock:
        return book(store).add("editions", {"name": name})


def add_filter(
    store: Store, *, name: str, report_type: str, user_id: int, filter_text: str = ""
) -> dict[str, Any]:
    """Add a saved filter of a user (``report_type``: ``entity_list_leads``, ``report_...``)."""
    with store.lock:
        return book(store).add(
            "filters",
            {"name": name, "reportType": report_type, "user": user_id, "filter": filter_text},
        )
