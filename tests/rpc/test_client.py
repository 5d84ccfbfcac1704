"""The JSON-RPC client against ``responses``: discovery, codec, legacy face, errors."""

from __future__ import annotations

import json
import pickle
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from nutshell_core import errors
from nutshell_rpc import NutshellAPI
from tests.rpc.rpc_helpers import DISCOVERY, ENDPOINT, KEY, USER, rpc_answer, sent_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpc"


def recorded(name: str) -> dict[str, Any]:
    """A recorded Nutshell response from the fixtures."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def make_api(**options: Any) -> NutshellAPI:
    options.setdefault("sleep", lambda _s: None)
    return NutshellAPI(USER, KEY, **options)


@responses.activate
def test_discovery_pointing_elsewhere_is_refused_before_credentials_are_sent() -> None:
    answer = {"iphone": "x", "mobile": "x", "api": "evil.example.com", "login": "x"}
    responses.add_callback(responses.POST, DISCOVERY, callback=rpc_answer(answer))
    responses.add_callback(
        responses.POST, "https://evil.example.com/api/v1/json", callback=rpc_answer([])
    )
    api = make_api()
    with pytest.raises(errors.InsecureTransportError, match=r"evil\.example\.com"):
        api.findAccounts()
    assert [c.request.url for c in responses.calls] == [DISCOVERY]
    assert "Authorization" not in responses.calls[0].request.headers


@pytest.mark.parametrize(
    "host",
    ["evil.example.com/x?nutshell.com", "user@app.nutshell.com", "nutshell.com.evil.io", ""],
)
@responses.activate
def test_discovery_rejects_smuggled_hosts(host: str) -> None:
    responses.add_callback(responses.POST, DISCOVERY, callback=rpc_answer({"api": host}))
    with pytest.raises((errors.InsecureTransportError, errors.MalformedResponseError)):
        make_api().findAccounts()
    assert len(responses.calls) == 1


@responses.activate
def test_discovery_accepts_explicitly_trusted_host() -> None:
    responses.add_callback(
        responses.POST, DISCOVERY, callback=rpc_answer({"api": "crm.example.org"})
    )
    responses.add_callback(
        responses.POST, "https://crm.example.org/api/v1/json", callback=rpc_answer([])
    )
    api = make_api(trusted_hosts=["crm.example.org"])
    assert api.findAccounts() == []
    assert responses.calls[1].request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_discovery_is_lazy_cached_with_ttl_and_thread_safe() -> None:
    now = [0.0]
    responses.add_callback(
        responses.POST,
        DISCOVERY,
        callback=rpc_answer(recorded("hull/api_discovery.json")["result"]),
    )
    responses.add_callback(responses.POST, ENDPOINT, callback=rpc_answer([]))
    api = make_api(discovery_ttl=60.0, clock=lambda: now[0])
    assert len(responses.calls) == 0  # nothing in the constructor
    threads = [threading.Thread(target=api.findTags) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sum(c.request.url == DISCOVERY for c in responses.calls) == 1
    now[0] = 61.0
    api.findTags()
    assert sum(c.request.url == DISCOVERY for c in responses.calls) == 2
    discovery_body = sent_json(responses.calls[0])
    assert discovery_body["method"] == "getApiForUsername"
    assert discovery_body["params"] == {"username": USER}


LEGACY_SCRIPT = """
from nutshell import NutshellAPI

