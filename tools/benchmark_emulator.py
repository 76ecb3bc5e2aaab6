#!/usr/bin/env python3
"""Time firmware-exact scoring with the emulator library and write the figures as JSON.

    python tools/benchmark_emulator.py [--events 200000] [--output tools/results/emulator_benchmark.json]

Converts a CICADA v2 student (fixed seed; conv layer Resource strategy, parallelization
factor 21, reuse factor 2) with hls4ml, builds its emulator library, checks it bit for
bit against the C-simulation testbench on the first events, then scores all events in
one call per repeat, on one thread and on every CPU this process may use. Reports the
best of the repeats in images/s, with the load average: other work on the machine
slows the figures down.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from benchmark_common import RESULTS, machine, write_result

SEED = 1
HLS = {"reuse_factor": 2, "layers": {"conv": {"strategy": "Resource", "parallelization_factor": 21}}}


def benchmark_images(n: int, seed: int = SEED) -> np.ndarray:
    """Zero-bias-like region images: Poisson(3) ET per region, a few regions saturated at 1023."""
    rng = np.random.default_rng(seed)
    images = np.minimum(rng.poisson(3, size=(n, 18, 14)), 1023).astype(np.float64)
    saturated = rng.random(images.shape) < 1e-3
    images[saturated] = 1023
    return images


def convert(project_dir: Path) -> None:
    from cicada.config.loader import config_from_mapping
    from cicada.core.tf import seed_everything
    from cicada.firmware.convert import convert_student
    from cicada.models.students import build_student

    seed_everything(SEED)
    model = build_student("cicada_v2")
    convert_student(model, config_from_mapping({"name": "benchmark", "hls": HLS}).hls, project_dir)


def best_rate(emulator, images: np.ndarray, repeats: int) -> tuple[float, list[float]]:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        emulator.predict(images)
        seconds.append(time.perf_counter() - started)
    return len(images) / min(seconds), seconds


def check_against_csim(project_dir: Path, emulator, images: np.ndarray) -> int:
    from cicada.firmware import csim

    flat = images.reshape(len(images), -1)
    reference = csim.run_testbench(project_dir, flat, np.zeros((len(images), emulator.n_outputs)))
    if not np.array_equal(emulator.predict(images), reference):
        raise SystemExit("the emulator library disagrees with the C-simulation testbench: no figures written")
    return len(images)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--check-events", type=int, default=2000, help="events compared with the C simulation")
    parser.add_argument("--march", default="native", help="g++ -march for the library")
    parser.add_argument("--output", type=Path, default=RESULTS / "emulator_benchmark.json")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch directory (default: a temporary one)")
    args = parser.parse_args()

    from cicada.firmware.emulator import LibraryEmulator, build_library, compiler_version

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cicada-emulator-bench-"))
    project_dir = workdir / "cicada_v2"
    convert(project_dir)
    started = time.monotonic()
    library = build_library(project_dir, workdir / "lib", "cicada_v2", "benchmark", march=args.march)
    build_seconds = time.monotonic() - started
    images = benchmark_images(args.events)
    cpus = len(os.sched_getaffinity(0))
    checked = check_against_csim(project_dir, LibraryEmulator(library.library), images[: args.check_events])

    load_before = os.getloadavg()
    rates = {}
    for threads in sorted({1, cpus}):
        rate, seconds = best_rate(LibraryEmulator(library.library, threads=threads), images, args.repeats)
        rates[f"threads_{threads}"] = {"images_per_second": round(rate), "seconds": [round(s, 4) for s in seconds]}
    result = {
        "what": "firmware-exact scores of CICADA v2 student images with the emulator library, one call per repeat",
        "events": args.events,
        "repeats": args.repeats,
        "images_per_second": rates[f"threads_{cpus}"]["images_per_second"],
        "by_threads": rates,
        "bit_exact_vs_csim_events": checked,
        "library_build_seconds": round(build_seconds, 1),
        "march": args.march,
        "compiler": compiler_version(),
        "machine": machine(load_before),
    }
    write_result(args.output, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
