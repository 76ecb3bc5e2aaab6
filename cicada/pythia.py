"""Optional Pythia 8 event generation: calorimeter deposits and a min-bias pileup pool.

Generation needs ``pythia8mc`` (``pip install pythia8mc==8.317.2``); the detector response,
the pool files and the pileup overlay work without it.

How an image is made
--------------------
1. :func:`generate_particles` runs Pythia 8 (pp at 13.6 TeV, CMS CP5 tune) for a named
   process (:data:`PROCESSES`) and keeps the final-state particles with their production
   vertices.
2. :func:`detector_response` turns particles into calorimeter deposits ``(event, ET, eta,
   phi)`` with the rules of :class:`DetectorResponse`; :func:`generate_deposits` does 1 + 2.
   :func:`cicada.geometry.particles_to_regions` turns deposits into region images.
3. :func:`minbias_pool` generates min-bias events once and keeps them as sparse trigger
   towers in a cache file. :func:`pileup_regions` overlays Poisson(mu) pool events per
   crossing, each turned by a random whole number of towers in phi and mirrored in eta half
   of the time, so a pool of a few thousand events gives many distinct crossings.
   :func:`overlay_regions` adds a signal's deposits on top, at tower level, before
   digitisation; :func:`regions` does generation and overlay in one call. All interactions
   of a crossing come from the nominal interaction point (the ~4 cm spread of pileup
   vertices along the beam is neglected).

Tune (:data:`CP5_SETTINGS`)
---------------------------
CMS CP5 as CMS configures it for Run 3 at 13.6 TeV (CMSSW
``Configuration/Generator/python/MCTunesRun3ECM13p6TeV/PythiaCP5Settings_cfi.py``; the tune
is described in CMS GEN-17-001, Eur. Phys. J. C 80 (2020) 4): Monash 2013 as the base
(``Tune:pp = 14``, ``Tune:ee = 7``), alpha_s(M_Z) = 0.118 at two loops in the hard process,
both showers and MPI, CMS's fitted MPI and colour-reconnection parameters, and the total and
elastic cross sections fixed at their 13.6 TeV values. CMS reads the NNPDF3.1 NNLO PDF
through LHAPDF; Pythia's built-in set 20 (``PDF:pSet = 20``) is the same NNPDF3.1 NNLO
alpha_s = 0.118 fit with the LUXqed photon added, which CMSSW's Run-2 CP5 block itself uses, so
no LHAPDF is needed and the tune is CP5 proper, not an approximation of it.

Decays: ``ParticleDecays:limitTau0 = off`` (Pythia's default, set explicitly) decays every
unstable particle wherever it happens to decay, K0S and Lambda included; the detector
response then decides from each particle's production vertex what the calorimeter sees.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import inspect
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from . import geometry as geo
from .detector import DetectorResponse
from .fileio import atomic_path
from .progress import Progress, log

SQRT_S_GEV = 13600.0
#: Pythia accepts ``Random:seed`` values 1..900,000,000 as distinct reproducible streams.
PYTHIA_SEED_MAX = 900_000_000

#: Settings of every run: beams, silence, and decays left to the detector response.
RUN_SETTINGS = (
    "Print:quiet = on",
    "Print:errors = off",
    "Beams:idA = 2212",
    "Beams:idB = 2212",
    f"Beams:eCM = {SQRT_S_GEV:g}",
    "ParticleDecays:limitTau0 = off",
)

#: CMS CP5 tune, Run-3 version, with Pythia's built-in NNPDF3.1 NNLO PDF (see module notes).
CP5_SETTINGS = (
    "Tune:pp = 14",  # Monash 2013 base; must come first, it resets what follows
    "Tune:ee = 7",
    "PDF:pSet = 20",  # NNPDF3.1 QCD+LUXqed NNLO, alpha_s(M_Z) = 0.118
    "SigmaProcess:alphaSvalue = 0.118",
    "SigmaProcess:alphaSorder = 2",
    "SpaceShower:alphaSvalue = 0.118",
    "SpaceShower:alphaSorder = 2",
    "TimeShower:alphaSvalue = 0.118",
    "TimeShower:alphaSorder = 2",
    "MultipartonInteractions:alphaSvalue = 0.118",
    "MultipartonInteractions:alphaSorder = 2",
    "MultipartonInteractions:ecmPow = 0.03344",
    "MultipartonInteractions:bProfile = 2",
    "MultipartonInteractions:pT0Ref = 1.41",
    "MultipartonInteractions:coreRadius = 0.7634",
    "MultipartonInteractions:coreFraction = 0.63",
    "ColourReconnection:range = 5.176",
    "SigmaTotal:zeroAXB = off",
    "SigmaTotal:mode = 0",
    "SigmaTotal:sigmaEl = 22.08",  # mb at 13.6 TeV
    "SigmaTotal:sigmaTot = 101.037",  # mb at 13.6 TeV
)

#: PDG id given to the long-lived scalar of ``higgs_llp`` (a free id of the 9000000 block).
LLP_SCALAR_ID = 9000006

# Particles that leave nothing in the calorimeter, besides muons: neutrinos (4th generation
# included), graviton, Pythia's dark-matter ids 51-53, the SUSY LSP-like neutralino and
# gravitino, the undecayed LLP scalar; and the whole hidden-valley block 4900000-4999999
# (dark quarks, dark gluons, stable dark mesons and baryons).
_INVISIBLE_IDS = np.array([12, 14, 16, 18, 39, 51, 52, 53, 1000022, 1000039, LLP_SCALAR_ID])
_HIDDEN_VALLEY_IDS = (4_900_000, 4_999_999)
_MUON_ID = 13
_EM_IDS = np.array([11, 22])

# Production volumes of a particle, by its production vertex.
IN_TRACKER = 0
IN_CALORIMETER = 1
BEYOND_CALORIMETER = 2

BATCH_EVENTS = 500  # events converted to arrays at a time: bounds memory for long runs
OVERLAY_CHUNK_IMAGES = 256  # images overlaid per vectorised step; results depend on it
POOL_FORMAT = 1  # bump when the pool file layout or the overlay input changes

ProgressCallback = Callable[[int, int], None]


# --------------------------------------------------------------------------------------
# Detector response
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Particles:
    """Final-state particles of ``n_events`` events, one array entry per particle.

    Momenta in GeV, angles in radians, production vertex ``(x_mm, y_mm, z_mm)`` in mm (Pythia's
    unit) measured from the nominal interaction point. ``event`` is the event index.
    """

    event: np.ndarray
    pid: np.ndarray
    charge: np.ndarray
    energy_gev: np.ndarray
    pt_gev: np.ndarray
    eta: np.ndarray
    phi: np.ndarray
    x_mm: np.ndarray
    y_mm: np.ndarray
    z_mm: np.ndarray
    n_events: int

    @classmethod
    def build(
        cls, *, pid, pt_gev, eta, phi, charge=0.0, energy_gev=None, event=0, vertex_mm=(0.0, 0.0, 0.0), n_events=None
    ):
        """Particles from lists or scalars (broadcast); energy defaults to the massless pT cosh(eta)."""
        pid, pt_gev, eta, phi, charge, event = np.broadcast_arrays(
            np.asarray(pid, dtype=np.int64),
            np.asarray(pt_gev, dtype=np.float64),
            np.asarray(eta, dtype=np.float64),
            np.asarray(phi, dtype=np.float64),
            np.asarray(charge, dtype=np.float64),
            np.asarray(event, dtype=np.int64),
        )
        energy_gev = pt_gev * np.cosh(eta) if energy_gev is None else np.asarray(energy_gev, dtype=np.float64)
        x, y, z = (np.broadcast_to(np.asarray(v, dtype=np.float64), pid.shape) for v in vertex_mm)
        n = int(event.max()) + 1 if n_events is None and event.size else int(n_events or 0)
        columns = (event, pid, charge, np.broadcast_to(energy_gev, pid.shape), pt_gev, eta, phi, x, y, z)
        return cls(*(np.array(c).reshape(-1) for c in columns), n_events=n)


@dataclass(frozen=True, eq=False)
class Deposits:
    """Calorimeter deposits after the detector response, flattened over events.

    ``et_gev`` is the measured transverse energy in GeV at ``(eta, phi)``; ``event`` the event
    index (in increasing order for generated events). ``cross_section_mb`` is Pythia's estimate for the process (NaN if unknown).
    """

    event: np.ndarray
    et_gev: np.ndarray
    eta: np.ndarray
    phi: np.ndarray
    n_events: int
    cross_section_mb: float = float("nan")

    def total_et_gev(self) -> np.ndarray:
        """Summed deposit ET of each event, in GeV (before digitisation)."""
        return np.bincount(self.event, weights=self.et_gev, minlength=self.n_events)

    def to_regions(self) -> np.ndarray:
        """Region images (n_events, 18, 14) uint16 without pileup."""
        return geo.particles_to_regions(self.n_events, self.event, self.et_gev, self.eta, self.phi)


def invisible(pid) -> np.ndarray:
    """True for particles the calorimeter cannot see at all (neutrinos, dark sector, LSP...)."""
    apid = np.abs(np.asarray(pid, dtype=np.int64))
    hidden_valley = (apid >= _HIDDEN_VALLEY_IDS[0]) & (apid <= _HIDDEN_VALLEY_IDS[1])
    return np.isin(apid, _INVISIBLE_IDS) | hidden_valley


def response_fraction(pid, response: DetectorResponse) -> np.ndarray:
    """Fraction of a particle's ET that the calorimeter measures, from its PDG id alone."""
    apid = np.abs(np.asarray(pid, dtype=np.int64))
    fraction = np.where(np.isin(apid, _EM_IDS), response.em_response, response.hadron_response)
    return np.where(invisible(apid) | (apid == _MUON_ID), 0.0, fraction)


