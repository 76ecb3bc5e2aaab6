#!/usr/bin/env python3
"""Time reading ROOT ntuples of Layer-1 regions (uproot) into region images, events/s.

    python tools/benchmark_ntuples.py [--events 100000] [--compression zlib|lzma|zstd]
        [--chunk-events 50000] [--repeats 3] [--output tools/results/ntuples_benchmark.json]

Writes a ntuple as NanoAOD stores CICADAInputTableProducer's table (tree Events, one counter
nRegions, jagged Regions_et/_egbit/_taubit/_iphi/_ieta as int16/uint8, each event's regions in
a shuffled order; run, L1_ZeroBias, PV_npvs, PV_npvsGood) into a scratch folder, then times, best
of the repeats:

* uproot alone: the five region branches read as awkward arrays, chunk by chunk (the floor);
* cicada's reader: the same, scattered into (N, 18, 14) images with every check;
* with a run list and the L1_ZeroBias bit (one more pass over two scalar branches);
* ``cicada ingest``'s work: the images and vertex counts written to cicada's HDF5.

Region ET is Poisson(3) with 0.1% saturated regions (zero-bias-like occupancy: the compression
ratio, and so the read speed, depends on it), bits 0/1 at the zero-bias occupancies.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from benchmark_common import RESULTS, machine, write_result

SEED = 1
RUNS = (398027, 398040, 398081, 398104)


def write_ntuple(path: Path, events: int, compression: str, chunk: int = 20_000) -> float:
    """A NanoAOD-like ntuple of ``events`` events; returns seconds taken."""
    import awkward as ak
    import uproot

    codec = {"zlib": uproot.ZLIB(1), "lzma": uproot.LZMA(9), "zstd": uproot.ZSTD(5)}[compression]
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    with uproot.recreate(path, compression=codec) as handle:
        for first in range(0, events, chunk):
            n = min(chunk, events - first)
            cells = np.argsort(rng.random((n, 252)), axis=1)
            et = np.minimum(rng.poisson(3, (n, 252)), 1023)
            et[rng.random(et.shape) < 1e-3] = 1023
            table = ak.zip(
                {
                    "iphi": ak.from_regular(ak.Array((cells // 14).astype(np.int16))),
                    "ieta": ak.from_regular(ak.Array((cells % 14).astype(np.int16))),
                    "et": ak.from_regular(ak.Array(et.astype(np.int16))),
                    "egbit": ak.from_regular(ak.Array((rng.random((n, 252)) < 0.87).astype(np.uint8))),
                    "taubit": ak.from_regular(ak.Array((rng.random((n, 252)) < 0.70).astype(np.uint8))),
                }
            )
            vertices = rng.integers(30, 70, n).astype(np.int32)
            data = {
                "Regions": table,
                "run": np.asarray(RUNS, dtype=np.uint32)[rng.integers(0, len(RUNS), n)],
                "L1_ZeroBias": rng.random(n) < 0.9,
                "PV_npvs": vertices,
                "PV_npvsGood": (vertices * 0.8).astype(np.int32),
            }
            if first == 0:
                handle.mktree("Events", {k: (v.type if isinstance(v, ak.Array) else v.dtype) for k, v in data.items()})
            handle["Events"].extend(data)
    return time.perf_counter() - start


def best_of(repeats: int, function) -> tuple[float, int]:
    """(best wall seconds, events the call returned)."""
    times, events = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        events = function()
        times.append(time.perf_counter() - start)
    return min(times), events


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--compression", choices=("zlib", "lzma", "zstd"), default="zlib")
    parser.add_argument("--chunk-events", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS / "ntuples_benchmark.json")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()

    import awkward
    import uproot

    from cicada.config.ntuples import NtupleOptions
    from cicada.data.ingest import ingest
    from cicada.data.inputs.table import open_source

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(dir=args.workdir) as scratch:
        path = Path(scratch) / "zero_bias.root"
        write_seconds = write_ntuple(path, args.events, args.compression)
        size = path.stat().st_size
        plain = NtupleOptions(chunk_events=args.chunk_events)
        selected = NtupleOptions(chunk_events=args.chunk_events, runs=list(RUNS[:3]), trigger="L1_ZeroBias")
        branches = [f"Regions_{name}" for name in ("et", "egbit", "taubit", "iphi", "ieta")]

        def uproot_only() -> int:
            events = 0
            with uproot.open(path) as handle:
                for arrays in handle["Events"].iterate(branches, step_size=args.chunk_events, library="ak"):
                    flat = [awkward.to_numpy(awkward.flatten(arrays[name])) for name in branches]
                    events += len(flat[0]) // 252
            return events

        def images(options) -> int:
            return sum(len(chunk.images) for chunk in open_source(path, options).chunks())

        def ingested() -> int:
            return ingest([path], Path(scratch) / "zero_bias.h5", plain).events

        timings = {}
        for name, function in (
            ("uproot_branches_only", uproot_only),
            ("images", lambda: images(plain)),
            ("images_with_run_list_and_zero_bias_bit", lambda: images(selected)),
            ("ingest_to_hdf5", ingested),
        ):
            seconds, events = best_of(args.repeats, function)
            timings[name] = {
                "seconds": round(seconds, 3),
                "events_kept": events,
                "file_events_per_s": round(args.events / seconds),  # events read from the file
                "kept_events_per_s": round(events / seconds),
            }
            print(f"{name:42s} {args.events / seconds:>10,.0f} file events/s ({events:,} kept, {seconds:.2f} s)")
        output_size = (Path(scratch) / "zero_bias.h5").stat().st_size

    write_result(
        args.output,
        {
            "benchmark": "ROOT ntuples (uproot) into region images",
            "events": args.events,
            "compression": args.compression,
            "chunk_events": args.chunk_events,
            "ntuple_bytes": size,
            "ntuple_bytes_per_event": round(size / args.events, 1),
            "hdf5_bytes": output_size,
            "write_ntuple_seconds": round(write_seconds, 1),
            "best_of": args.repeats,
            "timings": timings,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "machine": machine(load_before, uproot=uproot.__version__, awkward=awkward.__version__),
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
