"""The rates stage on constructed datasets and scores (no training): files, result, report section."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from pydantic import TypeAdapter

from cicada.config.loader import load_config
from cicada.core.errors import DataError
from cicada.data.datasets import ZERO_BIAS_TEST, dataset_path
from cicada.data.hdf5 import read_scores, write_regions, write_scores
from cicada.evaluation import rates_section
from cicada.models.score import quantize_score
from cicada.pipeline.context import BuildContext
from cicada.pipeline.stages import rates as stage

from .conftest import TINY, write_config


def _images(rng, n, jet_gev=0.0):
    """Noise of a few GeV per region, plus one 3x3 jet of ``jet_gev`` per event when asked."""
    images = rng.poisson(3.0, (n, 18, 14))
    if jet_gev:
        phi, eta = rng.integers(0, 18, n), rng.integers(1, 13, n)
        for dp in (-1, 0, 1):
            for de in (-1, 0, 1):
                images[np.arange(n), (phi + dp) % 18, eta + de] += int(jet_gev / 9 / 0.5)
    return np.minimum(images, 1023).astype(np.uint16)


def _score(images, rng):
    """A stand-in anomaly score that grows with the event's largest region."""
    return quantize_score(images.max(axis=(1, 2)) / 4 + rng.normal(0, 0.5, len(images)))


@pytest.fixture
def rate_build(tmp_path):
    """A build folder with datasets and a scores file, as the data and scores stages leave them."""

    def make(with_pileup: bool = True, drop_scores: bool = False, teacher=None, variations: dict | None = None):
        # unweighted: zero_bias_test alone is the rate sample (no hard-scatter slices)
        data = {**TINY["data"], "slices": {"events": 0}, "pileup_variations": list(variations or {})}
        config_path = write_config(tmp_path, {**TINY, "data": data, "rates": {"target_rates_khz": [100.0, 1000.0]}})
        context = BuildContext(load_config(config_path), config_path, root=tmp_path)
        rng = np.random.default_rng(0)
        zero_bias = _images(rng, 3000)
        zero_bias[:60] = _images(rng, 60, jet_gev=250.0)  # a tail the seeds take
        pileup = rng.poisson(60, 3000) if with_pileup else None
        write_regions(dataset_path(context.data_dir, ZERO_BIAS_TEST), zero_bias, pileup=pileup)
        scores = {ZERO_BIAS_TEST: {"firmware": _score(zero_bias, rng)}}
        for name, jet in (("dijet", 300.0), ("egamma", 0.0)):
            images = _images(rng, 300, jet_gev=jet)
            if not jet:
                images[:, 4, 6] = 80  # one hot region (40 GeV): anomalous, but no seed fires
            write_regions(dataset_path(context.data_dir, name), images)
            scores[name] = {"firmware": _score(images, rng)}
        for mu, scores_there in (variations or {}).items():  # already scored, as the scores stage leaves them
            scores[f"zero_bias_mu{mu}"] = {"firmware": scores_there}
        if teacher is not None:  # a teacher MSE made from the firmware score
            for entry in scores.values():
                entry["teacher_mse"] = teacher(entry["firmware"])
        if drop_scores:
            del scores[ZERO_BIAS_TEST]
        write_scores(context.scores_file, scores)
        return context

    return make


