"""What an anomaly score sees of zero-bias images (cicada.data.texture), the synthetic model v2 calibrated on it,
and the calibration tools at a small size."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

from cicada.config.loader import config_from_mapping
from cicada.core.errors import ConfigError
from cicada.core.seeds import numpy_stream
from cicada.data.hdf5 import read_event_weights, read_regions, write_regions
from cicada.data.synthetic import pileup
from cicada.data.texture import texture_distance, texture_statistics

from .conftest import REPO


def _noise(rng, n=4000):
    return rng.poisson(8.0, (n, 18, 14)).astype(np.uint16)


def test_texture_of_independent_regions_and_of_blobs():
    rng = np.random.default_rng(2)
    noise = texture_statistics(_noise(rng))
    for value in noise["neighbour_correlation"].values():
        assert abs(value) < 0.06  # independent regions: only the ring means taken off correlate them
    assert noise["eta_profile"] == pytest.approx([4.0] * 14, rel=0.02)  # 8 LSB = 4 GeV everywhere
    blobs = _noise(rng)
    phi, eta = rng.integers(0, 18, len(blobs)), rng.integers(1, 13, len(blobs))
    for dp in (-1, 0, 1):  # a 3x3 blob of 12 GeV per region in every event
        for de in (-1, 0, 1):
            blobs[np.arange(len(blobs)), (phi + dp) % 18, eta + de] += 24
    clumped = texture_statistics(blobs)
    assert clumped["neighbour_correlation"]["phi"] > noise["neighbour_correlation"]["phi"] + 0.05
    assert clumped["neighbour_correlation"]["eta"] > noise["neighbour_correlation"]["eta"] + 0.05
    assert clumped["phi_profile"][1] > clumped["phi_profile"][3] + 5  # the hottest region's neighbours
    assert clumped["regions_above"]["10"]["mean"] > noise["regions_above"]["10"]["mean"] + 5
    assert clumped["roughness"]["0.5"] > noise["roughness"]["0.5"]
    assert texture_distance(noise, noise) == {k: 0.0 for k in texture_distance(noise, noise)}
    assert texture_distance(clumped, noise)["neighbour_correlation"] > 0.05
    # weights: a weighted half counts as much as the same events repeated
    half = texture_statistics(blobs[:2000], np.full(2000, 2.0))
    assert half["eta_profile"] == pytest.approx(texture_statistics(blobs[:2000])["eta_profile"])


def test_v1_draws_what_it_always_drew_and_v2_is_chosen_explicitly():
    """The default model is v1, byte for byte the data of earlier versions (the hash was taken before v2
    existed); v2 is a config choice, only for the synthetic generator."""
    crossings = pileup.zero_bias_crossings(3000, 60.0, numpy_stream(42, "x"))
    assert hashlib.sha256(crossings.images.tobytes()).hexdigest()[:16] == "de9102cf520bd0c1"
    assert pileup.MODELS["v1"] is pileup.DEFAULT_MODEL and pileup.DEFAULT_MODEL.spray_fraction == 0
    data = {"signals": [{"name": "dijet", "kind": "dijet_resonance", "events": 10}]}
    assert config_from_mapping({"name": "a", "data": data}).data.synthetic_model == "v1"
    assert config_from_mapping({"name": "a", "data": {**data, "synthetic_model": "v2"}}).data.synthetic_model == "v2"
    with pytest.raises(ConfigError, match="key 'data.synthetic_model': expected v1 with generator 'pythia'"):
        config_from_mapping({"name": "a", "data": {**data, "generator": "pythia", "synthetic_model": "v2"}})


def test_v2_sprays_correlate_neighbouring_regions_and_keep_the_total():
    v1 = pileup.zero_bias_crossings(3000, 60.0, numpy_stream(3, "t"), pileup.MODELS["v1"]).images
    v2 = pileup.zero_bias_crossings(3000, 60.0, numpy_stream(3, "t"), pileup.MODELS["v2"]).images
    again = pileup.zero_bias_crossings(3000, 60.0, numpy_stream(3, "t"), pileup.MODELS["v2"]).images
    assert np.array_equal(v2, again) and not np.array_equal(v1, v2)  # seeded, and another model
    t1, t2 = texture_statistics(v1), texture_statistics(v2)
    for key in ("phi", "eta", "diagonal"):
        assert t2["neighbour_correlation"][key] > t1["neighbour_correlation"][key] + 0.02
    assert v2.astype(float).sum(axis=(1, 2)).mean() == pytest.approx(v1.astype(float).sum(axis=(1, 2)).mean(), rel=0.05)
    # with region bits the sprays' ECAL share comes from the side stream: the ET is the same with and without bits
    bits = pileup.zero_bias_crossings(500, 60.0, numpy_stream(3, "b"), pileup.MODELS["v2"], bits=True).images
    plain = pileup.zero_bias_crossings(500, 60.0, numpy_stream(3, "b"), pileup.MODELS["v2"]).images
    assert np.array_equal(bits["et"], plain)


@pytest.mark.slow  # runs Pythia and trains a teacher, at a small size (a few minutes on 2 busy cores)
def test_the_calibration_tools_run_at_a_small_size(tmp_path):
    reference = tmp_path / "pythia.h5"
    run = [sys.executable]
    made = subprocess.run(
        [*run, str(REPO / "tools/pythia_zero_bias_sample.py"), "-o", str(reference), "--crossings", "300",
         "--pool", "300", "--slice-events", "10", "--seed", "5", "--cache", str(tmp_path / "cache")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-2000:]
    weights = read_event_weights(reference)
    assert len(read_regions(reference)) == len(weights) == 380 and weights.sum() == pytest.approx(1.0)
    out = tmp_path / "texture.json"
    calibrated = subprocess.run(
        [*run, str(REPO / "tools/calibrate_zero_bias_texture.py"), "--reference", str(reference), "--images", "600",
         "--slice-events", "10", "--fit", "--fit-images", "400", "--fit-slice-events", "10", "--sweeps", "1",
         "--transfer", "--train-images", "500", "--epochs", "1", "--figures", str(tmp_path / "figures"),
         "--output", str(out)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert calibrated.returncode == 0, calibrated.stderr[-2000:]
    document = json.loads(out.read_text())
    assert set(document["candidates"]) == {"v1", "v2", "v2 (fitted)"}
    for stats in document["candidates"].values():
        assert set(stats["distance"]) >= {"neighbour_correlation", "roughness", "regions_above"}
    for points in document["transfer"].values():
        assert [p["target_khz"] for p in points] == [1.0, 3.0, 10.0, 30.0, 100.0]
        assert all(p["rate_khz"] >= 0 and p["ratio"] == pytest.approx(p["rate_khz"] / p["target_khz"]) for p in points)
    figures = sorted(p.name for p in (tmp_path / "figures").glob("*.png"))
    assert figures == ["texture_counts.png", "texture_eta.png", "texture_phi.png", "texture_transfer.png"]
    assert "neighbour correlation (phi)" in calibrated.stdout and "transfer, teacher trained on synthetic v1" in (
        calibrated.stdout
    )
    # a reference without weights is refused with one line
    plain = tmp_path / "plain.h5"
    write_regions(plain, read_regions(reference))
    refused = subprocess.run(
        [*run, str(REPO / "tools/calibrate_zero_bias_texture.py"), "--reference", str(plain)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert refused.returncode != 0 and "no 'EventWeight' dataset" in refused.stderr
