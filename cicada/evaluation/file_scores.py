"""Scoring a region file the build never saw: per-event scores and the efficiency at each working point.

``score_files(context, files)`` reads each file (any input layout of
:mod:`cicada.data.inputs.table`: CICADA's HDF5 layouts or a ROOT ntuple, after the ntuple's
run list and trigger bit) a chunk at a time, scores
every event with the build's teacher (when it has one), its QKeras student (and the float
student) and its firmware, and writes, per file:

* ``<stem>.scores.h5``: the per-event scores in the layout of the build's own scores file
  (one group, named after the file, with a dataset per score kind; ``read_scores`` reads it);
* ``<stem>.scores.json`` and ``<stem>.scores.md``: how many events, how the firmware scores
  were computed and checked, and the fraction of events the trigger accepts at each of the
  build's working points (thresholds of its rates stage; weighted by ``EventWeight`` when
  the file has it).

Firmware scores come from the integer model; the emulator library recomputes an evenly
spread subset of ``check_events`` events (all of them when the file has no more), and any
difference stops everything before a file is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config.ntuples import NtupleOptions
from ..core.errors import CicadaError
from ..core.files import write_json, write_text
from ..core.progress import log
from ..data.hdf5 import WEIGHTS_KEY, write_scores
from ..data.imagestats import total_et
from ..data.inputs.base import RegionSource
from ..data.inputs.table import open_sources
from ..data.region_bits import region_et
from ..data.student_inputs import encode, input_kind
from ..firmware.scoring import FirmwareScorer
from ..models.student import STUDENT_FILE, float_twin, load_student, student_scores
from ..models.teacher import TEACHER_FILE, load_teacher
from .rates import accepts

#: Events the emulator library recomputes per file, unless told otherwise.
DEFAULT_CHECK_EVENTS = 100_000
SUFFIX = ".scores"


@dataclass
class FileScores:
    """What scoring one file produced."""

    file: Path
    events: int
    outputs: dict[str, Path]
    summary: dict = field(repr=False)


def output_paths(files: list[Path], output: Path | None) -> list[dict[str, Path]]:
    """Where each file's results go: beside it, or in ``output`` (a folder; or, for a single
    file, the .h5 to write); never onto an input file."""
    if output is not None and output.suffix == ".h5" and len(files) > 1:
        raise CicadaError(f"-o {output}: expected a folder when scoring {len(files)} files, got an .h5 file name")
    paths = []
    for file in files:
        if output is not None and output.suffix == ".h5":
            base = output.with_suffix("")
        else:
            folder = output if output is not None else file.parent
            base = folder / (file.stem + SUFFIX)
        paths.append({"scores": base.with_name(base.name + ".h5"), "json": base.with_name(base.name + ".json"),
                      "markdown": base.with_name(base.name + ".md")})  # fmt: skip
    inputs = {file.resolve() for file in files}
    for targets in paths:
        for target in targets.values():
            if target.resolve() in inputs:
                raise CicadaError(f"{target}: is an input file; refusing to overwrite it (choose another -o)")
    stems = [file.stem for file in files]
    if output is not None and len(set(stems)) < len(stems):
        raise CicadaError(f"-o {output}: two input files share the name {max(stems, key=stems.count)!r}")
    return paths


def check_rows(events: int, check_events: int | None) -> np.ndarray:
    """The events the emulator library recomputes: ``check_events`` evenly spread (None: all)."""
    if check_events is None or check_events >= events:
        return np.arange(events)
    return np.unique(np.linspace(0, events - 1, max(1, check_events)).round().astype(np.int64))


def score_files(
    context,
    files: list[Path],
    output: Path | None = None,
    check_events: int | None = None,
    ntuples: NtupleOptions | None = None,
):
    """Score every event of ``files`` with the build of ``context`` (its results loaded);
    ``ntuples`` says how ROOT ntuples among them are read and selected."""
    files = [Path(f) for f in files]
    sources = open_sources(files, ntuples)
    counts = [source.count() for source in sources]  # every file checked before any work
    for source, count in zip(sources, counts):
        if count == 0:
            raise CicadaError(
                f"{source.path}: holds no events ({source.selection().describe()}), expected at least one region image"
            )
    paths = output_paths(files, output)
    kind = input_kind(context.config.student.input)
    if kind.needs_bits:
        for source in sources:
            if not source.has_bits():
                raise CicadaError(
                    f"{source.path}: holds region ET only; this build's student reads {kind.values} (student.input: "
                    f"{kind.name}): expected a layout with bits (CaloRegions with fields et, egbit, taubit, the 2026 "
                    "teacher files, or ntuples)"
                )
    models = _Models(context)
    if models.teacher is not None and models.teacher.architecture.needs_bits:
        for source in sources:
            if not source.has_bits():
                raise CicadaError(
                    f"{source.path}: holds region ET only; this build's teacher ({models.teacher.architecture.name}) reads "
                    "the e/gamma and tau bits: expected a layout with bits (CaloRegions with fields et, egbit, taubit, the "
                    "2026 teacher files, or ntuples)"
                )
    if output is not None and output.suffix != ".h5":
        output.mkdir(parents=True, exist_ok=True)
    return [
        _score_file(context, models, source, count, targets, check_events)
        for source, count, targets in zip(sources, counts, paths)
    ]


class _Models:
    """The build's models, loaded once for every file."""

    def __init__(self, context):
        self.input = input_kind(context.config.student.input)
        self.teacher = None
        if "teacher" in context.results:
            self.teacher = load_teacher(context.model_dir / TEACHER_FILE, context.config.teacher)
        self.student = load_student(context.model_dir / STUDENT_FILE)
        self.float_student = float_twin(self.student)
        convert = context.results["convert"]
        self.lsb = convert.output_type().lsb
        self.firmware = FirmwareScorer(context.project_dir, self.student, convert.layers, self.lsb)


