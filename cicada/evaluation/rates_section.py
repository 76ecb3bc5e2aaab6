"""The trigger-rates section of ``report.md``, from the rates stage's result as report.json holds it."""

from __future__ import annotations

from typing import Callable

from ..core.markdown import table
from .rates import MAX_RELATIVE_UNCERTAINTY, ZERO_BIAS_RATE_KHZ


def _pm(value: float | None, error: float | None) -> str:
    if value is None:
        return ""
    if value == 0 and not error:
        return "0 (no event passes)"
    return f"{value:.3g} ± {error:.2g}"


def _eff(e: dict) -> str:
    """An efficiency with its interval, in percent."""
    return f"{100 * e['value']:.1f} [{100 * e['low']:.1f}, {100 * e['high']:.1f}]"


def section(rt: dict, link: Callable[[str], str]) -> list[str]:
    """Markdown lines of the section; ``link`` turns a build-relative path into one relative to the report."""
    sample = ", ".join(f"{name} {events:,}" for name, events in rt["rate_sample"].items())
    level = f"{rt['confidence_level']:.2%}"
    out = [
        "## Trigger rates",
        "",
        f"Rate = weight of the zero-bias rate sample with firmware score strictly above the threshold x "
        f"{ZERO_BIAS_RATE_KHZ / 1000:.2f} MHz. Rate sample: {sample} events "
        f"({'weighted' if rt['weighted'] else 'unweighted: each event 1/N'}); one event = "
        f"{rt['smallest_measurable_rate_khz']:.3g} kHz.",
        "",
        "Uncertainties are statistical: a rate's is sqrt(sum w^2) of the passing events (weighted Poisson) x "
        f"{ZERO_BIAS_RATE_KHZ / 1000:.2f} MHz; a threshold's interval comes from a {rt['threshold_interval_method']}; "
        f"efficiencies carry {level} Clopper-Pearson intervals (in brackets, percent). Working points whose rate has a "
        f"relative uncertainty above {MAX_RELATIVE_UNCERTAINTY:.0%} (fewer than "
        f"{round(MAX_RELATIVE_UNCERTAINTY**-2)} effective events) are marked statistics-limited.",
        "",
        f"![rate vs threshold]({link(rt['rate_plot'])})",
        "",
    ]
    points = rt["working_points"]
    seeds = rt["seeds"]
    with_seeds = seeds is not None
    header = ["target (kHz)", "threshold [interval]", "threshold (LSB)", "rate (kHz)", "rel. unc.", "effective events"]
    if with_seeds:
        header += ["pure rate (kHz)", "with seeds (kHz)"]
    rows = []
    for wp in points:
        low, high = wp["threshold_interval"] or (wp["threshold"], wp["threshold"])
        relative = wp["relative_uncertainty"]
        row = [
            f"{wp['target_khz']:g}",
            f"{wp['threshold']} [{low}, {high}]",  # exact: grid values are short binary fractions
            round(wp["threshold"] / rt["score_lsb"]),
            _pm(wp["rate_khz"], wp["rate_uncertainty_khz"]),
            "no event passes"
            if relative is None
            else f"{relative:.0%}" + (" **statistics-limited**" if wp["statistics_limited"] else ""),
            f"{wp['effective_events']:.1f}",
        ]
        if with_seeds:
            row += [
                _pm(wp["pure_rate_khz"], wp["pure_rate_uncertainty_khz"]),
                _pm(wp["total_rate_khz"], wp["total_rate_uncertainty_khz"]),
            ]
        rows.append(row)
    out += table(header, rows)
    if any(wp["statistics_limited"] for wp in points):
        out += ["", "statistics-limited: more zero-bias events (or weighted slices of the tail) are needed there."]
    out += [
        "",
        f"Thresholds for menu tools: [{rt['thresholds_csv'].rsplit('/', 1)[-1]}]({link(rt['thresholds_csv'])}), "
        f"[{rt['thresholds_json'].rsplit('/', 1)[-1]}]({link(rt['thresholds_json'])}) "
        f"(score type {rt['score_type']}; accept when score > threshold).",
    ]
    signals = list(points[0]["signal_efficiency_interval"]) if points else []
    if signals:
        teacher = rt.get("teacher_working_points")
        out += ["", "### Signal efficiency (%)", ""]
        if teacher:
            out += [
                "Firmware at the thresholds above; teacher at its own thresholds (on its score) for the same target "
                "rates on the same rate sample: what the student gives up.",
                "",
            ]
        rows = []
        for name in signals:
            rows.append(
                [
                    name + (" (firmware)" if teacher else ""),
                    *[_eff(wp["signal_efficiency_interval"][name]) for wp in points],
                ]
            )
            if teacher:
                rows.append([f"{name} (teacher)", *[_eff(wp["signal_efficiency_interval"][name]) for wp in teacher]])
        out += table(["signal", *[f"{wp['target_khz']:g} kHz" for wp in points]], rows)
    out += _seeds_section(rt, signals)
    out += _pileup_section(rt, link)
    return out + ["", f"![score distributions]({link(rt['score_plot'])})"]


