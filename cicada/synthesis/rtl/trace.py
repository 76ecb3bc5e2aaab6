"""A QKeras model as alkaid's adder graph, with QKeras' exact arithmetic.

Every layer is traced on alkaid's symbolic fixed-point arrays (``FVArray``, numpy-like):
constant weights become shift-and-add networks (distributed arithmetic, no multipliers), and
each quantized activation rounds and saturates exactly as QKeras does. The rule for a layer
is chosen by its Keras class (:data:`TRACE_RULES`); a layer without a rule is one clear error
naming it. (alkaid's own Keras plugin traces Keras 3 / HGQ2 models only, hence these rules.)
Each rule lives in its layer type's home (``trace.py`` of a package of :mod:`cicada.layers`,
listed in :mod:`cicada.layers.trace`, which :func:`cicada.plugins.load` imports); this module
holds the registry, what the rules share and the tracer.

Rounding: QKeras' ``quantized_relu`` rounds half to even, then saturates (hls4ml maps it to
``AP_RND_CONV, AP_SAT``). alkaid 0.8.2 offers ``RND_CONV``, but with ``SAT`` it is not exact
on every variable (a random search found values such as 1.625 -> 1.75 and 0.25 -> 0 for some
scaled sums), and it turns constants into wrong values. So cicada rounds with truncation
only: with F incoming and f kept fractional bits and b the bit of x worth 2^-f,
``trunc_f(x + (2^-(f+1) - 2^-F) + b 2^-F)`` rounds half to even (a tie goes up exactly when
the kept part is odd); constants are rounded here in Python. It is checked against QKeras on
every input code of each activation, and on random scaled sums, in the tests.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ...core.errors import ConversionError
from ...core.registry import Registry
from ...firmware.folding import firmware_model
from ...plugins import load as load_plugins

#: (layer, values) -> values. Values are alkaid FVArrays shaped like the layer's output.
TraceRule = Callable[[Any, Any], Any]
TRACE_RULES: Registry[TraceRule] = Registry("RTL layer rule")


#: ``@trace_rule("QDense", ...)`` registers a rule for those Keras/QKeras layer classes
trace_rule = TRACE_RULES.register_under


class UnsupportedLayer(ConversionError):
    """A layer the RTL flow cannot build exactly."""


def unsupported(layer, why: str) -> UnsupportedLayer:
    return UnsupportedLayer(f"layer '{layer.name}' ({type(layer).__name__}): {why}")


@dataclass
class TracedModel:
    """The traced model: alkaid's combinational logic and what the RTL flow needs to know of it."""

    comb: Any  # alkaid CombLogic
    #: bits of each (unsigned, whole-number) input, in the flat input's order
    input_bits: np.ndarray
    adder_levels: int
    layers: list[str] = field(default_factory=list)
    trace_seconds: float = 0.0


#: alkaid's opcodes of two-input adders and subtractors (a comparison is a subtraction)
ADDER_OPCODES = frozenset({0, 1})


def adder_levels(comb) -> int:
    """The most two-input adders on any path of ``comb``: the depth that ``adders_per_stage`` cuts."""
    depth: list[int] = []
    for op in comb.ops:
        before = max((depth[i] for i in op.input_ids), default=0) if op.opcode != -1 else 0
        depth.append(before + int(op.opcode in ADDER_OPCODES))
    return max((depth[i] for i in comb.out_idxs if i >= 0), default=0)


# ---------------------------------------------------------------------------- helpers
def elementwise(values, function: Callable) -> Any:
    """``function`` applied to every element of an FVArray."""
    from alkaid.trace import FVArray

    flat = np.asarray(values).ravel()
    result = np.empty(flat.size, dtype=object)
    for index in range(flat.size):
        result[index] = function(flat[index])
    return FVArray(result.reshape(values.shape), values.solver_options, hwconf=values.hwconf)


def exact_constants(array: np.ndarray, layer, what: str, limit: int = 40) -> np.ndarray:
    """``array`` as float64, checked to be exact binary fractions (anything else cannot be exact)."""
    values = np.asarray(array, dtype=np.float64)
    scaled = values * 2.0**limit
    if not np.all(np.isfinite(values)) or not np.all(scaled == np.round(scaled)):
        raise unsupported(
            layer, f"its {what} are not exact binary fractions (is the quantizer's alpha a power of two?)"
        )
    return values


