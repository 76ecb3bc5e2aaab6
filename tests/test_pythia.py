"""The Pythia 8 generator: detector response rules, process generation, min-bias pool and overlay.

Real Pythia, small samples: the min-bias initialisation (about 10 s) is paid once per module.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cicada.core import detector, seeds
from cicada.core import geometry as geo
from cicada.data.pythia import generation, overlay, processes, response
from cicada.data.pythia import pool as pileup_pool

pytestmark = pytest.mark.slow  # trains models, compiles firmware or runs Pythia

POOL_EVENTS = 20
POOL_SEED = 4242
MU = 60.0


@pytest.fixture(scope="module")
def pool_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("pythia_pool")


@pytest.fixture(scope="module")
def pool(pool_dir):
    return pileup_pool.minbias_pool(POOL_EVENTS, POOL_SEED, pool_dir)


@pytest.fixture(scope="module")
def zprime():
    """Truth particles and deposits of the same Z' -> ee/mumu events (same seed)."""
    particles = generation.generate_particles("zprime_leptons", 8, 17, mass_gev=1000.0)
    return particles, response.detector_response(particles)


# --------------------------------------------------------------------------------------
# detector response on hand-made particles
# --------------------------------------------------------------------------------------

RESPONSE = detector.DetectorResponse()


def deposit_of(**particle) -> float:
    """Total deposited ET (GeV) of one hand-made particle."""
    deposits = response.detector_response(response.Particles.build(**particle), RESPONSE)
    return float(deposits.et_gev.sum())


def test_muon_and_neutrinos_deposit_nothing():
    assert deposit_of(pid=13, charge=-1, pt_gev=50.0, eta=0.3, phi=1.0) == 0.0
    for neutrino in (12, -14, 16):
        assert deposit_of(pid=neutrino, pt_gev=50.0, eta=0.3, phi=1.0) == 0.0


def test_dark_sector_and_lsp_deposit_nothing():
    for invisible in (4900211, -4900213, 4900101, 1000022, 1000039, 51):
        assert deposit_of(pid=invisible, pt_gev=80.0, eta=-1.0, phi=0.0) == 0.0


def test_photon_and_electron_get_em_response():
    assert deposit_of(pid=22, pt_gev=40.0, eta=0.5, phi=0.2) == pytest.approx(40.0 * RESPONSE.em_response)
    assert deposit_of(pid=-11, charge=1, pt_gev=40.0, eta=-2.0, phi=0.2) == pytest.approx(40.0 * RESPONSE.em_response)


def test_hadrons_get_hadron_response():
    assert deposit_of(pid=211, charge=1, pt_gev=20.0, eta=1.0, phi=-2.0) == pytest.approx(
        20.0 * RESPONSE.hadron_response
    )
    assert deposit_of(pid=130, pt_gev=20.0, eta=1.0, phi=-2.0) == pytest.approx(20.0 * RESPONSE.hadron_response)


def test_soft_charged_particle_curls_in_the_barrel():
    soft = 0.5 * RESPONSE.curl_pt_gev
    assert deposit_of(pid=211, charge=1, pt_gev=soft, eta=0.2, phi=0.0) == 0.0
    # a neutral hadron of the same pT is not bent and deposits
    assert deposit_of(pid=130, pt_gev=soft, eta=0.2, phi=0.0) > 0.0
    # just above threshold it reaches the calorimeter
    assert deposit_of(pid=211, charge=1, pt_gev=1.2 * RESPONSE.curl_pt_gev, eta=0.2, phi=0.0) > 0.0
    # heading for an endcap, the helix stays near the beam line and still reaches it
    assert deposit_of(pid=211, charge=1, pt_gev=soft, eta=2.2, phi=0.0) > 0.0


