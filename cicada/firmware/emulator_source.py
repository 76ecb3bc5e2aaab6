"""The emulator library's source text: what the firmware includes, its weights, the wrapper.

:mod:`.emulator` compiles what this module writes: the wrapper ``.cpp`` that puts an hls4ml
project's firmware inside a namespace with its weights embedded (module doc of :mod:`.emulator`),
the C header beside the library, the linker's version script, and the tuned ap_types copy.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from ..core.errors import ConversionError
from ..core.fixedpoint import FixedType
from .convert import PROJECT_NAME, top_level_io

_SOURCE_TEMPLATE = "emulator_library.cpp"
_HEADER_TEMPLATE = "emulator_library.h"
_INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)
_WEIGHT_INCLUDE = re.compile(r'^\s*#\s*include\s*"(weights/\w+\.h)"', re.MULTILINE)
# nnet::load_weights_from_txt<weight3_t, 16>(w3, "w3.txt"): loader name and array name
_WEIGHT_LOADER = re.compile(r"nnet::(load_\w*weights_from_txt)\s*<.*?>\s*\(\s*(\w+)\s*,")
_VOLATILE_CLEAR = "INLINE void clearUnusedBits(void) volatile"


@dataclass(frozen=True)
class FirmwareIncludes:
    """Headers the firmware includes that must stay outside the model's namespace."""

    system: list[str]
    ap_types: list[str]


# ----------------------------------------------------------------------- firmware scan
def firmware_includes(firmware_dir: Path, top: str = f"{PROJECT_NAME}.cpp") -> FirmwareIncludes:
    """Every system and ap_types header reachable from ``top`` through the firmware's own headers.

    Quoted includes are resolved as g++ does with ``-I ap_types -I firmware``: the including
    file's directory first, then ap_types, then firmware. Firmware headers are followed;
    ap_types headers are recorded, not followed (they sit outside the namespace whole).
    """
    firmware_dir = Path(firmware_dir).resolve()
    ap_types_dir = firmware_dir / "ap_types"
    system: dict[str, None] = {}
    ap_types: dict[str, None] = {}
    visited: set[Path] = set()
    pending = [firmware_dir / top]
    while pending:
        source = pending.pop(0)
        if source in visited:
            continue
        visited.add(source)
        for delimiter, name in _INCLUDE.findall(source.read_text()):
            search = [ap_types_dir, firmware_dir] if delimiter == "<" else [source.parent, ap_types_dir, firmware_dir]
            found = next((d / name for d in search if (d / name).is_file()), None)
            if found is None and delimiter == "<":
                system[name] = None
            elif found is None:
                raise ConversionError(f'{source}: includes "{name}", which is not in the project')
            elif ap_types_dir in found.resolve().parents:
                ap_types[str(found.resolve().relative_to(ap_types_dir))] = None
            else:
                pending.append(found.resolve())
    return FirmwareIncludes(list(system), list(ap_types))


def weight_headers(firmware_dir: Path) -> list[str]:
    """The weight headers parameters.h includes, each checked to hold its initialiser for synthesis."""
    parameters = Path(firmware_dir) / "parameters.h"
    names = _WEIGHT_INCLUDE.findall(parameters.read_text())
    for name in names:
        header = Path(firmware_dir) / name
        text = header.read_text()
        synthesis_branch = text.partition("#else")[2]
        if "#ifndef __SYNTHESIS__" not in text or "= {" not in synthesis_branch:
            raise ConversionError(
                f"{header}: expected an array initialiser under __SYNTHESIS__ (hls4ml's layout); "
                "the emulator library cannot embed these weights"
            )
        if "#include" in text:
            raise ConversionError(f"{header}: a weight header that includes other files cannot be embedded")
    return names


# "type name[N] = {...};" in a weight header's synthesis branch
_WEIGHT_ARRAY = re.compile(r"^\s*[\w:<>, ]+?\s+(\w+)\s*\[\s*(\d+)\s*\]\s*=\s*\{(.*?)\}\s*;", re.MULTILINE | re.DOTALL)
# a literal that C++ reads as the double it converts from: a floating literal, or an integer a double holds exactly
_FLOAT_LITERAL = re.compile(r"[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?")


@dataclass(frozen=True)
class WeightTable:
    """A weight array whose initialiser is plain numbers: ``array``, its ``size`` and the literals."""

    array: str
    size: int
    literals: str


def weight_table(firmware_dir: Path, header: str) -> WeightTable | None:
    """The header's array as a table of doubles, or None when its initialiser is not plain numbers
    (the library then compiles the initialiser itself)."""
    synthesis_branch = (Path(firmware_dir) / header).read_text().partition("#else")[2]
    found = _WEIGHT_ARRAY.findall(synthesis_branch)
    if len(found) != 1:
        return None
    array, size, body = found[0]
    literals = [token.strip() for token in body.split(",")]
    for literal in literals:
        match = _FLOAT_LITERAL.fullmatch(literal)
        if match is None:
            return None
        if match.group(1).isdigit() and match.group(2) is None and abs(int(literal)) > 2**53:
            return None  # an integer literal beyond a double's exact range
    if len(literals) != int(size):
        return None
    return WeightTable(array, int(size), ", ".join(literals))


def weight_loaders(firmware_dir: Path, headers: list[str]) -> list[str]:
    """Names of the nnet:: run-time weight loaders the top function calls.

    Every array they load must have its header among ``headers``: an array left out would
    silently be all zeros in the library.
    """
    calls = _WEIGHT_LOADER.findall((Path(firmware_dir) / f"{PROJECT_NAME}.cpp").read_text())
    embedded = {Path(header).stem for header in headers}
    missing = sorted({array for _, array in calls} - embedded)
    if missing:
        raise ConversionError(
            f"{firmware_dir}: {PROJECT_NAME}.cpp loads weights {', '.join(missing)} at run time, "
            "but parameters.h includes no weight header for them; the emulator library cannot embed them"
        )
    return sorted({loader for loader, _ in calls})


