"""The build report: ``report.json`` for machines and ``report.md`` for people.

Both are assembled from the stage summaries; every figure in them was measured by a
stage of this build. Where a figure could not be obtained (no vendor tool), the report
says so and why instead of giving a number. A model brought from elsewhere has no
teacher, so its report has no training or distillation sections.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..models.score import SCORE_LSB
from ..pipeline.stamps import stage_times
from .documents import write_documents
from .rates import ZERO_BIAS_RATE_KHZ

if TYPE_CHECKING:
    from ..pipeline.context import BuildContext



def _plain(result: Any) -> Any:
    """A stage result (a dataclass) as the plain data report.json holds."""
    return dataclasses.asdict(result) if dataclasses.is_dataclass(result) else result


def _latency_and_resources(vendor) -> tuple[dict, dict]:
    """The vendor backend's latency and resource figures, or why there are none."""
    if vendor.status != "done":
        absent = {"available": False, "reason": vendor.reason}
        return absent, dict(absent)
    details = vendor.details
    prefixes = ("latency_", "interval", "target_clock", "estimated_clock", "one_event")
    latency = {k: v for k, v in details.items() if k.startswith(prefixes)}
    latency.update(available=True, source=details["source"])
    resources = {k: details[k] for k in ("resources", "part_resources", "utilisation_percent", "part", "source")}
    resources.update(available=True, vivado=details.get("vivado"))
    return latency, resources


def assemble(context: "BuildContext") -> dict:
    """The report as a dict (the content of report.json)."""
    s = {name: _plain(result) for name, result in context.results.items()}
    config = context.config
    student = s.get("student") or s["import"]
    synthesis = context.results["synthesis"].backends
    latency, resources = _latency_and_resources(synthesis["vendor"])
    verify = s["verify"]
    quality = s.get("quality")
    return {
        "cicada_version": __version__,
        "name": config.name,
        "config_file": str(context.config_path),
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seed": config.seed,
        "data": s["data"],
        "teacher": s.get("teacher"),
        "student": student,
        "parameter_count": student["parameters"],
        "hls": {
            "project_dir": s["convert"]["project_dir"],
            "backend": config.hls.backend,
            "io_type": config.hls.io_type,
            "part": config.hls.part,
            "clock_period_ns": config.hls.clock_period_ns,
            "strategy": config.hls.strategy,
            "reuse_factor": config.hls.reuse_factor,
            "layers": s["convert"]["layers"],
        },
        "precision_proof": s["convert"]["precision_proof"],
        "bit_accuracy": {
            "output_lsb": SCORE_LSB,
            "csim_vs_qkeras": verify["csim_vs_qkeras"],
            "csim_events_per_dataset": verify["events_per_dataset"],
            "emulator_vs_csim": verify["emulator_vs_csim"],
            "firmware_vs_qkeras_all_test_events": s["scores"]["firmware_vs_qkeras"],
        },
        "distillation": quality["distillation"] if quality else None,
        "auc": quality["auc"] if quality else None,
        "roc_plot": quality["roc_plot"] if quality else None,
        "latency": latency,
        "resources": resources,
        "co_simulation": synthesis["vendor"].details.get("cosim"),
        "synthesis": {name: _plain(result) for name, result in synthesis.items()},
        "rates": s["rates"],
        "stage_seconds": stage_times(context.model_dir, list(context.results)),
    }


def write_report(context: "BuildContext") -> dict[str, Path]:
    data = assemble(context)
    return write_documents(context.project_dir, data, markdown(data, context))


def _fmt(value, digits: int = 4) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return lines


def _link(context: "BuildContext", path: str) -> str:
    """A path relative to the project directory, where report.md lives."""
    return os.path.relpath(context.root / path, context.project_dir)


