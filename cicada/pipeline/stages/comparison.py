"""Stage ``comparison`` (only with ``comparison.students``): each student of the section built beside the
build's own, on the same data and the same teacher targets, and every student's figures side by side.

A comparison student's build is this build with the entry's student (``config.comparison.entry_config``):
it borrows this build's data and teacher stages (``shared_dir``, as a scan's points do) and runs the
build's own stages, from the student (trained on the teacher's scores of the same images) to the rates
(thresholds on the same weighted rate sample, the same emulated seeds) and the synthesis (the RTL flow's
trace, Verilator and Yosys), in ``models/<build>/comparison/<name>/`` and ``hls_projects/<build>/comparison/
<name>/``, each of its stages reused while up to date. Its RTL flow builds the main setting only (no
trade-off table). The result is one :class:`~cicada.evaluation.comparison.ComparedRow` per student, the
build's own first, which the report renders as "Students compared".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...config.comparison import entry_config, entry_data
from ...core.progress import log
from ...evaluation.comparison import ComparedRow, at_rate, with_synthesis, with_working_point
from ...evaluation.efficiency import CONFIDENCE_LEVEL
from ..context import BuildContext
from ..engine import Stage, run_stages

#: The synthesis backend whose LUT and latency are compared: the open RTL flow, which runs on every machine.
COMPARED_BACKEND = "rtl"
#: Where a comparison student's build lives, below this build's folder.
FOLDER = "comparison"


@dataclass
class ComparisonResult:
    #: the rate (kHz) of the efficiencies and pure rates
    rate_khz: float
    confidence_level: float
    #: the rate sample every threshold was set on
    rate_sample: str
    #: one row per student, this build's first
    rows: list[ComparedRow] = field(default_factory=list)
    #: comparison student -> its build's folder below models/
    builds: dict[str, str] = field(default_factory=dict)


def student_context(context: BuildContext, index: int) -> BuildContext:
    """The build of ``comparison.students[index]``: the entry's config, in a folder below this build's, borrowing
    this build's data and teacher."""
    entry = context.config.comparison.students[index]
    config = entry_config(context.config, index)
    if COMPARED_BACKEND in config.synthesis:  # the main setting only: no trade-off table
        rtl = config.synthesis[COMPARED_BACKEND].model_copy(update={"tradeoff": ()})
        config = config.model_copy(update={"synthesis": {**config.synthesis, COMPARED_BACKEND: rtl}})
    return BuildContext(
        config=config,
        config_path=context.config_path,
        root=context.root,
        folder=f"{context.folder or context.config.name}/{FOLDER}/{entry.name}",
        shared_dir=context.stage_dir("data"),
    )


def student_build() -> list[Stage]:
    """The stages of a comparison student's build: the build's own up to the rates (its data and teacher are
    borrowed from this build, so they are reused, never run)."""
    from ..build import STAGES  # the build's stage list, which holds this stage's module: imported when run

    return [stage for stage in STAGES if stage.name != "report"]


def row(results: dict, name: str, description: str, kind: str, rate_khz: float) -> ComparedRow:
    """A student's row from its build's stage results (student, verify, scores, quality, synthesis, rates)."""
    trained = results["student"]
    out = ComparedRow(
        name=name,
        description=description,
        kind=kind,
        architecture=trained.architecture,
        input=trained.input,
        parameters=trained.parameters,
        rate_khz=rate_khz,
    )
    measured = results["quality"]
    out.auc = {signal: values["firmware"] for signal, values in measured.auc.items()}
    out.auc_interval = {signal: values["firmware"] for signal, values in measured.auc_interval.items()}
    scored = results["scores"]
    out.auc_source = (
        f"firmware-exact scores ({scored.firmware_engine}) of zero_bias_test against each signal; interval: "
        f"{measured.auc_interval_method}"
    )
    rated = results["rates"]
    seeds = rated.seeds
    with_working_point(
        out,
        at_rate(rated.working_points, rate_khz),
        f"{rated.score}; threshold on {rated.sample_source} ({rated.sample_weighting}); efficiencies with their "
        f"Clopper-Pearson intervals; pure rate: accepted by none of the "
        + (f"{len(seeds.seeds)} emulated L1 seeds (thresholds {seeds.thresholds})" if seeds else "emulated L1 seeds"),
    )
    backend = results["synthesis"].backends.get(COMPARED_BACKEND)
    if backend is None:
        out.notes["LUT"] = out.notes["latency"] = f"the {COMPARED_BACKEND} backend did not run"
    else:
        with_synthesis(out, backend.figures, backend.status, backend.reason)
    out.verified = _checks(results, backend)
    return out


def _checks(results: dict, backend) -> list[str]:
    """The bit-for-bit checks behind a student's figures, in words."""
    csim = results["verify"].csim_vs_qkeras
    checks = [f"C simulation == QKeras on {csim.events - csim.mismatches:,}/{csim.events:,} test images"]
    exact = results["scores"].integer_vs_emulator
    if exact:
        events = sum(c.events for c in exact.values())
        same = sum(c.events - c.mismatches for c in exact.values())
        checks.append(f"integer model == emulator library (the firmware's C++) on {same:,}/{events:,} test events")
    simulated = (
        getattr(backend.figures, "bit_exact", None) if backend is not None and backend.status == "done" else None
    )
    if simulated is not None:
        checks.append(
            f"RTL == QKeras and == C++ on {simulated.vs_qkeras.events - simulated.vs_qkeras.mismatches:,}/"
            f"{simulated.events:,} test images ({simulated.source})"
        )
    return checks


def run(context: BuildContext) -> ComparisonResult:
    section = context.config.comparison
    rate = section.rate_khz
    own = context.config.student
    rows = [
        row(
            context.results,
            context.config.name,
            f"this build's student ({own.architecture} on input {own.input})",
            "build student",
            rate,
        )
    ]
    builds = {}
    for index, entry in enumerate(section.students):
        built = student_context(context, index)
        log.info(f"  comparison student '{entry.name}': its build in {built.relative(built.model_dir)}")
        run_stages(student_build(), built)
        description = entry.description or f"{built.config.student.architecture} on input {built.config.student.input}"
        rows.append(row(built.results, entry.name, description, "comparison student", rate))
        builds[entry.name] = built.relative(built.model_dir)
    for compared in rows:
        figures = ", ".join(
            f"{s} AUC {compared.auc[s]:.3f} eff {e.value:.3f}"
            for s, e in compared.efficiency.items()
            if s in compared.auc
        )
        log.info(
            f"  {compared.name}: {figures}; pure rate {compared.pure_rate_khz} kHz; LUT {compared.LUT or 0:,.0f}; "
            f"{compared.latency_cycles} cycles"
        )
    return ComparisonResult(
        rate_khz=rate,
        confidence_level=CONFIDENCE_LEVEL,
        rate_sample=context.results["rates"].sample_source,
        rows=rows,
        builds=builds,
    )


def inputs(context: BuildContext) -> dict:
    # the section and every comparison student's whole config: its own stages judge what of it they read
    section = context.config.comparison
    return {"comparison": section, "builds": [entry_data(context.config, i) for i in range(len(section.students))]}


STAGE = Stage(
    name="comparison",
    description="building the comparison students and comparing them with the build's student",
    run=run,
    result=ComparisonResult,
    upstream=("data", "teacher", "student", "convert", "verify", "scores", "quality", "synthesis", "rates"),
    inputs=inputs,
)
