"""The build report: ``report.json`` for machines and ``report.md`` for people.

Both are assembled from the stage summaries; every figure in them was measured by a
stage of this build. Where a figure could not be obtained (no vendor tool), the report
says so and why instead of giving a number. A model brought from elsewhere has no
teacher, so its report has no training or distillation sections.

This module assembles the report (the content of report.json) and writes both files;
:mod:`.report_markdown` renders the Markdown from what it assembled.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from .. import __version__
from ..core.labels import source
from ..core.synthesis_figures import Estimate
from ..synthesis import BACKENDS, SynthesisResult
from ..synthesis.sections import section_of
from .build_view import BuildView
from .documents import write_documents
from .report_markdown import markdown


def _plain(result: Any) -> Any:
    """A stage result (a dataclass) as the plain data report.json holds."""
    return dataclasses.asdict(result) if dataclasses.is_dataclass(result) else result


def hls_estimate(convert) -> Estimate | None:
    """da4ml's estimate of an HLS project built with distributed arithmetic (hls4ml 1.3.0's provider of
    that strategy is da4ml 0.5, not alkaid); None for any other project."""
    costs = getattr(convert, "distributed_arithmetic_cost", None)
    if not costs:
        return None
    import importlib.metadata

    return Estimate(
        source(
            "estimate",
            f"da4ml {importlib.metadata.version('da4ml')}",
            "cost model of the HLS project's distributed-arithmetic kernels in LUT equivalents; activations, "
            "other layers and registers not included",
        ),
        {"LUT": sum(costs.values()), "DSP": 0},
        per_layer=costs,
    )


def firmware_figures(backends: dict[str, SynthesisResult], convert=None) -> dict:
    """Latency, resources and estimates of every synthesis backend (and da4ml's estimate of the HLS
    project, :func:`hls_estimate`), each figure with its source; a backend that did not run says why.
    Then each backend's own part of report.json (its section, :mod:`cicada.synthesis.sections`)."""
    latency: dict = {}
    resources: dict = {}
    estimates: dict = {}
    hls = hls_estimate(convert)
    if hls is not None:
        estimates["hls"] = hls.as_json()
    for name, result in backends.items():
        if result.status != "done":
            latency[name] = resources[name] = {"available": False, "reason": result.reason}
            continue
        figures = result.figures
        if figures.latency is not None:
            latency[name] = {"available": True, **figures.latency.as_json()}
        elif figures.latency_reason:  # e.g. only Vivado's utilisation, no C-synthesis report
            latency[name] = {"available": False, "reason": figures.latency_reason}
        if figures.resources is not None:
            resources[name] = {"available": True, **figures.resources.as_json()}
        if figures.estimate is not None:
            estimates[name] = figures.estimate.as_json()
    out = {"latency": latency, "resources": resources, "estimates": estimates}
    for name in BACKENDS.names():
        result = backends.get(name)
        out.update(section_of(name).report_json(result.figures if result and result.status == "done" else None))
    return out


def assemble(context: BuildView, stage_seconds: dict[str, dict]) -> dict:
    """The report as a dict (the content of report.json); ``stage_seconds``: what each stage took when
    it last ran (the pipeline reads it from the stamps)."""
    s = {name: _plain(result) for name, result in context.results.items()}
    config = context.config
    student = s.get("student") or s.get("encoder") or s["import"]
    synthesis = context.results["synthesis"].backends
    verify = s["verify"]
    quality = s.get("quality")
    # only with comparison.students: without them report.json keeps its keys
    compared = {"comparison": s["comparison"]} if s.get("comparison") else {}
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
        **({"float_types": s["convert"]["float_types"]} if s["convert"].get("float_types") else {}),
        "bit_accuracy": {
            "output_lsb": context.results["convert"].output_type().lsb,
            "csim_vs_qkeras": verify["csim_vs_qkeras"],
            "csim_events_per_dataset": verify["events_per_dataset"],
            "emulator_vs_csim": verify["emulator_vs_csim"],
            "firmware_vs_qkeras_all_test_events": s["scores"]["firmware_vs_qkeras"],
            "firmware_engine": s["scores"].get("firmware_engine", ""),
            "integer_model_vs_emulator": s["scores"].get("integer_vs_emulator", {}),
            **({"float_agreement": verify["float_agreement"]} if verify.get("float_agreement") else {}),
        },
        "distillation": quality["distillation"] if quality else None,
        "auc": quality["auc"] if quality else None,
        "auc_interval": quality.get("auc_interval") if quality else None,
        "auc_interval_method": quality.get("auc_interval_method") if quality else None,
        # efficiency against rate is drawn by the rates stage, from the working points' weighted rate sample
        "roc_plot": s["rates"].get("efficiency_plot") or None,
        **firmware_figures(synthesis, context.results.get("convert")),
        "synthesis": {name: result.as_json() for name, result in synthesis.items()},
        "rates": s["rates"],
        **compared,
        "stage_seconds": stage_seconds,
    }


def write_report(context: BuildView, stage_seconds: dict[str, dict]) -> dict[str, Path]:
    data = assemble(context, stage_seconds)
    return write_documents(context.project_dir, data, markdown(data, context))
