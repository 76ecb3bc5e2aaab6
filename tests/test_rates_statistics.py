"""Weighted rates, thresholds and their uncertainties; emulated L1 seeds; pure rate; rate vs pileup."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from scipy.stats import binom

from cicada.core import geometry as geo
from cicada.evaluation import efficiency, l1_seeds, menu, pileup, rates, thresholds
from cicada.models.score import SCORE_LSB, quantize_score

Z = rates.ZERO_BIAS_RATE_KHZ


# ----------------------------------------------------------------------------- weighted rates
def test_weighted_rate_threshold_and_uncertainty_known_answers():
    scores = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    weights = np.array([0.4, 0.3, 0.2, 0.06, 0.04])
    curve = rates.RateCurve.from_scores(scores, weights)
    assert curve.rate_khz([0.0, 3.0, 4.5, 5.0]) == pytest.approx([Z, 0.1 * Z, 0.04 * Z, 0.0])
    assert curve.uncertainty_khz([3.0])[0] == pytest.approx(Z * math.sqrt(0.06**2 + 0.04**2))
    # the lowest threshold whose rate does not exceed the target; strictly above passes
    assert curve.threshold(0.1 * Z, SCORE_LSB) == 3.0  # exactly on target: allowed
    assert curve.threshold(0.099 * Z, SCORE_LSB) == 4.0
    assert curve.threshold(0.03 * Z, SCORE_LSB) == 5.0  # nothing passes
    assert curve.threshold(0.3 * Z, SCORE_LSB) == 2.0  # 0.2 + 0.06 + 0.04 sums to 0.30000000000000004
    assert curve.threshold(Z, SCORE_LSB) == 1.0 - SCORE_LSB  # everything passes
    wp = rates.working_point(scores, 0.1 * Z, SCORE_LSB, weights)
    assert wp.zero_bias_passing == 2 and wp.rate_khz == pytest.approx(0.1 * Z)
    assert wp.effective_events == pytest.approx(0.1**2 / (0.06**2 + 0.04**2))
    assert wp.relative_uncertainty == pytest.approx(math.sqrt(0.06**2 + 0.04**2) / 0.1)
    assert wp.statistics_limited  # 72% relative uncertainty


def test_ties_at_the_threshold_are_rejected_together():
    scores = np.array([5.0, 5.0, 4.0, 3.0])
    weights = np.array([0.1, 0.1, 0.5, 0.3])
    # one of the two tied events would fit under the target, but they cannot be separated
    wp = rates.working_point(scores, 0.15 * Z, SCORE_LSB, weights)
    assert wp.threshold == 5.0 and wp.zero_bias_passing == 0 and wp.rate_khz == 0.0
    assert wp.rate_uncertainty_khz == pytest.approx(0.1 * Z)  # the resolution where it sits
    assert wp.relative_uncertainty is None and wp.statistics_limited
    assert rates.working_point(scores, 0.2 * Z, SCORE_LSB, weights).threshold == 4.0


def _counting_threshold(scores, target_khz, step):
    """The unweighted algorithm cicada used before weights: floor(target / Z * N) events may pass."""
    ordered = np.sort(scores)[::-1]
    allowed = math.floor(target_khz / Z * ordered.size)
    return ordered[-1] - step if allowed >= ordered.size else ordered[allowed]


def test_unweighted_sample_reproduces_counting():
    scores = quantize_score(np.random.default_rng(3).exponential(8.0, 20_000))  # many ties on the grid
    weights = np.full(scores.size, 1 / scores.size)  # what rate_sample_weights gives today
    for target in (0.25, 0.5, 1.0, 1.6, 3.0, 30.0, 1000.0, 3e4):
        old = _counting_threshold(scores, target, SCORE_LSB)
        passing = np.count_nonzero(scores > old)
        for w in (None, weights):
            wp = rates.working_point(scores, target, SCORE_LSB, w)
            assert wp.threshold == old
            assert wp.zero_bias_passing == passing
            assert wp.rate_khz == pytest.approx(passing / scores.size * Z, rel=1e-12)
            assert wp.rate_uncertainty_khz == pytest.approx(math.sqrt(max(passing, 1)) / scores.size * Z, rel=1e-12)


def test_integer_weights_equal_repeated_events():
    rng = np.random.default_rng(4)
    scores = quantize_score(rng.exponential(5.0, 3000))
    repeats = rng.integers(1, 6, scores.size)
    weighted = rates.RateCurve.from_scores(scores, repeats / repeats.sum())
    repeated = rates.RateCurve.from_scores(np.repeat(scores, repeats))
    grid = np.linspace(0, scores.max() + 1, 500)
    assert weighted.rate_khz(grid) == pytest.approx(repeated.rate_khz(grid), rel=1e-9, abs=1e-9)
    for target in (10.0, 100.0, 2000.0):
        assert weighted.threshold(target, SCORE_LSB) == repeated.threshold(target, SCORE_LSB)


def test_weighted_poisson_uncertainty_matches_the_spread_of_toys():
    """A sample of two event classes (like zero-bias plus a weighted slice of the tail), each class's
    event count Poisson: sqrt(sum w^2) estimates the toys' spread and covers ~68% of them."""
    rng = np.random.default_rng(5)
    expected = {1.0: 400.0, 0.05: 3000.0}  # weight -> expected events; scores exponential, mean 2 and 6
    means = {1.0: 2.0, 0.05: 6.0}
    threshold = 8.0
    true_rate = sum(w * n * math.exp(-threshold / means[w]) for w, n in expected.items())
    measured, errors = [], []
    for _ in range(3000):
        scores, weights = [], []
        for w, n in expected.items():
            k = rng.poisson(n)
            scores.append(rng.exponential(means[w], k))
            weights.append(np.full(k, w))
        rate, error = rates.weighted_rate(np.concatenate(scores) > threshold, np.concatenate(weights))
        measured.append(rate / Z)
        errors.append(error / Z)
    measured, errors = np.array(measured), np.array(errors)
    assert np.std(measured) == pytest.approx(np.mean(errors), rel=0.05)
    coverage = np.mean(np.abs(measured - true_rate) <= errors)
    assert 0.66 <= coverage <= 0.71  # 68.3% expected; 3000 toys give +-0.9%


