"""A server that echoes the API key and the Basic token back, and a scan of every output.

The echoing answers (error messages, HTML pages, headers, truncated bodies, records naming the
key, redirects carrying it) are driven through every client face; then the scan reads what a
user or an operator could see: ``str``/``repr``/``vars``/pickle of each error and of the errors
it chains, the traceback text (without local variables), the DEBUG log, the shadow log file,
the logging publisher's lines, and the stdout/stderr of ``nutshell-migrate proxy`` and
``compare``. The key, and the Basic token (base64 of ``email:key``), must appear in none.
"""

from __future__ import annotations

import base64
import json
import logging
import pickle
import re
import socket
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.publish import LoggingPublisher, ShadowLogPublisher
from nutshell_core.errors import NutshellError
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_emulator.http import HttpRequest
from nutshell_migrate import cli
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.reliability.corpus import (
    RETRY,
    TIMEOUTS,
    Case,
    Stage,
    answer,
    bridge_rest,
    json_answer,
    rest_get,
    rpc_raw,
    rpc_typed,
)
from tests.reliability.summary import TALLY

KEY = DEFAULT_API_KEY
TOKEN = base64.b64encode(f"{DEFAULT_EMAIL}:{KEY}".encode()).decode()
NEEDLES = (KEY, TOKEN)
AUTH = f"Authorization: Basic {TOKEN}"
USER_IN_URL = DEFAULT_EMAIL.replace("@", "%40")


def _echo_cases() -> list[Case]:
    """Answers that carry the key and the token back, in every place a server could put them."""
    rpc_error = {"code": -32000, "message": f"bad key {KEY}", "data": {"key": KEY, "auth": AUTH}}
    return [
        Case(
            "rpc-500-text", "rpc", answer(500, f"upstream: {AUTH} key={KEY}".encode(), "text/plain")
        ),
        Case(
            "rpc-error-member",
            "rpc",
            json_answer(200, {"jsonrpc": "2.0", "id": 1, "error": rpc_error}),
        ),
        Case(
            "rpc-401-html",
            "rpc",
            answer(401, f"<html><p>{AUTH}</p><p>{KEY}</p></html>".encode(), "text/html"),
        ),
        Case(
            "rpc-400-json",
            "rpc",
            json_answer(
                400,
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "error": {"code": -32602, "message": f"invalid params: apiKey={KEY}; {AUTH}"},
                },
            ),
        ),
        Case(
            "rpc-truncated",
            "rpc",
            answer(
                200,
                f'{{"jsonrpc": "2.0", "id": 1, "result": {{"key": "{KEY}", "a": "{AUTH}'.encode(),
            ),
        ),
        Case(
            "rpc-html-200", "rpc", answer(200, f"<html>{AUTH} {KEY}</html>".encode(), "text/html")
        ),
        Case(
            "rpc-other-record",
            "rpc",
            json_answer(
                200,
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "result": {"id": 2, "entityType": "Leads", "name": KEY, "description": AUTH},
                },
            ),
        ),
        Case(
            "rpc-wrong-id",
            "rpc",
            json_answer(200, {"jsonrpc": "2.0", "id": KEY, "result": {"token": TOKEN}}),
        ),
        Case(
            "rpc-headers",
            "rpc",
            answer(500, b"{}", extra=[("X-Echo", KEY), ("WWW-Authenticate", f"Basic {TOKEN}")]),
        ),
        Case(
            "rpc-redirect",
            "rpc",
            answer(302, b"", None, [("Location", f"https://evil.example/?key={KEY}&auth={TOKEN}")]),
        ),
        Case(
            "rpc-429",
            "rpc",
            answer(429, f"slow down {KEY}".encode(), "text/plain", [("Retry-After", KEY)]),
        ),
        Case(
            "rest-500-errors",
            "rest",
            json_answer(500, {"errors": [{"status": "500", "title": KEY, "detail": AUTH}]}),
        ),
        Case("rest-404-html", "rest", answer(404, f"<html>{AUTH}</html>".encode(), "text/html")),
        Case(
            "rest-401-json",
            "rest",
            json_answer(401, {"errors": [{"status": "401", "title": f"key {KEY} refused"}]}),
        ),
        Case(
            "rest-422",
            "rest",
            json_answer(
                422,
                {
                    "errors": [
                        {
                            "status": "422",
                            "detail": f"key {KEY}",
                            "source": {"pointer": f"/{TOKEN}"},
                        }
                    ]
                },
            ),
        ),
        Case(
            "rest-truncated",
            "rest",
            answer(200, f'{{"leads": [{{"id": "1-leads", "name": "{KEY} {AUTH}'.encode()),
        ),
        Case(
            "rest-wrong-id",
            "rest",
            json_answer(200, {"leads": [{"id": f"{KEY}-leads", "type": "leads", "name": AUTH}]}),
        ),
        Case(
            "rest-other-type",
            "rest",
            json_answer(200, {"contacts": [{"id": "1-contacts", "type": "contacts", "name": KEY}]}),
        ),
        Case("rest-text-200", "rest", answer(200, f"{AUTH}\n{KEY}".encode(), "text/plain")),
        Case(
            "rest-redirect",
            "rest",
            answer(307, b"", None, [("Location", f"http://127.0.0.2:1/?k={KEY}")]),
        ),
        # For the shadow runs: both APIs answer.
        Case("both-500", "both", answer(500, f"{AUTH} {KEY}".encode(), "text/plain")),
        Case(
            "both-error-json",
            "both",
            json_answer(
                400,
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "error": rpc_error,
                    "errors": [{"status": "400", "title": KEY}],
                },
            ),
        ),
    ]


