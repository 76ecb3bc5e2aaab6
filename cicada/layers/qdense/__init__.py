"""QKeras ``QDense``: a fully connected layer with quantized kernel (and bias).

Its home (see :mod:`cicada.layers`): one module per rule, each registering under its registry's key.

* ``keras.py``: LAYER_TYPES (cicada/config/registries/layers.py), keyed by config type: ``"QDense"``
* ``precision.py``: PRECISION_RULES (cicada/core/intervals.py), keyed by hls4ml class: ``"Dense"``
* ``integer.py``: INTEGER_RULES (cicada/firmware/integer_layers/__init__.py), keyed by hls4ml class: ``"Dense"``
* ``trace.py``: TRACE_RULES (cicada/synthesis/rtl/trace.py), keyed by Keras class: ``"QDense"``

This package imports nothing, so that a stage's fingerprint holds only the rules it runs.
"""
