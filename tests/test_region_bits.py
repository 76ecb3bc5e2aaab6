"""Region bits: the Layer-1 veto rule on hand-made towers, the in-memory helpers, and the bits of
the synthetic generator and its signals."""

from __future__ import annotations

import numpy as np
import pytest

from cicada.core import geometry as geo
from cicada.core.seeds import numpy_stream
from cicada.data import layer1
from cicada.data.region_bits import (
    CHANNELS,
    REGION_DTYPE,
    bit_occupancy,
    channels,
    has_bits,
    packed_12bit,
    region_et,
    unpack_12bit,
    with_bits,
)
from cicada.data.signals import sample_config, signal_images
from cicada.data.synthetic.pileup import slice_crossings, zero_bias_crossings

# Zero-bias occupancy at mu = 60 (tools/measure_region_bits.py, 20,000 crossings, 2026-12-07): the
# synthetic generator's, and Pythia 8 CP5 min-bias overlaid from a 20,000-event pool.
SYNTHETIC_MU60 = {"egbit": 0.8685, "taubit": 0.6982}
PYTHIA_MU60 = {"egbit": 0.8905, "taubit": 0.7061}


# ------------------------------------------------------------------ the rule on hand-made regions
def region(towers_lsb, ecal_lsb=None):
    """One event whose region (phi 5, eta 7) holds the 4 x 4 towers given as [phi strip][eta strip] LSBs
    (ECAL part: ``ecal_lsb``, default all of it); every other tower is empty."""
    towers = np.zeros((1, *geo.TOWER_SHAPE), dtype=np.uint16)
    ecal = np.zeros_like(towers)
    towers[0, 20:24, 28:32] = towers_lsb
    ecal[0, 20:24, 28:32] = towers_lsb if ecal_lsb is None else ecal_lsb
    et, eg_veto, tau_veto = layer1.region_vetoes(towers, ecal)
    return int(et[0, 5, 7]), bool(eg_veto[0, 5, 7]), bool(tau_veto[0, 5, 7])


def blank():
    return np.zeros((4, 4), dtype=np.uint16)


def test_an_empty_region_has_no_veto():
    assert region(blank()) == (0, False, False)


def test_an_isolated_electron_is_egamma_and_tau_like():
    towers = blank()
    towers[1, 2] = 60  # 30 GeV in one tower, all in the ECAL, over a little pileup
    towers[3, 0] = 2
    assert region(towers) == (62, False, False)


def test_an_electron_spread_in_phi_by_bremsstrahlung_stays_egamma_like():
    towers = blank()
    towers[0:4, 1] = [10, 40, 30, 10]  # four phi strips in a row, one eta strip
    assert region(towers)[1:] == (False, False)


def test_a_narrow_hadronic_tau_is_tau_like_but_vetoed_as_egamma():
    towers = blank()
    towers[2, 2], towers[2, 3] = 40, 20  # two adjacent eta strips
    ecal = blank()
    ecal[2, 2] = 10  # a pi0's photons: a sixth of the ET in the ECAL
    assert region(towers, ecal) == (60, True, False)


def test_a_broad_jet_is_vetoed_both_ways():
    towers = np.full((4, 4), 6, dtype=np.uint16)
    towers[1:3, 0:3] = 30  # active towers in three eta strips
    ecal = towers // 4
    assert region(towers, ecal)[1:] == (True, True)


def test_activity_in_separate_strips_vetoes_even_an_electromagnetic_region():
    towers = blank()
    towers[0, 0], towers[0, 2] = 30, 30  # eta strips 0 and 2: a gap
    assert region(towers)[1:] == (True, True)
    towers = blank()
    towers[0, 0], towers[2, 0] = 30, 30  # phi strips 0 and 2: a gap in phi
    assert region(towers)[1:] == (True, True)


