"""A build's figures as MLflow metrics and tags, read from its report.json and training histories.

The scan's results row (:func:`cicada.evaluation.report_figures.figures`) comes first, so a build's run and a
scan point's run name the same figure the same way; the rest of the report follows (teacher AUC,
per-backend latency and resources, bit-exactness counts, stage times). Every latency, resource
and estimate figure has a tag beside it naming its source, as the report does.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ..evaluation.report_figures import figures as results_row
from ..evaluation.report_figures import rate_label
from .names import MAX_TAG_CHARS, mlflow_name, text

#: Scores whose AUC the quality stage gives beside the firmware's (``auc/<signal>`` in the row).
OTHER_AUC_SCORES = ("teacher", "student_float", "total_et")
#: Latency figures of a backend's report entry (vendor HLS and the RTL flow both give these) -> metric.
LATENCY_FIGURES = {
    "cycles": "latency_cycles",
    "ns": "latency_ns",
    "bx": "latency_bx",
    "interval_cycles": "interval_cycles",
}
RESOURCE_FIGURES = ("LUT", "FF", "DSP", "BRAM", "BRAM_18K", "CARRY4")


def split_row(row: dict[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """A results row as (metrics, tags): numbers and flags are metrics (a flag is 1 or 0), text is a
    tag, an empty cell is neither."""
    metrics: dict[str, float] = {}
    tags: dict[str, str] = {}
    for key, value in row.items():
        if value is None:
            continue
        if isinstance(value, (bool, int, float)):
            metrics[mlflow_name(key)] = float(value)
        else:
            tags[mlflow_name(key)] = text(value, MAX_TAG_CHARS)
    return metrics, tags


def report_figures(report: dict) -> tuple[dict[str, float], dict[str, str]]:
    """(metrics, tags) of a build from its report.json."""
    metrics, tags = split_row(results_row(report))
    if report.get("teacher"):
        metrics["teacher_parameters"] = float(report["teacher"]["parameters"])
    for signal, auc in (report.get("auc") or {}).items():
        for score in OTHER_AUC_SCORES:
            if auc.get(score) is not None:
                metrics[mlflow_name(f"auc_{score}:{signal}")] = float(auc[score])
    for key, value in (report.get("distillation") or {}).items():
        metrics[mlflow_name(f"distillation/{key}")] = float(value)
    _rates(report["rates"], metrics)
    _backends(report, metrics, tags)
    _bit_exactness(report, metrics)
    for stage, timing in (report.get("stage_seconds") or {}).items():
        metrics[mlflow_name(f"stage_seconds/{stage}")] = float(timing["seconds"])
    return metrics, tags


def _rates(rates: dict, metrics: dict[str, float]) -> None:
    for point in rates["working_points"]:
        label = rate_label(point["target_khz"])
        if point.get("pure_rate_khz") is not None:
            metrics[mlflow_name(f"pure_rate@{label}")] = float(point["pure_rate_khz"])
    # the teacher at the same target rates: what the student gives up, signal by signal
    for point in rates.get("teacher_working_points") or []:
        label = rate_label(point["target_khz"])
        metrics[mlflow_name(f"teacher_threshold@{label}")] = float(point["threshold"])
        for signal, efficiency in point["signal_efficiency"].items():
            metrics[mlflow_name(f"teacher_efficiency@{label}:{signal}")] = float(efficiency)


def _backends(report: dict, metrics: dict[str, float], tags: dict[str, str]) -> None:
    """Each synthesis backend's own figures (the row has the best source's), each with its source."""
    resources = {name: name for name in RESOURCE_FIGURES}
    for kind, names in (("latency", LATENCY_FIGURES), ("resources", resources)):
        for backend, entry in (report.get(kind) or {}).items():
            if not entry.get("available"):
                tags[mlflow_name(f"{backend}/{kind}_source")] = text(
                    f"not available: {entry.get('reason')}", MAX_TAG_CHARS
                )
                continue
            for figure, metric in names.items():
                if isinstance(entry.get(figure), (int, float)):
                    metrics[mlflow_name(f"{backend}/{metric}")] = float(entry[figure])
            tags[mlflow_name(f"{backend}/{kind}_source")] = text(entry.get("source"), MAX_TAG_CHARS)
    for backend, estimate in (report.get("estimates") or {}).items():
        for name in RESOURCE_FIGURES:
            if isinstance(estimate.get(name), (int, float)):
                metrics[mlflow_name(f"estimate/{backend}/{name}")] = float(estimate[name])
        tags[mlflow_name(f"estimate/{backend}/source")] = text(estimate.get("source"), MAX_TAG_CHARS)


def _bit_exactness(report: dict, metrics: dict[str, float]) -> None:
    """Events compared and mismatches of each bit-for-bit check (the row has the verdict and the total)."""
    accuracy = report["bit_accuracy"]
    everything = list(accuracy["firmware_vs_qkeras_all_test_events"].values())
    checks = {
        "csim": [accuracy["csim_vs_qkeras"]],
        "emulator_vs_csim": [accuracy["emulator_vs_csim"]],
        "firmware_vs_qkeras": everything,
    }
    rtl = report.get("rtl_bit_accuracy")
    if rtl:
        checks["rtl_vs_qkeras"] = [rtl["vs_qkeras"]]
        checks["rtl_vs_csim"] = [rtl["vs_csim"]]
    for check, comparisons in checks.items():
        metrics[f"{check}_events"] = float(sum(c["events"] for c in comparisons))
        metrics[f"{check}_mismatches"] = float(sum(c["mismatches"] for c in comparisons))


def training_curves(history: Path, label: str) -> dict[str, list[tuple[int, float]]]:
    """``{"<label>/loss": [(epoch, value), ...], ...}`` from a history CSV the training writes
    (columns: epoch, then one per quantity); empty when there is none (a model imported from elsewhere)."""
    if not history.is_file():
        return {}
    with open(history, newline="") as handle:
        rows = list(csv.DictReader(handle))
    curves: dict[str, list[tuple[int, float]]] = {}
    for row in rows:
        epoch = int(row.pop("epoch"))
        for name, value in row.items():
            curves.setdefault(mlflow_name(f"{label}/{name}"), []).append((epoch, float(value)))
    return curves
