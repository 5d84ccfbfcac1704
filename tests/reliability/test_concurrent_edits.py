"""Eight threads editing one record with revs, across both routes: no update may be lost.

Each thread has its own bridge (``rpc`` or ``rest`` route, alternating) against the emulator
served on loopback, and increments a counter field: read, write ``value + 1`` with the rev it
read, and on a 409 read again. Every acknowledged increment must show: the acknowledged values
are exactly 1..final. A second run crosses the routes inside each edit (read through one, write
through the other), so revs issued by one route are checked by the other.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import attrs
import pytest

from bridge import NutshellAPI as BridgeAPI
from bridge.revs import REV_IGNORE
from nutshell_core import errors
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.reliability.summary import TALLY

THREADS = 8
EDITS = 15
#: Attempts per increment (each 409 costs one): far above what contention needs.
MAX_ATTEMPTS = 300
#: Bounds the whole run; a run takes a few seconds.
RUN_TIMEOUT = 120.0


@attrs.define
class Tally:
    """Values written by acknowledged edits, 409s seen, and increments given up."""

    acknowledged: list[int] = attrs.field(factory=list)
    conflicts: int = 0
    gave_up: int = 0
    errors: list[str] = attrs.field(factory=list)
    lock: threading.Lock = attrs.field(factory=threading.Lock)


@attrs.frozen
class Target:
    """The record the threads increment: get and edit methods, id and counter field."""

    get: str
    edit: str
    record_id: int
    field: str


CONTACT = Target("getContact", "editContact", 3, "jobTitle")
TASK = Target("getTask", "editTask", 1, "title")


def _increment(
    reader: BridgeAPI, writer: BridgeAPI, target: Target, tally: Tally, rng: random.Random
) -> None:
    for _ in range(MAX_ATTEMPTS):
        record = reader.call(target.get, target.record_id)
        value = int(record[target.field])
        try:
            writer.call(
                target.edit, target.record_id, record["rev"], {target.field: str(value + 1)}
            )
        except errors.ConflictError:
            with tally.lock:
                tally.conflicts += 1
            time.sleep(rng.random() * 0.02)  # jitter, so the same thread does not always lose
            continue
        with tally.lock:
            tally.acknowledged.append(value + 1)
        return
    with tally.lock:
        tally.gave_up += 1


def _bridge(rpc_url: str, route: str) -> BridgeAPI:
    return BridgeAPI(
        DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=rpc_url, routes={"*": route}, lean=True
    )


def _run(rpc_url: str, target: Target, crossed: bool) -> tuple[Tally, int]:
    with RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=rpc_url) as direct:
        direct.call(target.edit, target.record_id, REV_IGNORE, {target.field: "0"})
    tally = Tally()
    start = threading.Barrier(THREADS)

    def worker(index: int) -> None:
        mine = "rest" if index % 2 == 0 else "rpc"
        other = "rpc" if mine == "rest" else "rest"
        with (
            _bridge(rpc_url, mine) as reader,
            _bridge(rpc_url, other if crossed else mine) as writer,
        ):
            rng = random.Random(index)
            start.wait(timeout=30)
            for _ in range(EDITS):
                try:
                    _increment(reader, writer, target, tally, rng)
                except Exception as exc:  # handed to the test thread to report
                    with tally.lock:
                        tally.errors.append(f"{type(exc).__name__}: {exc}")

    deadline = time.monotonic() + RUN_TIMEOUT
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(worker, i) for i in range(THREADS)]
        for future in futures:
            future.result(timeout=max(1.0, deadline - time.monotonic()))
    with RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=rpc_url) as direct:
        final = int(direct.call(target.get, target.record_id)[target.field])
    return tally, final


@pytest.fixture
def served() -> Iterator[str]:
    emulator = Emulator()
    emulator.seed(30, random_seed=3)
    with emulator.serve() as urls:
        yield urls.rpc
    emulator.close()


@pytest.mark.parametrize(
    ("target", "crossed"),
    [pytest.param(CONTACT, False, id="contact-mixed"), pytest.param(TASK, True, id="task-crossed")],
)
def test_concurrent_edits_lose_no_update(served: str, target: Target, crossed: bool) -> None:
    tally, final = _run(served, target, crossed)
    lost = len(tally.acknowledged) - final
    with TALLY.lock:
        TALLY.threads = THREADS
        TALLY.edits += len(tally.acknowledged)
        TALLY.edit_runs += 1
        TALLY.lost_updates += max(lost, 0) + len(tally.acknowledged) - len(set(tally.acknowledged))
    assert not tally.errors, tally.errors[:5]
    assert tally.gave_up == 0
    assert len(tally.acknowledged) == THREADS * EDITS
    # Every acknowledged edit wrote a different value, together exactly 1..final: an edit that
    # overwrote another would have written some value twice.
    assert sorted(tally.acknowledged) == list(range(1, final + 1)), f"{lost} updates lost"
    assert tally.conflicts > 0  # the threads did collide