# ----------------------------------------------------------------------- source text
def _template(name: str) -> Template:
    return Template(resources.files("cicada.firmware").joinpath("templates", name).read_text())


def _c_string(text: str) -> str:
    """``text`` as the inside of a C string literal, on one line."""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')


def _comment_text(text: object) -> str:
    """``text`` safe inside a // or /* */ comment: one line, never closing the comment."""
    return " ".join(str(text).split()).replace("*/", "* /")


_INPUT_TYPEDEF = re.compile(r"typedef\s+(.+?)\s+input_t\s*;")


def input_type(firmware_dir: Path) -> FixedType:
    """The firmware's input type (``input_t`` in defines.h)."""
    defines = Path(firmware_dir) / "defines.h"
    match = _INPUT_TYPEDEF.search(defines.read_text())
    if match is None:
        raise ConversionError(f"{defines}: no 'typedef ... input_t;' (not an hls4ml io_parallel project?)")
    return FixedType.parse(match.group(1))


def _input_range(firmware_dir: Path) -> dict:
    fixed = input_type(firmware_dir)
    return {
        "input_type": fixed.hls(),
        "input_min": repr(fixed.min_value),
        "input_max": repr(fixed.max_value),
        "input_step": repr(fixed.lsb),
    }


def library_source(firmware_dir: Path, namespace: str, model: str, version: str, description: str) -> str:
    """The wrapper .cpp: system and ap_types headers, then the firmware inside ``namespace``."""
    firmware_dir = Path(firmware_dir)
    includes = firmware_includes(firmware_dir)
    _, n_inputs, _, n_outputs = top_level_io(firmware_dir.parent)
    headers = weight_headers(firmware_dir)
    loaders = weight_loaders(firmware_dir, headers)
    return _template(_SOURCE_TEMPLATE).substitute(
        project_dir=_comment_text(firmware_dir.parent),
        model=_comment_text(model),
        version=_comment_text(version),
        namespace=namespace,
        # a header that only a disabled branch wants may not exist here
        system_includes="\n".join(f"#if __has_include(<{h}>)\n#include <{h}>\n#endif" for h in includes.system),
        ap_types_includes="\n".join(f'#include "{h}"' for h in includes.ap_types),
        **_weight_sections(firmware_dir, headers),
        loader_renames="\n".join(f"#define {name} keep_embedded_weights" for name in loaders),
        loader_undefs="\n".join(f"#undef {name}" for name in loaders),
        top_function=PROJECT_NAME,
        n_inputs=n_inputs,
        n_outputs=n_outputs,
        description=_c_string(description),
        **_input_range(firmware_dir),
    )


def _weight_sections(firmware_dir: Path, headers: list[str]) -> dict[str, str]:
    """The template's weight sections: headers compiled with their initialisers, headers filled from tables."""
    tables = {header: weight_table(firmware_dir, header) for header in headers}
    filled = [table for table in tables.values() if table is not None]
    return {
        "synthesis_weight_includes": "\n".join(f'#include "{h}"' for h, table in tables.items() if table is None),
        "table_weight_includes": "\n".join(f'#include "{h}"' for h, table in tables.items() if table is not None),
        "weight_tables": "\n".join(f"const double {t.array}_table[{t.size}] = {{{t.literals}}};" for t in filled),
        "weight_fills": "\n".join(f"        fill_from_table({t.array}, {t.array}_table);" for t in filled),
    }


def header_source(project_dir: Path, namespace: str, model: str, version: str, march: str) -> str:
    _, n_inputs, _, n_outputs = top_level_io(project_dir)
    return _template(_HEADER_TEMPLATE).substitute(
        project_dir=_comment_text(project_dir),
        model=_comment_text(model),
        version=_comment_text(version),
        namespace=namespace,
        guard=f"{namespace.upper()}_H",
        march=_comment_text(march),
        n_inputs=n_inputs,
        n_outputs=n_outputs,
        **_input_range(Path(project_dir) / "firmware"),
    )


def version_script(namespace: str) -> str:
    """Linker version script: the C API is all the library exports."""
    api = [f"{namespace}_{name};" for name in ("n_inputs", "n_outputs", "description", "predict", "predict_parallel")]
    return "{\n  global:\n    " + "\n    ".join(api) + "\n  local: *;\n};\n"


# -------------------------------------------------------------------- ap_types copy
def copy_ap_types(source: Path, target: Path) -> int:
    """Copy ap_types, adding a non-volatile twin of each volatile-only clearUnusedBits().

    Returns how many twins were added (0 when this ap_types has none to add: it is then
    copied unchanged and only slower).
    """
    shutil.copytree(source, target)
    private = Path(target) / "etc" / "ap_private.h"
    if not private.exists():
        return 0
    text, added = add_non_volatile_twins(private.read_text())
    private.write_text(text)
    return added


def add_non_volatile_twins(text: str) -> tuple[str, int]:
    pieces, position, added = [], 0, 0
    while (start := text.find(_VOLATILE_CLEAR, position)) >= 0:
        end = _matching_brace(text, text.index("{", start))
        volatile_version = text[start : end + 1]
        twin = volatile_version.replace(_VOLATILE_CLEAR, _VOLATILE_CLEAR.removesuffix(" volatile"), 1)
        pieces += [text[position:start], twin, "\n\n  ", volatile_version]
        position, added = end + 1, added + 1
    pieces.append(text[position:])
    return "".join(pieces), added


def _matching_brace(text: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index
    raise ConversionError("ap_types/etc/ap_private.h: unbalanced braces in clearUnusedBits")