def production_volume(particles: Particles, response: DetectorResponse) -> np.ndarray:
    """IN_TRACKER, IN_CALORIMETER or BEYOND_CALORIMETER for each particle's production vertex."""
    r = np.hypot(particles.x_mm, particles.y_mm) / 1000.0
    abs_z = np.abs(particles.z_mm) / 1000.0
    beyond = (r > response.outer_radius_m) | (abs_z > response.outer_half_length_m)
    tracker = (r < response.inner_radius_m) & (abs_z < response.inner_half_length_m)
    return np.where(beyond, BEYOND_CALORIMETER, np.where(tracker, IN_TRACKER, IN_CALORIMETER))


def calorimeter_position(particles: Particles, response: DetectorResponse):
    """Where each particle deposits: ``(eta, phi, hits_barrel)`` of its calorimeter entry point.

    Particles from the tracker volume fly in a straight line to the front face (barrel
    cylinder at ``inner_radius_m`` or endcap plane at ``inner_half_length_m``); for a particle
    from the interaction point that is simply its own (eta, phi). Particles produced inside
    the calorimeter deposit at their vertex. ``hits_barrel`` says which face was reached
    (false for particles produced inside the calorimeter).
    """
    eta = particles.eta.astype(np.float64, copy=True)
    phi = particles.phi.astype(np.float64, copy=True)
    x, y, z = (np.asarray(v, dtype=np.float64) / 1000.0 for v in (particles.x_mm, particles.y_mm, particles.z_mm))
    volume = production_volume(particles, response)
    at_origin = (x == 0) & (y == 0) & (z == 0)
    with np.errstate(over="ignore"):
        slope = np.sinh(eta)  # dz per unit of transverse flight
    hits_barrel = np.abs(slope) * response.inner_radius_m <= response.inner_half_length_m

    # (particles along the beam line, pT = 0 and infinite eta, stay outside the acceptance)
    flying = (volume == IN_TRACKER) & ~at_origin & np.isfinite(slope)
    if flying.any():
        xe, ye, ze, barrel = _front_face_hit(x[flying], y[flying], z[flying], phi[flying], slope[flying], response)
        eta[flying], phi[flying] = _eta_phi_of_point(xe, ye, ze)
        hits_barrel[flying] = barrel

    inside = volume == IN_CALORIMETER
    if inside.any():
        eta[inside], phi[inside] = _eta_phi_of_point(x[inside], y[inside], z[inside])
    hits_barrel[volume != IN_TRACKER] = False
    return eta, phi, hits_barrel


