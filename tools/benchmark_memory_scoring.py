#!/usr/bin/env python3
"""Peak memory of scoring a large test sample: the whole array at once against chunks, as JSON.

    python tools/benchmark_memory_scoring.py DATASET.h5 [--events 200000]
                                             [--output tools/results/memory_scoring.json]

What the scores stage does to each test dataset, without a build: the CICADA teacher and the
cicada_v2 student (Keras' seeded initial weights: memory does not depend on training) score the
region images of DATASET.h5 (e.g. a cicada_v2 build's models/cicada_v2/data/zero_bias_test.h5,
200,000 events). Each way runs in its own process, whose peak resident memory (ru_maxrss) is
recorded: `whole` sets the chunk to the whole sample (scoring as before chunks existed), `chunked`
uses cicada's chunks (cicada/core/chunks.py). The scores of both must be equal, bit for bit.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmark_common import REPO, RESULTS, machine, write_result


def score(dataset: Path, events: int, way: str, out: Path) -> None:
    """In the child: score, save the scores, print the time."""
    import numpy as np

    from cicada.config.sections import StudentConfig, TeacherConfig
    from cicada.core import chunks
    from cicada.core.tf import seed_everything
    from cicada.data.hdf5 import read_regions
    from cicada.data.student_inputs import encode, input_kind
    from cicada.models.student import build, student_scores
    from cicada.models.teachers import teacher_for

    if way == "whole":
        chunks.CHUNK_EVENTS = 10**9
    images = read_regions(dataset, limit=events)
    teacher = teacher_for(TeacherConfig(architecture="cicada"))
    seed_everything(1)
    teacher_model = teacher.build()
    student = build(StudentConfig(architecture="cicada_v2"))
    started = time.monotonic()
    teacher_scores = teacher.score(teacher_model, images)
    qkeras = student_scores(student, encode(input_kind("et"), images))
    np.savez(out, teacher=teacher_scores, student=qkeras)
    print(json.dumps({"seconds": round(time.monotonic() - started, 1)}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--output", type=Path, default=RESULTS / "memory_scoring.json")
    parser.add_argument("--child", choices=("whole", "chunked"), help=argparse.SUPPRESS)
    parser.add_argument("--scores", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        score(args.dataset, args.events, args.child, args.scores)
        return 0

    import numpy as np

    load_before = os.getloadavg()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    results, scores = {}, {}
    with tempfile.TemporaryDirectory() as scratch:
        for way in ("whole", "chunked"):
            out = Path(scratch) / f"{way}.npz"
            command = [sys.executable, __file__, str(args.dataset), "--events", str(args.events)]
            process = subprocess.Popen(
                [*command, "--child", way, "--scores", str(out)], env=env, stdout=subprocess.PIPE, text=True
            )
            _, status, usage = os.wait4(process.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"scoring the {way} way failed")
            timing = json.loads(process.stdout.read().strip().splitlines()[-1])
            results[way] = {"peak_rss_mb": round(usage.ru_maxrss / 1024, 1), **timing}
            print(f"{way:8s} {results[way]} load {os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)
            with np.load(out) as saved:
                scores[way] = {key: saved[key] for key in saved.files}
    equal = all(np.array_equal(scores["whole"][k], scores["chunked"][k]) for k in scores["whole"])
    if not equal:
        raise SystemExit("the chunked scores differ from the whole-array scores")
    from importlib.metadata import version

    write_result(
        args.output,
        {
            "dataset": str(args.dataset),
            "events": args.events,
            "ways": results,
            "scores_equal": equal,
            "children_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
            "machine": machine(load_before, tensorflow=version("tensorflow")),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
