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
from ..pipeline.stamps import stage_times
from . import rates_section
from .documents import write_documents
from .markdown import table

if TYPE_CHECKING:
    from ..pipeline.context import BuildContext


def _plain(result: Any) -> Any:
    """A stage result (a dataclass) as the plain data report.json holds."""
    return dataclasses.asdict(result) if dataclasses.is_dataclass(result) else result


def firmware_figures(backends: dict, convert=None) -> dict:
    """Latency, resources and estimates of every synthesis backend (and da4ml's estimate of an HLS
    project built with distributed arithmetic: hls4ml 1.3.0's provider of that strategy is da4ml 0.5,
    not alkaid), each figure with its source; a backend that did not run says why."""
    latency, resources, estimates = {}, {}, {}
    costs = getattr(convert, "distributed_arithmetic_cost", None)
    if costs:
        import importlib.metadata

        from ..synthesis.labels import source

        estimates["hls"] = {
            "LUT": sum(costs.values()),
            "DSP": 0,
            "per_layer": costs,
            "source": source(
                "estimate",
                f"da4ml {importlib.metadata.version('da4ml')}",
                "cost model of the HLS project's distributed-arithmetic kernels in LUT equivalents; activations, "
                "other layers and registers not included",
            ),
        }
    for name, result in backends.items():
        details = result.details
        if result.status != "done":
            latency[name] = resources[name] = {"available": False, "reason": result.reason}
            continue
        if "latency" in details:
            latency[name] = {"available": True, **details["latency"]}
        elif "latency_reason" in details:  # e.g. only Vivado's utilisation, no C-synthesis report
            latency[name] = {"available": False, "reason": details["latency_reason"]}
        if "resources" in details:
            resources[name] = {"available": True, **details["resources"]}
        if "estimate" in details:
            estimates[name] = details["estimate"]
    rtl = backends.get("rtl")
    rtl_details = rtl.details if rtl is not None and rtl.status == "done" else {}
    vendor = backends.get("vendor")
    vendor_details = vendor.details if vendor is not None and vendor.status == "done" else {}
    return {
        "latency": latency,
        "resources": resources,
        "estimates": estimates,
        "logic_depth": rtl_details.get("logic_depth"),
        "tradeoff": rtl_details.get("tradeoff"),
        "rtl_bit_accuracy": rtl_details.get("bit_exact"),
        "co_simulation": vendor_details.get("cosim"),
        "vivado": vendor_details.get("vivado"),
        "vendor_reports": vendor_details.get("reports"),
    }


def assemble(context: "BuildContext") -> dict:
    """The report as a dict (the content of report.json)."""
    s = {name: _plain(result) for name, result in context.results.items()}
    config = context.config
    student = s.get("student") or s["import"]
    synthesis = context.results["synthesis"].backends
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
            "output_lsb": context.results["convert"].output_type().lsb,
            "csim_vs_qkeras": verify["csim_vs_qkeras"],
            "csim_events_per_dataset": verify["events_per_dataset"],
            "emulator_vs_csim": verify["emulator_vs_csim"],
            "firmware_vs_qkeras_all_test_events": s["scores"]["firmware_vs_qkeras"],
            "firmware_engine": s["scores"].get("firmware_engine", ""),
            "integer_model_vs_emulator": s["scores"].get("integer_vs_emulator", {}),
        },
        "distillation": quality["distillation"] if quality else None,
        "auc": quality["auc"] if quality else None,
        "roc_plot": quality["roc_plot"] if quality else None,
        **firmware_figures(synthesis, context.results.get("convert")),
        "synthesis": {name: _plain(result) for name, result in synthesis.items()},
        "rates": s["rates"],
        "stage_seconds": stage_times(context.model_dir, list(context.results)),
    }


