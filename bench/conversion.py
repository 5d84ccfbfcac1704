"""Conversion speed: records/s and x ``json.loads``, both wires, both directions, vs pydantic.

The legacy wire is the recorded real ``findLeads`` (non-stub) response; the REST wire is a full
lead as the emulator's REST front renders it (no recorded REST lead exists). Each is replicated
into N leads with distinct ids. Every direction is timed over the same list in one process, so
the ratios compare like with like: ``json.loads`` of the list's text is the floor, and a
pydantic v2 *parse* (dicts -> models) of the same leads is the target both directions must
match or beat; pydantic's dump (models -> dicts) is shown beside them for context.

The legacy leads are measured twice: as recorded (every lead carries the same times, as a page
of one account's leads largely does), and with every time string distinct, so that the
converter's cache of parsed times cannot flatter the figure.
"""

from __future__ import annotations

import copy
import json
import re
import statistics
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import requests

from bench._common import Figure, Settings, median_seconds, mounted, per_second, verdict
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL
from nutshell_rest.convert import structure_record, unstructure_record
from nutshell_rpc.convert import record_from_rpc, record_to_rpc

SECTION = "conversion"

#: The recorded real response (``findLeads`` with ``stubResponses: false``).
RECORDED = Path(__file__).resolve().parents[1] / "tests/fixtures/rpc/biguscj7/findLeadsNonStub.json"


#: A time as the legacy API writes it.
_RPC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}")
_RPC_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def _shift_times(value: Any, seconds: int, parsed: dict[str, datetime]) -> Any:
    """``value`` with every legacy time string moved ``seconds`` later."""
    if isinstance(value, dict):
        return {key: _shift_times(item, seconds, parsed) for key, item in value.items()}
    if isinstance(value, list):
        return [_shift_times(item, seconds, parsed) for item in value]
    if isinstance(value, str) and _RPC_TIME.fullmatch(value):
        moment = parsed.get(value) or datetime.strptime(value, _RPC_TIME_FORMAT)
        parsed[value] = moment
        return (moment + timedelta(seconds=seconds)).strftime(_RPC_TIME_FORMAT)
    return value


def rpc_leads(count: int, *, distinct_times: bool = False) -> list[dict[str, Any]]:
    """``count`` legacy-wire leads: the recorded one with distinct ids (and, with
    ``distinct_times``, every time string distinct across the whole list)."""
    recorded = json.loads(RECORDED.read_text("utf-8"))["result"][0]
    parsed: dict[str, datetime] = {}
    leads = []
    for index in range(count):
        # times step by a prime number of seconds: no two leads' times collide
        lead = _shift_times(recorded, 7 * index + 1, parsed) if distinct_times else None
        lead = lead or copy.deepcopy(recorded)
        lead["id"] = recorded["id"] + index
        lead["name"] = f"Lead-{4686 + index}"
        leads.append(lead)
    return leads


def rest_leads(count: int) -> list[dict[str, Any]]:
    """``count`` REST-wire leads: the emulator's fullest lead with distinct ids."""
    with mounted(60) as _emulator:
        body = requests.get(
            "https://app.nutshell.com/rest/leads?page[limit]=50",
            auth=(DEFAULT_EMAIL, DEFAULT_API_KEY),
            timeout=10,
        ).json()
    fullest = max(body["leads"], key=lambda lead: len(json.dumps(lead)))
    leads = []
    for index in range(count):
        lead = copy.deepcopy(fullest)
        lead["id"] = f"{index + 1}-leads"
        lead["href"] = f"https://app.nutshell.com/rest/leads/{index + 1}-leads"
        leads.append(lead)
    return leads


def _pydantic() -> Any:
    try:
        from bench import _pydantic_models  # noqa: PLC0415 - pydantic is an optional extra
    except ImportError:
        return None
    return _pydantic_models


def _rate(
    wire: str, what: str, count: int, seconds: float, floor: float, target: float | None
) -> Figure:
    rate = per_second(count, seconds)
    ratio = seconds / floor if floor else None
    return Figure(
        section=SECTION,
        name=f"{wire}: {what}",
        value=rate,
        unit="records/s",
        shown=f"{rate:,.0f} rec/s",
        ratio=ratio,
        ratio_shown="" if ratio is None else f"{ratio:.1f}x json.loads",
        target="pydantic not installed" if target is None else f">= pydantic parse {target:,.0f}/s",
        status="" if target is None else verdict(rate >= target),
        note="" if target is None else f"{rate / target:.2f}x pydantic parse",
    )


