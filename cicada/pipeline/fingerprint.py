"""What a stage's result depends on, computed from the code rather than listed by hand.

A stage's code is the import closure of its stage module inside ``cicada``: every cicada
module it imports, at module level or inside a function, followed transitively (imports
under ``if TYPE_CHECKING:`` do not run and do not count), plus the package data files
(templates, reference tables) that sit beside those modules. Its environment is:

* the versions of the third-party libraries those modules import (a new hls4ml reruns
  conversion), except libraries that cannot change an output (:data:`NOT_SHAPING_OUTPUTS`);
* the versions of the external programs they run, which a module declares beside the
  code that runs them as ``EXTERNAL_TOOLS = {"g++": ["g++", "--version"]}``;
* the Python version (major.minor).

Every part is kept separately in the stamp, so ``cicada status`` can say *what* changed.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = "cicada"

#: Libraries imported for their conveniences (progress bars, config parsing): a new version
#: cannot change a stage's outputs, so it does not rerun the stage.
NOT_SHAPING_OUTPUTS = frozenset({"tqdm", "yaml", "pydantic", "pydantic_core", "typing_extensions"})

#: Files beside the modules that are not data a stage reads.
_NOT_DATA_SUFFIXES = (".py", ".pyc", ".pyi")


def module_source(name: str) -> str:
    """The source text of module ``name`` (tests replace this function to simulate an edit)."""
    path = module_path(name)
    return path.read_text() if path is not None else ""


#: The folder of the cicada package: modules are found as files, without importing them.
PACKAGE_DIR = Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=None)
def module_path(name: str) -> Path | None:
    """The source file of cicada module ``name`` (None for anything else, e.g. a function name)."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py") if len(parts) > 1 else None, base / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _is_package(name: str) -> bool:
    path = module_path(name)
    return path is not None and path.name == "__init__.py"


def _resolve(name: str, package: str, level: int) -> str:
    if level == 0:
        return name
    base = package.rsplit(".", level - 1)[0] if level > 1 else package
    return f"{base}.{name}" if name else base


class _Imports(ast.NodeVisitor):
    """Absolute names of everything a module imports, skipping ``if TYPE_CHECKING:`` blocks."""

    def __init__(self, module: str):
        self.package = module if _is_package(module) else module.rpartition(".")[0]
        self.found: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.update(alias.name for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _resolve(node.module or "", self.package, node.level)
        self.found.add(base)
        for alias in node.names:  # `from package import module` imports the module
            self.found.add(f"{base}.{alias.name}")


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


@functools.lru_cache(maxsize=None)
def _module_imports(name: str, source_hash: str) -> tuple[frozenset[str], frozenset[str]]:
    """(cicada modules, third-party top-level names) imported by ``name`` (cached per source)."""
    visitor = _Imports(name)
    visitor.visit(ast.parse(module_source(name)))
    internal, external = set(), set()
    for imported in visitor.found:
        if imported == PACKAGE or imported.startswith(PACKAGE + "."):
            if module_path(imported) is not None:
                internal.add(imported)
        else:
            external.add(imported.split(".")[0])
    return frozenset(internal), frozenset(external)


def import_closure(module: str) -> tuple[list[str], list[str]]:
    """(cicada modules, third-party top-level modules) that running ``module`` may import."""
    pending, seen, external = [module], set[str](), set[str]()
    while pending:
        name = pending.pop()
        if name in seen or module_path(name) is None:
            continue
        seen.add(name)
        source = module_source(name)
        internal, outside = _module_imports(name, hashlib.sha256(source.encode()).hexdigest())
        external |= outside
        pending.extend(internal)
        pending.extend(_parents(name))  # importing a.b.c runs a/__init__ and a/b/__init__
    return sorted(seen), sorted(e for e in external if e not in sys.stdlib_module_names)


def _data_files(modules: list[str]) -> dict[str, str]:
    """Package data (templates, reference tables) owned by the closure's packages: files whose
    nearest enclosing package is one of them."""
    files = {}
    for name in modules:
        path = module_path(name)
        if path is None or path.name != "__init__.py":
            continue
        package_dir = path.parent
        for item in sorted(package_dir.rglob("*")):
            if not item.is_file() or item.suffix in _NOT_DATA_SUFFIXES or "__pycache__" in item.parts:
                continue
            owner = next(p for p in item.parents if (p / "__init__.py").exists() or p == package_dir)
            if owner == package_dir:
                files[str(item.relative_to(package_dir.parent))] = hashlib.sha256(item.read_bytes()).hexdigest()
    return files


def _external_tools(modules: list[str]) -> dict[str, list[str]]:
    """``EXTERNAL_TOOLS`` declared by the closure's modules: tool name -> version command."""
    tools: dict[str, list[str]] = {}
    for name in modules:
        for node in ast.parse(module_source(name)).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "EXTERNAL_TOOLS" for t in node.targets
            ):
                tools.update(ast.literal_eval(node.value))
    return tools


