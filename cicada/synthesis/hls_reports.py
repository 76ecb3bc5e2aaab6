"""Reading vendor HLS reports: where a run left them, which top they describe, and what they say.

Layouts understood (paths relative to the hls4ml project folder):

- Vivado/Vitis HLS project: ``<name>_prj/<solution>/syn/report/`` (any solution name; with
  several, the newest C-synthesis report wins and the result says so);
- Vitis unified: ``<work>/hls/syn/report/``, e.g. hls4ml VitisUnified's
  ``vitis_workspace/<name>/vitis_unified_project/hls/syn/report/``;
- flat: the reports copied into the folder itself.

The top is the function the HLS project synthesized: the ``top`` of ``hls.app`` /
``vivado_hls.app``, ``syn.top`` of a Vitis unified config, ``set_top`` in ``build_prj.tcl``, or
hls4ml's config (VivadoAccelerator wraps ``<name>`` in ``<name>_axi``), in that order.

Readers: ``<top>_csynth.xml``, else the text report (``<top>_csynth.rpt`` or ``csynth.rpt``, the
classic report or Vitis's synthesis summary), the co-simulation report and Vivado's
``report_utilization`` (``vivado_synth.rpt``, tables read by their column names).

Latency comes in clock cycles; it is converted to ns with the *target* clock period and to
LHC bunch crossings of 25 ns, and, when the estimated clock period exceeds the target (a timing
violation), also with the estimated period. The algorithm accepts one event per crossing when
the initiation interval times the clock period is at most 25 ns. A figure the report leaves
undefined ("undef", "?") is ``None`` with a sibling ``<name>_reason``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..core.errors import ToolError

BUNCH_CROSSING_NS = 25.0
RESOURCE_KINDS = ("LUT", "FF", "DSP", "BRAM_18K", "URAM")
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
# what a report prints for a figure the tool could not bound
_UNDEFINED = ("undef", "?", "-", "")


# ----------------------------------------------------------------------------- where the reports are


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


def read_reports(project_dir: Path, top: str | None = None) -> dict:
    """Everything the vendor tools left in a project: C synthesis, co-simulation and Vivado logic
    synthesis (each None when absent; at least one of C synthesis and Vivado must be there), and
    ``layout``: the top, where it was found, which report was read and notes on the choice."""
    found = locate_reports(project_dir, top)
    name = found.top.name
    if found.csynth is None and found.vivado is None:
        raise ToolError(
            f"{found.project_dir}: no C-synthesis report for top '{name}' (no {name}_csynth.xml, {name}_csynth.rpt, "
            f"csynth.xml or csynth.rpt in {', '.join(found.looked_in)}) and no {VIVADO_REPORT}; "
            f"top from {found.top.found_in}"
        )
    result: dict = {"csynth": None, "cosim": None, "vivado": None}
    if found.csynth is not None:
        result["csynth"] = read_csynth(found.csynth)
        reported = result["csynth"].get("top")
        if reported and reported != name:
            raise ToolError(
                f"{found.csynth}: the report is for '{reported}' but the project's top is '{name}' "
                f"({found.top.found_in}): stale or mixed-up reports"
            )
    else:
        result["csynth_reason"] = (
            f"no C-synthesis report for top '{name}' in {found.project_dir} (looked in {', '.join(found.looked_in)}): "
            "no latency figures; resources from Vivado's post-synthesis utilisation"
        )
    if found.cosim is not None:
        result["cosim"] = read_cosim(found.cosim)
    if found.vivado is not None:
        result["vivado"] = read_vivado_utilisation(found.vivado)
    result["layout"] = found.layout()
    return result


# ----------------------------------------------------------------------------- timing


def _explain(figures: dict, reasons: dict[str, str]) -> dict:
    """Give every None figure its ``<name>_reason``."""
    for key, value in list(figures.items()):
        if value is None and key in reasons:
            figures[f"{key}_reason"] = reasons[key]
    return figures


def timing(
    best_cycles: float | None,
    worst_cycles: float | None,
    ii_cycles: float | None,
    clock_ns: float,
    estimated_clock_ns: float | None = None,
    *,
    undefined: dict[str, str] | None = None,
) -> dict:
    """Latency in cycles, ns and bunch crossings at the target clock; whether one event per
    crossing fits; and, when the estimated clock period exceeds the target (a timing
    violation), the same at the estimated clock.

    ``undefined`` says why a None input is None: keys ``latency``, ``interval``,
    ``estimated_clock``.
    """
    why = undefined or {}
    latency_reason = why.get("latency", "latency not given")
    interval_reason = why.get("interval", "initiation interval not given")
    out: dict = {
        "target_clock_ns": clock_ns,
        "estimated_clock_ns": estimated_clock_ns,
        "latency_best_cycles": best_cycles,
        "latency_worst_cycles": worst_cycles,
        "latency_worst_ns": None if worst_cycles is None else worst_cycles * clock_ns,
        "latency_worst_bx": None if worst_cycles is None else worst_cycles * clock_ns / BUNCH_CROSSING_NS,
        "interval_cycles": ii_cycles,
        "interval_ns": None if ii_cycles is None else ii_cycles * clock_ns,
        "one_event_per_crossing": None if ii_cycles is None else ii_cycles * clock_ns <= BUNCH_CROSSING_NS,
        "timing_violation": None if estimated_clock_ns is None else estimated_clock_ns > clock_ns,
    }
    at_estimated = {
        "latency_worst_ns_at_estimated_clock": (worst_cycles, 1.0, latency_reason),
        "latency_worst_bx_at_estimated_clock": (worst_cycles, 1 / BUNCH_CROSSING_NS, latency_reason),
        "interval_ns_at_estimated_clock": (ii_cycles, 1.0, interval_reason),
    }
    reasons = {
        "latency_best_cycles": latency_reason,
        "latency_worst_cycles": latency_reason,
        "latency_worst_ns": latency_reason,
        "latency_worst_bx": latency_reason,
        "interval_cycles": interval_reason,
        "interval_ns": interval_reason,
        "one_event_per_crossing": interval_reason,
        "estimated_clock_ns": why.get("estimated_clock", "estimated clock period not given"),
        "timing_violation": why.get("estimated_clock", "estimated clock period not given"),
    }
    for key, (cycles, scale, reason) in at_estimated.items():
        if not out["timing_violation"]:
            out[key] = None
            reasons[key] = (
                f"no timing violation: the estimated clock ({estimated_clock_ns} ns) meets the target ({clock_ns} ns)"
                if out["timing_violation"] is False
                else reasons["timing_violation"]
            )
        else:
            out[key] = None if cycles is None else cycles * estimated_clock_ns * scale
            reasons[key] = reason
    ii_at_estimated = out["interval_ns_at_estimated_clock"]
    out["one_event_per_crossing_at_estimated_clock"] = (
        None if ii_at_estimated is None else ii_at_estimated <= BUNCH_CROSSING_NS
    )
    reasons["one_event_per_crossing_at_estimated_clock"] = reasons["interval_ns_at_estimated_clock"]
    return _explain(out, reasons)


# ----------------------------------------------------------------------------- C synthesis (XML)


def _file(report: Path, what: str) -> Path:
    """``report`` as a file path, or one clear error when it is a folder or absent."""
    report = Path(report)
    if report.is_dir():
        raise ToolError(f"{report}: is a folder; expected the {what} file itself")
    if not report.is_file():
        raise ToolError(f"{report}: {what} not found")
    return report


def _read_report(report: Path, what: str) -> str:
    return _file(report, what).read_text(errors="replace")


def _value(text: str) -> float | int | None:
    """A number as the report prints it; None when undefined; ValueError otherwise."""
    text = text.strip()
    if text.lower() in _UNDEFINED:
        return None
    number = float(text)
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _number(node: ET.Element, path: str, report: Path, undefined: dict[str, str] | None = None, key: str = ""):
    """The number at ``path``; None (its reason in ``undefined[key]``) when the tool left it undefined."""
    found = node.find(path)
    if found is None or found.text is None:
        raise ToolError(f"{report}: no <{path}> in the synthesis report (truncated or not a csynth report?)")
    try:
        value = _value(found.text)
    except ValueError:
        raise ToolError(f"{report}: <{path}> holds {found.text.strip()!r}, expected a number") from None
    if value is None:
        if undefined is None:
            raise ToolError(f"{report}: <{path}> holds {found.text.strip()!r}, expected a number")
        undefined.setdefault(key, _undefined_reason(report, path.rsplit("/", 1)[-1], found.text.strip()))
    return value


def _undefined_reason(report: Path, what: str, text: str) -> str:
    return (
        f"{what} undefined in the C-synthesis report {report} ({text!r}): the tool could not bound it, "
        "typically a loop with a variable trip count"
    )


def read_csynth(report: Path) -> dict:
    """Latency, II, clock and resources from a ``*_csynth.xml`` (or, given a ``.rpt``, the text report)."""
    report = _file(report, "C-synthesis report")
    if report.suffix == ".rpt":
        return read_csynth_text(report)
    try:
        root = ET.parse(report).getroot()
    except ET.ParseError as err:
        raise ToolError(f"{report}: not a readable XML report (truncated?): {err}") from None
    target = _number(root, "UserAssignments/TargetClockPeriod", report)
    undefined: dict[str, str] = {}
    estimated = _number(
        root, "PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod", report, undefined, "estimated_clock"
    )
    latency = root.find("PerformanceEstimates/SummaryOfOverallLatency")
    if latency is None:
        raise ToolError(f"{report}: no latency summary in the synthesis report")
    best = _number(latency, "Best-caseLatency", report, undefined, "latency")
    worst = _number(latency, "Worst-caseLatency", report, undefined, "latency")
    ii_min = _number(latency, "Interval-min", report, undefined, "interval")
    ii_max = _number(latency, "Interval-max", report, undefined, "interval")
    if root.find("AreaEstimates/Resources") is None:
        raise ToolError(f"{report}: no <AreaEstimates><Resources> in the synthesis report")
    resources, available = {}, {}
    for kind in RESOURCE_KINDS:
        tags = ("DSP", "DSP48E") if kind == "DSP" else (kind,)
        for tag in tags:
            used = root.find(f"AreaEstimates/Resources/{tag}")
            if used is not None and used.text is not None:
                resources[kind] = int(float(used.text))
                avail = root.find(f"AreaEstimates/AvailableResources/{tag}")
                if avail is not None and avail.text is not None:
                    available[kind] = int(float(avail.text))
    return _csynth_result(
        report,
        "xml",
        root.findtext("UserAssignments/TopModelName", default="").strip(),
        root.findtext("ReportVersion/Version", default="").strip(),
        root.findtext("UserAssignments/Part", default="").strip(),
        timing(best, worst, ii_max, target, estimated, undefined=undefined),
        ii_min,
        resources,
        available,
    )


def _csynth_result(report, fmt, top, version, part, figures, ii_min, resources, available) -> dict:
    out = {
        "source": str(report),
        "format": fmt,
        "top": top,
        "tool_version": version,
        "part": part,
        **figures,
        "interval_min_cycles": ii_min,
        "resources": resources,
        "part_resources": available,
        "utilisation_percent": {k: 100.0 * resources[k] / available[k] for k in resources if available.get(k)},
    }
    if ii_min is None:
        out["interval_min_cycles_reason"] = figures.get("interval_cycles_reason", "initiation interval not given")
    return out


# ----------------------------------------------------------------------------- text tables


@dataclass
class _Table:
    columns: list[str]
    rows: list[list[str]]

    def named(self, row: list[str]) -> dict[str, str]:
        return dict(zip(self.columns, row))


def _spans(line: str) -> list[tuple[int, int, str]]:
    bars = [i for i, c in enumerate(line) if c == "|"]
    return [(a, b, line[a + 1 : b].strip()) for a, b in zip(bars, bars[1:])]


def _tables(text: str) -> list[_Table]:
    """The ``+---+`` / ``| a | b |`` tables of a vendor report, header rows merged into column names
    (``Latency (cycles)`` over ``min`` gives ``Latency (cycles) min``)."""
    tables: list[_Table] = []
    block: list[str] = []
    for line in text.splitlines() + [""]:
        stripped = line.strip()
        if stripped.startswith(("|", "+")):
            block.append(line)
            continue
        if block:
            table = _table(block)
            if table is not None:
                tables.append(table)
            block = []
    return tables


def _table(block: list[str]) -> _Table | None:
    borders = [i for i, line in enumerate(block) if line.strip().startswith("+")]
    rows = [i for i, line in enumerate(block) if line.strip().startswith("|")]
    if not rows:
        return None
    # header rows: the | rows before the first border that follows a | row
    first_row = rows[0]
    end_header = next((b for b in borders if b > first_row), len(block))
    header = [block[i] for i in rows if i < end_header]
    last = _spans(header[-1])
    columns = []
    for start, end, text in last:
        above = [t for line in header[:-1] for s, e, t in _spans(line) if s <= start and end <= e and t]
        columns.append(" ".join(above + ([text] if text else [])))
    data = [[t for _, _, t in _spans(block[i])] for i in rows if i > end_header]
    return _Table(columns, [r for r in data if len(r) == len(columns)])


def _find_table(tables: list[_Table], *needed: str, first: str | None = None) -> _Table | None:
    for table in tables:
        if all(n in table.columns for n in needed) and (first is None or table.columns[0] == first):
            return table
    return None


def _cell(text: str, report: Path, what: str) -> float | int | None:
    """A number from a text table cell ("5.00 ns", "29 (~0%)", "?"); None when undefined."""
    head = text.strip().split(" ")[0] if text.strip() else ""
    try:
        return _value(head)
    except ValueError:
        raise ToolError(f"{report}: {what} reads {text.strip()!r}, expected a number") from None


# ----------------------------------------------------------------------------- C synthesis (text)


def read_csynth_text(report: Path) -> dict:
    """Latency, II, clock and resources from a text C-synthesis report: the classic
    ``<top>_csynth.rpt`` (Vivado HLS / Vitis HLS) or Vitis's synthesis summary ``csynth.rpt``."""
    report = Path(report)
    text = _read_report(report, "C-synthesis report")
    classic = re.search(r"^== (Vivado|Vitis) HLS Report for '([^']+)'", text, re.M)
    summary = re.search(r"^== Synthesis Summary Report of '([^']+)'", text, re.M)
    if not (classic or summary):
        raise ToolError(f"{report}: not a C-synthesis report (no 'HLS Report for' or 'Synthesis Summary Report' title)")
    version = re.search(r"^\s*\* Version:\s*(\S+)", text, re.M)
    part = re.search(r"^\s*\* Target device:\s*(\S+)", text, re.M)
    about = (
        (version.group(1) if version else ""),
        (part.group(1) if part else ""),
    )
    tables = _tables(text)
    if classic:
        result = _classic_text(report, classic.group(2), about, tables)
        return {**result, "tool": f"{classic.group(1)} HLS"}
    return {**_summary_text(report, summary.group(1), about, tables), "tool": "Vitis HLS"}


