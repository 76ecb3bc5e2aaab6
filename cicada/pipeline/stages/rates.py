"""Stage ``rates``: thresholds and rates with their uncertainties from the firmware-exact scores of
the weighted zero-bias rate sample, beside emulated standard L1 seeds, and against pileup."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core.errors import DataError
from ...core.progress import log
from ...core.seeds import numpy_stream
from ...data.datasets import dataset_path, pileup_dataset_name, rate_sample_weights, signal_names
from ...data.hdf5 import read_pileup_info, read_scores
from ...evaluation import efficiency, l1_seeds, menu, pileup, plots, rates, thresholds
from ...models.score import SCORE_LSB
from ..context import BuildContext
from ..engine import Stage

RATE_PLOT = "rate_vs_threshold.png"
SCORE_PLOT = "score_distributions.png"
#: written only when every rate-sample file carries pileup counts (so not a declared output)
PILEUP_PLOT = "rate_vs_pileup.png"
#: the seeded random stream of the threshold bootstrap (a name never to change)
BOOTSTRAP_STREAM = "rates/bootstrap"
THRESHOLD_INTERVAL_METHOD = (
    "Poisson bootstrap: {replicas} replicas of the rate sample, each event's weight times a Poisson(1) count "
    "(seeded stream 'rates/bootstrap'); the central {level:.2%} of the replicas' thresholds"
)


@dataclass
class PileupDependence:
    bins: list[pileup.PileupBin]
    plot: str
    #: the per-event dataset the bins count (NPileup, PV_npvsGood or PV_npvs) and what it is
    quantity: str = "NPileup"
    quantity_label: str = "pileup interactions in the crossing (NPileup)"


@dataclass
class RatesResult:
    score: str
    #: the firmware output type the thresholds live on, and its step
    score_type: str
    score_lsb: float
    zero_bias_rate_khz: float
    #: dataset -> events of the zero-bias rate sample; weighted when the events' weights differ
    rate_sample: dict[str, int]
    weighted: bool
    zero_bias_events: int
    smallest_measurable_rate_khz: float
    confidence_level: float
    threshold_interval_method: str
    working_points: list[rates.WorkingPoint]
    #: the emulated standard seeds, or None when rates.seeds switches them all off
    seeds: menu.SeedsSummary | None
    #: rate against pileup, or None with the reason in pileup_note
    pileup: PileupDependence | None
    pileup_note: str
    rate_plot: str
    score_plot: str
    thresholds_csv: str
    thresholds_json: str
    #: the teacher at the same target rates (thresholds on its score, signal efficiencies): what the
    #: student gives up; None for a build without a teacher (an imported model)
    teacher_working_points: list[rates.WorkingPoint] | None = None
    #: the working points' thresholds on the zero-bias samples at other mean pileups
    #: (data.pileup_variations), beside the nominal one
    pileup_datasets: list[pileup.PileupDataset] = field(default_factory=list)


@dataclass
class _Sample:
    """The rate sample: every dataset's firmware scores and weights, concatenated in order."""

    names: list[str]
    sizes: list[int]
    scores: np.ndarray
    weights: np.ndarray


def _rate_sample(context: BuildContext, scores: dict) -> _Sample:
    weights = rate_sample_weights(context.data_dir, context.config.data)
    names, parts, sizes = list(weights), [], []
    for name in names:
        if name not in scores:
            found = ", ".join(scores) or "nothing"
            raise DataError(
                f"{context.scores_file}: no scores for '{name}' (found: {found}); expected every dataset of the rate "
                "sample: rerun the scores stage"
            )
        firmware = np.asarray(scores[name]["firmware"], dtype=np.float64)
        if firmware.shape != weights[name].shape:
            raise DataError(
                f"{context.scores_file}: '{name}' has {firmware.size} firmware scores, expected {weights[name].size} "
                f"like {dataset_path(context.data_dir, name)}: rerun the scores stage"
            )
        parts.append(firmware)
        sizes.append(firmware.size)
    return _Sample(names, sizes, np.concatenate(parts), np.concatenate([weights[n] for n in names]))


