"""The anomaly trigger beside the emulated standard seeds: rates, pure rate and efficiency gain.

All rates are weighted sums over the zero-bias rate sample (see :mod:`.rates`); efficiencies
are fractions of signal events with Clopper-Pearson intervals (see :mod:`.efficiency`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..core.l1_menu import LEVEL1_BUDGET_KHZ
from .efficiency import Efficiency, efficiency
from .l1_seeds import Seed
from .rates import WorkingPoint, weighted_rate


@dataclass
class SeedRate:
    """One emulated seed: its definition, its own rate and its efficiency per signal."""

    name: str
    menu_seed: str
    description: str
    menu_threshold_gev: float
    region_threshold_gev: float
    rate_khz: float
    rate_uncertainty_khz: float
    signal_efficiency: dict[str, Efficiency] = field(default_factory=dict)
    #: the rate this seed adds that no other emulated seed takes (as menu tools keep it per seed)
    pure_rate_khz: float | None = None
    pure_rate_uncertainty_khz: float | None = None
    #: the seed's rate in the menu (kHz), where it comes from, and whether it was measured (False: assumed;
    #: None: given in the config)
    target_rate_khz: float | None = None
    target_rate_source: str = ""
    target_rate_measured: bool | None = None
    #: the menu threshold x response (region-ET GeV) and the rate it would give on the same sample
    menu_region_threshold_gev: float | None = None
    menu_threshold_rate_khz: float | None = None
    menu_threshold_rate_uncertainty_khz: float | None = None


@dataclass
class SeedsSummary:
    """The emulated seeds, alone and together (their OR)."""

    #: region ET per calibrated GeV applied to the menu thresholds, and where it comes from
    response: float
    response_source: str
    seeds: list[SeedRate]
    combined_rate_khz: float
    combined_rate_uncertainty_khz: float
    #: signal -> efficiency of the OR of the seeds
    signal_efficiency: dict[str, Efficiency] = field(default_factory=dict)
    #: how the region thresholds were set: "fitted" to the seeds' menu rates, or "menu" threshold x response
    thresholds: str = "menu"
    #: the Level-1 accept rate the whole menu must fit in (kHz)
    budget_khz: float = LEVEL1_BUDGET_KHZ


def any_seed(decisions: dict[str, np.ndarray], n_events: int) -> np.ndarray:
    """Events accepted by at least one seed (none when there are no seeds)."""
    combined = np.zeros(n_events, dtype=bool)
    for accepted in decisions.values():
        combined |= accepted
    return combined


def seeds_summary(
    seeds: list[Seed],
    response: float,
    response_source: str,
    sample_decisions: dict[str, np.ndarray],
    weights: np.ndarray,
    signal_decisions: dict[str, dict[str, np.ndarray]],
    sample_quantities: dict[str, np.ndarray] | None = None,
    thresholds: str = "menu",
) -> SeedsSummary:
    """Each seed's rate and efficiencies, and those of their OR.

    ``sample_decisions``: seed name -> accepted events of the rate sample (weights ``weights``);
    ``signal_decisions``: signal -> seed name -> accepted signal events; ``sample_quantities`` (the seed
    quantities of the rate sample), when given, adds each seed's rate at its menu threshold x response.
    """
    rows = []
    for seed in seeds:
        rate, error = weighted_rate(sample_decisions[seed.name], weights)
        others = any_seed({n: d for n, d in sample_decisions.items() if n != seed.name}, len(weights))
        pure, pure_error = weighted_rate(sample_decisions[seed.name] & ~others, weights)
        menu_rate = menu_error = None
        if sample_quantities is not None and seed.menu_region_threshold_gev is not None:
            menu_rate, menu_error = weighted_rate(
                sample_quantities[seed.quantity] >= seed.menu_region_threshold_gev, weights
            )
        rows.append(
            SeedRate(
                seed.name,
                seed.menu_seed,
                seed.description,
                seed.menu_threshold_gev,
                seed.region_threshold_gev,
                rate,
                error,
                {signal: efficiency(d[seed.name]) for signal, d in signal_decisions.items()},
                pure,
                pure_error,
                seed.target_rate_khz,
                seed.target_rate_source,
                seed.target_rate_measured,
                seed.menu_region_threshold_gev,
                menu_rate,
                menu_error,
            )
        )
    combined, error = weighted_rate(any_seed(sample_decisions, len(weights)), weights)
    return SeedsSummary(
        response,
        response_source,
        rows,
        combined,
        error,
        {signal: efficiency(any_seed(d, _events(d))) for signal, d in signal_decisions.items()},
        thresholds,
    )


def with_seeds(
    point: WorkingPoint,
    accepted: np.ndarray,
    weights: np.ndarray,
    seeds_accept: np.ndarray,
    signal_accepted: dict[str, np.ndarray],
    signal_seeds_accept: dict[str, np.ndarray],
) -> WorkingPoint:
    """``point`` with the anomaly trigger (``accepted`` on the rate sample, ``signal_accepted`` per
    signal) added to the seeds (their OR: ``seeds_accept``, ``signal_seeds_accept``): its pure rate,
    the rate of the OR of everything, and the signal it adds."""
    pure, pure_error = weighted_rate(accepted & ~seeds_accept, weights)
    total, total_error = weighted_rate(accepted | seeds_accept, weights)
    # eff(OR(seeds, anomaly)) - eff(OR(seeds)) is the fraction the anomaly trigger alone accepts
    gain = {name: efficiency(signal_accepted[name] & ~signal_seeds_accept[name]) for name in signal_accepted}
    return dataclasses.replace(
        point,
        pure_rate_khz=pure,
        pure_rate_uncertainty_khz=pure_error,
        total_rate_khz=total,
        total_rate_uncertainty_khz=total_error,
        signal_gain=gain,
    )


def _events(decisions: dict[str, np.ndarray]) -> int:
    return len(next(iter(decisions.values()))) if decisions else 0
