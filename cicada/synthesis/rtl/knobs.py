"""The multiplier-free compiler's own knobs: alkaid's solver, its delay model and its pipelining.

``synthesis.rtl`` sets them for the build's RTL (:class:`~.backend.RTLSettings`); each entry of
``synthesis.rtl.tradeoff`` may set any of them again (:class:`TradeoffSetting`), so the trade-off
table shows LUT against cycles against cell delay for each. Every default is alkaid 0.8.2's own
(or, for ``search_all_decompose_dc`` and ``hard_dc``, what cicada always passed), so a config that
sets none of them builds the RTL it built before they existed.

- solver (:func:`solver_options`, per weight matrix of the traced model): ``delay_constraint``
  (alkaid's ``hard_dc``), ``method0`` and ``method1`` (the heuristics of the solver's two stages),
  ``decompose_dc`` (the delay the matrix decomposition may add), ``search_all_decompose_dc``,
  ``binary_lut`` (products of one-bit inputs as lookup tables);
- delay model (:func:`hardware`, alkaid's ``HWConfig``): ``adder_size`` and ``carry_size``, the
  bits an adder and a carry-chain step handle in alkaid's latency estimate, which places the
  pipeline cuts and decides what ``delay_constraint`` allows (``HWConfig.latency_cutoff`` is not
  read by alkaid 0.8.2's tracer: the pipelining's own ``latency_cutoff`` is what
  ``adders_per_stage`` sets, as a number of stages at equal steps of the delay model);
- pipelining: ``adders_per_stage`` and ``ternary_fuse`` (``RTLModel``: pairs of adders fused into
  three-input adders, fewer LUTs and deeper cells).
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import model_serializer, model_validator

from ...config.model import ConfigModel, Flag, Integer, Number, invalid, option

#: alkaid 0.8.2's CMVM heuristics (``cmvm_solve``'s method0/method1; method1 also takes auto)
Method = Literal["wmc", "wmc-dc", "wmc-pdc", "mc", "mc-dc", "mc-pdc", "dummy"]
#: Knobs of alkaid's solver and delay model: a change retraces the model.
SOLVER_KEYS = (
    "delay_constraint",
    "method0",
    "method1",
    "decompose_dc",
    "search_all_decompose_dc",
    "binary_lut",
    "adder_size",
    "carry_size",
)
#: Knobs of the pipelining: the same traced graph written again.
PIPELINE_KEYS = ("adders_per_stage", "ternary_fuse")
KEYS = ("adders_per_stage", *SOLVER_KEYS, "ternary_fuse")
#: What each knob is when left out: alkaid's defaults (cicada's hard_dc 0 and exhaustive decomposition search)
DEFAULTS: dict[str, Any] = {
    "adders_per_stage": 3.0,
    "delay_constraint": 0,
    "method0": "wmc",
    "method1": "auto",
    "decompose_dc": -2,
    "search_all_decompose_dc": True,
    "binary_lut": True,
    "adder_size": 1,
    "carry_size": 1,
    "ternary_fuse": True,
}
DOCS = {
    "adders_per_stage": "adder levels per pipeline stage: the stages are the traced graph's adder levels divided by "
    "this, rounded up, cut by alkaid at equal steps of its delay model; fewer gives shorter paths and more cycles",
    "delay_constraint": "alkaid's hard_dc: delay (about one adder each, in alkaid's delay model) beyond the shallowest "
    "that each weight matrix may spend to share more terms (-1: no limit); 0 is the shallowest",
    "method0": "alkaid's heuristic for the solver's first stage (wmc: weighted most-common pair; -dc: "
    "delay-constrained; -pdc: partially delay-constrained; mc: most-common pair; dummy: no sharing)",
    "method1": "alkaid's heuristic for the solver's second stage (auto: alkaid picks; else as method0)",
    "decompose_dc": "delay the solver's matrix decomposition may add (-2: alkaid's default; -1: no limit)",
    "search_all_decompose_dc": "try every decomposition depth and keep the cheapest (in parallel threads)",
    "binary_lut": "products with one-bit inputs as lookup tables (false: as adders)",
    "adder_size": "alkaid's delay model (HWConfig.adder_size): bits one adder handles (-1: any)",
    "carry_size": "alkaid's delay model (HWConfig.carry_size): bits per carry-chain step of the latency estimate "
    "(-1: every adder one step, whatever its width)",
    "ternary_fuse": "fuse pairs of adders into three-input adders (alkaid's RTLModel): fewer LUTs, deeper cells",
}


def _size(value: int, key: str) -> int:
    if value == 0 or value < -1:
        raise invalid(f"expected a positive number of bits or -1, got {value}", key)
    return value


class TradeoffSetting(ConfigModel):
    """One more setting of the trade-off table: the knobs it gives (the others are the build's own).
    A bare number is its ``adders_per_stage``."""

    adders_per_stage: Optional[Number] = option(DOCS["adders_per_stage"], None, gt=0.0)
    delay_constraint: Optional[Integer] = option(DOCS["delay_constraint"], None, ge=-1)
    method0: Optional[Method] = option(DOCS["method0"], None)
    method1: Optional[Literal["auto", Method]] = option(DOCS["method1"], None)  # type: ignore[valid-type]
    decompose_dc: Optional[Integer] = option(DOCS["decompose_dc"], None, ge=-2)
    search_all_decompose_dc: Optional[Flag] = option(DOCS["search_all_decompose_dc"], None)
    binary_lut: Optional[Flag] = option(DOCS["binary_lut"], None)
    adder_size: Optional[Integer] = option(DOCS["adder_size"], None)
    carry_size: Optional[Integer] = option(DOCS["carry_size"], None)
    ternary_fuse: Optional[Flag] = option(DOCS["ternary_fuse"], None)

    @model_validator(mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"adders_per_stage": value}
        return value

    @model_validator(mode="after")
    def _checks(self):
        if all(getattr(self, key) is None for key in KEYS):
            raise invalid(f"expected a number (adders_per_stage) or at least one of {', '.join(KEYS)}")
        for key in ("adder_size", "carry_size"):
            if getattr(self, key) is not None:
                _size(getattr(self, key), key)
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, schema, handler):
        """A number (adders_per_stage) or the mapping, for editors as for the loader."""
        mapping = handler(schema)
        return {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, mapping]}

    @model_serializer(mode="wrap")
    def _given(self, handler):
        """Only the knobs given (a bare adders_per_stage as its number), so configs read back as written."""
        data = {key: value for key, value in handler(self).items() if value is not None}
        return data["adders_per_stage"] if list(data) == ["adders_per_stage"] else data


def knobs_of(settings) -> dict[str, Any]:
    """Every knob as ``settings`` (``synthesis.rtl``) sets it."""
    return {key: getattr(settings, key) for key in KEYS}


def resolve(main: dict[str, Any], entry: TradeoffSetting) -> dict[str, Any]:
    """A trade-off entry's knobs: its own where it gives them, the build's elsewhere."""
    return {key: main[key] if getattr(entry, key) is None else getattr(entry, key) for key in KEYS}


def solver_part(knobs: dict[str, Any]) -> tuple:
    """What of the knobs the trace depends on (equal parts share one trace)."""
    return tuple(knobs[key] for key in SOLVER_KEYS)


def solver_options(knobs: dict[str, Any]) -> dict:
    """alkaid's CMVM solver options for every weight matrix of the model."""
    options: dict[str, Any] = {
        "hard_dc": int(knobs["delay_constraint"]),
        "search_all_decompose_dc": bool(knobs["search_all_decompose_dc"]),
    }
    for key in ("method0", "method1", "decompose_dc"):
        if knobs[key] != DEFAULTS[key]:
            options[key] = knobs[key]
    if not knobs["binary_lut"]:
        options["binary_lut"] = False
    return options


def hardware(knobs: dict[str, Any]) -> tuple[int, int, int]:
    """alkaid's ``HWConfig(adder_size, carry_size, latency_cutoff)`` (latency_cutoff -1: unused by its tracer)."""
    return int(knobs["adder_size"]), int(knobs["carry_size"]), -1


def differing(knobs: dict[str, Any], keys: tuple[str, ...] = KEYS) -> dict[str, Any]:
    """The knobs that differ from alkaid's (and cicada's) defaults."""
    return {key: knobs[key] for key in keys if knobs[key] != DEFAULTS[key]}


def label(knobs: dict[str, Any]) -> str:
    """A folder name for a trade-off setting: ``adders_per_stage_2``, then each other knob that is not its default."""
    parts = [f"adders_per_stage_{knobs['adders_per_stage']:g}"]
    parts += [f"{key}_{_word(value)}" for key, value in differing(knobs, KEYS[1:]).items()]
    return "-".join(parts)


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value).replace("-", "_") if isinstance(value, str) else f"{value:g}"
