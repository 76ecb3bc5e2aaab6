"""Region files with bits: the 2025 CICADA compound layout read field for field, cicada's own files
read back (and read the way the 2026 scripts read them), bad files, and builds on such files."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from cicada.cli import main
from cicada.config.loader import load_config
from cicada.core.errors import DataError
from cicada.data.hdf5 import (
    PV_NPVS_GOOD_KEY,
    PV_NPVS_KEY,
    count_events,
    file_has_bits,
    iter_regions,
    read_pileup,
    read_pileup_info,
    read_region_rows,
    read_regions,
    write_regions,
)
from cicada.data.region_bits import REGION_DTYPE, has_bits, region_et, with_bits

from .conftest import TINY, write_config

#: The dtype of ``CaloRegions`` in the 2025 zero-bias files (what `cicada show` printed for them).
DTYPE_2025 = np.dtype([("et", "<u2"), ("egbit", "u1"), ("taubit", "u1")])


def parts(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    et = rng.integers(0, 1024, (n, 18, 14)).astype(np.uint16)
    eg, tau = (rng.random((2, n, 18, 14)) < [[[[0.8]]], [[[0.6]]]]).astype(np.uint8)
    return et, eg, tau


def write_2025_file(path, n: int = 40, flat: bool = False, seed: int = 0, dtype=DTYPE_2025, npvs=None, **extra):
    """A zero-bias file as the 2025 production writes it: CaloRegions compound, PV_npvs, PV_npvsGood."""
    et, eg, tau = parts(n, seed)
    records = np.empty((n, 18, 14), dtype=dtype)
    for name, values in (("et", et), ("egbit", eg), ("taubit", tau)):
        if name in (dtype.names or ()):
            records[name] = values
    rng = np.random.default_rng(seed + 1)
    all_vertices = rng.integers(20, 70, n)
    with h5py.File(path, "w") as handle:
        handle["CaloRegions"] = records.reshape(n, 252) if flat else records
        handle["PV_npvs"] = np.asarray(all_vertices if npvs is None else npvs, dtype=np.int16)
        handle["PV_npvsGood"] = (all_vertices * 0.8).astype(np.int16)
        for key, value in extra.items():
            handle[key] = value
    return et, eg, tau


@pytest.mark.parametrize("flat", [False, True], ids=["18x14", "252"])
def test_a_2025_compound_file_reads_field_for_field(tmp_path, flat):
    path = tmp_path / "zb2025.h5"
    et, eg, tau = write_2025_file(path, flat=flat)
    images = read_regions(path)
    assert images.dtype == REGION_DTYPE and images.shape == (40, 18, 14) and has_bits(images)
    assert np.array_equal(images["et"], et) and np.array_equal(images["egbit"], eg)
    assert np.array_equal(images["taubit"], tau)
    assert file_has_bits(path) and count_events(path) == 40
    rows = np.array([7, 3, 39, 3])
    assert np.array_equal(read_region_rows(path, rows), images[rows])
    assert np.array_equal(np.concatenate([chunk for _, chunk in iter_regions(path, chunk_rows=16)]), images)
    with h5py.File(path) as handle:
        expected_npvs = handle["PV_npvs"][()]
        expected_good = handle["PV_npvsGood"][()]
    assert np.array_equal(read_pileup(path, PV_NPVS_KEY), expected_npvs)
    key, counts = read_pileup_info(path)  # no NPileup: the good vertices are the pileup information
    assert key == PV_NPVS_GOOD_KEY and np.array_equal(counts, expected_good)


def test_a_cicada_file_with_bits_reads_back_and_as_the_2026_scripts_read_it(tmp_path):
    et, eg, tau = parts(30, seed=4)
    images = with_bits(et, eg, tau)
    npvs = np.arange(30) + 10
    path = write_regions(tmp_path / "bits.h5", images, {"generator": "test"}, pv_npvs=npvs, pv_npvs_good=npvs // 2)
    assert np.array_equal(read_regions(path), images)  # field for field, dtypes too
    assert read_pileup_info(path)[0] == PV_NPVS_GOOD_KEY
    # cicadaStudent_classic.getInputs of the 2026 production: fields by name, reshaped to (N, 252)
    with h5py.File(path) as handle:
        assert handle["CaloRegions"].dtype == DTYPE_2025
        calo = np.array(handle["CaloRegions"]["et"]).reshape((-1, 252))
        taubit = np.array(handle["CaloRegions"]["taubit"]).reshape((-1, 252))
        egbit = np.array(handle["CaloRegions"]["egbit"]).reshape((-1, 252))
        assert np.array_equal(np.array(handle["PV_npvs"]), npvs)
        assert np.array_equal(np.array(handle["PV_npvsGood"]), npvs // 2)
    assert np.array_equal(calo, et.reshape(-1, 252)) and np.array_equal(taubit, tau.reshape(-1, 252))
    assert np.array_equal(egbit, eg.reshape(-1, 252))


def test_et_only_files_keep_their_plain_layout(tmp_path):
    et = parts(10)[0]
    path = write_regions(tmp_path / "plain.h5", et)
    with h5py.File(path) as handle:
        assert handle["CaloRegions"].dtype == np.uint16 and handle["CaloRegions"].shape == (10, 18, 14)
    assert not file_has_bits(path) and np.array_equal(read_regions(path), et)
    assert read_pileup_info(path) is None


BAD_FILES = [
    ("missing field", {"dtype": np.dtype([("et", "<u2"), ("taubit", "u1")])}, "has no field 'egbit'"),
    (
        "float ET",
        {"dtype": np.dtype([("et", "<f4"), ("egbit", "u1"), ("taubit", "u1")])},
        "field 'et' has type float32, expected integer region ET",
    ),
    (
        "string bit",
        {"dtype": np.dtype([("et", "<u2"), ("egbit", "S1"), ("taubit", "u1")])},
        "field 'egbit' has type |S1, expected an integer or boolean bit",
    ),
    ("wrong length PV_npvs", {"npvs": np.arange(7)}, "'PV_npvs' has shape (7,), expected (40,) like CaloRegions"),
]


@pytest.mark.parametrize("case, options, message", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_compound_files_give_one_clear_error(tmp_path, case, options, message):
    path = tmp_path / "bad.h5"
    write_2025_file(path, **options)
    with pytest.raises(DataError) as error:
        read_regions(path)
        read_pileup_info(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("egbit", 2, "field 'egbit' spans 0..2, expected bits 0 or 1"),
        ("taubit", 255, "field 'taubit' spans 0..255, expected bits 0 or 1"),
        ("et", 1024, "field 'et' spans 0..1024, expected region ET 0..1023"),
    ],
)
def test_values_out_of_range_give_one_clear_error(tmp_path, field, value, message):
    path = tmp_path / "bad.h5"
    write_2025_file(path)
    with h5py.File(path, "r+") as handle:
        records = handle["CaloRegions"][()]
        records[field][3, 4, 5] = value
        records[field][0] = 0
        handle["CaloRegions"][...] = records
    with pytest.raises(DataError, match=f"^{path}: 'CaloRegions' {message}$".replace("(", r"\(").replace(")", r"\)")):
        read_regions(path)


def test_a_compound_file_of_another_shape_is_refused(tmp_path):
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as handle:
        handle["CaloRegions"] = np.zeros((5, 250), dtype=DTYPE_2025)
    with pytest.raises(DataError, match=r"has shape \(5, 250\), expected \(N, 18, 14\) or \(N, 252\)"):
        read_regions(path)


def test_vertex_counts_must_be_counts(tmp_path):
    path = tmp_path / "bad.h5"
    write_2025_file(path, npvs=np.full(40, -3))
    with pytest.raises(DataError, match="'PV_npvs' holds negative, fractional or non-finite values"):
        read_pileup(path, PV_NPVS_KEY)


# ------------------------------------------------------------------ builds on compound files
def _bits_config(directory, **data):
    config = {
        **TINY,
        "name": "bits",
        "data": {
            "generator": "files",
            "zero_bias_files": ["zb_a.h5", "zb_b.h5"],
            "zero_bias_events": 3000,
            "region_bits": True,
            "signals": [
                {"name": "egamma", "kind": "isolated_egamma", "events": 300},
                {"name": "vbf", "kind": "vbf_higgs_tautau", "events": 300},
            ],
            **data,
        },
    }
    return write_config(directory, config)


def _zero_bias_2025(directory, n=1600):
    """Two zero-bias files in the 2025 layout (one flat), realistic enough to train on."""
    from cicada.core.seeds import numpy_stream
    from cicada.data.synthetic.pileup import zero_bias_crossings

    images = zero_bias_crossings(2 * n, 60, numpy_stream(1, "files"), bits=True).images
    for index, name in enumerate(("zb_a.h5", "zb_b.h5")):
        part = images[index * n : (index + 1) * n].astype(DTYPE_2025)
        with h5py.File(directory / name, "w") as handle:
            handle["CaloRegions"] = part.reshape(n, 252) if index else part
            handle["PV_npvs"] = np.random.default_rng(index).integers(30, 70, n).astype(np.int16)
            handle["PV_npvsGood"] = (handle["PV_npvs"][()] * 0.9).astype(np.int16)
    return images


@pytest.mark.slow
def test_a_build_on_2025_zero_bias_files_keeps_the_bits_and_the_vertices(in_tmp, capsys):
    from cicada.pipeline.build import build

    source = _zero_bias_2025(in_tmp)
    path = _bits_config(in_tmp)
    context, _ = build(load_config(path), path, until="data")
    test_file = context.data_dir / "zero_bias_test.h5"
    for name in ("zero_bias_train", "zero_bias_val", "zero_bias_test", "egamma", "vbf"):
        assert file_has_bits(context.data_dir / f"{name}.h5"), name
    test = read_regions(test_file)
    # every zero-bias event is one of the inputs, bits and all
    known = {row.tobytes() for row in source.reshape(len(source), -1)}
    assert all(row.tobytes() in known for row in test.reshape(len(test), -1))
    key, counts = read_pileup_info(test_file)
    assert key == PV_NPVS_GOOD_KEY and len(counts) == len(test) and counts.min() >= 27
    assert read_pileup(test_file, PV_NPVS_KEY) is not None
    # cicada show draws the bit occupancy beside the ET maps
    assert main(["show", str(test_file), "-o", str(in_tmp / "zb.png")]) == 0
    out = capsys.readouterr().out
    assert "egbit_occupancy" in out and "taubit_occupancy" in out
    assert (in_tmp / "zb.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_an_et_only_build_reads_the_et_of_compound_files_and_bits_need_them(in_tmp):
    from cicada.pipeline.build import build

    source = _zero_bias_2025(in_tmp, n=400)
    path = _bits_config(in_tmp, region_bits=False, zero_bias_events=800)
    context, _ = build(load_config(path), path, until="data")
    train = read_regions(context.data_dir / "zero_bias_train.h5")
    assert train.dtype == np.uint16 and not file_has_bits(context.data_dir / "egamma.h5")
    known = {row.tobytes() for row in region_et(source).reshape(len(source), -1)}
    assert all(row.tobytes() in known for row in train.reshape(len(train), -1))
    # a build with bits refuses a plain file, naming it
    write_regions(in_tmp / "zb_b.h5", region_et(source[:400]))
    path = _bits_config(in_tmp, zero_bias_events=800)
    with pytest.raises(DataError, match=r"zb_b.h5: 'CaloRegions' holds region ET only, expected the compound layout"):
        build(load_config(path), path, until="data")