def _missing(report: Path, what: str) -> ToolError:
    return ToolError(f"{report}: no {what} table (truncated, or not a C-synthesis report?)")


def _classic_text(report: Path, top: str, about: tuple[str, str], tables: list[_Table]) -> dict:
    clock = _find_table(tables, "Clock", "Target", "Estimated")
    latency = _find_table(
        tables, "Latency (cycles) min", "Latency (cycles) max", "Interval max", first="Latency (cycles) min"
    )
    usage = _find_table(tables, "Name", first="Name")
    if clock is None or not clock.rows:
        raise _missing(report, "timing summary")
    if latency is None or not latency.rows:
        raise _missing(report, "latency summary")
    totals = {row[0]: usage.named(row) for row in usage.rows} if usage else {}
    if "Total" not in totals:
        raise _missing(report, "utilisation summary (with its Total row)")
    timing_row = clock.named(clock.rows[0])
    undefined: dict[str, str] = {}
    target = _cell(timing_row["Target"], report, "the target clock")
    if target is None:
        raise ToolError(f"{report}: the timing summary gives no target clock ({timing_row['Target']!r})")
    estimated = _cell(timing_row["Estimated"], report, "the estimated clock")
    row = latency.named(latency.rows[0])
    figures = {}
    for key, column, group in (
        ("best", "Latency (cycles) min", "latency"),
        ("worst", "Latency (cycles) max", "latency"),
        ("ii_min", "Interval min", "interval"),
        ("ii_max", "Interval max", "interval"),
    ):
        figures[key] = _cell(row[column], report, column)
        if figures[key] is None:
            undefined.setdefault(group, _undefined_reason(report, column, row[column]))
    if estimated is None:
        undefined["estimated_clock"] = _undefined_reason(report, "estimated clock", timing_row["Estimated"])
    resources, available = {}, {}
    for column in usage.columns[1:]:
        kind = "DSP" if column.startswith("DSP") else column
        if kind not in RESOURCE_KINDS:
            continue
        used = _cell(totals["Total"][column], report, f"Total {column}")
        resources[kind] = int(used or 0)  # '-': none used
        if "Available" in totals:
            avail = _cell(totals["Available"][column], report, f"Available {column}")
            if avail is not None:
                available[kind] = int(avail)
    return _csynth_result(
        report,
        "text",
        top,
        about[0],
        about[1],
        timing(figures["best"], figures["worst"], figures["ii_max"], target, estimated, undefined=undefined),
        figures["ii_min"],
        resources,
        available,
    )


