"""A bridged create returns the record it made, never another one.

* ``POST /rest/contacts`` answered with ``"id": 1`` (no type: not the documented ``"1-contacts"``)
  used to make ``newContact`` read back and return the existing contact 1 as the new record;
  now the answer is refused, and since the server said the write succeeded the outcome is
  unknown.
* The read-back must be the record the create answered with, type and id: any other record
  after a write is an unknown outcome naming what differed.

The world is the seeded emulator; one REST answer at a time is rewritten.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import responses

from bridge.translators._write_steps import _same_record
from nutshell_core import errors
from nutshell_core.model import Contact, Lead
from nutshell_emulator import Emulator
from tests.bridge.worlds import rest_bridge

SEED_DATA = (20, 3)

Reply = tuple[int, dict[str, str], bytes]
Rewrite = Callable[[str, Any], Any]


class Rewriting:
    """The emulator on Nutshell's hosts, with one REST request line's JSON answer rewritten."""

    def __init__(self, emulator: Emulator) -> None:
        self._inner = emulator._responses_callback("app.nutshell.com")
        self.rules: dict[str, Rewrite] = {}

    def __call__(self, prepared: requests.PreparedRequest) -> Reply:
        status, headers, body = self._inner(prepared)
        url = str(prepared.url).split("?", 1)[0]
        _, rest, path = url.partition("/rest")
        rewrite = self.rules.get(f"{prepared.method} {path}") if rest else None
        if rewrite is None or status >= 300:
            return status, headers, body
        return status, headers, json.dumps(rewrite(path, json.loads(body))).encode()


@pytest.fixture
def server(emulator: Emulator) -> Iterator[Rewriting]:
    rewriting = Rewriting(emulator)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for host in ("app.nutshell.com", "api.nutshell.com"):
            pattern = re.compile(rf"https://{re.escape(host)}(/.*)?(\?.*)?$")
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                mock.add_callback(method, pattern, callback=rewriting)
        yield rewriting


def test_a_create_answered_with_a_bare_id_is_an_unknown_outcome(
    server: Rewriting,
) -> None:
    # The bare id is made to name an existing contact, as in the hostile run: contact 1.
    server.rules["POST /contacts"] = lambda _path, body: {
        **body,
        "contacts": [{**body["contacts"][0], "id": 1}],
    }
    api = rest_bridge()
    with pytest.raises(errors.OutcomeUnknownError) as caught:
        api.newContact(contact={"name": "Eve Bare"})
    message = str(caught.value)
    assert "may have been applied" in message
    assert "'<n>-<type>' form" in message
    server.rules.clear()
    # The contact was made, once; contact 1 was never handed back as the new record.
    assert len(api.rpc.searchContacts(string="Eve Bare")) == 1


def test_a_read_back_of_another_record_is_an_unknown_outcome(server: Rewriting) -> None:
    def someone_else(path: str, body: Any) -> Any:
        record = body["contacts"][0]
        return {**body, "contacts": [{**record, "id": "1-contacts", "name": "Not Me"}]}

    api = rest_bridge()
    created = api.newContact(contact={"name": "First Write"})
    server.rules[f"GET /contacts/{created['id'] + 1}-contacts"] = someone_else
    with pytest.raises(errors.OutcomeUnknownError) as caught:
        api.newContact(contact={"name": "Second Write"})
    message = str(caught.value)
    assert f"created Contact {created['id'] + 1}" in message
    assert f"id 1, expected {created['id'] + 1}-contacts @ $.contacts[0].id" in message
    server.rules.clear()
    assert len(api.rpc.searchContacts(string="Second Write")) == 1


def test_a_create_and_its_read_back_agreeing_is_the_answer(server: Rewriting) -> None:
    api = rest_bridge()
    created = api.newContact(contact={"name": "Plain Write"})
    again = api.rpc.getContact(contactId=created["id"])
    assert again["name"]["displayName"] == "Plain Write" == created["name"]["displayName"]


# -- the read-back check itself ------------------------------------------------------------------


def test_the_record_written_is_accepted() -> None:
    record = Contact(id=5, name="Five")
    assert _same_record(record, Contact, 5) is record


@pytest.mark.parametrize(
    ("item", "differs"),
    [
        (Contact(id=6, name="Six"), "(id differs)"),
        (Lead(id=5, name="Five"), "(type differs)"),
        (Lead(id=6, name="Six"), "(type and id differ)"),
        ({"id": "5-widgets", "type": "widgets"}, "(type and id differ)"),
    ],
)
def test_another_record_read_back_is_an_unknown_outcome(item: object, differs: str) -> None:
    with pytest.raises(errors.OutcomeUnknownError) as caught:
        _same_record(item, Contact, 5)
    message = str(caught.value)
    assert "the record written was contacts 5 but the read-back answered" in message
    assert differs in message
    assert "may have been applied" in message