def write_report(context: "BuildContext") -> dict[str, Path]:
    data = assemble(context)
    return write_documents(context.project_dir, data, markdown(data, context))


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
    out += table(
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
    out += table(
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
    out += table(
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
        *_scoring_engine_line(ba),
    ]


def _scoring_engine_line(ba: dict) -> list[str]:
    checks = ba.get("integer_model_vs_emulator") or {}
    if not checks:
        engine = ba.get("firmware_engine")
        return [f"Firmware scores computed by the {engine}."] if engine else []
    checked = sum(c["events"] for c in checks.values())
    return [
        f"Firmware scores computed by the {ba['firmware_engine']}: bit-exact with the emulator library on all "
        f"{checked:,} test events."
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
    out += table(
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
    """Latency and resources side by side, one row per source, every row labelled."""
    out = ["## Latency and resources", ""]
    for name, figures in r["latency"].items():
        if not figures.get("available"):
            out += [f"- {name}: not available: {figures['reason']}"]
    rows = []
    for name, lat in r["latency"].items():
        if not lat.get("available"):
            continue
        crossing = {True: "yes", False: "**NO: VIOLATION**", None: "undefined"}[lat["one_event_per_crossing"]]
        rows.append(
            [
                name,
                _figure(lat["cycles"], ".0f"),
                _figure(lat["ns"], ".1f"),
                _figure(lat["bx"], ".2f"),
                f"{lat['clock_ns']:g}",
                _figure(lat["interval_cycles"], ".0f"),
                crossing,
                lat["source"],
            ]
        )
    if rows:
        out += ["", "Latency (one event in, its score out):", ""]
        out += table(
            ["from", "cycles", "ns", "bunch crossings", "clock (ns)", "II (cycles)", "one event per 25 ns", "source"],
            rows,
        )
        for name, lat in r["latency"].items():
            if not lat.get("available"):
                continue
            for key in ("cycles", "interval_cycles"):
                if lat.get(key) is None and lat.get(f"{key}_reason"):
                    out += [
                        "",
                        f"{name}: {'latency' if key == 'cycles' else 'initiation interval'} undefined: "
                        f"{lat[f'{key}_reason']}.",
                    ]
            if lat.get("timing_violation"):
                out += ["", _violation_text(name, lat)]
    out += _vendor_reports_text(r.get("vendor_reports"))
    kinds = ("LUT", "FF", "CARRY", "DSP", "BRAM", "BRAM_18K", "URAM")
    rows = []
    for name, res in r["resources"].items():
        if res.get("available"):
            rows.append([name, *[_fmt_count(res.get(k)) for k in kinds], res["source"]])
    for name, est in r.get("estimates", {}).items():
        rows.append([f"{name} (estimate)", *[_fmt_count(est.get(k)) for k in kinds], est["source"]])
    if rows:
        out += ["", "Resources:", ""] + table(["from", *kinds, "source"], rows)
    depth = r.get("logic_depth")
    if depth:
        out += [
            "",
            f"Logic depth (RTL): the slowest register-to-register path has {depth['lut_levels']} LUT levels and "
            f"{depth['carry4']} CARRY4 cells (at most {depth['max_lut_levels']} LUT levels on any path), "
            f"{depth['cell_delay_ns']:.2f} ns of cell delay against the {depth['clock_ns']:g} ns clock: "
            f"{depth['margin_for_routing_ns']:.2f} ns left for routing. Source: {depth['source']}. "
            "Timing closure needs vendor place and route.",
        ]
    tradeoff = r.get("tradeoff")
    if tradeoff:
        out += [
            "",
            "Trade-off: the same logic pipelined with more or fewer adder levels per stage. LUT and FF by Yosys where "
            "the setting was synthesized; the RTL's own counts (alkaid's LUT cost model, the flip-flops it declares) "
            "for every setting:",
            "",
        ]
        out += table(
            [
                "adders per stage",
                "stages",
                "cycles",
                "ns",
                "BX",
                "LUT (Yosys)",
                "FF (Yosys)",
                "cell delay (ns)",
                "LUT (estimate)",
                "FF (RTL registers)",
                "latency from",
            ],
            [
                [
                    row["adders_per_stage"],
                    row["stages"],
                    row["cycles"],
                    f"{row['ns']:.1f}",
                    f"{row['bx']:.2f}",
                    _fmt_count(row["LUT"]),
                    _fmt_count(row["FF"]),
                    f"{row['cell_delay_ns']:.2f}" if row.get("cell_delay_ns") else "",
                    _fmt_count(row["LUT_estimate"]),
                    _fmt_count(row["FF_registers"]),
                    row["latency_source"].split(" (")[0],
                ]
                for row in sorted(tradeoff, key=lambda x: x["adders_per_stage"])
            ],
        )
        sources = {row["synthesis_source"] for row in tradeoff if row["synthesis_source"]} | {
            tradeoff[0]["estimate_source"]
        }
        out += ["", "Sources: " + "; ".join(sorted(sources)) + "."]
    bits = r.get("rtl_bit_accuracy")
    if bits:
        q, c = bits["vs_qkeras"], bits["vs_csim"]
        out += [
            "",
            f"RTL bit accuracy: {bits['events']:,} test images, {q['mismatches']} differ from QKeras, "
            f"{c['mismatches']} from the C simulation ({bits['source']}).",
        ]
    vendor = r.get("resources", {}).get("vendor", {})
    if vendor.get("available") and vendor.get("part_resources"):
        out += ["", f"Vendor HLS estimate against part {vendor['part']}:", ""] + table(
            ["resource", "used", "available", "%"],
            [
                [
                    k,
                    vendor[k],
                    vendor["part_resources"].get(k, ""),
                    _figure(vendor["utilisation_percent"].get(k), ".2f", ""),
                ]
                for k in kinds
                if k in vendor
            ],
        )
    vivado = r.get("vivado")
    if vivado:
        out += ["", f"Vivado post-synthesis utilisation ({vivado['device']}; {vivado['label']}):", ""] + table(
            ["resource", "used", "available", "%"],
            [
                [k, v["used"], "" if v["available"] is None else v["available"], _figure(v["percent"], ".2f", "")]
                for k, v in vivado["resources"].items()
            ],
        )
    cosim = r.get("co_simulation")
    if cosim:
        out += ["", f"RTL co-simulation: **{cosim['verdict']}** ({cosim['label']})."]
    return out


def _figure(value, spec: str, missing: str = "undefined") -> str:
    return missing if value is None else format(value, spec)


def _violation_text(name: str, lat: dict) -> str:
    """A timing violation and the latency at the estimated clock beside the one at the target."""
    estimated = lat.get("estimated_clock_ns")
    if estimated is None:  # Vitis's synthesis summary gives the slack only
        return (
            f"**TIMING VIOLATION ({name})**: negative slack at the target clock of {lat['clock_ns']:g} ns; the "
            f"latency at the real clock is not known ({lat.get('ns_at_estimated_clock_reason', 'no estimated clock')})."
        )
    text = (
        f"**TIMING VIOLATION ({name})**: the estimated clock period {estimated:g} ns exceeds the target "
        f"{lat['clock_ns']:g} ns. Latency at the estimated clock: {_figure(lat.get('ns_at_estimated_clock'), '.1f')} ns"
        f" = {_figure(lat.get('bx_at_estimated_clock'), '.2f')} BX (at the target clock: {_figure(lat.get('ns'), '.1f')}"
        f" ns = {_figure(lat.get('bx'), '.2f')} BX)"
    )
    interval = lat.get("interval_ns_at_estimated_clock")
    if interval is not None:
        fits = "fits" if lat.get("one_event_per_crossing_at_estimated_clock") else "exceeds"
        text += f"; initiation interval {interval:.1f} ns, which {fits} one event per 25 ns"
    return text + "."


def _vendor_reports_text(reports: dict | None) -> list[str]:
    """Which vendor reports were read: the top, where it was found, the files, the choices made."""
    if not reports:
        return []
    files = [
        f"{what} `{reports[key]}`"
        for what, key in (
            ("C synthesis", "csynth_report"),
            ("co-simulation", "cosim_report"),
            ("Vivado", "vivado_report"),
        )
        if reports.get(key)
    ]
    text = (
        f"Vendor reports read: top `{reports['top']}` (from {reports['top_found_in']}); "
        + ("; ".join(files) or "none")
        + "."
    )
    return ["", text] + [f"- {note}" for note in reports.get("notes", [])]


def _fmt_count(value) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)


def _rates_section(r: dict, context: "BuildContext") -> list[str]:
    return rates_section.section(r["rates"], lambda path: _link(context, path))


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
        + table(
            ["stage", "seconds", "finished"], [[k, v["seconds"], v["finished"]] for k, v in r["stage_seconds"].items()]
        ),
    ):
        if section:
            out += [""] + section
    return "\n".join(out) + "\n"
