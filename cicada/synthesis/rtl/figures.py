"""What the ``rtl`` backend measures, as a typed record: :class:`RTLFigures`.

Beyond the latency, resources and estimate every backend gives, the RTL flow measures the logic
depth against the clock, the latency/resource trade-off of other pipelinings and the bit accuracy
of its simulation, and says where the RTL is, how it was built, how long each step took and with
which tools. ``RTLFigures.as_json`` is the backend's ``details`` in report.json; its section of the
report is :mod:`.section`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ...core.synthesis_figures import Figures, LogicDepth, Real, SimulationCheck, TradeoffRow


@dataclass(frozen=True)
class RTLTradeoffRow(TradeoffRow):
    """A trade-off row of the RTL flow: besides the pipelining, alkaid's delay constraint and the other
    knobs of the setting that differ from alkaid's defaults (:mod:`.knobs`)."""

    delay_constraint: int = 0
    solver: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict:
        """As TradeoffRow writes it, with the delay constraint and the other knobs where they are not defaults
        (a row of the defaults reads as rows did before the knobs)."""
        out = super().as_json()
        if not self.delay_constraint:
            del out["delay_constraint"]
        if not self.solver:
            del out["solver"]
        return out

    @classmethod
    def from_json(cls, data: dict) -> "RTLTradeoffRow":
        """A row as report.json holds it (rows written before the knobs: delay constraint 0, alkaid's defaults)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class RTLFigures(Figures):
    """The RTL flow's figures: every backend's (simulated latency, Yosys' resources, alkaid's estimate)
    and its own, with where the RTL is, the settings it was built with, the time each step took and
    the tools' versions."""

    rtl_dir: str = ""
    top: str = ""
    bit_exact: SimulationCheck | None = None
    adder_levels: int = 0
    settings: dict[str, Real] = field(default_factory=dict)
    #: None without Yosys (synthesis.rtl.yosys false)
    logic_depth: LogicDepth | None = None
    tradeoff: tuple[RTLTradeoffRow, ...] = ()
    timings: dict[str, Real] = field(default_factory=dict)
    tools: dict[str, str] = field(default_factory=dict)
    #: the quantized kernels' canonical-signed-digit terms (:func:`cicada.models.adder_cost.summary`)
    adder_cost: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict:
        out: dict = {
            "rtl_dir": self.rtl_dir,
            "top": self.top,
            "latency": self.latency.as_json() if self.latency else None,
            "bit_exact": self.bit_exact.as_json() if self.bit_exact else None,
            "estimate": self.estimate.as_json() if self.estimate else None,
            "adder_levels": self.adder_levels,
            "settings": self.settings,
        }
        if self.resources:
            out["resources"] = self.resources.as_json()
        if self.logic_depth:
            out["logic_depth"] = self.logic_depth.as_json()
        out.update(tradeoff=[row.as_json() for row in self.tradeoff], timings=self.timings, tools=self.tools)
        if self.adder_cost:
            out["adder_cost"] = self.adder_cost
        return out
