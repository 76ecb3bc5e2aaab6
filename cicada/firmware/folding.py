"""The model the firmware builds: every layer that trains with something the firmware cannot hold,
folded into the plain layer it computes in inference.

A layer folds when it offers ``folded_layer()``, returning a Keras layer (of a class the firmware
flow knows, under the same name) and that layer's weights: ``QDenseBatchnorm``
(:mod:`cicada.layers.qdensebatchnorm`) gives a ``QDense`` with the same quantizers and activation and
its batch-norm folded into the float kernel and bias, which has no hls4ml 1.3.0 handler. Every
firmware path (conversion and precision proof, integer model, RTL trace, diagnosis) reads the student
through :func:`firmware_model`, so each sees exactly the weights QKeras evaluates; QKeras' own
scores keep coming from the trained model itself, so every bit-for-bit comparison checks the fold too.
"""

from __future__ import annotations

import warnings


def folds(layer) -> bool:
    """Whether ``layer`` is replaced by another layer in the firmware."""
    return callable(getattr(layer, "folded_layer", None))


def firmware_model(model):
    """``model`` with every folding layer replaced by its folded layer (same names, same graph); the model
    itself when none folds."""
    if not any(folds(layer) for layer in model.layers):
        return model
    from ..core.tf import tensorflow

    tf = tensorflow()
    replacements = {layer.name: layer.folded_layer() for layer in model.layers if folds(layer)}

    def clone(layer):
        if layer.name in replacements:
            return replacements[layer.name][0]
        return layer.__class__.from_config(layer.get_config())

    with warnings.catch_warnings():  # Keras complains about serialising qkeras quantizers in get_config
        warnings.simplefilter("ignore", UserWarning)
        folded = tf.keras.models.clone_model(model, clone_function=clone)
    for layer in folded.layers:
        if layer.name in replacements:
            layer.set_weights(replacements[layer.name][1])
        else:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    return folded
