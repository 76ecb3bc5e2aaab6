"""What a synthesis backend measures of the firmware, as typed records every reader reads.

A backend (:mod:`cicada.synthesis`) returns its figures as a :class:`Figures`, or as a subclass
of its own that adds what only its report section reads (the vendor's reports and
co-simulation, the RTL flow's trade-off). The report (report.json's ``latency``, ``resources``
and ``estimates``, and report.md's tables), the build's summary, the scan's results table and
each backend's own report section read these records, never a dict. Every figure carries its
source (:mod:`.labels`); a figure that could not be obtained is None with its reason.

Each record writes itself as report.json has always held it (``as_json``) and reads itself back
from there (``from_json``): report.json is a public format, read by the scan table, MLflow
tracking and users, and these two methods are its one definition. A stamp holds a record as
``dataclasses.asdict`` writes it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .bit_comparison import BitComparison

#: A figure as the tool gave it: a count (int) or a measure (float); never converted, so a figure read
#: back from a stamp writes the same report.json as the one just measured.
Real = int | float
#: The names backends count resources under, in the order reports show them (vendor HLS counts
#: BRAM_18K, Yosys BRAM cells: a resource's source says which).
REPORTED_RESOURCES = ("LUT", "FF", "CARRY", "DSP", "BRAM", "BRAM_18K", "URAM")


def _named(data: dict, record: type) -> dict[str, Any]:
    """The values of ``record``'s fields in ``data`` (None for those it lacks)."""
    return {f.name: data.get(f.name) for f in fields(record)}


# ------------------------------------------------------------------------------------ latency
@dataclass(frozen=True)
class HLSLatency:
    """What an HLS tool's C-synthesis report adds to a latency: the best case, the clock the tool
    estimates the design reaches and the latency there (at a timing violation it is slower than at
    the target clock), the top function and the report read."""

    best_cycles: Real | None
    estimated_clock_ns: Real | None
    timing_violation: bool | None
    ns_at_estimated_clock: Real | None
    bx_at_estimated_clock: Real | None
    interval_ns_at_estimated_clock: Real | None
    one_event_per_crossing_at_estimated_clock: bool | None
    top: str | None
    report: str


@dataclass(frozen=True)
class PipelineLatency:
    """What a simulated pipeline adds to a latency: the cycles of its data path (equal to the valid
    signal's), its stages and whether it registers its inputs."""

    data_path_cycles: int
    stages: int
    register_input: bool


@dataclass(frozen=True)
class Latency:
    """One event in, its score out: cycles at the target clock, in ns and in bunch crossings, and the
    initiation interval. A figure the tool left undefined is None with its reason in ``reasons``."""

    source: str
    clock_ns: Real
    cycles: Real | None
    ns: Real | None
    bx: Real | None
    interval_cycles: Real | None
    interval_ns: Real | None
    one_event_per_crossing: bool | None
    #: figure (its name in report.json: cycles, interval_cycles, ns_at_estimated_clock, ...) -> why it is None
    reasons: dict[str, str] = field(default_factory=dict)
    hls: HLSLatency | None = None
    pipeline: PipelineLatency | None = None

    @property
    def timing_violation(self) -> bool | None:
        return self.hls.timing_violation if self.hls else None

    def reason(self, name: str) -> str | None:
        return self.reasons.get(name)

    def as_json(self) -> dict:
        hls, pipeline = self.hls, self.pipeline
        named: list[tuple[str, object]] = [("cycles", self.cycles)]
        if hls:
            named.append(("best_cycles", hls.best_cycles))
        named += [("ns", self.ns), ("bx", self.bx), ("clock_ns", self.clock_ns)]
        if hls:
            named.append(("estimated_clock_ns", hls.estimated_clock_ns))
        named += [
            ("interval_cycles", self.interval_cycles),
            ("interval_ns", self.interval_ns),
            ("one_event_per_crossing", self.one_event_per_crossing),
        ]
        if hls:
            named += [
                ("timing_violation", hls.timing_violation),
                ("ns_at_estimated_clock", hls.ns_at_estimated_clock),
                ("bx_at_estimated_clock", hls.bx_at_estimated_clock),
                ("interval_ns_at_estimated_clock", hls.interval_ns_at_estimated_clock),
                ("one_event_per_crossing_at_estimated_clock", hls.one_event_per_crossing_at_estimated_clock),
            ]
        out: dict = {}
        for name, value in named:
            out[name] = value
            if value is None and name in self.reasons:
                out[f"{name}_reason"] = self.reasons[name]
        if pipeline:
            out.update(asdict(pipeline))
        if hls:
            out.update(top=hls.top, report=hls.report)
        out["source"] = self.source
        return out

    @classmethod
    def from_json(cls, data: dict) -> "Latency":
        """A latency as report.json holds it (a backend's entry of ``latency``, ``available`` aside)."""
        reasons = {key[: -len("_reason")]: value for key, value in data.items() if key.endswith("_reason")}
        hls = pipeline = None
        if "report" in data:
            hls = HLSLatency(**_named(data, HLSLatency))
        if "data_path_cycles" in data:
            pipeline = PipelineLatency(**_named(data, PipelineLatency))
        common = {k: v for k, v in _named(data, cls).items() if k not in ("reasons", "hls", "pipeline")}
        return cls(**common, reasons=reasons, hls=hls, pipeline=pipeline)


