"""The float path: a float Keras model's fixed-point types derived and labelled, the firmware's C
simulation equal to its emulator bit for bit, its agreement with the float model measured."""

from __future__ import annotations

import numpy as np
import pytest

from cicada.config.sections import HlsConfig
from cicada.core.errors import ConversionError
from cicada.core.tf import tensorflow

INPUT_RANGE = (0.0, 255 / 256)


def float_model(latent: int = 2):
    """Layer normalisation over the image axes, convolution, leaky ReLU, max pooling, dense."""
    tf = tensorflow()
    layers = tf.keras.layers
    tf.keras.utils.set_random_seed(1)
    inputs = layers.Input((6, 4, 3), name="x")
    x = layers.LayerNormalization(axis=(1, 2), name="norm")(inputs)
    x = layers.Conv2D(4, 3, padding="same", name="conv", bias_initializer="glorot_uniform")(x)
    x = layers.LeakyReLU(alpha=0.2, name="leaky")(x)
    x = layers.MaxPooling2D(2, name="pool")(x)
    x = layers.Flatten(name="flat")(x)
    x = layers.Dense(latent, name="dense")(x)
    return tf.keras.Model(inputs, x)


def samples(events: int = 3000) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "zero_bias": np.floor(rng.random((events, 6, 4, 3)) ** 3 * 256) / 256,
        "signal": np.floor(rng.random((events, 6, 4, 3)) * 256) / 256,
    }


def hls_config(**changes) -> HlsConfig:
    settings = {"input_precision": "ap_ufixed<8,0>", "float_types": {"calibration_events": 2000, "tolerance": 2**-6}}
    return HlsConfig(**{**settings, **changes})


def test_layout_for_hls4ml_computes_the_same_function():
    from cicada.firmware.float_model import hls4ml_layout, is_float_model

    model = float_model()
    rewritten = hls4ml_layout(model)
    assert is_float_model(model)
    assert [layer.name for layer in rewritten.layers][1:6] == [
        "norm_to_rows",
        "norm_rows",
        "norm",
        "norm_image",
        "norm_to_image",
    ]
    x = samples(50)["signal"]
    np.testing.assert_allclose(rewritten.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


def test_float_surrogate_equals_keras_and_leaky_bounds_hold():
    from cicada.core.intervals import Bounds
    from cicada.firmware.convert import build_hls4ml_config, convert_model
    from cicada.firmware.float_model import hls4ml_layout
    from cicada.firmware.float_surrogate import evaluate, graph_nodes
    from cicada.firmware.float_types import leaky_bounds

    model = hls4ml_layout(float_model())
    hls = hls_config()
    graph = convert_model(model, build_hls4ml_config(model, hls, {}), hls, "/tmp/unused-cicada-float")
    nodes = graph_nodes(graph, model)
    x = samples(200)["signal"]
    np.testing.assert_allclose(evaluate(nodes, x), model.predict(x, verbose=0), rtol=1e-4, atol=1e-4)
    leaky = next(node for node in nodes if node.name == "leaky")
    bounds = leaky_bounds(leaky, Bounds(np.array([-4.0, 1.0]), np.array([-1.0, 3.0]), 0), 0.25, 2)
    assert bounds.low.tolist() == [-1.0, 1.0] and bounds.high.tolist() == [-0.25, 3.0]


def test_a_float_model_refuses_an_unsupported_layer():
    from cicada.firmware.float_model import check_float_layers

    tf = tensorflow()
    inputs = tf.keras.layers.Input((4,), name="x")
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(2, activation="tanh", name="d")(inputs))
    with pytest.raises(ConversionError, match="layer 'd' \\(Dense\\) has activation 'tanh'"):
        check_float_layers(model, "model.h5")


def test_agreement_figures():
    from cicada.evaluation.agreement import agreement

    rng = np.random.default_rng(3)
    reference = {"zero_bias": rng.normal(size=(60_000, 2)), "signal": rng.normal(2, 1, size=(2000, 2))}
    firmware = {name: np.round(values * 64) / 64 for name, values in reference.items()}
    found = agreement(firmware, reference, "zero_bias", tolerance=2**-6)
    assert found.share_within == 1.0
    assert max(o.max_abs for o in found.outputs) <= 2**-7 + 1e-12
    assert found.score_spearman > 0.999
    assert abs(found.signals[0].delta) < 1e-3
    assert [r.target_khz for r in found.rates] == [1.0, 5.0, 10.0]
    assert "rate firmware" in found.markdown()


@pytest.mark.slow
def test_float_model_converts_with_derived_types_and_csim_equals_emulator(tmp_path):
    from cicada.evaluation.agreement import agreement
    from cicada.firmware.float_convert import convert_float_model, output_lsb
    from cicada.firmware.float_model import hls4ml_layout
    from cicada.firmware.float_verify import check_csim

    model, data, hls = float_model(), samples(), hls_config()
    result = convert_float_model(model, hls, tmp_path / "project", data, "zero_bias", *INPUT_RANGE)
    assert result.share_within >= 0.999
    labels = {(d.layer, d.role): d.label for d in result.derivation.derived}
    assert labels[("conv", "result")] == "proven" and labels[("dense", "accum")] == "proven"
    assert labels[("norm", "result")].startswith("calibrated on 2000 events, margin 0.25")
    assert not any("bit-exact" in label for label in labels.values())
    test = {name: values[-500:] for name, values in data.items()}  # events the calibration never saw
    comparison, firmware = check_csim(tmp_path / "project", np.concatenate(list(test.values())), output_lsb(result))
    assert comparison.bit_exact and comparison.events == 1000
    reference = hls4ml_layout(model)
    found = agreement(
        {"zero_bias": firmware[:500], "signal": firmware[500:]},
        {name: reference.predict(values, verbose=0) for name, values in test.items()},
        "zero_bias",
        tolerance=hls.float_types.tolerance,
    )
    assert found.share_within >= 0.99  # unseen events: the target was met on the calibration events
    assert found.score_spearman > 0.999 and abs(found.signals[0].delta) < 0.01


