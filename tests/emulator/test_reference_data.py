"""Set-up data and reports on both fronts: custom fields, audiences, teams, analytics reports.

The legacy shapes are measured against what real traffic shows: the recorded Effort report
(``biguscj7/analyticsReportQuotes.json``) key for key, type for type and, for equivalent data,
value for value; the HULL connector's ``findCustomFields`` example (its mock of the API, whose
``Application`` field matches its recorded lead); the recorded team stubs. REST shapes follow
the OpenAPI document (``test_rest_schemas.py`` validates every one). Both fronts share one
store, so what one API writes the other reads at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from nutshell_core.errors import InvalidRequestError
from nutshell_core.model import (
    Activity,
    ActivityStatus,
    ActivityType,
    CustomField,
    Lead,
    LeadStatus,
    Money,
    Outcome,
    Ref,
    Team,
    User,
)
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator, rules
from nutshell_rpc import NutshellAPI
from tests.emulator.shapes import shape_diff

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ENDPOINT = "https://app.nutshell.com/api/v1/json"
BASE = "https://app.nutshell.com/rest"

#: The recording's "Today": its period is "between Mar 25, 2024 and Today", four days.
NOW = datetime(2024, 3, 28, 15, 0, tzinfo=timezone.utc)

#: The HULL connector's findCustomFields example (test/integration/fields-lead.e2e.spec.js in
#: hull-ships/hull-nutshell), a mock of the API written from its answers: the lead field
#: "Application" and its value match the recorded lead (hull/api_lead_get.json).
HULL_FIELDS: dict[str, Any] = {
    "Accounts": [],
    "Contacts": [],
    "Leads": [
        {
            "name": "Application",
            "isMultiple": False,
            "position": 6,
            "type": "Enum",
            "enumElements": {
                "3": "Commercial & Resedential",
                "1": "Heavy duty & Hazardous",
                "2": "Large-Scale Utility",
                "4": "Recreational & Custom",
            },
        }
    ],
}


class World:
    """An emulator on a hand-moved clock, mounted, with a JSON-RPC client and a REST session."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.now = NOW
        self.emulator = Emulator(clock=lambda: self.now)
        self.emulator.mount(mock)
        self.store = self.emulator.store
        self.user = self.store.all(User)[0]
        self.rpc = NutshellAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT)
        self.http = requests.Session()
        self.http.auth = (DEFAULT_EMAIL, DEFAULT_API_KEY)

    def rest(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        reply = self.http.request(method, BASE + path, json=body, timeout=5)
        assert reply.status_code == status, (method, path, reply.status_code, reply.text[:300])
        return reply.json() if reply.content else None

    def rest_error(self, method: str, path: str, body: Any = None) -> str:
        """The title and detail of a 400 errors envelope."""
        answer = self.rest(method, path, body, status=400)
        (item,) = answer["errors"]
        assert item["status"] == "400"
        return f"{item['title']}: {item['detail']}"

    def rpc_error(self, method: str, *args: Any, **kwargs: Any) -> str:
        with pytest.raises(InvalidRequestError) as caught:
            self.rpc.call(method, *args, **kwargs)
        assert caught.value.code == -32602
        return caught.value.message


@pytest.fixture
def world() -> Iterator[World]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        w = World(mock)
        yield w
        w.rpc.close()
        w.emulator.close()


def _id(record: Any) -> int:
    assert isinstance(record.id, int)
    return record.id


# -- custom fields ------------------------------------------------------------------------------


def test_legacy_definitions_have_the_hull_shape_key_for_key(world: World) -> None:
    choices = {"1": "Heavy duty & Hazardous", "2": "Large-Scale Utility"}
    choices |= {"3": "Commercial & Resedential", "4": "Recreational & Custom"}
    world.store.insert(
        CustomField(name="Application", title="Application", field_type="enum",
                    applies_to="Lead", is_multiple=False, position=6, choices=choices)
    )  # fmt: skip
    fields = world.rpc.call("findCustomFields")
    assert fields["Leads"] == HULL_FIELDS["Leads"]  # the same data gives the same answer
    assert list(fields["Leads"][0]) == list(HULL_FIELDS["Leads"][0])  # in the same order
    assert list(fields["Leads"][0]["enumElements"]) == ["3", "1", "2", "4"]  # by label
    # The two HULL mocks list the three types in different orders: order carries no meaning.
    assert shape_diff(HULL_FIELDS, fields, order=False) == []
    assert world.rpc.call("describeCustomFields") == fields


def test_definitions_made_over_rest_are_listed_over_rpc(world: World) -> None:
    enum = {"name": "Region", "type": "enum", "choices": ["West", "East"], "isMultiple": True}
    assert world.rest("POST", "/leads/customfield", {**enum, "title": "Sales region"}) is None
    world.rest("POST", "/leads/customfield", {"name": "Budget", "type": "currency"})
    world.rest("POST", "/contacts/customfield", {"name": "Birthday", "type": "date"})
    world.rest("POST", "/accounts/customfield", {"name": "Employees", "type": "NUMBER"})
    listed = world.rest("GET", "/leads/customfields/attributes")["customFields"]
    assert listed == [
        {"id": listed[0]["id"], "type": "customFields", "name": "Region", "title": "Sales region",
         "fieldType": "enum", "isMultiple": True, "choices": ["West", "East"]},
        {"id": listed[1]["id"], "type": "customFields", "name": "Budget", "title": "Budget",
         "fieldType": "currency", "isMultiple": False, "choices": []},
    ]  # fmt: skip
    assert [f["id"].endswith("-customFields") for f in listed] == [True, True]
    assert world.rpc.call("findCustomFields") == {
        "Leads": [
            {"name": "Region", "isMultiple": True, "position": 1, "type": "Enum",
             "enumElements": {"2": "East", "1": "West"}},
            {"name": "Budget", "isMultiple": False, "position": 2, "type": "Currency"},
        ],
        "Contacts": [{"name": "Birthday", "isMultiple": False, "position": 1, "type": "Date"}],
        "Accounts": [{"name": "Employees", "isMultiple": False, "position": 1, "type": "Number"}],
    }  # fmt: skip
    stored = world.store.all(CustomField)
    assert {f.applies_to for f in stored} == {"Lead", "Contact", "Account"}


@pytest.mark.parametrize(
    ("path", "body", "problem"),
    [
        ("/leads/customfield", {"type": "text"}, "name and type are required"),
        ("/leads/customfield", {"name": "X"}, "name and type are required"),
        ("/leads/customfield", {"name": " ", "type": "text"}, "non-empty string"),
        ("/leads/customfield", {"name": "X", "type": "colour"}, "unknown type 'colour'"),
        ("/contacts/customfield", {"name": "X", "type": "phone"}, "apply to leads only"),
        ("/accounts/customfield", {"name": "X", "type": "url"}, "apply to leads only"),
        ("/leads/customfield", {"name": "X", "type": "text", "choices": ["a"]}, "only enum"),
        ("/leads/customfield", {"name": "X", "type": "enum", "choices": [1]}, "list of strings"),
        ("/leads/customfield", {"name": "X", "type": "enum", "isMultiple": "yes"}, "true or"),
        ("/leads/customfield", {"name": "taken", "type": "text"}, "already exists"),
        ("/leads/customfield", [1], "expected a JSON object"),
    ],
)
def test_a_bad_definition_is_refused_and_stores_nothing(
    world: World, path: str, body: Any, problem: str
) -> None:
    world.rest("POST", "/leads/customfield", {"name": "Taken", "type": "text"})
    before = len(world.store.all(CustomField))
    assert problem in world.rest_error("POST", path, body)
    assert len(world.store.all(CustomField)) == before


def test_a_records_values_are_listed_per_defined_field(world: World) -> None:
    world.rest("POST", "/leads/customfield", {"name": "Budget", "type": "currency"})
    tags = {"name": "Tags", "type": "enum", "choices": ["a", "b"], "isMultiple": True}
    world.rest("POST", "/leads/customfield", tags)
    world.rest("POST", "/leads/customfield", {"name": "Unused", "type": "text"})
    values = {"Budget": {"currency": "USD", "amount": 5}, "Tags": ["a", "b"], "Stray": 1}
    lead = world.rpc.call("newLead", {"customFields": values})
    listed = world.rest("GET", f"/leads/{lead['id']}/customfields")["customFields"]
    budget, tags = world.rest("GET", "/leads/customfields/attributes")["customFields"][:2]
    # Only defined fields with a value, values as stored; "Stray" has no definition.
    assert listed == [
        {"id": budget["id"], "type": "customFields", "name": "Budget", "value": values["Budget"]},
        {"id": tags["id"], "type": "customFields", "name": "Tags", "value": ["a", "b"]},
    ]
    assert world.rpc.call("getLead", lead["id"])["customFields"] == {
        "Budget": {"currency": "USD", "amount": 5},
        "Tags": ["a", "b"],
        "Stray": 1,
    }
    reply = world.http.get(BASE + "/contacts/999/customfields", timeout=5)
    assert reply.status_code == 404


# -- audiences ----------------------------------------------------------------------------------


def test_audiences_are_one_list_on_both_fronts(world: World) -> None:
    created = world.rest("POST", "/audiences", {"emAudiences": [{"name": "Webinar"}]}, 201)
    (audience,) = created["emAudiences"]
    assert audience == {
        "id": audience["id"],
        "type": "emAudiences",
        "name": "Webinar",
        "isWebFX": False,
    }  # OAS's POST /audiences answer, key for key
    assert audience["id"].endswith("-emAudiences")
    world.rest("POST", "/audiences", {"emAudiences": [{"name": "Alumni"}]}, 201)
    listed = world.rest("GET", "/audiences")
    assert [a["name"] for a in listed["emAudiences"]] == ["Webinar", "Alumni"]
    assert listed["meta"]["total"] == 2
    stubs = world.rpc.call("findAudiences")
    assert [s["name"] for s in stubs] == ["Alumni", "Webinar"]  # orderBy name (find-std)
    assert [list(s) for s in stubs] == [["stub", "id", "rev", "entityType", "name"]] * 2
    assert {s["entityType"] for s in stubs} == {"Audiences"}
    by_id = world.rpc.call("findAudiences", orderBy="id", orderDirection="DESC", limit=1)
    assert [s["name"] for s in by_id] == ["Alumni"]


@pytest.mark.parametrize(
    "body",
    [{"emAudiences": [{}]}, {"emAudiences": [{"name": ""}]}, {"emAudiences": []}, {"name": "x"}],
)
def test_an_audience_needs_one_named_item(world: World, body: Any) -> None:
    world.rest_error("POST", "/audiences", body)
    assert world.rpc.call("findAudiences") == []


# -- teams --------------------------------------------------------------------------------------


def test_teams_over_rpc_and_their_links_over_rest(world: World) -> None:
    team = world.store.insert(Team(name="Blue AM"))
    user_id = _id(world.user)
    world.store.update(User, user_id, {"teams": (Ref(entity="Team", id=team.id),)})
    recorded = json.loads((FIXTURES / "rpc/biguscj7/findTeams.json").read_text("utf-8"))
    (stub,) = world.rpc.call("findTeams")
    assert list(stub) == list(recorded["result"][0])  # the recorded team stub, key for key
    full = world.rpc.call("getTeam", team.id)
    assert full["name"] == "Blue AM" and [u["id"] for u in full["users"]] == [user_id]
    found = world.rpc.call("searchUsersAndTeams", "blue")
    assert [(s["entityType"], s["id"]) for s in found] == [("Teams", team.id)]
    lead = world.rpc.call("newLead", {"assignee": {"entityType": "Teams", "id": team.id}})
    assert world.rpc.call("getLead", lead["id"])["assignee"] == stub
    # REST has no /teams: users link their teams by id, and a team's lead says so.
    assert world.rest("GET", f"/users/{user_id}")["users"][0]["links"]["teams"] == [
        f"{team.id}-teams"
    ]
    rest_lead = world.rest("GET", f"/leads/{lead['id']}")["leads"][0]
    assert (rest_lead["ownerType"], rest_lead["links"]["owner"]) == ("teams", f"{team.id}-teams")
    assert world.http.get(BASE + "/teams", timeout=5).status_code == 404


# -- the legacy Effort report -------------------------------------------------------------------


def _logged(world: World, day: datetime, count: int, **values: Any) -> None:
    for n in range(count):
        start = day.replace(hour=9 + n)
        world.store.insert(
            Activity(name="Call", status=ActivityStatus.LOGGED, start_time=start,
                     end_time=start + timedelta(minutes=20), **values)
        )  # fmt: skip


def _day(month: int, day: int) -> datetime:
    return datetime(2024, month, day, tzinfo=timezone.utc)


def _won_lead(world: World) -> Ref:
    lead = rules.new_lead(world.store, {"description": "won"}, world.user)
    outcome = next(o for o in world.store.all(Outcome) if o.status is LeadStatus.WON)
    rules.close_lead(world.store, _id(lead), _id(outcome), world.user)
    return Ref(entity="Lead", id=lead.id)


def test_the_effort_report_matches_the_recording_for_equivalent_data(world: World) -> None:
    won = _won_lead(world)
    for day, count, successful in ((25, 3, 1), (26, 1, 0), (27, 0, 0), (28, 2, 0)):
        _logged(world, _day(3, day), count - successful)
        _logged(world, _day(3, day), successful, leads=(won,))
    for day, count in ((21, 1), (22, 2), (24, 3)):  # the delta period: Mar 21 to Mar 24
        _logged(world, _day(3, day), count)
    _logged(world, _day(3, 20), 5)  # before both periods
    # Neither counted: not logged, or logged but not started in a period.
    world.store.insert(Activity(name="Later", status=ActivityStatus.SCHEDULED,
                                start_time=_day(3, 26), end_time=_day(3, 26)))  # fmt: skip
    report = world.rpc.call("getAnalyticsReport", "Effort", "-d4")
    recorded = json.loads((FIXTURES / "rpc/biguscj7/analyticsReportQuotes.json").read_text())
    assert shape_diff(recorded["result"], report) == []
    days = [int(_day(3, d).timestamp()) * 1000 for d in (25, 26, 27, 28)]
    assert report["seriesData"] == {
        "total_effort": [[days[0], "3"], [days[1], "1"], [days[2], "0"], [days[3], "2"]],
        "successful_effort": [[days[0], "1"], [days[1], "0"], [days[2], "0"], [days[3], "0"]],
    }
    assert report["summaryData"] == {
        "total_effort": {"sum": 6, "avg": 1.5, "min": "0", "max": "3",
                         "sum_delta": 6, "avg_delta": 1.5, "min_delta": "0", "max_delta": "3"},
        "successful_effort": {"sum": 1, "avg": 0.25, "min": "0", "max": "1",
                              "sum_delta": 0, "avg_delta": 0, "min_delta": "0", "max_delta": "0"},
    }  # fmt: skip
    # An average that divides evenly is an integer, as the recording's avg_delta 31 is.
    assert isinstance(report["summaryData"]["successful_effort"]["avg_delta"], int)
    assert report["periodDescription"] == recorded["result"]["periodDescription"]
    assert report["deltaPeriodDescription"] == recorded["result"]["deltaPeriodDescription"]


def test_effort_filters_narrow_by_user_team_and_activity_type(world: World) -> None:
    other = world.emulator.add_user("rep@example.com", "another-key-0000001", name="Rita Rep")
    team = world.store.insert(Team(name="Blue AM"))
    world.store.update(User, _id(other), {"teams": (Ref(entity="Team", id=team.id),)})
    call_type = world.store.all(ActivityType)[0]
    me, rita = Ref(entity="User", id=world.user.id), Ref(entity="User", id=other.id)
    kind = Ref(entity="ActivityType", id=call_type.id)
    _logged(world, _day(3, 27), 1, participants=(me,))
    _logged(world, _day(3, 27), 2, participants=(rita,), activity_type=kind)
    _logged(world, _day(3, 28), 1, logged_by=rita)

    def total(*filters: tuple[int, str]) -> int:
        wanted = [{"entityId": i, "entityName": name} for i, name in filters]
        report = world.rpc.call("getAnalyticsReport", "Effort", "-d2", wanted)
        return int(report["summaryData"]["total_effort"]["sum"])

    assert total() == 4
    assert total((_id(world.user), "Users")) == 1
    assert total((_id(other), "Users")) == 3  # as participant or as the one who logged it
    assert total((_id(world.user), "Users"), (_id(other), "Users")) == 4  # one kind: ORed
    assert total((_id(team), "Teams")) == 3  # a team stands for its members
    assert total((_id(call_type), "Activity_Types")) == 2
    assert total((_id(call_type), "Activity_Types"), (_id(world.user), "Users")) == 0  # ANDed


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("Pipeline", "-d30"), "reportType"),
        ((7, "-d30"), "reportType"),
        (("Effort", "-w2"), "period"),
        (("Effort", "-d0"), "period"),
        (("Effort", "-d99999"), "period"),
        (("Effort", "-d3", {"entityId": 1}), "filter"),
        (("Effort", "-d3", [{"entityId": 1, "entityName": "Leads"}]), "filter[0].entityName"),
        (("Effort", "-d3", [{"entityId": "x", "entityName": "Users"}]), "filter[0].entityId"),
        (("Effort", "-d3", None, "options"), "options"),
    ],
)
def test_effort_report_input_is_checked(world: World, args: tuple[Any, ...], field: str) -> None:
    assert world.rpc_error("getAnalyticsReport", *args).startswith(f"{field}:")