def _signals(context: BuildContext, scores: dict) -> dict[str, np.ndarray]:
    """Every signal's firmware scores, in config order."""
    names = signal_names(context.config.data)
    missing = [name for name in names if name not in scores]
    if missing:
        raise DataError(
            f"{context.scores_file}: no scores for signal '{missing[0]}' (found: {', '.join(scores)}); "
            "expected every signal of the config: rerun the scores stage"
        )
    return {name: np.asarray(scores[name]["firmware"], dtype=np.float64) for name in names}


#: The teacher's score is a float (the ET-only teachers' MSE): thresholds need no grid, only a step
#: below the lowest value
TEACHER_STEP = 1e-9


def _teacher_working_points(
    context: BuildContext, scores: dict, sample: _Sample, signals: dict[str, np.ndarray]
) -> list[rates.WorkingPoint] | None:
    """The teacher's working points at the target rates, on the same (weighted) rate sample."""
    if not all("teacher_mse" in scores[name] for name in [*sample.names, *signals]):
        return None
    teacher = np.concatenate([np.asarray(scores[name]["teacher_mse"], dtype=np.float64) for name in sample.names])
    teacher_signals = {name: np.asarray(scores[name]["teacher_mse"], dtype=np.float64) for name in signals}
    curve = rates.RateCurve.from_scores(teacher, sample.weights)
    points = []
    for target in context.config.rates.target_rates_khz:
        point = rates.working_point(teacher, target, TEACHER_STEP, sample.weights, curve)
        point.signal_efficiency_interval = {
            name: efficiency.efficiency(s > point.threshold) for name, s in teacher_signals.items()
        }
        point.signal_efficiency = {name: e.value for name, e in point.signal_efficiency_interval.items()}
        points.append(point)
    return points


def _short_type(score_type) -> str:
    """The score type without its rounding and saturation modes, for an axis label."""
    if score_type is None:
        return "ap_ufixed<16,8>"
    return f"ap_{'' if score_type.signed else 'u'}fixed<{score_type.width},{score_type.integer}>"


def _label(context: BuildContext) -> plots.PlotLabel:
    generator = context.config.data.generator
    return plots.PlotLabel("Private work" if generator == "files" else "Simulation", context.config.name)


@dataclass
class _Seeds:
    """The emulated seeds and their decisions on the rate sample and on each signal."""

    seeds: list[l1_seeds.Seed]
    response: float
    response_source: str
    #: seed name -> accepted events of the rate sample
    sample: dict[str, np.ndarray]
    #: signal -> seed name -> accepted signal events
    signals: dict[str, dict[str, np.ndarray]]


def _seed_decisions(context: BuildContext, sample: _Sample, signals: dict[str, np.ndarray]) -> _Seeds:
    config = context.config
    response, source = l1_seeds.region_response(config)
    seeds = l1_seeds.seeds_of(config, response)
    if not seeds:
        return _Seeds(seeds, response, source, {}, {})
    emulation = l1_seeds.emulation_of(config, response)

    def decisions(name: str) -> dict[str, np.ndarray]:
        path = dataset_path(context.data_dir, name)
        return l1_seeds.decisions(l1_seeds.file_seed_quantities(path, emulation), seeds)

    per_dataset = [decisions(name) for name in sample.names]
    return _Seeds(
        seeds,
        response,
        source,
        {s.name: np.concatenate([d[s.name] for d in per_dataset]) for s in seeds},
        {name: decisions(name) for name in signals},
    )


