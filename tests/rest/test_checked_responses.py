"""REST answers checked against the request: a get answers the record it asked for, and every
record a server sends has an id. Hostile servers are ``responses`` mocks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from nutshell_core import errors
from nutshell_core.model import Contact, CustomField, Lead
from nutshell_rest import RestClient

BASE = "https://app.nutshell.com/rest"
USER = "migrator@example.com"
KEY = "sekrit-KEY-123456"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rest"


def rec(rest_type: str, n: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"{n}-{rest_type}", "type": rest_type, **fields}


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def api() -> Iterator[RestClient]:
    with RestClient(USER, KEY, sleep=lambda _s: None) as client:
        yield client


def answer(rsps: responses.RequestsMock, path: str, body: Any) -> None:
    rsps.add(responses.GET, BASE + path, json=body)


def problems(exc: pytest.ExceptionInfo[errors.MalformedResponseError]) -> str:
    return "; ".join(exc.value.problems)


def test_get_returns_the_record_asked_for(rsps: responses.RequestsMock, api: RestClient) -> None:
    answer(rsps, "/leads/1-leads", {"leads": [rec("leads", 1, name="One")]})
    lead = api.leads.get(1)
    assert isinstance(lead, Lead) and lead.id == 1


@pytest.mark.parametrize(
    ("record", "where"),
    [
        (rec("contacts", 1, name="Ann"), "type 'contacts', expected 'leads' @ $.leads[0].type"),
        (rec("leads", 2, name="Two"), "id 2, expected 1-leads @ $.leads[0].id"),
        ({"name": "no id"}, "no id @ $.leads[0].id"),
        ({}, "no id @ $.leads[0].id"),
    ],
)
def test_get_refuses_another_record(
    rsps: responses.RequestsMock, api: RestClient, record: dict[str, Any], where: str
) -> None:
    answer(rsps, "/leads/1-leads", {"leads": [record]})
    with pytest.raises(errors.MalformedResponseError) as exc:
        api.leads.get(1)
    assert where in problems(exc)
    assert exc.value.target == "GET /leads/1-leads"


def test_get_refuses_an_id_of_another_type(rsps: responses.RequestsMock, api: RestClient) -> None:
    answer(rsps, "/leads/1-leads", {"leads": [{"id": "1-contacts", "name": "Ann"}]})
    with pytest.raises(errors.MalformedResponseError, match=r"@ \$\.leads\[0\]\.id"):
        api.leads.get(1)


def test_get_of_a_type_the_model_lacks_checks_the_dict(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    answer(rsps, "/quotes/3-quotes", {"quotes": [{"id": "3-quotes", "type": "quotes"}]})
    assert api.quotes.get(3) == {"id": "3-quotes", "type": "quotes"}
    rsps.replace(responses.GET, BASE + "/quotes/3-quotes", json={"quotes": [rec("quotes", 4)]})
    with pytest.raises(errors.MalformedResponseError, match=r"id 4, expected 3-quotes"):
        api.quotes.get(3)


def test_get_many_accepts_a_subset_but_never_a_stranger_or_a_copy(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    path = "/contacts/1-contacts,2-contacts"
    answer(rsps, path, {"contacts": [rec("contacts", 2, name="B")]})
    found = api.contacts.get_many([1, 2]).records
    assert [c.id for c in found if isinstance(c, Contact)] == [2]  # 1 is gone: not judged here
    rsps.replace(responses.GET, BASE + path, json={"contacts": [rec("contacts", 3)]})
    with pytest.raises(errors.MalformedResponseError, match=r"id 3, .* @ \$\.contacts\[0\]\.id"):
        api.contacts.get_many([1, 2])
    twice = {"contacts": [rec("contacts", 1), rec("contacts", 1)]}
    rsps.replace(responses.GET, BASE + path, json=twice)
    with pytest.raises(errors.MalformedResponseError, match=r"second time @ \$\.contacts\[1\]"):
        api.contacts.get_many([1, 2])


def test_fetch_for_webhooks_refuses_another_record(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    answer(rsps, "/leads/5-leads", {"leads": [rec("leads", 6)]})
    with pytest.raises(errors.MalformedResponseError):
        api.fetch("leads", 5)


def test_update_reread_refuses_another_record(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    rsps.add(responses.PATCH, BASE + "/leads/7-leads", status=204)
    answer(rsps, "/leads/7-leads", {"leads": [rec("leads", 8)]})
    ops = [{"op": "replace", "path": "/leads/0/name", "value": "x"}]
    with pytest.raises(errors.MalformedResponseError, match="id 8"):
        api.leads.update(7, ops, reread=True)


def test_lists_and_side_loads_need_ids(rsps: responses.RequestsMock, api: RestClient) -> None:
    answer(rsps, "/leads", {"leads": [rec("leads", 1), {}]})
    with pytest.raises(errors.MalformedResponseError, match=r"no id @ \$\.leads\[1\]\.id"):
        api.leads.list()
    side = {"leads": [rec("leads", 1)], "contacts": [{"name": "Ann"}]}
    rsps.replace(responses.GET, BASE + "/leads", json=side)
    with pytest.raises(errors.MalformedResponseError, match=r"no id @ \$\.contacts\[0\]\.id"):
        api.leads.list()


@pytest.mark.parametrize(
    ("stranger", "shown"),
    [(rec("contacts", 2, name="Ann"), "'contacts'"), (rec("gadgets", 3), "'gadgets'")],
    ids=["a-contact", "an-unknown-type"],
)
def test_a_list_never_passes_another_type_off_as_its_own(
    rsps: responses.RequestsMock, api: RestClient, stranger: dict[str, Any], shown: str
) -> None:
    # A contact (or an item of a type nobody knows) in the leads array is not a lead.
    answer(rsps, "/leads", {"leads": [rec("leads", 1), stranger]})
    with pytest.raises(errors.MalformedResponseError) as exc:
        api.leads.list()
    assert f"type {shown}, expected 'leads' @ $.leads[1].type" in problems(exc)
    with pytest.raises(errors.MalformedResponseError):
        list(api.leads.iterate())


def test_wrong_types_name_the_path(rsps: responses.RequestsMock, api: RestClient) -> None:
    answer(rsps, "/leads/1-leads", {"leads": [rec("leads", 1, name=5)]})
    with pytest.raises(errors.MalformedResponseError, match=r"@ \$\.leads\[0\]\.name"):
        api.leads.get(1)


def test_custom_field_values_carry_no_id_and_are_accepted(
    rsps: responses.RequestsMock, api: RestClient
) -> None:
    values = {"customFields": [{"type": "customFields", "name": "Budget", "value": "1"}]}
    answer(rsps, "/leads/1-leads/customfields", values)
    records = api.leads.customfields(1).records
    assert len(records) == 1 and isinstance(records[0], CustomField)


def test_the_recorded_list_passes(rsps: responses.RequestsMock, api: RestClient) -> None:
    body = json.loads((FIXTURES / "read/accounts/1-first-page.json").read_text(encoding="utf-8"))
    rsps.add(responses.GET, BASE + "/accounts", json=body)
    assert api.accounts.list().records
