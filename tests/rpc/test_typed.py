"""The typed face: model objects in and out, paging, and the generated legacy surface."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from nutshell_core import errors
from nutshell_core.catalog import RPC_METHODS
from nutshell_core.model import Lead, LeadStatus, Ref, Source, Tag
from nutshell_rpc import REV_IGNORE, NutshellAPI, _legacy_gen
from tests.rpc.rpc_helpers import ENDPOINT, KEY, USER, rpc_answer, sent_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpc"


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))["result"]


def api() -> NutshellAPI:
    return NutshellAPI(USER, KEY, endpoint=ENDPOINT, sleep=lambda _s: None)


def test_generated_legacy_module_is_current() -> None:
    generated = Path(_legacy_gen.__file__).with_name("_legacy.py").read_text(encoding="utf-8")
    assert generated == _legacy_gen.render(), "run: python -m nutshell_rpc._legacy_gen"


@pytest.mark.parametrize("name", sorted(RPC_METHODS))
def test_every_catalog_method_is_a_real_method_with_the_catalog_signature(name: str) -> None:
    method = getattr(NutshellAPI, name)
    params = list(inspect.signature(method).parameters)[1:]
    assert params == list(RPC_METHODS[name].param_names)
    assert method.__doc__


@responses.activate
def test_get_returns_a_model_record() -> None:
    responses.add_callback(
        responses.POST, ENDPOINT, callback=rpc_answer(recorded("hull/api_lead_get.json"))
    )
    lead = api().leads.get(1000)
    assert isinstance(lead, Lead)
    assert lead.id == 1000 and lead.status is LeadStatus.WON
    assert sent_json(responses.calls[0])["params"] == {"leadId": 1000}


def _paged_leads(total: int) -> Any:
    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body or b"{}")
        page, limit = body["params"]["page"], body["params"]["limit"]
        start = (page - 1) * limit
        ids = range(start + 1, min(total, start + limit) + 1)
        result = [
            {"stub": True, "id": i, "rev": "0", "entityType": "Leads", "name": f"Lead–{i}"}
            for i in ids
        ]
        payload = {"result": result, "id": body["id"], "error": None}
        return 200, {}, json.dumps(payload)

    return callback


@pytest.mark.parametrize(("total", "pages"), [(0, 1), (7, 3), (9, 4), (3, 2)])
@responses.activate
def test_iterate_walks_one_based_pages_and_stops_on_a_short_page(total: int, pages: int) -> None:
    responses.add_callback(responses.POST, ENDPOINT, callback=_paged_leads(total))
    leads = list(api().leads.iterate({"status": 0}, page_size=3))
    assert [lead.id for lead in leads] == list(range(1, total + 1))
    sent = [sent_json(c)["params"] for c in responses.calls]
    assert [p["page"] for p in sent] == list(range(1, pages + 1))
    assert all(p["query"] == {"status": 0} and p["limit"] == 3 for p in sent)


@responses.activate
def test_edit_requires_a_rev_and_rev_ignore_is_explicit() -> None:
    responses.add_callback(
        responses.POST, ENDPOINT, callback=rpc_answer(recorded("hull/api_lead_get.json"))
    )
    client = api()
    with pytest.raises(TypeError):
        client.leads.edit(1000, changes=Lead(description="x"))  # type: ignore[call-arg]
    client.leads.edit(1000, "17", Lead(description="new text"))
    client.leads.edit(1000, REV_IGNORE, {"description": "forced"})
    first, second = (sent_json(c)["params"] for c in responses.calls)
    assert first == {"leadId": 1000, "rev": "17", "lead": {"description": "new text"}}
    assert second["rev"] == "REV_IGNORE"


@responses.activate
def test_delete_returns_the_boolean_and_rejects_other_results() -> None:
    responses.add_callback(responses.POST, ENDPOINT, callback=rpc_answer(True))
    assert api().contacts.delete(7, "1") is True
    responses.replace(responses.POST, ENDPOINT, json={"result": {"odd": 1}, "id": 1, "error": None})
    with pytest.raises(errors.MalformedResponseError):
        api().contacts.delete(7, "1")


@responses.activate
def test_verbs_the_api_lacks_are_refused_before_any_request() -> None:
    client = api()
    with pytest.raises(errors.UsageError, match="no 'find' method for Note"):
        client.notes.find()
    with pytest.raises(errors.UsageError, match="no 'get' method for Stageset"):
        client.stagesets.get(1)
    assert len(responses.calls) == 0


@responses.activate
def test_notes_sources_and_tags_use_their_own_signatures() -> None:
    note = {"id": 5, "entityType": "Notes", "rev": "0", "note": "hello"}
    source = {"stub": True, "id": 2, "rev": "0", "entityType": "Sources", "name": "Web"}
    tag = {"id": 3, "entityType": "Tags", "rev": "0", "name": "VIP"}
    tags = {"Leads": ["VIP"], "Contacts": [], "Accounts": ["Partner"]}
    for answer in (note, source, tag, tags):
        responses.add_callback(responses.POST, ENDPOINT, callback=rpc_answer(answer))
    client = api()
    assert client.notes.add(Ref(entity="Lead", id=1003), "hello").body == "hello"
    assert client.sources.new(Source(name="Web")).name == "Web"
    assert client.tags.new(Tag(name="VIP", applies_to="Lead")).name == "VIP"
    assert [(t.name, t.applies_to) for t in client.tags.all()] == [
        ("VIP", "Lead"),
        ("Partner", "Account"),
    ]
    sent = [sent_json(c)["params"] for c in responses.calls]
    assert sent[0] == {"entity": {"entityType": "Leads", "id": 1003}, "note": "hello"}
    assert sent[1] == {"name": "Web"}
    assert sent[2] == {"tag": {"name": "VIP", "entityType": "Leads"}}
    assert sent[3] == {}


@responses.activate
def test_a_result_of_the_wrong_type_is_malformed() -> None:
    responses.add_callback(
        responses.POST, ENDPOINT, callback=rpc_answer(recorded("hull/api_contact_new.json"))
    )
    with pytest.raises(errors.MalformedResponseError):
        api().leads.get(1)
