"""The convert stage: QKeras student -> hls4ml HLS project with proven-safe precisions.

Conversion runs in two passes. The first converts with hls4ml's own precision inference
plus whatever the config sets explicitly, and :mod:`cicada.firmware.precision` checks every
accumulator and result type against the values it can receive. An explicit type that
cannot hold them is an error naming the config key. Every other type is then set to the
narrowest type proven exact, and the second pass converts with those and is proven
again. The project is written to a staging directory and renamed into place whole.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core.errors import ConversionError
from ..core.files import atomic_directory
from ..core.fixedpoint import FixedType
from ..core.progress import log
from ..data.student_inputs import DEFAULT, StudentInput, input_kind
from .folding import firmware_model
from .hls4ml_compat import hls4ml_on_current_stack
from .precision import PrecisionProof, analyse

if TYPE_CHECKING:
    from ..config.sections import HlsConfig

PROJECT_NAME = "myproject"
TESTBENCH = f"{PROJECT_NAME}_test.cpp"
# The stock testbench prints results with the stream's default 6 significant digits,
# which rounds ufixed<16,8> scores; the C-simulation log must carry every bit.
_TESTBENCH_PRECISION_HOOK = "std::ofstream fout(RESULTS_LOG);"
_TESTBENCH_PRECISION_LINE = "    fout.precision(64); // cicada: print fixed-point results exactly\n"


@dataclass
class ConversionResult:
    project_dir: Path
    proof: PrecisionProof
    layer_precisions: list[dict]
    hls4ml_config: dict
    #: layer -> da4ml's cost estimate (LUT equivalents) of its distributed-arithmetic kernel
    distributed_arithmetic_cost: dict[str, float]


def distributed_arithmetic_cost(hls_model) -> dict[str, float]:
    """da4ml's cost estimate of each distributed-arithmetic kernel (hls4ml's ``da_kernel_cost``)."""
    costs = {}
    for layer in hls_model.get_layers():
        cost = layer.get_attr("da_kernel_cost")
        if cost is not None:
            costs[layer.name] = float(cost)
    return costs


def _hls4ml():
    from ..core.tf import tensorflow

    tensorflow()
    with contextlib.redirect_stdout(io.StringIO()):
        import hls4ml
    return hls4ml


def _explicit_precisions(hls: "HlsConfig") -> dict[tuple[str, str], str]:
    explicit = {}
    for layer, settings in hls.layers.items():
        if settings.accum_precision:
            explicit[(layer, "accum")] = settings.accum_precision
        if settings.result_precision:
            explicit[(layer, "result")] = settings.result_precision
    return explicit


def uses_distributed_arithmetic(hls: "HlsConfig") -> bool:
    return hls.strategy == "distributed_arithmetic" or any(
        layer.strategy == "distributed_arithmetic" for layer in hls.layers.values()
    )


def input_type_for(hls: "HlsConfig") -> str:
    """The input type given to hls4ml. Distributed arithmetic takes fixed-point types only, so an
    ``ap_uint<N>`` input becomes ``ap_ufixed<N,N>``: the same values, the same bits."""
    fixed = FixedType.parse(hls.input_precision)
    if (
        uses_distributed_arithmetic(hls)
        and fixed.fractional == 0
        and fixed.rounding == "TRN"
        and fixed.saturation == "WRAP"
    ):
        return f"ap_{'' if fixed.signed else 'u'}fixed<{fixed.width},{fixed.integer}>"
    return hls.input_precision


def build_hls4ml_config(model, hls: "HlsConfig", precisions: dict[tuple[str, str], str]) -> dict:
    """The hls4ml configuration dict for ``model``: config settings plus per-layer types."""
    hls4ml = _hls4ml()
    with hls4ml_errors():
        config = hls4ml.utils.config_from_keras_model(model, granularity="name", backend=hls.backend)
    config["Model"]["Strategy"] = hls.strategy
    config["Model"]["ReuseFactor"] = hls.reuse_factor
    layers = config["LayerName"]
    for entry in layers.values():  # granularity="name" writes a per-layer default of 1
        if "ReuseFactor" in entry:
            entry["ReuseFactor"] = hls.reuse_factor
    input_name = model.layers[0].name
    layers[input_name].setdefault("Precision", {})["result"] = input_type_for(hls)
    for name, settings in hls.layers.items():
        if name not in layers:  # config validation checks a trained student's names; an imported model lands here
            raise ConversionError(
                f"hls.layers.{name}: the model has no layer '{name}' (its layers: {', '.join(layers)})"
            )
        entry = layers[name]
        if settings.strategy:
            entry["Strategy"] = settings.strategy
        if settings.reuse_factor:
            entry["ReuseFactor"] = settings.reuse_factor
        if settings.parallelization_factor:
            entry["ParallelizationFactor"] = settings.parallelization_factor
    for (name, role), precision in precisions.items():
        if name in layers:
            layers[name].setdefault("Precision", {})[role] = precision
        # hls4ml keeps a separate linear activation after a layer whose result type is set
        # explicitly; left alone it would get the model's default type and truncate.
        linear = f"{name}_linear"
        if role == "result" and linear in layers and (linear, "result") not in precisions:
            layers[linear].setdefault("Precision", {})["result"] = precision
    return config


@contextlib.contextmanager
def hls4ml_errors():
    """hls4ml prints chatter and raises bare Exceptions for unsupported layers and settings, and it
    needs what it expects of Keras and numpy (:mod:`.hls4ml_compat`)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), hls4ml_on_current_stack():
            # Keras warns when hls4ml saves a copy of a QKeras model; the copy is only a record
            warnings.simplefilter("ignore", UserWarning)
            yield
    except OSError as err:
        if err.errno is not None:
            raise  # a full disk or a read-only folder is not a conversion problem: the CLI names the path
        raise ConversionError(f"hls4ml cannot convert the student model: {err}") from None
    except Exception as err:
        reason = str(err).removeprefix("ERROR: ").strip() or type(err).__name__
        raise ConversionError(f"hls4ml cannot convert the student model: {reason}") from None


