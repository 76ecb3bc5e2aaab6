"""Where a run left its reports and which top they describe (:func:`locate_reports`, :func:`find_top`).

The layouts understood and the order in which the top is looked for are in the package's
documentation (:mod:`cicada.synthesis.vendor_reports`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ...core.errors import ToolError

APP_FILES = ("hls.app", "vivado_hls.app")
# C-synthesis report folders, relative to the project folder (the folder itself is the flat layout)
_REPORT_DIRS = (
    "syn/report",  # the project folder is a solution
    "*/syn/report",  # the project folder is <name>_prj
    "*/*/syn/report",  # <name>_prj/<solution>
    "hls/syn/report",  # Vitis unified work folder
    "*/hls/syn/report",
    "*/*/hls/syn/report",
    "*/*/*/hls/syn/report",  # hls4ml VitisUnified: vitis_workspace/<name>/vitis_unified_project
)
_LAYOUTS = "<name>_prj/<solution>/syn/report, <work>/hls/syn/report (Vitis unified) and the folder itself"
# hls4ml's vivado_synth.tcl runs in the project folder and writes its utilisation there
VIVADO_REPORT = "vivado_synth.rpt"


@dataclass(frozen=True)
class Top:
    """The synthesized top function and where that was read."""

    name: str
    found_in: str


@dataclass
class ReportSet:
    """The reports of one HLS run of ``top`` (None where that report is absent)."""

    project_dir: Path
    top: Top
    csynth: Path | None
    cosim: Path | None
    vivado: Path | None
    solution: str | None
    notes: list[str] = field(default_factory=list)
    looked_in: list[str] = field(default_factory=list)

    def layout(self) -> dict:
        """What was read and why, for the build's report."""
        return {
            "project_dir": str(self.project_dir),
            "top": self.top.name,
            "top_found_in": self.top.found_in,
            "solution": self.solution,
            "csynth_report": str(self.csynth) if self.csynth else None,
            "cosim_report": str(self.cosim) if self.cosim else None,
            "vivado_report": str(self.vivado) if self.vivado else None,
            "notes": list(self.notes),
        }


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base)) or "."
    except ValueError:
        return str(path)


def _app_files(project_dir: Path) -> list[Path]:
    own = [project_dir / name for name in APP_FILES]
    below = sorted(p for name in APP_FILES for p in project_dir.glob(f"*/{name}"))
    return [p for p in own if p.is_file()] + [p for p in below if p.is_file()]


def _read_app(app: Path) -> ET.Element | None:
    try:
        return ET.parse(app).getroot()
    except (ET.ParseError, OSError):
        return None  # a damaged project file says nothing; the other sources are tried


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _tcl_variables(project_dir: Path) -> dict[str, str]:
    """``set name value`` lines of hls4ml's project.tcl (project_name, backend, part, ...)."""
    path = project_dir / "project.tcl"
    if not path.is_file():
        return {}
    found = re.findall(r'^\s*set\s+(\w+)\s+"?([^"\s]+)"?\s*$', path.read_text(errors="replace"), re.M)
    return dict(found)


def _substitute(text: str, variables: dict[str, str]) -> str | None:
    """Tcl ``$name`` / ``${name}`` substitution; None when a variable is unknown."""
    missing = []

    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name not in variables:
            missing.append(name)
            return ""
        return variables[name]

    result = re.sub(r"\$\{(\w+)\}|\$(\w+)", value, text)
    return None if missing else result


def _config_value(text: str, key: str) -> str | None:
    # hls4ml_config.yml holds custom YAML tags (!keras_model): read top-level scalars by line
    match = re.search(rf"^{key}:\s*['\"]?([^'\"\s]+)['\"]?\s*$", text, re.M)
    return match.group(1) if match else None


