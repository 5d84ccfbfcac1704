"""The JSON-RPC converter: recorded responses round-trip exactly and read as typed records."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nutshell_core.errors import MalformedResponseError, UsageError
from nutshell_core.model import (
    UNSET,
    Account,
    AccountType,
    Activity,
    ActivityStatus,
    ActivityType,
    Address,
    Contact,
    Correspondent,
    Email,
    EmailMessage,
    Industry,
    Lead,
    LeadStatus,
    Market,
    Money,
    Note,
    Outcome,
    PersonName,
    Phone,
    Product,
    ProductMap,
    Record,
    Ref,
    Source,
    Stage,
    Stageset,
    Tag,
    Team,
    Url,
    User,
)
from nutshell_rpc.convert import (
    default_converter,
    make_rpc_converter,
    record_from_rpc,
    record_to_rpc,
    record_to_rpc_input,
    value_from_rpc,
    value_to_rpc,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpc"
FILES = sorted(FIXTURES.rglob("*.json"))
UTC = timezone.utc


def fixture_id(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def result_of(name: str) -> Any:
    """A recording's ``result`` member, or the whole file when it has no envelope."""
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data["result"] if isinstance(data, dict) and "result" in data else data


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def links(value: object) -> tuple[Ref, ...]:
    """A tuple-of-Refs field that must have been sent."""
    assert isinstance(value, tuple)
    return value


# -- every recording round-trips ----------------------------------------------------------------

#: What each recording's result reads as: a record class, a list of them, or plain JSON.
EXPECTED: dict[str, Any] = {
    "biguscj7/analyticsReportQuotes.json": dict,
    "biguscj7/findActivitiesNonStub.json": [Activity],
    "biguscj7/findActivitiesStub.json": [Activity],
    "biguscj7/findActivityTypes.json": [ActivityType],
    "biguscj7/findLeadsNonStub.json": [Lead],
    "biguscj7/findLeadsStub.json": [Lead],
    "biguscj7/findMilestones.json": [Stage],
    "biguscj7/findStagesets.json": [Stageset],
    "biguscj7/findTeams.json": [Team],
    "biguscj7/findUsers.json": [User],
    "hull/api_account_new.json": Account,
    "hull/api_activity_meeting.json": Activity,
    "hull/api_activity_phone_call.json": Activity,
    "hull/api_activity_virtual_meeting.json": Activity,
    "hull/api_contact_edit.json": Contact,
    "hull/api_contact_new.json": Contact,
    "hull/api_discovery.json": dict,
    "hull/api_findleads_empty.json": [],
    "hull/api_findmarkets.json": [Market],
    "hull/api_findproducts.json": [Product],
    "hull/api_findsources.json": [Source],
    "hull/api_findtimeline.json": [EmailMessage, Note],
    "hull/api_findtimeline_empty.json": [],
    "hull/api_invalid_request.json": None,
    "hull/api_lead_get.json": Lead,
    "hull/api_lead_new.json": Lead,
    "hull/api_searchbyemail_empty.json": dict,
    "hull/api_searchleads_empty.json": [],
}


def test_the_fixtures_are_the_recordings_and_all_are_expected() -> None:
    assert {p.parent.name for p in FILES} == {"hull", "biguscj7"}
    assert sorted(fixture_id(p) for p in FILES) == sorted(EXPECTED)


@pytest.mark.parametrize("path", FILES, ids=fixture_id)
def test_recording_round_trips_exactly(path: Path) -> None:
    raw = result_of(fixture_id(path))
    value = value_from_rpc(raw)
    back = value_to_rpc(value)
    assert back == raw
    assert dumps(back) == dumps(raw)  # key order and JSON types too
    assert value_to_rpc(value_from_rpc(back)) == raw


@pytest.mark.parametrize("path", FILES, ids=fixture_id)
def test_recording_reads_as_the_expected_records(path: Path) -> None:
    value = value_from_rpc(result_of(fixture_id(path)))
    expected = EXPECTED[fixture_id(path)]
    if expected is None:
        assert value is None
    elif isinstance(expected, list):
        assert isinstance(value, list)
        kinds = {type(item) for item in value}
        assert kinds <= set(expected)
        assert bool(value) == bool(expected)
    else:
        assert type(value) is expected
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, Record):
            assert item.memo is not None and item.memo.wire == "rpc"
            assert record_from_rpc(record_to_rpc(item)) == item


# -- typed fields of the recordings -------------------------------------------------------------