def test_production_vertex_decides_for_long_lived_particles():
    outside = (0.0, 3500.0, 0.0)  # mm: beyond the 2.95 m outer radius
    assert deposit_of(pid=22, pt_gev=30.0, eta=0.0, phi=1.5, vertex_mm=outside) == 0.0
    far_endcap = (100.0, 0.0, 6000.0)  # beyond |z| = 5.5 m
    assert deposit_of(pid=211, charge=1, pt_gev=30.0, eta=3.0, phi=0.0, vertex_mm=far_endcap) == 0.0
    # produced inside the calorimeter: deposits there, even below the curling threshold
    in_hcal = (2000.0, 0.0, 0.0)
    assert deposit_of(pid=211, charge=1, pt_gev=0.3, eta=0.0, phi=0.0, vertex_mm=in_hcal) == pytest.approx(
        0.3 * RESPONSE.hadron_response
    )
    # produced in the tracker volume: deposits normally
    assert deposit_of(pid=22, pt_gev=30.0, eta=0.0, phi=1.5, vertex_mm=(0.0, 500.0, 0.0)) == pytest.approx(
        30.0 * RESPONSE.em_response
    )


def test_displaced_particle_deposits_where_its_line_meets_the_calorimeter():
    # a photon produced 1 m along +z heading at eta = 0 hits the barrel at z = 1 m, r = 1.29 m
    particles = response.Particles.build(pid=22, pt_gev=10.0, eta=0.0, phi=0.7, vertex_mm=(0.0, 0.0, 1000.0))
    eta, phi, barrel = response.calorimeter_position(particles, RESPONSE)
    assert eta[0] == pytest.approx(np.arcsinh(1.0 / RESPONSE.inner_radius_m))
    assert phi[0] == pytest.approx(0.7)
    assert barrel[0]
    # from the interaction point the position is the particle's own direction
    prompt = response.Particles.build(pid=[22, 22], pt_gev=10.0, eta=[0.4, -2.6], phi=[3.0, -1.0])
    eta, phi, barrel = response.calorimeter_position(prompt, RESPONSE)
    np.testing.assert_array_equal(eta, [0.4, -2.6])
    np.testing.assert_array_equal(phi, [3.0, -1.0])
    np.testing.assert_array_equal(barrel, [True, False])


def test_deposits_outside_the_imaged_acceptance_are_dropped():
    assert deposit_of(pid=22, pt_gev=10.0, eta=3.5, phi=0.0) == 0.0


def test_detector_response_keeps_event_indices():
    particles = response.Particles.build(
        pid=[22, 13, 211, 22], charge=[0, -1, 1, 0], pt_gev=[5.0, 5.0, 5.0, 7.0], eta=0.0, phi=0.0, event=[0, 0, 2, 2]
    )
    deposits = response.detector_response(particles, RESPONSE)
    assert deposits.n_events == 3
    np.testing.assert_array_equal(deposits.event, [0, 2, 2])
    np.testing.assert_allclose(deposits.total_et_gev(), [4.75, 0.0, 3.0 + 6.65])


# --------------------------------------------------------------------------------------
# settings and seeds
# --------------------------------------------------------------------------------------


def test_seeds_must_be_in_pythias_range():
    for bad in (0, -3, seeds.PYTHIA_SEED_MAX + 1, 1.5, True):
        with pytest.raises(ValueError, match="seed"):
            generation.check_seed(bad)
    derived = {seeds.pythia_seed(7, name) for name in ("zero_bias", "signal/a", "signal/b")}
    assert len(derived) == 3 and all(1 <= s <= seeds.PYTHIA_SEED_MAX for s in derived)


def test_unknown_process_or_parameter_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown Pythia process 'zprime'"):
        processes.process_settings("zprime")
    with pytest.raises(ValueError, match="no parameter mass"):
        processes.process_settings("ttbar", mass=170.0)
    with pytest.raises(ValueError, match="scalar_mass_gev"):
        processes.process_settings("higgs_llp", scalar_mass_gev=70.0)


def test_every_process_has_settings_that_pythia_accepts():
    import pythia8mc

    for name in processes.PROCESSES:
        generator = pythia8mc.Pythia("", False)
        for line in processes.pythia_settings(name):
            assert generator.readString(line), f"{name}: {line}"


# --------------------------------------------------------------------------------------
# hard processes (real Pythia, a few events each)
# --------------------------------------------------------------------------------------


def test_zprime_electron_events_are_two_em_deposits(zprime):
    particles, deposits = zprime
    electron_events = [e for e in range(particles.n_events) if _n_hard(particles, e, 11) == 2]
    muon_events = [e for e in range(particles.n_events) if _n_hard(particles, e, 13) == 2]
    assert electron_events and muon_events  # this seed gives both kinds
    for event in electron_events:
        et = np.sort(deposits.et_gev[deposits.event == event])[::-1]
        assert et[1] > 100.0  # both electrons, ~m/2 each, times the EM response
        assert et[:2].sum() > 0.6 * et.sum()
    for event in muon_events:  # muons leave nothing: only recoil and underlying event remain
        assert deposits.et_gev[deposits.event == event].max() < 100.0


