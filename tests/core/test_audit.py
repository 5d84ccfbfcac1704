"""Audit events and sinks: one compact JSON line per event, masked, whole under many threads."""

from __future__ import annotations

import json
import re
import stat
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from nutshell_core.audit import (
    EVENT_KEYS,
    AuditEvent,
    AuditLog,
    MemoryAudit,
    audit_event,
    rest_ids,
    rpc_ids,
    utc_timestamp,
)
from nutshell_core.errors import ConfigurationError
from nutshell_core.secrets import SecretMask

KEY = "sekrit-KEY-123456"


def _event(**changes: object) -> AuditEvent:
    fields: dict[str, object] = {
        "agent": "sales-bot",
        "call": "getLead",
        "record_types": ("leads",),
        "access": "read",
        "ids": ("1003",),
        "decision": "allowed",
        "status": "ok",
        "duration_ms": 12.34567,
        "route": "rpc",
    }
    fields.update(changes)
    return audit_event(**fields)  # type: ignore[arg-type]


def test_an_event_is_one_compact_line_with_fixed_keys() -> None:
    line = _event().to_json()
    assert "\n" not in line
    assert ", " not in line
    assert ": " not in line
    data = json.loads(line)
    assert tuple(data) == EVENT_KEYS
    assert data["duration_ms"] == 12.346
    assert data["record_types"] == ["leads"]
    assert data["reason"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", data["time"])
    assert AuditEvent.from_dict(data) == _event(time=data["time"])


def test_timestamps_are_utc_with_milliseconds() -> None:
    moment = datetime(2026, 12, 6, 9, 0, 0, 123456, tzinfo=timezone.utc)
    assert utc_timestamp(moment) == "2026-12-06T09:00:00.123Z"


def test_a_live_key_is_masked_in_every_field() -> None:
    mask = SecretMask(KEY)
    event = _event(call=f"getLead {KEY}", reason=f"key {KEY}", ids=(KEY,), agent=KEY)
    assert KEY not in event.to_json()
    assert "[secure]" in event.reason  # type: ignore[operator]
    del mask


def test_a_bare_id_stays_one_id() -> None:
    assert AuditEvent.from_dict({**_event().to_dict(), "ids": "1003"}).ids == ("1003",)


def test_an_incomplete_record_names_the_missing_key() -> None:
    data = _event().to_dict()
    del data["decision"]
    with pytest.raises(ConfigurationError, match="'decision'"):
        AuditEvent.from_dict(data)


def test_ids_are_taken_from_id_params_and_paths_only() -> None:
    params = {"leadId": 1003, "rev": "7", "lead": {"id": 9}, "contactIds": [1, "2-contacts"]}
    assert rpc_ids(params) == ("1003", "1", "2-contacts")
    assert rpc_ids({"leadId": "not an id; a secret"}) == ()
    assert rpc_ids({"leadId": True}) == ()
    assert rest_ids("/rest/leads/1003-leads/stages?x=1") == ("1003-leads",)


def test_the_log_file_is_private_and_appended(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog(path) as log:
        log(_event())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with AuditLog(path) as log:
        log(_event(call="findLeads"))
        assert not log.closed
    assert log.closed
    calls = [json.loads(line)["call"] for line in path.read_text("utf-8").splitlines()]
    assert calls == ["getLead", "findLeads"]
    with pytest.raises(ConfigurationError, match="closed"):
        log(_event())


def test_a_sink_mask_covers_secrets_only_it_knows(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog(path, mask=lambda text: text.replace("bot", "[secure]")) as log:
        log(_event())
    assert json.loads(path.read_text("utf-8"))["agent"] == "sales-[secure]"


def test_an_unopenable_log_is_one_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot open the audit log"):
        AuditLog(tmp_path / "missing" / "audit.jsonl")


def test_many_threads_write_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    memory = MemoryAudit()
    long_reason = "x" * 5000  # longer than any buffer a partial write would split at

    def work(log: AuditLog, number: int) -> None:
        for index in range(50):
            event = _event(agent=f"agent-{number}", ids=(str(index),), reason=long_reason)
            log(event)
            memory(event)

    with AuditLog(path) as log:
        threads = [threading.Thread(target=work, args=(log, n)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == 400 == len(memory)
    assert all(json.loads(line)["reason"] == long_reason for line in lines)
    memory.clear()
    assert memory.events == []
