"""What a typed legacy client gets from ``nutshell-migrate proxy``, measured against recordings.

A third-party typed client of the legacy API (pydantic models built from real Nutshell
responses: biguscj7/nutshell, whose recordings are in ``tests/fixtures/rpc/biguscj7``) calls 15
legacy methods, findLeads and findActivities both as stubs and in full: 17 calls. Here a plain
HTTP JSON-RPC client makes the same calls with the same parameters, as a
PHP or Ruby integration would: discovery with ``getApiForUsername``, then ``POST /api/v1/json``
with Basic auth, against the proxy started in-process on 127.0.0.1 in front of an
emulator served on loopback, on records built like the recordings through the emulator's own
JSON-RPC API. Every result is compared with the recorded shape of its type
(:func:`tests.bridge.recorded_shapes.shape_problems`); an error answer fails the call.

The proxy runs with three routes files:

* ``default = "rest-fallback"`` — how a team starts a migration;
* every method REST can answer routed to ``rest`` and the others to ``rpc``, written out method
  by method (the end of a migration), with the proxy's ``--legacy-reference`` for the teams
  REST does not expose;
* ``default = "rpc"`` — the control: the same calls straight through to JSON-RPC.

Nothing is marked xfail: a failing test lists every call that did not validate and why.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests

from bridge.routes import Routes
from bridge.translators import REGISTRY
from nutshell_core.catalog import RPC_METHODS
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_migrate import proxy
from nutshell_migrate.cli import main
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.bridge.legacy_world import LegacyWorld
from tests.bridge.recorded_shapes import (
    all_recorded_results,
    recorded_result,
    shape_problems,
    stub_shapes,
)

TIMEOUT = 10.0  # seconds: the bound on every HTTP call
STUBS = stub_shapes(all_recorded_results().values())

# -- the routes files -----------------------------------------------------------------------------


def _explicit_routes() -> str:
    routes = {name: "rest" if REGISTRY[name].supported else "rpc" for name in sorted(RPC_METHODS)}
    return json.dumps({"routes": routes}, indent=2)


#: Routes configuration -> (file name, file text).
ROUTES_FILES: dict[str, tuple[str, str]] = {
    "default-rest-fallback": ("routes.toml", '[routes]\ndefault = "rest-fallback"\n'),
    "rest-where-supported": ("routes.json", _explicit_routes()),
    "rpc": ("routes.toml", '[routes]\ndefault = "rpc"\n'),
}


def _write_routes(tmp_path: Path, config: str) -> Path:
    name, text = ROUTES_FILES[config]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- a legacy client in any language --------------------------------------------------------------


class PlainClient:
    """JSON-RPC over ``requests`` with nothing from this project: discovery, then Basic auth."""

    def __init__(self, discovery_url: str, username: str, api_key: str) -> None:
        self._session = requests.Session()
        self._username = username
        self._token = base64.b64encode(f"{username}:{api_key}".encode()).decode()
        self._discovery_url = discovery_url
        self._endpoint: str | None = None
        self._next_id = 0

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def _post(self, url: str, body: dict[str, Any], *, auth: bool) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Basic {self._token}"
        return self._session.post(url, data=json.dumps(body), headers=headers, timeout=TIMEOUT)

    def discover(self) -> str:
        """Ask the discovery endpoint where this user's API lives; the endpoint URL."""
        body = {"method": "getApiForUsername", "params": {"username": self._username}, "id": 0}
        answer = self._post(self._discovery_url, body, auth=False).json()
        # The legacy clients build https://{api}/api/v1/json; the proxy is plain http on loopback.
        self._endpoint = f"http://{answer['result']['api']}/api/v1/json"
        return self._endpoint

    def call(self, method: str, params: dict[str, Any]) -> Any:
        """One call; the result, or :class:`CallFailed` carrying the error answer."""
        endpoint = self._endpoint or self.discover()
        self._next_id += 1
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": self._next_id}
        reply = self._post(endpoint, body, auth=True)
        try:
            answer = reply.json()
        except ValueError:
            raise CallFailed(f"HTTP {reply.status_code}, not JSON: {reply.text[:200]!r}") from None
        error = answer.get("error")
        if reply.status_code != 200 or error is not None:
            code = error.get("code") if isinstance(error, dict) else None
            message = error.get("message") if isinstance(error, dict) else error
            raise CallFailed(f"HTTP {reply.status_code}, error {code}: {message}")
        return answer["result"]


class CallFailed(Exception):
    """An error answer where a result was due."""


# -- the 17 calls -------------------------------------------------------------------------------


