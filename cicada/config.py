"""The build configuration: one typed schema for the YAML files under ``configs/``.

This module is the single description of what a build can do. Each section is a frozen
dataclass; every key has its documentation, default and constraints next to it, and
``cicada schema`` prints them. :func:`load_config` rejects unknown keys, wrong types and
impossible values with a message naming the file, the key and what was expected.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

from . import architectures, detector, pythia
from .errors import ConfigError
from .fixedpoint import validate_precision
from .schema import SchemaError, describe, option, parse, to_plain

NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
IDENTIFIER_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"


# --------------------------------------------------------------------------- signals
@dataclass(frozen=True)
class DijetResonance:
    """A narrow resonance decaying to two back-to-back jets."""

    mass_gev: float = option("resonance mass (GeV)", 1000.0, minimum=50.0, maximum=6000.0)
    width_fraction: float = option("relative Breit-Wigner width of the mass", 0.05, minimum=0.0, maximum=0.5)


@dataclass(frozen=True)
class IsolatedEGamma:
    """Isolated electrons or photons: narrow electromagnetic deposits."""

    count: int = option("number of e/gamma objects per event", 1, minimum=1, maximum=4)
    pt_min_gev: float = option("lowest transverse momentum (GeV)", 20.0, minimum=1.0)
    pt_max_gev: float = option("highest transverse momentum (GeV)", 80.0, minimum=1.0)

    def validate(self) -> None:
        if self.pt_max_gev < self.pt_min_gev:
            raise SchemaError(
                "pt_max_gev", f"expected a value >= pt_min_gev ({self.pt_min_gev}), got {self.pt_max_gev}"
            )


@dataclass(frozen=True)
class SoftSpray:
    """A soft isotropic spray of many low-ET particles (SUEP-like)."""

    mean_particles: float = option("mean number of particles per event", 150.0, minimum=1.0)
    mean_et_gev: float = option("mean particle transverse energy (GeV)", 2.0, exclusive_minimum=True, minimum=0.0)
    eta_spread: float = option(
        "Gaussian spread in eta of the spray around its axis", 1.0, exclusive_minimum=True, minimum=0.0
    )


@dataclass(frozen=True)
class TopPairMultijet:
    """A top-quark pair decaying fully hadronically: six jets in two three-jet clusters."""

    top_pt_mean_gev: float = option("mean top transverse momentum (exponential spectrum)", 100.0, minimum=0.0)
    cluster_spread: float = option(
        "spread (eta, phi) of each top's three jets around the top direction", 0.6, minimum=0.05
    )


@dataclass(frozen=True)
class Monojet:
    """One hard jet recoiling against invisible particles: large missing transverse energy."""

    pt_min_gev: float = option("lowest jet transverse momentum (GeV)", 150.0, minimum=10.0)
    pt_max_gev: float = option("highest jet transverse momentum (GeV)", 500.0, minimum=10.0)

    def validate(self) -> None:
        if self.pt_max_gev < self.pt_min_gev:
            raise SchemaError(
                "pt_max_gev", f"expected a value >= pt_min_gev ({self.pt_min_gev}), got {self.pt_max_gev}"
            )


@dataclass(frozen=True)
class LongLivedDecay:
    """A pair of neutral long-lived particles (H -> SS, S -> b bbar) decaying after a flight.

    Only decays inside the calorimeter envelope deposit energy; an S that decays beyond it is
    invisible to the trigger.
    """

    mass_gev: float = option("long-lived particle mass (GeV)", 40.0, minimum=1.0, maximum=60.0)
    ctau_m: float = option("proper decay length c*tau (m)", 1.0, minimum=0.0, exclusive_minimum=True)
    parent_mass_gev: float = option("mass of the parent decaying to the pair (GeV)", 125.0, minimum=10.0)

    def validate(self) -> None:
        if self.parent_mass_gev < 2 * self.mass_gev:
            raise SchemaError(
                "parent_mass_gev", f"expected a value >= 2 * mass_gev ({2 * self.mass_gev}), got {self.parent_mass_gev}"
            )


@dataclass(frozen=True)
class DetectorFault:
    """A detector problem on top of zero-bias: a hot tower, a hot region or a dead region."""

    fault: str = option("what is broken", "hot_tower", choices=("hot_tower", "hot_region", "dead_region"))
    et_gev: float = option("ET a hot tower reads (GeV); a hot region spreads it over its 16 towers", 100.0, minimum=0.5)
    location: str = option(
        "fixed: the same place in every event (chosen by the seed), as a real fault; random: anywhere",
        "fixed",
        choices=("fixed", "random"),
    )


@dataclass(frozen=True)
class SignalFiles:
    """Signal events read from HDF5 files in CICADA's format (``CaloRegions``, optional ``AcceptanceFlag``)."""

    files: tuple[str, ...] = option("HDF5 files, relative to the config file's folder", pattern=r".+")
    use_acceptance: bool = option("keep only events whose AcceptanceFlag is set (files without one keep all)", False)

    def validate(self) -> None:
        if not self.files:
            raise SchemaError("files", "expected at least one file, got an empty list")


