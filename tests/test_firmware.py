"""Conversion with real hls4ml, the precision proof, and the C simulation built with g++."""

from __future__ import annotations

import numpy as np
import pytest

from cicada.config.loader import config_from_mapping
from cicada.core.errors import ConfigError, ConversionError
from cicada.core.fixedpoint import FixedType
from cicada.core.tf import seed_everything
from cicada.firmware import csim
from cicada.firmware.convert import build_hls4ml_config, convert_student
from cicada.firmware.emulator import FirmwareEmulator
from cicada.firmware.precision import analyse
from cicada.models.score import SCORE_LSB
from cicada.models.student import student_scores
from cicada.models.students import build_student

pytestmark = pytest.mark.slow  # trains models, compiles firmware or runs Pythia


@pytest.fixture(scope="module")
def student():
    seed_everything(3)
    model = build_student("cicada_v2")
    # scale the random conv kernel so realistic inputs give scores across the range
    model.get_layer("conv").set_weights([model.get_layer("conv").get_weights()[0] * 0.2])
    return model


def _hls(**overrides):
    hls = {"reuse_factor": 2, "layers": {"conv": {"strategy": "Resource", "parallelization_factor": 21}}}
    hls.update(overrides)
    return config_from_mapping({"name": "t", "hls": hls}).hls


def _images(n=400):
    rng = np.random.default_rng(5)
    images = rng.poisson(3, size=(n, 18, 14))
    images[:20] = rng.integers(0, 1024, size=(20, 18, 14))  # extremes: anything the hardware can send
    images[20] = 1023
    images[21] = 0
    return images


def test_fixed_types_parse_and_bound():
    t = FixedType.parse("ap_fixed<18, 8>")
    assert (t.width, t.integer, t.signed, t.fractional) == (18, 8, True, 10)
    assert t.min_value == -128 and t.max_value == 128 - 2**-10
    u = FixedType.parse("ufixed<10,6,RND_CONV,SAT>")
    assert u.rounds and u.saturates and not u.signed and u.max_value == 64 - 1 / 16
    assert FixedType.parse("ap_uint<10>").max_value == 1023
    with pytest.raises(ValueError):
        FixedType.parse("float")
    for low, high, frac in [(0, 1023, 0), (-271.73, 91.91, 8), (-0.5, 0.25, 3), (3, 3, 0)]:
        narrow = FixedType.smallest_exact(low, high, frac)
        assert narrow.holds(low, high, frac)
        assert not FixedType(narrow.width - 1, narrow.integer - 1, narrow.signed).holds(low, high, frac)
    assert FixedType.smallest_exact(0, 0, 0).holds(0, 0, 0)


def test_conversion_is_proven_and_bit_exact_with_resource_conv(student, tmp_path):
    result = convert_student(student, _hls(), tmp_path / "prj")
    assert result.proof.proven
    conv = next(row for row in result.layer_precisions if row["name"] == "conv")
    assert conv["strategy"] == "resource" and conv["parallelization_factor"] == 21
    images = _images()
    expected = student_scores(student, images)
    firmware = csim.run_testbench(tmp_path / "prj", images.reshape(len(images), -1), expected)
    comparison = csim.compare_bits(expected, firmware, SCORE_LSB)
    assert comparison.bit_exact and comparison.events == len(images)
    assert len(np.unique(firmware)) > 50  # a real spread of scores, not a constant
    emulated = FirmwareEmulator(tmp_path / "prj").predict(images)
    assert np.array_equal(emulated, firmware)
    assert not list(tmp_path.glob(".*partial"))


def test_cicada_hand_set_accumulators_are_proven_safe(student, tmp_path):
    hls = _hls(
        layers={
            "conv": {"strategy": "Resource", "parallelization_factor": 21, "accum_precision": "ap_fixed<30,22>"},
            "dense1": {"accum_precision": "ap_fixed<26,14>"},
            "dense2": {"accum_precision": "ap_fixed<26,14>"},
        }
    )
    result = convert_student(student, hls, tmp_path / "prj")
    assert result.proof.proven
    accums = {c.layer: c.type for c in result.proof.checks if c.role == "accum"}
    assert accums == {"conv": "ap_fixed<30,22>", "dense1": "ap_fixed<26,14>", "dense2": "ap_fixed<26,14>"}


def test_too_narrow_accumulator_is_rejected_naming_the_key(student, tmp_path):
    hls = _hls(layers={"dense1": {"accum_precision": "ap_fixed<16,6>"}})
    with pytest.raises(ConversionError) as info:
        convert_student(student, hls, tmp_path / "prj", config_source="my.yaml")
    message = str(info.value)
    assert "my.yaml: key 'hls.layers.dense1.accum_precision'" in message
    assert "ap_fixed<16,6>" in message and "at least as wide as ap_fixed<" in message
    assert not (tmp_path / "prj").exists() and not list(tmp_path.iterdir())  # nothing half-written