def _first_of(name: str) -> Any:
    return recorded_result(name)[0]


def _user_record() -> dict[str, Any]:
    # getUser returns a full user; its recorded keys are a user stub's without "stub" (the
    # typed client validates both with one User model built from findUsers).
    user = dict(_first_of("biguscj7/findUsers.json"))
    del user["stub"]
    return user


@attrs.frozen
class Outcome:
    """One call's verdict: the problems with its shape (empty when it validates)."""

    call: str
    problems: tuple[str, ...]


@attrs.define
class Session:
    """The typed client's calls, made through one :class:`PlainClient`, each validated."""

    client: PlainClient
    outcomes: list[Outcome] = attrs.Factory(list)

    def check(self, label: str, recorded: Any, method: str, params: dict[str, Any]) -> Any:
        """Make the call and validate its result against ``recorded``; the result or None."""
        try:
            result = self.client.call(method, params)
        except CallFailed as exc:
            self.outcomes.append(Outcome(label, (f"no result: {exc}",)))
            return None
        self.outcomes.append(Outcome(label, tuple(shape_problems(recorded, result, stubs=STUBS))))
        return result


def _paging(order_by: str, limit: int) -> dict[str, Any]:
    return {"orderBy": order_by, "orderDirection": "ASC", "limit": limit, "page": 1}


def run_typed_client(client: PlainClient, lead_id: int, contact_id: int) -> list[Outcome]:
    """The 17 calls of the typed client's tests, with its parameters, in its order."""
    s = Session(client)
    s.check(
        "findUsers",
        recorded_result("biguscj7/findUsers.json"),
        "findUsers",
        _paging("last_name", 5),
    )
    s.check("getUser", _user_record(), "getUser", {})
    s.check(
        "findTeams", recorded_result("biguscj7/findTeams.json"), "findTeams", _paging("name", 3)
    )
    types = s.check(
        "findActivityTypes",
        recorded_result("biguscj7/findActivityTypes.json"),
        "findActivityTypes",
        _paging("name", 3),
    )
    s.check(
        "getAnalyticsReport",
        recorded_result("biguscj7/analyticsReportQuotes.json"),
        "getAnalyticsReport",
        {"reportType": "Effort", "period": "-d30"},
    )
    s.check(
        "findStagesets",
        recorded_result("biguscj7/findStagesets.json"),
        "findStagesets",
        _paging("name", 3),
    )
    s.check(
        "findMilestones",
        recorded_result("biguscj7/findMilestones.json"),
        "findMilestones",
        _paging("name", 3),
    )
    for stubs, name in ((True, "findLeadsStub"), (False, "findLeadsNonStub")):
        params = {"query": {}, **_paging("id", 5), "stubResponses": stubs}
        s.check(
            f"findLeads ({name})", recorded_result(f"biguscj7/{name}.json"), "findLeads", params
        )
    for stubs, name in ((True, "findActivitiesStub"), (False, "findActivitiesNonStub")):
        params = {"query": {}, **_paging("name", 5), "stubResponses": stubs}
        s.check(
            f"findActivities ({name})",
            recorded_result(f"biguscj7/{name}.json"),
            "findActivities",
            params,
        )

    activity = _first_of("biguscj7/findActivitiesNonStub.json")
    new = {
        "name": "New testing activity",
        "description": "Creating test activity for integration testing",
        # The typed client's tests hard-code type 1; here, the first type the account has.
        "activityTypeId": types[0]["id"] if types else 1,
        "startTime": "2024-03-30T18:00:00+00:00",
        "endTime": "2024-03-30T18:00:00+00:00",
        # Beyond the typed client's payload: a lead and a contact, so the result has the
        # linked stubs a legacy client reads.
        "leads": [{"id": lead_id}],
        "participants": [{"entityType": "Contacts", "id": contact_id}],
    }
    created = s.check("newActivity", activity, "newActivity", {"activity": new})
    if created is not None:
        activity_id = created["id"]
        got = s.check("getActivity", activity, "getActivity", {"activityId": activity_id})
        edited = s.check(
            "editActivity",
            activity,
            "editActivity",
            {
                "activityId": activity_id,
                "rev": created["rev"],
                "activity": {"name": "Edited testing activity"},
            },
        )
        latest = edited or got or created
        s.check(
            "deleteActivity",
            True,
            "deleteActivity",
            {"activityId": activity_id, "rev": latest["rev"]},
        )
    else:
        for label in ("getActivity", "editActivity", "deleteActivity"):
            s.outcomes.append(Outcome(label, ("not called: newActivity gave no activity",)))

    lead_record = _first_of("biguscj7/findLeadsNonStub.json")
    lead = s.check("getLead", lead_record, "getLead", {"leadId": lead_id})
    if lead is not None:
        s.check(
            "editLead",
            lead_record,
            "editLead",
            {"leadId": lead_id, "rev": lead["rev"], "lead": {"description": "Edited by proxy"}},
        )
    else:
        s.outcomes.append(Outcome("editLead", ("not called: getLead gave no lead",)))
    return s.outcomes


