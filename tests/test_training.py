"""Training: resume after an interruption, custom students, sample weights, outliers, metrics."""

from __future__ import annotations

import numpy as np
import pytest

from cicada.cli import main
from cicada.config.loader import config_from_mapping
from cicada.config.sections import StudentConfig
from cicada.core.errors import ConfigError, ConversionError, ModelError
from cicada.core.tf import seed_everything, tensorflow
from cicada.data.outliers import hot_spots, make_outliers, patch_swaps, uniform_images
from cicada.data.region_bits import has_bits, region_et, with_bits
from cicada.evaluation.metrics import average_ranks, pearson, roc_auc, spearman
from cicada.models import training
from cicada.models.student import build, float_twin, inverse_histogram_weights, student_scores, train_student

from .conftest import TINY, write_config


def _data(n=512, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.poisson(4, size=(n, 18, 14))
    mse = np.exp(rng.uniform(1, 4, size=n)) * (1 + images.sum(axis=(1, 2)) / 1000)
    return images, mse


class Interrupt(Exception):
    pass


def _kill_after(epoch):
    def hook(label, finished):
        if finished == epoch:
            raise Interrupt(f"{label} killed after epoch {finished}")

    return hook


@pytest.mark.slow
def test_resumed_training_ends_with_the_same_weights(tmp_path, monkeypatch):
    images, mse = _data()
    config = StudentConfig(epochs=4, batch_size=128, patience=10)
    args = (config, images[:400], mse[:400], images[400:], mse[400:])
    reference, ref_result = train_student(*args, tmp_path / "straight", seed=5, resume_key="k")

    monkeypatch.setattr(training, "after_epoch_hook", _kill_after(2))
    with pytest.raises(Interrupt):
        train_student(*args, tmp_path / "killed", seed=5, resume_key="k")
    assert training.checkpoint_path(tmp_path / "killed", "student").exists()
    assert not (tmp_path / "killed" / "student.h5").exists()  # nothing half-written
    monkeypatch.setattr(training, "after_epoch_hook", None)
    resumed, result = train_student(*args, tmp_path / "killed", seed=5, resume_key="k")

    assert result.resumed_from_epoch == 2 and result.epochs_run == 4
    assert all(np.array_equal(a, b) for a, b in zip(reference.get_weights(), resumed.get_weights()))
    assert (tmp_path / "killed" / "student_history.csv").read_text() == (
        tmp_path / "straight" / "student_history.csv"
    ).read_text()
    assert not training.checkpoint_path(tmp_path / "killed", "student").exists()  # cleaned after saving


@pytest.mark.slow
def test_checkpoint_of_other_inputs_is_not_resumed(tmp_path, monkeypatch):
    images, mse = _data()
    config = StudentConfig(epochs=3, batch_size=128, patience=10)
    args = (config, images[:400], mse[:400], images[400:], mse[400:], tmp_path)
    monkeypatch.setattr(training, "after_epoch_hook", _kill_after(1))
    with pytest.raises(Interrupt):
        train_student(*args, seed=5, resume_key="old-config")
    monkeypatch.setattr(training, "after_epoch_hook", None)
    _, result = train_student(*args, seed=5, resume_key="new-config")
    assert result.resumed_from_epoch == 0 and result.epochs_run == 3


def test_a_plateau_multiplies_the_learning_rate_by_lr_factor_after_lr_patience_epochs(tmp_path):
    tf = tensorflow()
    seed_everything(1)
    model = tf.keras.Sequential([tf.keras.layers.Input((3,)), tf.keras.layers.Dense(1)])
    x = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    result = training.fit(
        model, x, x.sum(axis=1), x, x.sum(axis=1), label="plateau", epochs=6, batch_size=16,
        learning_rate=1e-30, patience=3, loss="mse", seed=1, out_dir=tmp_path, optimizer="nadam", lr_patience=1,
        lr_factor=0.1,
    )  # fmt: skip
    lines = (tmp_path / "plateau_history.csv").read_text().splitlines()[1:]
    lr = [float(line.split(",")[3]) for line in lines]
    # steps of 1e-30 move no weight: epoch 1 is the best, each later one lowers the rate, 3 stop it
    assert result.epochs_run == 4 and result.best_epoch == 1
    assert lr == pytest.approx([1e-30, 1e-30, 1e-31, 1e-32], rel=1e-6)


@pytest.mark.slow
def test_killed_build_resumes_teacher_training(in_tmp, monkeypatch, capsys):
    config = dict(TINY, name="resume", teacher={"epochs": 3, "batch_size": 256, "patience": 5})
    path = write_config(in_tmp, config)
    monkeypatch.setattr(training, "after_epoch_hook", _kill_after(2))
    with pytest.raises(Interrupt):
        main(["build", str(path), "--until", "teacher"])
    assert not (in_tmp / "models/resume/teacher.h5").exists()
    monkeypatch.setattr(training, "after_epoch_hook", None)
    capsys.readouterr()
    assert main(["build", str(path), "--until", "teacher"]) == 0
    err = capsys.readouterr().err
    assert "data: up to date, reused" in err
    assert "teacher: resuming after epoch 2" in err and "teacher epoch   3/3" in err
    assert "teacher epoch   1/3" not in err
    assert (in_tmp / "models/resume/teacher.h5").exists()


@pytest.mark.slow
def test_interrupt_from_the_keyboard_exits_130_with_a_message(in_tmp, monkeypatch, capsys):
    path = write_config(in_tmp, dict(TINY, name="ctrlc"))

    def press_ctrl_c(label, epoch):
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "after_epoch_hook", press_ctrl_c)
    assert main(["build", str(path), "--until", "teacher"]) == 130
    assert "next build resumes" in capsys.readouterr().err


