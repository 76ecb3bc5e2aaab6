"""The report's sections for a float model's firmware: its types with their labels, and its
agreement with the float model (never "bit-exact": only the C simulation and the emulator library,
two builds of the same C++, are compared bit for bit)."""

from __future__ import annotations

from ..core.markdown import table


def types_section(float_types: dict) -> list[str]:
    """### Fixed-point types (float model): every type, proven or calibrated, and the error target."""
    out = [
        "",
        "### Fixed-point types (float model)",
        "",
        "A float model's firmware cannot be bit-exact with Keras: its types are derived. A range labelled "
        "**proven** holds every value any input can give (interval analysis over the weights on their grids); "
        "one labelled **calibrated on N events, margin m** holds the values between the quantiles of N calibration "
        "events (zero-bias and signal) widened by m of their width on each side, and saturates beyond. Fractional "
        f"bits were searched layer by layer for every output to be within {float_types['tolerance']:g} of the float "
        f"model on at least {float_types['fraction']:.4%} of the {float_types['calibration_events']:,} calibration "
        f"events; on {float_types['firmware_truth']} they are on {float_types['share_within_on_firmware']:.4%} "
        f"(attempt {float_types['attempts']}).",
        "",
    ]
    out += table(
        ["layer", "role", "type", "range", "values", "fraction"],
        [
            [t["layer"], t["role"], t["type"], t["label"], f"[{t['low']:g}, {t['high']:g}]", t["fraction_source"]]
            for t in float_types["types"]
        ],
    )
    if float_types.get("hand_set"):
        out += ["", "Hand-set types against the derived ones:", ""] + [f"- {line}" for line in float_types["hand_set"]]
    if float_types.get("notes"):
        out += ["", *[f"- {note}" for note in float_types["notes"]]]
    return out


def accuracy_section(r: dict) -> list[str]:
    """## Agreement: C simulation == emulator library bit for bit; the firmware against the float model."""
    ba = r["bit_accuracy"]
    emulator = ba["emulator_vs_csim"]
    found = ba.get("float_agreement") or {}
    out = [
        "## Agreement with the float model",
        "",
        f"C simulation (the project's testbench built with g++) vs the emulator library (the same C++ as a batch "
        f"library) on {emulator['events']:,} test images: "
        + ("identical bit for bit." if emulator["bit_exact"] else f"**{emulator['mismatches']} differ**."),
        f"Firmware scores computed by the {ba.get('firmware_engine') or 'emulator library'}.",
        "",
    ]
    if not found:
        return out
    out.append(
        f"The firmware against the float Keras model on {found['events']:,} test images: every output within "
        f"{found['tolerance']:g} on {found['share_within']:.4%} of them; rank correlation (Spearman) of the score "
        f"{found['score_spearman']:.6f}."
    )
    out += [
        "",
        *table(
            ["output", "max abs difference", "mean abs difference"],
            [[o["output"], f"{o['max_abs']:.4g}", f"{o['mean_abs']:.4g}"] for o in found["outputs"]],
        ),
    ]
    if found["signals"]:
        out += [
            "",
            *table(
                ["signal", "AUC float", "AUC firmware", "change"],
                [
                    [s["signal"], f"{s['auc_float']:.5f}", f"{s['auc_firmware']:.5f}", f"{s['delta']:+.5f}"]
                    for s in found["signals"]
                ],
            ),
        ]
    if found["rates"]:
        out += [
            "",
            *table(
                ["working point", "threshold (float score)", "rate float", "rate firmware", "change"],
                [
                    [
                        f"{w['target_khz']:g} kHz",
                        f"{w['threshold']:.6g}",
                        f"{w['rate_float_khz']:.4g} kHz",
                        f"{w['rate_firmware_khz']:.4g} kHz",
                        f"{w['delta_khz']:+.4g} kHz",
                    ]
                    for w in found["rates"]
                ],
            ),
        ]
    return out
