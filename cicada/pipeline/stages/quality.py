"""Stage ``quality``: how well the student follows the teacher, and each signal's ROC AUC."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.progress import log
from ...data.datasets import ZERO_BIAS_TEST, signal_names
from ...data.hdf5 import read_scores
from ...evaluation import metrics, plots, rates
from ...models.score import student_target
from ..context import BuildContext
from ..engine import Stage

ROC_PLOT = "roc_vs_rate.png"


@dataclass
class Distillation:
    events: int
    pearson: float
    spearman: float
    mean_absolute_error: float


@dataclass
class QualityResult:
    distillation: Distillation
    #: signal -> score kind (teacher, student_float, firmware, total_et, firmware_minus_teacher) -> AUC
    auc: dict[str, dict[str, float]]
    roc_plot: str


AUC_COLUMNS = {
    "teacher": "teacher_mse",
    "student_float": "student_float",
    "firmware": "firmware",
    "total_et": "total_et",
}


def run(context: BuildContext) -> QualityResult:
    scores = read_scores(context.scores_file)
    zero_bias = scores[ZERO_BIAS_TEST]
    teacher_score = student_target(zero_bias["teacher_mse"])
    distillation = Distillation(
        events=int(len(teacher_score)),
        pearson=metrics.pearson(zero_bias["firmware"], teacher_score),
        spearman=metrics.spearman(zero_bias["firmware"], teacher_score),
        mean_absolute_error=float(np.mean(np.abs(zero_bias["firmware"] - teacher_score))),
    )
    # the signals only: the other zero-bias sets (slices, other pileups) are scored for rates
    signals = {name: scores[name] for name in signal_names(context.config.data)}
    auc = {
        name: {column: metrics.roc_auc(zero_bias[kind], s[kind]) for column, kind in AUC_COLUMNS.items()}
        for name, s in signals.items()
    }
    for row in auc.values():
        row["firmware_minus_teacher"] = row["firmware"] - row["teacher"]
    curves = {
        name: {
            "firmware": rates.efficiency_vs_rate(zero_bias["firmware"], s["firmware"]),
            "teacher": rates.efficiency_vs_rate(zero_bias["teacher_mse"], s["teacher_mse"]),
        }
        for name, s in signals.items()
    }
    roc_plot = plots.plot_roc_vs_rate(
        curves,
        rates.smallest_measurable_rate_khz(len(teacher_score)),
        context.project_dir / ROC_PLOT,
        f"{context.config.name}: signal efficiency vs trigger rate",
    )
    log.info(
        f"  student vs teacher on zero-bias: Pearson {distillation.pearson:.3f}, "
        f"Spearman {distillation.spearman:.3f}; largest AUC loss firmware vs teacher "
        f"{min(r['firmware_minus_teacher'] for r in auc.values()):+.3f}"
    )
    return QualityResult(distillation=distillation, auc=auc, roc_plot=context.relative(roc_plot))


STAGE = Stage(
    name="quality",
    description="distillation quality and signal AUCs",
    run=run,
    result=QualityResult,
    upstream=("scores",),
    outputs=lambda context: [context.project_dir / ROC_PLOT],
)
