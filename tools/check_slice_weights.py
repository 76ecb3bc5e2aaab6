#!/usr/bin/env python3
"""Check the weighted hard-scatter slices against plain zero-bias, and their statistical reach.

    python tools/check_slice_weights.py [--plain 1000000] [--bulk 200000] [--slice-events 10000]
                                        [--output tools/results/slice_weights_check.json]

1. Agreement: a large unweighted synthetic zero-bias sample (--plain crossings) and a sample of
   the sizes `cicada build configs/cicada_v2.yaml` makes (zero_bias_test of --bulk crossings,
   stitched to --slice-events per slice, cicada.data.slices) must give the same fraction of
   crossings above fixed levels of simple trigger observables: the hottest region and the 3x3
   jet at the levels the plain sample puts at about 10 kHz and 3 kHz (3.5e-4, 1e-4 of crossings).
   Both fractions are printed with their statistical uncertainties and the pull.
2. Reach: for each default target rate (cicada.config: rates.target_rates_khz) and observable
   (hottest region, 3x3 jet, an autoencoder-like sum of squared deviations from the mean image,
   the HT-like sum, total ET), the relative statistical uncertainty of the rate from the
   stitched sample and from zero_bias_test alone.
3. Time: seconds to generate the stitched sample's slices and the zero-bias events of cicada_v2.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from benchmark_common import RESULTS, machine, write_result

from cicada.config.sections import DataConfig, RatesConfig
from cicada.core.seeds import numpy_stream
from cicada.data import imagestats
from cicada.data.slices import bulk_weights, weighted_fraction, weighted_quantile
from cicada.data.synthetic import pileup as synthetic
from cicada.evaluation.rates import ZERO_BIAS_RATE_KHZ

MU = 60.0
EDGES = DataConfig().slices.pt_hat_edges
CHUNK = 100_000


def observables(images: np.ndarray, mean_image: np.ndarray) -> dict[str, np.ndarray]:
    """Per-crossing values of the observables checked (LSB, or LSB^2 for the autoencoder-like one)."""
    deviation = images.astype(np.float32) - mean_image
    return {
        "hottest_region": imagestats.hottest_region(images).astype(np.float64),
        "jet_et_3x3": imagestats.jet_et_3x3(images).astype(np.float64),
        "squared_deviation": np.einsum("nij,nij->n", deviation, deviation).astype(np.float64),
        "ht_like": imagestats.ht_like(images).astype(np.float64),
        "total_et": imagestats.total_et(images).astype(np.float64),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain", type=int, default=1_000_000, help="unweighted zero-bias crossings")
    parser.add_argument("--bulk", type=int, default=200_000, help="zero_bias_test crossings (cicada_v2: 200,000)")
    parser.add_argument("--slice-events", type=int, default=10_000, help="events per slice (cicada_v2: 10,000)")
    parser.add_argument("--output", type=Path, default=RESULTS / "slice_weights_check.json")
    args = parser.parse_args()
    load_before = os.getloadavg()

    started = time.perf_counter()
    bulk = synthetic.zero_bias_crossings(args.bulk, MU, numpy_stream(1, "check/bulk"))
    bulk_seconds = time.perf_counter() - started
    started = time.perf_counter()
    slices = synthetic.slice_crossings(EDGES, args.slice_events, MU, numpy_stream(1, "check/slices"))
    slice_seconds = time.perf_counter() - started
    mean_image = bulk.images.mean(axis=0, dtype=np.float64).astype(np.float32)
    weights = np.concatenate([bulk_weights(bulk.pt_hat_gev, EDGES[0], slices.weights.sum()), slices.weights])
    stitched = {
        name: np.concatenate([a, b])
        for (name, a), b in zip(
            observables(bulk.images, mean_image).items(), observables(slices.images, mean_image).values()
        )
    }
    test_only = observables(bulk.images, mean_image)

    plain: dict[str, list[np.ndarray]] = {name: [] for name in stitched}
    started = time.perf_counter()
    for start in range(0, args.plain, CHUNK):
        n = min(CHUNK, args.plain - start)
        images = synthetic.zero_bias(n, MU, numpy_stream(start, "check/plain"))
        for name, values in observables(images, mean_image).items():
            plain[name].append(values)
    plain_seconds = time.perf_counter() - started
    plain_values = {name: np.concatenate(v) for name, v in plain.items()}
    n_plain = args.plain

    agreement = []
    for name in ("hottest_region", "jet_et_3x3"):
        for fraction in (3.5e-4, 1e-4):
            level = weighted_quantile(plain_values[name], np.full(n_plain, 1 / n_plain), fraction)
            above = int(np.count_nonzero(plain_values[name] > level))
            u, u_error = above / n_plain, np.sqrt(above) / n_plain
            s, s_error = weighted_fraction(stitched[name], weights, level)
            agreement.append(
                {
                    "observable": name,
                    "level_gev": level * 0.5,
                    "plain_fraction": u,
                    "plain_uncertainty": u_error,
                    "stitched_fraction": s,
                    "stitched_uncertainty": s_error,
                    "pull": (s - u) / np.hypot(u_error, s_error),
                }
            )

    reach = []
    n_bulk = args.bulk
    for target in RatesConfig().target_rates_khz:
        fraction = target / ZERO_BIAS_RATE_KHZ
        row = {"target_khz": target}
        for name, values in stitched.items():
            level = weighted_quantile(values, weights, fraction)
            s, s_error = weighted_fraction(values, weights, level)
            passing = int(
                np.count_nonzero(
                    test_only[name] > weighted_quantile(test_only[name], np.full(n_bulk, 1 / n_bulk), fraction)
                )
            )
            row[name] = {
                "stitched_relative_uncertainty": round(s_error / s, 4) if s > 0 else None,
                "zero_bias_test_relative_uncertainty": round(1 / np.sqrt(passing), 4) if passing else None,
            }
        reach.append(row)

    result = {
        "plain_crossings": n_plain,
        "zero_bias_test_crossings": n_bulk,
        "events_per_slice": args.slice_events,
        "pt_hat_edges": list(EDGES),
        "agreement": agreement,
        "reach": reach,
        "seconds": {
            "zero_bias_test": round(bulk_seconds, 1),
            "slices": round(slice_seconds, 1),
            "plain": round(plain_seconds, 1),
        },
        "machine": machine(load_before),
    }
    write_result(args.output, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