@dataclass(frozen=True)
class PythiaSignal:
    """A physics process generated with Pythia 8 (needs generator: pythia), overlaid on its pileup."""

    process: str = option(
        "Pythia process",
        choices=(
            "qcd",
            "ttbar",
            "higgs_llp",
            "hidden_valley",
            "zprime_leptons",
            "wprime_lnu",
            "excited_quark",
            "minbias",
        ),
    )
    params: dict[str, float] = option("the process's physics parameters (see below), e.g. {mass_gev: 1000}", {})

    def validate(self) -> None:
        try:  # the settings functions are plain Python: no Pythia needed to check them
            pythia.process_settings(self.process, **self.params)
        except ValueError as err:
            raise SchemaError("params", f"valid parameters: {err}") from None
        except TypeError as err:
            raise SchemaError("params", f"valid parameters: {err}") from None

    @staticmethod
    def describe_extra(indent: int) -> list[str]:
        import inspect

        lines = []
        for name, function in pythia.PROCESSES.items():
            params = ", ".join(f"{p.name}={p.default}" for p in inspect.signature(function).parameters.values())
            lines.append("  " * indent + f"process {name}: {params or 'no parameters'}")
        return lines


#: Signal kinds and the dataclass holding each kind's physics parameters.
SIGNAL_KINDS: dict[str, type] = {
    "files": SignalFiles,
    "pythia": PythiaSignal,
    "dijet_resonance": DijetResonance,
    "top_pair_multijet": TopPairMultijet,
    "isolated_egamma": IsolatedEGamma,
    "monojet": Monojet,
    "soft_spray": SoftSpray,
    "long_lived_decay": LongLivedDecay,
    "detector_fault": DetectorFault,
}


@dataclass(frozen=True)
class SignalConfig:
    """One named signal sample: ``name``, ``kind``, ``events`` and the kind's parameters."""

    name: str = option("dataset name, used in file names and reports", pattern=IDENTIFIER_PATTERN)
    kind: str = option("signal kind", choices=tuple(SIGNAL_KINDS))
    events: int = option("events to generate (kind files: the most to read)", 2000, minimum=1)
    physics: Any = option("the kind's physics parameters, given inline next to name/kind/events", None, hidden=True)

    @classmethod
    def from_mapping(cls, raw: dict, key: str) -> "SignalConfig":
        common = {k: raw[k] for k in ("name", "kind", "events") if k in raw}
        if "kind" not in raw:
            raise SchemaError(f"{key}.kind", f"missing; expected one of {', '.join(SIGNAL_KINDS)}")
        head = parse(_SignalHead, common, key)
        physics = parse(SIGNAL_KINDS[head.kind], {k: v for k, v in raw.items() if k not in common}, key)
        return cls(head.name, head.kind, head.events, physics)

    def to_mapping(self) -> dict:
        return {"name": self.name, "kind": self.kind, "events": self.events, **to_plain(self.physics)}

    @staticmethod
    def describe_extra(indent: int) -> list[str]:
        lines = []
        for kind, params in SIGNAL_KINDS.items():
            lines.append("  " * indent + f"physics parameters of kind {kind}: {params.__doc__}")
            lines.extend(describe(params, indent + 1))
            extra = getattr(params, "describe_extra", None)
            if extra is not None:
                lines.extend(extra(indent + 2))
        return lines