def _n_hard(particles, event: int, pid: int, pt_min: float = 150.0) -> int:
    chosen = (particles.event == event) & (np.abs(particles.pid) == pid) & (particles.pt_gev > pt_min)
    return int(chosen.sum())


def test_generation_is_reproducible_with_its_seed(zprime):
    _, deposits = zprime
    again = generation.generate_deposits("zprime_leptons", 8, 17, mass_gev=1000.0)
    np.testing.assert_array_equal(again.event, deposits.event)
    np.testing.assert_array_equal(again.et_gev, deposits.et_gev)
    other = generation.generate_deposits("zprime_leptons", 8, 18, mass_gev=1000.0)
    assert not np.array_equal(other.total_et_gev(), deposits.total_et_gev())


def test_ttbar_has_far_more_et_than_minbias(pool):
    ttbar = generation.generate_deposits("ttbar", 5, 23)
    assert ttbar.total_et_gev().mean() > 5 * pool.event_et_gev().mean()
    assert ttbar.cross_section_mb > 0


def test_long_lived_scalars_decaying_outside_the_calorimeter_are_invisible():
    # c tau = 1 km: nearly every scalar decays far outside CMS, so its b jets must vanish
    far = generation.generate_particles("higgs_llp", 5, 31, scalar_mass_gev=40.0, scalar_ctau_mm=1e6)
    beyond = response.production_volume(far, RESPONSE) == response.BEYOND_CALORIMETER
    assert beyond.sum() > 20 * far.n_events  # Pythia did displace the decays
    seen = response.detector_response(far, RESPONSE).total_et_gev()
    at_origin = dataclasses.replace(far, x_mm=0 * far.x_mm, y_mm=0 * far.y_mm, z_mm=0 * far.z_mm)
    if_prompt = response.detector_response(at_origin, RESPONSE).total_et_gev()
    # H -> 4 b carries ~125 GeV; about half of it would have been measured
    assert (if_prompt - seen).mean() > 25.0


def test_hidden_valley_hides_the_off_diagonal_dark_mesons():
    def dark_pt_fraction(flavours: int) -> float:
        particles = generation.generate_particles("hidden_valley", 3, 41, dark_flavours=flavours)
        dark = response.invisible(particles.pid) & (np.abs(particles.pid) > 4_900_000)
        return particles.pt_gev[dark].sum() / particles.pt_gev.sum()

    # one dark flavour: every dark meson is flavour-diagonal and decays back to quarks
    assert dark_pt_fraction(1) == 0.0
    # four flavours: ~3/4 of the dark mesons are stable and carry away a good part of the event
    assert dark_pt_fraction(4) > 0.25


def test_long_lived_dark_mesons_still_decay_displaced():
    """Emerging jets: c tau = 100 mm is beyond Pythia's optional tau0 limit, yet must decay."""
    particles = generation.generate_particles("hidden_valley", 2, 43, dark_flavours=1, dark_meson_ctau_mm=100.0)
    assert not np.isin(np.abs(particles.pid), [4900111, 4900113]).any()
    displaced = np.hypot(particles.x_mm, particles.y_mm) > 50.0
    assert displaced.sum() > 150  # prompt dark mesons give ~30 (K0S, Lambda decays)


# --------------------------------------------------------------------------------------
# min-bias pool and its cache
# --------------------------------------------------------------------------------------


def test_pool_holds_sparse_towers(pool):
    assert pool.n_events == POOL_EVENTS and not pool.from_cache
    assert pool.offsets[0] == 0 and pool.offsets[-1] == pool.n_deposits
    assert pool.tower_phi.max() < geo.N_TOWER_PHI and pool.tower_eta.max() < geo.N_TOWER_ETA
    assert (pool.et_gev > 0).all()
    # one entry per tower and event
    event = np.repeat(np.arange(pool.n_events), np.diff(pool.offsets))
    keys = (event * geo.N_TOWER_PHI + pool.tower_phi) * geo.N_TOWER_ETA + pool.tower_eta
    assert len(np.unique(keys)) == pool.n_deposits