@functools.lru_cache(maxsize=None)
def library_version(top_level: str) -> str | None:
    """Installed version of the distribution providing import name ``top_level`` (None if unknown)."""
    distributions = importlib.metadata.packages_distributions().get(top_level)
    if not distributions:
        return None
    try:
        return importlib.metadata.version(distributions[0])
    except importlib.metadata.PackageNotFoundError:
        return None


@functools.lru_cache(maxsize=None)
def tool_version(command: tuple[str, ...]) -> str:
    """The first line a tool prints about its version, or "not found" (tools are looked for on
    PATH and beside this Python, where a venv installs them)."""
    program = shutil.which(command[0]) or shutil.which(command[0], path=str(Path(sys.executable).parent))
    if program is None:
        return "not found"
    try:
        result = subprocess.run([program, *command[1:]], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"unusable ({type(err).__name__})"
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0] if lines else f"exit {result.returncode}"


def code_components(module: str) -> dict:
    """The code and environment parts of a stage's fingerprint, each kept apart."""
    modules, external = import_closure(module)
    libraries = {}
    for name in external:
        if name in NOT_SHAPING_OUTPUTS:
            continue
        version = library_version(name)
        libraries[name] = version if version is not None else "not installed"
    return {
        "code": {name: hashlib.sha256(module_source(name).encode()).hexdigest() for name in modules},
        "data_files": _data_files(modules),
        "libraries": libraries,
        "tools": {tool: tool_version(tuple(command)) for tool, command in _external_tools(modules).items()},
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
    }


def _module_file(name: str) -> str:
    """A module name as the file a person would open, e.g. cicada/data/__init__.py."""
    path = module_path(name)
    if path is None:
        return name.replace(".", "/") + ".py"
    return str(path.relative_to(PACKAGE_DIR.parent))


def explain_difference(old: dict, new: dict) -> str:
    """What changed between two fingerprint component sets, in a few words."""
    if not old:
        return "inputs changed"
    changes = []
    if old.get("inputs") != new.get("inputs"):
        changes.append("config or input files changed")
    for part, label in (("code", "code changed"), ("data_files", "data files changed")):
        before, after = old.get(part, {}), new.get(part, {})
        names = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
        if names:
            shown = ", ".join((_module_file(n) if part == "code" else f"cicada/{n}") for n in names[:3])
            changes.append(f"{label}: {shown}" + (f" and {len(names) - 3} more" if len(names) > 3 else ""))
    for part in ("libraries", "tools"):
        before, after = old.get(part, {}), new.get(part, {})
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                changes.append(f"{name} {before.get(name, 'absent')} -> {after.get(name, 'absent')}")
    if old.get("python") != new.get("python"):
        changes.append(f"Python {old.get('python')} -> {new.get('python')}")
    if old.get("upstream") != new.get("upstream"):
        names = sorted(n for n in new.get("upstream", {}) if old.get("upstream", {}).get(n) != new["upstream"][n])
        changes.append(f"upstream {', '.join(names)} changed" if names else "upstream changed")
    return "; ".join(changes) or "inputs changed"