def _seeds_section(rt: dict, signals: list[str]) -> list[str]:
    seeds, points = rt["seeds"], rt["working_points"]
    out = ["", "### Beside the standard seeds", ""]
    if seeds is None:
        return out + ["No standard seeds emulated (all switched off in rates.seeds)."]
    out += [
        "Standard L1 seeds emulated from the same region images (approximations: 3x3-region jets, no HF, pileup "
        "estimated from each eta ring's median region; see each definition). The 2025 menu's thresholds are "
        "calibrated GeV; regions hold uncalibrated ET, so each "
        f"threshold is multiplied by the region response {seeds['response']:g} ({seeds['response_source']}). "
        "A seed's pure rate is what it adds that no other emulated seed takes.",
        "",
    ]
    out += table(
        [
            "seed",
            "stands for",
            "region threshold (GeV)",
            "definition",
            "rate (kHz)",
            "pure rate (kHz)",
            *[f"eff. {s} (%)" for s in signals],
        ],
        [
            [
                s["name"],
                s["menu_seed"],
                f"{s['region_threshold_gev']:g}",
                s["description"],
                _pm(s["rate_khz"], s["rate_uncertainty_khz"]),
                "" if s.get("pure_rate_khz") is None else _pm(s["pure_rate_khz"], s["pure_rate_uncertainty_khz"]),
                *[_eff(s["signal_efficiency"][name]) for name in signals],
            ]
            for s in seeds["seeds"]
        ]
        + [
            [
                "OR of the seeds",
                "",
                "",
                "",
                _pm(seeds["combined_rate_khz"], seeds["combined_rate_uncertainty_khz"]),
                "",
                *[_eff(seeds["signal_efficiency"][name]) for name in signals],
            ]
        ],
    )
    if signals:
        out += [
            "",
            "Efficiency gained by adding the anomaly trigger to the seeds, eff(OR(seeds, anomaly)) - eff(OR(seeds)) "
            "(the signal events it accepts and no seed does), in percent:",
            "",
        ]
        out += table(
            ["signal", "OR of the seeds", *[f"gain at {wp['target_khz']:g} kHz" for wp in points]],
            [
                [name, _eff(seeds["signal_efficiency"][name]), *[_eff(wp["signal_gain"][name]) for wp in points]]
                for name in signals
            ],
        )
    return out


def _pileup_datasets_table(rt: dict) -> list[str]:
    """The working points' rates on the zero-bias samples made at other mean pileups."""
    samples = rt.get("pileup_datasets") or []
    if not samples:
        return []
    points = rt["working_points"]
    out = [
        "",
        "At other mean pileups (`data.pileup_variations`: unweighted zero-bias samples, no hard-scatter slices, "
        "so their low rates rest on the events shown in brackets), kHz at each working point's threshold; the "
        "nominal row is the rate sample above:",
        "",
    ]
    rows = [
        [
            f"{s['mean_pileup']:g}",
            s["name"],
            f"{s['events']:,}",
            *[f"{_pm(r, e)} ({k})" for r, e, k in zip(s["rate_khz"], s["rate_uncertainty_khz"], s["events_passing"])],
        ]
        for s in samples
    ]
    rows.append(
        [
            "nominal",
            "rate sample",
            f"{rt['zero_bias_events']:,}",
            *[_pm(wp["rate_khz"], wp["rate_uncertainty_khz"]) for wp in points],
        ]
    )
    return out + table(["mean pileup", "sample", "events", *[f"{wp['target_khz']:g} kHz point" for wp in points]], rows)


def _pileup_section(rt: dict, link: Callable[[str], str]) -> list[str]:
    out = ["", "### Rate against pileup", ""]
    dependence = rt["pileup"]
    if dependence is None:
        return out + [f"Rate against pileup {rt['pileup_note']}."] + _pileup_datasets_table(rt)
    points = rt["working_points"]
    quantity = dependence.get("quantity_label", "pileup interactions in the crossing (NPileup)")
    out += [
        f"The rate each working point's threshold would give if every crossing had this many {quantity} "
        "(weighted fraction of the events in the bin that pass x the crossing rate), kHz:",
        "",
    ]
    out += table(
        [dependence.get("quantity", "NPileup"), "events", *[f"{wp['target_khz']:g} kHz point" for wp in points]],
        [
            [
                f"{b['low']}-{b['high']}" if b["high"] > b["low"] else b["low"],
                f"{b['events']:,}",
                *[_pm(rate, error) for rate, error in zip(b["rate_khz"], b["rate_uncertainty_khz"])],
            ]
            for b in dependence["bins"]
        ],
    )
    return out + _pileup_datasets_table(rt) + ["", f"![rate vs pileup]({link(dependence['plot'])})"]
