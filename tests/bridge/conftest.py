"""Fixtures for bridge tests: clients bound to the seeded emulator (``emulator``/``mock`` live in
the root conftest, shared with the command-line tests)."""

from __future__ import annotations

import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.bridge.worlds import rest_bridge

ENDPOINT = "https://app.nutshell.com/api/v1/json"


@pytest.fixture
def rpc(mock: responses.RequestsMock) -> RpcAPI:
    """A direct JSON-RPC client."""
    return RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, sleep=lambda _s: None)


@pytest.fixture
def bridge_rest(mock: responses.RequestsMock) -> BridgeAPI:
    """A bridge with every supported method routed to REST."""
    return rest_bridge()
