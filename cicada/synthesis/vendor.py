"""The vendor backend: the Vitis/Vivado HLS flow when its tools are installed, and a plain
statement of what is missing (and what would run) when they are not. Nothing is estimated.

The flow is hls4ml's own ``build_prj.tcl`` in the project, driven by ``vitis-run`` (Vitis
backend, Vitis HLS >= 2023.1) or ``vivado_hls`` (Vivado backend), with C simulation,
C synthesis and, when asked, RTL co-simulation and Vivado logic synthesis.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..config.model import Flag, option
from ..core import processes
from ..core.errors import ToolError
from ..core.labels import source
from ..core.progress import log
from ..core.synthesis_figures import HLSLatency, Latency, PartTotals, Resources
from . import BackendSettings, SynthesisBackend, SynthesisJob, SynthesisResult, synthesis_backend, trained_student
from .vendor_figures import CoSimulation, ReportsRead, VendorFigures, VivadoUtilisation
from .vendor_reports.read import read_reports

#: Backend -> (tool executable, tool description, command running hls4ml's build_prj.tcl)
TOOLS = {
    "Vitis": ("vitis-run", "Vitis HLS >= 2023.1", ["vitis-run", "--mode", "hls", "--tcl", "build_prj.tcl"]),
    "Vivado": ("vivado_hls", "Vivado HLS", ["vivado_hls", "-f", "build_prj.tcl"]),
}
LOG_FILE = "vendor_build.log"


@dataclass(frozen=True)
class FlowSteps:
    """Which steps of build_prj.tcl to run."""

    csim: bool = True
    synth: bool = True
    cosim: bool = False
    vsynth: bool = False

    def options(self) -> dict[str, int]:
        return {
            "reset": 0,
            "csim": int(self.csim),
            "synth": int(self.synth),
            "cosim": int(self.cosim),
            "validation": 0,
            "export": 0,
            "vsynth": int(self.vsynth),
            "fifo_opt": 0,
        }


def command_for(backend: str, steps: FlowSteps) -> list[str]:
    """The command line that runs the flow in the project directory."""
    _, _, command = TOOLS[backend]
    if backend == "Vivado":  # vivado_hls takes the options as an argument string
        return command + [" ".join(f"{k}={v}" for k, v in steps.options().items())]
    return list(command)  # vitis-run reads them from build_opt.tcl


def missing_tool_reason(backend: str, steps: FlowSteps = FlowSteps()) -> str | None:
    """None when the backend's HLS tool is on PATH, else a sentence saying what is missing."""
    tool, description, _ = TOOLS[backend]
    if shutil.which(tool):
        return None
    wanted = ", ".join(k for k, v in steps.options().items() if v) or "nothing"
    return (
        f"{tool} ({description}) is not on PATH, so the vendor HLS flow was not run: no latency, initiation "
        f"interval or resource figures. With the tool installed, cicada runs `{' '.join(command_for(backend, steps))}` "
        f"in the project ({wanted})."
    )


class VendorSettings(BackendSettings):
    """Vitis HLS (``hls.backend: Vitis``) or Vivado HLS (``Vivado``) through hls4ml's build_prj.tcl."""

    cosim: Flag = option("also run RTL co-simulation", False)
    vivado_synthesis: Flag = option("also run Vivado logic synthesis (post-synthesis utilisation)", False)


def flow_steps(settings: VendorSettings) -> FlowSteps:
    return FlowSteps(cosim=settings.cosim, vsynth=settings.vivado_synthesis)


@synthesis_backend
class VendorHLS(SynthesisBackend):
    name = "vendor"
    description = "vendor HLS synthesis (Vitis/Vivado)"
    settings = VendorSettings
    figures = VendorFigures

    def environment(self, job: SynthesisJob) -> dict:
        tool, _, _ = TOOLS[job.config.hls.backend]
        # the tool appearing on (or leaving) PATH changes what this backend can do
        return {"tool": tool, "tool_found": shutil.which(tool) is not None}

    def missing(self, job: SynthesisJob) -> str | None:
        return missing_tool_reason(job.config.hls.backend, flow_steps(job.settings))

    def circuit(self, config) -> dict:
        """The student and the whole hls section (the project hls4ml writes), and the flow's steps."""
        settings = config.synthesis[self.name].plain()
        settings.pop("run")
        return {"student": trained_student(config), "hls": config.hls.plain(), "vendor": settings}

    def run(self, job: SynthesisJob) -> SynthesisResult:
        backend, steps, project_dir = job.config.hls.backend, flow_steps(job.settings), Path(job.project_dir)
        command = command_for(backend, steps)
        if backend == "Vitis":
            options = "".join(f"    {k:<10} {v}\n" for k, v in steps.options().items())
            (project_dir / "build_opt.tcl").write_text("array set opt {\n" + options + "}\n")
        log.info(f"  running {' '.join(command)} in {project_dir} (log: {LOG_FILE})")
        with open(project_dir / LOG_FILE, "w") as out:
            result = processes.run(command, cwd=project_dir, stdout=out, stderr=subprocess.STDOUT)
        if result.returncode != 0:
            raise ToolError(f"{command[0]} failed (exit {result.returncode}); see {project_dir / LOG_FILE}")
        reports = read_reports(project_dir)
        if steps.cosim and reports["cosim"] is None:
            raise ToolError(f"{command[0]} ran co-simulation but left no co-simulation report in {project_dir}")
        return SynthesisResult(self.name, "done", tool=command[0], figures=labelled_figures(backend, reports, steps))


