"""``cicada scan SCAN.yaml``: many builds from one base config on Dask, gathered into one table."""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..core.errors import CicadaError
from ..core.progress import log
from . import Command, command


class MissingScanExtra(CicadaError):
    """dask, distributed or pyarrow is not installed."""


@command
class Scan(Command):
    name = "scan"
    help = "build every point of a design-space scan on Dask (local, a scheduler, HTCondor or SLURM)"
    description = (
        "Build every point of SCAN.yaml (a base config and a grid, random sample or list of values of its keys) as "
        "Dask tasks: data and teacher once per distinct setting, then each point's student, firmware, verification, "
        "synthesis and rates. Finished points are reused on a rerun; a failing point records its error and the scan "
        "goes on. Results: models/<scan>/results.csv and .parquet, pareto.png, scan.md. "
        "`cicada schema --scan` lists every key of a scan file."
    )

    def add_arguments(self, parser):
        parser.add_argument("scan", type=Path, help="YAML scan file, e.g. configs/scans/student_width.yaml")
        parser.add_argument(
            "--check",
            action="store_true",
            help="validate the scan file and every point's config, list the points (warning of points that build "
            "the same circuit in the flows they run), run nothing",
        )

    def run(self, args) -> int:
        from ..config.scan import load_scan

        spec = load_scan(args.scan)
        if args.check:
            from ..config.loader import load_config
            from ..scan.circuits import same_circuits
            from ..scan.run import prepare, shared_folders

            base_path, points = prepare(spec, args.scan)
            folders = shared_folders(spec, load_config(base_path), {point.shared_id for point in points})
            print(f"scan '{spec.name}': {len(points)} valid point(s) from {base_path}")
            for point in points:
                print(f"  {point.id}  (data/teacher in models/{folders[point.shared_id]})  {point.label()}")
            for group in same_circuits(points):
                print(group.message(args.scan))
            return 0
        try:
            import dask.distributed  # noqa: F401
            import pyarrow  # noqa: F401
        except ImportError as err:
            raise MissingScanExtra(f"cicada scan needs {err.name}: pip install 'cicada[scan]'") from None
        from ..scan.run import run_scan

        log.info(f"cicada {__version__}: scan {args.scan}")
        outcome = run_scan(spec, args.scan)
        done = len(outcome.rows) - len(outcome.failed)
        print(f"cicada scan '{spec.name}': {done} of {len(outcome.rows)} point(s) done")
        for row in outcome.failed:
            print(f"  failed {row['point']}: {row['error']}")
        for label, path in {**outcome.tables, **outcome.documents}.items():
            print(f"  {label:9s} {path}")
        return 0 if not outcome.failed else 1
