"""Deriving a float model's types (:mod:`.float_types` says how each is justified): the search.

:func:`derive` takes the model (in its hls4ml layout), its hls4ml graph, the input's range and the
calibration events, and returns every type with its label. The order: weights' integer bits from
their largest magnitude; layer normalisation's ranges calibrated; every other range proven by
:func:`.float_types.walk`; then, layer after layer in graph order, each fractional width (and each
1/sqrt table's size) is bisected to the fewest bits that still meet the error target on
:mod:`.float_surrogate` with every later type still at its widest; last, a walk with the chosen
types re-proves every "proven" range (a rounding cast moves values by up to one step) and widens
what it must.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ConversionError
from ..core.fixedpoint import FixedType
from .float_surrogate import Node, evaluate
from .float_types import (
    PARAM_FRACTIONAL,
    PROVEN,
    TABLE_SIZES,
    DerivedType,
    Target,
    calibrated_label,
    fixed,
    walk,
    with_fractional,
)

#: roles whose fractional bits the search chooses, per hls4ml class (in the order they are searched)
SEARCHED = {
    "Dense": ("weight", "bias", "result"),
    "Conv2D": ("weight", "bias", "result"),
    "LayerNormalization": ("scale", "bias", "accum", "table", "result"),
    "ParametrizedActivation": ("result",),
    "LeakyReLU": ("result",),
    "Activation": ("result",),
    "Merge": ("result",),
}


@dataclass
class Derivation:
    """What :func:`derive` found: the types for hls4ml, their labels, and the search's record."""

    types: dict  # (layer, role) -> FixedType, or int for table_size / table_range_power2
    derived: list[DerivedType]
    events: int
    share_within: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: every layer's float values on the calibration events (for checking hand-set types)
    floats: dict = field(default_factory=dict, repr=False)
    calibrated: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    #: the types a mixed model's QKeras quantizers set (kept as they are: QKeras rounds to them too)
    quantizer_keys: set = field(default_factory=set)
    #: dense and convolution layers whose result a QKeras quantizer rounds next: exact, never rounded
    #: twice (a second rounding would move values across the quantizer's ties)
    exact_results: set = field(default_factory=set)

    def hls4ml_precisions(self) -> dict[tuple[str, str], str]:
        return {key: value.hls() for key, value in self.types.items() if isinstance(value, FixedType)}

    def tables(self) -> dict[str, dict[str, int]]:
        """layer -> {"TableSize": n, "TableRangePower2": r} for each layer normalisation."""
        found: dict[str, dict[str, int]] = {}
        for (layer, role), value in self.types.items():
            if role == "table_size":
                found.setdefault(layer, {})["TableSize"] = int(value)
            elif role == "table_range_power2":
                found.setdefault(layer, {})["TableRangePower2"] = int(value)
        return found


def _quantile_range(values: np.ndarray, quantile: float, margin: float) -> tuple[float, float]:
    low, high = float(np.quantile(values, 1 - quantile)), float(np.quantile(values, quantile))
    width = max(high - low, 1e-6)
    return low - margin * width, high + margin * width


def _layernorm_ranges(incoming: np.ndarray, quantile: float, margin: float) -> dict[str, tuple[float, float]]:
    """What a layer normalisation's accumulator holds (sums, mean, differences, squares, variance)
    and its variance alone, over the calibration events' inputs (N, rows, dim)."""
    dim = incoming.shape[-1]
    total = incoming.sum(axis=-1)
    diff = incoming - incoming.mean(axis=-1, keepdims=True)
    square_sum = (diff * diff).sum(axis=-1)
    held = np.concatenate([total.ravel(), diff.ravel(), (diff * diff).ravel(), square_sum.ravel()])
    return {
        "accum": _quantile_range(held, quantile, margin),
        "var": _quantile_range(square_sum.ravel() / dim, quantile, margin),
    }