def test_rates_stage_writes_thresholds_plots_and_a_stampable_result(rate_build):
    context = rate_build()
    result = stage.run(context)
    assert result.rate_sample == {ZERO_BIAS_TEST: 3000} and not result.weighted
    for path in (result.rate_plot, result.score_plot, result.pileup.plot):
        assert (context.root / path).read_bytes()[:4] == b"\x89PNG"
    document = json.loads((context.root / result.thresholds_json).read_text())
    assert [wp["threshold"] for wp in document["working_points"]] == [wp.threshold for wp in result.working_points]
    for wp in result.working_points:
        low, high = wp.threshold_interval
        assert low <= high and wp.rate_khz <= wp.target_khz
        assert set(wp.signal_efficiency) == {"dijet", "egamma"}
        assert wp.pure_rate_khz <= wp.rate_khz <= wp.total_rate_khz
        for name, gain in wp.signal_gain.items():
            assert gain.value <= wp.signal_efficiency[name]
    seeds = result.seeds
    assert [s.menu_seed for s in seeds.seeds] == ["L1_SingleJet180", "L1_HTT280er", "L1_ETMHF90"]
    jet = seeds.seeds[0]
    assert 0 < jet.rate_khz <= 60 / 3000 * 28_607.28 + 1e-6  # the injected jets, perhaps a few noise events
    assert seeds.signal_efficiency["dijet"].value > 0.9 and seeds.signal_efficiency["egamma"].value < 0.1
    # the anomaly trigger's gain is on the signal the seeds miss
    loose = result.working_points[-1]
    assert loose.signal_gain["egamma"].value > loose.signal_gain["dijet"].value
    assert len(result.pileup.bins) >= 2 and sum(b.events for b in result.pileup.bins) == 3000
    # the stamp stores the result as plain data and reads it back
    plain = dataclasses.asdict(result)
    assert TypeAdapter(stage.RatesResult).validate_python(json.loads(json.dumps(plain))) == result
    markdown = "\n".join(rates_section.section(plain, lambda path: path))
    for text in ("## Trigger rates", "L1_HTT280er", "Clopper-Pearson", "Poisson bootstrap", "Rate against pileup"):
        assert text in markdown
    assert "rate_vs_pileup.png" in markdown and "thresholds.csv" in markdown


def test_teacher_working_points_on_a_known_teacher(rate_build):
    # a strictly increasing function of the firmware score selects the same events at every rate
    result = stage.run(rate_build(teacher=lambda firmware: np.exp(firmware / 8.0)))
    assert len(result.teacher_working_points) == len(result.working_points)
    for firmware, teacher in zip(result.working_points, result.teacher_working_points):
        assert teacher.rate_khz == pytest.approx(firmware.rate_khz)
        assert teacher.signal_efficiency == pytest.approx(firmware.signal_efficiency)
    # a teacher blind to the signals' hot regions (its MSE ignores the score) accepts them at the zero-bias rate
    blind = stage.run(rate_build(teacher=lambda firmware: np.random.default_rng(3).random(firmware.size)))
    loose = blind.teacher_working_points[-1]
    assert loose.signal_efficiency["dijet"] < 0.5 < result.teacher_working_points[-1].signal_efficiency["dijet"]
    markdown = "\n".join(rates_section.section(dataclasses.asdict(result), lambda path: path))
    assert "dijet (teacher)" in markdown and "dijet (firmware)" in markdown
    # without a teacher (an imported model) there are none, and the table has one row per signal
    plain = stage.run(rate_build())
    assert plain.teacher_working_points is None
    assert "(teacher)" not in "\n".join(rates_section.section(dataclasses.asdict(plain), lambda path: path))


def test_rates_stage_without_pileup_says_why(rate_build):
    context = rate_build(with_pileup=False)
    result = stage.run(context)
    assert result.pileup is None and "zero_bias_test.h5 carries no per-event pileup" in result.pileup_note
    assert not (context.project_dir / stage.PILEUP_PLOT).exists()
    markdown = "\n".join(rates_section.section(dataclasses.asdict(result), lambda path: path))
    assert "carries no per-event pileup counts" in markdown


def test_rates_stage_without_scores_for_the_rate_sample(rate_build):
    context = rate_build(drop_scores=True)
    with pytest.raises(DataError, match="scores.h5: no scores for 'zero_bias_test'"):
        stage.run(context)


