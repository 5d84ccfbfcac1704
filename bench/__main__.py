"""``python -m bench``: every benchmark, measured in one run, printed as one table.

Options: ``--quick`` (a smoke run with small sizes, under half a minute), ``--format json``
(for programs), ``--only SECTION[,SECTION...]``. Every figure is printed beside its ratio and
target with PASS or MISS; the exit status is 0 even when targets are missed, since this is a
measurement, not a test. Nothing leaves the machine: the emulator answers in-process or on
127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.table import Table

from bench import compare_run, conversion, overhead, paging, requests_per_call, shadow, throughput
from bench._common import MISS, PASS, Figure, Settings

#: Every section, in the order the table shows them.
SECTIONS: dict[str, Callable[[Settings], list[Figure]]] = {
    "conversion": conversion.run,
    "requests": requests_per_call.run,
    "overhead": overhead.run,
    "shadow": shadow.run,
    "paging": paging.run,
    "throughput": throughput.run,
    "compare": compare_run.run,
}


def machine() -> dict[str, str]:
    """The machine the figures were measured on."""
    import os  # noqa: PLC0415 - only for the description

    try:
        # Other work on the machine slows every figure; the ratios suffer less.
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except (AttributeError, OSError):
        load = "unknown"
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "os": platform.platform(),
        "load": load,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def measure(settings: Settings, sections: Sequence[str]) -> tuple[list[Figure], dict[str, float]]:
    """Run the sections; their figures and the seconds each took."""
    figures: list[Figure] = []
    took: dict[str, float] = {}
    for name in sections:
        started = time.perf_counter()
        figures += SECTIONS[name](settings)
        took[name] = time.perf_counter() - started
    return figures, took


def _table(figures: Sequence[Figure], title: str) -> Table:
    table = Table(title=title, show_lines=False)
    for heading, justify in (
        ("section", "left"),
        ("figure", "left"),
        ("median", "right"),
        ("ratio", "right"),
        ("target", "left"),
        ("result", "left"),
    ):
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    previous = None
    for figure in figures:
        style = {PASS: "green", MISS: "bold red"}.get(figure.status, "")
        table.add_row(
            figure.section if figure.section != previous else "",
            figure.name + (f" ({figure.note})" if figure.note else ""),
            figure.shown,
            figure.ratio_shown,
            figure.target,
            f"[{style}]{figure.status}[/]" if style else figure.status,
            end_section=False,
        )
        previous = figure.section
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print; always 0 once the run completes (misses are printed, not raised)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--only", metavar="SECTION[,SECTION...]", help=f"only these: {', '.join(SECTIONS)}"
    )
    args = parser.parse_args(argv)
    sections = list(SECTIONS) if not args.only else [s.strip() for s in args.only.split(",")]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    settings = Settings.for_mode(args.quick)
    about = machine()
    started = time.perf_counter()
    figures, took = measure(settings, sections)
    total = time.perf_counter() - started
    misses = [f for f in figures if f.status == MISS]
    if args.format == "json":
        doc = {
            "mode": "quick" if settings.quick else "default",
            "machine": about,
            "seconds": round(total, 1),
            "section_seconds": {k: round(v, 1) for k, v in took.items()},
            "passed": sum(1 for f in figures if f.status == PASS),
            "missed": len(misses),
            "figures": [f.as_json() for f in figures],
        }
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    # Wide enough for one line per figure when the output is a file or a pipe.
    console = Console(width=max(Console().width, 170))
    console.print(
        _table(
            figures,
            f"nutshell-migrate benchmarks ({'quick' if settings.quick else 'default'} run, "
            f"{about['cores']} cores, Python {about['python']})",
        )
    )
    console.print(
        f"{sum(1 for f in figures if f.status == PASS)} passed, {len(misses)} missed, "
        f"{total:.0f} s ({', '.join(f'{k} {v:.0f} s' for k, v in took.items())}); "
        f"{about['cpu']}, {about['os']}, load average {about['load']} at the start"
    )
    for figure in misses:
        console.print(
            f"MISS {figure.section}: {figure.name}: {figure.shown} {figure.ratio_shown} "
            f"(target {figure.target})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