V2_AS_LIST = [
    {"type": "Reshape", "target_shape": [18, 14, 1], "name": "reshape"},
    {
        "type": "QConv2D",
        "name": "conv",
        "filters": 4,
        "kernel_size": [2, 2],
        "strides": [2, 2],
        "use_bias": False,
        "kernel_quantizer": "quantized_bits(12,3,1,alpha=1)",
    },
    {"type": "QActivation", "activation": "quantized_relu(10, 6)"},
    {"type": "Flatten"},
    {"type": "Dropout", "rate": 0.1},
    {
        "type": "QDense",
        "name": "dense1",
        "units": 16,
        "kernel_quantizer": "quantized_bits(8,1,1,alpha=1)",
        "bias_quantizer": "quantized_bits(8,3,1,alpha=1)",
    },
    {"type": "QActivation", "activation": "quantized_relu(10, 6)"},
    {
        "type": "QDense",
        "name": "dense2",
        "units": 1,
        "use_bias": False,
        "kernel_quantizer": "quantized_bits(12,3,1,alpha=1)",
    },
    {"type": "QActivation", "activation": "quantized_relu(16, 8)"},
]


def test_custom_student_from_a_layer_list():
    config = config_from_mapping(
        {
            "name": "x",
            "student": {"architecture": "custom", "layers": V2_AS_LIST},
            "hls": {"layers": {"conv": {"parallelization_factor": 21}}},  # names from the list are known
        }
    )
    model = build(config.student)
    builtin = build(StudentConfig(architecture="cicada_v2"))
    assert model.count_params() == builtin.count_params() == 4080
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("QConv2D") == 1 and kinds.count("QDense") == 2 and kinds[-1] == "QActivation"
    scores = student_scores(model, np.random.default_rng(0).integers(0, 50, (32, 18, 14)))
    assert np.all(scores * 256 == np.round(scores * 256))


