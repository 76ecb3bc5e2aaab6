"""How a ROOT ntuple of Layer-1 regions is read: tree, branches, selection, region numbering, chunks.

The defaults are the CICADA 2026 production's: the NanoAOD tree ``Events`` and the branches of
CMSSW's ``CICADAInputTableProducer`` (one entry per region, 252 per event), which its
``makeTrainingFile.py`` reads with uproot. The same model is ``data.ntuples`` (zero-bias files),
a ``kind: files`` signal's ``ntuples``, and what the flags of ``cicada show``, ``score`` and
``ingest`` build (:mod:`cicada.commands.ntuple_arguments`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from pydantic import PlainValidator, WithJsonSchema, model_validator

from .model import ConfigModel, Integer, Text, invalid, option, show


def _run_list(value: Any) -> tuple[int, ...] | str | None:
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            raise invalid("expected a list of run numbers or a run-list file, got an empty string")
        return value
    if isinstance(value, (list, tuple)):
        if not value:
            raise invalid("expected at least one run number, got an empty list (null keeps every run)")
        for run in value:
            if isinstance(run, bool) or not isinstance(run, int) or run < 0:
                raise invalid(f"expected run numbers (integers >= 0), got {show(run)}")
        return tuple(value)
    raise invalid(f"expected a list of run numbers or the path of a run-list file, got {show(value)}")


#: ``runs``: inline run numbers, or the path of a run-list file (:mod:`.run_list` reads it).
#: (Typed ``Any`` for pydantic: the validator alone decides, and a union would re-check the tuple on dumping.)
RunList = Annotated[
    Any,
    PlainValidator(_run_list),
    WithJsonSchema(
        {"anyOf": [{"type": "array", "items": {"type": "integer", "minimum": 0}}, {"type": "string"}, {"type": "null"}]}
    ),
]

#: Optional per-event branches: cicada's per-event key -> the ``NtupleBranches`` field naming its branch.
PILEUP_BRANCH_FIELDS = {"NPileup": "npileup", "PV_npvs": "pv_npvs", "PV_npvsGood": "pv_npvs_good"}
#: The per-region branches, in the order they are read.
REGION_BRANCH_FIELDS = ("et", "egbit", "taubit", "iphi", "ieta")


class NtupleBranches(ConfigModel):
    """Branch names of the ntuple (defaults: CICADAInputTableProducer's table ``Regions`` and NanoAOD's)."""

    et: Text = option("region ET in 0.5 GeV LSBs (0..1023), one entry per region", "Regions_et")
    egbit: Text = option(
        "e/gamma veto bit (0/1, 1 = vetoed: L1CaloRegion::overFlow()), one per region", "Regions_egbit"
    )
    taubit: Text = option("tau veto bit (0/1, 1 = vetoed: L1CaloRegion::tauVeto()), one per region", "Regions_taubit")
    iphi: Text = option("region phi index, L1CaloRegion::gctPhi() (0..17), one per region", "Regions_iphi")
    ieta: Text = option("region eta index, one per region (numbering: ieta_numbering)", "Regions_ieta")
    run: Text = option("run number, one per event (read only with runs)", "run")
    npileup: Optional[Text] = option(
        "pileup interactions of simulated events, kept as NPileup when the branch exists; null: never", "Pileup_nPU"
    )
    pv_npvs: Optional[Text] = option(
        "reconstructed primary vertices, kept as PV_npvs when the branch exists; null: never", "PV_npvs"
    )
    pv_npvs_good: Optional[Text] = option(
        "good primary vertices, kept as PV_npvsGood when the branch exists; null: never", "PV_npvsGood"
    )

    @model_validator(mode="after")
    def _distinct(self):
        names = [getattr(self, field) for field in REGION_BRANCH_FIELDS]
        for field, name in zip(REGION_BRANCH_FIELDS, names):
            if not name.strip():
                raise invalid("expected a branch name, got an empty string", field)
            if names.count(name) > 1:
                raise invalid(f"expected a branch of its own, got {name!r} for two region quantities", field)
        return self


class NtupleOptions(ConfigModel):
    """ROOT ntuples of Layer-1 regions (read with uproot: pip install 'cicada[root]'). HDF5 files ignore these
    keys, except that a run list or a trigger bit cannot select their events (an error)."""

    tree: Text = option("the TTree holding one entry per event (NanoAOD: Events)", "Events")
    branches: NtupleBranches = option("branch names", NtupleBranches())
    runs: RunList = option(
        "keep only events of these runs: a list of run numbers, or a run-list file (relative to the config's folder): "
        "text with run numbers separated by spaces, commas or lines (# comments), or JSON/YAML holding a list of run "
        "numbers or a mapping whose 'runs' or 'goodRuns' key holds one (the 2026 production's params.yaml). null: "
        "every run",
        None,
    )
    trigger: Optional[Text] = option(
        "keep only events whose boolean branch of this name is set, e.g. L1_ZeroBias; null: every event", None
    )
    ieta_numbering: Literal["zero_based", "gct"] = option(
        "what the ieta branch counts: zero_based, 0..13 from the most negative eta (CICADAInputTableProducer writes "
        "L1CaloRegion::gctEta() - 4); gct, L1CaloRegion::gctEta() itself (4..17)",
        "zero_based",
    )
    chunk_events: Integer = option(
        "events read at a time (memory follows this, never the file's size)", 50_000, ge=1, le=10_000_000
    )

    @model_validator(mode="after")
    def _trigger_named(self):
        if self.trigger is not None and not self.trigger.strip():
            raise invalid("expected a branch name or null, got an empty string", "trigger")
        return self

    def selects(self) -> bool:
        """Whether these options drop events (a run list or a trigger bit)."""
        return self.runs is not None or self.trigger is not None
