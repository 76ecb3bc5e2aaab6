#!/usr/bin/env python3
"""Time the rates stage's arithmetic and write the figures as JSON.

    python tools/benchmark_rates.py [--events 200000] [--replicas 200] [--output tools/results/rates_benchmark.json]

On ``--events`` zero-bias-like region images (Poisson(3) ET per region) with a stand-in score
(exponential, on the ufixed<16,8> grid): the emulated L1 seed quantities (3x3 jets, HT, missing
ET, ring-median pileup subtraction) in events/s, the weighted rate curve and five working points, and the Poisson bootstrap of the
thresholds (``--replicas`` replicas, targets 0.25-3 kHz) for an unweighted sample and for a weighted
one (weights spread over two decades). Best of three repeats, with the load average: other work on
the machine slows the figures down.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from benchmark_common import RESULTS, machine, write_result

TARGETS_KHZ = [0.25, 0.5, 1.0, 1.6, 3.0]


def best_of(repeats: int, work) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--replicas", type=int, default=200)
    parser.add_argument("--output", default=str(RESULTS / "rates_benchmark.json"))
    args = parser.parse_args()

    from cicada.evaluation import l1_seeds, rates
    from cicada.models.score import SCORE_LSB, quantize_score

    load = os.getloadavg()
    rng = np.random.default_rng(1)
    images = np.minimum(rng.poisson(3, size=(args.events, 18, 14)), 1023).astype(np.uint16)
    scores = quantize_score(rng.exponential(10.0, args.events))
    weights = 10 ** rng.uniform(-1, 1, args.events)
    weights /= weights.sum()

    emulation = l1_seeds.Emulation(18.0, 2.4, pileup_subtraction=True)
    seeds_s = best_of(3, lambda: l1_seeds.seed_quantities(images, emulation))
    curve_s = best_of(
        3,
        lambda: [rates.working_point(scores, t, SCORE_LSB, weights) for t in TARGETS_KHZ],
    )

    def bootstrap(w):
        return lambda: rates.bootstrap_thresholds(
            scores, TARGETS_KHZ, SCORE_LSB, np.random.default_rng(2), args.replicas, w
        )

    unweighted_s = best_of(3, bootstrap(None))
    weighted_s = best_of(3, bootstrap(weights))
    write_result(
        args.output,
        {
            "events": args.events,
            "replicas": args.replicas,
            "seed_quantities_events_per_s": round(args.events / seeds_s),
            "working_points_s": round(curve_s, 3),
            "bootstrap_unweighted_s": round(unweighted_s, 3),
            "bootstrap_weighted_s": round(weighted_s, 3),
            "machine": machine(load, numpy=np.__version__),
        },
    )


if __name__ == "__main__":
    main()
