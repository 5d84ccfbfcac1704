"""What the proxy writes down: one access line per call, the shadow log, and ``--log-level``.

* The access log (logger ``nutshell_migrate.proxy.access``, INFO) names the method, its route
  mode, the outcome (``ok`` or ``error:<code>``), the HTTP status, the duration and a short
  caller tag derived from the credential digest: never the key, never the params.
* ``--shadow-log FILE`` appends one JSON line per shadow comparison (``bridge.publish``'s
  shadow record); a path that cannot be written fails at start, before anything listens.
* ``--log-level`` decides what reaches stderr.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bridge.routes import Routes
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_migrate import proxy
from nutshell_migrate.cli import main
from nutshell_migrate.proxy import ACCESS_LOGGER, caller_tag
from tests.migrate.test_cli import Running

TIMEOUT = 10.0  # seconds: the bound on every HTTP call
WRONG_KEY = "sekrit-KEY-123456"  # one of the suite's secrets: the leak guard watches it too
#: A value only the params carry: it must never reach a log line.
PARAM_MARKER = "param-marker-5c1d"

SEED_DATA = (12, 3)


@pytest.fixture
def upstream(emulator: Emulator) -> Iterator[Any]:
    """The seeded emulator served on loopback: what the proxy forwards to."""
    with emulator.serve() as urls:
        yield urls


def _call(url: str, method: str, params: Any, key: str | None = DEFAULT_API_KEY) -> Any:
    body = {"method": method, "params": params, "id": "log-1"}
    return requests.post(
        url,
        data=json.dumps(body),
        auth=None if key is None else (DEFAULT_EMAIL, key),
        timeout=TIMEOUT,
    )


def _access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ACCESS_LOGGER]


def _basic(key: str) -> str:
    import base64  # noqa: PLC0415 - only this helper needs it

    return "Basic " + base64.b64encode(f"{DEFAULT_EMAIL}:{key}".encode()).decode()


# -- the access log -----------------------------------------------------------------------------


def test_one_access_line_per_call_without_key_or_params(
    upstream: Any, caplog: pytest.LogCaptureFixture
) -> None:
    routes = Routes.from_mapping({"getLead": "rest"})
    with proxy.serve(upstream_rpc=upstream.rpc, upstream_rest=upstream.rest, routes=routes) as urls:
        caplog.clear()
        found = _call(urls.rpc, "searchLeads", {"string": PARAM_MARKER, "limit": 2})
        assert found.status_code == 200
        lead_id = _call(urls.rpc, "findLeads", {"query": {}, "limit": 1}).json()["result"][0]["id"]
        assert _call(urls.rpc, "getLead", [lead_id]).status_code == 200
        assert _call(urls.rpc, "findLeads", {"query": {}}, key=WRONG_KEY).status_code == 401
        assert _call(urls.rpc, "no" + PARAM_MARKER, {}).status_code == 404
        discovery = _call(urls.discovery, "getApiForUsername", {"username": DEFAULT_EMAIL}, None)
        assert discovery.status_code == 200
        records = _access_records(caplog)

    lines = [r.getMessage() for r in records]
    assert len(lines) == 6, lines
    me, stranger = caller_tag(_basic(DEFAULT_API_KEY)), caller_tag(_basic(WRONG_KEY))
    assert re.fullmatch(r"[0-9a-f]{8}", me) and me != stranger
    expected = [
        ("searchLeads", "rpc", "ok", 200, me),
        ("findLeads", "rpc", "ok", 200, me),
        ("getLead", "rest", "ok", 200, me),
        ("findLeads", "rpc", "error:401", 401, stranger),
        ("-", "-", "error:-32601", 404, me),
        ("getApiForUsername", "discovery", "ok", 200, "-"),
    ]
    got = [(r.rpc_method, r.route, r.outcome, r.status, r.caller) for r in records]  # type: ignore[attr-defined]
    assert got == expected
    for record, line in zip(records, lines, strict=True):
        assert record.levelno == logging.INFO
        assert line.startswith("POST ")
        assert re.search(r" ms=\d+\.\d ", line)
        assert f"caller={record.caller}" in line  # type: ignore[attr-defined]
        for secret in (DEFAULT_API_KEY, WRONG_KEY, PARAM_MARKER, DEFAULT_EMAIL):
            assert secret not in line


# -- the command line: --log-level and --shadow-log ---------------------------------------------


def _capture(monkeypatch: pytest.MonkeyPatch) -> tuple[io.StringIO, io.StringIO]:
    # Server threads write into these; set in the test body so pytest's capture does not
    # replace them between setup and call.
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    return out, err


def _field(text: str, name: str) -> str:
    match = re.search(rf"^  {re.escape(name)}:\s+(\S+)", text, re.MULTILINE)
    assert match is not None, f"no {name} line in {text!r}"
    return match.group(1)


@pytest.mark.parametrize(("level", "logged"), [("info", True), ("warning", False)])
def test_log_level_decides_whether_access_lines_reach_stderr(
    level: str, logged: bool, upstream: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, err = _capture(monkeypatch)
    argv = ["proxy", "--listen-port", "0", "--upstream-rpc", upstream.rpc]
    running = Running([*argv, "--log-level", level, "--run-seconds", "2"], out)
    text = running.wait_for(r"^  logs:")
    assert f"level {level}" in text
    assert _call(_field(text, "rpc"), "findTags", {}).status_code == 200
    assert running.finish() == 0
    access = [line for line in err.getvalue().splitlines() if ACCESS_LOGGER in line]
    if not logged:
        assert access == []
        return
    assert len(access) == 1
    # 2026-12-06T04:22:10.123Z INFO nutshell_migrate.proxy.access: POST findTags route=rpc ...
    pattern = (
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO nutshell_migrate\.proxy\.access: "
        r"POST findTags route=rpc outcome=ok status=200 ms=\d+\.\d caller=[0-9a-f]{8}"
    )
    assert re.fullmatch(pattern, access[0]), access[0]
    assert DEFAULT_API_KEY not in err.getvalue()


def test_shadow_log_records_each_shadow_comparison(
    upstream: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, _ = _capture(monkeypatch)
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps({"getLead": "shadow"}), encoding="utf-8")
    shadow_log = tmp_path / "shadow.jsonl"
    argv = ["proxy", "--listen-port", "0", "--upstream-rpc", upstream.rpc]
    argv += ["--upstream-rest", upstream.rest, "--routes", str(routes)]
    argv += ["--shadow-log", str(shadow_log), "--run-seconds", "3"]
    running = Running(argv, out)
    text = running.wait_for(r"^  logs:")
    assert _field(text, "shadow log") == str(shadow_log)
    assert shadow_log.exists()  # created at start, so a bad path fails there
    rpc = _field(text, "rpc")
    lead_id = _call(rpc, "findLeads", {"query": {}, "limit": 1}).json()["result"][0]["id"]
    answer = _call(rpc, "getLead", {"leadId": lead_id})
    assert answer.status_code == 200
    assert answer.json()["result"]["id"] == lead_id
    assert running.finish() == 0

    content = shadow_log.read_text(encoding="utf-8")
    lines = content.splitlines()
    assert len(lines) == 1  # findLeads is routed to rpc: no comparison, no line
    record = json.loads(lines[0])
    assert (record["v"], record["method"], record["route"]) == (1, "getLead", "shadow")
    assert record["outcome"] in ("matched", "ignored", "mismatched")
    assert record["candidate"]["name"] == "rest"  # JSON-RPC answers, REST is compared
    assert record["control"]["error"] is None
    assert "values" not in record  # --shadow-values not given
    assert ": " not in lines[0].split('"differences"')[0]  # compact separators
    assert DEFAULT_API_KEY not in content


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing-dir/shadow.jsonl", "cannot write the shadow log"),
        (".", "is a directory"),
    ],
)
def test_a_bad_shadow_log_path_fails_before_listening(
    where: str,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def no_serving(**kwargs: Any) -> Any:
        raise AssertionError("the proxy started despite a bad --shadow-log")

    monkeypatch.setattr(proxy, "serve", no_serving)
    path = tmp_path / where
    assert main(["proxy", "--listen-port", "0", "--shadow-log", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("nutshell-migrate proxy: error: ")
    assert message in err[0]


def test_shadow_values_needs_a_shadow_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proxy", "--listen-port", "0", "--shadow-values"]) == 2
    assert "--shadow-values needs --shadow-log" in capsys.readouterr().err