def _model_section(r: dict, context: "BuildContext") -> list[str]:
    student, teacher = r["student"], r["teacher"]
    teacher_note = f" (teacher {teacher['architecture']}: {teacher['parameters']:,})" if teacher else ""
    out = [
        "## Model",
        "",
        f"Student **{student['architecture']}**: **{r['parameter_count']:,} parameters**{teacher_note}.",
        "",
    ]
    out += _table(
        ["layer", "type", "output", "params", "quantizer / activation"],
        [
            [
                layer["name"],
                layer["class"],
                "x".join(str(d) for d in layer["output_shape"]),
                layer["parameters"],
                ", ".join(f"{k}: {layer[k]}" for k in ("kernel", "bias", "activation") if k in layer),
            ]
            for layer in student["layers"]
        ],
    )
    if teacher:
        tt, st = teacher["training"], student["training"]
        out += [
            "",
            f"Teacher: {tt['epochs_run']} epochs, best validation MSE {tt['best_val_loss']:.4g} (epoch "
            f"{tt['best_epoch']}), {tt['images_per_second']:.0f} images/s; "
            f"[loss curve]({_link(context, teacher['loss_plot'])}).",
            f"Student: {st['epochs_run']} epochs, best validation {student['loss'].upper()} {st['best_val_loss']:.4g} "
            f"(epoch {st['best_epoch']}), {st['images_per_second']:.0f} images/s; "
            f"[loss curve]({_link(context, student['loss_plot'])}).",
        ]
    else:
        out += ["", f"Imported from `{student['source_file']}` (sha256 {student['source_sha256'][:12]}...)."]
    return out


def _firmware_section(r: dict) -> list[str]:
    hls = r["hls"]
    out = [
        "## Firmware",
        "",
        f"hls4ml project `{hls['project_dir']}`: backend {hls['backend']}, {hls['io_type']}, part {hls['part']}, "
        f"clock {hls['clock_period_ns']} ns, strategy {hls['strategy']}, reuse factor {hls['reuse_factor']}.",
        "",
    ]
    out += _table(
        ["layer", "class", "accumulator", "result", "weights", "strategy", "reuse", "parallelization"],
        [
            [
                layer["name"],
                layer["class"],
                layer.get("accum", ""),
                layer.get("result", ""),
                layer.get("weight", ""),
                layer.get("strategy", ""),
                layer.get("reuse_factor", ""),
                layer.get("parallelization_factor", ""),
            ]
            for layer in hls["layers"]
        ],
    )
    proof = r["precision_proof"]
    out += ["", "### Precision proof", ""]
    if proof["proven"]:
        out.append(
            "Every accumulator and result type holds every value it can receive for any input 0..1023 "
            "(interval analysis over the quantized weights), so no overflow or truncation can occur."
        )
    else:
        problems = proof["failures"] + [f"not analysed: {u}" for u in proof["unanalysed_layers"]]
        out.append("**Not fully proven.** " + "; ".join(problems))
    out += [""]
    out += _table(
        ["layer", "type", "holds", "value range", "needed frac. bits", "narrowest exact"],
        [
            [
                c["layer"] + "." + c["role"],
                c["type"],
                "yes" if c["ok"] else "NO",
                f"[{c['low']:g}, {c['high']:g}]",
                c["fractional"],
                c["narrowest"],
            ]
            for c in proof["checks"]
        ],
    )
    return out


def _bit_accuracy_section(r: dict) -> list[str]:
    ba = r["bit_accuracy"]
    cs = ba["csim_vs_qkeras"]
    per_dataset = ", ".join(f"{n}: {k:,}" for n, k in ba["csim_events_per_dataset"].items())
    verdict = (
        "**bit-exact**."
        if cs["bit_exact"]
        else f"**{cs['mismatches']} differ**, largest {cs['max_difference_lsb']} LSB."
    )
    everything = ba["firmware_vs_qkeras_all_test_events"]
    total = sum(a["events"] for a in everything.values())
    bad = sum(a["mismatches"] for a in everything.values())
    return [
        "## Bit accuracy",
        "",
        f"C simulation (the project's testbench built with g++) vs QKeras on {cs['events']:,} test images "
        f"({per_dataset}): {verdict}",
        f"Firmware emulator (the same C++ as a batch library; agrees with the testbench on all "
        f"{ba['emulator_vs_csim']['events']:,} images) vs QKeras on all {total:,} test events: {bad} differ.",
    ]


def _quality_section(r: dict, context: "BuildContext") -> list[str]:
    if not r["distillation"]:
        return []
    d = r["distillation"]
    out = [
        "## Distillation quality",
        "",
        f"Firmware student vs teacher score (32 ln MSE, quantized) on {d['events']:,} zero-bias test events: "
        f"Pearson {d['pearson']:.3f}, Spearman {d['spearman']:.3f}, mean absolute difference {d['mean_absolute_error']:.2f}.",
        "",
        "ROC AUC against zero-bias for each signal: the teacher's MSE, the student without quantization (float), "
        "the firmware-exact student, and total region ET as a baseline.",
        "",
    ]
    out += _table(
        ["signal", "teacher", "student (float)", "firmware", "firmware - teacher", "total ET"],
        [
            [
                name,
                f"{a['teacher']:.3f}",
                f"{a['student_float']:.3f}",
                f"{a['firmware']:.3f}",
                f"{a['firmware_minus_teacher']:+.3f}",
                f"{a['total_et']:.3f}",
            ]
            for name, a in r["auc"].items()
        ],
    )
    return out + ["", f"![efficiency vs rate]({_link(context, r['roc_plot'])})"]