def convert_model(model, config: dict, hls: "HlsConfig", output_dir: Path):
    """hls4ml conversion of ``model`` with the hls4ml ``config``, written nowhere yet (no ``write()``)."""
    hls4ml = _hls4ml()
    with hls4ml_errors():
        return hls4ml.converters.convert_from_keras_model(
            model,
            hls_config=config,
            output_dir=str(output_dir),
            project_name=PROJECT_NAME,
            backend=hls.backend,
            io_type=hls.io_type,
            part=hls.part,
            clock_period=hls.clock_period_ns,
        )


def check_convertible(model, hls: "HlsConfig") -> None:
    """Raise ConversionError now if hls4ml cannot convert ``model`` (nothing is written)."""
    import tempfile

    model = firmware_model(model)
    check_parallelization(model, hls)
    with tempfile.TemporaryDirectory(prefix="cicada-convert-check-") as scratch:
        convert_model(model, build_hls4ml_config(model, hls, {}), hls, Path(scratch) / "project")


def check_parallelization(model, hls: "HlsConfig", config_source: str = "config") -> None:
    """hls4ml silently replaces a parallelization factor that does not divide a convolution's
    output pixels by another one; say so instead, with the values that work."""
    for name, settings in hls.layers.items():
        factor = settings.parallelization_factor
        if factor is None:
            continue
        try:
            shape = model.get_layer(name).output_shape
        except ValueError:
            continue  # not a layer of this model: the config schema names the layers
        pixels = int(np.prod(shape[1:-1]))
        if pixels % factor:
            valid = [d for d in range(1, pixels + 1) if pixels % d == 0]
            raise ConversionError(
                f"{config_source}: key 'hls.layers.{name}.parallelization_factor': {factor} does not divide the "
                f"{pixels} output pixels of {name}; expected one of {', '.join(map(str, valid))}"
            )


def convert_student(
    model, hls: "HlsConfig", project_dir: Path, config_source: str = "config", kind: StudentInput | None = None
) -> ConversionResult:
    """Convert ``model`` into an HLS project at ``project_dir`` (replaced atomically); its precisions are
    proven for every value of the student input ``kind`` (region ET by default), input by input.
    A layer that trains with a batch-norm is folded first (:mod:`.folding`)."""
    kind = kind or input_kind(DEFAULT)
    low, high = np.zeros(kind.size), kind.maximum()
    model = firmware_model(model)
    inputs = int(np.prod(model.input_shape[1:]))
    if inputs != kind.size:
        raise ConversionError(
            f"the student takes {inputs} inputs per event, but student.input {kind.name} gives {kind.size} ({kind.values})"
        )
    check_parallelization(model, hls, config_source)
    project_dir = Path(project_dir)
    input_type = FixedType.parse(hls.input_precision)
    explicit = _explicit_precisions(hls)
    with atomic_directory(project_dir) as staging:
        first = convert_model(model, build_hls4ml_config(model, hls, explicit), hls, staging)
        proof = analyse(first, low, high, ideal=True, keras_model=model)
        for check in proof.failures:
            if check.fractional < 0:  # no fixed-point type can be exact here
                raise ConversionError(
                    f"layer '{check.layer}' cannot be bit-exact in firmware: {check.narrowest.removeprefix('none: ')}; "
                    "QKeras computes it in float (for average pooling use a pool area that is a power of two)"
                )
            if check.role == "input":
                raise ConversionError(
                    f"{config_source}: key 'hls.input_precision': {input_type} cannot hold {kind.values} "
                    f"exactly; expected e.g. {kind.precision}"
                )
            if (check.layer, check.role) in explicit:
                message = (
                    f"{config_source}: key 'hls.layers.{check.layer}.{check.role}_precision': "
                    f"{check.type} would overflow or truncate: {check.layer}'s {check.role} values reach "
                    f"[{check.low:g}, {check.high:g}] in steps of 2^-{check.fractional}; "
                    f"expected a type at least as wide as {check.narrowest} (or null to derive it)"
                )
                if hls.precision_check == "error":
                    raise ConversionError(message)
                log.warning(f"  WARNING (hls.precision_check: warn): {message}")
        tightened = dict(explicit)
        for layer, roles in proof.narrowest().items():
            for role, fixed in roles.items():
                tightened.setdefault((layer, role), fixed.hls())
        config = build_hls4ml_config(model, hls, tightened)
        hls_model = convert_model(model, config, hls, staging)
        proof = analyse(hls_model, low, high, keras_model=model)
        derived_failures = [c for c in proof.failures if (c.layer, c.role) not in explicit and not c.quantizer]
        if derived_failures:  # derived types failing their own proof is a bug, not a user error
            raise ConversionError(
                "derived precisions failed their proof: " + "; ".join(c.explain() for c in derived_failures)
            )
        wrapping = [c for c in proof.failures if c.quantizer]
        if wrapping:
            log.warning(
                "  NOT proven: "
                + "; ".join(c.explain() for c in wrapping)
                + " (the type wraps where QKeras clips); the C simulation decides"
            )
        if not proof.complete:
            log.warning(
                "  precision proof incomplete (layers not analysed: "
                + ", ".join(proof.unanalysed)
                + "); the C simulation is the only check for them"
            )
        with hls4ml_errors():
            hls_model.write()
        _patch_testbench(staging / TESTBENCH)
        layers = _layer_table(hls_model)
        costs = distributed_arithmetic_cost(hls_model)
    _relocate_config(project_dir, staging)
    return ConversionResult(project_dir, proof, layers, _plain_config(config), costs)


