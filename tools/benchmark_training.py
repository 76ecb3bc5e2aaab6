#!/usr/bin/env python3
"""Teacher and student training throughput on this machine's CPU (images/s), as JSON.

    python tools/benchmark_training.py [--images 50000] [--epochs 3]

Synthetic zero-bias images; the CICADA teacher and the CICADA v2 student at the batch sizes
of configs/quickstart.yaml and configs/cicada_v2.yaml; the figure is training images per
second over the epochs after the first (the first includes graph tracing).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from benchmark_common import RESULTS, machine, write_result

from cicada.config.sections import StudentConfig, TeacherConfig
from cicada.core.seeds import numpy_stream
from cicada.data.synthetic import pileup as synthetic
from cicada.models import training


def epoch_rate(train, images: int, epochs: int) -> float:
    """Images/s over epochs 2..n (timestamps from the per-epoch hook)."""
    stamps = []
    training.after_epoch_hook = lambda label, epoch: stamps.append(time.perf_counter())
    try:
        train()
    finally:
        training.after_epoch_hook = None
    seconds = stamps[-1] - stamps[0]
    return round(images * (len(stamps) - 1) / seconds, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS / "training_benchmark.json")
    args = parser.parse_args()

    from cicada.models.student import train_student
    from cicada.models.teacher import train_teacher

    load_before = os.getloadavg()
    images = synthetic.zero_bias(args.images + 2000, 60.0, numpy_stream(1, "bench"))
    train, val = images[: args.images], images[args.images :]
    mse = np.exp(np.random.default_rng(0).uniform(1, 4, len(images)))
    result = {"training_images": args.images, "epochs_timed": args.epochs - 1, "images_per_second": {}}
    with tempfile.TemporaryDirectory() as scratch:
        for batch in (256, 512):
            config = TeacherConfig(epochs=args.epochs, batch_size=batch, patience=100)
            rate = epoch_rate(
                lambda c=config, b=batch: train_teacher(c, train, val, Path(scratch) / f"t{b}", 1),
                args.images,
                args.epochs,
            )
            result["images_per_second"][f"teacher_cicada_batch{batch}"] = rate
        for batch in (256, 1024):
            config = StudentConfig(epochs=args.epochs, batch_size=batch, patience=100)
            rate = epoch_rate(
                lambda c=config, b=batch: train_student(
                    c, train, mse[: args.images], val, mse[args.images :], Path(scratch) / f"s{b}", 1
                ),
                args.images,
                args.epochs,
            )
            result["images_per_second"][f"student_cicada_v2_batch{batch}"] = rate
    import tensorflow as tf

    result["machine"] = machine(
        load_before,
        tensorflow=tf.__version__,
        gpu=", ".join(d.name for d in tf.config.list_physical_devices("GPU")) or "none",
    )
    write_result(args.output, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
