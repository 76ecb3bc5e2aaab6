"""QKeras ``QActivation``: a quantized activation such as ``quantized_relu(10, 6)``.

Its home (see :mod:`cicada.layers`): one module per rule, each registering under its registry's key.

* ``keras.py``: LAYER_TYPES (cicada/config/registries/layers.py), keyed by config type: ``"QActivation"``
* ``precision.py``: PRECISION_RULES (cicada/core/intervals.py), keyed by hls4ml class: ``"Activation"``
* ``integer.py``: INTEGER_RULES (cicada/firmware/integer_layers/__init__.py), keyed by hls4ml class: ``"Activation"``
* ``trace.py``: TRACE_RULES (cicada/synthesis/rtl/trace.py), keyed by Keras class: ``"QActivation"``, ``"Activation"``, ``"ReLU"``

hls4ml's ``Activation`` class also holds the ``linear`` activation it inserts after a Dense or Conv2D layer, and
Keras' own ``Activation`` and ``ReLU`` layers become it: their rules are here too.

This package imports nothing, so that a stage's fingerprint holds only the rules it runs.
"""