def test_diffuse_energy_outside_the_active_towers_sets_the_tau_veto():
    towers = np.full((4, 4), 3, dtype=np.uint16)  # 48 LSB, activity level 6: no tower active
    assert region(towers)[1:] == (False, True)


def test_the_thresholds_are_strict_and_in_whole_lsbs():
    # region ET 80: a quarter is 20; HCAL 20 passes the e/gamma test, 21 does not
    towers = blank()
    towers[1, 1] = 80
    ecal = blank()
    ecal[1, 1] = 60
    assert region(towers, ecal)[1] is False
    ecal[1, 1] = 59
    assert region(towers, ecal)[1] is True
    # activity level floor(ET / 8): a tower exactly at it is not active (its ET counts as outside)
    towers = blank()
    towers[0, 0], towers[3, 3] = 70, 10  # region 80, level 10: the second tower is not active
    assert region(towers)[1:] == (False, False)
    towers[3, 3] = 11  # region 81, level 10: now active, in another strip with a gap -> veto
    assert region(towers)[1:] == (True, True)


def test_region_et_saturates_and_so_do_its_sums():
    towers = np.full((4, 4), 511, dtype=np.uint16)
    et, eg_veto, tau_veto = region(towers)
    assert et == geo.REGION_ET_MAX and (eg_veto, tau_veto) == (True, True)  # 16 active towers: bad pattern


def test_veto_patterns_do_not_depend_on_the_strip_order():
    """The hardware counts eta outwards on both sides; the sets are symmetric, so our order is fine."""

    def reverse(pattern):
        return int(f"{pattern:04b}"[::-1], 2)

    for patterns in (layer1.BAD_ETA_PATTERNS, layer1.BAD_PHI_PATTERNS):
        assert {reverse(p) for p in patterns} == set(patterns)


def _scalar_rule(towers, ecal):
    """The rule of cicada/data/layer1.py for one region, written out region by region."""
    region_et = min(int(towers.sum()), 1023)
    region_ecal = min(int(ecal.sum()), 1023)
    level = int(region_et * 0.125)
    active = towers > level
    active_et = min(int(towers[active].sum()), 1023)
    eta_pattern = sum(1 << i for i in range(4) if active[:, i].any())
    phi_pattern = sum(1 << i for i in range(4) if active[i, :].any())
    veto = eta_pattern in layer1.BAD_ETA_PATTERNS or phi_pattern in layer1.BAD_PHI_PATTERNS
    allowed = int(region_et * 0.25)
    return region_et, veto or region_et - region_ecal > allowed, veto or region_et - active_et > allowed


def test_the_vectorised_rule_agrees_with_a_region_by_region_reading():
    rng = np.random.default_rng(4)
    n = 6
    towers = np.zeros((n, *geo.TOWER_SHAPE), dtype=np.uint16)
    # sparse towers of very different sizes, so every pattern and threshold case occurs
    hot = rng.random(towers.shape) < rng.choice([0.02, 0.1, 0.4], size=(n, 1, 1))
    towers[hot] = np.minimum(rng.exponential(rng.choice([2, 20, 200], hot.sum())), 511).astype(np.uint16)
    ecal = (towers * rng.random(towers.shape) * (rng.random(towers.shape) < 0.7)).astype(np.uint16)
    et, eg_veto, tau_veto = layer1.region_vetoes(towers, ecal)
    assert np.array_equal(et, geo.towers_to_regions(towers))
    for event in range(n):
        for iphi in range(geo.N_PHI):
            for ieta in range(geo.N_ETA):
                block = np.s_[event, 4 * iphi : 4 * iphi + 4, 4 * ieta : 4 * ieta + 4]
                expected = _scalar_rule(towers[block].astype(int), ecal[block].astype(int))
                assert (et[event, iphi, ieta], eg_veto[event, iphi, ieta], tau_veto[event, iphi, ieta]) == expected
    assert 0.05 < eg_veto.mean() < 0.95 and 0.05 < tau_veto.mean() < 0.95  # both outcomes tested


