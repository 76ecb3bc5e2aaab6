#!/usr/bin/env python3
"""Measure how often zero-bias regions carry each Layer-1 bit, synthetic and Pythia, as JSON.

    python tools/measure_region_bits.py [--crossings 20000] [--mu 60] [--pool-events 5000]
                                        [--cache-dir models/.pythia_cache] [--no-pythia]
                                        [--output tools/results/region_bits.json]

For each generator: the fraction of all regions with ``egbit`` (e/gamma veto) and ``taubit``
(tau veto) set, the same in the barrel (|eta| < 1.74) and the endcaps, and against region ET.
The bits are the Layer-1 vetoes (1 = vetoed), set by the rule of ``cicada/data/layer1.py``.
The README's zero-bias occupancies and ``tests/test_region_bits.py`` come from this.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from benchmark_common import RESULTS, machine, write_result

from cicada.core import geometry as geo
from cicada.core.progress import setup_logging
from cicada.core.seeds import numpy_stream, pythia_seed
from cicada.data.region_bits import BIT_FIELDS

ET_EDGES = (0, 1, 2, 4, 8, 16, 32, 64, 1024)
BARREL = np.abs(geo.REGION_ETA_CENTRES) < 1.74


def summary(images: np.ndarray) -> dict:
    """Occupancy overall, barrel/endcap and per region-ET bin, with the binomial uncertainty."""
    et = images["et"]
    out: dict = {"crossings": len(images), "all": _fractions(images, np.ones(et.shape, bool))}
    out["barrel"] = _fractions(images, np.broadcast_to(BARREL, et.shape))
    out["endcap"] = _fractions(images, np.broadcast_to(~BARREL, et.shape))
    out["empty_region_fraction"] = round(float(np.mean(et == 0)), 4)
    out["by_region_et_lsb"] = {
        f"{low}-{high - 1}": _fractions(images, (et >= low) & (et < high)) for low, high in zip(ET_EDGES, ET_EDGES[1:])
    }
    return out


def _fractions(images: np.ndarray, where: np.ndarray) -> dict:
    n = int(where.sum())
    result: dict = {"regions": n}
    for field in BIT_FIELDS:
        p = float(images[field][where].mean()) if n else float("nan")
        # regions of one crossing are correlated: the uncertainty uses crossings, not regions
        per_crossing = (images[field] * where).sum(axis=(1, 2)) / np.maximum(where.sum(axis=(1, 2)), 1)
        result[field] = round(p, 4)
        result[f"{field}_uncertainty"] = round(float(per_crossing.std() / np.sqrt(len(images))), 4)
    return result


def synthetic(crossings: int, mu: float) -> dict:
    from cicada.data.synthetic.pileup import zero_bias_crossings

    images = zero_bias_crossings(crossings, mu, numpy_stream(2026, "region_bits/synthetic"), bits=True).images
    return summary(images)


def pythia(crossings: int, mu: float, pool_events: int, cache_dir: Path) -> dict:
    from cicada.data.pythia.overlay import pileup_crossings
    from cicada.data.pythia.pool import minbias_pool

    pool = minbias_pool(pool_events, pythia_seed(2026, "minbias_pool"), cache_dir, ecal=True)
    images = pileup_crossings(pool, crossings, mu, numpy_stream(2026, "region_bits/pythia"), bits=True).images
    return {**summary(images), "pool_events": pool_events}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crossings", type=int, default=20_000)
    parser.add_argument("--mu", type=float, default=60.0)
    parser.add_argument("--pool-events", type=int, default=5_000)
    parser.add_argument("--cache-dir", type=Path, default=Path("models/.pythia_cache"))
    parser.add_argument("--no-pythia", action="store_true", help="the synthetic generator only")
    parser.add_argument("--output", type=Path, default=RESULTS / "region_bits.json")
    args = parser.parse_args()
    setup_logging()
    load = os.getloadavg()
    result = {"mu": args.mu, "synthetic": synthetic(args.crossings, args.mu)}
    if not args.no_pythia:
        result["pythia"] = pythia(args.crossings, args.mu, args.pool_events, args.cache_dir)
    result["overall"] = _overall(result)
    write_result(args.output, {**result, "machine": machine(load)})


def _overall(result: dict) -> dict:
    return {name: {f: result[name]["all"][f] for f in BIT_FIELDS} for name in ("synthetic", "pythia") if name in result}


if __name__ == "__main__":
    main()
