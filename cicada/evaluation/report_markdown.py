"""``report.md``: the assembled report (the content of ``report.json``) rendered for people, section
by section. Every figure comes from the report's data; a figure that could not be obtained is
shown with the reason the report gives for it.
"""

from __future__ import annotations

import os

from ..core.markdown import count, figure, table
from ..core.synthesis_figures import REPORTED_RESOURCES, Estimate, Latency, Resources
from ..synthesis import BACKENDS
from ..synthesis.sections import section_of
from . import comparison, float_report, rates_section
from .build_view import BuildView


def _link(context: BuildView, path: str) -> str:
    """A path relative to the project directory, where report.md lives."""
    return os.path.relpath(context.root / path, context.project_dir)


def _input_note(student: dict) -> str:
    """The student's input when it is not region ET (``student.input``)."""
    name = student.get("input", "et")
    return "" if name == "et" else f" on input `{name}`"


def _model_section(r: dict, context: BuildView) -> list[str]:
    student, teacher = r["student"], r["teacher"]
    teacher_note = f" (teacher {teacher['architecture']}: {teacher['parameters']:,})" if teacher else ""
    out = [
        "## Model",
        "",
        f"Student **{student['architecture']}**{_input_note(student)}: **{r['parameter_count']:,} parameters**"
        f"{teacher_note}.",
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
    if teacher and "et_shift" in student:  # student.firmware: teacher_encoder
        out += [
            "",
            f"The teacher's encoder as the firmware: its ET channel divided by 2^{student['et_shift']} before the layer "
            f"normalisation (calibrated), score {student['score']}; the score's rank correlation with the unscaled "
            f"float encoder's: {student['spearman_vs_unscaled']:.6f}.",
        ]
    elif teacher:
        tt, st = teacher["training"], student["training"]
        out += [
            "",
            f"Teacher: {tt['epochs_run']} epochs, best validation loss {tt['best_val_loss']:.4g} (epoch "
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
    if r.get("float_types"):
        return out + float_report.types_section(r["float_types"])
    proof = r["precision_proof"]
    out += ["", "### Precision proof", ""]
    if proof["proven"]:
        inputs = [check for check in proof["checks"] if check["role"] == "input"]
        span = f"{inputs[0]['low']:g}..{inputs[0]['high']:g}" if inputs else "0..1023"
        out.append(
            f"Every accumulator and result type holds every value it can receive for any input {span} "
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
    if r.get("float_types"):
        return float_report.accuracy_section(r)
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
        f"Firmware student vs teacher score (32 ln score, quantized) on {d['events']:,} zero-bias test events: "
        f"Pearson {d['pearson']:.3f}, Spearman {d['spearman']:.3f}, mean absolute difference {d['mean_absolute_error']:.2f}.",
        "",
        "ROC AUC against zero-bias (the unweighted test events) for each signal: the teacher's score, the student "
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
    """Latency and resources side by side, one row per source, every row labelled; then what each
    synthesis backend adds (its section, :mod:`cicada.synthesis.sections`)."""
    out = ["## Latency and resources", ""]
    for name, entry in r["latency"].items():
        if not entry.get("available"):
            out += [f"- {name}: not available: {entry['reason']}"]
    latencies = {name: Latency.from_json(entry) for name, entry in r["latency"].items() if entry.get("available")}
    if latencies:
        out += ["", "Latency (one event in, its score out):", ""]
        out += table(
            ["from", "cycles", "ns", "bunch crossings", "clock (ns)", "II (cycles)", "one event per 25 ns", "source"],
            [_latency_row(name, lat) for name, lat in latencies.items()],
        )
        for name, lat in latencies.items():
            for key, what in (("cycles", "latency"), ("interval_cycles", "initiation interval")):
                if getattr(lat, key) is None and lat.reason(key):
                    out += ["", f"{name}: {what} undefined: {lat.reason(key)}."]
            if lat.timing_violation:
                out += ["", _violation_text(name, lat)]
    for name in BACKENDS.names():
        out += section_of(name).latency_notes(r)
    rows = [
        [name, *[count(res.count(k)) for k in REPORTED_RESOURCES], res.source]
        for name, res in ((n, Resources.from_json(e)) for n, e in r["resources"].items() if e.get("available"))
    ]
    for name, entry in r.get("estimates", {}).items():
        estimate = Estimate.from_json(entry)
        rows.append([f"{name} (estimate)", *[count(estimate.count(k)) for k in REPORTED_RESOURCES], estimate.source])
    if rows:
        out += ["", "Resources:", ""] + table(["from", *REPORTED_RESOURCES, "source"], rows)
    for name in BACKENDS.names():
        out += section_of(name).markdown(r)
    return out


def _latency_row(name: str, lat: Latency) -> list:
    crossing = {True: "yes", False: "**NO: VIOLATION**", None: "undefined"}[lat.one_event_per_crossing]
    return [
        name,
        figure(lat.cycles, ".0f"),
        figure(lat.ns, ".1f"),
        figure(lat.bx, ".2f"),
        f"{lat.clock_ns:g}",
        figure(lat.interval_cycles, ".0f"),
        crossing,
        lat.source,
    ]


def _violation_text(name: str, lat: Latency) -> str:
    """A timing violation and the latency at the estimated clock beside the one at the target."""
    hls = lat.hls
    assert hls is not None  # only an HLS tool's report says the timing is violated
    if hls.estimated_clock_ns is None:  # Vitis's synthesis summary gives the slack only
        why = lat.reason("ns_at_estimated_clock") or "no estimated clock"
        return (
            f"**TIMING VIOLATION ({name})**: negative slack at the target clock of {lat.clock_ns:g} ns; the "
            f"latency at the real clock is not known ({why})."
        )
    text = (
        f"**TIMING VIOLATION ({name})**: the estimated clock period {hls.estimated_clock_ns:g} ns exceeds the target "
        f"{lat.clock_ns:g} ns. Latency at the estimated clock: {figure(hls.ns_at_estimated_clock, '.1f')} ns"
        f" = {figure(hls.bx_at_estimated_clock, '.2f')} BX (at the target clock: {figure(lat.ns, '.1f')}"
        f" ns = {figure(lat.bx, '.2f')} BX)"
    )
    if hls.interval_ns_at_estimated_clock is not None:
        fits = "fits" if hls.one_event_per_crossing_at_estimated_clock else "exceeds"
        text += f"; initiation interval {hls.interval_ns_at_estimated_clock:.1f} ns, which {fits} one event per 25 ns"
    return text + "."


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
        comparison.markdown(r.get("comparison") or {}),  # only with comparison.students
        ["## Stage times", ""]
        + table(
            ["stage", "seconds", "finished"], [[k, v["seconds"], v["finished"]] for k, v in r["stage_seconds"].items()]
        ),
    ):
        if section:
            out += [""] + section
    return "\n".join(out) + "\n"
