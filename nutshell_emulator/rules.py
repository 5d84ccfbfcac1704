"""Domain rules both fronts share, so a lead behaves the same whichever API touched it.

* A new lead gets the next display number, the default pipeline and its first stage, status
  open, confidence 0, and the authenticated user as owner (HULL ``api_lead_new.json``).
* Closing a lead picks an outcome; its status (won, lost, cancelled) becomes the lead's status
  and the close time is set. Reopening clears both.
* Moving a lead to another pipeline puts it on that pipeline's first stage.
* The reference data a new Nutshell account ships with: one user, a default pipeline with
  stages, and the outcomes won, lost and cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Final

import attrs

from nutshell_core.errors import InvalidRequestError, NotFoundError
from nutshell_core.model import (
    UNSET,
    ActivityType,
    Lead,
    LeadStatus,
    Market,
    Money,
    Outcome,
    Product,
    ProductMap,
    Ref,
    Stage,
    Stageset,
    User,
)
from nutshell_emulator.store import Store

__all__ = [
    "ACCOUNT_CREATED",
    "DEFAULT_STAGES",
    "FIRST_LEAD_NUMBER",
    "close_lead",
    "default_stageset",
    "install_defaults",
    "lead_defaults",
    "lead_product_changes",
    "move_lead",
    "reopen_lead",
    "stages_of",
    "store_product_lines",
]

#: When the emulated account and its reference data were created: a fixed moment, before any
#: seeded record (:data:`nutshell_emulator.seed.SEED_EPOCH`).
ACCOUNT_CREATED: Final = datetime(2024, 1, 1, 9, 0, tzinfo=timezone.utc)

#: Nutshell numbers leads from 1000 ("Lead–1000").
FIRST_LEAD_NUMBER = 1000

DEFAULT_STAGES = ("Qualify", "Present", "Negotiate", "Contracting", "Closing")

_OUTCOMES = (
    ("Won", LeadStatus.WON),
    ("Lost", LeadStatus.LOST),
    ("Cancelled", LeadStatus.CANCELLED),
)

_ACTIVITY_TYPES = ("Phone call", "Meeting", "Email", "Virtual meeting")


def install_defaults(
    store: Store, *, email: str = "owner@example.com", name: str = "Account Owner"
) -> User:
    """Create what a new Nutshell account starts with; returns the first (admin) user.

    The records are dated :data:`ACCOUNT_CREATED`, not the store's clock: the account exists
    before the emulator starts, and two emulators (or two seeds) must start from equal stores.
    """
    with store.stamped(lambda: ACCOUNT_CREATED):
        first, _, last = name.partition(" ")
        user = store.insert(
            User(
                name=name,
                first_name=first,
                last_name=last or None,
                emails=(email,),
                is_enabled=True,
                is_administrator=True,
            )
        )
        pipeline = store.insert(
            Stageset(name="Sales pipeline", is_default=True, position=0, stages=())
        )
        # Stage ids start at 101 in real accounts ("101-stages" in the recordings).
        stages = []
        for position, stage_name in enumerate(DEFAULT_STAGES, start=1):
            stage = Stage(
                id=store.next_id("Stage", start=101),
                name=stage_name,
                description="",
                position=position,
                stageset=Ref(entity="Stageset", id=pipeline.id, name=pipeline.name),
            )
            stages.append(store.insert(stage).ref())
        store.update(Stageset, _id(pipeline.id), {"stages": tuple(_bare(s) for s in stages)})
        for outcome_name, status in _OUTCOMES:
            store.insert(Outcome(name=outcome_name, status=status))
        for type_name in _ACTIVITY_TYPES:
            store.insert(ActivityType(name=type_name))
        store.insert(Market(name="U.S."))
        return user


def _id(value: object) -> int:
    assert isinstance(value, int)
    return value


def _bare(ref: Ref) -> Ref:
    return Ref(entity=ref.entity, id=ref.id, name=ref.name)


def default_stageset(store: Store) -> Stageset:
    """The default pipeline (the first one when none is marked default)."""
    pipelines = store.all(Stageset)
    if not pipelines:
        raise NotFoundError("the account has no pipeline", status=404, code=404)
    return next((p for p in pipelines if p.is_default), pipelines[0])


def stages_of(store: Store, stageset_id: int) -> list[Stage]:
    """A pipeline's stages in position order."""
    stages = [
        s for s in store.all(Stage) if isinstance(s.stageset, Ref) and s.stageset.id == stageset_id
    ]
    return sorted(stages, key=lambda s: (s.position if isinstance(s.position, int) else 0, s.id))


def _first_stage(store: Store, stageset: Stageset) -> Ref | None:
    stages = stages_of(store, _id(stageset.id))
    return _bare(stages[0].ref()) if stages else None


def lead_defaults(store: Store, actor: User | None) -> dict[str, Any]:
    """Attribute values a new lead starts with, before the caller's own values apply."""
    numbers = [
        int(lead.number)
        for lead in store.all(Lead)
        if isinstance(lead.number, str) and lead.number.isdigit()
    ]
    number = max(numbers, default=FIRST_LEAD_NUMBER - 1) + 1
    pipeline = default_stageset(store)
    return {
        "number": str(number),
        "status": LeadStatus.OPEN,
        "confidence": 0,
        "priority": 0,
        "is_overdue": False,
        "value": Money(amount=Decimal(0), currency="USD"),
        "owner": _bare(actor.ref()) if actor is not None else None,
        "creator": _bare(actor.ref()) if actor is not None else None,
        "stageset": Ref(entity="Stageset", id=pipeline.id, name=pipeline.name),
        "stage": _first_stage(store, pipeline),
        "outcome": None,
        "closed_time": None,
        "accounts": (),
        "contacts": (),
        "products": (),
        "sources": (),
        "competitors": (),
        "tags": (),
        "notes": (),
        "custom_fields": {},
    }


