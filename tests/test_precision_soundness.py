"""The precision proof is sound: what it calls proven is exact.

Two levels: the interval rule for an assignment to a fixed-point type (``intervals.cast``)
against an exhaustive bit-level model of ``ap_fixed`` assignment, over random types and value
ranges; and whole QKeras models, where a proof that says "proven" must be confirmed by the C
simulation bit for bit (hypothesis draws the models).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cicada.core.fixedpoint import ROUNDING_MODES, SATURATION_MODES, FixedType
from cicada.core.intervals import Bounds, cast


def assign(values: np.ndarray, to: FixedType) -> np.ndarray:
    """What ``ap_fixed`` assignment does to exact values: quantize, then handle overflow."""
    scaled = values / to.lsb
    floor, frac = np.floor(scaled), scaled - np.floor(scaled)
    half, above_half = frac == 0.5, frac > 0.5
    if to.rounding == "TRN":
        q = floor
    elif to.rounding == "TRN_ZERO":
        q = np.trunc(scaled)
    else:
        up = {
            "RND": half | above_half,
            "RND_ZERO": above_half | (half & (floor < 0)),
            "RND_INF": above_half | (half & (floor >= 0)),
            "RND_MIN_INF": above_half,
            "RND_CONV": above_half | (half & (floor % 2 == 1)),
        }[to.rounding]
        q = floor + up
    low, high = round(to.min_value / to.lsb), round(to.max_value / to.lsb)
    if to.saturation == "WRAP":
        span = 2**to.width
        q = (q - low) % span + low
    elif to.saturation == "SAT":
        q = np.clip(q, low, high)
    elif to.saturation == "SAT_ZERO":
        q = np.where((q < low) | (q > high), 0, q)
    elif to.saturation == "SAT_SYM":
        symmetric_low = -high if to.signed else low
        q = np.clip(q, symmetric_low, high)
    return q * to.lsb


fixed_types = st.builds(
    lambda width, integer, signed, rounding, saturation: FixedType(width, integer, signed, rounding, saturation),
    st.integers(2, 10),
    st.integers(-2, 8),
    st.booleans(),
    st.sampled_from(ROUNDING_MODES),
    st.sampled_from(SATURATION_MODES),
)


@settings(max_examples=400, deadline=None)
@given(
    to=fixed_types,
    fractional=st.integers(0, 8),
    start=st.integers(-600, 600),
    length=st.integers(0, 300),
)
def test_cast_bounds_hold_every_assigned_value(to, fractional, start, length):
    step = 2.0**-fractional
    values = (start + np.arange(length + 1)) * step
    bounds = cast(Bounds(np.array([values.min()]), np.array([values.max()]), fractional), to)
    result = assign(values, to)
    assert bounds.low[0] <= result.min() and result.max() <= bounds.high[0], (to.hls(), bounds)
    # every result lies on the grid the bounds claim
    on_grid = result * 2.0**bounds.fractional
    assert np.all(on_grid == np.round(on_grid)), (to.hls(), bounds.fractional)


def test_a_saturated_value_keeps_the_type_step():
    """The case the old rule got wrong: integers saturating to 63.9375 need 4 fractional bits."""
    to = FixedType(10, 6, False, "RND_CONV", "SAT")
    bounds = cast(Bounds(np.array([0.0]), np.array([100.0]), 0), to)
    assert bounds.high[0] == pytest.approx(63.9375) and bounds.fractional == 4


# ------------------------------------------------------------------ whole models
KERNEL_QUANTIZERS = (
    "quantized_bits(4,0,1,alpha=1)",
    "quantized_bits(6,1,1,alpha=1)",
    "quantized_bits(8,2,1,alpha=1)",
    "ternary(alpha=1)",
    "binary(alpha=1)",
)
ACTIVATIONS = (
    "quantized_relu(4,0)",
    "quantized_relu(3,1)",
    "quantized_relu(6,2)",
    "quantized_relu(8,4)",
    "quantized_relu(10,5)",
)


def small_model(first_quantizer, activation, inline, second_bits, scale, seed):
    from qkeras import QActivation, QDense

    from cicada.core.tf import seed_everything, tensorflow

    tf = tensorflow()
    seed_everything(seed)
    inputs = tf.keras.layers.Input((252,))
    if inline:
        x = QDense(
            4, kernel_quantizer=first_quantizer, bias_quantizer="quantized_bits(6,2,1,alpha=1)", activation=activation
        )(inputs)
    else:
        x = QDense(4, kernel_quantizer=first_quantizer, bias_quantizer="quantized_bits(6,2,1,alpha=1)")(inputs)
        x = QActivation(activation)(x)
    x = QDense(
        2, kernel_quantizer=f"quantized_bits({second_bits},1,1,alpha=1)", bias_quantizer="quantized_bits(8,3,1,alpha=1)"
    )(x)
    x = QActivation("quantized_relu(10,6)")(x)
    x = QDense(1, kernel_quantizer="quantized_bits(12,3,1,alpha=1)", use_bias=False)(x)
    model = tf.keras.Model(inputs, QActivation("quantized_relu(16,8)")(x))
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 1, w.shape) for w in model.get_weights()]
    weights[0] *= scale
    weights[-1] = np.abs(weights[-1])
    model.set_weights(weights)
    return model


def images(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = rng.poisson(4, size=(n, 252))
    out[: n // 10] = rng.integers(0, 1024, size=(n // 10, 252))
    return np.minimum(out, 1023)


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    first_quantizer=st.sampled_from(KERNEL_QUANTIZERS),
    activation=st.sampled_from(ACTIVATIONS),
    inline=st.booleans(),
    second_bits=st.sampled_from([4, 6, 8]),
    scale=st.sampled_from([0.01, 0.05, 0.3]),
    seed=st.integers(0, 1000),
)
def test_a_proven_model_is_bit_exact_in_the_c_simulation(
    tmp_path_factory, first_quantizer, activation, inline, second_bits, scale, seed
):
    from cicada.config.loader import config_from_mapping
    from cicada.firmware import csim
    from cicada.firmware.convert import convert_student
    from cicada.models.student import student_scores

    model = small_model(first_quantizer, activation, inline, second_bits, scale, seed)
    project = tmp_path_factory.mktemp("proof")
    result = convert_student(model, config_from_mapping({"name": "t"}).hls, project / "prj")
    x = images(400, seed)
    expected = student_scores(model, x)
    firmware = csim.run_testbench(project / "prj", x, expected)
    comparison = csim.compare_bits(expected, firmware, FixedType.parse(result.layer_precisions[-1]["result"]).lsb)
    if result.proof.proven:
        assert comparison.bit_exact, (first_quantizer, activation, inline, comparison)


@pytest.mark.slow
@pytest.mark.parametrize(
    "first_quantizer, activation, inline",
    [
        ("quantized_bits(4,0,1,alpha=1)", "quantized_relu(4,0)", False),
        ("ternary(alpha=1)", "quantized_relu(4,0)", False),
        ("quantized_bits(8,1,1,alpha=1)", "quantized_relu(4,0)", True),
    ],
)
def test_the_cases_once_wrongly_proven(tmp_path, first_quantizer, activation, inline):
    """Each of these was reported "proven exact" and then disagreed on 5% to 99% of images."""
    from cicada.config.loader import config_from_mapping
    from cicada.firmware import csim
    from cicada.firmware.convert import convert_student
    from cicada.models.student import student_scores

    model = small_model(first_quantizer, activation, inline, 8, 0.05, 0)
    result = convert_student(model, config_from_mapping({"name": "t"}).hls, tmp_path / "prj")
    x = images(400, 0)
    expected = student_scores(model, x)
    firmware = csim.run_testbench(tmp_path / "prj", x, expected)
    comparison = csim.compare_bits(expected, firmware, FixedType.parse(result.layer_precisions[-1]["result"]).lsb)
    assert comparison.bit_exact or not result.proof.proven
    assert not math.isnan(float(np.mean(firmware)))
