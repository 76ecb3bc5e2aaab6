"""The rules of the layers that work value by value: Activation (relu, linear) and Reshape."""

from __future__ import annotations

import numpy as np

from ..fixed_arrays import plan_cast
from . import LayerInput, Tensor, fixed_type, float_type, integer_rule, unsupported
from .steps import RELU, ElementWise


@integer_rule("Activation")
def activation(given: LayerInput):
    row, span = given.row, given.incoming.span
    kind = row.get("activation")
    if kind is None:
        raise unsupported(row, "the conversion record has no activation (converted by an older cicada: rerun convert)")
    if kind not in ("relu", "linear"):
        raise unsupported(row, f"activation '{kind}' is not modelled (relu, linear)")
    result_type = fixed_type(row, "result")
    after: list = []
    if kind == "relu" and span.low < 0:
        cast, result_span = plan_cast(span, result_type)
        # a cast that saturates negative values to 0 (relu'd or not, after rounding) does the relu itself
        if not (cast.overflow in ("SAT", "SAT_SYM", "SAT_ZERO") and cast.low >= 0):
            after.append(RELU)
            cast, result_span = plan_cast(span.relu(), result_type)
    else:
        cast, result_span = plan_cast(span.relu() if kind == "relu" else span, result_type)
    if not cast.identity:
        after.append(cast)
    tensor = Tensor(result_span, given.incoming.shape, result_type)
    if not after:
        return None, tensor
    return ElementWise(row["name"], float_type(cast.needed), after, cast.needed), tensor


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
