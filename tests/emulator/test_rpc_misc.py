"""The emulator's miscellaneous legacy methods (nutshell_emulator.rpc_misc), in process.

Each is answered (none is -32601 any more), the stateful pairs round-trip (``newBackup`` then
``findBackups``; ``newEmail``/``addEmail`` then ``getEmail``), and malformed input is a 400
naming the parameter.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from nutshell_core.catalog import RPC_METHODS
from nutshell_core.model import Contact, Email, EmailMessage, Lead, Market, Stageset, User
from nutshell_emulator import rules
from nutshell_emulator.rest_present import INSTANCE_ID, SITE_ID
from nutshell_emulator.rpc_front import EmulatorBackend
from nutshell_emulator.rpc_misc import HANDLERS, backups, parse_email
from nutshell_emulator.rpc_order import _order_keys
from nutshell_emulator.rpc_queries import _COMMON_QUERY, _QUERY
from nutshell_emulator.store import Store
from nutshell_rpc.convert import value_to_rpc
from nutshell_rpc.rules import COMMON_ORDER_KEYS, COMMON_QUERY_KEYS, ORDER_KEYS, QUERY_KEYS
from nutshell_rpc.server import RpcServer

EMAIL, KEY = "owner@example.com", "misc-test-key-0000001"
NOW = datetime(2024, 4, 3, 12, 0, tzinfo=timezone.utc)

MISC = (
    "findOrigins",
    "findDelays",
    "findSettings",
    "editStep",
    "getUpdateTimes",
    "getMobileSettings",
    "findBackups",
    "newBackup",
    "instanceData",
    "newEmail",
    "addEmail",
)

RFC822 = (
    "From: Owen Owner <owner@example.com>\r\n"
    "To: Ann Lee <ann@lee.test>, bob@roe.test\r\n"
    "Cc: Carl <carl@example.org>\r\n"
    "Subject: Quote for next year\r\n"
    "Date: Tue, 02 Apr 2024 09:30:00 -0400\r\n"
    "\r\n"
    "Hi Ann,\r\nthe quote is attached.\r\n"
)


class Rpc:
    """A store with Nutshell's defaults behind a JSON-RPC server."""

    def __init__(self) -> None:
        self.now = NOW
        self.store = Store(clock=lambda: self.now)
        self.user = rules.install_defaults(self.store, email=EMAIL, name="Owen Owner")
        assert isinstance(self.user.id, int)
        self.store.add_api_key(self.user.id, KEY)
        self.server = RpcServer(EmulatorBackend(self.store))
        token = base64.b64encode(f"{EMAIL}:{KEY}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    def send(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        body = json.dumps({"method": method, "params": params, "id": "m1"}).encode()
        reply = self.server.handle("POST", self.headers, body)
        return reply.status, reply.json()

    def __call__(self, method: str, **params: Any) -> Any:
        status, body = self.send(method, params)
        assert status == 200 and body["error"] is None, body
        return body["result"]

    def error(self, method: str, **params: Any) -> tuple[int, int, str]:
        status, body = self.send(method, params)
        assert body["result"] is None and body["error"] is not None, body
        return status, body["error"]["code"], body["error"]["message"]


@pytest.fixture
def rpc() -> Rpc:
    return Rpc()


def test_the_misc_handlers_cover_exactly_the_catalog_rows() -> None:
    assert set(HANDLERS) == set(MISC)
    assert set(MISC) <= set(RPC_METHODS)


@pytest.mark.parametrize("method", MISC)
def test_every_misc_method_is_answered(rpc: Rpc, method: str) -> None:
    params: dict[str, Any] = {
        "editStep": {"stepId": 1, "rev": "0", "step": {"status": 1}},
        "newEmail": {"emailString": RFC822},
        "addEmail": {"emailString": RFC822},
    }.get(method, {})
    _, body = rpc.send(method, params)
    error = body["error"]
    assert error is None or error["code"] != -32601, (method, body)


def test_new_backup_is_listed_by_find_backups(rpc: Rpc) -> None:
    assert rpc("findBackups") == []
    first = rpc("newBackup")
    rpc.now += timedelta(hours=1)
    second = rpc("newBackup")
    assert first == {
        "id": 1,
        "entityType": "Backups",
        "time": "2024-04-03T12:00:00+0000",
        "status": "complete",
    }
    assert second["id"] == 2 and second["time"] == "2024-04-03T13:00:00+0000"
    assert rpc("findBackups") == [first, second]
    # Backups belong to their store: another emulator starts with none.
    assert backups(Store()) == []


def test_new_email_parses_rfc822_files_it_and_get_email_reads_it_back(rpc: Rpc) -> None:
    ann = rpc.store.insert(
        Contact(name="Ann Lee", emails=(Email(value="ann@lee.test", label="0", is_primary=True),))
    )
    created = rpc("newEmail", emailString=RFC822)
    assert created["entityType"] == "Emails"
    assert created["subject"] == "Quote for next year"
    assert created["body"] == "Hi Ann,\r\nthe quote is attached."
    assert created["sentTime"] == "2024-04-02T13:30:00+0000"
    assert [p["address"] for p in created["to"]] == ["ann@lee.test", "bob@roe.test"]
    assert [p["display"] for p in created["to"]] == ["Ann Lee", "bob@roe.test"]
    assert created["to"][0]["entity"] == {"entityType": "Contacts", "id": str(ann.id)}
    assert created["from"][0]["entity"] == {"entityType": "Users", "id": str(rpc.user.id)}
    assert [p["address"] for p in created["cc"]] == ["carl@example.org"]
    assert rpc("getEmail", emailId=created["id"]) == created
    # Filed on the contact: it is on her timeline.
    timeline = rpc("findTimeline", query={"entityType": "Contacts", "id": ann.id})
    assert [item["id"] for item in timeline] == [created["id"]]
    # addEmail is the same method under RB's name: a second, separate email.
    again = rpc("addEmail", emailString="From: bob@roe.test\n\nhi")
    assert again["id"] != created["id"]
    assert (again["subject"], again["body"]) == ("", "hi")
    assert again["sentTime"] == "2024-04-03T12:00:00+0000"  # no Date: the store's now
    assert len(rpc.store.all(EmailMessage)) == 2


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        42,
        None,
        "garbage without headers",
        "Subject: no sender\n\nbody",
        "From: <<<\n\nbody",
        "From: a@b.c\nTo: not an address at all\n\nbody",
        "From: a@b.c\nDate: the day after tomorrow\n\nbody",
    ],
)
def test_a_malformed_email_is_400_naming_the_parameter(rpc: Rpc, text: Any) -> None:
    for method in ("newEmail", "addEmail"):
        status, code, message = rpc.error(method, emailString=text)
        assert (status, code) == (400, -32602), (method, text)
        assert "emailString" in message
    assert rpc.store.all(EmailMessage) == []


