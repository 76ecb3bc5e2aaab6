"""cicada's ``QDenseBatchnorm``: it trains as batch normalisation with folded, quantized weights, its
inference is exactly its folded QDense (what every firmware path builds), and it saves, loads and imports
as the layer QKeras' later sources define."""

from __future__ import annotations

import numpy as np
import pytest

from cicada.config.loader import config_from_mapping
from cicada.core.errors import ConfigError, ModelError
from cicada.core.tf import seed_everything, tensorflow
from cicada.firmware.folding import firmware_model
from cicada.layers.qdensebatchnorm.keras import keras_class
from cicada.models.model_file import check_model_file
from cicada.models.student import build, float_twin, import_student, load_student, save_student, student_scores

KERNEL = "quantized_bits(10,1,1,alpha=1)"  # steps of 2^-8: the folded kernel stays small
BIAS = "quantized_bits(8,3,1,alpha=1)"


def _inputs(n: int = 1024, seed: int = 0) -> np.ndarray:
    """Whole numbers, mostly small, a tenth of the events larger (as the activations after a convolution)."""
    rng = np.random.default_rng(seed)
    values = rng.poisson(1.5, size=(n, 252))
    values[: n // 10] = rng.integers(0, 64, size=(n // 10, 252))
    return values.astype(np.float32)


def _model(seed: int = 5, units: int = 8, **options):
    """Input (252) -> QDenseBatchnorm -> quantized ReLU -> QDense(1) -> the score. Its moving statistics
    follow the batches' fast (momentum 0.5) and its last layer is positive, so that a few epochs give
    scores spread over the output range."""
    from qkeras import QActivation, QDense

    tf = tensorflow()
    seed_everything(seed)
    inputs = tf.keras.layers.Input((252,), name="inputs_")
    options = {"kernel_quantizer": KERNEL, "bias_quantizer": BIAS, "momentum": 0.5, **options}
    x = keras_class()(units, name="dense1", **options)(inputs)
    x = QActivation("quantized_relu(10,6)", name="relu1")(x)
    x = QDense(1, kernel_quantizer="quantized_bits(12,3,1,alpha=1)", use_bias=False, name="dense2")(x)
    model = tf.keras.Model(inputs, QActivation("quantized_relu(16,8)", name="outputs")(x))
    dense2 = model.get_layer("dense2")
    dense2.set_weights([np.abs(dense2.get_weights()[0]) + 0.5])
    return model


def _trained(seed: int = 5, epochs: int = 3, **options):
    tf = tensorflow()
    model = _model(seed, **options)
    x = _inputs()
    y = np.random.default_rng(seed).uniform(0, 60, len(x)).astype(np.float32)
    model.compile(optimizer=tf.keras.optimizers.Nadam(1e-3), loss="mae")
    model.fit(x, y, epochs=epochs, batch_size=128, verbose=0, shuffle=False)
    return model


def test_it_trains_its_batch_norm_and_counts_its_steps():
    model = _trained()
    dense1 = model.get_layer("dense1")
    assert int(dense1._iteration.numpy()) == 3 * 8 - 1  # 8 batches per epoch, from -1
    assert not np.allclose(dense1.batchnorm.moving_mean.numpy(), 0.0)  # the EMA moved off its start
    assert not np.allclose(dense1.batchnorm.moving_variance.numpy(), 1.0)
    assert not np.allclose(dense1.batchnorm.gamma.numpy(), 1.0)  # gamma and beta learn
    names = [w.name.split("/")[-1] for w in dense1.weights]
    assert names == ["kernel:0", "bias:0", "gamma:0", "beta:0", "iteration:0", "moving_mean:0", "moving_variance:0"]


def test_the_statistics_freeze_after_the_ema_freeze_delay():
    more = _inputs(256, 3), np.zeros(256, np.float32)
    for delay, frozen in ((4, True), (None, False)):
        model = _trained(ema_freeze_delay=delay, epochs=1)
        mean = model.get_layer("dense1").batchnorm.moving_mean.numpy().copy()
        model.fit(*more, epochs=1, batch_size=64, verbose=0)
        assert np.array_equal(model.get_layer("dense1").batchnorm.moving_mean.numpy(), mean) == frozen, delay


@pytest.mark.parametrize("mode", ["ema_stats_folding", "batch_stats_folding"])
def test_without_quantizers_it_is_a_dense_layer_followed_by_batch_normalisation(mode):
    """Training with the batch's statistics, inference with the moving ones: what folding must preserve."""
    tf = tensorflow()
    layer = keras_class()(6, folding_mode=mode, name="bn_dense")
    x = tf.constant(_inputs(200, 1))
    layer(x[:2])  # built
    rng = np.random.default_rng(4)
    kernel, bias, gamma, beta = (rng.normal(0, 1, w.shape) for w in layer.trainable_weights)
    moving_mean, moving_variance = rng.normal(0, 2, 6), rng.uniform(0.5, 3.0, 6)
    layer.set_weights([kernel, bias, gamma, beta, np.int64(0), moving_mean, moving_variance])
    y = x.numpy().astype(np.float64) @ kernel + bias
    mean, variance = y.mean(axis=0), y.var(axis=0)
    epsilon = layer.batchnorm.epsilon
    training = gamma * (y - mean) / np.sqrt(variance + epsilon) + beta
    inference = gamma * (y - moving_mean) / np.sqrt(moving_variance + epsilon) + beta
    np.testing.assert_allclose(layer(x, training=False).numpy(), inference, rtol=2e-4, atol=2e-3)
    np.testing.assert_allclose(layer(x, training=True).numpy(), training, rtol=2e-4, atol=2e-3)
    # the training call moved the moving statistics by (1 - momentum) towards the batch's
    momentum = layer.batchnorm.momentum
    np.testing.assert_allclose(
        layer.batchnorm.moving_mean.numpy(), momentum * moving_mean + (1 - momentum) * mean, rtol=1e-4, atol=1e-3
    )


def test_inference_is_the_folded_weights_through_the_quantizers():
    """The folded weights are what the layer computes with in inference: x Q_k(inv W) + Q_b(inv (b - mean) + beta)."""
    tf = tensorflow()
    model = _trained()
    dense1 = model.get_layer("dense1")
    kernel, bias = (np.asarray(w) for w in dense1.get_folded_weights())
    gamma, beta, mean, variance = (
        dense1.batchnorm.gamma.numpy(), dense1.batchnorm.beta.numpy(),
        dense1.batchnorm.moving_mean.numpy(), dense1.batchnorm.moving_variance.numpy(),
    )  # fmt: skip
    inverse = gamma / np.sqrt(variance + 0.001)
    np.testing.assert_allclose(kernel, inverse * dense1.kernel.numpy(), rtol=1e-6)
    np.testing.assert_allclose(bias, inverse * (dense1.bias.numpy() - mean) + beta, rtol=1e-5, atol=1e-6)
    x = _inputs(512, 2)
    quantized_kernel = np.asarray(dense1.kernel_quantizer_internal(tf.constant(kernel)), dtype=np.float64)
    quantized_bias = np.asarray(dense1.bias_quantizer_internal(tf.constant(bias)), dtype=np.float64)
    assert np.all(quantized_kernel * 256 == np.round(quantized_kernel * 256))  # on the kernel quantizer's grid
    expected = x.astype(np.float64) @ quantized_kernel + quantized_bias  # exact: small integers times dyadic weights
    probe = tf.keras.Model(model.inputs, dense1.output)
    np.testing.assert_array_equal(probe.predict(x, verbose=0).astype(np.float64), expected)


@pytest.mark.parametrize("options", [{}, {"folding_mode": "batch_stats_folding", "use_bias": False}])
def test_the_firmware_model_computes_exactly_what_the_trained_model_computes(options):
    model = _trained(**options)
    folded = firmware_model(model)
    assert [type(layer).__name__ for layer in folded.layers] == [
        "InputLayer",
        "QDense",
        "QActivation",
        "QDense",
        "QActivation",
    ]
    assert [layer.name for layer in folded.layers] == [layer.name for layer in model.layers]
    x = _inputs(4000, 7)
    expected = student_scores(model, x)
    assert len(np.unique(expected)) > 100  # a comparison that can fail
    np.testing.assert_array_equal(student_scores(folded, x), expected)
    dense1 = folded.get_layer("dense1")
    assert dense1.use_bias and str(dense1.kernel_quantizer_internal) == str(
        model.get_layer("dense1").kernel_quantizer_internal
    )


def test_a_model_without_batch_norm_is_its_own_firmware_model():
    from cicada.models.students import build_student

    model = build_student("cicada_v2")
    assert firmware_model(model) is model


def test_it_saves_loads_and_imports_as_a_qkeras_layer(tmp_path):
    model = _trained()
    path = tmp_path / "student.h5"
    save_student(model, path)
    assert ("dense1", "QDenseBatchnorm") in check_model_file(path)  # a layer the firmware flow takes
    x = _inputs(500, 9)
    loaded = load_student(path)
    np.testing.assert_array_equal(student_scores(loaded, x), student_scores(model, x))
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))
    config = model.get_layer("dense1").get_config()
    # QKeras' config: the QDense keys, the batch-norm's keys, the folding keys, under the layer's own name
    assert {"units", "kernel_quantizer", "bias_quantizer", "momentum", "epsilon", "moving_mean_initializer"} <= set(
        config
    )
    assert (config["name"], config["folding_mode"], config["ema_freeze_delay"]) == ("dense1", "ema_stats_folding", None)
    imported = import_student(path, "packed")
    np.testing.assert_array_equal(student_scores(imported, x), student_scores(model, x))