FACES = {
    "rpc": (("rpc-raw", rpc_raw), ("rpc-typed", rpc_typed)),
    "rest": (("rest", rest_get), ("bridge-rest", bridge_rest)),
}


def _hits(text: str | bytes) -> list[str]:
    if isinstance(text, bytes):
        return [n for n in NEEDLES if n.encode() in text]
    return [n for n in NEEDLES if n in text]


def _error_outputs(exc: BaseException) -> dict[str, str | bytes]:
    """Everything a caller or a log could render of ``exc`` and the errors it chains."""
    outputs: dict[str, str | bytes] = {
        "traceback": "".join(traceback.format_exception(exc)),
    }
    seen: set[int] = set()
    current: BaseException | None = exc
    depth = 0
    while current is not None and id(current) not in seen and depth < 10:
        seen.add(id(current))
        name = f"{type(current).__name__}[{depth}]"
        outputs[f"{name} str"] = str(current)
        outputs[f"{name} repr"] = repr(current)
        if isinstance(current, NutshellError):
            # The project's own errors travel (pickled across processes, their attributes
            # rendered by error trackers). A chained library error is shown by its str and
            # repr in tracebacks; its attributes (a JSONDecodeError's whole ``doc``) are
            # reached only by tools that capture local state, which the issue leaves aside.
            outputs[f"{name} args"] = repr(current.args)
            outputs[f"{name} vars"] = repr(vars(current))
            try:
                outputs[f"{name} pickle"] = pickle.dumps(current)
            except Exception as problem:  # an unpicklable error is reported as a hit
                outputs[f"{name} pickle"] = f"(could not pickle: {type(problem).__name__})"
                self_check = f"{KEY} (unpicklable {type(problem).__name__})"
                outputs[f"{name} pickle failure"] = self_check
        current = current.__cause__ or current.__context__
        depth += 1
    return outputs


class Scan:
    """Outputs scanned and the hits found."""

    def __init__(self) -> None:
        self.outputs = 0
        self.hits: list[str] = []

    def check(self, where: str, text: str | bytes) -> None:
        self.outputs += 1
        for needle in _hits(text):
            which = "key" if needle == KEY else "Basic token"
            self.hits.append(f"{where}: the {which}")

    def record(self) -> None:
        with TALLY.lock:
            TALLY.secret_outputs = (TALLY.secret_outputs or 0) + self.outputs
            TALLY.secret_hits += len(self.hits)

    def assert_clean(self) -> None:
        assert not self.hits, f"{len(self.hits)} hits in {self.outputs} outputs:\n" + "\n".join(
            f"  {h}" for h in self.hits
        )


@pytest.fixture(scope="module")
def echo_stage() -> Iterator[Stage]:
    emulator = Emulator()
    emulator.seed(30, random_seed=3)
    stage = Stage(_echo_cases(), emulator)
    yield stage
    stage.close()
    emulator.close()


