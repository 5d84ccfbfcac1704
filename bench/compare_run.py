"""``nutshell-migrate compare`` end to end: wall time over a seeded emulator.

Run as a user runs it, in its own process (``python -m nutshell_migrate compare --emulator
--records 200 --format json``), so the figure includes start-up, seeding, planning, every
shadow experiment and the report. The JSON it prints gives the number of calls compared and
whether any difference was undeclared (its exit status is 1 then).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench._common import Figure, Settings, verdict

SECTION = "compare"
ROOT = Path(__file__).resolve().parents[1]


def run(settings: Settings) -> list[Figure]:
    """Wall time of one ``compare`` run."""
    command = [
        sys.executable,
        "-m",
        "nutshell_migrate",
        "compare",
        "--emulator",
        "--records",
        str(settings.compare_records),
        "--calls",
        str(settings.compare_calls),
        "--format",
        "json",
    ]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    took = time.perf_counter() - started
    try:
        totals = json.loads(done.stdout)["totals"]
    except (ValueError, KeyError, TypeError):
        totals = None
    if totals is None:
        return [
            Figure(
                section=SECTION,
                name=f"compare, {settings.compare_records} records",
                value=took,
                unit="s",
                shown=f"{took:.1f} s",
                target="runs",
                status=verdict(False),
                note=f"exit {done.returncode}: {done.stderr.strip()[-200:]}",
            )
        ]
    calls = int(totals["calls"])
    mismatched = int(totals["mismatched"])
    return [
        Figure(
            section=SECTION,
            name=f"compare, {settings.compare_records} records, "
            f"{settings.compare_calls} call(s) per method",
            value=took,
            unit="s",
            shown=f"{took:.1f} s",
            ratio=took / calls if calls else None,
            ratio_shown=f"{calls} calls, {took / calls * 1000:.0f} ms each" if calls else "",
            target="0 undeclared mismatches",
            status=verdict(mismatched == 0 and done.returncode == 0),
            note="" if not mismatched else f"{mismatched} mismatched",
        )
    ]
