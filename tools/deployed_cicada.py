"""Rebuild a deployed CICADA v2 model as a QKeras file from its public firmware weights.

CMS publishes the firmware C++ of every CICADA version (github.com/cms-hls4ml/CICADA), with the
hls4ml weight files of each layer. This tool reads those weight files from a checkout of that
repository (nothing of it is copied into cicada) and writes the same network as a QKeras model
with cicada's CICADA v2 architecture, so that ``cicada convert --model`` can take the deployed
model through the precision proof, the C simulation and the open-source RTL flow:

    git clone https://github.com/cms-hls4ml/CICADA /tmp/CICADA
    python tools/deployed_cicada.py /tmp/CICADA --version v2p2p0 --out deployed_v2p2p0.h5 --check 10000

``--check N`` proves the rebuild: it compiles the deployed firmware itself (its ``cicada.cpp``,
parameters and weight headers) with g++ against hls4ml's ``nnet_utils`` and ``ap_types``, runs it
on N seeded region images and compares its scores with the QKeras rebuild, bit for bit.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import cicada  # noqa: F401  (Keras 2 for QKeras, before TensorFlow is imported)

#: weight file of each layer in the hls4ml project of a CICADA v2 model (layer indices of hls4ml's graph)
WEIGHT_FILES = {"conv": ["w3"], "dense1": ["w7", "b7"], "dense2": ["w10"]}
#: hls4ml writes the kernel of a Resource-strategy layer transposed, (outputs, inputs): CICADA's conv
RESOURCE_STRATEGY_KERNELS = {"w3"}
SCORE_LSB = 2.0**-8


def read_weights(folder: Path, name: str) -> np.ndarray:
    text = (folder / "weights" / f"{name}.txt").read_text()
    return np.array([float(v) for v in text.replace("\n", ",").split(",") if v.strip()], dtype=np.float64)


def rebuild(folder: Path):
    """The QKeras CICADA v2 student with the weights of the firmware in ``folder``."""
    from cicada.config.sections import StudentConfig
    from cicada.models.student import build

    model = build(StudentConfig(architecture="cicada_v2"))
    for layer_name, files in WEIGHT_FILES.items():
        layer = model.get_layer(layer_name)
        shapes = [w.shape for w in layer.get_weights()]
        values = []
        for f, shape in zip(files, shapes):
            flat = read_weights(folder, f)
            if f in RESOURCE_STRATEGY_KERNELS:
                flat = flat.reshape(shape[-1], -1).T
            values.append(flat.reshape(shape))
        layer.set_weights(values)
        quantizers = [layer.kernel_quantizer_internal, getattr(layer, "bias_quantizer_internal", None)]
        for value, quantizer, f in zip(values, quantizers, files):
            if quantizer is not None and not np.array_equal(np.asarray(quantizer(value)), value):
                raise SystemExit(f"{folder}/weights/{f}.txt: weights off the grid of {layer_name}'s quantizer")
    return model


def images(n: int, seed: int = 2022) -> np.ndarray:
    """Seeded region images: pileup-like noise with a few hot regions, and some fully random ones."""
    rng = np.random.default_rng(seed)
    out = rng.poisson(8.0, size=(n, 252)) + (rng.random((n, 252)) < 0.03) * rng.exponential(80.0, (n, 252))
    out[: n // 20] = rng.integers(0, 1024, size=(n // 20, 252))
    return np.minimum(np.floor(out), 1023).astype(np.int64)


_DRIVER = """#include <cstdio>
#include "cicada.h"
int main() {{
    {ns}::input_t x[N_INPUT_1_1];
    {ns}::result_t y[N_LAYER_10];
    unsigned v;
    while (true) {{
        for (int i = 0; i < N_INPUT_1_1; i++) {{ if (scanf("%u", &v) != 1) return 0; x[i] = v; }}
        {ns}::{top}(x, y);
        printf("%.10f\\n", y[0].to_double());
    }}
}}
"""


def firmware_scores(folder: Path, inputs: np.ndarray, support: Path) -> np.ndarray:
    """The deployed firmware's own scores: its C++ built with g++ (``support`` holds hls4ml's
    nnet_utils and ap_types, from any hls4ml project of the same layer types)."""
    source = (folder / "cicada.cpp").read_text()
    ns, top = re.search(r"namespace\s+(\w+)\s*\{.*?void\s+(\w+)\s*\(", source, re.S).groups()
    with tempfile.TemporaryDirectory() as scratch:
        driver = Path(scratch) / "driver.cpp"
        driver.write_text(_DRIVER.format(ns=ns, top=top))
        binary = Path(scratch) / "deployed"
        command = ["g++", "-O2", "-std=c++17", f"-I{folder}", f"-I{support}", f"-I{support / 'ap_types'}"]
        subprocess.run([*command, str(driver), str(folder / "cicada.cpp"), "-o", str(binary)], check=True)
        text = "\n".join(" ".join(map(str, row)) for row in inputs) + "\n"
        done = subprocess.run([str(binary)], input=text, capture_output=True, text=True, check=True)
    return np.array([float(v) for v in done.stdout.split()])


def hls4ml_support(model, scratch: Path) -> Path:
    """A firmware folder with hls4ml's nnet_utils and ap_types, converted with CICADA's deployed settings
    (the conv layer as Resource with parallelization 21 generates the fill_buffer code the firmware calls)."""
    from cicada.config.loader import config_from_mapping
    from cicada.firmware.convert import convert_student

    hls = config_from_mapping(
        {
            "name": "deployed",
            "hls": {"reuse_factor": 2, "layers": {"conv": {"strategy": "Resource", "parallelization_factor": 21}}},
        }
    ).hls
    convert_student(model, hls, scratch / "prj")
    return scratch / "prj" / "firmware"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repository", type=Path, help="a checkout of github.com/cms-hls4ml/CICADA")
    parser.add_argument("--version", default="v2p2p0", help="the model folder's suffix: CICADA_<version> (v2p2p0)")
    parser.add_argument("--out", type=Path, required=True, help="the QKeras model file to write (.h5)")
    parser.add_argument("--check", type=int, default=0, metavar="N", help="compare with the firmware on N images")
    args = parser.parse_args(argv)
    folder = args.repository / f"CICADA_{args.version}"
    model = rebuild(folder)
    from cicada.core.tf import save_h5

    save_h5(model, args.out)
    dense1 = np.asarray(model.get_layer("dense1").kernel_quantizer_internal(model.get_layer("dense1").kernel))
    print(
        f"{args.out}: CICADA {args.version}, {model.count_params()} parameters, dense1 {np.mean(dense1 == 0):.0%} zero"
    )
    if args.check:
        x = images(args.check)
        expected = model.predict(x.astype(np.float32), batch_size=4096, verbose=0).ravel()
        with tempfile.TemporaryDirectory() as scratch:
            firmware = firmware_scores(folder, x, hls4ml_support(model, Path(scratch)))
        differ = int(np.sum(np.round(firmware / SCORE_LSB) != np.round(expected / SCORE_LSB)))
        print(f"deployed firmware vs QKeras rebuild: {len(x) - differ:,}/{len(x):,} images bit-exact")
        return 0 if differ == 0 else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
