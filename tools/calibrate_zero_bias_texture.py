#!/usr/bin/env python3
"""Calibrate the synthetic zero-bias model on what an anomaly score sees, against a Pythia 8 reference.

    python tools/calibrate_zero_bias_texture.py --reference PYTHIA.h5 [--images 40000] [--slice-events 1000]
        [--fit] [--transfer] [--figures DIR] [--write] [--models v1 v2]

tools/calibrate_zero_bias.py calibrated the model (v1) on the hottest regions, 3x3 jets, an HT-like
sum and total ET. What an autoencoder's score sees is the texture of the whole image. This tool:

1. reads the reference: a weighted zero-bias file (CaloRegions, EventWeight), e.g. Pythia 8 at mu = 60
   stitched to hard-QCD slices by tools/pythia_zero_bias_sample.py (seed 2026: the calibration
   reference; other seeds are independent samples for checking the transfer);
2. makes each synthetic model of --models (cicada.data.synthetic.pileup.MODELS, v1 and v2) stitched
   the same way (--images crossings, --slice-events per slice, the default data.slices edges);
3. compares their texture (cicada.data.texture: eta profile, phi profile around the hottest region,
   neighbour and ring correlations, regions above 5/10/20 GeV, roughness) and tail
   (cicada.data.imagestats.tail_statistics: hottest and second hottest region, 3x3 jet, HT-like sum,
   total ET at 0.5 to 1e-4 of the crossings) with the reference's;
4. --fit: coordinate search over the v2 parameters (FIT_STEPS), minimising the texture distance and
   the tail terms, from the current v2 model; prints the fitted parameters (copy them into
   TEXTURE_MODEL by hand: they are code);
5. --transfer: per model, trains a teacher (the CICADA teacher, --epochs on --train-images crossings)
   on the model's zero-bias, scores the model's stitched sample and the reference, sets thresholds
   for 1, 3, 10, 30, 100 kHz on the model's sample and measures the rates they give on the
   reference: the rate transfer of a teacher trained on one sample and scored on the other;
6. --figures DIR: the comparisons as PNGs (mplhep, each labelled with its samples); --write: the
   statistics to tools/calibration/zero_bias_texture_mu60.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cicada.config.sections import DataConfig, TeacherConfig  # noqa: E402
from cicada.core import geometry as geo  # noqa: E402
from cicada.core.seeds import numpy_stream  # noqa: E402
from cicada.data.hdf5 import read_event_weights, read_regions  # noqa: E402
from cicada.data.imagestats import tail_statistics  # noqa: E402
from cicada.data.slices import bulk_weights  # noqa: E402
from cicada.data.synthetic import pileup as synthetic  # noqa: E402
from cicada.data.texture import FRACTIONS, REGION_LEVELS_GEV, texture_distance, texture_statistics  # noqa: E402

#: The statistics (--write). Not under cicada/data/reference/: package data there is part of every stage's
#: fingerprint that reads cicada.data, so a new file would retrain every build.
REFERENCE_FILE = REPO / "tools" / "calibration" / "zero_bias_texture_mu60.json"
SEED = 2026
MU = 60.0
EDGES = DataConfig().slices.pt_hat_edges
TARGETS_KHZ = (1.0, 3.0, 10.0, 30.0, 100.0)
#: parameters of the v2 model the fit moves, with their first step
FIT_STEPS = {
    "spray_fraction": 0.05,
    "spray_width": 0.05,
    "spray_deposits": 4.0,
    "deposit_et_gev": 0.03,
    "activity_shape": 0.05,
    "measured_det_deta_gev": 0.1,
}
#: how much each texture group counts in the loss (its root-mean-square relative difference, squared)
TEXTURE_WEIGHTS = {
    "eta_profile": 4.0,
    "phi_profile": 4.0,
    "neighbour_correlation": 100.0,
    "ring_correlation": 25.0,
    "regions_above": 4.0,
    "roughness": 4.0,
}


def stitched(model, images: int, slice_events: int, stream: str) -> tuple[np.ndarray, np.ndarray]:
    """A model's zero-bias crossings stitched to its pT-hat slices, and their weights (adding up to 1)."""
    zero_bias = synthetic.zero_bias_crossings(images, MU, numpy_stream(SEED, stream), model)
    slices = synthetic.slice_crossings(EDGES, slice_events, MU, numpy_stream(SEED, stream + "/slices"), model)
    weights = bulk_weights(zero_bias.pt_hat_gev, EDGES[0], float(slices.weights.sum()))
    return np.concatenate([zero_bias.images, slices.images]), np.concatenate([weights, slices.weights])