def _summary_text(report: Path, top: str, about: tuple[str, str], tables: list[_Table]) -> dict:
    """Vitis's synthesis summary: one row per module; the first is the top. It gives latency in
    cycles and ns (their ratio is the target clock) and the slack, not the estimated clock."""
    table = _find_table(tables, "Modules & Loops", "Latency (cycles)", "Latency (ns)", "Interval", "Slack")
    if table is None or not table.rows:
        raise _missing(report, "performance & resource estimates")
    row = table.named(table.rows[0])
    name = row["Modules & Loops"].lstrip("+o ").rstrip("*").strip()
    if name != top:
        raise ToolError(f"{report}: the first row of the estimates is '{name}', expected the top '{top}' (truncated?)")
    undefined: dict[str, str] = {}
    cycles = _cell(row["Latency (cycles)"], report, "Latency (cycles)")
    ns = _cell(row["Latency (ns)"], report, "Latency (ns)")
    interval = _cell(row["Interval"], report, "Interval")
    slack = _cell(row["Slack"], report, "Slack")
    if cycles is None or ns is None or not cycles:
        raise ToolError(
            f"{report}: the top's latency is {row['Latency (cycles)']!r} cycles / {row['Latency (ns)']!r} ns; "
            "the synthesis summary then gives no clock period (read the XML or <top>_csynth.rpt instead)"
        )
    if interval is None:
        undefined["interval"] = _undefined_reason(report, "Interval", row["Interval"])
    # the summary prints latency in ns to 4 significant digits: 1 ps resolution is all it supports
    target = round(ns / cycles, 3)
    undefined["estimated_clock"] = (
        f"the synthesis summary {report} gives the slack ({row['Slack']} ns), not the estimated clock period"
    )
    figures = timing(cycles, cycles, interval, target, None, undefined=undefined)
    if slack is not None:
        figures["timing_violation"] = slack < 0
        figures.pop("timing_violation_reason", None)
    figures["slack_ns"] = slack
    figures["target_clock_from"] = "latency (ns) / latency (cycles) of the top in the synthesis summary"
    resources = {}
    for column in ("BRAM", "DSP", "FF", "LUT", "URAM"):
        if column in row:
            resources["BRAM_18K" if column == "BRAM" else column] = int(_cell(row[column], report, column) or 0)
    return _csynth_result(report, "summary", top, about[0], about[1], figures, interval, resources, {})


