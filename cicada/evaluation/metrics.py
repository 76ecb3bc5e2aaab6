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


def _weighted_auc(background_counts: np.ndarray, signal_counts: np.ndarray) -> float:
    """AUC of two histograms on one ascending grid of distinct values (ties count one half)."""
    below = np.cumsum(background_counts) - background_counts
    total = background_counts.sum() * signal_counts.sum()
    return float((signal_counts * (below + 0.5 * background_counts)).sum() / total) if total > 0 else float("nan")


def auc_intervals(
    background: dict[str, np.ndarray],
    signals: dict[str, dict[str, np.ndarray]],
    rng: np.random.Generator,
    replicas: int,
    level: float,
) -> dict[str, dict[str, list[float]]]:
    """Poisson-bootstrap intervals of the ROC AUC of every signal and score kind: signal -> kind -> [low, high].

    ``background``: score kind -> zero-bias scores; ``signals``: signal -> score kind -> scores. Each
    replica gives every event a Poisson(1) multiplicity, one draw per event shared by all score kinds (the
    same events resampled), the zero-bias events' draws shared by all signals; the interval is the central
    ``level`` of the replicas' AUCs, which are computed exactly on each replica's weighted histograms. With
    ``firmware`` and ``teacher`` kinds, ``firmware_minus_teacher`` is the interval of their difference.
    """
    kinds = list(background)
    grids = {}  # (signal, kind) -> distinct values' inverse indices of background and signal, grid size
    for name, scores in signals.items():
        for kind in kinds:
            b, s = np.asarray(background[kind], np.float64), np.asarray(scores[kind], np.float64)
            _, inverse = np.unique(np.concatenate([b, s]), return_inverse=True)
            grids[name, kind] = (inverse[: b.size], inverse[b.size :], int(inverse.max(initial=-1)) + 1)
    n_background = len(next(iter(background.values())))
    values: dict[tuple[str, str], list[float]] = {key: [] for key in grids}
    for stream in rng.spawn(replicas):
        drawn = stream.poisson(1.0, n_background).astype(np.float64)
        for name, scores in signals.items():
            signal_drawn = stream.poisson(1.0, len(next(iter(scores.values())))).astype(np.float64)
            for kind in kinds:
                back, sig, size = grids[name, kind]
                values[name, kind].append(
                    _weighted_auc(
                        np.bincount(back, weights=drawn, minlength=size),
                        np.bincount(sig, weights=signal_drawn, minlength=size),
                    )
                )
    for name in signals:  # the student's loss against the teacher, replica by replica
        if (name, "firmware") in values and (name, "teacher") in values:
            values[name, "firmware_minus_teacher"] = list(
                np.subtract(values[name, "firmware"], values[name, "teacher"])
            )
    tail = (1 - level) / 2
    out: dict[str, dict[str, list[float]]] = {name: {} for name in signals}
    for (name, kind), aucs in values.items():
        low, high = np.nanquantile(np.asarray(aucs), [tail, 1 - tail])
        out[name][kind] = [float(low), float(high)]
    return out