def find_top(project_dir: Path) -> Top | None:
    """The top function of the HLS project in ``project_dir``, from the project's own files."""
    project_dir = Path(project_dir)
    for app in _app_files(project_dir):
        root = _read_app(app)
        if root is not None and root.get("top"):
            return Top(root.get("top"), f"{_relative(app, project_dir)} (top of the HLS project)")
    for cfg in sorted(project_dir.glob("*.cfg")) + sorted(project_dir.glob("*/*.cfg")):
        match = re.search(r"^\s*syn\.top\s*=\s*(\S+)", cfg.read_text(errors="replace"), re.M)
        if match:
            return Top(match.group(1), f"{_relative(cfg, project_dir)} (syn.top)")
    build = project_dir / "build_prj.tcl"
    if build.is_file():
        match = re.search(r"^\s*set_top\s+(\S+)", build.read_text(errors="replace"), re.M)
        name = _substitute(match.group(1), _tcl_variables(project_dir)) if match else None
        if name:
            return Top(name, "build_prj.tcl (set_top)")
    config = project_dir / "hls4ml_config.yml"
    if config.is_file():
        text = config.read_text(errors="replace")
        name, backend = _config_value(text, "ProjectName"), _config_value(text, "Backend")
        if name and (backend or "").lower() == "vivadoaccelerator":
            return Top(f"{name}_axi", "hls4ml_config.yml (ProjectName, wrapped by the VivadoAccelerator backend)")
        if name and (backend or "").lower() in ("vivado", "vitis"):
            return Top(name, "hls4ml_config.yml (ProjectName)")
    return None


def _report_dirs(project_dir: Path) -> list[Path]:
    """Every C-synthesis report folder below the project folder, and the folder itself."""
    found = {p for pattern in _REPORT_DIRS for p in project_dir.glob(pattern) if p.is_dir()}
    return sorted(found) + [project_dir]


def _top_from_reports(project_dir: Path, dirs: list[Path]) -> Top | None:
    """When no project file names the top: what the reports' own names and contents say."""
    names: set[str] = set()
    for directory in dirs:
        where = _relative(directory, project_dir)
        summary_xml = directory / "csynth.xml"  # Vitis's copy of the top's report
        if summary_xml.is_file():
            try:
                top = ET.parse(summary_xml).getroot().findtext("UserAssignments/TopModelName", "").strip()
            except ET.ParseError:
                top = ""
            if top:
                return Top(top, f"{_relative(summary_xml, project_dir)} (TopModelName)")
        local = {p.name[: -len("_csynth.xml")] for p in directory.glob("*_csynth.xml")}
        local |= {p.name[: -len("_csynth.rpt")] for p in directory.glob("*_csynth.rpt")}
        wrappers = sorted(n for n in local if n.endswith("_axi") and n[: -len("_axi")] in local)
        if len(wrappers) == 1:
            inner = wrappers[0][: -len("_axi")]
            return Top(
                wrappers[0],
                f"{where}: {wrappers[0]}_csynth beside {inner}_csynth (hls4ml's VivadoAccelerator wrapper is the top)",
            )
        names |= local
    if len(names) == 1:
        return Top(names.pop(), "the only C-synthesis report found (no project file names the top)")
    if "myproject" in names:
        return Top("myproject", "hls4ml's default project name (no project file names the top)")
    vivado = project_dir / VIVADO_REPORT
    if vivado.is_file():
        match = re.search(r"^\|\s*Design\s*:\s*(\S+)", vivado.read_text(errors="replace"), re.M)
        if match:
            return Top(match.group(1), f"{VIVADO_REPORT} (Design)")
    return None


def _run_dir(report_dir: Path, project_dir: Path) -> Path:
    """The solution (or unified work folder) a ``syn/report`` folder belongs to."""
    return project_dir if report_dir == project_dir else report_dir.parent.parent


def _csynth_in(directory: Path, top: str) -> Path | None:
    """The top's C-synthesis report in one folder: XML first, then the text report."""
    for name in (f"{top}_csynth.xml", f"{top}_csynth.rpt", "csynth.xml", "csynth.rpt"):
        if (directory / name).is_file():
            return directory / name
    return None