@dataclass(frozen=True)
class _SignalHead:
    name: str = option("dataset name", pattern=IDENTIFIER_PATTERN)
    kind: str = option("signal kind", choices=tuple(SIGNAL_KINDS))
    events: int = option("number of events", 2000, minimum=1)


# --------------------------------------------------------------------------- sections
@dataclass(frozen=True)
class SplitConfig:
    """Fractions of the zero-bias sample for training, validation and test."""

    train: float = option("training fraction", 0.5, minimum=0.0, maximum=1.0, exclusive_minimum=True)
    val: float = option("validation fraction", 0.1, minimum=0.0, maximum=1.0, exclusive_minimum=True)
    test: float = option(
        "test fraction (scored by the firmware for rates)", 0.4, minimum=0.0, maximum=1.0, exclusive_minimum=True
    )

    def validate(self) -> None:
        total = self.train + self.val + self.test
        if abs(total - 1.0) > 1e-6:
            raise SchemaError("", f"expected train + val + test = 1, got {total:g}")


_DEFAULT_SIGNALS = [
    {"name": "dijet_1tev", "kind": "dijet_resonance", "events": 2000, "mass_gev": 1000.0},
    {"name": "egamma", "kind": "isolated_egamma", "events": 2000},
    {"name": "soft_spray", "kind": "soft_spray", "events": 2000},
]


@dataclass(frozen=True)
class ResponseConfig:
    """Calorimeter response of the Pythia generator (defaults: cicada.detector)."""

    curl_pt_gev: float = option(
        "charged particles below this pT curl before the barrel calorimeter", detector.CURL_PT_GEV, minimum=0.0
    )
    hadron_response: float = option(
        "fraction of a hadron's ET measured", detector.HADRON_RESPONSE, minimum=0.0, maximum=2.0
    )
    em_response: float = option(
        "fraction of an electron's or photon's ET measured", detector.EM_RESPONSE, minimum=0.0, maximum=2.0
    )


@dataclass(frozen=True)
class PythiaConfig:
    """Pythia 8 generation (CP5 tune, 13.6 TeV): a min-bias pool, pileup overlaid from it."""

    pool_events: int = option("min-bias events in the pileup pool (generated once, cached)", 5000, minimum=10)
    cache_dir: str = option("where pools are cached (shared by builds)", "models/.pythia_cache")
    response: ResponseConfig = option("detector response", ResponseConfig())


