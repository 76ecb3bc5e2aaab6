"""Proving fixed-point types safe: interval analysis over an hls4ml model graph.

hls4ml computes each Dense/Conv2D layer in its accumulator type ``accum_t`` and casts the
sum to the layer's ``result_t``. QKeras evaluates the same layer exactly (in float), and
only its quantizers (QActivation) round or saturate. The firmware therefore agrees with
QKeras bit for bit when every type that does *not* round or saturate holds every value
it can receive exactly:

* enough fractional bits: input fraction + weight fraction (bias fraction too);
* enough integer bits for the reachable interval. The interval is computed per output
  from the actual quantized weights and the input range: for ``y = b + sum w_i x_i`` with
  ``x_i`` in [lo_i, hi_i], ``y`` lies in ``[b + sum min(w lo, w hi), b + sum max(w lo, w hi)]``.

With wrap-around (AP_WRAP) accumulators two's-complement addition is modular, so only the
final sum must fit; intermediate overflow cancels. A saturating accumulator breaks that,
so there every partial sum must fit and the bound used is the sum of all positive (or all
negative) terms.

Types that round or saturate (the QKeras quantizers mapped by hls4ml, e.g.
``ufixed<10,6,RND_CONV,SAT>``) are allowed to do so; their output range is the type's.

Layers this module does not analyse make the proof incomplete (reported, not hidden);
the C simulation remains the check for those.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .fixedpoint import FixedType, fractional_bits_needed

WEIGHT_LAYERS = ("Dense", "Conv2D")
POOLING_LAYERS = ("Pooling2D",)
SHAPE_ONLY_LAYERS = ("Reshape", "Flatten", "Transpose")


@dataclass
class Bounds:
    """Per-element interval of a tensor and the fractional bits its values need."""

    low: np.ndarray
    high: np.ndarray
    fractional: int

    @property
    def min(self) -> float:
        return float(np.min(self.low))

    @property
    def max(self) -> float:
        return float(np.max(self.high))


@dataclass(frozen=True)
class TypeCheck:
    """One type of one layer checked against the values it must hold."""

    layer: str
    role: str  # "accum", "result" or "input"
    type: str
    low: float
    high: float
    fractional: int
    ok: bool
    narrowest: str

    def explain(self) -> str:
        verdict = "holds" if self.ok else "CANNOT hold"
        return (
            f"{self.layer}.{self.role} {self.type} {verdict} [{self.low:g}, {self.high:g}] in steps of "
            f"2^-{self.fractional} (narrowest exact type: {self.narrowest})"
        )

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class PrecisionProof:
    checks: list[TypeCheck] = field(default_factory=list)
    unanalysed: list[str] = field(default_factory=list)  # "layer (Class)"

    @property
    def failures(self) -> list[TypeCheck]:
        return [c for c in self.checks if not c.ok]

    @property
    def complete(self) -> bool:
        return not self.unanalysed

    @property
    def proven(self) -> bool:
        return self.complete and not self.failures

    def narrowest(self) -> dict[str, dict[str, FixedType]]:
        """layer -> role -> narrowest exact type, for every accumulator and result checked."""
        table: dict[str, dict[str, FixedType]] = {}
        for check in self.checks:
            if check.role in ("accum", "result") and check.fractional >= 0:
                table.setdefault(check.layer, {})[check.role] = FixedType.parse(check.narrowest)
        return table

    def summary(self) -> dict:
        return {
            "proven": self.proven,
            "complete": self.complete,
            "unanalysed_layers": list(self.unanalysed),
            "failures": [c.explain() for c in self.failures],
            "checks": [c.as_dict() for c in self.checks],
        }


def _precision(type_obj) -> FixedType:
    """An hls4ml NamedType/PrecisionType as a FixedType."""
    precision = getattr(type_obj, "precision", type_obj)
    return FixedType.parse(str(precision))


def _cast(bounds: Bounds, to: FixedType, ideal: bool = False) -> Bounds:
    """Values after assignment to ``to``: rounding/saturating types quantize, others pass exactly.

    ``ideal``: a type that neither rounds nor saturates is taken to be as wide as needed
    (the values pass unchanged), which is what deriving the narrowest types assumes.
    """
    if ideal and not (to.rounds or to.saturates):
        return bounds
    low, high = bounds.low, bounds.high
    if to.saturates:
        low = np.clip(low, to.min_value, to.max_value)
        high = np.clip(high, to.min_value, to.max_value)
    fractional = bounds.fractional
    if to.rounds or to.fractional < fractional:
        # rounding to the type's grid can move a bound by at most one LSB
        low = np.floor(low / to.lsb) * to.lsb
        high = np.ceil(high / to.lsb) * to.lsb
        if to.saturates:
            low = np.clip(low, to.min_value, to.max_value)
            high = np.clip(high, to.min_value, to.max_value)
        fractional = min(fractional, to.fractional)
    return Bounds(low, high, fractional)


def _check(
    proof: PrecisionProof, layer: str, role: str, type_: FixedType, bounds: Bounds, quantizer_allowed: bool = True
) -> None:
    """Record whether ``type_`` holds ``bounds`` exactly. A quantizing type (one that rounds
    or saturates) is exempt where ``quantizer_allowed``: QKeras mirrors its rounding."""
    if quantizer_allowed and (type_.rounds or type_.saturates):
        return
    low, high = bounds.min, bounds.max
    narrowest = FixedType.smallest_exact(low, high, bounds.fractional)
    proof.checks.append(
        TypeCheck(
            layer=layer,
            role=role,
            type=type_.hls(),
            low=low,
            high=high,
            fractional=bounds.fractional,
            ok=type_.holds(low, high, bounds.fractional),
            narrowest=narrowest.hls(),
        )
    )


def _linear_bounds(low: np.ndarray, high: np.ndarray, weights: np.ndarray, bias: np.ndarray):
    """Bounds of ``x @ W + b`` for x in [low, high] (rows of low/high are independent inputs).

    Also returns the bound on any partial sum (for saturating accumulators).
    """
    positive, negative = np.maximum(weights, 0), np.minimum(weights, 0)
    out_high = high @ positive + low @ negative + bias
    out_low = low @ positive + high @ negative + bias
    term_max = np.maximum(high[..., :, None] * weights, low[..., :, None] * weights)
    term_min = np.minimum(high[..., :, None] * weights, low[..., :, None] * weights)
    partial_high = np.maximum(term_max, 0).sum(axis=-2) + np.maximum(bias, 0)
    partial_low = np.minimum(term_min, 0).sum(axis=-2) + np.minimum(bias, 0)
    return out_low, out_high, partial_low, partial_high


def _weights(layer) -> tuple[np.ndarray, np.ndarray]:
    """Kernel in Keras layout ((n_in, n_out) or (kh, kw, c_in, n_filt)) and bias, as used."""
    weight = np.asarray(layer.weights["weight"].data, dtype=np.float64)
    if layer.get_attr("_weights_transposed", False):
        # hls4ml's Resource strategy stores kernels output-major; undo that for the analysis
        weight = weight.T if weight.ndim == 2 else np.transpose(weight, (1, 2, 3, 0))
    n_out = weight.shape[-1]
    bias = layer.weights.get("bias")
    bias = np.zeros(n_out) if bias is None else np.asarray(bias.data, dtype=np.float64).reshape(n_out)
    return weight, bias


def _dense(layer, bounds: Bounds):
    weight, bias = _weights(layer)
    low = bounds.low.reshape(-1)
    high = bounds.high.reshape(-1)
    return _linear_bounds(low, high, weight, bias), weight, bias


def _conv2d(layer, bounds: Bounds):
    weight, bias = _weights(layer)
    kh, kw, c_in, n_filt = weight.shape
    height, width = layer.get_attr("in_height"), layer.get_attr("in_width")
    out_h, out_w = layer.get_attr("out_height"), layer.get_attr("out_width")
    stride_h, stride_w = layer.get_attr("stride_height"), layer.get_attr("stride_width")
    pad_top, pad_left = layer.get_attr("pad_top", 0), layer.get_attr("pad_left", 0)
    low = bounds.low.reshape(height, width, c_in)
    high = bounds.high.reshape(height, width, c_in)
    # zero padding: padded inputs are exactly 0
    pad = ((pad_top, layer.get_attr("pad_bottom", 0)), (pad_left, layer.get_attr("pad_right", 0)), (0, 0))
    low, high = np.pad(low, pad), np.pad(high, pad)
    rows = (np.arange(out_h) * stride_h)[:, None, None, None] + np.arange(kh)[None, None, :, None]
    cols = (np.arange(out_w) * stride_w)[None, :, None, None] + np.arange(kw)[None, None, None, :]
    patch_low = low[rows, cols].reshape(out_h * out_w, kh * kw * c_in)
    patch_high = high[rows, cols].reshape(out_h * out_w, kh * kw * c_in)
    flat = weight.reshape(kh * kw * c_in, n_filt)
    return _linear_bounds(patch_low, patch_high, flat, bias), weight, bias


def _windows(layer, values: np.ndarray) -> np.ndarray:
    """Pooling windows of a (H, W, C) array: shape (out_h * out_w, pool_h * pool_w, C)."""
    height, width, channels = layer.get_attr("in_height"), layer.get_attr("in_width"), layer.get_attr("n_filt")
    values = values.reshape(height, width, channels)
    ph, pw = layer.get_attr("pool_height"), layer.get_attr("pool_width")
    rows = (np.arange(layer.get_attr("out_height")) * layer.get_attr("stride_height"))[:, None, None, None]
    cols = (np.arange(layer.get_attr("out_width")) * layer.get_attr("stride_width"))[None, :, None, None]
    rows = rows + np.arange(ph)[None, None, :, None]
    cols = cols + np.arange(pw)[None, None, None, :]
    return values[rows, cols].reshape(-1, ph * pw, channels)


def _pooling(
    proof: PrecisionProof, layer, incoming: Bounds, out_shape, result_type: FixedType, ideal: bool
) -> Bounds | None:
    """Average pooling sums in accum_t and divides there; max pooling only selects."""
    padded = any(layer.get_attr(f"pad_{side}", 0) for side in ("top", "bottom", "left", "right"))
    if padded:
        return None  # hls4ml rescales padded windows by a non-power-of-two factor: not analysed
    low, high = _windows(layer, incoming.low), _windows(layer, incoming.high)
    if layer.get_attr("pool_op") == "Max":
        values = Bounds(low.max(axis=1).reshape(out_shape), high.max(axis=1).reshape(out_shape), incoming.fractional)
        _check(proof, layer.name, "result", result_type, values)
        return _cast(values, result_type, ideal)
    area = low.shape[1]
    shift = int(np.log2(area))
    if 2**shift != area:
        # QKeras divides in float; a fixed-point type cannot hold x / 3 exactly
        proof.checks.append(
            TypeCheck(
                layer.name,
                "result",
                result_type.hls(),
                float(low.min()) / area,
                float(high.max()) / area,
                -1,
                False,
                f"none: average over {area} values is not exact in binary",
            )
        )
        means = Bounds(low.mean(axis=1).reshape(out_shape), high.mean(axis=1).reshape(out_shape), 30)
        return _cast(means, result_type, ideal)
    fractional = incoming.fractional + shift
    sums = Bounds(low.sum(axis=1), high.sum(axis=1), fractional)  # the divided sum needs the extra bits too
    _check(proof, layer.name, "accum", _precision(layer.get_attr("accum_t")), sums)
    means = Bounds(
        (low.sum(axis=1) / area).reshape(out_shape), (high.sum(axis=1) / area).reshape(out_shape), fractional
    )
    _check(proof, layer.name, "result", result_type, means)
    return _cast(means, result_type, ideal)


def analyse(
    hls_model, input_low: float = 0.0, input_high: float = 1023.0, input_fractional: int = 0, ideal: bool = False
) -> PrecisionProof:
    """Check every accumulator and result type of ``hls_model`` (an hls4ml ModelGraph).

    With ``ideal`` the values flowing on are those of exact arithmetic whatever the
    current non-quantizing types are; the checks' ``narrowest`` types are then the ones
    to set, all in one pass.
    """
    proof = PrecisionProof()
    bounds_of: dict[str, Bounds] = {}
    for layer in hls_model.get_layers():
        kind = layer.class_name
        name = layer.name
        out_var = layer.get_output_variable()
        out_shape = tuple(out_var.shape)
        result_type = _precision(out_var.type)
        if kind == "Input":
            shape = out_shape
            raw = Bounds(np.full(shape, float(input_low)), np.full(shape, float(input_high)), input_fractional)
            # the input must arrive unchanged: no rounding or saturation allowed
            _check(proof, name, "input", result_type, raw, quantizer_allowed=False)
            bounds_of[name] = _cast(raw, result_type, ideal)
            continue
        inputs = [bounds_of.get(i) for i in layer.inputs]
        if len(inputs) != 1 or inputs[0] is None:
            proof.unanalysed.append(f"{name} ({kind})")
            break  # downstream bounds would be unknown
        incoming = inputs[0]
        if kind in SHAPE_ONLY_LAYERS:
            reshaped = Bounds(incoming.low.reshape(out_shape), incoming.high.reshape(out_shape), incoming.fractional)
            bounds_of[name] = _cast(reshaped, result_type, ideal)
            continue
        if kind in WEIGHT_LAYERS:
            analyse_layer = _dense if kind == "Dense" else _conv2d
            (low, high, partial_low, partial_high), weight, bias = analyse_layer(layer, incoming)
            fractional = max(incoming.fractional + fractional_bits_needed(weight), fractional_bits_needed(bias))
            accum_type = _precision(layer.get_attr("accum_t"))
            exact = Bounds(low, high, fractional)
            if accum_type.saturates:
                # saturation is not modular: every partial sum must fit
                wrapping = FixedType(accum_type.width, accum_type.integer, accum_type.signed)
                _check(proof, name, "accum", wrapping, Bounds(partial_low, partial_high, fractional))
            else:
                _check(proof, name, "accum", accum_type, exact)
            _check(proof, name, "result", result_type, exact)
            exact_out = Bounds(low.reshape(out_shape), high.reshape(out_shape), fractional)
            bounds_of[name] = _cast(exact_out, result_type, ideal)
            continue
        if kind in POOLING_LAYERS:
            pooled = _pooling(proof, layer, incoming, out_shape, result_type, ideal)
            if pooled is None:
                proof.unanalysed.append(f"{name} ({kind}, padded)")
                break
            bounds_of[name] = pooled
            continue
        if kind == "Activation" and layer.get_attr("activation") in ("linear", "relu"):
            low, high = incoming.low, incoming.high
            if layer.get_attr("activation") == "relu":
                low, high = np.maximum(low, 0.0), np.maximum(high, 0.0)
            values = Bounds(low.reshape(out_shape), high.reshape(out_shape), incoming.fractional)
            _check(proof, name, "result", result_type, values)
            bounds_of[name] = _cast(values, result_type, ideal)
            continue
        proof.unanalysed.append(f"{name} ({kind})")
        break
    return proof
