"""Teacher architectures: the CICADA 2026 teachers' models, losses and scores, their config, training
through cicada's loop (nadam, plateaus, resume), loading, outliers and distillation with region bits;
the CICADA teacher unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from cicada.config.loader import config_from_mapping
from cicada.config.sections import StudentConfig, TeacherConfig
from cicada.core.errors import ConfigError, ModelError
from cicada.core.tf import save_h5, seed_everything, tensorflow
from cicada.data.region_bits import channels, has_bits, with_bits
from cicada.models import training
from cicada.models.model_file import KERAS_LAYERS, check_model_file
from cicada.models.student import distillation_set, train_student
from cicada.models.teacher import TrainedTeacher, load_teacher, train_teacher
from cicada.models.teachers import teacher_for
from cicada.models.teachers.cicada_2026_vae import LATENT_MEAN, LATENT_SIGMA, encoder, kl_divergence
from cicada.models.teachers.reconstruction import bit_bce, bit_bce_dice, et_mse, per_image, soft_dice
from cicada.pipeline.engine import plain

from .conftest import TINY, run_cli_in, write_config


def _images(n: int, seed: int = 0) -> np.ndarray:
    """Images with bits: Poisson ET, bits set in most non-empty regions (as in zero-bias), none in empty ones."""
    rng = np.random.default_rng(seed)
    et = rng.poisson(3, size=(n, 18, 14)).astype(np.uint16)
    egbit = (rng.random(et.shape) < 0.85) & (et > 0)
    taubit = (rng.random(et.shape) < 0.65) & (et > 0)
    return with_bits(et, egbit.astype(np.uint8), taubit.astype(np.uint8))


def _teacher(architecture: str, **options):
    config = TeacherConfig(architecture=architecture, **options)
    teacher = teacher_for(config)
    seed_everything(3)
    return teacher, teacher.build()


def _bce(t, p):
    p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p), axis=(1, 2, 3))


def _dice(t, p):
    overlap, total = np.sum(t * p, axis=(1, 2, 3)), np.sum(t, axis=(1, 2, 3)) + np.sum(p, axis=(1, 2, 3))
    return 1 - (2 * overlap + 1e-6) / (total + 1e-6)


def _field(images, name):
    return images[name].astype(np.float64)[..., None]


# ------------------------------------------------------------------------------ models
def test_the_2026_teachers_read_three_channels_and_have_their_parameter_counts():
    multi = teacher_for(TeacherConfig(architecture="cicada_2026_multi")).build()
    assert multi.input_shape == (None, 18, 14, 3)
    assert multi.output_names == ["teacher_et", "teacher_tau", "teacher_egamma"]
    assert all(tuple(shape) == (None, 18, 14, 1) for shape in multi.output_shape)
    assert multi.count_params() == 332_583  # the CICADA body (Conv2DTranspose decoder) and three 3x3 heads

    vae = teacher_for(TeacherConfig(architecture="cicada_2026_vae")).build()
    assert vae.input_shape == (None, 18, 14, 3)
    assert vae.output_names == ["teacher_et", "teacher_tau", "teacher_egamma", "latent_distribution"]
    assert tuple(vae.output_shape[3]) == (None, 64)  # mean and sigma of a latent space of 32
    # norm 504, conv 1792 + 18464, mean and sigma 2 x 64544, decoder 66528 + 8256, heads 1731
    assert vae.count_params() == 226_363
    assert vae.get_layer("encoder_norm").axis == [1, 2]
    assert teacher_for(TeacherConfig(architecture="cicada_2026_vae", latent_size=8)).build().output_shape[3][1] == 16


def test_no_teacher_holds_a_code_carrying_or_custom_layer():
    for architecture in ("cicada", "cicada_revised", "cicada_2026_multi", "cicada_2026_vae"):
        model = teacher_for(TeacherConfig(architecture=architecture)).build()
        assert {type(layer).__name__ for layer in model.layers} <= KERAS_LAYERS, architecture


def test_the_vae_encoder_is_plain_firmware_friendly_layers_up_to_the_latent_mean():
    teacher, model = _teacher("cicada_2026_vae", latent_size=4)
    cut = encoder(model)
    kinds = [type(layer).__name__ for layer in cut.layers]
    assert kinds == [
        "InputLayer", "LayerNormalization", "Conv2D", "LeakyReLU", "MaxPooling2D", "Conv2D", "LeakyReLU", "Flatten",
        "Dense",
    ]  # fmt: skip
    assert all(layer.name.startswith("encoder_") for layer in cut.layers[1:]) and cut.layers[-1].name == LATENT_MEAN
    x = teacher.inputs(_images(8))
    tf = tensorflow()
    mean = tf.keras.Model(model.input, model.get_layer(LATENT_MEAN).output).predict(x, verbose=0)
    assert cut.output_shape == (None, 4) and np.array_equal(cut.predict(x, verbose=0), mean)


# ------------------------------------------------------------------------------ losses
def test_loss_terms_on_hand_made_images():
    rng = np.random.default_rng(1)
    et = rng.poisson(5, size=(3, 18, 14, 1)).astype(np.float32)
    bits = (rng.random((3, 18, 14, 1)) < 0.7).astype(np.float32)
    assert np.array_equal(per_image(et_mse, et, et), np.zeros(3))
    assert per_image(et_mse, et, et + 2) == pytest.approx([4.0] * 3)
    # a perfect reconstruction of the bits costs the clipping only: -ln(1 - 1e-7)
    assert np.all(per_image(bit_bce, bits, bits) < 2e-7)
    assert per_image(bit_bce, bits, np.full_like(bits, 0.5)) == pytest.approx([np.log(2)] * 3, rel=1e-6)
    assert np.all(per_image(bit_bce, bits, 1 - bits) > 15)  # every bit confidently wrong: -ln(1e-7) = 16.1
    assert np.array_equal(per_image(soft_dice, bits, bits), np.zeros(3))
    assert np.all(per_image(soft_dice, bits, 1 - bits) > 1 - 1e-6)  # no overlap
    ones = np.ones((1, 18, 14, 1), np.float32)
    assert per_image(soft_dice, ones, ones * 0.5) == pytest.approx([1 / 3], rel=1e-5)  # 1 - 252 / (252 + 126)
    assert per_image(soft_dice, 0 * ones, 0 * ones) == pytest.approx([0.0])  # nothing set, nothing predicted
    assert per_image(bit_bce_dice, ones, ones * 0.5) == pytest.approx([np.log(2) + 1 / 3], rel=1e-5)
    # KL of N(mean, sigma^2) from N(0, 1), 4 latent dimensions: [mean | sigma]
    zero = np.concatenate([np.zeros((1, 4)), np.ones((1, 4))], axis=1).astype(np.float32)
    assert per_image(kl_divergence, None, zero) == pytest.approx([0.0], abs=1e-7)
    shifted = np.concatenate([np.ones((1, 4)), np.ones((1, 4))], axis=1).astype(np.float32)
    assert per_image(kl_divergence, None, shifted) == pytest.approx([2.0])  # 0.5 x 4 x mean^2
    wide = np.concatenate([np.zeros((1, 4)), np.full((1, 4), np.e)], axis=1).astype(np.float32)
    assert per_image(kl_divergence, None, wide) == pytest.approx([2 * (np.e**2 - 3)], rel=1e-6)
    collapsed = np.concatenate([np.zeros((1, 4)), np.zeros((1, 4))], axis=1).astype(np.float32)
    assert np.isfinite(per_image(kl_divergence, None, collapsed)).all()  # sigma floored before its logarithm


@pytest.mark.parametrize("dice", [False, True])
def test_the_multi_output_score_is_half_the_et_mse_plus_the_bit_losses(dice):
    teacher, model = _teacher("cicada_2026_multi", dice=dice, tau_loss_weight=3.0)
    images = _images(16)
    et, tau, eg = model.predict(channels(images), verbose=0)
    expected = (
        0.5 * np.mean((_field(images, "et") - et) ** 2, axis=(1, 2, 3))
        + _bce(_field(images, "taubit"), tau)
        + _bce(_field(images, "egbit"), eg)  # the training weights do not enter the score
    )
    if dice:
        expected += _dice(_field(images, "taubit"), tau) + _dice(_field(images, "egbit"), eg)
    score = teacher.score(model, images)
    assert score.dtype == np.float64 and score == pytest.approx(expected, rel=2e-6)


def test_the_vae_score_is_its_training_loss_through_the_latent_mean():
    teacher, model = _teacher("cicada_2026_vae", latent_size=4, tau_loss_weight=2.0, egamma_loss_weight=0.5)
    images = _images(32)
    x = teacher.inputs(images)
    score = teacher.score(model, images)
    et, tau, eg, distribution = model.predict(x, verbose=0)
    tf = tensorflow()
    stats = tf.keras.Model(model.input, [model.get_layer(n).output for n in (LATENT_MEAN, LATENT_SIGMA)])
    mean, sigma = (np.asarray(v, np.float64) for v in stats.predict(x, verbose=0))
    assert np.array_equal(distribution, np.concatenate([mean, sigma], axis=1).astype(np.float32))
    kl = 0.5 * np.sum(mean**2 + sigma**2 - np.log(sigma**2) - 1, axis=1)
    expected = (
        np.mean((_field(images, "et") - et) ** 2, axis=(1, 2, 3))
        + 2.0 * _bce(_field(images, "taubit"), tau)
        + 0.5 * _bce(_field(images, "egbit"), eg)
        + kl
    )
    assert score == pytest.approx(expected, rel=2e-6)
    # the same number as Keras' loss in inference mode (z = mean): the score is the loss it names
    loss = teacher.loss()
    model.compile(loss=loss.keras, loss_weights=loss.weights)
    assert model.evaluate(x, teacher.targets(x), batch_size=len(x), verbose=0)[0] == pytest.approx(
        score.mean(), rel=1e-5
    )


def test_the_vae_score_is_deterministic_and_training_samples_the_latent_space():
    teacher, model = _teacher("cicada_2026_vae", latent_size=4)
    images = _images(64)
    first, second = teacher.score(model, images), teacher.score(model, images)
    assert np.array_equal(first, second)
    assert np.array_equal(teacher.score(model, images[:16]), first[:16])  # one image's score needs no other
    tf = tensorflow()
    x = teacher.inputs(images)
    latent = tf.keras.Model(model.input, [model.get_layer(LATENT_MEAN).output, model.get_layer("sampling_z").output])
    mean, z = (np.asarray(v) for v in latent(x, training=False))
    assert np.array_equal(mean, z)  # scoring: z is the latent mean
    mean, z = (np.asarray(v) for v in latent(x, training=True))
    assert np.all(np.abs(z - mean) > 0)  # training: z = mean + sigma x epsilon
    sampled = [np.asarray(v, np.float64) for v in model(x, training=True)]
    sampled_et = np.mean((_field(images, "et") - sampled[0]) ** 2, axis=(1, 2, 3))
    assert not np.allclose(sampled_et, np.mean((_field(images, "et") - model.predict(x, verbose=0)[0]) ** 2, (1, 2, 3)))


# ---------------------------------------------------------------------------- loading
def test_a_2026_teacher_saves_and_loads_through_cicadas_loader(tmp_path):
    for architecture in ("cicada_2026_multi", "cicada_2026_vae"):
        config = TeacherConfig(architecture=architecture)
        teacher, model = _teacher(architecture)
        path = tmp_path / f"{architecture}.h5"
        save_h5(model, path)
        assert {c for _, c in check_model_file(path, firmware=False)} <= KERAS_LAYERS
        loaded = load_teacher(path, config)
        images = _images(20)
        assert loaded.architecture.name == architecture
        assert np.array_equal(loaded.score(images), teacher.score(model, images))


def test_loading_a_teacher_with_a_lambda_layer_is_refused(tmp_path):
    tf = tensorflow()
    inputs = tf.keras.layers.Input((18, 14, 1))
    model = tf.keras.Model(inputs, tf.keras.layers.Lambda(lambda x: 2 * x, name="doubler")(inputs))
    save_h5(model, tmp_path / "teacher.h5")
    with pytest.raises(ModelError, match="doubler.*Lambda"):
        load_teacher(tmp_path / "teacher.h5", TeacherConfig())


# ----------------------------------------------------------------------------- config
def test_a_teacher_that_reads_bits_needs_them_in_the_data():
    with pytest.raises(ConfigError, match=r"data\.region_bits.*cicada_2026_vae.*bits"):
        config_from_mapping({"name": "x", "teacher": {"architecture": "cicada_2026_vae"}})
    config = config_from_mapping(
        {"name": "x", "data": {"region_bits": True}, "teacher": {"architecture": "cicada_2026_multi", "dice": True}}
    )
    assert config.teacher.dice and teacher_for(config.teacher).needs_bits


@pytest.mark.parametrize(
    "teacher, message",
    [
        ({"latent_size": 16}, r"teacher\.latent_size.*architecture 'cicada'.*cicada_2026_vae"),
        ({"architecture": "cicada_2026_vae", "dice": True}, r"teacher\.dice.*cicada_2026_multi"),
        ({"tau_loss_weight": 2.0}, r"teacher\.tau_loss_weight"),
        ({"optimizer": "sgd"}, r"teacher\.optimizer.*'adam', 'nadam'"),
        ({"lr_factor": 1.0}, r"teacher\.lr_factor"),
    ],
)
def test_teacher_keys_an_architecture_does_not_read_are_errors(teacher, message):
    with pytest.raises(ConfigError, match=message):
        config_from_mapping({"name": "x", "data": {"region_bits": True}, "teacher": teacher})


def test_an_et_only_teacher_section_hashes_as_before_the_2026_keys():
    assert plain(TeacherConfig(epochs=2)) == {
        "architecture": "cicada", "epochs": 2, "batch_size": 512, "learning_rate": 0.001, "patience": 5,
    }  # fmt: skip
    assert plain(TeacherConfig(optimizer="nadam", lr_patience=10))["lr_patience"] == 10
    vae = plain(TeacherConfig(architecture="cicada_2026_vae", latent_size=16))
    assert vae["latent_size"] == 16 and "dice" not in vae
    assert "optimizer" in TeacherConfig().plain()  # `cicada check` shows every key


# ---------------------------------------------------------------------------- training
class Interrupt(Exception):
    pass


@pytest.mark.slow  # five epochs, each traced anew: about 30 s here
def test_a_killed_vae_training_with_nadam_resumes_to_the_same_weights(tmp_path, monkeypatch):
    images = _images(96, seed=4)
    config = TeacherConfig(
        architecture="cicada_2026_vae", latent_size=4, epochs=2, batch_size=32, patience=5, optimizer="nadam"
    )
    args = (config, images[:64], images[64:])
    reference, _ = train_teacher(*args, tmp_path / "straight", seed=5, resume_key="k")

    def kill(label, epoch):
        if epoch == 1:
            raise Interrupt

    monkeypatch.setattr(training, "after_epoch_hook", kill)
    with pytest.raises(Interrupt):
        train_teacher(*args, tmp_path / "killed", seed=5, resume_key="k")
    monkeypatch.setattr(training, "after_epoch_hook", None)
    resumed, result = train_teacher(*args, tmp_path / "killed", seed=5, resume_key="k")
    assert result.resumed_from_epoch == 1 and result.epochs_run == 2
    assert all(np.array_equal(a, b) for a, b in zip(reference.get_weights(), resumed.get_weights()))
    history = (tmp_path / "straight" / "teacher_history.csv").read_text()
    assert (tmp_path / "killed" / "teacher_history.csv").read_text() == history


# ------------------------------------------------------------------ outliers, distillation
def test_an_et_only_student_distils_a_2026_teachers_score(tmp_path):
    teacher, model = _teacher("cicada_2026_vae", latent_size=4)
    trained = TrainedTeacher(teacher, model)
    config = StudentConfig(epochs=1, batch_size=64, outlier_exposure={"fraction": 0.25, "kinds": ["hot_spots"]})
    images = _images(96, seed=7)
    mixed, scores = distillation_set(config, images, trained, seed=1, part="train")
    assert has_bits(mixed) and len(mixed) == 120 and np.array_equal(mixed[:96], images)
    assert np.array_equal(scores, trained.score(mixed))
    student, _ = train_student(config, mixed, scores, mixed[:32], scores[:32], tmp_path, seed=1)
    assert student.input_shape == (None, 252)


# ------------------------------------------------------------------------ a whole build
@pytest.mark.slow
def test_a_build_with_bits_a_2026_teacher_and_the_cicada_v2_student(tmp_path, capsys):
    config = {
        **TINY,
        "name": "vae",
        "data": {**TINY["data"], "zero_bias_events": 2000, "region_bits": True},
        "teacher": {
            "architecture": "cicada_2026_vae", "latent_size": 8, "epochs": 2, "batch_size": 128, "patience": 30,
            "optimizer": "nadam", "lr_patience": 10, "lr_factor": 0.1,
        },
        "student": {**TINY["student"], "outlier_exposure": {"fraction": 0.2, "kinds": ["uniform", "hot_spots"]}},
    }  # fmt: skip
    path = write_config(tmp_path, config)
    assert run_cli_in(tmp_path, "build", str(path)) == 0
    assert (tmp_path / "hls_projects/vae/report.json").exists()
    from cicada.data.hdf5 import read_scores, write_regions

    scores = read_scores(tmp_path / "models/vae/scores.h5")
    assert all(np.all(np.isfinite(s["teacher_mse"])) and np.all(s["teacher_mse"] > 0) for s in scores.values())
    # the signals stand out in the teacher's score
    assert np.median(scores["dijet"]["teacher_mse"]) > np.median(scores["zero_bias_test"]["teacher_mse"])
    # `cicada score` wants the bits this teacher reads
    plain_file = write_regions(tmp_path / "plain.h5", np.zeros((5, 18, 14), np.uint16))
    capsys.readouterr()
    assert run_cli_in(tmp_path, "score", str(path), str(plain_file)) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "cicada_2026_vae" in errors[0] and "egbit" in errors[0], errors
    with_bits_file = write_regions(tmp_path / "bits.h5", _images(50))
    assert run_cli_in(tmp_path, "score", str(path), str(with_bits_file)) == 0
    assert read_scores(tmp_path / "bits.scores.h5")["bits"]["teacher_mse"].shape == (50,)
