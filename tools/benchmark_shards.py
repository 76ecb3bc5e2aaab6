#!/usr/bin/env python3
"""Events per second of sharded zero-bias generation and firmware scoring on Dask workers, as JSON.

    python tools/benchmark_shards.py [--events 200000] [--shard-events 50000] [--workers 1 2]
        [--project hls_projects/NAME] [--output tools/results/shards_benchmark.json]

For each number of LocalCluster workers: the synthetic zero-bias sample (mu = 60) generated in
shards and assembled into one chunked HDF5 file (cicada.scan.shards.generate_sharded), and,
with --project, that sample scored by the project's firmware in shards (score_sharded). The
events are checked to be the same for every number of workers. Wall time includes starting
nothing: the cluster is up before the clock starts.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from benchmark_common import RESULTS, machine, write_result

from cicada.config.sections import DataConfig
from cicada.data.hdf5 import read_regions
from cicada.scan.shards import ShardPlan, generate_sharded, score_sharded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--shard-events", type=int, default=50_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--project", type=Path, help="an HLS project (hls_projects/NAME) to score the sample with")
    parser.add_argument("--output", type=Path, default=RESULTS / "shards_benchmark.json")
    args = parser.parse_args()

    from dask.distributed import Client, LocalCluster

    load_before = os.getloadavg()
    data = DataConfig.model_validate({"pileup": 60.0})
    plan = ShardPlan(args.events, args.shard_events)
    result: dict = {"events": args.events, "shard_events": args.shard_events, "runs": []}
    first = None
    with tempfile.TemporaryDirectory() as scratch:
        for workers in args.workers:
            with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster:
                with Client(cluster) as client:
                    path = Path(scratch) / f"w{workers}" / "sample.h5"
                    started = time.perf_counter()
                    generate_sharded(client, data, 1, Path(scratch), plan, path)
                    generation = time.perf_counter() - started
                    run = {"workers": workers, "generation_events_per_second": round(args.events / generation, 1)}
                    if args.project:
                        started = time.perf_counter()
                        score_sharded(client, args.project, path, args.shard_events, path.with_name("s.h5"), "bench")
                        scoring = time.perf_counter() - started
                        run["scoring_events_per_second"] = round(args.events / scoring, 1)
            images = read_regions(path)
            if first is None:
                first = images
            run["same_events_as_first_run"] = bool(np.array_equal(images, first))
            result["runs"].append(run)
    result["machine"] = machine(load_before)
    write_result(args.output, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
