"""Optional Pythia 8 event generation: calorimeter deposits and a min-bias pileup pool.

Generation needs ``pythia8mc`` (``pip install pythia8mc==8.317.2``); the detector response,
the pool files and the pileup overlay work without it.

How an image is made
--------------------
1. :func:`~.generation.generate_particles` runs Pythia 8 (pp at 13.6 TeV, CMS CP5 tune) for a named
   process (:data:`.processes.PROCESSES`) and keeps the final-state particles with their production
   vertices.
2. :func:`.response.detector_response` turns particles into calorimeter deposits ``(event, ET, eta,
   phi)`` with the rules of :class:`DetectorResponse`; :func:`.generation.generate_deposits` does 1 + 2.
   :func:`cicada.core.geometry.particles_to_regions` turns deposits into region images.
3. :func:`.pool.minbias_pool` generates min-bias events once and keeps them as sparse trigger
   towers in a cache file. :func:`.overlay.pileup_regions` overlays Poisson(mu) pool events per
   crossing, each turned by a random whole number of towers in phi and mirrored in eta half
   of the time, so a pool of a few thousand events gives many distinct crossings.
   :func:`.overlay.overlay_regions` adds a signal's deposits on top, at tower level, before
   digitisation; :func:`.overlay.regions` does generation and overlay in one call. All interactions
   of a crossing come from the nominal interaction point (the ~4 cm spread of pileup
   vertices along the beam is neglected).

Tune (:data:`.processes.CP5_SETTINGS`)
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

Modules
-------
``processes`` (the process settings and the CP5 tune, plain Python), ``response`` (particles
to calorimeter deposits), ``generation`` (running Pythia), ``pool`` (the cached min-bias
pool) and ``overlay`` (pileup and signal overlay to region images).
"""
