#!/usr/bin/env python3
"""Images per second of the data generators, as JSON.

    python tools/benchmark_data.py [--events 20000] [--output tools/results/data_benchmark.json]

Synthetic zero-bias at mu = 60 (on the generator's WORKERS threads, and on one), the weighted
hard-scatter slices (cicada.data.slices, default edges) and every synthetic signal kind
(pileup included), best of three runs each, one process. The Pythia figures (pool
generation, overlay from the pool) come from tools/benchmark_pythia.py, run here too when
pythia8mc is installed (--no-pythia skips them). Targets on a 2-core machine: >= 10,000
synthetic zero-bias and >= 5,000 overlay images/s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmark_common import REPO, RESULTS, machine, write_result

from cicada.config.sections import DataConfig
from cicada.core.seeds import numpy_stream
from cicada.data.signals import SIGNAL_KINDS, sample_config, signal_images
from cicada.data.synthetic import pileup as synthetic


def best_rate(make, events: int, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        make()
        best = min(best, time.perf_counter() - started)
    return round(events / best, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--output", type=Path, default=RESULTS / "data_benchmark.json")
    parser.add_argument("--no-pythia", action="store_true", help="skip the Pythia benchmark")
    args = parser.parse_args()
    n = args.events

    load_before = os.getloadavg()
    result = {"events_per_run": n, "mu": 60.0, "images_per_second": {}}
    rates = result["images_per_second"]
    rates["synthetic_zero_bias"] = best_rate(lambda: synthetic.zero_bias(n, 60.0, numpy_stream(1, "bench")), n)
    result["synthetic_workers"] = synthetic.WORKERS
    workers, synthetic.WORKERS = synthetic.WORKERS, 1
    rates["synthetic_zero_bias_one_thread"] = best_rate(
        lambda: synthetic.zero_bias(n, 60.0, numpy_stream(1, "bench")), n
    )
    synthetic.WORKERS = workers
    edges = DataConfig().slices.pt_hat_edges
    per_slice = max(n // (4 * len(edges)), 1)
    rates["synthetic_slices"] = best_rate(
        lambda: synthetic.slice_crossings(edges, per_slice, 60.0, numpy_stream(1, "bench/slices")),
        per_slice * len(edges),
    )
    for kind in SIGNAL_KINDS:
        if kind in ("files", "pythia"):
            continue
        sample = sample_config({"name": kind, "kind": kind, "events": n // 4})
        rates[f"synthetic_{kind}"] = best_rate(
            lambda s=sample, k=kind: signal_images(s, 60.0, numpy_stream(1, k)), n // 4
        )
    try:
        if args.no_pythia:
            raise ImportError
        import pythia8mc  # noqa: F401

        pythia_json = args.output.with_name("pythia_benchmark.json")
        subprocess.run(
            [sys.executable, str(REPO / "tools" / "benchmark_pythia.py"), "--output", str(pythia_json)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        result["pythia"] = json.loads(pythia_json.read_text())
    except ImportError:
        result["pythia"] = "not measured: --no-pythia, or pythia8mc is not installed (pip install .[pythia])"
    result["machine"] = machine(load_before)
    write_result(args.output, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
