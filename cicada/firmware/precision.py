"""Proving fixed-point types safe: interval analysis over an hls4ml model graph.

For each layer, in graph order, the rule registered for its hls4ml class (by the layer type
that produces it, in its home in :mod:`cicada.layers`, which :func:`cicada.plugins.load` imports)
turns the bounds of its input values into the bounds of its output values and checks the
layer's types on the way (see :mod:`cicada.core.intervals` for why every non-quantizing type
must hold its values).

* Fractional bits: a sum of products needs the input's fraction plus the weight's
  (and the bias's); rounding or saturating types quantize to their own grid.
* Integer bits: the reachable interval is computed per output from the actual quantized
  weights and the input range: for ``y = b + sum w_i x_i`` with ``x_i`` in [lo_i, hi_i],
  ``y`` lies in ``[b + sum min(w lo, w hi), b + sum max(w lo, w hi)]``.

A layer without a rule, or one a rule cannot analyse, makes the proof incomplete
("not proven", reported, never hidden); the C simulation then decides.
"""

from __future__ import annotations

import numpy as np

from ..core.intervals import (
    PRECISION_RULES,
    Bounds,
    NotAnalysed,
    PrecisionProof,
    RuleInput,
    TypeCheck,
    cast,
    check,
    precision_of,
)
from ..plugins import load as load_plugins

__all__ = ["Bounds", "PrecisionProof", "TypeCheck", "analyse"]


def analyse(
    hls_model,
    input_low: float | np.ndarray = 0.0,
    input_high: float | np.ndarray = 1023.0,
    input_fractional: int = 0,
    ideal: bool = False,
    keras_model=None,
) -> PrecisionProof:
    """Check every accumulator and result type of ``hls_model`` (an hls4ml ModelGraph).

    ``input_low`` and ``input_high`` bound every input, or each input (arrays in the flat input's
    order: a student input's per-input range, e.g. ET 0..1023 beside bits 0..1).

    With ``ideal`` the values flowing on are those of exact arithmetic whatever the
    current non-quantizing types are; the checks' ``narrowest`` types are then the ones
    to set, all in one pass. ``keras_model`` supplies what hls4ml does not keep (the weights of
    layers built with distributed arithmetic).
    """
    load_plugins("precision rule")  # the layer types register the rules of the classes they become
    keras_layers = {layer.name: layer for layer in keras_model.layers} if keras_model is not None else {}
    proof = PrecisionProof()
    bounds_of: dict[str, Bounds] = {}
    for layer in hls_model.get_layers():
        kind, name = layer.class_name, layer.name
        out_var = layer.get_output_variable()
        out_shape = tuple(out_var.shape)
        result_type = precision_of(out_var.type)
        if kind == "Input":
            low = np.broadcast_to(np.asarray(input_low, dtype=np.float64).reshape(-1), (int(np.prod(out_shape)),))
            high = np.broadcast_to(np.asarray(input_high, dtype=np.float64).reshape(-1), low.shape)
            raw = Bounds(low.reshape(out_shape).copy(), high.reshape(out_shape).copy(), input_fractional)
            # the input must arrive unchanged: no rounding or saturation allowed
            check(proof, name, "input", result_type, raw, quantizer_allowed=False)
            bounds_of[name] = cast(raw, result_type, ideal)
            continue
        inputs = [bounds_of.get(i) for i in layer.inputs]
        rule = PRECISION_RULES.get(kind) if kind in PRECISION_RULES else None
        if len(inputs) != 1 or inputs[0] is None or rule is None:
            proof.unanalysed.append(f"{name} ({kind})")
            break  # downstream bounds would be unknown
        try:
            given = RuleInput(layer, inputs[0], out_shape, result_type, ideal, keras_layers.get(name))
            bounds_of[name] = rule(proof, given)
        except NotAnalysed as reason:
            proof.unanalysed.append(f"{name} ({kind}, {reason})" if str(reason) else f"{name} ({kind})")
            break
    return proof