@pytest.mark.parametrize(
    "layers, message",
    [
        (V2_AS_LIST[:-1], "key 'student.layers[7]': expected the last layer to be QActivation quantized_relu(16, 8)"),
        ([{"type": "QLSTM"}, *V2_AS_LIST[-1:]], "key 'student.layers[0].type': expected one of"),
        (
            [{"type": "QDense", "units": 1, "kernel_quantizer": "quantized_bits(8,1,1)"}, V2_AS_LIST[-1]],
            "key 'student.layers[0].bias_quantizer': expected a quantizer when use_bias is true",
        ),
        (
            [{"type": "QDense", "kernel_quantizer": "quantized_bits(8,1,1)", "use_bias": False}, V2_AS_LIST[-1]],
            "key 'student.layers[0].units': missing",
        ),
        (
            [{"type": "QDense", "units": 1, "use_bias": False, "kernel_quantizer": "float32"}, V2_AS_LIST[-1]],
            "key 'student.layers[0].kernel_quantizer': expected a string matching",
        ),
        (
            [{"type": "Flatten", "name": "x"}, {"type": "Flatten", "name": "x"}, *V2_AS_LIST[-3:]],
            "key 'student.layers[1].name': expected a unique layer name",
        ),
    ],
    ids=["last layer", "unknown type", "float bias", "missing units", "bad quantizer", "duplicate name"],
)
def test_invalid_layer_lists_are_config_errors(tmp_path, layers, message):
    path = write_config(tmp_path, {"student": {"architecture": "custom", "layers": layers}})
    from cicada.config.loader import load_config

    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)


def test_layer_keras_cannot_build_names_the_layer():
    layers = [{"type": "Reshape", "target_shape": [18, 15, 1]}, *V2_AS_LIST[1:]]
    config = config_from_mapping({"name": "x", "student": {"architecture": "custom", "layers": layers}})
    with pytest.raises(ModelError, match=r"student.layers\[0\] \(Reshape 'layer0'\)"):
        build(config.student)


@pytest.mark.slow
def test_layer_hls4ml_cannot_convert_is_rejected_before_training():
    from cicada.pipeline.stages.student import check_before_training

    layers = [
        {
            "type": "QDense",
            "units": 4,
            "kernel_quantizer": "quantized_bits(8,2,1)",
            "bias_quantizer": "quantized_bits(8,2,1)",
        },
        {"type": "QActivation", "name": "odd", "activation": "quantized_po2(4)"},
        {"type": "QDense", "units": 1, "use_bias": False, "kernel_quantizer": "quantized_bits(8,2,1)"},
        {"type": "QActivation", "activation": "quantized_relu(16,8)"},
    ]
    config = config_from_mapping({"name": "x", "student": {"architecture": "custom", "layers": layers}})
    with pytest.raises(ConversionError, match=r"student.layers\[1\] \(odd\): hls4ml cannot convert.*quantized_po2"):
        check_before_training(build(config.student), config)


def test_inverse_histogram_weights_favour_rare_targets():
    targets = np.concatenate([np.full(900, 50.0), np.full(90, 120.0), np.full(10, 200.0)])
    weights = inverse_histogram_weights(targets, bins=64, cap=5.0)
    assert weights.mean() == pytest.approx(1.0)
    assert weights[0] < weights[900] < weights[-1] or weights[900] == weights[-1]
    assert weights.max() / weights.mean() <= 5.0 * (1 + 1e-5)
    assert weights[-1] == weights.max()


def test_outliers():
    rng = np.random.default_rng(0)
    uniform = uniform_images(200, rng)
    assert uniform.shape == (200, 18, 14) and uniform.max() <= 1023 and uniform.dtype == np.uint16
    assert len(np.unique(uniform.max(axis=(1, 2)))) > 100  # per-image ranges differ
    zero_bias = np.zeros((10, 18, 14), dtype=np.uint16)
    zero_bias[:, 0:3, 0:3] = 500  # a distinctive patch at the corner
    swapped = patch_swaps(zero_bias, 50, rng)
    assert np.all(swapped.sum(axis=(1, 2)) >= 0) and swapped.shape == (50, 18, 14)
    assert np.any(swapped[:, 3:, 3:] > 0)  # patches land elsewhere
    spots = hot_spots(zero_bias, 200, rng)
    added = spots.astype(int).sum(axis=(1, 2)) - zero_bias[0].astype(int).sum()
    assert np.all(added >= 4) and added.max() > 500  # 1-3 deposits of 8-1000 LSB, some large
    assert spots.max() <= 1023
    assert make_outliers(zero_bias, 9, ("uniform", "patch_swap", "hot_spots"), rng).shape == (9, 18, 14)


