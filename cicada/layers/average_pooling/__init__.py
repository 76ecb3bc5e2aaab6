"""Keras ``AveragePooling2D`` (and the max pooling hls4ml handles in the same class).

Its home (see :mod:`cicada.layers`): one module per rule, each registering under its registry's key.

* ``keras.py``: LAYER_TYPES (cicada/config/registries/layers.py), keyed by config type: ``"AveragePooling2D"``
* ``precision.py``: PRECISION_RULES (cicada/core/intervals.py), keyed by hls4ml class: ``"Pooling2D"``
* ``integer.py``: INTEGER_RULES (cicada/firmware/integer_layers/__init__.py), keyed by hls4ml class: ``"Pooling2D"``
* ``trace.py``: TRACE_RULES (cicada/synthesis/rtl/trace.py), keyed by Keras class: ``"AveragePooling2D"``

Exact only when the window's area is a power of two (QKeras divides in float).

This package imports nothing, so that a stage's fingerprint holds only the rules it runs.
"""
