"""What every legacy layout shares: the record source, the derived links, the small pieces.

:class:`RecordSource` is what :class:`~nutshell_rpc.shapes.Presenter` reads linked and related
records from. Links are stored one way round (a lead lists its contacts; a contact lists its
accounts; a note names its parent) and the functions here derive the other side (a contact's
leads, an account's contacts, a record's notes) by scanning the source, so both fronts and
every writer agree. The private functions at the end are the small steps the layout families
(:mod:`nutshell_rpc.shapes_leads`, :mod:`~nutshell_rpc.shapes_contacts`,
:mod:`~nutshell_rpc.shapes_activities`, :mod:`~nutshell_rpc.shapes_named`) have in common.
The source protocol and the public functions are re-exported by :mod:`nutshell_rpc.shapes`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

import attrs

from nutshell_core.model import (
    DEFAULT_POINT_LABELS,
    UNSET,
    Account,
    Activity,
    ActivityStatus,
    Contact,
    Lead,
    LeadStatus,
    Money,
    Note,
    ProductMap,
    Record,
    Ref,
    entity_class,
)
from nutshell_rpc.convert import value_to_rpc

if TYPE_CHECKING:
    from nutshell_rpc.shapes import Presenter

__all__ = [
    "Layout",
    "RecordSource",
    "account_contacts",
    "account_leads",
    "activity_status",
    "contact_accounts",
    "contact_leads",
    "lead_accounts",
    "lead_activities",
    "lead_overdue",
    "legacy_points",
    "money_total",
    "notes_of",
    "product_lines",
    "slug",
]

R = TypeVar("R", bound=Record)

#: How one class renders: from the presenter, the record and the record's rendered base (the
#: converter's keys), the result dict.
Layout = Callable[["Presenter", Record, dict[str, Any]], dict[str, Any]]


@runtime_checkable
class RecordSource(Protocol):
    """Where linked and related records come from: the emulator's store, or the bridge's view
    of what REST returned.

    The presenter only reads. A source may hold a subset of the records: links to records it
    lacks render from the link itself, and keys computed by scanning (see
    :data:`~nutshell_rpc.shapes.SOURCE_DEPENDENT_FIELDS`) are only as complete as the source.
    ``nutshell_emulator.store.Store`` satisfies this protocol structurally.
    """

    def find(self, cls: type[R], record_id: int, /) -> R | None:
        """The live record of class ``cls`` with this id, or None when the source lacks it."""
        ...

    def trashed(self, cls: type[R], record_id: int, /) -> R | None:
        """The deleted (trashed) record of class ``cls`` with this id, or None."""
        ...

    def all(self, cls: type[R], /) -> Sequence[R]:
        """Every live record of class ``cls`` the source holds, in id order."""
        ...

    def now(self) -> datetime:
        """The current time, for computed keys (overdue activities and leads)."""
        ...


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """The URL slug Nutshell puts after an id (``7-test-account-hull-1``)."""
    return _SLUG.sub("-", text.lower()).strip("-")


def _id(value: object) -> int:
    assert isinstance(value, int)
    return value


def _refs(value: object) -> tuple[Ref, ...]:
    return value if isinstance(value, tuple) else ()


def _same(ref: object, record: Record) -> bool:
    return isinstance(ref, Ref) and ref.entity == record.entity and ref.id == record.id


# -- contact points -----------------------------------------------------------------------------

_POINT_ATTRS = ("emails", "phones", "urls", "addresses")


def legacy_points(record: Record) -> Record:
    """``record`` with its contact points labelled as the legacy API keys them.

    REST names a value that has no label by its kind (``{"name": "email"}``, ``"url"``,
    ``"phone"``, ``"address"``: :data:`~nutshell_core.model.DEFAULT_POINT_LABELS`), and a REST
    client writing back what it read stores that name; the legacy API keys an unlabelled value
    by its position (``{"0": ..., "--primary": ...}``). So a value labelled with its kind's
    default is unlabelled here, whichever API wrote it or read it: this is the one place the
    legacy label is decided.
    """
    if not isinstance(record, Contact | Account):
        return record  # a user's emails are plain strings: no labels to read
    changes: dict[str, Any] = {}
    for name in _POINT_ATTRS:
        points = getattr(record, name, UNSET)
        if not isinstance(points, tuple):
            continue
        relabelled = tuple(
            attrs.evolve(p, label=UNSET)
            if type(p) in DEFAULT_POINT_LABELS and p.label == DEFAULT_POINT_LABELS[type(p)]
            else p
            for p in points
        )
        if relabelled != points:
            changes[name] = relabelled
    return attrs.evolve(record, **changes) if changes else record


# -- derived links ------------------------------------------------------------------------------
# One side of each relation is stored; these read both directions from it. The other side is
# found by scanning the source, so it is only as complete as the source.


def lead_accounts(lead: Lead) -> list[Ref]:
    """The lead's accounts: the primary one first, then the others.

    Both APIs read a lead's accounts in this order: the legacy API shows the first as
    ``primaryAccount`` and the rest as ``accounts``; REST lists them all in ``links.accounts``
    (see the emulator's assumptions, "Primary account").
    """
    out = [lead.primary_account] if isinstance(lead.primary_account, Ref) else []
    out += [ref for ref in _refs(lead.accounts) if all(ref.id != o.id for o in out)]
    return out


def contact_leads(source: RecordSource, contact: Contact) -> list[Ref]:
    """Leads the contact is on (links kept on the lead, plus any the contact lists itself)."""
    found = []
    for lead in source.all(Lead):
        link = _link_of(lead.contacts, contact)
        if link is not None:
            found.append(Ref(entity="Lead", id=lead.id, relationship=link.relationship))
    return _merge(found, _refs(contact.leads))


def account_leads(source: RecordSource, account: Account) -> list[Ref]:
    """Leads the account is on, as primary account or as another account."""
    found = [
        Ref(entity="Lead", id=lead.id)
        for lead in source.all(Lead)
        if any(ref.id == account.id for ref in lead_accounts(lead))
    ]
    return _merge(found, _refs(account.leads))


def account_contacts(source: RecordSource, account: Account) -> list[Ref]:
    """The account's contacts (links kept on the contact), with the contact's relationship."""
    found = []
    for contact in source.all(Contact):
        link = _link_of(contact.accounts, account)
        if link is not None:
            found.append(Ref(entity="Contact", id=contact.id, relationship=link.relationship))
    return _merge(found, _refs(account.contacts))


def contact_accounts(source: RecordSource, contact: Contact) -> list[Ref]:
    """The contact's accounts: its own links plus accounts that list it."""
    listed = [
        Ref(entity="Account", id=account.id)
        for account in source.all(Account)
        if _link_of(account.contacts, contact) is not None
    ]
    return _merge(list(_refs(contact.accounts)), listed)


def product_lines(source: RecordSource, lead: Lead) -> list[Ref]:
    """The lead's products: its own links, each with the product map that holds its quantity
    and price when a REST writer stored one apart, plus maps the lead does not link."""
    maps: dict[int | object, ProductMap] = {}
    for item in source.all(ProductMap):
        product = item.product if isinstance(item.product, Ref) else None
        if product is not None and _same(item.lead, lead):
            maps.setdefault(product.id, item)
    lines = []
    for link in _refs(lead.products):
        mapping = maps.pop(link.id, None)
        if mapping is not None and not isinstance(link.record, ProductMap):
            link = attrs.evolve(link, record=mapping)  # noqa: PLW2901 - the line, completed
        lines.append(link)
    for product_id, item in maps.items():
        if isinstance(product_id, int):
            lines.append(Ref(entity="Product", id=product_id, name=item.name, record=item))
    return lines


def lead_activities(source: RecordSource, lead_id: int) -> list[Activity]:
    """Activities linked to a lead."""
    return [a for a in source.all(Activity) if any(r.id == lead_id for r in _refs(a.leads))]


def notes_of(source: RecordSource, record: Record) -> list[Note]:
    """Live notes whose parent is ``record`` (plus any the record lists), oldest first."""
    notes = {_id(n.id): n for n in source.all(Note) if _same(n.parent, record)}
    for ref in _refs(getattr(record, "notes", ())):
        note = source.find(Note, _id(ref.id)) if isinstance(ref.id, int) else None
        if note is not None:
            notes.setdefault(_id(note.id), note)
    return sorted(notes.values(), key=lambda n: _id(n.id))


def activity_status(activity: Activity, now: datetime) -> ActivityStatus:
    """The status Nutshell reports: a scheduled activity whose end has passed is overdue."""
    status = activity.status if isinstance(activity.status, ActivityStatus) else None
    if status in (None, ActivityStatus.SCHEDULED):
        end = activity.end_time if isinstance(activity.end_time, datetime) else None
        return ActivityStatus.OVERDUE if end is not None and end < now else ActivityStatus.SCHEDULED
    assert status is not None
    return status


def lead_overdue(lead: Lead, now: datetime) -> bool:
    """Open and past its due time, or flagged overdue by whoever wrote it: how both of the
    emulator's fronts and the bridge's legacy layouts tell, from the clock."""
    if lead.is_overdue is True:
        return True
    due = lead.due_time if isinstance(lead.due_time, datetime) else None
    return due is not None and lead.status is LeadStatus.OPEN and due < now


def _link_of(refs: object, record: Record) -> Ref | None:
    return next((ref for ref in _refs(refs) if ref.id == record.id), None)


def _merge(first: list[Ref], second: Iterable[Ref]) -> list[Ref]:
    out = list(first)
    for ref in second:
        if all(ref.id != o.id for o in out):
            out.append(ref)
    return out


# -- money --------------------------------------------------------------------------------------


def money_total(products: Iterable[Ref], currency: str = "USD") -> Money:
    """The sum of a lead's product lines (price times quantity): Nutshell's lead value."""
    total = Decimal(0)
    for ref in products:
        mapping = ref.record if isinstance(ref.record, ProductMap) else None
        if mapping is None or not isinstance(mapping.price, Money):
            continue
        amount = mapping.price.amount if mapping.price.amount is not None else Decimal(0)
        quantity = mapping.quantity if isinstance(mapping.quantity, int | float) else 1
        total += amount * Decimal(str(quantity))
        if isinstance(mapping.price.currency, str):
            currency = mapping.price.currency
    return Money(amount=total, currency=currency)


# -- the small pieces the layouts share ---------------------------------------------------------


def _rpc_type(ref: Ref) -> str:
    try:
        return entity_class(ref.entity).rpc_type
    except LookupError:
        return ref.entity


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` unless the value is empty: the keys Nutshell leaves out when empty."""
    if value is not None and value not in ({}, []):
        out[key] = value


def _money(money: Money) -> Any:
    """Money as the converter spells it; Nutshell always names the currency (USD by default)."""
    if not isinstance(money.currency, str):
        money = Money(amount=money.amount, currency="USD")
    return value_to_rpc(money)


def _text(value: object, default: str | None = None) -> str | None:
    return value if isinstance(value, str) else default


def _resolved(p: Presenter, ref: object) -> Record | None:
    return p.resolve(ref) if isinstance(ref, Ref) else None


def _rel(ref: Ref) -> str | None:
    return ref.relationship if isinstance(ref.relationship, str) else None


def _with(stub: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    return {**(stub or {}), **extra}