def round_half_even_saturate(variable, signed: bool, integer: int, fractional: int):
    """QKeras rounding (half to even) to ``fractional`` bits, then saturation to the type's range.

    ``integer`` excludes the sign bit (alkaid's convention)."""
    if variable.low == variable.high:  # a constant: rounded here (alkaid's RND_CONV gets constants wrong)
        from alkaid.trace import FVariable

        step = 2.0**-fractional
        low, high = (-(2.0**integer) if signed else 0.0), 2.0**integer - step
        value = float(np.clip(np.round(variable.low / step) * step, low, high))  # np.round: half to even
        return FVariable.from_const(value, variable.hwconf)
    _, _, incoming = variable.kif
    if incoming <= fractional:  # nothing to round away
        return variable.quantize(int(signed), integer, fractional, "SAT", "TRN")
    kept_lsb = variable.quantize(0, 1 - fractional, fractional, "WRAP", "TRN")  # b * 2^-f
    offset = 2.0 ** -(fractional + 1) - 2.0**-incoming
    rounded = (variable + offset) + kept_lsb * 2.0 ** (fractional - incoming)
    return rounded.quantize(int(signed), integer, fractional, "SAT", "TRN")


def quantized_activation(layer, activation, values):
    """A QKeras activation quantizer (or a linear/ReLU activation) applied exactly."""
    name = type(activation).__name__
    if name == "quantized_relu":
        if getattr(activation, "negative_slope", 0.0) or getattr(activation, "use_sigmoid", 0):
            raise unsupported(layer, f"{activation} has a negative slope or sigmoid: not supported by the RTL flow")
        if getattr(activation, "relu_upper_bound", None) is not None:
            raise unsupported(layer, f"{activation} has relu_upper_bound: not supported by the RTL flow")
        bits, integer = int(activation.bits), int(activation.integer)
        return elementwise(values, lambda v: round_half_even_saturate(v, False, integer, bits - integer))
    function_name = getattr(activation, "__name__", "")
    if function_name == "linear":
        return values
    if function_name == "relu":
        return values.relu()
    raise unsupported(layer, f"activation {activation} is not supported by the RTL flow (quantized_relu, relu, linear)")


def quantized_weights(layer):
    """A QKeras layer's kernel and bias (None without one) through its quantizers, as exact constants."""
    kernel = layer.kernel_quantizer_internal(layer.kernel) if layer.kernel_quantizer_internal else layer.kernel
    kernel = exact_constants(np.asarray(kernel), layer, "kernel weights")
    bias = None
    if layer.use_bias:
        raw = layer.bias_quantizer_internal(layer.bias) if layer.bias_quantizer_internal else layer.bias
        bias = exact_constants(np.asarray(raw), layer, "biases")
    return kernel, bias


# ------------------------------------------------------------------------------ trace
def trace_model(
    model, input_bits: int | np.ndarray = 10, delay_constraint: int = 0, settings: dict | None = None
) -> TracedModel:
    """Trace ``model`` (inputs: unsigned integers of ``input_bits`` bits, all or each: a student input's
    :meth:`~cicada.config.registries.student_inputs.StudentInput.input_bits`) into alkaid's CombLogic.
    A layer trained with a batch-norm is traced as the QDense it folds into (:mod:`cicada.firmware.folding`).

    ``delay_constraint`` is alkaid's ``hard_dc``: how much delay (in units of about one adder of
    alkaid's delay model) beyond the shallowest possible each weight matrix may use to share more
    subexpressions (0: shallowest; -1: no limit; more saves some LUTs at the cost of depth).
    ``settings``: alkaid's other knobs (:mod:`.knobs`; their defaults where left out).
    """
    from alkaid.trace import FVArrayInput, HWConfig, trace

    from .knobs import DEFAULTS, hardware, solver_options

    load_plugins("RTL layer rule")  # each layer type's home registers the rule of its Keras class
    started = time.monotonic()
    chosen = {**DEFAULTS, **(settings or {}), "delay_constraint": delay_constraint}
    model = firmware_model(model)
    shape = tuple(int(d) for d in model.input_shape[1:])
    size = int(np.prod(shape))
    bits = np.broadcast_to(np.asarray(input_bits, dtype=np.int64).reshape(-1), (size,)).copy()
    inputs = FVArrayInput((size,), hwconf=HWConfig(*hardware(chosen)), solver_options=solver_options(chosen))
    values = inputs.quantize(0, bits, 0).reshape(shape)
    traced = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in TRACE_RULES:
            raise unsupported(layer, f"no RTL rule for {kind} layers (supported: {', '.join(TRACE_RULES)})")
        values = TRACE_RULES.get(kind)(layer, values)
        traced.append(layer.name)
    comb = trace(inputs, values.reshape(-1))
    return TracedModel(comb, bits, adder_levels(comb), traced, time.monotonic() - started)
