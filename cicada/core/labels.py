"""Where a latency or resource figure comes from: one wording for every report.

Every figure a build reports about the firmware's latency or size carries one of these
labels, so that a reader can tell a measurement from an estimate at a glance.
"""

from __future__ import annotations

#: How a figure was obtained, from most to least direct.
KINDS = {
    "simulation": "measured in RTL simulation",
    "open-source synthesis": "open-source synthesis",
    "vendor synthesis": "vendor synthesis",
    "vendor HLS": "vendor HLS synthesis estimate",
    "estimate": "estimate",
}


def source(kind: str, tool: str, method: str) -> str:
    """e.g. ``open-source synthesis: Yosys 0.23 (synth_xilinx -family xc7, per pipeline stage)``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of figure {kind!r}; one of {', '.join(KINDS)}")
    return f"{KINDS[kind]}: {tool}" + (f" ({method})" if method else "")