def test_parse_email_alone_leaves_filing_to_the_store() -> None:
    parsed = parse_email("From: a@b.c\nSubject: Hi\n\nbody\n", NOW)
    assert (parsed.subject, parsed.body, parsed.sent_time) == ("Hi", "body", NOW)
    assert not isinstance(parsed.id, int)  # not stored yet


def test_find_origins_lists_one_origin_per_api_key_holder(rpc: Rpc) -> None:
    assert rpc("findOrigins") == [
        {
            "stub": True,
            "id": rpc.user.id,
            "rev": rpc.user.rev,
            "entityType": "Origins",
            "name": "API key of Owen Owner",
            "modifiedTime": value_to_rpc(rpc.user.modified_time),
            "createdTime": value_to_rpc(rpc.user.created_time),
        }
    ]
    other = rpc.store.insert(User(name="Ada Api", emails=("ada@example.com",), is_enabled=True))
    assert isinstance(other.id, int)
    rpc.store.add_api_key(other.id, "misc-test-key-0000002")
    names = [o["name"] for o in rpc("findOrigins")]
    assert names == ["API key of Ada Api", "API key of Owen Owner"]  # default orderBy: name
    assert [o["id"] for o in rpc("findOrigins", orderBy="id")] == [rpc.user.id, other.id]
    assert len(rpc("findOrigins", limit=1, page=2)) == 1
    assert rpc.error("findOrigins", orderBy="colour")[:2] == (400, -32602)
    assert rpc.error("findOrigins", limit=0)[:2] == (400, -32602)


