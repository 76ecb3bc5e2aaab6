#!/usr/bin/env python3
"""Calibrate the synthetic zero-bias model against Pythia 8 min-bias at mu = 60.

    python tools/calibrate_zero_bias.py [--images 20000] [--pool 5000] [--write]

1. Reference: a Pythia 8 min-bias pool (CP5, 13.6 TeV, the detector response of
   cicada.data.detector) overlaid at mu = 60, reduced to the statistics of
   cicada.data.imagestats.zero_bias_statistics plus the mean region ET per eta ring and region-ET
   quantiles.
2. Fit: coordinate search over the ZeroBiasModel parameters, minimising the squared relative
   differences of those statistics.
3. Output: the reference, the fitted parameters and the fitted model's statistics, printed;
   with --write also stored in cicada/data/reference/zero_bias_mu60.json, which the tests read.
   Copy the fitted parameters into ZeroBiasModel's defaults by hand (they are code).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cicada.core.seeds import numpy_stream, pythia_seed  # noqa: E402
from cicada.data.imagestats import zero_bias_statistics  # noqa: E402
from cicada.data.pythia import generation, overlay  # noqa: E402
from cicada.data.pythia import pool as pileup_pool  # noqa: E402
from cicada.data.synthetic import pileup as synthetic  # noqa: E402

REFERENCE_FILE = REPO / "cicada" / "data" / "reference" / "zero_bias_mu60.json"
SEED = 2026
MU = 60.0


def statistics(images: np.ndarray) -> dict:
    stats = zero_bias_statistics(images)
    stats["eta_profile"] = [round(float(v), 4) for v in images.mean(axis=(0, 1))]
    stats["region_quantiles"] = {str(q): float(np.percentile(images, q)) for q in (50, 90, 99, 99.9)}
    return stats


def loss(stats: dict, reference: dict) -> float:
    terms = [
        (stats["total_et_mean"] / reference["total_et_mean"] - 1) * 3,
        (stats["total_et_std"] / reference["total_et_std"] - 1) * 2,
        (stats["empty_region_fraction"] - reference["empty_region_fraction"]) * 20,
        stats["hottest_region_median"] / reference["hottest_region_median"] - 1,
    ]
    terms += [s / r - 1 for s, r in zip(stats["eta_profile"], reference["eta_profile"])]
    terms += [
        (stats["region_quantiles"][q] - reference["region_quantiles"][q]) / max(reference["region_quantiles"][q], 1)
        for q in reference["region_quantiles"]
    ]
    return float(np.sum(np.square(terms)))


def synthetic_stats(model: synthetic.ZeroBiasModel, n: int) -> dict:
    return statistics(synthetic.zero_bias(n, MU, numpy_stream(SEED, "calibration"), model))


def fit(reference: dict, n: int) -> synthetic.ZeroBiasModel:
    model = synthetic.DEFAULT_MODEL
    best = loss(synthetic_stats(model, n), reference)
    steps = {
        "measured_det_deta_gev": 0.1,
        "activity_shape": 0.1,
        "deposit_et_gev": 0.1,
        "minijets_per_interaction": 0.01,
    }
    for sweep in range(4):
        improved = False
        for name, step in steps.items():
            for direction in (+1, -1):
                while True:
                    value = getattr(model, name) + direction * step / (sweep + 1)
                    if value <= 0:
                        break
                    candidate = dataclasses.replace(model, **{name: round(value, 4)})
                    score = loss(synthetic_stats(candidate, n), reference)
                    if score >= best:
                        break
                    model, best, improved = candidate, score, True
                    print(f"  sweep {sweep}: {name} = {value:.4g}  loss {best:.4g}", flush=True)
        shape = list(model.endcap_shape)
        for i in range(2, len(shape)):  # endcap knots: match the eta profile
            for delta in (0.05, -0.05):
                trial = list(shape)
                trial[i] = (trial[i][0], round(trial[i][1] + delta, 3))
                candidate = dataclasses.replace(model, endcap_shape=tuple(trial))
                score = loss(synthetic_stats(candidate, n), reference)
                if score < best:
                    model, best, shape, improved = candidate, score, trial, True
        if not improved:
            break
    return model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--pool", type=int, default=5000)
    parser.add_argument("--fit-images", type=int, default=4000, help="images per trial during the fit")
    parser.add_argument("--cache", type=Path, default=REPO / "models" / ".pythia_cache")
    parser.add_argument("--write", action="store_true", help=f"store the result in {REFERENCE_FILE}")
    args = parser.parse_args()

    started = time.time()
    pool = pileup_pool.minbias_pool(args.pool, pythia_seed(SEED, "calibration_pool"), args.cache)
    reference = statistics(overlay.pileup_regions(pool, args.images, MU, numpy_stream(SEED, "calibration")))
    print("Pythia reference:", json.dumps(reference))
    model = fit(reference, args.fit_images)
    fitted = synthetic_stats(model, args.images)
    print("fitted model:", dataclasses.asdict(model))
    print("synthetic with it:", json.dumps(fitted))
    result = {
        "what": "zero-bias region statistics at mu = 60: Pythia 8 reference and the fitted synthetic model",
        "command": "python tools/calibrate_zero_bias.py --write",
        "reference_generator": {
            "pythia": generation.pythia_version(),
            "tune": "CP5 (NNPDF3.1 NNLO, PDF:pSet = 20), 13.6 TeV, SoftQCD:inelastic",
            "pool_events": args.pool,
            "pool_key": pool.key,
            "images": args.images,
            "seed": SEED,
            "mu": MU,
        },
        "reference": reference,
        "fitted_model": dataclasses.asdict(model),
        "synthetic_with_fitted_model": fitted,
        "seconds": round(time.time() - started, 1),
    }
    if args.write:
        REFERENCE_FILE.parent.mkdir(parents=True, exist_ok=True)
        REFERENCE_FILE.write_text(json.dumps(result, indent=2) + "\n")
        print(f"written to {REFERENCE_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
