"""What every benchmark under tools/ records besides its figures: the machine, its load, the date.

The benchmarks import this as a sibling module (`python tools/benchmark_x.py` puts tools/ on
sys.path). Other work on the machine slows every figure down, so the load average before and
after a run is part of each result.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "tools" / "results"

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(load_before: tuple[float, ...], **versions: str) -> dict[str, Any]:
    """The CPU, how many cores this process may use, the load around the run, and versions."""
    return {
        "cpu": cpu_model(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        **versions,
    }


def write_result(path: Path, result: dict[str, Any]) -> None:
    """Stamp the date, write the JSON atomically and print it."""
    from cicada.core.files import write_json

    result = {**result, "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    write_json(path, result)
    print(json.dumps(result, indent=2, default=str))
    print(f"written to {path}", file=sys.stderr)
