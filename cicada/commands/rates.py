"""``cicada rates CONFIG [--targets KHZ...] [--zero-bias FILE...]``: working points for other target rates, or
on another zero-bias sample, without rebuilding."""

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
    help = (
        "recompute the rates stage of a finished build for other target rates, or on any zero-bias sample "
        "(thresholds, rates, pure rates, efficiencies, plots)"
    )
    description = (
        "Run the build's rates stage again, without rebuilding: on its own rate sample with other target rates "
        "(--targets), or on the zero-bias sample in FILE... (--zero-bias: recorded zero-bias, another pileup, another "
        "generator; CaloRegions plain or compound, weighted by EventWeight or not), scored here with the build's "
        "firmware (the integer model, checked against the emulator library on --check-events events per file) and "
        "teacher. Prints the working-point table and writes what the stage writes (rates.json with the stage's "
        "result, thresholds.csv/.json, the rate, efficiency and score plots; with --zero-bias also the files' scores) "
        "into a folder of their own, hls_projects/<name>/rates-<targets>kHz/ or rates-<file>-<targets>kHz/ by "
        "default: the build's own outputs, which its stamps describe, are left as they are. The seeds' thresholds are "
        "fitted on the sample given (rates.seeds.thresholds). Signal efficiencies use the build's signals. Needs a "
        "build that has scored its test events."
    )

    def add_arguments(self, parser):
        from ..evaluation.file_scores import DEFAULT_CHECK_EVENTS

        add_config_argument(parser)
        parser.add_argument(
            "--targets", type=float, nargs="+", metavar="KHZ", help="target rates in kHz (default: the config's)"
        )
        parser.add_argument(
            "--zero-bias",
            type=Path,
            nargs="+",
            metavar="FILE",
            help="HDF5 files of zero-bias region images to measure rates on instead of the build's rate sample",
        )
        weights = parser.add_mutually_exclusive_group()
        weights.add_argument(
            "--weighted",
            action="store_true",
            help="require per-event weights (EventWeight) in every --zero-bias file (default: use them when every "
            "file has them)",
        )
        weights.add_argument(
            "--unweighted", action="store_true", help="ignore EventWeight: every --zero-bias event counts alike"
        )
        parser.add_argument(
            "--check-events",
            type=int,
            default=DEFAULT_CHECK_EVENTS,
            metavar="N",
            help=f"--zero-bias events per file recomputed by the emulator library (default {DEFAULT_CHECK_EVENTS:,})",
        )
        parser.add_argument(
            "-o", "--output", type=Path, help="folder to write (default hls_projects/<name>/rates-...kHz)"
        )

    def run(self, args) -> int:
        from ..core.errors import CicadaError
        from ..core.files import write_json, write_text
        from ..pipeline.build import make_context
        from ..pipeline.finished import load_results

        if (args.weighted or args.unweighted) and not args.zero_bias:
            raise CicadaError("--weighted and --unweighted apply to --zero-bias files: give --zero-bias FILE...")
        if args.zero_bias and args.check_events < 1:
            raise CicadaError(f"--check-events: expected a positive number of events, got {args.check_events}")
        config = load(args)
        targets = _checked_targets(args.targets) if args.targets else tuple(config.rates.target_rates_khz)
        built = make_context(config, args.config)  # the build as it is: its stamps are checked against its config
        load_results(built, ("convert", "verify", "scores", "rates") if args.zero_bias else ("scores",))
        config = config.model_copy(update={"rates": config.rates.model_copy(update={"target_rates_khz": targets})})
        label = "-".join(f"{t:g}" for t in targets)
        if args.zero_bias:
            _check_files(args.zero_bias)
            label = f"{_files_label(args.zero_bias)}-{label}"
        output = args.output or built.project_dir / f"rates-{label}kHz"
        output.mkdir(parents=True, exist_ok=True)
        fields = {f.name: getattr(built, f.name) for f in dataclasses.fields(built)}
        context = RedirectedContext(**{**fields, "config": config}, output_dir=output)
        weighting = "weighted" if args.weighted else "unweighted" if args.unweighted else "auto"
        if args.zero_bias:
            result = _on_files(context, built, args.zero_bias, weighting, args.check_events)
        else:
            result = _own(context)
        plain = dataclasses.asdict(result)
        write_json(output / RESULT_FILE, plain)
        write_text(output / SECTION_FILE, section_markdown(plain, context.root, output))
        print(working_point_table(result.working_points))
        if result.seeds is not None:
            print(seed_table(result.seeds))
        if result.build_thresholds:
            print(transfer_table(result.build_thresholds))
        print(f"rate sample: {result.sample_source}; {result.sample_weighting}")
        print(
            f"written to {output}: {RESULT_FILE}, {SECTION_FILE}, "
            + ", ".join(sorted(p.name for p in output.glob("*.png")))
        )
        return 0


