"""The stages of ``cicada build`` and how each one calls the module that does its work.

Each ``_run_*`` function reads its inputs from disk, calls one public function of a
stage module and returns a summary for the stamp and the report. The order of
:data:`STAGES` is the order of the build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from . import csim, rates, report, vendor
from .config import BuildConfig
from .data import dataset_path, make_datasets, source_files, test_dataset_names
from .datasets import read_regions, read_scores, write_scores
from .errors import VerificationError
from .fileio import sha256_file
from .pipeline import BuildContext, Stage, run_stages
from .progress import log
from .score import SCORE_LSB

SCORES_FILE = "scores.h5"
RATE_PLOT = "rate_vs_threshold.png"
SCORE_PLOT = "score_distributions.png"
ROC_PLOT = "roc_vs_rate.png"


def _images(context: BuildContext, name: str) -> np.ndarray:
    return read_regions(dataset_path(context.data_dir, name))


# ----------------------------------------------------------------------------- data
def _run_data(context: BuildContext) -> dict:
    data = context.config.data
    paths = make_datasets(data, context.config.seed, context.data_dir, context.config_path.parent)
    events = {name: int(read_regions(path).shape[0]) for name, path in paths.items()}
    return {
        "generator": data.generator,
        "source_files": [str(p) for p in source_files(data, context.config_path.parent)],
        "pileup": context.config.data.pileup,
        "datasets": {name: {"file": context.relative(path), "events": events[name]} for name, path in paths.items()},
    }


def _data_inputs(context: BuildContext) -> dict:
    config = context.config
    # input files count by content: a replaced file regenerates the datasets
    files = {str(p): sha256_file(p) for p in source_files(config.data, context.config_path.parent) if p.exists()}
    return {"seed": config.seed, "data": config.data, "files": files}


def _data_outputs(context: BuildContext) -> list[Path]:
    from .data import dataset_names

    return [dataset_path(context.data_dir, name) for name in dataset_names(context.config.data)]


# -------------------------------------------------------------------------- teacher
def _run_teacher(context: BuildContext) -> dict:
    from .teacher import TEACHER_FILE, train_teacher

    config = context.config
    model, result = train_teacher(
        config.teacher,
        _images(context, "zero_bias_train"),
        _images(context, "zero_bias_val"),
        context.model_dir,
        config.seed,
        resume_key=context.fingerprints["teacher"],
    )
    return {
        "architecture": config.teacher.architecture,
        "parameters": int(model.count_params()),
        "model_file": context.relative(context.model_dir / TEACHER_FILE),
        "loss_plot": context.relative(context.model_dir / "teacher_loss.png"),
        "training": result.as_dict(),
    }


# -------------------------------------------------------------------------- student
def _run_student(context: BuildContext) -> dict:
    from .score import student_target
    from .student import STUDENT_FILE, distillation_set, train_student
    from .teacher import TEACHER_FILE, load_teacher

    config = context.config
    teacher = load_teacher(context.model_dir / TEACHER_FILE)
    zero_bias = {part: _images(context, f"zero_bias_{part}") for part in ("train", "val")}
    train, train_mse = distillation_set(config.student, zero_bias["train"], teacher, config.seed, "train")
    val, val_mse = distillation_set(config.student, zero_bias["val"], teacher, config.seed, "val")
    train_outliers, val_outliers = len(train) - len(zero_bias["train"]), len(val) - len(zero_bias["val"])
    model, result = train_student(
        config.student,
        train,
        train_mse,
        val,
        val_mse,
        context.model_dir,
        config.seed,
        resume_key=context.fingerprints["student"],
        check=lambda m: _check_student_convertible(m, config),
    )
    target = student_target(train_mse)
    return {
        "architecture": config.student.architecture,
        "parameters": int(model.count_params()),
        "layers": _layer_summary(model),
        "model_file": context.relative(context.model_dir / STUDENT_FILE),
        "loss_plot": context.relative(context.model_dir / "student_loss.png"),
        "loss": config.student.loss,
        "training_images": {"zero_bias": len(train) - train_outliers, "outliers": train_outliers},
        "validation_images": {"zero_bias": len(val) - val_outliers, "outliers": val_outliers},
        "sample_weights": config.student.sample_weights.enabled,
        "target": {"mean": float(target.mean()), "min": float(target.min()), "max": float(target.max())},
        "training": result.as_dict(),
    }


# ---------------------------------------------------------- import (bring your own model)
def _run_import(context: BuildContext) -> dict:
    from .student import STUDENT_FILE, import_student, save_student

    source = context.model_file
    model = import_student(source)
    save_student(model, context.model_dir / STUDENT_FILE)
    return {
        "architecture": f"imported from {source.name}",
        "source_file": str(source),
        "source_sha256": sha256_file(source),
        "parameters": int(model.count_params()),
        "layers": _layer_summary(model),
        "model_file": context.relative(context.model_dir / STUDENT_FILE),
    }


def _import_inputs(context: BuildContext) -> dict:
    source = context.model_file
    return {"model_file": str(source), "sha256": sha256_file(source) if source.exists() else None}


def _check_student_convertible(model, config: BuildConfig) -> None:
    """Fail before training when hls4ml cannot convert the student, naming the culprit layer."""
    from .architectures import student_layer_names
    from .errors import ConversionError
    from .firmware import check_convertible

    try:
        check_convertible(model, config.hls)
    except ConversionError as err:
        message = str(err)
        token = message.rsplit(":", 1)[-1].strip()
        layers = config.student.layers
        culprits = [
            f"student.layers[{i}] ({name})"
            for i, (name, layer) in enumerate(zip(student_layer_names(layers), layers))
            if token and token in str(layer.to_mapping())
        ]
        raise ConversionError(f"{', '.join(culprits) + ': ' if culprits else ''}{message}") from None


def _layer_summary(model) -> list[dict]:
    rows = []
    for layer in model.layers:
        row = {
            "name": layer.name,
            "class": type(layer).__name__,
            "output_shape": [d for d in layer.output_shape[1:]],
            "parameters": int(layer.count_params()),
        }
        for attribute in ("kernel_quantizer", "bias_quantizer"):
            quantizer = getattr(layer, attribute, None)
            if quantizer:
                row[attribute.replace("_quantizer", "")] = str(quantizer)
        if type(layer).__name__ == "QActivation":
            row["activation"] = str(layer.activation)
        rows.append(row)
    return rows


# -------------------------------------------------------------------------- convert
def _run_convert(context: BuildContext) -> dict:
    from .firmware import convert_student
    from .student import STUDENT_FILE, load_student

    model = load_student(context.model_dir / STUDENT_FILE)
    result = convert_student(model, context.config.hls, context.project_dir, config_source=str(context.config_path))
    proof = result.proof
    log.info(
        "  precisions "
        + ("proven exact for every input 0..1023" if proof.proven else "NOT fully proven (see report)")
        + ": "
        + ", ".join(f"{c.layer}.{c.role}={c.type}" for c in proof.checks if c.role != "input")
    )
    summary = result.as_dict()
    summary["project_dir"] = context.relative(context.project_dir)
    return summary


def _convert_outputs(context: BuildContext) -> list[Path]:
    from .firmware import TESTBENCH

    return [context.project_dir / "firmware", context.project_dir / TESTBENCH]


# --------------------------------------------------------------------------- verify
def csim_selection(sizes: dict[str, int], total: int, seed: int, stream: int = 7) -> dict[str, np.ndarray]:
    """Which test events go through the C simulation: half zero-bias, half signals.

    Quotas shrink to what each dataset holds and the remainder goes to the others, so
    ``min(total, sum(sizes))`` events are always chosen. Returns sorted indices per dataset.
    """
    names = list(sizes)
    n_signals = len(names) - 1
    zero_bias_share = total // 2 if n_signals else total
    signal_shares = np.diff(np.linspace(0, total - zero_bias_share, n_signals + 1).round()).astype(int)
    shares = dict(zip(names, [zero_bias_share, *signal_shares]))
    quota = {name: min(shares[name], sizes[name]) for name in names}
    spare = min(total, sum(sizes.values())) - sum(quota.values())
    for name in names:  # hand out what the small datasets could not take
        extra = min(spare, sizes[name] - quota[name])
        quota[name] += extra
        spare -= extra
    rng = np.random.default_rng([seed, stream])
    return {name: np.sort(rng.choice(sizes[name], quota[name], replace=False)) for name in names if quota[name]}


def _run_verify(context: BuildContext) -> dict:
    from .emulator import FirmwareEmulator
    from .student import STUDENT_FILE, load_student, student_scores

    config = context.config
    names = test_dataset_names(config.data)
    images = {name: _images(context, name) for name in names}
    selection = csim_selection({n: len(images[n]) for n in names}, config.hls.csim_events, config.seed)
    chosen = np.concatenate([images[n][idx] for n, idx in selection.items()])
    origin = [(n, int(i)) for n, idx in selection.items() for i in idx]
    model = load_student(context.model_dir / STUDENT_FILE)
    expected = student_scores(model, chosen)
    weight_arrays = csim.check_weight_files(context.project_dir)
    log.info(f"  building the C-simulation testbench and running it on {len(chosen):,} test images")
    firmware = csim.run_testbench(context.project_dir, chosen.reshape(len(chosen), -1), expected)
    comparison = csim.compare_bits(expected, firmware, SCORE_LSB)
    emulated = FirmwareEmulator(context.project_dir).predict(chosen)
    emulator_check = csim.compare_bits(firmware, emulated, SCORE_LSB)
    summary = {
        "testbench": f"{context.relative(context.project_dir)}/myproject_test.cpp",
        "events_per_dataset": {n: int(len(idx)) for n, idx in selection.items()},
        "weight_arrays_identical_in_synthesis_and_simulation": weight_arrays,
        "csim_vs_qkeras": comparison.as_dict(),
        "emulator_vs_csim": emulator_check.as_dict(),
    }
    if not comparison.bit_exact:
        name, index = origin[comparison.first_mismatch_index]
        message = (
            f"C simulation disagrees with QKeras on {comparison.mismatches:,} of {comparison.events:,} test images "
            f"(largest difference {comparison.max_difference_lsb} LSB of {SCORE_LSB:g}); e.g. image {index} of "
            f"'{name}': QKeras {comparison.first_mismatch_expected}, firmware {comparison.first_mismatch_firmware}. "
            f"Inputs and outputs: {context.relative(context.project_dir / csim.INPUT_FILE)}, "
            f"{context.relative(context.project_dir / csim.RESULTS_FILE)}"
        )
        summary["diagnosis"] = _diagnose(context, model, chosen, expected, firmware)
        message += f". Diagnosis: {summary['diagnosis']['explanation']}"
        report.write_failure_report(context, summary, message)
        raise VerificationError(message)
    if not emulator_check.bit_exact:
        raise VerificationError(
            f"the batch emulator library disagrees with the C-simulation testbench on {emulator_check.mismatches} "
            "images: firmware-exact scores cannot be trusted"
        )
    log.info(f"  bit-exact: C simulation == QKeras on all {comparison.events:,} images")
    return summary


def _diagnose(context: BuildContext, model, images, expected, firmware, most: int = 200) -> dict:
    """Trace the disagreeing images layer by layer; the first diverging layer, or None."""
    from .diagnose import first_divergence

    bad = np.flatnonzero(
        np.rint(expected / SCORE_LSB) != np.rint(firmware.reshape(len(expected), -1)[:, 0] / SCORE_LSB)
    )
    log.info(f"  tracing {min(len(bad), most)} disagreeing images layer by layer (hls4ml trace vs QKeras)")
    divergence = first_divergence(
        model, context.summaries["convert"]["hls4ml_config"], context.config.hls, images[bad[:most]]
    )
    if divergence is None:
        return {
            "layer": None,
            "explanation": "a fresh conversion with the same settings agrees with QKeras on these images, so the "
            "project's files differ from what cicada and hls4ml generate (edited by hand?)",
        }
    return {**divergence.as_dict(), "explanation": divergence.explain()}


def _verify_outputs(context: BuildContext) -> list[Path]:
    return [context.project_dir / csim.RESULTS_FILE]


# --------------------------------------------------------------------------- scores
def _run_scores(context: BuildContext) -> dict:
    from .emulator import FirmwareEmulator
    from .imagestats import total_et
    from .student import STUDENT_FILE, float_twin, load_student, student_scores
    from .teacher import TEACHER_FILE, load_teacher, teacher_mse

    has_teacher = "teacher" in context.summaries
    teacher = load_teacher(context.model_dir / TEACHER_FILE) if has_teacher else None
    student = load_student(context.model_dir / STUDENT_FILE)
    unquantized = float_twin(student)
    emulator = FirmwareEmulator(context.project_dir)
    scores, agreement = {}, {}
    for name in test_dataset_names(context.config.data):
        images = _images(context, name)
        qkeras = student_scores(student, images)
        firmware = emulator.predict(images)[:, 0]
        scores[name] = {
            **({"teacher_mse": teacher_mse(teacher, images)} if teacher is not None else {}),
            "student_float": student_scores(unquantized, images),
            "student_qkeras": qkeras,
            "firmware": firmware,
            "total_et": total_et(images).astype(np.float64),
        }
        agreement[name] = csim.compare_bits(qkeras, firmware, SCORE_LSB).as_dict()
    write_scores(context.model_dir / SCORES_FILE, scores)
    mismatches = sum(a["mismatches"] for a in agreement.values())
    log.info(
        f"  scored {sum(len(s['firmware']) for s in scores.values()):,} test events with the firmware emulator; "
        f"{mismatches} differ from QKeras"
    )
    return {"file": context.relative(context.model_dir / SCORES_FILE), "firmware_vs_qkeras": agreement}


# -------------------------------------------------------------------------- quality
def _run_quality(context: BuildContext) -> dict:
    from . import metrics, plots
    from .score import student_target

    scores = read_scores(context.model_dir / SCORES_FILE)
    zero_bias = scores["zero_bias_test"]
    teacher_score = student_target(zero_bias["teacher_mse"])
    distillation = {
        "events": int(len(teacher_score)),
        "pearson": metrics.pearson(zero_bias["firmware"], teacher_score),
        "spearman": metrics.spearman(zero_bias["firmware"], teacher_score),
        "mean_absolute_error": float(np.mean(np.abs(zero_bias["firmware"] - teacher_score))),
    }
    columns = {
        "teacher": "teacher_mse",
        "student_float": "student_float",
        "firmware": "firmware",
        "total_et": "total_et",
    }
    auc = {
        name: {column: metrics.roc_auc(zero_bias[kind], s[kind]) for column, kind in columns.items()}
        for name, s in scores.items()
        if name != "zero_bias_test"
    }
    for row in auc.values():
        row["firmware_minus_teacher"] = row["firmware"] - row["teacher"]
    curves = {
        name: {
            "firmware": rates.efficiency_vs_rate(zero_bias["firmware"], s["firmware"]),
            "teacher": rates.efficiency_vs_rate(zero_bias["teacher_mse"], s["teacher_mse"]),
        }
        for name, s in scores.items()
        if name != "zero_bias_test"
    }
    roc_plot = plots.plot_roc_vs_rate(
        curves,
        rates.smallest_measurable_rate_khz(len(teacher_score)),
        context.project_dir / ROC_PLOT,
        f"{context.config.name}: signal efficiency vs trigger rate",
    )
    log.info(
        f"  student vs teacher on zero-bias: Pearson {distillation['pearson']:.3f}, "
        f"Spearman {distillation['spearman']:.3f}; largest AUC loss firmware vs teacher "
        f"{min(r['firmware_minus_teacher'] for r in auc.values()):+.3f}"
    )
    return {"distillation": distillation, "auc": auc, "roc_plot": context.relative(roc_plot)}


# ------------------------------------------------------------------------ synthesis
def flow_steps(config: BuildConfig) -> vendor.FlowSteps:
    return vendor.FlowSteps(cosim=config.hls.cosim, vsynth=config.hls.vivado_synthesis)


def _run_synthesis(context: BuildContext) -> dict:
    hls = context.config.hls
    summary = vendor.synthesize(context.project_dir, hls.backend, hls.synthesis, flow_steps(context.config))
    if summary["status"] != "done":
        log.info(f"  {summary['reason']}")
    return summary


def _synthesis_inputs(context: BuildContext) -> dict:
    config = context.config
    tool, _, _ = vendor.TOOLS[config.hls.backend]
    # the tool appearing on (or leaving) PATH changes what this stage can do
    return {
        "synthesis": config.hls.synthesis,
        "cosim": config.hls.cosim,
        "vivado_synthesis": config.hls.vivado_synthesis,
        "tool_found": shutil.which(tool) is not None,
    }


# ---------------------------------------------------------------------------- rates
def _run_rates(context: BuildContext) -> dict:
    from . import plots

    scores = read_scores(context.model_dir / SCORES_FILE)
    zero_bias = scores["zero_bias_test"]["firmware"]
    signals = {n: s["firmware"] for n, s in scores.items() if n != "zero_bias_test"}
    points = []
    for target in context.config.rates.target_rates_khz:
        point = rates.working_point(zero_bias, target, SCORE_LSB).as_dict()
        point["signal_efficiency"] = {n: rates.efficiency(s, point["threshold"]) for n, s in signals.items()}
        points.append(point)
    grid = np.unique(np.concatenate([zero_bias, [zero_bias.min() - SCORE_LSB]]))
    smallest = rates.smallest_measurable_rate_khz(len(zero_bias))
    rate_plot = plots.plot_rate_vs_threshold(
        grid,
        rates.rate_khz(zero_bias, grid),
        points,
        smallest,
        context.project_dir / RATE_PLOT,
        f"{context.config.name}: trigger rate vs firmware score threshold",
    )
    score_plot = plots.plot_score_distributions(
        {"zero-bias": zero_bias, **signals}, context.project_dir / SCORE_PLOT, f"{context.config.name}: firmware scores"
    )
    return {
        "score": "firmware-exact (HLS project C++, verified bit-exact against QKeras)",
        "zero_bias_rate_khz": rates.ZERO_BIAS_RATE_KHZ,
        "zero_bias_events": int(len(zero_bias)),
        "smallest_measurable_rate_khz": smallest,
        "working_points": points,
        "rate_plot": context.relative(rate_plot),
        "score_plot": context.relative(score_plot),
    }


def _rates_outputs(context: BuildContext) -> list[Path]:
    return [context.project_dir / RATE_PLOT, context.project_dir / SCORE_PLOT]


# --------------------------------------------------------------------------- report
def _run_report(context: BuildContext) -> dict:
    paths = report.write_report(context)
    return {name: context.relative(path) for name, path in paths.items()}


def _report_outputs(context: BuildContext) -> list[Path]:
    return [context.project_dir / report.REPORT_JSON, context.project_dir / report.REPORT_MD]


def _none(context: BuildContext) -> list[Path]:
    return []


# hls settings that do not change the generated project
_NOT_CONVERSION = ("csim_events", "synthesis", "cosim", "vivado_synthesis")

STAGES: list[Stage] = [
    Stage(
        "data",
        "generating datasets",
        (),
        ("data", "synthetic", "geometry", "datasets", "detector", "pythia"),
        _data_inputs,
        _data_outputs,
        _run_data,
    ),
    Stage(
        "teacher",
        "training the teacher autoencoder",
        ("data",),
        ("teacher", "architectures", "training"),
        lambda ctx: {"seed": ctx.config.seed, "teacher": ctx.config.teacher},
        lambda ctx: [ctx.model_dir / "teacher.h5"],
        _run_teacher,
    ),
    Stage(
        "student",
        "training the QKeras student on teacher scores",
        ("data", "teacher"),
        ("student", "architectures", "training", "score", "outliers"),
        lambda ctx: {"seed": ctx.config.seed, "student": ctx.config.student},
        lambda ctx: [ctx.model_dir / "student.h5"],
        _run_student,
    ),
    Stage(
        "convert",
        "converting the student with hls4ml",
        ("student",),
        ("firmware", "precision", "fixedpoint"),
        lambda ctx: {k: v for k, v in vars(ctx.config.hls).items() if k not in _NOT_CONVERSION},
        _convert_outputs,
        _run_convert,
    ),
    Stage(
        "verify",
        "C simulation of the firmware vs QKeras, bit by bit",
        ("data", "student", "convert"),
        ("csim", "emulator", "cpp", "templates"),
        lambda ctx: {"seed": ctx.config.seed, "csim_events": ctx.config.hls.csim_events},
        _verify_outputs,
        _run_verify,
    ),
    Stage(
        "scores",
        "scoring test events with teacher, QKeras and firmware",
        ("data", "teacher", "student", "verify"),
        ("emulator", "score", "templates"),
        lambda ctx: {},
        lambda ctx: [ctx.model_dir / SCORES_FILE],
        _run_scores,
    ),
    Stage(
        "quality",
        "distillation quality and signal AUCs",
        ("scores",),
        ("metrics", "plots"),
        lambda ctx: {},
        lambda ctx: [ctx.project_dir / ROC_PLOT],
        _run_quality,
    ),
    Stage(
        "synthesis",
        "vendor HLS synthesis",
        ("convert",),
        ("vendor", "hls_reports"),
        _synthesis_inputs,
        _none,
        _run_synthesis,
    ),
    Stage(
        "rates",
        "trigger rates from firmware scores",
        ("scores",),
        ("rates", "plots"),
        lambda ctx: {"rates": ctx.config.rates},
        _rates_outputs,
        _run_rates,
    ),
    Stage(
        "report",
        "writing report.json and report.md",
        ("data", "teacher", "student", "convert", "verify", "scores", "synthesis", "rates"),
        ("report",),
        lambda ctx: ctx.config,
        _report_outputs,
        _run_report,
    ),
]

STAGE_NAMES = tuple(stage.name for stage in STAGES)

IMPORT_STAGE = Stage(
    "import",
    "importing the QKeras model",
    (),
    ("student",),
    _import_inputs,
    lambda ctx: [ctx.model_dir / "student.h5"],
    _run_import,
)


def byo_stages() -> list[Stage]:
    """The stages for a model trained elsewhere: no teacher, no training, no distillation."""
    import dataclasses

    stages = []
    for stage in STAGES:
        if stage.name == "teacher" or stage.name == "quality":
            continue
        if stage.name == "student":
            stages.append(IMPORT_STAGE)
            continue
        upstream = tuple("import" if u == "student" else u for u in stage.upstream if u not in ("teacher", "quality"))
        stages.append(dataclasses.replace(stage, upstream=upstream))
    return stages


def recorded_model_file(context: BuildContext) -> Path | None:
    """The imported model of a build made by `cicada convert`, so that later commands on the
    same build (synth, vectors, build) keep using it instead of training a student."""
    from .fileio import read_json

    stamp = context.stamp_dir / "import.json"
    if not stamp.exists() or (context.stamp_dir / "student.json").exists():
        return None
    source = Path(read_json(stamp)["summary"]["source_file"])
    log.info(f"  '{context.config.name}' was built from an imported model: using {source}")
    return source


def build(
    config: BuildConfig,
    config_path: Path,
    force: bool = False,
    until: str | None = None,
    root: Path | None = None,
    model_file: Path | None = None,
):
    """Run the build for ``config``; returns the context (with every stage's summary).

    With ``model_file`` the student is that QKeras model (bring your own) instead of one
    trained here: the teacher, student and quality stages are replaced by an import.
    """
    context = BuildContext(
        config=config,
        config_path=Path(config_path),
        root=Path(root) if root else Path.cwd(),
        model_file=Path(model_file).resolve() if model_file else None,
    )
    if context.model_file is None:
        context.model_file = recorded_model_file(context)
    if context.model_file is not None:
        from .student import import_student

        import_student(context.model_file)  # a bad model file fails before any work is done
    stages = byo_stages() if context.model_file else STAGES
    outcomes = run_stages(stages, context, force=force, until=until)
    return context, outcomes


def write_test_vectors(config: BuildConfig, config_path: Path, events: int, output: Path | None = None) -> dict:
    """Build up to a verified project (reusing what is up to date), then write ``events``
    test vectors: test images chosen reproducibly and the firmware's outputs for them."""
    from .emulator import FirmwareEmulator
    from .fixedpoint import FixedType
    from .vectors import Vectors, write_vectors

    context, _ = build(config, config_path, until="verify")
    names = test_dataset_names(config.data)
    images = {name: _images(context, name) for name in names}
    selection = csim_selection({n: len(images[n]) for n in names}, events, config.seed, stream=11)
    chosen = np.concatenate([images[n][idx] for n, idx in selection.items()])
    outputs = FirmwareEmulator(context.project_dir).predict(chosen)
    output_type = FixedType.parse(context.summaries["convert"]["layers"][-1]["result"])
    input_bits = FixedType.parse(config.hls.input_precision).width
    directory = Path(output) if output else context.project_dir / "vectors"
    vectors = Vectors(chosen.reshape(len(chosen), -1), outputs, output_type, input_bits)
    log.info(f"  {len(chosen):,} test vectors ({', '.join(f'{n}: {len(i):,}' for n, i in selection.items())})")
    return write_vectors(directory, vectors)