#: The calls the typed client makes, in its order (the report counts against this).
TYPED_CALLS = (
    "findUsers",
    "getUser",
    "findTeams",
    "findActivityTypes",
    "getAnalyticsReport",
    "findStagesets",
    "findMilestones",
    "findLeads (findLeadsStub)",
    "findLeads (findLeadsNonStub)",
    "findActivities (findActivitiesStub)",
    "findActivities (findActivitiesNonStub)",
    "newActivity",
    "getActivity",
    "editActivity",
    "deleteActivity",
    "getLead",
    "editLead",
)


def _report(config: str, outcomes: list[Outcome]) -> str:
    failing = [o for o in outcomes if o.problems]
    lines = [
        f"proxy with routes {config!r}: {len(outcomes) - len(failing)} of {len(outcomes)} "
        "calls validate against the recordings; failing:"
    ]
    for outcome in failing:
        lines.append(f"  {outcome.call}:")
        lines.extend(f"    {problem}" for problem in outcome.problems)
    return "\n".join(lines)


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def served_emulator() -> Iterator[tuple[Emulator, Any]]:
    """An emulator served on loopback (both APIs), holding Nutshell's defaults only.

    The typed client's calls read the first few records of each list (``limit`` 3 or 5, by
    id or name), so the records there are the ones :func:`world_records` builds like the
    recordings; seeded records would be different ones each time the seed changes.
    """
    emulator = Emulator()
    try:
        with emulator.serve() as urls:
            yield emulator, urls
    finally:
        emulator.close()


@pytest.fixture
def world_records(served_emulator: tuple[Emulator, Any]) -> Iterator[tuple[int, int]]:
    """A lead and a contact built through the emulator's own JSON-RPC API: (lead id, contact id).

    The lead has a primary account, a team assignee, a product, and a logged and a scheduled
    activity with the contact as participant.
    """
    _emulator, urls = served_emulator
    rpc = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=urls.rpc, sleep=lambda _s: None)
    try:
        lead, _account, contact = LegacyWorld(rpc.call).open_lead()
        yield lead["id"], contact["id"]
    finally:
        rpc.close()


# -- the checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("config", sorted(ROUTES_FILES))
def test_the_cli_accepts_the_routes_file(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``nutshell-migrate proxy --routes FILE`` starts (and stops at once) with each file."""
    path = _write_routes(tmp_path, config)
    # Never contacted: the proxy stops before any call.
    upstream = "http://127.0.0.1:9"
    argv = [
        "proxy",
        "--listen-port",
        "0",
        "--upstream-rpc",
        f"{upstream}/api/v1/json",
        "--upstream-rest",
        f"{upstream}/rest",
        "--routes",
        str(path),
        "--run-seconds",
        "0",
    ]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "routes:" in captured.out


@pytest.mark.parametrize("config", sorted(ROUTES_FILES))
def test_typed_client_calls_through_the_proxy_have_the_recorded_shapes(
    config: str,
    tmp_path: Path,
    served_emulator: tuple[Emulator, Any],
    world_records: tuple[int, int],
) -> None:
    _emulator, urls = served_emulator
    lead_id, contact_id = world_records
    # What `nutshell-migrate proxy --routes FILE` does: read the file, serve on loopback.
    routes = Routes.from_file(_write_routes(tmp_path, config))
    with proxy.serve(
        upstream_rpc=urls.rpc,
        upstream_rest=urls.rest,
        routes=routes,
        legacy_reference=True if config == "rest-where-supported" else None,
    ) as served:
        client = PlainClient(served.discovery, DEFAULT_EMAIL, DEFAULT_API_KEY)
        try:
            assert client.discover() == served.rpc  # discovery leads back to the proxy
            outcomes = run_typed_client(client, lead_id, contact_id)
        finally:
            client.close()
    assert tuple(o.call for o in outcomes) == TYPED_CALLS
    if any(o.problems for o in outcomes):
        pytest.fail(_report(config, outcomes), pytrace=False)
