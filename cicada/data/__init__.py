"""Calorimeter region images: geometry, detector response, generators, signal kinds, HDF5 files."""
