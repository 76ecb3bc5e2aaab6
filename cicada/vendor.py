"""The synthesis stage: vendor HLS synthesis when the tools are installed, and a plain
statement of what is missing when they are not. Nothing is estimated here.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .errors import ToolError
from .hls_reports import find_csynth_report, read_csynth
from .progress import log

#: Backend -> (tool executable, how hls4ml's build_prj.tcl is run with it)
TOOLS = {
    "Vitis": ("vitis-run", ["vitis-run", "--mode", "hls", "--tcl", "build_prj.tcl"]),
    "Vivado": ("vivado_hls", ["vivado_hls", "-f", "build_prj.tcl"]),
}
_BUILD_OPTIONS = """array set opt {{
    reset      0
    csim       0
    synth      1
    cosim      0
    validation 0
    export     0
    vsynth     0
    fifo_opt   0
}}
"""


def missing_tool_reason(backend: str) -> str | None:
    """None when the backend's HLS tool is on PATH, else a sentence saying what is missing."""
    tool, _ = TOOLS[backend]
    if shutil.which(tool):
        return None
    return (
        f"{tool} ({'Vitis HLS >= 2023.1' if backend == 'Vitis' else 'Vivado HLS'}) is not on PATH, so HLS "
        f"synthesis was not run: no latency, initiation interval or resource figures. "
        f"With the tool installed, `cicada build` runs `{' '.join(TOOLS[backend][1])}` in the project."
    )


def synthesize(project_dir: Path, backend: str, mode: str) -> dict:
    """Run C synthesis when possible; always returns a summary with a ``status``."""
    if mode == "off":
        return {"status": "skipped", "reason": "hls.synthesis is 'off' in the config"}
    reason = missing_tool_reason(backend)
    if reason is not None:
        return {"status": "unavailable", "reason": reason}
    _, command = TOOLS[backend]
    project_dir = Path(project_dir)
    if backend == "Vitis":
        (project_dir / "build_opt.tcl").write_text(_BUILD_OPTIONS.format())
    else:
        command = command + ["reset=0 csim=0 synth=1 cosim=0 validation=0 export=0 vsynth=0 fifo_opt=0"]
    log.info(f"  running {' '.join(command)} in {project_dir} (log: vendor_synthesis.log)")
    with open(project_dir / "vendor_synthesis.log", "w") as out:
        result = subprocess.run(command, cwd=project_dir, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise ToolError(f"{command[0]} failed (exit {result.returncode}); see {project_dir / 'vendor_synthesis.log'}")
    report = find_csynth_report(project_dir)
    if report is None:
        raise ToolError(f"{command[0]} finished but wrote no csynth report under {project_dir}")
    return {"status": "done", "tool": command[0], **read_csynth(report)}
