"""A QKeras model as da4ml's adder graph, with QKeras' exact arithmetic.

Every layer is traced on da4ml's symbolic fixed-point variables: constant weights become
shift-and-add networks (distributed arithmetic, no multipliers), and each quantized
activation rounds and saturates exactly as QKeras does. The rule for a layer is chosen by
its Keras class (:data:`TRACE_RULES`); a layer without a rule is one clear error naming it.

Rounding: QKeras' ``quantized_relu`` rounds half to even (hls4ml maps it to
``AP_RND_CONV, AP_SAT``); da4ml's quantizers only truncate or round half up, which differs
on every tie (almost every image ties somewhere). With F incoming and f kept fractional
bits and b the bit of x worth 2^-f, ``trunc_f(x + (2^-(f+1) - 2^-F) + b 2^-F)`` rounds half
to even: a tie goes up exactly when the kept part is odd. It is checked against QKeras on
every input code of each activation in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ...core.errors import ConversionError
from ...core.registry import Registry

#: (layer, values) -> values. Values are da4ml FixedVariableArrays shaped like the layer's output.
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
    """The traced model: da4ml's combinational logic and what the RTL flow needs to know of it."""

    comb: Any  # da4ml CombLogic
    input_bits: int
    layers: list[str] = field(default_factory=list)
    trace_seconds: float = 0.0


# ---------------------------------------------------------------------------- helpers
def _array(values, like):
    from da4ml.trace import FixedVariableArray

    return FixedVariableArray(np.asarray(values, dtype=object), like.solver_options)


def elementwise(values, function: Callable) -> Any:
    """``function`` applied to every element of a FixedVariableArray."""
    flat = values.ravel()
    result = np.empty(flat.size, dtype=object)
    for index in range(flat.size):
        result[index] = function(flat[index])
    return _array(result.reshape(values.shape), values)


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

    ``integer`` excludes the sign bit (da4ml's convention)."""
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
        return elementwise(values, lambda v: v.relu())
    raise unsupported(layer, f"activation {activation} is not supported by the RTL flow (quantized_relu, relu, linear)")


# ------------------------------------------------------------------------------ rules
@trace_rule("InputLayer", "Dropout", "SpatialDropout2D", "GaussianNoise")
def passthrough(layer, values):
    return values


@trace_rule("Flatten")
def flatten(layer, values):
    return values.reshape(-1)


@trace_rule("Reshape")
def reshape(layer, values):
    return values.reshape(tuple(int(d) for d in layer.target_shape))


@trace_rule("QActivation")
def qactivation(layer, values):
    return quantized_activation(layer, layer.quantizer, values)


@trace_rule("Activation", "ReLU")
def keras_activation(layer, values):
    if type(layer).__name__ == "ReLU":
        if layer.max_value is not None or float(layer.negative_slope) != 0.0 or float(layer.threshold) != 0.0:
            raise unsupported(layer, "only a plain ReLU is supported")
        return elementwise(values, lambda v: v.relu())
    return quantized_activation(layer, layer.activation, values)


def _quantized_weights(layer):
    kernel = layer.kernel_quantizer_internal(layer.kernel) if layer.kernel_quantizer_internal else layer.kernel
    kernel = exact_constants(np.asarray(kernel), layer, "kernel weights")
    bias = None
    if layer.use_bias:
        raw = layer.bias_quantizer_internal(layer.bias) if layer.bias_quantizer_internal else layer.bias
        bias = exact_constants(np.asarray(raw), layer, "biases")
    return kernel, bias


@trace_rule("QDense")
def qdense(layer, values):
    kernel, bias = _quantized_weights(layer)
    if values.ndim != 1:
        raise unsupported(layer, f"input of shape {values.shape}: the RTL flow takes dense layers on flat inputs")
    out = values @ kernel
    if bias is not None:
        out = out + bias
    return quantized_activation(layer, layer.activation, out)


@trace_rule("QConv2D")
def qconv2d(layer, values):
    kernel, bias = _quantized_weights(layer)
    if layer.data_format != "channels_last" or tuple(layer.dilation_rate) != (1, 1):
        raise unsupported(layer, "only channels_last convolutions without dilation are supported")
    kh, kw, c_in, n_filters = kernel.shape
    height, width, channels = values.shape
    sh, sw = (int(s) for s in layer.strides)
    if layer.padding == "same":
        out_h, out_w = -(-height // sh), -(-width // sw)
        pad_h = max((out_h - 1) * sh + kh - height, 0)
        pad_w = max((out_w - 1) * sw + kw - width, 0)
        pads = ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0))
        values = np.pad(values, pads, constant_values=0)
    out_h = (values.shape[0] - kh) // sh + 1
    out_w = (values.shape[1] - kw) // sw + 1
    rows = (np.arange(out_h) * sh)[:, None, None, None] + np.arange(kh)[None, None, :, None]
    cols = (np.arange(out_w) * sw)[None, :, None, None] + np.arange(kw)[None, None, None, :]
    patches = values[rows, cols].reshape(out_h * out_w, kh * kw * c_in)
    out = patches @ kernel.reshape(kh * kw * c_in, n_filters)
    if bias is not None:
        out = out + bias
    return quantized_activation(layer, layer.activation, out.reshape(out_h, out_w, n_filters))


@trace_rule("AveragePooling2D")
def average_pooling(layer, values):
    ph, pw = (int(p) for p in layer.pool_size)
    sh, sw = (int(s) for s in layer.strides)
    area = ph * pw
    if area & (area - 1):
        raise unsupported(layer, f"average over {area} values is not exact in binary (use a power-of-two area)")
    if layer.padding != "valid":
        raise unsupported(layer, "only valid padding is supported for pooling")
    out_h = (values.shape[0] - ph) // sh + 1
    out_w = (values.shape[1] - pw) // sw + 1
    total = None
    for di in range(ph):
        for dj in range(pw):
            window = values[di : di + sh * (out_h - 1) + 1 : sh, dj : dj + sw * (out_w - 1) + 1 : sw]
            total = window if total is None else total + window
    return total * (1.0 / area)


# ------------------------------------------------------------------------------ trace
def trace_model(model, input_bits: int = 10, delay_constraint: int = 0) -> TracedModel:
    """Trace ``model`` (inputs: unsigned ``input_bits``-bit integers) into da4ml's CombLogic.

    ``delay_constraint`` is da4ml's ``hard_dc``: how many adder levels beyond the shallowest
    possible each weight matrix may use to share more subexpressions (0: shallowest; more
    saves a few percent of LUTs at the cost of depth).
    """
    import time

    from da4ml.trace import FixedVariableArrayInput, HWConfig, comb_trace

    started = time.monotonic()
    shape = tuple(int(d) for d in model.input_shape[1:])
    # search_all_decompose_dc=False: the same solutions here, 1.5-3x faster (measured on CICADA v2)
    options = {"hard_dc": int(delay_constraint), "search_all_decompose_dc": False}
    inputs = FixedVariableArrayInput((int(np.prod(shape)),), hwconf=HWConfig(1, -1, -1), solver_options=options)
    values = inputs.quantize(0, input_bits, 0).reshape(shape)
    traced = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in TRACE_RULES:
            raise unsupported(layer, f"no RTL rule for {kind} layers (supported: {', '.join(TRACE_RULES)})")
        values = TRACE_RULES.get(kind)(layer, values)
        traced.append(layer.name)
    outputs = values.reshape(-1)
    comb = comb_trace(inputs, outputs)
    return TracedModel(comb, input_bits, traced, time.monotonic() - started)
