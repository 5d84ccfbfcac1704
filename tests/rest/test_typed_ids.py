"""REST record ids must be in the documented form, ``{integer}-{entityType}`` (``"3-contacts"``).

A bare number (``"id": 1`` or ``"1"``) names no type, so it could be any record: a create
answered that way would hand the caller some other record 1. Such an answer is malformed,
naming the path; after a write it is an unknown outcome, since the server said it succeeded.
Hostile servers are ``responses`` mocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses

from nutshell_core import errors
from nutshell_core.model import Contact, Lead
from nutshell_rest import RestClient

BASE = "https://app.nutshell.com/rest"
USER = "migrator@example.com"
KEY = "sekrit-KEY-123456"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def api() -> Iterator[RestClient]:
    with RestClient(USER, KEY, sleep=lambda _s: None) as client:
        yield client


def lead(record_id: Any, **fields: Any) -> dict[str, Any]:
    return {"id": record_id, "type": "leads", "name": "One", **fields}


@pytest.mark.parametrize("spelled", ["1-leads", "01-leads"])
def test_an_id_in_the_documented_form_is_read(
    rsps: responses.RequestsMock, api: RestClient, spelled: str
) -> None:
    rsps.add(responses.GET, f"{BASE}/leads/1-leads", json={"leads": [lead(spelled)]})
    got = api.leads.get(1)
    assert isinstance(got, Lead) and got.id == 1


@pytest.mark.parametrize("spelled", [1, "1", "+1"])
def test_a_bare_number_for_an_id_is_malformed(
    rsps: responses.RequestsMock, api: RestClient, spelled: Any
) -> None:
    rsps.add(responses.GET, f"{BASE}/leads/1-leads", json={"leads": [lead(spelled)]})
    with pytest.raises(errors.MalformedResponseError) as caught:
        api.leads.get(1)
    assert not isinstance(caught.value, errors.OutcomeUnknownError)
    assert "@ $.leads[0].id" in str(caught.value)
    if spelled != "+1":  # not an id at all: refused when the record is read
        assert "expected '1-leads'" in str(caught.value)
        assert "'<n>-<type>' form" in str(caught.value)


def test_a_side_loaded_record_with_a_bare_id_is_malformed(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    body = {
        "leads": [lead("1-leads", links={"contacts": ["7-contacts"]})],
        "contacts": [{"id": 7, "type": "contacts", "name": "Ann"}],
    }
    rsps.add(responses.GET, f"{BASE}/leads", json=body)
    with pytest.raises(errors.MalformedResponseError) as caught:
        list(api.leads.iterate())
    assert "id 7, expected '7-contacts' @ $.contacts[0].id" in str(caught.value)


def test_a_create_answered_with_a_bare_id_is_an_unknown_outcome(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    answer = {"contacts": [{"id": 1, "type": "contacts", "name": "New Person"}]}
    rsps.add(responses.POST, f"{BASE}/contacts", json=answer, status=201)
    with pytest.raises(errors.OutcomeUnknownError) as caught:
        api.contacts.create(Contact(name="New Person"))
    # The create may have made a record, but which one the answer does not say.
    assert "'<n>-<type>' form" in str(caught.value)
    cause = caught.value.__cause__
    assert isinstance(cause, errors.MalformedResponseError)
    assert cause.problems == ("id 1, expected '1-contacts' @ $.contacts[0].id",)


def test_a_create_answered_in_the_documented_form_returns_the_record(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    answer = {"contacts": [{"id": "8-contacts", "type": "contacts", "name": "New Person"}]}
    rsps.add(responses.POST, f"{BASE}/contacts", json=answer, status=201)
    created = api.contacts.create(Contact(name="New Person"))
    assert isinstance(created, Contact) and created.id == 8