def test_rates_stage_with_a_weighted_slice_sample(rate_build, monkeypatch):
    """A weighted rate sample of two datasets (as the data stage's slices will give): rates are
    weight sums over both, seeds and pileup are read from both files."""
    context = rate_build()
    rng = np.random.default_rng(1)
    slices = _images(rng, 500, jet_gev=200.0)
    path = dataset_path(context.data_dir, "zero_bias_slices")
    write_regions(path, slices, pileup=rng.poisson(60, 500))
    scores = {**read_scores(context.scores_file), "zero_bias_slices": {"firmware": _score(slices, rng)}}
    write_scores(context.scores_file, scores)
    weights = {ZERO_BIAS_TEST: np.full(3000, 0.99 / 3000), "zero_bias_slices": np.full(500, 0.01 / 500)}
    monkeypatch.setattr(stage, "rate_sample_weights", lambda data_dir, config: weights)
    result = stage.run(context)
    assert result.weighted and result.rate_sample == {ZERO_BIAS_TEST: 3000, "zero_bias_slices": 500}
    assert result.smallest_measurable_rate_khz == pytest.approx(0.01 / 500 * 28_607.28)
    all_scores = np.concatenate([scores[ZERO_BIAS_TEST]["firmware"], scores["zero_bias_slices"]["firmware"]])
    all_weights = np.concatenate(list(weights.values()))
    for wp in result.working_points:
        passing = all_scores > wp.threshold
        assert wp.rate_khz == pytest.approx(all_weights[passing].sum() * 28_607.28)
        assert wp.rate_uncertainty_khz == pytest.approx(np.sqrt((all_weights[passing] ** 2).sum()) * 28_607.28)
    assert sum(b.events for b in result.pileup.bins) == 3500
    assert sum(b.weight for b in result.pileup.bins) == pytest.approx(1.0)


def test_rates_at_other_mean_pileups(rate_build):
    # two stand-in samples: at mu 50 no event passes any threshold, at mu 70 every other event passes all
    high = np.tile([0.0, 1e6], 1000)
    result = stage.run(rate_build(variations={50: np.zeros(2000), 70: high}))
    low, loud = result.pileup_datasets
    assert (low.name, low.mean_pileup, low.events) == ("zero_bias_mu50", 50.0, 2000)
    assert low.rate_khz == [0.0, 0.0] and low.events_passing == [0, 0]
    assert loud.events_passing == [1000, 1000]
    assert loud.rate_khz == pytest.approx([0.5 * 28_607.28] * 2)
    assert loud.rate_uncertainty_khz == pytest.approx([np.sqrt(1000) / 2000 * 28_607.28] * 2)
    markdown = "\n".join(rates_section.section(dataclasses.asdict(result), lambda path: path))
    assert "At other mean pileups" in markdown and "| 70 | zero_bias_mu70 | 2,000 |" in markdown
    assert result.pileup.plot and (result.pileup_datasets[0].name in markdown)
    assert stage.run(rate_build()).pileup_datasets == []  # none asked for


def test_rate_against_reconstructed_vertices_from_a_2025_style_rate_sample(rate_build):
    """Recorded zero-bias carries vertex counts, not interactions: the table and plot say so, and
    the seeds read the ET of images with bits."""
    from cicada.data.hdf5 import read_regions
    from cicada.data.region_bits import with_bits

    context = rate_build(with_pileup=False)
    path = dataset_path(context.data_dir, ZERO_BIAS_TEST)
    et = read_regions(path)
    rng = np.random.default_rng(5)
    images = with_bits(et, rng.integers(0, 2, et.shape), rng.integers(0, 2, et.shape))
    vertices = rng.poisson(45, len(et))
    write_regions(path, images, pv_npvs=vertices + 5, pv_npvs_good=vertices)
    result = stage.run(context)
    assert result.pileup.quantity == "PV_npvsGood"
    assert (
        result.pileup_note == "measured from the reconstructed good primary vertices (PV_npvsGood) of the rate sample"
    )
    assert sum(b.events for b in result.pileup.bins) == len(et) and result.pileup.bins[0].low == vertices.min()
    markdown = "\n".join(rates_section.section(dataclasses.asdict(result), lambda path: path))
    assert "this many reconstructed good primary vertices (PV_npvsGood)" in markdown
    assert "| PV_npvsGood | events |" in markdown
    assert result.seeds.seeds[0].rate_khz > 0  # the injected jets, found in the ET field