def test_find_delays_is_empty_and_checks_its_paging(rpc: Rpc) -> None:
    assert rpc("findDelays") == []
    assert rpc.error("findDelays", orderDirection="sideways")[:2] == (400, -32602)


def test_find_settings_reads_the_store(rpc: Rpc) -> None:
    pipeline = next(s for s in rpc.store.all(Stageset) if s.is_default)
    market = rpc.store.all(Market)[0]
    settings = {s["name"]: s["value"] for s in rpc("findSettings")}
    assert settings == {
        "defaultStagesetId": pipeline.id,
        "defaultMarketId": market.id,
        "timeZone": "UTC",
    }
    assert all(s["entityType"] == "Settings" and s["stub"] for s in rpc("findSettings"))
    assert [s["name"] for s in rpc("findSettings", orderBy="name", orderDirection="DESC")] == [
        "timeZone",
        "defaultStagesetId",
        "defaultMarketId",
    ]


def test_edit_step_checks_its_input_then_answers_not_found(rpc: Rpc) -> None:
    lead = rpc("newLead", lead={"description": "Steps"})
    assert lead["processes"]  # the lead has a process, but the model keeps no steps
    assert rpc.error("editStep", stepId=7, rev="0", step={"status": 1})[:2] == (404, 404)
    assert rpc.error("editStep", stepId="x", rev="0", step={})[:2] == (400, -32602)
    status, code, message = rpc.error("editStep", stepId=7, rev="0", step=[1])
    assert (status, code) == (400, -32602) and "step" in message
    assert rpc.store.get(Lead, lead["id"]).rev == lead["rev"]  # nothing written


def test_update_times_follow_the_event_log(rpc: Rpc) -> None:
    before = rpc("getUpdateTimes")
    assert before["Users"] == before["Stagesets"]  # all written when the account was made
    assert "Leads" not in before
    rpc.now += timedelta(days=1)
    rpc("newLead", lead={"description": "Fresh"})
    after = rpc("getUpdateTimes")
    assert after["Leads"] == "2024-04-04T12:00:00+0000"
    assert after["Users"] == before["Users"]


def test_instance_data_and_mobile_settings(rpc: Rpc) -> None:
    assert rpc("instanceData") == {"instanceId": INSTANCE_ID, "siteId": SITE_ID}
    assert rpc("getMobileSettings") == {
        "host": "app.nutshell.com",
        "userId": rpc.user.id,
        "timeZone": "UTC",
    }


def test_the_emulator_filters_by_the_legacy_query_keys_but_origins() -> None:
    """One list of the keys each find* takes (the bridge refuses the others the same way):
    the emulator filters by all of them but the origin keys (it keeps no origins)."""
    assert set(_COMMON_QUERY) == COMMON_QUERY_KEYS
    assert set(_QUERY) == set(QUERY_KEYS)
    unfiltered = {cls.entity: QUERY_KEYS[cls] - set(_QUERY[cls]) for cls in QUERY_KEYS}
    assert unfiltered == {
        "Lead": {"origin", "channel"},
        "Contact": set(),
        "Account": {"origin"},
        "Activity": set(),
        "Task": set(),
    }
    assert all(set(_QUERY[cls]) <= QUERY_KEYS[cls] for cls in QUERY_KEYS)


def test_the_emulator_orders_by_the_legacy_order_keys() -> None:
    """One list of the orderBy keys each find* takes, which the bridge refuses the others by."""
    for cls in {*ORDER_KEYS, Contact, Lead, Market}:
        assert set(_order_keys(cls)) == COMMON_ORDER_KEYS | ORDER_KEYS.get(cls, frozenset())
