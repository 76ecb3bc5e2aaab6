"""Weighted hard-scatter slices stitched to zero-bias, pileup variations, and the rate sample's weights."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from cicada.config.loader import config_from_mapping
from cicada.core.errors import ConfigError, DataError
from cicada.core.seeds import numpy_stream
from cicada.data import imagestats
from cicada.data.datasets import (
    ZERO_BIAS_SLICES,
    ZERO_BIAS_TEST,
    dataset_names,
    pileup_dataset_name,
    rate_sample_weights,
)
from cicada.data.datasets import (
    test_dataset_names as scored_dataset_names,
)
from cicada.data.hdf5 import read_event_weights, read_pileup, read_pt_hat, read_regions
from cicada.data.make import make_datasets
from cicada.data.slices import (
    bulk_weights,
    empirical_tail,
    slice_bounds,
    slice_weights,
    weighted_fraction,
    weighted_quantile,
)
from cicada.data.synthetic import pileup as synthetic

MU = 60.0
EDGES = (30.0, 45.0, 70.0, 100.0, 150.0, 220.0, 330.0, 500.0)


def test_slice_bounds_end_open_and_refuse_bad_edges():
    assert slice_bounds([30, 50]) == [(30.0, 50.0), (50.0, float("inf"))]
    for bad in ([], [0, 10], [30, 30], [50, 30]):
        with pytest.raises(ValueError, match="positive and increasing"):
            slice_bounds(bad)


def test_weighted_quantile_and_fraction_on_a_known_sample():
    values = np.array([1, 2, 3, 4, 5, 5], dtype=float)
    weights = np.array([0.3, 0.3, 0.2, 0.1, 0.05, 0.05])
    assert weighted_quantile(values, weights, 0.1) == 4  # above 4: 0.1
    assert weighted_quantile(values, weights, 0.09) == 5  # nothing above 5
    assert weighted_quantile(values, weights, 0.2) == 3  # above 3: 0.1 + 0.05 + 0.05
    assert weighted_quantile(values, weights, 1.0) == 1
    fraction, error = weighted_fraction(values, weights, 3)
    assert fraction == pytest.approx(0.2) and error == pytest.approx(np.sqrt(0.01 + 0.0025 + 0.0025))


def test_empirical_tail_spreads_a_slice_over_its_share():
    pt_hat = np.array([40.0, 31.0, 44.0, 35.0])
    tail = empirical_tail(pt_hat, probability=0.01, above=0.002)
    assert np.all((tail > 0.002) & (tail < 0.012))
    assert np.argsort(tail).tolist() == np.argsort(-pt_hat).tolist()  # harder events have less above them
    assert tail.mean() == pytest.approx(0.002 + 0.005)


def test_bulk_weights_drop_the_sliced_range_and_share_the_rest():
    weights = bulk_weights(np.array([0.0, 12.0, 29.9, 30.0, 80.0]), 30.0, 0.1)
    np.testing.assert_allclose(weights, [0.3, 0.3, 0.3, 0.0, 0.0])
    with pytest.raises(ValueError, match="no zero-bias event"):
        bulk_weights(np.array([31.0]), 30.0, 0.1)
    with pytest.raises(ValueError, match="expected less than 1"):
        bulk_weights(np.array([1.0]), 30.0, 1.0)


def test_slice_weights_follow_the_poisson_formula():
    """The slices stand for the crossings whose hardest scatter is above the first edge:
    1 - exp(-mu F(edge)) of them, F from the generator's own spectrum."""
    spectrum = synthetic.DEFAULT_MODEL.spectrum
    rng = np.random.default_rng(4)
    total = 0.0
    for low, high in slice_bounds(EDGES):
        pt_hat = spectrum.sample(rng, np.full(4000, low), high)
        assert np.all((pt_hat >= low) & (pt_hat <= high))
        probability = float(spectrum.tail(low) - (0 if np.isinf(high) else spectrum.tail(high)))
        total += slice_weights(spectrum.tail(pt_hat), probability, MU).sum()
    expected = 1 - np.exp(-MU * spectrum.tail(EDGES[0]))
    assert total == pytest.approx(expected, rel=0.01)
    assert slice_weights(np.zeros(0), 0.1, MU).size == 0


