"""Firmware-exact scoring: a project's firmware C++ as a self-contained shared library.

``build_library(project_dir, output_dir, model, version)`` compiles the hls4ml firmware of
a project into ``lib<ns>.so`` with a C header ``<ns>.h`` beside it, where ``<ns>`` is
``cicada_<model>_v<version>``. Trigger software links it; Python loads it with
``LibraryEmulator``; ``FirmwareEmulator(project_dir)`` builds one inside the project and
scores with it (the verify and scores stages).

Three things make it fit for a trigger program:

- Namespacing. Two hls4ml emulators linked into one program both define ``w2``,
  ``myproject`` and ``nnet::`` code, and the loader silently binds one model's calls to the
  other's weights. Here a generated wrapper includes every system and ap_types header the
  firmware uses first, then the firmware inside ``namespace <ns> { ... }``; the C API is
  prefixed with ``<ns>_`` and a linker version script exports nothing else.
- Embedded weights. Outside synthesis the firmware reads ``weights/*.txt`` at run time.
  The wrapper instead embeds the initialisers of ``weights/*.h`` (the values synthesis
  builds into the FPGA) and turns the run-time loaders into no-ops, so the library does
  not need the project directory. Plain-number initialisers become ``const double`` tables
  converted into the arrays before any call (the same ``ap_fixed(double)`` conversion, in
  one loop: as initialisers g++ inlines a constructor per weight, over half an hour for a
  VAE encoder); the source text is :mod:`.emulator_source`'s.
- Speed. Batches are scored inside the library, over several threads, and the code is
  compiled for the host CPU. Every ap_types operation ends in ``clearUnusedBits()``, which
  ap_types declares only for volatile objects: that forces every intermediate value
  through memory. The library is built against a copy of ap_types that adds the same
  function for non-volatile objects. The arithmetic is untouched (same function body;
  ``volatile`` only orders memory accesses) and the tests check the outputs bit for bit
  against the C-simulation testbench.

Threads score disjoint events, which assumes the firmware keeps no state from one event
to the next: true of io_parallel CNN and dense layers (CICADA), not of stateful RNNs.
"""

from __future__ import annotations

import ctypes
import os
import platform
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.chunks import CHUNK_EVENTS
from ..core.errors import ConversionError, ToolError
from ..core.files import atomic_path, read_json, sha256_file, sha256_json, sha256_tree, write_json, write_text
from .convert import PROJECT_NAME
from .cpp import compiler, run_compiler
from .emulator_source import copy_ap_types, header_source, library_source, version_script

EMULATOR_DIR = "emulator"  # where FirmwareEmulator builds its library inside a project
DEFAULT_MARCH = "native"
BUILD_FORMAT = 3  # bump when the build changes in a way the sources and flags do not show
CXXFLAGS = (
    "-std=c++17",
    "-O3",
    "-fPIC",
    "-shared",
    "-pthread",
    "-fvisibility=hidden",
    "-fvisibility-inlines-hidden",
    # no fused multiply-add: float code (activation tables) rounds as in the testbench
    "-ffp-contract=off",
    "-w",
)


@dataclass(frozen=True)
class EmulatorLibrary:
    """The files of one emulator library: ``lib<ns>.so``, its header and its build record."""

    namespace: str
    library: Path
    header: Path
    manifest: Path

    @classmethod
    def in_directory(cls, directory: Path, namespace: str) -> EmulatorLibrary:
        directory = Path(directory)
        return cls(
            namespace, directory / f"lib{namespace}.so", directory / f"{namespace}.h", directory / f"{namespace}.json"
        )

    def built_from(self) -> str | None:
        """The fingerprint of the build these files come from; None when a file is missing, the
        record unreadable, or the library or header not the files the record describes (truncated,
        or replaced by another build's)."""
        if not (self.library.exists() and self.header.exists() and self.manifest.exists()):
            return None
        try:
            record = read_json(self.manifest)
        except (OSError, ValueError):
            return None
        if record.get("library_sha256") != sha256_file(self.library):
            return None
        if record.get("header_sha256") != sha256_file(self.header):
            return None
        return record.get("fingerprint")

    def check(self) -> None:
        """A ToolError unless the library is the one its build record describes."""
        if self.built_from() is None:
            raise ToolError(
                f"{self.library}: does not match its build record {self.manifest.name} (truncated, replaced or "
                "incomplete); rebuild it (cicada emulator)"
            )


