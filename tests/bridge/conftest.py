"""Fixtures for bridge tests: a seeded emulator mounted in ``responses`` and clients bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.bridge.worlds import rest_bridge

ENDPOINT = "https://app.nutshell.com/api/v1/json"


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """An emulator seeded with a few hundred linked records (deterministic); a test module
    that needs fewer sets ``SEED_DATA = (records, random_seed)``."""
    records, random_seed = getattr(request.module, "SEED_DATA", (200, 11))
    emu = Emulator()
    emu.seed(records, random_seed=random_seed)
    yield emu
    emu.close()


@pytest.fixture
def mock(emulator: Emulator) -> Iterator[responses.RequestsMock]:
    """The emulator mounted on Nutshell's hosts."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        emulator.mount(rsps)
        yield rsps


@pytest.fixture
def rpc(mock: responses.RequestsMock) -> RpcAPI:
    """A direct JSON-RPC client."""
    return RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, sleep=lambda _s: None)


@pytest.fixture
def bridge_rest(mock: responses.RequestsMock) -> BridgeAPI:
    """A bridge with every supported method routed to REST."""
    return rest_bridge()
