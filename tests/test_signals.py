"""Every synthetic signal kind differs from zero-bias in the way its physics says."""

from __future__ import annotations

import numpy as np
import pytest

from cicada.core import geometry as geo
from cicada.core.seeds import numpy_stream
from cicada.data.imagestats import hottest_region, missing_et, total_et
from cicada.data.signals import SIGNAL_KINDS, sample_config, signal_images
from cicada.data.synthetic import pileup as synthetic

N = 600


@pytest.fixture(scope="module")
def zero_bias():
    return synthetic.zero_bias(N, 60.0, numpy_stream(11, "zero_bias"))


def generate(kind: str, events: int = N, **physics) -> np.ndarray:
    sample = sample_config({"name": kind, "kind": kind, "events": events, **physics})
    return signal_images(sample, 60.0, numpy_stream(11, kind))


def regions_above(images, threshold):
    return (images.reshape(len(images), -1) > threshold).sum(axis=1)


def test_every_generated_kind_is_tested():
    tested = {
        "dijet_resonance",
        "top_pair_multijet",
        "isolated_egamma",
        "monojet",
        "soft_spray",
        "long_lived_decay",
        "detector_fault",
        "vbf_higgs_tautau",
    }
    assert set(SIGNAL_KINDS) - {"files", "pythia"} == tested  # those two: test_data_files, test_pythia_data