# ----------------------------------------------------------------------------- threshold interval
def test_bootstrap_interval_has_the_width_of_a_quantile():
    """For N events from an exponential, the threshold passing a fraction q is a sample quantile,
    whose spread is sqrt(q (1 - q) / N) / f(x_q) = sqrt((1 - q) / (q N)) for unit slope."""
    n, q = 20_000, 0.01
    target = q * Z
    expected = math.sqrt((1 - q) / (q * n))
    halves, nominal = [], []
    for toy in range(12):
        scores = quantize_score(np.random.default_rng(100 + toy).exponential(1.0, n) * 16) / 16
        replicas = rates.bootstrap_thresholds(scores, [target], SCORE_LSB / 16, np.random.default_rng(toy), 200)
        low, high = rates.threshold_interval(replicas)[0]
        assert np.all(np.isin(replicas, scores) | (replicas < scores.min()))  # thresholds stay on the grid
        halves.append((high - low) / 2)
        nominal.append(rates.RateCurve.from_scores(scores).threshold(target, SCORE_LSB / 16))
    assert np.mean(halves) == pytest.approx(expected, rel=0.15)
    assert np.std(nominal) == pytest.approx(expected, rel=0.35)  # 12 toys: the sample spread itself


@pytest.mark.parametrize("margin, extra", [(rates.TAIL_MARGIN, rates.TAIL_EXTRA_SCORES), (0.0, 1)])
def test_bootstrap_replicas_are_exact_and_seeded(monkeypatch, margin, extra):
    """Every replica's thresholds equal the plain definition applied to the sample with that
    replica's multiplicities, also when a tiny tail makes most replicas draw the other events."""
    monkeypatch.setattr(rates, "TAIL_MARGIN", margin)
    monkeypatch.setattr(rates, "TAIL_EXTRA_SCORES", extra)
    rng = np.random.default_rng(6)
    scores = quantize_score(rng.exponential(10.0, 3000))
    weights = rng.uniform(0.5, 1.5, scores.size)
    weights /= weights.sum()
    targets = [1.0, 100.0, 5000.0, 28_600.0]  # the last lets nearly everything through
    replicas = rates.bootstrap_thresholds(scores, targets, SCORE_LSB, np.random.default_rng(9), 30, weights)
    again = rates.bootstrap_thresholds(scores, targets, SCORE_LSB, np.random.default_rng(9), 30, weights)
    assert np.array_equal(replicas, again)
    order = np.argsort(-scores, kind="stable")
    for replica, stream in enumerate(np.random.default_rng(9).spawn(30)):
        multiplicities = np.empty(scores.size)
        multiplicities[order] = stream.poisson(1.0, scores.size)  # from the highest score down
        curve = rates.RateCurve.from_scores(scores, weights * multiplicities)
        assert replicas[replica].tolist() == [curve.threshold(t, SCORE_LSB) for t in targets]
    low, high = rates.threshold_interval(replicas)[1]
    assert low <= rates.RateCurve.from_scores(scores, weights).threshold(100.0, SCORE_LSB) <= high