def test_slices_record_one_hard_scatter_in_range_and_the_pileup():
    slices = synthetic.slice_crossings((30.0, 100.0), 300, MU, numpy_stream(2, "slices"))
    first, second = slices.slice_index == 0, slices.slice_index == 1
    assert np.all((slices.pt_hat_gev[first] >= 30) & (slices.pt_hat_gev[first] < 100))
    assert np.all(slices.pt_hat_gev[second] >= 100)
    assert np.all(slices.n_pileup >= 1) and abs(slices.n_pileup.mean() - (MU + 1)) < 2
    # a harder slice stands for fewer crossings per event and lights up the calorimeter more
    assert slices.weights[second].mean() < slices.weights[first].mean() / 10
    hottest = imagestats.hottest_region(slices.images)
    assert np.median(hottest[second]) > np.median(hottest[first]) > 2 * 20  # > 20 GeV
    again = synthetic.slice_crossings((30.0, 100.0), 300, MU, numpy_stream(2, "slices"))
    np.testing.assert_array_equal(again.images, slices.images)
    np.testing.assert_array_equal(again.weights, slices.weights)


def test_zero_bias_records_pileup_and_hardest_scatter():
    crossings = synthetic.zero_bias_crossings(2000, MU, numpy_stream(3, "zb"))
    assert abs(crossings.n_pileup.mean() - MU) < 1.0
    assert np.all(crossings.pt_hat_gev >= 0)
    # P(some interaction's scatter above 30 GeV) = 1 - exp(-mu F(30)), binomial error
    expected = 1 - np.exp(-MU * synthetic.DEFAULT_MODEL.spectrum.tail(30.0))
    observed = np.mean(crossings.pt_hat_gev >= 30)
    assert abs(observed - expected) < 4 * np.sqrt(expected * (1 - expected) / 2000)


def test_stitched_rate_agrees_with_unweighted_zero_bias():
    """The weighting's check: the fraction of crossings above fixed hottest-region and 3x3-jet
    levels (about 0.5% to 0.1% of crossings) from an unweighted sample and from a smaller sample
    stitched to slices agree within their statistical uncertainties (3 sigma); deep in the tail
    the stitched one is the more precise. tools/check_slice_weights.py does this at large size."""
    plain = synthetic.zero_bias(20000, MU, numpy_stream(5, "plain"))
    zero_bias = synthetic.zero_bias_crossings(4000, MU, numpy_stream(5, "bulk"))
    slices = synthetic.slice_crossings(EDGES, 250, MU, numpy_stream(5, "slices"))
    images = np.concatenate([zero_bias.images, slices.images])
    weights = np.concatenate([bulk_weights(zero_bias.pt_hat_gev, EDGES[0], slices.weights.sum()), slices.weights])
    assert weights.sum() == pytest.approx(1.0)
    checks = ((imagestats.hottest_region, 80), (imagestats.hottest_region, 120), (imagestats.jet_et_3x3, 230))
    for observable, level in checks:
        unweighted, unweighted_error = weighted_fraction(observable(plain), np.full(len(plain), 1 / len(plain)), level)
        stitched, stitched_error = weighted_fraction(observable(images), weights, level)
        assert 10 / len(plain) < unweighted < 0.01  # a tail, with events to count
        assert abs(stitched - unweighted) < 3 * np.hypot(unweighted_error, stitched_error)
        if unweighted < 1e-3:  # 7,000 stitched crossings measure it better than 20,000 plain ones
            assert stitched_error < unweighted_error


def _config(**data):
    base = {"zero_bias_events": 400, "signals": [{"name": "s1", "kind": "soft_spray", "events": 10}]}
    return config_from_mapping({"name": "x", "data": {**base, **data}}).data


