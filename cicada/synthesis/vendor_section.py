"""The vendor backend's own part of the build report (:class:`VendorSection`, registered as the
``vendor`` report section): report.json's ``vendor_reports``, ``vivado`` and ``co_simulation``, and
report.md's paragraphs on them, from its figures (:mod:`.vendor_figures`).

Only the report reads this module: a change to it reruns the report, not the vendor flow.
"""

from __future__ import annotations

from dataclasses import asdict

from ..core.markdown import figure, table
from ..core.synthesis_figures import REPORTED_RESOURCES, Resources
from .sections import ReportSection, report_section
from .vendor_figures import CoSimulation, ReportsRead, VendorFigures, VivadoUtilisation


@report_section("vendor")
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
