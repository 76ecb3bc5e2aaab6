"""Stage ``rates``: thresholds and rates with their uncertainties from the firmware-exact scores of
the weighted zero-bias rate sample, beside emulated standard L1 seeds (at their menu rates), the
efficiency against rate of every signal, and the rate against pileup.

:func:`evaluate` does the work on any rate sample (:class:`~cicada.evaluation.rate_sample.RateSample`):
the build's own (:func:`run`), or a zero-bias sample a user brings (``cicada rates --zero-bias``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core.errors import DataError
from ...core.progress import log
from ...core.seeds import numpy_stream
from ...data.datasets import dataset_path, pileup_dataset_name, rate_sample_weights, signal_names
from ...data.hdf5 import read_pileup_info, read_scores
from ...evaluation import efficiency, l1_seeds, menu, pileup, plots, rates, seed_fit, thresholds
from ...evaluation.efficiency_plot import plot_efficiency_vs_rate
from ...evaluation.rate_sample import RateSample
from ...models.score import SCORE_LSB
from ..context import BuildContext
from ..engine import Stage

RATE_PLOT = "rate_vs_threshold.png"
SCORE_PLOT = "score_distributions.png"
#: each signal's efficiency against rate, on the rate sample (the name the quality stage once drew it under)
EFFICIENCY_PLOT = "roc_vs_rate.png"
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
    #: each signal's efficiency against rate on this sample, through every working point
    efficiency_plot: str = ""
    #: what the rate sample is ("the build's rate sample: ...", or the files of cicada rates --zero-bias)
    sample_source: str = ""
    #: how its events are weighted, in a sentence
    sample_weighting: str = ""
    #: on a sample other than the build's (cicada rates --zero-bias): the build's own thresholds for the same
    #: targets and the rates they give here (the transfer of its thresholds); None on the build's own sample
    build_thresholds: list[rates.TransferPoint] | None = None
    #: the teacher at the same target rates (thresholds on its score, signal efficiencies): what the
    #: student gives up; None for a build without a teacher (an imported model)
    teacher_working_points: list[rates.WorkingPoint] | None = None
    #: the working points' thresholds on the zero-bias samples at other mean pileups
    #: (data.pileup_variations), beside the nominal one
    pileup_datasets: list[pileup.PileupDataset] = field(default_factory=list)


def build_sample(context: BuildContext, scores: dict) -> RateSample:
    """The build's rate sample: zero_bias_test (and the weighted slices), their firmware scores and weights."""
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
    teacher = None
    if all("teacher_mse" in scores[name] for name in names):
        teacher = np.concatenate([np.asarray(scores[name]["teacher_mse"], dtype=np.float64) for name in names])
    return RateSample(
        names=names,
        sizes=sizes,
        paths=[dataset_path(context.data_dir, name) for name in names],
        scores=np.concatenate(parts),
        weights=np.concatenate([weights[n] for n in names]),
        teacher=teacher,
        source="the build's rate sample (" + " + ".join(names) + ")",
    )


def _signals(context: BuildContext, scores: dict, kind: str = "firmware") -> dict[str, np.ndarray]:
    """Every signal's scores of ``kind`` (firmware, teacher_mse), in config order."""
    names = signal_names(context.config.data)
    missing = [name for name in names if name not in scores]
    if missing:
        raise DataError(
            f"{context.scores_file}: no scores for signal '{missing[0]}' (found: {', '.join(scores)}); "
            "expected every signal of the config: rerun the scores stage"
        )
    return {name: np.asarray(scores[name][kind], dtype=np.float64) for name in names}


#: The teacher's score is a float (the ET-only teachers' MSE): thresholds need no grid, only a step
#: below the lowest value
TEACHER_STEP = 1e-9


