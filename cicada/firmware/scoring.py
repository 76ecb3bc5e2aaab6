"""Firmware-exact scores of many events: the integer model, checked against the emulator library.

The integer model (:mod:`.integer_model`) gives the firmware's outputs several times faster
than the emulator library, which compiles the firmware's own C++. Every score it gives is
worth only what its check is: :meth:`FirmwareScorer.check` runs the emulator library on the
same events and compares bit for bit; a difference is a :class:`VerificationError`. A model
the integer model cannot compute (:class:`UnsupportedLayer`) is scored by the emulator
library alone, and :attr:`FirmwareScorer.engine` says so and why.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.errors import VerificationError
from ..core.progress import log
from .csim import BitComparison, compare_bits
from .emulator import FirmwareEmulator
from .integer_model import IntegerModel, UnsupportedLayer

INTEGER_ENGINE = "integer model (numpy)"
EMULATOR_ENGINE = "emulator library (the firmware's C++)"


class FirmwareScorer:
    """Scores events as the firmware of ``project_dir`` does.

    ``keras_model`` and ``layers`` (the convert stage's layer table) describe the converted
    model to the integer model; ``lsb`` is the output type's step (outputs compare on it).
    """

    def __init__(self, project_dir: Path, keras_model, layers: list[dict], lsb: float, threads: int | None = None):
        self.emulator = FirmwareEmulator(project_dir, threads=threads)
        self.lsb = lsb
        self.threads = threads
        self.integer: IntegerModel | None = None
        self.unavailable: str | None = None
        try:
            self.integer = IntegerModel.build(keras_model, layers)
        except UnsupportedLayer as err:
            self.unavailable = str(err)
            log.warning(
                f"  the integer model cannot compute this firmware ({err}): the emulator library scores instead"
            )

    @property
    def engine(self) -> str:
        if self.integer is not None:
            return INTEGER_ENGINE
        return f"{EMULATOR_ENGINE}; integer model unavailable: {self.unavailable}"

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Firmware outputs (N, n_out) of ``images`` (N, 18, 14)."""
        if self.integer is not None:
            return self.integer.predict(images, threads=self.threads)
        return self.emulator.predict(images)

    def reference(self, images: np.ndarray) -> np.ndarray | None:
        """The emulator library's outputs that :meth:`compare` checks :meth:`predict`'s against;
        None when the emulator gives the scores itself (nothing to check)."""
        return None if self.integer is None else self.emulator.predict(images)

    def check(self, images: np.ndarray, outputs: np.ndarray, what: str) -> BitComparison | None:
        """Compare ``outputs`` (of :meth:`predict`) with the emulator library's on the same images;
        a VerificationError on any difference. None when the emulator gave them itself."""
        return self.compare(self.reference(images), outputs, what)

    def compare(self, reference: np.ndarray | None, outputs: np.ndarray, what: str) -> BitComparison | None:
        """:meth:`check` with the emulator's outputs already computed (:meth:`reference`, e.g. chunk by chunk)."""
        if reference is None:
            return None
        comparison = compare_bits(reference, outputs, self.lsb)
        if not comparison.bit_exact:
            raise VerificationError(
                f"the integer model disagrees with the emulator library on {comparison.mismatches:,} of "
                f"{comparison.events:,} events of {what} (largest difference {comparison.max_difference_lsb} LSB of "
                f"{self.lsb:g}); e.g. event {comparison.first_mismatch_index}: emulator "
                f"{comparison.first_mismatch_expected}, integer model {comparison.first_mismatch_firmware}. Its scores "
                "cannot be trusted: a cicada bug, or a firmware edited by hand since conversion"
            )
        return comparison
