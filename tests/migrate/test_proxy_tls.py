"""A proxy real legacy clients can discover: https on loopback, and the protocol answers they get.

Legacy clients (PHP, Python, Ruby, .NET) build their endpoint as ``"https://" + api +
"/api/v1/json"`` from discovery, so the proxy serves TLS when asked: a generated self-signed
certificate (``--tls``) or a given one (``--tls-cert``/``--tls-key``). Every round trip here is a
real TLS connection on 127.0.0.1 that ``requests`` verifies against that certificate file.

Batches and notifications: the proxy stands in for Nutshell, which documents neither, so a batch
is refused with -32600 (saying why in ``error.data``) and a request without an id is answered
like any other (id null); both are pinned here and in ``docs/proxy.md``.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bridge.routes import Routes
from nutshell_core.errors import ConfigurationError
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_migrate import proxy, tls
from nutshell_migrate.cli import main
from nutshell_rpc.server import BATCH_REFUSED
from tests.migrate.test_cli import Running

TIMEOUT = 10.0  # seconds: the bound on every HTTP call

SEED_DATA = (12, 3)


def _capture_stdout(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    # Server threads print into it; set in the test body so pytest's capture does not replace it.
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buffer)
    return buffer


def _field(text: str, name: str) -> str:
    match = re.search(rf"^  {re.escape(name)}:\s+(.+)$", text, re.MULTILINE)
    assert match is not None, f"no {name} line in {text!r}"
    return match.group(1).strip()


def _cert_path(tls_line: str) -> str:
    match = re.match(r"certificate (\S+) \(", tls_line)
    assert match is not None, tls_line
    return match.group(1)


@pytest.fixture
def upstream(emulator: Emulator) -> Iterator[Any]:
    """The seeded emulator served on loopback (plain http): what the proxy forwards to."""
    with emulator.serve() as urls:
        yield urls


def _post(url: str, body: Any, *, verify: str | bool, auth: bool = True) -> requests.Response:
    return requests.post(
        url,
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        auth=(DEFAULT_EMAIL, DEFAULT_API_KEY) if auth else None,
        verify=verify,
        timeout=TIMEOUT,
    )


# -- the certificate ----------------------------------------------------------------------------


def test_generated_certificate_is_private_reused_and_replaced_when_broken(
    tmp_path: Path,
) -> None:
    where = tmp_path / "state" / "tls"
    first = tls.self_signed(where)
    assert first.generated
    assert (first.cert.name, first.key.name) == (tls.CERT_NAME, tls.KEY_NAME)
    if os.name == "posix":
        for path in (first.cert, first.key):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(where.stat().st_mode) == 0o700
    key_text = first.key.read_text(encoding="ascii")
    # A restart keeps the certificate clients were told to trust.
    again = tls.self_signed(where)
    assert not again.generated
    assert again.key.read_text(encoding="ascii") == key_text
    # A damaged pair is replaced rather than served.
    first.cert.write_text("not a certificate", encoding="ascii")
    replaced = tls.self_signed(where)
    assert replaced.generated
    assert replaced.key.read_text(encoding="ascii") != key_text
    tls.server_context(replaced.cert, replaced.key)  # loads: the key matches


def test_default_directory_is_per_user_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", "/somewhere/state")
    if sys.platform != "win32":
        assert tls.default_directory() == Path("/somewhere/state/nutshell-migrate/tls")


def test_a_key_that_does_not_match_is_a_configuration_error(tmp_path: Path) -> None:
    one = tls.self_signed(tmp_path / "one")
    two = tls.self_signed(tmp_path / "two")
    with pytest.raises(ConfigurationError, match="cannot use TLS certificate"):
        tls.server_context(one.cert, two.key)
    with pytest.raises(ConfigurationError, match="not found"):
        tls.server_context(tmp_path / "missing.pem", one.key)


# -- a TLS round trip through the proxy ---------------------------------------------------------


def test_tls_proxy_is_discovered_and_reached_like_nutshell(
    upstream: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdout = _capture_stdout(monkeypatch)
    argv = ["proxy", "--listen-port", "0", "--upstream-rpc", upstream.rpc]
    argv += ["--upstream-rest", upstream.rest, "--tls", "--tls-dir", str(tmp_path / "tls")]
    running = Running([*argv, "--run-seconds", "3"], stdout)
    text = running.wait_for(r"^  routes:")
    rpc_url, discovery_url = _field(text, "rpc"), _field(text, "discovery")
    cert = _cert_path(_field(text, "tls"))
    assert rpc_url.startswith("https://127.0.0.1:")
    assert discovery_url.startswith("https://127.0.0.1:")
    assert Path(cert) == tmp_path / "tls" / tls.CERT_NAME
    assert "generated" in _field(text, "tls")

    # What the PHP and Python clients do: discovery without credentials, then
    # "https://" + api + "/api/v1/json" with Basic auth, the certificate verified.
    found = _post(
        discovery_url,
        {"method": "getApiForUsername", "params": {"username": DEFAULT_EMAIL}, "id": "d1"},
        verify=cert,
        auth=False,
    )
    assert found.status_code == 200
    api = found.json()["result"]["api"]
    assert api == _field(text, "api host").split()[0]
    endpoint = "https://" + api + "/api/v1/json"
    assert endpoint == rpc_url
    answer = _post(
        endpoint,
        {"method": "findLeads", "params": {"query": {}, "limit": 3}, "id": "x7"},
        verify=cert,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["error"], body["id"]) == (None, "x7")
    assert 0 < len(body["result"]) <= 3

    # The certificate really is checked: a client that does not trust it cannot connect.
    with pytest.raises(requests.exceptions.SSLError):
        _post(endpoint, {"method": "findTags", "id": 1}, verify=True)
    assert running.finish() == 0
    assert DEFAULT_API_KEY not in stdout.getvalue()


def test_a_given_certificate_is_served_and_named(
    upstream: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = tls.self_signed(tmp_path / "mine")
    stdout = _capture_stdout(monkeypatch)
    argv = ["proxy", "--listen-port", "0", "--upstream-rpc", upstream.rpc, "--run-seconds", "3"]
    argv += ["--tls-cert", str(files.cert), "--tls-key", str(files.key)]
    running = Running(argv, stdout)
    text = running.wait_for(r"^  routes:")
    assert _field(text, "tls") == f"certificate {files.cert} (given)"
    smd = requests.get(_field(text, "rpc"), verify=str(files.cert), timeout=TIMEOUT)
    assert smd.status_code == 200
    assert "getLead" in smd.json()["services"]
    assert running.finish() == 0


def test_plain_http_start_warns_about_https_clients(
    upstream: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["proxy", "--listen-port", "0", "--upstream-rpc", upstream.rpc, "--run-seconds", "0"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "tls:           off (plain http)" in captured.out
    warnings = [line for line in captured.err.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert "need --tls" in warnings[0]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--tls-cert", "cert.pem"], "--tls-cert and --tls-key go together"),
        (["--tls-cert", "missing.pem", "--tls-key", "k.pem"], "certificate file not found"),
        (["--tls-dir", "somewhere"], "use it with --tls"),
        (["--tls", "--tls-dir", "{file}"], "cannot write the TLS certificate"),
    ],
)
def test_tls_option_mistakes_fail_at_start_in_one_line(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    extra = [arg.replace("{file}", str(blocker / "tls")) for arg in extra]
    assert main(["proxy", "--listen-port", "0", "--run-seconds", "0", *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("nutshell-migrate proxy: error: ")
    assert message in err[0]


# -- batches and notifications ------------------------------------------------------------------


@pytest.fixture
def https_proxy(upstream: Any, tmp_path: Path) -> Iterator[tuple[proxy.ProxyUrls, str]]:
    """The proxy over TLS in-process, and its certificate file."""
    files = tls.self_signed(tmp_path / "tls")
    with proxy.serve(
        upstream_rpc=upstream.rpc,
        upstream_rest=upstream.rest,
        routes=Routes(),
        ssl_context=tls.server_context(files.cert, files.key),
    ) as urls:
        yield urls, str(files.cert)


def test_a_batch_is_refused_with_a_reason(https_proxy: tuple[proxy.ProxyUrls, str]) -> None:
    urls, cert = https_proxy
    batch = [{"method": "findTags", "id": 1}, {"method": "findTags", "id": 2}]
    answer = _post(urls.rpc, batch, verify=cert)
    assert answer.status_code == 400
    body = answer.json()
    assert body["id"] is None and body["result"] is None
    assert body["error"] == {"code": -32600, "message": "Invalid Request", "data": BATCH_REFUSED}


def test_a_request_without_an_id_is_answered_like_nutshell(
    https_proxy: tuple[proxy.ProxyUrls, str],
) -> None:
    urls, cert = https_proxy
    answer = _post(urls.rpc, {"method": "findTags", "params": {}}, verify=cert)
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] is None
    assert body["error"] is None
    assert isinstance(body["result"], dict | list)