def test_a_batch_norm_dense_layer_without_a_bias_quantizer_is_refused_on_import(tmp_path):
    model = _model(bias_quantizer=None, use_bias=False)
    path = tmp_path / "float_bias.h5"
    save_student(model, path)
    with pytest.raises(ModelError, match=r"layer 'dense1' \(QDenseBatchnorm\) has a float bias"):
        check_model_file(path)


def test_the_float_student_holds_the_folded_float_weights():
    model = _trained()
    twin = float_twin(model)
    assert type(twin.get_layer("dense1")).__name__ == "Dense"
    for got, expected in zip(twin.get_layer("dense1").get_weights(), model.get_layer("dense1").get_folded_weights()):
        np.testing.assert_array_equal(got, np.asarray(expected))


def test_a_custom_student_lists_it_and_its_spec_is_checked():
    layers = [
        {"type": "QDenseBatchnorm", "name": "bn", "units": 4, "kernel_quantizer": KERNEL, "bias_quantizer": BIAS,
         "momentum": 0.9, "folding_mode": "batch_stats_folding", "ema_freeze_delay": 100},
        {"type": "QActivation", "activation": "quantized_relu(10,6)"},
        {"type": "QDense", "units": 1, "use_bias": False, "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)"},
        {"type": "QActivation", "activation": "quantized_relu(16,8)"},
    ]  # fmt: skip
    config = config_from_mapping({"name": "x", "student": {"architecture": "custom", "layers": layers}})
    assert config.student.weight_layers() == {"bn": "dense", "layer2": "dense"}
    layer = build(config.student).get_layer("bn")
    assert type(layer).__name__ == "QDenseBatchnorm"
    assert (layer.batchnorm.momentum, layer.folding_mode, layer.ema_freeze_delay) == (0.9, "batch_stats_folding", 100)
    for change, key in [({"bias_quantizer": None}, "bias_quantizer"), ({"folding_mode": "tflite"}, "folding_mode")]:
        broken = [{**layers[0], **change}, *layers[1:]]
        with pytest.raises(ConfigError, match=f"student.layers.0.*{key}"):
            config_from_mapping({"name": "x", "student": {"architecture": "custom", "layers": broken}})