def statistics(images: np.ndarray, weights: np.ndarray) -> dict:
    return {"texture": texture_statistics(images, weights), "tail": tail_statistics(images, weights)}


def tail_terms(tail: dict, reference: dict) -> list[float]:
    """Log ratios of the tail quantiles down to 1e-3 (below, the reference's statistics are thin)."""
    return [
        float(np.log(tail["quantiles_gev"][name][q] / levels[q]))
        for name, levels in reference["quantiles_gev"].items()
        for q in levels
        if float(q) >= 1e-3 and levels[q] > 0
    ]


def loss(candidate: dict, reference: dict) -> float:
    distance = texture_distance(candidate["texture"], reference["texture"])
    texture = sum(TEXTURE_WEIGHTS[k] * v**2 for k, v in distance.items())
    tail = 2.0 * float(np.sum(np.square(tail_terms(candidate["tail"], reference["tail"]))))
    return float(texture + tail)


def fit(model, reference: dict, images: int, slice_events: int, sweeps: int):
    """Coordinate search over FIT_STEPS from ``model`` (the same random streams for every trial)."""

    def score(candidate) -> float:
        return loss(statistics(*stitched(candidate, images, slice_events, "texture/fit")), reference)

    best = score(model)
    print(f"  start: loss {best:.4g}", flush=True)
    for sweep in range(sweeps):
        improved = False
        for name, step in FIT_STEPS.items():
            for direction in (+1, -1):
                while True:
                    value = round(getattr(model, name) + direction * step / (sweep + 1), 4)
                    if value <= 0 or (name == "spray_fraction" and value >= 1):
                        break
                    candidate = dataclasses.replace(model, **{name: value})
                    trial = score(candidate)
                    if trial >= best:
                        break
                    model, best, improved = candidate, trial, True
                    print(f"  sweep {sweep}: {name} = {value:.4g}  loss {best:.4g}", flush=True)
        if not improved:
            break
    return model, best


