"""A bridge rev moves with writes only, as the RPC API's counter does: an edit with a rev read
before the record's time passed is accepted on the REST route, as over JSON-RPC, while an edit
written in between still makes it stale."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from nutshell_core.errors import ConflictError
from nutshell_emulator import Emulator
from tests.bridge.worlds import Mounted, mounted


class Clock:
    """The emulator's clock, moved by the test. It starts at the wall clock's time: the
    bridge's legacy layouts judge overdue by the wall clock, as against Nutshell."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world() -> Iterator[tuple[Mounted, Clock]]:
    clock = Clock()
    emulator = Emulator(clock=clock)
    emulator.seed(5, random_seed=3)
    with mounted(emulator) as world:
        yield world, clock


def _wire(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _scheduled_in_an_hour(world: Mounted, clock: Clock) -> int:
    lead = world.rpc.findLeads(limit=1)[0]
    made = world.rpc.newActivity(
        {
            "name": "call",
            "startTime": _wire(clock.now + timedelta(hours=1)),
            "endTime": _wire(clock.now + timedelta(hours=2)),
            "activityTypeId": 1,
            "leads": [{"id": lead["id"]}],
        }
    )
    activity_id = made["id"]
    assert isinstance(activity_id, int)
    return activity_id


def test_an_activity_turning_overdue_keeps_its_rev(world: tuple[Mounted, Clock]) -> None:
    mounted_world, clock = world
    activity_id = _scheduled_in_an_hour(mounted_world, clock)
    read = mounted_world.bridge.getActivity(activity_id)
    clock.now += timedelta(days=2)
    # The record reads differently now (REST says it is overdue)...
    rest = mounted_world.bridge.context.rest.activities.get(activity_id)
    assert rest.memo is not None and rest.memo.extra.get("isOverdue") is True
    # ...but nothing wrote it: its rev is the one read before, and an edit with it lands.
    assert mounted_world.bridge.getActivity(activity_id)["rev"] == read["rev"]
    edited = mounted_world.bridge.editActivity(activity_id, read["rev"], {"name": "call back"})
    assert edited["name"] == "call back"
    assert mounted_world.rpc.getActivity(activity_id)["name"] == "call back"


def test_a_write_in_between_still_makes_the_rev_stale(world: tuple[Mounted, Clock]) -> None:
    mounted_world, clock = world
    activity_id = _scheduled_in_an_hour(mounted_world, clock)
    read = mounted_world.bridge.getActivity(activity_id)
    clock.now += timedelta(days=2)
    current = mounted_world.rpc.getActivity(activity_id)
    mounted_world.rpc.editActivity(activity_id, current["rev"], {"name": "someone else"})
    with pytest.raises(ConflictError):
        mounted_world.bridge.editActivity(activity_id, read["rev"], {"name": "call back"})
    assert mounted_world.rpc.getActivity(activity_id)["name"] == "someone else"


def test_a_lead_turning_overdue_keeps_its_rev(world: tuple[Mounted, Clock]) -> None:
    mounted_world, clock = world
    due = _wire(clock.now + timedelta(hours=1))
    lead = mounted_world.rpc.newLead({"description": "to call", "dueTime": due})
    read = mounted_world.bridge.getLead(lead["id"])
    assert read["isOverdue"] is False
    clock.now += timedelta(hours=2)
    assert mounted_world.bridge.context.rest.leads.get(lead["id"]).is_overdue is True
    again = mounted_world.bridge.getLead(lead["id"])
    assert again["isOverdue"] is True and again["rev"] == read["rev"]
    edited = mounted_world.bridge.editLead(lead["id"], read["rev"], {"description": "called"})
    assert edited["description"] == "called"
