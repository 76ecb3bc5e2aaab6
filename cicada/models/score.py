"""The anomaly score: the reconstruction MSE and the student's regression target.

One home for the score transform. Each teacher architecture defines its own score
(:mod:`cicada.models.teachers`); the ET-only CICADA teachers' is the per-image mean squared
error between the region image and its reconstruction (in LSB^2). The student learns
``32 * ln(score)`` quantized like its output, ``ufixed<16,8>``: steps of 1/256 in [0, 256),
whatever the teacher (CICADA 2026: ``clip(32 ln score, 0, 256)``).
"""

from __future__ import annotations

import numpy as np

SCORE_WIDTH = 16
SCORE_INTEGER_BITS = 8
SCORE_FRACTIONAL_BITS = SCORE_WIDTH - SCORE_INTEGER_BITS
SCORE_LSB = 2.0**-SCORE_FRACTIONAL_BITS
SCORE_MAX = 2.0**SCORE_INTEGER_BITS - SCORE_LSB
LOG_SCALE = 32.0


def reconstruction_mse(images, reconstructed) -> np.ndarray:
    """Per-image mean squared error (float64) between two stacks of equal-shape images."""
    images = np.asarray(images, dtype=np.float64)
    reconstructed = np.asarray(reconstructed, dtype=np.float64)
    if images.shape != reconstructed.shape:
        raise ValueError(f"shape mismatch: {images.shape} vs {reconstructed.shape}")
    axes = tuple(range(1, images.ndim))
    return np.mean((images - reconstructed) ** 2, axis=axes)


def quantize_score(values) -> np.ndarray:
    """Round to the nearest 1/256 (ties to even, as QKeras and CICADA do) and clip to [0, 256)."""
    values = np.asarray(values, dtype=np.float64)
    quantized = np.round(values / SCORE_LSB) * SCORE_LSB
    return np.clip(np.nan_to_num(quantized, nan=0.0, neginf=0.0, posinf=SCORE_MAX), 0.0, SCORE_MAX)


def student_target(score) -> np.ndarray:
    """The student's regression target from a teacher's score: ``quantize_score(32 * ln(score))``;
    a score of 0 gives 0, a score below 1 gives 0 (its logarithm is negative)."""
    score = np.asarray(score, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return quantize_score(LOG_SCALE * np.log(score))


def score_to_lsb(scores) -> np.ndarray:
    """Scores on the ufixed<16,8> grid as integers (units of 1/256)."""
    return np.rint(np.asarray(scores, dtype=np.float64) / SCORE_LSB).astype(np.int64)