def _working_points(
    context: BuildContext, sample: _Sample, signals: dict[str, np.ndarray], seeds: _Seeds, lsb: float
) -> list[rates.WorkingPoint]:
    """Each target's working point with its threshold interval, efficiencies and, with seeds, pure rate and gain."""
    config = context.config
    curve = rates.RateCurve.from_scores(sample.scores, sample.weights)
    targets = list(config.rates.target_rates_khz)
    stream = numpy_stream(config.seed, BOOTSTRAP_STREAM)
    replicas = rates.bootstrap_thresholds(
        sample.scores, targets, lsb, stream, config.rates.bootstrap_replicas, sample.weights
    )
    sample_seeds = menu.any_seed(seeds.sample, sample.scores.size)
    signal_seeds = {name: menu.any_seed(seeds.signals.get(name, {}), len(s)) for name, s in signals.items()}
    points = []
    for target, (low, high) in zip(targets, rates.threshold_interval(replicas)):
        point = rates.working_point(sample.scores, target, lsb, sample.weights, curve)
        point.threshold_interval = [float(low), float(high)]
        accepted = {name: s > point.threshold for name, s in signals.items()}
        point.signal_efficiency_interval = {name: efficiency.efficiency(a) for name, a in accepted.items()}
        point.signal_efficiency = {name: e.value for name, e in point.signal_efficiency_interval.items()}
        if seeds.seeds:
            point = menu.with_seeds(
                point,
                rates.accepts(sample.scores, point.threshold),
                sample.weights,
                sample_seeds,
                accepted,
                signal_seeds,
            )
        points.append(point)
        log.info(
            f"  {target:g} kHz: threshold {point.threshold} [{low}, {high}], "
            f"rate {point.rate_khz:.3g} ± {point.rate_uncertainty_khz:.2g} kHz"
            + (f", pure {point.pure_rate_khz:.3g} kHz" if point.pure_rate_khz is not None else "")
            + (" (statistics-limited)" if point.statistics_limited else "")
        )
    return points


def run(context: BuildContext) -> RatesResult:
    config = context.config
    scores = read_scores(context.scores_file)
    sample = _rate_sample(context, scores)
    signals = _signals(context, scores)
    convert = context.results.get("convert")
    score_type = convert.output_type() if convert is not None else None  # the firmware's grid, as scored
    lsb = score_type.lsb if score_type is not None else SCORE_LSB
    type_name = score_type.hls() if score_type is not None else "ap_ufixed<16,8>"

    seeds = _seed_decisions(context, sample, signals)
    points = _working_points(context, sample, signals, seeds, lsb)
    teacher_points = _teacher_working_points(context, scores, sample, signals)
    summary = (
        menu.seeds_summary(
            seeds.seeds, seeds.response, seeds.response_source, seeds.sample, sample.weights, seeds.signals
        )
        if seeds.seeds
        else None
    )

    label = _label(context)
    curve = rates.RateCurve.from_scores(sample.scores, sample.weights)
    smallest = rates.smallest_measurable_rate_khz(sample.scores.size, sample.weights)
    grid = np.concatenate([[curve.values[0] - lsb], curve.values])
    rate_plot = plots.plot_rate_vs_threshold(
        grid,
        curve.rate_khz(grid),
        curve.uncertainty_khz(grid),
        [p.as_dict() for p in points],
        smallest,
        context.project_dir / RATE_PLOT,
        label,
        _short_type(score_type),
    )
    bounds = np.cumsum([0, *sample.sizes])
    parts = {name: slice(bounds[i], bounds[i + 1]) for i, name in enumerate(sample.names)}
    weighted = bool(np.ptp(sample.weights) > 0)
    score_plot = plots.plot_score_distributions(
        {**{name: sample.scores[part] for name, part in parts.items()}, **signals},
        context.project_dir / SCORE_PLOT,
        label,
        weights={name: sample.weights[part] for name, part in parts.items()} if weighted else None,
    )
    variations = _pileup_datasets(context, scores, points)
    dependence, pileup_note = _pileup(context, sample, points, label)
    rate_sample = dict(zip(sample.names, sample.sizes))
    files = thresholds.write_thresholds(
        context.project_dir,
        points,
        type_name,
        lsb,
        {"build": config.name, "score": "cicada anomaly score, firmware-exact", "rate_sample": rate_sample},
    )
    return RatesResult(
        score="firmware-exact (HLS project C++, verified bit-exact against QKeras)",
        score_type=type_name,
        score_lsb=lsb,
        zero_bias_rate_khz=rates.ZERO_BIAS_RATE_KHZ,
        rate_sample=rate_sample,
        weighted=weighted,
        zero_bias_events=int(sample.scores.size),
        smallest_measurable_rate_khz=smallest,
        confidence_level=efficiency.CONFIDENCE_LEVEL,
        threshold_interval_method=THRESHOLD_INTERVAL_METHOD.format(
            replicas=config.rates.bootstrap_replicas, level=efficiency.CONFIDENCE_LEVEL
        ),
        working_points=points,
        seeds=summary,
        pileup=dependence,
        pileup_note=pileup_note,
        rate_plot=context.relative(rate_plot),
        score_plot=context.relative(score_plot),
        thresholds_csv=context.relative(files["csv"]),
        thresholds_json=context.relative(files["json"]),
        teacher_working_points=teacher_points,
        pileup_datasets=variations,
    )


