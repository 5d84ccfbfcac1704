"""The legacy write rules both writers apply (the emulator's JSON-RPC front and the bridge).

These run the rules over a small source holding a few records, as the bridge's reference cache
does; the parity tests (tests/bridge/test_writes.py) check that both routes leave the same
store, and tests/emulator/test_rpc_front.py the emulator's answers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from nutshell_core import errors
from nutshell_core.model import (
    UNSET,
    Account,
    Activity,
    ActivityStatus,
    ActivityType,
    Contact,
    Email,
    Lead,
    LeadStatus,
    Market,
    Money,
    Outcome,
    Phone,
    Product,
    Record,
    Ref,
    Source,
    Stage,
    Stageset,
    Tag,
    Task,
    User,
)
from nutshell_emulator.store import Store
from nutshell_rpc import rules
from nutshell_rpc.inputs import InputReader, ParsedInput

R = TypeVar("R", bound=Record)

T0 = datetime(2026, 1, 31, 9, 0, tzinfo=timezone.utc)


class Partial:
    """A source holding a few records, like the bridge's reference cache."""

    def __init__(self, *records: Record) -> None:
        self.records = list(records)

    def find(self, cls: type[R], record_id: int, /) -> R | None:
        return next((r for r in self.records if isinstance(r, cls) and r.id == record_id), None)

    def all(self, cls: type[R], /) -> Sequence[R]:
        return [r for r in self.records if isinstance(r, cls)]


PIPELINE = Stageset(id=1, name="Sales")
OTHER_PIPELINE = Stageset(id=2, name="Renewals")
QUALIFY = Stage(id=101, name="Qualify", stageset=Ref(entity="Stageset", id=1))
RENEW = Stage(id=201, name="Renew", stageset=Ref(entity="Stageset", id=2))
WON = Outcome(id=5, name="Won", status=LeadStatus.WON)
LOST = Outcome(id=6, name="Lost", status=LeadStatus.LOST)
LOST_LATE = Outcome(id=7, name="Lost late", status=LeadStatus.LOST)
CALL = ActivityType(id=3, name="Phone call")
MEETING = ActivityType(id=4, name="Meeting")
SOURCE = Partial(
    PIPELINE,
    OTHER_PIPELINE,
    QUALIFY,
    RENEW,
    WON,
    LOST,
    LOST_LATE,
    CALL,
    MEETING,
    Market(id=8, name="U.S."),
    Market(id=9, name="Canada"),
    Product(id=30, name="Kit"),
)


def _read(cls: type[Record], data: dict[str, Any]) -> ParsedInput:
    return InputReader(SOURCE).read(cls, data, cls.entity.lower())


@contextmanager
def _refused(message: str) -> Iterator[None]:
    """The block must fail with the RPC API's 400 and exactly this message."""
    with pytest.raises(errors.InvalidRequestError) as caught:
        yield
    assert caught.value.message == message
    assert (caught.value.status, caught.value.code) == (400, -32602)


# -- every record ---------------------------------------------------------------------------------


def test_required_keys_are_refused_with_the_wire_name() -> None:
    rules.require_new(Account, {"name": "Acme"})
    rules.require_new(Lead, {})  # a lead needs nothing
    with _refused("account.name: is required"):
        rules.require_new(Account, {"name": ""})
    with _refused("tag.entityType: is required"):
        rules.require_new(Tag, {"name": "VIP", "applies_to": UNSET})
    with _refused("user.emails: is required"):
        rules.require_new(User, {"first_name": "Ann"})


@pytest.mark.parametrize("existing", [None, UNSET, {}])
def test_custom_fields_merge_over_none_or_unset(existing: Any) -> None:
    current = Contact(id=1, custom_fields=existing)
    merged = rules.merge_custom_fields(current, {"custom_fields": {"Tier": "Gold"}})
    assert merged == {"custom_fields": {"Tier": "Gold"}}


def test_custom_fields_sent_change_and_the_others_stay() -> None:
    current = Lead(id=1, custom_fields={"Tier": "Silver", "Region": "West"})
    merged = rules.merge_custom_fields(current, {"custom_fields": {"Tier": "Gold"}, "name": "x"})
    assert merged == {"custom_fields": {"Tier": "Gold", "Region": "West"}, "name": "x"}
    assert rules.merge_custom_fields(current, {"name": "x"}) == {"name": "x"}


# -- leads ----------------------------------------------------------------------------------------


def test_a_new_lead_takes_the_first_market_and_its_products_value() -> None:
    parsed = _read(Lead, {"products": [{"id": 30, "quantity": 2, "price": "12.50"}]})
    plan = rules.plan_new_lead(SOURCE, parsed)
    assert plan.values["market"] == Ref(entity="Market", id=8, name="U.S.")
    assert plan.values["value"] == Money(amount=Decimal("25.00"), currency="USD")
    assert (plan.stageset, plan.stage, plan.outcome_id) == (None, None, None)
    assert "stageset" not in plan.values


