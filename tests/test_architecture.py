"""The architecture's promises: fingerprints follow the code a stage really runs, every
extension point takes a new entry through its registry alone, the floors hold (no import points
up, no two subpackages import each other, no module over 500 lines) and one loader fills the
registries (docs/architecture.md)."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest

from cicada.cli import main
from cicada.config.loader import config_from_mapping, load_config
from cicada.config.model import Number, option
from cicada.config.reference import json_schema, schema_reference
from cicada.core import geometry as geo
from cicada.core.errors import ConfigError
from cicada.core.synthesis_figures import Figures, Resources
from cicada.data.datasets import read_dataset
from cicada.data.signals import SIGNAL_KINDS, SignalSample, synthetic_signal
from cicada.pipeline import fingerprint
from cicada.pipeline.build import STAGE_NAMES, build
from cicada.synthesis import BACKENDS, BackendSettings, SynthesisBackend, SynthesisResult, synthesis_backend

from .conftest import TINY, write_config


def _status(config, capsys) -> dict[str, str]:
    assert main(["status", str(config)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    return {line.split()[0]: line.split(None, 1)[1] for line in lines}


@pytest.fixture
def tiny_copy(tiny_build, tmp_path, monkeypatch):
    directory, config, code = tiny_build
    assert code == 0
    work = tmp_path / "copy"
    shutil.copytree(directory, work, symlinks=True)
    monkeypatch.chdir(work)
    return work, config


def _edited(module: str):
    """A module_source that shows ``module`` with one more line, as if someone had edited it."""
    original = fingerprint.module_source

    def source(name: str) -> str:
        text = original(name)
        return text + "\n# edited\n" if name == module else text

    return source


# ----------------------------------------------------------------------------- fingerprints
def test_editing_a_module_reruns_the_stages_that_import_it_and_their_downstream(tiny_copy, monkeypatch, capsys):
    _, config = tiny_copy
    assert set(_status(config, capsys).values()) == {"up to date"}
    # cicada/data/outliers.py is imported (inside a function) only by the student's training code
    monkeypatch.setattr(fingerprint, "module_source", _edited("cicada.data.outliers"))
    status = _status(config, capsys)
    assert status["data"] == status["teacher"] == "up to date"
    assert status["student"] == "code changed: cicada/data/outliers.py"
    after = STAGE_NAMES[STAGE_NAMES.index("student") + 1 :]
    assert all(status[name] != "up to date" for name in after), status


def test_editing_a_module_no_stage_imports_reruns_nothing(tiny_copy, monkeypatch, capsys):
    _, config = tiny_copy
    monkeypatch.setattr(fingerprint, "module_source", _edited("cicada.data.show"))  # `cicada show` only
    assert set(_status(config, capsys).values()) == {"up to date"}


def test_a_rates_edit_touches_only_what_uses_rates(tiny_copy, monkeypatch, capsys):
    _, config = tiny_copy
    monkeypatch.setattr(fingerprint, "module_source", _edited("cicada.evaluation.rates"))
    status = _status(config, capsys)
    changed = {name for name, state in status.items() if state != "up to date"}
    # the quality stage's AUCs need no rates; efficiency against rate is the rates stage's figure
    assert changed == {"rates", "report"}
    assert status["rates"] == "code changed: cicada/evaluation/rates.py"


@pytest.mark.parametrize(
    "rule, first",
    [("trace", "synthesis"), ("integer", "scores"), ("precision", "student"), ("keras", "student")],
)
def test_a_layer_rule_edit_reruns_the_stages_that_run_that_rule(rule, first, tiny_copy, monkeypatch, capsys):
    """A layer type's home holds one module per rule: an edit to its RTL rule reruns the synthesis (and the
    report after it), not the training, the conversion or the scoring."""
    _, config = tiny_copy
    monkeypatch.setattr(fingerprint, "module_source", _edited(f"cicada.layers.qdense.{rule}"))
    status = _status(config, capsys)
    before = STAGE_NAMES[: STAGE_NAMES.index(first)]
    assert all(status[name] == "up to date" for name in before), status
    assert status[first] == f"code changed: cicada/layers/qdense/{rule}.py"
    if rule == "trace":
        assert status["quality"] == status["rates"] == "up to date" and status["report"].startswith("pending")


def test_a_new_hls4ml_version_reruns_conversion_but_not_the_teacher(tiny_copy, monkeypatch, capsys):
    _, config = tiny_copy
    real = fingerprint.library_version

    def newer_hls4ml(name: str):
        return "9.9.9" if name == "hls4ml" else real(name)

    monkeypatch.setattr(fingerprint, "library_version", newer_hls4ml)
    status = _status(config, capsys)
    assert status["teacher"] == "up to date"
    assert "hls4ml 1.3.0 -> 9.9.9" in status["student"]  # the student is checked with hls4ml before training
    assert status["convert"].startswith("pending")
    assert all(status[name] != "up to date" for name in ("convert", "verify", "scores", "report"))


def test_a_new_compiler_reruns_the_stages_that_compile(tiny_copy, monkeypatch, capsys):
    _, config = tiny_copy
    real = fingerprint.tool_version

    def other_compiler(command):
        return "g++ (hypothetical) 99.1" if command[0] == "g++" else real(command)

    monkeypatch.setattr(fingerprint, "tool_version", other_compiler)
    status = _status(config, capsys)
    assert "g++" in status["verify"] and "99.1" in status["verify"]
    assert status["convert"] == "up to date"  # conversion writes C++ but does not compile it


def test_closure_follows_function_level_imports_and_skips_type_checking():
    modules, libraries = fingerprint.import_closure("cicada.pipeline.stages.teacher")
    assert "cicada.models.teachers.cicada" in modules and "cicada.core.tf" in modules
    assert "tensorflow" in libraries  # imported inside cicada.core.tf.tensorflow()
    assert "cicada.config.sections" not in modules  # only under `if TYPE_CHECKING:`
    assert "hls4ml" not in libraries and "cicada.firmware.convert" not in modules


def test_an_unreadable_stamp_counts_as_absent(tiny_copy, capsys):
    work, config = tiny_copy
    stamp = work / "models/tiny/.stamps/rates.json"
    stamp.write_text(stamp.read_text()[:50])
    assert _status(config, capsys)["rates"] == "never run"


# ------------------------------------------------------------------------------ registries
class ToyRing(SignalSample):
    """A ring of equal deposits around the detector at one eta (a toy kind for the registry test)."""

    kind: Literal["toy_ring"] = option("signal kind")
    et_gev: Number = option("ET of each of the 72 towers of the ring (GeV)", 5.0, gt=0.0)


@pytest.fixture
def toy_kind():
    @synthetic_signal("toy_ring", ToyRing)
    def add_ring(towers, sample, rng):
        towers[:, :, geo.N_TOWER_ETA // 2] += sample.et_gev

    yield
    SIGNAL_KINDS.unregister("toy_ring")


def test_a_signal_kind_added_through_the_registry_alone(toy_kind, in_tmp, capsys):
    assert "kind toy_ring: A ring of equal deposits" in schema_reference()
    assert "toy_ring" in json.dumps(json_schema())
    with pytest.raises(ConfigError, match="key 'data.signals\\[0\\].et_gv': unknown key; did you mean 'et_gev'"):
        config_from_mapping({"name": "x", "data": {"signals": [{"name": "r", "kind": "toy_ring", "et_gv": 3}]}})
    data = {**TINY["data"], "zero_bias_events": 50, "signals": [{"name": "ring", "kind": "toy_ring", "events": 20}]}
    path = write_config(in_tmp, {"name": "toy", "data": data})
    context, _ = build(load_config(path), path, until="data")
    assert context.results["data"].datasets["ring"].events == 20
    images = read_dataset(context.data_dir, "ring")
    # 5 GeV in each of the 4 towers of a region's ring = 40 LSB on top of pileup, in every phi region
    central = images[:, :, geo.N_ETA // 2]
    assert np.all(central >= 40)


class ToySettings(BackendSettings):
    """A toy synthesis backend for the registry test."""

    luts_per_parameter: Number = option("LUTs claimed per parameter", 3.0, ge=0.0)


@pytest.fixture
def toy_backend():
    @synthesis_backend
    class Toy(SynthesisBackend):
        name = "toy"
        description = "toy backend"
        settings = ToySettings

        def run(self, job):
            figure = job.settings.luts_per_parameter * 100
            resources = Resources("estimate: toy", {"LUT": figure})
            return SynthesisResult(self.name, "done", tool="toy 0.1", figures=Figures(resources=resources))

    yield
    BACKENDS.unregister("toy")


def test_a_synthesis_backend_added_through_the_registry_alone(toy_backend, tiny_copy, capsys):
    work, config = tiny_copy
    text = schema_reference()
    assert "toy:" in text and "luts_per_parameter: LUTs claimed per parameter" in text
    with pytest.raises(ConfigError, match="key 'synthesis.toy.luts_per_paramter': unknown key; did you mean"):
        config_from_mapping({"name": "x", "synthesis": {"toy": {"luts_per_paramter": 1}}})
    changed = write_config(
        work, {**TINY, "synthesis": {**TINY["synthesis"], "toy": {"luts_per_parameter": 2}}}, "toy.yaml"
    )
    context, outcomes = build(load_config(changed), changed)
    assert [o.name for o in outcomes if not o.reused] == ["synthesis", "report"]
    toy = context.results["synthesis"].backends["toy"]
    assert toy.status == "done" and toy.figures.resources.count("LUT") == 200
    report = json.loads((work / "hls_projects/tiny/report.json").read_text())
    assert report["synthesis"]["toy"]["details"]["resources"]["LUT"] == 200
    assert report["resources"]["toy"] == {"available": True, "LUT": 200, "source": "estimate: toy"}
    assert "| toy | 200 |" in (work / "hls_projects/tiny/report.md").read_text()


def test_every_command_is_listed_in_help(capsys):
    from cicada.commands import COMMANDS

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)


# ------------------------------------------------------------------------- floors and sizes
#: The floors, lowest first (docs/architecture.md): a module may import from its own floor or a lower
#: one, never from a higher one. Each name is a subpackage of cicada (or a top-level module: ``cicada``
#: is the package itself, which holds the version; ``plugins`` is the loader; ``cli`` the parser).
FLOORS = (
    ("core", "cicada", "plugins"),
    ("config",),
    ("data",),
    ("models",),
    ("firmware",),
    ("synthesis",),
    ("layers",),
    ("evaluation",),
    ("pipeline",),
    ("tracking",),
    ("scan",),
    ("commands", "cli", "__main__"),
)
FLOOR_OF = {unit: level for level, units in enumerate(FLOORS) for unit in units}
#: The most lines a module may have: past that it holds more than one idea.
MAX_LINES = 500
PACKAGE_DIR = fingerprint.PACKAGE_DIR


def _module_files() -> dict[str, Path]:
    files = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


def _unit(module: str) -> str:
    """The subpackage (or top-level module) a cicada module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _is_type_checking(test) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, path) -> list[tuple[str, int, bool]]:
    """(cicada module imported, line, under TYPE_CHECKING) for every import in ``module``: at module
    level, inside functions and under ``if TYPE_CHECKING:`` alike."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int, bool]] = []

    def visit(node, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for item in child.body:
                    visit_one(item, True)
                for item in child.orelse:
                    visit_one(item, type_checking)
            else:
                visit_one(child, type_checking)

    def visit_one(node, type_checking: bool) -> None:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            names = [f"{base}.{alias.name}" for alias in node.names] or [base]
            names = [n if fingerprint.module_path(n) is not None else base for n in names]
        for name in names:
            if name == "cicada" or name.startswith("cicada."):
                found.append((name, node.lineno, type_checking))
        visit(node, type_checking)

    visit(ast.parse(path.read_text()), False)
    return found


def _import_edges() -> list[tuple[str, str, int, bool]]:
    """(importer, imported, line, under TYPE_CHECKING) for every import between cicada modules."""
    edges = []
    for module, path in _module_files().items():
        for imported, line, type_checking in _imports(module, path):
            edges.append((module, imported, line, type_checking))
    return edges


def test_every_subpackage_has_a_floor():
    assert not {_unit(m) for m in _module_files()} - set(FLOOR_OF)


def test_no_import_points_to_a_higher_floor():
    """Imports inside functions and under ``if TYPE_CHECKING:`` count too: a lower floor never
    knows a higher one, not even by its types."""
    upward = sorted(
        {
            f"{_module_files()[a].relative_to(PACKAGE_DIR.parent)}:{line} imports {b}"
            f" ({_unit(a)} -> {_unit(b)}){' under TYPE_CHECKING' if tc else ''}"
            for a, b, line, tc in _import_edges()
            if FLOOR_OF[_unit(b)] > FLOOR_OF[_unit(a)]
        }
    )
    assert not upward, "imports from a lower floor up:\n" + "\n".join(upward)


def test_no_import_cycle_between_subpackages():
    graph: dict[str, set[str]] = {}
    for a, b, _, _ in _import_edges():
        if _unit(a) != _unit(b):
            graph.setdefault(_unit(a), set()).add(_unit(b))
    # strongly connected components (Tarjan): any with more than one member is a cycle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    assert not cycles, f"subpackages importing each other: {cycles}"


def test_no_module_is_over_the_line_limit():
    long = {
        str(path.relative_to(PACKAGE_DIR.parent)): n
        for path in _module_files().values()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_only_the_loader_imports_by_name():
    """Plug-ins are imported by name in one place, cicada/plugins.py; anywhere else an import by
    name would hide a dependency from this test and from the fingerprints."""
    by_name = []
    for module, path in _module_files().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "import_module"
                or (isinstance(node, ast.Name) and node.id in ("import_module", "__import__"))
            ):
                by_name.append(f"{module}:{node.lineno}")
    assert {entry.split(":")[0] for entry in by_name} <= {"cicada.plugins"}, by_name


# ------------------------------------------------------------------------------ the loader
def _registries() -> dict[str, Any]:
    """Every registry of cicada (``NAME = Registry(...)`` at a module's top level), keyed by
    ``module.NAME``, after the loader has run."""
    from cicada import plugins

    plugins.load()
    found = {}
    for module, path in _module_files().items():
        for node in ast.parse(path.read_text()).body:
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "Registry":
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                found[f"{module}.{target.id}"] = getattr(importlib.import_module(module), target.id)
    return found


def _entry_modules(entry) -> set[str]:
    """The modules whose code a registry entry runs: a class's or a function's own, an instance's
    class's, or for a record (a dataclass) those of the classes and functions it holds."""
    if dataclasses.is_dataclass(entry) and not isinstance(entry, type):
        values = [getattr(entry, field.name) for field in dataclasses.fields(entry)]
        return {v.__module__ for v in values if isinstance(v, type) or inspect.isfunction(v)}
    if isinstance(entry, type) or inspect.isfunction(entry):
        return {entry.__module__}
    return {type(entry).__module__}


def test_the_loader_fills_every_registry():
    from cicada import plugins

    registries = _registries()
    kinds = {registry.kind for registry in registries.values()}
    assert kinds - {"command"} <= set(plugins.BUILT_IN), kinds - set(plugins.BUILT_IN)
    for registry in registries.values():
        assert len(registry), f"the {registry.kind} registry is empty after cicada.plugins.load()"


def test_a_stage_that_reads_a_registry_has_every_entry_in_its_fingerprint():
    """The loader imports plug-ins by name, which no fingerprint sees: a stage whose code reads a
    registry must import the modules that fill it (their package), or a change to an entry would
    not rerun it."""
    import cicada.pipeline.stages as stages

    registries = _registries()
    missing = []
    for stage in (p.stem for p in Path(stages.__file__).parent.glob("*.py") if p.stem != "__init__"):
        closure = set(fingerprint.import_closure(f"cicada.pipeline.stages.{stage}")[0])
        for key, registry in registries.items():
            if key.rpartition(".")[0] not in closure:
                continue
            for name, entry in registry.items():
                absent = _entry_modules(entry) - closure
                if absent:
                    missing.append(f"stage {stage}: {registry.kind} {name!r} ({', '.join(sorted(absent))})")
    assert not missing, "\n".join(missing)


def test_a_backends_report_section_reruns_the_report_not_the_synthesis():
    """No backend imports its report section: the report's fingerprint holds every section, the synthesis
    stage's none (a wording change must not rerun the vendor flow), and both hold the figures' records."""
    from cicada.synthesis.sections import REPORT_SECTIONS

    sections = {type(section).__module__ for _, section in REPORT_SECTIONS.items()} | {"cicada.synthesis.sections"}
    synthesis = set(fingerprint.import_closure("cicada.pipeline.stages.synthesis")[0])
    report = set(fingerprint.import_closure("cicada.pipeline.stages.report")[0])
    assert sections <= report and not sections & synthesis, sections & synthesis
    records = {"cicada.core.synthesis_figures", "cicada.synthesis.vendor_figures", "cicada.synthesis.rtl.figures"}
    assert records <= synthesis & report


#: A layer type's home (cicada/layers/<type>/) holds one module per registry; cicada/layers/<kind>.py lists them.
LAYER_RULE_KINDS = ("keras", "precision", "integer", "trace")


def test_every_layer_rule_is_listed_and_a_list_holds_one_kind_of_rule():
    """Each rule module of a home is imported by its kind's list (the loader's entry and what a stage imports),
    a home holds nothing else and imports nothing in its ``__init__``, and the closure of a kind's list holds
    no rule of another kind (so a stage that runs one kind of rule reruns for that kind alone)."""
    layers = PACKAGE_DIR / "layers"
    homes = sorted(p.parent.name for p in layers.glob("*/__init__.py"))
    for home in homes:
        modules = {p.stem for p in (layers / home).glob("*.py")} - {"__init__"}
        assert modules <= set(LAYER_RULE_KINDS), f"cicada/layers/{home}: {sorted(modules)}"
        assert not _imports(f"cicada.layers.{home}", layers / home / "__init__.py"), home
    assert not _imports("cicada.layers", layers / "__init__.py")
    for kind in LAYER_RULE_KINDS:
        listed = {imported for imported, _, _ in _imports(f"cicada.layers.{kind}", layers / f"{kind}.py")}
        present = {f"cicada.layers.{home}.{kind}" for home in homes if (layers / home / f"{kind}.py").exists()}
        assert listed == present, f"cicada/layers/{kind}.py lists {sorted(listed)}, the homes hold {sorted(present)}"
        closure = fingerprint.import_closure(f"cicada.layers.{kind}")[0]
        others = [m for m in closure if m.startswith("cicada.layers.") and m.rpartition(".")[2] in LAYER_RULE_KINDS]
        assert all(m.endswith(f".{kind}") for m in others), others


@pytest.mark.parametrize(
    "first",
    [
        "cicada.config.sections",
        "cicada.data.signals.dijet_resonance",
        "cicada.synthesis.rtl.backend",
        "cicada.layers.qdense.keras",
        "cicada.layers.qdense.precision",
        "cicada.layers.qdense.trace",
        "cicada.firmware.precision",
    ],
)
def test_any_module_may_be_imported_first(first):
    """No import-order rule: whatever is imported first, the config sees every built-in plug-in."""
    code = (
        f"import {first}\n"
        "from cicada.config.loader import config_from_mapping\n"
        "from cicada.config.reference import schema_reference\n"
        "config_from_mapping({'name': 'x'})\n"
        "text = schema_reference()\n"
        "assert 'kind detector_fault' in text and 'rtl:' in text and 'type QDense' in text, text\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_report_is_rewritten_when_a_stage_finds_something_new_in_the_same_files(tmp_path):
    """The report writes the stages' results, not only their files: a verify whose code changed and whose files
    came out the same (a new figure in its result) must change the report's fingerprint."""
    from cicada.pipeline.build import make_context
    from cicada.pipeline.engine import components
    from cicada.pipeline.stages import report

    context = make_context(config_from_mapping(TINY), tmp_path / "config.yaml", tmp_path)
    upstream = {name: "same files" for name in report.STAGE.upstream}
    context.results["verify"] = {"float_agreement": None}
    before = components(report.STAGE, context, upstream)
    assert components(report.STAGE, context, upstream) == before
    context.results["verify"] = {"float_agreement": {"share_within": 0.999}}
    assert components(report.STAGE, context, upstream) != before