def test_datasets_with_slices_and_pileup_variations(tmp_path):
    config = _config(slices={"events": 60}, pileup_variations=[30, 62.5])
    paths = make_datasets(config, 5, tmp_path)
    assert (
        list(paths)
        == dataset_names(config)
        == [
            "zero_bias_train",
            "zero_bias_val",
            "zero_bias_test",
            ZERO_BIAS_SLICES,
            "zero_bias_mu30",
            "zero_bias_mu62p5",
            "s1",
        ]
    )
    assert scored_dataset_names(config) == [
        ZERO_BIAS_TEST,
        ZERO_BIAS_SLICES,
        "zero_bias_mu30",
        "zero_bias_mu62p5",
        "s1",
    ]
    for name in dataset_names(config)[:-1]:  # every zero-bias set knows its pileup
        assert read_pileup(paths[name]) is not None
    assert abs(read_pileup(paths["zero_bias_mu30"]).mean() - 30) < 2
    assert len(read_regions(paths["zero_bias_mu30"])) == len(read_regions(paths[ZERO_BIAS_TEST])) == 160
    assert len(read_regions(paths[ZERO_BIAS_SLICES])) == 8 * 60

    weights = rate_sample_weights(tmp_path, config)
    assert list(weights) == [ZERO_BIAS_TEST, ZERO_BIAS_SLICES]
    assert sum(w.sum() for w in weights.values()) == pytest.approx(1.0, abs=1e-9)
    dropped = read_pt_hat(paths[ZERO_BIAS_TEST]) >= EDGES[0]
    assert dropped.any() and np.all(weights[ZERO_BIAS_TEST][dropped] == 0)
    assert np.all(weights[ZERO_BIAS_TEST][~dropped] > 0) and np.all(weights[ZERO_BIAS_SLICES] > 0)
    np.testing.assert_array_equal(weights[ZERO_BIAS_SLICES], read_event_weights(paths[ZERO_BIAS_SLICES]))


def test_rate_sample_without_slices_is_the_plain_test_set(tmp_path):
    config = _config(slices={"events": 0})
    paths = make_datasets(config, 5, tmp_path)
    assert ZERO_BIAS_SLICES not in paths and read_event_weights(paths[ZERO_BIAS_TEST]) is None
    weights = rate_sample_weights(tmp_path, config)
    assert list(weights) == [ZERO_BIAS_TEST]
    np.testing.assert_allclose(weights[ZERO_BIAS_TEST], 1 / 160)


def test_rate_sample_weights_that_do_not_belong_together_are_one_clear_error(tmp_path):
    config = _config(slices={"events": 50})
    paths = make_datasets(config, 5, tmp_path)
    with h5py.File(paths[ZERO_BIAS_SLICES], "a") as handle:
        handle["EventWeight"][0] += 0.5
    with pytest.raises(DataError, match="the event weights add up to 1.5"):
        rate_sample_weights(tmp_path, config)
    with h5py.File(paths[ZERO_BIAS_TEST], "a") as handle:
        del handle["EventWeight"]
    with pytest.raises(DataError, match="zero_bias_test.h5: no 'EventWeight' dataset"):
        rate_sample_weights(tmp_path, config)


def test_slices_and_pileup_config():
    assert _config().events_per_slice() == 50  # 400 / 50 is below the least default
    assert _config(zero_bias_events=500_000).events_per_slice() == 10_000
    assert pileup_dataset_name(50) == "zero_bias_mu50" and pileup_dataset_name(62.5) == "zero_bias_mu62p5"
    files = {"generator": "files", "zero_bias_files": ["a.h5"]}
    assert _config(**files).events_per_slice() == 0  # recorded data: no slices unless asked
    cases = [
        (files | {"slices": {"events": 10}}, "data.slices.events': expected events: 0 with generator 'files'"),
        (files | {"pileup_variations": [50]}, "data.pileup_variations': expected no pileup variations"),
        ({"slices": {"pt_hat_edges": [5, 30]}}, "expected a first edge of at least 10 GeV"),
        ({"slices": {"pt_hat_edges": [30, 20]}}, "expected increasing edges"),
        ({"pileup_variations": [60]}, "expected a pileup other than 60"),
        ({"pileup_variations": [400]}, "expected a pileup between 0 and 300"),
        ({"signals": [{"name": "zero_bias_slices", "kind": "soft_spray"}]}, "not starting with 'zero_bias'"),
    ]
    for data, message in cases:
        with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
            _config(**data)