def _teacher_working_points(
    context: BuildContext, scores: dict, sample: RateSample
) -> tuple[list[rates.WorkingPoint] | None, dict[str, np.ndarray]]:
    """The teacher's working points at the target rates, on the same (weighted) rate sample, and its signal
    scores; (None, {}) without teacher scores."""
    names = signal_names(context.config.data)
    if sample.teacher is None or not all("teacher_mse" in scores.get(name, {}) for name in names):
        return None, {}
    teacher_signals = _signals(context, scores, "teacher_mse")
    curve = rates.RateCurve.from_scores(sample.teacher, sample.weights)
    points = []
    for target in context.config.rates.target_rates_khz:
        point = rates.working_point(sample.teacher, target, TEACHER_STEP, sample.weights, curve)
        point.signal_efficiency_interval = {
            name: efficiency.efficiency(s > point.threshold) for name, s in teacher_signals.items()
        }
        point.signal_efficiency = {name: e.value for name, e in point.signal_efficiency_interval.items()}
        points.append(point)
    return points, teacher_signals


def _short_type(score_type) -> str:
    """The score type without its rounding and saturation modes, for an axis label."""
    if score_type is None:
        return "ap_ufixed<16,8>"
    return f"ap_{'' if score_type.signed else 'u'}fixed<{score_type.width},{score_type.integer}>"


def _label(context: BuildContext, sample: RateSample) -> plots.PlotLabel:
    """Every figure of the stage names its zero-bias sample, and whether it is weighted."""
    generator = context.config.data.generator
    return plots.PlotLabel(
        "Private work" if generator == "files" else "Simulation", context.config.name, sample.label()
    )


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
    #: quantity -> its value for every event of the rate sample
    quantities: dict[str, np.ndarray] = field(default_factory=dict)


def _seed_decisions(context: BuildContext, sample: RateSample) -> _Seeds:
    """The seeds, their thresholds fitted to their menu rates on ``sample`` (``rates.seeds.thresholds:
    fitted``) or the menu's x response, and their decisions on the sample and on every signal."""
    config = context.config
    response, source = l1_seeds.region_response(config)
    seeds = l1_seeds.seeds_of(config, response)
    if not seeds:
        return _Seeds(seeds, response, source, {}, {})
    emulation = l1_seeds.emulation_of(config, response)
    per_file = [l1_seeds.file_seed_quantities(path, emulation) for path in sample.paths]
    quantities = {name: np.concatenate([q[name] for q in per_file]) for name in l1_seeds.QUANTITIES}
    if config.rates.seeds.thresholds == "fitted":
        seeds = seed_fit.fitted(seeds, quantities, sample.weights)
    signals = {
        name: l1_seeds.decisions(l1_seeds.file_seed_quantities(dataset_path(context.data_dir, name), emulation), seeds)
        for name in signal_names(config.data)
    }
    for seed in seeds:
        log.info(
            f"  seed {seed.menu_seed}: region threshold {seed.region_threshold_gev:.4g} GeV "
            + (f"(fitted to {seed.target_rate_khz:g} kHz)" if config.rates.seeds.thresholds == "fitted" else "(menu)")
        )
    return _Seeds(seeds, response, source, l1_seeds.decisions(quantities, seeds), signals, quantities)


