"""The trigger-rates section of ``report.md``, from the rates stage's result as report.json holds it."""

from __future__ import annotations

from typing import Callable

from ..core.markdown import table
from .rates import MAX_RELATIVE_UNCERTAINTY, ZERO_BIAS_RATE_KHZ


def _pm(value: float | None, error: float | None, zero: str = "0 (no event passes)") -> str:
    if value is None:
        return ""
    if value == 0 and not error:
        return zero
    return f"{value:.3g} ± {error:.2g}"


def _pure(wp: dict) -> str:
    """The anomaly trigger's pure rate at a working point; 0 says whether nothing passes or the seeds take it all."""
    zero = "0 (no event passes)" if wp["rate_khz"] == 0 else "0 (a seed takes every event it takes)"
    return _pm(wp["pure_rate_khz"], wp["pure_rate_uncertainty_khz"], zero)


def _eff(e: dict) -> str:
    """An efficiency with its interval, in percent."""
    return f"{100 * e['value']:.1f} [{100 * e['low']:.1f}, {100 * e['high']:.1f}]"


def section(rt: dict, link: Callable[[str], str]) -> list[str]:
    """Markdown lines of the section; ``link`` turns a build-relative path into one relative to the report."""
    sample = ", ".join(f"{name} {events:,}" for name, events in rt["rate_sample"].items())
    level = f"{rt['confidence_level']:.2%}"
    weighting = rt.get("sample_weighting") or ("weighted" if rt["weighted"] else "unweighted: each event 1/N")
    source = f" ({rt['sample_source']})" if rt.get("sample_source") else ""
    out = [
        "## Trigger rates",
        "",
        f"Rate = weight of the zero-bias rate sample with firmware score strictly above the threshold x "
        f"{ZERO_BIAS_RATE_KHZ / 1000:.2f} MHz. Rate sample{source}: {sample} events ({weighting}); one event = "
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
                _pure(wp),
                _pm(wp["total_rate_khz"], wp["total_rate_uncertainty_khz"]),
            ]
        rows.append(row)
    out += table(header, rows)
    if any(wp["statistics_limited"] for wp in points):
        out += ["", "statistics-limited: more zero-bias events (or weighted slices of the tail) are needed there."]
    transfer = rt.get("build_thresholds")
    if transfer:
        out += [
            "",
            "The build's own thresholds for the same targets (set on its rate sample) and the rates they give on this "
            "sample: how its thresholds transfer.",
            "",
        ]
        out += table(
            [
                "target (kHz)",
                "build's threshold",
                "rate on the build's sample (kHz)",
                "rate here (kHz)",
                "rate / target",
            ],
            [
                [
                    f"{t['target_khz']:g}",
                    f"{t['threshold']}",
                    f"{t['own_rate_khz']:.3g}",
                    _pm(t["rate_khz"], t["rate_uncertainty_khz"]),
                    f"{t['ratio']:.2f}",
                ]
                for t in transfer
            ],
        )
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
    if rt.get("efficiency_plot"):
        out += [
            "",
            "Efficiency against rate, from the same rate sample as the table (each working point is a point of its "
            f"curve; band: {level} Clopper-Pearson; dashed: the teacher at its own thresholds):",
            "",
            f"![efficiency vs rate]({link(rt['efficiency_plot'])})",
        ]
    out += _seeds_section(rt, signals)
    out += _pileup_section(rt, link)
    return out + ["", f"![score distributions]({link(rt['score_plot'])})"]


def _target(s: dict) -> str:
    """A seed's menu rate, labelled as an assumption where it is one."""
    if s.get("target_rate_khz") is None:
        return ""
    label = {True: "measured", False: "assumed, not measured", None: "given in the config"}[
        s.get("target_rate_measured")
    ]
    return f"{s['target_rate_khz']:g} ({label})"


def _seeds_intro(seeds: dict) -> list[str]:
    fitted = seeds.get("thresholds") == "fitted"
    how = (
        "Each seed's region-ET threshold is **fitted** on this rate sample so that the seed runs at its menu rate "
        "(rates.seeds.thresholds: fitted); beside it, the menu's threshold x the region response "
        f"{seeds['response']:g} ({seeds['response_source']}) and the rate that would give."
        if fitted
        else "Each threshold is the 2025 menu's (calibrated GeV) x the region response "
        f"{seeds['response']:g} ({seeds['response_source']}): regions hold uncalibrated ET (rates.seeds.thresholds: "
        "menu)."
    )
    return [
        "Standard L1 seeds emulated from the same region images (approximations: 3x3-region jets, no HF, pileup "
        "estimated from each eta ring's median region; see each definition). " + how + " A seed's pure rate is "
        "what it adds that no other emulated seed takes. Menu rates: cicada/core/l1_menu.py (sources there; "
        "labelled where assumed).",
        "",
    ]


def _seeds_section(rt: dict, signals: list[str]) -> list[str]:
    seeds, points = rt["seeds"], rt["working_points"]
    out = ["", "### Beside the standard seeds", ""]
    if seeds is None:
        return out + ["No standard seeds emulated (all switched off in rates.seeds)."]
    out += _seeds_intro(seeds)

    def menu_threshold(s: dict) -> str:
        threshold = s.get("menu_region_threshold_gev")
        if threshold is None:
            return f"{s['region_threshold_gev']:g}"
        rate = s.get("menu_threshold_rate_khz")
        return f"{threshold:g}" + ("" if rate is None else f" ({_pm(rate, s['menu_threshold_rate_uncertainty_khz'])})")

    out += table(
        [
            "seed",
            "stands for",
            "menu rate (kHz)",
            "menu threshold x response, GeV (its rate, kHz)",
            "applied threshold (GeV)",
            "definition",
            "rate (kHz)",
            "pure rate (kHz)",
            *[f"eff. {s} (%)" for s in signals],
        ],
        [
            [
                s["name"],
                s["menu_seed"],
                _target(s),
                menu_threshold(s),
                f"{s['region_threshold_gev']:.4g}" + (" (fitted)" if seeds.get("thresholds") == "fitted" else ""),
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
                "",
                "",
                _pm(seeds["combined_rate_khz"], seeds["combined_rate_uncertainty_khz"]),
                "",
                *[_eff(seeds["signal_efficiency"][name]) for name in signals],
            ]
        ],
    )
    budget = seeds.get("budget_khz")
    if budget:
        verdict = "below" if seeds["combined_rate_khz"] < budget else "**above**"
        out += ["", f"The OR of the seeds runs {verdict} the Level-1 budget of {budget:g} kHz."]
    if signals:
        out += [
            "",
            "The anomaly trigger beside the seeds at each working point: its pure rate (events no seed takes) and "
            "the efficiency it adds, eff(OR(seeds, anomaly)) - eff(OR(seeds)) (the signal events it accepts and no "
            "seed does), in percent:",
            "",
        ]
        out += table(
            ["", "OR of the seeds", *[f"{wp['target_khz']:g} kHz point" for wp in points]],
            [["pure rate (kHz)", "", *[_pure(wp) for wp in points]]]
            + [
                [
                    f"gain {name}",
                    _eff(seeds["signal_efficiency"][name]),
                    *[_eff(wp["signal_gain"][name]) for wp in points],
                ]
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
