"""Mixed writes under injected faults, through the bridge's ``rpc`` and ``rest`` routes.

Each write carries a unique marker (a task title, a contact's name or job title). The emulator
here counts, per marker, the write requests it received and the ones it applied (routed to a
front and answered with success). Faults come before a write is applied (the emulator's own
:class:`~nutshell_emulator.Fault` rules: 5xx, HTML pages, resets, delays) or after it (the same
faults, applied to the answer of a write that WAS applied: a reset, a 5xx, a truncated or HTML
body, a delay past the read timeout), and on the reads around a write (a bridge's read-back).

Every write must end one of three ways:

* acknowledged — it was applied exactly once (else it is *lost*);
* a definite failure (any typed error but a timeout) — it was not applied (else *misreported*:
  an applied write the caller is invited to repeat);
* uncertain — :class:`~nutshell_core.errors.RequestTimeoutError` (``OutcomeUnknownError``
  among them), applied or not.

And nothing is applied twice (*duplicates*) or sent twice once it reached the server
(*re-sent*). Most writes run in-process behind ``responses``; the delay faults need real read
timeouts, so a share runs against the emulator served on loopback.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.revs import REV_IGNORE
from nutshell_core import errors
from nutshell_core.transport import RetryPolicy, Timeouts
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator, Fault, FaultInjector
from nutshell_emulator.emulator import ConnectionReset
from nutshell_emulator.http import HttpReply, HttpRequest, html_error_page
from tests.reliability.summary import TALLY

ENDPOINT = "https://app.nutshell.com/api/v1/json"
IN_PROCESS_WRITES = 480
SERVED_WRITES = 60
#: The served run's read timeout, and how long a delay fault holds an answer.
SERVED_READ = 0.25
DELAY = 0.5
_MARKER = re.compile(rb"rlb-[0-9]+-[a-z]+")
_WRITE_METHODS = re.compile(r"^(new|edit|delete)[A-Z]")


class CountingEmulator(Emulator):
    """An emulator that counts, per marker, write requests received and applied, and can break
    the answer of a write after applying it (``after`` rules, first match wins)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.after = FaultInjector(seed=1)
        self.received: Counter[str] = Counter()
        self.applied: Counter[str] = Counter()
        self._count_lock = threading.Lock()

    def handle(self, request: HttpRequest, *, base: str = "https://app.nutshell.com") -> HttpReply:
        marker = _marker(request)
        if marker is not None:
            with self._count_lock:
                self.received[marker] += 1
        after = self.after.decide(self._targets(request))
        reply = super().handle(request, base=base)
        if after is None:
            return reply
        if after.kind == "reset":
            raise ConnectionReset("fault injection after the write: connection reset")
        if after.kind == "delay":
            self._sleep(after.seconds)
            return reply
        if after.kind == "truncate":
            return HttpReply(reply.status, reply.headers, reply.body[: len(reply.body) // 2])
        if after.kind == "html":
            page = html_error_page(after.status, "Internal Server Error")
            return HttpReply(after.status, page.headers, page.body)
        body = json.dumps({"code": after.status, "message": "Injected fault"}).encode()
        return HttpReply(after.status, (("Content-Type", "application/json"),), body)

    def _route(self, request: HttpRequest, base: str) -> HttpReply:
        reply = super()._route(request, base)
        marker = _marker(request)
        if marker is not None and _succeeded(reply):
            with self._count_lock:
                self.applied[marker] += 1
        return reply


def _marker(request: HttpRequest) -> str | None:
    """The marker of a write request, or None for reads and unmarked requests.

    A delete carries no body to mark: its marker is ``rlb-del-<task id>``.
    """
    if request.method == "GET":
        return None
    if request.method == "DELETE":
        found_id = re.fullmatch(r"/rest/tasks/([0-9]+)-tasks", request.path.rstrip("/"))
        return f"rlb-del-{found_id.group(1)}" if found_id else None
    if request.path.rstrip("/").endswith("/api/v1/json"):
        try:
            call = json.loads(request.body)
            method = call.get("method", "")
        except (ValueError, AttributeError):
            return None
        if not isinstance(method, str) or not _WRITE_METHODS.match(method):
            return None
        if method == "deleteTask":
            params = call.get("params")
            task = params.get("taskId") if isinstance(params, dict) else None
            return f"rlb-del-{task}" if task is not None else None
    found = _MARKER.search(request.body)
    return found.group().decode() if found else None


def _succeeded(reply: HttpReply) -> bool:
    if not 200 <= reply.status < 300:
        return False
    try:
        body = json.loads(reply.body) if reply.body else {}
    except ValueError:
        return True
    return not (isinstance(body, dict) and body.get("error"))


# -- the writes -----------------------------------------------------------------------------------


@attrs.frozen
class Write:
    """One write: its marker, route, operation and the faults set up around it."""

    marker: str
    route: str
    operation: str
    fault: str


@attrs.define
class Ledger:
    """How every write ended."""

    acknowledged: list[Write] = attrs.field(factory=list)
    definite: list[tuple[Write, str]] = attrs.field(factory=list)
    uncertain: list[tuple[Write, str]] = attrs.field(factory=list)
    untyped: list[tuple[Write, str]] = attrs.field(factory=list)


#: Fault name -> (when, glob kind, Fault). ``when`` is "before" (emulator rules), "after"
#: (applied, then the answer breaks) or "readback" (the reads around the write fail).
FAULTS: dict[str, tuple[str, Fault]] = {
    "before-500": ("before", Fault.http_status(500)),
    "before-502": ("before", Fault.http_status(502)),
    "before-503": ("before", Fault.http_status(503, retry_after=0)),
    "before-429": ("before", Fault.http_status(429, retry_after=0)),
    "before-html": ("before", Fault.html(500)),
    "before-reset": ("before", Fault.reset()),
    "after-reset": ("after", Fault.reset()),
    "after-500": ("after", Fault.http_status(500)),
    "after-503": ("after", Fault.http_status(503)),
    "after-truncate": ("after", Fault.truncate()),
    "after-html-200": ("after", Fault.html(200)),
    "readback-503": ("readback", Fault.http_status(503)),
    "readback-reset": ("readback", Fault.reset()),
    "readback-html": ("readback", Fault.html(500)),
}
DELAYS: dict[str, tuple[str, Fault]] = {
    "before-delay": ("before", Fault.delay(DELAY)),
    "after-delay": ("after", Fault.delay(DELAY)),
}
OPERATIONS = ("newTask", "editTask", "newContact", "editContact", "deleteTask")
#: The write's own request, by operation and route: globs over RPC method or request line.
WRITE_TARGETS = {
    ("rpc", "newTask"): "newTask",
    ("rpc", "editTask"): "editTask",
    ("rpc", "newContact"): "newContact",
    ("rpc", "editContact"): "editContact",
    ("rpc", "deleteTask"): "deleteTask",
    ("rest", "newTask"): "POST /rest/tasks",
    ("rest", "editTask"): "PATCH /rest/tasks/*",
    ("rest", "newContact"): "POST /rest/contacts",
    ("rest", "editContact"): "PATCH /rest/contacts/*",
    ("rest", "deleteTask"): "DELETE /rest/tasks/*",
}
READ_TARGETS = {"rpc": "get*", "rest": "GET /rest/*"}


def _plan(count: int, rng: random.Random, faults: dict[str, tuple[str, Fault]]) -> list[Write]:
    names = ["none"] * (len(faults) // 2) + sorted(faults)
    return [
        Write(
            marker=f"rlb-{index}-{rng.choice(['a', 'b', 'c'])}",
            route="rpc" if index % 2 else "rest",
            operation=OPERATIONS[index % len(OPERATIONS)],
            fault=rng.choice(names),
        )
        for index in range(count)
    ]


def _arm(emulator: CountingEmulator, write: Write, faults: dict[str, tuple[str, Fault]]) -> None:
    emulator.faults.clear()
    emulator.after.clear()
    if write.fault == "none":
        return
    when, fault = faults[write.fault]
    if when == "readback":
        # Every read until the next write (a bridge's read-back of what it wrote), retries
        # included: a read that fails once is simply retried.
        emulator.faults.add(READ_TARGETS[write.route], fault)
        return
    target = WRITE_TARGETS[(write.route, write.operation)]
    (emulator.faults if when == "before" else emulator.after).add(target, fault, count=1)


def _perform(api: BridgeAPI, write: Write, task_id: int, contact_id: int) -> Any:
    """Send one write (a delete's marker names the task it deletes)."""
    if write.operation == "newTask":
        return api.newTask({"title": write.marker})
    if write.operation == "newContact":
        return api.newContact({"name": write.marker})
    if write.operation == "editTask":
        return api.editTask(task_id, REV_IGNORE, {"title": write.marker})
    if write.operation == "editContact":
        return api.editContact(contact_id, REV_IGNORE, {"jobTitle": write.marker})
    return api.deleteTask(int(write.marker.rsplit("-", 1)[1]), REV_IGNORE)


def _bridges(endpoint: str, rest_base: str | None, **options: Any) -> dict[str, BridgeAPI]:
    return {
        route: BridgeAPI(
            DEFAULT_EMAIL,
            DEFAULT_API_KEY,
            endpoint=endpoint,
            rest_base_url=rest_base,
            routes={"*": route},
            lean=True,
            **options,
        )
        for route in ("rpc", "rest")
    }


def _run_writes(
    emulator: CountingEmulator,
    bridges: dict[str, BridgeAPI],
    writes: list[Write],
    faults: dict[str, tuple[str, Fault]],
) -> Ledger:
    ledger = Ledger()
    rpc = bridges["rpc"]
    task_id = rpc.newTask({"title": "edited by the fault run"})["id"]
    contact_id = rpc.newContact({"name": "edited by the fault run"})["id"]
    for write in writes:
        _arm(emulator, write, faults)
        try:
            _perform(bridges[write.route], write, task_id, contact_id)
        except errors.RequestTimeoutError as exc:  # OutcomeUnknownError among them
            ledger.uncertain.append((write, f"{type(exc).__name__}: {exc}"))
        except errors.NutshellError as exc:
            ledger.definite.append((write, f"{type(exc).__name__}: {exc}"))
        except Exception as exc:  # the point: anything untyped is a finding
            ledger.untyped.append((write, f"{type(exc).__name__}: {exc}"))
        else:
            ledger.acknowledged.append(write)
    emulator.faults.clear()
    emulator.after.clear()
    return ledger


def _victims(emulator: CountingEmulator, writes: list[Write], bridge: BridgeAPI) -> list[Write]:
    """Give every delete a task of its own to delete; its marker becomes ``rlb-del-<id>``."""
    out = []
    for write in writes:
        if write.operation == "deleteTask":
            task = bridge.newTask({"title": "a task to delete"})
            out.append(attrs.evolve(write, marker=f"rlb-del-{task['id']}"))
        else:
            out.append(write)
    return out


@attrs.frozen
class Verdict:
    """What the counts say."""

    duplicates: list[str]
    resent: list[str]
    lost: list[str]
    misreported: list[str]
    untyped: list[str]


def _judge(emulator: CountingEmulator, ledger: Ledger) -> Verdict:
    applied, received = emulator.applied, emulator.received
    every = ledger.acknowledged + [
        w for w, _ in ledger.definite + ledger.uncertain + ledger.untyped
    ]
    return Verdict(
        duplicates=[f"{w} applied {applied[w.marker]}x" for w in every if applied[w.marker] > 1],
        resent=[f"{w} received {received[w.marker]}x" for w in every if received[w.marker] > 1],
        lost=[str(w) for w in ledger.acknowledged if applied[w.marker] != 1],
        misreported=[
            f"{w}: {why}"
            for w, why in ledger.definite
            if applied[w.marker] > 0 and not _server_said_so(w, why)
        ],
        untyped=[f"{w}: {why}" for w, why in ledger.untyped],
    )


def _server_said_so(write: Write, why: str) -> bool:
    """A 5xx answer to the write itself is the server's own word that it failed, and
    :class:`~nutshell_core.errors.ServerError` passes it on (a 5xx may follow a partial
    action; the error says which request failed). Anything else that breaks after an applied
    write (a garbled 200, a failed read-back) must be reported as uncertain."""
    return write.fault in ("after-500", "after-503") and why.startswith("ServerError")


def _tally(writes: int, ledger: Ledger, verdict: Verdict) -> None:
    with TALLY.lock:
        TALLY.writes = (TALLY.writes or 0) + writes
        TALLY.duplicates += len(verdict.duplicates)
        TALLY.lost += len(verdict.lost)
        TALLY.uncertain += len(ledger.uncertain)
        TALLY.misreported += len(verdict.misreported)
        TALLY.resent += len(verdict.resent)
        TALLY.write_untyped += len(verdict.untyped)


def _assert_clean(ledger: Ledger, verdict: Verdict) -> None:
    problems = {
        "duplicates": verdict.duplicates,
        "re-sent after reaching the server": verdict.resent,
        "lost acknowledged": verdict.lost,
        "applied but reported as a definite failure": verdict.misreported,
        "untyped": verdict.untyped,
    }
    text = "\n".join(f"  {kind}: {item}" for kind, items in problems.items() for item in items)
    counts = (
        f"{len(ledger.acknowledged)} acknowledged, {len(ledger.definite)} failed, "
        f"{len(ledger.uncertain)} uncertain, {len(ledger.untyped)} untyped"
    )
    assert not text, f"{counts}; problems:\n{text}"


@pytest.fixture
def counting() -> Iterator[CountingEmulator]:
    emulator = CountingEmulator(sleep=time.sleep)
    emulator.seed(30, random_seed=3)
    yield emulator
    emulator.close()


def test_faulted_writes_in_process(counting: CountingEmulator) -> None:
    rng = random.Random(13)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        counting.mount(mock)
        bridges = _bridges(ENDPOINT, None, sleep=lambda _s: None)
        try:
            writes = _victims(counting, _plan(IN_PROCESS_WRITES, rng, FAULTS), bridges["rpc"])
            ledger = _run_writes(counting, bridges, writes, FAULTS)
        finally:
            for api in bridges.values():
                api.close()
    verdict = _judge(counting, ledger)
    _tally(len(writes), ledger, verdict)
    assert len(writes) >= IN_PROCESS_WRITES
    _assert_clean(ledger, verdict)


def test_faulted_writes_on_loopback_with_real_timeouts(counting: CountingEmulator) -> None:
    rng = random.Random(17)
    faults = {
        **FAULTS,
        **DELAYS,
        "before-delay-2": DELAYS["before-delay"],
        "after-delay-2": DELAYS["after-delay"],
    }
    with counting.serve() as urls:
        bridges = _bridges(
            urls.rpc,
            urls.rest,
            timeouts=Timeouts(connect=1.0, read=SERVED_READ),
            retry=RetryPolicy(max_attempts=3, deadline=3.0, backoff_initial=0.01),
        )
        try:
            writes = _victims(counting, _plan(SERVED_WRITES, rng, faults), bridges["rpc"])
            ledger = _run_writes(counting, bridges, writes, faults)
        finally:
            for api in bridges.values():
                api.close()
        # A delayed write may still be running on the server: let it finish before counting.
        time.sleep(DELAY + 0.2)
    verdict = _judge(counting, ledger)
    _tally(len(writes), ledger, verdict)
    assert len(writes) >= SERVED_WRITES
    assert any(w.fault.endswith("delay") for w, _ in ledger.uncertain)
    _assert_clean(ledger, verdict)