def test_lead_get_reads_every_typed_field() -> None:
    lead = record_from_rpc(result_of("hull/api_lead_get.json"), Lead)
    assert lead.id == 1000 and lead.rev == "17" and lead.stub is UNSET
    assert lead.name == "Lead\u20131000"
    assert lead.status is LeadStatus.WON
    assert (lead.confidence, lead.completion, lead.is_overdue) == (93, 100, False)
    assert lead.created_time == datetime(2016, 11, 11, 15, 59, tzinfo=UTC)
    assert isinstance(lead.created_time, datetime) and lead.created_time.tzinfo is not None
    assert lead.due_time == datetime(2016, 12, 16, 8, 43, tzinfo=UTC)
    assert lead.closed_time == datetime(2016, 12, 16, 8, 43, tzinfo=UTC)
    assert lead.last_contacted_time == datetime(2017, 7, 4, 11, 38, tzinfo=UTC)
    assert lead.value == Money(amount=Decimal(9200), currency="USD")
    assert lead.owner == Ref(entity="User", id=1, name="Charles Berry")
    assert isinstance(lead.owner, Ref) and isinstance(lead.owner.record, User)
    assert lead.owner.record.emails == ("charles.berry@arrowgrid.com", "jim@demo.nutshell.com")
    assert lead.owner.record.is_administrator is True
    assert lead.creator == lead.owner
    assert lead.primary_account == Ref(entity="Account", id=1, name="Acme Corp", relationship=None)
    assert lead.contacts == (
        Ref(entity="Contact", id=1, name="Virginia Sprague", relationship=None),
    )
    assert lead.stage == Ref(entity="Stage", id=9, name="Contracting")
    assert lead.stageset is UNSET
    assert lead.market == Ref(entity="Market", id=1, name="U.S.")
    assert lead.outcome == Ref(entity="Outcome", id=1, name="Won")
    assert isinstance(lead.outcome, Ref) and isinstance(lead.outcome.record, Outcome)
    assert lead.outcome.record.status is LeadStatus.WON
    assert lead.tags == (Ref(entity="Tag", name="Enterprise"),)
    assert lead.custom_fields == {"Application": "Recreational & Custom"}
    assert [r.name for r in links(lead.products)] == ["Sunrazor", "Turnkey Installation Service"]
    product = links(lead.products)[0].record
    assert isinstance(product, Product)
    assert product.price == Money(amount=Decimal(2500), currency="USD")
    assert product.extra["quantity"] == 1
    assert [r.id for r in links(lead.notes)] == [1, 1183592, 2]
    note = links(lead.notes)[0].record
    assert isinstance(note, Note) and note.user == Ref(entity="User", id=1, name="Charles Berry")
    assert note.body_markup is not UNSET and str(note.body_markup).startswith("@[users:3-users]")
    assert lead.competitors == (
        Ref(entity="Competitor", id=1, name="Southwest Solar", relationship=None),
    )
    assert set(lead.extra) == {
        "activitiesCount",
        "urgency",
        "normalizedValue",
        "processes",
        "estimatedValue",
    }


def test_biguscj7_lead_keeps_its_hyphen_and_reads_team_owner_and_stageset() -> None:
    [lead] = value_from_rpc(result_of("biguscj7/findLeadsNonStub.json"))
    assert isinstance(lead, Lead)
    assert lead.name == "Lead-4686"
    assert lead.owner == Ref(entity="Team", id=59, name="Blue AM")
    assert lead.stageset == Ref(entity="Stageset", id=71, name="Sales Pipeline 2024")
    assert lead.primary_account == Ref(
        entity="Account", id=10015, name="BestBuy", relationship="BestBuy Corporate"
    )
    assert lead.contacts == (
        Ref(entity="Contact", id=93059, name="Vickie Thompson", relationship="Senior Manager"),
    )
    assert lead.tags == (Ref(entity="Tag", name="2023"), Ref(entity="Tag", name="2023"))
    assert (lead.priority, lead.is_overdue, lead.status) == (0, True, LeadStatus.OPEN)


def test_lead_stub_keeps_stub_only_keys_as_extra() -> None:
    [lead] = value_from_rpc(result_of("biguscj7/findLeadsStub.json"))
    assert lead.stub is True
    assert lead.extra["primaryAccountName"] == "SOCOM"
    assert lead.value == Money(amount=Decimal(24999), currency="USD")


def test_contact_reads_name_parts_emails_and_labelled_phones() -> None:
    contact = record_from_rpc(result_of("hull/api_contact_edit.json"))
    assert isinstance(contact, Contact)
    assert contact.person_name == PersonName(
        given="Andy", family="Fowler", salutation="", display="Andy Fowler"
    )
    assert contact.name == "Andy Fowler"
    assert contact.emails == (Email(value="test1@hull.io", label="1", is_primary=True),)
    assert contact.phones == (
        Phone(value="717-555-0480", label="work", is_primary=True),
        Phone(value="+216 717-555-6633", label="home"),
        Phone(value="877-555-5001", label="cell"),
    )
    assert contact.urls is UNSET and contact.addresses is UNSET
    assert contact.last_contacted_time is None
    assert contact.owner is None and contact.leads == ()
    assert contact.extra == {"contactedCount": 0}


def test_account_reads_urls_and_links_without_entity_type() -> None:
    account = record_from_rpc(result_of("hull/api_account_new.json"), Account)
    assert account.urls == (Url(value="http://hull-test1.io", label="1", is_primary=True),)
    assert account.account_type == Ref(entity="AccountType", id=1, name="Standard Account")
    assert account.industry == Ref(entity="Industry", id=1, name="Accounting")
    assert isinstance(account.industry, Ref) and isinstance(account.industry.record, Industry)
    assert isinstance(account.account_type, Ref)
    assert isinstance(account.account_type.record, AccountType)
    assert record_to_rpc(account)["industry"] == {"id": 1, "name": "Accounting"}


