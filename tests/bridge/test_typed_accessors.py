"""The typed face through the bridge: ``api.leads.get(1003)`` returns a model Lead whichever
route answers, and it equals what the direct JSON-RPC client's typed face returns once the
declared differences (revs, the assignee's name and times) are set aside."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

import attrs
import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.routes import Mode, Routes
from nutshell_core.errors import UsageError
from nutshell_core.model import UNSET, Contact, Lead, Record, Ref
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.bridge.worlds import ENDPOINT

#: Small enough to page through quickly, big enough for several pages of leads.
SEED_DATA = (60, 11)

ROUTES = [Mode.REST, Mode.RPC, Mode.REST_FALLBACK, Mode.SHADOW]

#: The reads these tests make; shadow routes name them (a shadow default would shadow writes).
READS = ("getLead", "findLeads", "getContact", "findContacts")

R = TypeVar("R", bound=Record)


def _bridge(mode: Mode) -> BridgeAPI:
    if mode.shadows:
        routes = Routes(dict.fromkeys(READS, mode), default=Mode.RPC)
    else:
        routes = Routes({}, default=mode)
    return BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=ENDPOINT,
        routes=routes,
        sleep=lambda _s: None,
        raise_on_mismatch=True,
    )


@pytest.fixture
def rpc(mock: responses.RequestsMock) -> Iterator[RpcAPI]:
    """The direct JSON-RPC client, whose typed face the bridge's must match."""
    with RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, sleep=lambda _s: None) as api:
        yield api


@pytest.fixture(params=ROUTES, ids=lambda mode: mode.value)
def bridge(request: pytest.FixtureRequest, mock: responses.RequestsMock) -> Iterator[BridgeAPI]:
    """A bridge with every method on one route."""
    with _bridge(request.param) as api:
        yield api


def _plain(ref: object) -> object:
    # The bridge names an assignee from REST, which may spell it differently (declared).
    return Ref(entity=ref.entity, id=ref.id) if isinstance(ref, Ref) else ref


def _comparable(record: R) -> R:
    """The record without what getLead/getContact declare as differing between routes."""
    changes: dict[str, Any] = {"rev": UNSET}
    if isinstance(record, Lead):
        changes["owner"] = _plain(record.owner)
    return attrs.evolve(record, **changes)


def _lead_ids(rpc: RpcAPI) -> list[int]:
    ids = [lead.id for lead in rpc.leads.find(limit=5)]
    assert len(ids) == 5
    return [i for i in ids if isinstance(i, int)]


def test_the_bridge_has_the_typed_services(bridge: BridgeAPI) -> None:
    assert bridge.leads is bridge.leads  # built once, then cached
    assert repr(bridge.contacts).startswith("EntityService(Contact")


def test_get_returns_the_same_model_lead_on_every_route(rpc: RpcAPI, bridge: BridgeAPI) -> None:
    for lead_id in _lead_ids(rpc):
        direct = rpc.leads.get(lead_id)
        bridged = bridge.leads.get(lead_id)
        assert isinstance(bridged, Lead)
        assert bridged.id == lead_id
        assert isinstance(bridged.rev, str)
        assert (bridged.name, bridged.status) == (direct.name, direct.status)
        assert _comparable(bridged) == _comparable(direct)


def test_get_returns_a_model_contact(rpc: RpcAPI, bridge: BridgeAPI) -> None:
    contact_id = rpc.contacts.find(limit=1)[0].id
    assert isinstance(contact_id, int)
    contact = bridge.contacts.get(contact_id)
    assert isinstance(contact, Contact)
    direct = rpc.contacts.get(contact_id)
    assert (contact.id, contact.name, contact.emails) == (direct.id, direct.name, direct.emails)


def test_find_returns_the_same_page_of_leads(rpc: RpcAPI, bridge: BridgeAPI) -> None:
    direct = rpc.leads.find({"status": 0}, limit=7, page=2)
    bridged = bridge.leads.find({"status": 0}, limit=7, page=2)
    assert bridged
    assert all(isinstance(lead, Lead) for lead in bridged)
    assert [(lead.id, lead.name) for lead in bridged] == [(lead.id, lead.name) for lead in direct]


def test_iterate_walks_every_page(rpc: RpcAPI, bridge: BridgeAPI) -> None:
    direct = [lead.id for lead in rpc.leads.iterate(page_size=7)]
    bridged = [lead.id for lead in bridge.leads.iterate(page_size=7)]
    assert len(direct) > 7  # more than one page, so paging is exercised
    assert bridged == direct
    assert len(set(bridged)) == len(bridged)


def test_unknown_verbs_are_refused_before_any_request(
    bridge: BridgeAPI, mock: responses.RequestsMock
) -> None:
    sent = len(mock.calls)
    with pytest.raises(UsageError, match="no 'get' method for Stageset"):
        bridge.stagesets.get(1)
    assert len(mock.calls) == sent
