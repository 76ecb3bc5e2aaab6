"""Datasets from real files (CICADA's HDF5 format) and `cicada show`."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from cicada.cli import main
from cicada.config.loader import load_config
from cicada.core.errors import ConfigError, DataError
from cicada.data.hdf5 import read_regions
from cicada.pipeline.build import build

from .conftest import write_config

pytestmark = pytest.mark.slow  # trains models, compiles firmware or runs Pythia


def _cicada_file(path, n, value_range=(0, 30), acceptance=None, seed=0):
    images = np.random.default_rng(seed).integers(*value_range, size=(n, 18, 14))
    with h5py.File(path, "w") as handle:
        handle["CaloRegions"] = images.astype(np.float32)  # CICADA's files hold floats
        if acceptance is not None:
            handle["AcceptanceFlag"] = acceptance
    return images


def _files_config(directory, **data):
    base = {
        "name": "real",
        "data": {
            "generator": "files",
            "zero_bias_files": ["zb1.h5", "zb2.h5"],
            "zero_bias_events": 150,
            "signals": [{"name": "sig", "kind": "files", "files": ["sig.h5"], "use_acceptance": True, "events": 500}],
            **data,
        },
    }
    return write_config(directory, base)


def test_datasets_from_files_split_and_filter(in_tmp):
    inputs = in_tmp / "inputs"
    inputs.mkdir()
    _cicada_file(inputs / "zb1.h5", 100, seed=1)
    _cicada_file(inputs / "zb2.h5", 100, seed=2)
    flags = np.array([True, False] * 20)
    signal = _cicada_file(inputs / "sig.h5", 40, (0, 1024), acceptance=flags, seed=3)
    config_path = _files_config(inputs)  # relative file names resolve against the config's folder
    context, _ = build(load_config(config_path), config_path, until="data")
    events = {k: v.events for k, v in context.results["data"].datasets.items()}
    assert events == {"zero_bias_train": 75, "zero_bias_val": 15, "zero_bias_test": 60, "sig": 20}
    assert np.array_equal(read_regions(context.data_dir / "sig.h5"), signal[flags])
    # all zero-bias events come from the inputs (shuffled across both files)
    combined = np.concatenate([read_regions(context.data_dir / f"zero_bias_{p}.h5") for p in ("train", "val", "test")])
    assert combined.max() < 30 and len(np.unique(combined.reshape(150, -1), axis=0)) == 150

    # replacing an input file's content makes the data stage run again
    _cicada_file(inputs / "zb2.h5", 100, seed=9)
    _, outcomes = build(load_config(config_path), config_path, until="data")
    assert not outcomes[0].reused


def test_bad_input_file_names_the_file(in_tmp):
    _cicada_file(in_tmp / "zb1.h5", 100)
    with h5py.File(in_tmp / "zb2.h5", "w") as handle:
        handle["CaloRegions"] = np.zeros((10, 14, 18))
    _cicada_file(in_tmp / "sig.h5", 10)
    config_path = _files_config(in_tmp)
    with pytest.raises(DataError, match=r"zb2.h5: 'CaloRegions' has shape \(10, 14, 18\), expected \(N, 18, 14\)"):
        build(load_config(config_path), config_path, until="data")
    assert not list((in_tmp / "models").rglob("*.h5"))  # nothing written


def test_files_generator_needs_files(tmp_path):
    path = write_config(tmp_path, {"data": {"generator": "files"}})
    with pytest.raises(ConfigError, match="key 'data.zero_bias_files': expected at least one HDF5 file"):
        load_config(path)


def test_show_draws_and_prints_statistics(in_tmp, capsys):
    _cicada_file(in_tmp / "zb.h5", 50)
    assert main(["show", str(in_tmp / "zb.h5")]) == 0
    out = capsys.readouterr().out
    assert "total_et_mean" in out and "empty_region_fraction" in out and "zb.png" in out
    assert (in_tmp / "zb.png").read_bytes()[:4] == b"\x89PNG"


def test_show_on_a_bad_file_is_one_error_line(in_tmp, capsys):
    (in_tmp / "junk.h5").write_text("not hdf5")
    assert main(["show", str(in_tmp / "junk.h5")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "junk.h5: not a readable HDF5 file" in err[0]


def test_only_the_events_used_are_read_from_a_large_file(tmp_path):
    """A file far larger than what a build uses is read in slices: memory follows the events
    taken, not the file (once, 20M events were read whole for 3,000)."""
    import tracemalloc

    from cicada.core.seeds import numpy_stream
    from cicada.data.files import read_shuffled

    path = tmp_path / "large.h5"
    with h5py.File(path, "w") as handle:  # 400,000 events = 202 MB as uint16, little on disk
        dataset = handle.create_dataset(
            "CaloRegions", (400_000, 18, 14), dtype=np.uint16, chunks=(4096, 18, 14), compression="lzf"
        )
        dataset[:4096] = 7
    tracemalloc.start()
    try:
        images = read_shuffled([path], 3000, numpy_stream(1, "test"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert images.shape == (3000, 18, 14)
    assert peak < 50e6, f"peak {peak / 1e6:.0f} MB"