def test_ecal_counts_never_exceed_the_tower():
    towers_gev = np.array([[[10.0, 200.0, 0.2]]])
    counts = geo.digitise_towers(towers_gev)
    ecal = layer1.ecal_counts(np.array([[[10.4, 200.0, 0.2]]]), counts)
    assert ecal.tolist() == [[[20, geo.TOWER_ECAL_ET_MAX, 0]]]


# ------------------------------------------------------------------ the in-memory layout
def test_helpers_on_both_layouts():
    rng = np.random.default_rng(1)
    et = rng.integers(0, 1024, (5, 18, 14)).astype(np.uint16)
    eg, tau = rng.integers(0, 2, (2, 5, 18, 14))
    images = with_bits(et, eg, tau)
    assert images.dtype == REGION_DTYPE and has_bits(images) and not has_bits(et)
    assert region_et(images) is not None and np.array_equal(region_et(images), et)
    assert region_et(et) is et  # ET-only images are their own ET
    stacked = channels(images)
    assert stacked.shape == (5, 18, 14, 3) and stacked.dtype == np.float32 and CHANNELS == ("et", "taubit", "egbit")
    assert np.array_equal(stacked[..., 0], et) and np.array_equal(stacked[..., 1], tau)
    assert np.array_equal(stacked[..., 2], eg)
    packed = packed_12bit(images)
    assert packed.max() < 4096 and np.array_equal(packed, (et.astype(int) << 2) | (tau << 1) | eg)
    assert np.array_equal(unpack_12bit(packed), images)
    assert bit_occupancy(images) == pytest.approx({"egbit": eg.mean(), "taubit": tau.mean()})
    with pytest.raises(ValueError, match="needs images with e/gamma and tau bits"):
        channels(et)


# ------------------------------------------------------------------ synthetic bits
def test_bits_leave_the_synthetic_et_untouched():
    """With bits the generator draws its EM choices from a side stream: same ET, same draws."""
    plain = zero_bias_crossings(1200, 60, numpy_stream(3, "zb"))
    with_them = zero_bias_crossings(1200, 60, numpy_stream(3, "zb"), bits=True)
    assert plain.images.dtype == np.uint16 and has_bits(with_them.images)
    assert np.array_equal(plain.images, region_et(with_them.images))
    assert np.array_equal(plain.n_pileup, with_them.n_pileup) and np.array_equal(plain.pt_hat_gev, with_them.pt_hat_gev)
    sliced = slice_crossings([30, 100], 200, 60, numpy_stream(3, "s"))
    sliced_bits = slice_crossings([30, 100], 200, 60, numpy_stream(3, "s"), bits=True)
    assert np.array_equal(sliced.images, region_et(sliced_bits.images))
    assert np.array_equal(sliced.weights, sliced_bits.weights)


def test_zero_bias_bit_occupancy_at_pileup_60():
    images = zero_bias_crossings(2000, 60, numpy_stream(11, "occupancy"), bits=True).images
    occupancy = bit_occupancy(images)
    for field, expected in SYNTHETIC_MU60.items():
        assert occupancy[field] == pytest.approx(expected, abs=0.01), field
        assert occupancy[field] == pytest.approx(PYTHIA_MU60[field], abs=0.03), field  # Pythia's, roughly
    empty = images["et"] == 0
    assert not images["egbit"][empty].any() and not images["taubit"][empty].any()


def _hottest_region(images):
    flat = images.reshape(len(images), -1)
    return flat[np.arange(len(images)), np.argmax(flat["et"], axis=1)]


SIGNALS = {
    "egamma": {"kind": "isolated_egamma", "pt_min_gev": 30, "pt_max_gev": 80},
    "dijet": {"kind": "dijet_resonance", "mass_gev": 1000},
    "vbf": {"kind": "vbf_higgs_tautau"},
    "ttbar": {"kind": "top_pair_multijet", "decay": "inclusive"},
    "suep": {"kind": "soft_spray"},
    "ecal_spike": {"kind": "detector_fault", "calorimeter": "ecal", "location": "random"},
}


