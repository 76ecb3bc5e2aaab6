"""A float model's hls4ml graph evaluated in numpy, in float or with fixed-point types: what the
type search of :mod:`.float_types` tries its candidates on.

:func:`graph_nodes` reads the layers of an hls4ml ModelGraph (class, shapes, the attributes the
arithmetic needs) and takes the weights from the Keras model; :func:`evaluate` computes them on a
block of events. With ``types`` None every layer computes in float64 as Keras does (layer
normalisation with its exact 1/sqrt); with ``types`` each layer's result is cast to its type
(rounding and overflow as ap_fixed), the weights sit on their types' grids, and layer
normalisation follows hls4ml 1.3.0's ``nnet_layernorm.h`` (mean and variance in ``accum_t``, the
1/sqrt from a table of ``table_size`` entries over [10^-p, 2^-r], read at ``var x size x 2^r``).

It is a model of the firmware for choosing types, not the firmware's truth: sums are taken in
float64, and average pooling divides exactly. Every choice is then confirmed on hls4ml's compiled
C++ (``hls_model.predict``, the C++ of the C simulation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ConversionError
from ..core.fixedpoint import FixedType
from .fixed_arrays import overflow_array, round_array
from .float_model import on_grid, weight_arrays

#: hls4ml classes the float path computes
CLASSES = (
    "Input",
    "Transpose",
    "Reshape",
    "LayerNormalization",
    "Conv2D",
    "Dense",
    "Activation",
    "ParametrizedActivation",
    "LeakyReLU",
    "Pooling2D",
    "BatchNormalization",
    "Merge",
)


@dataclass
class Node:
    """One layer of the hls4ml graph: what its arithmetic needs."""

    name: str
    kind: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    attrs: dict = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)


def graph_nodes(hls_model, keras_model) -> list[Node]:
    """The layers of ``hls_model`` in graph order, with the Keras model's float weights."""
    keras_layers = {layer.name: layer for layer in keras_model.layers}
    nodes: list[Node] = []
    for layer in hls_model.get_layers():
        kind = layer.class_name
        if kind not in CLASSES:
            raise ConversionError(f"layer '{layer.name}': hls4ml's {kind} is not supported on the float path")
        out_shape = tuple(int(d) for d in layer.get_output_variable().shape)
        inp = layer.get_input_variable() if kind != "Input" else None
        in_shape = tuple(int(d) for d in inp.shape) if inp is not None else out_shape
        attrs = {
            key: layer.get_attr(key)
            for key in (
                "perm",
                "activation",
                "activ_param",
                "pool_op",
                "pool_height",
                "pool_width",
                "stride_height",
                "stride_width",
                "epsilon_power_of_10",
                "seq_len",
                "n_in",
                "table_size",
                "table_range_power2",
            )
            if layer.get_attr(key) is not None
        }
        source = keras_layers.get(layer.name)
        if kind == "Conv2D":
            if source is None:
                raise ConversionError(f"layer '{layer.name}' (Conv2D): no Keras layer of that name")
            attrs["padding"] = source.padding.upper()
            attrs["strides"] = tuple(source.strides)
        weights = weight_arrays(source) if source is not None else {}
        if source is not None and type(source).__name__ in ("QDense", "QConv2D", "QActivation"):
            attrs["quantized"] = True  # a mixed model's QKeras layer: its quantizers fix its types
            if kind == "Activation":  # QKeras rounds and saturates here even in "float"
                attrs["quantizer"] = FixedType.parse(str(layer.get_attr("result_t").precision))
        if kind == "BatchNormalization":  # hls4ml's folded scale and bias, per channel (the last axis)
            weights = {role: np.asarray(layer.weights[role].data, np.float64).reshape(-1) for role in ("scale", "bias")}
        if kind == "Merge":
            previous = nodes[-1].name if nodes else None
            if layer.get_attr("op") != "multiply" or list(layer.inputs) != [previous, previous]:
                raise ConversionError(
                    f"layer '{layer.name}': only a product of the layer before with itself (a square) is supported"
                )
        nodes.append(Node(layer.name, kind, in_shape, out_shape, attrs, weights))
    return nodes


def cast(values, fixed: FixedType):
    """``values`` assigned to ``fixed`` (its quantization and overflow modes), as float64."""
    whole = np.array(values, dtype=np.float64, ndmin=1) * 2.0**fixed.fractional
    whole = round_array(whole.copy(), fixed.rounding)
    low = -(2.0 ** (fixed.width - 1)) if fixed.signed else 0.0
    high = 2.0 ** (fixed.width - (1 if fixed.signed else 0)) - 1
    whole = overflow_array(whole, fixed.saturation, int(low), int(high), fixed.width)
    result = whole * fixed.lsb
    return result.reshape(np.shape(values)) if np.ndim(values) else result[0]


