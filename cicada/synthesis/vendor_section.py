"""What the vendor backend reports: its figures (:class:`VendorFigures`) and its own part of the
build report (:class:`VendorSection`).

Beyond the latency and resources every backend gives, the vendor flow says which reports it
read (the top, where it was found, the files, the choices made), the C-synthesis report as read,
Vivado's post-synthesis utilisation and the co-simulation verdict. report.json holds them under
``vendor_reports``, ``vivado`` and ``co_simulation``; report.md shows them after the tables.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..core.markdown import figure, table
from ..core.synthesis_figures import REPORTED_RESOURCES, Figures, Real, Resources
from . import ReportSection


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


class VendorSection(ReportSection):
    """report.json's ``co_simulation``, ``vivado`` and ``vendor_reports``; in report.md the reports read
    (after the latency table), the part's totals, Vivado's utilisation and the co-simulation verdict."""

    def report_json(self, figures: VendorFigures | None) -> dict:
        if figures is None:
            return {"co_simulation": None, "vivado": None, "vendor_reports": None}
        return {
            "co_simulation": asdict(figures.cosim) if figures.cosim else None,
            "vivado": asdict(figures.vivado) if figures.vivado else None,
            "vendor_reports": asdict(figures.reports) if figures.reports else None,
        }

    def latency_notes(self, report: dict) -> list[str]:
        """Which vendor reports were read: the top, where it was found, the files, the choices made."""
        reports = report.get("vendor_reports")
        if not reports:
            return []
        read = ReportsRead(**reports)
        files = [
            f"{what} `{path}`"
            for what, path in (
                ("C synthesis", read.csynth_report),
                ("co-simulation", read.cosim_report),
                ("Vivado", read.vivado_report),
            )
            if path
        ]
        text = (
            f"Vendor reports read: top `{read.top}` (from {read.top_found_in}); " + ("; ".join(files) or "none") + "."
        )
        return ["", text] + [f"- {note}" for note in read.notes]

    def markdown(self, report: dict) -> list[str]:
        out: list[str] = []
        entry = report.get("resources", {}).get("vendor", {})
        resources = Resources.from_json(entry) if entry.get("available") else None
        if resources and resources.part and resources.part.part_resources:
            part = resources.part
            out += ["", f"Vendor HLS estimate against part {part.part}:", ""] + table(
                ["resource", "used", "available", "%"],
                [
                    [
                        kind,
                        resources.counts[kind],
                        part.part_resources.get(kind, ""),
                        figure(part.utilisation_percent.get(kind), ".2f", ""),
                    ]
                    for kind in REPORTED_RESOURCES
                    if kind in resources.counts
                ],
            )
        if report.get("vivado"):
            vivado = VivadoUtilisation(**report["vivado"])
            out += ["", f"Vivado post-synthesis utilisation ({vivado.device}; {vivado.label}):", ""] + table(
                ["resource", "used", "available", "%"],
                [
                    [kind, v["used"], "" if v["available"] is None else v["available"], figure(v["percent"], ".2f", "")]
                    for kind, v in vivado.resources.items()
                ],
            )
        if report.get("co_simulation"):
            cosim = CoSimulation.from_json(report["co_simulation"])
            out += ["", f"RTL co-simulation: **{cosim.verdict}** ({cosim.label})."]
        return out

    def summary_lines(self, name: str, figures: VendorFigures) -> list[str]:
        lines = []
        if figures.cosim:
            lines.append(f"  co-sim      {figures.cosim.verdict}")
        if figures.reports:
            reports = figures.reports
            files = [path for path in (reports.csynth_report, reports.vivado_report) if path]
            lines.append(f"  reports     {name}: top {reports.top} (from {reports.top_found_in}): {', '.join(files)}")
            lines.extend(f"              {note}" for note in reports.notes)
        return lines
