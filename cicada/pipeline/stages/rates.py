"""Stage ``rates``: trigger rate against threshold from the firmware-exact zero-bias scores."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...data.datasets import ZERO_BIAS_TEST
from ...data.hdf5 import read_scores
from ...evaluation import plots, rates
from ...models.score import SCORE_LSB
from ..context import BuildContext
from ..engine import Stage

RATE_PLOT = "rate_vs_threshold.png"
SCORE_PLOT = "score_distributions.png"


@dataclass
class RatesResult:
    score: str
    zero_bias_rate_khz: float
    zero_bias_events: int
    smallest_measurable_rate_khz: float
    working_points: list[rates.WorkingPoint]
    rate_plot: str
    score_plot: str


def run(context: BuildContext) -> RatesResult:
    scores = read_scores(context.scores_file)
    zero_bias = scores[ZERO_BIAS_TEST]["firmware"]
    signals = {n: s["firmware"] for n, s in scores.items() if n != ZERO_BIAS_TEST}
    points = []
    for target in context.config.rates.target_rates_khz:
        point = rates.working_point(zero_bias, target, SCORE_LSB)
        point.signal_efficiency.update({n: rates.efficiency(s, point.threshold) for n, s in signals.items()})
        points.append(point)
    grid = np.unique(np.concatenate([zero_bias, [zero_bias.min() - SCORE_LSB]]))
    smallest = rates.smallest_measurable_rate_khz(len(zero_bias))
    rate_plot = plots.plot_rate_vs_threshold(
        grid,
        rates.rate_khz(zero_bias, grid),
        [p.as_dict() for p in points],
        smallest,
        context.project_dir / RATE_PLOT,
        f"{context.config.name}: trigger rate vs firmware score threshold",
    )
    score_plot = plots.plot_score_distributions(
        {"zero-bias": zero_bias, **signals}, context.project_dir / SCORE_PLOT, f"{context.config.name}: firmware scores"
    )
    return RatesResult(
        score="firmware-exact (HLS project C++, verified bit-exact against QKeras)",
        zero_bias_rate_khz=rates.ZERO_BIAS_RATE_KHZ,
        zero_bias_events=int(len(zero_bias)),
        smallest_measurable_rate_khz=smallest,
        working_points=points,
        rate_plot=context.relative(rate_plot),
        score_plot=context.relative(score_plot),
    )


def outputs(context: BuildContext) -> list[Path]:
    return [context.project_dir / RATE_PLOT, context.project_dir / SCORE_PLOT]


STAGE = Stage(
    name="rates",
    description="trigger rates from firmware scores",
    run=run,
    result=RatesResult,
    upstream=("scores",),
    inputs=lambda context: {"rates": context.config.rates},
    outputs=outputs,
)