def test_a_new_lead_keeps_a_market_and_value_it_was_given() -> None:
    parsed = _read(
        Lead,
        {"market": {"id": 9}, "value": {"amount": 3}, "products": [{"id": 30, "price": 10}]},
    )
    plan = rules.plan_new_lead(SOURCE, parsed)
    assert plan.values["market"] == Ref(entity="Market", id=9, name="Canada")
    assert plan.values["value"] == Money(amount=Decimal(3), currency="USD")


def test_a_new_lead_without_markets_has_none() -> None:
    plan = rules.plan_new_lead(Partial(), ParsedInput())
    assert plan.values == {"market": None}


def test_a_milestone_alone_moves_the_lead_to_its_pipeline() -> None:
    plan = rules.plan_new_lead(SOURCE, _read(Lead, {"milestoneId": 201}))
    assert plan.stageset == OTHER_PIPELINE and plan.stage == RENEW
    assert plan.values["stageset"] == Ref(entity="Stageset", id=2, name="Renewals")
    assert plan.values["stage"] == Ref(entity="Stage", id=201, name="Renew")


def test_a_closed_status_picks_the_first_outcome_of_its_kind() -> None:
    assert rules.wanted_outcome(SOURCE, ParsedInput(status=LeadStatus.LOST)) == 6
    assert rules.wanted_outcome(SOURCE, ParsedInput(status=LeadStatus.WON)) == 5
    assert rules.wanted_outcome(SOURCE, ParsedInput(status=LeadStatus.LOST, outcome_id=7)) == 7
    assert rules.wanted_outcome(SOURCE, ParsedInput(status=LeadStatus.OPEN)) is None
    assert rules.wanted_outcome(SOURCE, ParsedInput()) is None
    with _refused(f"lead.status: no outcome has status {int(LeadStatus.CANCELLED)}"):
        rules.wanted_outcome(Partial(WON), ParsedInput(status=LeadStatus.CANCELLED))


def test_a_lead_edit_merges_custom_fields_and_follows_new_products() -> None:
    current = Lead(
        id=1,
        custom_fields={"Region": "West"},
        stageset=Ref(entity="Stageset", id=1),
        stage=Ref(entity="Stage", id=101),
    )
    parsed = _read(
        Lead,
        {"customFields": {"Tier": "Gold"}, "products": [{"id": 30, "price": 4}], "outcome": 5},
    )
    plan = rules.plan_lead_edit(SOURCE, current, parsed)
    assert plan.values["custom_fields"] == {"Region": "West", "Tier": "Gold"}
    assert plan.values["value"] == Money(amount=Decimal(4), currency="USD")
    assert "market" not in plan.values  # only a new lead gets the default market
    assert plan.outcome_id == 5
    # The lead's own pipeline: a stage in it is no move.
    moved = rules.plan_lead_edit(SOURCE, current, _read(Lead, {"milestoneId": 101}))
    assert (moved.stageset, moved.stage) == (None, QUALIFY)


# -- contacts, tasks ------------------------------------------------------------------------------


def test_a_nameless_contact_is_named_after_its_first_email_then_phone() -> None:
    emails = (Email(value="ann@example.com"),)
    phones = (Phone(value="734-555-9090"),)
    assert rules.new_contact_values({"emails": emails, "phones": phones})["name"] == (
        "ann@example.com"
    )
    assert rules.new_contact_values({"phones": phones})["name"] == "734-555-9090"
    assert rules.new_contact_values({"name": "Ann", "phones": phones})["name"] == "Ann"
    with _refused("contact: a new contact needs at least a name, a phone or an email"):
        rules.new_contact_values({"emails": (), "job_title": "CEO"})


def test_first_value_skips_items_without_a_string() -> None:
    assert rules.first_value(None, [], [Phone(value="1")]) == "1"
    assert rules.first_value((), None) is None


def test_a_new_task_is_the_callers_unless_assigned() -> None:
    me = Ref(entity="User", id=1, name="Me")
    asked: list[bool] = []

    def caller() -> Ref:
        asked.append(True)
        return me

    assert rules.new_task_values({"title": "Call"}, caller) == {
        "title": "Call",
        "assignee": me,
        "description": "",
    }
    team = Ref(entity="Team", id=2)
    values = rules.new_task_values({"title": "Call", "assignee": team, "description": "d"}, caller)
    assert values["assignee"] == team and values["description"] == "d"
    with _refused("task.title: is required"):
        rules.new_task_values({}, caller)
    assert asked == [True]  # asked only when needed, never for a refused task


# -- activities -----------------------------------------------------------------------------------


def test_a_new_activity_needs_both_times_in_order() -> None:
    rules.check_activity_times({"start_time": T0, "end_time": T0})
    with _refused("activity.startTime: is required"):
        rules.check_activity_times({"end_time": T0})
    with _refused("activity.endTime: is required"):
        rules.check_activity_times({"start_time": T0, "end_time": None})
    with _refused("activity.endTime: ends before it starts"):
        rules.check_activity_times({"start_time": T0, "end_time": T0 - timedelta(minutes=1)})