def _working_points(
    context: BuildContext, sample: RateSample, signals: dict[str, np.ndarray], seeds: _Seeds, lsb: float
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
    scores = read_scores(context.scores_file)
    sample = build_sample(context, scores)
    how = "weighted: each event its share of the crossings" if sample.weighted else "unweighted: each event 1/N"
    return evaluate(context, sample, scores, how, pileup_variations=True)


def evaluate(
    context: BuildContext,
    sample: RateSample,
    scores: dict,
    weighting: str,
    pileup_variations: bool = False,
    reference: RateSample | None = None,
) -> RatesResult:
    """Rates, thresholds, seeds, efficiencies and their figures on ``sample``, written to the context's project
    folder; ``scores`` holds the build's signal scores (and, with ``pileup_variations``, those of the zero-bias
    samples of data.pileup_variations, whose rates at the working points are added). With ``reference`` (the
    build's own rate sample, when ``sample`` is another), also the rates its thresholds give on ``sample``."""
    config = context.config
    signals = _signals(context, scores)
    convert = context.results.get("convert")
    score_type = convert.output_type() if convert is not None else None  # the firmware's grid, as scored
    lsb = score_type.lsb if score_type is not None else SCORE_LSB
    type_name = score_type.hls() if score_type is not None else "ap_ufixed<16,8>"

    seeds = _seed_decisions(context, sample)
    points = _working_points(context, sample, signals, seeds, lsb)
    teacher_points, teacher_signals = _teacher_working_points(context, scores, sample)
    summary = (
        menu.seeds_summary(
            seeds.seeds,
            seeds.response,
            seeds.response_source,
            seeds.sample,
            sample.weights,
            seeds.signals,
            seeds.quantities,
            config.rates.seeds.thresholds,
        )
        if seeds.seeds
        else None
    )

    label = _label(context, sample)
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
    efficiency_plot = _efficiency_plot(context, sample, curve, signals, teacher_signals, points, lsb, smallest, label)
    parts = sample.parts()
    score_plot = plots.plot_score_distributions(
        {**{name: sample.scores[part] for name, part in parts.items()}, **signals},
        context.project_dir / SCORE_PLOT,
        label,
        weights={name: sample.weights[part] for name, part in parts.items()} if sample.weighted else None,
    )
    variations = _pileup_datasets(context, scores, points) if pileup_variations else []
    dependence, pileup_note = _pileup(context, sample, points, label)
    rate_sample = dict(zip(sample.names, sample.sizes))
    transfer = None
    if reference is not None:
        own = rates.RateCurve.from_scores(reference.scores, reference.weights)
        transfer = rates.transferred(own, sample.scores, sample.weights, config.rates.target_rates_khz, lsb)
    files = thresholds.write_thresholds(
        context.project_dir,
        points,
        type_name,
        lsb,
        {"build": config.name, "score": "cicada anomaly score, firmware-exact", "rate_sample": rate_sample},
    )
    return RatesResult(
        score=(
            "firmware-exact (HLS project C++, verified bit-exact against QKeras)"
            if getattr(context.results.get("convert"), "float_types", None) is None
            else "firmware (HLS project C++ of a float model; C simulation == emulator, agreement with Keras measured)"
        ),
        score_type=type_name,
        score_lsb=lsb,
        zero_bias_rate_khz=rates.ZERO_BIAS_RATE_KHZ,
        rate_sample=rate_sample,
        weighted=sample.weighted,
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
        efficiency_plot=context.relative(efficiency_plot),
        sample_source=sample.source,
        sample_weighting=weighting,
        build_thresholds=transfer,
    )


def _efficiency_plot(
    context: BuildContext,
    sample: RateSample,
    curve: rates.RateCurve,
    signals: dict[str, np.ndarray],
    teacher_signals: dict[str, np.ndarray],
    points: list[rates.WorkingPoint],
    lsb: float,
    smallest: float,
    label: plots.PlotLabel,
) -> Path:
    """Each signal's efficiency against rate on the rate sample, through every working point of the table."""
    firmware = {name: rates.efficiency_curve(curve, s, lsb) for name, s in signals.items()}
    teacher = None
    if teacher_signals and sample.teacher is not None:
        teacher_curve = rates.RateCurve.from_scores(sample.teacher, sample.weights)
        teacher = {name: rates.efficiency_curve(teacher_curve, s, TEACHER_STEP) for name, s in teacher_signals.items()}
    path = context.project_dir / EFFICIENCY_PLOT
    plot_efficiency_vs_rate(firmware, teacher, [p.as_dict() for p in points], smallest, path, label)
    return path


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
    sample: RateSample,
    points: list[rates.WorkingPoint],
    label: plots.PlotLabel,
) -> tuple[PileupDependence | None, str]:
    """Rate against pileup at every working point, or None and why not. The counts are the
    files' preferred pileup information (NPileup, else PV_npvsGood, else PV_npvs), the same in
    every file of the rate sample."""
    counts, keys = [], set()
    for path in sample.paths:
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
        context.project_dir / EFFICIENCY_PLOT,
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
