#!/usr/bin/env python3
"""How a student's QDenseBatchnorm trains under each ``student.batchnorm`` setting, epoch by epoch, as JSON.

    python tools/probe_batchnorm_start.py CONFIG [--epochs 10] [--settings keras,identity,freeze,identity+freeze]
                                         [--output tools/results/batchnorm_start.json]

CONFIG is a build whose data and teacher are up to date (``cicada build CONFIG --until teacher``) and whose
student has a QDenseBatchnorm (``configs/cicada_2026.yaml``). For each setting the student is trained from
the config's seed on the build's distillation set with the config's recipe (optimizer, learning rate, batch
size, loss, sample weights) for ``--epochs`` epochs, without early stopping, and after every epoch the probe
records the training and validation loss, the batch-norm's state (moving mean and variance, gamma, beta),
how many of the folded kernel's weights are non-zero after its quantizer, and the share of validation
events whose score is above zero. ``freeze`` is ``ema_freeze_delay: 300`` (the CICADA 2026 config's).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from benchmark_common import RESULTS, machine, write_result

SETTINGS = {
    "keras": {"start": "keras", "ema_freeze_delay": None},
    "identity": {"start": "identity", "ema_freeze_delay": None},
    "freeze": {"start": "keras", "ema_freeze_delay": 300},
    "identity+freeze": {"start": "identity", "ema_freeze_delay": 300},
}


def distillation(config_path: Path):
    """The build's config and its student's training and validation inputs and targets."""
    from cicada.config.loader import load_config
    from cicada.data.datasets import read_dataset
    from cicada.data.student_inputs import encode, input_kind
    from cicada.models.score import student_target
    from cicada.models.student import distillation_set
    from cicada.models.teacher import TEACHER_FILE, load_teacher
    from cicada.pipeline.build import make_context

    config = load_config(config_path)
    context = make_context(config, config_path, Path.cwd())
    teacher = load_teacher(context.teacher_dir / TEACHER_FILE, config.teacher)
    kind = input_kind(config.student.input)
    parts = {}
    for part in ("train", "val"):
        images, scores = distillation_set(
            config.student, read_dataset(context.data_dir, f"zero_bias_{part}"), teacher, config.seed, part
        )
        parts[part] = encode(kind, images), student_target(scores).astype(np.float32)
    return config, parts


def state(model, inputs: np.ndarray) -> dict:
    """The QDenseBatchnorm layers' state and the share of events scored above zero."""
    found = {"scored_above_zero": float(np.mean(model.predict(inputs, batch_size=4096, verbose=0) > 0))}
    for layer in model.layers:
        if not hasattr(layer, "start_as_identity"):
            continue
        norm = layer.batchnorm
        folded = np.asarray(layer.kernel_quantizer_internal(layer.get_folded_weights()[0]))
        found[layer.name] = {
            "moving_variance_mean": float(np.mean(norm.moving_variance.numpy())),
            "moving_mean_mean": float(np.mean(norm.moving_mean.numpy())),
            "gamma_mean": float(np.mean(norm.gamma.numpy())),
            "beta_mean": float(np.mean(norm.beta.numpy())),
            "nonzero_quantized_weights": int(np.count_nonzero(folded)),
            "weights": int(folded.size),
        }
    return found


def probe(config, parts, setting: dict, epochs: int) -> list[dict]:
    from cicada.core.tf import seed_everything, tensorflow
    from cicada.models.optimizers import make_optimizer
    from cicada.models.student import (
        IDENTITY_START_IMAGES,
        build,
        inverse_histogram_weights,
        start_batchnorms_as_identity,
    )

    tf = tensorflow()
    student = config.student.model_copy(update={"batchnorm": student_batchnorm(config, setting)})
    seed_everything(config.seed)
    model = build(student)
    (x, y), (x_val, y_val) = parts["train"], parts["val"]
    if setting["start"] == "identity":
        start_batchnorms_as_identity(model, x[:IDENTITY_START_IMAGES])
    weights = None
    if student.sample_weights.enabled:
        weights = inverse_histogram_weights(y, student.sample_weights.bins, student.sample_weights.cap)
    model.compile(optimizer=make_optimizer(student.optimizer, student.learning_rate), loss=student.loss)
    epochs_seen = []

    class Record(tf.keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            row = {"epoch": epoch + 1, "loss": float(logs["loss"]), "val_loss": float(logs["val_loss"])}
            epochs_seen.append({**row, **state(model, x_val)})
            print(f"  epoch {epoch + 1}: loss {row['loss']:.4g}, val_loss {row['val_loss']:.4g}", flush=True)

    model.fit(x, y, sample_weight=weights, validation_data=(x_val, y_val), epochs=epochs,
              batch_size=student.batch_size, verbose=0, callbacks=[Record()])  # fmt: skip
    return epochs_seen


def student_batchnorm(config, setting: dict):
    return config.student.batchnorm.model_copy(update=setting)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--settings", default=",".join(SETTINGS))
    parser.add_argument("--output", type=Path, default=RESULTS / "batchnorm_start.json")
    args = parser.parse_args()
    load = os.getloadavg()
    config, parts = distillation(args.config)
    results = {}
    for name in args.settings.split(","):
        print(f"{name}: {SETTINGS[name]}", flush=True)
        results[name] = {"setting": SETTINGS[name], "epochs": probe(config, parts, SETTINGS[name], args.epochs)}
    write_result(
        args.output,
        {
            "config": str(args.config),
            "training_images": len(parts["train"][0]),
            "machine": machine(load),
            "runs": results,
        },
    )


if __name__ == "__main__":
    main()
