"""CICADA's own inputs read directly: ROOT ntuples of Layer-1 regions (uproot) and the 2026 teacher
files, field for field; their selections (run list, trigger bit); the region numbering against
CMSSW's; every bad file as one clear error; `cicada ingest`, `show` and builds on them."""

from __future__ import annotations

import json
import re

import awkward as ak
import h5py
import numpy as np
import pytest
import uproot

from cicada.cli import main
from cicada.config.loader import load_config
from cicada.config.ntuples import NtupleOptions
from cicada.core import geometry as geo
from cicada.core.errors import ConfigError, DataError
from cicada.data.hdf5 import PV_NPVS_GOOD_KEY, PV_NPVS_KEY, read_attrs, read_pileup, read_regions, write_regions
from cicada.data.inputs.region_grid import GCT_ETA_FIRST
from cicada.data.inputs.table import detect_layout, open_source
from cicada.data.region_bits import REGION_DTYPE, region_et, with_bits

from .conftest import write_config

N_EVENTS = 30
RUNS = np.array([398027, 398040, 398081])


def region_images(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    et = rng.integers(0, 1024, (n, 18, 14)).astype(np.uint16)
    eg, tau = (rng.random((2, n, 18, 14)) < [[[[0.8]]], [[[0.6]]]]).astype(np.uint8)
    return with_bits(et, eg, tau)


def region_branches(images: np.ndarray, seed: int = 1, ieta_offset: int = 0) -> dict[str, np.ndarray]:
    """Per-region branches (n, 252) as CICADAInputTableProducer fills them, each event's regions in
    an order of its own (the scatter must follow iphi/ieta, not the entry order)."""
    n = len(images)
    cells = np.argsort(np.random.default_rng(seed).random((n, 252)), axis=1)
    rows = np.arange(n)[:, None]
    return {
        "Regions_iphi": (cells // 14).astype(np.int16),
        "Regions_ieta": (cells % 14 + ieta_offset).astype(np.int16),
        "Regions_et": images["et"].reshape(n, 252)[rows, cells].astype(np.int16),
        "Regions_taubit": images["taubit"].reshape(n, 252)[rows, cells].astype(np.uint8),
        "Regions_egbit": images["egbit"].reshape(n, 252)[rows, cells].astype(np.uint8),
    }


def event_branches(n: int, seed: int = 2) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    vertices = rng.integers(20, 70, n)
    return {
        "run": RUNS[np.arange(n) % len(RUNS)].astype(np.uint32),
        "L1_ZeroBias": rng.random(n) < 0.7,
        "PV_npvs": vertices.astype(np.int32),
        "PV_npvsGood": (vertices * 0.8).astype(np.int32),
    }


def write_ntuple(path, regions: dict, events: dict, tree: str = "Events", layout: str = "nanoaod", basket=None):
    """A ROOT file as NanoAOD stores a FlatTable (layout nanoaod: one counter nRegions for jagged
    Regions_* branches), with fixed-size array branches (fixed), or each jagged branch with its
    own counter (separate: branches may disagree in length); ``basket`` events per ROOT basket
    (default: all in one)."""
    with uproot.recreate(path) as handle:
        if layout == "nanoaod":
            table = ak.zip({name.removeprefix("Regions_"): _jagged(values) for name, values in regions.items()})
            data = {"Regions": table, **events}
        elif layout == "separate":
            data = {**{name: _jagged(values) for name, values in regions.items()}, **events}
        else:
            data = {**regions, **events}
        types = {
            name: (value.type if isinstance(value, ak.Array) else _branch_type(value)) for name, value in data.items()
        }
        handle.mktree(tree, types)
        n = len(next(iter(events.values())))
        step = basket or n
        for start in range(0, n, step):
            handle[tree].extend({name: value[start : start + step] for name, value in data.items()})
    return path


def _jagged(values):
    return values if isinstance(values, ak.Array) else ak.from_regular(ak.Array(values))


def _branch_type(values: np.ndarray):
    return np.dtype((values.dtype, values.shape[1:])) if values.ndim > 1 else values.dtype


def good_ntuple(path, n: int = N_EVENTS, seed: int = 0, **options):
    images = region_images(n, seed)
    events = event_branches(n, seed + 2)
    write_ntuple(path, region_branches(images, seed + 1), events, **options)
    return images, events


def error_of(call) -> str:
    with pytest.raises(DataError) as error:
        call()
    message = str(error.value)
    assert "\n" not in message
    return message


# ------------------------------------------------------------------ ntuples, field for field
@pytest.mark.parametrize("layout", ["nanoaod", "fixed"])
def test_an_ntuple_reads_field_for_field(tmp_path, layout):
    path = tmp_path / "zb.root"
    images, events = good_ntuple(path, layout=layout)
    source = open_source(path)
    assert detect_layout(path).name == "ntuple" and source.has_bits()
    read = source.read_all()
    assert read.dtype == REGION_DTYPE and np.array_equal(read, images)
    assert source.selection().events == source.count() == N_EVENTS and not source.selection().dropped
    # chunks of a few events, and rows in any order, give the same events
    small = open_source(path, NtupleOptions(chunk_events=7))
    chunks = list(small.chunks([PV_NPVS_KEY]))
    assert [chunk.start for chunk in chunks] == [0, 7, 14, 21, 28]
    assert np.array_equal(np.concatenate([chunk.images for chunk in chunks]), images)
    assert np.array_equal(np.concatenate([chunk.columns[PV_NPVS_KEY] for chunk in chunks]), events["PV_npvs"])
    rows = np.array([29, 3, 15, 3, 0])
    assert np.array_equal(small.read_rows(rows), images[rows])
    assert set(source.columns()) == {PV_NPVS_KEY, PV_NPVS_GOOD_KEY}  # no Pileup_nPU branch: no NPileup
    assert np.array_equal(source.column(PV_NPVS_GOOD_KEY), events["PV_npvsGood"])
    assert source.read_all(limit=4).shape == (4, 18, 14)


def test_the_run_list_and_the_trigger_bit_choose_the_events(tmp_path):
    path = tmp_path / "zb.root"
    images, events = good_ntuple(path)
    in_runs = np.isin(events["run"], RUNS[:2])
    fired = events["L1_ZeroBias"]
    source = open_source(path, NtupleOptions(runs=RUNS[:2].tolist(), trigger="L1_ZeroBias", chunk_events=8))
    kept = in_runs & fired
    assert np.array_equal(source.read_all(), images[kept])
    assert np.array_equal(source.column(PV_NPVS_KEY), events["PV_npvs"][kept])
    selection = source.selection()
    assert (selection.events, selection.kept) == (N_EVENTS, kept.sum())
    assert selection.dropped == {
        "not in the run list": (~in_runs).sum(),
        "without L1_ZeroBias": (in_runs & ~fired).sum(),
    }
    rows = np.arange(kept.sum())[::-1]
    assert np.array_equal(source.read_rows(rows), images[kept][rows])


RUN_FILES = {
    "runs.txt": "# good runs\n398027, 398081\n\n398027  # twice is once\n",
    "runs.json": json.dumps([398027, 398081]),
    "params.yaml": "files: {}\ngoodRuns:\n- 398027\n- 398081\nscore_name: x\n",
}


@pytest.mark.parametrize("name", RUN_FILES)
def test_run_lists_come_from_text_json_or_the_production_params(tmp_path, name):
    path = tmp_path / "zb.root"
    images, events = good_ntuple(path)
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / name).write_text(RUN_FILES[name])
    source = open_source(path, NtupleOptions(runs=f"lists/{name}"), base_dir=tmp_path)  # relative to base_dir
    assert np.array_equal(source.read_all(), images[np.isin(events["run"], [398027, 398081])])


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("golden.json", json.dumps({"398027": [[1, 40]]}), "a certification JSON (run -> luminosity sections)"),
        ("runs.txt", "398027 run398040\n", "line 1: 'run398040' is not a run number"),
        ("runs.yaml", "runs: [398027, -4]\n", "-4 is not a run number"),
        ("runs.json", "[398027,", "not valid JSON"),
    ],
)
def test_bad_run_lists_give_one_clear_error(tmp_path, name, text, message):
    path = tmp_path / "zb.root"
    good_ntuple(path, n=3)
    (tmp_path / name).write_text(text)
    error = error_of(lambda: open_source(path, NtupleOptions(runs=str(tmp_path / name))).count())
    assert error.startswith(f"{tmp_path / name}: ") and message in error


