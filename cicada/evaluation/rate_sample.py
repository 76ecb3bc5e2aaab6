"""The zero-bias rate sample: what every rate, threshold, seed and pure rate is measured on.

A rate sample is one or more files of zero-bias region images, each event with its score and
its weight (the share of filled crossings it stands for; all weights add up to 1). It is the
build's own (``zero_bias_test`` and the weighted hard-scatter slices, see
:func:`cicada.data.datasets.rate_sample_weights`) or any zero-bias sample a user brings
(:func:`from_files`: recorded zero-bias, another pileup, another generator), weighted by its
``EventWeight`` datasets or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from ..core.errors import DataError
from ..data.hdf5 import WEIGHTS_KEY, read_event_weights

#: How the weights of user files are read: from EventWeight when every file has it (auto), always
#: (weighted: a file without is an error), or never (unweighted: every event counts alike).
Weighting = Literal["auto", "weighted", "unweighted"]


@dataclass
class RateSample:
    """Every dataset's scores and weights, concatenated in order."""

    names: list[str]
    sizes: list[int]
    #: the region files, in order (the seeds and the pileup counts are read from them)
    paths: list[Path]
    #: firmware scores
    scores: np.ndarray
    weights: np.ndarray
    #: the teacher's MSE of every event, or None (no teacher, or not scored)
    teacher: np.ndarray | None
    #: what the sample is, for reports and figure labels
    source: str

    @property
    def weighted(self) -> bool:
        return bool(self.weights.size and np.ptp(self.weights) > 0)

    def parts(self) -> dict[str, slice]:
        """Dataset name -> its events in the concatenated arrays."""
        bounds = np.cumsum([0, *self.sizes])
        return {name: slice(int(bounds[i]), int(bounds[i + 1])) for i, name in enumerate(self.names)}

    def label(self) -> str:
        """A short description for figures: the source, weighted or not, and the events."""
        return f"{self.source}, {'weighted' if self.weighted else 'unweighted'}, {sum(self.sizes):,} events"


def from_files(
    paths: list[Path], scores: list[dict[str, np.ndarray]], weighting: Weighting = "auto"
) -> tuple[RateSample, str]:
    """A rate sample of user files and their scores (one ``read_scores`` entry per file: ``firmware``,
    optionally ``teacher_mse``), and a sentence saying how it was weighted.

    The weights are the files' ``EventWeight`` (``weighting`` auto: when every file has one; weighted:
    required) scaled to add up to 1 over all files, or 1/N for each of the N events (unweighted)."""
    paths = [Path(p) for p in paths]
    stored = [read_event_weights(path) for path in paths] if weighting != "unweighted" else [None] * len(paths)
    missing = [path for path, w in zip(paths, stored) if w is None]
    if weighting == "weighted" and missing:
        raise DataError(f"{missing[0]}: no '{WEIGHTS_KEY}' dataset, expected per-event weights (--weighted)")
    if weighting == "auto" and missing and len(missing) < len(paths):
        having = next(path for path, w in zip(paths, stored) if w is not None)
        raise DataError(
            f"{missing[0]}: no '{WEIGHTS_KEY}' dataset while {having} has one: expected weights in every file or in "
            "none (--unweighted ignores them)"
        )
    sizes = [len(s["firmware"]) for s in scores]
    if missing or weighting == "unweighted":
        total = sum(sizes)
        weights = np.full(total, 1.0 / total)
        how = f"unweighted: each of the {total:,} events stands for 1/{total:,} of the crossings"
    else:
        for path, w, n in zip(paths, stored, sizes):
            if len(w) != n:
                raise DataError(f"{path}: '{WEIGHTS_KEY}' has {len(w)} entries, expected {n} like its images")
        weights = np.concatenate(stored)
        raw = float(weights.sum())
        if raw <= 0:
            raise DataError(f"{paths[0]}: the '{WEIGHTS_KEY}' values add up to 0, expected a positive total")
        weights = weights / raw
        how = f"weighted by {WEIGHTS_KEY}, scaled to add up to 1 (they added up to {raw:.6g})"
    teacher = None
    if all("teacher_mse" in s for s in scores):
        teacher = np.concatenate([np.asarray(s["teacher_mse"], dtype=np.float64) for s in scores])
    sample = RateSample(
        names=[path.stem for path in paths],
        sizes=sizes,
        paths=paths,
        scores=np.concatenate([np.asarray(s["firmware"], dtype=np.float64) for s in scores]),
        weights=weights,
        teacher=teacher,
        source="zero-bias " + ", ".join(path.name for path in paths),
    )
    return sample, how
