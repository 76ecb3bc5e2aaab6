"""A build's figures as one flat row, read from its report.json.

The scan's results table (:mod:`cicada.scan.results`) and the MLflow runs (:mod:`cicada.tracking`)
name every figure the same way because both take it from here. Latency and resources come from
the best source the build has (vendor HLS, then the RTL flow, then an estimate) with its label.
"""

from __future__ import annotations

from typing import Any

from ..core.synthesis_figures import Estimate, Latency, Resources

#: Backends in the order their figures are preferred: vendor reports first, then the RTL flow.
BACKEND_PREFERENCE = ("vendor", "rtl")
RESOURCE_COLUMNS = ("LUT", "FF", "DSP", "BRAM")


def rate_label(rate_khz: float) -> str:
    return f"{rate_khz:g}kHz"


def _latency(report: dict) -> dict:
    for backend in BACKEND_PREFERENCE:
        entry = report.get("latency", {}).get(backend) or {}
        if entry.get("available"):
            latency = Latency.from_json(entry)
            return {
                "latency_cycles": latency.cycles,
                "latency_ns": latency.ns,
                "latency_bx": latency.bx,
                "latency_source": latency.source,
            }
    return {"latency_cycles": None, "latency_ns": None, "latency_bx": None, "latency_source": _missing(report)}


def _resources(report: dict) -> dict:
    for backend in BACKEND_PREFERENCE:
        entry = report.get("resources", {}).get(backend) or {}
        if entry.get("available"):
            resources = Resources.from_json(entry)
            return {
                "LUT": resources.count("LUT"),
                "FF": resources.count("FF"),
                "CARRY": resources.count("CARRY"),
                "DSP": resources.count("DSP"),
                # vendor HLS counts 18K blocks, Yosys RAMB cells: the source label says which
                "BRAM": resources.counts.get("BRAM_18K", resources.count("BRAM")),
                "resources_source": resources.source,
            }
    for entry in (report.get("estimates") or {}).values():
        estimate = Estimate.from_json(entry)
        return {**{k: estimate.count(k) for k in RESOURCE_COLUMNS}, "CARRY": None, "resources_source": estimate.source}
    return {**{k: None for k in RESOURCE_COLUMNS}, "CARRY": None, "resources_source": _missing(report)}


def _adder_graph(report: dict) -> dict:
    """The RTL flow's fast figures (alkaid's LUT estimate, the kernels' adder terms) and the logic depth."""
    estimate = (report.get("estimates") or {}).get("rtl")
    depth = report.get("logic_depth") or {}
    return {
        "LUT_estimate": Estimate.from_json(estimate).count("LUT") if estimate else None,
        "adder_terms": (report.get("adder_cost") or {}).get("adder_terms"),
        "cell_delay_ns": depth.get("cell_delay_ns"),
        "lut_levels": depth.get("lut_levels"),
    }


def _missing(report: dict) -> str:
    reasons = [
        f"{name}: {str(entry.get('reason')).split(', ')[0]}"
        for name, entry in (report.get("latency") or {}).items()
        if not entry.get("available")
    ]
    return "not available (" + "; ".join(reasons) + ")" if reasons else "not available"


def _bit_exact(report: dict) -> dict:
    accuracy = report["bit_accuracy"]
    everything = accuracy["firmware_vs_qkeras_all_test_events"].values()
    rtl = report.get("rtl_bit_accuracy")
    return {
        "bit_exact": bool(
            accuracy["csim_vs_qkeras"]["bit_exact"]
            and accuracy["emulator_vs_csim"]["bit_exact"]
            and all(a["bit_exact"] for a in everything)
        ),
        "bit_exact_events": int(accuracy["csim_vs_qkeras"]["events"] + sum(a["events"] for a in everything)),
        "rtl_bit_exact": None if not rtl else bool(rtl["vs_qkeras"]["bit_exact"] and rtl["vs_csim"]["bit_exact"]),
    }


def figures(report: dict) -> dict:
    """The measured columns of a point, from its report.json."""
    row: dict[str, Any] = {"architecture": report["student"]["architecture"], "parameters": report["parameter_count"]}
    for signal, auc in (report.get("auc") or {}).items():
        row[f"auc:{signal}"] = auc["firmware"]
        # the gap the student is chosen to close: the teacher is shared, the student is the point's
        row[f"auc_minus_teacher:{signal}"] = auc.get("firmware_minus_teacher")
    rates = report["rates"]
    row["zero_bias_events"] = rates["zero_bias_events"]
    for point in rates["working_points"]:
        label = rate_label(point["target_khz"])
        row[f"threshold@{label}"] = point["threshold"]
        row[f"rate@{label}"] = point["rate_khz"]
        row[f"statistics_limited@{label}"] = point["statistics_limited"]
        for signal, efficiency in point["signal_efficiency"].items():
            row[f"efficiency@{label}:{signal}"] = efficiency
        for signal, interval in (point.get("signal_efficiency_interval") or {}).items():
            row[f"efficiency_low@{label}:{signal}"] = interval["low"]
            row[f"efficiency_high@{label}:{signal}"] = interval["high"]
    row.update(_latency(report))
    row.update(_resources(report))
    row.update(_adder_graph(report))
    row.update(_bit_exact(report))
    row["wall_seconds"] = round(sum(t["seconds"] for t in (report.get("stage_seconds") or {}).values()), 2)
    return row