def test_activity_reads_status_participants_and_log_note() -> None:
    activity = record_from_rpc(result_of("hull/api_activity_virtual_meeting.json"), Activity)
    assert activity.status is ActivityStatus.LOGGED
    assert (activity.is_all_day, activity.is_timed, activity.is_flagged) == (True, True, False)
    assert activity.start_time == datetime(2017, 12, 14, 5, 0, tzinfo=UTC)
    assert activity.activity_type == Ref(entity="ActivityType", id=3, name="Virtual Meeting")
    assert activity.logged_by == Ref(entity="User", id=1, name="Michal")
    assert [(r.entity, r.id) for r in links(activity.participants)] == [
        ("User", 1),
        ("Contact", 7),
    ]
    participant = links(activity.participants)[0].record
    assert isinstance(participant, User)
    assert participant.emails == ()  # the recording says [null]
    assert participant.extra == {"status": 0}
    assert isinstance(activity.log_note, Ref) and isinstance(activity.log_note.record, Note)
    assert activity.log_note.record.body == "virtual meeting"
    assert activity.location is UNSET  # an address object: kept verbatim in the memo
    assert record_to_rpc(activity)["location"]["timezone"] == "America/Chicago"
    assert record_to_rpc(activity)["participants"][0]["emails"] == [None]


def test_overdue_activity_and_null_logged_by() -> None:
    activities = value_from_rpc(result_of("biguscj7/findActivitiesNonStub.json"))
    assert {a.status for a in activities} == {ActivityStatus.OVERDUE}
    assert all(a.logged_by is None for a in activities)
    stubs = value_from_rpc(result_of("biguscj7/findActivitiesStub.json"))
    assert all(a.stub is True and a.log_note is None for a in stubs)


def test_reference_data_records() -> None:
    stagesets = value_from_rpc(result_of("biguscj7/findStagesets.json"))
    assert [(s.id, s.is_default, s.position) for s in stagesets][:2] == [
        (71, True, 1),
        (75, False, 4),
    ]
    assert stagesets[0].rev is UNSET
    milestones = value_from_rpc(result_of("biguscj7/findMilestones.json"))
    assert milestones[0] == Stage(
        id=327,
        rev="1",
        name="New lead / referral",
        position=1,
        stageset=Ref(entity="Stageset", id=71),
    )
    users = value_from_rpc(result_of("biguscj7/findUsers.json"))
    assert users[1].emails == ("djohnson@mail.com",) and users[1].is_administrator is False
    products = value_from_rpc(result_of("hull/api_findproducts.json"))
    assert products[0] == Product(
        stub=True,
        id=4,
        rev="1",
        name="Feasibility Study",
        modified_time=datetime(2018, 1, 11, 15, 45, 26, tzinfo=UTC),
        created_time=datetime(2018, 1, 11, 15, 45, 26, tzinfo=UTC),
    )
    [market] = value_from_rpc(result_of("hull/api_findmarkets.json"))
    assert market == Market(stub=True, id=1, rev="0", name="U.S.")


def test_timeline_reads_emails_with_their_linked_records() -> None:
    timeline = value_from_rpc(result_of("hull/api_findtimeline.json"))
    email = timeline[0]
    assert isinstance(email, EmailMessage)
    assert (email.id, email.subject, email.body) == (
        19,
        "Second email test subject",
        "Second email test body",
    )
    assert email.rev is UNSET and email.modified_time is UNSET  # emails carry neither
    assert email.sent_time == datetime(2017, 12, 18, 11, 39, 56, tzinfo=UTC)
    contacts = email.contacts
    assert isinstance(contacts, tuple)
    assert [type(c.record) for c in contacts] == [Contact, Contact]
    assert contacts[0].record is not None and contacts[0].name == "Michal Raczka"
    assert contacts[0].record.person_name is UNSET  # type: ignore[attr-defined]
    [lead] = email.leads  # type: ignore[misc]
    assert isinstance(lead.record, Lead) and lead.name == "Lead\u20131001"
    assert lead.record.value is None
    assert email.to == (
        Correspondent(
            address="bar@baz.com",
            display="Michal Raczka",
            entity=Ref(entity="Contact", id=11),
        ),
    )
    assert email.from_ == (
        Correspondent(address="foo@bar.com", display="Michal", entity=Ref(entity="User", id=1)),
    )
    assert email.cc == ()
    # The id of a linked entity is a string on the wire, and stays one.
    assert record_to_rpc(email)["to"][0]["entity"] == {"entityType": "Contacts", "id": "11"}
    note = timeline[-1]
    assert isinstance(note, Note)
    assert note.parent == Ref(entity="Contact", id=71, name="Michal Raczka")
    assert note.date == datetime(2017, 12, 18, 11, 23, 8, tzinfo=UTC)


def test_search_by_email_map_stays_a_map() -> None:
    assert value_from_rpc(result_of("hull/api_searchbyemail_empty.json")) == {
        "contacts": [],
        "accounts": [],
    }


# -- times --------------------------------------------------------------------------------------

COLON_NOTE = {
    "id": 3,
    "entityType": "Notes",
    "rev": "0",
    "note": "hello",
    "date": "2017-07-07T09:17:00-05:00",
}