def _report_date(csynth: Path) -> datetime | None:
    """The ``* Date:`` of the text report beside (or being) ``csynth``."""
    for text_report in (csynth.with_suffix(".rpt"), csynth.parent / "csynth.rpt"):
        if text_report.is_file():
            with open(text_report, errors="replace") as handle:
                head = handle.read(4000)
            match = re.search(r"^\s*\* Date:\s*(.+?)\s*$", head, re.M)
            if match:
                try:
                    return datetime.strptime(" ".join(match.group(1).split()), "%a %b %d %H:%M:%S %Y")
                except ValueError:
                    return None
    return None


def _newest(candidates: dict[str, Path]) -> tuple[str, str]:
    """(label, how it was chosen) of the newest of several C-synthesis reports."""
    dates = {label: _report_date(path) for label, path in candidates.items()}
    if all(dates.values()):
        label = max(dates, key=lambda k: dates[k])
        return label, f"its report's Date field is the newest ({dates[label]:%Y-%m-%d %H:%M:%S})"
    times = {label: path.stat().st_mtime for label, path in candidates.items()}
    label = max(times, key=lambda k: times[k])
    return label, f"its report file is the newest ({datetime.fromtimestamp(times[label]):%Y-%m-%d %H:%M:%S})"


def locate_reports(project_dir: Path, top: str | None = None) -> ReportSet:
    """Find the reports of the run of ``top`` (default: the project's own top) below ``project_dir``."""
    project_dir = Path(project_dir)
    if not project_dir.is_dir():
        raise ToolError(f"{project_dir}: not a folder; expected the HLS project folder holding the vendor reports")
    dirs = _report_dirs(project_dir)
    found = Top(top, "given by the caller") if top else find_top(project_dir) or _top_from_reports(project_dir, dirs)
    if found is None:
        raise ToolError(
            f"{project_dir}: cannot tell the HLS top function: no hls.app or vivado_hls.app, no *.cfg with syn.top, "
            "no build_prj.tcl with set_top, no hls4ml_config.yml and no C-synthesis report"
        )
    name = found.name
    # one run = one solution (or unified work folder, or the flat folder): label -> its csynth report
    candidates = {_relative(_run_dir(d, project_dir), project_dir): r for d in dirs if (r := _csynth_in(d, name))}
    notes, solution, csynth, cosim = [], None, None, None
    if candidates:
        solution = next(iter(candidates))
        if len(candidates) > 1:
            solution, why = _newest(candidates)
            notes.append(
                f"{len(candidates)} C-synthesis runs of {name} ({', '.join(sorted(candidates))}): "
                f"read {solution} because {why}"
            )
        csynth = candidates[solution]
        run = _run_dir(csynth.parent, project_dir)
        sim = run if run == project_dir else run / "sim" / "report"
        cosim = next((sim / n for n in (f"{name}_cosim.rpt", "cosim.rpt") if (sim / n).is_file()), None)
    for app in _app_files(project_dir):
        root = _read_app(app)
        listed = [e.get("name") for e in (root.iter() if root is not None else ()) if _local(e.tag) == "solution"]
        for sol in filter(None, listed):
            if (app.parent / sol).is_dir() and not (app.parent / sol / "syn" / "report").is_dir():
                where = _relative(app.parent / sol, project_dir)
                notes.append(f"solution {where} has no C-synthesis reports (syn/report missing)")
    vivado = project_dir / VIVADO_REPORT
    looked = [_relative(d, project_dir) for d in dirs[:-1]] + ["the folder itself"] if len(dirs) > 1 else [_LAYOUTS]
    return ReportSet(project_dir, found, csynth, cosim, vivado if vivado.is_file() else None, solution, notes, looked)


def find_csynth_report(project_dir: Path, top: str | None = None) -> Path | None:
    """The C-synthesis report (XML, else text) of the project's top, or None."""
    try:
        return locate_reports(project_dir, top).csynth
    except ToolError:
        return None


def find_cosim_report(project_dir: Path, top: str | None = None) -> Path | None:
    try:
        return locate_reports(project_dir, top).cosim
    except ToolError:
        return None


def find_vivado_report(project_dir: Path, top: str | None = None) -> Path | None:
    path = Path(project_dir) / VIVADO_REPORT
    return path if path.is_file() else None
