"""One store, two fronts: what one API writes the other reads the same way.

* a lead's primary account is the first of REST's ``links.accounts`` and the legacy
  ``primaryAccount`` (the legacy ``accounts`` are the others), whichever API wrote it;
* a contact or account created through either API has the caller as creator, and as owner
  unless the write names one;
* a contact point without a label is keyed by its position over JSON-RPC and named by its kind
  over REST (``{"name": "email"}``), and the kind's name read back from REST is no label.

See :mod:`nutshell_emulator.assumptions` ("Primary account", "creator/owner", "Contact point
labels") for the evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses

from nutshell_core.model import Account, Lead, Ref
from nutshell_emulator import Emulator
from nutshell_rest import Patch, RestClient
from nutshell_rest.convert import unstructure_record
from nutshell_rpc import NutshellAPI

EMAIL, KEY = "owner@example.com", "emulator-api-key-0001"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator()
    emu.seed(20, random_seed=3)
    yield emu
    emu.close()


@pytest.fixture
def apis(emulator: Emulator) -> Iterator[tuple[NutshellAPI, RestClient]]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        emulator.mount(rsps)
        rpc = NutshellAPI(EMAIL, KEY, sleep=lambda _s: None)
        rest = RestClient(EMAIL, KEY, sleep=lambda _s: None)
        yield rpc, rest
        rpc.close()
        rest.close()


def _accounts(emulator: Emulator, count: int) -> list[int]:
    ids = [a.id for a in emulator.store.all(Account)[:count]]
    assert all(isinstance(i, int) for i in ids) and len(ids) == count
    return [i for i in ids if isinstance(i, int)]


def _wire(rest: RestClient, resource: str, record_id: int) -> dict[str, Any]:
    """A record exactly as REST sent it (the converter keeps the wire)."""
    return unstructure_record(getattr(rest, resource).get(record_id))


def _rest_lead(rest: RestClient, lead_id: int) -> dict[str, Any]:
    return _wire(rest, "leads", lead_id)


def _legacy_accounts(lead: dict[str, Any]) -> tuple[int | None, list[int]]:
    primary = lead["primaryAccount"]
    return (primary["id"] if primary else None, [a["id"] for a in lead["accounts"]])


# -- a lead's primary account -------------------------------------------------------------------


def test_a_rest_lead_s_first_account_is_its_primary_account(
    emulator: Emulator, apis: tuple[NutshellAPI, RestClient]
) -> None:
    rpc, rest = apis
    a, b, c = _accounts(emulator, 3)
    links = {"accounts": [f"{b}-accounts", f"{a}-accounts"]}
    created = rest.leads.create({"description": "Two accounts", "links": links})
    assert isinstance(created, Lead) and isinstance(created.id, int)
    lead_id = created.id
    assert created.primary_account == Ref(entity="Account", id=b)
    stored = emulator.store.get(Lead, lead_id)
    assert isinstance(stored.primary_account, Ref) and stored.primary_account.id == b
    assert _legacy_accounts(rpc.getLead(lead_id)) == (b, [a])
    assert _rest_lead(rest, lead_id)["links"]["accounts"] == [f"{b}-accounts", f"{a}-accounts"]
    # Reordering the list through REST moves the primary account; adding one keeps it.
    rest.leads.update(lead_id, Patch("leads").replace_links("accounts", [a, b]))
    assert _legacy_accounts(rpc.getLead(lead_id)) == (a, [b])
    rest.leads.update(lead_id, Patch("leads").add_link("accounts", c))
    assert _legacy_accounts(rpc.getLead(lead_id)) == (a, [b, c])
    rest.leads.update(lead_id, Patch("leads").replace_links("accounts", []))
    assert _legacy_accounts(rpc.getLead(lead_id)) == (None, [])
    assert _rest_lead(rest, lead_id)["links"]["accounts"] == []


def test_a_legacy_primary_account_is_the_first_rest_account(
    emulator: Emulator, apis: tuple[NutshellAPI, RestClient]
) -> None:
    rpc, rest = apis
    a, b, c = _accounts(emulator, 3)
    only = rpc.newLead({"primaryAccount": {"id": a}})
    assert _legacy_accounts(only) == (a, [])  # as recorded: "accounts": [] beside it
    assert _rest_lead(rest, only["id"])["links"]["accounts"] == [f"{a}-accounts"]
    both = rpc.newLead({"primaryAccount": {"id": b}, "accounts": [{"id": c}, {"id": b}]})
    assert _legacy_accounts(both) == (b, [c])
    assert _rest_lead(rest, both["id"])["links"]["accounts"] == [f"{b}-accounts", f"{c}-accounts"]
    # Accounts and none named primary: the first one is, on both sides.
    unnamed = rpc.newLead({"accounts": [{"id": c}, {"id": a}]})
    assert _legacy_accounts(unnamed) == (c, [a])
    assert (
        rpc.findLeads({"id": unnamed["id"]})[0]["primaryAccountName"]
        == unnamed["primaryAccount"]["name"]
    )
    assert _rest_lead(rest, unnamed["id"])["links"]["accounts"] == [
        f"{c}-accounts",
        f"{a}-accounts",
    ]


def test_a_rest_patch_that_keeps_the_order_keeps_the_stored_accounts(
    emulator: Emulator, apis: tuple[NutshellAPI, RestClient]
) -> None:
    rpc, rest = apis
    (a,) = _accounts(emulator, 1)
    lead = rpc.newLead({"accounts": [{"id": a}]})  # stored with no primary account named
    before = emulator.store.get(Lead, lead["id"])
    rest.leads.update(lead["id"], Patch("leads").replace("description", "renamed"))
    after = emulator.store.get(Lead, lead["id"])
    assert (after.primary_account, after.accounts) == (before.primary_account, before.accounts)
    assert after.description == "renamed"


# -- creator and owner ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Contact", "Account"])
def test_a_new_contact_or_account_has_the_creator_each_api_records(
    apis: tuple[NutshellAPI, RestClient], kind: str
) -> None:
    """JSON-RPC leaves a new contact's or account's creator and owner empty (2017 recordings);
    REST makes the caller both, unless the body names an owner or an explicit null (2025
    recording). One store: each API reads the other's record with the same people."""
    rpc, rest = apis
    method, resource = f"new{kind}", f"{kind.lower()}s"
    me = rpc.call("getUser")["id"]
    legacy = rpc.call(method, {"name": "Made over JSON-RPC"})
    assert (legacy["creator"], legacy["owner"]) == (None, None)
    owned = rpc.call(method, {"name": "Owned", "owner": {"entityType": "Users", "id": 2}})
    assert (owned["creator"], owned["owner"]["id"]) == (None, 2)
    created = getattr(rest, resource).create({"name": "Made over REST"})
    assert created is not None and isinstance(created.id, int)
    over_rest = rpc.call(f"get{kind}", created.id)
    assert (over_rest["creator"]["id"], over_rest["owner"]["id"]) == (me, me)
    unowned = getattr(rest, resource).create({"name": "Nobody's", "links": {"owner": None}})
    assert unowned is not None and isinstance(unowned.id, int)
    read = rpc.call(f"get{kind}", unowned.id)
    assert (read["creator"]["id"], read["owner"]) == (me, None)
    # The same record read through the other API names the same people.
    links = _wire(rest, resource, legacy["id"])["links"]
    assert (links["creator"], links["owner"]) == (None, None)


