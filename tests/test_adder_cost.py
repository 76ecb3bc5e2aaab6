"""Training for the adders a student costs (student.adder_cost, student.start_from): the counts, the
regularisers on a tiny student (fewer terms, still bit-exact through the RTL flow's trace), the
config and the fingerprints of students that do not use them."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from cicada.config.sections import StudentConfig
from cicada.core.errors import ModelError
from cicada.models.adder_cost import cheaper_neighbour_slope, csd_terms, model_cost

TINY_LAYERS = [
    {"type": "Reshape", "target_shape": [18, 14, 1]},
    {
        "type": "QConv2D",
        "name": "conv",
        "filters": 2,
        "kernel_size": [2, 2],
        "strides": [2, 2],
        "use_bias": False,
        "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)",
    },
    {"type": "QActivation", "name": "relu0", "activation": "quantized_relu(8,4)"},
    {"type": "Flatten"},
    {
        "type": "QDense",
        "name": "dense1",
        "units": 6,
        "kernel_quantizer": "quantized_bits(8,1,1,alpha=1)",
        "bias_quantizer": "quantized_bits(8,3,1,alpha=1)",
    },
    {"type": "QActivation", "name": "relu1", "activation": "quantized_relu(10,6)"},
    {
        "type": "QDense",
        "name": "dense2",
        "units": 1,
        "use_bias": False,
        "kernel_quantizer": "quantized_bits(10,3,1,alpha=1)",
    },
    {"type": "QActivation", "name": "outputs", "activation": "quantized_relu(16,8)"},
]


def fewest_signed_powers(n: int, limit: int = 5) -> int:
    """The fewest terms +-2^k summing to n (brute force): what a CSD form must reach."""
    if n == 0:
        return 0
    powers = [s * 2**k for k in range(12) for s in (1, -1)]
    for count in range(1, limit + 1):
        if any(sum(c) == n for c in itertools.combinations_with_replacement(powers, count)):
            return count
    raise AssertionError(f"{n} needs more than {limit} terms")


def test_csd_terms_are_the_fewest_signed_powers_of_two():
    values = np.arange(-70, 71)
    np.testing.assert_array_equal(csd_terms(values), [fewest_signed_powers(int(n)) for n in values])
    assert csd_terms(np.array([7, 23, -128, 2047]))[[0, 2]].tolist() == [2, 1]


def test_the_straight_through_slope_points_to_the_nearest_cheaper_value():
    low, high = -300, 300
    slopes = cheaper_neighbour_slope(low, high)
    terms = csd_terms(np.arange(low - 400, high + 401))
    for n in range(low, high + 1):
        slope = slopes[n - low]
        if n == 0:
            assert slope == 0
            continue
        own = terms[n - low + 400]
        cheaper = [m for m in range(low - 400, high + 401) if terms[m - low + 400] < own]
        distance = min(abs(m - n) for m in cheaper)
        nearest = [m for m in cheaper if abs(m - n) == distance]
        m = min(nearest, key=abs)  # a tie goes toward zero
        assert slope == pytest.approx((own - terms[m - low + 400]) / (n - m)), n
        assert np.sign(slope) == np.sign(n - m)  # gradient descent moves n toward m


# ------------------------------------------------------------------------------------- config
def test_students_without_the_new_keys_fingerprint_as_before():
    plain = StudentConfig()
    assert "adder_cost" not in plain.fingerprint_data() and "start_from" not in plain.fingerprint_data()
    omitted = {
        "adder_cost",
        "start_from",
        "input",
        "optimizer",
        "lr_patience",
        "lr_factor",
        "firmware",
        "encoder_score",
        "batchnorm",
    }
    assert set(plain.plain()) - set(plain.fingerprint_data()) == omitted
    regularised = StudentConfig(adder_cost={"layers": {"dense1": {"digits": 1e-4}}}, start_from="s.h5")
    assert regularised.fingerprint_data()["adder_cost"]["layers"]["dense1"]["digits"] == 1e-4
    assert regularised.fingerprint_data()["start_from"] == "s.h5"
    assert regularised.adder_cost.active() and not StudentConfig().adder_cost.logged()
    logged_only = StudentConfig(adder_cost={"layers": {"dense1": {}}})
    assert logged_only.adder_cost.logged() and not logged_only.adder_cost.active()


@pytest.mark.parametrize(
    "given, key",
    [
        ({"adder_cost": {"layers": {"dense9": {"l1": 1.0}}}}, "adder_cost.layers.dense9"),
        ({"adder_cost": {"layers": {"dense1": {"sparsity": 1.0}}}}, "sparsity"),
        ({"adder_cost": {"layers": {"dense1": {"digits": -1}}}}, "digits"),
        ({"adder_cost": {"layers": {"dense1": {"weight": 1}}}}, "weight"),
    ],
)
def test_bad_adder_cost_keys_are_one_line(tmp_path, given, key):
    import yaml

    from cicada.config.loader import load_config
    from cicada.core.errors import ConfigError

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"name": "c", "student": given}))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert "\n" not in text and key in text and text.startswith(f"{path}:"), text


def test_sparsity_below_one():
    with pytest.raises(ValidationError):
        StudentConfig(adder_cost={"layers": {"dense1": {"sparsity": 1.0}}})


# ------------------------------------------------------------------------------------ training
def _toy_data(count: int, seed: int):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 40, (count, 18, 14)).astype(np.uint16)
    hot = rng.integers(0, 18, count), rng.integers(0, 14, count)
    images[np.arange(count), hot[0], hot[1]] += rng.integers(0, 600, count).astype(np.uint16)
    scores = np.exp(images.reshape(count, -1).astype(np.float64).max(axis=1) / 120.0)
    return images, scores


def _train(tmp_path: Path, name: str, **student):
    from cicada.models.student import load_student, train_student

    config = StudentConfig(architecture="custom", layers=TINY_LAYERS, epochs=4, batch_size=128, patience=4, **student)
    images, scores = _toy_data(4000, 1)
    val, val_scores = _toy_data(800, 2)
    train_student(config, images, scores, val, val_scores, tmp_path / name, seed=7, resume_key=name)
    return load_student(tmp_path / name / "student.h5")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adder_cost")
    cost = {
        "layers": {"conv": {"digits": 3e-3}, "dense1": {"digits": 3e-3, "l1": 1e-3, "sparsity": 0.5}},
        "pruning_frequency": 5,
    }
    return tmp, _train(tmp, "plain"), _train(tmp, "lean", adder_cost=cost)


@pytest.mark.slow
def test_the_regulariser_lowers_the_terms_and_the_compilers_estimate_and_stays_bit_exact(trained):
    from cicada.models.student import student_scores
    from cicada.synthesis.rtl.trace import trace_model

    tmp, plain, lean = trained
    before, after = model_cost(plain), model_cost(lean)
    assert sum(c.adder_terms for c in after.values()) < 0.8 * sum(c.adder_terms for c in before.values())
    assert after["dense1"].zeros >= 0.5 * after["dense1"].weights  # the pruning target held
    assert after["dense1"].zeros > before["dense1"].zeros
    # the saved student is plain QKeras (the pruning wrappers trained it, they are not in the file)
    assert [type(layer).__name__ for layer in lean.layers] == [type(layer).__name__ for layer in plain.layers]
    images = _toy_data(2000, 3)[0].reshape(2000, -1)
    traced = {name: trace_model(model, 10) for name, model in (("plain", plain), ("lean", lean))}
    assert traced["lean"].comb.cost < traced["plain"].comb.cost  # alkaid's own estimate agrees
    expected = student_scores(lean, images)
    assert len(np.unique(expected)) > 20  # the outputs vary: a comparison that can fail
    np.testing.assert_array_equal(traced["lean"].comb.predict(images, n_threads=1)[:, 0], expected)


@pytest.mark.slow
def test_the_cost_is_logged_after_every_epoch(trained):
    import csv

    tmp = trained[0]
    with open(tmp / "lean" / "student_adder_cost.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["epoch"] for row in rows] == ["1", "2", "3", "4"]
    assert {"adder_terms", "conv:terms", "dense1:zeros", "dense2:terms"} <= set(rows[0])
    assert not (tmp / "plain" / "student_adder_cost.csv").exists()  # nothing changes without adder_cost


@pytest.mark.slow
def test_start_from_continues_from_a_trained_student(trained, tmp_path):
    from cicada.models.student import build, load_start_weights

    tmp, plain, _ = trained
    model = build(StudentConfig(architecture="custom", layers=TINY_LAYERS))
    load_start_weights(model, tmp / "plain" / "student.h5")
    for ours, theirs in zip(model.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    wider = [dict(layer) for layer in TINY_LAYERS]
    wider[4]["units"] = 7
    with pytest.raises(ModelError, match=r"student.start_from: .*\(layer 'dense1'"):
        load_start_weights(build(StudentConfig(architecture="custom", layers=wider)), tmp / "plain" / "student.h5")
    with pytest.raises(ModelError, match="not found"):
        load_start_weights(model, tmp_path / "none.h5")
