"""Conversion speed: records/s and x ``json.loads``, both wires, both directions, vs pydantic.

The legacy wire is the recorded real ``findLeads`` (non-stub) response; the REST wire is a full
lead as the emulator's REST front renders it (no recorded REST lead exists). Each is replicated
into N leads with distinct ids. Every direction is timed over the same list in one process, so
the ratios compare like with like: ``json.loads`` of the list's text is the floor, and a
pydantic v2 parse (dicts -> models) and dump (models -> dicts) of the same leads is the target
the project's converters must match or beat.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from bench._common import Figure, Settings, median_seconds, mounted, per_second, verdict
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL
from nutshell_rest.convert import structure_record, unstructure_record
from nutshell_rpc.convert import record_from_rpc, record_to_rpc

SECTION = "conversion"

#: The recorded real response (``findLeads`` with ``stubResponses: false``).
RECORDED = Path(__file__).resolve().parents[1] / "tests/fixtures/rpc/biguscj7/findLeadsNonStub.json"


def rpc_leads(count: int) -> list[dict[str, Any]]:
    """``count`` legacy-wire leads: the recorded one with distinct ids."""
    recorded = json.loads(RECORDED.read_text("utf-8"))["result"][0]
    leads = []
    for index in range(count):
        lead = copy.deepcopy(recorded)
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
    settings: Settings,
    wire: str,
    what: str,
    count: int,
    seconds: float,
    floor: float,
    target: float | None,
    target_text: str,
) -> Figure:
    rate = per_second(count, seconds)
    ratio = seconds / floor if floor else None
    status = "" if target is None else verdict(rate >= target)
    return Figure(
        section=SECTION,
        name=f"{wire}: {what}",
        value=rate,
        unit="records/s",
        shown=f"{rate:,.0f} rec/s",
        ratio=ratio,
        ratio_shown="" if ratio is None else f"{ratio:.1f}x json.loads",
        target=target_text,
        status=status,
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
    text = json.dumps(leads)
    loads = median_seconds(lambda: json.loads(text), settings.repeat)
    parsed = [load(lead) for lead in leads]
    to_model = median_seconds(lambda: [load(lead) for lead in leads], settings.repeat)
    to_wire = median_seconds(lambda: [dump(record) for record in parsed], settings.repeat)
    figures = [
        Figure(
            section=SECTION,
            name=f"{wire}: json.loads ({count:,} leads)",
            value=per_second(count, loads),
            unit="records/s",
            shown=f"{per_second(count, loads):,.0f} rec/s",
            ratio=1.0,
            ratio_shown="1.0x json.loads",
        )
    ]
    py_load = py_dump = None
    if adapter is not None:
        validated = adapter.validate_python(leads)
        py_load = median_seconds(lambda: adapter.validate_python(leads), settings.repeat)
        py_dump = median_seconds(lambda: models.dump(validated), settings.repeat)
    for what, seconds, pyd in (
        ("wire -> model", to_model, py_load),
        ("model -> wire", to_wire, py_dump),
    ):
        if pyd is None:
            figures.append(
                _rate(settings, wire, what, count, seconds, loads, None, "pydantic not installed")
            )
            continue
        pyd_rate = per_second(count, pyd)
        figures.append(
            _rate(
                settings,
                wire,
                what,
                count,
                seconds,
                loads,
                pyd_rate,
                f">= pydantic {pyd_rate:,.0f}/s",
            )
        )
        figures.append(
            Figure(
                section=SECTION,
                name=f"{wire}: pydantic v2 {what}",
                value=pyd_rate,
                unit="records/s",
                shown=f"{pyd_rate:,.0f} rec/s",
                ratio=pyd / loads if loads else None,
                ratio_shown=f"{pyd / loads:.1f}x json.loads" if loads else "",
            )
        )
    return figures


def run(settings: Settings) -> list[Figure]:
    """Conversion figures for both wires."""
    models = _pydantic()
    figures = _wire(
        settings,
        "legacy",
        rpc_leads(settings.leads),
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
    return figures