def test_colon_offsets_are_aware_and_kept_exactly() -> None:
    note = record_from_rpc(COLON_NOTE, Note)
    assert note.date == datetime(2017, 7, 7, 14, 17, tzinfo=UTC)
    assert isinstance(note.date, datetime) and note.date.utcoffset() == timedelta(hours=-5)
    assert dumps(record_to_rpc(note)) == dumps(COLON_NOTE)
    # unrelated edits keep the spelling; editing the time renders it anew
    assert record_to_rpc(attrs.evolve(note, body="bye"))["date"] == "2017-07-07T09:17:00-05:00"
    moved = attrs.evolve(note, date=datetime(2018, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert record_to_rpc(moved)["date"] == "2018-01-02T03:04:05+0000"


def test_null_times_are_none() -> None:
    lead = record_from_rpc({"id": 1, "entityType": "Leads", "dueTime": None}, Lead)
    assert lead.due_time is None and lead.closed_time is UNSET


# -- edits and records built by hand ------------------------------------------------------------


def test_edited_record_renders_new_values_not_stale_originals() -> None:
    raw = result_of("hull/api_lead_get.json")
    lead = record_from_rpc(raw, Lead)
    edited = attrs.evolve(
        lead,
        status=LeadStatus.LOST,
        value=Money(amount=Decimal("10.50"), currency="EUR"),
        owner=Ref(entity="User", id=3),
        tags=(Ref(entity="Tag", name="Lost"),),
    )
    out = record_to_rpc(edited)
    assert out["status"] == 11
    assert out["value"] == {"currency": "EUR", "amount": 10.5}
    assert out["assignee"] == {"id": 3, "entityType": "Users"}
    assert out["tags"] == ["Lost"]
    assert list(out) == list(raw)  # the memo's key order and extra keys survive the edit
    assert out["processes"] == raw["processes"]
    assert out["creator"] == raw["creator"]


def test_edited_contact_multi_values_and_name() -> None:
    contact = record_from_rpc(result_of("hull/api_contact_edit.json"), Contact)
    edited = attrs.evolve(
        contact,
        phones=(Phone(value="555-0100", label="mobile", is_primary=True),),
        name="Andrew Fowler",
    )
    out = record_to_rpc(edited)
    assert out["phone"] == {"mobile": "555-0100", "--primary": "555-0100"}
    assert out["name"] == "Andrew Fowler"
    assert out["email"] == {"1": "test1@hull.io", "--primary": "test1@hull.io"}


def test_edited_activity_location_replaces_the_address_object() -> None:
    activity = record_from_rpc(result_of("hull/api_activity_virtual_meeting.json"), Activity)
    assert record_to_rpc(attrs.evolve(activity, location="Room 1"))["location"] == "Room 1"


def test_record_built_from_scratch_renders_without_a_memo() -> None:
    lead = Lead(
        id=5,
        name="Lead\u20135",
        status=LeadStatus.OPEN,
        value=Money(amount=Decimal("12.5"), currency="USD"),
        owner=Ref(entity="User", id=1, name="Charles Berry"),
        stage=Ref(entity="Stage", id=9),
        outcome=Ref(entity="Outcome", id=2, name="Lost"),
        contacts=(Ref(entity="Contact", id=7, relationship="Buyer"),),
        tags=(Ref(entity="Tag", name="new"),),
        due_time=datetime(2024, 5, 31, 15, 51, tzinfo=UTC),
    )
    assert lead.memo is None
    assert record_to_rpc(lead) == {
        "id": 5,
        "entityType": "Leads",
        "name": "Lead\u20135",
        "milestone": {"id": 9, "entityType": "Milestones"},
        "status": 0,
        "assignee": {"id": 1, "entityType": "Users", "name": "Charles Berry"},
        "contacts": [{"id": 7, "entityType": "Contacts", "relationship": "Buyer"}],
        "tags": ["new"],
        "dueTime": "2024-05-31T15:51:00+0000",
        "outcome": {"id": 2, "entityType": "Lead_Outcomes", "description": "Lost"},
        "value": {"currency": "USD", "amount": 12.5},
    }
    assert record_from_rpc(record_to_rpc(lead)) == lead
    contact = Contact(
        name="Ann Lee",
        emails=(Email(value="a@x.com"), Email(value="b@x.com", is_primary=True)),
        addresses=(Address(label="office", city="Ann Arbor", latitude=42.3, longitude=-83.7),),
    )
    assert record_to_rpc(contact) == {
        "entityType": "Contacts",
        "name": "Ann Lee",
        "email": {"0": "a@x.com", "1": "b@x.com", "--primary": "b@x.com"},
        "address": {
            "office": {"location": {"longitude": -83.7, "latitude": 42.3}, "city": "Ann Arbor"}
        },
    }


def test_unset_and_none_stay_distinct() -> None:
    lead = Lead(id=5, description=None, primary_account=None, value=None)
    out = record_to_rpc(lead)
    assert out == {
        "id": 5,
        "entityType": "Leads",
        "description": None,
        "primaryAccount": None,
        "value": None,
    }
    back = record_from_rpc(out, Lead)
    assert back == lead
    assert back.description is None and back.confidence is UNSET and back.market is UNSET
    raw = {"id": 1, "entityType": "Leads", "primaryAccount": None, "tags": []}
    read = record_from_rpc(raw, Lead)
    assert read.primary_account is None and read.tags == () and read.market is UNSET
    assert record_to_rpc(read) == raw


def test_money_keeps_its_json_number_type() -> None:
    for amount, decimal in (
        (9200, Decimal(9200)),
        (9200.0, Decimal("9200.0")),
        (0.1, Decimal("0.1")),
    ):
        raw = {"id": 1, "entityType": "Leads", "value": {"currency": "USD", "amount": amount}}
        lead = record_from_rpc(raw, Lead)
        assert isinstance(lead.value, Money) and lead.value.amount == decimal
        assert dumps(record_to_rpc(lead)) == dumps(raw)


def test_unknown_keys_and_odd_spellings_are_kept() -> None:
    raw = {
        "id": "12",
        "entityType": "Contacts",
        "rev": 3,
        "name": {"givenName": "A", "familyName": "B", "middleName": "C", "displayName": "A B"},
        "phone": {
            "--primary": {"number": "555", "isOptedOut": False},
            "work": {"number": "555", "isOptedOut": False},
        },
        "address": {"home": {"name": "", "city": "X", "location": None}, "--primary": None},
        "brandNew": {"nested": [1, 2.0, True]},
    }
    contact = record_from_rpc(raw, Contact)
    assert contact.id == 12 and contact.rev == "3"
    assert contact.person_name == PersonName(given="A", family="B", display="A B")
    assert contact.phones == (Phone(label="work", number="555", is_primary=True),)
    assert contact.addresses == (Address(label="home", city="X"),)
    assert contact.extra == {"brandNew": {"nested": [1, 2.0, True]}}
    assert dumps(record_to_rpc(contact)) == dumps(raw)


def test_phone_objects_read_as_parsed_fields() -> None:
    raw = {
        "entityType": "Accounts",
        "phone": {
            "work": {
                "countryCode": "1",
                "number": "7175550480",
                "extension": None,
                "numberFormatted": "(717) 555-0480",
                "E164": "+17175550480",
            },
            "--primary": {
                "countryCode": "1",
                "number": "7175550480",
                "extension": None,
                "numberFormatted": "(717) 555-0480",
                "E164": "+17175550480",
            },
        },
    }
    account = record_from_rpc(raw, Account)
    assert account.phones == (
        Phone(
            label="work",
            is_primary=True,
            country_code="1",
            number="7175550480",
            extension=None,
            formatted="(717) 555-0480",
            e164="+17175550480",
        ),
    )
    assert dumps(record_to_rpc(account)) == dumps(raw)


# -- malformed input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cls", "path"),
    [
        ({"id": "abc", "entityType": "Leads"}, Lead, "$.id"),
        ({"id": 1, "entityType": "Leads", "status": 99}, Lead, "$.status"),
        ({"id": 1, "entityType": "Activities", "startTime": "not a time"}, Activity, "$.startTime"),
        ({"id": 1, "entityType": "Activities", "status": 7}, Activity, "$.status"),
        ({"id": True, "entityType": "Leads"}, Lead, "$.id"),
        ({"id": 1, "entityType": "Leads", "confidence": 85.0}, Lead, "$.confidence"),
        ({"id": 1, "entityType": "Leads", "isOverdue": 1}, Lead, "$.isOverdue"),
        ({"id": 1, "entityType": "Leads", "value": {"amount": "lots"}}, Lead, "$.value"),
        ({"id": 1, "entityType": "Leads", "value": [9200]}, Lead, "$.value"),
        ({"id": 1, "entityType": "Leads", "tags": [{"name": "x"}]}, Lead, "$.tags"),
        ({"id": 1, "entityType": "Leads", "creator": "Charles"}, Lead, "$.creator"),
        ({"id": 1, "entityType": "Leads", "contacts": [{"id": "abc"}]}, Lead, "$.contacts[0].id"),
        ({"id": 1, "entityType": "Leads", "contacts": [7]}, Lead, "$.contacts[0]"),
        (
            {"id": 1, "entityType": "Leads", "milestone": {"id": 1, "modifiedTime": 5}},
            Lead,
            "$.milestone.modifiedTime",
        ),
        ({"id": 1, "entityType": "Contacts", "email": {"0": 5}}, Contact, "$.email"),
        ({"id": 1, "entityType": "Contacts", "name": {"givenName": []}}, Contact, "$.name"),
        ({"id": 1, "entityType": "Stagesets", "default": True}, Stageset, "$.default"),
        (
            {"id": 1, "entityType": "Notes", "lead": {"entityType": "Contacts", "id": 2}},
            Note,
            "$.lead",
        ),
        ({"id": 1, "entityType": "Notes", "lead": {"id": 1}, "account": {"id": 2}}, Note, "$"),
        ({"id": 1, "entityType": "Contacts"}, Lead, "$.entityType"),
        ({"id": 1, "entityType": "Leads", "customFields": "x"}, Lead, "$.customFields"),
    ],
)
def test_malformed_input_raises_with_the_path(
    raw: dict[str, Any], cls: type[Record], path: str
) -> None:
    with pytest.raises(MalformedResponseError) as info:
        record_from_rpc(raw, cls)
    assert f"@ {path}" in str(info.value)


def test_nested_errors_name_the_full_path() -> None:
    raw = {
        "id": 1,
        "entityType": "Activities",
        "logNote": {"entityType": "Notes", "user": {"entityType": "Users", "id": "x"}},
    }
    with pytest.raises(MalformedResponseError, match=r"@ \$\.logNote\.user\.id"):
        record_from_rpc(raw)
    good = {"id": 1, "entityType": "Leads", "status": 0}
    with pytest.raises(MalformedResponseError, match=r"@ \$\.leads\[1\]\.status"):
        value_from_rpc({"leads": [good, {**good, "status": 99}]})
    with pytest.raises(MalformedResponseError, match=r"@ \$\[0\]\.id"):
        value_from_rpc([{"entityType": "Teams", "id": "abc"}])


@pytest.mark.parametrize("raw", [[1, 2], "Leads", None, {"entityType": "Files"}, {"id": 1}])
def test_record_from_rpc_without_a_known_type_is_malformed(raw: Any) -> None:
    with pytest.raises(MalformedResponseError):
        record_from_rpc(raw)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
WIRE_KEYS = [
    "id", "rev", "stub", "name", "status", "value", "email", "phone", "url", "address",
    "createdTime", "dueTime", "assignee", "contacts", "tags", "customFields", "milestone",
    "stagesetId", "default", "emails", "type", "location", "logNote", "lead", "contact",
    "participants", "isOverdue", "confidence", "description", "outcome", "price", "quantity",
]  # fmt: skip
RPC_TYPES = ["Leads", "Contacts", "Accounts", "Activities", "Notes", "Products", "Stagesets",
             "Milestones", "Lead_Outcomes", "Users", "Teams", "Tasks"]  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(RPC_TYPES),
    st.dictionaries(st.sampled_from(WIRE_KEYS), JSON, max_size=6),
)
def test_any_json_either_round_trips_or_is_malformed(rpc_type: str, fields: dict[str, Any]) -> None:
    raw = {"entityType": rpc_type, **fields}
    try:
        value = value_from_rpc(raw)
    except MalformedResponseError:
        return
    assert isinstance(value, Record)
    assert value_to_rpc(value) == raw


