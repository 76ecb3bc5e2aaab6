"""Region bits on the Pythia path: the ECAL share of particles, pools and overlays, and the
zero-bias occupancy of Pythia min-bias overlaid at mu = 60."""

from __future__ import annotations

import numpy as np
import pytest

from cicada.core.seeds import numpy_stream
from cicada.data.pythia import overlay, response
from cicada.data.pythia import pool as pileup_pool
from cicada.data.region_bits import bit_occupancy, has_bits, region_et

from .test_region_bits import PYTHIA_MU60


def _particles(pid, pt, eta=0.5, phi=0.3, event=0, n_events=1):
    return response.Particles.build(pid=pid, pt_gev=pt, eta=eta, phi=phi, event=event, n_events=n_events)


def test_photons_and_electrons_deposit_in_the_ecal_hadrons_do_not():
    deposits = response.detector_response(_particles([22, 11, -211, 130, 13], 20.0, eta=[0.1, 0.5, -1.0, 1.2, 0.0]))
    assert deposits.ecal_et_gev == pytest.approx(np.where(np.arange(4) < 2, deposits.et_gev, 0.0))  # no muon
    pool = pileup_pool.pool_from_deposits(deposits)
    assert pool.ecal_et_gev.sum() == pytest.approx(deposits.ecal_et_gev.sum(), rel=1e-6)


def test_the_rule_from_particles_an_electron_a_pion_and_a_jet():
    """Three events without pileup: an isolated electron, a single charged pion, a broad spray."""
    spray_eta = 0.174 + np.linspace(-0.14, 0.14, 9)  # hadrons over the four eta strips of one region
    particles = response.Particles.build(
        pid=[11, 211, *[211] * 9],
        pt_gev=[40.0, 40.0, *[6.0] * 9],
        eta=[0.2, 0.2, *spray_eta],
        phi=[0.05, 0.05, *np.zeros(9)],
        charge=[-1, 1, *[1] * 9],
        event=[0, 1, *[2] * 9],
        n_events=3,
    )
    images = overlay.overlay_regions(
        response.detector_response(particles), None, 0.0, np.random.default_rng(0), bits=True
    )
    assert has_bits(images)
    hottest = images.reshape(3, -1)[np.arange(3), np.argmax(images["et"].reshape(3, -1), axis=1)]
    assert (hottest["egbit"][0], hottest["taubit"][0]) == (0, 0)  # e/gamma-like and tau-like
    assert (hottest["egbit"][1], hottest["taubit"][1]) == (1, 0)  # a narrow hadron: tau-like only
    assert hottest["egbit"][2] == 1 and images["taubit"][2].max() == 1  # the spray: vetoed


def test_an_et_only_pool_cannot_give_bits_and_a_bits_pool_gives_the_same_et(tmp_path):
    deposits = response.detector_response(_particles([22, 211, 2212], [3.0, 2.0, 5.0], eta=[0.1, 1.0, -2.0]))
    with_ecal = pileup_pool.pool_from_deposits(deposits, key="k")
    without = pileup_pool.PileupPool(with_ecal.tower_phi, with_ecal.tower_eta, with_ecal.et_gev, with_ecal.offsets)
    with pytest.raises(ValueError, match="ECAL part"):
        overlay.pileup_crossings(without, 5, 3.0, np.random.default_rng(1), bits=True)
    plain = overlay.pileup_crossings(without, 50, 3.0, np.random.default_rng(1))
    bits = overlay.pileup_crossings(with_ecal, 50, 3.0, np.random.default_rng(1), bits=True)
    assert np.array_equal(plain.images, region_et(bits.images)) and np.array_equal(plain.n_pileup, bits.n_pileup)
    # the ECAL part survives the cache file
    again = pileup_pool.load_pool(pileup_pool.save_pool(with_ecal, tmp_path / "pool.npz"))
    assert np.array_equal(again.ecal_et_gev, with_ecal.ecal_et_gev)


@pytest.mark.slow
def test_pythia_zero_bias_bit_occupancy_at_pileup_60(tmp_path):
    pool = pileup_pool.minbias_pool(2000, 41, tmp_path, ecal=True)
    images = overlay.pileup_crossings(pool, 2000, 60.0, numpy_stream(4, "bits"), bits=True).images
    occupancy = bit_occupancy(images)
    # a 2,000-event pool's mean activity is known to 3%, which moves the occupancy by up to ~0.02
    # (egbit) and ~0.04 (taubit) at three standard deviations
    for field, tolerance in (("egbit", 0.025), ("taubit", 0.045)):
        assert occupancy[field] == pytest.approx(PYTHIA_MU60[field], abs=tolerance), field
    # a pool cached without the ECAL part is made again when bits are asked for
    path = pileup_pool.pool_path(tmp_path, 2000, 41)
    stripped = pileup_pool.PileupPool(pool.tower_phi, pool.tower_eta, pool.et_gev, pool.offsets, pool.key)
    pileup_pool.save_pool(stripped, path)
    assert pileup_pool.minbias_pool(2000, 41, tmp_path).ecal_et_gev is None  # ET only: reused as it is
    again = pileup_pool.minbias_pool(2000, 41, tmp_path, ecal=True)
    assert not again.from_cache and np.array_equal(again.et_gev, pool.et_gev)


@pytest.mark.slow
def test_the_pythia_processes_of_the_2026_signals():
    from cicada.data.pythia import generation

    suep = generation.generate_particles("suep", 20, 12)
    vbf = generation.generate_particles("vbf_higgs_tautau", 20, 13)
    # SUEP: the cascade's 128 pions per event on top of the underlying event, most of them soft
    pions = np.isin(np.abs(suep.pid), [111, 211])
    assert np.isin(np.abs(suep.pid), [211]).sum() / 20 > 100 and np.median(suep.pt_gev[pions]) < 1.0
    # VBF H -> tau tau: taus decay (tau neutrinos in every event), forward tagging quarks make jets beyond |eta| 2
    events_with_nu_tau = np.unique(vbf.event[np.abs(vbf.pid) == 16])
    assert len(events_with_nu_tau) == 20
    hard_forward = (vbf.pt_gev > 15) & (np.abs(vbf.eta) > 2)
    assert len(np.unique(vbf.event[hard_forward])) >= 10
