"""Guards every test in the suite runs under.

* **No network but loopback.** Any socket connection to an address outside 127.0.0.0/8 and
  ::1 is refused and fails the test: Nutshell's hosts appear only behind ``responses``.
  Proxy variables are cleared, so nothing is routed through a proxy either.
* **No credential leaks.** The API keys the tests use must never appear in log output at
  DEBUG level, nor in ``str()``/``repr()`` of any project error raised during a test.

It also holds the seeded emulator (``emulator``) and its ``responses`` mount (``mock``) that the
bridge and command-line tests share; a test module that needs fewer records sets
``SEED_DATA = (records, random_seed)``.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from hypothesis import settings

from nutshell_core import errors
from nutshell_emulator import DEFAULT_API_KEY, Emulator

# Example counts bound the property tests; a wall-clock deadline per example would only make
# them flaky on a shared, loaded machine.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

#: The keys tests authenticate with; each must stay secret everywhere.
SECRETS = ("sekrit-KEY-123456", DEFAULT_API_KEY, "another-key-000000000")

_PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def _is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and the like stay on this machine
        return True
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def only_loopback_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse (and fail the test on) any connection off this machine."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    attempts: list[Any] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> None:
        if not _is_loopback(address):
            attempts.append(address)
            raise ConnectionRefusedError(f"test network guard: {address!r} is not loopback")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not _is_loopback(address):
            attempts.append(address)
            raise ConnectionRefusedError(f"test network guard: {address!r} is not loopback")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield
    assert not attempts, f"the test tried to reach the network: {attempts}"


@pytest.fixture(autouse=True)
def credentials_never_leak(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Capture DEBUG logs and every project error; fail if a test key shows up in either."""
    raised: list[errors.NutshellError] = []
    real_init = errors.NutshellError.__init__

    def init(self: errors.NutshellError, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        raised.append(self)

    monkeypatch.setattr(errors.NutshellError, "__init__", init)
    caplog.set_level(logging.DEBUG)
    yield
    leaks = [s for s in SECRETS if s in caplog.text]
    assert not leaks, "an API key appeared in the log output"
    for error in raised:
        text = f"{error}\n{error!r}\n{vars(error)!r}"
        assert not any(s in text for s in SECRETS), (
            f"an API key appeared in a {type(error).__name__}"
        )


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
