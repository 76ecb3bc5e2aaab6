"""A student given as a list of layers in the YAML (``student.layers``, types from the layer registry)."""

from __future__ import annotations

from ...config.registries.layers import LAYER_TYPES, layer_names
from ...plugins import load
from . import input_of, student_architecture


def custom_weight_layers(config) -> dict[str, str]:
    load("layer type")  # the types' homes (cicada/layers/) sit above the models
    names = layer_names(config.layers)
    kinds = {name: LAYER_TYPES.get(spec.type).weights for name, spec in zip(names, config.layers)}
    return {name: kind for name, kind in kinds.items() if kind}


@student_architecture("custom", "the layers listed under student.layers", custom_weight_layers)
def build_custom_student(config, name: str = "custom-student"):
    """Raises ValueError naming the layer when Keras/QKeras cannot build it."""
    from tensorflow.keras import layers
    from tensorflow.keras.models import Model

    load("layer type")
    x = inputs = layers.Input(shape=(input_of(config).size,), name="inputs_")
    for index, (layer_name, spec) in enumerate(zip(layer_names(config.layers), config.layers)):
        try:
            x = LAYER_TYPES.get(spec.type).build(spec, layer_name)(x)
        except Exception as err:  # Keras raises ValueError/TypeError with its own wording
            raise ValueError(f"student.layers[{index}] ({spec.type} '{layer_name}'): {err}") from None
    if tuple(x.shape[1:]) != (1,):
        raise ValueError(f"student.layers: the network outputs shape {tuple(x.shape[1:])}, expected (1,): one score")
    return Model(inputs, x, name=name)
