#!/usr/bin/env python3
"""Time the Pythia 8 generator: min-bias pool generation and pileup overlay, as JSON.

    python tools/benchmark_pythia.py [--pool-events 2000] [--images 20000] [--mu 60]
                                     [--output tools/results/pythia_benchmark.json]

Records Pythia's initialisation time, min-bias events per second (generation, particle
read-out and detector response, after initialisation), the time to read the cached pool
back, and zero-bias overlay images per second at the given pileup (best and median of a
few runs, single process), plus a few physics figures of the images and the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmark_common import RESULTS, machine, write_result

from cicada.core import geometry as geo
from cicada.core.progress import setup_logging
from cicada.data.pythia import generation as pythia_generation
from cicada.data.pythia import overlay as pileup_overlay
from cicada.data.pythia import pool as pileup_pool


def time_pool(n_events: int, seed: int, cache_dir: Path) -> tuple[object, dict]:
    """Generate the pool once (timing the first event apart: it carries the initialisation)."""
    marks: dict[int, float] = {}

    def note(done: int, total: int) -> None:
        if done in (1, total):
            marks[done] = time.monotonic()

    started = time.monotonic()
    pool = pileup_pool.minbias_pool(n_events, seed, cache_dir, progress=note)
    finished = time.monotonic()
    loop_seconds = marks[n_events] - marks[1]
    figures = {
        "events": n_events,
        "total_seconds": round(finished - started, 2),
        "initialisation_seconds": round(marks[1] - started, 2),
        "events_per_second": round((n_events - 1) / loop_seconds, 1) if loop_seconds > 0 else None,
        "towers_per_event": round(pool.n_deposits / n_events, 1),
        "mean_event_et_gev": round(float(pool.event_et_gev().mean()), 2),
    }
    return pool, figures


def time_cache(n_events: int, seed: int, cache_dir: Path) -> dict:
    started = time.monotonic()
    again = pileup_pool.minbias_pool(n_events, seed, cache_dir)
    path = pileup_pool.pool_path(cache_dir, n_events, seed)
    return {
        "reused": bool(again.from_cache),
        "load_seconds": round(time.monotonic() - started, 4),
        "file_bytes": path.stat().st_size,
    }


def time_overlay(pool, n_images: int, mu: float, repeats: int) -> tuple[dict, object]:
    import numpy as np

    rates = []
    for repeat in range(repeats):
        rng = np.random.default_rng(repeat)
        started = time.perf_counter()
        images = pileup_overlay.pileup_regions(pool, n_images, mu, rng)
        rates.append(n_images / (time.perf_counter() - started))
    figures = {
        "images": n_images,
        "mu": mu,
        "repeats": repeats,
        "images_per_second_best": round(max(rates)),
        "images_per_second_median": round(statistics.median(rates)),
        "microseconds_per_image_best": round(1e6 / max(rates), 1),
        "chunk_images": pileup_overlay.OVERLAY_CHUNK_IMAGES,
    }
    return figures, images


def image_figures(images) -> dict:
    """What the zero-bias images look like: total ET and occupancy."""
    totals = images.reshape(len(images), -1).sum(axis=1) * geo.ET_LSB_GEV
    return {
        "mean_total_region_et_gev": round(float(totals.mean()), 1),
        "std_total_region_et_gev": round(float(totals.std()), 1),
        "mean_region_et_gev": round(float(images.mean() * geo.ET_LSB_GEV), 3),
        "fraction_of_regions_nonzero": round(float((images > 0).mean()), 4),
        "max_region_count": int(images.max()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool-events", type=int, default=2000)
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--mu", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--output", type=Path, default=RESULTS / "pythia_benchmark.json")
    args = parser.parse_args()

    setup_logging()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="cicada-pythia-bench-") as scratch:
        cache_dir = Path(scratch)
        pool, generation = time_pool(args.pool_events, args.seed, cache_dir)
        cache = time_cache(args.pool_events, args.seed, cache_dir)
    overlay, images = time_overlay(pool, args.images, args.mu, args.repeats)

    result = {
        "pool_generation": generation,
        "pool_cache": cache,
        "overlay": overlay,
        "zero_bias_images": image_figures(images),
        "machine": machine(load_before, pythia8mc=pythia_generation.pythia_version()),
    }
    write_result(args.output, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
