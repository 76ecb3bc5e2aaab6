"""Latency and initiation interval in clock cycles, ns and LHC bunch crossings, at the target clock
and, when timing is violated, at the estimated one.
"""

from __future__ import annotations

BUNCH_CROSSING_NS = 25.0


def _explain(figures: dict, reasons: dict[str, str]) -> dict:
    """Give every None figure its ``<name>_reason``."""
    for key, value in list(figures.items()):
        if value is None and key in reasons:
            figures[f"{key}_reason"] = reasons[key]
    return figures


def timing(
    best_cycles: float | None,
    worst_cycles: float | None,
    ii_cycles: float | None,
    clock_ns: float,
    estimated_clock_ns: float | None = None,
    *,
    undefined: dict[str, str] | None = None,
) -> dict:
    """Latency in cycles, ns and bunch crossings at the target clock; whether one event per
    crossing fits; and, when the estimated clock period exceeds the target (a timing
    violation), the same at the estimated clock.

    ``undefined`` says why a None input is None: keys ``latency``, ``interval``,
    ``estimated_clock``.
    """
    why = undefined or {}
    latency_reason = why.get("latency", "latency not given")
    interval_reason = why.get("interval", "initiation interval not given")
    out: dict = {
        "target_clock_ns": clock_ns,
        "estimated_clock_ns": estimated_clock_ns,
        "latency_best_cycles": best_cycles,
        "latency_worst_cycles": worst_cycles,
        "latency_worst_ns": None if worst_cycles is None else worst_cycles * clock_ns,
        "latency_worst_bx": None if worst_cycles is None else worst_cycles * clock_ns / BUNCH_CROSSING_NS,
        "interval_cycles": ii_cycles,
        "interval_ns": None if ii_cycles is None else ii_cycles * clock_ns,
        "one_event_per_crossing": None if ii_cycles is None else ii_cycles * clock_ns <= BUNCH_CROSSING_NS,
        "timing_violation": None if estimated_clock_ns is None else estimated_clock_ns > clock_ns,
    }
    at_estimated = {
        "latency_worst_ns_at_estimated_clock": (worst_cycles, 1.0, latency_reason),
        "latency_worst_bx_at_estimated_clock": (worst_cycles, 1 / BUNCH_CROSSING_NS, latency_reason),
        "interval_ns_at_estimated_clock": (ii_cycles, 1.0, interval_reason),
    }
    reasons = {
        "latency_best_cycles": latency_reason,
        "latency_worst_cycles": latency_reason,
        "latency_worst_ns": latency_reason,
        "latency_worst_bx": latency_reason,
        "interval_cycles": interval_reason,
        "interval_ns": interval_reason,
        "one_event_per_crossing": interval_reason,
        "estimated_clock_ns": why.get("estimated_clock", "estimated clock period not given"),
        "timing_violation": why.get("estimated_clock", "estimated clock period not given"),
    }
    for key, (cycles, scale, reason) in at_estimated.items():
        if not out["timing_violation"]:
            out[key] = None
            reasons[key] = (
                f"no timing violation: the estimated clock ({estimated_clock_ns} ns) meets the target ({clock_ns} ns)"
                if out["timing_violation"] is False
                else reasons["timing_violation"]
            )
        else:
            out[key] = None if cycles is None else cycles * estimated_clock_ns * scale
            reasons[key] = reason
    ii_at_estimated = out["interval_ns_at_estimated_clock"]
    out["one_event_per_crossing_at_estimated_clock"] = (
        None if ii_at_estimated is None else ii_at_estimated <= BUNCH_CROSSING_NS
    )
    reasons["one_event_per_crossing_at_estimated_clock"] = reasons["interval_ns_at_estimated_clock"]
    return _explain(out, reasons)