@dataclass(frozen=True)
class DataConfig:
    """Calorimeter region images: zero-bias (train/val/test) and signals."""

    generator: str = option(
        "where zero-bias comes from: synthetic (embedded, numpy), pythia (Pythia 8 min-bias pool, "
        "pip install .[pythia]), files (zero_bias_files)",
        "synthetic",
        choices=("synthetic", "pythia", "files"),
    )
    pileup: float = option("mean number of pileup interactions per crossing", 60.0, minimum=0.0, maximum=300.0)
    zero_bias_events: int = option(
        "zero-bias events before the split (generator files: the most to read)", 100_000, minimum=10
    )
    zero_bias_files: tuple[str, ...] = option(
        "generator files: HDF5 files of zero-bias events, relative to the config file's folder", []
    )
    pythia: PythiaConfig = option("generator pythia: pool and detector response", PythiaConfig())
    split: SplitConfig = option("train/val/test fractions of the zero-bias events", SplitConfig())
    signals: Optional[tuple[SignalConfig, ...]] = option(
        "signal samples (at least one); null gives dijet_1tev, egamma and soft_spray", None
    )

    def __post_init__(self) -> None:
        if self.signals is None:
            object.__setattr__(
                self, "signals", tuple(SignalConfig.from_mapping(s, "data.signals") for s in _DEFAULT_SIGNALS)
            )

    def validate(self) -> None:
        if self.generator == "files" and not self.zero_bias_files:
            raise SchemaError("zero_bias_files", "expected at least one HDF5 file when generator is 'files'")
        if self.generator != "files" and self.zero_bias_files:
            raise SchemaError(
                "zero_bias_files", f"expected no files with generator '{self.generator}' (use generator: files)"
            )
        if not self.signals:
            raise SchemaError("signals", "expected at least one signal sample, got an empty list")
        for i, sample in enumerate(self.signals):
            if sample.kind == "pythia" and self.generator != "pythia":
                raise SchemaError(
                    f"signals[{i}].kind", "expected generator: pythia for Pythia signals (they use its pileup)"
                )
        names = [s.name for s in self.signals]
        for i, name in enumerate(names):
            if name in names[:i] or name == "zero_bias":
                raise SchemaError(f"signals[{i}].name", f"expected a unique name other than 'zero_bias', got {name!r}")
        for part in ("train", "val", "test"):
            if round(self.zero_bias_events * getattr(self.split, part)) < 1:
                raise SchemaError(
                    f"split.{part}", f"expected a fraction that leaves at least one of {self.zero_bias_events} events"
                )


@dataclass(frozen=True)
class TeacherConfig:
    """The convolutional autoencoder trained on zero-bias; its anomaly score is the per-image MSE."""

    architecture: str = option("teacher architecture", "cicada", choices=architectures.TEACHERS)
    epochs: int = option("maximum training epochs", 30, minimum=1)
    batch_size: int = option("training batch size", 512, minimum=1)
    learning_rate: float = option("Adam learning rate", 1e-3, minimum=0.0, exclusive_minimum=True)
    patience: int = option("epochs without validation improvement before early stopping", 5, minimum=1)


QUANTIZER_PATTERN = r"quantized_\w+\(\s*\d+\s*(,\s*[-+.\w=]+\s*)*\)"


@dataclass(frozen=True)
class QConv2DLayer:
    """QKeras 2D convolution."""

    filters: int = option("output channels", minimum=1)
    kernel_quantizer: str = option(
        "QKeras kernel quantizer, e.g. quantized_bits(12,3,1,alpha=1)", pattern=QUANTIZER_PATTERN
    )
    kernel_size: tuple[int, ...] = option("kernel height and width", [2, 2], minimum=1)
    strides: tuple[int, ...] = option("strides (height, width)", [1, 1], minimum=1)
    padding: str = option("padding", "valid", choices=("valid", "same"))
    use_bias: bool = option("learn a bias", True)
    bias_quantizer: Optional[str] = option(
        "QKeras bias quantizer (required when use_bias is true)", None, pattern=QUANTIZER_PATTERN
    )


@dataclass(frozen=True)
class QDenseLayer:
    """QKeras fully connected layer."""

    units: int = option("output units", minimum=1)
    kernel_quantizer: str = option(
        "QKeras kernel quantizer, e.g. quantized_bits(8,1,1,alpha=1)", pattern=QUANTIZER_PATTERN
    )
    use_bias: bool = option("learn a bias", True)
    bias_quantizer: Optional[str] = option(
        "QKeras bias quantizer (required when use_bias is true)", None, pattern=QUANTIZER_PATTERN
    )


@dataclass(frozen=True)
class QActivationLayer:
    """QKeras quantized activation, e.g. quantized_relu(10, 6)."""

    activation: str = option("quantized activation", pattern=QUANTIZER_PATTERN)


@dataclass(frozen=True)
class FlattenLayer:
    """Flatten to one dimension."""


