"""What the calorimeter sees of Pythia's particles: deposits after the detector response."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ...core import geometry as geo
from ...core.detector import DetectorResponse
from .processes import LLP_SCALAR_ID

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
    ``pt_hat_gev`` (one per event, or None) is the partonic pT of each event's hardest scatter
    (Pythia's ``pTHat``: the hard process, or for min-bias the hardest multiparton interaction).
    ``ecal_et_gev`` (one per deposit, or None) is the part of each deposit's ET the ECAL measures:
    all of it for photons and electrons (prompt ones and those of pi0 and other decays), none
    for hadrons, which the model puts in the HCAL (what the region bits need).
    """

    event: np.ndarray
    et_gev: np.ndarray
    eta: np.ndarray
    phi: np.ndarray
    n_events: int
    cross_section_mb: float = float("nan")
    pt_hat_gev: np.ndarray | None = None
    ecal_et_gev: np.ndarray | None = None

    def total_et_gev(self) -> np.ndarray:
        """Summed deposit ET of each event, in GeV (before digitisation)."""
        return np.bincount(self.event, weights=self.et_gev, minlength=self.n_events)

    def to_regions(self) -> np.ndarray:
        """Region images (n_events, 18, 14) uint16 without pileup."""
        return geo.particles_to_regions(self.n_events, self.event, self.et_gev, self.eta, self.phi)

    def electromagnetic_et(self) -> np.ndarray:
        """The ECAL part of each deposit's ET (zeros when unknown: all hadronic)."""
        return np.zeros_like(self.et_gev) if self.ecal_et_gev is None else self.ecal_et_gev


def invisible(pid) -> np.ndarray:
    """True for particles the calorimeter cannot see at all (neutrinos, dark sector, LSP...)."""
    apid = np.abs(np.asarray(pid, dtype=np.int64))
    hidden_valley = (apid >= _HIDDEN_VALLEY_IDS[0]) & (apid <= _HIDDEN_VALLEY_IDS[1])
    return np.isin(apid, _INVISIBLE_IDS) | hidden_valley


def electromagnetic(pid) -> np.ndarray:
    """True for particles whose shower the ECAL contains: photons and electrons."""
    return np.isin(np.abs(np.asarray(pid, dtype=np.int64)), _EM_IDS)


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
        ecal_et_gev=np.where(electromagnetic(particles.pid[keep]), et, 0.0),
    )


def concatenate_deposits(
    pieces: Sequence[Deposits],
    n_events: int,
    cross_section_mb: float = float("nan"),
    pt_hat_gev: np.ndarray | None = None,
) -> Deposits:
    """One :class:`Deposits` from pieces whose event indices are already global."""
    if not pieces:
        empty = np.zeros(0)
        return Deposits(empty.astype(np.int64), empty, empty, empty, n_events, cross_section_mb, pt_hat_gev, empty)
    with_ecal = all(p.ecal_et_gev is not None for p in pieces)
    return Deposits(
        event=np.concatenate([p.event for p in pieces]),
        et_gev=np.concatenate([p.et_gev for p in pieces]),
        eta=np.concatenate([p.eta for p in pieces]),
        phi=np.concatenate([p.phi for p in pieces]),
        n_events=n_events,
        cross_section_mb=cross_section_mb,
        pt_hat_gev=pt_hat_gev,
        ecal_et_gev=np.concatenate([p.ecal_et_gev for p in pieces]) if with_ecal else None,
    )
