"""``cicada vectors CONFIG -n N``: test vectors for board pattern tests."""

from __future__ import annotations

from pathlib import Path

from . import Command, add_config_argument, command, load


@command
class Vectors(Command):
    name = "vectors"
    help = "write test vectors (inputs + expected firmware outputs) for board pattern tests"
    description = (
        "Pick N test images (zero-bias and signals, reproducibly from the seed), compute the firmware's outputs and "
        "write them in the testbench's text format and as a binary file with a header (see cicada/firmware/vectors.py "
        "for the layout)."
    )

    def add_arguments(self, parser):
        add_config_argument(parser)
        parser.add_argument("-n", "--events", type=int, default=1000, help="number of events (default 1000)")
        parser.add_argument("-o", "--output", type=Path, help="folder to write (default hls_projects/<name>/vectors)")

    def run(self, args) -> int:
        from ..core.errors import CicadaError

        if args.events < 1:
            raise CicadaError(f"--events: expected a positive number of events, got {args.events}")
        paths = write_test_vectors(load(args), args.config, args.events, args.output)
        for kind, path in paths.items():
            print(f"{kind:8s} {path}")
        return 0


def write_test_vectors(config, config_path: Path, events: int, output: Path | None = None) -> dict:
    """Build up to a verified project (reusing what is up to date), then write ``events``
    test vectors: test images chosen reproducibly and the firmware's outputs for them."""
    from ..core.fixedpoint import FixedType
    from ..core.progress import log
    from ..firmware.emulator import FirmwareEmulator
    from ..firmware.vectors import Vectors as TestVectors
    from ..firmware.vectors import write_vectors
    from ..pipeline.build import build
    from ..pipeline.stages.verify import chosen_test_events

    context, _ = build(config, config_path, until="verify")
    chosen, _, selection = chosen_test_events(context, events, "test_vectors")
    outputs = FirmwareEmulator(context.project_dir).predict(chosen)
    output_type = FixedType.parse(context.results["convert"].layers[-1]["result"])
    input_bits = FixedType.parse(config.hls.input_precision).width
    directory = Path(output) if output else context.project_dir / "vectors"
    vectors = TestVectors(chosen.reshape(len(chosen), -1), outputs, output_type, input_bits)
    log.info(f"  {len(chosen):,} test vectors ({', '.join(f'{n}: {len(i):,}' for n, i in selection.items())})")
    return write_vectors(directory, vectors)
