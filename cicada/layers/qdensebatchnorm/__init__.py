"""``QDenseBatchnorm``: a quantized fully connected layer trained with a batch-norm folded into its
kernel and bias (the layer of QKeras' later sources, which qkeras 0.9.0 lacks; cicada provides it).

Its home (see :mod:`cicada.layers`): one module per rule, each registering under its registry's key.

* ``keras.py``: LAYER_TYPES (cicada/config/registries/layers.py), keyed by config type: ``"QDenseBatchnorm"``,
  with the Keras layer class itself (``keras_class``: the custom object a model file loads with)

No firmware rule of its own: hls4ml 1.3.0 has no handler for it, so every firmware path (conversion and
precision proof, integer model, RTL trace, diagnosis) first folds it into the plain ``QDense`` it
computes in inference (:mod:`cicada.firmware.folding`: the same quantizers and activation, the folded
float kernel and bias), whose rules are QDense's (hls4ml's ``Dense``; Keras' ``QDense``).

This package imports nothing, so that a stage's fingerprint holds only the rules it runs.
"""
