"""Bridged reads keep the legacy API's labels and primary accounts.

REST names every contact point (``{"name": "email"}`` for an unlabelled one) and lists a lead's
accounts with the primary one first; the legacy API keys an unlabelled value by its position
(``{"0": ..., "--primary": ...}``) and shows the primary account apart from the others. Records
written through JSON-RPC, labelled and not, are read back through the bridge and compared with
the direct answer, only the translator's declared differences ignored.
"""

from __future__ import annotations

from typing import Any

import pytest

from bridge import NutshellAPI as BridgeAPI
from bridge.diff import diff, from_differences, render
from bridge.translators import REGISTRY
from nutshell_rpc import NutshellAPI as RpcAPI


def _same(rpc: RpcAPI, bridge: BridgeAPI, method: str, *args: Any) -> Any:
    direct = rpc.call(method, *args)
    bridged = bridge.call(method, *args)
    found = diff(direct, bridged, ignore=from_differences(REGISTRY[method].differences))
    assert not found, render(found)
    return direct, bridged


def _without_rev(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "rev"}


POINTS: list[dict[str, Any]] = [
    {"email": ["a@x.com", "b@x.com"], "url": ["https://x.com", "https://y.com"]},
    {"email": {"work": "w@x.com", "home": "h@x.com", "--primary": "h@x.com"}},
    {"email": "solo@x.com", "url": {"site": "https://s.com"}},
    # Labelled with REST's own name for an unlabelled value: no label to either view.
    {"email": {"email": "e@x.com"}, "url": {"url": "https://u.com"}},
]


@pytest.mark.parametrize("points", POINTS)
@pytest.mark.parametrize("kind", ["Contact", "Account"])
def test_contact_points_keep_their_legacy_keys_through_rest(
    rpc: RpcAPI, bridge_rest: BridgeAPI, kind: str, points: dict[str, Any]
) -> None:
    created = rpc.call(f"new{kind}", {"name": f"Keys {kind}", **points})
    direct, bridged = _same(rpc, bridge_rest, f"get{kind}", created["id"])
    for key in points:
        assert bridged[key] == direct[key] == created[key]
    # Unlabelled values are keyed by their position, as the legacy API keys them.
    if isinstance(points.get("email"), list):
        assert list(bridged["email"]) == ["0", "1", "--primary"]


def test_a_bridged_write_answers_with_the_legacy_keys(rpc: RpcAPI, bridge_rest: BridgeAPI) -> None:
    written = bridge_rest.call("newContact", {"name": "Bridged", "email": ["p@x.com", "q@x.com"]})
    assert written["email"] == {"0": "p@x.com", "1": "q@x.com", "--primary": "p@x.com"}
    edited = bridge_rest.call("editContact", written["id"], None, {"url": ["https://z.com"]})
    assert edited["url"] == {"0": "https://z.com", "--primary": "https://z.com"}
    assert rpc.call("getContact", written["id"])["url"] == edited["url"]


@pytest.mark.parametrize(
    "accounts",
    [
        {"primaryAccount": {"id": 2}},
        {"primaryAccount": {"id": 2}, "accounts": [{"id": 3}, {"id": 2}]},
        {"accounts": [{"id": 4}, {"id": 3}]},
        {},
    ],
)
def test_a_leads_primary_account_reads_the_same_through_rest(
    rpc: RpcAPI, bridge_rest: BridgeAPI, accounts: dict[str, Any]
) -> None:
    created = rpc.call("newLead", {"description": "Accounts", **accounts})
    direct, bridged = _same(rpc, bridge_rest, "getLead", created["id"])
    if direct["primaryAccount"] is None:
        assert bridged["primaryAccount"] is None
    else:  # every key but the rev, which is the bridge's own (declared)
        assert _without_rev(bridged["primaryAccount"]) == _without_rev(direct["primaryAccount"])
    assert [a["id"] for a in bridged["accounts"]] == [a["id"] for a in direct["accounts"]]
    stubs = _same(rpc, bridge_rest, "findLeads", {"id": created["id"]})
    assert stubs[0][0]["primaryAccountName"] == stubs[1][0]["primaryAccountName"]
