"""``cicada rates CONFIG --targets 0.5 1 2``: working points for other target rates, without rebuilding."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from ..pipeline.context import BuildContext
from . import Command, add_config_argument, command, load


@command
class Rates(Command):
    name = "rates"
    help = "recompute the rates stage for other target rates (thresholds, efficiencies, plots) from a finished build"
    description = (
        "Run the build's rates stage again on its firmware scores with other target rates, print the working-point "
        "table and write what the stage writes (rates.json with the stage's result, the rate and score plots) into a "
        "folder of their own, hls_projects/<name>/rates-<targets>kHz/ by default: the build's own outputs, which its "
        "stamps describe, are left as they are. Needs a build that has scored its test events."
    )

    def add_arguments(self, parser):
        add_config_argument(parser)
        parser.add_argument(
            "--targets", type=float, nargs="+", metavar="KHZ", help="target rates in kHz (default: the config's)"
        )
        parser.add_argument(
            "-o", "--output", type=Path, help="folder to write (default hls_projects/<name>/rates-<targets>kHz)"
        )

    def run(self, args) -> int:
        from ..core.files import write_json
        from ..pipeline.build import make_context
        from ..pipeline.finished import load_results
        from ..pipeline.stages import rates

        config = load(args)
        targets = _checked_targets(args.targets) if args.targets else tuple(config.rates.target_rates_khz)
        config = config.model_copy(update={"rates": config.rates.model_copy(update={"target_rates_khz": targets})})
        built = make_context(config, args.config)
        load_results(built, ("scores",))
        output = args.output or built.project_dir / f"rates-{'-'.join(f'{t:g}' for t in targets)}kHz"
        output.mkdir(parents=True, exist_ok=True)
        context = RedirectedContext(
            **{f.name: getattr(built, f.name) for f in dataclasses.fields(built)}, output_dir=output
        )
        result = rates.run(context)
        write_json(output / RESULT_FILE, dataclasses.asdict(result))
        print(working_point_table(result.working_points))
        print(f"written to {output}: {RESULT_FILE}, " + ", ".join(sorted(p.name for p in output.glob("*.png"))))
        return 0


RESULT_FILE = "rates.json"


def _checked_targets(targets: list[float]) -> tuple[float, ...]:
    from ..core.errors import CicadaError

    bad = [t for t in targets if not (math.isfinite(t) and t > 0)]
    if bad:
        raise CicadaError(f"--targets: expected rates in kHz greater than 0, got {bad[0]:g}")
    return tuple(sorted(set(targets)))


@dataclass
class RedirectedContext(BuildContext):
    """A build's context whose project folder, where the rates stage writes, is another folder."""

    output_dir: Path = Path(".")

    @property
    def project_dir(self) -> Path:  # type: ignore[override]
        return self.output_dir


def working_point_table(points: list) -> str:
    """The working points as a text table: every scalar field of the stage's working points, then each
    signal's efficiency (whatever fields the rates stage gives them)."""
    rows = [dataclasses.asdict(point) if dataclasses.is_dataclass(point) else dict(point) for point in points]
    if not rows:
        return "(no working points)"
    scalars = [key for key, value in rows[0].items() if not isinstance(value, (dict, list))]
    signals = sorted({name for row in rows for name in row.get("signal_efficiency", {})})
    header = scalars + [f"eff({name})" for name in signals]
    body = [
        [_cell(row[key]) for key in scalars] + [_cell(row.get("signal_efficiency", {}).get(name)) for name in signals]
        for row in rows
    ]
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in body]
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
