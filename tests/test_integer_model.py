"""The integer model against the emulator library (the firmware's own C++), bit for bit.

Small students are converted with real hls4ml and their emulator libraries built with real
g++; each student exercises something the integer model must get right: CICADA v2 as
deployed (Resource strategy, parallelization factor), an overlapping strided convolution,
'same' padding with a bias, average pooling, saturating activations (unsigned and signed),
power-of-two weights, hls4ml's ternary product (which differs from QKeras), accumulators too
narrow for the products (per-product rounding, wrapping), and distributed arithmetic.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from cicada.config.loader import config_from_mapping
from cicada.core.errors import VerificationError
from cicada.core.fixedpoint import FixedType
from cicada.core.tf import seed_everything
from cicada.firmware.convert import convert_student
from cicada.firmware.emulator import FirmwareEmulator
from cicada.firmware.fixed_arrays import integer_range
from cicada.firmware.integer_model import IntegerModel, UnsupportedLayer
from cicada.firmware.scoring import EMULATOR_ENGINE, INTEGER_ENGINE, FirmwareScorer
from cicada.models.student import build
from cicada.models.students import build_student

from .conftest import RTL_TINY

pytestmark = pytest.mark.slow  # converts with hls4ml and compiles firmware

RESHAPE = {"type": "Reshape", "target_shape": [18, 14, 1]}
FLATTEN = {"type": "Flatten"}
SCORE = {"type": "QActivation", "activation": "quantized_relu(16,8)"}


def _activation(quantizer: str) -> dict:
    return {"type": "QActivation", "activation": quantizer}


def _dense(units: int, kernel: str, bias: str | None = None, name: str | None = None) -> dict:
    layer = {"type": "QDense", "units": units, "kernel_quantizer": kernel, "use_bias": bias is not None}
    if bias:
        layer["bias_quantizer"] = bias
    return {**layer, **({"name": name} if name else {})}


HEAD = [_dense(1, "quantized_bits(8,2,1,alpha=1)"), SCORE]

#: name -> (student layers, hls section, layer -> factor on its kernel)
CASES = {
    # the student of the RTL build of tests/conftest.py
    "rtl_tiny": (RTL_TINY["student"]["layers"], {"reuse_factor": 1}, {}),
    "overlapping_conv": (
        [
            RESHAPE,
            {
                "type": "QConv2D",
                "filters": 2,
                "kernel_size": [3, 3],
                "strides": [2, 2],
                "use_bias": False,
                "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)",
            },
            _activation("quantized_relu(8,4)"),
            FLATTEN,
            _dense(3, "quantized_bits(6,1,1,alpha=1)", "quantized_bits(6,3,1,alpha=1)"),
            _activation("quantized_relu(8,4)"),
            *HEAD,
        ],
        {"reuse_factor": 1},
        {},
    ),
    "same_padding_pooling_saturating": (
        [
            RESHAPE,
            {
                "type": "QConv2D",
                "name": "conv",
                "filters": 3,
                "kernel_size": [3, 3],
                "padding": "same",
                "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)",
                "bias_quantizer": "quantized_bits(8,4,1,alpha=1)",
            },
            _activation("quantized_relu(4,2)"),
            {"type": "AveragePooling2D", "pool_size": [2, 2]},
            FLATTEN,
            _dense(4, "quantized_bits(6,1,1,alpha=1)", "quantized_bits(6,3,1,alpha=1)", name="hidden"),
            _activation("quantized_bits(6,2,1)"),  # signed, saturating
            _dense(1, "quantized_bits(8,2,1,alpha=1)", name="last"),
            SCORE,
        ],
        {"reuse_factor": 1},
        {"conv": 2.0, "hidden": 2.0, "last": 8.0},
    ),
    "power_of_two_weights": (
        [
            RESHAPE,
            {
                "type": "QConv2D",
                "filters": 2,
                "kernel_size": [3, 3],
                "strides": [3, 2],
                "use_bias": False,
                "kernel_quantizer": "quantized_po2(4,1)",
            },
            _activation("quantized_relu(8,4)"),
            FLATTEN,
            *HEAD,
        ],
        {"reuse_factor": 1},
        {},
    ),
    "ternary_product": (  # 2-bit integer weights: hls4ml's weight_ternary product
        [
            RESHAPE,
            {
                "type": "QConv2D",
                "filters": 2,
                "kernel_size": [3, 3],
                "strides": [3, 3],
                "use_bias": False,
                "kernel_quantizer": "quantized_bits(2,2,1,alpha=1)",
            },
            _activation("quantized_relu(10,6)"),
            FLATTEN,
            _dense(4, "quantized_bits(2,1,1,alpha=1)", "quantized_bits(6,3,1,alpha=1)"),
            _activation("quantized_relu(8,4)"),
            *HEAD,
        ],
        {"reuse_factor": 1},
        {},
    ),
    "narrow_accumulators": (
        [
            RESHAPE,
            {
                "type": "QConv2D",
                "name": "conv",
                "filters": 2,
                "kernel_size": [2, 2],
                "strides": [2, 2],
                "use_bias": False,
                "kernel_quantizer": "quantized_bits(12,3,1,alpha=1)",
            },
            _activation("quantized_relu(10,6)"),
            FLATTEN,
            _dense(4, "quantized_bits(8,1,1,alpha=1)", "quantized_bits(8,3,1,alpha=1)", name="hidden"),
            _activation("quantized_relu(10,6)"),
            *HEAD,
        ],
        {
            "reuse_factor": 1,
            "precision_check": "warn",
            # fewer fractional bits than the products (truncated, then rounded), and too few integer bits
            "layers": {
                "conv": {"accum_precision": "ap_fixed<14,10>"},
                "hidden": {"accum_precision": "ap_fixed<12,8,AP_RND,AP_WRAP>"},
            },
        },
        {},
    ),
    "distributed_arithmetic": (
        [
            RESHAPE,
            {
                "type": "QConv2D",
                "filters": 2,
                "kernel_size": [3, 3],
                "strides": [3, 2],
                "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)",
                "bias_quantizer": "quantized_bits(8,3,1,alpha=1)",
            },
            _activation("quantized_relu(8,4)"),
            FLATTEN,
            _dense(3, "quantized_bits(6,1,1,alpha=1)", "quantized_bits(6,3,1,alpha=1)"),
            _activation("quantized_relu(8,4)"),
            *HEAD,
        ],
        {"reuse_factor": 1, "strategy": "distributed_arithmetic"},
        {},
    ),
}


@dataclass
class Converted:
    model: object
    layers: list[dict]
    project: Path
    emulator: FirmwareEmulator


def _images() -> np.ndarray:
    rng = np.random.default_rng(21)
    return np.concatenate(
        [
            rng.poisson(3, size=(2000, 18, 14)),
            rng.integers(0, 1024, size=(300, 18, 14)),  # anything the hardware can send
            np.minimum(rng.poisson(60, size=(300, 18, 14)), 1023),  # busy events, some saturated
            np.zeros((1, 18, 14), dtype=np.int64),
            np.full((1, 18, 14), 1023),
        ]
    ).astype(np.uint16)


def _convert(name: str, root: Path) -> tuple[object, list[dict], Path]:
    if name == "cicada_v2":
        seed_everything(3)
        model = build_student("cicada_v2")
        conv = model.get_layer("conv")
        conv.set_weights([conv.get_weights()[0] * 0.2])
        hls = {"reuse_factor": 2, "layers": {"conv": {"strategy": "Resource", "parallelization_factor": 21}}}
        config = config_from_mapping({"name": "t", "hls": hls})
    else:
        layers, hls, scale = CASES[name]
        config = config_from_mapping({"name": "t", "student": {"architecture": "custom", "layers": layers}, "hls": hls})
        seed_everything(1)
        model = build(config.student)
        for layer_name, factor in scale.items():
            weights = model.get_layer(layer_name).get_weights()
            model.get_layer(layer_name).set_weights([weights[0] * factor, *weights[1:]])
    project = root / name
    converted = convert_student(model, config.hls, project)
    return model, converted.layer_precisions, project


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Converted]:
    root = tmp_path_factory.mktemp("integer_model")
    results = {name: _convert(name, root) for name in ["cicada_v2", *CASES]}
    with ThreadPoolExecutor(2) as pool:  # g++ builds in parallel
        emulators = dict(zip(results, pool.map(lambda r: FirmwareEmulator(r[2]), results.values())))
    return {
        name: Converted(model, layers, project, emulators[name]) for name, (model, layers, project) in results.items()
    }


@pytest.mark.parametrize("name", ["cicada_v2", *CASES])
def test_bit_exact_with_the_emulator_library(converted, name):
    case = converted[name]
    images = _images()
    model = IntegerModel.build(case.model, case.layers)
    expected = case.emulator.predict(images)
    assert np.array_equal(model.predict(images), expected)
    assert np.array_equal(model.predict(images.astype(np.float64), threads=1), expected)  # float input, one thread
    assert len(np.unique(expected)) > 5, "a test whose outputs barely vary proves little"


def test_the_cases_exercise_what_they_claim(converted):
    def rows(name):
        return {row["name"]: row for row in converted[name].layers}

    assert rows("cicada_v2")["conv"]["strategy"] == "resource"
    assert rows("power_of_two_weights")["layer1"]["product"] == "weight_exponential"
    assert rows("ternary_product")["layer1"]["product"] == "weight_ternary"
    assert rows("distributed_arithmetic")["layer4"]["strategy"] == "distributed_arithmetic"
    assert rows("same_padding_pooling_saturating")["layer3"]["class"] == "Pooling2D"
    narrow = rows("narrow_accumulators")
    assert FixedType.parse(narrow["conv"]["accum"]).fractional < 8  # its products carry 8 fractional bits
    # the ternary product gives what the stored weight says, not what QKeras computes
    case = converted["ternary_product"]
    images = _images()[:200]
    qkeras = case.model.predict(images.reshape(len(images), -1).astype(np.float32), verbose=0)
    assert not np.array_equal(case.emulator.predict(images), qkeras)
    # saturation happens: the unsigned activation at its top, the signed one at both ends
    saturating = converted["same_padding_pooling_saturating"]
    model = IntegerModel.build(saturating.model, saturating.layers)
    values, shares = _images().reshape(-1, 252), {}
    for step in model.steps[1:]:
        values = step(values)
        low, high = integer_range(step.after[-1].to)
        shares[step.name] = (np.mean(values == low), np.mean(values == high))
    assert shares["conv"][1] > 0.05
    assert min(shares["hidden"]) > 0.01
    # products rounded one by one into the narrow accumulators, which wrap
    model = IntegerModel.build(converted["narrow_accumulators"].model, converted["narrow_accumulators"].layers)
    assert any(getattr(step, "product_shift", 0) > 0 for step in model.steps)
    assert any(getattr(cast, "overflow", None) == "WRAP" for step in model.steps for cast in step.after)


def test_threads_and_empty_inputs(converted):
    case = converted["cicada_v2"]
    model = IntegerModel.build(case.model, case.layers)
    images = _images()
    assert np.array_equal(model.predict(images, threads=1), model.predict(images, threads=3))
    assert model.predict(images[:0]).shape == (0, 1)
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.full((2, 18, 14), np.nan))
    with pytest.raises(ValueError, match="252 inputs"):
        model.predict(np.zeros((2, 10)))


def test_scorer_checks_and_falls_back(converted):
    case = converted["cicada_v2"]
    images = _images()
    lsb = 2.0**-8
    scorer = FirmwareScorer(case.project, case.model, case.layers, lsb)
    assert scorer.engine == INTEGER_ENGINE
    outputs = scorer.predict(images)
    assert scorer.check(images, outputs, "the test images").bit_exact
    with pytest.raises(VerificationError, match="disagrees with the emulator library on 1 of"):
        wrong = outputs.copy()
        wrong[7] += lsb
        scorer.check(images, wrong, "the test images")
    # a layer the integer model does not know: the emulator library scores, and says why
    unknown = [*case.layers[:-1], {**case.layers[-1], "class": "Softmax"}]
    fallback = FirmwareScorer(case.project, case.model, unknown, lsb)
    assert fallback.engine.startswith(EMULATOR_ENGINE) and "Softmax" in fallback.engine
    assert np.array_equal(fallback.predict(images), case.emulator.predict(images))
    assert fallback.check(images, outputs, "the test images") is None


def test_what_the_integer_model_refuses(converted):
    case = converted["cicada_v2"]
    rows = case.layers
    with pytest.raises(UnsupportedLayer, match=r"layer 'outputs' \(Activation\): activation 'sigmoid'"):
        IntegerModel.build(case.model, [*rows[:-1], {**rows[-1], "activation": "sigmoid"}])
    with pytest.raises(UnsupportedLayer, match="no activation .* rerun convert"):
        IntegerModel.build(case.model, [*rows[:-1], {k: v for k, v in rows[-1].items() if k != "activation"}])
    with pytest.raises(UnsupportedLayer, match="Keras layer 'dense2' .* not in hls4ml's graph"):
        IntegerModel.build(case.model, [row for row in rows if row["name"] != "dense2"])
    with pytest.raises(UnsupportedLayer, match="product 'weight_binary'"):
        IntegerModel.build(
            case.model, [{**row, "product": "weight_binary"} if "product" in row else row for row in rows]
        )
