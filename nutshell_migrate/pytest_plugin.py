"""A pytest plugin for side-by-side migration tests (registered through ``pytest11``).

Installing the package makes these fixtures available in any test suite:

* ``nutshell_emulator`` — a fresh :class:`~nutshell_emulator.Emulator`, seeded with about
  ``--nutshell-seed-records`` linked records (default 200) from ``--nutshell-seed``;
* ``nutshell_mock`` — that emulator mounted on Nutshell's hosts in a ``responses`` mock, so any
  client pointed at the real service talks to it in-process;
* ``nutshell_rpc_client``, ``nutshell_rest_client`` — clients bound to it;
* ``nutshell_bridge`` — a ``bridge.NutshellAPI`` bound to it (every method routed to REST);
* ``parity`` — ``parity("findLeads", query={"status": 0})`` calls a read through the JSON-RPC API
  and through the bridge, asserts the results match after the method's declared differences,
  and returns the direct result.

A comparison test is then a few lines::

    def test_open_leads_match(parity):
        parity("findLeads", query={"status": 0}, limit=20)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import responses

    from bridge.api import NutshellAPI as BridgeAPI
    from bridge.parity import Parity
    from nutshell_emulator import Emulator
    from nutshell_rest import RestClient
    from nutshell_rpc import NutshellAPI as RpcAPI

# The project is imported inside the fixtures, not here: pytest loads this plugin in every test
# run of every project that installs the package, and that must stay cheap and side-effect free.

RPC_ENDPOINT = "https://app.nutshell.com/api/v1/json"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options for the seeded emulator."""
    group = parser.getgroup("nutshell", "Nutshell emulator and bridge fixtures")
    group.addoption("--nutshell-seed", type=int, default=0, help="random seed for seed data")
    group.addoption(
        "--nutshell-seed-records", type=int, default=200, help="about how many records to seed"
    )


@pytest.fixture
def nutshell_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A seeded emulator (see ``--nutshell-seed`` and ``--nutshell-seed-records``)."""
    from nutshell_emulator import Emulator

    emulator = Emulator()
    emulator.seed(
        request.config.getoption("--nutshell-seed-records"),
        random_seed=request.config.getoption("--nutshell-seed"),
    )
    yield emulator
    emulator.close()


@pytest.fixture
def nutshell_mock(nutshell_emulator: Emulator) -> Iterator[responses.RequestsMock]:
    """The emulator mounted on Nutshell's hosts; other hosts are refused."""
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        nutshell_emulator.mount(mock)
        yield mock


@pytest.fixture
def nutshell_rpc_client(nutshell_mock: responses.RequestsMock) -> Iterator[RpcAPI]:
    """A JSON-RPC client bound to the emulator."""
    from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL
    from nutshell_rpc import NutshellAPI as RpcAPI

    with RpcAPI(
        DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=RPC_ENDPOINT, sleep=lambda _s: None
    ) as api:
        yield api


@pytest.fixture
def nutshell_rest_client(nutshell_mock: responses.RequestsMock) -> Iterator[RestClient]:
    """A REST client bound to the emulator."""
    from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL
    from nutshell_rest import RestClient

    with RestClient(DEFAULT_EMAIL, DEFAULT_API_KEY, sleep=lambda _s: None) as client:
        yield client


@pytest.fixture
def nutshell_bridge(nutshell_mock: responses.RequestsMock) -> Iterator[BridgeAPI]:
    """A bridge bound to the emulator with every method routed to REST."""
    from bridge.api import NutshellAPI as BridgeAPI
    from bridge.routes import Mode, Routes
    from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL

    with BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=RPC_ENDPOINT,
        routes=Routes({}, default=Mode.REST),
        sleep=lambda _s: None,
    ) as api:
        yield api


@pytest.fixture
def parity(nutshell_rpc_client: RpcAPI, nutshell_bridge: BridgeAPI) -> Parity:
    """Assert a read gives the same result through JSON-RPC and through the bridge."""
    from bridge.parity import Parity

    return Parity(nutshell_rpc_client, nutshell_bridge)
