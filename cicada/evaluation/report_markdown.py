"""``report.md``: the assembled report (the content of ``report.json``) rendered for people, section
by section. Every figure comes from the report's data; a figure that could not be obtained is
shown with the reason the report gives for it.
"""

from __future__ import annotations

import os

from . import rates_section
from .build_view import BuildView
from .markdown import table


def _link(context: BuildView, path: str) -> str:
    """A path relative to the project directory, where report.md lives."""
    return os.path.relpath(context.root / path, context.project_dir)


def _model_section(r: dict, context: BuildView) -> list[str]:
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


def _auc(value: float, interval: list[float] | None, signed: bool = False) -> str:
    """An AUC with its bootstrap interval when the report has one."""
    text = f"{value:+.3f}" if signed else f"{value:.3f}"
    if not interval:
        return text
    low, high = interval
    return text + (f" [{low:+.3f}, {high:+.3f}]" if signed else f" [{low:.3f}, {high:.3f}]")


def _quality_section(r: dict, context: BuildView) -> list[str]:
    if not r["distillation"]:
        return []
    d = r["distillation"]
    intervals = r.get("auc_interval") or {}
    method = r.get("auc_interval_method")
    out = [
        "## Distillation quality",
        "",
        f"Firmware student vs teacher score (32 ln MSE, quantized) on {d['events']:,} zero-bias test events: "
        f"Pearson {d['pearson']:.3f}, Spearman {d['spearman']:.3f}, mean absolute difference {d['mean_absolute_error']:.2f}.",
        "",
        "ROC AUC against zero-bias (the unweighted test events) for each signal: the teacher's MSE, the student "
        "without quantization (float), the firmware-exact student, and total region ET as a baseline"
        + (f"; in brackets the interval of a {method}." if method else "."),
        "Efficiency against trigger rate, on the weighted rate sample of the working points, is in Trigger rates.",
        "",
    ]
    out += table(
        ["signal", "teacher", "student (float)", "firmware", "firmware - teacher", "total ET"],
        [
            [
                name,
                _auc(a["teacher"], intervals.get(name, {}).get("teacher")),
                _auc(a["student_float"], intervals.get(name, {}).get("student_float")),
                _auc(a["firmware"], intervals.get(name, {}).get("firmware")),
                _auc(a["firmware_minus_teacher"], intervals.get(name, {}).get("firmware_minus_teacher"), signed=True),
                _auc(a["total_et"], intervals.get(name, {}).get("total_et")),
            ]
            for name, a in r["auc"].items()
        ],
    )
    return out


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


def _rates_section(r: dict, context: BuildView) -> list[str]:
    return rates_section.section(r["rates"], lambda path: _link(context, path))


def markdown(r: dict, context: BuildView) -> str:
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
