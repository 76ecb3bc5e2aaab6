"""A build's datasets by name: where they are, how to read them, which test events to use.

Making them is :mod:`cicada.data.make`'s job; this module stays light so that stages which
only read datasets do not depend on the generators.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .hdf5 import read_regions

if TYPE_CHECKING:
    from ..config.sections import DataConfig

ZERO_BIAS_SPLITS = ("train", "val", "test")
ZERO_BIAS_TEST = "zero_bias_test"
#: Hard-scatter events generated in slices and overlaid on pileup, weighted by their share of
#: the crossings (``EventWeight``): they fill the zero-bias tail where trigger thresholds live.
ZERO_BIAS_SLICES = "zero_bias_slices"


def pileup_dataset_name(mu: float) -> str:
    """Name of the extra zero-bias test set at mean pileup ``mu``: zero_bias_mu50, zero_bias_mu62p5."""
    return f"zero_bias_mu{float(mu):g}".replace(".", "p")


def slices_enabled(config: "DataConfig") -> bool:
    """Whether the build makes the weighted hard-scatter slices (``data.slices.events > 0``)."""
    return config.events_per_slice() > 0


def extra_zero_bias_names(config: "DataConfig") -> list[str]:
    """Zero-bias datasets scored besides zero_bias_test: the slices, then the pileup variations."""
    slices = [ZERO_BIAS_SLICES] if slices_enabled(config) else []
    return slices + [pileup_dataset_name(mu) for mu in config.pileup_variations]


def dataset_names(config: "DataConfig") -> list[str]:
    """All dataset names of a build: zero_bias_{train,val,test}, the extra zero-bias sets, the signals."""
    zero_bias = [f"zero_bias_{part}" for part in ZERO_BIAS_SPLITS] + extra_zero_bias_names(config)
    return zero_bias + [s.name for s in config.signals]


def signal_names(config: "DataConfig") -> list[str]:
    """The signal datasets of a build, in config order."""
    return [s.name for s in config.signals]


def test_dataset_names(config: "DataConfig") -> list[str]:
    """The datasets scored for rates and efficiencies: zero-bias test, the extra zero-bias sets
    (slices, pileup variations), then the signals."""
    return [ZERO_BIAS_TEST] + extra_zero_bias_names(config) + [s.name for s in config.signals]


def dataset_path(data_dir: Path, name: str) -> Path:
    return Path(data_dir) / f"{name}.h5"


def split_sizes(n_events: int, fractions: tuple[float, float, float]) -> list[int]:
    """Event counts for train/val/test that add up to ``n_events``."""
    train = round(n_events * fractions[0])
    val = round(n_events * fractions[1])
    return [train, val, n_events - train - val]


def read_dataset(data_dir: Path, name: str) -> np.ndarray:
    """The region images (N, 18, 14) of dataset ``name`` of a build, as stored: ET-only (uint16) or,
    in a build with ``data.region_bits``, with bits (:mod:`cicada.data.region_bits`; ET: ``region_et``)."""
    return read_regions(dataset_path(data_dir, name))


def select_test_events(sizes: dict[str, int], total: int, rng) -> dict[str, np.ndarray]:
    """Which test events to use (e.g. for the C simulation): half zero-bias, half signals.

    ``sizes`` maps dataset names (zero-bias test first) to their sizes. Quotas shrink to what
    each dataset holds and the remainder goes to the others, so ``min(total, sum(sizes))``
    events are always chosen. Returns sorted indices per dataset.
    """

    names = list(sizes)
    n_signals = len(names) - 1
    zero_bias_share = total // 2 if n_signals else total
    signal_shares = np.diff(np.linspace(0, total - zero_bias_share, n_signals + 1).round()).astype(int)
    shares = dict(zip(names, [zero_bias_share, *signal_shares]))
    quota = {name: min(shares[name], sizes[name]) for name in names}
    spare = min(total, sum(sizes.values())) - sum(quota.values())
    for name in names:  # hand out what the small datasets could not take
        extra = min(spare, sizes[name] - quota[name])
        quota[name] += extra
        spare -= extra
    return {name: np.sort(rng.choice(sizes[name], quota[name], replace=False)) for name in names if quota[name]}


def test_events(
    data_dir: Path, config: "DataConfig", seed: int, total: int, stream: str
) -> tuple[np.ndarray, list[tuple[str, int]], dict[str, np.ndarray]]:
    """``total`` test images (half zero-bias, half signals) drawn from the seeded ``stream``:
    (images, (dataset, index) of each image, indices per dataset), in the datasets' layout. The
    zero-bias half comes from zero_bias_test alone."""
    from ..core.seeds import numpy_stream

    names = [ZERO_BIAS_TEST] + signal_names(config)
    images = {name: read_dataset(data_dir, name) for name in names}
    selection = select_test_events({n: len(images[n]) for n in names}, total, numpy_stream(seed, stream))
    chosen = np.concatenate([images[n][idx] for n, idx in selection.items()])
    origin = [(n, int(i)) for n, idx in selection.items() for i in idx]
    return chosen, origin, selection


def rate_sample_weights(data_dir: Path, config: "DataConfig") -> dict[str, np.ndarray]:
    """The zero-bias rate sample: dataset name -> per-event weight, the fraction of filled
    crossings each event stands for (all weights together sum to 1).

    Without slices: zero_bias_test, each event 1/N. With slices (``data.slices``):
    zero_bias_test, whose events with a hard scatter in the sliced range weigh 0, and
    zero_bias_slices, weighted by their share of the crossings (see :mod:`cicada.data.slices`).
    Weighted files carry their weights (``EventWeight``, written by the data stage).
    """
    from ..core.errors import DataError
    from .hdf5 import count_events, read_event_weights

    names = [ZERO_BIAS_TEST] + ([ZERO_BIAS_SLICES] if slices_enabled(config) else [])
    weights = {}
    for name in names:
        path = dataset_path(data_dir, name)
        stored = read_event_weights(path)
        if stored is None:
            if len(names) > 1:
                raise DataError(
                    f"{path}: no 'EventWeight' dataset, expected the weights the data stage writes with slices"
                )
            n = count_events(path)
            stored = np.full(n, 1.0 / n)
        weights[name] = stored
    total = sum(float(w.sum()) for w in weights.values())
    if abs(total - 1.0) > 1e-6:
        files = ", ".join(str(dataset_path(data_dir, n)) for n in names)
        raise DataError(f"{files}: the event weights add up to {total:.9g}, expected 1 (files from different builds?)")
    return weights
