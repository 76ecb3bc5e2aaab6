"""Stage ``comparison`` (only with ``comparison.students``): each student of the section built beside the
build's own, on the same data and the same teacher targets, and every student's figures side by side.

A comparison student's build is this build with the entry's student (``config.comparison.entry_config``):
it borrows this build's data and teacher stages (``shared_dir``, as a scan's points do) and runs the
build's own stages, from the student (trained on the teacher's scores of the same images) to the rates
(thresholds on the same weighted rate sample, the same emulated seeds) and the synthesis (the RTL flow's
trace, Verilator and Yosys), in ``models/<build>/comparison/<name>/`` and ``hls_projects/<build>/comparison/
<name>/``, each of its stages reused while up to date. Its RTL flow builds the main setting only (no
trade-off table). An entry with ``firmware: teacher_encoder`` builds the VAE teacher's encoder as the
firmware instead (the build's stages for it: no training, its fixed-point types derived, its C simulation
checked against the emulator library and its agreement with the float encoder measured); its AUCs are
bootstrapped here as the quality stage does for a student. The result is one
:class:`~cicada.evaluation.comparison.ComparedRow` per firmware, the build's own first, which the report
renders as "Students compared".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...config.comparison import entry_config, entry_data
from ...core.progress import log
from ...core.seeds import numpy_stream
from ...data.datasets import ZERO_BIAS_TEST, signal_names
from ...data.hdf5 import read_scores
from ...evaluation import metrics
from ...evaluation.comparison import ComparedRow, at_rate, with_synthesis, with_working_point
from ...evaluation.efficiency import CONFIDENCE_LEVEL
from ..context import BuildContext
from ..engine import Stage, run_stages
from .quality import AUC_INTERVAL_METHOD, AUC_REPLICAS, AUC_STREAM

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


def student_build(config) -> list[Stage]:
    """The stages of a comparison entry's build: the build's own up to the rates (its data and teacher are
    borrowed from this build, so they are reused, never run), or those of the teacher's encoder."""
    # the build's stage lists, whose module holds this stage: imported when run
    from ..build import STAGES, teacher_encoder_stages

    stages = teacher_encoder_stages() if config.student.firmware == "teacher_encoder" else STAGES
    return [stage for stage in stages if stage.name != "report"]