#: the C-synthesis reader's names of a latency's figures
_LATENCY_FIGURES = {
    "cycles": "latency_worst_cycles",
    "ns": "latency_worst_ns",
    "bx": "latency_worst_bx",
    "clock_ns": "target_clock_ns",
    "interval_cycles": "interval_cycles",
    "interval_ns": "interval_ns",
    "one_event_per_crossing": "one_event_per_crossing",
}
#: ... and of the figures only an HLS report gives
_HLS_FIGURES = {
    "best_cycles": "latency_best_cycles",
    "estimated_clock_ns": "estimated_clock_ns",
    "timing_violation": "timing_violation",
    "ns_at_estimated_clock": "latency_worst_ns_at_estimated_clock",
    "bx_at_estimated_clock": "latency_worst_bx_at_estimated_clock",
    "interval_ns_at_estimated_clock": "interval_ns_at_estimated_clock",
    "one_event_per_crossing_at_estimated_clock": "one_event_per_crossing_at_estimated_clock",
}


def hls_tool(backend: str, csynth: dict | None) -> str:
    """The HLS tool that wrote the report, as figures are labelled: ``Vitis HLS 2023.1``. The text
    report names it; otherwise the version does (Vitis HLS began at 2020.1, Vivado HLS ended
    there), and for 2020.1 the backend that ran does."""
    version = (csynth or {}).get("tool_version", "")
    name = (csynth or {}).get("tool")
    if not name:
        match = re.match(r"(\d{4})\.(\d)", version)
        release = (int(match.group(1)), int(match.group(2))) if match else None
        if release and release != (2020, 1):
            name = "Vitis HLS" if release > (2020, 1) else "Vivado HLS"
        else:
            name = "Vitis HLS" if backend == "Vitis" else "Vivado HLS"
    return f"{name} {version}".strip()


def labelled_figures(backend: str, reports: dict, steps: FlowSteps) -> VendorFigures:
    """The vendor reports as latency and resource figures, each with its source; ``reports``
    says which top and which report files were read. A figure that is None has its reason in the
    latency's ``reasons``. Without a C-synthesis report (only Vivado's utilisation), the latency
    is missing with ``latency_reason`` and the resources are Vivado's."""
    layout = reports.get("layout", {})
    vivado = None
    if reports.get("vivado"):
        report = reports["vivado"]
        tool = f"Vivado {report.get('tool_version', '')}".strip()
        label = source("vendor synthesis", tool, f"post-synthesis utilisation {report['source']}")
        vivado = VivadoUtilisation(**report, label=label)
    latency = resources = latency_reason = None
    csynth = reports.get("csynth")
    if csynth:
        top = csynth.get("top") or layout.get("top")
        hls = source("vendor HLS", hls_tool(backend, csynth), f"C synthesis report {csynth['source']}, top {top}")
        reasons = {
            name: csynth[f"{key}_reason"]
            for name, key in {**_LATENCY_FIGURES, **_HLS_FIGURES}.items()
            if csynth.get(key) is None and f"{key}_reason" in csynth
        }
        latency = Latency(
            source=hls,
            **{name: csynth.get(key) for name, key in _LATENCY_FIGURES.items()},
            reasons=reasons,
            hls=HLSLatency(
                **{name: csynth.get(key) for name, key in _HLS_FIGURES.items()}, top=top, report=csynth["source"]
            ),
        )
        resources = Resources(
            hls,
            dict(csynth["resources"]),
            PartTotals(csynth["part"], csynth["part_resources"], csynth["utilisation_percent"]),
        )
    elif vivado:
        latency_reason = reports["csynth_reason"]
        used = {k: v["used"] for k, v in vivado.resources.items()}
        counts = {
            "LUT": used["LUT"],
            "FF": used["FF"],
            "DSP": used["DSP"],
            # a Block RAM tile is one RAMB36 or two RAMB18: in 18K units, twice the tiles
            "BRAM_18K": 2 * used["BRAM_36K_tiles"],
            **({"URAM": used["URAM"]} if "URAM" in used else {}),
        }
        resources = Resources(vivado.label + "; BRAM_18K = 2 x Block RAM tiles", counts, PartTotals(vivado.device))
    cosim = None
    if reports.get("cosim"):
        report = reports["cosim"]
        label = source("simulation", hls_tool(backend, csynth), f"RTL co-simulation {report['source']}")
        cosim = CoSimulation.from_json({**report, "label": label})
    return VendorFigures(
        latency=latency,
        latency_reason=latency_reason,
        resources=resources,
        steps=steps.options(),
        reports=ReportsRead(**layout) if layout else None,
        vivado=vivado,
        csynth=csynth or None,
        cosim=cosim,
    )
