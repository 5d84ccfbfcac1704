"""The proxy tells a call that may have been applied from one that failed.

* A write whose outcome is unknown upstream (a create whose read-back failed, an answer lost or
  garbled) is answered with JSON-RPC code -32099 on HTTP 500, "may have been applied; do not
  retry blindly", never the 502/503/504 that invite a retry.
* A read that fails upstream keeps its retryable answer.
* The banner shows upstream URLs without userinfo, query or fragment.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bridge.routes import Routes
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_emulator.faults import Fault
from nutshell_migrate import proxy
from nutshell_migrate.proxy import (
    NOT_BRIDGEABLE_CODE,
    NOT_BRIDGEABLE_MESSAGE,
    NOT_BRIDGEABLE_STATUS,
    OUTCOME_UNKNOWN_CODE,
    OUTCOME_UNKNOWN_MESSAGE,
    OUTCOME_UNKNOWN_STATUS,
)
from nutshell_migrate.proxy_command import _shown_url
from tests.migrate.test_cli import Running

TIMEOUT = 10.0  # seconds: the bound on every HTTP call
SEED_DATA = (12, 4)


@pytest.fixture
def upstream(emulator: Emulator) -> Iterator[Any]:
    """The seeded emulator served on loopback: what the proxy forwards to."""
    with emulator.serve() as urls:
        yield urls


def _call(url: str, method: str, params: Any) -> requests.Response:
    body = {"method": method, "params": params, "id": "outcome-1"}
    return requests.post(
        url, data=json.dumps(body), auth=(DEFAULT_EMAIL, DEFAULT_API_KEY), timeout=TIMEOUT
    )


@pytest.mark.parametrize("route", ["rest", "rest-fallback"])
def test_a_write_that_may_have_been_applied_gets_its_own_code(
    upstream: Any, emulator: Emulator, route: str
) -> None:
    emulator.faults.add("GET /rest/contacts/*", Fault.http_status(503))
    routes = Routes.from_mapping({"newContact": route})
    with proxy.serve(upstream_rpc=upstream.rpc, upstream_rest=upstream.rest, routes=routes) as urls:
        answer = _call(urls.rpc, "newContact", {"contact": {"name": "Dee Unknown"}})
        assert answer.status_code == OUTCOME_UNKNOWN_STATUS
        error = answer.json()["error"]
        assert error["code"] == OUTCOME_UNKNOWN_CODE
        assert error["message"].startswith(OUTCOME_UNKNOWN_MESSAGE)
        assert "may have been applied; do not retry blindly" in error["message"]
        assert "created Contact" in error["message"]
        assert error["data"] == {"outcome": "unknown", "retry": False}
        emulator.faults.clear()
        # The contact exists, once.
        found = _call(urls.rpc, "searchContacts", {"string": "Dee Unknown"}).json()["result"]
        assert len(found) == 1


def test_a_write_whose_answer_is_garbled_is_outcome_unknown_on_the_rpc_route(
    upstream: Any, emulator: Emulator
) -> None:
    emulator.faults.add("newContact", Fault.truncate())
    routes = Routes.from_mapping({"newContact": "rpc"})
    with proxy.serve(upstream_rpc=upstream.rpc, upstream_rest=upstream.rest, routes=routes) as urls:
        answer = _call(urls.rpc, "newContact", {"contact": {"name": "Eve Garbled"}})
        assert answer.status_code == OUTCOME_UNKNOWN_STATUS
        assert answer.json()["error"]["code"] == OUTCOME_UNKNOWN_CODE


def test_a_read_that_fails_upstream_stays_retryable(upstream: Any, emulator: Emulator) -> None:
    emulator.faults.add("getContact", Fault.truncate())
    routes = Routes.from_mapping({"getContact": "rpc"})
    with proxy.serve(upstream_rpc=upstream.rpc, upstream_rest=upstream.rest, routes=routes) as urls:
        answer = _call(urls.rpc, "getContact", {"contactId": 1})
        assert answer.status_code == 502
        assert answer.json()["error"]["code"] == 502


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://app.nutshell.com/rest?key=s3cret", "https://app.nutshell.com/rest?[secure]"),
        (
            "https://me:s3cret@app.nutshell.com:8443/x#s3cret",
            "https://app.nutshell.com:8443/x#[secure]",
        ),
        ("http://[::1]:9/api/v1/json", "http://[::1]:9/api/v1/json"),
        ("http://a:99999/", "(an invalid URL)"),
        (None, None),
    ],
)
def test_banner_urls_hide_userinfo_and_queries(url: str | None, shown: str | None) -> None:
    assert _shown_url(url) == shown


def test_the_banner_never_prints_an_upstream_query(
    upstream: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdout = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    secret = "query-token-77aa"
    argv = ["proxy", "--listen-port", "0", "--upstream-rpc", f"{upstream.rpc}?token={secret}"]
    argv += ["--upstream-rest", f"{upstream.rest}?key={secret}", "--run-seconds", "0.2"]
    running = Running(argv, stdout)
    text = running.wait_for(r"^  upstream rest:")
    assert running.finish() == 0
    assert secret not in stdout.getvalue() and secret not in text
    assert "?[secure]" in text


def test_a_call_rest_cannot_answer_is_not_the_callers_bad_params(upstream: Any) -> None:
    """501 with a code of its own and the reason, not -32602 "Invalid params": the request was
    fine, the route cannot answer it (rest-fallback or the JSON-RPC route would)."""
    routes = Routes.from_mapping({"*": "rest"})
    with proxy.serve(upstream_rpc=upstream.rpc, upstream_rest=upstream.rest, routes=routes) as urls:
        answer = _call(urls.rpc, "findTeams", {})
        assert answer.status_code == NOT_BRIDGEABLE_STATUS
        body = answer.json()
        assert body["jsonrpc"] == "2.0" and body["id"] == "outcome-1"
        assert body["error"]["code"] == NOT_BRIDGEABLE_CODE
        assert body["error"]["message"].startswith(NOT_BRIDGEABLE_MESSAGE)
        assert body["error"]["data"]["method"] == "findTeams"
        assert body["error"]["data"]["reason"] and body["error"]["data"]["retry"] is False


@pytest.mark.parametrize("route", ["rest", "rest-fallback", "rpc"])
def test_a_wrong_key_is_refused_in_the_legacy_words_on_every_route(
    upstream: Any, route: str
) -> None:
    routes = Routes.from_mapping({"*": route})
    with proxy.serve(upstream_rpc=upstream.rpc, upstream_rest=upstream.rest, routes=routes) as urls:
        body = json.dumps({"jsonrpc": "2.0", "method": "getLead", "params": [1], "id": 7})
        wrong = (DEFAULT_EMAIL, "not-the-key")
        answer = requests.post(urls.rpc, data=body, auth=wrong, timeout=TIMEOUT)
        direct = requests.post(upstream.rpc, data=body, auth=wrong, timeout=TIMEOUT)
        assert answer.status_code == direct.status_code == 401
        assert answer.json()["error"] == direct.json()["error"]


def test_the_proxys_own_refusals_are_json_rpc_2_envelopes(upstream: Any) -> None:
    with proxy.serve(upstream_rpc=upstream.rpc, upstream_rest=upstream.rest) as urls:
        answer = requests.post(
            urls.rpc.replace("/api/v1/json", "/api/v2/json"), data=b"{}", timeout=TIMEOUT
        )
        assert answer.status_code == 404
        assert answer.json()["jsonrpc"] == "2.0" and answer.json()["id"] is None
