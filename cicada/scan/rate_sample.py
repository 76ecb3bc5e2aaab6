"""A scan's large zero-bias rate sample: generated once per data group, scored by every point.

A build's test set (tens of thousands of events) cannot measure rates near 1 kHz: one event
stands for ~0.7 kHz. With ``rate_sample`` in the scan file, each group's sample is generated
in shards (:mod:`.shards`), each finished point's firmware scores it in shards, and the table's
thresholds, rates and efficiencies come from it (the signals' scores are the point's own,
from its scores stage); ``rate_sample_events`` says so in the table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.files import sha256_json, sha256_tree
from ..data.datasets import ZERO_BIAS_TEST
from ..data.hdf5 import read_scores
from ..data.student_inputs import fingerprint_inputs
from ..evaluation import rates
from ..evaluation.efficiency import efficiency
from ..models.score import SCORE_LSB
from .results import rate_label
from .shards import ShardPlan, generate_sharded, sample_key, score_sharded

SAMPLE_FILE = "rate_sample.h5"
SCORES_FILE = "rate_sample_scores.h5"
#: Above the scan's point tasks, so a finished point is scored while the others wait.
PRIORITY = 10


def make_sample(client, spec, config, base_dir: Path, shared_dir: Path) -> Path:
    plan = ShardPlan(spec.rate_sample.events, spec.rate_sample.shard_events)
    return generate_sharded(client, config.data, config.seed, base_dir, plan, shared_dir / SAMPLE_FILE)


def point_figures(client, spec, config, sample: Path, scores_file: Path, project_dir: Path) -> dict:
    """The point's thresholds, rates and efficiencies at its target rates, from the rate sample."""
    key = sha256_json(
        {
            "sample": sample_key(
                config.data.plain(), config.seed, ShardPlan(spec.rate_sample.events, spec.rate_sample.shard_events)
            ),
            "firmware": sha256_tree(project_dir / "firmware"),
            **fingerprint_inputs(config.student.input),
        }
    )
    zero_bias = score_sharded(
        client,
        project_dir,
        sample,
        spec.rate_sample.shard_events,
        scores_file.parent / SCORES_FILE,
        key,
        PRIORITY,
        config.student.input,
    )
    signals = {n: s["firmware"] for n, s in read_scores(scores_file).items() if n != ZERO_BIAS_TEST}
    row: dict = {"zero_bias_events": int(len(zero_bias)), "rate_sample_events": int(len(zero_bias))}
    for target in config.rates.target_rates_khz:
        point = rates.working_point(zero_bias, target, SCORE_LSB)
        label = rate_label(target)
        row[f"threshold@{label}"] = point.threshold
        row[f"rate@{label}"] = point.rate_khz
        row[f"statistics_limited@{label}"] = point.statistics_limited
        for name, scores in signals.items():
            measured = efficiency(rates.accepts(np.asarray(scores), point.threshold))
            row[f"efficiency@{label}:{name}"] = measured.value
            row[f"efficiency_low@{label}:{name}"] = measured.low
            row[f"efficiency_high@{label}:{name}"] = measured.high
    return row
