"""The seed: deterministic whatever the clock, and rich enough to show every shape.

Two emulators seeded alike must hold equal stores (records, revs, times, events), even when
their clocks differ: no seeded time comes from the wall clock. And the seed must exercise what
the fronts and the bridge render: teams and team-owned leads, markets, custom field definitions
of every kind with values, products, leads in every status, audiences and a trash.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
import responses

from nutshell_core.model import (
    Account,
    Audience,
    Contact,
    CustomField,
    Lead,
    LeadStatus,
    Market,
    Note,
    Record,
    Task,
    Team,
    User,
)
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator, rules
from nutshell_emulator.seed import SEED_EPOCH
from nutshell_emulator.snapshot import to_data
from nutshell_rpc import NutshellAPI

ENDPOINT = "https://app.nutshell.com/api/v1/json"

#: Two clocks far apart: a seeded store must not depend on either.
EARLY = datetime(2025, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
LATE = datetime(2031, 7, 8, 9, 10, 11, tzinfo=timezone.utc)


def _seeded(now: datetime, n: int = 120, random_seed: int = 4) -> Emulator:
    emulator = Emulator(clock=lambda: now)
    emulator.seed(n, random_seed=random_seed)
    return emulator


def _times(record: Record) -> list[datetime]:
    return [
        t
        for t in (record.created_time, record.modified_time, record.deleted_time)
        if isinstance(t, datetime)
    ]


def test_the_same_seed_gives_equal_stores_whatever_the_clock() -> None:
    early, late = _seeded(EARLY), _seeded(LATE)
    assert to_data(early.store.state()) == to_data(late.store.state())
    other = _seeded(EARLY, random_seed=5)
    assert to_data(other.store.state()) != to_data(early.store.state())


def test_no_seeded_time_comes_from_the_clock() -> None:
    emulator = _seeded(LATE)
    state = emulator.store.state()
    stamps = [
        t
        for table in (*state["live"].values(), *state["trash"].values())
        for record in table.values()
        for t in _times(record)
    ]
    stamps += [event.time for event in state["events"]]
    assert stamps
    assert min(stamps) == rules.ACCOUNT_CREATED  # the account's defaults
    assert max(stamps) < SEED_EPOCH.replace(year=SEED_EPOCH.year + 1)  # nothing from 2031
    owner = emulator.store.all(User)[0]
    assert owner.created_time == rules.ACCOUNT_CREATED


def test_a_new_emulator_starts_from_the_same_defaults_whatever_the_clock() -> None:
    assert to_data(Emulator(clock=lambda: EARLY).store.state()) == to_data(
        Emulator(clock=lambda: LATE).store.state()
    )


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    return _seeded(EARLY, n=200, random_seed=11)


def _refs(value: object) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else ()


def test_the_seed_has_teams_and_leads_that_belong_to_them(emulator: Emulator) -> None:
    store = emulator.store
    teams = store.all(Team)
    assert len(teams) >= 3
    members = {ref.id for user in store.all(User) for ref in _refs(user.teams)}
    assert members and members <= {t.id for t in teams}
    owners = {lead.owner.entity for lead in store.all(Lead) if lead.owner is not None}
    assert owners == {"User", "Team"}


def test_the_seed_puts_markets_products_and_every_status_on_leads(emulator: Emulator) -> None:
    leads = emulator.store.all(Lead)
    markets = {lead.market.id for lead in leads if lead.market is not None}
    assert len(markets) == len(emulator.store.all(Market)) >= 2
    assert any(lead.products for lead in leads)
    assert {lead.status for lead in leads} == set(LeadStatus) - {LeadStatus.PENDING}
    assert all(lead.closed_time is not None for lead in leads if lead.status.is_closed)


def test_the_seed_defines_custom_fields_of_every_kind_and_fills_them(emulator: Emulator) -> None:
    store = emulator.store
    fields = store.all(CustomField)
    kinds = {(f.field_type, f.is_multiple is True) for f in fields}
    assert {("text", False), ("number", False), ("currency", False), ("date", False),
            ("enum", False), ("enum", True)} <= kinds  # fmt: skip
    assert {f.applies_to for f in fields} == {"Lead", "Contact", "Account"}
    for cls in (Lead, Contact, Account):
        names = {str(f.name) for f in fields if f.applies_to == cls.entity}
        used = {name for r in store.all(cls) for name in (getattr(r, "custom_fields", None) or {})}
        assert used == names, cls.entity  # every field has values, and only defined ones
    audiences = store.all(Audience)
    assert len(audiences) >= 2 and {a.is_web_fx for a in audiences} == {True, False}


def test_the_seed_leaves_deleted_records_in_the_trash(emulator: Emulator) -> None:
    store = emulator.store
    trashed = {
        cls.entity: list(store.state()["trash"].get(cls.entity, {}).values())
        for cls in (Lead, Contact, Account, Note, Task)
    }
    assert all(len(records) == 1 for records in trashed.values()), trashed
    (lead,) = trashed["Lead"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        rpc = NutshellAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT)
        assert "deletedTime" in rpc.call("getLead", lead.id)
        assert lead.id not in {found["id"] for found in rpc.call("findLeads", limit=100)}
        rpc.close()