@dataclass(frozen=True)
class ReshapeLayer:
    """Reshape, e.g. the 252 inputs to [18, 14, 1]."""

    target_shape: tuple[int, ...] = option("output shape without the batch dimension", minimum=1)


@dataclass(frozen=True)
class AveragePooling2DLayer:
    """2D average pooling."""

    pool_size: tuple[int, ...] = option("pool height and width", [2, 2], minimum=1)


@dataclass(frozen=True)
class DropoutLayer:
    """Dropout (training only; hls4ml drops it)."""

    rate: float = option("fraction dropped", 0.1, minimum=0.0, maximum=0.9)


#: Layer types of a student given as a list in the YAML, all of which hls4ml converts.
STUDENT_LAYER_TYPES: dict[str, type] = {
    "QConv2D": QConv2DLayer,
    "QDense": QDenseLayer,
    "QActivation": QActivationLayer,
    "Flatten": FlattenLayer,
    "Reshape": ReshapeLayer,
    "AveragePooling2D": AveragePooling2DLayer,
    "Dropout": DropoutLayer,
}


@dataclass(frozen=True)
class StudentLayer:
    """One layer of a custom student: ``type``, an optional ``name`` and the type's settings."""

    type: str = option("layer type", choices=tuple(STUDENT_LAYER_TYPES))
    name: Optional[str] = option("layer name (default layer<index>)", None, pattern=IDENTIFIER_PATTERN)
    settings: Any = option("the type's settings, inline", None, hidden=True)

    @classmethod
    def from_mapping(cls, raw: dict, key: str) -> "StudentLayer":
        if "type" not in raw:
            raise SchemaError(f"{key}.type", f"missing; expected one of {', '.join(STUDENT_LAYER_TYPES)}")
        head = parse(_LayerHead, {k: raw[k] for k in ("type", "name") if k in raw}, key)
        settings = parse(
            STUDENT_LAYER_TYPES[head.type], {k: v for k, v in raw.items() if k not in ("type", "name")}, key
        )
        for kind in ("kernel_size", "strides", "pool_size"):
            if len(getattr(settings, kind, (1, 1))) not in (1, 2):
                raise SchemaError(f"{key}.{kind}", "expected one or two integers")
        if hasattr(settings, "use_bias"):
            if settings.use_bias and not settings.bias_quantizer:
                raise SchemaError(
                    f"{key}.bias_quantizer",
                    "expected a quantizer when use_bias is true (a float bias is not bit-exact)",
                )
            if settings.bias_quantizer and not settings.use_bias:
                raise SchemaError(f"{key}.bias_quantizer", "expected null when use_bias is false")
        return cls(head.type, head.name, settings)

    def to_mapping(self) -> dict:
        return {"type": self.type, **({"name": self.name} if self.name else {}), **to_plain(self.settings)}

    @staticmethod
    def describe_extra(indent: int) -> list[str]:
        lines = []
        for kind, settings in STUDENT_LAYER_TYPES.items():
            lines.append("  " * indent + f"settings of type {kind}: {settings.__doc__}")
            lines.extend(describe(settings, indent + 1))
        return lines


@dataclass(frozen=True)
class _LayerHead:
    type: str = option("layer type", choices=tuple(STUDENT_LAYER_TYPES))
    name: Optional[str] = option("layer name", None, pattern=IDENTIFIER_PATTERN)


@dataclass(frozen=True)
class SampleWeightConfig:
    """Weights from the inverse histogram of the target, so rare (high) scores count more."""

    enabled: bool = option("weight training samples", False)
    bins: int = option("histogram bins over the score range [0, 256)", 64, minimum=2)
    cap: float = option("largest weight relative to the mean weight", 10.0, minimum=1.0)


