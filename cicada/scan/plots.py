"""Pareto plots of a scan: signal efficiency at one trigger rate against LUTs and against latency.

A point is on the Pareto front when no other point is at least as efficient *and* at least
as cheap, with one of the two strictly better. CICADA v2 points of the scan (student
architecture ``cicada_v2``) and a reference build's report are marked.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import ConfigError
from ..core.files import read_json
from ..core.plotting import pyplot, save_figure
from .results import figures, rate_label

PARETO_PLOT = "pareto.png"
#: Cost axes of the plots: (column, axis label).
COSTS = (("LUT", "LUT"), ("latency_ns", "latency (ns)"))
REFERENCE_ARCHITECTURE = "cicada_v2"


def read_reference(path: Path, where: str) -> dict:
    """The figures of a reference build's report.json (e.g. CICADA v2), as a table row."""
    try:
        report = read_json(path)
        row = figures(report)
    except FileNotFoundError:
        raise ConfigError(f"{where}: {path} not found; expected the report.json of a build") from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ConfigError(f"{where}: {path} is not a cicada report.json ({type(err).__name__}: {err})") from None
    row["point"] = f"reference: {report.get('name', path.parent.name)}"
    return row


def reference_architecture_points(rows: list[dict]) -> list[int]:
    """Indices of the rows with CICADA v2's architecture, worth a marker only beside other architectures:
    in a scan of CICADA v2 alone (regularisers, pruning) every point would carry it and hide the front."""
    marked = [i for i, row in enumerate(rows) if row.get("architecture") == REFERENCE_ARCHITECTURE]
    return marked if len(marked) < len(rows) else []


def pareto_front(costs: list[float], gains: list[float]) -> list[int]:
    """Indices of the non-dominated points (lower cost, higher gain), by increasing cost."""
    order = sorted(range(len(costs)), key=lambda i: (costs[i], -gains[i]))
    front, best = [], float("-inf")
    for i in order:
        if gains[i] > best:
            front.append(i)
            best = gains[i]
    return front


def efficiency_column(rate_khz: float, signal: str) -> str:
    return f"efficiency@{rate_label(rate_khz)}:{signal}"


def signals_of(rows: list[dict], rate_khz: float) -> list[str]:
    prefix = f"efficiency@{rate_label(rate_khz)}:"
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(k[len(prefix) :] for k in row if k.startswith(prefix)))
    return list(seen)


#: Markers of the reference builds, in the order the scan file lists them.
REFERENCE_MARKERS = (("P", "tab:green"), ("X", "tab:purple"), ("D", "tab:brown"), ("v", "tab:olive"))
OBJECTIVE_LABELS = {
    "LUT_estimate": "LUT, alkaid's estimate (objective)",
    "adder_terms": "adder terms of the weights (objective)",
    "LUT": "LUT (objective)",
}


def cost_axes(objective: str | None) -> tuple[tuple[str, str], ...]:
    """The plots' cost axes: with an objective, it first, then LUT measured by synthesis, then latency."""
    if objective is None:
        return COSTS
    return (("objective", OBJECTIVE_LABELS[objective]), ("LUT", "LUT (synthesis only)"), COSTS[1])


def usable_rows(rows: list[dict], cost: str, column: str, objective: str | None) -> list[dict]:
    from .front import measured_by_synthesis

    usable = [row for row in rows if row.get(cost) is not None and row.get(column) is not None]
    if objective is not None and cost == "LUT":  # beside an estimated objective: only what synthesis measured
        usable = [row for row in usable if measured_by_synthesis(row)]
    return usable


def plot_pareto(
    rows: list[dict],
    rate_khz: float,
    path: Path,
    title: str,
    references: list[dict] | None = None,
    objective: str | None = None,
) -> Path:
    """One panel per (signal, cost): every finished point, its Pareto front, CICADA v2 and the reference
    builds marked; with an ``objective``, its axis first and the front's points ringed."""
    plt = pyplot()
    references = [{**ref, "objective": ref.get(objective)} if objective else ref for ref in (references or [])]
    costs = cost_axes(objective)
    done = [row for row in rows if row.get("status") == "done"]
    signals = signals_of(done + references, rate_khz) or ["(no signal)"]
    fig, axes = plt.subplots(len(signals), len(costs), figsize=(5.5 * len(costs), 4 * len(signals)), squeeze=False)
    for r, signal in enumerate(signals):
        column = efficiency_column(rate_khz, signal)
        for c, (cost, label) in enumerate(costs):
            ax = axes[r][c]
            usable = usable_rows(done, cost, column, objective)
            x = [float(row[cost]) for row in usable]
            y = [float(row[column]) for row in usable]
            ax.scatter(x, y, s=22, color="tab:blue", alpha=0.7, label=f"scan points ({len(usable)})")
            front = pareto_front(x, y)
            if front:
                ax.plot(
                    [x[i] for i in front], [y[i] for i in front], "-o", color="tab:orange", ms=5, label="Pareto front"
                )
            ringed = [i for i, row in enumerate(usable) if row.get("yosys_on_front")]
            if ringed and cost != "objective":
                ax.scatter(
                    [x[i] for i in ringed],
                    [y[i] for i in ringed],
                    s=120,
                    facecolors="none",
                    edgecolors="black",
                    label="measured by Yosys after the scan",
                )
            marked = reference_architecture_points(usable)
            if marked:
                ax.scatter(
                    [x[i] for i in marked],
                    [y[i] for i in marked],
                    marker="*",
                    s=220,
                    color="tab:red",
                    edgecolor="black",
                    zorder=5,
                    label="CICADA v2 (in the scan)",
                )
            shown = list(x)
            for (marker, color), reference in zip(REFERENCE_MARKERS * 4, references):
                if reference.get(cost) is None or reference.get(column) is None:
                    continue
                shown.append(float(reference[cost]))
                ax.scatter(
                    [reference[cost]],
                    [reference[column]],
                    marker=marker,
                    s=160,
                    color=color,
                    edgecolor="black",
                    zorder=6,
                    label=reference["point"],
                )
            missing = len(done) - len(usable)
            if not usable:
                ax.text(
                    0.5,
                    0.5,
                    f"no finished point has {cost} figures\n(synthesis off or unavailable)",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                    color="grey",
                )
            if shown and min(shown) > 0 and max(shown) / min(shown) > 50:
                ax.set_xscale("log")  # students of a scan can differ in size by orders of magnitude
            ax.set_xlabel(label + (f"  [{missing} point(s) without figures]" if missing and usable else ""))
            ax.set_ylabel(f"{signal} efficiency at {rate_khz:g} kHz")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(title)
    return save_figure(fig, path)
