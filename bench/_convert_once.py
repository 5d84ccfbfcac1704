"""One contender converting legacy-wire leads in a process of its own (run by
:mod:`bench.conversion`): ``python -m bench._convert_once project|pydantic COUNT REPEAT
[distinct|again]`` prints the median leads/s of REPEAT conversions of COUNT leads: a list of
COUNT leads at once (``distinct``: every time string in it distinct), or (``again``) the
recorded response's leads converted COUNT times over, each result dropped before the next.

A process of its own gives each contender the same heap to start from: in one process, the
records the other contender already made stay alive, and every garbage collection walks them.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def main(argv: list[str]) -> int:
    """Convert, time and print the rate; 2 when the arguments are wrong or pydantic is missing."""
    mode = argv[3] if len(argv) == 4 else ""
    modes = ("", "distinct", "again")
    if len(argv) not in (3, 4) or argv[0] not in ("project", "pydantic") or mode not in modes:
        print("usage: project|pydantic COUNT REPEAT [distinct|again]", file=sys.stderr)
        return 2
    who, count, repeat = argv[0], int(argv[1]), int(argv[2])
    from bench.conversion import RECORDED, rpc_leads  # noqa: PLC0415 - after the arguments

    if mode == "again":
        text = json.dumps(json.loads(RECORDED.read_text("utf-8"))["result"])
    else:
        text = json.dumps(rpc_leads(count, distinct_times=mode == "distinct"))
    convert: Callable[[Any], Any]
    if who == "project":
        from nutshell_core.model import Lead  # noqa: PLC0415
        from nutshell_rpc.convert import record_from_rpc  # noqa: PLC0415

        def convert(data: Any) -> Any:
            return [record_from_rpc(lead, Lead) for lead in data]
    else:
        try:
            from bench._pydantic_models import RPC_LEADS  # noqa: PLC0415
        except ImportError:
            return 2
        convert = RPC_LEADS.validate_python
    rates = []
    for _ in range(repeat):
        data = json.loads(text)
        if mode == "again":
            started = time.perf_counter()
            for _ in range(count):
                convert(data)
            rates.append(count * len(data) / (time.perf_counter() - started))
            continue
        started = time.perf_counter()
        made = convert(data)
        rates.append(count / (time.perf_counter() - started))
        del made
    print(f"{statistics.median(rates):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