def _front_face_hit(x, y, z, phi, slope, response: DetectorResponse):
    """Straight-line intersection (m) of tracks from (x, y, z) with the calorimeter front faces."""
    cos_phi, sin_phi = np.cos(phi), np.sin(phi)
    # transverse flight s to the barrel cylinder: |(x, y) + s (cos, sin)| = R, s > 0 inside
    b = x * cos_phi + y * sin_phi
    c = x * x + y * y - response.inner_radius_m**2
    s_barrel = -b + np.sqrt(np.maximum(b * b - c, 0.0))
    barrel = np.abs(z + s_barrel * slope) <= response.inner_half_length_m
    with np.errstate(divide="ignore", invalid="ignore"):
        s_endcap = (np.copysign(response.inner_half_length_m, slope) - z) / slope
    s = np.where(barrel, s_barrel, s_endcap)
    return x + s * cos_phi, y + s * sin_phi, z + s * slope, barrel


def _eta_phi_of_point(x, y, z):
    """Pseudorapidity and azimuth of points seen from the interaction point."""
    r = np.hypot(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.arcsinh(np.where(r > 0, z / np.where(r > 0, r, 1.0), np.copysign(np.inf, z)))
    return np.nan_to_num(eta, nan=np.inf), np.arctan2(y, x)


def detector_response(particles: Particles, response: DetectorResponse | None = None) -> Deposits:
    """Visible deposits of ``particles`` after the rules of :class:`DetectorResponse`.

    Deposited ET is the measured fraction of the particle's energy times sin(theta) of the
    deposit position, ``E / cosh(eta)`` (equal to pT for a massless particle from the
    interaction point). Only deposits inside the imaged acceptance |eta| < 3 are returned.
    """
    response = response or DetectorResponse()
    fraction = response_fraction(particles.pid, response)
    eta, phi, hits_barrel = calorimeter_position(particles, response)
    volume = production_volume(particles, response)
    curls = (particles.charge != 0) & (particles.pt_gev < response.curl_pt_gev) & hits_barrel
    keep = (fraction > 0) & ~curls & (volume != BEYOND_CALORIMETER) & (np.abs(eta) < geo.ETA_MAX)
    et = fraction[keep] * particles.energy_gev[keep] / np.cosh(eta[keep])
    return Deposits(
        event=particles.event[keep].astype(np.int64),
        et_gev=et,
        eta=eta[keep],
        phi=phi[keep],
        n_events=particles.n_events,
    )


def concatenate_deposits(pieces: Sequence[Deposits], n_events: int, cross_section_mb: float = float("nan")) -> Deposits:
    """One :class:`Deposits` from pieces whose event indices are already global."""
    if not pieces:
        empty = np.zeros(0)
        return Deposits(empty.astype(np.int64), empty, empty, empty, n_events, cross_section_mb)
    return Deposits(
        event=np.concatenate([p.event for p in pieces]),
        et_gev=np.concatenate([p.et_gev for p in pieces]),
        eta=np.concatenate([p.eta for p in pieces]),
        phi=np.concatenate([p.phi for p in pieces]),
        n_events=n_events,
        cross_section_mb=cross_section_mb,
    )


# --------------------------------------------------------------------------------------
# Processes: name -> Pythia settings
# --------------------------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def minbias_settings() -> list[str]:
    """Inelastic pp collisions (non-diffractive and diffractive): one pileup interaction."""
    return ["SoftQCD:inelastic = on"]


def qcd_settings(pthat_min_gev: float = 30.0) -> list[str]:
    """All 2 -> 2 QCD processes above a partonic pT (GeV): multijet background."""
    _require(pthat_min_gev > 0, "qcd: pthat_min_gev must be positive")
    return ["HardQCD:all = on", f"PhaseSpace:pTHatMin = {pthat_min_gev:g}"]


def ttbar_settings(top_mass_gev: float = 172.5) -> list[str]:
    """Top-pair production (gg and q qbar), all decay modes."""
    _require(top_mass_gev > 0, "ttbar: top_mass_gev must be positive")
    return ["Top:gg2ttbar = on", "Top:qqbar2ttbar = on", f"6:m0 = {top_mass_gev:g}"]


def higgs_llp_settings(scalar_mass_gev: float = 40.0, scalar_ctau_mm: float = 1000.0) -> list[str]:
    """gg -> H(125) -> S S, each long-lived scalar S -> b bbar after a proper decay length c tau (mm).

    S is a resonance (so its b quarks shower and hadronise) with a negligible width and its
    lifetime taken from ``tau0`` (``tauCalc = off``), so Pythia places its decay vertex at an
    exponential distance; the detector response then reads the products' vertices.
    """
    _require(
        10.5 < scalar_mass_gev < 62.5, "higgs_llp: scalar_mass_gev must be between 10.5 (2 B mesons) and 62.5 (m_H / 2)"
    )
    _require(scalar_ctau_mm >= 0, "higgs_llp: scalar_ctau_mm must not be negative")
    s, m = LLP_SCALAR_ID, scalar_mass_gev
    return [
        "HiggsSM:gg2H = on",
        "25:m0 = 125.0",
        "25:onMode = off",
        f"25:addChannel = 1 1.0 101 {s} {s}",
        f"{s}:new = llp void 1 0 0 {m:g} 1e-10 {m - 1:g} {m + 1:g} {scalar_ctau_mm:g}",
        f"{s}:isResonance = on",
        f"{s}:mayDecay = on",
        f"{s}:tauCalc = off",
        f"{s}:addChannel = 1 1.0 101 5 -5",
    ]


def hidden_valley_settings(
    mediator_mass_gev: float = 1000.0,
    dark_meson_mass_gev: float = 20.0,
    dark_flavours: int = 2,
    dark_meson_ctau_mm: float = 0.0,
) -> list[str]:
    """Dark showers (semi-visible jets): q qbar -> Z_v -> q_v q_vbar in an SU(3) hidden valley.

    The dark quarks shower and hadronise into dark mesons of mass ``dark_meson_mass_gev``;
    with ``dark_flavours`` flavours about 1/``dark_flavours`` of the mesons are flavour-
    diagonal and decay back to quarks (visible), the rest are stable and invisible. The dark
    confinement scale follows the QCD-like rule Lambda = 0.4 m(meson) of Pythia's manual and
    the dark quark constituent mass is half the meson mass. A non-zero
    ``dark_meson_ctau_mm`` makes the visible mesons long-lived (emerging jets).
    """
    _require(
        mediator_mass_gev > 2 * dark_meson_mass_gev, "hidden_valley: mediator must be heavier than two dark mesons"
    )
    _require(dark_meson_mass_gev >= 12.0, "hidden_valley: dark_meson_mass_gev must be at least 12 (decays to b bbar)")
    _require(1 <= int(dark_flavours) <= 8, "hidden_valley: dark_flavours must be 1..8")
    _require(dark_meson_ctau_mm >= 0, "hidden_valley: dark_meson_ctau_mm must not be negative")
    m, n = dark_meson_mass_gev, int(dark_flavours)
    lam = 0.4 * m
    dark_quarks = " ".join(str(4900100 + i) for i in range(1, n + 1))
    settings = [
        "HiddenValley:ffbar2Zv = on",
        f"4900023:m0 = {mediator_mass_gev:g}",
        f"4900023:mWidth = {0.02 * mediator_mass_gev:g}",
        f"4900023:mMin = {0.5 * mediator_mass_gev:g}",
        f"4900023:mMax = {1.5 * mediator_mass_gev:g}",
        "4900023:onMode = off",
        f"4900023:onIfAny = {dark_quarks}",
        "HiddenValley:Ngauge = 3",
        f"HiddenValley:nFlav = {n}",
        "HiddenValley:spinFv = 0",
        "HiddenValley:FSR = on",
        "HiddenValley:fragment = on",
        "HiddenValley:alphaOrder = 1",
        "HiddenValley:setLambda = on",
        f"HiddenValley:Lambda = {lam:g}",
        f"HiddenValley:pTminFSR = {1.1 * lam:g}",
        f"4900101:m0 = {m / 2:g}",
    ]
    for meson in (4900111, 4900113, 4900211, 4900213):
        settings.append(f"{meson}:m0 = {m:g}")
    for meson in (4900111, 4900113):  # the flavour-diagonal mesons decay back to quarks
        settings += [f"{meson}:onMode = off", f"{meson}:onIfAny = 1 2 3 4 5", f"{meson}:tau0 = {dark_meson_ctau_mm:g}"]
    return settings


def zprime_leptons_settings(mass_gev: float = 1000.0) -> list[str]:
    """Sequential-SM Z' -> e+e- or mu+mu- (Z' alone, no gamma*/Z interference)."""
    _require(mass_gev > 0, "zprime_leptons: mass_gev must be positive")
    return [
        "NewGaugeBoson:ffbar2gmZZprime = on",
        "Zprime:gmZmode = 3",
        f"32:m0 = {mass_gev:g}",
        "32:onMode = off",
        "32:onIfAny = 11 13",
    ]


def wprime_lnu_settings(mass_gev: float = 1000.0) -> list[str]:
    """Sequential-SM W' -> e nu or mu nu."""
    _require(mass_gev > 0, "wprime_lnu: mass_gev must be positive")
    return ["NewGaugeBoson:ffbar2Wprime = on", f"34:m0 = {mass_gev:g}", "34:onMode = off", "34:onIfAny = 11 13"]


def excited_quark_settings(mass_gev: float = 2000.0) -> list[str]:
    """Excited u and d quarks, q g -> q* -> q g, compositeness scale Lambda = mass."""
    _require(mass_gev > 0, "excited_quark: mass_gev must be positive")
    settings = ["ExcitedFermion:dg2dStar = on", "ExcitedFermion:ug2uStar = on", f"ExcitedFermion:Lambda = {mass_gev:g}"]
    for quark in (4000001, 4000002):
        settings += [f"{quark}:m0 = {mass_gev:g}", f"{quark}:onMode = off", f"{quark}:onIfAny = 21"]
    return settings


#: Process name -> function of its physics parameters returning Pythia settings.
PROCESSES: dict[str, Callable[..., list[str]]] = {
    "minbias": minbias_settings,
    "qcd": qcd_settings,
    "ttbar": ttbar_settings,
    "higgs_llp": higgs_llp_settings,
    "hidden_valley": hidden_valley_settings,
    "zprime_leptons": zprime_leptons_settings,
    "wprime_lnu": wprime_lnu_settings,
    "excited_quark": excited_quark_settings,
}


def process_settings(process: str, **params) -> list[str]:
    """Pythia settings of a named process; ``params`` are its physics parameters."""
    if process not in PROCESSES:
        raise ValueError(f"unknown Pythia process '{process}'; known: {', '.join(PROCESSES)}")
    function = PROCESSES[process]
    allowed = list(inspect.signature(function).parameters)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"process '{process}' has no parameter {', '.join(unknown)}; it takes: {', '.join(allowed) or 'none'}"
        )
    return function(**params)