# -- property: records survive record -> RPC -> record -----------------------------------------

TEXT = st.text(max_size=12)
OPT_TEXT = st.none() | TEXT
LABEL = st.text(min_size=1, max_size=6).filter(lambda s: s != "--primary")
TZ = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
TIMES = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=TZ)
AMOUNTS = (
    st.none()
    | st.integers(-(10**12), 10**12).map(Decimal)
    | st.decimals(-(10**9), 10**9, places=2, allow_nan=False, allow_infinity=False)
)
MONEY = st.builds(Money, amount=AMOUNTS, currency=st.just(UNSET) | TEXT)
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=5)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.just(UNSET) | strategy


def refs_to(*entities: str, relationship: bool = False) -> st.SearchStrategy[Ref]:
    """Links as the RPC API can carry them (a note has no name to link by)."""
    return st.builds(
        Ref,
        entity=st.sampled_from(entities),
        id=st.integers(1, 10**9),
        name=st.just(UNSET) if entities == ("Note",) else maybe(OPT_TEXT),
        relationship=maybe(OPT_TEXT) if relationship else st.just(UNSET),
    )


def ref_lists(*entities: str, relationship: bool = False) -> st.SearchStrategy[Any]:
    return maybe(st.lists(refs_to(*entities, relationship=relationship), max_size=3).map(tuple))


