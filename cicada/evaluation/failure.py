"""The report of a build whose firmware failed verification: the disagreement and where it starts."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from .. import __version__
from .build_view import BuildView
from .documents import write_documents


def write_failure_report(context: BuildView, verify: Any, message: str) -> dict[str, Path]:
    """``report.json``/``report.md`` saying what is known: ``verify`` is the verify stage's result."""
    convert = context.results["convert"]
    data = {
        "cicada_version": __version__,
        "name": context.config.name,
        "config_file": str(context.config_path),
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "status": "verification failed",
        "error": message,
        "bit_accuracy": {"output_lsb": convert.output_type().lsb, **dataclasses.asdict(verify)},
        "diagnosis": verify.diagnosis,
        "precision_proof": dataclasses.asdict(convert.precision_proof),
        "hls": {"layers": convert.layers},
    }
    lines = [f"# cicada build report: {context.config.name} (VERIFICATION FAILED)", "", message, ""]
    if verify.diagnosis:
        lines += ["## First diverging layer", "", verify.diagnosis["explanation"], ""]
    lines += ["## Firmware types", "", "| layer | class | accumulator | result |", "|---|---|---|---|"]
    lines += [
        f"| {layer['name']} | {layer['class']} | {layer.get('accum', '')} | {layer.get('result', '')} |"
        for layer in convert.layers
    ]
    return write_documents(context.project_dir, data, "\n".join(lines) + "\n")
