"""Relations the REST presenter reads: competitor maps (a lead's competitor relation, with a
reversible id) and the index of links between records, built once per store version.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs

from nutshell_core.model import (
    ENTITIES,
    UNSET,
    Account,
    Contact,
    Lead,
    Market,
    ProductMap,
    Record,
    Ref,
    Stage,
)
from nutshell_emulator.rest_values import _set
from nutshell_emulator.store import Store

# -- competitor maps ----------------------------------------------------------------------------


def competitor_map_id(lead_id: int, competitor_id: int) -> int:
    """The id of a lead's competitor relation: Szudzik's pairing of the two ids (reversible)."""
    if lead_id >= competitor_id:
        return lead_id * lead_id + lead_id + competitor_id
    return lead_id + competitor_id * competitor_id


def split_competitor_map_id(map_id: int) -> tuple[int, int]:
    """``(lead_id, competitor_id)`` of a competitor map id."""
    root = math.isqrt(map_id)
    rest = map_id - root * root
    return (root, rest - root) if rest >= root else (rest, root)


@attrs.frozen
class CompetitorMap:
    """A competitor on a lead, as ``/competitormaps`` shows it."""

    lead: Lead
    competitor: Ref

    @property
    def id(self) -> int:
        """The map's id (see :func:`competitor_map_id`)."""
        assert isinstance(self.lead.id, int) and isinstance(self.competitor.id, int)
        return competitor_map_id(self.lead.id, self.competitor.id)


def competitor_maps(store: Store) -> list[CompetitorMap]:
    """Every competitor relation of every live lead, in id order."""
    maps = [
        CompetitorMap(lead, ref)
        for lead in store.all(Lead)
        for ref in _set(lead.competitors) or ()
        if isinstance(ref.id, int)
    ]
    return sorted(maps, key=lambda m: m.id)


def find_competitor_map(store: Store, map_id: int) -> CompetitorMap | None:
    """The competitor relation with this id, or None."""
    lead_id, competitor_id = split_competitor_map_id(map_id)
    lead = store.find(Lead, lead_id)
    if lead is None:
        return None
    for ref in _set(lead.competitors) or ():
        if ref.id == competitor_id:
            return CompetitorMap(lead, ref)
    return None


# -- the per-version index ----------------------------------------------------------------------

R = TypeVar("R", bound=Record)
V = TypeVar("V")


class _Carried:
    """Relations worked out for an earlier store version, each beside the records it was
    worked out from, for a later index to take over while those records stay the same.

    A write to a lead leaves the accounts, contacts and product maps as they were: the next
    version's index then checks that each table still holds the very same record objects
    (records are immutable; a write stores a new object) instead of scanning their links
    again. The check reads the table, so it is never stale, whatever raised the version.
    """

    def __init__(self) -> None:
        self._by_name: dict[str, tuple[Sequence[Record], Any]] = {}

    def derive(self, name: str, records: list[R], build: Callable[[list[R]], V]) -> V:
        """``build(records)``, or what it gave before for the same record objects."""
        entry = self._by_name.get(name)
        if entry is not None:
            before, value = entry
            if len(before) == len(records) and all(map(operator.is_, before, records)):
                derived: V = value
                return derived
        derived = build(records)
        self._by_name[name] = (records, derived)
        return derived


@attrs.define
class _Shared:
    """One record's rendering, shared by the responses that read it (see ``_Index.rendered``)."""

    #: The stored record it was rendered from: a write stores a new object.
    record: Record
    #: What it shows of the clock (:meth:`_PresenterBase.clock_key`); None when nothing.
    clock: object
    wire: dict[str, Any]
    #: Its JSON text, once a response has encoded it.
    text: str | None = None


class _Index:
    """Relations computed once per store version, not once per record (both sides of a
    relation), and the records rendered from them. Given a :class:`_Carried`, the relations
    are taken over from an earlier version while the records they read stay the same."""

    def __init__(self, store: Store, carried: _Carried | None = None) -> None:
        self.store = store
        #: Where relations of an earlier version are taken over from (none: all built here).
        self._carried = carried
        #: Shared renderings by ``(entity, id)``, and by ``id()`` of their wire, so that the
        #: encoder can find a wire's text. They live as long as the index: one store version.
        self.rendered: dict[tuple[str, int], _Shared] = {}
        self.by_wire: dict[int, _Shared] = {}

    def _derive(self, name: str, records: list[R], build: Callable[[list[R]], V]) -> V:
        if self._carried is None:
            return build(records)
        return self._carried.derive(name, records, build)

    # The relations below are shared by every index that takes them over: never change them.

    @functools.cached_property
    def contacts_of_account(self) -> dict[int, list[str]]:
        return self._derive("contacts_of_account", self.store.all(Contact), _contacts_of_account)

    @functools.cached_property
    def accounts_of_contact(self) -> dict[int, list[str]]:
        return self._derive("accounts_of_contact", self.store.all(Account), _accounts_of_contact)

    @functools.cached_property
    def maps_of_lead(self) -> dict[int, list[ProductMap]]:
        return self._derive("maps_of_lead", self.store.all(ProductMap), _maps_of_lead)

    @functools.cached_property
    def creators(self) -> dict[tuple[str, int], Ref]:
        """Who created what, from the event log (activities have no creator attribute)."""
        out: dict[tuple[str, int], Ref] = {}
        for event in self.store.events():
            if event.action == "create" and event.actor is not None:
                out.setdefault((event.entity, event.record_id), event.actor)
        return out

    @functools.cached_property
    def stages(self) -> dict[int, Stage]:
        return {s.id: s for s in self.store.all(Stage) if isinstance(s.id, int)}

    @functools.cached_property
    def stage_counts(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for stage in self.stages.values():
            pipeline = _set(stage.stageset)
            if isinstance(pipeline, Ref) and isinstance(pipeline.id, int):
                out[pipeline.id] = out.get(pipeline.id, 0) + 1
        return out

    @functools.cached_property
    def tag_counts(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for cls in (Lead, Contact, Account):
            for record in self.store.all(cls):
                for ref in _set(getattr(record, "tags", UNSET)) or ():
                    if isinstance(ref.id, int):
                        out[ref.id] = out.get(ref.id, 0) + 1
        return out

    @functools.cached_property
    def default_market(self) -> int | None:
        markets = self.store.all(Market)
        return markets[0].id if markets and isinstance(markets[0].id, int) else None

    def find(self, ref: Any) -> Record | None:
        """The live or trashed record a Ref points at."""
        ref = _set(ref)
        if not isinstance(ref, Ref) or not isinstance(ref.id, int):
            return None
        cls = ENTITIES.get(ref.entity)
        if cls is None:
            return None
        return self.store.find(cls, ref.id) or self.store.trashed(cls, ref.id)


def _contacts_of_account(contacts: list[Contact]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for contact in contacts:
        for ref in _set(contact.accounts) or ():
            if isinstance(ref.id, int):
                out.setdefault(ref.id, []).append(f"{contact.id}-contacts")
    return out


def _accounts_of_contact(accounts: list[Account]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for account in accounts:
        for ref in _set(account.contacts) or ():
            if isinstance(ref.id, int):
                out.setdefault(ref.id, []).append(f"{account.id}-accounts")
    return out


def _maps_of_lead(maps: list[ProductMap]) -> dict[int, list[ProductMap]]:
    out: dict[int, list[ProductMap]] = {}
    for item in maps:
        lead = _set(item.lead)
        if isinstance(lead, Ref) and isinstance(lead.id, int):
            out.setdefault(lead.id, []).append(item)
    return out
