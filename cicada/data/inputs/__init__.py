"""Input files a user brings, in every layout cicada reads, behind one interface.

:mod:`.table` is the one home of the layout table (which layouts exist, how each is recognised
from a file's content, which reader opens it); each reader is a :class:`.base.RegionSource` in a
module of its own: ``CaloRegions`` HDF5 files (:mod:`.calo_regions`), the 2026 teacher files
(:mod:`.teacher`) and ROOT ntuples (:mod:`.ntuple`, with its options, run lists and region grid
beside it). Nothing is imported here: importing a reader should not pull in the others.
"""
