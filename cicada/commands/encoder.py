"""``cicada encoder CONFIG``: a trained VAE teacher's encoder as a trigger model, for ``cicada convert --model``."""

from __future__ import annotations

from pathlib import Path

from . import Command, add_config_argument, command, load


@command
class Encoder(Command):
    name = "encoder"
    help = "write a VAE teacher's encoder with a latent score as a float model (then: cicada convert --model)"
    description = (
        "Build the config up to its teacher (a cicada_2026_vae), then write its encoder through the latent mean with "
        "the score of the latent (sum of squared means; the KL term is refused: hls4ml 1.3.0 has no logarithm), its "
        "ET channel prescaled by a power of two calibrated on the build's zero-bias and signal events "
        "(cicada/models/encoder_trigger.py). Convert it with `cicada convert OTHER_CONFIG --model FILE` where "
        "OTHER_CONFIG has its own name and student.input: channels: the float path derives and labels its types."
    )

    def add_arguments(self, parser):
        add_config_argument(parser)
        parser.add_argument(
            "-o", "--output", type=Path, help="the model file (default models/<name>/encoder_trigger.h5)"
        )
        parser.add_argument("--score", default="sum_of_squares", help="sum_of_squares (default) or kl (unavailable)")

    def run(self, args) -> int:
        path, shift, rho = write_encoder_trigger(load(args), args.config, args.score, args.output)
        print(
            f"encoder trigger: {path} (ET prescaled by 2^-{shift}; its score against the unscaled float encoder's "
            f"on the calibration events: Spearman {rho:.6f})"
        )
        return 0


def write_encoder_trigger(config, config_path: Path, score: str, output: Path | None = None) -> tuple[Path, int, float]:
    """The encoder trigger of the config's VAE teacher, written to ``output``: (path, ET shift, the rank
    correlation of its score with the unscaled float encoder's, which layer normalisation's epsilon separates)."""
    import numpy as np

    from ..core.errors import CicadaError
    from ..data.datasets import read_dataset, signal_names
    from ..data.region_bits import channels
    from ..evaluation.metrics import spearman
    from ..models.encoder_trigger import encoder_trigger, et_shift_for, float_encoder_score
    from ..models.student import save_student
    from ..models.teacher import TEACHER_FILE, load_teacher
    from ..pipeline.build import build

    if config.teacher.architecture != "cicada_2026_vae":
        raise CicadaError(
            f"{config_path}: key 'teacher.architecture': {config.teacher.architecture}; expected cicada_2026_vae "
            "(an encoder trigger is a VAE's encoder)"
        )
    context, _ = build(config, config_path, until="teacher")
    teacher = load_teacher(context.teacher_dir / TEACHER_FILE, config.teacher)
    names = ["zero_bias_val", *signal_names(config.data)]
    images = np.concatenate([channels(read_dataset(context.data_dir, name)) for name in names])
    shift = et_shift_for(images[..., 0])
    model = encoder_trigger(teacher.model, score, et_shift=shift)
    prescaled = np.asarray(model.predict(images.astype(np.float32), batch_size=2048, verbose=0), np.float64)[:, 0]
    rho = spearman(prescaled, float_encoder_score(teacher.model, images))
    path = Path(output) if output else context.model_dir / "encoder_trigger.h5"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_student(model, path)
    return path, shift, rho
