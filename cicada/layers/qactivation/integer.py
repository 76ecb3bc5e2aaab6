"""The integer-model rule of hls4ml's ``Activation`` (what a QActivation becomes, and the ``linear``
activation hls4ml inserts), relu and linear: ``INTEGER_RULES["Activation"]``."""

from __future__ import annotations

from ...firmware.fixed_arrays import plan_cast
from ...firmware.integer_layers import LayerInput, Tensor, fixed_type, float_type, integer_rule, unsupported
from ...firmware.integer_layers.steps import RELU, ElementWise


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
