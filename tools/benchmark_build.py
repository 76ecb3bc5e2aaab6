#!/usr/bin/env python3
"""Time `cicada build CONFIG` stage by stage, from scratch, and write the figures as JSON.

    python tools/benchmark_build.py [configs/quickstart.yaml] [--output tools/results/build_benchmark.json]

The build runs with --force in a scratch directory (so earlier builds are not touched and
nothing is reused). Per stage it records wall-clock seconds and, where the stage measures
it, throughput; plus the machine (CPU count, Python, TensorFlow, hls4ml versions).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from benchmark_common import REPO, RESULTS, machine, write_result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", type=Path, default=REPO / "configs" / "quickstart.yaml")
    parser.add_argument("--output", type=Path, default=RESULTS / "build_benchmark.json")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch directory (default: a temporary one)")
    args = parser.parse_args()

    from cicada.config.loader import load_config
    from cicada.core.progress import setup_logging
    from cicada.pipeline.build import build

    setup_logging()
    load_before = os.getloadavg()
    config_path = args.config.resolve()
    config = load_config(config_path)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cicada-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    previous = Path.cwd()
    os.chdir(workdir)
    started = time.monotonic()
    try:
        context, outcomes = build(config, config_path, force=True)
    finally:
        os.chdir(previous)
    total = time.monotonic() - started

    r = context.results
    stages = {o.name: {"seconds": round(o.seconds, 2)} for o in outcomes}
    events = {n: d.events for n, d in r["data"].datasets.items()}
    stages["data"]["events"] = sum(events.values())
    stages["data"]["events_per_second"] = round(sum(events.values()) / outcomes[0].seconds, 1)
    for model in ("teacher", "student"):
        training = r[model].training
        stages[model].update(
            epochs=training.epochs_run, training_images_per_second=round(training.images_per_second, 1)
        )
    stages["verify"]["csim_events"] = r["verify"].csim_vs_qkeras.events
    scored = sum(a.events for a in r["scores"].firmware_vs_qkeras.values())
    stages["scores"]["events"] = scored

    import hls4ml
    import tensorflow as tf

    result = {
        "config": str(args.config),
        "total_seconds": round(total, 1),
        "stages": stages,
        "machine": machine(load_before, tensorflow=tf.__version__, hls4ml=hls4ml.__version__),
        "workdir": str(workdir),
    }
    write_result(args.output, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
