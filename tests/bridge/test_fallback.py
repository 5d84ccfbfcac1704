"""``rest-fallback``: RPC answers only where running the call again cannot apply a write twice.

A read falls back on any REST failure. A write falls back only while none of its REST writes
may have reached the server: an unsupported method, input REST cannot express, a failed read
before the write. Once a write request may have arrived, its failure propagates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.revs import REV_IGNORE
from bridge.routes import Mode, Routes
from nutshell_core import errors
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator, Fault
from nutshell_rpc import NutshellAPI as RpcAPI

ENDPOINT = "https://app.nutshell.com/api/v1/json"
#: A small seed: the conftest emulator and mock are seeded with it.
SEED_DATA = (30, 3)
TASK_ID = 1


@pytest.fixture
def direct(mock: responses.RequestsMock) -> RpcAPI:
    return RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, sleep=lambda _s: None)


def _fallback(**routes: str) -> BridgeAPI:
    """A bridge whose default route is ``rest-fallback`` (writes included)."""
    return BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=ENDPOINT,
        routes={"*": "rest-fallback", **routes},
        lean=True,
        sleep=lambda _s: None,
    )


def _sent(mock: responses.RequestsMock, since: int) -> list[str]:
    """Requests since ``since``: ``PATCH /rest/tasks/1-tasks``, or the RPC method name."""
    out = []
    for call in mock.calls[since:]:
        if "/api/v1/json" in str(call.request.url):
            out.append("rpc " + json.loads(call.request.body or b"{}")["method"])
        else:
            out.append(f"{call.request.method} {call.request.path_url.split('?')[0]}")
    return out


def _rest_writes(sent: list[str]) -> list[str]:
    return [s for s in sent if s.split()[0] in ("POST", "PATCH", "PUT", "DELETE")]


# -- routes ---------------------------------------------------------------------------------------


def test_rest_fallback_is_accepted_for_writes_and_as_the_default(tmp_path: Path) -> None:
    assert Routes({}, default=Mode.REST_FALLBACK).mode_for("editLead") is Mode.REST_FALLBACK
    assert Routes.from_mapping({"editLead": "rest-fallback"}).mode_for("editLead")
    toml = tmp_path / "routes.toml"
    toml.write_text('[routes]\ndefault = "rest-fallback"\n', encoding="utf-8")
    assert Routes.from_file(toml).mode_for("deleteContact") is Mode.REST_FALLBACK


@pytest.mark.parametrize("mode", ["shadow", "shadow-rest"])
def test_shadowing_a_write_is_refused_naming_the_risk(mode: str) -> None:
    with pytest.raises(errors.ConfigurationError, match="would run twice") as one:
        Routes.from_mapping({"editLead": mode})
    assert "editLead" in str(one.value) and "rest-fallback" in str(one.value)
    with pytest.raises(errors.ConfigurationError, match="would run every write twice"):
        Routes.from_mapping({"*": mode})


# -- writes ---------------------------------------------------------------------------------------


def test_an_unsupported_write_falls_back_before_any_rest_request(
    mock: responses.RequestsMock, direct: RpcAPI
) -> None:
    activity = direct.findActivities()[0]
    before = len(mock.calls)
    assert _fallback().deleteActivity(activity["id"], REV_IGNORE) is True
    assert _sent(mock, before) == ["rpc deleteActivity"]


def test_input_rest_cannot_write_falls_back_after_reads_only(
    mock: responses.RequestsMock, direct: RpcAPI
) -> None:
    lead_id = direct.findLeads()[0]["id"]
    before = len(mock.calls)
    edited = _fallback().editLead(lead_id, REV_IGNORE, {"description": "x", "closedTime": None})
    sent = _sent(mock, before)
    assert sent[-1] == "rpc editLead"
    assert any(s.startswith("GET /rest/") for s in sent)  # REST read the lead, then refused
    assert _rest_writes(sent) == []
    assert edited["description"] == "x" and sent.count("rpc editLead") == 1


def test_a_write_falls_back_when_rest_fails_before_writing(
    emulator: Emulator, mock: responses.RequestsMock, direct: RpcAPI
) -> None:
    emulator.faults.add(f"GET /rest/tasks/{TASK_ID}-tasks", Fault.http_status(503))
    before = len(mock.calls)
    edited = _fallback().editTask(TASK_ID, REV_IGNORE, {"title": "once"})
    sent = _sent(mock, before)
    assert _rest_writes(sent) == [] and sent[-1] == "rpc editTask"
    assert edited["title"] == "once"


def test_a_write_never_falls_back_after_its_write_request_was_answered_5xx(
    emulator: Emulator, mock: responses.RequestsMock, direct: RpcAPI
) -> None:
    emulator.faults.add(f"PATCH /rest/tasks/{TASK_ID}-tasks", Fault.http_status(503))
    before = len(mock.calls)
    with pytest.raises(errors.OutcomeUnknownError) as caught:
        _fallback().editTask(TASK_ID, REV_IGNORE, {"title": "maybe"})
    # A 5xx after a write reached the server: it may have been applied, so it says so.
    assert isinstance(caught.value.__cause__, errors.ServerError)
    sent = _sent(mock, before)
    assert _rest_writes(sent) == [f"PATCH /rest/tasks/{TASK_ID}-tasks"]  # sent once, not re-sent
    assert not any(s.startswith("rpc edit") for s in sent)


def test_a_write_whose_outcome_is_unknown_never_falls_back(
    emulator: Emulator, mock: responses.RequestsMock
) -> None:
    emulator.faults.add(f"PATCH /rest/tasks/{TASK_ID}-tasks", Fault.reset())
    before = len(mock.calls)
    with pytest.raises(errors.TransportError) as caught:
        _fallback().editTask(TASK_ID, REV_IGNORE, {"title": "unknown"})
    assert isinstance(caught.value, errors.OutcomeUnknownError)
    assert not any(s.startswith("rpc edit") for s in _sent(mock, before))


def test_a_write_applied_through_rest_is_not_run_again_when_reading_it_back_fails(
    emulator: Emulator,
    mock: responses.RequestsMock,
    direct: RpcAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = _fallback()
    tasks = api.rest.tasks
    real_update = tasks.update

    def update_then_break_reads(*args: Any, **kwargs: Any) -> Any:
        result = real_update(*args, **kwargs)
        emulator.faults.add("GET /rest/*", Fault.http_status(500))
        return result

    monkeypatch.setattr(tasks, "update", update_then_break_reads)
    before = len(mock.calls)
    with pytest.raises(errors.OutcomeUnknownError) as caught:
        api.editTask(TASK_ID, REV_IGNORE, {"title": "applied once"})
    assert "do not retry blindly" in str(caught.value)
    emulator.faults.clear()
    assert not any(s.startswith("rpc edit") for s in _sent(mock, before))
    task = direct.getTask(TASK_ID)
    assert task["title"] == "applied once" and task["rev"] == "1"  # one write, not two


def test_a_write_refused_before_anything_was_applied_is_a_plain_failure(
    emulator: Emulator, mock: responses.RequestsMock
) -> None:
    """Only a failure after some write may have been applied is outcome-unknown: a 400 on
    the one write changed nothing and stays the definite error it is."""
    emulator.faults.add(f"PATCH /rest/tasks/{TASK_ID}-tasks", Fault.http_status(400))
    with pytest.raises(errors.APIError) as caught:
        _fallback().editTask(TASK_ID, REV_IGNORE, {"title": "refused"})
    assert not isinstance(caught.value, errors.OutcomeUnknownError)


def test_a_new_lead_whose_second_write_fails_is_outcome_unknown(
    emulator: Emulator, mock: responses.RequestsMock
) -> None:
    """newLead with an outcome is a POST, then a POST of its status: once the first is done,
    a failure cannot be a plain one, or a caller's retry makes a second lead."""
    emulator.faults.add("POST /rest/leads/*/status", Fault.http_status(503))
    with pytest.raises(errors.OutcomeUnknownError) as caught:
        _fallback().newLead({"description": "won deal", "outcome": {"id": 1}})
    assert "may have been applied" in str(caught.value)


# -- reads ----------------------------------------------------------------------------------------


def test_a_read_falls_back_on_a_503_after_its_request_was_sent(
    emulator: Emulator, mock: responses.RequestsMock, direct: RpcAPI
) -> None:
    expected = direct.getTask(TASK_ID)
    emulator.faults.add("GET /rest/tasks/*", Fault.http_status(503))
    before = len(mock.calls)
    assert _fallback().getTask(TASK_ID) == expected
    sent = _sent(mock, before)
    assert f"GET /rest/tasks/{TASK_ID}-tasks" in sent and sent[-1] == "rpc getTask"
