#!/usr/bin/env python3
"""Write an independent, weighted Pythia 8 zero-bias sample as one file, for `cicada rates --zero-bias`.

    python tools/pythia_zero_bias_sample.py -o zb_pythia_mu60.h5 [--crossings 100000] [--pool 20000]
                                            [--slice-events 4000] [--seed 777] [--mu 60] [--cache DIR]

The project's own `generator: pythia` (cicada.data.generators.pythia): a CP5 min-bias pool at
13.6 TeV overlaid Poisson(mu) times per crossing for the bulk, and hard QCD in the default pT-hat
slices (data.slices, 30 GeV and up) overlaid on the same pileup, stitched to the bulk by the
hardest scatter and weighted by their share of the crossings (cicada.data.slices). The file holds
`CaloRegions` (N, 18, 14) with `EventWeight` (adding up to 1), `NPileup` and `PtHat` per event,
and says how it was made in its attributes. The seed names every Pythia stream and overlay
(cicada.core.seeds), so another seed gives an independent sample; the calibration reference of
tools/calibrate_zero_bias.py uses seed 2026.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cicada.config.sections import DataConfig  # noqa: E402
from cicada.core.seeds import numpy_stream  # noqa: E402
from cicada.data.generators.pythia import PythiaZeroBias  # noqa: E402
from cicada.data.hdf5 import write_regions  # noqa: E402
from cicada.data.pythia.generation import pythia_version  # noqa: E402
from cicada.data.slices import bulk_weights  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, required=True, help="the .h5 file to write")
    parser.add_argument("--crossings", type=int, default=100_000, help="min-bias crossings (the bulk)")
    parser.add_argument("--pool", type=int, default=20_000, help="Pythia min-bias pool events")
    parser.add_argument("--slice-events", type=int, default=4000, help="Pythia hard-QCD events per pT-hat slice")
    parser.add_argument("--seed", type=int, default=777)
    parser.add_argument("--mu", type=float, default=60.0, help="mean pileup")
    parser.add_argument("--cache", type=Path, default=REPO / "models" / ".pythia_cache")
    args = parser.parse_args()
    if args.output.suffix != ".h5":
        raise SystemExit(f"error: -o {args.output}: expected a file name ending in .h5")

    started = time.time()
    config = DataConfig.model_validate(
        {
            "generator": "pythia",
            "pileup": args.mu,
            "zero_bias_events": args.crossings,
            "slices": {"events": args.slice_events},
            "pythia": {"pool_events": args.pool, "cache_dir": str(args.cache)},
        }
    )
    generator = PythiaZeroBias(config, args.seed, REPO)
    bulk = generator.zero_bias(numpy_stream(args.seed, "zero_bias"))
    slices = generator.slices(numpy_stream(args.seed, "zero_bias_slices"))
    edges = config.slices.pt_hat_edges
    weights = np.concatenate([bulk_weights(bulk.pt_hat_gev, edges[0], float(slices.weights.sum())), slices.weights])
    write_regions(
        args.output,
        np.concatenate([bulk.images, slices.images]),
        attrs={
            "generator": "pythia",
            "pythia_version": pythia_version(),
            "tune": "CP5, 13.6 TeV; SoftQCD:inelastic pool, HardQCD:all slices",
            "seed": args.seed,
            "pileup": args.mu,
            "pool_events": args.pool,
            "pileup_pool": generator.pool.key,
            "bulk_crossings": args.crossings,
            "slice_events": args.slice_events,
            "pt_hat_edges": ", ".join(f"{e:g}" for e in edges),
            "made_by": "tools/pythia_zero_bias_sample.py",
        },
        weights=weights,
        pileup=np.concatenate([bulk.n_pileup, slices.n_pileup]),
        pt_hat=np.concatenate([bulk.pt_hat_gev, slices.pt_hat_gev]),
    )
    kept = int(np.count_nonzero(weights[: len(bulk.pt_hat_gev)] > 0))
    print(
        f"{args.output}: {len(weights):,} crossings ({args.crossings:,} min-bias, {kept:,} of them below "
        f"{edges[0]:g} GeV pT-hat; {len(slices.weights):,} in {len(edges)} slices standing for "
        f"{slices.weights.sum():.3g} of the crossings), {time.time() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
