"""Firmware compared side by side: one row per model (the build's own student first, then the students of
``comparison.students``; any other firmware, e.g. an encoder-only VAE, is another row of the same record).

A row holds what a trigger needs to choose between models, each figure with its source: the ROC AUC of
every signal against zero-bias (firmware-exact scores of the test sets), the efficiency of every signal
at the compared rate (Clopper-Pearson interval) and the pure rate there (accepted by no emulated L1
seed), both at the threshold set on the build's weighted rate sample, the LUT count and the latency in
clock cycles and bunch crossings. A figure that was not obtained is None with its reason in ``notes``.
:func:`markdown` renders report.md's table "Students compared" from report.json's ``comparison``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.labels import KINDS
from ..core.markdown import table
from .efficiency import Efficiency
from .rates import WorkingPoint


@dataclass
class ComparedRow:
    """One model of the comparison: what it is and its figures, each with its source."""

    name: str
    #: what it is, in a few words
    description: str
    #: "build student" or "build encoder" (the build's own), "comparison student" or "comparison encoder"
    kind: str
    architecture: str | None = None
    #: what it reads of a region (student.input), or None
    input: str | None = None
    parameters: int | None = None
    #: signal -> ROC AUC of the firmware score against zero_bias_test
    auc: dict[str, float] = field(default_factory=dict)
    #: signal -> its Poisson-bootstrap interval [low, high]
    auc_interval: dict[str, list[float]] = field(default_factory=dict)
    auc_source: str = ""
    #: the rate compared at (kHz) and the firmware threshold giving it on the rate sample
    rate_khz: float = 1.0
    threshold: float | None = None
    #: the rate that threshold gives on the rate sample, with its statistical uncertainty
    measured_rate_khz: float | None = None
    measured_rate_uncertainty_khz: float | None = None
    #: signal -> efficiency at that threshold with its Clopper-Pearson interval
    efficiency: dict[str, Efficiency] = field(default_factory=dict)
    #: the rate accepted at that threshold and by no emulated L1 seed (None without seeds)
    pure_rate_khz: float | None = None
    pure_rate_uncertainty_khz: float | None = None
    rates_source: str = ""
    LUT: float | None = None
    LUT_source: str = ""
    latency_cycles: float | None = None
    latency_ns: float | None = None
    latency_bx: float | None = None
    latency_source: str = ""
    #: the bit-for-bit checks its figures rest on, in words
    verified: list[str] = field(default_factory=list)
    #: figure -> why it is missing
    notes: dict[str, str] = field(default_factory=dict)


def at_rate(points: list[WorkingPoint], rate_khz: float) -> WorkingPoint | None:
    """The working point of target ``rate_khz`` among ``points``, or None."""
    return next((p for p in points if abs(p.target_khz - rate_khz) < 1e-12), None)


def with_working_point(row: ComparedRow, point: WorkingPoint | None, source: str) -> ComparedRow:
    """``row`` with the threshold, efficiencies and pure rate of ``point`` (the row's rate)."""
    row.rates_source = source
    if point is None:
        row.notes["efficiency"] = f"no working point at {row.rate_khz:g} kHz"
        return row
    row.threshold = point.threshold
    row.measured_rate_khz, row.measured_rate_uncertainty_khz = point.rate_khz, point.rate_uncertainty_khz
    row.efficiency = dict(point.signal_efficiency_interval)
    row.pure_rate_khz, row.pure_rate_uncertainty_khz = point.pure_rate_khz, point.pure_rate_uncertainty_khz
    if point.pure_rate_khz is None:
        row.notes["pure_rate"] = "no emulated L1 seeds (rates.seeds)"
    if point.statistics_limited:
        row.notes["rate"] = "statistics-limited: few rate-sample events above the threshold"
    return row


def with_synthesis(row: ComparedRow, figures, status: str, reason: str | None) -> ComparedRow:
    """``row`` with the LUT and latency of a synthesis backend's figures (a ``Figures`` record): measured
    LUT where the backend synthesized, else its estimate; the latency it measured."""
    if status != "done" or figures is None:
        row.notes["LUT"] = row.notes["latency"] = reason or status
        return row
    if figures.resources is not None and "LUT" in figures.resources.counts:
        row.LUT, row.LUT_source = figures.resources.counts["LUT"], figures.resources.source
    elif figures.estimate is not None and "LUT" in figures.estimate.counts:
        row.LUT, row.LUT_source = figures.estimate.counts["LUT"], figures.estimate.source
    else:
        row.notes["LUT"] = "not measured"
    latency = figures.latency
    if latency is not None and latency.cycles is not None:
        row.latency_cycles, row.latency_ns, row.latency_bx = latency.cycles, latency.ns, latency.bx
        row.latency_source = latency.source
    else:
        row.notes["latency"] = figures.latency_reason or "not measured"
    return row


# ------------------------------------------------------------------------------------ report.md
def _number(value, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}g}"