def pythia_settings(process: str, **params) -> list[str]:
    """Every setting of a run except the seed: run settings, CP5 tune, then the process."""
    return [*RUN_SETTINGS, *CP5_SETTINGS, *process_settings(process, **params)]


# --------------------------------------------------------------------------------------
# Running Pythia
# --------------------------------------------------------------------------------------


def derive_seed(seed: int, stream: str = "") -> int:
    """A Pythia seed (1..900,000,000) for a build seed and a stream name, e.g. a dataset."""
    return 1 + zlib.crc32(f"{int(seed)}/{stream}".encode()) % PYTHIA_SEED_MAX


def check_seed(seed: int) -> int:
    """``seed`` if Pythia accepts it as a reproducible stream, else a ValueError."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 1 <= seed <= PYTHIA_SEED_MAX:
        raise ValueError(f"Pythia seed must be an integer in 1..{PYTHIA_SEED_MAX:,} (got {seed!r}); see derive_seed()")
    return int(seed)


def _import_pythia():
    try:
        import pythia8mc
    except ImportError as error:  # the generator is optional
        raise ImportError("Pythia 8 generation needs the pythia8mc package: pip install pythia8mc==8.317.2") from error
    return pythia8mc


def pythia_version() -> str:
    """Installed pythia8mc version, or 'not installed'."""
    try:
        return importlib.metadata.version("pythia8mc")
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def make_pythia(settings: Sequence[str], seed: int):
    """An initialised ``pythia8mc.Pythia`` with ``settings`` and a fixed seed; nothing printed."""
    seed = check_seed(seed)
    pythia8mc = _import_pythia()
    pythia = pythia8mc.Pythia("", False)  # default data directory, no banner
    for line in (*settings, "Random:setSeed = on", f"Random:seed = {seed}"):
        if not pythia.readString(line):
            raise ValueError(f"Pythia rejected the setting '{line}'")
    if not pythia.init():
        raise RuntimeError("Pythia failed to initialise with settings:\n  " + "\n  ".join(settings))
    return pythia


def _final_state(event) -> list[tuple]:
    """(id, charge, E, pT, eta, phi, x, y, z) of the final-state particles of a Pythia event."""
    return [
        (p.id(), p.charge(), p.e(), p.pT(), p.eta(), p.phi(), p.xProd(), p.yProd(), p.zProd())
        for p in event
        if p.isFinal()
    ]


def _particles_from_rows(rows: list[tuple], event_index: list[int], n_events: int) -> Particles:
    columns = np.ascontiguousarray(np.asarray(rows, dtype=np.float64).reshape(-1, 9).T)
    return Particles(
        event=np.asarray(event_index, dtype=np.int64),
        pid=columns[0].astype(np.int64),
        charge=columns[1],
        energy_gev=columns[2],
        pt_gev=columns[3],
        eta=columns[4],
        phi=columns[5],
        x_mm=columns[6],
        y_mm=columns[7],
        z_mm=columns[8],
        n_events=n_events,
    )


def _particle_batches(pythia, n_events: int, label: str, progress: ProgressCallback | None) -> Iterator[Particles]:
    """Run ``n_events`` events, yielding their particles a batch of events at a time."""
    max_failures = 10 + n_events // 10
    failures = done = 0
    rows: list[tuple] = []
    index: list[int] = []
    with Progress(n_events, f"pythia {label}") as bar:
        while done < n_events:
            if not pythia.next():  # rare; Pythia gives up on an event, we draw another
                failures += 1
                if failures > max_failures:
                    raise RuntimeError(f"Pythia failed on {failures} events of '{label}'")
                continue
            particles = _final_state(pythia.event)
            rows += particles
            index += [done] * len(particles)
            done += 1
            bar.advance(1)
            if progress is not None:
                progress(done, n_events)
            if done % BATCH_EVENTS == 0 or done == n_events:
                yield _particles_from_rows(rows, index, n_events)
                rows, index = [], []


def generate_particles(
    process: str, n_events: int, seed: int, *, progress: ProgressCallback | None = None, **params
) -> Particles:
    """Final-state particles of ``n_events`` Pythia events of ``process`` (truth level)."""
    _require(n_events >= 0, "n_events must not be negative")
    pythia = make_pythia(pythia_settings(process, **params), seed)
    batches = list(_particle_batches(pythia, n_events, process, progress))
    if not batches:
        return Particles.build(pid=[], pt_gev=[], eta=[], phi=[], event=np.zeros(0, np.int64), n_events=n_events)
    return Particles(
        *(np.concatenate([getattr(b, f.name) for b in batches]) for f in dataclasses.fields(Particles)[:-1]),
        n_events=n_events,
    )


def generate_deposits(
    process: str,
    n_events: int,
    seed: int,
    *,
    response: DetectorResponse | None = None,
    progress: ProgressCallback | None = None,
    **params,
) -> Deposits:
    """Visible calorimeter deposits of ``n_events`` Pythia events of ``process``.

    ``seed`` is Pythia's (1..900,000,000; see :func:`derive_seed`); ``params`` are the
    process's physics parameters (see the ``*_settings`` functions); ``progress(done, total)``
    is called after every event.
    """
    _require(n_events >= 0, "n_events must not be negative")
    pythia = make_pythia(pythia_settings(process, **params), seed)
    pieces = [detector_response(batch, response) for batch in _particle_batches(pythia, n_events, process, progress)]
    return concatenate_deposits(pieces, n_events, pythia.infoPython().sigmaGen())


# --------------------------------------------------------------------------------------
# Min-bias pool: sparse trigger towers, cached on disk
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PileupPool:
    """Min-bias events as sparse trigger towers, for pileup overlay.

    Event ``i`` owns entries ``offsets[i]:offsets[i + 1]``: tower indices ``tower_phi``
    (0..71) and ``tower_eta`` (0..55) of :mod:`cicada.geometry` and the ET in GeV of that
    tower (float, before digitisation). ``key`` identifies the settings that made it;
    ``from_cache`` says whether it was read from a file rather than generated.
    """

    tower_phi: np.ndarray
    tower_eta: np.ndarray
    et_gev: np.ndarray
    offsets: np.ndarray
    key: str = ""
    from_cache: bool = False

    @property
    def n_events(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_deposits(self) -> int:
        return len(self.et_gev)

    def event_et_gev(self) -> np.ndarray:
        """Summed tower ET of each pool event, in GeV."""
        event = np.repeat(np.arange(self.n_events), np.diff(self.offsets))
        return np.bincount(event, weights=self.et_gev, minlength=self.n_events)


def pool_from_deposits(deposits: Deposits, key: str = "") -> PileupPool:
    """Sum deposits into towers per event and keep the non-empty towers, event by event."""
    tphi, teta = geo.tower_index(deposits.eta, deposits.phi)
    inside = teta >= 0
    flat = (deposits.event[inside] * geo.N_TOWER_PHI + tphi[inside]) * geo.N_TOWER_ETA + teta[inside]
    towers, where = np.unique(flat, return_inverse=True)
    et = np.bincount(where, weights=deposits.et_gev[inside], minlength=len(towers))
    event, tower = np.divmod(towers, geo.N_TOWER_PHI * geo.N_TOWER_ETA)
    counts = np.bincount(event, minlength=deposits.n_events)
    return PileupPool(
        tower_phi=(tower // geo.N_TOWER_ETA).astype(np.uint8),
        tower_eta=(tower % geo.N_TOWER_ETA).astype(np.uint8),
        et_gev=et.astype(np.float32),
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        key=key,
    )


def save_pool(pool: PileupPool, path: str | Path) -> Path:
    """Write a pool to an ``.npz`` file atomically (temporary name, then rename)."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as stream:
        np.savez_compressed(
            stream,
            format=np.array(POOL_FORMAT),
            key=np.array(pool.key),
            tower_phi=pool.tower_phi,
            tower_eta=pool.tower_eta,
            et_gev=pool.et_gev,
            offsets=pool.offsets,
        )
    return path


