"""How well the student reproduces the teacher, and how well scores separate signals."""

from __future__ import annotations

import numpy as np


def average_ranks(values) -> np.ndarray:
    """Ranks 1..N with ties given their average rank (as scipy.stats.rankdata)."""
    values = np.asarray(values)
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    return (np.bincount(inverse, weights=ranks) / counts)[inverse]


def roc_auc(background, signal) -> float:
    """Area under the ROC curve: the probability that a signal event scores above a
    background event (ties count one half). 0.5 is no separation."""
    background, signal = np.asarray(background, dtype=np.float64), np.asarray(signal, dtype=np.float64)
    if len(background) == 0 or len(signal) == 0:
        return float("nan")
    ranks = average_ranks(np.concatenate([background, signal]))
    n_s, n_b = len(signal), len(background)
    return float((ranks[n_b:].sum() - n_s * (n_s + 1) / 2) / (n_s * n_b))


def pearson(a, b) -> float:
    return float(np.corrcoef(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))[0, 1])


def spearman(a, b) -> float:
    return pearson(average_ranks(a), average_ranks(b))
