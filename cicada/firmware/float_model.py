"""A float (non-QKeras) Keras model as the firmware computes it: its layout for hls4ml, its weights
on their fixed-point grids.

* :func:`is_float_model`: a model with a plain Keras Dense or Conv2D (weights not quantized by
  QKeras): its types are derived by :mod:`.float_types`, not proven bit-exact.
* :func:`hls4ml_layout`: hls4ml 1.3.0 normalises a layer over the last axis of a (sequence,
  features) tensor only. A LayerNormalization over the image axes (1, 2) of an (H, W, C) image
  (each channel over its H x W regions, as the CICADA 2026 VAE's) becomes Permute to (C, H, W),
  Reshape to (C, H x W), LayerNormalization over the last axis (the same gamma and beta, one per
  region), Reshape to (C, H, W) and Permute back: the same function, in layers hls4ml converts.
* :func:`with_weights_on_grid`: the model with every weight rounded to its derived type, the
  model hls4ml converts (its weights then need no rounding of hls4ml's own).
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ConversionError
from ..core.fixedpoint import FixedType
from ..models.imported_model import FLOAT_FILE_LAYERS, FLOAT_WEIGHTED

#: which Keras classes make a model float, and which a float model may hold: one list, the model
#: file's (checked before loading, ``cicada convert --model``)
FLOAT_LAYERS = FLOAT_FILE_LAYERS
#: QKeras classes a mixed model may hold beside float layers (their quantizers fix their types)
QUANTIZED_WEIGHTED = frozenset({"QDense", "QConv2D"})
#: Keras activations a Dense/Conv2D may carry on the float path.
FLOAT_ACTIVATIONS = frozenset({"linear", "relu"})
#: Weight names per class: what :func:`with_weights_on_grid` rounds.
WEIGHT_ROLES = {"Dense": ("weight", "bias"), "Conv2D": ("weight", "bias"), "LayerNormalization": ("scale", "bias")}


def is_float_model(model) -> bool:
    """True when a Dense or Conv2D of ``model`` is a plain Keras one (no QKeras quantizers)."""
    return any(type(layer).__name__ in FLOAT_WEIGHTED for layer in model.layers)


def check_float_layers(model, source: str = "model") -> None:
    """Refuse, naming the layer, what the float path cannot convert (one input per layer, known classes)."""
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in FLOAT_LAYERS:
            raise ConversionError(
                f"{source}: layer '{layer.name}' ({kind}) is not supported on the float path; expected one of "
                + ", ".join(sorted(FLOAT_LAYERS))
            )
        activation = getattr(layer, "activation", None)
        name = getattr(activation, "__name__", None)
        if kind in QUANTIZED_WEIGHTED and name != "linear":
            raise ConversionError(
                f"{source}: layer '{layer.name}' ({kind}) has an activation; expected none (put a QActivation after it)"
            )
        if kind == "QActivation" and not any(
            q in str(layer.get_config().get("activation")) for q in ("quantized_relu", "quantized_bits")
        ):
            raise ConversionError(
                f"{source}: layer '{layer.name}' (QActivation): expected quantized_relu or quantized_bits"
            )
        if kind in FLOAT_WEIGHTED and name not in FLOAT_ACTIVATIONS:
            raise ConversionError(
                f"{source}: layer '{layer.name}' ({kind}) has activation '{name}'; expected linear or relu "
                "(put a LeakyReLU layer after it)"
            )
        if kind == "Activation" and name not in FLOAT_ACTIVATIONS:
            raise ConversionError(f"{source}: layer '{layer.name}': activation '{name}'; expected linear or relu")
        several = kind != "InputLayer" and isinstance(layer.input, (list, tuple))
        if several and kind == "Multiply" and len({id(t) for t in layer.input}) == 1:
            continue  # a square: x * x
        if several:
            raise ConversionError(f"{source}: layer '{layer.name}' ({kind}) takes several inputs; expected a chain")


def _clone(layer, **changes):
    config = {**layer.get_config(), **changes}
    return type(layer).from_config(config)


def hls4ml_layout(model):
    """``model`` with each LayerNormalization over the image axes rewritten for hls4ml (module doc);
    a chain of layers in, a chain out, weights copied. A model without such a layer is returned as is."""
    from ..core.tf import tensorflow

    tf = tensorflow()
    layers = tf.keras.layers

    def image_norm(layer) -> bool:
        if type(layer).__name__ != "LayerNormalization":
            return False
        axis = layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]
        return len(layer.input_shape) == 4 and sorted(axis) == [1, 2]

    if not any(image_norm(layer) for layer in model.layers):
        return model
    inputs = layers.Input(model.input_shape[1:], name=model.layers[0].name)
    x = inputs
    for layer in model.layers[1:]:
        if image_norm(layer):
            height, width, channels = layer.input_shape[1:]
            gamma, beta = (w.reshape(-1) for w in layer.get_weights())
            x = layers.Permute((3, 1, 2), name=f"{layer.name}_to_rows")(x)
            x = layers.Reshape((channels, height * width), name=f"{layer.name}_rows")(x)
            norm = layers.LayerNormalization(axis=-1, epsilon=layer.epsilon, name=layer.name)
            x = norm(x)
            norm.set_weights([gamma, beta])
            x = layers.Reshape((channels, height, width), name=f"{layer.name}_image")(x)
            x = layers.Permute((2, 3, 1), name=f"{layer.name}_to_image")(x)
            continue
        clone = _clone(layer)
        x = clone([x, x]) if type(layer).__name__ == "Multiply" else clone(x)
        clone.set_weights(layer.get_weights())
    return tf.keras.Model(inputs, x, name=model.name)


def on_grid(values: np.ndarray, fixed: FixedType) -> np.ndarray:
    """``values`` rounded to nearest on ``fixed``'s grid and saturated to its range (float64)."""
    scaled = np.rint(np.asarray(values, dtype=np.float64) / fixed.lsb) * fixed.lsb
    return np.clip(scaled, fixed.min_value, fixed.max_value)


def with_weights_on_grid(model, weight_types: dict[str, dict[str, FixedType]]):
    """A copy of ``model`` whose weights are rounded to their types (``layer -> role -> type``, roles
    as :data:`WEIGHT_ROLES`); layers without an entry keep their weights."""
    from ..core.tf import tensorflow

    tf = tensorflow()
    copy = tf.keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    for layer in copy.layers:
        types = weight_types.get(layer.name)
        if not types:
            continue
        roles = WEIGHT_ROLES.get(type(layer).__name__)
        if roles is None:
            continue
        weights = layer.get_weights()
        layer.set_weights([on_grid(w, types[role]).astype(w.dtype) for w, role in zip(weights, roles)])
    return copy


def weight_arrays(layer) -> dict[str, np.ndarray]:
    """A Keras layer's weights by role (:data:`WEIGHT_ROLES`), float64; a QDense's or QConv2D's as its
    quantizers give them (on their grids already)."""
    if type(layer).__name__ in QUANTIZED_WEIGHTED:
        found = {"weight": _quantized(layer.kernel, getattr(layer, "kernel_quantizer_internal", None))}
        if getattr(layer, "use_bias", False) and layer.bias is not None:
            found["bias"] = _quantized(layer.bias, getattr(layer, "bias_quantizer_internal", None))
        return found
    roles = WEIGHT_ROLES.get(type(layer).__name__, ())
    return {role: np.asarray(w, dtype=np.float64) for role, w in zip(roles, layer.get_weights())}


def _quantized(values, quantizer) -> np.ndarray:
    return np.asarray(quantizer(values) if quantizer is not None else values, dtype=np.float64)
