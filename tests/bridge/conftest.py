"""Fixtures for bridge tests: a seeded emulator mounted in ``responses`` and clients bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.routes import Mode, Routes
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_rpc import NutshellAPI as RpcAPI

ENDPOINT = "https://app.nutshell.com/api/v1/json"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """An emulator seeded with a few hundred linked records (deterministic)."""
    emu = Emulator()
    emu.seed(200, random_seed=11)
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
    return BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=ENDPOINT,
        routes=Routes({}, default=Mode.REST),
        sleep=lambda _s: None,
    )
