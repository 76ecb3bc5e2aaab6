"""What a student reads of a region image: the one home of the student input kinds (``student.input``).

Every path that hands a student its input takes it from here: training, the QKeras and firmware
scores, the C simulation, the emulator library, the integer model, the RTL simulation, test vectors
and ``cicada score``; the precision proof and the RTL flow take each input's range from the same
kind. A kind is a :class:`~cicada.config.registries.student_inputs.StudentInput` (its record and
registry sit below the config, which reads the range for ``hls.input_precision``).

* ``et``: region ET, 252 values 0..1023 (``ap_uint<10>``): every student before region bits;
* ``packed``: one 12-bit integer per region, ``ET << 2 | tau << 1 | e/gamma`` (252 values 0..4095,
  ``ap_uint<12>``): the CICADA 2026 three-channel student's input
  (:func:`cicada.data.region_bits.packed_12bit`);
* ``channels``: ET, tau bit, e/gamma bit of each region as three inputs (756 values: ET 0..1023,
  bits 0..1, ``ap_uint<10>``), flattened region-major with the channels innermost in the teachers'
  order :data:`cicada.data.region_bits.CHANNELS`: input ``3 * (phi * 14 + eta) + c``, ``c`` = 0 ET,
  1 tau bit, 2 e/gamma bit (an ``(18, 14, 3)`` image in numpy's C order).

The bits are the Layer-1 veto bits (1 = vetoed), as :mod:`cicada.data.region_bits` stores them.
"""

from __future__ import annotations

import numpy as np

from ..config.registries.student_inputs import STUDENT_INPUTS, StudentInput, student_input
from ..core.errors import DataError
from ..core.geometry import N_REGIONS, REGION_ET_MAX
from .region_bits import CHANNELS, PACKED_BITS, channels, has_bits, packed_12bit, region_et

__all__ = ["STUDENT_INPUTS", "StudentInput", "encode", "input_kind"]

DEFAULT = "et"


def _et(images: np.ndarray) -> np.ndarray:
    return np.asarray(region_et(images), dtype=np.float32).reshape(-1, N_REGIONS)


def _packed(images: np.ndarray) -> np.ndarray:
    return packed_12bit(images).astype(np.float32).reshape(-1, N_REGIONS)


def _channels(images: np.ndarray) -> np.ndarray:
    return channels(images).reshape(-1, len(CHANNELS) * N_REGIONS)


ET = student_input(
    StudentInput(
        name="et",
        description="region ET: 252 values 0..1023 (ap_uint<10>), phi-major",
        channels=("et",),
        channel_max=(REGION_ET_MAX,),
        needs_bits=False,
        values=f"region ET 0..{REGION_ET_MAX}",
        encode=_et,
    )
)

PACKED = student_input(
    StudentInput(
        name="packed",
        description="one 12-bit integer per region, ET << 2 | tau << 1 | e/gamma: 252 values 0..4095 (ap_uint<12>); "
        "needs data.region_bits",
        channels=("packed",),
        channel_max=(2**PACKED_BITS - 1,),
        needs_bits=True,
        values=f"packed regions ET << 2 | tau << 1 | e/gamma, 0..{2**PACKED_BITS - 1}",
        encode=_packed,
    )
)

THREE_CHANNELS = student_input(
    StudentInput(
        name="channels",
        description="ET, tau bit, e/gamma bit of each region: 756 values (18 x 14 x 3, channels innermost; ET "
        "0..1023, bits 0..1; ap_uint<10>); needs data.region_bits",
        channels=CHANNELS,
        channel_max=(REGION_ET_MAX, 1, 1),
        needs_bits=True,
        values=f"region ET 0..{REGION_ET_MAX} and bits 0..1",
        encode=_channels,
    )
)


def input_kind(name: str) -> StudentInput:
    """The student input kind called ``name`` (``student.input``)."""
    return STUDENT_INPUTS.get(name)


def encode(kind: StudentInput, images: np.ndarray, source: str = "images") -> np.ndarray:
    """``kind``'s input for region ``images`` of either layout, ``(N, size)`` float32; a DataError naming
    ``source`` when the kind reads bits that the images lack."""
    if kind.needs_bits and not has_bits(images):
        raise DataError(
            f"{source}: holds region ET only; the student reads {kind.values} (student.input: {kind.name}): "
            "expected images with e/gamma and tau bits (data.region_bits: true)"
        )
    return kind.encode(images)


def fingerprint_inputs(name: str) -> dict:
    """What a stage that hands the student its input adds to its fingerprint's inputs: ``student.input``,
    except at its default (region ET), so that a build made before the key existed stays up to date."""
    return {} if name == DEFAULT else {"student_input": name}