def test_an_activity_edit_checks_against_its_own_times() -> None:
    current = Activity(id=1, start_time=T0, end_time=T0 + timedelta(hours=1))
    rules.check_activity_times({}, current)
    rules.check_activity_times({"start_time": T0 + timedelta(minutes=30)}, current)
    with _refused("activity.endTime: ends before it starts"):
        rules.check_activity_times({"start_time": T0 + timedelta(hours=2)}, current)


def test_activity_defaults_fill_only_what_is_left_out() -> None:
    values = rules.activity_defaults(SOURCE, {"start_time": T0})
    assert values == {
        "start_time": T0,
        "activity_type": Ref(entity="ActivityType", id=3, name="Phone call"),
        "name": "Phone call",
        "description": "",
        "status": ActivityStatus.SCHEDULED,
        "is_all_day": False,
        "is_flagged": False,
        "leads": (),
        "participants": (),
    }
    meeting = Ref(entity="ActivityType", id=4, name="Meeting")
    given = rules.activity_defaults(
        SOURCE, {"activity_type": meeting, "name": "", "status": ActivityStatus.LOGGED}
    )
    assert given["name"] == "Meeting" and given["status"] is ActivityStatus.LOGGED
    assert rules.activity_defaults(Partial(), {})["activity_type"] is None
    assert rules.activity_defaults(Partial(), {})["name"] == ""


# -- notes, tags, sources -------------------------------------------------------------------------


def test_note_text_is_a_string_or_an_object_and_never_blank() -> None:
    assert rules.read_note_text("Hello", "note") == "Hello"
    assert rules.read_note_text({"note": "Hi"}, "note") == "Hi"
    with _refused("note: cannot be empty"):
        rules.read_note_text("  ", "note")
    with _refused("note: expected a string, got null"):
        rules.read_note_text({"note": None}, "note")


def test_a_note_parent_is_read_and_looked_up() -> None:
    acme = Account(id=4, name="Acme")
    source = Partial(acme)
    assert rules.note_parent({"entityType": "Accounts", "id": "4"}, source.find) is acme
    with _refused("entity: expected {entityType, id}"):
        rules.note_parent(4, source.find)
    with _refused("entity.entityType: expected Leads, Contacts or Accounts"):
        rules.note_parent({"entityType": "Tasks", "id": 4}, source.find)
    with _refused("entity.id: no Contacts with id 4"):
        rules.note_parent({"entityType": "Contacts", "id": 4}, source.find)


def test_a_new_tag_needs_a_name_and_a_type_and_is_unique_per_type() -> None:
    reader = InputReader(Partial())
    assert rules.read_new_tag(reader, {"name": "VIP", "entityType": "Leads"}) == ("VIP", "Lead")
    with _refused("tag.entityType: is required"):
        rules.read_new_tag(reader, {"name": "VIP"})
    tags = [Tag(id=1, name="VIP", applies_to="Lead"), Source(id=2, name="vip")]
    rules.refuse_duplicate_tag(tags, "VIP", "Contact")  # another type may have it
    with _refused("tag.name: a tag named 'vip' already exists"):
        rules.refuse_duplicate_tag(tags, "vip", "Lead")


def test_source_names_are_trimmed_and_matched_regardless_of_case() -> None:
    assert rules.read_source_name("  Web  ") == "Web"
    with _refused("name: cannot be empty"):
        rules.read_source_name(" ")
    web = Source(id=1, name="Web")
    assert rules.named([Source(id=2, name=None), web], "WEB") is web
    assert rules.named([web], "Webinar") is None


# -- links kept on the other record ---------------------------------------------------------------


def test_links_sent_on_the_other_side_name_the_owner_records() -> None:
    leads = (Ref(entity="Lead", id=3),)
    contacts = (Ref(entity="Contact", id=5),)
    parsed = ParsedInput(lead_links=leads, contact_links=contacts)
    assert rules.other_side_links(Contact(id=1), parsed) == [
        rules.OtherSide(Lead, "contacts", leads)
    ]
    assert rules.other_side_links(Account(id=1), parsed) == [
        rules.OtherSide(Contact, "accounts", contacts)
    ]
    assert rules.other_side_links(Account(id=1), ParsedInput()) == []
    assert rules.other_side_links(Task(id=1), parsed) == []


def test_relinking_adds_and_drops_in_id_order() -> None:
    wanted = (Ref(entity="Lead", id=9), Ref(entity="Lead", id=2), Ref(entity="Lead", id=4))
    assert rules.relink_plan([4, 7, 1], wanted) == [(1, False), (2, True), (7, False), (9, True)]
    assert rules.relink_plan([], ()) == []


def test_the_store_is_a_source_for_the_rules() -> None:
    store = Store()
    store.insert(Market(name="U.S."))
    plan = rules.plan_new_lead(store, ParsedInput())
    assert plan.values["market"] == Ref(entity="Market", id=1, name="U.S.")
