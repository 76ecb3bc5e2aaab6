"""One module per stage of the build, each with its ``STAGE`` declaration beside its run function.

The build's order is in :mod:`cicada.pipeline.build`. This file imports nothing, so that a
stage's fingerprint covers only the code that stage really runs.
"""