api = NutshellAPI(USERNAME, API_KEY)
accounts = api.findAccounts()
leads = api.findLeads(query={"accountId": accounts[0]["id"]}, limit=10)
"""


@responses.activate
def test_legacy_script_runs_with_only_the_import_changed() -> None:
    discovery = recorded("hull/api_discovery.json")["result"]
    responses.add_callback(responses.POST, DISCOVERY, callback=rpc_answer(discovery))
    responses.add_callback(
        responses.POST, ENDPOINT, callback=rpc_answer([{"stub": True, "id": 1, "name": "Acme"}])
    )
    migrated = LEGACY_SCRIPT.replace("from nutshell import", "from nutshell_rpc import")
    assert migrated.count("\n") == LEGACY_SCRIPT.count("\n")  # one line changed, nothing else
    namespace: dict[str, Any] = {"USERNAME": USER, "API_KEY": KEY}
    exec(compile(migrated, "legacy_script.py", "exec"), namespace)
    assert namespace["accounts"] == [{"stub": True, "id": 1, "name": "Acme"}]
    methods = [sent_json(c)["method"] for c in responses.calls]
    assert methods == ["getApiForUsername", "findAccounts", "findLeads"]
    assert sent_json(responses.calls[2])["params"] == {"query": {"accountId": 1}, "limit": 10}


@responses.activate
def test_positional_and_named_arguments_map_through_the_catalog() -> None:
    responses.add_callback(
        responses.POST, ENDPOINT, callback=rpc_answer(recorded("hull/api_lead_get.json")["result"])
    )
    api = make_api(endpoint=ENDPOINT)
    api.editLead(1003, "4", {"description": "x"})
    api.findLeads(query={"status": 0}, limit=10)
    api.getLead(1000)  # the id of the recorded lead: a get must answer the record it asked for
    bodies = [sent_json(c) for c in responses.calls]
    assert bodies[0]["params"] == {"leadId": 1003, "rev": "4", "lead": {"description": "x"}}
    assert bodies[1]["params"] == {"query": {"status": 0}, "limit": 10}
    assert bodies[2]["params"] == {"leadId": 1000}
    assert len({b["id"] for b in bodies}) == 3  # ids from the client's own generator


@responses.activate
def test_positional_params_style_fills_defaults_up_to_the_last_given() -> None:
    responses.add_callback(responses.POST, ENDPOINT, callback=rpc_answer([]))
    api = make_api(endpoint=ENDPOINT, params_style="positional")
    api.findLeads(None, "id", "ASC", 50)
    api.findLeads(limit=5)
    assert sent_json(responses.calls[0])["params"] == [None, "id", "ASC", 50]
    assert sent_json(responses.calls[1])["params"] == [None, "id", "ASC", 5]


@responses.activate
def test_unknown_methods_and_arguments_are_rejected_before_any_request() -> None:
    api = make_api(endpoint=ENDPOINT)
    with pytest.raises(errors.UnknownMethodError):
        api.call("findPipelines")
    with pytest.raises(errors.UsageError, match="unexpected argument 'bogus'"):
        api.call("findLeads", bogus=1)
    with pytest.raises(errors.UsageError, match="missing required"):
        api.call("editLead", 1003)
    with pytest.raises(errors.UsageError, match="at most"):
        api.call("getLead", 1, "2", 3)
    with pytest.raises(TypeError):
        api.findLeads(bogus=1)  # type: ignore[call-arg]
    assert len(responses.calls) == 0


@responses.activate
def test_stale_rev_raises_conflict_with_the_server_message() -> None:
    error = {"code": 409, "message": "rev key is out-of-date", "data": None}
    responses.add_callback(responses.POST, ENDPOINT, callback=rpc_answer(error=error, status=409))
    api = make_api(endpoint=ENDPOINT)
    with pytest.raises(errors.ConflictError) as caught:
        api.editLead(1003, "3", {"description": "new"})
    assert caught.value.message == "rev key is out-of-date"
    assert caught.value.status == 409 and caught.value.code == 409
    assert caught.value.target == "editLead"
    assert len(responses.calls) == 1  # a write is never re-sent


@responses.activate
def test_error_member_with_null_result_raises_never_returns_none() -> None:
    body = recorded("hull/api_invalid_request.json")
    responses.add_callback(
        responses.POST, ENDPOINT, callback=rpc_answer(error=body["error"], status=200)
    )
    with pytest.raises(errors.InvalidRequestError, match="Invalid Request"):
        make_api(endpoint=ENDPOINT).getLead(1)


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (401, {"code": 401, "message": "API key not found"}, errors.AuthenticationError),
        (404, {"code": -32601, "message": "Method not found"}, errors.MethodNotFoundError),
        (200, {"code": -32601, "message": "Method not found"}, errors.MethodNotFoundError),
        (500, {"code": -32000, "message": "boom"}, errors.ServerError),
        (403, {"code": 403, "message": "nope"}, errors.PermissionDeniedError),
    ],
)
@responses.activate
def test_error_codes_and_statuses_map_to_typed_errors(
    status: int, error: dict[str, Any], expected: type[Exception]
) -> None:
    responses.add_callback(
        responses.POST, ENDPOINT, callback=rpc_answer(error=error, status=status)
    )
    with pytest.raises(expected) as caught:
        make_api(endpoint=ENDPOINT).getLead(1)
    assert "getLead" in str(caught.value)
    clone = pickle.loads(pickle.dumps(caught.value))
    assert type(clone) is expected and str(clone) == str(caught.value)


@pytest.mark.parametrize(
    ("body", "content_type", "fragment"),
    [
        ("<!DOCTYPE html><html><title>Oops</title></html>", "text/html", "HTML"),
        ("", "application/json", "empty"),
        ('{"result": [1, 2', "application/json", "invalid JSON"),
        ('[{"result": 1, "id": 1}]', "application/json", "batch"),
        ('"just a string"', "application/json", "must be an object"),
        ('{"id": 1, "jsonrpc": "2.0"}', "application/json", "neither result nor error"),
        ('{"result": 1, "error": "bad", "id": 1}', "application/json", "error must be an object"),
    ],
)
@responses.activate
def test_malformed_bodies_raise_a_typed_error_naming_the_method(
    body: str, content_type: str, fragment: str
) -> None:
    responses.post(ENDPOINT, body=body, status=200, content_type=content_type)
    with pytest.raises(errors.MalformedResponseError) as caught:
        make_api(endpoint=ENDPOINT).findLeads()
    assert "findLeads" in str(caught.value)
    assert fragment in str(caught.value)


@responses.activate
def test_mismatched_response_id_is_malformed() -> None:
    responses.add_callback(responses.POST, ENDPOINT, callback=rpc_answer([], echo_id=False))
    with pytest.raises(errors.MalformedResponseError, match="id"):
        make_api(endpoint=ENDPOINT).findLeads()


@responses.activate
def test_html_error_page_with_error_status_maps_by_status() -> None:
    responses.post(ENDPOINT, body="<html>Unauthorized</html>", status=401, content_type="text/html")
    with pytest.raises(errors.AuthenticationError):
        make_api(endpoint=ENDPOINT).findLeads()


@responses.activate
def test_results_are_returned_exactly_as_sent() -> None:
    payload = recorded("hull/api_lead_get.json")
    responses.add_callback(responses.POST, ENDPOINT, callback=rpc_answer(payload["result"]))
    assert make_api(endpoint=ENDPOINT).getLead(1000) == payload["result"]


@responses.activate
def test_request_id_header_is_carried_on_errors() -> None:
    error = {"code": 409, "message": "rev key is out-of-date", "data": None}
    responses.add_callback(
        responses.POST,
        ENDPOINT,
        callback=rpc_answer(error=error, status=409, headers={"x-nutshell-request-id": "req-42"}),
    )
    with pytest.raises(errors.ConflictError) as caught:
        make_api(endpoint=ENDPOINT).deleteLead(1, "0")
    assert caught.value.request_id == "req-42"


def test_repr_never_shows_the_key() -> None:
    api = make_api(endpoint=ENDPOINT)
    assert KEY not in repr(api)
    assert USER in repr(api)


def test_plain_http_endpoint_off_loopback_is_refused() -> None:
    with pytest.raises(errors.InsecureTransportError):
        make_api(endpoint="http://app.nutshell.com/api/v1/json")
    make_api(endpoint="http://127.0.0.1:8080/api/v1/json")  # loopback is fine (the emulator)


@pytest.mark.parametrize(
    "body",
    [
        '{"result": 1, "id": true, "error": null}',
        '{"result": 1, "id": 1.0, "error": null}',
        '{"result": 1, "id": "1", "error": null}',
        '{"result": NaN, "id": 1, "error": null}',
    ],
)
@responses.activate
def test_echoed_ids_and_values_must_be_exact_json(body: str) -> None:
    responses.post(ENDPOINT, body=body, status=200, content_type="application/json")
    with pytest.raises(errors.MalformedResponseError):
        make_api(endpoint=ENDPOINT).findLeads()


@responses.activate
def test_an_edit_that_timed_out_after_sending_is_not_resent() -> None:
    responses.post(ENDPOINT, body=requests.exceptions.ReadTimeout("slow"))
    responses.add_callback(
        responses.POST,
        ENDPOINT,
        callback=rpc_answer(error={"code": 409, "message": "rev key is out-of-date"}, status=409),
    )
    with pytest.raises(errors.OutcomeUnknownError, match="unknown"):
        make_api(endpoint=ENDPOINT).editLead(1003, "REV_IGNORE", {"note": "called"})
    assert len(responses.calls) == 1