def _conv(values: np.ndarray, node: Node, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    from ..core.tf import tensorflow

    tf = tensorflow()
    out = tf.nn.conv2d(
        tf.constant(values, tf.float64),
        tf.constant(kernel, tf.float64),
        strides=node.attrs["strides"],
        padding=node.attrs["padding"],
    ).numpy()
    return out + bias


def _pool(values: np.ndarray, node: Node) -> np.ndarray:
    ph, pw = node.attrs["pool_height"], node.attrs["pool_width"]
    sh, sw = node.attrs["stride_height"], node.attrs["stride_width"]
    out_h, out_w = node.out_shape[0], node.out_shape[1]
    windows = [
        values[:, i : i + sh * (out_h - 1) + 1 : sh, j : j + sw * (out_w - 1) + 1 : sw]
        for i in range(ph)
        for j in range(pw)
    ]
    stacked = np.stack(windows)
    return stacked.max(axis=0) if node.attrs.get("pool_op") == "Max" else stacked.mean(axis=0)


def _layernorm(values: np.ndarray, node: Node, types: dict | None) -> np.ndarray:
    gamma, beta = node.weights["scale"], node.weights["bias"]
    epsilon = 10.0 ** -node.attrs.get("epsilon_power_of_10", 3)
    if types is None:
        mean = values.mean(axis=-1, keepdims=True)
        var = values.var(axis=-1, keepdims=True)
        return (values - mean) / np.sqrt(var + epsilon) * gamma + beta
    accum, table_t = types[(node.name, "accum")], types[(node.name, "table")]
    gamma, beta = on_grid(gamma, types[(node.name, "scale")]), on_grid(beta, types[(node.name, "bias")])
    size, power = int(types[(node.name, "table_size")]), int(types[(node.name, "table_range_power2")])
    dim = values.shape[-1]
    k_inv = cast(np.float64(1.0 / dim), accum)
    total = cast(cast(values, accum).sum(axis=-1, keepdims=True), accum)
    mean = cast(total * k_inv, accum)
    diff = cast(values - mean, accum)
    var = cast(cast(cast(diff * diff, accum).sum(axis=-1, keepdims=True), accum) * k_inv, accum)
    index = np.clip(np.trunc(var * size * 2.0**power), 0, size - 1).astype(np.int64)
    table = inverse_sqrt_table(node, size, power, table_t)
    return diff * table[index] * gamma + beta


def inverse_sqrt_table(node: Node, size: int, power: int, table_t: FixedType) -> np.ndarray:
    """hls4ml's ``init_invert_sqr_table``: 1/sqrt over [10^-p, 2^-r] in float, cast to ``table_t``."""
    low = np.float32(10.0 ** -node.attrs.get("epsilon_power_of_10", 3))
    step = np.float32(np.float32(2.0**-power) / np.float32(size))
    entries = low + step * np.arange(size, dtype=np.float32)
    return cast(1.0 / np.sqrt(entries.astype(np.float32)).astype(np.float64), table_t)


def evaluate(nodes: list[Node], inputs: np.ndarray, types: dict | None = None, start: int = 0, record: bool = False):
    """The graph on a block of events: ``inputs`` (N, ...) entering ``nodes[start]`` (the input layer's
    values when ``start`` is 0). Returns the last layer's values, or with ``record`` every layer's."""
    values = np.asarray(inputs, dtype=np.float64)
    recorded = {}
    for node in nodes[start:]:
        values = values.reshape((len(values), *node.in_shape))
        kind = node.kind
        if kind == "Transpose":
            values = np.transpose(values, (0, *(1 + np.asarray(node.attrs["perm"]))))
        elif kind == "LayerNormalization":
            values = _layernorm(values, node, types)
        elif kind in ("Conv2D", "Dense"):
            kernel, bias = node.weights["weight"], node.weights.get("bias", np.zeros(node.out_shape[-1]))
            if types is not None:
                kernel = on_grid(kernel, types[(node.name, "weight")])
                if "bias" in node.weights:
                    bias = on_grid(bias, types[(node.name, "bias")])
            values = _conv(values, node, kernel, bias) if kind == "Conv2D" else values @ kernel + bias
        elif kind == "Activation":
            if node.attrs.get("activation") == "relu":
                values = np.maximum(values, 0.0)
        elif kind in ("ParametrizedActivation", "LeakyReLU"):
            alpha = float(node.attrs["activ_param"])
            if types is not None:
                alpha = float(cast(np.float64(alpha), types[(node.name, "param")]))
            values = np.where(values > 0, values, alpha * values)
        elif kind == "Pooling2D":
            values = _pool(values, node)
        elif kind == "BatchNormalization":
            values = values * node.weights["scale"] + node.weights["bias"]
        elif kind == "Merge":
            values = values * values
        values = values.reshape((len(values), *node.out_shape))
        if types is not None and (node.name, "result") in types:
            values = cast(values, types[(node.name, "result")])
        elif types is None and "quantizer" in node.attrs:
            values = cast(values, node.attrs["quantizer"])
        if record:
            recorded[node.name] = values
    return recorded if record else values.reshape(len(values), -1)
