"""The short summary printed at the end of a build (the full story is in report.md)."""

from __future__ import annotations

from ..core.synthesis_figures import REPORTED_RESOURCES, Latency
from ..pipeline.context import BuildContext
from ..pipeline.engine import StageOutcome
from ..synthesis.sections import section_of


def summary_text(context: BuildContext, outcomes: list[StageOutcome]) -> str:
    r = context.results
    total = sum(o.seconds for o in outcomes)
    reused = [o.name for o in outcomes if o.reused]
    lines = [
        f"cicada build '{context.config.name}': {len(outcomes)} stages in {total:.0f} s"
        + (f" ({len(reused)} reused: {', '.join(reused)})" if reused else "")
    ]
    if "data" in r:
        events = ", ".join(f"{n} {d.events:,}" for n, d in r["data"].datasets.items())
        lines.append(f"  data        {context.relative(context.data_dir)}/ ({events})")
    student = r.get("student") or r.get("encoder") or r.get("import")
    if student:
        models = "teacher.h5, student.h5" if "teacher" in r else "student.h5"
        lines.append(f"  models      {context.relative(context.model_dir)}/ ({models})")
        read = getattr(student, "input", "et")
        on_input = f" on input {read}" if read != "et" else ""
        lines.append(f"  student     {student.architecture}{on_input}, {student.parameters:,} parameters")
    float_types = r["convert"].float_types if "convert" in r else None
    if float_types:
        labels = [t["label"] for t in float_types["types"]]
        lines.append(
            f"  firmware    {r['convert'].project_dir}/ (float model: types derived, {labels.count('proven')} proven, "
            f"{sum(label.startswith('calibrated') for label in labels)} calibrated; not bit-exact with Keras)"
        )
    elif "convert" in r:
        proven = r["convert"].precision_proof.proven
        lines.append(
            f"  firmware    {r['convert'].project_dir}/ (precisions {'proven exact' if proven else 'NOT proven'})"
        )
    if "verify" in r and r["verify"].float_agreement:
        e, a = r["verify"].emulator_vs_csim, r["verify"].float_agreement
        lines.append(f"  csim        C simulation == emulator library on {e.events:,}/{e.events:,} test images")
        lines.append(
            f"  agreement   with the float model: every output within {a['tolerance']:g} on {a['share_within']:.4%}, "
            f"score Spearman {a['score_spearman']:.6f}; AUC change "
            + ", ".join(f"{s['signal']} {s['delta']:+.4f}" for s in a["signals"])
        )
    elif "verify" in r:
        c = r["verify"].csim_vs_qkeras
        lines.append(
            f"  bit-exact   C simulation == QKeras on {c.events:,}/{c.events:,} test images"
            if c.bit_exact
            else f"  bit-exact   NO: {c.mismatches} of {c.events} differ"
        )
    if "quality" in r:
        q = r["quality"]
        lines.append(
            f"  quality     student vs teacher: Pearson {q.distillation.pearson:.3f}, "
            f"Spearman {q.distillation.spearman:.3f}; AUC teacher/firmware: "
            + ", ".join(f"{n} {a['teacher']:.3f}/{a['firmware']:.3f}" for n, a in q.auc.items())
        )
    if "synthesis" in r:
        lines.extend(_synthesis_lines(r["synthesis"].backends))
    if "rates" in r:
        rt = r["rates"]
        lines.append(
            f"  rates       firmware score, {rt.zero_bias_events:,} zero-bias events (one event = "
            f"{rt.smallest_measurable_rate_khz:.3g} kHz); plot {rt.rate_plot}"
        )
        teacher = rt.teacher_working_points or [None] * len(rt.working_points)
        for wp, reference in zip(rt.working_points, teacher):
            effs = ", ".join(
                f"{n} {e:.2f}" + (f" (teacher {reference.signal_efficiency[n]:.2f})" if reference else "")
                for n, e in wp.signal_efficiency.items()
            )
            flag = "  [statistics-limited]" if wp.statistics_limited else ""
            lines.append(
                f"    {wp.target_khz:>6g} kHz: threshold {wp.threshold:8.3f} -> {wp.rate_khz:.3g} "
                f"± {wp.rate_uncertainty_khz:.2g} kHz; efficiency {effs}{flag}"
            )
    if r.get("comparison"):
        compared = r["comparison"]
        lines.append(f"  compared    at {compared.rate_khz:g} kHz (efficiency, pure rate; LUT; latency):")
        for row in compared.rows:
            effs = ", ".join(f"{n} {e.value:.2f}" for n, e in row.efficiency.items())
            pure = "n/a" if row.pure_rate_khz is None else f"{row.pure_rate_khz:.3g} kHz"
            lut = "n/a" if row.LUT is None else f"{row.LUT:,.0f}"
            bx = "n/a" if row.latency_bx is None else f"{row.latency_bx:.2f} BX"
            lines.append(f"    {row.name}: {effs}; pure {pure}; LUT {lut}; {bx}")
    if "report" in r:
        lines.append(f"  report      {r['report'].markdown}, {r['report'].json}")
    return "\n".join(lines)


def _synthesis_lines(backends: dict) -> list[str]:
    """One line of latency and one of resources per backend, with where they come from; then what
    the backend's own report section adds (its logic depth, its reports, ...)."""
    lines = []
    for name, result in backends.items():
        if result.status != "done":
            lines.append(
                f"  latency     {name}: not available ({result.status}): {(result.reason or '').split(',')[0]}"
            )
            continue
        figures = result.figures
        if figures.latency is not None:
            lines.extend(_latency_lines(name, figures.latency))
        elif figures.latency_reason:
            lines.append(f"  latency     {name}: not available: {figures.latency_reason}")
        if figures.resources is not None:
            res = figures.resources
            counts = ", ".join(f"{k} {res.counts[k]:,.0f}" for k in REPORTED_RESOURCES if k in res.counts)
            lines.append(f"  resources   {name}: {counts}; {res.source.split(' (')[0]}")
        lines.extend(section_of(name).summary_lines(name, figures))
    return lines


def _latency_lines(name: str, lat: Latency) -> list[str]:
    """Latency and II at the target clock; when timing is violated, also at the estimated clock."""
    label = lat.source.split(" (")[0]
    if lat.cycles is None:
        latency = f"undefined ({lat.reason('cycles') or 'not given'})"
    else:
        latency = f"{lat.cycles:.0f} cycles = {lat.ns:.1f} ns = {lat.bx:.2f} BX"
    if lat.interval_cycles is None:
        interval = "II undefined"
    else:
        interval = f"II {lat.interval_cycles:.0f} ({'fits' if lat.one_event_per_crossing else 'EXCEEDS'} 25 ns)"
    lines = [f"  latency     {name}: {latency}, {interval}; {label}"]
    hls = lat.hls
    if hls is not None and hls.timing_violation:
        at_estimate = (
            f"{hls.ns_at_estimated_clock:.1f} ns = {hls.bx_at_estimated_clock:.2f} BX at the estimated clock"
            if hls.ns_at_estimated_clock is not None
            else f"latency at the real clock not known ({lat.reason('ns_at_estimated_clock') or ''})"
        )
        estimated = hls.estimated_clock_ns
        clock = f"estimated clock {estimated:g} ns > target" if estimated is not None else "negative slack at target"
        lines.append(f"  timing      {name}: VIOLATION: {clock} {lat.clock_ns:g} ns; {at_estimate}")
    return lines