def test_effort_report_options_are_accepted(world: World) -> None:
    for options in (None, [], {}, [{"anything": 1}], {"compare": True}):
        report = world.rpc.call("getAnalyticsReport", "Effort", "-d1", None, options)
        assert report["seriesData"]["total_effort"] == [[int(_day(3, 28).timestamp()) * 1000, "0"]]


# -- REST lead reports --------------------------------------------------------------------------


def _lead(world: World, amount: int, *, owner: Ref | None = None, **values: Any) -> Lead:
    lead = rules.new_lead(
        world.store,
        {"description": "deal", "value": Money(amount=Decimal(amount), currency="USD"), **values},
        world.user,
    )
    if owner is not None:
        world.store.update(Lead, _id(lead), {"owner": owner})
    return world.store.get(Lead, _id(lead))


def _close(world: World, lead: Lead, status: LeadStatus, when: datetime) -> None:
    outcome = next(o for o in world.store.all(Outcome) if o.status is status)
    world.now = when
    rules.close_lead(world.store, _id(lead), _id(outcome), world.user)


def _reports(world: World, query: str) -> list[dict[str, Any]]:
    body = world.rest("GET", f"/leads/report?{query}")
    return [item["report"] for item in body["reports"]]


def test_sales_reports_bucket_won_leads_by_close_month(world: World) -> None:
    team = world.store.insert(Team(name="Closers"))
    first = _lead(world, 1000)
    second = _lead(world, 250, owner=Ref(entity="Team", id=team.id, name="Closers"))
    lost = _lead(world, 99)
    _lead(world, 5000)  # open: not a sale
    _close(world, first, LeadStatus.WON, _day(1, 15))
    _close(world, second, LeadStatus.WON, _day(3, 2))
    _close(world, lost, LeadStatus.LOST, _day(2, 2))
    (sales,) = _reports(world, "reportType=sales")
    assert (sales["key"], sales["name"], sales["prefix"]) == ("all", "Sales", "$")
    buckets = [d["bucket"] for d in sales["data"]]
    assert [b["bucket"] for b in buckets] == ["2024-01", "2024-02", "2024-03"]
    assert [b["count"]["value"] for b in buckets] == [1, 0, 1]
    assert [b["total"]["formatted"] for b in buckets] == ["$1,000.00", "$0.00", "$250.00"]
    assert {(b["bucketType"], b["bucketSubtype"]) for b in buckets} == {("time", "m")}
    assert sales["summary"]["count"] == {"formatted": "2", "prefix": "", "suffix": "", "value": 2}
    assert sales["summary"]["total"]["value"] == 1250
    (losses,) = _reports(world, "reportType=losses&gap=y")
    assert [(d["bucket"]["bucket"], d["bucket"]["count"]["value"]) for d in losses["data"]] == [
        ("2024", 1)
    ]
    by_owner = {
        r["key"]: r for r in _reports(world, "reportType=sales&gap=q&segmentByField=assignees")
    }
    assert {key: r["name"] for key, r in by_owner.items()} == {
        f"{world.user.id}-users": world.user.name,
        f"{team.id}-teams": "Closers",
    }
    closers = by_owner[f"{team.id}-teams"]
    assert [d["bucket"]["bucket"] for d in closers["data"]] == ["2024-Q1"]
    assert closers["summary"]["segments"] == [f"{team.id}-teams"]
    assert closers["summary"]["total"]["value"] == 250
    (one,) = _reports(world, f"reportType=sales&filter[id]={first.id}")
    assert one["summary"]["count"]["value"] == 1


