"""Keras ``Dropout``: training only; hls4ml leaves it out of the firmware.

Its home (see :mod:`cicada.layers`): one module per rule, each registering under its registry's key.

* ``keras.py``: LAYER_TYPES (cicada/config/registries/layers.py), keyed by config type: ``"Dropout"``
* ``trace.py``: TRACE_RULES (cicada/synthesis/rtl/trace.py), keyed by Keras class: ``"InputLayer"``, ``"Dropout"``, ``"SpatialDropout2D"``, ``"GaussianNoise"``

Its RTL rule passes values on, for every layer that does so at inference (the input layer too);
the integer model and the precision proof never see it (hls4ml drops it).

This package imports nothing, so that a stage's fingerprint holds only the rules it runs.
"""
