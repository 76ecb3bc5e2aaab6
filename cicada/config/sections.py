"""The build configuration: one typed schema for the YAML files under ``configs/``.

Each section is a frozen pydantic model; every key has its documentation, default and
constraints next to it, and ``cicada schema`` prints them (``--json`` gives the JSON Schema
for editors). Lists whose entries come in kinds (signals, student layers) and the
``synthesis`` section take their members from the registries (:mod:`cicada.config.registries`),
which the plug-ins fill (signal kinds in :mod:`cicada.data.signals`, layer types in
:mod:`cicada.layers`, backends in :mod:`cicada.synthesis`, ...) when
:func:`cicada.plugins.load` imports them, so a new kind, layer type or backend appears here
without an edit. The ``data`` section is in :mod:`.data_section`; :class:`BuildConfig` assembles
them all.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Optional

from pydantic import GetCoreSchemaHandler, model_validator
from pydantic_core import core_schema

from ..core import detector, geometry, l1_menu
from ..plugins import load as load_plugins
from .comparison import ComparisonConfig, entry_data
from .data_section import DataConfig
from .float_section import FloatTypesConfig
from .model import (
    ConfigModel,
    Integer,
    Name,
    Number,
    Precision,
    Text,
    invalid,
    option,
    rebuild_on_change,
)
from .registries.backends import BACKENDS, BackendSettings
from .registries.student_inputs import STUDENT_INPUTS
from .registries.teachers import TEACHERS
from .student_section import (  # noqa: F401  re-exported: the student section's home
    DEFAULT_INPUT_PRECISION,
    DEFAULT_STUDENT_INPUT,
    OutlierExposureConfig,
    SampleWeightConfig,
    StudentConfig,
    StudentLayer,
)
from .teacher_section import TeacherConfig
from .tracking import TrackingConfig

# The sections below are built from the registries: the built-in plug-ins fill them first.
load_plugins()


# ------------------------------------------------------------------------- firmware
class LayerHlsConfig(ConfigModel):
    """hls4ml settings for one student layer; anything left out follows the hls section."""

    strategy: Optional[Literal["Latency", "Resource", "distributed_arithmetic"]] = option(
        "Latency, Resource or distributed_arithmetic (da4ml: multiplier-free adder trees; reuse factor 1)", None
    )
    reuse_factor: Optional[Integer] = option("multiplier reuse factor", None, ge=1)
    parallelization_factor: Optional[Integer] = option(
        "conv layers: output pixels computed in parallel (must divide the output pixel count)", None, ge=1
    )
    accum_precision: Optional[Precision] = option(
        "accumulator type; null derives the narrowest type proven never to overflow", None
    )
    result_precision: Optional[Precision] = option(
        "output type of the layer before its activation; null derives a proven-exact type", None
    )


class HlsConfig(ConfigModel):
    """hls4ml conversion of the student into an HLS project."""

    #: added after builds were made with this section: at its default it hashes as before
    fingerprint_omits_defaults: ClassVar[tuple[str, ...]] = ("float_types",)

    backend: Literal["Vitis", "Vivado"] = option("hls4ml backend", "Vitis")
    io_type: Literal["io_parallel"] = option(
        "hls4ml I/O type (the firmware emulator and testbench handling use arrays)", "io_parallel"
    )
    part: Text = option("FPGA part", "xc7vx690tffg1927-2", pattern=r"^[A-Za-z0-9_.-]+$")
    clock_period_ns: Number = option("target clock period (ns)", 6.25, gt=0.0, le=100.0)
    strategy: Literal["Latency", "Resource", "distributed_arithmetic"] = option(
        "default strategy for all layers; distributed_arithmetic: da4ml's multiplier-free adder trees, built by hls4ml "
        "1.3.0 with da4ml 0.5 (pip extra hls-da; the RTL flow uses alkaid instead) (reuse factor 1, fixed-point "
        "input: an ap_uint<N> input is given as ap_ufixed<N,N>, the same values)",
        "Latency",
    )
    reuse_factor: Integer = option("default multiplier reuse factor", 1, ge=1)
    input_precision: Precision = option(
        "type of the network input; left out: the narrowest type holding the student's input ("
        + ", ".join(f"{name}: {kind.precision}" for name, kind in STUDENT_INPUTS.items())
        + ")",
        DEFAULT_INPUT_PRECISION,
    )
    layers: dict[str, LayerHlsConfig] = option("per-layer settings, keyed by student layer name", {})
    precision_check: Literal["error", "warn"] = option(
        "error: stop when a hand-set type is proven unsafe; warn: log it and let the C simulation show the damage",
        "error",
    )
    float_types: FloatTypesConfig = option(
        "a float (non-QKeras) model: how its fixed-point types are derived (error target, calibration)",
        FloatTypesConfig(),
    )

    @model_validator(mode="after")
    def _distributed_arithmetic(self):
        # distributed arithmetic unrolls every product: nothing to reuse
        if self.strategy == "distributed_arithmetic" and self.reuse_factor != 1:
            raise invalid("expected 1 with strategy distributed_arithmetic (it unrolls every product)", "reuse_factor")
        for name, layer in self.layers.items():
            strategy = layer.strategy or self.strategy
            if strategy == "distributed_arithmetic" and (layer.reuse_factor or self.reuse_factor) != 1:
                raise invalid(
                    "expected 1 with strategy distributed_arithmetic (it unrolls every product)",
                    f"layers.{name}.reuse_factor",
                )
        return self


class VerifyConfig(ConfigModel):
    """The bit-for-bit check of the firmware against QKeras."""

    csim_events: Integer = option(
        "test images run through the C-simulation testbench (zero-bias and signals)", 10_000, ge=1
    )


class SynthesisSection:
    """``synthesis``: one entry per registered backend (its settings), each optional."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        fields = {
            name: core_schema.typed_dict_field(handler.generate_schema(backend.settings), required=False)
            for name, backend in BACKENDS.items()
        }

        def with_defaults(given: dict) -> dict:
            return {name: given.get(name, backend.settings()) for name, backend in BACKENDS.items()}

        def every_backend(value: Any) -> Any:
            # `synthesis: off` (YAML reads it as false) switches every backend off; `on` requires them all
            if isinstance(value, bool):
                return {name: {"run": "on" if value else "off"} for name in BACKENDS.names()}
            return value

        return core_schema.no_info_before_validator_function(
            every_backend,
            core_schema.no_info_after_validator_function(
                with_defaults, core_schema.typed_dict_schema(fields, extra_behavior="forbid")
            ),
        )