# ----------------------------------------------------------------------------- efficiencies
def test_clopper_pearson_known_values_and_exact_coverage():
    alpha = 1 - efficiency.CONFIDENCE_LEVEL
    low, high = efficiency.clopper_pearson(0, 10)
    assert low == 0.0 and high == pytest.approx(1 - (alpha / 2) ** (1 / 10))
    low, high = efficiency.clopper_pearson(10, 10)
    assert high == 1.0 and low == pytest.approx((alpha / 2) ** (1 / 10))
    n = 40
    intervals = [efficiency.clopper_pearson(k, n) for k in range(n + 1)]
    for p in np.linspace(0.01, 0.99, 99):
        pmf = binom.pmf(np.arange(n + 1), n, p)
        covered = sum(pmf[k] for k, (lo, hi) in enumerate(intervals) if lo <= p <= hi)
        assert covered >= efficiency.CONFIDENCE_LEVEL - 1e-9  # exact: never below its level


def test_clopper_pearson_coverage_over_seeded_toys():
    p, n, toys = 0.07, 200, 4000
    cache: dict[int, efficiency.Efficiency] = {}
    hits = 0
    for k in np.random.default_rng(8).binomial(n, p, toys):
        if k not in cache:
            cache[k] = efficiency.efficiency(np.arange(n) < k)
        e = cache[k]
        assert e.passed == k and e.events == n and e.value == pytest.approx(k / n) and e.low <= e.value <= e.high
        hits += e.low <= p <= e.high
    # the toys agree with the exact coverage (Clopper-Pearson is conservative for a discrete count)
    intervals = [efficiency.clopper_pearson(k, n) for k in range(n + 1)]
    exact = sum(binom.pmf(k, n, p) for k, (lo, hi) in enumerate(intervals) if lo <= p <= hi)
    assert exact >= efficiency.CONFIDENCE_LEVEL
    assert hits / toys == pytest.approx(exact, abs=3 * math.sqrt(exact * (1 - exact) / toys))


# ----------------------------------------------------------------------------- L1 seeds
def _empty(n=1):
    return np.zeros((n, geo.N_PHI, geo.N_ETA), dtype=np.uint16)


def test_a_jet_at_the_phi_edge_wraps_around():
    images = _empty()
    images[0, [17, 0, 1], 5:8] = 20  # 9 regions of 10 GeV centred on phi region 0
    assert l1_seeds.leading_jet_gev(images)[0] == pytest.approx(90.0)
    assert l1_seeds.jet_sums(images)[0, 0, 6] == pytest.approx(90.0)
    assert l1_seeds.jet_sums(images)[0, 17, 6] == pytest.approx(60.0)  # phi 16, 17, 0


def test_eta_does_not_wrap():
    images = _empty()
    images[0, 4, 0] = 100  # 50 GeV at the most negative eta
    images[0, 4, 13] = 60  # 30 GeV at the most positive eta
    assert l1_seeds.leading_jet_gev(images)[0] == pytest.approx(50.0)
    assert l1_seeds.jet_sums(images)[0, 4, 13] == pytest.approx(30.0)


def test_ht_keeps_jets_within_its_eta_range():
    central = l1_seeds.central_columns(2.4)
    assert np.flatnonzero(central).tolist() == list(range(1, 13))  # the outer columns span 2.172-3.0
    images = _empty()
    images[0, 3, 1] = 100  # 50 GeV jet centred at eta column 1: inside
    images[0, 12, 13] = 200  # 100 GeV jet at column 13 (|eta| 2.59): outside
    images[0, 8, 6] = 20  # a 10 GeV jet: below the jet threshold
    assert l1_seeds.ht_gev(images, 15.0, 2.4)[0] == pytest.approx(50.0)
    assert l1_seeds.ht_gev(images, 5.0, 2.4)[0] == pytest.approx(60.0)
    assert l1_seeds.ht_gev(images, 5.0, 3.0)[0] == pytest.approx(160.0)


def test_equal_neighbours_make_one_jet():
    images = _empty()
    images[0, 5, 6] = images[0, 5, 7] = 40  # a plateau of two equal regions
    assert l1_seeds.local_maxima(images)[0].sum() == 1
    assert l1_seeds.ht_gev(images, 0.0, 3.0)[0] == pytest.approx(40.0)  # one 3x3 jet holds both