def load_pool(path: str | Path) -> PileupPool:
    """Read a pool written by :func:`save_pool`; a ValueError names the file if it is not one."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != POOL_FORMAT:
                raise ValueError(f"format {int(data['format'])}, expected {POOL_FORMAT}")
            pool = PileupPool(
                tower_phi=data["tower_phi"].astype(np.uint8),
                tower_eta=data["tower_eta"].astype(np.uint8),
                et_gev=data["et_gev"].astype(np.float32),
                offsets=data["offsets"].astype(np.int64),
                key=str(data["key"]),
                from_cache=True,
            )
    except (OSError, KeyError, ValueError) as error:
        raise ValueError(f"{path}: not a readable cicada pileup pool ({error})") from error
    _check_pool(pool, path)
    return pool


def _check_pool(pool: PileupPool, path: Path) -> None:
    offsets = pool.offsets
    sizes_match = len(pool.tower_phi) == len(pool.tower_eta) == len(pool.et_gev)
    offsets_ok = (
        len(offsets) >= 1 and offsets[0] == 0 and offsets[-1] == len(pool.et_gev) and np.all(np.diff(offsets) >= 0)
    )
    in_range = (pool.tower_phi < geo.N_TOWER_PHI).all() and (pool.tower_eta < geo.N_TOWER_ETA).all()
    if not (sizes_match and offsets_ok and in_range):
        raise ValueError(f"{path}: pileup pool arrays are inconsistent (key 'offsets' or tower indices)")


def pool_key(n_events: int, seed: int, response: DetectorResponse | None = None) -> str:
    """Content key of a min-bias pool: everything that changes its events."""
    description = {
        "format": POOL_FORMAT,
        "pythia": pythia_version(),
        "settings": pythia_settings("minbias"),
        "seed": int(seed),
        "n_events": int(n_events),
        "response": dataclasses.asdict(response or DetectorResponse()),
    }
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()


def pool_path(cache_dir: str | Path, n_events: int, seed: int, response: DetectorResponse | None = None) -> Path:
    """Cache file of the pool made with these arguments."""
    key = pool_key(n_events, seed, response)
    return Path(cache_dir) / f"minbias_pool_{n_events}ev_seed{seed}_{key[:16]}.npz"


def minbias_pool(
    n_events: int,
    seed: int,
    cache_dir: str | Path | None = None,
    *,
    response: DetectorResponse | None = None,
    progress: ProgressCallback | None = None,
) -> PileupPool:
    """A pool of ``n_events`` min-bias events, read from ``cache_dir`` if made before.

    Without ``cache_dir`` the pool is generated and not stored. A cache file that cannot be
    read or belongs to other settings is regenerated (with a warning).
    """
    check_seed(seed)
    _require(n_events > 0, "minbias_pool: n_events must be positive")
    key = pool_key(n_events, seed, response)
    path = pool_path(cache_dir, n_events, seed, response) if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            pool = load_pool(path)
            if pool.key == key:
                return pool
            log.warning(f"  {path}: pool made with other settings; regenerating")
        except ValueError as error:
            log.warning(f"  {error}; regenerating")
    deposits = generate_deposits("minbias", n_events, seed, response=response, progress=progress)
    pool = pool_from_deposits(deposits, key)
    if path is not None:
        save_pool(pool, path)
    return pool


# --------------------------------------------------------------------------------------
# Pileup overlay
# --------------------------------------------------------------------------------------

_TOWERS_PER_EVENT = geo.N_TOWER_PHI * geo.N_TOWER_ETA


@dataclass(frozen=True, eq=False)
class _OverlaySource:
    """A pool laid out for overlay: flat tower indices, plain and eta-mirrored, back to back."""

    flat: np.ndarray  # tower_phi * 56 + tower_eta, then the same with tower_eta -> 55 - tower_eta
    et_gev: np.ndarray  # float64 ET, twice
    starts: np.ndarray
    lengths: np.ndarray
    n_deposits: int

    @classmethod
    def of(cls, pool: PileupPool) -> "_OverlaySource":
        phi = pool.tower_phi.astype(np.int64) * geo.N_TOWER_ETA
        eta = pool.tower_eta.astype(np.int64)
        flat = np.concatenate([phi + eta, phi + (geo.N_TOWER_ETA - 1 - eta)])
        et = np.tile(pool.et_gev.astype(np.float64), 2)
        return cls(flat, et, pool.offsets[:-1], np.diff(pool.offsets), pool.n_deposits)


def _pileup_tower_chunk(source: _OverlaySource, n_images: int, mu: float, rng: np.random.Generator) -> np.ndarray:
    """Float32 tower maps (n_images, 72, 56) in GeV of Poisson(mu) pool events per image.

    Each interaction is a random pool event turned by a random number of towers in phi and
    mirrored in eta with probability 1/2. Turning in phi is an addition of 56 * shift to the
    flat index into a map twice as long in phi, whose halves are then added: no modulo per
    deposit, and one bincount for all deposits of the chunk.
    """
    n_pileup = rng.poisson(mu, size=n_images)
    n_interactions = int(n_pileup.sum())
    picks = rng.integers(0, len(source.lengths), size=n_interactions)
    shifts = rng.integers(0, geo.N_TOWER_PHI, size=n_interactions)
    mirrored = rng.integers(0, 2, size=n_interactions)

    lengths = source.lengths[picks]
    out_starts = np.cumsum(lengths) - lengths
    image = np.repeat(np.arange(n_images, dtype=np.int64), n_pileup)
    read_shift = source.starts[picks] + mirrored * source.n_deposits - out_starts
    write_shift = image * (2 * _TOWERS_PER_EVENT) + shifts * geo.N_TOWER_ETA

    read = np.repeat(read_shift, lengths)
    read += np.arange(read.size, dtype=np.int64)
    write = source.flat[read]
    write += np.repeat(write_shift, lengths)
    doubled = np.bincount(write, weights=source.et_gev[read], minlength=n_images * 2 * _TOWERS_PER_EVENT)
    doubled = doubled.reshape(n_images, 2, geo.N_TOWER_PHI, geo.N_TOWER_ETA)
    # float32 like geometry.particles_to_regions; digitising float32 is also ~5x faster
    return np.add(doubled[:, 0], doubled[:, 1], dtype=np.float32)


def _check_overlay_inputs(pool: PileupPool | None, mu: float) -> None:
    _require(np.isfinite(mu) and mu >= 0, f"pileup mu must be a non-negative number (got {mu!r})")
    if mu > 0:
        _require(pool is not None and pool.n_events > 0, "pileup overlay with mu > 0 needs a non-empty min-bias pool")


def pileup_towers(pool: PileupPool | None, n_images: int, mu: float, rng: np.random.Generator) -> np.ndarray:
    """Float32 tower maps (n_images, 72, 56) in GeV of pileup only (same draws as the overlay)."""
    _check_overlay_inputs(pool, mu)
    towers = np.zeros((n_images, *geo.TOWER_SHAPE), dtype=np.float32)
    if mu == 0 or n_images == 0:
        return towers
    source = _OverlaySource.of(pool)
    for start in range(0, n_images, OVERLAY_CHUNK_IMAGES):
        stop = min(start + OVERLAY_CHUNK_IMAGES, n_images)
        towers[start:stop] = _pileup_tower_chunk(source, stop - start, mu, rng)
    return towers


def pileup_regions(
    pool: PileupPool | None,
    n_images: int,
    mu: float,
    rng: np.random.Generator,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Zero-bias region images (n_images, 18, 14) uint16: Poisson(mu) pool events each."""
    return overlay_regions(None, pool, mu, rng, n_images=n_images, progress=progress)