def test_dijet_resonance_has_two_hard_jets_back_to_back_in_phi(zero_bias):
    images = generate("dijet_resonance", mass_gev=1000.0)
    assert np.median(hottest_region(images)) > 8 * np.median(hottest_region(zero_bias))
    # the two hottest regions, when in the barrel-ish, sit ~180 degrees apart in phi
    flat = images.reshape(N, -1)
    first, second = np.argsort(flat, axis=1)[:, -1], np.argsort(flat, axis=1)[:, -2]
    phi_first, phi_second = geo.REGION_PHI_CENTRES[first // geo.N_ETA], geo.REGION_PHI_CENTRES[second // geo.N_ETA]
    separation = np.abs(np.angle(np.exp(1j * (phi_first - phi_second))))
    strong = flat[np.arange(N), second] > 100  # both jets well above pileup
    assert strong.mean() > 0.5
    assert np.mean(separation[strong] > np.radians(140)) > 0.8
    # a heavier resonance gives harder jets
    heavier = generate("dijet_resonance", mass_gev=2000.0)
    assert np.median(hottest_region(heavier)) > 1.5 * np.median(hottest_region(images))


def test_top_pair_gives_many_jets(zero_bias):
    images = generate("top_pair_multijet")
    assert np.median(regions_above(images, 40)) >= 4
    assert np.median(regions_above(zero_bias, 40)) <= 1
    # two tops of transverse energy ~sqrt(172.5**2 + 100**2) = 200 GeV, x 0.6 response: ~480 LSB
    assert total_et(images).mean() > total_et(zero_bias).mean() + 350


def test_vbf_higgs_tautau_has_forward_jets_and_central_tau_deposits(zero_bias):
    images = generate("vbf_higgs_tautau").astype(np.int64)
    forward, central = [0, 1, 2, 11, 12, 13], list(range(3, 11))
    # the tagging jets add ET in the outer rings (those beyond |eta| 3 are not imaged)
    assert (
        images[:, :, forward].sum(axis=(1, 2)).mean()
        > zero_bias[:, :, forward].astype(int).sum(axis=(1, 2)).mean() + 80
    )
    # the taus: a hot central region far above pileup's, most of it in one region (narrow)
    hottest = np.median(images[:, :, central].reshape(N, -1).max(axis=1))
    assert hottest > np.median(zero_bias[:, :, central].reshape(N, -1).max(axis=1)) + 25
    # a heavier boson gives harder taus
    heavy = generate("vbf_higgs_tautau", higgs_mass_gev=500.0).astype(np.int64)
    assert np.median(heavy[:, :, central].reshape(N, -1).max(axis=1)) > 1.5 * hottest


def test_top_pairs_with_leptonic_w_bosons_carry_less_et(zero_bias):
    images = generate("top_pair_multijet", decay="dileptonic")
    hadronic = generate("top_pair_multijet")
    assert total_et(images).mean() < total_et(hadronic).mean() - 100  # neutrinos and muons are invisible


def test_isolated_egamma_is_one_narrow_deposit(zero_bias):
    images = generate("isolated_egamma", pt_min_gev=40.0, pt_max_gev=60.0)
    hottest = hottest_region(images)
    # 40-60 GeV x 0.95 response = 76-114 LSB in one region on top of pileup
    assert np.median(hottest) > np.median(hottest_region(zero_bias)) + 60
    # nothing else hard: the second-hottest region looks like pileup
    second = np.sort(images.reshape(N, -1), axis=1)[:, -2]
    assert np.median(second) < np.median(hottest_region(zero_bias)) + 10


def test_monojet_has_large_missing_et(zero_bias):
    images = generate("monojet", pt_min_gev=200.0, pt_max_gev=400.0)
    assert np.median(missing_et(images)) > 4 * np.median(missing_et(zero_bias))
    assert np.median(hottest_region(images)) > 150


def test_soft_spray_adds_energy_without_a_hot_spot(zero_bias):
    images = generate("soft_spray", mean_particles=300.0, mean_et_gev=2.0)
    assert total_et(images).mean() > total_et(zero_bias).mean() + 400  # ~300 x 2 GeV x 0.6 = 360 GeV
    assert np.median(hottest_region(images)) < 2 * np.median(hottest_region(zero_bias))


def test_long_lived_decays_only_show_inside_the_calorimeter():
    # same random stream, one chunk: every sample below sits on exactly the same pileup
    zero_bias = synthetic.zero_bias(N, 60.0, numpy_stream(11, "long_lived_decay"))
    prompt = generate("long_lived_decay", ctau_m=0.001)
    beyond = generate("long_lived_decay", ctau_m=1000.0)
    extra_prompt = total_et(prompt).mean() - total_et(zero_bias).mean()
    extra_beyond = total_et(beyond).mean() - total_et(zero_bias).mean()
    assert extra_prompt > 100  # two b-jets' worth of ET
    assert abs(extra_beyond) < 0.1 * extra_prompt  # decays far outside: nearly nothing seen
    middle = generate("long_lived_decay", ctau_m=2.0)
    extra_middle = total_et(middle).mean() - total_et(zero_bias).mean()
    assert extra_beyond < extra_middle < extra_prompt
    # with c*tau = 1 km, a decay inside the 2.95 m calorimeter is rare: most events are untouched
    assert np.mean(np.all(beyond == zero_bias, axis=(1, 2))) > 0.95


def test_inside_calorimeter():
    assert geo.inside_calorimeter(1.0, 0.0) and geo.inside_calorimeter(2.9, 5.0)
    assert not geo.inside_calorimeter(3.0, 0.0) and not geo.inside_calorimeter(0.5, 6.0)


def test_hot_tower_sits_in_the_same_place_in_every_event():
    images = generate("detector_fault", fault="hot_tower", et_gev=100.0, location="fixed")
    column = images.reshape(N, -1)
    place = np.argmax(column.mean(axis=0))
    assert np.all(column[:, place] >= 200)  # 100 GeV = 200 LSB, plus pileup
    assert np.mean(np.argmax(column, axis=1) == place) > 0.95


def test_saturating_hot_tower_stops_at_511():
    images = generate("detector_fault", events=50, fault="hot_tower", et_gev=1000.0)
    hottest = hottest_region(images)
    assert np.all(hottest >= geo.TOWER_ET_MAX) and np.all(hottest <= geo.TOWER_ET_MAX + 200)


def test_dead_region_reads_zero(zero_bias):
    images = generate("detector_fault", fault="dead_region", location="fixed")
    per_region = images.reshape(N, -1)
    dead = np.flatnonzero(per_region.max(axis=0) == 0)
    assert len(dead) == 1
    assert (zero_bias.reshape(N, -1)[:, dead[0]] > 0).mean() > 0.5  # pileup would have filled it


def test_random_fault_location_moves():
    images = generate("detector_fault", fault="hot_region", et_gev=300.0, location="random")
    assert len(np.unique(np.argmax(images.reshape(N, -1), axis=1))) > 100
