"""How the calorimeter responds to particles: the one home of the response constants.

The synthetic generator and the Pythia generator both use these, so the two describe the
same detector. The numbers are deliberately simple (a fraction of the true ET per particle
class); the calorimeter volume comes from :mod:`cicada.core.geometry`.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import geometry as geo

#: Fraction of a hadron's ET the (non-compensating) calorimeter measures at trigger level.
HADRON_RESPONSE = 0.6
#: Fraction of an electron's or photon's ET measured.
EM_RESPONSE = 0.95
#: Charged particles below this pT curl in the 3.8 T field before the barrel calorimeter:
#: reaching radius R needs pT > 0.3 B R / 2 = 0.3 * 3.8 T * 1.29 m / 2 = 0.735 GeV.
CURL_PT_GEV = 0.75


@dataclass(frozen=True)
class DetectorResponse:
    """What the CMS calorimeter sees of a particle, in a few simple rules.

    * Muons, neutrinos and other invisible particles (see ``invisible``) deposit nothing.
    * Electrons and photons deposit ``em_response`` of their ET, everything else (hadrons)
      ``hadron_response`` of it (the calorimeter is non-compensating: e/h > 1). Both
      generators (synthetic and Pythia) use these defaults, so they describe the same detector.
    * A charged particle with pT below ``curl_pt_gev`` that is produced inside the tracker
      and heads for the barrel loops in the 3.8 T field and never reaches the calorimeter:
      reaching radius R needs pT > 0.3 B R / 2 = 0.3 * 3.8 T * 1.29 m / 2 = 0.735 GeV. One
      heading for an endcap still arrives (its helix stays within 2 pT / (0.3 B) < 1.29 m of
      the beam line while it travels along z), so it deposits normally.
    * Where a particle is produced (its production vertex) matters for long-lived particles:
      inside the tracker volume (radius < ``inner_radius_m`` and |z| <
      ``inner_half_length_m``) it flies in a straight line to the calorimeter front face and
      deposits there; inside the calorimeter volume (up to ``outer_radius_m`` and
      ``outer_half_length_m``) it deposits where it is produced, whatever its pT; beyond
      that envelope it deposits nothing.

    Volumes (CMS detector paper, JINST 3 (2008) S08004): ECAL barrel front face at r = 1.29 m,
    ECAL endcap front face at |z| = 3.15 m, HCAL barrel outer radius 2.95 m, HCAL endcap back
    face at about |z| = 5.5 m. Bending in the field, shower spread, noise and the forward
    calorimeter are not modelled; only |eta| < 3 (the imaged acceptance) is kept.
    """

    curl_pt_gev: float = CURL_PT_GEV
    hadron_response: float = HADRON_RESPONSE
    em_response: float = EM_RESPONSE
    inner_radius_m: float = geo.CALO_INNER_RADIUS_M
    inner_half_length_m: float = geo.CALO_INNER_HALF_LENGTH_M
    outer_radius_m: float = geo.CALO_OUTER_RADIUS_M
    outer_half_length_m: float = geo.CALO_OUTER_HALF_LENGTH_M

    def __post_init__(self):
        if not (0 < self.inner_radius_m < self.outer_radius_m):
            raise ValueError("DetectorResponse needs 0 < inner_radius_m < outer_radius_m")
        if not (0 < self.inner_half_length_m < self.outer_half_length_m):
            raise ValueError("DetectorResponse needs 0 < inner_half_length_m < outer_half_length_m")
        if min(self.curl_pt_gev, self.hadron_response, self.em_response) < 0:
            raise ValueError("DetectorResponse thresholds and responses must not be negative")
