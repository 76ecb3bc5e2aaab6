"""Keras ``Dropout`` as ``student.layers`` builds it: its spec and its Keras build (``LAYER_TYPES["Dropout"]``).
Training only: hls4ml leaves it out of the firmware."""

from __future__ import annotations

from typing import Literal

from ...config.model import Number, option
from ...config.registries.layers import LayerSpec, layer_type


class DropoutSpec(LayerSpec):
    """Dropout (training only; hls4ml drops it)."""

    type: Literal["Dropout"] = option("layer type")
    rate: Number = option("fraction dropped", 0.1, ge=0.0, le=0.9)


@layer_type("Dropout", DropoutSpec)
def build_dropout(spec: DropoutSpec, name: str):
    from tensorflow.keras import layers

    return layers.Dropout(spec.rate, name=name)