# ----------------------------------------------------------------------------- co-simulation

_COSIM_ROW = re.compile(r"^\|\s*(VHDL|Verilog)\s*\|\s*(\w+)\s*\|(.*)\|\s*$")


def read_cosim(report: Path) -> dict:
    """The co-simulation verdict (Pass/Fail/NA per HDL) and its measured latency/interval."""
    report = Path(report)
    text = _read_report(report, "co-simulation report")
    lines = [line.strip() for line in text.splitlines()]
    languages, last_row = {}, None
    for index, line in enumerate(lines):
        match = _COSIM_ROW.match(line)
        if match:
            cells = [c.strip() for c in match.group(3).split("|")]
            if len(cells) not in (6, 7):  # latency min/avg/max, interval min/avg/max (+ total time)
                raise ToolError(
                    f"{report}: the {match.group(1)} result row has {len(cells)} values, expected 6 or 7 (truncated?)"
                )
            numbers = [_cosim_number(c) for c in cells]
            languages[match.group(1)] = {
                "status": match.group(2),
                "latency_min_cycles": numbers[0],
                "latency_max_cycles": numbers[2],
                "interval_max_cycles": numbers[5],
            }
            last_row = index
    if not languages:
        raise ToolError(f"{report}: no VHDL/Verilog result rows (truncated or not a co-simulation report?)")
    missing = [hdl for hdl in ("VHDL", "Verilog") if hdl not in languages]
    closed = last_row is not None and any(line.startswith("+") for line in lines[last_row + 1 : last_row + 2])
    if missing or not closed:
        what = f"no {' or '.join(missing)} result row" if missing else "no closing line after the result rows"
        raise ToolError(f"{report}: the co-simulation result table is incomplete ({what}): truncated report?")
    statuses = [v["status"] for v in languages.values() if v["status"] != "NA"]
    verdict = "Pass" if statuses and all(s == "Pass" for s in statuses) else ("Fail" if statuses else "NA")
    return {"source": str(report), "verdict": verdict, "languages": languages}