def default_synthesis() -> dict[str, BackendSettings]:
    return {name: backend.settings() for name, backend in BACKENDS.items()}


class SeedsConfig(ConfigModel):
    """Standard Level-1 seeds emulated from the region images (for the anomaly trigger's pure rate and
    efficiency gain). By default each seed's threshold is fitted on the rate sample so that the seed runs at
    its rate in the menu (``thresholds: fitted``); ``thresholds: menu`` applies the menu's threshold (calibrated
    GeV) times ``response`` to region ET, which is not calibrated. Null switches a seed off."""

    thresholds: Literal["fitted", "menu"] = option(
        "fitted: each seed's region-ET threshold is the one at which it runs at its menu rate "
        "(single_jet_rate_khz, htt_rate_khz, etm_rate_khz) on the rate sample; menu: the menu's threshold x "
        "response (the HT seed's jet threshold is htt_jet_gev x response in both)",
        "fitted",
    )
    single_jet_gev: Optional[Number] = option(
        f"{l1_menu.SINGLE_JET.name}: largest 3x3-region ET sum (phi wraps, |eta| < 3) >= this x response "
        "(thresholds: menu); null switches the seed off",
        l1_menu.SINGLE_JET.threshold_gev,
        gt=0.0,
    )
    single_jet_rate_khz: Number = option(
        f"the single-jet seed's rate in the menu, which thresholds: fitted reproduces (default "
        f"{l1_menu.SINGLE_JET.rate_khz:g} kHz, {'measured' if l1_menu.SINGLE_JET.rate_measured else 'assumed'}: "
        "cicada/core/l1_menu.py)",
        l1_menu.SINGLE_JET.rate_khz,
        gt=0.0,
    )
    htt_gev: Optional[Number] = option(
        f"{l1_menu.HTT.name}: sum of 3x3 jets (centred on a local-maximum region) >= this x response "
        "(thresholds: menu); null switches the seed off",
        l1_menu.HTT.threshold_gev,
        gt=0.0,
    )
    htt_rate_khz: Number = option(
        f"the HT seed's rate in the menu, which thresholds: fitted reproduces (default {l1_menu.HTT.rate_khz:g} kHz, "
        f"{'measured' if l1_menu.HTT.rate_measured else 'assumed'}: cicada/core/l1_menu.py)",
        l1_menu.HTT.rate_khz,
        gt=0.0,
    )
    htt_jet_gev: Number = option(
        "jets entering HT: ET >= this x response (the menu's HT uses jets above 30 GeV)", 30.0, ge=0.0
    )
    htt_eta_max: Number = option(
        "jets entering HT are centred within |eta| < this (a region counts by its centre: 2.4 keeps eta columns "
        f"1-12, |eta| < {geometry.REGION_ETA_EDGES[-2]:.3f}; the outer columns span "
        f"{geometry.REGION_ETA_EDGES[-2]:.3f}-{geometry.ETA_MAX:g}, centred at {geometry.REGION_ETA_CENTRES[-1]:.2f})",
        2.4,
        gt=0.0,
        le=3.0,
    )
    etm_gev: Optional[Number] = option(
        f"{l1_menu.ETMHF.name}: magnitude of the vector sum of region ET >= this x response (thresholds: menu); "
        "regions hold no HF (|eta| > 3), so this is ETM without HF; null switches the seed off",
        l1_menu.ETMHF.threshold_gev,
        gt=0.0,
    )
    etm_rate_khz: Number = option(
        f"the missing-ET seed's rate in the menu, which thresholds: fitted reproduces (default "
        f"{l1_menu.ETMHF.rate_khz:g} kHz, {'measured' if l1_menu.ETMHF.rate_measured else 'assumed'}: "
        "cicada/core/l1_menu.py)",
        l1_menu.ETMHF.rate_khz,
        gt=0.0,
    )
    pileup_subtraction: Literal["ring_median", "none"] = option(
        "ring_median: each eta ring's median region ET (per event) is the pileup per region, subtracted from jets "
        "once per region they cover, and regions below it count as empty in missing ET (the menu's jets and sums "
        "are pileup-corrected too); none: raw region ET",
        "ring_median",
    )
    response: Optional[Number] = option(
        "region ET per calibrated GeV, the factor applied to the menu thresholds above (the menu's are calibrated "
        "L1 ET) and to htt_jet_gev; null takes the data's hadron response: "
        f"synthetic {detector.HADRON_RESPONSE:g} (cicada/core/detector.py), pythia data.pythia.response."
        "hadron_response, files 1 (taken as calibrated)",
        None,
        gt=0.0,
        le=2.0,
    )