def test_missing_et_of_a_back_to_back_pair_vanishes():
    images = _empty(2)
    images[0, 2, 4] = images[0, 11, 9] = 300  # phi regions 2 and 11 are 180 degrees apart
    images[1, 2, 4] = 300
    met = l1_seeds.missing_et_gev(images)
    assert met[0] == pytest.approx(0.0, abs=1e-9)
    assert met[1] == pytest.approx(150.0)


def test_seed_quantities_agree_with_brute_force():
    images = np.random.default_rng(2).integers(0, 60, (50, geo.N_PHI, geo.N_ETA)).astype(np.uint16)
    raw = l1_seeds.seed_quantities(images, l1_seeds.Emulation(20.0, 2.4, pileup_subtraction=False))
    sums = l1_seeds.jet_sums(images)
    assert np.array_equal(raw["leading_jet_gev"], sums.max(axis=(1, 2)))
    jets = l1_seeds.local_maxima(images) & (sums >= 20.0) & l1_seeds.central_columns(2.4)
    assert np.allclose(raw["ht_gev"], (sums * jets).sum(axis=(1, 2)))
    # a 3x3 sum at the eta edge, region by region
    brute = sum(images[:, (0 + dp) % 18, 13 + de] for dp in (-1, 0, 1) for de in (-1, 0))
    assert np.allclose(sums[:, 0, 13], brute * geo.ET_LSB_GEV)
    # with pileup subtraction: each ring's median, once per region covered
    subtracted = l1_seeds.seed_quantities(images, l1_seeds.Emulation(20.0, 2.4))
    rho = np.median(images * geo.ET_LSB_GEV, axis=1)  # (N, 14)
    window = sums - 3 * np.stack([rho[:, max(e - 1, 0) : e + 2].sum(axis=1) for e in range(14)], axis=1)[:, None]
    assert np.allclose(subtracted["leading_jet_gev"], np.maximum(window.max(axis=(1, 2)), 0))
    excess = np.maximum(images * geo.ET_LSB_GEV - rho[:, None, :], 0).sum(axis=2)
    met = np.hypot(excess @ np.cos(geo.REGION_PHI_CENTRES), excess @ np.sin(geo.REGION_PHI_CENTRES))
    assert np.allclose(subtracted["missing_et_gev"], met)


def test_uniform_pileup_leaves_no_jet_no_ht_and_no_missing_et():
    images = np.full((1, geo.N_PHI, geo.N_ETA), 8, dtype=np.uint16)  # 4 GeV in every region
    images[0, 6, 7] += 200  # a 100 GeV deposit on top
    q = l1_seeds.seed_quantities(images, l1_seeds.Emulation(20.0, 2.4))
    assert q["leading_jet_gev"][0] == pytest.approx(100.0)
    assert q["ht_gev"][0] == pytest.approx(100.0)
    assert q["missing_et_gev"][0] == pytest.approx(100.0)
    raw = l1_seeds.seed_quantities(images, l1_seeds.Emulation(20.0, 2.4, pileup_subtraction=False))
    assert raw["leading_jet_gev"][0] == pytest.approx(136.0)  # 9 regions of 4 GeV under the jet
    assert raw["missing_et_gev"][0] == pytest.approx(100.0)  # a uniform ring has no vector sum


def test_seed_thresholds_scale_with_the_response(tmp_path):
    from cicada.config.loader import load_config

    from .conftest import TINY, write_config

    config = load_config(write_config(tmp_path, TINY))
    response, source = l1_seeds.region_response(config)
    assert response == 0.6 and "detector.py" in source
    seeds = l1_seeds.seeds_of(config, response)
    assert [(s.menu_seed, s.region_threshold_gev) for s in seeds] == [
        ("L1_SingleJet180", pytest.approx(108.0)),
        ("L1_HTT280er", pytest.approx(168.0)),
        ("L1_ETMHF90", pytest.approx(54.0)),
    ]
    assert "no HF" in seeds[2].description and "columns 1-12" in seeds[1].description
    off = load_config(
        write_config(tmp_path, {**TINY, "rates": {"seeds": {"htt_gev": None, "response": 1.0}}}, "b.yaml")
    )
    assert l1_seeds.region_response(off)[0] == 1.0
    assert [s.name for s in l1_seeds.seeds_of(off, 1.0)] == ["SingleJet", "ETM"]


