"""Stage ``report``: everything above in ``report.json`` (machines) and ``report.md`` (people)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...core.files import sha256_json
from ...evaluation.documents import REPORT_JSON, REPORT_MD
from ...evaluation.report import write_report
from ...layers import keras as _layer_types  # noqa: F401  the layer types' builds: in this stage's fingerprint
from ...layers import precision as _precision_rules  # noqa: F401  their precision rules: in this stage's fingerprint
from ...layers import trace as _trace_rules  # noqa: F401  their RTL rules: in this stage's fingerprint
from ..context import BuildContext
from ..engine import Stage, plain
from ..stamps import stage_times


@dataclass
class ReportResult:
    json: str
    markdown: str


def run(context: BuildContext) -> ReportResult:
    paths = write_report(context, stage_times(context.model_dir, list(context.results)))
    return ReportResult(json=context.relative(paths["json"]), markdown=context.relative(paths["markdown"]))


def inputs(context: BuildContext) -> dict:
    # tracking settings change where a finished build is logged, never what the report holds; the comparison
    # section counts only when it has students (a build without one hashes as before the section existed)
    left_out = {"tracking"} | (set() if context.config.comparison.active() else {"comparison"})
    # the report writes what the stages before it found, not only their files: a stage whose code changed and
    # whose files came out the same (a new figure in its result) must rewrite the report
    found = {name: sha256_json(plain(result)) for name, result in context.results.items() if name != "report"}
    return {"config": context.config.model_dump(mode="json", exclude=left_out), "results": found}


def outputs(context: BuildContext) -> list[Path]:
    return [context.project_dir / REPORT_JSON, context.project_dir / REPORT_MD]


STAGE = Stage(
    name="report",
    description="writing report.json and report.md",
    run=run,
    result=ReportResult,
    upstream=("data", "teacher", "student", "convert", "verify", "scores", "quality", "synthesis", "rates"),
    inputs=inputs,
    outputs=outputs,
)
