"""The score transform and the trigger-rate arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cicada.evaluation import rates
from cicada.models.score import SCORE_LSB, SCORE_MAX, quantize_score, reconstruction_mse, score_to_lsb, student_target


def test_zero_bias_rate_constant():
    assert rates.ZERO_BIAS_RATE_KHZ == pytest.approx(28_607.28)  # 2544 bunches x 11.245 kHz


def test_reconstruction_mse_is_per_image():
    images = np.zeros((2, 18, 14))
    recon = np.zeros((2, 18, 14))
    recon[1, 0, 0] = 252.0**0.5 * 2  # one pixel off by 2*sqrt(252): MSE 4
    assert reconstruction_mse(images, recon) == pytest.approx([0.0, 4.0])


@pytest.mark.parametrize(
    "mse, expected",
    [
        (1.0, 0.0),  # ln 1 = 0
        (math.e, 32.0),
        (math.exp(2.5), 80.0),
        (0.5, 0.0),  # negative log clips to 0
        (0.0, 0.0),  # log 0 = -inf clips to 0
        (math.exp(8.5), SCORE_MAX),  # 272 saturates just below 256
        (math.exp(100.0 / 32), 100.0),
    ],
)
def test_student_target_known_values(mse, expected):
    assert student_target(np.array([mse]))[0] == pytest.approx(expected, abs=1e-12)


def test_targets_lie_on_the_ufixed_16_8_grid():
    values = student_target(np.random.default_rng(0).uniform(0.1, 5000, 1000))
    assert np.all(values >= 0) and np.all(values <= SCORE_MAX)
    assert np.all(values / SCORE_LSB == np.round(values / SCORE_LSB))
    assert SCORE_MAX == 256 - 1 / 256


def test_quantize_rounds_half_to_even():
    assert quantize_score([0.5 * SCORE_LSB, 1.5 * SCORE_LSB])[0] == 0.0
    assert quantize_score([1.5 * SCORE_LSB])[0] == 2 * SCORE_LSB
    assert score_to_lsb([1.0, SCORE_MAX]).tolist() == [256, 65535]


def test_rate_counts_scores_strictly_above_threshold():
    scores = np.array([1.0, 2.0, 3.0, 4.0])
    assert rates.rate_khz(scores, [0.0, 2.0, 4.0]) == pytest.approx(
        [rates.ZERO_BIAS_RATE_KHZ, rates.ZERO_BIAS_RATE_KHZ / 2, 0.0]
    )


def test_working_point_keeps_rate_at_or_below_target():
    scores = np.arange(100_000) * SCORE_LSB % 200  # many distinct scores
    for target in (0.25, 1.0, 3.0, 100.0):
        wp = rates.working_point(scores, target, SCORE_LSB)
        assert wp.rate_khz <= target
        # one step lower would exceed the target
        assert rates.rate_khz(scores, [wp.threshold - SCORE_LSB])[0] > target or wp.threshold <= scores.min()
        assert wp.zero_bias_events == 100_000


def test_working_point_flags_too_few_events():
    scores = np.random.default_rng(1).uniform(0, 100, 1000)  # one event = 28.6 kHz
    wp = rates.working_point(scores, 1.0, SCORE_LSB)
    assert wp.zero_bias_passing == 0 and wp.rate_khz == 0.0 and wp.statistics_limited
    assert rates.smallest_measurable_rate_khz(1000) == pytest.approx(28.60728)


def test_efficiency():
    assert rates.efficiency(np.array([1, 5, 9, 10]), 5.0) == 0.5
