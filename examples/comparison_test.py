"""A comparison test: each legacy read gives the same answer through JSON-RPC and through REST.

Installing nutshell-migrate registers a pytest plugin whose ``parity`` fixture calls a read
through the JSON-RPC API and through the bridge (every method routed to REST), fails on any
difference the migration matrix does not declare, and returns the JSON-RPC result. By default
both sides answer from a seeded emulator, in-process; ``pytest --nutshell-live`` runs the same
tests read-only against the account in ``NUTSHELL_USERNAME`` / ``NUTSHELL_API_KEY``.

    pytest examples/comparison_test.py
"""

from __future__ import annotations

import pytest

from bridge.parity import Parity
from nutshell_core.model import Lead
from nutshell_rest import Query, RestClient


def test_open_leads_match(parity: Parity) -> None:
    """findLeads through REST matches JSON-RPC, page for page."""
    leads = parity("findLeads", query={"status": 0}, limit=20)
    assert leads, "the seeded emulator has open leads"


@pytest.mark.parametrize("method", ["findAccounts", "findContacts", "findProducts"])
def test_lists_match(parity: Parity, method: str) -> None:
    """Each list read matches; parity raises with a readable diff when it does not."""
    parity(method, limit=10)


def test_one_lead_matches(parity: Parity) -> None:
    """getLead matches for the first lead, linked records and all."""
    first = parity("findLeads", limit=1, stubResponses=True)
    if not first:
        pytest.skip("no leads in this account")
    lead = parity("getLead", first[0]["id"])
    assert lead["id"] == first[0]["id"]


def test_rest_client_sees_the_same_leads(parity: Parity, nutshell_rest_client: RestClient) -> None:
    """The REST client and the legacy API agree on which leads are open."""
    legacy = parity("findLeads", query={"status": 0}, limit=100, stubResponses=True)
    rest = nutshell_rest_client.leads.list(Query().filter(status="open"), limit=100)
    rest_ids = {lead.id for lead in rest.records if isinstance(lead, Lead)}
    assert {lead["id"] for lead in legacy} == rest_ids
