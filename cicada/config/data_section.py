"""The ``data`` section of a build config: where zero-bias comes from, its size, split and pileup,
the weighted hard-scatter slices, and the signal samples.

``data.signals`` takes its kinds from the signal-kind registry and ``data.generator`` its names
from the zero-bias generators' (:mod:`cicada.config.registries`), so a new kind or generator
appears here without an edit. The rest of the build config is in :mod:`.sections`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from pydantic import model_validator

from ..core import detector
from ..plugins import load as load_plugins
from .model import ConfigModel, Flag, Integer, Number, OneOf, TaggedUnion, Text, invalid, option, rebuild_on_change
from .ntuples import NtupleOptions
from .registries.generators import ZERO_BIAS_GENERATORS
from .registries.signals import SIGNAL_KINDS, SignalSample

# The section is built from the registries: the built-in plug-ins fill them first.
load_plugins()

#: a ``data.signals`` entry: its ``kind`` picks the model from the signal-kind registry
Signal = Annotated[SignalSample, TaggedUnion(SIGNAL_KINDS, "kind", lambda kind: kind.config)]


class SplitConfig(ConfigModel):
    """Fractions of the zero-bias sample for training, validation and test."""

    train: Number = option("training fraction", 0.5, gt=0.0, le=1.0)
    val: Number = option("validation fraction", 0.1, gt=0.0, le=1.0)
    test: Number = option("test fraction (scored by the firmware for rates)", 0.4, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _adds_up(self):
        total = self.train + self.val + self.test
        if abs(total - 1.0) > 1e-6:
            raise invalid(f"expected train + val + test = 1, got {total:g}")
        return self


DEFAULT_SIGNALS = (
    {"name": "dijet_1tev", "kind": "dijet_resonance", "events": 2000, "mass_gev": 1000.0},
    {"name": "egamma", "kind": "isolated_egamma", "events": 2000},
    {"name": "soft_spray", "kind": "soft_spray", "events": 2000},
)


class ResponseConfig(ConfigModel):
    """Calorimeter response of the Pythia generator (defaults: cicada.core.detector)."""

    curl_pt_gev: Number = option(
        "charged particles below this pT curl before the barrel calorimeter", detector.CURL_PT_GEV, ge=0.0
    )
    hadron_response: Number = option("fraction of a hadron's ET measured", detector.HADRON_RESPONSE, ge=0.0, le=2.0)
    em_response: Number = option(
        "fraction of an electron's or photon's ET measured", detector.EM_RESPONSE, ge=0.0, le=2.0
    )


class PythiaConfig(ConfigModel):
    """Pythia 8 generation (CP5 tune, 13.6 TeV): a min-bias pool, pileup overlaid from it."""

    pool_events: Integer = option("min-bias events in the pileup pool (generated once, cached)", 5000, ge=10)
    cache_dir: Text = option("where pools are cached (shared by builds)", "models/.pythia_cache")
    response: ResponseConfig = option("detector response", ResponseConfig())


class SlicesConfig(ConfigModel):
    """Hard-scatter events in pT-hat slices on pileup, weighted by the share of crossings each stands
    for (dataset zero_bias_slices): they fill the zero-bias tail where trigger thresholds lie."""

    events: Optional[Integer] = option(
        "events per slice; null: zero_bias_events / 50 (10,000 for 500,000), at least 50; 0: no slices (the default "
        "with generator: files)",
        None,
        ge=0,
    )
    pt_hat_edges: tuple[Number, ...] = option(
        "slice edges in pT-hat of the hardest scatter (GeV), increasing; the last slice is open above. Zero-bias "
        "test events whose hardest scatter lies below the first edge stand for the rest of the crossings",
        (30.0, 45.0, 70.0, 100.0, 150.0, 220.0, 330.0, 500.0),
    )

    @model_validator(mode="after")
    def _increasing(self):
        edges = self.pt_hat_edges
        if not edges:
            raise invalid("expected at least one edge", "pt_hat_edges")
        if edges[0] < MIN_SLICE_PT_HAT_GEV:
            raise invalid(
                f"expected a first edge of at least {MIN_SLICE_PT_HAT_GEV:g} GeV (hard QCD is not defined below), got "
                f"{edges[0]:g}",
                "pt_hat_edges",
            )
        if any(b <= a for a, b in zip(edges, edges[1:])):
            raise invalid(f"expected increasing edges, got {list(edges)}", "pt_hat_edges")
        return self


#: Below this pT-hat 2 -> 2 QCD diverges (Pythia regularises it only in multiparton interactions).
MIN_SLICE_PT_HAT_GEV = 10.0
#: Default events per slice: the zero-bias sample size over this, at least MIN_AUTO_SLICE_EVENTS.
SLICE_EVENTS_DIVISOR = 50
MIN_AUTO_SLICE_EVENTS = 50


@rebuild_on_change(SIGNAL_KINDS, ZERO_BIAS_GENERATORS)
class DataConfig(ConfigModel):
    """Calorimeter region images: zero-bias (train/val/test) and signals."""

    generator: Annotated[str, OneOf(ZERO_BIAS_GENERATORS)] = option(
        "where zero-bias comes from: synthetic (embedded, numpy), pythia (Pythia 8 min-bias pool, "
        "pip install .[pythia]), files (zero_bias_files: HDF5 or ROOT ntuples)",
        "synthetic",
    )
    synthetic_model: Literal["v1", "v2"] = option(
        "generator synthetic: its pileup model. v1: calibrated against Pythia 8 at mu = 60 on the hottest "
        "regions, 3x3 jets, an HT-like sum and total ET (tools/calibrate_zero_bias.py): the data of earlier versions, "
        "byte for byte; v2: also on what an anomaly score sees, with a share of the soft deposits in sprays "
        "(neighbour correlations, regions above 5-20 GeV, eta and phi profiles; tools/calibrate_zero_bias_texture.py). "
        "v2 changes the data and every model trained on it, so a config chooses it explicitly",
        "v1",
    )
    pileup: Number = option("mean number of pileup interactions per crossing", 60.0, ge=0.0, le=300.0)
    zero_bias_events: Integer = option(
        "zero-bias events before the split (generator files: the most to read)", 100_000, ge=10
    )
    zero_bias_files: tuple[Text, ...] = option(
        "generator files: zero-bias events in HDF5 files (CaloRegions plain or compound, or the 2026 teacher layout "
        "et/tauBits/egBits) or ROOT ntuples, relative to the config file's folder",
        (),
    )
    ntuples: NtupleOptions = option(
        "generator files: how ROOT ntuples among zero_bias_files are read (tree, branches, run list, trigger bit, "
        "region numbering, chunk size)",
        NtupleOptions(),
    )
    pythia: PythiaConfig = option("generator pythia: pool and detector response", PythiaConfig())
    split: SplitConfig = option("train/val/test fractions of the zero-bias events", SplitConfig())
    slices: SlicesConfig = option(
        "weighted hard-scatter slices for rates in the zero-bias tail (generators that simulate)", SlicesConfig()
    )
    pileup_variations: tuple[Number, ...] = option(
        "extra zero-bias test sets at these mean pileups, as large as zero_bias_test, named zero_bias_mu<pileup> "
        "(generators that simulate)",
        (),
    )
    signals: Optional[tuple[Signal, ...]] = option(
        "signal samples (at least one); null gives dijet_1tev, egamma and soft_spray", None
    )
    region_bits: Flag = option(
        "give each region its Layer-1 e/gamma and tau veto bits (egbit, taubit; 1 = vetoed) besides its ET, as CICADA "
        "2026 takes them: generated data sets them by the Layer-1 region logic, files must hold CaloRegions with "
        "fields et, egbit, taubit; every dataset is written in that compound layout. false: region ET only",
        False,
    )

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and raw.get("signals") is None:
            raw = {**raw, "signals": list(DEFAULT_SIGNALS)}
        if isinstance(raw, dict) and "slices" not in raw and not _simulates(raw.get("generator", "synthetic")):
            raw = {**raw, "slices": {"events": 0}}  # recorded data carries no pT-hat to stitch slices to
        return raw

    @model_validator(mode="after")
    def _consistent(self):
        if self.synthetic_model != "v1" and self.generator != "synthetic":
            raise invalid(
                f"expected v1 with generator '{self.generator}' (the model of the synthetic generator)",
                "synthetic_model",
            )
        if self.generator == "files" and not self.zero_bias_files:
            raise invalid("expected at least one HDF5 file or ROOT ntuple when generator is 'files'", "zero_bias_files")
        if self.generator != "files" and self.zero_bias_files:
            raise invalid(
                f"expected no files with generator '{self.generator}' (use generator: files)", "zero_bias_files"
            )
        if self.generator != "files" and self.ntuples != NtupleOptions():  # defaults written out are fine
            raise invalid(
                f"expected no ntuples settings with generator '{self.generator}' (they read zero_bias_files)", "ntuples"
            )
        if not _simulates(self.generator):
            if self.events_per_slice():
                raise invalid(
                    f"expected events: 0 with generator '{self.generator}' (recorded crossings carry no pT-hat to "
                    "stitch slices to)",
                    "slices.events",
                )
            if self.pileup_variations:
                raise invalid(
                    f"expected no pileup variations with generator '{self.generator}' (it cannot choose the pileup)",
                    "pileup_variations",
                )
        for i, mu in enumerate(self.pileup_variations):
            if not 0.0 <= mu <= 300.0:
                raise invalid(f"expected a pileup between 0 and 300, got {mu:g}", f"pileup_variations.{i}")
            if mu == self.pileup or mu in self.pileup_variations[:i]:
                raise invalid(
                    f"expected a pileup other than {mu:g} (given already, or the nominal one)", f"pileup_variations.{i}"
                )
        if not self.signals:
            raise invalid("expected at least one signal sample, got an empty list", "signals")
        signals: tuple[SignalSample, ...] = self.signals
        for i, sample in enumerate(signals):
            needed = SIGNAL_KINDS.get(sample.kind).requires_generator
            if needed and self.generator != needed:
                raise invalid(
                    f"expected generator: {needed} for {sample.kind} signals (they use its pileup)", f"signals.{i}.kind"
                )
        names = [s.name for s in signals]
        for i, name in enumerate(names):
            if name in names[:i] or name.startswith("zero_bias"):
                raise invalid(
                    f"expected a unique name not starting with 'zero_bias' (the zero-bias datasets' names), got {name!r}",
                    f"signals.{i}.name",
                )
        for part in ("train", "val", "test"):
            if round(self.zero_bias_events * getattr(self.split, part)) < 1:
                raise invalid(
                    f"expected a fraction that leaves at least one of {self.zero_bias_events} events", f"split.{part}"
                )
        return self

    def events_per_slice(self) -> int:
        """Events per hard-scatter slice (``slices.events``, or its default from ``zero_bias_events``)."""
        if self.slices.events is not None:
            return self.slices.events
        return max(self.zero_bias_events // SLICE_EVENTS_DIVISOR, MIN_AUTO_SLICE_EVENTS)

    def signal(self, name: str) -> SignalSample:
        return next(s for s in self.signals or () if s.name == name)


def _simulates(generator: Any) -> bool:
    """Whether the zero-bias generator of that name simulates crossings (unknown names: yes; the
    name's own check reports them)."""
    if not isinstance(generator, str) or generator not in ZERO_BIAS_GENERATORS:
        return True
    return ZERO_BIAS_GENERATORS.get(generator).simulates
