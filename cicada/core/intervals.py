"""Interval arithmetic over fixed-point types: the pieces every precision rule is made of.

A rule (one per hls4ml layer class, registered with :func:`precision_rule` by the layer
type that produces it, in its home in :mod:`cicada.layers`) receives the bounds of the values
entering a layer and returns the bounds of the values leaving it, recording on the way
whether each of the layer's types holds what it must (:func:`check`).

Why types must hold their values: hls4ml computes each Dense/Conv2D layer in its
accumulator type ``accum_t`` and casts the sum to the layer's ``result_t``. QKeras
evaluates the same layer exactly (in float), and only its quantizers round or saturate.
The firmware therefore agrees with QKeras bit for bit when every type that does *not*
round or saturate holds every value it can receive exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .fixedpoint import FixedType
from .registry import Registry


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

    def reshaped(self, shape) -> "Bounds":
        return Bounds(self.low.reshape(shape), self.high.reshape(shape), self.fractional)


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
    #: a QKeras quantizer's type (it rounds as QKeras does): checked, never replaced by a derived type
    quantizer: bool = False

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
            if check.role in ("accum", "result") and check.fractional >= 0 and not check.quantizer:
                table.setdefault(check.layer, {})[check.role] = FixedType.parse(check.narrowest)
        return table

    def summary(self) -> "ProofSummary":
        return ProofSummary(
            proven=self.proven,
            complete=self.complete,
            unanalysed_layers=list(self.unanalysed),
            failures=[c.explain() for c in self.failures],
            checks=list(self.checks),
        )


@dataclass
class ProofSummary:
    """What a build records of a proof: the verdict, what failed or was not analysed, every check."""

    proven: bool
    complete: bool
    unanalysed_layers: list[str]
    failures: list[str]
    checks: list[TypeCheck]


@dataclass(frozen=True)
class RuleInput:
    """What a rule gets: the hls4ml layer, the bounds entering it and where its output goes."""

    layer: Any  # an hls4ml Layer
    incoming: Bounds
    out_shape: tuple[int, ...]
    result_type: FixedType
    #: values flow on as exact arithmetic whatever the non-quantizing types (deriving types)
    ideal: bool
    #: the Keras layer of the same name, for what hls4ml no longer keeps (distributed arithmetic
    #: compiles the weights into adder trees)
    keras_layer: Any = None


class NotAnalysed(Exception):
    """Raised by a rule for a layer it cannot analyse; the message says why (e.g. "padded")."""


#: A rule returns the bounds leaving the layer (or raises NotAnalysed).
Rule = Callable[[PrecisionProof, RuleInput], Bounds]

PRECISION_RULES: Registry[Rule] = Registry("precision rule")


#: ``@precision_rule("Dense", ...)`` registers a rule for those hls4ml layer classes
precision_rule = PRECISION_RULES.register_under


def precision_of(type_obj) -> FixedType:
    """An hls4ml NamedType/PrecisionType as a FixedType."""
    precision = getattr(type_obj, "precision", type_obj)
    return FixedType.parse(str(precision))


def cast(bounds: Bounds, to: FixedType, ideal: bool = False) -> Bounds:
    """Values after assignment to ``to``: rounding/saturating types quantize, others pass exactly.

    The fractional bits of the result are what its values can need: rounding keeps
    ``min(incoming, type)``, but a saturated value is the type's extreme (e.g. 63.9375 for
    ``ufixed<10,6>``), which needs the bits *that* has, more than the incoming values may.
    A wrapping type that overflows can hold anything in its range afterwards.

    ``ideal``: a type that neither rounds nor saturates is taken to be as wide as needed
    (the values pass unchanged), which is what deriving the narrowest types assumes.
    """
    from .fixedpoint import fractional_bits_needed

    if ideal and not (to.rounds or to.saturates):
        return bounds
    low, high = np.array(bounds.low, dtype=np.float64), np.array(bounds.high, dtype=np.float64)
    fractional = bounds.fractional
    if to.rounds or to.fractional < fractional:
        # rounding (or truncating) to the type's grid moves a value by at most one LSB
        low = np.floor(low / to.lsb) * to.lsb
        high = np.ceil(high / to.lsb) * to.lsb
        fractional = min(fractional, to.fractional)
    above, below = high > to.max_value, low < to.min_value
    if to.saturates:
        # SAT_SYM keeps a signed range symmetric; SAT_ZERO sends an overflow to 0, not the extreme
        lowest = -to.max_value if to.saturation == "SAT_SYM" and to.signed else to.min_value
        below = low < lowest
        overflow = above | below
        low, high = np.clip(low, lowest, to.max_value), np.clip(high, lowest, to.max_value)
        if to.saturation == "SAT_ZERO":
            low = np.where(overflow, np.minimum(low, 0.0), low)
            high = np.where(overflow, np.maximum(high, 0.0), high)
        else:
            extremes = [to.max_value] * bool(above.any()) + [lowest] * bool(below.any())
            if extremes:
                fractional = max(fractional, fractional_bits_needed(extremes))
    elif above.any() or below.any():
        overflow = above | below
        low = np.where(overflow, to.min_value, low)
        high = np.where(overflow, to.max_value, high)
    return Bounds(low, high, fractional)


def check(
    proof: PrecisionProof, layer: str, role: str, type_: FixedType, bounds: Bounds, quantizer_allowed: bool = True
) -> None:
    """Record whether ``type_`` holds ``bounds`` exactly.

    Where ``quantizer_allowed`` (a QKeras quantizer maps to this type), rounding mirrors QKeras
    and needs no check, and neither does saturation; but a type that rounds and *wraps* must
    still hold the range, since a QKeras quantizer clips where the firmware would wrap.
    """
    if quantizer_allowed and type_.saturates:
        return
    low, high = bounds.min, bounds.max
    fractional = bounds.fractional
    if quantizer_allowed and type_.rounds:
        fractional = min(fractional, type_.fractional)  # the rounding itself matches QKeras
    narrowest = FixedType.smallest_exact(low, high, fractional)
    proof.checks.append(
        TypeCheck(
            layer=layer,
            role=role,
            type=type_.hls(),
            low=low,
            high=high,
            fractional=fractional,
            ok=type_.holds(low, high, fractional),
            narrowest=narrowest.hls(),
            quantizer=quantizer_allowed and type_.rounds,
        )
    )


def not_exact(proof: PrecisionProof, layer: str, role: str, type_: FixedType, low: float, high: float, why: str):
    """Record that no fixed-point type can hold these values exactly (e.g. x / 3)."""
    proof.checks.append(TypeCheck(layer, role, type_.hls(), low, high, -1, False, f"none: {why}"))


# ---------------------------------------------------------------- weighted sums (Dense, Conv2D)
def linear_bounds(low: np.ndarray, high: np.ndarray, weights: np.ndarray, bias: np.ndarray):
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


def layer_weights(given: RuleInput) -> tuple[np.ndarray, np.ndarray]:
    """Kernel in Keras layout ((n_in, n_out) or (kh, kw, c_in, n_filt)) and bias, as used."""
    layer = given.layer
    if "weight" not in layer.weights:
        return _keras_weights(given)
    weight = np.asarray(layer.weights["weight"].data, dtype=np.float64)
    if layer.get_attr("_weights_transposed", False):
        # hls4ml's Resource strategy stores kernels output-major; undo that for the analysis
        weight = weight.T if weight.ndim == 2 else np.transpose(weight, (1, 2, 3, 0))
    n_out = weight.shape[-1]
    bias = layer.weights.get("bias")
    bias = np.zeros(n_out) if bias is None else np.asarray(bias.data, dtype=np.float64).reshape(n_out)
    return weight, bias


def _keras_weights(given: RuleInput) -> tuple[np.ndarray, np.ndarray]:
    """The quantized kernel and bias of the Keras layer (QKeras applies its quantizers on the fly)."""
    source = given.keras_layer
    if source is None or not hasattr(source, "kernel"):
        raise NotAnalysed("weights not kept by hls4ml and no Keras layer to read them from")
    quantize = getattr(source, "kernel_quantizer_internal", None)
    weight = np.asarray(quantize(source.kernel) if quantize else source.kernel, dtype=np.float64)
    n_out = weight.shape[-1]
    if getattr(source, "use_bias", False) and source.bias is not None:
        quantize = getattr(source, "bias_quantizer_internal", None)
        bias = np.asarray(quantize(source.bias) if quantize else source.bias, dtype=np.float64).reshape(n_out)
    else:
        bias = np.zeros(n_out)
    return weight, bias


def weighted_sum(proof: PrecisionProof, given: RuleInput, bounds, weight: np.ndarray, bias: np.ndarray) -> Bounds:
    """Check a Dense/Conv2D layer's accumulator and result types; ``bounds`` are those of
    :func:`linear_bounds` for its (patches of) inputs."""
    from .fixedpoint import fractional_bits_needed

    low, high, partial_low, partial_high = bounds
    layer = given.layer
    fractional = max(given.incoming.fractional + fractional_bits_needed(weight), fractional_bits_needed(bias))
    accum_type = precision_of(layer.get_attr("accum_t"))
    exact = Bounds(low, high, fractional)
    if layer.get_attr("strategy") == "distributed_arithmetic":
        pass  # da4ml sizes every adder of the tree to its exact range: there is no accumulator type
    elif accum_type.saturates:
        # saturation is not modular: every partial sum must fit
        wrapping = FixedType(accum_type.width, accum_type.integer, accum_type.signed)
        check(proof, layer.name, "accum", wrapping, Bounds(partial_low, partial_high, fractional))
    else:
        # two's-complement addition wraps modularly, so only the final sum must fit
        check(proof, layer.name, "accum", accum_type, exact)
    check(proof, layer.name, "result", given.result_type, exact)
    return cast(exact.reshaped(given.out_shape), given.result_type, given.ideal)