@dataclass(frozen=True)
class OutlierExposureConfig:
    """Generated outliers mixed into the student's training and validation (scored by the teacher)."""

    fraction: float = option("outliers per zero-bias training image", 0.0, minimum=0.0, maximum=1.0)
    kinds: tuple[str, ...] = option(
        "uniform: random region values; patch_swap: a patch moved from one zero-bias image into another; "
        "hot_spots: zero-bias plus 1-3 localised deposits of 4-500 GeV (measured best here)",
        ["hot_spots"],
        choices=("uniform", "patch_swap", "hot_spots"),
    )

    def validate(self) -> None:
        if not self.kinds:
            raise SchemaError("kinds", "expected at least one kind, got an empty list")


@dataclass(frozen=True)
class StudentConfig:
    """The quantization-aware QKeras student that regresses 32*log(teacher MSE)."""

    architecture: str = option(
        "student architecture (custom: the list under layers)", "cicada_v2", choices=(*architectures.STUDENTS, "custom")
    )
    layers: tuple[StudentLayer, ...] = option(
        "architecture custom: the layers after the 252 inputs, ending in QActivation quantized_relu(16, 8)", []
    )
    epochs: int = option("maximum training epochs", 60, minimum=1)
    batch_size: int = option("training batch size", 1024, minimum=1)
    learning_rate: float = option("Adam learning rate", 1e-3, minimum=0.0, exclusive_minimum=True)
    patience: int = option("epochs without validation improvement before early stopping", 8, minimum=1)
    loss: str = option("regression loss", "mae", choices=("mae", "mse"))
    sample_weights: SampleWeightConfig = option("inverse-histogram sample weights", SampleWeightConfig())
    outlier_exposure: OutlierExposureConfig = option("outlier exposure", OutlierExposureConfig())

    def validate(self) -> None:
        if self.architecture != "custom":
            if self.layers:
                raise SchemaError("layers", f"expected no layers with architecture '{self.architecture}' (use custom)")
            return
        if not self.layers:
            raise SchemaError("layers", "expected a list of layers for architecture custom")
        last = self.layers[-1]
        if last.type != "QActivation" or re.sub(r"\s", "", last.settings.activation) != "quantized_relu(16,8)":
            raise SchemaError(
                f"layers[{len(self.layers) - 1}]",
                "expected the last layer to be QActivation quantized_relu(16, 8): the score is ufixed<16,8>",
            )
        names = architectures.student_layer_names(self.layers)
        for i, name in enumerate(names):
            if name in names[:i]:
                raise SchemaError(f"layers[{i}].name", f"expected a unique layer name, got {name!r}")


@dataclass(frozen=True)
class LayerHlsConfig:
    """hls4ml settings for one student layer; anything left out follows the hls section."""

    strategy: Optional[str] = option("Latency or Resource", None, choices=("Latency", "Resource"))
    reuse_factor: Optional[int] = option("multiplier reuse factor", None, minimum=1)
    parallelization_factor: Optional[int] = option(
        "conv layers: output pixels computed in parallel (must divide the output pixel count)", None, minimum=1
    )
    accum_precision: Optional[str] = option(
        "accumulator type; null derives the narrowest type proven never to overflow", None, check=validate_precision
    )
    result_precision: Optional[str] = option(
        "output type of the layer before its activation; null derives a proven-exact type",
        None,
        check=validate_precision,
    )


