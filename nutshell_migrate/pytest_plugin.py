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

``pytest --nutshell-live`` runs the same tests against a real account, read-only. The account
comes from the environment: ``NUTSHELL_USERNAME`` (the user's email) and ``NUTSHELL_API_KEY``,
plus optional ``NUTSHELL_RPC_ENDPOINT`` (else discovered for the user) and ``NUTSHELL_REST_URL``
(else beside the RPC endpoint, else Nutshell's). ``nutshell_rpc_client``,
``nutshell_rest_client``, ``nutshell_bridge`` and ``parity`` then bind to that account, and
every catalog write (and every REST request but GET/HEAD/OPTIONS) is refused with
:class:`~nutshell_core.errors.PolicyDenied` before it is sent; tests that need
``nutshell_emulator`` or ``nutshell_mock`` are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, NamedTuple

import pytest

if TYPE_CHECKING:
    import responses

    from bridge.api import NutshellAPI as BridgeAPI
    from bridge.parity import Parity
    from nutshell_core.transport import Credentials
    from nutshell_emulator import Emulator
    from nutshell_rest import RestClient
    from nutshell_rpc import NutshellAPI as RpcAPI

# The project is imported inside the fixtures and hooks, not here: pytest loads this plugin in
# every test run of every project that installs the package, and that must stay cheap and
# side-effect free (no ``responses``, no test-only packages).

RPC_ENDPOINT = "https://app.nutshell.com/api/v1/json"

LIVE_OPTION = "--nutshell-live"
ENV_USERNAME = "NUTSHELL_USERNAME"
ENV_API_KEY = "NUTSHELL_API_KEY"
ENV_RPC_ENDPOINT = "NUTSHELL_RPC_ENDPOINT"
ENV_REST_URL = "NUTSHELL_REST_URL"


class LiveAccount(NamedTuple):
    """The real account ``--nutshell-live`` compares against (the key is masked by repr)."""

    credentials: Credentials
    rpc_endpoint: str | None
    rest_url: str | None


_LIVE = pytest.StashKey["LiveAccount | None"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options for the seeded emulator and for live mode."""
    group = parser.getgroup("nutshell", "Nutshell emulator and bridge fixtures")
    group.addoption("--nutshell-seed", type=int, default=0, help="random seed for seed data")
    group.addoption(
        "--nutshell-seed-records", type=int, default=200, help="about how many records to seed"
    )
    group.addoption(
        LIVE_OPTION,
        action="store_true",
        default=False,
        help=(
            f"bind the clients, bridge and parity to a real account, read-only "
            f"({ENV_USERNAME}, {ENV_API_KEY}; optional {ENV_RPC_ENDPOINT}, {ENV_REST_URL})"
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    """Read the live account from the environment when ``--nutshell-live`` is given."""
    live = live_account(os.environ) if config.getoption(LIVE_OPTION) else None
    config.stash[_LIVE] = live


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say that the run talks to a real account, and as whom (never the key)."""
    live = config.stash.get(_LIVE, None)
    if live is None:
        return None
    where = live.rpc_endpoint or "the endpoint discovered for the user"
    return f"nutshell: live account {live.credentials.username} at {where} (read-only)"


def live_account(environ: Mapping[str, str]) -> LiveAccount:
    """The account named by the environment; :class:`pytest.UsageError` when it is incomplete.

    Endpoints must be ``https://`` (or ``http://`` to loopback), checked here so a bad one stops
    the session before any test instead of failing each one.
    """
    from nutshell_core.errors import NutshellError
    from nutshell_core.transport import Credentials, check_url_is_safe

    username = environ.get(ENV_USERNAME, "").strip()
    api_key = environ.get(ENV_API_KEY, "").strip()
    missing = [
        name for name, value in ((ENV_USERNAME, username), (ENV_API_KEY, api_key)) if not value
    ]
    if missing:
        raise pytest.UsageError(
            f"{LIVE_OPTION} needs {' and '.join(missing)} in the environment "
            "(the account user's email and an API key)"
        )
    try:
        credentials = Credentials(username=username, api_key=api_key)
    except NutshellError as exc:
        raise pytest.UsageError(f"{LIVE_OPTION}: {exc}") from None
    urls: dict[str, str | None] = {}
    for name in (ENV_RPC_ENDPOINT, ENV_REST_URL):
        url = environ.get(name, "").strip() or None
        if url is not None:
            try:
                check_url_is_safe(url)
            except NutshellError as exc:
                raise pytest.UsageError(f"{LIVE_OPTION}: {name}: {exc}") from None
        urls[name] = url
    rpc_endpoint, rest_url = urls[ENV_RPC_ENDPOINT], urls[ENV_REST_URL]
    if rest_url is None and rpc_endpoint is not None:
        # REST lives beside the JSON-RPC endpoint (as the bridge assumes): a key meant for a
        # test server must not go to Nutshell's own REST host.
        scheme, _, rest = rpc_endpoint.partition("://")
        rest_url = f"{scheme}://{rest.split('/', 1)[0]}/rest"
    return LiveAccount(credentials, rpc_endpoint, rest_url)


def _live(request: pytest.FixtureRequest) -> LiveAccount | None:
    return request.config.stash.get(_LIVE, None)


def _skip_when_live(request: pytest.FixtureRequest, fixture: str) -> None:
    if _live(request) is not None:
        pytest.skip(f"{fixture} is not available with {LIVE_OPTION}")


def _read_only_rest(live: LiveAccount) -> RestClient:
    from nutshell_migrate.read_only import ReadOnlyTransport
    from nutshell_rest import RestClient
    from nutshell_rest.client import DEFAULT_BASE_URL

    credentials = live.credentials
    return RestClient(
        credentials.username,
        credentials.api_key,
        base_url=live.rest_url or DEFAULT_BASE_URL,
        transport=ReadOnlyTransport(credentials=credentials),
    )


def _read_only_rpc(live: LiveAccount) -> RpcAPI:
    from nutshell_migrate.read_only import ReadOnlyRpcAPI

    credentials = live.credentials
    return ReadOnlyRpcAPI(credentials.username, credentials.api_key, endpoint=live.rpc_endpoint)


@pytest.fixture
def nutshell_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A seeded emulator (see ``--nutshell-seed`` and ``--nutshell-seed-records``)."""
    _skip_when_live(request, "nutshell_emulator")
    from nutshell_emulator import Emulator

    emulator = Emulator()
    emulator.seed(
        request.config.getoption("--nutshell-seed-records"),
        random_seed=request.config.getoption("--nutshell-seed"),
    )
    yield emulator
    emulator.close()


@pytest.fixture
def nutshell_mock(request: pytest.FixtureRequest) -> Iterator[responses.RequestsMock]:
    """The emulator mounted on Nutshell's hosts; other hosts are refused."""
    _skip_when_live(request, "nutshell_mock")
    import responses

    emulator: Emulator = request.getfixturevalue("nutshell_emulator")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        yield mock


@pytest.fixture
def nutshell_rpc_client(request: pytest.FixtureRequest) -> Iterator[RpcAPI]:
    """A JSON-RPC client bound to the emulator (to the live account, read-only, when live)."""
    live = _live(request)
    if live is not None:
        with _read_only_rpc(live) as api:
            yield api
        return
    from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL
    from nutshell_rpc import NutshellAPI as RpcAPI

    request.getfixturevalue("nutshell_mock")
    with RpcAPI(
        DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=RPC_ENDPOINT, sleep=lambda _s: None
    ) as api:
        yield api


@pytest.fixture
def nutshell_rest_client(request: pytest.FixtureRequest) -> Iterator[RestClient]:
    """A REST client bound to the emulator (to the live account, GET only, when live)."""
    live = _live(request)
    if live is not None:
        with _read_only_rest(live) as client:
            yield client
        return
    from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL
    from nutshell_rest import RestClient

    request.getfixturevalue("nutshell_mock")
    with RestClient(DEFAULT_EMAIL, DEFAULT_API_KEY, sleep=lambda _s: None) as client:
        yield client


@pytest.fixture
def nutshell_bridge(request: pytest.FixtureRequest) -> Iterator[BridgeAPI]:
    """A bridge with every method routed to REST, bound to the emulator (to the live account,
    read-only, when live)."""
    from bridge.api import NutshellAPI as BridgeAPI
    from bridge.routes import Mode, Routes

    routes = Routes({}, default=Mode.REST)
    live = _live(request)
    if live is not None:
        from nutshell_migrate.read_only import ReadOnlyBridgeAPI

        credentials = live.credentials
        with ReadOnlyBridgeAPI(
            credentials.username,
            credentials.api_key,
            routes=routes,
            rpc=_read_only_rpc(live),
            rest=_read_only_rest(live),
        ) as bridge:
            yield bridge
        return
    from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL

    request.getfixturevalue("nutshell_mock")
    with BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=RPC_ENDPOINT,
        routes=routes,
        sleep=lambda _s: None,
    ) as api:
        yield api


@pytest.fixture
def parity(nutshell_rpc_client: RpcAPI, nutshell_bridge: BridgeAPI) -> Parity:
    """Assert a read gives the same result through JSON-RPC and through the bridge."""
    from bridge.parity import Parity

    return Parity(nutshell_rpc_client, nutshell_bridge)
