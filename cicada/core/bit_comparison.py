"""How a firmware's outputs compare with a reference, bit for bit: the record every check returns.

The C simulation and the emulator (:mod:`cicada.firmware.csim`) and the RTL simulation of the
``rtl`` synthesis backend compare their outputs with QKeras in units of the output LSB; each
comparison is one :class:`BitComparison`, on the ground floor so that the typed figures of a
synthesis backend (:mod:`cicada.core.synthesis_figures`) can hold it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class BitComparison:
    """How the firmware's outputs compare with the reference, in output LSBs."""

    events: int
    mismatches: int
    max_difference_lsb: int
    first_mismatch_index: int | None
    first_mismatch_expected: float | None
    first_mismatch_firmware: float | None
    bit_exact: bool

    def as_dict(self) -> dict:
        return asdict(self)