def test_an_identity_start_folds_into_the_plain_dense_layer():
    """``start_as_identity``: the batch-norm is the identity on the images it saw, so the folded kernel and bias
    are the dense layer's own, whatever the scale of its outputs (Keras' start divides the kernel by their
    standard deviation once the moving variance has followed them)."""
    model = _model(units=8)
    dense1 = model.get_layer("dense1")
    dense1.bias.assign(np.linspace(-1.0, 1.0, 8, dtype=np.float32))
    kernel, bias = dense1.kernel.numpy(), dense1.bias.numpy()
    x = _inputs(512, 2)
    dense1.start_as_identity(x)
    folded_kernel, folded_bias = (np.asarray(w) for w in dense1.get_folded_weights())
    np.testing.assert_allclose(folded_kernel, kernel, rtol=1e-5)
    np.testing.assert_allclose(folded_bias, bias, atol=1e-4)
    y = x @ kernel + bias
    np.testing.assert_allclose(dense1.batchnorm.moving_variance.numpy(), y.var(axis=0), rtol=1e-4)
    # the batch-norm's own output on those images is its input
    normalised = dense1.batchnorm(tensorflow().constant(y), training=False).numpy()
    np.testing.assert_allclose(normalised, y, rtol=1e-3, atol=1e-3)


def test_the_student_batchnorm_keys_reach_the_2026_student():
    from cicada.config.student_section import StudentConfig
    from cicada.models.student import start_batchnorms_as_identity

    assert "batchnorm" not in StudentConfig().fingerprint_data()  # left at its default: builds hash as before
    config = StudentConfig(architecture="cicada_2026", batchnorm={"start": "identity", "ema_freeze_delay": 300})
    model = build(config)
    dense1 = model.get_layer("dense1")
    assert (
        dense1.ema_freeze_delay == 300
        and build(StudentConfig(architecture="cicada_2026")).get_layer("dense1").ema_freeze_delay is None
    )
    images = np.random.default_rng(1).poisson(20, size=(256, 252)).astype(np.float32)
    start_batchnorms_as_identity(model, images)
    np.testing.assert_allclose(np.asarray(dense1.get_folded_weights()[0]), dense1.kernel.numpy(), rtol=1e-5)
    with pytest.raises(ConfigError, match="student.batchnorm.start"):
        config_from_mapping({"name": "x", "student": {"batchnorm": {"start": "zero"}}})
