"""The short summary printed at the end of a build (the full story is in report.md)."""

from __future__ import annotations

from ..pipeline.context import BuildContext
from ..pipeline.engine import StageOutcome


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
    student = r.get("student") or r.get("import")
    if student:
        models = "teacher.h5, student.h5" if "teacher" in r else "student.h5"
        lines.append(f"  models      {context.relative(context.model_dir)}/ ({models})")
        lines.append(f"  student     {student.architecture}, {student.parameters:,} parameters")
    if "convert" in r:
        proven = r["convert"].precision_proof.proven
        lines.append(
            f"  firmware    {r['convert'].project_dir}/ (precisions {'proven exact' if proven else 'NOT proven'})"
        )
    if "verify" in r:
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
    if "report" in r:
        lines.append(f"  report      {r['report'].markdown}, {r['report'].json}")
    return "\n".join(lines)


def _synthesis_lines(backends: dict) -> list[str]:
    """One line of latency and one of resources per backend, with where they come from."""
    lines = []
    for name, result in backends.items():
        d = result.details
        if result.status != "done":
            lines.append(
                f"  latency     {name}: not available ({result.status}): {(result.reason or '').split(',')[0]}"
            )
            continue
        if "latency" in d:
            lines.extend(_latency_lines(name, d["latency"]))
        elif d.get("latency_reason"):
            lines.append(f"  latency     {name}: not available: {d['latency_reason']}")
        if "resources" in d:
            res = d["resources"]
            counts = ", ".join(
                f"{k} {res[k]:,.0f}" for k in ("LUT", "FF", "CARRY", "DSP", "BRAM", "BRAM_18K", "URAM") if k in res
            )
            lines.append(f"  resources   {name}: {counts}; {res['source'].split(' (')[0]}")
        if "logic_depth" in d:
            depth = d["logic_depth"]
            lines.append(
                f"  depth       {name}: {depth['lut_levels']} LUT levels + {depth['carry4']} CARRY4, "
                f"{depth['cell_delay_ns']:.2f} ns of cells vs {depth['clock_ns']:g} ns clock (estimate, no routing)"
            )
        if d.get("cosim"):
            lines.append(f"  co-sim      {d['cosim']['verdict']}")
        if d.get("reports"):
            reports = d["reports"]
            files = [reports[k] for k in ("csynth_report", "vivado_report") if reports.get(k)]
            lines.append(
                f"  reports     {name}: top {reports['top']} (from {reports['top_found_in']}): {', '.join(files)}"
            )
            lines.extend(f"              {note}" for note in reports.get("notes", []))
    return lines


def _latency_lines(name: str, lat: dict) -> list[str]:
    """Latency and II at the target clock; when timing is violated, also at the estimated clock."""
    label = lat["source"].split(" (")[0]
    if lat["cycles"] is None:
        latency = f"undefined ({lat.get('cycles_reason', 'not given')})"
    else:
        latency = f"{lat['cycles']:.0f} cycles = {lat['ns']:.1f} ns = {lat['bx']:.2f} BX"
    if lat["interval_cycles"] is None:
        interval = "II undefined"
    else:
        interval = f"II {lat['interval_cycles']:.0f} ({'fits' if lat['one_event_per_crossing'] else 'EXCEEDS'} 25 ns)"
    lines = [f"  latency     {name}: {latency}, {interval}; {label}"]
    if lat.get("timing_violation"):
        at_estimate = (
            f"{lat['ns_at_estimated_clock']:.1f} ns = {lat['bx_at_estimated_clock']:.2f} BX at the estimated clock"
            if lat.get("ns_at_estimated_clock") is not None
            else f"latency at the real clock not known ({lat.get('ns_at_estimated_clock_reason', '')})"
        )
        estimated = lat.get("estimated_clock_ns")
        clock = f"estimated clock {estimated:g} ns > target" if estimated is not None else "negative slack at target"
        lines.append(f"  timing      {name}: VIOLATION: {clock} {lat['clock_ns']:g} ns; {at_estimate}")
    return lines
