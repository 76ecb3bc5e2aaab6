"""The ``cicada`` command line: a thin layer over :mod:`cicada.build` and friends.

Every user mistake surfaces as one ``error:`` line (exit status 2); a failed firmware
verification exits with status 3. Anything else that escapes is a bug and shows its
traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from . import __version__
from .errors import CicadaError, VerificationError
from .progress import log, setup_logging

EXIT_USER_ERROR = 2
EXIT_VERIFICATION_FAILED = 3


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="YAML build config, e.g. configs/quickstart.yaml")


def make_parser() -> argparse.ArgumentParser:
    from .build import STAGE_NAMES

    parser = argparse.ArgumentParser(
        prog="cicada",
        description="Compile a Level-1 trigger anomaly-detection model (CICADA style) from calorimeter "
        "region images to a verified hls4ml firmware project. Outputs go to models/<name>/ and "
        "hls_projects/<name>/ under the current directory.",
    )
    parser.add_argument("--version", action="version", version=f"cicada {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail in the log")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = commands.add_parser(
        "build",
        help="run the whole pipeline: data, teacher, student, convert, verify, scores, quality, synthesis, rates, report",
        description="Run every stage of the build in order. Stages whose inputs (config slice, code, "
        "upstream results) are unchanged since the last build are reused.",
    )
    _add_config(build)
    build.add_argument("--force", action="store_true", help="rerun every stage, even those up to date")
    build.add_argument(
        "--until",
        choices=STAGE_NAMES,
        metavar="STAGE",
        help=f"stop after this stage (one of: {', '.join(STAGE_NAMES)})",
    )

    data = commands.add_parser(
        "data",
        help="generate the datasets only (the build's first stage)",
        description="Generate the zero-bias and signal HDF5 datasets of a config into models/<name>/data/.",
    )
    _add_config(data)
    data.add_argument("--force", action="store_true", help="regenerate even if up to date")

    convert = commands.add_parser(
        "convert",
        help="bring your own QKeras model: convert, verify bit for bit, score, report",
        description="Take a QKeras model trained elsewhere (HDF5 or .keras; 252 region values in, one score out) "
        "and run the firmware half of a build with the config's data and hls sections: hls4ml project with "
        "proven precisions, C-simulation check against QKeras, firmware-exact scores, rates and the report.",
    )
    _add_config(convert)
    convert.add_argument("--model", type=Path, required=True, help="the QKeras model file")
    convert.add_argument("--force", action="store_true", help="rerun every stage, even those up to date")

    synth = commands.add_parser(
        "synth",
        help="run the vendor HLS flow (C simulation, synthesis, co-simulation, Vivado) on a build's project",
        description="Build up to the project if needed, then run hls4ml's build_prj.tcl with vitis-run (Vitis) or "
        "vivado_hls (Vivado): C simulation and C synthesis, plus RTL co-simulation (hls.cosim) and Vivado logic "
        "synthesis (hls.vivado_synthesis) when the config asks. Reads back latency, II, clock, resources, "
        "utilisation and the co-simulation verdict. Without the tool it says which is missing and what would run.",
    )
    _add_config(synth)
    synth.add_argument("--cosim", action="store_true", help="also run RTL co-simulation")
    synth.add_argument("--vivado", action="store_true", help="also run Vivado logic synthesis")

    vectors = commands.add_parser(
        "vectors",
        help="write test vectors (inputs + expected firmware outputs) for board pattern tests",
        description="Pick N test images (zero-bias and signals, reproducibly from the seed), compute the firmware's "
        "outputs and write them in the testbench's text format and as a binary file with a header "
        "(see cicada/vectors.py for the layout).",
    )
    _add_config(vectors)
    vectors.add_argument("-n", "--events", type=int, default=1000, help="number of events (default 1000)")
    vectors.add_argument("-o", "--output", type=Path, help="folder to write (default hls_projects/<name>/vectors)")

    emulator = commands.add_parser(
        "emulator",
        help="build the firmware C++ into a namespaced shared library with a C API, for trigger software",
        description="Build (up to a verified project if needed) and export the emulator library: "
        "lib<ns>.so, <ns>.h and a build record, where <ns> = cicada_<name>_v<version>. Every firmware symbol "
        "lives in that namespace, so several models link into one program without clashing.",
    )
    _add_config(emulator)
    emulator.add_argument("-o", "--output", type=Path, help="folder to write (default hls_projects/<name>/library)")
    emulator.add_argument("--version", default="1", help="model version in the namespace (default 1)")
    emulator.add_argument(
        "--march",
        default="x86-64-v3",
        help="g++ -march: x86-64-v3 (default) runs on any AVX2 CPU; native is fastest but only on CPUs like this one",
    )

    check = commands.add_parser(
        "check",
        help="validate a config and print it with every default filled in",
        description="Validate a config file and print the complete, resolved config as YAML.",
    )
    _add_config(check)

    status = commands.add_parser(
        "status",
        help="show which stages of a build are up to date",
        description="Show, for every stage, whether the next build would reuse it and if not why.",
    )
    _add_config(status)

    show = commands.add_parser(
        "show",
        help="draw example images, the mean image and ET distributions of a dataset (PNG)",
        description="Look at an HDF5 file of region images (CaloRegions, shape (N, 18, 14)): writes a PNG with "
        "example events, the mean image and region/total/hottest-region ET distributions, and prints statistics.",
    )
    show.add_argument("file", type=Path, help="HDF5 file with a CaloRegions dataset")
    show.add_argument("-o", "--output", type=Path, help="PNG to write (default: the file's name with .png)")
    show.add_argument("--examples", type=int, default=3, help="example events to draw (default 3)")

    commands.add_parser(
        "schema",
        help="print every config key with its type, default and meaning",
        description="Print the reference of the YAML config schema.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    setup_logging(args.verbose)
    try:
        return _dispatch(args)
    except VerificationError as err:
        print(f"error: firmware verification failed: {err}", file=sys.stderr)
        return EXIT_VERIFICATION_FAILED
    except CicadaError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(
            "interrupted: finished stages are kept; the next build resumes from the interrupted stage", file=sys.stderr
        )
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    from .config import load_config, schema_reference

    if args.command == "schema":
        print(schema_reference())
        return 0
    if args.command == "show":
        from .show import show_dataset

        output, stats = show_dataset(args.file, args.output, max(1, args.examples))
        for key, value in stats.items():
            print(f"{key:28s} {value:,.4g}" if isinstance(value, float) else f"{key:28s} {value:,}")
        print(f"plot written to {output}")
        return 0
    config = load_config(args.config)
    if args.command == "check":
        print(f"# {args.config}: valid", file=sys.stderr)
        print(yaml.safe_dump(config.plain(), sort_keys=False), end="")
        return 0
    from .build import STAGES, build
    from .pipeline import BuildContext, statuses

    if args.command == "status":
        from .build import byo_stages, recorded_model_file

        context = BuildContext(config=config, config_path=args.config)
        context.model_file = recorded_model_file(context)
        for name, state in statuses(byo_stages() if context.model_file else STAGES, context):
            print(f"{name:10s} {state}")
        return 0
    if args.command == "synth":
        return _synth(config, args)
    if args.command == "vectors":
        return _vectors(config, args)
    if args.command == "emulator":
        return _emulator(config, args)
    until = "data" if args.command == "data" else getattr(args, "until", None)
    model_file = args.model if args.command == "convert" else None
    log.info(f"cicada {__version__}: building '{config.name}' from {args.config}")
    context, outcomes = build(config, args.config, force=args.force, until=until, model_file=model_file)
    print(summary_text(context, outcomes))
    return 0


def _synth(config, args) -> int:
    import dataclasses

    from .build import build
    from .errors import ToolError

    hls = dataclasses.replace(
        config.hls,
        synthesis="auto",
        cosim=config.hls.cosim or args.cosim,
        vivado_synthesis=config.hls.vivado_synthesis or args.vivado,
    )
    config = dataclasses.replace(config, hls=hls)
    context, outcomes = build(config, args.config, until="synthesis")
    summary = context.summaries["synthesis"]
    if summary["status"] != "done":
        raise ToolError(summary["reason"])
    print(summary_text(context, outcomes))
    return 0


def _emulator(config, args) -> int:
    from .build import build
    from .emulator import build_library

    context, _ = build(config, args.config, until="verify")
    directory = args.output or context.project_dir / "library"
    library = build_library(context.project_dir, directory, config.name, args.version, args.march)
    for path in (library.library, library.header, library.manifest):
        print(path)
    return 0


def _vectors(config, args) -> int:
    from .build import write_test_vectors

    if args.events < 1:
        raise CicadaError(f"--events: expected a positive number of events, got {args.events}")
    paths = write_test_vectors(config, args.config, args.events, args.output)
    for kind, path in paths.items():
        print(f"{kind:8s} {path}")
    return 0


def summary_text(context, outcomes) -> str:
    """The short summary printed at the end of a build."""
    s = context.summaries
    total = sum(o.seconds for o in outcomes)
    reused = [o.name for o in outcomes if o.reused]
    lines = [
        f"cicada build '{context.config.name}': {len(outcomes)} stages in {total:.0f} s"
        + (f" ({len(reused)} reused: {', '.join(reused)})" if reused else "")
    ]
    if "data" in s:
        events = {n: d["events"] for n, d in s["data"]["datasets"].items()}
        lines.append(
            f"  data        {context.relative(context.data_dir)}/ ({', '.join(f'{n} {k:,}' for n, k in events.items())})"
        )
    student = s.get("student") or s.get("import")
    if student:
        models = "teacher.h5, student.h5" if "teacher" in s else "student.h5"
        lines.append(f"  models      {context.relative(context.model_dir)}/ ({models})")
        lines.append(f"  student     {student['architecture']}, {student['parameters']:,} parameters")
    if "convert" in s:
        proof = s["convert"]["precision_proof"]
        lines.append(
            f"  firmware    {s['convert']['project_dir']}/ (precisions {'proven exact' if proof['proven'] else 'NOT proven'})"
        )
    if "verify" in s:
        c = s["verify"]["csim_vs_qkeras"]
        lines.append(
            f"  bit-exact   C simulation == QKeras on {c['events']:,}/{c['events']:,} test images"
            if c["bit_exact"]
            else f"  bit-exact   NO: {c['mismatches']} of {c['events']} differ"
        )
    if "quality" in s:
        q = s["quality"]
        lines.append(
            f"  quality     student vs teacher: Pearson {q['distillation']['pearson']:.3f}, "
            f"Spearman {q['distillation']['spearman']:.3f}; AUC teacher/firmware: "
            + ", ".join(f"{n} {a['teacher']:.3f}/{a['firmware']:.3f}" for n, a in q["auc"].items())
        )
    if "synthesis" in s:
        syn = s["synthesis"]
        if syn["status"] == "done":
            lines.append(
                f"  latency     {syn['latency_worst_cycles']:.0f} cycles = {syn['latency_worst_ns']:.1f} ns = "
                f"{syn['latency_worst_bx']:.2f} BX, II {syn['interval_cycles']:.0f} "
                f"({'fits' if syn['one_event_per_crossing'] else 'EXCEEDS'} 25 ns)"
            )
            lines.append("  resources   " + ", ".join(f"{k} {v:,}" for k, v in syn["resources"].items()))
            if syn.get("cosim"):
                lines.append(f"  co-sim      {syn['cosim']['verdict']}")
        else:
            lines.append(f"  latency     not available ({syn['status']}): {syn['reason'].split(',')[0]}")
    if "rates" in s:
        r = s["rates"]
        lines.append(
            f"  rates       firmware score, {r['zero_bias_events']:,} zero-bias events (one event = "
            f"{r['smallest_measurable_rate_khz']:.3g} kHz); plot {r['rate_plot']}"
        )
        for wp in r["working_points"]:
            effs = ", ".join(f"{n} {e:.2f}" for n, e in wp["signal_efficiency"].items())
            flag = "  [statistics-limited]" if wp["statistics_limited"] else ""
            lines.append(
                f"    {wp['target_khz']:>6g} kHz: threshold {wp['threshold']:8.3f} -> {wp['rate_khz']:.3g} kHz; "
                f"efficiency {effs}{flag}"
            )
    if "report" in s:
        lines.append(f"  report      {s['report']['markdown']}, {s['report']['json']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
