"""Design-space scans on Dask: many builds from one base config, sharing data and teacher.

Kept free of imports (see docs/architecture.md): an import here would join the fingerprint
of everything below.
"""
