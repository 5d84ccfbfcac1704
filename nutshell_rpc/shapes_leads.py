"""Legacy layouts of a lead: the full record and the stub.

A full lead carries what Nutshell computes from other records (``activitiesCount``,
``completion``, ``nextStepDueTime``, ``processes``, ``notes``, its product lines) and leaves out
``dueTime``, ``nextStepDueTime``, ``outcome``, ``closedTime``, ``value``, ``normalizedValue``,
``estimatedValue`` and ``customFields`` when they are empty (``api_lead_new.json`` has none of
them; ``api_lead_get.json`` has them all). The stub names its primary account and contact.
The layouts are registered in :mod:`nutshell_rpc.shapes`' tables; they use the
:class:`~nutshell_rpc.shapes.Presenter` handed to them, so this module does not import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from nutshell_core.model import (
    UNSET,
    Contact,
    Lead,
    Money,
    Product,
    ProductMap,
    Record,
    Ref,
    Stageset,
)
from nutshell_rpc.convert import value_to_rpc
from nutshell_rpc.shapes_common import (
    Layout,
    _id,
    _money,
    _put,
    _refs,
    _rel,
    _resolved,
    _text,
    _with,
    activity_status,
    lead_accounts,
    product_lines,
)

if TYPE_CHECKING:
    from nutshell_rpc.shapes import Presenter

__all__ = ["FULL_LAYOUTS", "STUB_LAYOUTS"]


def _lead_name(lead: Lead) -> str:
    number = lead.number if isinstance(lead.number, str) and lead.number else lead.id
    return f"Lead–{number}"  # an EN DASH, as Nutshell writes it


def _lead_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Lead)
    lead = record
    number = lead.number if isinstance(lead.number, str) and lead.number else str(lead.id)
    value = p.lead_value(lead)
    money = _money(value) if value is not None else None
    now = p.now()
    counts = {"0": 0, "1": 0, "2": 0, "-1": 0}
    for activity in p.lead_activities(_id(lead.id)):
        counts[str(int(activity_status(activity, now)))] += 1
    out = p.head(base)
    out.update(
        name=_lead_name(lead),
        description=_text(lead.description, ""),
        htmlUrl=p.html_url(f"/lead/{number}"),
        htmlUrlPath=f"/lead/{number}",
        avatarUrl=p.html_url(f"/avatar/leads/v1/0/{lead.id}"),
        creator=p.link(lead.creator),
        primaryAccount=_primary_account(p, lead),
        milestone=p.link(lead.stage),
        stageset=p.link(lead.stageset),
        activitiesCount=counts,
        status=base.get("status", 0),
        confidence=base.get("confidence") or 0,
        completion=p.lead_completion(lead),
        urgency="0",
        isOverdue=p.lead_overdue(lead),
        lastContactedDate=p.last_contacted(lead),
        market=p.link(lead.market),
        assignee=p.link(lead.owner),
        sources=p.links(_refs(lead.sources)),
        competitors=[
            _with(p.link(ref), relationship=_rel(ref), status=0) for ref in _refs(lead.competitors)
        ],
        products=[_lead_product(p, ref) for ref in product_lines(p.source, lead)],
        contacts=[_lead_contact(p, ref) for ref in _refs(lead.contacts)],
        # The first of the lead's accounts is its primary one, shown apart (recordings show
        # "accounts": [] beside a primary account): the others are listed here.
        accounts=[_lead_account(p, ref) for ref in lead_accounts(lead)[1:]],
        tags=base.get("tags", []),
        mergedWith=None,
        mergedInto=[],
        clonedFrom=None,
        priority=base.get("priority") or 0,
        channels=[],
    )
    _put(out, "dueTime", base.get("dueTime"))
    next_due = p.next_step_due(lead)
    _put(out, "nextStepDueTime", value_to_rpc(next_due) if next_due is not None else None)
    _put(out, "outcome", p.full(o) if (o := _resolved(p, lead.outcome)) is not None else None)
    _put(out, "closedTime", base.get("closedTime"))
    _put(out, "value", money)
    _put(out, "normalizedValue", money)
    _put(out, "customFields", base.get("customFields"))
    out["processes"] = _processes(p, lead, out["rev"])
    out["notes"] = p.note_stubs(lead)
    _put(out, "estimatedValue", money)
    return out


def _lead_product(p: Presenter, ref: Ref) -> dict[str, Any]:
    mapping = ref.record if isinstance(ref.record, ProductMap) else None
    product = p.resolve(ref)
    price = mapping.price if mapping is not None else UNSET
    if not isinstance(price, Money) and isinstance(product, Product):
        price = product.price
    quantity = mapping.quantity if mapping is not None else UNSET
    return _with(
        p.link(ref),
        relationship=_rel(ref),
        price=_money(price) if isinstance(price, Money) else None,
        # REST keeps quantities as fractions (2.0); the legacy API shows whole ones as integers.
        quantity=_whole(quantity) if isinstance(quantity, int | float) else 1,
    )


def _whole(number: float) -> int | float:
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _lead_contact(p: Presenter, ref: Ref) -> dict[str, Any]:
    contact = p.resolve(ref)
    description = contact.description if isinstance(contact, Contact) else None
    # Every recording shows the contact's description as the relationship when none was set.
    relationship = _rel(ref) or _text(description)
    return _with(p.link(ref), description=_text(description), relationship=relationship)


def _primary_account(p: Presenter, lead: Lead) -> dict[str, Any] | None:
    # A lead with accounts but none named primary shows its first (as its stub names it).
    ordered = lead_accounts(lead)
    if not ordered:
        return None
    ref = ordered[0]
    return _lead_account(p, next((r for r in _refs(lead.accounts) if r.id == ref.id), ref))


def _lead_account(p: Presenter, ref: Ref) -> dict[str, Any]:
    # As for contacts: the recordings show the account's description when no role was set.
    relationship = _rel(ref) or _text(getattr(p.resolve(ref), "description", None))
    return _with(p.link(ref), relationship=relationship)


def _processes(p: Presenter, lead: Lead, rev: object) -> list[dict[str, Any]]:
    """Nutshell's process on the lead's pipeline (a legacy view of stageset and stage)."""
    pipeline = _resolved(p, lead.stageset)
    if not isinstance(pipeline, Stageset):
        return []
    stage_id = lead.stage.id if isinstance(lead.stage, Ref) else None
    return [
        {
            "stub": True,
            "id": lead.id,
            "rev": rev,
            "entityType": "Processes",
            "name": pipeline.name,
            "type": "0",
            "startedTime": value_to_rpc(lead.created_time) if lead.created_time else None,
            # Processes are a legacy view: the recorded won lead's process was never closed.
            "closedTime": None,
            "currentMilestoneId": str(stage_id) if stage_id is not None else None,
            "processTemplateId": str(pipeline.id),
        }
    ]


def _linked_name(p: Presenter, ref: Ref | None) -> str | None:
    """The linked record's name; the link's own name when the source lacks the record."""
    if ref is None:
        return None
    record = p.resolve(ref)
    return _text(getattr(record, "name", None) if record is not None else ref.name)


def _lead_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Lead)
    lead = record
    value = p.lead_value(lead)
    # The first of lead_accounts(lead), without listing the rest.
    primary = lead.primary_account
    if not isinstance(primary, Ref):
        primary = next(iter(_refs(lead.accounts)), None)
    contacts = _refs(lead.contacts)
    out = p.head(base, stub=True)
    out.update(
        name=_lead_name(lead),
        description=_text(lead.description, ""),
        status=base.get("status", 0),
        completion=p.lead_completion(lead),
        value=_money(value) if value is not None else None,
        primaryAccountName=_linked_name(p, primary),
        primaryContactName=_linked_name(p, contacts[0] if contacts else None),
        isOverdue=p.lead_overdue(lead),
        lastContactedDate=p.last_contacted(lead),
    )
    _put(out, "dueTime", base.get("dueTime"))
    next_due = p.next_step_due(lead)
    _put(out, "nextStepDueTime", value_to_rpc(next_due) if next_due is not None else None)
    _put(out, "closedTime", base.get("closedTime"))
    return out


#: Layouts for :mod:`nutshell_rpc.shapes`' full-record table.
FULL_LAYOUTS: Final[Mapping[type[Record], Layout]] = {Lead: _lead_full}

#: Layouts for its stub table.
STUB_LAYOUTS: Final[Mapping[type[Record], Layout]] = {Lead: _lead_stub}