def test_region_numbering_follows_cmssw(tmp_path):
    """Regions land where CMSSW's numbering puts them in cicada's geometry: the Layer-1 unpacker
    gives CTP7 card n the phi index n and the CMS towers 4n - 1 .. 4n + 2 (1..72, tower k spanning
    phi 5(k - 1)..5k degrees); gctEta is 10 - r on the negative side and 11 + r on the positive side
    for Layer-1 region r (towers 4r + 1 .. 4r + 4 from eta = 0). CICADAInputTableProducer stores
    gctPhi and gctEta - 4."""
    centres_deg = (np.arange(1, 73) - 0.5) * 5.0
    for card in range(18):
        towers = (np.arange(4 * card - 1, 4 * card + 3) - 1) % 72 + 1
        phi = np.radians(centres_deg[towers - 1])
        phi = np.where(phi > np.pi, phi - 2 * np.pi, phi)
        assert set(geo.region_index(np.full(4, 0.1), phi)[0]) == {card}, card
    positive_edges = geo.TOWER_ETA_EDGES[geo.TOWER_ETA_EDGES.size // 2 :]
    for region in range(7):
        tower_centre = 0.5 * (positive_edges[4 * region + 1] + positive_edges[4 * region + 2])
        for sign, gct_eta in ((-1, 10 - region), (1, 11 + region)):
            assert geo.region_index(np.array([sign * tower_centre]), np.array([0.0]))[1][0] == gct_eta - GCT_ETA_FIRST
    # an image's region (iphi, ieta) is read back from a file that says so in either numbering
    images = region_images(4, seed=5)
    write_ntuple(tmp_path / "gct.root", region_branches(images, ieta_offset=GCT_ETA_FIRST), event_branches(4))
    assert np.array_equal(open_source(tmp_path / "gct.root", NtupleOptions(ieta_numbering="gct")).read_all(), images)
    error = error_of(lambda: open_source(tmp_path / "gct.root").read_all())
    assert re.search(r"entry 0: 'Regions_ieta' holds 1[4-7], expected 0\.\.13 \(ieta_numbering zero_based\)$", error)


# ------------------------------------------------------------------ bad ntuples: one error each
def _edited(name, event, region, value):
    def edit(branches):
        branches[name][event, region] = value

    return edit


def _duplicate(branches):
    # event 4's region 10 takes the place of its region 11: one region twice, another missing
    branches["Regions_iphi"][4, 11] = branches["Regions_iphi"][4, 10]
    branches["Regions_ieta"][4, 11] = branches["Regions_ieta"][4, 10]


BAD_NTUPLES = [
    ("iphi 18", _edited("Regions_iphi", 6, 0, 18), "entry 6: 'Regions_iphi' holds 18, expected 0..17"),
    ("ieta -1", _edited("Regions_ieta", 2, 9, -1), "entry 2: 'Regions_ieta' holds -1, expected 0..13"),
    ("duplicated region", _duplicate, "entry 4: region (iphi {phi}, ieta {eta}) appears 2 times in"),
    ("ET 1024", _edited("Regions_et", 8, 3, 1024), "entry 8: 'Regions_et' holds 1024, expected region ET 0..1023"),
    ("negative ET", _edited("Regions_et", 1, 3, -5), "entry 1: 'Regions_et' holds -5, expected region ET"),
    ("bit 2", _edited("Regions_taubit", 9, 0, 2), "entry 9: 'Regions_taubit' holds 2, expected bits 0 or 1"),
]


@pytest.mark.parametrize("case, edit, message", BAD_NTUPLES, ids=[case[0] for case in BAD_NTUPLES])
def test_bad_regions_give_one_error_naming_file_entry_and_branch(tmp_path, case, edit, message):
    images = region_images(12)
    branches = region_branches(images)
    edit(branches)
    path = write_ntuple(tmp_path / "bad.root", branches, event_branches(12))
    if case == "duplicated region":
        message = message.format(phi=branches["Regions_iphi"][4, 10], eta=branches["Regions_ieta"][4, 10])
    error = error_of(lambda: open_source(path, NtupleOptions(chunk_events=5)).read_all())
    assert error.startswith(f"{path}: ") and message in error


def test_events_with_missing_or_unequal_regions_are_refused(tmp_path):
    branches = region_branches(region_images(5))
    short = {name: ak.Array([list(row) if i != 3 else list(row[:251]) for i, row in enumerate(values)])
             for name, values in branches.items()}  # fmt: skip
    path = write_ntuple(tmp_path / "short.root", short, event_branches(5))
    assert "entry 3: 'Regions_et' holds 251 regions, expected 252" in error_of(open_source(path).read_all)
    unequal = {**branches, "Regions_ieta": short["Regions_ieta"]}
    path = write_ntuple(tmp_path / "unequal.root", unequal, event_branches(5), layout="separate")
    error = error_of(open_source(path).read_all)
    assert "entry 3: 'Regions_ieta' holds 251 values and 'Regions_et' 252" in error


def test_bad_trees_branches_and_selections_give_one_clear_error(tmp_path):
    images = region_images(4)
    path = write_ntuple(tmp_path / "zb.root", region_branches(images), event_branches(4), tree="Event")
    error = error_of(open_source(path).count)
    assert error == f"{path}: no tree 'Events' (trees: Event); expected the tree of one entry per event (ntuples.tree)"
    options = NtupleOptions(tree="Event", branches={"et": "Regions_Et"})
    assert "has no branch 'Regions_Et'; did you mean 'Regions_et'?" in error_of(open_source(path, options).count)
    events = {**event_branches(4), "L1_ZeroBias": np.array([0, 1, 3, 1], dtype=np.int32)}
    path = write_ntuple(tmp_path / "trigger.root", region_branches(images), events)
    error = error_of(open_source(path, NtupleOptions(trigger="L1_ZeroBias")).count)
    assert "entry 2: 'L1_ZeroBias' holds 3, expected a trigger bit" in error
    assert "'L1_SingleMu22' (" not in error_of(open_source(path, NtupleOptions(trigger="L1_SingleMu22")).count)
    error = error_of(open_source(path, NtupleOptions(runs=[1], branches={"run": "Regions_et"})).count)
    assert "'Regions_et' holds a list per event, expected one value per event" in error
    # a run list or trigger bit cannot select events of an HDF5 file
    h5 = write_regions(tmp_path / "plain.h5", region_et(images))
    error = error_of(lambda: open_source(h5, NtupleOptions(trigger="L1_ZeroBias")))
    assert "carries no run numbers or trigger bits" in error and error.startswith(f"{h5}: ")
    (tmp_path / "broken.root").write_bytes(path.read_bytes()[:2000])
    assert "not a readable ROOT file" in error_of(open_source(tmp_path / "broken.root").count)
    (tmp_path / "junk.root").write_text("not root")
    assert "named .root but not a ROOT file" in error_of(lambda: detect_layout(tmp_path / "junk.root"))


def test_without_uproot_a_root_input_says_how_to_install_it(tmp_path, monkeypatch):
    import builtins

    path = tmp_path / "zb.root"
    good_ntuple(path, n=2)
    real_import = builtins.__import__

    def no_uproot(name, *args, **kwargs):
        if name in ("uproot", "awkward"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_uproot)
    error = error_of(lambda: open_source(path))
    assert error == f"{path}: a ROOT file; reading ROOT ntuples needs uproot and awkward: pip install 'cicada[root]'"


# ------------------------------------------------------------------ the 2026 teacher layout
def write_teacher_file(path, images, **replace):
    """A teacher file as the 2026 production's saveGrids writes it: float64 et, tauBits, egBits."""
    data = {"et": images["et"], "tauBits": images["taubit"], "egBits": images["egbit"], **replace}
    with h5py.File(path, "w") as handle:
        for name, values in data.items():
            if values is not None:
                handle[name] = np.asarray(values, dtype=np.float64)
    return path


def test_a_teacher_file_reads_field_for_field(tmp_path):
    images = region_images(25, seed=3)
    path = write_teacher_file(tmp_path / "dataFiles_training_output.h5", images)
    source = open_source(path)
    assert source.layout.name == "teacher" and source.has_bits() and source.count() == 25
    assert np.array_equal(source.read_all(), images)
    rows = np.array([24, 0, 7, 7])
    assert np.array_equal(source.read_rows(rows), images[rows])
    assert source.columns() == ()


def _teacher_value(name, event, iphi, ieta, value):
    def edit(images):
        values = images[{"et": "et", "tauBits": "taubit", "egBits": "egbit"}[name]].astype(np.float64)
        values[event, iphi, ieta] = value
        return {name: values}

    return edit


BAD_TEACHER_FILES = [
    ("fractional ET", _teacher_value("et", 5, 2, 3, 12.5), "'et' holds 12.5 at event 5 (region iphi 2, ieta 3), expected whole numbers 0..1023"),
    ("ET 1024", _teacher_value("et", 1, 0, 0, 1024.0), "'et' holds 1024 at event 1 (region iphi 0, ieta 0), expected whole numbers"),
    ("NaN ET", _teacher_value("et", 2, 17, 13, np.nan), "'et' holds nan at event 2 (region iphi 17, ieta 13)"),
    ("bit 0.5", _teacher_value("tauBits", 3, 4, 4, 0.5), "'tauBits' holds 0.5 at event 3 (region iphi 4, ieta 4), expected bits 0 or 1"),
    ("bit 2", _teacher_value("egBits", 0, 1, 1, 2.0), "'egBits' holds 2 at event 0 (region iphi 1, ieta 1), expected bits 0 or 1"),
    ("missing egBits", lambda images: {"egBits": None}, "no dataset 'egBits' (found: et, tauBits)"),
    ("other length", lambda images: {"tauBits": images["taubit"][:5]}, "datasets hold 8 et, 5 tauBits, 8 egBits events"),
    ("flat", lambda images: {"et": images["et"].reshape(8, 252)}, "'et' has shape (8, 252), expected (N, 18, 14)"),
]  # fmt: skip


@pytest.mark.parametrize("case, edit, message", BAD_TEACHER_FILES, ids=[case[0] for case in BAD_TEACHER_FILES])
def test_bad_teacher_files_give_one_clear_error(tmp_path, case, edit, message):
    images = region_images(8, seed=6)
    path = write_teacher_file(tmp_path / "teacher.h5", images, **edit(images))
    error = error_of(lambda: open_source(path).read_all())
    assert error.startswith(f"{path}: ") and message in error
    if "holds" in message:  # rows read one by one name the same event
        assert message in error_of(lambda: open_source(path).read_rows(np.arange(8)[::-1]))


# ------------------------------------------------------------------ cicada ingest and cicada show
def test_ingest_writes_the_kept_events_as_cicada_files(in_tmp, capsys):
    images, events = good_ntuple(in_tmp / "zb.root")
    (in_tmp / "runs.txt").write_text("398027 398081\n")
    args = ["ingest", "zb.root", "-o", "zb.h5", "--runs", "runs.txt", "--trigger", "L1_ZeroBias", "--chunk-events", "9"]
    assert main(args) == 0
    kept = np.isin(events["run"], [398027, 398081]) & events["L1_ZeroBias"]
    out = capsys.readouterr().out
    assert f"zb.root: ntuple layout, {N_EVENTS} events, {kept.sum()} kept (" in out
    assert (
        f"zb.h5: {kept.sum()} events written, CaloRegions compound (et, egbit, taubit), with PV_npvs, PV_npvsGood"
        in out
    )
    assert np.array_equal(read_regions(in_tmp / "zb.h5"), images[kept])
    assert np.array_equal(read_pileup(in_tmp / "zb.h5", PV_NPVS_GOOD_KEY), events["PV_npvsGood"][kept])
    attrs = read_attrs(in_tmp / "zb.h5")
    assert json.loads(attrs["source_files"]) == ["zb.root"] and json.loads(attrs["ntuples"])["trigger"] == "L1_ZeroBias"
    # teacher files and cicada's own files in, one file out, in order
    write_teacher_file(in_tmp / "teacher.h5", images[:5])
    assert main(["ingest", "teacher.h5", "zb.h5", "-o", "both.h5"]) == 0
    assert np.array_equal(read_regions(in_tmp / "both.h5"), np.concatenate([images[:5], images[kept]]))
    assert "with PV" not in capsys.readouterr().out  # the teacher file has no vertex counts


def test_ingest_leaves_nothing_behind_when_a_bad_event_comes_mid_file(in_tmp, capsys):
    images = region_images(40)
    branches = region_branches(images)
    branches["Regions_iphi"][33, 100] = 25
    write_ntuple(in_tmp / "bad.root", branches, event_branches(40))
    assert main(["ingest", "bad.root", "-o", "out/zb.h5", "--chunk-events", "10"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error == ["error: bad.root: entry 33: 'Regions_iphi' holds 25, expected 0..17 (L1CaloRegion::gctPhi())"]
    assert list((in_tmp / "out").iterdir()) == []  # no output, no temporary file
    # refusals before anything is written: an input as output, a plain file with files with bits
    write_regions(in_tmp / "plain.h5", region_et(images))
    assert main(["ingest", "plain.h5", "-o", "plain.h5"]) == 2
    assert "plain.h5: is an input file; refusing to overwrite it" in capsys.readouterr().err
    write_teacher_file(in_tmp / "teacher.h5", images)
    assert main(["ingest", "teacher.h5", "plain.h5", "-o", "mixed.h5"]) == 2
    assert "plain.h5: holds region ET only and teacher.h5 images with bits" in capsys.readouterr().err
    assert main(["ingest", "teacher.h5", "-o", "x.h5", "--branch", "energy=Regions_et"]) == 2
    assert "--branch energy=Regions_et: expected KEY=NAME with KEY one of et, egbit" in capsys.readouterr().err
    assert main(["ingest", "teacher.h5", "-o", "x.h5", "--chunk-events", "0"]) == 2
    assert "command line: key 'chunk_events': expected a value >= 1, got 0" in capsys.readouterr().err
    assert not (in_tmp / "mixed.h5").exists() and not (in_tmp / "x.h5").exists()


def test_show_reads_an_ntuple_with_its_selection(in_tmp, capsys):
    images, events = good_ntuple(in_tmp / "zb.root")
    assert main(["show", "zb.root", "--trigger", "L1_ZeroBias", "-o", "zb.png"]) == 0
    out = capsys.readouterr().out
    fired = events["L1_ZeroBias"]
    assert f"events                       {fired.sum()}\n" in out and "layout                       ntuple" in out
    assert f"dropped without L1_ZeroBias  {(~fired).sum()}" in out
    mean_et = region_et(images[fired]).mean()
    assert f"region_et_mean               {mean_et:,.4g}" in out
    assert (in_tmp / "zb.png").read_bytes()[:4] == b"\x89PNG"


# ------------------------------------------------------------------ builds on ntuples and teacher files
def test_a_build_reads_ntuples_and_teacher_files_and_the_run_list_is_an_input(in_tmp):
    from cicada.pipeline.build import build

    zero_bias, events = good_ntuple(in_tmp / "zb.root", n=60, seed=10)
    signal, signal_events = good_ntuple(in_tmp / "signal.root", n=20, seed=20)
    teacher = region_images(12, seed=30)
    write_teacher_file(in_tmp / "vbf_teacher.h5", teacher)
    (in_tmp / "runs.yaml").write_text("goodRuns: [398027, 398040]\n")
    config = {
        "name": "ntuples",
        "data": {
            "generator": "files",
            "zero_bias_files": ["zb.root"],
            "zero_bias_events": 1000,
            "region_bits": True,
            "ntuples": {"runs": "runs.yaml", "trigger": "L1_ZeroBias", "chunk_events": 16},
            "signals": [
                {"name": "sig", "kind": "files", "files": ["signal.root"], "ntuples": {"trigger": "L1_ZeroBias"}},
                {"name": "vbf", "kind": "files", "files": ["vbf_teacher.h5"]},
            ],
        },
    }
    path = write_config(in_tmp, config)
    context, _ = build(load_config(path), path, until="data")
    kept = np.isin(events["run"], [398027, 398040]) & events["L1_ZeroBias"]
    splits = [read_regions(context.data_dir / f"zero_bias_{part}.h5") for part in ("train", "val", "test")]
    combined = np.concatenate(splits)
    assert len(combined) == kept.sum()  # every kept event, none of the others
    expected = {
        row.tobytes(): npvs for row, npvs in zip(zero_bias[kept].reshape(kept.sum(), -1), events["PV_npvs"][kept])
    }
    assert sorted(row.tobytes() for row in combined.reshape(len(combined), -1)) == sorted(expected)
    test_file = context.data_dir / "zero_bias_test.h5"
    test_images = read_regions(test_file)
    assert [int(v) for v in read_pileup(test_file, PV_NPVS_KEY)] == [
        expected[row.tobytes()] for row in test_images.reshape(len(test_images), -1)
    ]
    assert np.array_equal(read_regions(context.data_dir / "sig.h5"), signal[signal_events["L1_ZeroBias"]])
    assert np.array_equal(read_regions(context.data_dir / "vbf.h5"), teacher)
    # the run list is an input: another list makes the data again
    (in_tmp / "runs.yaml").write_text("goodRuns: [398027, 398081]\n")
    context, outcomes = build(load_config(path), path, until="data")
    assert not outcomes[0].reused
    kept = np.isin(events["run"], [398027, 398081]) & events["L1_ZeroBias"]
    assert (
        sum(len(read_regions(context.data_dir / f"zero_bias_{p}.h5")) for p in ("train", "val", "test")) == kept.sum()
    )


def test_ntuple_settings_are_checked_with_the_config(tmp_path):
    base = {"generator": "files", "zero_bias_files": ["zb.root"]}
    cases = [
        ({"ntuples": {"ieta_numbering": "signed"}}, "key 'data.ntuples.ieta_numbering': expected one of 'zero_based', 'gct'"),
        ({"ntuples": {"runs": []}}, "key 'data.ntuples.runs': expected at least one run number"),
        ({"ntuples": {"branches": {"ieta": "Regions_iphi"}}}, "key 'data.ntuples.branches.iphi': expected a branch of its own"),
        ({"generator": "synthetic", "zero_bias_files": [], "ntuples": {"tree": "Event"}}, "key 'data.ntuples': expected no ntuples settings with generator 'synthetic'"),
    ]  # fmt: skip
    for data, message in cases:
        with pytest.raises(ConfigError) as error:
            load_config(write_config(tmp_path, {"data": {**base, **data}}))
        assert message in str(error.value)


def test_reading_follows_the_chunk_not_the_file(tmp_path):
    """Memory follows ``chunk_events``: 10,000 events read 500 at a time (in baskets of 500, as
    NanoAOD's are a few thousand events) peak far below the file's images (10 MB) and its region
    branches (20 MB) held at once."""
    import tracemalloc

    n = 10_000
    images = np.zeros((n, 18, 14), dtype=REGION_DTYPE)
    images["et"] = np.arange(n * 252).reshape(n, 18, 14) % 1024
    write_ntuple(tmp_path / "large.root", region_branches(images, seed=4), event_branches(n), basket=500)

    def peak(chunk_events: int) -> float:
        source = open_source(tmp_path / "large.root", NtupleOptions(chunk_events=chunk_events))
        tracemalloc.start()
        try:
            assert sum(int(chunk.images["et"][:, 0, 0].sum()) for chunk in source.chunks()) == int(
                images["et"][:, 0, 0].sum()
            )
            return tracemalloc.get_traced_memory()[1] / 1e6
        finally:
            tracemalloc.stop()

    small, whole = peak(500), peak(n)
    assert small < 8 and whole > 5 * small, (small, whole)


def test_score_reads_a_root_ntuple_after_its_selection(byo_build, monkeypatch, tmp_path, capsys):
    from cicada.data.hdf5 import read_scores
    from cicada.firmware.emulator import FirmwareEmulator

    directory, config, _, code = byo_build
    assert code == 0
    monkeypatch.chdir(directory)
    images, events = good_ntuple(tmp_path / "signal.root", n=40)
    args = ["score", str(config), str(tmp_path / "signal.root"), "--trigger", "L1_ZeroBias", "--check-all"]
    assert main(args) == 0
    kept = events["L1_ZeroBias"]
    scores = read_scores(tmp_path / "signal.scores.h5")["signal"]
    expected = FirmwareEmulator(directory / "hls_projects" / "byo").predict(region_et(images[kept]))[:, 0]
    assert np.array_equal(scores["firmware"], expected)
    summary = json.loads((tmp_path / "signal.scores.json").read_text())
    assert summary["events"] == kept.sum()
    assert summary["selection"] == {"events_in_file": 40, "dropped": {"without L1_ZeroBias": int((~kept).sum())}}
    markdown = (tmp_path / "signal.scores.md").read_text()
    assert f"The file holds 40 events; dropped: {(~kept).sum()} without L1_ZeroBias." in markdown
    # a config with every default written out (cicada check, scan points) loads again
    from cicada.config.loader import config_from_mapping

    filled = load_config(write_config(tmp_path, {"name": "synthetic"})).plain()
    assert filled["data"]["ntuples"] == NtupleOptions().plain()
    assert config_from_mapping(filled).plain() == filled