@pytest.fixture(scope="module")
def signal_bits():
    out = {}
    for name, raw in SIGNALS.items():
        sample = sample_config({"name": name, "events": 600, **raw})
        plain = signal_images(sample, 60, numpy_stream(5, name))
        images = signal_images(sample, 60, numpy_stream(5, name), region_bits=True)
        assert np.array_equal(plain, region_et(images)), name  # bits never move ET
        out[name] = _hottest_region(images)
    return out


def test_signal_regions_carry_the_bits_of_their_objects(signal_bits):
    egamma, dijet, vbf = signal_bits["egamma"], signal_bits["dijet"], signal_bits["vbf"]
    # an isolated electron's region is e/gamma-like (no veto) nearly always
    assert egamma["egbit"].mean() < 0.05 and egamma["taubit"].mean() < 0.1
    # a 500 GeV jet's region is hadronic: the e/gamma veto is set
    assert dijet["egbit"].mean() > 0.95
    # the hottest region of VBF H -> tau tau is mostly a tau: tau-like far more often than a pileup region
    assert vbf["taubit"].mean() < 0.5 < vbf["egbit"].mean()
    # an ECAL hot tower looks like an electron; the ttbar and SUEP-like samples carry bits at all
    assert signal_bits["ecal_spike"]["egbit"].mean() == 0.0
    for name in ("ttbar", "suep"):
        assert 0 < signal_bits[name]["taubit"].mean() < 1


def test_top_pairs_with_leptons_have_fewer_jets_than_all_hadronic_ones():
    def hot_regions(decay):
        sample = sample_config({"name": "tt", "kind": "top_pair_multijet", "events": 400, "decay": decay})
        images = signal_images(sample, 0, numpy_stream(8, decay))
        return (images >= 40).sum(axis=(1, 2)).mean()  # regions above 20 GeV

    hadronic, semileptonic, dileptonic = (hot_regions(d) for d in ("all_hadronic", "semileptonic", "dileptonic"))
    assert hadronic > semileptonic > dileptonic


def test_the_all_hadronic_top_pair_draws_what_it_always_drew():
    """The decay option defaults to the kind as it was: the same images as before it existed."""
    sample = sample_config({"name": "tt", "kind": "top_pair_multijet", "events": 50})
    explicit = sample_config({"name": "tt", "kind": "top_pair_multijet", "events": 50, "decay": "all_hadronic"})
    first = signal_images(sample, 60, numpy_stream(2, "tt"))
    assert np.array_equal(first, signal_images(explicit, 60, numpy_stream(2, "tt")))


def test_statistics_seeds_and_outliers_read_the_et_of_images_with_bits():
    from cicada.data import imagestats, outliers
    from cicada.evaluation import l1_seeds

    images = zero_bias_crossings(300, 60, numpy_stream(6, "stats"), bits=True).images
    et = region_et(images)
    for name, observable in imagestats.TAIL_OBSERVABLES.items():
        assert np.array_equal(observable(images), observable(et)), name
    assert imagestats.zero_bias_statistics(images) == imagestats.zero_bias_statistics(et)
    emulation = l1_seeds.Emulation(30.0, 2.4)
    for name, values in l1_seeds.seed_quantities(images, emulation).items():
        assert np.array_equal(values, l1_seeds.seed_quantities(et, emulation)[name]), name
    made = outliers.make_outliers(images, 30, ("patch_swap", "hot_spots"), np.random.default_rng(1))
    assert has_bits(made) and made.shape == (30, 18, 14)  # outliers keep the layout, and the ET of ET-only ones
    assert np.array_equal(
        region_et(made), outliers.make_outliers(et, 30, ("patch_swap", "hot_spots"), np.random.default_rng(1))
    )
