"""Every client face against the corpus of malformed, hostile and slow answers.

Faces: the JSON-RPC client's raw methods (``api.getLead(1)``) and typed face
(``api.leads.get(1)``) for the JSON-RPC cases; the REST client (``rest.leads.get(1)``) and the
bridge's REST route (``bridge.getLead(1)``) for the REST cases. Each run is classified as

* ``typed`` — a :class:`~nutshell_core.errors.NutshellError` subclass was raised;
* ``result`` — lead 1 came back (the requested entity type and id);
* ``untyped`` — any other exception escaped;
* ``hang`` — the call took longer than its deadline plus one second;
* ``wrong`` — a record other than lead 1 came back, or a record from an answer that holds no
  usable one (a typed face accepting ``{"x": 1}`` as a Lead, say).

The suite requires 0 untyped, 0 hangs, 0 wrong.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
import pytest

from nutshell_core.errors import NutshellError
from nutshell_core.model import Lead
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_emulator.http import HttpRequest
from tests.reliability.corpus import (
    DEADLINE,
    HEAVY,
    Case,
    Stage,
    bridge_rest,
    build_corpus,
    rest_get,
    rpc_raw,
    rpc_typed,
)
from tests.reliability.summary import TALLY

#: A call running longer than this hangs.
HANG_AFTER = DEADLINE + 1.0
WORKERS = 6


@attrs.frozen
class Outcome:
    """What one face did with one case."""

    case: str
    face: str
    kind: str  # typed, result, untyped, hang, wrong
    detail: str
    seconds: float


def _auth() -> dict[str, str]:
    token = base64.b64encode(f"{DEFAULT_EMAIL}:{DEFAULT_API_KEY}".encode()).decode()
    return {"authorization": f"Basic {token}", "content-type": "application/json"}


def _valid_bodies(emulator: Emulator) -> tuple[bytes, bytes]:
    """The emulator's correct answers for lead 1 on each API."""
    call = {"jsonrpc": "2.0", "id": 1, "method": "getLead", "params": {"leadId": 1}}
    rpc = emulator.handle(
        HttpRequest(
            method="POST", path="/api/v1/json", headers=_auth(), body=json.dumps(call).encode()
        )
    )
    rest = emulator.handle(HttpRequest(method="GET", path="/rest/leads/1-leads", headers=_auth()))
    assert rpc.status == 200 and rest.status == 200
    return rpc.body, rest.body


# -- the faces ------------------------------------------------------------------------------------


def _is_lead_1_model(value: Any) -> bool:
    return isinstance(value, Lead) and type(value.id) is int and value.id == 1


def _is_lead_1_legacy(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and type(value.get("id")) is int
        and value.get("id") == 1
        and value.get("entityType") == "Leads"
    )


def _raw_is_other_record(value: Any) -> bool:
    """The raw face returns what the server sent, but never a different record."""
    if not isinstance(value, dict):
        return False
    if "id" in value and not (type(value["id"]) is int and value["id"] == 1):
        return True
    return "entityType" in value and value["entityType"] != "Leads"


Check = Callable[[Case, Any], bool]  # True when the returned value is wrong

FACES: dict[str, tuple[str, Callable[[str], Any], Check]] = {
    "rpc-raw": ("rpc", rpc_raw, lambda c, v: c.invalid_raw or _raw_is_other_record(v)),
    "rpc-typed": ("rpc", rpc_typed, lambda c, v: c.invalid or not _is_lead_1_model(v)),
    "rest": ("rest", rest_get, lambda c, v: c.invalid or not _is_lead_1_model(v)),
    "bridge-rest": ("rest", bridge_rest, lambda c, v: c.invalid or not _is_lead_1_legacy(v)),
}


def _describe(value: Any) -> str:
    text = repr(value)
    return text[:160]


def _run_one(stage: Stage, index: int, face: str) -> Outcome:
    case = stage.cases[index]
    _, call, is_wrong = FACES[face]
    stage.reset(index)
    # A run past its limit is ended by closing its connections, so a hang costs little time.
    watchdog = threading.Timer(HANG_AFTER + 0.5, stage.abort, args=(index,))
    watchdog.start()
    started = time.monotonic()
    try:
        value = call(stage.base(index))
    except NutshellError as exc:
        kind, detail = "typed", f"{type(exc).__name__}: {str(exc)[:160]}"
    except Exception as exc:  # the point: anything untyped is a finding
        kind, detail = "untyped", f"{type(exc).__name__}: {str(exc)[:160]}"
    else:
        kind = "wrong" if is_wrong(case, value) else "result"
        detail = _describe(value)
    finally:
        watchdog.cancel()
    seconds = time.monotonic() - started
    if seconds > HANG_AFTER:
        kind, detail = "hang", f"{seconds:.1f}s then {kind}: {detail}"
    return Outcome(case.name, face, kind, detail, seconds)


@pytest.fixture(scope="module")
def stage() -> Iterator[Stage]:
    emulator = Emulator()
    emulator.seed(30, random_seed=3)
    rpc_body, rest_body = _valid_bodies(emulator)
    played = Stage(build_corpus(rpc_body, rest_body), emulator)
    yield played
    played.close()
    emulator.close()


def _run_case(stage: Stage, index: int) -> list[Outcome]:
    api = stage.cases[index].api
    return [_run_one(stage, index, face) for face, (a, _, _) in FACES.items() if a == api]


def test_the_corpus_is_large_enough(stage: Stage) -> None:
    assert len(stage.cases) >= 150
    assert {c.api for c in stage.cases} == {"rpc", "rest"}


def _judge(outcomes: list[Outcome], responses: int) -> None:
    """Add the outcomes to the summary, then require 0 untyped, 0 hangs, 0 wrong."""
    counts = {
        kind: sum(1 for o in outcomes if o.kind == kind)
        for kind in ("typed", "result", "untyped", "hang", "wrong")
    }
    with TALLY.lock:
        TALLY.responses = (TALLY.responses or 0) + responses
        TALLY.runs += len(outcomes)
        TALLY.untyped += counts["untyped"]
        TALLY.hangs += counts["hang"]
        TALLY.wrong += counts["wrong"]
    bad = [o for o in outcomes if o.kind in ("untyped", "hang", "wrong")]
    report = "\n".join(f"  {o.kind:8} {o.face:12} {o.case}: {o.detail}" for o in bad)
    assert not bad, f"{counts} over {len(outcomes)} runs; failures:\n{report}"


def test_no_untyped_error_no_hang_no_wrong_record(stage: Stage) -> None:
    light = [i for i, case in enumerate(stage.cases) if not case.heavy]
    # Slow cases first, so their waiting overlaps the quick ones.
    light.sort(key=lambda i: not stage.cases[i].slow)
    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = [o for batch in pool.map(lambda i: _run_case(stage, i), light) for o in batch]
    _judge(outcomes, len(light))


@pytest.mark.parametrize("name", [f"{api}:{kind}" for api in ("rpc", "rest") for kind in HEAVY])
def test_bombs_and_huge_bodies_one_at_a_time(stage: Stage, name: str) -> None:
    # Alone, in a test of its own: the errors a test raises are kept until it ends (the
    # suite's credential guard holds them), and an uncapped client's error may hold the
    # inflated body; ten of these in one test would take gigabytes.
    (index,) = [i for i, case in enumerate(stage.cases) if case.name == name]
    assert stage.cases[index].heavy
    _judge(_run_case(stage, index), 1)
