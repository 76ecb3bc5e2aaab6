"""The integer-model rule of hls4ml's ``Reshape`` (what a Reshape or a Flatten becomes):
``INTEGER_RULES["Reshape"]``."""

from __future__ import annotations

import numpy as np

from ...firmware.integer_layers import LayerInput, Tensor, integer_rule, unsupported


@integer_rule("Reshape")
def reshape(given: LayerInput):
    """io_parallel passes the same array on: the values keep their type whatever the row says."""
    layer = given.keras_layer
    if layer is None:
        raise unsupported(given.row, "no Keras layer of the same name to take the shape from")
    shape = tuple(int(d) for d in layer.output_shape[1:])
    if int(np.prod(shape)) != given.incoming.size:
        raise unsupported(given.row, f"reshapes {given.incoming.shape} to {shape}")
    return None, Tensor(given.incoming.span, shape, given.incoming.fixed)