RESULT_FILE = "rates.json"
#: the report's trigger-rates section for this result, beside it
SECTION_FILE = "rates.md"
#: where --zero-bias files' scores go, inside the output folder
SCORES_FOLDER = "scores"


def _own(context: BuildContext):
    from ..pipeline.stages import rates

    return rates.run(context)


def _on_files(context: BuildContext, built: BuildContext, files: list[Path], weighting: str, check_events: int):
    """The rates stage on the zero-bias ``files``, scored with the models of the build (``built``: its own
    folders) into the output folder (``context``: the build's, writing there)."""
    from ..data.hdf5 import read_scores
    from ..evaluation.file_scores import score_files
    from ..evaluation.rate_sample import from_files
    from ..pipeline.stages import rates

    folder = context.project_dir / SCORES_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    scored = score_files(built, files, folder, check_events)
    scores = [read_scores(result.outputs["scores"])[Path(result.file).stem] for result in scored]
    sample, how = from_files(files, scores, weighting)  # type: ignore[arg-type]
    own = read_scores(context.scores_file)  # the build's signals and its own rate sample
    return rates.evaluate(context, sample, own, how, reference=rates.build_sample(context, own))


def section_markdown(plain: dict, root: Path, folder: Path) -> str:
    """The report's trigger-rates section for ``plain`` (a rates result), its links relative to ``folder``."""
    import os

    from ..evaluation.rates_section import section

    return "\n".join(section(plain, lambda path: os.path.relpath(root / path, folder))) + "\n"


def _check_files(files: list[Path]) -> None:
    """Every --zero-bias file checked before any work or any folder is made: it exists, its layout, one event."""
    from ..core.errors import CicadaError
    from ..data.hdf5 import count_events

    for file in files:
        if not Path(file).is_file():
            raise CicadaError(f"{file}: no such file, expected an HDF5 file of zero-bias region images")
        if count_events(file) == 0:
            raise CicadaError(f"{file}: holds no events, expected at least one zero-bias region image")


def _files_label(files: list[Path]) -> str:
    """A folder-name label for --zero-bias files: the first file's stem, and how many more."""
    first = Path(files[0]).stem
    return first if len(files) == 1 else f"{first}-and-{len(files) - 1}-more"


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


def seed_table(seeds) -> str:
    """The emulated seeds as a text table: menu rate, thresholds, rate and pure rate."""
    rows = [["seed", "menu rate", "menu x response", "applied", "rate (kHz)", "pure (kHz)"]]
    for s in seeds.seeds:
        rows.append(
            [
                s.menu_seed,
                "-"
                if s.target_rate_khz is None
                else f"{s.target_rate_khz:g}" + ("*" if not s.target_rate_measured else ""),
                "-" if s.menu_region_threshold_gev is None else f"{s.menu_region_threshold_gev:.4g}",
                f"{s.region_threshold_gev:.4g}" + (" fitted" if seeds.thresholds == "fitted" else ""),
                f"{s.rate_khz:.3g} ± {s.rate_uncertainty_khz:.2g}",
                f"{s.pure_rate_khz:.3g} ± {s.pure_rate_uncertainty_khz:.2g}",
            ]
        )
    rows.append(
        [
            "OR of the seeds",
            "",
            "",
            "",
            f"{seeds.combined_rate_khz:.3g} ± {seeds.combined_rate_uncertainty_khz:.2g}",
            "",
        ]
    )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows]
    verdict = "below" if seeds.combined_rate_khz < seeds.budget_khz else "ABOVE"
    lines.append(f"the OR of the seeds runs {verdict} the Level-1 budget of {seeds.budget_khz:g} kHz")
    if any(s.target_rate_khz is not None and not s.target_rate_measured for s in seeds.seeds):
        lines.append("* menu rate assumed, not measured, or given in the config (cicada/core/l1_menu.py)")
    return "\n".join(lines)


def transfer_table(points) -> str:
    """The build's own thresholds and the rates they give on the sample: the transfer of its thresholds."""
    lines = ["the build's thresholds on this sample:"]
    for p in points:
        lines.append(
            f"  {p.target_khz:>8g} kHz: threshold {p.threshold:>9g} ({p.own_rate_khz:.3g} kHz on the build's sample) -> "
            f"{p.rate_khz:.3g} ± {p.rate_uncertainty_khz:.2g} kHz here, {p.ratio:.2f} x the target"
        )
    return "\n".join(lines)


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