def derive(
    model,
    nodes: list[Node],
    hls_layers: dict,
    inputs: np.ndarray,
    reference: np.ndarray,
    input_type: FixedType,
    input_low,
    input_high,
    settings,
    fixed_types: dict | None = None,
) -> Derivation:
    """Every type of ``nodes`` (the hls4ml graph of ``model``), searched on ``inputs`` (the calibration
    events) against ``reference`` (the float model's outputs); ``fixed_types``: hand-set types, kept."""
    fixed_types = dict(fixed_types or {})
    target = Target(settings.tolerance, settings.fraction)
    widest = settings.max_fractional
    events = len(inputs)
    label = calibrated_label(events, settings.margin, settings.quantile)
    floats = evaluate(nodes, inputs, None, record=True)
    float_out = next(reversed(floats.values())).reshape(events, -1)
    if not np.allclose(float_out, reference, atol=1e-4 * max(1.0, float(np.abs(reference).max()))):
        raise ConversionError("the float path's model of the hls4ml graph disagrees with Keras (a layer it misreads)")
    types: dict = {(nodes[0].name, "result"): input_type}
    calibrated: dict[str, tuple[float, float]] = {}
    labels: dict[str, str] = {}
    previous = nodes[0]
    for node in nodes[1:]:
        if node.kind == "BatchNormalization":
            _exact_scaling(node, types)
            previous = node
            continue
        for role, values in node.weights.items():
            top = float(np.abs(values).max()) if values.size else 0.0
            types[(node.name, role)] = (
                fixed(-top, top, widest, "RND_CONV", "SAT", signed=True) if top > 0 else FixedType(2, 2)
            )  # all zeros: a two-bit integer holds them (no fraction to search)
        if node.kind == "LayerNormalization":
            ranges = _layernorm_ranges(
                floats[previous.name].reshape((events, *node.in_shape)), settings.quantile, settings.margin
            )
            types[(node.name, "accum")] = fixed(*ranges["accum"], widest, "RND_CONV", "SAT", signed=True)
            var_high = ranges["var"][1]
            power = max(0, math.floor(-math.log2(var_high))) if var_high < 1 else 0
            if var_high >= 1:
                raise ConversionError(
                    f"layer '{node.name}' (LayerNormalization): its variance reaches {var_high:g} on the calibration "
                    "events, beyond hls4ml's 1/sqrt table (which covers [10^-p, 1]); scale its input below 1"
                )
            types[(node.name, "table_range_power2")] = power
            types[(node.name, "table_size")] = TABLE_SIZES[-1]
            epsilon = 10.0 ** -node.attrs.get("epsilon_power_of_10", 3)
            types[(node.name, "table")] = fixed(0.0, 1 / math.sqrt(epsilon), widest, "RND_CONV", "SAT")
            calibrated[node.name] = _quantile_range(floats[node.name], settings.quantile, settings.margin)
            types[(node.name, "result")] = fixed(*calibrated[node.name], widest, "RND_CONV", "SAT", signed=True)
            labels[node.name] = label
        if node.kind in ("ParametrizedActivation", "LeakyReLU"):
            alpha = float(node.attrs["activ_param"])
            types[(node.name, "param")] = fixed(0.0, alpha, PARAM_FRACTIONAL, "RND_CONV", "SAT")
        previous = node
    # proven ranges with the widest fractions: the types the search starts from
    proven_walk = walk(nodes, hls_layers, types, input_low, input_high, calibrated, labels)
    for node in nodes[1:]:
        if node.kind == "BatchNormalization":  # exact: the scaling is a power of two
            exact = proven_walk.exact[node.name]
            types[(node.name, "result")] = fixed(exact.min, exact.max, exact.fractional)
            continue
        if node.name in calibrated or "result" not in SEARCHED.get(node.kind, ()):
            continue
        exact = proven_walk.exact[node.name]
        types[(node.name, "result")] = fixed(exact.min, exact.max + 2.0**-widest, widest, "RND_CONV")
    quantized = _quantizer_types(nodes, hls_layers)
    types.update(quantized)
    types.update(fixed_types)
    derivation = Derivation(types, [], events, floats=floats, calibrated=calibrated, labels=labels)
    derivation.quantizer_keys = set(quantized)
    derivation.exact_results = _before_quantizers(nodes)
    _search(nodes, inputs, reference, types, target, widest, set(fixed_types) | set(quantized), derivation)
    derivation.share_within = target.met(evaluate(nodes, inputs, types), reference)[1]
    return derivation


