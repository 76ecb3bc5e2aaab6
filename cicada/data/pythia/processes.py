"""Pythia 8 settings: every run's settings, the CMS CP5 tune and the named processes.

Plain Python (no Pythia needed), so that configs can be checked without the generator.
"""

from __future__ import annotations

import inspect
from typing import Callable

SQRT_S_GEV = 13600.0


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


def require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def minbias_settings() -> list[str]:
    """Inelastic pp collisions (non-diffractive and diffractive): one pileup interaction."""
    return ["SoftQCD:inelastic = on"]


def qcd_settings(pthat_min_gev: float = 30.0, pthat_max_gev: float = 0.0) -> list[str]:
    """All 2 -> 2 QCD processes with partonic pT (GeV) in [pthat_min_gev, pthat_max_gev): multijet
    background; ``pthat_max_gev = 0`` leaves it open above (the zero-bias slices use both)."""
    require(pthat_min_gev > 0, "qcd: pthat_min_gev must be positive")
    require(pthat_max_gev == 0 or pthat_max_gev > pthat_min_gev, "qcd: pthat_max_gev must be 0 or above pthat_min_gev")
    settings = ["HardQCD:all = on", f"PhaseSpace:pTHatMin = {pthat_min_gev:g}"]
    return settings + ([f"PhaseSpace:pTHatMax = {pthat_max_gev:g}"] if pthat_max_gev else [])


def ttbar_settings(top_mass_gev: float = 172.5) -> list[str]:
    """Top-pair production (gg and q qbar), all decay modes."""
    require(top_mass_gev > 0, "ttbar: top_mass_gev must be positive")
    return ["Top:gg2ttbar = on", "Top:qqbar2ttbar = on", f"6:m0 = {top_mass_gev:g}"]


def higgs_llp_settings(scalar_mass_gev: float = 40.0, scalar_ctau_mm: float = 1000.0) -> list[str]:
    """gg -> H(125) -> S S, each long-lived scalar S -> b bbar after a proper decay length c tau (mm).

    S is a resonance (so its b quarks shower and hadronise) with a negligible width and its
    lifetime taken from ``tau0`` (``tauCalc = off``), so Pythia places its decay vertex at an
    exponential distance; the detector response then reads the products' vertices.
    """
    require(
        10.5 < scalar_mass_gev < 62.5, "higgs_llp: scalar_mass_gev must be between 10.5 (2 B mesons) and 62.5 (m_H / 2)"
    )
    require(scalar_ctau_mm >= 0, "higgs_llp: scalar_ctau_mm must not be negative")
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
    require(mediator_mass_gev > 2 * dark_meson_mass_gev, "hidden_valley: mediator must be heavier than two dark mesons")
    require(dark_meson_mass_gev >= 12.0, "hidden_valley: dark_meson_mass_gev must be at least 12 (decays to b bbar)")
    require(1 <= int(dark_flavours) <= 8, "hidden_valley: dark_flavours must be 1..8")
    require(dark_meson_ctau_mm >= 0, "hidden_valley: dark_meson_ctau_mm must not be negative")
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
    require(mass_gev > 0, "zprime_leptons: mass_gev must be positive")
    return [
        "NewGaugeBoson:ffbar2gmZZprime = on",
        "Zprime:gmZmode = 3",
        f"32:m0 = {mass_gev:g}",
        "32:onMode = off",
        "32:onIfAny = 11 13",
    ]


def wprime_lnu_settings(mass_gev: float = 1000.0) -> list[str]:
    """Sequential-SM W' -> e nu or mu nu."""
    require(mass_gev > 0, "wprime_lnu: mass_gev must be positive")
    return ["NewGaugeBoson:ffbar2Wprime = on", f"34:m0 = {mass_gev:g}", "34:onMode = off", "34:onIfAny = 11 13"]


#: PDG ids given to the two generations of dark mesons of ``suep`` (free ids; not the hidden-valley
#: block, which the detector response treats as invisible: these decay to pions).
SUEP_MESON_IDS = (9000021, 9000022)


def suep_settings(mediator_mass_gev: float = 125.0, dark_meson_mass_gev: float = 2.0) -> list[str]:
    """SUEP-like (soft unclustered energy patterns): gg -> S, a scalar of ``mediator_mass_gev``
    (the Higgs boson's production with its mass changed), decaying isotropically to eight dark
    mesons, each of those to four lighter ones of ``dark_meson_mass_gev``, each of those to four
    pions (pi+ pi- pi0 pi0 or pi+ pi- pi+ pi-): 128 soft pions spread spherically in the
    scalar's frame. The decays are n-body phase space (no thermal spectrum, unlike dedicated
    SUEP generators); the heavier mesons' mass sqrt(M/8 * 4 m) sits between the two stages."""
    require(
        0.6 <= dark_meson_mass_gev <= mediator_mass_gev / 32,
        "suep: dark_meson_mass_gev must be between 0.6 (four pions) and mediator_mass_gev / 32",
    )
    heavy, light = SUEP_MESON_IDS
    m_light = dark_meson_mass_gev
    m_heavy = (mediator_mass_gev / 8 * 4 * m_light) ** 0.5
    return [
        "HiggsSM:gg2H = on",
        f"25:m0 = {mediator_mass_gev:g}",
        "25:onMode = off",
        f"25:addChannel = 1 1.0 100 {' '.join([str(heavy)] * 8)}",
        f"{heavy}:new = suep_meson void 1 0 0 {m_heavy:g} 0.0 {m_heavy:g} {m_heavy:g} 0.0",
        f"{heavy}:mayDecay = on",
        f"{heavy}:addChannel = 1 1.0 0 {' '.join([str(light)] * 4)}",
        f"{light}:new = suep_light_meson void 1 0 0 {m_light:g} 0.0 {m_light:g} {m_light:g} 0.0",
        f"{light}:mayDecay = on",
        f"{light}:addChannel = 1 0.5 0 211 -211 111 111",
        f"{light}:addChannel = 1 0.5 0 211 -211 211 -211",
    ]


def vbf_higgs_tautau_settings(mass_gev: float = 125.0) -> list[str]:
    """Vector-boson fusion q q -> q q H (W W and Z Z fusion), H -> tau+ tau-; Pythia decays the
    taus (with their polarisation) and the tagging quarks shower into forward jets."""
    require(10.0 <= mass_gev <= 3000.0, "vbf_higgs_tautau: mass_gev must be between 10 and 3000")
    return [
        "HiggsSM:ff2Hff(t:ZZ) = on",
        "HiggsSM:ff2Hff(t:WW) = on",
        f"25:m0 = {mass_gev:g}",
        "25:onMode = off",
        "25:onIfAny = 15",
    ]


def excited_quark_settings(mass_gev: float = 2000.0) -> list[str]:
    """Excited u and d quarks, q g -> q* -> q g, compositeness scale Lambda = mass."""
    require(mass_gev > 0, "excited_quark: mass_gev must be positive")
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
    "vbf_higgs_tautau": vbf_higgs_tautau_settings,
    "suep": suep_settings,
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