@dataclass(frozen=True)
class HlsConfig:
    """hls4ml conversion, C-simulation check and (when the tools exist) vendor synthesis."""

    backend: str = option("hls4ml backend", "Vitis", choices=("Vitis", "Vivado"))
    io_type: str = option(
        "hls4ml I/O type (the firmware emulator and testbench handling use arrays)",
        "io_parallel",
        choices=("io_parallel",),
    )
    part: str = option("FPGA part", "xc7vx690tffg1927-2", pattern=r"[A-Za-z0-9_.-]+")
    clock_period_ns: float = option(
        "target clock period (ns)", 6.25, minimum=0.0, exclusive_minimum=True, maximum=100.0
    )
    strategy: str = option("default strategy for all layers", "Latency", choices=("Latency", "Resource"))
    reuse_factor: int = option("default multiplier reuse factor", 1, minimum=1)
    input_precision: str = option(
        "type of the network input (region ET arrives as 10-bit integers)", "ap_uint<10>", check=validate_precision
    )
    layers: dict[str, LayerHlsConfig] = option("per-layer settings, keyed by student layer name", {})
    csim_events: int = option(
        "test images run through the C-simulation testbench (zero-bias and signals)", 10_000, minimum=1
    )
    synthesis: str = option(
        "auto: run the vendor HLS flow (C simulation + synthesis) when vitis-run/vivado_hls is on PATH; off: never",
        "auto",
        choices=("auto", "off"),
    )
    cosim: bool = option("with the vendor flow, also run RTL co-simulation", False)
    vivado_synthesis: bool = option(
        "with the vendor flow, also run Vivado logic synthesis (post-synthesis utilisation)", False
    )
    precision_check: str = option(
        "error: stop when a hand-set type is proven unsafe; warn: log it and let the C simulation show the damage",
        "error",
        choices=("error", "warn"),
    )


@dataclass(frozen=True)
class RatesConfig:
    """Trigger rates from the firmware-exact score of zero-bias test events."""

    target_rates_khz: tuple[float, ...] = option(
        "rates (kHz) for which thresholds are reported", [0.25, 0.5, 1.0, 1.6, 3.0], minimum=0.0, exclusive_minimum=True
    )

    def validate(self) -> None:
        if not self.target_rates_khz:
            raise SchemaError("target_rates_khz", "expected at least one rate, got an empty list")


@dataclass(frozen=True)
class BuildConfig:
    """A whole build: ``cicada build CONFIG`` reads one of these."""

    name: str = option("build name: outputs go to models/<name>/ and hls_projects/<name>/", pattern=NAME_PATTERN)
    seed: int = option("seed fixing data generation, splits and training", 42, minimum=0)
    data: DataConfig = option("datasets", DataConfig())
    teacher: TeacherConfig = option("teacher autoencoder", TeacherConfig())
    student: StudentConfig = option("QKeras student", StudentConfig())
    hls: HlsConfig = option("firmware", HlsConfig())
    rates: RatesConfig = option("trigger rates", RatesConfig())

    def validate(self) -> None:
        layers = architectures.student_weight_layers(self.student.architecture, self.student.layers)
        conv_layers = [name for name, kind in layers.items() if kind == "conv"]
        for layer_name, settings in self.hls.layers.items():
            if layer_name not in layers:
                raise SchemaError(
                    f"hls.layers.{layer_name}",
                    f"expected the name of a layer with weights in student '{self.student.architecture}' "
                    f"({', '.join(layers) or 'none'})",
                )
            if settings.parallelization_factor is not None and layer_name not in conv_layers:
                raise SchemaError(
                    f"hls.layers.{layer_name}.parallelization_factor",
                    f"expected only on convolution layers ({', '.join(conv_layers) or 'none in this student'})",
                )

    def plain(self) -> dict:
        return to_plain(self)


def load_config(path: str | Path) -> BuildConfig:
    """Read and validate a YAML build config; errors name the file, the key and what was expected."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read config file ({err.strerror})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        raise ConfigError(f"{path}: not valid YAML{at}: {getattr(err, 'problem', err)}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections (data, teacher, ...), got {type(raw).__name__}")
    raw = dict(raw)
    raw.setdefault("name", path.stem)
    return config_from_mapping(raw, source=str(path))


def config_from_mapping(raw: dict, source: str = "<config>") -> BuildConfig:
    """Validate a config given as a mapping (``source`` names it in errors)."""
    try:
        return parse(BuildConfig, raw)
    except SchemaError as err:
        raise ConfigError(f"{source}: {err}") from None


def schema_reference() -> str:
    """Every config key with its type, constraints, default and meaning."""
    return "\n".join(describe(BuildConfig))


def replace(config: BuildConfig, **sections: Any) -> BuildConfig:
    """A copy of ``config`` with whole sections replaced (used by tests and tools)."""
    return dataclasses.replace(config, **sections)