def overlay_regions(
    signal: Deposits | None,
    pool: PileupPool | None,
    mu: float,
    rng: np.random.Generator,
    *,
    n_images: int | None = None,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Region images (N, 18, 14) uint16 of ``signal`` deposits on Poisson(mu) pileup.

    Signal and pileup are added as float tower ET, then digitised (0.5 GeV LSB, saturation)
    and summed to regions with :mod:`cicada.geometry`, as the hardware does. ``N`` is the
    signal's event count, or ``n_images`` without a signal. Results depend on ``rng`` and
    on :data:`OVERLAY_CHUNK_IMAGES`.
    """
    _check_overlay_inputs(pool, mu)
    n = signal.n_events if signal is not None else int(n_images or 0)
    _require(signal is None or n_images in (None, n), "overlay_regions: n_images must match the signal's event count")
    source = _OverlaySource.of(pool) if mu > 0 else None
    signal = _sorted_by_event(signal) if signal is not None else None
    images = np.empty((n, *geo.REGION_SHAPE), dtype=np.uint16)
    with Progress(n, "pileup overlay", unit="images") as bar:
        for start in range(0, n, OVERLAY_CHUNK_IMAGES):
            stop = min(start + OVERLAY_CHUNK_IMAGES, n)
            if source is not None:
                towers = _pileup_tower_chunk(source, stop - start, mu, rng)
            else:
                towers = np.zeros((stop - start, *geo.TOWER_SHAPE), dtype=np.float32)
            if signal is not None:
                _add_signal(towers, signal, start, stop)
            images[start:stop] = geo.towers_to_regions(geo.digitise_towers(towers))
            bar.advance(stop - start)
            if progress is not None:
                progress(stop, n)
    return images


def _sorted_by_event(deposits: Deposits) -> Deposits:
    if np.all(np.diff(deposits.event) >= 0):
        return deposits
    order = np.argsort(deposits.event, kind="stable")
    return dataclasses.replace(
        deposits,
        event=deposits.event[order],
        et_gev=deposits.et_gev[order],
        eta=deposits.eta[order],
        phi=deposits.phi[order],
    )


def _add_signal(towers: np.ndarray, signal: Deposits, start: int, stop: int) -> None:
    """Add the deposits of signal events start..stop-1 into ``towers`` (indexed from start)."""
    lo, hi = np.searchsorted(signal.event, [start, stop])
    geo.deposit(towers, signal.event[lo:hi] - start, signal.et_gev[lo:hi], signal.eta[lo:hi], signal.phi[lo:hi])


def overlay_rng(seed: int, stream: str) -> np.random.Generator:
    """The numpy random stream used by :func:`regions` for the overlay of ``stream``."""
    return np.random.default_rng([int(seed), zlib.crc32(stream.encode())])


def regions(
    process: str,
    n_events: int,
    seed: int,
    *,
    pool: PileupPool | None = None,
    mu: float = 60.0,
    response: DetectorResponse | None = None,
    progress: ProgressCallback | None = None,
    **params,
) -> np.ndarray:
    """Region images (n_events, 18, 14) uint16 of ``process`` with Poisson(mu) pileup from ``pool``.

    The Pythia seed is ``seed``; the overlay draws from :func:`overlay_rng` ``(seed, process)``.
    Use ``mu=0`` (and no pool) for images without pileup.
    """
    _check_overlay_inputs(pool, mu)
    signal = generate_deposits(process, n_events, seed, response=response, progress=progress, **params)
    return overlay_regions(signal, pool, mu, overlay_rng(seed, process))