TAGS = maybe(st.lists(st.builds(Ref, entity=st.just("Tag"), name=TEXT), max_size=3).map(tuple))


@st.composite
def labelled(draw: st.DrawFn, item: st.SearchStrategy[Any]) -> tuple[Any, ...]:
    """Items with unique labels and renderings; at most one primary."""
    render = default_converter().unstructure
    items: list[Any] = draw(
        st.lists(
            item,
            max_size=3,
            unique_by=(lambda i: i.label, lambda i: json.dumps(render(i), sort_keys=True)),
        )
    )
    with_primary = draw(st.booleans())
    if items and with_primary:
        index = draw(st.integers(0, len(items) - 1))
        items[index] = attrs.evolve(items[index], is_primary=True)
    return tuple(items)


PHONES = st.builds(Phone, value=TEXT, label=LABEL) | st.builds(
    Phone,
    label=LABEL,
    country_code=maybe(OPT_TEXT),
    number=maybe(OPT_TEXT),
    extension=maybe(OPT_TEXT),
    formatted=maybe(OPT_TEXT),
    e164=maybe(OPT_TEXT),
)
COORD = maybe(st.none() | st.floats(-180, 180))
ADDRESSES = st.builds(
    Address,
    label=LABEL,
    address_1=maybe(OPT_TEXT),
    city=maybe(OPT_TEXT),
    postal_code=maybe(OPT_TEXT),
    country=maybe(OPT_TEXT),
    timezone=maybe(OPT_TEXT),
    latitude=COORD,
    longitude=COORD,
    location_accuracy=maybe(OPT_TEXT),
)
COMMON = {
    "id": maybe(st.integers(-(2**53), 2**53)),
    "rev": maybe(TEXT),
    "stub": maybe(st.booleans()),
    "created_time": maybe(st.none() | TIMES),
    "modified_time": maybe(st.none() | TIMES),
    "deleted_time": maybe(st.none() | TIMES),
}
CUSTOM = maybe(st.dictionaries(TEXT, JSON_SCALARS, max_size=3))