def _case_index(stage: Stage, name: str) -> int:
    return next(i for i, c in enumerate(stage.cases) if c.name == name)


def test_errors_and_logs_of_every_face_hold_no_secret(
    echo_stage: Stage, caplog: pytest.LogCaptureFixture
) -> None:
    scan = Scan()
    caplog.set_level(logging.DEBUG)
    for index, case in enumerate(echo_stage.cases):
        for face, call in FACES.get(case.api, ()):
            try:
                value = call(echo_stage.base(index))
            except Exception as exc:  # every kind of failure is scanned
                for what, text in _error_outputs(exc).items():
                    scan.check(f"{case.name} via {face}: {what}", text)
            else:
                # A returned record naming the key is the server's data, not an output of ours.
                del value
    scan.check("DEBUG log of the client runs", caplog.text)
    scan.record()
    scan.assert_clean()


def test_shadow_log_and_logging_publisher_hold_no_secret(
    echo_stage: Stage, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    scan = Scan()
    caplog.set_level(logging.DEBUG)
    log = tmp_path / "shadow.jsonl"
    for name in ("both-500", "both-error-json"):
        base = echo_stage.base(_case_index(echo_stage, name))
        for mode in ("shadow", "shadow-rest"):
            api = BridgeAPI(
                DEFAULT_EMAIL,
                DEFAULT_API_KEY,
                endpoint=f"{base}/api/v1/json",
                rest_base_url=f"{base}/rest",
                routes={"getLead": mode},
                lean=True,
                publishers=[
                    ShadowLogPublisher(log, values=True),
                    LoggingPublisher(logging.getLogger("reliability.publisher"), logging.DEBUG),
                ],
                timeouts=TIMEOUTS,
                retry=RETRY,
            )
            with api:
                try:
                    api.getLead(1)
                except Exception as exc:  # the control's failure is scanned too
                    for what, text in _error_outputs(exc).items():
                        scan.check(f"{name} {mode}: {what}", text)
    assert log.exists() and log.read_text(encoding="utf-8").strip()
    scan.check("shadow log file", log.read_bytes())
    publisher_lines = "\n".join(
        r.getMessage() for r in caplog.records if r.name == "reliability.publisher"
    )
    assert publisher_lines
    scan.check("logging publisher lines", publisher_lines)
    scan.check("DEBUG log of the shadow runs", caplog.text)
    scan.record()
    scan.assert_clean()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(port: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def test_proxy_banner_access_log_and_answers_hold_no_secret(
    echo_stage: Stage, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scan = Scan()
    base = echo_stage.base(_case_index(echo_stage, "both-500"))
    # Upstream URLs that carry the key: in a query string, and as userinfo.
    for upstream in (
        [f"{base}/api/v1/json?key={KEY}", f"{base}/rest?api_key={KEY}&auth={TOKEN}"],
        [
            f"http://{USER_IN_URL}:{KEY}@{base.split('://', 1)[1]}/api/v1/json",
            f"{base}/rest",
        ],
    ):
        code = cli.main(
            [
                "proxy",
                "--listen-port",
                "0",
                "--upstream-rpc",
                upstream[0],
                "--upstream-rest",
                upstream[1],
                "--run-seconds",
                "0",
            ]
        )
        captured = capsys.readouterr()
        scan.check(f"proxy banner (exit {code}) stdout", captured.out)
        scan.check(f"proxy banner (exit {code}) stderr", captured.err)

    # A running proxy whose upstream echoes: its answers to a caller and its logs.
    port = _free_port()
    shadow = tmp_path / "proxy-shadow.jsonl"
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps({"getLead": "shadow"}), encoding="utf-8")
    outcome: list[int] = []
    runner = threading.Thread(
        target=lambda: outcome.append(
            cli.main(
                [
                    "proxy",
                    "--listen-port",
                    str(port),
                    "--upstream-rpc",
                    f"{base}/api/v1/json",
                    "--upstream-rest",
                    f"{base}/rest",
                    "--run-seconds",
                    "2.5",
                    "--log-level",
                    "debug",
                    "--shadow-log",
                    str(shadow),
                    "--shadow-values",
                    "--routes",
                    str(routes),
                ]
            )
        ),
        daemon=True,
    )
    runner.start()
    try:
        _wait_listening(port)
        with RpcAPI(
            DEFAULT_EMAIL,
            DEFAULT_API_KEY,
            endpoint=f"http://127.0.0.1:{port}/api/v1/json",
            timeouts=TIMEOUTS,
            retry=RETRY,
        ) as caller:
            for method, args in (("getLead", (1,)), ("getContact", (1,))):
                try:
                    caller.call(method, *args)
                except Exception as exc:  # the proxy's answer, as the caller sees it
                    for what, text in _error_outputs(exc).items():
                        scan.check(f"proxy answer to {method}: {what}", text)
            raw = requests.post(
                f"http://127.0.0.1:{port}/api/v1/json",
                json={"jsonrpc": "2.0", "id": 1, "method": "getLead", "params": {"leadId": 1}},
                auth=(DEFAULT_EMAIL, DEFAULT_API_KEY),
                timeout=5,
            )
            scan.check("proxy raw answer body", raw.content)
            scan.check("proxy raw answer headers", repr(dict(raw.headers)))
    finally:
        runner.join(timeout=15)
    assert not runner.is_alive()
    assert outcome == [0]
    assert shadow.read_text(encoding="utf-8").strip(), "the shadowed call left no line"
    captured = capsys.readouterr()
    scan.check("running proxy stdout", captured.out)
    scan.check("running proxy stderr", captured.err)
    if shadow.exists():
        scan.check("proxy shadow log", shadow.read_bytes())
    scan.record()
    scan.assert_clean()


def _echoed(prepared: requests.PreparedRequest) -> bool:
    """Whether a request reads a lead by id (JSON-RPC ``getLead`` or REST ``GET /leads/{id}``)."""
    url = str(prepared.url)
    if re.search(r"/rest/leads/[0-9]+-leads", url):
        return True
    body = prepared.body or b""
    return b'"getLead"' in (body if isinstance(body, bytes) else body.encode())


def _echo_callback(emulator: Emulator) -> Any:
    """The emulator answers, except for reads of a lead by id: those get the caller's own
    credentials echoed back (in a 500 body, a JSON-RPC error and a header)."""

    def callback(prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        url = str(prepared.url)
        if not _echoed(prepared):
            request = HttpRequest.from_url(
                str(prepared.method), url, dict(prepared.headers), prepared.body
            )
            reply = emulator.handle(request)
            return reply.status, dict(reply.headers), reply.body
        auth = str(prepared.headers.get("Authorization", ""))
        decoded = base64.b64decode(auth.split(" ", 1)[-1] or "").decode("utf-8", "replace")
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "error": {"code": -32000, "message": f"echo {auth} {decoded}", "data": decoded},
            "errors": [{"status": "500", "title": auth, "detail": decoded}],
        }
        return 500, {"Content-Type": "application/json", "X-Echo": auth}, json.dumps(body).encode()

    return callback


def test_compare_output_and_files_hold_no_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scan = Scan()
    monkeypatch.setenv("NUTSHELL_USERNAME", DEFAULT_EMAIL)
    monkeypatch.setenv("NUTSHELL_API_KEY", KEY)
    emulator = Emulator()
    emulator.seed(30, random_seed=3)
    log, report = tmp_path / "compare.jsonl", tmp_path / "compare.html"
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            pattern = re.compile(r"https://(app|api)\.nutshell\.com(/.*)?$")
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                mock.add_callback(method, pattern, callback=_echo_callback(emulator))
            for args in (
                [
                    "compare",
                    "--methods",
                    "getLead,findLeads",
                    "--calls",
                    "1",
                    "--timeout",
                    "3",
                    "--log",
                    str(log),
                    "--report",
                    str(report),
                ],
                [
                    "compare",
                    "--methods",
                    "getLead",
                    "--calls",
                    "1",
                    "--format",
                    "json",
                    "--timeout",
                    "3",
                ],
            ):
                code = cli.main(args)
                captured = capsys.readouterr()
                scan.check(f"compare {args[-1]} (exit {code}) stdout", captured.out)
                scan.check(f"compare {args[-1]} (exit {code}) stderr", captured.err)
    finally:
        emulator.close()
    for path in (log, report):
        if path.exists():
            scan.check(path.name, path.read_bytes())
    scan.record()
    scan.assert_clean()