# ----------------------------------------------------------------------------- naming
def namespace_for(model: str, version: str | int) -> str:
    """``cicada_<model>_v<version>`` as a C identifier, e.g. ('CICADA v2', '1.0') -> cicada_cicada_v2_v1_0."""
    return f"cicada_{_identifier(model, 'model')}_v{_identifier(str(version), 'version')}"


def _identifier(text: str, what: str) -> str:
    # single underscores only: C++ reserves identifiers containing "__"
    piece = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
    if not piece:
        raise ValueError(f"emulator {what} name {text!r} has no letters or digits to name a C symbol with")
    return piece


# ---------------------------------------------------------------------------- build
def compiler_version() -> str:
    result = subprocess.run([compiler(), "--version"], capture_output=True, text=True)
    return result.stdout.splitlines()[0] if result.stdout else "unknown"


def host_cpu() -> str:
    """What -march=native compiles for: this CPU's model and feature flags."""
    lines = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    found = {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines) if value}
    return f"{found.get('model name', platform.machine())}; flags: {found.get('flags', 'unknown')}"


def build_library(
    project_dir: Path, output_dir: Path, model: str, version: str | int, march: str = DEFAULT_MARCH
) -> EmulatorLibrary:
    """Build (or reuse, when its inputs are unchanged) the emulator library of a project.

    ``march`` is g++'s -march: "native" is fastest but runs only on CPUs like this one;
    e.g. "x86-64-v3" gives a library for any x86 CPU with AVX2.
    """
    project_dir = Path(project_dir).resolve()
    firmware_dir = project_dir / "firmware"
    if not (firmware_dir / f"{PROJECT_NAME}.cpp").exists():
        raise ConversionError(f"{project_dir}: not an hls4ml project (no firmware/{PROJECT_NAME}.cpp)")
    version = str(version)
    namespace = namespace_for(model, version)
    target = EmulatorLibrary.in_directory(Path(output_dir).resolve(), namespace)
    firmware_hash = sha256_tree(firmware_dir)
    description = f"cicada emulator of model '{model}' version '{version}', firmware sha256 {firmware_hash[:16]}"
    source = library_source(firmware_dir, namespace, model, version, description)
    header = header_source(project_dir, namespace, model, version, march)
    flags = [*CXXFLAGS, f"-march={march}"]
    record = {
        "format": BUILD_FORMAT,
        "namespace": namespace,
        "model": model,
        "version": version,
        "project_dir": str(project_dir),
        "firmware_sha256": firmware_hash,
        "compiler": compiler_version(),
        "flags": flags,
        # a library built for this CPU must not be reused on another one sharing the disk
        "host_cpu": host_cpu() if march == "native" else None,
    }
    fingerprint = sha256_json({**record, "source": source, "header": header})
    if target.built_from() == fingerprint:
        return target
    added = _compile(firmware_dir, source, namespace, flags, target.library)
    write_text(target.header, header)
    write_json(
        target.manifest,
        {
            **record,
            "ap_types_non_volatile_twins": added,
            "fingerprint": fingerprint,
            "library_sha256": sha256_file(target.library),
            "header_sha256": sha256_file(target.header),
        },
    )
    return target


def _compile(firmware_dir: Path, source: str, namespace: str, flags: list[str], library: Path) -> int:
    """g++ the wrapper against a tuned ap_types copy; returns the twins added to that copy."""
    library.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{namespace}.", suffix=".partial", dir=library.parent) as scratch_name:
        scratch = Path(scratch_name)
        added = copy_ap_types(firmware_dir / "ap_types", scratch / "ap_types")
        (scratch / f"{namespace}.cpp").write_text(source)
        (scratch / "exports.map").write_text(version_script(namespace))
        with atomic_path(library) as tmp:
            command = [
                compiler(),
                *flags,
                "-I",
                str(scratch / "ap_types"),
                "-I",
                str(firmware_dir),
                f"{namespace}.cpp",
                f"-Wl,--version-script={scratch / 'exports.map'}",
                f"-Wl,-soname,{library.name}",
                "-o",
                str(tmp.resolve()),
            ]
            run_compiler(command, scratch, f"{firmware_dir.parent}: g++ failed to build the emulator library")
            tmp.chmod(0o755)
    return added