LEADS = st.builds(
    Lead,
    **COMMON,
    name=maybe(OPT_TEXT),
    description=maybe(OPT_TEXT),
    status=maybe(st.sampled_from(LeadStatus)),
    confidence=maybe(st.none() | st.integers(0, 100)),
    completion=maybe(st.none() | st.integers(0, 100)),
    priority=maybe(st.none() | st.integers(0, 1)),
    is_overdue=maybe(st.none() | st.booleans()),
    value=maybe(st.none() | MONEY),
    due_time=maybe(st.none() | TIMES),
    closed_time=maybe(st.none() | TIMES),
    last_contacted_time=maybe(st.none() | TIMES),
    html_url=maybe(OPT_TEXT),
    creator=maybe(st.none() | refs_to("User")),
    owner=maybe(st.none() | refs_to("User", "Team")),
    primary_account=maybe(st.none() | refs_to("Account", relationship=True)),
    accounts=ref_lists("Account", relationship=True),
    contacts=ref_lists("Contact", relationship=True),
    products=ref_lists("Product", relationship=True),
    sources=ref_lists("Source"),
    competitors=ref_lists("Competitor", relationship=True),
    tags=TAGS,
    notes=ref_lists("Note"),
    stage=maybe(st.none() | refs_to("Stage")),
    stageset=maybe(st.none() | refs_to("Stageset")),
    outcome=maybe(st.none() | refs_to("Outcome")),
    market=maybe(st.none() | refs_to("Market")),
    territory=maybe(st.none() | refs_to("Territory")),
    custom_fields=CUSTOM,
)


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    """Contacts whose name is a plain string, or parts with ``name`` equal to the display."""
    if draw(st.booleans()):
        person = draw(
            st.builds(
                PersonName,
                given=maybe(OPT_TEXT),
                family=maybe(OPT_TEXT),
                salutation=maybe(OPT_TEXT),
                display=maybe(OPT_TEXT),
            )
        )
        names: dict[str, Any] = {"person_name": person, "name": person.display}
    else:
        names = {"name": draw(maybe(OPT_TEXT))}
    contact: Contact = draw(
        st.builds(
            Contact,
            **COMMON,
            **{key: st.just(value) for key, value in names.items()},
            description=maybe(OPT_TEXT),
            job_title=maybe(OPT_TEXT),
            emails=maybe(labelled(st.builds(Email, value=TEXT, label=LABEL))),
            phones=maybe(labelled(PHONES)),
            urls=maybe(labelled(st.builds(Url, value=TEXT, label=LABEL))),
            addresses=maybe(labelled(ADDRESSES)),
            html_url=maybe(OPT_TEXT),
            avatar_url=maybe(OPT_TEXT),
            creator=maybe(st.none() | refs_to("User")),
            owner=maybe(st.none() | refs_to("User", "Team")),
            leads=ref_lists("Lead", relationship=True),
            accounts=ref_lists("Account", relationship=True),
            tags=TAGS,
            notes=ref_lists("Note"),
            territory=maybe(st.none() | refs_to("Territory")),
            last_contacted_time=maybe(st.none() | TIMES),
            custom_fields=CUSTOM,
        )
    )
    return contact


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(LEADS, contacts()))
def test_records_survive_rpc_and_json(record: Lead | Contact) -> None:
    rendered = record_to_rpc(record)
    assert record_from_rpc(rendered, type(record)) == record
    through_json = json.loads(json.dumps(rendered))
    back = record_from_rpc(through_json)
    assert back == record
    assert dumps(record_to_rpc(back)) == dumps(rendered)


# -- the converter ------------------------------------------------------------------------------


def test_each_factory_call_builds_a_fresh_converter_and_the_default_is_cached() -> None:
    assert make_rpc_converter() is not make_rpc_converter()
    assert default_converter() is default_converter()


def test_converter_hooks_cover_records_and_value_objects() -> None:
    conv = make_rpc_converter()
    raw = result_of("hull/api_lead_new.json")
    lead = conv.structure(raw, Lead)
    assert lead.name == "Lead\u20131557" and lead.primary_account is None
    assert conv.unstructure(lead) == raw
    assert conv.structure({"currency": "USD", "amount": 1.5}, Money) == Money(
        amount=Decimal("1.5"), currency="USD"
    )
    assert conv.unstructure(PersonName(given="A", display="A")) == {
        "givenName": "A",
        "displayName": "A",
    }
    assert conv.unstructure(Phone(value="555")) == "555"
    assert conv.unstructure(datetime(2020, 1, 2, tzinfo=UTC)) == "2020-01-02T00:00:00+0000"


def test_a_hook_replaced_on_one_converter_applies_to_nested_values() -> None:
    conv = make_rpc_converter()
    conv.register_unstructure_hook(Money, lambda m: {"amount": str(m.amount)})
    lead = Lead(value=Money(amount=Decimal("2.50"), currency="USD"))
    assert record_to_rpc(lead, converter=conv)["value"] == {"amount": "2.50"}
    assert record_to_rpc(lead)["value"] == {"currency": "USD", "amount": 2.5}


def test_product_stubs_read_as_product_or_product_map() -> None:
    raw = result_of("hull/api_lead_get.json")["products"][0]
    assert isinstance(record_from_rpc(raw), Product)
    product_map = record_from_rpc(raw, ProductMap)
    assert product_map.quantity == 1
    assert product_map.price == Money(amount=Decimal(2500), currency="USD")
    assert record_to_rpc(product_map) == raw