def _kind(source: str) -> str:
    """The kind of a figure's source (``measured in RTL simulation``, ``open-source synthesis``, ``estimate``...),
    for a table cell: the full source is in the notes below the table."""
    return next((label for label in KINDS.values() if source.startswith(label)), "")


def _with_kind(text: str, source: str) -> str:
    kind = _kind(source)
    return f"{text} ({kind})" if kind and text != "n/a" else text


def _auc(value: float | None) -> str:
    """An AUC with three decimals, as its interval in the notes."""
    return "n/a" if value is None else f"{value:.3f}"


def _efficiency(e: dict | None) -> str:
    if not e:
        return "n/a"
    return f"{e['value']:.3f} [{e['low']:.3f}, {e['high']:.3f}]"


def markdown(comparison: dict) -> list[str]:
    """report.md's section "Students compared" from report.json's ``comparison`` (empty without one)."""
    rows = comparison.get("rows") or []
    if not rows:
        return []
    rate = comparison["rate_khz"]
    signals = list(dict.fromkeys(name for row in rows for name in row["auc"]))
    lines = [
        "## Students compared",
        "",
        f"Every model on the same data (the students trained on the same teacher's targets, an encoder row is "
        f"that teacher's own encoder); the first row is this build's firmware. "
        f"Efficiencies and pure rates at {rate:g} kHz, at each model's own threshold on the same weighted rate "
        f"sample ({comparison.get('rate_sample', 'the build’s rate sample')}); intervals at "
        f"{comparison.get('confidence_level', 0.6827):.2%}. AUC, efficiencies and pure rates come from the "
        "firmware-exact scores; the source of every LUT and latency figure is beside it, in full below the table.",
        "",
    ]
    header = ["model", "input", "parameters"]
    header += [f"AUC {s}" for s in signals] + [f"eff@{rate:g} kHz {s}" for s in signals]
    header += [f"pure rate @{rate:g} kHz (kHz)", "LUT", "latency (cycles)", "latency (BX)"]
    body = []
    for row in rows:
        pure = row["pure_rate_khz"]
        body.append(
            [
                f"{row['name']} ({row['kind']})",
                row["input"] or "n/a",
                f"{row['parameters']:,}" if row["parameters"] is not None else "n/a",
                *(_auc(row["auc"].get(s)) for s in signals),
                *(_efficiency(row["efficiency"].get(s)) for s in signals),
                "n/a" if pure is None else f"{pure:.3g} ± {row['pure_rate_uncertainty_khz']:.2g}",
                _with_kind(f"{row['LUT']:,.0f}" if row["LUT"] is not None else "n/a", row["LUT_source"]),
                _with_kind(_number(row["latency_cycles"], 4), row["latency_source"]),
                _with_kind(_number(row["latency_bx"], 3), row["latency_source"]),
            ]
        )
    lines += table(header, body)
    lines += ["", "Sources and checks:", ""]
    for row in rows:
        lines.append(f"- **{row['name']}**: {row['description']}")
        sources = [
            ("AUC", row["auc_source"]),
            (f"efficiency and pure rate at {rate:g} kHz", row["rates_source"]),
            ("LUT", row["LUT_source"]),
            ("latency", row["latency_source"]),
        ]
        lines += [f"  - {what}: {where}" for what, where in sources if where]
        if row["threshold"] is not None:
            lines.append(
                f"  - threshold {row['threshold']:g} gives {row['measured_rate_khz']:.3g} ± "
                f"{row['measured_rate_uncertainty_khz']:.2g} kHz on the rate sample"
            )
        lines += [f"  - verified: {check}" for check in row["verified"]]
        lines += [f"  - {what} missing or limited: {why}" for what, why in row["notes"].items()]
    lines.append("")
    return lines