def _latency_section(r: dict) -> list[str]:
    out = ["## Latency and resources", ""]
    lat = r["latency"]
    if not lat["available"]:
        return out + [f"Not available: {lat['reason']}"]
    crossing = (
        "one event per 25 ns crossing."
        if lat["one_event_per_crossing"]
        else "**VIOLATION: the initiation interval exceeds one 25 ns bunch crossing.**"
    )
    out.append(
        f"From `{lat['source']}`: latency {lat['latency_worst_cycles']:.0f} cycles (best {lat['latency_best_cycles']:.0f})"
        f" = {lat['latency_worst_ns']:.1f} ns = {lat['latency_worst_bx']:.2f} bunch crossings at {lat['target_clock_ns']} ns"
        f" (estimated clock {lat['estimated_clock_ns']} ns); initiation interval {lat['interval_cycles']:.0f} cycles = "
        f"{lat['interval_ns']:.1f} ns: {crossing}"
    )
    res = r["resources"]
    out += ["", "HLS estimate:", ""] + _table(
        ["resource", "used", "available", "%"],
        [
            [k, v, res["part_resources"].get(k, ""), f"{res['utilisation_percent'].get(k, float('nan')):.2f}"]
            for k, v in res["resources"].items()
        ],
    )
    if res.get("vivado"):
        vivado = res["vivado"]
        out += ["", f"Vivado post-synthesis utilisation ({vivado['device']}):", ""] + _table(
            ["resource", "used", "available", "%"],
            [[k, v["used"], v["available"], v["percent"]] for k, v in vivado["resources"].items()],
        )
    cosim = r.get("co_simulation")
    if cosim:
        out += ["", f"RTL co-simulation: **{cosim['verdict']}** (`{cosim['source']}`)."]
    return out


def _rates_section(r: dict, context: "BuildContext") -> list[str]:
    rt = r["rates"]
    out = [
        "## Trigger rates",
        "",
        f"Rate = fraction of zero-bias events with firmware score above threshold x {ZERO_BIAS_RATE_KHZ / 1000:.2f} MHz, "
        f"from {rt['zero_bias_events']:,} zero-bias test events: one event = {rt['smallest_measurable_rate_khz']:.3g} kHz. "
        "Thresholds resting on fewer than 10 zero-bias events are marked statistics-limited.",
        "",
        f"![rate vs threshold]({_link(context, rt['rate_plot'])})",
        "",
    ]
    signals = list(rt["working_points"][0]["signal_efficiency"]) if rt["working_points"] else []
    out += _table(
        ["target (kHz)", "threshold", "rate (kHz)", "zero-bias passing", *[f"eff. {s}" for s in signals], "note"],
        [
            [
                wp["target_khz"],
                wp["threshold"],
                f"{wp['rate_khz']:.3g} ± {wp['rate_uncertainty_khz']:.2g}",
                wp["zero_bias_passing"],
                *[f"{wp['signal_efficiency'][s]:.3f}" for s in signals],
                "statistics-limited" if wp["statistics_limited"] else "",
            ]
            for wp in rt["working_points"]
        ],
    )
    return out + ["", f"![score distributions]({_link(context, rt['score_plot'])})"]


def markdown(r: dict, context: "BuildContext") -> str:
    out: list[str] = [
        f"# cicada build report: {r['name']}",
        "",
        f"Config `{r['config_file']}`, seed {r['seed']}, cicada {r['cicada_version']}, generated {r['generated']}.",
    ]
    for section in (
        _model_section(r, context),
        _firmware_section(r),
        _bit_accuracy_section(r),
        _quality_section(r, context),
        _latency_section(r),
        _rates_section(r, context),
        ["## Stage times", ""]
        + _table(
            ["stage", "seconds", "finished"], [[k, v["seconds"], v["finished"]] for k, v in r["stage_seconds"].items()]
        ),
    ):
        if section:
            out += [""] + section
    return "\n".join(out) + "\n"
