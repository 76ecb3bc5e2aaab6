"""The emulator library: bit-exact with the C simulation, self-contained, and safe to link twice.

Two CICADA v2 students with different weights are converted with real hls4ml; their
firmware defines the same symbols (w3, w7, myproject, nnet::...). Their libraries are
built with real g++ (in parallel, with the C-simulation testbench of the first).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from cicada.config.loader import config_from_mapping
from cicada.core.errors import ToolError
from cicada.core.files import read_json
from cicada.core.tf import seed_everything
from cicada.firmware import csim, emulator_source
from cicada.firmware import emulator as emulator_module
from cicada.firmware.convert import convert_student
from cicada.firmware.emulator import (
    EMULATOR_DIR,
    EmulatorLibrary,
    FirmwareEmulator,
    LibraryEmulator,
    build_library,
    namespace_for,
)
from cicada.firmware.emulator_source import add_non_volatile_twins
from cicada.models.students import build_student

pytestmark = pytest.mark.slow  # trains models, compiles firmware or runs Pythia

TWO_EMULATORS = Path(__file__).parent / "cpp" / "two_emulators.cpp"
C_API = ("n_inputs", "n_outputs", "description", "predict", "predict_parallel")


@dataclass
class Built:
    project_a: Path
    project_b: Path
    library_a: EmulatorLibrary  # built into a directory of its own, as for trigger software
    library_b: EmulatorLibrary  # built by FirmwareEmulator's rules, inside project b
    images: np.ndarray
    csim_a: np.ndarray  # the C-simulation testbench's outputs for project a


def _student(seed: int):
    seed_everything(seed)
    model = build_student("cicada_v2")
    conv = model.get_layer("conv")  # smaller kernel: scores spread over the range
    conv.set_weights([conv.get_weights()[0] * 0.2])
    return model


def _hls():
    hls = {"reuse_factor": 2, "layers": {"conv": {"strategy": "Resource", "parallelization_factor": 21}}}
    return config_from_mapping({"name": "t", "hls": hls}).hls


def _images(n: int = 600) -> np.ndarray:
    rng = np.random.default_rng(11)
    images = rng.poisson(3, size=(n, 18, 14))
    images[:20] = rng.integers(0, 1024, size=(20, 18, 14))  # anything the hardware can send
    images[20] = 1023
    images[21] = 0
    images[22:60] = np.minimum(rng.poisson(60, size=(38, 18, 14)), 1023)  # busy events, some saturated
    return images


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    root = tmp_path_factory.mktemp("emulators")
    project_a, project_b = root / "alpha", root / "beta"
    convert_student(_student(3), _hls(), project_a)
    convert_student(_student(4), _hls(), project_b)
    with ThreadPoolExecutor(3) as pool:  # g++ runs outside the GIL
        library_a = pool.submit(build_library, project_a, root / "lib_alpha", "alpha", 1)
        library_b = pool.submit(build_library, project_b, project_b / EMULATOR_DIR, "beta", "2")
        pool.submit(csim.build_testbench, project_a).result()
        library_a, library_b = library_a.result(), library_b.result()
    images = _images()
    flat = images.reshape(len(images), -1)
    csim_a = csim.run_testbench(project_a, flat, np.zeros((len(images), 1)))
    return Built(project_a, project_b, library_a, library_b, images, csim_a)


def _defined_symbols(library: Path, dynamic: bool) -> list[str]:
    if shutil.which("nm") is None:
        pytest.skip("nm (binutils) is not installed")
    option = "-D" if dynamic else "-C"
    listing = subprocess.run(["nm", option, "--defined-only", str(library)], capture_output=True, text=True, check=True)
    return [line.split(maxsplit=2)[2] for line in listing.stdout.splitlines() if len(line.split(maxsplit=2)) == 3]


def test_namespaces_are_c_identifiers():
    assert namespace_for("CICADA v2", "1.0") == "cicada_cicada_v2_v1_0"
    assert namespace_for("my--model", 3) == "cicada_my_model_v3"
    with pytest.raises(ValueError, match="model name"):
        namespace_for("+++", 1)


def test_ap_types_copy_gets_a_non_volatile_twin_of_clear_unused_bits():
    source = (
        "  INLINE void clearUnusedBits(void) volatile\n  {\n    enum { b = 3 };\n    VAL = VAL << b;\n  }\n  int x;"
    )
    text, added = add_non_volatile_twins(source)
    assert added == 1 and text.endswith(source.split("  ", 1)[1])  # the volatile original stays
    assert text.startswith("  INLINE void clearUnusedBits(void)\n  {\n    enum { b = 3 };")


def test_library_is_bit_exact_with_the_c_simulation(built):
    emulator = LibraryEmulator(built.library_a.library, threads=1)
    single = emulator.predict(built.images)
    assert np.array_equal(single, built.csim_a)
    assert len(np.unique(single)) > 50  # a real spread of scores, not a constant
    assert np.array_equal(LibraryEmulator(built.library_a.library, threads=2).predict(built.images), single)
    assert emulator.predict(built.images[:0]).shape == (0, 1)
    assert "model 'alpha' version '1'" in emulator.description
    assert read_json(built.library_a.manifest)["ap_types_non_volatile_twins"] == 2  # the fast build


def test_library_needs_no_project_directory(built, tmp_path):
    """Weights are compiled in: moving the project and deleting its weights/*.txt changes nothing."""
    weights = built.project_a / "firmware" / "weights"
    saved = {path.name: path.read_bytes() for path in weights.glob("*.txt")}
    moved = tmp_path / "moved"
    shutil.move(built.project_a, moved)
    try:
        for name in saved:
            (moved / "firmware" / "weights" / name).unlink()
        assert not built.project_a.exists()
        outputs = LibraryEmulator(built.library_a.library).predict(built.images)
        assert np.array_equal(outputs, built.csim_a)
    finally:
        shutil.move(moved, built.project_a)
        for name, content in saved.items():
            (weights / name).write_bytes(content)


@pytest.mark.parametrize("which", ["library_a", "library_b"])
def test_only_the_namespaced_c_api_is_exported(built, which):
    library: EmulatorLibrary = getattr(built, which)
    ns = library.namespace
    assert sorted(_defined_symbols(library.library, dynamic=True)) == sorted(f"{ns}_{name}" for name in C_API)
    symbols = _defined_symbols(library.library, dynamic=False)
    assert f"{ns}::w7" in symbols and f"{ns}::nnet::trace_enabled" in symbols
    assert any(name.startswith(f"{ns}::myproject(") for name in symbols)
    outside = [
        name
        for name in symbols
        if re.match(r"([wb]\d+|myproject\(|trace_enabled)", name) or re.search(r"(?<![\w:])nnet::", name)
    ]
    assert outside == []
    header = library.header.read_text()
    assert all(f"{ns}_{name}(" in header for name in C_API)


def test_two_models_link_into_one_program(built, tmp_path):
    directory_a, directory_b = built.library_a.library.parent, built.library_b.library.parent
    program = tmp_path / "two_emulators"
    subprocess.run(
        ["g++", "-std=c++17", "-x", "c", "-fsyntax-only", str(built.library_a.header)], check=True
    )  # the header is plain C too
    subprocess.run(
        [
            "g++",
            "-std=c++17",
            f"-I{directory_a}",
            f"-I{directory_b}",
            str(TWO_EMULATORS),
            f"-L{directory_a}",
            f"-L{directory_b}",
            f"-l{built.library_a.namespace}",
            f"-l{built.library_b.namespace}",
            f"-Wl,-rpath,{directory_a}:{directory_b}",
            "-o",
            str(program),
        ],
        check=True,
    )
    events = built.images[:60]
    lines = "\n".join(" ".join(str(int(v)) for v in image.ravel()) for image in events) + "\n"
    result = subprocess.run([str(program)], input=lines, capture_output=True, text=True, check=True)
    alpha, beta = np.loadtxt(result.stdout.splitlines(), ndmin=2).T
    assert np.array_equal(alpha, LibraryEmulator(built.library_a.library).predict(events)[:, 0])
    assert np.array_equal(beta, LibraryEmulator(built.library_b.library).predict(events)[:, 0])
    assert np.array_equal(alpha, built.csim_a[:60, 0])
    assert np.count_nonzero(alpha != beta) > 30  # two different models, each with its own weights


def test_firmware_emulator_reuses_an_up_to_date_library(built):
    stamp = built.library_b.library.stat().st_mtime_ns
    emulator = FirmwareEmulator(built.project_b, model="beta", version=2)
    assert emulator.library == built.library_b
    assert built.library_b.library.stat().st_mtime_ns == stamp
    assert emulator.predict(built.images[:5]).shape == (5, 1)
    with pytest.raises(ValueError, match="expected 252 inputs per event"):
        emulator.predict(np.zeros((2, 10)))


def test_inputs_saturate_like_the_hardware_and_nan_is_refused(built):
    """The hardware's input chain saturates at 0..1023 and keeps whole LSBs; NaN has no meaning."""
    emulator = LibraryEmulator(built.library_a.library)
    images = built.images[60:64].astype(np.float64)
    odd = images.copy()
    odd[0, 0, 0], odd[1, 2, 3], odd[2, 5, 5], odd[3, 7, 7] = 5000, -1, np.inf, -np.inf
    assert np.array_equal(emulator.predict(odd), emulator.predict(np.clip(odd, 0, 1023)))
    assert np.array_equal(emulator.predict(images + 0.75), emulator.predict(images))  # fractions truncate
    busy = np.full((1, 18, 14), 1024.0)
    assert np.array_equal(emulator.predict(busy), emulator.predict(busy - 1))  # 1024 is 1023, not 0
    nan = images.copy()
    nan[2, 0, 0] = np.nan
    with pytest.raises(ValueError, match="event 2 has a NaN input"):
        emulator.predict(nan)


@pytest.mark.parametrize("damage", ["truncated", "replaced"])
def test_a_damaged_library_is_refused_by_its_build_record(built, tmp_path, damage):
    folder = tmp_path / "lib"
    shutil.copytree(built.library_a.library.parent, folder)  # its own folder: lib, header, record
    files = EmulatorLibrary.in_directory(folder, built.library_a.namespace)
    if damage == "truncated":
        files.library.write_bytes(files.library.read_bytes()[:4096])
    else:
        shutil.copyfile(built.library_b.library, files.library)
    assert files.built_from() is None
    with pytest.raises(ToolError, match="does not match its build record"):
        LibraryEmulator(files.library)


def test_the_library_is_fed_a_chunk_at_a_time(built, monkeypatch):
    """Its float64 copy of the inputs is a chunk's; chunk boundaries change no output, and a
    NaN is named by its place in the whole sample."""
    emulator = LibraryEmulator(built.library_a.library)
    whole = emulator.predict(built.images)
    monkeypatch.setattr(emulator_module, "CHUNK_EVENTS", 7)
    seen = []
    predict = emulator._predict
    emulator._predict = lambda events, outputs, n, threads: seen.append(n) or predict(events, outputs, n, threads)
    assert np.array_equal(emulator.predict(built.images), whole)
    assert max(seen) == 7 and sum(seen) == len(built.images)
    nan = built.images[:20].astype(np.float64)
    nan[9, 0, 0] = np.nan
    with pytest.raises(ValueError, match="event 9 has a NaN input"):
        emulator.predict(nan)


def _weight_header(tmp_path, initialiser: str) -> str:
    weights = tmp_path / "weights"
    weights.mkdir(exist_ok=True)
    (weights / "w2.h").write_text(
        "#ifndef W2_H_\n#define W2_H_\n#ifndef __SYNTHESIS__\nweight2_t w2[3];\n#else\n"
        f"weight2_t w2[3] = {{{initialiser}}};\n#endif\n#endif\n"
    )
    return "weights/w2.h"


def test_plain_number_weights_are_filled_from_a_table(tmp_path):
    header = _weight_header(tmp_path, "0.46875, -0.000000000, 3e-2")
    assert emulator_source.weight_table(tmp_path, header) == emulator_source.WeightTable(
        "w2", 3, "0.46875, -0.000000000, 3e-2"
    )
    sections = emulator_source._weight_sections(tmp_path, [header])
    assert sections["synthesis_weight_includes"] == ""
    assert "const double w2_table[3] = {0.46875, -0.000000000, 3e-2};" in sections["weight_tables"]
    assert "fill_from_table(w2, w2_table);" in sections["weight_fills"]


@pytest.mark.parametrize(
    "initialiser",
    ["weight2_t(0.5), 1, 2", "9007199254740993, 1, 2", "-9007199254740993, 1, 2", "0.5, 1"],
    ids=["not-a-number", "integer-beyond-double", "negative-integer-beyond-double", "count-mismatch"],
)
def test_other_initialisers_are_compiled_as_written(tmp_path, initialiser):
    header = _weight_header(tmp_path, initialiser)
    assert emulator_source.weight_table(tmp_path, header) is None
    sections = emulator_source._weight_sections(tmp_path, [header])
    assert sections["synthesis_weight_includes"] == f'#include "{header}"'
    assert sections["weight_tables"] == sections["weight_fills"] == ""