def _context(wire: str, what: str, count: int, seconds: float, floor: float) -> Figure:
    rate = per_second(count, seconds)
    return Figure(
        section=SECTION,
        name=f"{wire}: {what}",
        value=rate,
        unit="records/s",
        shown=f"{rate:,.0f} rec/s",
        ratio=seconds / floor if floor else None,
        ratio_shown=f"{seconds / floor:.1f}x json.loads" if floor else "",
    )


def _wire(
    settings: Settings,
    wire: str,
    leads: list[dict[str, Any]],
    load: Callable[[Any], Any],
    dump: Callable[[Any], Any],
    adapter: Any,
    models: Any,
) -> list[Figure]:
    count = len(leads)
    # three lists of leads, each direction five times: a median, and the section under 15 s
    repeat = min(settings.repeat, 5)
    text = json.dumps(leads)
    loads = median_seconds(lambda: json.loads(text), repeat)
    parsed = [load(lead) for lead in leads]
    to_model = median_seconds(lambda: [load(lead) for lead in leads], repeat)
    to_wire = median_seconds(lambda: [dump(record) for record in parsed], repeat)
    figures = [_context(wire, f"json.loads ({count:,} leads)", count, loads, loads)]
    # Each side is timed with its own records alive, not the other's too (every garbage
    # collection walks whatever is alive).
    parsed.clear()
    target = None
    py_parse = py_dump = None
    if adapter is not None:
        validated = adapter.validate_python(leads)
        py_parse = median_seconds(lambda: adapter.validate_python(leads), repeat)
        py_dump = median_seconds(lambda: models.dump(validated), repeat)
        target = per_second(count, py_parse)
    figures.append(_rate(wire, "wire -> model", count, to_model, loads, target))
    figures.append(_rate(wire, "model -> wire", count, to_wire, loads, target))
    if py_parse is not None and py_dump is not None:
        figures.append(_context(wire, "pydantic v2 parse (the target)", count, py_parse, loads))
        figures.append(_context(wire, "pydantic v2 dump (context)", count, py_dump, loads))
    return figures


def _own_process(who: str, count: int, repeat: int, *, mode: str) -> float | None:
    """Leads/s of one contender in a process of its own (see :mod:`bench._convert_once`)."""
    command = [sys.executable, "-m", "bench._convert_once", who, str(count), str(repeat)]
    done = subprocess.run(
        [*command, mode] if mode else command,
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
        timeout=300,
    )
    return float(done.stdout) if done.returncode == 0 and done.stdout.strip() else None


#: What each own-process row converts: a list of leads at once (as read from one response),
#: the same with every time distinct, and the recorded response over and over.
_PROCESS_ROWS: Final = {
    "": "legacy",
    "distinct": "legacy, distinct times",
    "again": "legacy, the recorded lead again and again",
}


def _processes(settings: Settings, *, mode: str) -> list[Figure]:
    """Legacy wire -> model against pydantic's parse, each in processes of its own, in
    alternating pairs; the median of each side's runs."""
    pairs = 1 if settings.quick else 3
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(pairs):
        for who, rates in (("project", ours), ("pydantic", theirs)):
            rate = _own_process(who, settings.leads, 3, mode=mode)
            if rate is not None:
                rates.append(rate)
    if not ours:
        return []
    rate = statistics.median(ours)
    wire = _PROCESS_ROWS[mode]
    target = statistics.median(theirs) if theirs else None
    return [
        Figure(
            section=SECTION,
            name=f"{wire}: wire -> model, own processes ({pairs} pairs)",
            value=rate,
            unit="records/s",
            shown=f"{rate:,.0f} rec/s",
            ratio=None if target is None else rate / target,
            ratio_shown="" if target is None else f"{rate / target:.2f}x pydantic {target:,.0f}/s",
            target="pydantic not installed" if target is None else ">= pydantic parse",
            status="" if target is None else verdict(rate >= target),
        )
    ]


def run(settings: Settings) -> list[Figure]:
    """Conversion figures for both wires."""
    models = _pydantic()
    figures: list[Figure] = []
    for wire, distinct in (("legacy", False), ("legacy, distinct times", True)):
        figures += _wire(
            settings,
            wire,
            rpc_leads(settings.leads, distinct_times=distinct),
            record_from_rpc,
            record_to_rpc,
            None if models is None else models.RPC_LEADS,
            models,
        )
    figures += _wire(
        settings,
        "REST",
        rest_leads(settings.leads),
        structure_record,
        unstructure_record,
        None if models is None else models.REST_LEADS,
        models,
    )
    for mode in _PROCESS_ROWS:
        figures += _processes(settings, mode=mode)
    return figures
