"""The bridge's REST route holds REST answers to what it asked: a get answers the requested
record, and a malformed REST record is a MalformedResponseError naming the path, never an
AssertionError, KeyError or TypeError from deeper down.

The world is the seeded emulator; one REST answer at a time is replaced by a hostile one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from bridge import NutshellAPI as BridgeAPI
from nutshell_core import errors
from nutshell_emulator import Emulator
from tests.bridge.worlds import rest_bridge

SEED_DATA = (40, 3)

Reply = tuple[int, dict[str, str], bytes]


class HostileRest:
    """The emulator on Nutshell's hosts, except that one REST target answers ``body``."""

    def __init__(self, emulator: Emulator) -> None:
        self._inner = emulator._responses_callback("app.nutshell.com")
        self.target: str | None = None
        self.body: Any = None

    def answer(self, target: str, body: Any) -> None:
        """From now on ``target`` (``"GET /leads/1-leads"``) answers 200 with ``body``."""
        self.target, self.body = target, body

    def __call__(self, prepared: requests.PreparedRequest) -> Reply:
        url = str(prepared.url).split("?", 1)[0]
        _, rest, path = url.partition("/rest")
        if rest and f"{prepared.method} {path}" == self.target:
            return 200, {"Content-Type": "application/json"}, json.dumps(self.body).encode()
        return self._inner(prepared)


@pytest.fixture
def hostile(emulator: Emulator) -> Iterator[HostileRest]:
    server = HostileRest(emulator)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for host in ("app.nutshell.com", "api.nutshell.com"):
            pattern = re.compile(rf"https://{re.escape(host)}(/.*)?(\?.*)?$")
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                mock.add_callback(method, pattern, callback=server)
        yield server


@pytest.fixture
def bridge(hostile: HostileRest) -> Iterator[BridgeAPI]:
    api = rest_bridge()
    yield api
    api.close()


def rec(rest_type: str, n: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"{n}-{rest_type}", "type": rest_type, **fields}


def test_a_sound_answer_still_reads(hostile: HostileRest, bridge: BridgeAPI) -> None:
    assert bridge.getLead(1)["id"] == 1


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"leads": [{}]}, "no id @ $.leads[0].id"),
        ({"leads": [rec("leads", 2, name="Two")]}, "id 2, expected 1-leads @ $.leads[0].id"),
        ({"leads": [rec("contacts", 1, name="Ann")]}, "@ $.leads[0]"),
        ({"leads": [rec("leads", 1), rec("leads", 1)]}, "a second time @ $.leads[1].id"),
        ({"leads": [rec("leads", 1, name=5)]}, "@ $.leads[0].name"),
        ({"leads": [rec("leads", 1, links="x")]}, "@ $.leads[0].links"),
        ({"leads": [rec("leads", 1)], "contacts": [{}]}, "no id @ $.contacts[0].id"),
        ({"leads": [1]}, "@ $.leads[0]"),
    ],
)
def test_get_lead_refuses_a_wrong_or_malformed_record(
    hostile: HostileRest, bridge: BridgeAPI, body: Any, where: str
) -> None:
    hostile.answer("GET /leads/1-leads", body)
    with pytest.raises(errors.MalformedResponseError) as exc:
        bridge.getLead(1)
    assert where in "; ".join(exc.value.problems)


@pytest.mark.parametrize(
    ("method", "target", "key"),
    [
        ("findLeads", "GET /leads", "leads"),
        ("findContacts", "GET /contacts", "contacts"),
        ("findAccounts", "GET /accounts", "accounts"),
        ("getContact", "GET /contacts/1-contacts", "contacts"),
        ("getAccount", "GET /accounts/1-accounts", "accounts"),
    ],
)
def test_a_record_without_an_id_is_malformed_everywhere(
    hostile: HostileRest, bridge: BridgeAPI, method: str, target: str, key: str
) -> None:
    hostile.answer(target, {key: [{}]})
    args = [] if method.startswith("find") else [1]
    with pytest.raises(errors.MalformedResponseError, match=rf"no id @ \$\.{key}\[0\]\.id"):
        getattr(bridge, method)(*args)


def test_an_edit_reading_another_record_writes_nothing(
    hostile: HostileRest, bridge: BridgeAPI, emulator: Emulator
) -> None:
    before = bridge.getContact(1)
    hostile.answer("GET /contacts/1-contacts", {"contacts": [rec("contacts", 2, name="B")]})
    with pytest.raises(errors.MalformedResponseError, match="id 2"):
        bridge.editContact(1, "REV_IGNORE", {"description": "changed"})
    hostile.answer("", None)
    assert bridge.getContact(1)["description"] == before["description"]