# ---------------------------------------------------------------------------------- resources
@dataclass(frozen=True)
class PartTotals:
    """The part the tool synthesized for and what it holds of each resource (vendor HLS gives them;
    empty where the tool does not say)."""

    part: str
    part_resources: dict[str, Real] = field(default_factory=dict)
    utilisation_percent: dict[str, Real] = field(default_factory=dict)


@dataclass(frozen=True)
class NetlistCells:
    """What open synthesis counts beyond the resources: LUTs by size, inverters, every cell type and
    the FPGA family synthesized for."""

    LUT_by_size: dict[str, int]
    INV: int
    cells: dict[str, int]
    family: str


@dataclass(frozen=True)
class Resources:
    """What the firmware uses: a count per resource (LUT, FF, CARRY, DSP, BRAM or BRAM_18K, URAM, as
    the tool names them, in its order), with the part's totals or the netlist's cells where known."""

    source: str
    counts: dict[str, Real]
    part: PartTotals | None = None
    netlist: NetlistCells | None = None

    def count(self, kind: str) -> Real | None:
        return self.counts.get(kind)

    def as_json(self) -> dict:
        out: dict = dict(self.counts)
        if self.part:
            out.update(asdict(self.part))
        if self.netlist:
            out.update(asdict(self.netlist))
        out["source"] = self.source
        return out

    @classmethod
    def from_json(cls, data: dict) -> "Resources":
        """Resources as report.json holds them (a backend's entry of ``resources``, ``available`` aside)."""
        part = PartTotals(**_named(data, PartTotals)) if "part" in data else None
        netlist = NetlistCells(**_named(data, NetlistCells)) if "family" in data else None
        other = {"source", "available", *(f.name for f in fields(PartTotals)), *(f.name for f in fields(NetlistCells))}
        source: Any = data.get("source")  # None in a report.json written by hand
        return cls(source, {k: v for k, v in data.items() if k not in other}, part, netlist)


@dataclass(frozen=True)
class Estimate:
    """Resources from a cost model, before synthesis: counts per resource and, where the model costs
    each layer, its cost per layer."""

    source: str
    counts: dict[str, Real]
    per_layer: dict[str, Real] | None = None

    def count(self, kind: str) -> Real | None:
        return self.counts.get(kind)

    def as_json(self) -> dict:
        out: dict = dict(self.counts)
        if self.per_layer is not None:
            out["per_layer"] = self.per_layer
        out["source"] = self.source
        return out

    @classmethod
    def from_json(cls, data: dict) -> "Estimate":
        counts = {k: v for k, v in data.items() if k not in ("source", "per_layer")}
        source: Any = data.get("source")
        return cls(source, counts, data.get("per_layer"))


# ------------------------------------------------------------------- what an RTL flow measures
@dataclass(frozen=True)
class LogicDepth:
    """The slowest register-to-register path of synthesized logic against the clock (an estimate: no
    placement or routing)."""

    lut_levels: int
    carry4: int
    max_lut_levels: int
    cell_delay_ns: Real
    clock_ns: Real
    margin_for_routing_ns: Real
    stage_cell_delays_ns: list[Real]
    source: str

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "LogicDepth":
        return cls(**data)


@dataclass(frozen=True)
class TradeoffRow:
    """One way of pipelining the same logic: its latency, the RTL's own counts (always) and those of
    synthesis (where it was synthesized: else None)."""

    adders_per_stage: Real
    stages: int
    cycles: int
    ns: Real
    bx: Real
    latency_source: str
    LUT_estimate: Real
    FF_registers: int
    estimate_source: str
    LUT: Real | None = None
    FF: int | None = None
    synthesis_source: str | None = None
    cell_delay_ns: Real | None = None

    def as_json(self) -> dict:
        out = asdict(self)
        if self.cell_delay_ns is None:  # not synthesized: no cell delay to give
            del out["cell_delay_ns"]
        return out

    @classmethod
    def from_json(cls, data: dict) -> "TradeoffRow":
        return cls(**data)


@dataclass(frozen=True)
class SimulationCheck:
    """The firmware simulated on test images, its outputs compared bit for bit with QKeras and with
    the C simulation."""

    events: int
    events_per_dataset: dict[str, int]
    vs_qkeras: BitComparison
    vs_csim: BitComparison
    source: str

    @property
    def bit_exact(self) -> bool:
        return self.vs_qkeras.bit_exact and self.vs_csim.bit_exact

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "SimulationCheck":
        return cls(
            **{
                **data,
                "vs_qkeras": BitComparison(**data["vs_qkeras"]),
                "vs_csim": BitComparison(**data["vs_csim"]),
            }
        )


# ------------------------------------------------------------------------------ what a backend gives
@dataclass(frozen=True)
class Figures:
    """What a synthesis backend measured, as every reader reads it. A backend's subclass adds what only
    its own report section reads and writes it into ``as_json`` (the backend's ``details`` in
    report.json)."""

    latency: Latency | None = None
    #: why there is no latency although the backend ran (e.g. only Vivado's utilisation was left)
    latency_reason: str | None = None
    resources: Resources | None = None
    estimate: Estimate | None = None

    def as_json(self) -> dict:
        out: dict = {}
        if self.latency:
            out["latency"] = self.latency.as_json()
        if self.latency_reason:
            out["latency_reason"] = self.latency_reason
        if self.resources:
            out["resources"] = self.resources.as_json()
        if self.estimate:
            out["estimate"] = self.estimate.as_json()
        return out
