"""The data stage with the Pythia generator: pool, pileup overlay, Pythia and synthetic signals."""

from __future__ import annotations

import numpy as np
import pytest

from cicada.config.loader import load_config
from cicada.core.errors import ConfigError
from cicada.data.hdf5 import read_attrs, read_regions
from cicada.data.imagestats import hottest_region
from cicada.pipeline.build import build

from .conftest import write_config

pytestmark = pytest.mark.slow  # trains models, compiles firmware or runs Pythia

PYTHIA = {
    "name": "py",
    "seed": 3,
    "data": {
        "generator": "pythia",
        "zero_bias_events": 200,
        "pythia": {"pool_events": 30, "cache_dir": "cache"},
        "signals": [
            {
                "name": "zprime",
                "kind": "pythia",
                "events": 6,
                "process": "zprime_leptons",
                "params": {"mass_gev": 1000},
            },
            {"name": "dijet", "kind": "dijet_resonance", "events": 50},
        ],
    },
}


def test_pythia_datasets(in_tmp, capsys):
    path = write_config(in_tmp, PYTHIA)
    context, _ = build(load_config(path), path, until="data")
    zero_bias = np.concatenate([read_regions(context.data_dir / f"zero_bias_{p}.h5") for p in ("train", "val", "test")])
    assert zero_bias.shape == (200, 18, 14) and zero_bias.dtype == np.uint16
    totals = zero_bias.reshape(200, -1).sum(axis=1) * 0.5
    assert 300 < totals.mean() < 1500  # mu = 60 min-bias: roughly 1 TeV of measured region ET
    attrs = read_attrs(context.data_dir / "zero_bias_train.h5")
    assert attrs["generator"] == "pythia" and attrs["pythia_version"] == "8.317.2" and len(attrs["pileup_pool"]) == 64
    zprime = read_regions(context.data_dir / "zprime.h5")
    assert zprime.shape == (6, 18, 14)
    # Z' -> ee/mumu at 1 TeV: electron events carry ~2 x 450 GeV x 0.95 in two regions; muon events add nothing
    assert np.max(hottest_region(zprime)) > 400
    dijet = read_regions(context.data_dir / "dijet.h5")
    assert np.median(hottest_region(dijet)) > 5 * np.median(hottest_region(zero_bias))
    assert list((in_tmp / "cache").glob("*.npz"))  # the pool is cached for the next build


def test_pythia_slices_and_pileup_variations(in_tmp):
    from cicada.data.datasets import ZERO_BIAS_SLICES, ZERO_BIAS_TEST, rate_sample_weights
    from cicada.data.hdf5 import read_event_weights, read_pileup, read_pt_hat

    data = {**PYTHIA["data"], "signals": PYTHIA["data"]["signals"][1:]}
    data |= {"slices": {"events": 4, "pt_hat_edges": [30, 200]}, "pileup_variations": [30]}
    path = write_config(in_tmp, {**PYTHIA, "data": data})
    context, _ = build(load_config(path), path, until="data")
    slices = context.data_dir / f"{ZERO_BIAS_SLICES}.h5"
    pt_hat = read_pt_hat(slices)
    # (Pythia puts heavy-quark pairs a little below pTHatMin: its cut is on the massive pT)
    assert np.all(pt_hat[:4] > 29) and np.all(pt_hat[:4] < 200) and np.all(pt_hat[4:] > 198)
    weights = read_event_weights(slices)
    # a 200+ GeV scatter is thousands of times rarer than a 30-200 GeV one
    assert 0 < weights[4:].max() < weights[:4].min() / 100
    assert abs(read_pileup(context.data_dir / "zero_bias_mu30.h5").mean() - 30) < 5
    rate = rate_sample_weights(context.data_dir, load_config(path).data)
    assert sum(w.sum() for w in rate.values()) == pytest.approx(1.0)
    assert len(rate[ZERO_BIAS_TEST]) == 80


def test_pythia_signal_needs_pythia_generator_and_valid_params(tmp_path):
    data = {"signals": [{"name": "z", "kind": "pythia", "process": "zprime_leptons"}]}
    with pytest.raises(ConfigError, match="key 'data.signals\\[0\\].kind': expected generator: pythia"):
        load_config(write_config(tmp_path, {"data": data}))
    data = {
        "generator": "pythia",
        "signals": [{"name": "z", "kind": "pythia", "process": "zprime_leptons", "params": {"mass": 1000}}],
    }
    with pytest.raises(ConfigError, match="key 'data.signals\\[0\\].params'.*has no parameter mass.*mass_gev"):
        load_config(write_config(tmp_path, {"data": data}))


def test_missing_pythia_package_is_one_clear_error(in_tmp, monkeypatch, capsys):
    import builtins

    from cicada.cli import main

    real_import = builtins.__import__

    def without_pythia(name, *args, **kwargs):
        if name == "pythia8mc":
            raise ImportError("No module named 'pythia8mc'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_pythia)
    path = write_config(
        in_tmp, {**PYTHIA, "data": {**PYTHIA["data"], "pythia": {"pool_events": 30, "cache_dir": "empty"}}}
    )
    assert main(["data", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: data.generator is 'pythia' but") and "pip install" in err