def finalise(
    derivation: Derivation, nodes: list[Node], hls_layers: dict, input_low, input_high, hand_set: dict | None = None
) -> bool:
    """Prove the chosen types on ``hls_layers`` (the graph of the model with its weights on their
    grids), widening a proven range where a rounding cast needs it; set the exact accumulators and
    the types of the layers that only move values; apply ``hand_set`` types; record the labels.
    Returns whether any type changed."""
    types, calibrated, labels = derivation.types, derivation.calibrated, derivation.labels
    before = dict(types)
    hand_set = dict(hand_set or {})
    types.update(hand_set)
    kept = set(hand_set) | derivation.quantizer_keys
    _prove(nodes, hls_layers, types, input_low, input_high, calibrated, labels, kept)
    final_walk = walk(nodes, hls_layers, types, input_low, input_high, calibrated, labels)
    incoming = types[(nodes[0].name, "result")]
    for node in nodes[1:]:
        if node.kind in ("Dense", "Conv2D") and (node.name, "accum") not in hand_set:
            weight_fraction = max(
                types[(node.name, r)].fractional for r in ("weight", "bias") if (node.name, r) in types
            )
            exact = final_walk.exact[node.name]
            types[(node.name, "accum")] = fixed(exact.min, exact.max, incoming.fractional + weight_fraction)
            if node.name in derivation.exact_results and (node.name, "result") not in hand_set:
                types[(node.name, "result")] = fixed(exact.min, exact.max, incoming.fractional + weight_fraction)
        if node.kind in ("Transpose", "Reshape", "Pooling2D") and (node.name, "result") not in hand_set:
            types[(node.name, "result")] = incoming
            if node.kind == "Pooling2D":
                types[(node.name, "accum")] = incoming
        incoming = types.get((node.name, "result"), incoming)
    final_walk = walk(nodes, hls_layers, types, input_low, input_high, calibrated, labels)
    derivation.derived = _records(
        nodes, types, final_walk, calibrated, labels, set(hand_set), derivation.quantizer_keys, derivation.exact_results
    )
    return types != before


def _quantizer_types(nodes: list[Node], hls_layers: dict) -> dict:
    """A mixed model's QKeras layers: a QDense or QConv2D's weights on their quantizer's grid (the exact
    type of the quantized values) and a QActivation's result type (hls4ml's, from its quantizer)."""
    from ..core.fixedpoint import fractional_bits_needed
    from ..core.intervals import precision_of

    found: dict = {}
    for node in nodes:
        if not node.attrs.get("quantized"):
            continue
        if node.kind == "Activation":
            found[(node.name, "result")] = precision_of(hls_layers[node.name].get_attr("result_t"))
            continue
        for role, values in node.weights.items():
            top = float(np.abs(values).max()) if values.size else 0.0
            bits = fractional_bits_needed(values, limit=32)
            found[(node.name, role)] = fixed(-top, top, bits, signed=True) if top > 0 else FixedType(2, 2)
    return found


def _before_quantizers(nodes: list[Node]) -> set:
    return {
        node.name
        for node, after in zip(nodes, nodes[1:])
        if node.kind in ("Dense", "Conv2D") and after.kind == "Activation" and after.attrs.get("quantized")
    }


def _weight_fraction(node: Node, types: dict) -> int:
    return max(types[(node.name, r)].fractional for r in ("weight", "bias") if (node.name, r) in types)


def _incoming_fraction(nodes: list[Node], index: int, types: dict) -> int:
    """The fraction of the values entering ``nodes[index]``: the last type set before it."""
    for node in reversed(nodes[:index]):
        if (node.name, "result") in types:
            return types[(node.name, "result")].fractional
    raise ConversionError("the input layer has no type")


def _exact_scaling(node: Node, types: dict) -> None:
    """A BatchNormalization on the float path scales each channel by a power of two (an input's
    prescaling, exact in fixed point) and shifts it by a dyadic bias: types that hold them exactly."""
    from ..core.fixedpoint import fractional_bits_needed

    for role in ("scale", "bias"):
        values = node.weights[role]
        bits = fractional_bits_needed(values, limit=24)
        exact = np.all(np.rint(values * 2.0**bits) == values * 2.0**bits)
        if not exact or (role == "scale" and np.any(values <= 0)):
            raise ConversionError(
                f"layer '{node.name}' (BatchNormalization): its {role} {values.tolist()} is not exact in fixed point; "
                "on the float path a batch normalisation may only scale each channel by a power of two"
            )
        top = float(np.abs(values).max())
        types[(node.name, role)] = fixed(-top, top, bits, signed=True) if top > 0 else FixedType(2, 2)


