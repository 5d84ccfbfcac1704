"""Discovery sends the key only to port 443 of a Nutshell host, or to what the user configured.

* ``app.nutshell.com`` and ``app.nutshell.com:443`` are trusted; ``:8443`` or ``:22`` are not.
* A host in ``trusted_hosts`` is trusted on 443, a ``host:port`` entry on exactly that port.
* A loopback discovery URL may name only its own loopback ``host:port`` (the emulator, the
  proxy) or one the user configured; never another loopback port, in clear text or not.
"""

from __future__ import annotations

import pytest
import responses

from nutshell_core import errors
from nutshell_rpc import NutshellAPI
from nutshell_rpc.discovery import DISCOVERY_URL, is_trusted_host
from tests.rpc.rpc_helpers import rpc_answer

USER = "me@example.com"
KEY = "sekrit-KEY-123456"


def _api(**options: object) -> NutshellAPI:
    return NutshellAPI(USER, KEY, sleep=lambda _s: None, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("api_host", "endpoint"),
    [
        ("app.nutshell.com", "https://app.nutshell.com/api/v1/json"),
        ("app.nutshell.com:443", "https://app.nutshell.com:443/api/v1/json"),
    ],
)
def test_nutshell_hosts_on_443_are_trusted(api_host: str, endpoint: str) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, DISCOVERY_URL, callback=rpc_answer({"api": api_host}))
        assert _api().endpoint == endpoint


@pytest.mark.parametrize(
    "api_host", ["app.nutshell.com:8443", "app.nutshell.com:22", "nutshell.com:80", "a.b:443"]
)
def test_other_ports_and_hosts_never_get_the_key(api_host: str) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, DISCOVERY_URL, callback=rpc_answer({"api": api_host}))
        with pytest.raises(errors.InsecureTransportError, match="refusing to send credentials"):
            _api().findAccounts()
        assert len(rsps.calls) == 1
        assert "Authorization" not in rsps.calls[0].request.headers


def test_trusted_hosts_name_their_port() -> None:
    assert is_trusted_host("crm.example.org", ["crm.example.org"])
    assert not is_trusted_host("crm.example.org", ["crm.example.org"], port=8443)
    assert is_trusted_host("crm.example.org", ["crm.example.org:8443"], port=8443)
    assert is_trusted_host("crm.example.org", ["https://crm.example.org"], port=443)
    assert not is_trusted_host("crm.example.org", ["crm.example.org:8443"])
    assert not is_trusted_host("app.nutshell.com", port=8443)


LOCAL = "http://127.0.0.1:8080/v1/json"


@pytest.mark.parametrize(
    ("discovery_url", "api_host", "trusted", "endpoint"),
    [
        (LOCAL, "127.0.0.1:8080", (), "http://127.0.0.1:8080/api/v1/json"),
        (LOCAL, "127.0.0.1:9000", ("127.0.0.1:9000",), "http://127.0.0.1:9000/api/v1/json"),
        (
            "https://127.0.0.1:8443/v1/json",
            "127.0.0.1:8443",
            (),
            "https://127.0.0.1:8443/api/v1/json",
        ),
        ("http://localhost/v1/json", "localhost", (), "http://localhost/api/v1/json"),
    ],
)
def test_a_loopback_discovery_may_name_its_own_or_a_configured_port(
    discovery_url: str, api_host: str, trusted: tuple[str, ...], endpoint: str
) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, discovery_url, callback=rpc_answer({"api": api_host}))
        assert _api(discovery_url=discovery_url, trusted_hosts=trusted).endpoint == endpoint


@pytest.mark.parametrize(
    ("discovery_url", "api_host"),
    [
        (LOCAL, "127.0.0.1:22"),
        (LOCAL, "localhost:6379"),
        (LOCAL, "localhost:8080"),  # another name for the same port is not what was configured
        (LOCAL, "127.0.0.1"),
        (LOCAL, "[::1]:8080"),
        (DISCOVERY_URL, "127.0.0.1:8080"),
        ("https://127.0.0.1:8443/v1/json", "127.0.0.1:8080"),
    ],
)
def test_a_loopback_answer_naming_another_port_is_refused(
    discovery_url: str, api_host: str
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, discovery_url, callback=rpc_answer({"api": api_host}))
        with pytest.raises(errors.InsecureTransportError):
            _api(discovery_url=discovery_url).findAccounts()
        assert len(rsps.calls) == 1


def test_an_explicit_endpoint_is_trusted_as_given() -> None:
    with responses.RequestsMock() as rsps:
        rsps.add_callback(
            responses.POST, "https://app.nutshell.com:8443/api/v1/json", callback=rpc_answer([])
        )
        api = _api(endpoint="https://app.nutshell.com:8443/api/v1/json")
        assert api.findAccounts() == []
        assert rsps.calls[0].request.headers["Authorization"].startswith("Basic ")