def test_only_concrete_record_classes_are_rendered() -> None:
    with pytest.raises(UsageError):
        record_to_rpc(Record(id=1))


# -- inputs for new* / edit* --------------------------------------------------------------------


def test_partial_lead_input_sends_only_set_fields_as_ids() -> None:
    lead = Lead(
        status=LeadStatus.WON,
        primary_account=Ref(entity="Account", id=3),
        contacts=(Ref(entity="Contact", id=7, relationship="CEO"), Ref(entity="Contact", id=8)),
        products=(Ref(entity="Product", id=4),),
        owner=Ref(entity="Team", id=59),
        stage=Ref(entity="Stage", id=9),
        stageset=Ref(entity="Stageset", id=71),
        outcome=Ref(entity="Outcome", id=1),
        market=None,
        tags=(Ref(entity="Tag", name="vip"),),
        due_time=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        custom_fields={"Budget": {"currency": "USD", "amount": 5}},
    )
    assert record_to_rpc_input(lead) == {
        "status": 10,
        "dueTime": "2024-01-02T03:04:05+0000",
        "primaryAccount": {"id": 3},
        "contacts": [
            {"entityType": "Contacts", "id": 7, "relationship": "CEO"},
            {"entityType": "Contacts", "id": 8},
        ],
        "products": [{"id": 4}],
        "market": None,
        "assignee": {"entityType": "Teams", "id": 59},
        "milestoneId": 9,
        "stagesetId": 71,
        "outcome": {"id": 1},
        "tags": ["vip"],
        "customFields": {"Budget": {"currency": "USD", "amount": 5}},
    }
    assert record_to_rpc_input(Lead()) == {}
    assert record_to_rpc_input(Lead(description="new")) == {"description": "new"}


def test_input_from_a_read_lead_leaves_out_server_owned_fields() -> None:
    lead = record_from_rpc(result_of("hull/api_lead_get.json"), Lead)
    sent = record_to_rpc_input(lead)
    assert not {"id", "rev", "createdTime", "htmlUrl", "creator", "completion", "name"} & set(sent)
    assert sent["assignee"] == {"entityType": "Users", "id": 1}
    assert sent["milestoneId"] == 9
    assert sent["products"][0] == {
        "id": 1,
        "relationship": None,
        "quantity": 1,
        "price": {"amount": 2500, "currency": "USD"},
    }
    assert sent["closedTime"] == "2016-12-16T08:43:00+0000"
    json.dumps(sent)


def test_contact_input_uses_a_single_name_and_label_maps() -> None:
    contact = record_from_rpc(result_of("hull/api_contact_edit.json"), Contact)
    sent = record_to_rpc_input(contact)
    assert sent["name"] == "Andy Fowler"
    assert sent["phone"] == {
        "work": "717-555-0480",
        "home": "+216 717-555-6633",
        "cell": "877-555-5001",
    }
    assert sent["email"] == {"1": "test1@hull.io"}
    built = Contact(
        person_name=PersonName(given="Ann", family="Lee"),
        emails=(Email(value="a@x.com"), Email(value="b@x.com", is_primary=True)),
        addresses=(Address(label="office", address_1="1 Main St", city="X", latitude=1.0),),
        owner=Ref(entity="User", id=2),
        accounts=(Ref(entity="Account", id=3, relationship="CTO"),),
    )
    assert record_to_rpc_input(built) == {
        "name": "Ann Lee",
        "email": ["b@x.com", "a@x.com"],
        "address": {"office": {"address_1": "1 Main St", "city": "X"}},
        "owner": {"entityType": "Users", "id": 2},
        "accounts": [{"id": 3, "relationship": "CTO"}],
    }


def test_other_inputs() -> None:
    activity = Activity(
        name="Call",
        activity_type=Ref(entity="ActivityType", id=1),
        status=ActivityStatus.LOGGED,
        start_time=datetime(2024, 1, 1, tzinfo=UTC),
        participants=(Ref(entity="Contact", id=7), Ref(entity="User", id=1)),
        leads=(Ref(entity="Lead", id=3),),
    )
    assert record_to_rpc_input(activity) == {
        "name": "Call",
        "activityTypeId": 1,
        "startTime": "2024-01-01T00:00:00+0000",
        "status": 1,
        "participants": [{"entityType": "Contacts", "id": 7}, {"entityType": "Users", "id": 1}],
        "leads": [{"id": 3}],
    }
    assert record_to_rpc_input(Tag(name="vip", applies_to="Lead")) == {
        "name": "vip",
        "entityType": "Leads",
    }
    assert record_to_rpc_input(Source(name="Web")) == {"name": "Web"}
    assert record_to_rpc_input(Product(name="Kit", product_type="service")) == {
        "name": "Kit",
        "type": "1",
    }
    assert record_to_rpc_input(Note(body="hi", id=4)) == {"note": "hi"}
    assert record_to_rpc_input(Account(name="Acme", industry=Ref(entity="Industry", id=2))) == {
        "name": "Acme",
        "industryId": 2,
    }


def test_inputs_refuse_links_without_ids_and_unknown_classes() -> None:
    with pytest.raises(UsageError, match="Account"):
        record_to_rpc_input(Lead(primary_account=Ref(entity="Account", name="Acme")))
    with pytest.raises(UsageError):
        record_to_rpc_input(Record(id=1))