def _cosim_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None  # NA: that HDL was not simulated


# ----------------------------------------------------------------------------- Vivado utilisation

# report_utilization rows, by what the resource is called on 7-series vs UltraScale parts
_VIVADO_ROWS = {
    "LUT": ("Slice LUTs", "CLB LUTs"),
    "FF": ("Slice Registers", "CLB Registers"),
    "DSP": ("DSPs",),
    "BRAM_36K_tiles": ("Block RAM Tile",),
    "URAM": ("URAM",),
}
# every report_utilization has these; URAM only on parts that have it
_VIVADO_REQUIRED = ("LUT", "FF", "BRAM_36K_tiles", "DSP")


def read_vivado_utilisation(report: Path) -> dict:
    """Post-synthesis utilisation from Vivado's report_utilization (used, available, %), its
    tables read by their column names (Vivado 2022.1 and later add a ``Prohibited`` column)."""
    report = Path(report)
    text = _read_report(report, "Vivado utilisation report")
    device = re.search(r"\|\s*Device\s*:\s*(\S+)", text)
    version = re.search(r"\|\s*Tool Version\s*:\s*Vivado v\.?(\S+)", text)
    resources = {}
    for table in _tables(text):
        if not {"Site Type", "Used", "Available", "Util%"} <= set(table.columns):
            continue
        for row in table.rows:
            cells = table.named(row)
            name = cells["Site Type"].rstrip("*").strip()
            for kind, labels in _VIVADO_ROWS.items():
                if name in labels and kind not in resources:
                    resources[kind] = _utilisation(report, name, cells)
    missing = [kind for kind in _VIVADO_REQUIRED if kind not in resources]
    if missing:
        rows = ", ".join(_VIVADO_ROWS[k][-1] for k in missing)
        raise ToolError(
            f"{report}: no {rows} rows in the utilisation tables (truncated or not a report_utilization file?)"
            if resources
            else f"{report}: no utilisation table found (truncated or not a report_utilization file?)"
        )
    return {
        "source": str(report),
        "tool_version": version.group(1) if version else "",
        "device": device.group(1) if device else "",
        "resources": resources,
    }


def _utilisation(report: Path, name: str, cells: dict[str, str]) -> dict:
    used = _cell(cells["Used"], report, f"{name} Used")
    if used is None:
        raise ToolError(f"{report}: the {name} row has no Used count ({cells['Used']!r})")
    available = _cell(cells["Available"], report, f"{name} Available")
    percent_text = cells["Util%"].strip()
    if percent_text.startswith("<") and available:
        percent = 100.0 * used / available  # Vivado prints '<0.01': the exact share instead
    else:
        percent = _cell(percent_text, report, f"{name} Util%")
    return {"used": used, "available": available, "percent": percent}