@pytest.mark.slow
def test_a_hand_set_type_too_narrow_is_reported_before_the_build(tmp_path):
    from cicada.firmware.float_convert import convert_float_model

    hls = hls_config(layers={"conv": {"result_precision": "ap_fixed<8,3>"}})
    with pytest.raises(ConversionError) as error:
        convert_float_model(float_model(), hls, tmp_path / "project", samples(), "zero_bias", *INPUT_RANGE)
    message = str(error.value)
    assert "key 'hls.layers.conv.result_precision'" in message and "overflows on" in message
    assert "% of zero-bias events" in message and "proven" in message
    assert not (tmp_path / "project").exists()


def float_student_file(path):
    """A float student on region ET: convolution, leaky ReLU, max pooling, dense (seeded weights)."""
    tf = tensorflow()
    layers = tf.keras.layers
    tf.keras.utils.set_random_seed(2)
    inputs = layers.Input((252,), name="inputs")
    x = layers.Reshape((18, 14, 1), name="image")(inputs)
    x = layers.Conv2D(
        2,
        3,
        strides=2,
        padding="valid",
        name="conv",
        kernel_initializer=tf.keras.initializers.RandomNormal(stddev=0.01),
    )(x)
    x = layers.LeakyReLU(alpha=0.25, name="leaky")(x)
    x = layers.MaxPooling2D(2, name="pool")(x)
    x = layers.Flatten(name="flat")(x)
    x = layers.Dense(4, activation="relu", name="hidden")(x)
    model = tf.keras.Model(inputs, layers.Dense(1, name="score")(x))
    model.save(path, save_format="h5")
    return path


def test_the_float_path_leaves_an_et_only_build_as_it_was():
    assert "float_types" not in HlsConfig().fingerprint_data()
    assert "float_types" in HlsConfig(float_types={"tolerance": 0.5}).fingerprint_data()


@pytest.mark.slow
def test_cicada_convert_builds_a_float_model_with_labelled_types(tmp_path):
    import json

    from .conftest import BYO, run_cli_in, write_config

    config = write_config(tmp_path, {**BYO, "name": "floaty", "verify": {"csim_events": 400}})
    model = float_student_file(tmp_path / "float.h5")
    assert run_cli_in(tmp_path, "convert", str(config), "--model", str(model)) == 0
    report = json.loads((tmp_path / "hls_projects/floaty/report.json").read_text())
    labels = {(t["layer"], t["role"]): t["label"] for t in report["float_types"]["types"]}
    assert labels[("conv", "result")] == "proven" and labels[("score", "accum")] == "proven"
    agreement = report["bit_accuracy"]["float_agreement"]
    assert report["bit_accuracy"]["emulator_vs_csim"]["bit_exact"]
    assert agreement["share_within"] >= 0.99 and agreement["score_spearman"] > 0.999
    markdown = (tmp_path / "hls_projects/floaty/report.md").read_text()
    assert "## Agreement with the float model" in markdown and "calibrated" in markdown or "proven" in markdown
    assert "bit-exact" not in markdown.split("## Agreement with the float model")[1].split("##")[0]


def mixed_model():
    """Float layer normalisation and dense around a QKeras convolution and activation."""
    from qkeras import QActivation, QConv2D

    tf = tensorflow()
    layers = tf.keras.layers
    tf.keras.utils.set_random_seed(5)
    inputs = layers.Input((6, 4, 3), name="x")
    x = layers.LayerNormalization(axis=(1, 2), name="norm")(inputs)
    x = QConv2D(
        3,
        3,
        kernel_quantizer="quantized_bits(6,1,1,alpha=1)",
        bias_quantizer="quantized_bits(6,1,1,alpha=1)",
        bias_initializer="glorot_uniform",
        name="qconv",
    )(x)
    x = QActivation("quantized_relu(8,4)", name="qrelu")(x)
    x = layers.Flatten(name="flat")(x)
    return tf.keras.Model(inputs, layers.Dense(2, name="dense")(x))


@pytest.mark.slow
def test_a_mixed_model_keeps_its_quantizers_types(tmp_path):
    from cicada.firmware.float_convert import convert_float_model, output_lsb
    from cicada.firmware.float_verify import check_csim

    data = samples()
    # approximations before a quantizer move values across its ties now and then: a looser target
    hls = hls_config(float_types={"calibration_events": 2000, "tolerance": 2**-6, "fraction": 0.99})
    result = convert_float_model(mixed_model(), hls, tmp_path / "mixed", data, "zero_bias", *INPUT_RANGE)
    assert result.share_within >= 0.99
    derived = {(d.layer, d.role): d for d in result.derivation.derived}
    assert derived[("qrelu", "result")].type == "ap_ufixed<8,4,AP_RND_CONV,AP_SAT>"
    assert derived[("qrelu", "result")].fraction_source == "QKeras quantizer"
    assert derived[("qconv", "weight")].fraction_source == "QKeras quantizer"
    assert derived[("qconv", "result")].fraction_source.startswith("exact")
    assert derived[("norm", "result")].label.startswith("calibrated")
    test = np.concatenate([values[-300:] for values in data.values()])
    comparison, _ = check_csim(tmp_path / "mixed", test.reshape(len(test), -1), output_lsb(result))
    assert comparison.bit_exact
