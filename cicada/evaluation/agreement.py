"""How closely a float model's firmware follows the float model: agreement, not bit-exactness.

A float model's firmware rounds where Keras does not (:mod:`cicada.firmware.float_types`), so
the two are compared as measurements: per output the largest and the mean absolute difference,
the share of events within the error target, the rank correlation of the trigger score, the
change in ROC AUC per signal, and the change in rate at each working point (the threshold set
on the float score for the target rate on zero-bias; the firmware's rate at that threshold).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from ..core.lhc import ZERO_BIAS_RATE_KHZ
from ..core.markdown import table
from .metrics import roc_auc, spearman

#: working points (kHz) the agreement is reported at unless told otherwise
TARGETS_KHZ = (1.0, 5.0, 10.0)


@dataclass(frozen=True)
class OutputAgreement:
    output: int
    max_abs: float
    mean_abs: float


@dataclass(frozen=True)
class SignalAgreement:
    signal: str
    auc_float: float
    auc_firmware: float

    @property
    def delta(self) -> float:
        return self.auc_firmware - self.auc_float


@dataclass(frozen=True)
class RateAgreement:
    target_khz: float
    threshold: float
    rate_float_khz: float
    rate_firmware_khz: float

    @property
    def delta_khz(self) -> float:
        return self.rate_firmware_khz - self.rate_float_khz


@dataclass(frozen=True)
class Agreement:
    events: int
    tolerance: float
    share_within: float
    outputs: list[OutputAgreement]
    score_spearman: float
    signals: list[SignalAgreement] = field(default_factory=list)
    rates: list[RateAgreement] = field(default_factory=list)

    def as_json(self) -> dict:
        data = asdict(self)
        data["signals"] = [{**asdict(s), "delta": s.delta} for s in self.signals]
        data["rates"] = [{**asdict(r), "delta_khz": r.delta_khz} for r in self.rates]
        return data

    def markdown(self) -> str:
        lines = [
            f"Firmware against the float model on {self.events:,} events: every output within {self.tolerance:g} "
            f"on {self.share_within:.4%} of them; score rank correlation (Spearman) {self.score_spearman:.6f}.",
            "",
            *table(
                ["output", "max abs difference", "mean abs difference"],
                [[str(o.output), f"{o.max_abs:.4g}", f"{o.mean_abs:.4g}"] for o in self.outputs],
            ),
        ]
        if self.signals:
            lines += [
                "",
                *table(
                    ["signal", "AUC float", "AUC firmware", "change"],
                    [
                        [s.signal, f"{s.auc_float:.5f}", f"{s.auc_firmware:.5f}", f"{s.delta:+.5f}"]
                        for s in self.signals
                    ],
                ),
            ]
        if self.rates:
            lines += [
                "",
                *table(
                    ["working point", "threshold (float score)", "rate float", "rate firmware", "change"],
                    [
                        [
                            f"{r.target_khz:g} kHz",
                            f"{r.threshold:.6g}",
                            f"{r.rate_float_khz:.4g} kHz",
                            f"{r.rate_firmware_khz:.4g} kHz",
                            f"{r.delta_khz:+.4g} kHz",
                        ]
                        for r in self.rates
                    ],
                ),
            ]
        return "\n".join(lines)


def first_output(outputs: np.ndarray) -> np.ndarray:
    return outputs[:, 0]


def agreement(
    firmware: dict[str, np.ndarray],
    reference: dict[str, np.ndarray],
    zero_bias: str,
    tolerance: float,
    score: Callable[[np.ndarray], np.ndarray] = first_output,
    targets_khz=TARGETS_KHZ,
) -> Agreement:
    """Compare firmware and float outputs (N, n_out) per sample; ``score`` makes the trigger score of outputs."""
    names = list(reference)
    fw = np.concatenate([np.asarray(firmware[n], np.float64).reshape(len(firmware[n]), -1) for n in names])
    ref = np.concatenate([np.asarray(reference[n], np.float64).reshape(len(reference[n]), -1) for n in names])
    difference = np.abs(fw - ref)
    outputs = [
        OutputAgreement(i, float(difference[:, i].max()), float(difference[:, i].mean())) for i in range(fw.shape[1])
    ]
    within = float(np.all(difference <= tolerance * (1 + 1e-9), axis=1).mean())
    scores_fw = {n: score(np.asarray(firmware[n], np.float64).reshape(len(firmware[n]), -1)) for n in names}
    scores_ref = {n: score(np.asarray(reference[n], np.float64).reshape(len(reference[n]), -1)) for n in names}
    rho = spearman(np.concatenate(list(scores_fw.values())), np.concatenate(list(scores_ref.values())))
    signals = [
        SignalAgreement(n, roc_auc(scores_ref[zero_bias], scores_ref[n]), roc_auc(scores_fw[zero_bias], scores_fw[n]))
        for n in names
        if n != zero_bias
    ]
    rates = []
    background_ref, background_fw = scores_ref[zero_bias], scores_fw[zero_bias]
    for target in targets_khz:
        share = target / ZERO_BIAS_RATE_KHZ
        if share * len(background_ref) < 1:
            continue  # fewer zero-bias events than the working point needs to pass one
        threshold = float(np.quantile(background_ref, 1 - share))
        rates.append(
            RateAgreement(
                target,
                threshold,
                float((background_ref > threshold).mean() * ZERO_BIAS_RATE_KHZ),
                float((background_fw > threshold).mean() * ZERO_BIAS_RATE_KHZ),
            )
        )
    return Agreement(len(ref), tolerance, within, outputs, rho, signals, rates)
