#!/usr/bin/env python3
"""How much of the student's AUC gap to the teacher is the student's size? Train wider students.

    python tools/student_capacity.py CONFIG [--widths 4x16,8x32,16x64] [--epochs N]
                                     [--output tools/results/student_capacity.json]

Run in the directory where `cicada build CONFIG` ran (it needs the build's datasets and
teacher, `cicada build CONFIG --until teacher` is enough). For each width FxU it trains the
CICADA v2 student shape with F convolution filters and U hidden units (4x16 is CICADA v2
itself, its two dropout layers included unless --no-dropout) with the config's student
settings (loss, learning rate, outlier exposure, seed), and reports per signal the AUC of the
teacher, of each student without quantization (float) and with it (QKeras), the student's
mean offset from the teacher on that signal, and the AUC the teacher would have with Gaussian
noise as large as the student's zero-bias residual.

Reading it: a gap that shrinks with width is student capacity; a student AUC close to the
noisy-teacher AUC means the gap is the student's resolution on zero-bias; a large negative
offset on a signal means the student under-predicts images unlike its training set.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from benchmark_common import RESULTS, machine, write_result

from cicada.config.loader import config_from_mapping, load_config
from cicada.data.datasets import dataset_path
from cicada.data.hdf5 import read_regions
from cicada.data.region_bits import region_et
from cicada.evaluation.metrics import pearson, roc_auc
from cicada.models.score import student_target


def student_layers(filters: int, units: int, dropout: bool = True) -> list[dict]:
    """The CICADA v2 student (its quantizers, activations and dropout) with another width."""
    layers = [
        {"type": "Reshape", "target_shape": [18, 14, 1], "name": "reshape"},
        {
            "type": "QConv2D",
            "name": "conv",
            "filters": filters,
            "kernel_size": [2, 2],
            "strides": [2, 2],
            "use_bias": False,
            "kernel_quantizer": "quantized_bits(12,3,1,alpha=1)",
        },
        {"type": "QActivation", "name": "relu0", "activation": "quantized_relu(10, 6)"},
        {"type": "Flatten", "name": "flatten"},
        {"type": "Dropout", "name": "dropout0", "rate": 1 / 9},
        {
            "type": "QDense",
            "name": "dense1",
            "units": units,
            "kernel_quantizer": "quantized_bits(8,1,1,alpha=1)",
            "bias_quantizer": "quantized_bits(8,3,1,alpha=1)",
        },
        {"type": "QActivation", "name": "relu1", "activation": "quantized_relu(10, 6)"},
        {"type": "Dropout", "name": "dropout1", "rate": 1 / 8},
        {
            "type": "QDense",
            "name": "dense2",
            "units": 1,
            "use_bias": False,
            "kernel_quantizer": "quantized_bits(12,3,1,alpha=1)",
        },
        {"type": "QActivation", "name": "outputs", "activation": "quantized_relu(16, 8)"},
    ]
    return layers if dropout else [layer for layer in layers if layer["type"] != "Dropout"]


def parse_widths(text: str) -> list[tuple[int, int]]:
    try:
        return [tuple(int(v) for v in item.split("x")) for item in text.split(",")]
    except ValueError:
        raise SystemExit(f"error: --widths: expected FILTERSxUNITS[,...] like 4x16,8x32, got {text!r}") from None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--widths", default="4x16,8x32,16x64", help="FILTERSxUNITS list; 4x16 is CICADA v2")
    parser.add_argument("--epochs", type=int, default=None, help="override student.epochs")
    parser.add_argument("--no-dropout", action="store_true", help="leave out CICADA's two dropout layers")
    parser.add_argument("--output", type=Path, default=RESULTS / "student_capacity.json")
    args = parser.parse_args()

    from cicada.core.progress import setup_logging
    from cicada.models.student import distillation_set, float_twin, student_scores, train_student
    from cicada.models.teacher import TEACHER_FILE, load_teacher

    setup_logging()
    load_before = os.getloadavg()
    config = load_config(args.config)
    model_dir = Path("models") / config.name
    if not (model_dir / TEACHER_FILE).exists():
        raise SystemExit(
            f"error: {model_dir / TEACHER_FILE} not found: run `cicada build {args.config} --until teacher`"
        )
    teacher = load_teacher(model_dir / TEACHER_FILE, config.teacher)

    def images(name: str) -> np.ndarray:
        return read_regions(dataset_path(model_dir / "data", name))  # the teacher reads what its architecture needs

    # the build's own training and validation sets (same outlier streams)
    sets = {
        part: distillation_set(config.student, images(f"zero_bias_{part}"), teacher, config.seed, part)
        for part in ("train", "val")
    }
    tests = {name: images(name) for name in ["zero_bias_test"] + [s.name for s in config.data.signals]}
    teacher_scores = {name: student_target(teacher.score(x)) for name, x in tests.items()}
    signals = [s.name for s in config.data.signals]
    zero_bias = teacher_scores["zero_bias_test"]

    rows = []
    for filters, units in parse_widths(args.widths):
        raw = yaml.safe_load(args.config.read_text())
        raw["student"] = {
            **raw.get("student", {}),
            "architecture": "custom",
            "layers": student_layers(filters, units, not args.no_dropout),
        }
        if args.epochs:
            raw["student"]["epochs"] = args.epochs
        student_config = config_from_mapping(raw, f"{args.config} (width {filters}x{units})").student
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="cicada-capacity-") as scratch:
            model, result = train_student(student_config, *sets["train"], *sets["val"], Path(scratch), config.seed)
        seconds = time.monotonic() - started
        twin = float_twin(model)
        scores = {
            kind: {name: student_scores(m, region_et(x)) for name, x in tests.items()}
            for kind, m in (("float", twin), ("qkeras", model))
        }
        residual = scores["qkeras"]["zero_bias_test"] - zero_bias
        noisy = _noise_adder(float(residual.std()))
        row = {
            "width": f"{filters}x{units}",
            "dropout": not args.no_dropout,
            "parameters": int(model.count_params()),
            "epochs_run": result.epochs_run,
            "train_seconds": round(seconds, 1),
            "zero_bias_pearson": round(pearson(scores["qkeras"]["zero_bias_test"], zero_bias), 4),
            "zero_bias_residual_sd": round(float(residual.std()), 2),
            "signals": {},
        }
        for name in signals:
            row["signals"][name] = {
                "teacher": round(roc_auc(zero_bias, teacher_scores[name]), 4),
                "float": round(roc_auc(scores["float"]["zero_bias_test"], scores["float"][name]), 4),
                "qkeras": round(roc_auc(scores["qkeras"]["zero_bias_test"], scores["qkeras"][name]), 4),
                "teacher_with_student_noise": round(roc_auc(noisy(zero_bias), noisy(teacher_scores[name])), 4),
                "mean_offset_from_teacher": round(float(np.mean(scores["qkeras"][name] - teacher_scores[name])), 2),
            }
        rows.append(row)
        print(_table(rows, signals), flush=True)

    write_result(args.output, {"config": str(args.config), "students": rows, "machine": machine(load_before)})
    return 0


def _noise_adder(sd: float):
    """Adds Gaussian noise of the student's zero-bias resolution to teacher scores (fixed seed)."""
    rng = np.random.default_rng(0)
    return lambda values: values + rng.normal(0.0, sd, len(values))


def _table(rows: list[dict], signals: list[str]) -> str:
    lines = [
        "width   params  pearson  sd   | " + " | ".join(f"{s}: teacher float qkeras noisy offset" for s in signals)
    ]
    for r in rows:
        cells = [
            f"{v['teacher']:.3f} {v['float']:.3f} {v['qkeras']:.3f} {v['teacher_with_student_noise']:.3f} "
            f"{v['mean_offset_from_teacher']:+.1f}"
            for v in r["signals"].values()
        ]
        lines.append(
            f"{r['width']:7s} {r['parameters']:6d}  {r['zero_bias_pearson']:.3f}  {r['zero_bias_residual_sd']:4.1f} | "
            + " | ".join(cells)
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
