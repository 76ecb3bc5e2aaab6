"""The flags that say how ROOT ntuple inputs are read, shared by ``cicada show``, ``score`` and ``ingest``.

They build the same :class:`~cicada.config.ntuples.NtupleOptions` as a config's
``data.ntuples``, checked by the same schema, so a mistake reads the same either way.
"""

from __future__ import annotations

import argparse
import re

from pydantic import ValidationError

from ..core.errors import ConfigError

BRANCH_KEYS = ("et", "egbit", "taubit", "iphi", "ieta", "run", "npileup", "pv_npvs", "pv_npvs_good")


def add_ntuple_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "ROOT ntuples",
        "how ROOT ntuple inputs are read (pip install 'cicada[root]'); the defaults are the CICADA 2026 production's "
        "NanoAOD tree Events with CICADAInputTableProducer's Regions_* branches. A run list or a trigger bit applies "
        "to ROOT inputs only.",
    )
    group.add_argument("--tree", help="TTree with one entry per event (default Events)")
    group.add_argument(
        "--branch",
        action="append",
        default=[],
        metavar="KEY=NAME",
        help=f"a branch name other than the default; KEY is one of {', '.join(BRANCH_KEYS)} (repeat for several)",
    )
    group.add_argument(
        "--runs",
        metavar="RUNS",
        help="keep only these runs: run numbers separated by commas, or a run-list file (text, JSON or YAML)",
    )
    group.add_argument("--trigger", metavar="BRANCH", help="keep only events whose bit BRANCH is set, e.g. L1_ZeroBias")
    group.add_argument(
        "--ieta-numbering",
        choices=("zero_based", "gct"),
        help="ieta branch counts 0..13 (zero_based, the default: CICADAInputTableProducer) or gctEta 4..17 (gct)",
    )
    group.add_argument("--chunk-events", type=int, metavar="N", help="events read at a time (default 50,000)")


def ntuple_options(args: argparse.Namespace):
    """The options the flags give (defaults for those not given)."""
    from ..config.messages import first_error
    from ..config.ntuples import NtupleOptions

    raw: dict = {}
    for flag, key in (("tree", "tree"), ("trigger", "trigger"), ("ieta_numbering", "ieta_numbering")):
        if getattr(args, flag) is not None:
            raw[key] = getattr(args, flag)
    if args.chunk_events is not None:
        raw["chunk_events"] = args.chunk_events
    if args.runs is not None:
        text = args.runs.strip()
        raw["runs"] = (
            [int(run) for run in re.split(r"[,\s]+", text) if run] if re.fullmatch(r"[\d,\s]+", text) else text
        )
    branches = {}
    for item in args.branch:
        key, equals, name = item.partition("=")
        if not equals or key not in BRANCH_KEYS:
            raise ConfigError(f"--branch {item}: expected KEY=NAME with KEY one of {', '.join(BRANCH_KEYS)}")
        branches[key] = name
    if branches:
        raw["branches"] = branches
    try:
        return NtupleOptions.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(f"command line: {first_error(err, NtupleOptions.model_json_schema(), raw)}") from None