def test_new_lead_and_forecast_reports(world: World) -> None:
    world.now = _day(2, 5)
    _lead(world, 100, confidence=50, due_time=_day(4, 1))
    world.now = _day(2, 7)
    _lead(world, 300, confidence=10, due_time=_day(4, 9))
    (new,) = _reports(world, "reportType=newleads&gap=d")
    assert [d["bucket"]["bucket"] for d in new["data"]] == [
        "2024-02-05",
        "2024-02-06",
        "2024-02-07",
    ]
    (weekly,) = _reports(world, "reportType=newleads&gap=w")
    assert [d["bucket"]["bucket"] for d in weekly["data"]] == ["2024-02-05"]  # weeks from Monday
    (forecast,) = _reports(world, "reportType=forecast&useConfidence=true")
    assert forecast["summary"]["total"]["value"] == 80  # 100 x 50% + 300 x 10%
    (plain,) = _reports(world, "reportType=forecast")
    assert plain["summary"]["total"]["value"] == 400
    (by_created,) = _reports(world, "reportType=custom&groupByField=dueTime")
    assert [d["bucket"]["bucket"] for d in by_created["data"]] == ["2024-04"]
    assert _reports(world, "reportType=sales") == [
        {"id": "1-reports", "key": "all", "name": "Sales", "prefix": "$", "data": [],
         "summary": {"bucket": "Total",
                     "count": {"formatted": "0", "prefix": "", "suffix": "", "value": 0},
                     "total": {"formatted": "$0.00", "prefix": "$", "suffix": "", "value": 0},
                     "bucketType": "summary", "bucketSubtype": "m", "filters": [],
                     "segments": []}},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("reportType=attribution", "not emulated"),
        ("reportType=bogus", "Invalid reportType"),
        ("gap=h", "Invalid gap"),
        ("groupByField=name", "Invalid groupByField"),
        ("segmentByField=channels", "not emulated"),
        ("segmentByField=productCategories", "not emulated"),
        ("format=csv", "not emulated"),
        ("useConfidence=maybe", "Invalid useConfidence"),
    ],
)
def test_report_parameters_are_checked(world: World, query: str, problem: str) -> None:
    reply = world.http.get(f"{BASE}/leads/report?{query}", timeout=5)
    assert reply.status_code == 400
    body = reply.json()
    assert body["reports"] == [] and problem in body["errors"][0]["detail"]


# -- the comparison tool ------------------------------------------------------------------------


def test_shape_diff_reads_a_list_mixing_scalar_types_as_a_tuple() -> None:
    recorded = {"points": [[1711342800000, "53"], [1711429200000, "88"]]}
    assert shape_diff(recorded, {"points": [[1, "0"]]}) == []
    assert shape_diff(recorded, {"points": [["1", 0]]}) == [
        "$.points[*][0]: recorded number, got str",
        "$.points[*][1]: recorded str, got number",
    ]
    assert shape_diff(recorded, {"points": [[1]]}) == ["$.points[*]: recorded 2 item(s), got 1"]