class RatesConfig(ConfigModel):
    """Trigger rates from the firmware-exact score of the zero-bias rate sample."""

    target_rates_khz: tuple[Annotated[Number, option("a rate (kHz)", gt=0.0)], ...] = option(
        "rates (kHz) for which thresholds are reported", (0.25, 0.5, 1.0, 1.6, 3.0)
    )
    bootstrap_replicas: Integer = option(
        "Poisson-bootstrap replicas of the rate sample for each threshold's 68% interval (seeded)",
        200,
        ge=20,
        le=100_000,
    )
    seeds: SeedsConfig = option("standard L1 seeds emulated from the regions", SeedsConfig())

    @model_validator(mode="after")
    def _some(self):
        if not self.target_rates_khz:
            raise invalid("expected at least one rate, got an empty list", "target_rates_khz")
        return self


# ---------------------------------------------------------------------------- build
@rebuild_on_change(BACKENDS)
class BuildConfig(ConfigModel):
    """A whole build: ``cicada build CONFIG`` reads one of these."""

    name: Name = option("build name: outputs go to models/<name>/ and hls_projects/<name>/")
    seed: Integer = option("seed fixing data generation, splits and training", 42, ge=0)
    data: DataConfig = option("datasets", DataConfig())
    teacher: TeacherConfig = option("teacher (autoencoder) whose anomaly score the student learns", TeacherConfig())
    student: StudentConfig = option("QKeras student", StudentConfig())
    hls: HlsConfig = option("firmware: hls4ml conversion", HlsConfig())
    verify: VerifyConfig = option("C-simulation check of the firmware against QKeras", VerifyConfig())
    synthesis: Annotated[dict[str, Any], SynthesisSection] = option(
        "synthesis backends (latency and resources), each with its settings", default_factory=default_synthesis
    )
    rates: RatesConfig = option("trigger rates", RatesConfig())
    comparison: ComparisonConfig = option(
        "more students beside the build's own, compared in the report (empty by default: no comparison)",
        ComparisonConfig(),
    )
    tracking: TrackingConfig = option(
        "MLflow tracking (off by default; changes no stage's output, so it reruns nothing)", TrackingConfig()
    )

    @model_validator(mode="before")
    @classmethod
    def _input_precision_follows_the_input(cls, data: Any) -> Any:
        """``hls.input_precision`` left out: the type of the student's input (``ap_uint<12>`` for packed)."""
        if not isinstance(data, dict):
            return data
        student, hls = data.get("student"), data.get("hls", {})
        name = student.get("input", DEFAULT_STUDENT_INPUT) if isinstance(student, dict) else DEFAULT_STUDENT_INPUT
        if isinstance(student, StudentConfig):
            name = student.input
        if not isinstance(name, str) or name not in STUDENT_INPUTS or not isinstance(hls, dict):
            return data  # the fields' own validation says what is wrong
        precision = STUDENT_INPUTS.get(name).precision
        if "input_precision" in hls or precision == DEFAULT_INPUT_PRECISION:
            return data
        return {**data, "hls": {**hls, "input_precision": precision}}

    @model_validator(mode="after")
    def _student_input(self):
        kind = STUDENT_INPUTS.get(self.student.input)
        if kind.needs_bits and not self.data.region_bits:
            raise invalid(
                f"expected true: student.input '{kind.name}' reads the region e/gamma and tau bits, got false",
                "data.region_bits",
            )
        if not kind.holds(self.hls.input_precision):
            raise invalid(
                f"expected a type holding the student's input, {kind.values} (student.input: {kind.name}), e.g. "
                f"{kind.precision}; got {self.hls.input_precision}",
                "hls.input_precision",
            )
        return self

    @model_validator(mode="after")
    def _teacher_bits(self):
        if TEACHERS.get(self.teacher.architecture).needs_bits and not self.data.region_bits:
            raise invalid(
                f"expected true: teacher architecture '{self.teacher.architecture}' reads the region e/gamma and tau "
                "bits, got false",
                "data.region_bits",
            )
        return self

    @model_validator(mode="after")
    def _teacher_encoder(self):
        if self.student.firmware != "teacher_encoder":
            return self
        if self.teacher.architecture != "cicada_2026_vae":
            raise invalid(
                f"expected trained: teacher_encoder needs teacher architecture cicada_2026_vae, got "
                f"'{self.teacher.architecture}'",
                "student.firmware",
            )
        if self.student.input != "channels":
            raise invalid(
                f"expected channels with student.firmware teacher_encoder (the encoder reads ET and both bits), got {self.student.input}",
                "student.input",
            )
        if self.student.encoder_score == "kl":
            raise invalid(
                "expected sum_of_squares: the KL term needs ln sigma^2 of the sigma branch, and hls4ml 1.3.0 has no "
                "logarithm layer",
                "student.encoder_score",
            )
        return self

    @model_validator(mode="after")
    def _hls_layers(self):
        if self.student.firmware == "teacher_encoder":
            return self  # the encoder's layers are named encoder_*: the float path checks the names it types
        layers = self.student.weight_layers()
        conv_layers = [name for name, kind in layers.items() if kind == "conv"]
        for layer_name, settings in self.hls.layers.items():
            if layer_name not in layers:
                raise invalid(
                    f"expected the name of a layer with weights in student '{self.student.architecture}' "
                    f"({', '.join(layers) or 'none'})",
                    f"hls.layers.{layer_name}",
                )
            if settings.parallelization_factor is not None and layer_name not in conv_layers:
                raise invalid(
                    f"expected only on convolution layers ({', '.join(conv_layers) or 'none in this student'})",
                    f"hls.layers.{layer_name}.parallelization_factor",
                )
        return self

    @model_validator(mode="after")
    def _comparison(self):
        """Each comparison student is a student this build could train (checked in the build's config), and the
        rate it is compared at is one of the rates' targets."""
        from pydantic import ValidationError

        if not self.comparison.active():
            return self
        if self.comparison.rate_khz not in self.rates.target_rates_khz:
            raise invalid(
                f"expected one of rates.target_rates_khz ({', '.join(f'{r:g}' for r in self.rates.target_rates_khz)}),"
                f" got {self.comparison.rate_khz:g}",
                "comparison.rate_khz",
            )
        for index, entry in enumerate(self.comparison.students):
            data = entry_data(self, index)
            try:
                type(self).model_validate(data)
            except ValidationError as err:
                from .messages import first_error

                line = first_error(err, type(self).model_json_schema(), data)
                if line.startswith("key 'student."):  # a key of the entry
                    line = f"key 'comparison.students[{index}]." + line[len("key 'student.") :]
                else:  # a key of the build's config that the entry's student does not fit
                    line = f"comparison student '{entry.name}', {line}"
                raise invalid(line) from None
        return self
