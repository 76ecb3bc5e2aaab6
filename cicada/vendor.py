"""The synthesis stage: the vendor HLS flow when its tools are installed, and a plain
statement of what is missing (and what would run) when they are not. Nothing is estimated.

The flow is hls4ml's own ``build_prj.tcl`` in the project, driven by ``vitis-run`` (Vitis
backend, Vitis HLS >= 2023.1) or ``vivado_hls`` (Vivado backend), with C simulation,
C synthesis and, when asked, RTL co-simulation and Vivado logic synthesis.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import ToolError
from .hls_reports import read_reports
from .progress import log

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


def synthesize(project_dir: Path, backend: str, mode: str, steps: FlowSteps = FlowSteps()) -> dict:
    """Run the vendor flow when possible; always returns a summary with a ``status``."""
    if mode == "off":
        return {"status": "skipped", "reason": "hls.synthesis is 'off' in the config"}
    reason = missing_tool_reason(backend, steps)
    if reason is not None:
        return {"status": "unavailable", "reason": reason, "tool": TOOLS[backend][0]}
    project_dir = Path(project_dir)
    command = command_for(backend, steps)
    if backend == "Vitis":
        options = "".join(f"    {k:<10} {v}\n" for k, v in steps.options().items())
        (project_dir / "build_opt.tcl").write_text("array set opt {\n" + options + "}\n")
    log.info(f"  running {' '.join(command)} in {project_dir} (log: {LOG_FILE})")
    with open(project_dir / LOG_FILE, "w") as out:
        result = subprocess.run(command, cwd=project_dir, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise ToolError(f"{command[0]} failed (exit {result.returncode}); see {project_dir / LOG_FILE}")
    reports = read_reports(project_dir)
    summary = {"status": "done", "tool": command[0], "steps": steps.options(), **reports["csynth"]}
    summary["cosim"] = reports["cosim"]
    summary["vivado"] = reports["vivado"]
    if steps.cosim and reports["cosim"] is None:
        raise ToolError(f"{command[0]} ran co-simulation but left no co-simulation report in {project_dir}")
    return summary