# ---------------------------------------------------------------------------- scoring
class LibraryEmulator:
    """Scores events with a built emulator library (``lib<ns>.so``); needs no project.

    ``threads``: how many threads one ``predict`` call uses (None or 0: every CPU this
    process may run on). The outputs do not depend on it.
    """

    def __init__(self, library: Path, threads: int | None = None):
        library = Path(library)
        self.namespace = library.name.removeprefix("lib").removesuffix(".so")
        self.threads = threads or len(os.sched_getaffinity(0))
        files = EmulatorLibrary.in_directory(library.parent, self.namespace)
        if files.manifest.exists():  # a library beside its build record must be the one recorded
            files.check()
        self._lib = _load_private_copy(library)
        self.n_inputs = int(self._function("n_inputs", ctypes.c_int, [])())
        self.n_outputs = int(self._function("n_outputs", ctypes.c_int, [])())
        self.description = self._function("description", ctypes.c_char_p, [])().decode()
        array = np.ctypeslib.ndpointer(np.float64, flags="C_CONTIGUOUS")
        self._predict = self._function("predict_parallel", ctypes.c_long, [array, array, ctypes.c_ulong, ctypes.c_uint])

    def _function(self, name: str, restype, argtypes: list):
        function = getattr(self._lib, f"{self.namespace}_{name}")
        function.restype, function.argtypes = restype, argtypes
        return function

    def predict(self, inputs: np.ndarray) -> np.ndarray:
        """Outputs (N, n_out) float64 for inputs of N x n_in values (e.g. images (N, 18, 14)); the
        library reads float64, made a chunk at a time rather than as a copy of the whole sample."""
        outputs = np.empty((len(inputs), self.n_outputs), dtype=np.float64)
        for start in range(0, len(inputs), CHUNK_EVENTS):
            events = _as_events(inputs[start : start + CHUNK_EVENTS], self.n_inputs)
            status = self._predict(events, outputs[start : start + len(events)], len(events), self.threads)
            if status:
                raise ValueError(f"event {start + status - 1} has a NaN input: the emulator refuses it")
        return outputs


class FirmwareEmulator(LibraryEmulator):
    """``FirmwareEmulator(project_dir).predict(images)``: outputs of the project's firmware C++.

    The library is built into ``<project_dir>/emulator/`` (reused while the firmware is
    unchanged); ``model`` defaults to the project directory's name.
    """

    def __init__(
        self,
        project_dir: Path,
        model: str | None = None,
        version: str | int = "0",
        threads: int | None = None,
        march: str = DEFAULT_MARCH,
    ):
        project_dir = Path(project_dir).resolve()
        self.project_dir = project_dir
        self.library = build_library(project_dir, project_dir / EMULATOR_DIR, model or project_dir.name, version, march)
        super().__init__(self.library.library, threads)


def _load_private_copy(library: Path) -> ctypes.CDLL:
    """Load a private copy of ``library``.

    The dynamic loader matches an already loaded library by its path, so a library rebuilt
    at the same path would silently keep running the old code in this process.
    """
    if not library.exists():
        raise ToolError(f"{library}: emulator library not found")
    with tempfile.TemporaryDirectory(prefix="cicada-emulator-") as scratch:
        copy = Path(scratch) / library.name
        shutil.copyfile(library, copy)
        return ctypes.CDLL(str(copy))  # stays mapped after the copy is deleted


def _as_events(inputs: np.ndarray, n_inputs: int) -> np.ndarray:
    array = np.asarray(inputs, dtype=np.float64)
    events = array.reshape(len(array), -1) if array.size else array.reshape(len(array), n_inputs)
    if events.shape[1] != n_inputs:
        raise ValueError(f"expected {n_inputs} inputs per event, got {events.shape[1]}")
    return np.ascontiguousarray(events)