def _images_with_bits(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    et = rng.poisson(3, size=(n, 18, 14)).astype(np.uint16)
    bits = [((rng.random(et.shape) < share) & (et > 0)).astype(np.uint8) for share in (0.85, 0.65)]
    return with_bits(et, *bits)


def test_outliers_of_images_with_bits_keep_the_et_only_outliers_et():
    zero_bias = _images_with_bits(40, seed=2)
    kinds = ("uniform", "patch_swap", "hot_spots")
    mixed = make_outliers(zero_bias, 30, kinds, np.random.default_rng(9))
    et_only = make_outliers(region_et(zero_bias), 30, kinds, np.random.default_rng(9))
    assert has_bits(mixed) and mixed.shape == (30, 18, 14)
    assert np.array_equal(region_et(mixed), et_only)  # the bits draw from a side stream
    for field in ("egbit", "taubit"):
        assert set(np.unique(mixed[field])) <= {0, 1} and not np.any(mixed[field][mixed["et"] == 0])
        assert 0.2 < mixed[field][:10][mixed["et"][:10] > 0].mean() < 0.8  # uniform images: random bits


def test_patches_carry_their_bits_and_hot_spots_redraw_the_bits_they_reach():
    rng = np.random.default_rng(5)
    et = rng.integers(1, 200, size=(20, 18, 14)).astype(np.uint16)
    # bits as a function of ET, so that a region keeping its ET keeps its bits
    zero_bias = with_bits(et, (et % 2).astype(np.uint8), (et // 2 % 2).astype(np.uint8))
    swapped = patch_swaps(zero_bias, 30, rng)
    assert has_bits(swapped)
    assert np.array_equal(swapped["egbit"], swapped["et"] % 2) and np.array_equal(
        swapped["taubit"], swapped["et"] // 2 % 2
    )
    spots = hot_spots(zero_bias, 200, rng, np.random.default_rng(6))
    kept = (spots["egbit"] == spots["et"] % 2) & (spots["taubit"] == spots["et"] // 2 % 2)
    assert 0.95 < kept.mean() < 1.0  # only the 1-6 regions a hot spot reaches per image differ
    with pytest.raises(ValueError, match="side"):
        hot_spots(zero_bias, 2, rng)


def test_training_set_composition_is_reported(tiny_build):
    directory, _, _ = tiny_build
    import json

    report = json.loads((directory / "hls_projects/tiny/report.json").read_text())
    assert report["student"]["training_images"] == {"zero_bias": 1500, "outliers": 0}


def test_metrics_known_values():
    assert roc_auc([0, 1, 2], [3, 4, 5]) == 1.0
    assert roc_auc([3, 4, 5], [0, 1, 2]) == 0.0
    assert roc_auc([1, 1], [1, 1]) == 0.5  # ties count one half
    assert roc_auc([0, 2], [1, 3]) == 0.75
    assert average_ranks([10, 20, 20, 30]).tolist() == [1, 2.5, 2.5, 4]
    x = np.arange(50.0)
    assert spearman(x, x**3) == pytest.approx(1.0) and pearson(x, x**3) < 0.95


def test_float_twin_drops_quantization_only():
    model = build(StudentConfig(architecture="cicada_v2"))
    conv, dense1_kernel, dense1_bias, dense2 = model.get_weights()
    # a positive bias and head: scores above zero whatever the random initial weights
    model.set_weights([conv, dense1_kernel, np.full_like(dense1_bias, 0.5), np.abs(dense2) + 0.01])
    twin = float_twin(model)
    assert [type(layer).__name__ for layer in twin.layers if "Dense" in type(layer).__name__] == ["Dense", "Dense"]
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), twin.get_weights()))
    images = np.random.default_rng(1).integers(0, 40, (64, 18, 14))
    float_scores = student_scores(twin, images)
    assert not np.all(float_scores * 256 == np.round(float_scores * 256))  # not on the ufixed<16,8> grid