def _pileup_datasets(context: BuildContext, scores: dict, points: list[rates.WorkingPoint]) -> list:
    """Each working point's rate on the zero-bias samples of data.pileup_variations."""
    out = []
    for mu in context.config.data.pileup_variations:
        name = pileup_dataset_name(mu)
        if name not in scores:
            raise DataError(
                f"{context.relative(context.scores_file)}: no scores of '{name}' (data.pileup_variations has {mu:g}); "
                "run the scores stage again (cicada build --force)"
            )
        values = scores[name]["firmware"]
        out.append(pileup.dataset_rates(name, mu, values, [p.threshold for p in points]))
        log.info(
            f"  {name}: {len(values):,} events; rate at the working points "
            + ", ".join(f"{r:.3g}" for r in out[-1].rate_khz)
            + " kHz"
        )
    return out


def _pileup(
    context: BuildContext,
    sample: _Sample,
    points: list[rates.WorkingPoint],
    label: plots.PlotLabel,
) -> tuple[PileupDependence | None, str]:
    """Rate against pileup at every working point, or None and why not. The counts are the
    files' preferred pileup information (NPileup, else PV_npvsGood, else PV_npvs), the same in
    every file of the rate sample."""
    counts, keys = [], set()
    for name in sample.names:
        path = dataset_path(context.data_dir, name)
        info = read_pileup_info(path)
        if info is None:
            (context.project_dir / PILEUP_PLOT).unlink(missing_ok=True)  # none stale from an earlier run
            return None, (
                f"not measured: {context.relative(path)} carries no per-event pileup counts (NPileup) or vertex "
                "counts (PV_npvsGood, PV_npvs)"
            )
        keys.add(info[0])
        counts.append(info[1])
    if len(keys) > 1:
        (context.project_dir / PILEUP_PLOT).unlink(missing_ok=True)
        return None, f"not measured: the rate sample's files count different things ({', '.join(sorted(keys))})"
    key = keys.pop()
    what = pileup.quantity_label(key)
    bins = pileup.rate_vs_pileup(sample.scores, sample.weights, np.concatenate(counts), [p.threshold for p in points])
    plot = plots.plot_rate_vs_pileup(
        [vars(b) for b in bins], [p.as_dict() for p in points], context.project_dir / PILEUP_PLOT, label, what
    )
    return PileupDependence(bins, context.relative(plot), key, what), f"measured from the {what} of the rate sample"


def inputs(context: BuildContext) -> dict:
    # the seed drives the bootstrap; the data section only through the seeds' region response
    return {
        "seed": context.config.seed,
        "rates": context.config.rates,
        "region_response": l1_seeds.region_response(context.config),
    }


def outputs(context: BuildContext) -> list[Path]:
    return [
        context.project_dir / RATE_PLOT,
        context.project_dir / SCORE_PLOT,
        context.project_dir / thresholds.THRESHOLDS_CSV,
        context.project_dir / thresholds.THRESHOLDS_JSON,
    ]


STAGE = Stage(
    name="rates",
    description="trigger rates, thresholds and uncertainties from firmware scores, beside emulated L1 seeds",
    run=run,
    result=RatesResult,
    upstream=("data", "convert", "scores"),
    inputs=inputs,
    outputs=outputs,
)