def _score_file(context, models: _Models, source: RegionSource, events: int, targets: dict, check_events: int | None):
    file = source.path
    checked_rows = check_rows(events, check_events)
    parts: dict[str, list[np.ndarray]] = {}
    checked = 0
    for chunk in source.chunks():
        start, regions = chunk.start, chunk.images
        images = encode(models.input, regions, str(file))  # the student's input (student.input), from any layout
        stop = start + len(images)
        outputs = models.firmware.predict(images)
        local = checked_rows[(checked_rows >= start) & (checked_rows < stop)] - start
        if len(local) and models.firmware.check(images[local], outputs[local], str(file)) is not None:
            checked += len(local)
        chunk = {
            **({"teacher_mse": models.teacher.score(regions)} if models.teacher is not None else {}),
            **(
                {"student_float": student_scores(models.float_student, images)}
                if models.float_student is not None
                else {}
            ),
            "student_qkeras": student_scores(models.student, images),
            "firmware": outputs[:, 0],
            "total_et": total_et(region_et(regions)).astype(np.float64),
        }
        for kind, values in chunk.items():
            parts.setdefault(kind, []).append(values)
        log.info(f"  {file}: {stop:,} of {events:,} events scored")
    scores = {kind: np.concatenate(values) for kind, values in parts.items()}
    weights = source.column(WEIGHTS_KEY)
    summary = summarise(context, models, file, scores, weights, checked)
    if source.selection().dropped:  # the efficiency is of the kept events: say which those are
        summary["selection"] = {"events_in_file": source.selection().events, "dropped": source.selection().dropped}
    write_scores(targets["scores"], {file.stem: scores})
    write_json(targets["json"], summary)
    write_text(targets["markdown"], markdown(summary))
    return FileScores(file, events, targets, summary)


def summarise(context, models: _Models, file: Path, scores: dict, weights: np.ndarray | None, checked: int) -> dict:
    """The file's summary: events, how the firmware scores were made and checked, working points."""
    firmware = scores["firmware"]
    total_weight = float(weights.sum()) if weights is not None else float(len(firmware))
    points = []
    for point in context.results["rates"].working_points:
        accepted = accepts(firmware, point.threshold)
        passing = float(weights[accepted].sum()) if weights is not None else float(np.count_nonzero(accepted))
        points.append(
            {
                "target_khz": point.target_khz,
                "threshold": point.threshold,
                "build_rate_khz": point.rate_khz,
                "accepted_events": int(np.count_nonzero(accepted)),
                "efficiency": passing / total_weight if total_weight > 0 else 0.0,
            }
        )
    return {
        "file": str(file),
        "events": int(len(firmware)),
        "weighted_by": "EventWeight" if weights is not None else None,
        "build": context.config.name,
        "config": str(context.config_path),
        "scores": sorted(scores),
        "firmware_engine": models.firmware.engine,
        "firmware_checked_against_emulator_library": {"events": checked, "bit_exact": True} if checked else None,
        "working_points": points,
    }


def markdown(summary: dict) -> str:
    check = summary["firmware_checked_against_emulator_library"]
    check_line = (
        f"bit-exact with the emulator library on {check['events']:,} events spread over the file."
        if check
        else "computed by the emulator library itself."
    )
    weighted = f", weighted by {summary['weighted_by']}" if summary["weighted_by"] else ""
    lines = [
        f"# Scores of `{summary['file']}`",
        "",
        f"{summary['events']:,} events scored with build `{summary['build']}` ({summary['config']}): "
        f"{', '.join(summary['scores'])}.",
        "",
        *_selection_lines(summary.get("selection")),
        f"Firmware scores from the {summary['firmware_engine']}: {check_line}",
        "",
        f"Efficiency at the build's working points (firmware score above the threshold{weighted}):",
        "",
        "| target rate (kHz) | threshold | build's rate (kHz) | accepted events | efficiency |",
        "|---|---|---|---|---|",
    ]
    for point in summary["working_points"]:
        lines.append(
            f"| {point['target_khz']:g} | {point['threshold']:g} | {point['build_rate_khz']:.3g} | "
            f"{point['accepted_events']:,} | {point['efficiency']:.4g} |"
        )
    return "\n".join(lines) + "\n"


def _selection_lines(selection: dict | None) -> list[str]:
    if not selection:
        return []
    dropped = ", ".join(f"{count:,} {reason}" for reason, count in selection["dropped"].items())
    return [f"The file holds {selection['events_in_file']:,} events; dropped: {dropped}.", ""]