def new_lead(store: Store, values: Mapping[str, Any], actor: User | None) -> Lead:
    """Create a lead with Nutshell's defaults under the caller's values."""
    with store.transaction():
        merged = {
            **lead_defaults(store, actor),
            **{k: v for k, v in values.items() if v is not UNSET},
        }
        if "stageset" in values and "stage" not in values and isinstance(merged["stageset"], Ref):
            pipeline = store.get(Stageset, _id(merged["stageset"].id))
            merged["stage"] = _first_stage(store, pipeline)
        actor_ref = _bare(actor.ref()) if actor is not None else None
        lines = merged.get("products")
        if isinstance(lines, tuple):
            merged["products"] = tuple(_bare_line(ref) for ref in lines)
        lead = store.insert(Lead(**merged), actor=actor_ref)
        if isinstance(lines, tuple):
            store_product_lines(store, _id(lead.id), lines, actor_ref)
        return lead


def _bare_line(ref: Ref) -> Ref:
    return attrs.evolve(ref, record=None) if isinstance(ref.record, ProductMap) else ref


def lead_product_changes(
    changes: Mapping[str, Any],
) -> tuple[dict[str, Any], tuple[Ref, ...] | None]:
    """``changes`` to a lead with its product lines as bare links, and the lines themselves
    (None when the changes leave the products alone), for :func:`store_product_lines`."""
    lines = changes.get("products")
    if not isinstance(lines, tuple):
        return dict(changes), None
    return {**changes, "products": tuple(_bare_line(ref) for ref in lines)}, lines


def store_product_lines(
    store: Store, lead_id: int, lines: tuple[Ref, ...], actor: Ref | None
) -> None:
    """A lead's product lines as product maps, replacing the ones it had.

    One store keeps a line one way whichever API wrote it: as a product map (quantity, price
    on the lead), which REST lists under ``links.productMaps`` and the legacy shape reads
    back as the lead's ``products``.
    """
    lead_ref = Ref(entity="Lead", id=lead_id)
    for old in store.all(ProductMap):
        if isinstance(old.lead, Ref) and old.lead.id == lead_id:
            store.delete(ProductMap, _id(old.id), actor=actor)
    for ref in lines:
        line = ref.record if isinstance(ref.record, ProductMap) else ProductMap()
        product = store.find(Product, _id(ref.id)) if isinstance(ref.id, int) else None
        name = line.name if isinstance(line.name, str) else getattr(product, "name", UNSET)
        store.insert(
            attrs.evolve(
                line,
                id=UNSET,
                product=Ref(entity="Product", id=ref.id, name=ref.name),
                lead=lead_ref,
                name=name if isinstance(name, str) else UNSET,
            ),
            actor=actor,
        )


def close_lead(
    store: Store, lead_id: int, outcome_id: int, actor: User | None, *, rev: str | None = None
) -> Lead:
    """Close a lead with an outcome; the outcome's status becomes the lead's status."""
    with store.transaction():
        outcome = store.find(Outcome, outcome_id)
        if outcome is None or not isinstance(outcome.status, LeadStatus):
            raise InvalidRequestError(f"unknown outcome {outcome_id}", status=400, code=-32602)
        changes = {
            "outcome": Ref(entity="Outcome", id=outcome.id, name=outcome.name),
            "status": outcome.status,
            "closed_time": store.now(),
        }
        actor_ref = _bare(actor.ref()) if actor is not None else None
        return store.update(Lead, lead_id, changes, rev=rev, actor=actor_ref)


def reopen_lead(store: Store, lead_id: int, actor: User | None, *, rev: str | None = None) -> Lead:
    """Reopen a closed lead."""
    changes = {"outcome": None, "status": LeadStatus.OPEN, "closed_time": None}
    actor_ref = _bare(actor.ref()) if actor is not None else None
    return store.update(Lead, lead_id, changes, rev=rev, actor=actor_ref)


def move_lead(
    store: Store, lead_id: int, stageset_id: int, actor: User | None, *, rev: str | None = None
) -> Lead:
    """Move a lead to another pipeline, onto that pipeline's first stage."""
    with store.transaction():
        pipeline = store.find(Stageset, stageset_id)
        if pipeline is None:
            raise InvalidRequestError(f"unknown pipeline {stageset_id}", status=400, code=-32602)
        changes = {
            "stageset": Ref(entity="Stageset", id=pipeline.id, name=pipeline.name),
            "stage": _first_stage(store, pipeline),
        }
        actor_ref = _bare(actor.ref()) if actor is not None else None
        return store.update(Lead, lead_id, changes, rev=rev, actor=actor_ref, action="stagechange")


def evolve_lead(lead: Lead, **changes: Any) -> Lead:
    """A copy of ``lead`` with ``changes`` (a helper for presenters and tests)."""
    return attrs.evolve(lead, **changes)
