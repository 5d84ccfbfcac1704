"""Request logs: which REST requests one call sent, and whether each may have reached the server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
import responses

from nutshell_core import errors
from nutshell_core.transport import RetryPolicy
from nutshell_rest import Patch, RestClient, SentRequest, track_requests
from nutshell_rest.tracking import RequestLog, record_request

BASE = "https://app.nutshell.com/rest"
USER = "migrator@example.com"
KEY = "sekrit-KEY-123456"
LEAD = {"meta": {}, "links": {}, "leads": [{"id": "5-leads", "type": "leads", "name": "x"}]}


@pytest.fixture
def client() -> Iterator[RestClient]:
    retry = RetryPolicy(max_attempts=2, deadline=5.0)
    with RestClient(USER, KEY, base_url=BASE, retry=retry, sleep=lambda _s: None) as rest:
        yield rest


@responses.activate
def test_a_log_records_each_request_and_whether_it_may_have_arrived(client: RestClient) -> None:
    responses.get(f"{BASE}/leads/5-leads", json=LEAD)
    responses.patch(f"{BASE}/leads/5-leads", status=503, json={"errors": [{"title": "down"}]})
    responses.get(f"{BASE}/leads/6-leads", body=requests.exceptions.ConnectTimeout("no route"))
    with track_requests() as log:
        assert not log.sent_any
        client.leads.get(5)
        assert log.sent_any and not log.sent_write
        with pytest.raises(errors.ConnectError):
            client.leads.get(6)
        with pytest.raises(errors.ServerError):
            client.leads.update(5, Patch("leads").replace("name", "y"))
    assert log.requests == (
        SentRequest("GET", "/leads/5-leads", reached=True),
        SentRequest("GET", "/leads/6-leads", reached=False),
        SentRequest("PATCH", "/leads/5-leads", reached=True),
    )
    assert log.sent_write and log.writes_to("/LEADS/5-leads") == 1


@responses.activate
def test_a_write_that_never_connected_is_not_counted_as_sent(client: RestClient) -> None:
    responses.patch(f"{BASE}/leads/5-leads", body=requests.exceptions.ConnectTimeout("no route"))
    with track_requests() as log, pytest.raises(errors.ConnectError):
        client.leads.update(5, Patch("leads").replace("name", "y"))
    assert log.requests == (SentRequest("PATCH", "/leads/5-leads", reached=False),)
    assert not log.sent_any and not log.sent_write


@responses.activate
def test_a_write_whose_connection_broke_counts_as_sent(client: RestClient) -> None:
    broken = requests.exceptions.ConnectionError(ConnectionResetError("reset by peer"))
    responses.patch(f"{BASE}/leads/5-leads", body=broken)
    with track_requests() as log, pytest.raises(errors.OutcomeUnknownError):
        client.leads.update(5, Patch("leads").replace("name", "y"))
    assert log.sent_write


def test_logs_nest_and_close() -> None:
    record_request("GET", "/leads", reached=True)  # no log open: nothing to record into
    with track_requests() as outer:
        record_request("GET", "/leads", reached=True)
        with track_requests() as inner:
            record_request("POST", "/leads/5-leads/status", reached=True)
        record_request("DELETE", "/leads/55-leads", reached=True)
    record_request("PUT", "/leads/5-leads", reached=True)  # after the block: not recorded
    assert len(inner.requests) == 1 and inner.writes_to("/leads/5-leads") == 1
    assert len(outer.requests) == 3
    # A path below the record counts; another record whose id starts alike does not.
    assert outer.writes_to("/leads/5-leads") == 1 and outer.writes_to("/leads/55-leads") == 1


@responses.activate
def test_concurrent_calls_through_one_client_each_see_only_their_own(client: RestClient) -> None:
    responses.get(f"{BASE}/leads/5-leads", json=LEAD)
    responses.patch(f"{BASE}/leads/5-leads", status=204)
    both = threading.Barrier(2)
    logs: dict[str, RequestLog] = {}

    def call(name: str, write: bool) -> None:
        with track_requests() as log:
            both.wait(timeout=10)
            for _ in range(20):
                if write:
                    client.leads.update(5, Patch("leads").replace("name", "y"))
                else:
                    client.leads.get(5)
            logs[name] = log

    threads = [
        threading.Thread(target=call, args=("reader", False)),
        threading.Thread(target=call, args=("writer", True)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert {r.method for r in logs["reader"].requests} == {"GET"}
    assert {r.method for r in logs["writer"].requests} == {"PATCH"}
    assert len(logs["reader"].requests) == len(logs["writer"].requests) == 20
    assert not logs["reader"].sent_write and logs["writer"].sent_write
