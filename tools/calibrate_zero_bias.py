#!/usr/bin/env python3
"""Calibrate the synthetic zero-bias model against Pythia 8 at mu = 60, in the bulk and the tail.

    python tools/calibrate_zero_bias.py [--images 200000] [--pool 20000] [--slice-events 3000]
                                        [--fit] [--write] [--reuse-reference]

1. Reference, with the project's own `generator: pythia` (cicada.data.generators.pythia):
   a min-bias pool (CP5, 13.6 TeV, the detector response of cicada.core.detector) overlaid at
   mu = 60 for the bulk, and hard-QCD slices in pT-hat (PhaseSpace:pTHatMin/Max, the default
   data.slices edges) overlaid on the same pileup, stitched to the bulk and weighted by their
   share of the crossings (cicada.data.slices), so the tail is known down to 1e-4 and below.
   Also measured: P(pT-hat > t) per interaction (the pool below the first edge, the slices'
   cross sections above) and the rapidity widths of the hard partons (a short Pythia run).
2. The synthetic model (cicada.data.synthetic.pileup.DEFAULT_MODEL), stitched the same way.
3. --fit: coordinate search over the ZeroBiasModel parameters, minimising squared relative
   differences of the bulk statistics, the tail quantiles and the eta profiles.
4. --write: cicada/data/reference/zero_bias_mu60.json (bulk, as before) and
   zero_bias_tail_mu60.json (tail), which the tests read. Copy fitted parameters into
   ZeroBiasModel's defaults by hand (they are code).
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

from cicada.config.sections import DataConfig  # noqa: E402
from cicada.core.progress import log  # noqa: E402
from cicada.core.seeds import numpy_stream, pythia_seed  # noqa: E402
from cicada.data.generators.pythia import PythiaZeroBias  # noqa: E402
from cicada.data.imagestats import (  # noqa: E402
    TAIL_FRACTIONS,
    fractions_at_levels,
    tail_statistics,
    zero_bias_statistics,
)
from cicada.data.pythia import generation  # noqa: E402
from cicada.data.pythia.processes import pythia_settings  # noqa: E402
from cicada.data.slices import bulk_weights, slice_bounds, slice_label  # noqa: E402
from cicada.data.synthetic import pileup as synthetic  # noqa: E402
from cicada.data.synthetic.scatters import SQRT_S_GEV  # noqa: E402

REFERENCE_DIR = REPO / "cicada" / "data" / "reference"
BULK_FILE = REFERENCE_DIR / "zero_bias_mu60.json"
TAIL_FILE = REFERENCE_DIR / "zero_bias_tail_mu60.json"
SEED = 2026
MU = 60.0
EDGES = DataConfig().slices.pt_hat_edges
#: knots of P(pT-hat > t) measured from the min-bias pool (below the first slice edge)
POOL_KNOTS_GEV = (5.0, 7.5, 10.0, 15.0, 20.0)
#: pT-hat ranges (GeV) where the hard partons' rapidity widths are measured
PARTON_RANGES = ((30.0, 45.0), (70.0, 100.0), (150.0, 220.0))


def bulk_statistics(images: np.ndarray) -> dict:
    stats = zero_bias_statistics(images)
    stats["eta_profile"] = [round(float(v), 4) for v in images.mean(axis=(0, 1))]
    stats["region_quantiles"] = {str(q): float(np.percentile(images, q)) for q in (50, 90, 99, 99.9)}
    return stats


def stitched(zero_bias, slices) -> tuple[np.ndarray, np.ndarray]:
    """All crossings of a zero-bias sample and its slices, with their weights (sum 1)."""
    weights = bulk_weights(zero_bias.pt_hat_gev, EDGES[0], float(slices.weights.sum()))
    return np.concatenate([zero_bias.images, slices.images]), np.concatenate([weights, slices.weights])


def pythia_reference(args) -> tuple[dict, dict, dict]:
    config = DataConfig.model_validate(
        {
            "generator": "pythia",
            "pileup": MU,
            "zero_bias_events": args.images,
            "slices": {"events": args.slice_events},
            "pythia": {"pool_events": args.pool, "cache_dir": str(args.cache)},
        }
    )
    generator = PythiaZeroBias(config, SEED, REPO)
    zero_bias = generator.zero_bias(numpy_stream(SEED, "zero_bias"))
    slices = generator.slices(numpy_stream(SEED, "zero_bias_slices"))
    images, weights = stitched(zero_bias, slices)
    pool_pt_hat = generator.pool.pt_hats()
    sigma_inel = generator.pool.cross_section_mb
    spectrum = [(t, float(np.mean(pool_pt_hat > t))) for t in POOL_KNOTS_GEV]
    # P(pT-hat > edge): the shares of the slices at and above each edge (Pythia's cross sections)
    above = np.cumsum(slices.slice_probability[::-1])[::-1]
    spectrum += [(float(t), float(p)) for t, p in zip(EDGES, above)]
    facts = {
        "sigma_inel_mb": sigma_inel,
        "slice_cross_sections_mb": {
            slice_label(lo, hi): float(p * sigma_inel)
            for (lo, hi), p in zip(slice_bounds(EDGES), slices.slice_probability)
        },
        "pt_hat_spectrum": spectrum,
        "pool_fraction_above_first_edge": float(np.mean(pool_pt_hat > EDGES[0])),
        "pool_events_above_first_edge": int(np.sum(pool_pt_hat > EDGES[0])),
        "zero_bias_dropped_fraction": float(np.mean(zero_bias.pt_hat_gev >= EDGES[0])),
        "slices_weight": float(slices.weights.sum()),
        "pool_key": generator.pool.key,
        # the pool overlaid without slices: what the tail looked like before stitching
        "unweighted_zero_bias_tail": tail_statistics(zero_bias.images),
    }
    return bulk_statistics(zero_bias.images), tail_statistics(images, weights), facts


def parton_widths(events: int) -> dict:
    """Rapidity widths of the two hard partons of Pythia hard QCD, per unit of ln(sqrt(s) / 2 pT-hat):
    the boost's standard deviation and |y*|'s root mean square, fitted over PARTON_RANGES."""
    boost, ystar = [], []
    for low, high in PARTON_RANGES:
        settings = pythia_settings("qcd", pthat_min_gev=low, pthat_max_gev=high)
        pythia = generation.make_pythia(settings, pythia_seed(SEED, f"partons/{low:g}-{high:g}"))
        rows = []
        while len(rows) < events:
            if pythia.next():
                a, b = pythia.process[5], pythia.process[6]
                rows.append((pythia.infoPython().pTHat(), a.y(), b.y()))
        t, y1, y2 = np.array(rows).T
        span = np.log(SQRT_S_GEV / (2 * t))
        boost.append(np.std(0.5 * (y1 + y2) / span))
        ystar.append(np.sqrt(np.mean((0.5 * (y1 - y2) / span) ** 2)))
    return {"boost_width": round(float(np.mean(boost)), 4), "ystar_width": round(float(np.mean(ystar)), 4)}


def synthetic_sample(model, images: int, slice_events: int, stream: str):
    zero_bias = synthetic.zero_bias_crossings(images, MU, numpy_stream(SEED, stream), model)
    slices = synthetic.slice_crossings(EDGES, slice_events, MU, numpy_stream(SEED, stream + "/slices"), model)
    return zero_bias, slices


def synthetic_statistics(model, images: int, slice_events: int, stream: str = "calibration") -> tuple[dict, dict]:
    zero_bias, slices = synthetic_sample(model, images, slice_events, stream)
    return bulk_statistics(zero_bias.images), tail_statistics(*stitched(zero_bias, slices))


def loss(bulk: dict, tail: dict, reference_bulk: dict, reference_tail: dict) -> float:
    terms = [
        (bulk["total_et_mean"] / reference_bulk["total_et_mean"] - 1) * 3,
        (bulk["total_et_std"] / reference_bulk["total_et_std"] - 1) * 3,
        (bulk["empty_region_fraction"] - reference_bulk["empty_region_fraction"]) * 20,
        (bulk["hottest_region_median"] / reference_bulk["hottest_region_median"] - 1) * 3,
    ]
    terms += [2 * (s / r - 1) for s, r in zip(bulk["eta_profile"], reference_bulk["eta_profile"])]
    terms += [
        (bulk["region_quantiles"][q] - reference_bulk["region_quantiles"][q])
        / max(reference_bulk["region_quantiles"][q], 1)
        for q in reference_bulk["region_quantiles"]
    ]
    for name, levels in reference_tail["quantiles_gev"].items():
        terms += [2 * np.log(tail["quantiles_gev"][name][q] / levels[q]) for q in levels if float(q) <= 1e-2]
    terms += [0.5 * np.log(s / r) for s, r in zip(tail["eta_profile_gev"], reference_tail["eta_profile_gev"])]
    return float(np.sum(np.square(terms)))


#: parameters the fit moves, with their first step
FIT_STEPS = {
    "em_fraction": 0.05,
    "pt_spread": 0.05,
    "jet_width": 0.02,
    "radiation_fraction": 0.05,
    "radiation_distance": 0.2,
    "measured_det_deta_gev": 0.1,
    "activity_shape": 0.1,
    "deposit_et_gev": 0.1,
}


def fit(model, reference_bulk: dict, reference_tail: dict, images: int, slice_events: int):
    def score(candidate):
        return loss(*synthetic_statistics(candidate, images, slice_events), reference_bulk, reference_tail)

    best = score(model)
    print(f"  start: loss {best:.4g}", flush=True)
    for sweep in range(5):
        improved = False
        for name, step in FIT_STEPS.items():
            for direction in (+1, -1):
                while True:
                    value = round(getattr(model, name) + direction * step / (sweep + 1), 4)
                    if value <= 0:
                        break
                    candidate = dataclasses.replace(model, **{name: value})
                    trial = score(candidate)
                    if trial >= best:
                        break
                    model, best, improved = candidate, trial, True
                    print(f"  sweep {sweep}: {name} = {value:.4g}  loss {best:.4g}", flush=True)
        shape = list(model.endcap_shape)
        for i in range(1, len(shape)):  # knots beyond the barrel's centre: match the eta profile
            for delta in (0.05, -0.05):
                trial_shape = list(shape)
                trial_shape[i] = (trial_shape[i][0], round(trial_shape[i][1] + delta, 3))
                candidate = dataclasses.replace(model, endcap_shape=tuple(trial_shape))
                trial = score(candidate)
                if trial < best:
                    model, best, shape, improved = candidate, trial, trial_shape, True
                    print(f"  sweep {sweep}: endcap_shape = {model.endcap_shape}  loss {best:.4g}", flush=True)
        if not improved:
            break
    return model


def comparison_table(reference: dict, candidates: dict[str, dict]) -> str:
    """Markdown table of the tail quantiles (GeV): Pythia and each synthetic candidate."""
    names = list(candidates)
    lines = [
        "| observable | fraction above | Pythia | " + " | ".join(names) + " |",
        "|---|---|---|" + "---|" * len(names),
    ]
    for observable, levels in reference["quantiles_gev"].items():
        for q in (f"{f:g}" for f in TAIL_FRACTIONS):
            row = [f"{candidates[n]['quantiles_gev'][observable][q]:.1f}" for n in names]
            lines.append(f"| {observable} | {q} | {levels[q]:.1f} | " + " | ".join(row) + " |")
    for key, value in reference["fractions_above"].items():
        row = [f"{candidates[n]['fractions_above'][key]['fraction']:.3g}" for n in names]
        lines.append(f"| {key} | | {value['fraction']:.3g} +- {value['uncertainty']:.1g} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200_000, help="zero-bias crossings (Pythia and synthetic)")
    parser.add_argument("--pool", type=int, default=20_000, help="Pythia min-bias pool events")
    parser.add_argument("--slice-events", type=int, default=3000, help="Pythia hard-QCD events per slice")
    parser.add_argument("--parton-events", type=int, default=600, help="Pythia events per parton-width range")
    parser.add_argument("--fit", action="store_true", help="fit the model's parameters")
    parser.add_argument("--fit-images", type=int, default=20000, help="zero-bias crossings per fit trial")
    parser.add_argument("--fit-slice-events", type=int, default=2000, help="slice crossings per slice and fit trial")
    parser.add_argument("--cache", type=Path, default=REPO / "models" / ".pythia_cache")
    parser.add_argument("--write", action="store_true", help=f"store the results in {REFERENCE_DIR}")
    parser.add_argument(
        "--reuse-reference", action="store_true", help="take the Pythia reference from the stored files (to refit)"
    )
    args = parser.parse_args()

    started = time.time()
    if args.reuse_reference:  # the Pythia part of the stored files (same sizes and seed), e.g. to refit
        bulk_file, tail_file = json.loads(BULK_FILE.read_text()), json.loads(TAIL_FILE.read_text())
        info = tail_file["reference_generator"]
        if (info["images"], info["pool_events"], info["slice_events"]) != (args.images, args.pool, args.slice_events):
            raise SystemExit(f"{TAIL_FILE}: made with other sizes ({info}); run without --reuse-reference")
        reference_bulk, reference_tail = bulk_file["reference"], tail_file["reference"]
        facts = dict(tail_file["pythia_facts"])
        widths = facts.pop("parton_widths")
    else:
        log.info("Pythia reference")
        widths = parton_widths(args.parton_events)
        reference_bulk, reference_tail, facts = pythia_reference(args)
    print("Pythia facts:", json.dumps({**facts, "parton_widths": widths}))
    model = synthetic.DEFAULT_MODEL
    if args.fit:
        model = fit(model, reference_bulk, reference_tail, args.fit_images, args.fit_slice_events)
    zero_bias, slices = synthetic_sample(model, args.images, args.slice_events * 5, "calibration/final")
    bulk = bulk_statistics(zero_bias.images)
    images, weights = stitched(zero_bias, slices)
    tail = tail_statistics(images, weights)
    tail["fractions_at_reference_levels"] = fractions_at_levels(images, weights, reference_tail["quantiles_gev"])
    print("fitted model:", dataclasses.asdict(model))
    print(
        comparison_table(reference_tail, {"synthetic": tail, "Pythia unweighted": facts["unweighted_zero_bias_tail"]})
    )
    generator_info = {
        "pythia": generation.pythia_version(),
        "tune": "CP5 (NNPDF3.1 NNLO, PDF:pSet = 20), 13.6 TeV; SoftQCD:inelastic pool, HardQCD:all slices",
        "pool_events": args.pool,
        "pool_key": facts["pool_key"],
        "images": args.images,
        "slice_events": args.slice_events,
        "pt_hat_edges": list(EDGES),
        "seed": SEED,
        "mu": MU,
    }
    if args.write:
        REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
        BULK_FILE.write_text(
            json.dumps(
                {
                    "what": "zero-bias region statistics at mu = 60: Pythia 8 reference and the fitted synthetic model",
                    "command": "python tools/calibrate_zero_bias.py --fit --write",
                    "reference_generator": generator_info,
                    "reference": reference_bulk,
                    "fitted_model": dataclasses.asdict(model),
                    "synthetic_with_fitted_model": bulk,
                },
                indent=2,
            )
            + "\n"
        )
        TAIL_FILE.write_text(
            json.dumps(
                {
                    "what": "zero-bias tail at mu = 60: Pythia 8 min-bias stitched to hard-QCD pT-hat slices "
                    "(cicada.data.slices), weighted; levels in GeV above which each fraction of crossings lies",
                    "command": "python tools/calibrate_zero_bias.py --fit --write",
                    "reference_generator": generator_info,
                    "pythia_facts": {**facts, "parton_widths": widths},
                    "reference": reference_tail,
                    "synthetic_with_fitted_model": tail,
                    "seconds": round(time.time() - started, 1),
                },
                indent=2,
            )
            + "\n"
        )
        print(f"written to {BULK_FILE} and {TAIL_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
