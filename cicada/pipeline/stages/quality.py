"""Stage ``quality``: how well the student follows the teacher, and each signal's ROC AUC with its
bootstrap interval. (Efficiency against rate is the rates stage's figure: it needs the weighted
rate sample the working points come from.)"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.progress import log
from ...core.seeds import numpy_stream
from ...data.datasets import ZERO_BIAS_TEST, signal_names
from ...data.hdf5 import read_scores
from ...evaluation import metrics
from ...evaluation.efficiency import CONFIDENCE_LEVEL
from ...models.score import student_target
from ..context import BuildContext
from ..engine import Stage

#: Poisson-bootstrap replicas of the zero-bias and signal events for each AUC's interval
AUC_REPLICAS = 200
#: the seeded random stream of that bootstrap (a name never to change)
AUC_STREAM = "quality/auc_bootstrap"
#: how the AUC intervals are made, in the report's words (the comparison stage bootstraps an encoder's the same way)
AUC_INTERVAL_METHOD = (
    f"Poisson bootstrap: {AUC_REPLICAS} replicas of the zero-bias test and signal events (seeded stream "
    f"'{AUC_STREAM}'), the central {CONFIDENCE_LEVEL:.2%} of the replicas' AUCs"
)


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
    #: signal -> score kind -> [low, high]: the central CONFIDENCE_LEVEL of AUC_REPLICAS Poisson-bootstrap replicas
    auc_interval: dict[str, dict[str, list[float]]]
    #: how the intervals were made, for the report
    auc_interval_method: str


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
    intervals = metrics.auc_intervals(
        {column: zero_bias[kind] for column, kind in AUC_COLUMNS.items()},
        {name: {column: s[kind] for column, kind in AUC_COLUMNS.items()} for name, s in signals.items()},
        numpy_stream(context.config.seed, AUC_STREAM),
        AUC_REPLICAS,
        CONFIDENCE_LEVEL,
    )
    log.info(
        f"  student vs teacher on zero-bias: Pearson {distillation.pearson:.3f}, "
        f"Spearman {distillation.spearman:.3f}; largest AUC loss firmware vs teacher "
        f"{min(r['firmware_minus_teacher'] for r in auc.values()):+.3f}"
    )
    return QualityResult(
        distillation=distillation, auc=auc, auc_interval=intervals, auc_interval_method=AUC_INTERVAL_METHOD
    )


STAGE = Stage(
    name="quality",
    description="distillation quality and signal AUCs",
    run=run,
    result=QualityResult,
    upstream=("scores",),
    # the seed drives the AUC bootstrap
    inputs=lambda context: {"seed": context.config.seed},
)
