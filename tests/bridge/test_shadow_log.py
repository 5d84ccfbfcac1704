"""The shadow log: compact records of shadow calls (``shadow_record``, ``ShadowLogPublisher``),
and the bridge masking its API key in everything it publishes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.experiment import Experiment, Result
from bridge.publish import (
    SHADOW_LOG_VERSION,
    MemoryPublisher,
    ShadowLogPublisher,
    masked,
    result_record,
    shadow_record,
)
from bridge.registry import Registry, Status, Translator
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_rpc import NutshellAPI as RpcAPI

ENDPOINT = "https://app.nutshell.com/api/v1/json"
SEED_DATA = (30, 3)


def _result(control: Any, candidate: Any, **context: Any) -> Result:
    memory = MemoryPublisher()
    experiment = Experiment("getLead", context={"method": "getLead", "route": "shadow", **context})
    experiment.use(lambda: control).try_(lambda: candidate, name="rest").publish(memory)
    experiment.ignore("$.rev")
    experiment.run()
    (result,) = memory.results
    return result


def _raise(exc: BaseException) -> Any:
    raise exc


def test_a_mismatch_keeps_paths_and_brief_values() -> None:
    control = {"id": 1, "name": "Acme", "tags": ["a", "b"], "notes": "x" * 500, "gone": 1}
    candidate = {"id": 1, "name": "ACME", "tags": ["a"], "notes": "y" * 500, "new": {"k": 1}}
    (record,) = shadow_record(_result(control, candidate, caller="abc"))
    assert record["v"] == SHADOW_LOG_VERSION
    assert (record["method"], record["route"], record["outcome"]) == (
        "getLead",
        "shadow",
        "mismatched",
    )
    assert record["context"] == {"caller": "abc"}
    assert record["control"]["name"] == "control" and record["candidate"]["name"] == "rest"
    assert record["control"]["error"] is None and record["candidate"]["error"] is None
    assert isinstance(record["candidate"]["ms"], float)
    by_path = {d["path"]: d for d in record["differences"]}
    assert by_path["$.name"] == {"path": "$.name", "kind": "changed", "control": "Acme",
                                 "candidate": "ACME"}  # fmt: skip
    # A side that is missing is left out, not written as null.
    assert "candidate" not in by_path["$.gone"] and by_path["$.gone"]["control"] == 1
    assert "control" not in by_path["$.new"]
    # Containers are summarised and long text is cut, unless values are asked for.
    assert by_path["$.new"]["candidate"] == "<object, 1 keys>"
    assert len(by_path["$.notes"]["control"]) == 201 and by_path["$.notes"]["control"].endswith("…")
    assert "values" not in record
    (full,) = shadow_record(_result(control, candidate), values=True)
    assert {d["path"]: d for d in full["differences"]}["$.new"]["candidate"] == {"k": 1}
    assert full["values"] == {"control": control, "candidate": candidate}


def test_matched_ignored_and_errors() -> None:
    (same,) = shadow_record(_result({"a": 1}, {"a": 1}))
    assert same["outcome"] == "matched" and same["differences"] == []
    (ignored,) = shadow_record(_result({"a": 1, "rev": "1"}, {"a": 1, "rev": "2"}))
    assert ignored["outcome"] == "ignored" and ignored["differences"] == []
    memory = MemoryPublisher()
    experiment = Experiment("getLead", context={"method": "getLead"})
    experiment.use(lambda: {"a": 1}).try_(lambda: _raise(LookupError("no such lead")), name="rest")
    experiment.publish(memory).run()
    (record,) = shadow_record(memory.results[0])
    assert record["outcome"] == "mismatched" and record["route"] is None
    assert record["candidate"]["error"] == "LookupError: no such lead"
    assert record["differences"] == [
        {
            "path": "$",
            "kind": "type",
            "control": "<object, 1 keys>",
            "candidate": "<raised LookupError>",
        }
    ]


def test_the_publisher_appends_compact_json_lines(tmp_path: Path) -> None:
    log = tmp_path / "shadow.jsonl"
    publisher = ShadowLogPublisher(log)
    publisher(_result({"a": 1}, {"a": 2}))
    publisher(_result({"a": 1}, {"a": 1}))
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and all(", " not in line for line in lines)
    assert [json.loads(line)["outcome"] for line in lines] == ["mismatched", "matched"]
    assert "shadow.jsonl" in repr(publisher)


def test_masked_replaces_the_secret_everywhere() -> None:
    secret = "s3cr3t-value"
    result = _result(
        {"note": f"key={secret}", secret: 1}, {"note": "other", "list": [secret]}, echoed=secret
    )
    clean = masked(result, lambda text: text.replace(secret, "***"))
    text = json.dumps(shadow_record(clean, values=True))
    assert secret not in text and "***" in text
    assert clean.outcome == result.outcome == "mismatched"
    errored = masked(
        _result_with_error(RuntimeError(f"echo {secret}")), lambda t: t.replace(secret, "***")
    )
    (candidate,) = errored.candidates
    assert type(candidate.exception).__name__ == "RuntimeError"
    assert str(candidate.exception) == "echo ***"


def _result_with_error(exc: Exception) -> Result:
    memory = MemoryPublisher()
    experiment = Experiment("getLead").use(lambda: 1).try_(lambda: _raise(exc), name="rest")
    experiment.publish(memory).run()
    return memory.results[0]


def test_the_bridge_masks_an_echoed_api_key_in_the_shadow_log(
    tmp_path: Path, emulator: Emulator
) -> None:
    log = tmp_path / "shadow.jsonl"
    echoing = Registry(
        [
            Translator(
                method="getLead",
                status=Status.MAPPED,
                rest_operations=(("GET", "/leads/{id}"),),
                # A server that echoes the key back in what it returns.
                run=lambda ctx, params: {"id": params["leadId"], "echo": DEFAULT_API_KEY},
            )
        ]
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        lead_id = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT).findLeads()[0]["id"]
        api = BridgeAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT,
                        routes={"getLead": "shadow"}, registry=echoing,
                        publishers=[ShadowLogPublisher(log, values=True)])  # fmt: skip
        assert api.getLead(lead_id)["id"] == lead_id
    text = log.read_text(encoding="utf-8")
    (record,) = [json.loads(line) for line in text.splitlines()]
    assert record["outcome"] == "mismatched" and record["method"] == "getLead"
    assert {"path": "$.echo", "kind": "added", "candidate": "********"} in record[
        "differences"
    ] or (any(d["path"] == "$.echo" for d in record["differences"]))
    assert DEFAULT_API_KEY not in text


@pytest.mark.parametrize("values", [False, True])
def test_a_real_shadow_call_is_small_unless_values_are_asked(
    tmp_path: Path, emulator: Emulator, values: bool
) -> None:
    log = tmp_path / "shadow.jsonl"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        lead_id = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT).findLeads()[0]["id"]
        api = BridgeAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT,
                        routes={"getLead": "shadow"},
                        publishers=[ShadowLogPublisher(log, values=values)])  # fmt: skip
        api.getLead(lead_id)
    (record,) = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert record["outcome"] in ("matched", "ignored")
    assert ("values" in record) is values
    if not values:
        assert len(log.read_bytes()) < 600


def test_masked_reaches_values_nested_deeper_than_a_copy_goes() -> None:
    # Values deeper than publish.MAX_DEPTH are written as their repr; the secret inside must
    # be masked there too.
    secret = "s3cr3t-value"
    deep: Any = secret
    for _ in range(70):
        deep = {"k": deep}
    clean = masked(_result(deep, {"k": 1}), lambda text: text.replace(secret, "***"))
    assert secret not in json.dumps(shadow_record(clean, values=True))
    assert secret not in json.dumps(result_record(clean))
