"""Compiling the generated firmware C++ with g++ (no vendor tool needed)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

from ..core import processes
from ..core.errors import ToolError
from ..core.files import atomic_path

CXX = "g++"
#: The compiler's version is part of the fingerprint of every stage that compiles firmware.
EXTERNAL_TOOLS = {"g++": ["g++", "--version"]}
CXXFLAGS = ("-O2", "-std=c++17", "-w")


def compiler() -> str:
    path = shutil.which(CXX)
    if path is None:
        raise ToolError(f"{CXX} not found on PATH: it is needed to build the C simulation (install g++)")
    return path


def compile_cpp(
    project_dir: Path,
    sources: Sequence[str],
    output: Path,
    weights_dir: str,
    shared: bool = False,
    extra: Sequence[str] = (),
) -> Path:
    """Compile ``sources`` (relative to ``project_dir``) against firmware/ and ap_types/.

    Outside synthesis the firmware loads its weights at run time from ``weights_dir``
    (``firmware/weights/*.txt``). The binary is written atomically; a compiler error
    raises ToolError with its first lines.
    """
    project_dir = Path(project_dir)
    output = Path(output)
    with atomic_path(output) as tmp:
        command = [
            compiler(),
            *CXXFLAGS,
            *(("-shared", "-fPIC") if shared else ()),
            "-I",
            "firmware/ap_types",
            "-I",
            "firmware",
            "-I",
            ".",
            f'-DWEIGHTS_DIR="{weights_dir}"',
            *extra,
            *sources,
            "-o",
            str(tmp.resolve()),
        ]
        run_compiler(command, project_dir, f"{project_dir}: g++ failed to build {', '.join(sources)}")
        tmp.chmod(0o755)
    return output


def run_compiler(command: Sequence[str], cwd: Path, failure: str) -> None:
    """Run a g++ command; on failure raise ToolError with ``failure`` and the first error lines."""
    result = processes.run(command, cwd=cwd)
    if result.returncode != 0:
        head = "\n".join(result.stderr.strip().splitlines()[:15])
        raise ToolError(f"{failure}:\n{head}")


def up_to_date(target: Path, sources: Sequence[Path]) -> bool:
    """True when ``target`` exists and is newer than every file among ``sources`` (dirs recursed)."""
    if not target.exists():
        return False
    stamp = target.stat().st_mtime
    for source in sources:
        files = source.rglob("*") if source.is_dir() else [source]
        if any(f.is_file() and f.stat().st_mtime > stamp for f in files):
            return False
    return True
