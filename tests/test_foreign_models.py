"""Models trained elsewhere that once crashed or were mis-compared: power-of-two weights,
(18, 14, 1) inputs, QConv2DBatchnorm, an inline activation, an output finer than 2^-8."""

from __future__ import annotations

import numpy as np
import pytest

from cicada.config.loader import config_from_mapping
from cicada.core.fixedpoint import FixedType
from cicada.core.tf import seed_everything, tensorflow
from cicada.firmware import csim
from cicada.firmware.convert import convert_student
from cicada.models.student import float_twin, student_scores


def images(n: int = 300, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.minimum(rng.poisson(5, size=(n, 18, 14)), 1023)
    out[:10] = rng.integers(0, 1024, size=(10, 18, 14))
    return out


def dense_model(input_shape, kernel_quantizer, output_activation="quantized_relu(16,8)", seed=1, scale=0.02):
    from qkeras import QActivation, QDense

    tf = tensorflow()
    seed_everything(seed)
    inputs = tf.keras.layers.Input(input_shape)
    x = tf.keras.layers.Flatten()(inputs)
    x = QDense(4, kernel_quantizer=kernel_quantizer, bias_quantizer="quantized_bits(8,3,1,alpha=1)")(x)
    x = QActivation("quantized_relu(8,4)")(x)
    x = QDense(1, kernel_quantizer="quantized_bits(8,2,1,alpha=1)", use_bias=False)(x)
    model = tf.keras.Model(inputs, QActivation(output_activation)(x))
    weights = model.get_weights()
    weights[0] = np.random.default_rng(seed).normal(0, scale, weights[0].shape)
    weights[-1] = np.abs(weights[-1])
    model.set_weights(weights)
    return model


def converted_and_compared(model, tmp_path):
    hls = config_from_mapping({"name": "f"}).hls
    result = convert_student(model, hls, tmp_path / "prj")
    x = images()
    expected = student_scores(model, x)
    firmware = csim.run_testbench(tmp_path / "prj", x.reshape(len(x), -1), expected)
    lsb = FixedType.parse(result.layer_precisions[-1]["result"]).lsb
    return result, csim.compare_bits(expected, firmware, lsb), lsb


@pytest.mark.slow
@pytest.mark.parametrize("quantizer", ["quantized_po2(4,1)", "quantized_bits(6,2,1,alpha='auto_po2')"])
def test_power_of_two_weights_convert_and_are_compared(tmp_path, quantizer):
    """Weights written by hls4ml as exponents ('{1.0' once broke the weight-file reader)."""
    result, comparison, _ = converted_and_compared(dense_model((18, 14), quantizer), tmp_path)
    assert comparison.events == 300
    assert comparison.bit_exact or not result.proof.proven


@pytest.mark.slow
def test_an_image_input_with_a_channel_axis_converts(tmp_path):
    """hls4ml writes the port as ``input[18*14*1]``: the testbench must still find its size."""
    model = dense_model((18, 14, 1), "quantized_bits(8,2,1,alpha=1)")
    result, comparison, _ = converted_and_compared(model, tmp_path)
    assert result.proof.proven and comparison.bit_exact


@pytest.mark.slow
def test_outputs_are_compared_on_their_own_finer_grid(tmp_path):
    """An output type with 12 fractional bits is compared at 2^-12, not at the default 2^-8."""
    model = dense_model((18, 14), "quantized_bits(8,2,1,alpha=1)", output_activation="quantized_relu(16,4)")
    result, comparison, lsb = converted_and_compared(model, tmp_path)
    assert lsb == 2.0**-12
    assert result.proof.proven and comparison.bit_exact
    coarse = csim.compare_bits(student_scores(model, images()), student_scores(model, images()) + 2.0**-12, lsb)
    assert coarse.mismatches == 300  # one LSB of the fine grid is a mismatch


def test_a_batchnorm_folded_conv_has_no_float_twin():
    from qkeras import QConv2DBatchnorm, QDense

    tf = tensorflow()
    inputs = tf.keras.layers.Input((18, 14, 1))
    x = QConv2DBatchnorm(
        2, (3, 3), kernel_quantizer="quantized_bits(8,2,1,alpha=1)", bias_quantizer="quantized_bits(8,2,1,alpha=1)"
    )(inputs)
    x = tf.keras.layers.Flatten()(x)
    model = tf.keras.Model(inputs, QDense(1, kernel_quantizer="quantized_bits(8,2,1,alpha=1)")(x))
    assert float_twin(model) is None


def test_an_inline_activation_is_compared_after_the_activation():
    """hls4ml splits ``QDense(..., activation=...)`` into the sum and the activation; only the
    activation's output exists in QKeras, so only it may be compared with the Keras layer."""
    from types import SimpleNamespace

    from qkeras import QDense

    from cicada.firmware.diagnose import comparable_keras_layer

    tf = tensorflow()
    inputs = tf.keras.layers.Input((252,))
    x = QDense(3, kernel_quantizer="quantized_bits(8,2,1,alpha=1)", activation="quantized_relu(8,4)", name="d1")(inputs)
    x = QDense(1, kernel_quantizer="quantized_bits(8,2,1,alpha=1)", name="d2")(x)
    model = tf.keras.Model(inputs, x)
    reference = {"d1": None, "d2": None}
    layer = lambda name, cls: SimpleNamespace(name=name, class_name=cls)  # noqa: E731
    assert comparable_keras_layer(model, layer("d1", "Dense"), reference) is None
    assert comparable_keras_layer(model, layer("d1_quantized_relu", "Activation"), reference) == "d1"
    assert comparable_keras_layer(model, layer("d2", "Dense"), reference) == "d2"
    assert comparable_keras_layer(model, layer("d2_linear", "Activation"), reference) == "d2"