def test_input_type_that_cannot_hold_region_et_is_rejected():
    """Refused with the config, before any model is loaded or any folder made."""
    message = "key 'hls.input_precision': expected a type holding the student's input, region ET 0..1023"
    with pytest.raises(ConfigError, match=message):
        _hls(input_precision="ap_uint<8>")


def test_analysis_finds_the_default_type_trap_of_hand_set_configs(student, tmp_path):
    """hls4ml's own behaviour: setting a layer's result type leaves its linear activation at the
    model default ap_fixed<16,6>, which wraps conv outputs. The proof must see it."""
    import hls4ml

    from cicada.firmware.hls4ml_compat import hls4ml_on_current_stack

    with hls4ml_on_current_stack():  # hls4ml itself, without cicada's conversion around it
        config = hls4ml.utils.config_from_keras_model(student, granularity="name", backend="Vitis")
        config["LayerName"]["inputs_"]["Precision"]["result"] = "ap_uint<10>"
        config["LayerName"]["conv"]["Precision"].update(accum="ap_fixed<30,22>", result="ap_fixed<30,22>")
        model = hls4ml.converters.convert_from_keras_model(
            student, hls_config=config, output_dir=str(tmp_path / "raw"), backend="Vitis", io_type="io_parallel"
        )
    proof = analyse(model)
    failing = {(c.layer, c.role) for c in proof.failures}
    assert ("conv_linear", "result") in failing
    # cicada's own config builder carries the result type over to that linear layer
    ours = build_hls4ml_config(student, _hls(), {("conv", "result"): "ap_fixed<30,22>"})
    assert ours["LayerName"]["conv_linear"]["Precision"]["result"] == "ap_fixed<30,22>"


def test_model_hls4ml_cannot_convert_gets_a_clear_error(tmp_path):
    from cicada.core.tf import tensorflow

    tf = tensorflow()
    inputs = tf.keras.Input((252,), name="inputs_")
    outputs = tf.keras.layers.Lambda(lambda x: tf.math.sin(x), name="odd")(inputs)
    model = tf.keras.Model(inputs, outputs)
    with pytest.raises(ConversionError, match="hls4ml cannot convert the student model"):
        convert_student(model, _hls(layers={}), tmp_path / "prj")
    assert not list(tmp_path.iterdir())


def test_compare_bits_reports_count_size_and_first_index():
    expected = np.array([[1.0], [2.0], [3.0], [4.0]])
    firmware = expected.copy()
    firmware[2] += 3 * SCORE_LSB
    firmware[3] -= SCORE_LSB
    result = csim.compare_bits(expected, firmware, SCORE_LSB)
    assert (result.mismatches, result.max_difference_lsb, result.first_mismatch_index) == (2, 3, 2)
    assert not result.bit_exact


POOLED = [
    {"type": "Reshape", "target_shape": [18, 14, 1]},
    {"type": "AveragePooling2D", "pool_size": [2, 2]},
    {
        "type": "QConv2D",
        "filters": 3,
        "kernel_size": [3, 3],
        "kernel_quantizer": "quantized_bits(10,2,1,alpha=1)",
        "bias_quantizer": "quantized_bits(8,3,1,alpha=1)",
    },
    {"type": "QActivation", "activation": "quantized_relu(8,5)"},
    {"type": "Flatten"},
    {"type": "QDense", "units": 1, "kernel_quantizer": "quantized_bits(12,3,1,alpha=1)", "use_bias": False},
    {"type": "QActivation", "activation": "quantized_relu(16,8)"},
]


def test_average_pooling_gets_exact_types_and_stays_bit_exact(tmp_path):
    """hls4ml's own choice (pool result = input type ap_uint<10>) truncates the average;
    the derived types keep the two extra fractional bits a 2x2 average needs."""
    from cicada.models.student import build

    seed_everything(4)
    config = config_from_mapping({"name": "p", "student": {"architecture": "custom", "layers": POOLED}})
    model = build(config.student)
    result = convert_student(model, config.hls, tmp_path / "prj")
    assert result.proof.proven
    pool = next(c for c in result.proof.checks if c.layer == "layer1" and c.role == "result")
    assert pool.type == "ap_ufixed<12,10>" and pool.fractional == 2
    images = _images(300)
    expected = student_scores(model, images)
    firmware = csim.run_testbench(tmp_path / "prj", images.reshape(len(images), -1), expected)
    assert csim.compare_bits(expected, firmware, SCORE_LSB).bit_exact


def test_average_over_three_values_cannot_be_proven(tmp_path):
    from cicada.models.student import build

    layers = [dict(layer) for layer in POOLED]
    layers[1]["pool_size"] = [3, 1]
    config = config_from_mapping({"name": "p", "student": {"architecture": "custom", "layers": layers}})
    with pytest.raises(ConversionError, match="average over 3 values is not exact in binary"):
        convert_student(build(config.student), config.hls, tmp_path / "prj")
