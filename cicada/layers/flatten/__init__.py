"""Keras ``Flatten``.

Its home (see :mod:`cicada.layers`): one module per rule, each registering under its registry's key.

* ``keras.py``: LAYER_TYPES (cicada/config/registries/layers.py), keyed by config type: ``"Flatten"``
* ``trace.py``: TRACE_RULES (cicada/synthesis/rtl/trace.py), keyed by Keras class: ``"Flatten"``

hls4ml makes it a ``Reshape``: its precision and integer rules are those of :mod:`cicada.layers.reshape`.

This package imports nothing, so that a stage's fingerprint holds only the rules it runs.
"""
