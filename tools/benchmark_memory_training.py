#!/usr/bin/env python3
"""Resident memory of a teacher's training, epoch by epoch, as JSON: does it grow with the epochs?

    python tools/benchmark_memory_training.py DATA_DIR [--config configs/quickstart.yaml]
                                              [--events 20000] [--epochs 4]
                                              [--output tools/results/memory_training.json]

DATA_DIR is a build's data folder (e.g. models/quickstart/data); the config's teacher trains on the
first EVENTS images of zero_bias_train (and a fifth as many of zero_bias_val) for EPOCHS epochs, in a
scratch folder. Recorded after every epoch: the process's resident memory and its peak so far, and
the sha256 of the trained teacher.h5 (equal before and after a change that must not move the weights).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path

from benchmark_common import REPO, RESULTS, machine, write_result


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "quickstart.yaml")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--output", type=Path, default=RESULTS / "memory_training.json")
    args = parser.parse_args()

    from importlib.metadata import version

    from cicada.config.loader import load_config
    from cicada.core.files import sha256_file
    from cicada.data.datasets import read_dataset
    from cicada.models import training
    from cicada.models.teacher import TEACHER_FILE, train_teacher

    load_before = os.getloadavg()
    config = load_config(args.config)
    teacher = config.teacher.model_copy(update={"epochs": args.epochs})
    train = read_dataset(args.data_dir, "zero_bias_train")[: args.events]
    val = read_dataset(args.data_dir, "zero_bias_val")[: args.events // 5]
    epochs = [{"epoch": 0, "rss_mb": rss_mb()}]

    def after_epoch(label: str, epoch: int) -> None:
        peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        epochs.append({"epoch": epoch, "rss_mb": rss_mb(), "peak_rss_mb": peak})
        print(f"{label} epoch {epoch}: {epochs[-1]}", file=sys.stderr, flush=True)

    training.after_epoch_hook = after_epoch
    with tempfile.TemporaryDirectory() as scratch:
        train_teacher(teacher, train, val, Path(scratch), config.seed)
        digest = sha256_file(Path(scratch) / TEACHER_FILE)
    write_result(
        args.output,
        {
            "config": str(args.config),
            "events": len(train),
            "epochs": epochs,
            "teacher_sha256": digest,
            "machine": machine(load_before, tensorflow=version("tensorflow")),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
