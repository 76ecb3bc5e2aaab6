"""The build report: ``report.json`` for machines and ``report.md`` for people.

Both are assembled from the stage summaries; every figure in them was measured by a
stage of this build. Where a figure could not be obtained (no vendor tool), the report
says so and why instead of giving a number.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import __version__
from .fileio import read_json, write_json, write_text
from .pipeline import BuildContext
from .rates import ZERO_BIAS_RATE_KHZ
from .score import SCORE_LSB

REPORT_JSON = "report.json"
REPORT_MD = "report.md"


def _stage_times(context: BuildContext) -> dict:
    """Seconds each earlier stage took when it last ran (from the stamps), in build order."""
    times = {}
    for name in context.summaries:
        stamp_file = context.stamp_dir / f"{name}.json"
        if stamp_file.exists():
            stamp = read_json(stamp_file)
            times[name] = {"seconds": round(stamp["seconds"], 2), "finished": stamp["finished"]}
    return times


def assemble(context: BuildContext) -> dict:
    """The report as a dict (the content of report.json)."""
    s = context.summaries
    config = context.config
    synthesis = s["synthesis"]
    if synthesis["status"] == "done":
        latency = {
            k: synthesis[k]
            for k in synthesis
            if k.startswith(("latency_", "interval", "target_clock", "estimated_clock", "one_event"))
        }
        resources = {k: synthesis[k] for k in ("resources", "part_resources", "utilisation_percent", "part", "source")}
        latency["available"] = resources["available"] = True
        latency["source"] = synthesis["source"]
    else:
        latency = {"available": False, "reason": synthesis["reason"]}
        resources = {"available": False, "reason": synthesis["reason"]}
    verify = s["verify"]
    return {
        "cicada_version": __version__,
        "name": config.name,
        "config_file": str(context.config_path),
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seed": config.seed,
        "data": s["data"],
        "teacher": s["teacher"],
        "student": {k: v for k, v in s["student"].items()},
        "parameter_count": s["student"]["parameters"],
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
        "distillation": s["quality"]["distillation"],
        "auc": s["quality"]["auc"],
        "roc_plot": s["quality"]["roc_plot"],
        "latency": latency,
        "resources": resources,
        "synthesis": synthesis,
        "rates": s["rates"],
        "stage_seconds": _stage_times(context),
    }


def write_report(context: BuildContext) -> dict[str, Path]:
    data = assemble(context)
    json_path = write_json(context.project_dir / REPORT_JSON, data)
    md_path = write_text(context.project_dir / REPORT_MD, markdown(data, context))
    return {"json": json_path, "markdown": md_path}


def _fmt(value, digits: int = 4) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return lines


def _link(context: BuildContext, path: str) -> str:
    """A path relative to the project directory, where report.md lives."""
    import os

    return os.path.relpath(context.root / path, context.project_dir)


def markdown(r: dict, context: BuildContext) -> str:
    out: list[str] = [f"# cicada build report: {r['name']}", ""]
    out += [
        f"Config `{r['config_file']}`, seed {r['seed']}, cicada {r['cicada_version']}, generated {r['generated']}.",
        "",
        "## Model",
        "",
        f"Student **{r['student']['architecture']}**: **{r['parameter_count']:,} parameters** "
        f"(teacher {r['teacher']['architecture']}: {r['teacher']['parameters']:,}).",
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
            for layer in r["student"]["layers"]
        ],
    )
    st, tt = r["student"]["training"], r["teacher"]["training"]
    out += [
        "",
        f"Teacher: {tt['epochs_run']} epochs, best validation MSE {tt['best_val_loss']:.4g} (epoch {tt['best_epoch']}), "
        f"{tt['images_per_second']:.0f} images/s; loss curve [teacher_loss.png]({_link(context, r['teacher']['loss_plot'])}).",
        f"Student: {st['epochs_run']} epochs, best validation {r['student']['loss'].upper()} {st['best_val_loss']:.4g} "
        f"(epoch {st['best_epoch']}); loss curve [student_loss.png]({_link(context, r['student']['loss_plot'])}).",
        "",
        "## Firmware",
        "",
        f"hls4ml project `{r['hls']['project_dir']}`: backend {r['hls']['backend']}, {r['hls']['io_type']}, "
        f"part {r['hls']['part']}, clock {r['hls']['clock_period_ns']} ns, strategy {r['hls']['strategy']}, "
        f"reuse factor {r['hls']['reuse_factor']}.",
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
            for layer in r["hls"]["layers"]
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
        out.append(
            "**Not fully proven.** "
            + "; ".join(proof["failures"] + [f"not analysed: {u}" for u in proof["unanalysed_layers"]])
        )
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
    ba = r["bit_accuracy"]
    cs = ba["csim_vs_qkeras"]
    out += ["", "## Bit accuracy", ""]
    out.append(
        f"C simulation (project testbench built with g++) vs QKeras on {cs['events']:,} test images "
        f"({', '.join(f'{n}: {k:,}' for n, k in ba['csim_events_per_dataset'].items())}): "
        + (
            "**bit-exact**."
            if cs["bit_exact"]
            else f"**{cs['mismatches']} differ**, largest {cs['max_difference_lsb']} LSB."
        )
    )
    total = sum(a["events"] for a in ba["firmware_vs_qkeras_all_test_events"].values())
    bad = sum(a["mismatches"] for a in ba["firmware_vs_qkeras_all_test_events"].values())
    out.append(
        f"Firmware emulator (same C++, batch library; agrees with the testbench on all {ba['emulator_vs_csim']['events']:,} "
        f"images) vs QKeras on all {total:,} test events: {bad} differ."
    )
    d = r["distillation"]
    out += [
        "",
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
    out += ["", f"![efficiency vs rate]({_link(context, r['roc_plot'])})"]
    out += ["", "## Latency and resources", ""]
    lat = r["latency"]
    if lat["available"]:
        out.append(
            f"From `{lat['source']}`: latency {lat['latency_worst_cycles']:.0f} cycles = {lat['latency_worst_ns']:.1f} ns = "
            f"{lat['latency_worst_bx']:.2f} bunch crossings at {lat['target_clock_ns']} ns (estimated clock "
            f"{lat['estimated_clock_ns']} ns); initiation interval {lat['interval_cycles']:.0f} cycles = "
            f"{lat['interval_ns']:.1f} ns: "
            + (
                "one event per crossing."
                if lat["one_event_per_crossing"]
                else "**too slow for one event per 25 ns crossing**."
            )
        )
        res = r["resources"]
        out += [""] + _table(
            ["resource", "used", "available", "%"],
            [
                [k, v, res["part_resources"].get(k, ""), f"{res['utilisation_percent'].get(k, float('nan')):.2f}"]
                for k, v in res["resources"].items()
            ],
        )
    else:
        out.append(f"Not available: {lat['reason']}")
    rt = r["rates"]
    out += [
        "",
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
    out += ["", f"![score distributions]({_link(context, rt['score_plot'])})", "", "## Stage times", ""]
    out += _table(
        ["stage", "seconds", "finished"], [[k, v["seconds"], v["finished"]] for k, v in r["stage_seconds"].items()]
    )
    return "\n".join(out) + "\n"
