"""How ``student_tf2.15.h5`` and ``expected.npz`` were made, once, on the old stack.

Run with cicada at commit dab7e13 (tensorflow-cpu 2.15.1, QKeras 0.9.0, numpy 1.26):

    python tests/data/old_stack/make_files.py tests/data/old_stack

It writes a CICADA v2 student exactly as a build of that stack saved it (``save_h5``), with
seeded weights drawn on each quantizer's grid so that the score spreads over its range, and the
scores QKeras gave on 300 seeded region images. ``tests/test_stack.py`` loads both on the
current stack: the model must load, give the same scores bit for bit, and convert bit-exactly.
"""

import sys
from pathlib import Path

import numpy as np

from cicada.config.sections import StudentConfig
from cicada.core.tf import save_h5
from cicada.models.student import build


def main(out: Path) -> None:
    model = build(StudentConfig(architecture="cicada_v2"))
    rng = np.random.default_rng(2015)
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        # kernel steps: conv 2^-8 (12 bits, 3 integer), dense1 2^-6 (8, 1), dense2 2^-8; bias 2^-4
        steps = {"conv": [2**-8], "dense1": [2**-6, 2**-4], "dense2": [2**-8]}[layer.name]
        scale = {"conv": [0.08], "dense1": [0.1, 1.0], "dense2": [1.0]}[layer.name]
        drawn = [np.round(rng.normal(0, s, w.shape) / step) * step for w, s, step in zip(weights, scale, steps)]
        if layer.name == "dense2":
            drawn = [np.abs(drawn[0])]  # a positive head, so that the score is not mostly clipped at 0
        layer.set_weights(drawn)
    images = rng.poisson(6.0, size=(300, 252)).astype(np.float32)
    images[::3] += rng.exponential(60.0, size=(100, 252)).astype(np.float32) * (rng.random((100, 252)) < 0.05)
    images = np.minimum(np.floor(images), 1023)
    scores = model.predict(images, verbose=0)
    save_h5(model, out / "student_tf2.15.h5")
    np.savez_compressed(out / "expected.npz", images=images.astype(np.uint16), scores=scores)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
