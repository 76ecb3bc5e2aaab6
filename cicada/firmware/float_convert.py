"""A float (non-QKeras) model into an hls4ml project with derived, labelled types.

:func:`convert_float_model`: the model in its hls4ml layout (:mod:`.float_model`), its types
derived on the calibration events (:mod:`.float_derive`), the hand-set types checked against
them before anything is built (:func:`check_hand_set`), the model with its weights on their
grids converted, every proven range proven again on that graph, and the error target confirmed
on hls4ml's compiled C++ (``hls_model.predict``): if the search's model of the firmware was too
hopeful, every searched fraction gets one more bit and the conversion is repeated (at most
:data:`ATTEMPTS` times). The project is written whole or not at all.

The firmware's truth for a float model is hls4ml's C++: the integer model
(:mod:`.integer_model`) has no rule for layer normalisation or leaky ReLU, so the emulator
library (:mod:`.emulator`) scores, and the C simulation is checked against it bit for bit
(:func:`check_csim`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core.errors import ConversionError
from ..core.files import atomic_directory
from ..core.fixedpoint import FixedType
from ..core.progress import log
from .convert import (
    TESTBENCH,
    _explicit_precisions,
    _layer_table,
    _patch_testbench,
    _plain_config,
    build_hls4ml_config,
    convert_model,
    hls4ml_errors,
)
from .float_derive import SEARCHED, Derivation, derive, finalise
from .float_model import check_float_layers, hls4ml_layout, with_weights_on_grid
from .float_surrogate import graph_nodes
from .float_types import TABLE_SIZES, Target, with_fractional

if TYPE_CHECKING:
    from ..config.sections import HlsConfig

#: conversions tried before the error target is declared unmet on hls4ml's C++
ATTEMPTS = 3


@dataclass
class FloatConversion:
    project_dir: Path
    derivation: Derivation
    #: one line per hand-set type: how it compares with the derived one
    hand_set: list[str]
    hls4ml_config: dict
    #: share of calibration events whose every output is within tolerance, on hls4ml's compiled C++
    share_within: float
    target: Target
    attempts: int
    firmware_truth: str = (
        "hls4ml's compiled C++ (hls_model.predict; the emulator library and C simulation compile the same files)"
    )
    notes: list[str] = field(default_factory=list)
    #: the layer table of the converted graph (as the QKeras path's, :func:`.convert._layer_table`)
    layers: list[dict] = field(default_factory=list)

    def types_table(self) -> list[dict]:
        return [record.as_json() for record in self.derivation.derived]

    def record(self) -> dict:
        """What a build keeps: every type with its label, the target and how it was met."""
        return {
            "types": self.types_table(),
            "tolerance": self.target.tolerance,
            "fraction": self.target.fraction,
            "calibration_events": self.derivation.events,
            "share_within_on_firmware": self.share_within,
            "share_within_on_search_model": self.derivation.share_within,
            "attempts": self.attempts,
            "firmware_truth": self.firmware_truth,
            "hand_set": list(self.hand_set),
            "notes": list(self.derivation.notes) + list(self.notes),
        }


def calibration_events(
    samples: dict[str, np.ndarray], zero_bias: str, events: int
) -> tuple[np.ndarray, dict[str, slice]]:
    """Half ``events`` from zero-bias, the rest shared by the signals, in sample order; with the slice of each."""
    signals = [name for name in samples if name != zero_bias]
    counts = {zero_bias: events // 2 if signals else events}
    for name in signals:
        counts[name] = (events - counts[zero_bias]) // len(signals)
    parts, slices, start = [], {}, 0
    for name, count in counts.items():
        part = np.asarray(samples[name][:count])
        parts.append(part)
        slices[name] = slice(start, start + len(part))
        start += len(part)
    return np.concatenate(parts), slices


def check_hand_set(
    derivation: Derivation, hand_set: dict[tuple[str, str], FixedType], zero_bias: slice, source: str = "config"
) -> tuple[list[str], list[str]]:
    """Each hand-set type against the derived one: (problems, remarks), one line each naming the key."""
    problems, remarks = [], []
    derived = {(d.layer, d.role): d for d in derivation.derived}
    for (layer, role), given in hand_set.items():
        key = f"{source}: key 'hls.layers.{layer}.{role}_precision'"
        found = derived.get((layer, role))
        if found is None or not found.type.startswith("ap_"):
            problems.append(f"{key}: {layer} has no {role} type on the float path")
            continue
        needed = FixedType.parse(found.type)
        surplus = given.integer - needed.integer
        values = derivation.floats.get(layer)
        if values is not None and (given.min_value > found.low or found.high > given.max_value):
            sample = values[zero_bias].reshape(len(values[zero_bias]), -1)
            outside = np.any((sample < given.min_value) | (sample > given.max_value), axis=1)
            share = float(outside.mean()) if len(outside) else 0.0
            problems.append(
                f"{key}: {layer} {role} {given.hls()}: overflows on {100 * share:.3g}% of zero-bias events "
                f"(its values reach [{found.low:g}, {found.high:g}], {found.label}; derived {needed.hls()})"
            )
        elif surplus > 0:
            remarks.append(
                f"{key}: {layer} {role} {given.hls()}: {surplus} integer bits more than needed (derived {needed.hls()}, {found.label})"
            )
        if given.fractional < needed.fractional:
            problems.append(
                f"{key}: {layer} {role} {given.hls()}: {needed.fractional - given.fractional} fractional bits fewer than "
                f"the error target needs (derived {needed.hls()})"
            )
    return problems, remarks


def _widen(derivation: Derivation, nodes, hand_set: dict) -> None:
    """One more fractional bit for every searched type, and a table twice as large."""
    types = derivation.types
    for node in nodes:
        for role in SEARCHED.get(node.kind, ()):
            key = (node.name, role)
            fixed_here = key in derivation.quantizer_keys or (
                role == "result" and node.name in derivation.exact_results
            )
            if key in types and key not in hand_set and not fixed_here:
                types[key] = with_fractional(types[key], types[key].fractional + 1)
        key = (node.name, "table_size")
        if key in types:
            types[key] = min(int(types[key]) * 2, TABLE_SIZES[-1])


def _config(model, hls: "HlsConfig", derivation: Derivation) -> dict:
    config = build_hls4ml_config(model, hls, derivation.hls4ml_precisions())
    for layer, attrs in derivation.tables().items():
        config["LayerName"][layer].update(attrs)
        # hls4ml 1.3.0 reads a layer normalisation's table type from the layer's "table_t" key only
        config["LayerName"][layer]["table_t"] = derivation.types[(layer, "table")].hls()
    return config


def convert_float_model(
    model,
    hls: "HlsConfig",
    project_dir: Path,
    samples: dict[str, np.ndarray],
    zero_bias: str,
    input_low,
    input_high,
    config_source: str = "config",
) -> FloatConversion:
    """Convert ``model`` (float or mixed Keras) into an HLS project at ``project_dir`` with derived types
    (module doc); ``samples``: calibration events per sample name (``zero_bias`` among them)."""
    settings = hls.float_types
    model = hls4ml_layout(model)
    check_float_layers(model, config_source)
    inputs, slices = calibration_events(samples, zero_bias, settings.calibration_events)
    reference = np.asarray(model.predict(inputs, verbose=0, batch_size=1024), dtype=np.float64).reshape(len(inputs), -1)
    hand_set = {key: FixedType.parse(text) for key, text in _explicit_precisions(hls).items()}
    input_type = FixedType.parse(hls.input_precision)
    target = Target(settings.tolerance, settings.fraction)
    project_dir = Path(project_dir)
    with atomic_directory(project_dir) as staging:
        first = convert_model(model, build_hls4ml_config(model, hls, {}), hls, staging / "first")
        nodes = graph_nodes(first, model)
        derivation = derive(
            model,
            nodes,
            {layer.name: layer for layer in first.get_layers()},
            inputs,
            reference,
            input_type,
            input_low,
            input_high,
            settings,
        )
        finalise(derivation, nodes, {layer.name: layer for layer in first.get_layers()}, input_low, input_high)
        problems, remarks = check_hand_set(derivation, hand_set, slices[zero_bias], config_source)
        for line in remarks:
            log.warning(f"  {line}")
        if problems:
            if hls.precision_check == "error":
                raise ConversionError(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
            for line in problems:
                log.warning(f"  WARNING (hls.precision_check: warn): {line}")
        for attempt in range(1, ATTEMPTS + 1):
            weights = {
                layer: {
                    role: t
                    for (name, role), t in derivation.types.items()
                    if name == layer and role in ("weight", "bias", "scale")
                }
                for layer in {name for name, _ in derivation.types}
            }
            grid_model = with_weights_on_grid(model, {k: v for k, v in weights.items() if v})
            for _ in range(3):  # a re-proof that widens a type changes the graph: convert again
                config = _config(grid_model, hls, derivation)
                hls_model = convert_model(grid_model, config, hls, staging)
                if not finalise(
                    derivation,
                    nodes,
                    {layer.name: layer for layer in hls_model.get_layers()},
                    input_low,
                    input_high,
                    hand_set,
                ):
                    break
            with hls4ml_errors():
                hls_model.compile()
                firmware = np.asarray(
                    hls_model.predict(np.ascontiguousarray(inputs, dtype=np.float64)), dtype=np.float64
                )
            met, share = target.met(firmware.reshape(len(inputs), -1), reference)
            if met or attempt == ATTEMPTS:
                break
            log.warning(
                f"  float types: {share:.4%} of events within tolerance on hls4ml's C++; one more fractional bit each"
            )
            _widen(derivation, nodes, hand_set)
        if not met:
            message = (
                f"{config_source}: key 'hls.float_types': the derived types meet the error target on {share:.4%} of "
                f"the calibration events, not {target.fraction:.4%} (after {ATTEMPTS} attempts)"
            )
            if hls.precision_check == "error" and not hand_set:
                raise ConversionError(message)
            log.warning(f"  WARNING: {message}")
        _patch_testbench(staging / TESTBENCH)
        import shutil

        shutil.rmtree(staging / "first", ignore_errors=True)
    return FloatConversion(
        project_dir,
        derivation,
        problems + remarks,
        _plain_config(config),
        share,
        target,
        attempt,
        layers=_layer_table(hls_model),
    )


def output_lsb(conversion: FloatConversion) -> float:
    """The step of the firmware's output type (the last layer's result)."""
    last = [d for d in conversion.derivation.derived if d.role == "result"][-1]
    return FixedType.parse(last.type).lsb
