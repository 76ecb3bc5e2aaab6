"""Seeds at their menu rates, one answer per question (plot and table), AUC intervals, rates on any zero-bias sample."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cicada.core import l1_menu
from cicada.core.errors import DataError
from cicada.data.datasets import ZERO_BIAS_TEST, dataset_path
from cicada.data.hdf5 import read_scores, write_regions, write_scores
from cicada.evaluation import metrics, rates, rates_section, seed_fit
from cicada.evaluation.rate_sample import from_files
from cicada.pipeline.stages import rates as stage

from .test_rates_stage import _images, _score, rate_build  # noqa: F401  (rate_build is a fixture)

Z = rates.ZERO_BIAS_RATE_KHZ


def _weighted_sample(rng):
    """A bulk of 20,000 events (weight 0.99/20,000 each) and a tail of 5,000 (0.01/5,000 each), as a zero-bias
    test set stitched to hard-scatter slices; the quantity is exponential in the bulk, harder in the tail."""
    bulk = rng.exponential(20.0, 20_000)
    tail = 60 + rng.exponential(40.0, 5_000)
    values = np.round(np.concatenate([bulk, tail]) * 2) / 2  # 0.5 GeV steps, like region ET
    weights = np.concatenate([np.full(20_000, 0.99 / 20_000), np.full(5_000, 0.01 / 5_000)])
    return values, weights


def test_fitted_seed_thresholds_hit_their_rates_on_a_weighted_sample():
    values, weights = _weighted_sample(np.random.default_rng(3))
    for target in (3.0, 5.0, 10.0, 100.0):
        threshold = seed_fit.fit_threshold(values, weights, target)
        rate = weights[values >= threshold].sum() * Z
        assert rate == pytest.approx(target, rel=0.1)
        # no other threshold the sample allows comes closer
        for other in np.unique(values):
            assert abs(weights[values >= other].sum() * Z - target) >= abs(rate - target) - 1e-9
    # the seeds of a config, fitted: each accepts (>=) at its fitted threshold and runs at its menu rate
    from cicada.evaluation.l1_seeds import Seed

    seeds = [Seed("SingleJet", "L1_SingleJet180", "leading_jet_gev", 180, 108, "", target_rate_khz=3.0)]
    (fitted,) = seed_fit.fitted(seeds, {"leading_jet_gev": values}, weights)
    assert fitted.region_threshold_gev == seed_fit.fit_threshold(values, weights, 3.0)
    assert fitted.menu_threshold_gev == 180 and seeds[0].region_threshold_gev == 108  # the input is left alone


def test_menu_facts_have_one_home_and_say_when_they_are_assumed(tmp_path):
    from cicada.config.loader import load_config
    from cicada.evaluation import l1_seeds

    from .conftest import TINY, write_config

    config = load_config(write_config(tmp_path, TINY))
    seeds = config.rates.seeds
    assert seeds.thresholds == "fitted"
    assert (seeds.single_jet_gev, seeds.htt_gev, seeds.etm_gev) == (180.0, 280.0, 90.0)
    assert (seeds.single_jet_rate_khz, seeds.htt_rate_khz, seeds.etm_rate_khz) == tuple(
        s.rate_khz for s in l1_menu.SEEDS.values()
    )
    made = l1_seeds.seeds_of(config, 0.6)
    for seed, fact in zip(made, l1_menu.SEEDS.values()):
        assert seed.target_rate_khz == fact.rate_khz and seed.target_rate_measured == fact.rate_measured
        assert ("assumed, not measured" in seed.target_rate_source) == (not fact.rate_measured)
        assert seed.menu_region_threshold_gev == pytest.approx(fact.threshold_gev * 0.6)
    given = load_config(write_config(tmp_path, {**TINY, "rates": {"seeds": {"htt_rate_khz": 7.5}}}, "b.yaml"))
    htt = l1_seeds.seeds_of(given, 0.6)[1]
    assert (htt.target_rate_khz, htt.target_rate_measured) == (7.5, None)
    assert htt.target_rate_source == "rates.seeds.htt_rate_khz in the config"


def _weighted_build(rate_build, monkeypatch, **kwargs):  # noqa: F811
    """The rate_build datasets plus 500 weighted hard-scatter events, stitched as the data stage stitches slices."""
    context = rate_build(**kwargs)
    rng = np.random.default_rng(1)
    slices = _images(rng, 500, jet_gev=200.0)
    write_regions(dataset_path(context.data_dir, "zero_bias_slices"), slices, pileup=rng.poisson(60, 500))
    scores = read_scores(context.scores_file)
    scores["zero_bias_slices"] = {"firmware": _score(slices, rng)}
    if "teacher_mse" in scores[ZERO_BIAS_TEST]:
        scores["zero_bias_slices"]["teacher_mse"] = np.exp(scores["zero_bias_slices"]["firmware"] / 8.0)
    write_scores(context.scores_file, scores)
    weights = {ZERO_BIAS_TEST: np.full(3000, 0.99 / 3000), "zero_bias_slices": np.full(500, 0.01 / 500)}
    monkeypatch.setattr(stage, "rate_sample_weights", lambda data_dir, config: weights)
    return context, scores, weights


def test_seeds_fitted_on_the_rate_sample_and_the_report_shows_both_thresholds(rate_build, monkeypatch):  # noqa: F811
    context, _, weights = _weighted_build(rate_build, monkeypatch)
    result = stage.run(context)
    summary = result.seeds
    assert summary.thresholds == "fitted" and summary.budget_khz == l1_menu.LEVEL1_BUDGET_KHZ
    for seed in summary.seeds:
        assert seed.target_rate_khz is not None and seed.menu_threshold_rate_khz is not None
        assert seed.menu_region_threshold_gev == pytest.approx(seed.menu_threshold_gev * 0.6)
    markdown = "\n".join(rates_section.section(dataclasses.asdict(result), lambda path: path))
    for text in ("(fitted)", "assumed, not measured", "menu threshold x response", "Level-1 budget of 100 kHz"):
        assert text in markdown
    assert "pure rate (kHz)" in markdown and "gain dijet" in markdown
    # the same sample with the menu thresholds x response: the applied thresholds are the menu's
    menu = context.config.model_copy(
        update={
            "rates": context.config.rates.model_copy(
                update={"seeds": context.config.rates.seeds.model_copy(update={"thresholds": "menu"})}
            )
        }
    )
    context.config = menu
    by_menu = stage.run(context).seeds
    for seed, fitted in zip(by_menu.seeds, summary.seeds):
        assert seed.region_threshold_gev == pytest.approx(seed.menu_region_threshold_gev)
        assert seed.rate_khz == pytest.approx(fitted.menu_threshold_rate_khz)


def test_efficiency_plot_and_table_agree_at_every_working_point(rate_build, monkeypatch):  # noqa: F811
    context, scores, weights = _weighted_build(rate_build, monkeypatch, teacher=lambda f: np.exp(f / 8.0))
    drawn = {}
    real = stage.plot_efficiency_vs_rate

    def recording(*args, **kwargs):
        drawn.update(real(*args, **kwargs))
        return drawn

    monkeypatch.setattr(stage, "plot_efficiency_vs_rate", recording)
    result = stage.run(context)
    assert (context.root / result.efficiency_plot).read_bytes()[:4] == b"\x89PNG"
    assert result.efficiency_plot.endswith("roc_vs_rate.png") and result.weighted
    for name in ("dijet", "egamma"):
        rate, efficiency = drawn[name]
        marker_rate, marker_efficiency = drawn[f"{name} working points"]
        shown = [wp for wp in result.working_points if wp.rate_khz > 0]
        assert marker_rate == pytest.approx([wp.rate_khz for wp in shown])
        assert marker_efficiency == pytest.approx([wp.signal_efficiency[name] for wp in shown])
        for wp in shown:  # every working point of the table is a point of the curve drawn
            at = np.flatnonzero(rate == wp.rate_khz)
            assert at.size == 1, (name, wp.target_khz)
            assert efficiency[at[0]] == wp.signal_efficiency[name]
    # the unweighted test events alone (what the figure once showed) would not pass through the table's points
    alone = rates.efficiency_curve(rates.RateCurve.from_scores(scores[ZERO_BIAS_TEST]["firmware"]), [0.0], 1 / 256)
    table_rates = {wp.rate_khz for wp in result.working_points if wp.rate_khz > 0}
    assert not table_rates <= set(alone.rate_khz.tolist())


def test_auc_intervals_cover_the_auc_and_shrink_with_more_events():
    rng = np.random.default_rng(8)
    widths = []
    for n in (400, 4000):
        background = {"firmware": rng.normal(0, 1, n), "teacher": rng.normal(0, 1, n)}
        signal = {"s": {"firmware": rng.normal(1, 1, n // 4), "teacher": rng.normal(1.2, 1, n // 4)}}
        intervals = metrics.auc_intervals(background, signal, np.random.default_rng(1), 200, 0.6827)
        auc = metrics.roc_auc(background["firmware"], signal["s"]["firmware"])
        low, high = intervals["s"]["firmware"]
        assert low < auc < high
        # Hanley-McNeil's standard error of an AUC, as a cross-check of the bootstrap's width
        q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
        n_s = n // 4
        se = np.sqrt((auc * (1 - auc) + (n_s - 1) * (q1 - auc**2) + (n - 1) * (q2 - auc**2)) / (n * n_s))
        assert (high - low) / 2 == pytest.approx(se, rel=0.3)
        assert intervals["s"]["firmware_minus_teacher"][0] < intervals["s"]["firmware_minus_teacher"][1]
        widths.append(high - low)
    assert widths[1] < widths[0] / 2


def _zero_bias_file(path, rng, n, weights=None, jet_gev=0.0):
    images = _images(rng, n, jet_gev=jet_gev)
    write_regions(path, images, weights=weights)
    return images


def test_rates_on_a_zero_bias_sample_with_and_without_weights(rate_build, tmp_path):  # noqa: F811
    context = rate_build()
    rng = np.random.default_rng(12)
    plain = tmp_path / "recorded.h5"
    images = _zero_bias_file(plain, rng, 2000)
    firmware = {"firmware": _score(images, rng)}
    sample, how = from_files([plain], [firmware])
    assert not sample.weighted and "unweighted" in how and sample.weights.sum() == pytest.approx(1.0)
    own = read_scores(context.scores_file)
    result = stage.evaluate(context, sample, own, how, reference=stage.build_sample(context, own))
    assert result.rate_sample == {"recorded": 2000} and result.sample_source == "zero-bias recorded.h5"
    # the build's own thresholds, and what they give on this sample
    build = stage.run(context)
    for transfer, point in zip(result.build_thresholds, build.working_points):
        assert transfer.threshold == point.threshold and transfer.own_rate_khz == pytest.approx(point.rate_khz)
        passing = np.count_nonzero(firmware["firmware"] > point.threshold)
        assert transfer.rate_khz == pytest.approx(passing / 2000 * Z)
        assert transfer.ratio == pytest.approx(transfer.rate_khz / transfer.target_khz)
    assert build.build_thresholds is None
    markdown = "\n".join(rates_section.section(dataclasses.asdict(result), lambda path: path))
    assert "how its thresholds transfer" in markdown and "Rate sample (zero-bias recorded.h5)" in markdown
    for wp in result.working_points:
        assert wp.rate_khz == pytest.approx(np.count_nonzero(firmware["firmware"] > wp.threshold) / 2000 * Z)
    assert result.pileup is None and "recorded.h5 carries no per-event pileup" in result.pileup_note

    # weighted: a bulk and a hard tail in two files, weights scaled to add up to 1 over both
    bulk, tail = tmp_path / "bulk.h5", tmp_path / "tail.h5"
    bulk_images = _zero_bias_file(bulk, rng, 2000, weights=np.full(2000, 2.0))
    tail_images = _zero_bias_file(tail, rng, 400, weights=np.full(400, 0.01), jet_gev=250.0)
    scores = [{"firmware": _score(bulk_images, rng)}, {"firmware": _score(tail_images, rng)}]
    sample, how = from_files([bulk, tail], scores)
    assert sample.weighted and "added up to 4004" in how
    assert sample.weights.sum() == pytest.approx(1.0) and sample.weights[-1] == pytest.approx(0.01 / 4004)
    weighted = stage.evaluate(context, sample, read_scores(context.scores_file), how)
    everything = np.concatenate([s["firmware"] for s in scores])
    for wp in weighted.working_points:
        assert wp.rate_khz == pytest.approx(sample.weights[everything > wp.threshold].sum() * Z)
    # the seeds are fitted on this sample: its tail holds their rate
    assert weighted.seeds.seeds[0].rate_khz > 0
    unweighted, how = from_files([bulk, tail], scores, "unweighted")
    assert not unweighted.weighted and unweighted.weights[0] == pytest.approx(1 / 2400)

    # asked for weights a file does not carry, or weights in one file and not the other: one clear error
    with pytest.raises(DataError, match=r"recorded.h5: no 'EventWeight' dataset, expected per-event weights"):
        from_files([plain], [firmware], "weighted")
    with pytest.raises(DataError, match="no 'EventWeight' dataset while .*bulk.h5 has one"):
        from_files([plain, bulk], [firmware, scores[0]])