# ----------------------------------------------------------------------------- pure rate and gain
def test_pure_rate_and_gain_on_a_constructed_case():
    weights = np.array([0.1, 0.2, 0.3, 0.15, 0.25])
    anomaly = np.array([True, True, True, False, False])
    seed_a = np.array([False, False, True, True, False])
    seed_b = np.array([False, False, False, True, False])
    seeds = menu.any_seed({"a": seed_a, "b": seed_b}, 5)
    point = rates.working_point(np.arange(5.0), 1.0, SCORE_LSB)
    signal_ad = np.array([True, True, False, False, True, False, False, False])
    signal_seeds = np.array([True, False, False, True, False, False, False, False])
    point = menu.with_seeds(point, anomaly, weights, seeds, {"s": signal_ad}, {"s": signal_seeds})
    assert point.pure_rate_khz == pytest.approx(0.3 * Z)  # events 0 and 1
    assert point.pure_rate_uncertainty_khz == pytest.approx(math.sqrt(0.1**2 + 0.2**2) * Z)
    assert point.total_rate_khz == pytest.approx(0.75 * Z)  # events 0-3
    gain = point.signal_gain["s"]
    # eff(OR) = 4/8, eff(seeds) = 2/8: the gain is 2/8, the events only the anomaly trigger takes
    assert (gain.passed, gain.events, gain.value) == (2, 8, 0.25)
    assert gain.low < 0.25 < gain.high
    summary = menu.seeds_summary(
        [
            l1_seeds.Seed("a", "L1_A", "leading_jet_gev", 1, 1, ""),
            l1_seeds.Seed("b", "L1_B", "ht_gev", 1, 1, ""),
        ],
        1.0,
        "test",
        {"a": seed_a, "b": seed_b},
        weights,
        {"s": {"a": signal_seeds, "b": np.zeros(8, bool)}},
    )
    assert [s.rate_khz for s in summary.seeds] == pytest.approx([0.45 * Z, 0.15 * Z])
    # a takes event 2 alone (event 3 b takes too); b takes nothing a does not
    assert [s.pure_rate_khz for s in summary.seeds] == pytest.approx([0.3 * Z, 0.0])
    assert summary.seeds[0].pure_rate_uncertainty_khz == pytest.approx(0.3 * Z)
    assert summary.combined_rate_khz == pytest.approx(0.45 * Z)
    assert summary.signal_efficiency["s"].value == 0.25


# ----------------------------------------------------------------------------- pileup
def test_rate_vs_pileup_is_the_pass_fraction_per_bin():
    pile = np.array([40] * 4 + [80] * 4)
    scores = np.array([1, 1, 1, 9, 1, 9, 9, 9], dtype=float)
    weights = np.array([0.1] * 4 + [0.15] * 4)
    bins = pileup.rate_vs_pileup(scores, weights, pile, [5.0])
    assert [b.events for b in bins] == [4, 4]  # empty bins left out
    assert bins[0].low <= 40 <= bins[0].high and bins[1].low <= 80 <= bins[1].high
    assert bins[0].rate_khz[0] == pytest.approx(0.25 * Z) and bins[1].rate_khz[0] == pytest.approx(0.75 * Z)
    assert bins[1].rate_uncertainty_khz[0] == pytest.approx(math.sqrt(3) * 0.15 / 0.6 * Z)
    edges = pileup.pileup_edges(np.arange(30, 91))
    assert edges[0] == 30 and edges[-1] > 90 and len(edges) - 1 <= pileup.TARGET_BINS + 1


# ----------------------------------------------------------------------------- files for menu tools
def test_threshold_files(tmp_path):
    scores = quantize_score(np.random.default_rng(1).exponential(10.0, 2000))
    points = [rates.working_point(scores, t, SCORE_LSB) for t in (50.0, 500.0)]
    points[0].threshold_interval = [points[0].threshold - 1, points[0].threshold + 1]
    paths = thresholds.write_thresholds(tmp_path, points, "ap_ufixed<16,8>", SCORE_LSB, {"build": "t"})
    rows = list(csv.DictReader(paths["csv"].open()))
    assert [float(r["threshold"]) for r in rows] == [p.threshold for p in points]
    assert int(rows[0]["threshold_lsb"]) == round(points[0].threshold * 256)
    assert rows[1]["threshold_low"] == "" and rows[0]["statistics_limited"] in ("True", "False")
    document = json.loads(paths["json"].read_text())
    assert document["build"] == "t" and document["score_type"] == "ap_ufixed<16,8>"
    assert document["working_points"][1]["rate_khz"] == pytest.approx(points[1].rate_khz)
    assert "strictly above" in document["accept"]