def transfer(model, reference_images, reference_weights, args, stream: str) -> list[dict]:
    """Thresholds set on the model's stitched sample with a teacher trained on the model's zero-bias, and the
    rates they give on the reference (both scored by that teacher)."""
    from cicada.evaluation import rates
    from cicada.models.teacher import TrainedTeacher, train_teacher
    from cicada.models.teachers import teacher_for

    train = synthetic.zero_bias(args.train_images, MU, numpy_stream(SEED, stream + "/train"), model)
    val = synthetic.zero_bias(max(args.train_images // 5, 100), MU, numpy_stream(SEED, stream + "/val"), model)
    config = TeacherConfig(epochs=args.epochs, batch_size=256, patience=args.epochs)
    with tempfile.TemporaryDirectory() as folder:
        trained, _ = train_teacher(config, train, val, Path(folder), SEED)
    teacher = TrainedTeacher(teacher_for(config), trained)
    own_images, own_weights = stitched(model, args.images, args.slice_events, stream + "/rates")
    own = rates.RateCurve.from_scores(teacher.score(own_images), own_weights)
    on_reference = teacher.score(reference_images)
    points = rates.transferred(own, on_reference, reference_weights, TARGETS_KHZ, 1e-9)
    return [dataclasses.asdict(p) for p in points]


def figures(folder: Path, reference: dict, candidates: dict[str, dict], label: str, transfers: dict) -> list[Path]:
    """The comparisons as PNGs; every figure names the reference and the models' samples."""
    from cicada.evaluation.plots import PlotLabel, hep_figure, legend

    folder.mkdir(parents=True, exist_ok=True)
    tag = PlotLabel("Simulation", "zero-bias, mu = 60", label)
    written = []
    series = {"Pythia 8 reference": reference, **{f"synthetic {n}": c for n, c in candidates.items()}}

    def profile(name: str, key: str, xlabel: str, x) -> None:
        path = folder / f"texture_{name}.png"
        with hep_figure(path, tag) as (fig, ax):
            for index, (what, stats) in enumerate(series.items()):
                ax.plot(x, stats["texture"][key], "o-" if index == 0 else "s--", color=f"C{index}", label=what)
            ax.set_xlabel(xlabel)
            ax.set_ylabel("mean region ET (weighted) [GeV]")
            legend(ax, tag, fontsize="x-small")
        written.append(path)

    profile("eta", "eta_profile", "eta ring (region index)", np.arange(geo.N_ETA))
    profile("phi", "phi_profile", "phi distance from the hottest region (regions)", np.arange(geo.N_PHI // 2 + 1))
    path = folder / "texture_counts.png"
    with hep_figure(path, tag) as (fig, ax):
        for index, (what, stats) in enumerate(series.items()):
            counts = stats["texture"]["regions_above"]
            for j, level in enumerate(REGION_LEVELS_GEV):
                values = [counts[f"{level:g}"][f"{f:g}"] for f in FRACTIONS]
                ax.plot(FRACTIONS, values, ["o-", "s--", "^:"][min(index, 2)], color=f"C{j}",
                        label=f"{what}, regions > {level:g} GeV" if index < 3 else None)  # fmt: skip
        ax.set_xscale("log")
        ax.invert_xaxis()
        ax.set_xlabel("fraction of crossings above")
        ax.set_ylabel("number of regions")
        legend(ax, tag, fontsize="xx-small", ncol=1)
    written.append(path)
    if transfers:
        path = folder / "texture_transfer.png"
        with hep_figure(path, tag) as (fig, ax):
            for index, (name, points) in enumerate(transfers.items()):
                target = np.array([p["target_khz"] for p in points])
                ratio = np.array([p["ratio"] for p in points])
                error = np.array([p["rate_uncertainty_khz"] for p in points]) / target
                ax.errorbar(target, ratio, yerr=error, fmt="o-", capsize=3, color=f"C{index + 1}",
                            label=f"teacher trained on synthetic {name}")  # fmt: skip
            ax.axhspan(0.67, 1.5, color="grey", alpha=0.15, lw=0, label="0.67-1.5")
            ax.axhline(1.0, color="grey", ls=":")
            ax.set_xscale("log")
            ax.set_xlabel("target rate on the synthetic sample [kHz]")
            ax.set_ylabel("rate on the reference / target")
            legend(ax, tag, fontsize="x-small")
        written.append(path)
    return written


def table(reference: dict, candidates: dict[str, dict]) -> str:
    names = list(candidates)
    lines = ["| statistic | reference | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]

    def row(label, get):
        lines.append(f"| {label} | {get(reference)} | " + " | ".join(str(get(candidates[n])) for n in names) + " |")

    for key in ("phi", "eta", "diagonal"):
        row(f"neighbour correlation ({key})", lambda s, k=key: s["texture"]["neighbour_correlation"][k])
    row("ring correlation", lambda s: s["texture"]["ring_correlation"])
    row("phi profile: hottest, next, 2 away (GeV)", lambda s: s["texture"]["phi_profile"][:3])
    for level in REGION_LEVELS_GEV:
        row(f"regions > {level:g} GeV: mean, at 1e-1/1e-2/1e-3",
            lambda s, v=f"{level:g}": list(s["texture"]["regions_above"][v].values()))  # fmt: skip
    row("roughness (GeV^2) at 0.5/1e-1/1e-2/1e-3", lambda s: list(s["texture"]["roughness"].values()))
    for name in ("hottest_region", "jet_et_3x3", "total_et"):
        row(f"{name} (GeV) at 1e-2/1e-3/1e-4",
            lambda s, n=name: [s["tail"]["quantiles_gev"][n][q] for q in ("0.01", "0.001", "0.0001")])  # fmt: skip
    return "\n".join(lines)


def file_attrs(path: Path) -> dict[str, str]:
    """The reference file's attributes (how it was made), as text."""
    import h5py

    with h5py.File(path, "r") as handle:
        return {key: str(value) for key, value in handle.attrs.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="weighted zero-bias file (EventWeight)")
    parser.add_argument("--models", nargs="+", default=["v1", "v2"], choices=sorted(synthetic.MODELS))
    parser.add_argument("--images", type=int, default=40_000, help="synthetic zero-bias crossings per model")
    parser.add_argument("--slice-events", type=int, default=1000, help="synthetic crossings per pT-hat slice")
    parser.add_argument("--fit", action="store_true", help="fit the v2 parameters")
    parser.add_argument("--fit-images", type=int, default=20_000)
    parser.add_argument("--fit-slice-events", type=int, default=500)
    parser.add_argument("--sweeps", type=int, default=3)
    parser.add_argument("--start", help="JSON of v2 parameters to start the fit from (default: the current v2)")
    parser.add_argument("--transfer", action="store_true", help="train a teacher per model and measure the transfer")
    parser.add_argument("--train-images", type=int, default=30_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument(
        "--figures", type=Path, default=REPO / "tools" / "results" / "texture", help="folder for the figures"
    )
    parser.add_argument("--write", action="store_true", help=f"store the statistics in {REFERENCE_FILE}")
    parser.add_argument("--output", type=Path, help="write the statistics to this JSON file instead")
    args = parser.parse_args()

    started = time.time()
    reference_images = read_regions(args.reference)
    reference_weights = read_event_weights(args.reference)
    if reference_weights is None:
        raise SystemExit(f"error: {args.reference}: no 'EventWeight' dataset, expected a weighted zero-bias file")
    reference_weights = reference_weights / reference_weights.sum()
    reference = statistics(reference_images, reference_weights)
    models = {name: synthetic.MODELS[name] for name in args.models}
    fitted = None
    if args.fit:
        start = dataclasses.replace(synthetic.MODELS["v2"], **json.loads(args.start or "{}"))
        fitted, best = fit(start, reference, args.fit_images, args.fit_slice_events, args.sweeps)
        print("fitted v2:", json.dumps({k: getattr(fitted, k) for k in FIT_STEPS}), f"loss {best:.4g}", flush=True)
        models["v2 (fitted)"] = fitted
    candidates = {
        name: statistics(*stitched(model, args.images, args.slice_events, "texture/compare"))
        for name, model in models.items()
    }
    for stats in candidates.values():
        stats["distance"] = texture_distance(stats["texture"], reference["texture"])
        stats["loss"] = loss(stats, reference)
    transfers = {}
    if args.transfer:
        for name, model in models.items():
            transfers[name] = transfer(model, reference_images, reference_weights, args, f"texture/transfer/{name}")
    print(table(reference, candidates))
    for name, stats in candidates.items():
        print(f"{name}: texture distance {stats['distance']}, loss {stats['loss']:.4g}")
    for name, points in transfers.items():
        ratios = ", ".join(f"{p['target_khz']:g} kHz {p['ratio']:.2f}" for p in points)
        print(f"transfer, teacher trained on synthetic {name}: rate on the reference / target: {ratios}")
    label = f"reference {args.reference.name} (weighted, {len(reference_weights):,}); synthetic stitched"
    if args.figures:  # always set (a default folder)
        for path in figures(args.figures, reference, candidates, label, transfers):
            print(f"figure {path}")
    document = {
        "what": "texture of zero-bias images (cicada.data.texture) and tails: a weighted reference and the "
        "synthetic models; the rate transfer of a teacher trained on each model to the reference",
        "command": "python tools/calibrate_zero_bias_texture.py " + " ".join(sys.argv[1:]),
        "reference_file": {
            "name": args.reference.name,
            "events": len(reference_weights),
            "attrs": file_attrs(args.reference),
        },  # fmt: skip
        "synthetic": {"images": args.images, "slice_events": args.slice_events, "seed": SEED, "mu": MU},
        "models": {name: dataclasses.asdict(model) for name, model in models.items()},
        "reference": reference,
        "candidates": candidates,
        "transfer": transfers,
        "seconds": round(time.time() - started, 1),
    }
    target = args.output or (REFERENCE_FILE if args.write else None)
    if target is not None:
        from cicada.core.files import write_json

        write_json(target, document)
        print(f"written to {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
