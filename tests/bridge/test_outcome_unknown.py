"""A write that may have been applied is reported as outcome-unknown, never as a failure.

* A create whose read-back fails (503, 500, a reset, a garbled body) raises
  :class:`OutcomeUnknownError` naming the record that exists now, on ``rest`` and on
  ``rest-fallback`` (which must not send the write again through RPC).
* A create answered 2xx with an unreadable body is outcome-unknown too; a create refused with a
  4xx is a definite failure.
* Through a shadow route, a server echoing the key gets it into neither the log publisher's
  lines nor the shadow log file, values included.
"""

from __future__ import annotations

import base64
import json
import logging
import pickle
import re
from pathlib import Path
from typing import Any

import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.publish import LoggingPublisher, ShadowLogPublisher
from bridge.routes import Mode, Routes
from nutshell_core import errors
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_emulator.faults import Fault

SEED_DATA = (20, 5)
ENDPOINT = "https://app.nutshell.com/api/v1/json"
TOKEN = base64.b64encode(f"{DEFAULT_EMAIL}:{DEFAULT_API_KEY}".encode()).decode()


def _bridge(mode: Mode, **options: Any) -> BridgeAPI:
    return BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=ENDPOINT,
        routes=Routes({}, default=mode),
        sleep=lambda _s: None,
        **options,
    )


@pytest.mark.parametrize("mode", [Mode.REST, Mode.REST_FALLBACK])
@pytest.mark.parametrize(
    "fault",
    [Fault.http_status(503), Fault.http_status(500), Fault.reset(), Fault.truncate()],
    ids=["503", "500", "reset", "truncated"],
)
def test_a_failed_read_back_is_outcome_unknown_naming_the_record(
    emulator: Emulator, mock: responses.RequestsMock, mode: Mode, fault: Fault
) -> None:
    emulator.faults.add("GET /rest/contacts/*", fault)
    api = _bridge(mode)
    with pytest.raises(errors.OutcomeUnknownError) as caught:
        api.newContact(contact={"name": "Ann Outcome"})
    message = str(caught.value)
    assert "may have been applied" in message and "do not retry blindly" in message
    found = re.search(r"created Contact (\d+)", message)
    assert found, message
    emulator.faults.clear()
    # The record exists, once: rest-fallback did not send the write again through RPC.
    created = api.rpc.getContact(contactId=int(found.group(1)))
    assert created["name"]["displayName"] == "Ann Outcome"
    same = api.rpc.searchContacts(string="Ann Outcome")
    assert len(same) == 1
    assert "created Contact" in str(pickle.loads(pickle.dumps(caught.value)))


def test_a_garbled_create_answer_is_outcome_unknown(
    emulator: Emulator, mock: responses.RequestsMock
) -> None:
    emulator.faults.add("POST /rest/contacts", Fault.truncate())
    with pytest.raises(errors.OutcomeUnknownError):
        _bridge(Mode.REST).newContact(contact={"name": "Bea Garbled"})
    emulator.faults.clear()
    assert len(_bridge(Mode.RPC).searchContacts(string="Bea Garbled")) == 1


def test_a_refused_create_is_a_definite_failure(
    emulator: Emulator, mock: responses.RequestsMock
) -> None:
    emulator.faults.add("POST /rest/contacts", Fault.http_status(400))
    with pytest.raises(errors.APIError) as caught:
        _bridge(Mode.REST).newContact(contact={"name": "Cy Refused"})
    assert not isinstance(caught.value, errors.OutcomeUnknownError)
    assert isinstance(caught.value, errors.InvalidRequestError)


# -- a shadow route with a server that echoes the key --------------------------------------------

ECHO_HOST = "https://echo.nutshell.com"
ECHO = f"key {DEFAULT_API_KEY} basic Basic {TOKEN}"


def _echoing_rpc(request: Any) -> tuple[int, dict[str, str], str]:
    body = json.loads(request.body)
    if body["method"] == "getLead":
        lead_id = body["params"].get("leadId", 1)
        result = {"id": lead_id, "entityType": "Leads", "description": ECHO, "echo": [ECHO]}
        return 200, {"X-Echo": DEFAULT_API_KEY}, json.dumps({"result": result, "id": body["id"]})
    error = {"code": 500, "message": ECHO, "data": {"echo": ECHO}}
    answer = {"result": None, "error": error, "id": body["id"]}
    return 500, {}, json.dumps(answer)


def test_an_echoed_key_reaches_no_publisher(
    mock: responses.RequestsMock, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    mock.add_callback(responses.POST, f"{ECHO_HOST}/api/v1/json", callback=_echoing_rpc)
    shadow_log = tmp_path / "shadow.jsonl"
    api = BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=f"{ECHO_HOST}/api/v1/json",
        rest_base_url="https://app.nutshell.com/rest",
        routes=Routes({"getLead": Mode.SHADOW, "getContact": Mode.SHADOW}, default=Mode.RPC),
        publishers=[LoggingPublisher(), ShadowLogPublisher(shadow_log, values=True)],
        legacy_reference=False,
        sleep=lambda _s: None,
    )
    caplog.set_level(logging.DEBUG)
    lead = next(iter(api.rest.leads.iterate()))
    api.getLead(leadId=lead.id)  # a mismatch: the echo is published
    with pytest.raises(errors.APIError) as caught:
        api.getContact(contactId=1)  # the control fails with the echo in its message
    written = shadow_log.read_text(encoding="utf-8")
    assert written.count("\n") == 2 and "[secure]" in written
    everything = f"{written}\n{caplog.text}\n{caught.value!r}\n{vars(caught.value)!r}"
    everything += pickle.dumps(caught.value).decode("latin-1")
    assert DEFAULT_API_KEY not in everything
    assert TOKEN not in everything
    assert "mismatched" in caplog.text
