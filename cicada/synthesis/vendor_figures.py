"""What the vendor backend measures and reads back, as typed records: :class:`VendorFigures`.

Beyond the latency and resources every backend gives, the vendor flow says which reports it
read (the top, where it was found, the files, the choices made), the C-synthesis report as read,
Vivado's post-synthesis utilisation and the co-simulation verdict. ``VendorFigures.as_json`` is
the backend's ``details`` in report.json; its section of the report is :mod:`.vendor_section`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..core.synthesis_figures import Figures, Real


@dataclass(frozen=True)
class ReportsRead:
    """Which vendor reports were read: the project, its top and where that was found, the solution,
    the report files and notes on the choices made."""

    project_dir: str
    top: str
    top_found_in: str
    solution: str | None
    csynth_report: str | None
    cosim_report: str | None
    vivado_report: str | None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class HDLRun:
    """One HDL's co-simulation: its status and what it measured."""

    status: str
    latency_min_cycles: Real | None
    latency_max_cycles: Real | None
    interval_max_cycles: Real | None


@dataclass(frozen=True)
class CoSimulation:
    """RTL co-simulation: the verdict over both HDLs, each HDL's run, the report and the label."""

    source: str
    verdict: str
    languages: dict[str, HDLRun]
    label: str

    @classmethod
    def from_json(cls, data: dict) -> "CoSimulation":
        return cls(**{**data, "languages": {hdl: HDLRun(**run) for hdl, run in data["languages"].items()}})


@dataclass(frozen=True)
class VivadoUtilisation:
    """Vivado's post-synthesis utilisation: used, available and percent of each resource."""

    source: str
    tool_version: str
    device: str
    #: resource -> {"used", "available", "percent"} (available and percent None where Vivado gives none)
    resources: dict[str, dict[str, Real | None]]
    label: str


@dataclass(frozen=True)
class VendorFigures(Figures):
    """The vendor flow's figures: every backend's (latency from the C-synthesis report, resources from
    it or from Vivado) and its own."""

    #: the steps of build_prj.tcl that ran (name -> 0 or 1)
    steps: dict[str, int] = field(default_factory=dict)
    reports: ReportsRead | None = None
    vivado: VivadoUtilisation | None = None
    #: the C-synthesis report as its reader returns it (:mod:`.vendor_reports.csynth_xml`), kept whole
    csynth: dict | None = None
    cosim: CoSimulation | None = None

    def as_json(self) -> dict:
        out: dict = {"steps": self.steps, "reports": asdict(self.reports) if self.reports else None}
        if self.vivado:
            out["vivado"] = asdict(self.vivado)
        if self.latency:
            out["latency"] = self.latency.as_json()
        if self.latency_reason:
            out["latency_reason"] = self.latency_reason
        if self.resources:
            out["resources"] = self.resources.as_json()
        if self.csynth:
            out["csynth"] = self.csynth
        if self.cosim:
            out["cosim"] = asdict(self.cosim)
        return out
