"""The ECAL part of synthetic tower maps, tracked only when a build asks for region bits.

The Layer-1 e/gamma veto (:mod:`cicada.data.layer1`) needs each tower's ECAL ET beside its total.
A build with ``data.region_bits`` keeps a second tower map, the ECAL share, and draws its
EM-or-hadron choices from a side stream (:func:`cicada.core.seeds.side_stream`, name
:data:`BITS_STREAM`) beside each chunk's stream: the total ET, and so every region ET, is the same
with and without bits, and an ET-only build draws exactly what it drew before bits existed.

A synthetic signal kind that takes an ``ecal`` keyword gets an :class:`EcalShare` (or None in
an ET-only build) and deposits the electromagnetic part of what it adds there too; what a kind
without that keyword adds counts as hadronic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core import geometry as geo

#: The side stream of region bits beside each chunk's stream (a name never to change).
BITS_STREAM = "region_bits"

#: Probability that a soft pileup deposit is a photon (its ET in the ECAL) at |eta| knots: the EM
#: share (photons and electrons) of measured min-bias ET in Pythia 8 CP5 at 13.6 TeV, 3,000
#: events with the response of :mod:`cicada.core.detector`: 0.53-0.54 up to |eta| 1.5 (soft charged
#: hadrons curl away in the barrel), 0.47 at 1.5-1.7, 0.39-0.40 from 1.7 to 3.
SOFT_EM_SHARE = ((0.0, 0.54), (1.4, 0.535), (1.85, 0.40), (3.0, 0.39))
#: The same per column of towers (by tower eta).
COLUMN_EM_SHARE = np.interp(np.abs(geo.TOWER_ETA_CENTRES), *np.array(SOFT_EM_SHARE).T)


@dataclass(frozen=True)
class EcalShare:
    """The ECAL part (GeV) of tower maps ``towers`` (n, 72, 56) and the stream for EM choices."""

    towers: np.ndarray
    rng: np.random.Generator

    def deposit(self, event, et_gev, eta, phi) -> None:
        """Electromagnetic deposits (photons, electrons): all their ET goes to the ECAL."""
        geo.deposit(self.towers, event, et_gev, eta, phi)

    def deposit_share(self, event, et_gev, eta, phi, em_probability: float) -> None:
        """Deposits each of which is electromagnetic with ``em_probability`` (photons among hadrons)."""
        event, et_gev, eta, phi = np.broadcast_arrays(event, et_gev, eta, phi)
        em = self.rng.random(et_gev.shape) < em_probability
        geo.deposit(self.towers, event[em], et_gev[em], eta[em], phi[em])
