#!/usr/bin/env python3
"""Time firmware-exact scoring with the integer model against the emulator library and QKeras.

    python tools/benchmark_scoring.py [--student models/quickstart/student.h5]
        [--config configs/quickstart.yaml] [--images models/quickstart/data/zero_bias_test.h5]
        [--events 200000] [--output tools/results/scoring_benchmark.json]

Converts the student with the config's hls section (default: a CICADA v2 student with seeded
random weights and CICADA's hls settings) into a scratch folder, builds its emulator
library, checks the integer model bit for bit against the library on every event, then
times each engine on all events, the engines taking turns, best of the repeats: the integer
model and the library on one thread and on every CPU this process may use, and QKeras
``predict``. Reports images/s of wall time, and images per CPU-second (process time over
all threads), which other work on the machine disturbs less: the load average is recorded.
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


def load_student_and_hls(student: Path | None, config: Path | None):
    from cicada.config.loader import config_from_mapping, load_config
    from cicada.core.tf import seed_everything
    from cicada.models.student import load_student
    from cicada.models.students import build_student

    hls = load_config(config).hls if config else config_from_mapping({"name": "benchmark", "hls": HLS}).hls
    if student:
        return load_student(student), hls, str(student)
    seed_everything(SEED)
    return build_student("cicada_v2"), hls, f"cicada_v2 student, seeded random weights (seed {SEED})"


def benchmark_images(path: Path | None, events: int) -> tuple[np.ndarray, str]:
    """Region images: the file's (repeated up to ``events``), or zero-bias-like Poisson(3) ones."""
    if path:
        from cicada.data.hdf5 import read_regions
        from cicada.data.region_bits import region_et

        images = region_et(read_regions(path))
        return np.resize(images, (events, *images.shape[1:])), f"{path} ({len(images):,} events, repeated)"
    rng = np.random.default_rng(SEED)
    images = np.minimum(rng.poisson(3, size=(events, 18, 14)), 1023).astype(np.uint16)
    images[rng.random(images.shape) < 1e-3] = 1023
    return images, "Poisson(3) region ET, 0.1% saturated at 1023"


def timed(function, images: np.ndarray) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(images)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", type=Path, help="QKeras student (HDF5); default: seeded CICADA v2")
    parser.add_argument("--config", type=Path, help="build config whose hls section converts it")
    parser.add_argument("--images", type=Path, help="HDF5 file of region images (CaloRegions)")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS / "scoring_benchmark.json")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()

    from cicada.firmware.convert import convert_student
    from cicada.firmware.emulator import LibraryEmulator, build_library, compiler_version
    from cicada.firmware.integer_model import IntegerModel
    from cicada.models.student import student_scores

    model, hls, student_name = load_student_and_hls(args.student, args.config)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cicada-scoring-bench-"))
    converted = convert_student(model, hls, workdir / "project")
    library = build_library(workdir / "project", workdir / "lib", "benchmark", "1")
    integer = IntegerModel.build(model, converted.layer_precisions)
    images, images_name = benchmark_images(args.images, args.events)
    cpus = len(os.sched_getaffinity(0))

    reference = LibraryEmulator(library.library).predict(images)
    if not np.array_equal(integer.predict(images), reference):
        raise SystemExit("the integer model disagrees with the emulator library: no figures written")

    engines = {}
    for threads in sorted({1, cpus}):
        engines[f"integer_model_threads_{threads}"] = lambda x, t=threads: integer.predict(x, threads=t)
        emulator = LibraryEmulator(library.library, threads=threads)
        engines[f"emulator_library_threads_{threads}"] = emulator.predict
    engines["qkeras_predict"] = lambda x: student_scores(model, x)
    engines["qkeras_predict"](images[:1000])  # TensorFlow builds its graph on the first call

    load_before = os.getloadavg()
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in engines}
    for _ in range(args.repeats):  # engines take turns, so that a burst of other work hits them alike
        for name, function in engines.items():
            runs[name].append(timed(function, images))
    figures = {}
    for name, times in runs.items():
        wall = min(w for w, _ in times)
        cpu = min(c for _, c in times)
        figures[name] = {
            "images_per_second": round(len(images) / wall),
            "images_per_cpu_second": round(len(images) / cpu) if cpu > 0 else None,
            "wall_seconds": [round(w, 4) for w, _ in times],
            "cpu_seconds": [round(c, 4) for _, c in times],
        }
    best = figures[f"integer_model_threads_{cpus}"]["images_per_second"]
    result = {
        "what": "firmware-exact scores: integer model (numpy) vs emulator library (g++) vs QKeras predict",
        "student": student_name,
        "images": images_name,
        "events": len(images),
        "repeats": args.repeats,
        "integer_model_images_per_second": best,
        "speedup_over_emulator_library": round(
            best / figures[f"emulator_library_threads_{cpus}"]["images_per_second"], 2
        ),
        "speedup_over_qkeras_predict": round(best / figures["qkeras_predict"]["images_per_second"], 2),
        "bit_exact_vs_emulator_library_events": len(images),
        "integer_model_steps": [f"{type(s).__name__} {s.name} ({np.dtype(s.dtype).name})" for s in integer.steps],
        "engines": figures,
        "compiler": compiler_version(),
        "machine": machine(load_before),
    }
    write_result(args.output, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