# -- contact-point labels -------------------------------------------------------------------------


def test_unlabelled_values_are_positions_over_rpc_and_kinds_over_rest(
    apis: tuple[NutshellAPI, RestClient],
) -> None:
    rpc, rest = apis
    contact = rpc.newContact(
        {
            "name": "Points",
            "email": ["a@x.com", "b@x.com"],
            "url": ["https://x.com"],
            "phone": {"cell": "555-123-4567"},
            "address": [{"address_1": "1 Main", "city": "Austin"}],
        }
    )
    assert contact["email"] == {"0": "a@x.com", "1": "b@x.com", "--primary": "a@x.com"}
    assert list(contact["url"]) == ["0", "--primary"]
    assert list(contact["phone"]) == ["cell", "--primary"]
    assert list(contact["address"]) == ["0", "--primary"]
    wire = _wire(rest, "contacts", contact["id"])
    assert [e["name"] for e in wire["emails"]] == ["email", "email"]
    assert [u["name"] for u in wire["urls"]] == ["url"]
    assert [p["name"] for p in wire["phones"]] == ["cell"]
    assert [a["name"] for a in wire["addresses"]] == ["address"]
    # A REST client writing back what it read stores the kind's name: still no label to RPC.
    rest.contacts.update(contact["id"], Patch("contacts").replace_list("emails", wire["emails"]))
    again = rpc.getContact(contact["id"])
    assert again["email"] == contact["email"]
    assert again["url"] == contact["url"]