def test_pool_is_reused_from_its_cache(pool, pool_dir, monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("the pool was generated again")

    monkeypatch.setattr(pileup_pool, "generate_deposits", must_not_run)
    again = pileup_pool.minbias_pool(POOL_EVENTS, POOL_SEED, pool_dir)
    assert again.from_cache and again.key == pool.key
    for name in ("tower_phi", "tower_eta", "et_gev", "offsets", "pt_hat_gev"):
        np.testing.assert_array_equal(getattr(again, name), getattr(pool, name))
    assert again.cross_section_mb == pool.cross_section_mb
    # the cache file is there, complete, and nothing half-written is left beside it
    assert [p.name for p in pool_dir.iterdir()] == [pileup_pool.pool_path(pool_dir, POOL_EVENTS, POOL_SEED).name]


def test_pool_knows_each_events_pt_hat_and_the_inelastic_cross_section(pool):
    # CP5 at 13.6 TeV fixes sigma_tot = 101.037 mb and sigma_el = 22.08 mb
    assert pool.cross_section_mb == pytest.approx(101.037 - 22.08, rel=1e-3)
    assert pool.pt_hat_gev.shape == (POOL_EVENTS,) and np.all(pool.pt_hat_gev >= 0)
    assert np.median(pool.pt_hat_gev) < 10  # min-bias: the hardest interaction is soft


def test_hard_qcd_slice_and_its_crossings(pool):
    hard = pileup_pool.event_pool("qcd", 6, 31, None, pthat_min_gev=50.0, pthat_max_gev=80.0)
    assert np.all((hard.pt_hat_gev > 49) & (hard.pt_hat_gev < 80))
    assert 1e-4 < hard.cross_section_mb < 0.1  # tens of nb: far below the inelastic 79 mb
    tail = np.full(6, 1e-3)
    crossings = overlay.hard_scatter_crossings(hard, pool, MU, tail, np.random.default_rng(0))
    assert crossings.images.shape == (6, geo.N_PHI, geo.N_ETA)
    np.testing.assert_array_equal(crossings.pt_hat_gev, hard.pt_hats())
    assert np.all(crossings.n_pileup >= 1)
    # the hard scatter is on top of the pileup: at least its own towers' ET is there
    alone = np.add.reduceat(hard.et_gev.astype(np.float64), hard.offsets[:-1]) if hard.n_deposits else np.zeros(6)
    assert np.all(crossings.images.reshape(6, -1).sum(axis=1) * geo.ET_LSB_GEV > 0.5 * alone)


def test_pileup_below_a_hard_scatter_draws_only_softer_pool_events(pool):
    crossings = overlay.pileup_crossings(pool, 200, MU, np.random.default_rng(1))
    assert np.all(np.isin(crossings.pt_hat_gev, np.concatenate([[0.0], pool.pt_hats()])))
    softest_half = np.sort(pool.pt_hats())[POOL_EVENTS // 2]
    source = overlay._OverlaySource.of(pool)
    _, _, n_pileup, hardest = overlay._pileup_tower_chunk(
        source, 100, MU, np.random.default_rng(2), np.full(100, softest_half)
    )
    assert np.all(hardest < softest_half) and n_pileup.mean() > 50


def test_pool_cache_key_follows_the_settings():
    base = pileup_pool.pool_key(20, 1)
    assert pileup_pool.pool_key(20, 2) != base
    assert pileup_pool.pool_key(21, 1) != base
    assert pileup_pool.pool_key(20, 1, detector.DetectorResponse(hadron_response=0.5)) != base


def test_unreadable_pool_file_names_the_file(tmp_path):
    bad = tmp_path / "pool.npz"
    bad.write_bytes(b"not a pool")
    with pytest.raises(ValueError, match="pool.npz"):
        pileup_pool.load_pool(bad)


# --------------------------------------------------------------------------------------
# overlay
# --------------------------------------------------------------------------------------


def test_pileup_images_have_the_hardware_format(pool):
    images = overlay.pileup_regions(pool, 300, MU, np.random.default_rng(1))
    assert images.shape == (300, geo.N_PHI, geo.N_ETA) and images.dtype == np.uint16
    assert images.max() <= geo.REGION_ET_MAX
    assert (images.reshape(300, -1).sum(axis=1) > 0).all()  # 60 interactions always leave something


def test_pileup_overlay_is_reproducible(pool):
    first = overlay.pileup_regions(pool, 100, MU, np.random.default_rng(5))
    again = overlay.pileup_regions(pool, 100, MU, np.random.default_rng(5))
    other = overlay.pileup_regions(pool, 100, MU, np.random.default_rng(6))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_minbias_at_pileup_60_has_plausible_total_et(pool):
    """Minimum bias at 13.6 TeV has dET/deta of about 6 GeV per interaction at generator level
    (5-6 GeV per ../shared/DESIGN.md, a little more counting decay products), nearly flat over
    |eta| < 3: about 36 GeV in the image acceptance. The response keeps roughly half of it
    (hadrons 0.6, photons 0.95, soft charged particles lost in the barrel): 14-25 GeV per
    interaction, so 0.9-1.5 TeV of tower ET at pileup 60. A 20-event pool has a large spread
    (diffractive events are nearly empty), hence the wide window of 0.5-2.5 TeV."""
    per_event = pool.event_et_gev()
    assert 8.0 < per_event.mean() < 42.0
    towers = overlay.pileup_towers(pool, 400, MU, np.random.default_rng(2))
    total = towers.sum(axis=(1, 2))
    assert 500.0 < total.mean() < 2500.0
    # Poisson(60) interactions: relative spread at least ~1/sqrt(60) and not wild
    assert 0.1 < total.std() / total.mean() < 0.6
    # the images lose ET to digitisation (floor of 0.5 GeV per tower) but keep a good part of it
    images = geo.towers_to_regions(geo.digitise_towers(towers))
    region_gev = images.reshape(len(images), -1).sum(axis=1) * geo.ET_LSB_GEV
    assert 0.2 * total.mean() < region_gev.mean() < total.mean()


def test_overlay_turns_in_phi_and_mirrors_in_eta():
    """One pool event with one tower: pileup can only put it in the same eta column or the mirrored one."""
    single = pileup_pool.PileupPool(
        tower_phi=np.array([5], np.uint8),
        tower_eta=np.array([3], np.uint8),
        et_gev=np.array([10.0], np.float32),
        offsets=np.array([0, 1]),
    )
    towers = overlay.pileup_towers(single, 400, 4.0, np.random.default_rng(3))
    filled = towers.sum(axis=(0, 1))
    assert set(np.flatnonzero(filled)) == {3, geo.N_TOWER_ETA - 1 - 3}
    assert np.count_nonzero(towers.sum(axis=(0, 2))) > 60  # nearly every phi tower is visited
    totals = towers.sum(axis=(1, 2))
    np.testing.assert_array_equal(totals % 10.0, 0.0)  # whole interactions only
    assert abs(totals.mean() / 10.0 - 4.0) < 0.5  # Poisson(4) interactions per image


def test_signal_on_pileup(pool, zprime):
    _, signal = zprime
    alone = overlay.overlay_regions(signal, None, 0.0, np.random.default_rng(0))
    np.testing.assert_array_equal(alone, signal.to_regions())
    on_pileup = overlay.overlay_regions(signal, pool, MU, np.random.default_rng(0))
    assert on_pileup.shape == (signal.n_events, geo.N_PHI, geo.N_ETA) and on_pileup.dtype == np.uint16
    assert (on_pileup >= alone).all()  # adding ET before digitisation never lowers a region
    assert on_pileup.sum() > alone.sum()


def test_overlay_needs_a_pool_for_pileup():
    with pytest.raises(ValueError, match="pool"):
        overlay.pileup_regions(None, 10, MU, np.random.default_rng(0))
    with pytest.raises(ValueError, match="mu"):
        overlay.pileup_regions(None, 10, -1.0, np.random.default_rng(0))


def test_regions_makes_signal_images_on_pileup(pool):
    images = overlay.regions("excited_quark", 3, 99, pool=pool, mu=MU, mass_gev=1500.0)
    assert images.shape == (3, geo.N_PHI, geo.N_ETA) and images.dtype == np.uint16
    # a 1.5 TeV dijet resonance saturates at least one region or comes close
    assert images.max(axis=(1, 2)).min() > 200