def _patch_testbench(path: Path) -> None:
    text = path.read_text()
    if _TESTBENCH_PRECISION_HOOK not in text:
        raise ConversionError(f"{path}: unexpected hls4ml testbench layout (no '{_TESTBENCH_PRECISION_HOOK}')")
    text = text.replace(_TESTBENCH_PRECISION_HOOK, _TESTBENCH_PRECISION_HOOK + "\n" + _TESTBENCH_PRECISION_LINE, 1)
    path.write_text(text)


def _relocate_config(project_dir: Path, staging: Path) -> None:
    """hls4ml records its output directory; point it at the final location."""
    config_file = project_dir / "hls4ml_config.yml"
    if config_file.exists():
        config_file.write_text(config_file.read_text().replace(str(staging), str(project_dir)))


def _layer_table(hls_model) -> list[dict]:
    rows = []
    for layer in hls_model.get_layers():
        row = {"name": layer.name, "class": layer.class_name}
        for key, type_obj in layer.types.items():
            row[key.replace("_t", "")] = (
                str(FixedType.parse(str(type_obj.precision))) if _is_fixed(type_obj) else str(type_obj.precision)
            )
        strategy = layer.get_attr("strategy")
        if strategy:
            row["strategy"] = str(strategy)
        # what the integer model (cicada/firmware/integer_model.py) needs beyond the types
        if layer.class_name == "Activation":
            row["activation"] = str(layer.get_attr("activation"))
        product = _product_kind(hls_model, layer)
        if product:
            row["product"] = product
        for attr in ("reuse_factor", "parallelization_factor"):
            value = layer.get_attr(attr)
            if value is not None and layer.class_name in ("Dense", "Conv2D"):
                row[attr] = int(value)
        rows.append(row)
    return rows


def _product_kind(hls_model, layer) -> str | None:
    """hls4ml's ``nnet::product`` for a layer with weights (mult, weight_exponential for po2
    weights, weight_ternary for 2-bit integer ones...): the types alone do not tell them apart."""
    weights = getattr(layer, "weights", {}) or {}
    if "weight" not in weights or layer.get_input_variable() is None:
        return None
    backend = hls_model.config.backend
    return str(backend.product_type(layer.get_input_variable().type.precision, weights["weight"].type.precision))


def _is_fixed(type_obj) -> bool:
    try:
        FixedType.parse(str(type_obj.precision))
        return True
    except ValueError:
        return False


def _plain_config(config: dict) -> dict:
    """The hls4ml config as plain data (it holds only dicts, strings and numbers)."""
    if isinstance(config, dict):
        return {str(k): _plain_config(v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return [_plain_config(v) for v in config]
    if isinstance(config, (str, int, float, bool)) or config is None:
        return config
    return str(config)


def top_level_io(project_dir: Path) -> tuple[str, int, str, int]:
    """(input name, input size, output name, output size) of the top function in myproject.h."""
    header = (Path(project_dir) / "firmware" / f"{PROJECT_NAME}.h").read_text()
    # sizes are written as products for multi-dimensional inputs, e.g. [18*14*1]
    ports = re.findall(r"(input_t|result_t)\s+(\w+)\[([\d\s*]+)\]", header)
    if len(ports) != 2:
        raise ConversionError(f"{project_dir}: cannot read the top function's ports from {PROJECT_NAME}.h")
    (_, in_name, in_size), (_, out_name, out_size) = ports

    def size(text: str) -> int:
        return int(np.prod([int(factor) for factor in text.split("*")]))

    return in_name, size(in_size), out_name, size(out_size)
