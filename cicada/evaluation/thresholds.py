"""Working-point thresholds as files for menu tools: ``thresholds.csv`` and ``thresholds.json``."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Sequence

from ..core.files import write_json, write_text
from .efficiency import CONFIDENCE_LEVEL
from .rates import ZERO_BIAS_RATE_KHZ, WorkingPoint

THRESHOLDS_CSV = "thresholds.csv"
THRESHOLDS_JSON = "thresholds.json"

COLUMNS = (
    "target_khz",
    "threshold",
    "threshold_lsb",
    "threshold_low",
    "threshold_high",
    "rate_khz",
    "rate_uncertainty_khz",
    "relative_uncertainty",
    "statistics_limited",
    "pure_rate_khz",
    "pure_rate_uncertainty_khz",
)


def rows(points: Sequence[WorkingPoint], score_lsb: float) -> list[dict]:
    """One row per working point; the threshold also as an integer count of score LSBs."""
    out = []
    for wp in points:
        low, high = wp.threshold_interval or (None, None)
        out.append(
            {
                "target_khz": wp.target_khz,
                "threshold": wp.threshold,
                "threshold_lsb": int(round(wp.threshold / score_lsb)),
                "threshold_low": low,
                "threshold_high": high,
                "rate_khz": wp.rate_khz,
                "rate_uncertainty_khz": wp.rate_uncertainty_khz,
                "relative_uncertainty": wp.relative_uncertainty,
                "statistics_limited": wp.statistics_limited,
                "pure_rate_khz": wp.pure_rate_khz,
                "pure_rate_uncertainty_khz": wp.pure_rate_uncertainty_khz,
            }
        )
    return out


def write_thresholds(
    directory: Path, points: Sequence[WorkingPoint], score_type: str, score_lsb: float, about: dict
) -> dict[str, Path]:
    """Write both files (each atomically); ``about`` (build name, rate sample...) goes into the JSON."""
    table = rows(points, score_lsb)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in table)
    document = {
        **about,
        "score_type": score_type,
        "score_lsb": score_lsb,
        "accept": "score > threshold (strictly above: events at the threshold are rejected)",
        "threshold_lsb": "threshold / score_lsb, an integer; below 0 accepts every event",
        "zero_bias_rate_khz": ZERO_BIAS_RATE_KHZ,
        "threshold_interval": f"central {CONFIDENCE_LEVEL:.2%} interval of Poisson-bootstrap replicas",
        "working_points": table,
    }
    return {
        "csv": write_text(Path(directory) / THRESHOLDS_CSV, text.getvalue()),
        "json": write_json(Path(directory) / THRESHOLDS_JSON, document),
    }
