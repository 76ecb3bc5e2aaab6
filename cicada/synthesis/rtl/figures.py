"""What the ``rtl`` backend measures, as a typed record: :class:`RTLFigures`.

Beyond the latency, resources and estimate every backend gives, the RTL flow measures the logic
depth against the clock, the latency/resource trade-off of other pipelinings and the bit accuracy
of its simulation, and says where the RTL is, how it was built, how long each step took and with
which tools. ``RTLFigures.as_json`` is the backend's ``details`` in report.json; its section of the
report is :mod:`.section`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...core.synthesis_figures import Figures, LogicDepth, Real, SimulationCheck, TradeoffRow


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
    tradeoff: tuple[TradeoffRow, ...] = ()
    timings: dict[str, Real] = field(default_factory=dict)
    tools: dict[str, str] = field(default_factory=dict)

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
        return out