def _search(
    nodes, inputs, reference, types, target: Target, widest: int, hand_set: set, derivation: Derivation
) -> None:
    """Each searched role in graph order: the fewest fractional bits meeting the target."""
    for index, node in enumerate(nodes):
        roles = [r for r in SEARCHED.get(node.kind, ()) if (node.name, r) in types and (node.name, r) not in hand_set]
        exact_result = node.name in derivation.exact_results and "result" in roles
        if exact_result:
            roles.remove("result")
        if not roles and not exact_result:
            continue
        prefix = evaluate(nodes[:index], inputs, types, record=False) if index else inputs
        prefix = prefix.reshape((len(inputs), *node.in_shape))

        def meets(prefix=prefix, index=index) -> bool:
            return target.met(evaluate(nodes, prefix, types, start=index), reference)[0]

        if not meets():
            derivation.notes.append(f"{node.name}: the target is not met even with {widest} fractional bits")
            continue
        for role in roles:
            current = types[(node.name, role)]
            low, high = 0 if current.integer > 0 else -current.integer + 1, widest
            while low < high:
                middle = (low + high) // 2
                types[(node.name, role)] = with_fractional(current, middle)
                if meets():
                    high = middle
                else:
                    low = middle + 1
            types[(node.name, role)] = with_fractional(current, low)
        if exact_result:
            fraction = _incoming_fraction(nodes, index, types) + _weight_fraction(node, types)
            types[(node.name, "result")] = with_fractional(types[(node.name, "result")], fraction)
        if node.kind == "LayerNormalization" and (node.name, "table_size") not in hand_set:
            for size in TABLE_SIZES:
                types[(node.name, "table_size")] = size
                if meets():
                    break


def _prove(nodes, hls_layers, types, input_low, input_high, calibrated, labels, hand_set: set) -> None:
    """Widen each proven result type until the walk with the chosen types shows it holds its values."""
    for _ in range(4):
        final = walk(nodes, hls_layers, types, input_low, input_high, calibrated, labels)
        widened = False
        for node in nodes[1:]:
            key = (node.name, "result")
            if key not in types or node.name in calibrated or key in hand_set:
                continue
            exact, current = final.exact[node.name], types[key]
            low, high = exact.min, exact.max + current.lsb
            if not (current.min_value <= low and high <= current.max_value):
                types[key] = fixed(
                    min(low, 0.0) if current.signed else low,
                    high,
                    current.fractional,
                    current.rounding,
                    current.saturation,
                    signed=current.signed or low < 0,
                )
                widened = True
        if not widened:
            return


def _records(
    nodes, types, final_walk, calibrated, labels, hand_set: set, quantized: set, exact_results: set
) -> list[DerivedType]:
    records = []
    for node in nodes:
        exact = final_walk.exact[node.name]
        for (layer, role), value in types.items():
            if layer != node.name:
                continue
            if not isinstance(value, FixedType):
                records.append(
                    DerivedType(
                        layer,
                        role,
                        str(value),
                        labels.get(layer, PROVEN) if role == "table_range_power2" else "error target",
                        float(value),
                        float(value),
                        "searched" if role == "table_size" else "calibrated",
                    )
                )
                continue
            if (layer, role) in hand_set:
                how, fraction = "hand-set", "hand-set"
            elif (layer, role) in quantized:
                how, fraction = PROVEN, "QKeras quantizer"
            elif role == "result" and layer in exact_results:
                how, fraction = PROVEN, "exact (a QKeras quantizer rounds next)"
            elif node.kind == "Input":
                how, fraction = PROVEN, "input"
            elif node.kind == "BatchNormalization":
                how, fraction = PROVEN, "exact"  # a power-of-two scaling: no rounding anywhere
            elif role in ("weight", "bias", "scale", "param", "table"):
                how, fraction = PROVEN, "error target"  # constants: the type holds every one of them
            elif node.name in calibrated:
                how, fraction = labels[node.name], "error target"
            elif node.kind in ("Transpose", "Reshape", "Pooling2D"):
                how, fraction = PROVEN, "its input's"
            else:
                how, fraction = PROVEN, "error target" if role == "result" else "exact"
            values_known = role == "result" or (role == "accum" and node.kind in ("Dense", "Conv2D"))
            low, high = (exact.min, exact.max) if values_known else (value.min_value, value.max_value)
            if role in node.weights and node.weights[role].size:
                low, high = float(node.weights[role].min()), float(node.weights[role].max())
            elif role == "param":
                low = high = float(node.attrs["activ_param"])
            records.append(DerivedType(layer, role, value.hls(), how, low, high, fraction))
    return records
