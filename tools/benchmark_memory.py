#!/usr/bin/env python3
"""Peak memory and CPU time of `cicada build CONFIG`, stage by stage, and write the figures as JSON.

    python tools/benchmark_memory.py [configs/quickstart.yaml] [--workdir DIR] [--until STAGE]
                                     [--output tools/results/memory_<name>.json]

Each stage runs in its own process, `python -m cicada build CONFIG --until STAGE`, in a scratch
directory (the stages before it are reused, so the process runs that stage alone plus the
imports). Per stage it records:

- `peak_rss_mb`: the kernel's high-water mark of the largest single process of the stage
  (`wait4`'s `ru_maxrss`, which covers the children it waited for: g++, Verilator, Yosys);
- `peak_tree_rss_mb`: the largest sum of resident memory over the stage's whole process tree,
  sampled every 0.1 s from /proc (parallel Yosys processes add up here, not in the above);
- `seconds`: the wall-clock time of the process, imports included;
- `cpu_seconds`: user plus system CPU time of the process and the children it waited for
  (`wait4`'s `ru_utime + ru_stime`), imports included. Their sum over the stages, against
  cores x minutes, bounds how fast the build can be on a machine: two cores give 600 CPU-seconds
  in five minutes.

Pass the --workdir of an earlier run to measure again without rerunning what is up to date
(stages up to date are reported as reused, with the memory of loading and checking them).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmark_common import REPO, RESULTS, machine, write_result

STAGES = ("data", "teacher", "student", "convert", "verify", "scores", "quality", "synthesis", "rates", "report")


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc (Linux)."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            # the command name may hold spaces and parentheses: the parent id follows the last ')'
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, in kB."""
    tree = _children()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(tree.get(pid, ()))
    return total


def run_stage(config: Path, stage: str, workdir: Path, log) -> dict:
    """Run the build up to `stage` in a child process; its peak memory and wall time."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "cicada", "build", str(config), "--until", stage]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.is_set():
            peak_tree = max(peak_tree, tree_rss_kb(process.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"stage {stage} failed with exit status {process.returncode}; see the log")
    return {
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_tree_rss_mb": round(peak_tree / 1024, 1),
        "seconds": round(time.monotonic() - started, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", type=Path, default=REPO / "configs" / "quickstart.yaml")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch directory (default: a temporary one)")
    parser.add_argument("--until", choices=STAGES, default="report", help="last stage to measure")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()

    load_before = os.getloadavg()
    config = args.config.resolve()
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="cicada-memory-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    output = args.output or RESULTS / f"memory_{config.stem}.json"
    stages = {}
    with open(workdir / "benchmark_memory.log", "a") as log:
        for stage in STAGES[: STAGES.index(args.until) + 1]:
            stages[stage] = run_stage(config, stage, workdir, log)
            print(f"{stage:10s} {stages[stage]} load {os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)
    from importlib.metadata import version

    write_result(
        output,
        {
            "config": str(config.relative_to(REPO) if config.is_relative_to(REPO) else config),
            "workdir": str(workdir),
            "stages": stages,
            "peak_rss_mb": max(s["peak_rss_mb"] for s in stages.values()),
            "peak_tree_rss_mb": max(s["peak_tree_rss_mb"] for s in stages.values()),
            "seconds": round(sum(s["seconds"] for s in stages.values()), 1),
            "cpu_seconds": round(sum(s["cpu_seconds"] for s in stages.values()), 1),
            "machine": machine(load_before, tensorflow=version("tensorflow")),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
