"""Every firmware path on every student input, bit for bit, with the batch-norm layer folded.

Small students read the packed 12-bit regions or the three channels, some with a ``QDenseBatchnorm``
(and the CICADA 2026 student on packed regions): the precision proof holds for the input's real
range, input by input; the C simulation equals QKeras (the trained model, batch-norm and all); the
integer model equals the emulator library; the traced RTL equals QKeras, and in Verilator too, with
input ports as wide as each input's values.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from cicada.config.loader import config_from_mapping
from cicada.core.errors import ConversionError
from cicada.core.fixedpoint import FixedType
from cicada.core.tf import seed_everything, tensorflow
from cicada.data.region_bits import with_bits
from cicada.data.student_inputs import encode, input_kind
from cicada.firmware import csim
from cicada.firmware.convert import build_hls4ml_config, convert_model, convert_student
from cicada.firmware.emulator import FirmwareEmulator
from cicada.firmware.folding import firmware_model
from cicada.firmware.integer_model import IntegerModel
from cicada.firmware.precision import analyse
from cicada.models.student import build, student_scores
from cicada.synthesis.rtl.trace import trace_model

pytestmark = pytest.mark.slow  # converts with hls4ml, compiles firmware, traces RTL

SCORE = {"type": "QActivation", "activation": "quantized_relu(16,8)"}
LAST = {
    "type": "QDense",
    "name": "last",
    "units": 1,
    "use_bias": False,
    "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)",
}
BATCHNORM = {
    "type": "QDenseBatchnorm", "name": "bn", "units": 4, "kernel_quantizer": "quantized_bits(8,1,1,alpha=1)",
    "bias_quantizer": "quantized_bits(8,3,1,alpha=1)",
}  # fmt: skip

#: name -> (student.input, student section, hls section)
CASES = {
    "packed_conv_batchnorm": (
        "packed",
        {
            "architecture": "custom",
            "layers": [
                {"type": "Reshape", "target_shape": [18, 14, 1]},
                {"type": "QConv2D", "name": "conv", "filters": 2, "kernel_size": [3, 3], "strides": [3, 2],
                 "use_bias": False, "kernel_quantizer": "quantized_bits(12,3,1,alpha=1)"},
                {"type": "QActivation", "activation": "quantized_relu(10,6)"},
                {"type": "Flatten"},
                BATCHNORM,
                {"type": "QActivation", "activation": "quantized_relu(10,6)"},
                LAST,
                SCORE,
            ],
        },
        {"reuse_factor": 1},
    ),
    "channels_conv": (
        "channels",
        {
            "architecture": "custom",
            "layers": [
                {"type": "Reshape", "target_shape": [18, 14, 3]},
                {"type": "QConv2D", "name": "conv", "filters": 3, "kernel_size": [2, 2], "strides": [2, 2],
                 "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)", "bias_quantizer": "quantized_bits(8,4,1,alpha=1)"},
                {"type": "QActivation", "activation": "quantized_relu(8,4)"},
                {"type": "Flatten"},
                {"type": "QDense", "units": 4, "kernel_quantizer": "quantized_bits(6,1,1,alpha=1)",
                 "bias_quantizer": "quantized_bits(6,3,1,alpha=1)"},
                {"type": "QActivation", "activation": "quantized_relu(8,4)"},
                LAST,
                SCORE,
            ],
        },
        {"reuse_factor": 1},
    ),
    "channels_dense_batchnorm": (  # dense only: small enough for Verilator in a test
        "channels",
        {"architecture": "custom", "layers": [{**BATCHNORM, "units": 3}, {"type": "QActivation", "activation": "quantized_relu(8,4)"}, LAST, SCORE]},
        {"reuse_factor": 1},
    ),
    "cicada_2026_packed": (
        "packed",
        {"architecture": "cicada_2026"},
        {"reuse_factor": 2, "layers": {"conv": {"strategy": "Resource", "parallelization_factor": 21}}},
    ),
}  # fmt: skip


def _images(n: int, seed: int) -> np.ndarray:
    """Images with bits: pileup-like ET with hot regions and some saturated events; veto bits set in most
    non-empty regions (as in zero-bias), and anywhere at random in a tenth of the events."""
    rng = np.random.default_rng(seed)
    et = rng.poisson(4.0, size=(n, 18, 14))
    hot = rng.random(et.shape) < 0.03
    et[hot] = rng.integers(0, 1024, hot.sum())
    et[: n // 20] = rng.integers(0, 1024, size=(n // 20, 18, 14))
    et = np.minimum(et, 1023).astype(np.uint16)
    eg = (rng.random(et.shape) < 0.8) & (et > 0)
    tau = (rng.random(et.shape) < 0.6) & (et > 0)
    eg[: n // 10] = rng.random((n // 10, 18, 14)) < 0.5
    return with_bits(et, eg.astype(np.uint8), tau.astype(np.uint8))


def _fill_batchnorm(model, name: str, inputs: np.ndarray, seed: int) -> None:
    """Statistics a training would leave in the batch-norm layer ``name``: the moving mean and variance of
    its dense sums on ``inputs``; gamma such that the largest folded weight of each unit is 0.25 to 0.5
    (16 to 32 steps of its quantizer), beta drawn."""
    tf = tensorflow()
    layer = model.get_layer(name)
    rng = np.random.default_rng(seed)
    first = model.layers.index(layer) == 1
    before = inputs if first else tf.keras.Model(model.inputs, layer.input).predict(inputs, verbose=0)
    kernel, bias = layer.kernel.numpy(), layer.bias.numpy()
    sums = before.astype(np.float64) @ kernel + bias
    variance = sums.var(axis=0) + 1e-3
    gamma = rng.uniform(0.25, 0.5, kernel.shape[1]) * np.sqrt(variance) / np.abs(kernel).max(axis=0)
    beta = rng.normal(0.0, 1.0, kernel.shape[1])
    layer.set_weights([kernel, bias, gamma, beta, np.int64(1000), sums.mean(axis=0), variance])


@dataclass
class Converted:
    model: object
    inputs: np.ndarray
    kind: object
    result: object
    project: Path
    emulator: FirmwareEmulator


def _convert(name: str, root: Path) -> tuple:
    input_name, student, hls = CASES[name]
    config = config_from_mapping(
        {"name": "t", "data": {"region_bits": True}, "student": {**student, "input": input_name}, "hls": hls}
    )
    kind = input_kind(input_name)
    seed_everything(4)
    model = build(config.student)
    rng = np.random.default_rng(8)
    for layer in model.layers:  # weights big enough that activations reach saturation, a positive last layer
        weights = layer.get_weights()
        if weights and type(layer).__name__ in ("QConv2D", "QDense"):
            scale = 0.02 if layer.name == "conv" and input_name == "packed" else 0.3
            weights[0] = rng.normal(0.0, scale, weights[0].shape)
            if layer.name in ("last", "dense2"):
                weights[0] = np.abs(weights[0]) + 0.05
            layer.set_weights(weights)
    inputs = encode(kind, _images(3000, seed=11))
    for layer in model.layers:
        if type(layer).__name__ == "QDenseBatchnorm":
            _fill_batchnorm(model, layer.name, inputs, seed=3)
    project = root / name
    result = convert_student(model, config.hls, project, kind=kind)
    return model, inputs, kind, result, project


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Converted]:
    root = tmp_path_factory.mktemp("student_inputs")
    results = {name: _convert(name, root) for name in CASES}
    with ThreadPoolExecutor(2) as pool:  # g++ builds in parallel
        emulators = dict(zip(results, pool.map(lambda r: FirmwareEmulator(r[4]), results.values())))
    return {name: Converted(*result, emulators[name]) for name, result in results.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_every_firmware_path_is_bit_exact_with_qkeras(converted, name):
    case = converted[name]
    qkeras = student_scores(case.model, case.inputs)  # the trained model itself: batch-norm unfolded
    assert len(np.unique(qkeras)) > 30, "a test whose outputs barely vary proves little"
    lsb = FixedType.parse(case.result.layer_precisions[-1]["result"]).lsb
    assert case.result.proof.proven, case.result.proof.failures + case.result.proof.unanalysed
    # the C simulation (the project's own testbench)
    firmware = csim.run_testbench(case.project, case.inputs, qkeras)
    assert csim.compare_bits(qkeras, firmware, lsb).bit_exact
    # the emulator library and the integer model
    emulated = case.emulator.predict(case.inputs)
    np.testing.assert_array_equal(emulated, firmware)
    np.testing.assert_array_equal(
        IntegerModel.build(case.model, case.result.layer_precisions).predict(case.inputs), emulated
    )
    # the RTL flow's trace, with each input as wide as its values
    traced = trace_model(case.model, case.kind.input_bits(), delay_constraint=0)
    np.testing.assert_array_equal(traced.comb.predict(case.inputs.astype(np.float64), n_threads=1)[:, 0], qkeras)
    assert list(traced.input_bits[:3]) == [int(b) for b in case.kind.input_bits()[:3]]


def test_the_proof_is_for_the_inputs_real_range(converted, tmp_path):
    packed = converted["packed_conv_batchnorm"].result.proof
    (check,) = [c for c in packed.checks if c.role == "input"]
    assert (check.low, check.high, check.type) == (0.0, 4095.0, "ap_uint<12>")
    # three channels: the bits are 0 or 1, so the convolution's sums are bounded tighter than for 0..1023 everywhere
    case = converted["channels_conv"]
    folded = firmware_model(case.model)
    hls = config_from_mapping({"name": "t", "hls": {"reuse_factor": 1}}).hls
    hls_model = convert_model(folded, build_hls4ml_config(folded, hls, {}), hls, tmp_path / "again")
    per_input = analyse(hls_model, np.zeros(756), case.kind.maximum(), ideal=True, keras_model=folded)
    uniform = analyse(hls_model, 0.0, 1023.0, ideal=True, keras_model=folded)

    def conv_high(proof):
        return max(c.high for c in proof.checks if c.layer == "conv" and c.role == "accum")

    assert conv_high(per_input) < conv_high(uniform)
    recorded = [c for c in case.result.proof.checks if c.layer == "conv" and c.role == "accum"]
    assert recorded and recorded[0].high == conv_high(per_input)


def test_an_input_type_too_narrow_for_the_packed_regions_is_refused(converted, tmp_path):
    case = converted["packed_conv_batchnorm"]
    hls = config_from_mapping({"name": "t", "hls": {"input_precision": "ap_uint<10>"}}).hls
    with pytest.raises(
        ConversionError,
        match=r"key 'hls.input_precision': ap_uint<10> cannot hold packed regions .*0\.\.4095 exactly; expected e\.g\. ap_uint<12>",
    ):
        convert_student(case.model, hls, tmp_path / "narrow", kind=case.kind)
    with pytest.raises(ConversionError, match=r"takes 252 inputs per event, but student.input channels gives 756"):
        convert_student(case.model, hls, tmp_path / "wrong", kind=input_kind("channels"))


def test_the_rtl_in_verilator_with_ports_as_wide_as_each_input(converted, tmp_path):
    from cicada.synthesis.rtl.project import write_project
    from cicada.synthesis.rtl.simulate import simulate

    case = converted["channels_dense_batchnorm"]
    traced = trace_model(case.model, case.kind.input_bits(), delay_constraint=0)
    project = write_project(traced, tmp_path / "rtl", "student3", 3.0, True, 6.25, "xc7vx690tffg1927-2", "test")
    assert [port.width for port in project.input_ports[:6]] == [10, 1, 1, 10, 1, 1]
    assert project.input_width == 252 * 12
    inputs = case.inputs[:600]
    simulation = simulate(project, inputs)
    expected = student_scores(case.model, inputs)
    assert len(np.unique(expected)) > 20
    np.testing.assert_array_equal(simulation.outputs[:, 0], expected)
    np.testing.assert_array_equal(simulation.outputs, case.emulator.predict(inputs))