def row(built: BuildContext, name: str, description: str, kind: str, rate_khz: float) -> ComparedRow:
    """A firmware's row from its build's stage results (student or encoder, verify, scores, quality where the
    build has one, synthesis, rates)."""
    results = built.results
    made = results["student"] if "student" in results else results["encoder"]
    out = ComparedRow(
        name=name,
        description=description,
        kind=kind,
        architecture=made.architecture,
        input=made.input,
        parameters=made.parameters,
        rate_khz=rate_khz,
    )
    scored = results["scores"]
    if "quality" in results:
        measured = results["quality"]
        out.auc = {signal: values["firmware"] for signal, values in measured.auc.items()}
        out.auc_interval = {signal: values["firmware"] for signal, values in measured.auc_interval.items()}
        method = measured.auc_interval_method
    else:  # no distillation to judge (the teacher's encoder): the same AUCs and bootstrap, of the firmware alone
        out.auc, out.auc_interval, method = firmware_aucs(built)
    out.auc_source = (
        f"firmware-exact scores ({scored.firmware_engine}) of zero_bias_test against each signal; interval: {method}"
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


def firmware_aucs(built: BuildContext) -> tuple[dict[str, float], dict[str, list[float]], str]:
    """The firmware score's ROC AUC of every signal against zero_bias_test and its Poisson-bootstrap interval,
    as the quality stage computes them (same replicas, same seeded stream), and the interval's method."""
    scores = read_scores(built.scores_file)
    zero_bias = {"firmware": scores[ZERO_BIAS_TEST]["firmware"]}
    signals = {name: {"firmware": scores[name]["firmware"]} for name in signal_names(built.config.data)}
    auc = {name: metrics.roc_auc(zero_bias["firmware"], s["firmware"]) for name, s in signals.items()}
    intervals = metrics.auc_intervals(
        zero_bias, signals, numpy_stream(built.config.seed, AUC_STREAM), AUC_REPLICAS, CONFIDENCE_LEVEL
    )
    return auc, {name: interval["firmware"] for name, interval in intervals.items()}, AUC_INTERVAL_METHOD


def _checks(results: dict, backend) -> list[str]:
    """The bit-for-bit checks behind a firmware's figures (and, for a float model, its agreement), in words."""
    verified = results["verify"]
    if verified.float_agreement:
        exact = verified.emulator_vs_csim
        found = verified.float_agreement
        types = [t["label"] for t in results["convert"].float_types["types"]]
        return [
            f"C simulation == emulator library (the firmware's C++) on {exact.events - exact.mismatches:,}/"
            f"{exact.events:,} test images",
            f"types derived from the float model: {types.count('proven')} proven, "
            f"{sum(label.startswith('calibrated') for label in types)} calibrated (not bit-exact with it)",
            f"agreement with the float model: every output within {found['tolerance']:g} on "
            f"{found['share_within']:.2%} of {found['events']:,} events, score Spearman {found['score_spearman']:.5f}",
            *_encoder_fidelity(results),
        ]
    csim = verified.csim_vs_qkeras
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


def _encoder_fidelity(results: dict) -> list[str]:
    """How far the float model the firmware follows is from the teacher's own encoder (the ET prescale)."""
    made = results.get("encoder")
    if made is None:
        return []
    return [
        f"the float model vs the teacher's unscaled encoder: score Spearman {made.spearman_vs_unscaled:.3f} (ET "
        f"prescaled by 2^-{made.et_shift} for hls4ml's 1/sqrt table: its layer normalisation sees epsilon x "
        f"4^{made.et_shift}; not a check, a measured difference)"
    ]


def run(context: BuildContext) -> ComparisonResult:
    section = context.config.comparison
    rate = section.rate_khz
    rows = [row(context, context.config.name, _described(context.config), "build " + _kind(context.config), rate)]
    builds = {}
    for index, entry in enumerate(section.students):
        built = student_context(context, index)
        log.info(f"  comparison entry '{entry.name}': its build in {built.relative(built.model_dir)}")
        run_stages(student_build(built.config), built)
        description = entry.description or _described(built.config)
        rows.append(row(built, entry.name, description, "comparison " + _kind(built.config), rate))
        builds[entry.name] = built.relative(built.model_dir)
    for compared in rows:
        figures = ", ".join(
            f"{s} AUC {compared.auc[s]:.3f} eff {e.value:.3f}"
            for s, e in compared.efficiency.items()
            if s in compared.auc
        )
        log.info(
            f"  {compared.name}: {figures}; {_pure_rate_words(compared.pure_rate_khz)}; {_lut_words(compared.LUT)}; "
            f"{_latency_words(compared.latency_cycles)}"
        )
    return ComparisonResult(
        rate_khz=rate,
        confidence_level=CONFIDENCE_LEVEL,
        rate_sample=context.results["rates"].sample_source,
        rows=rows,
        builds=builds,
    )


def _kind(config) -> str:
    return "encoder" if config.student.firmware == "teacher_encoder" else "student"


def _described(config) -> str:
    student = config.student
    if student.firmware == "teacher_encoder":
        return f"the {config.teacher.architecture} teacher's encoder, score {student.encoder_score} of its latent means"
    return f"{student.architecture} on input {student.input}"


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


def _lut_words(lut) -> str:
    return f"LUT {lut:,.0f}" if lut is not None else "LUT n/a"


def _latency_words(cycles) -> str:
    return f"{cycles} cycles" if cycles is not None else "latency n/a"


def _pure_rate_words(rate) -> str:
    return f"pure rate {rate:.3g} kHz" if rate is not None else "pure rate n/a (no emulated seeds)"
