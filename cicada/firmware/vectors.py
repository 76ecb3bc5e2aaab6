"""Test vectors for board pattern tests: input images and the firmware's expected outputs.

Two forms of the same vectors are written:

* text, in the C-simulation testbench's own format (``tb_input_features.dat``: one event
  per line, the 252 region ET values separated by spaces; ``tb_output_predictions.dat``:
  the expected outputs, exact decimals), so the project's testbench runs them unchanged;
* binary ``vectors.bin``, for pattern files on the board: a 40-byte little-endian header,
  then the inputs as uint16 (event-major), then the outputs as int32 raw fixed-point
  integers (value x 2**fractional bits)::

      offset  type      field
      0       8 bytes   magic b"CICADATV"
      8       uint32    format version (1)
      12      uint32    number of events
      16      uint32    inputs per event
      20      uint32    outputs per event
      24      uint32    input bits (unsigned integers)
      28      uint32    output width (bits)
      32      int32     output integer bits
      36      uint32    output signed (0 or 1)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import DataError
from ..core.files import atomic_path
from ..core.fixedpoint import FixedType

MAGIC = b"CICADATV"
FORMAT_VERSION = 1
_HEADER = struct.Struct("<8sIIIIIIiI")
INPUT_FILE = "tb_input_features.dat"
OUTPUT_FILE = "tb_output_predictions.dat"
BINARY_FILE = "vectors.bin"


@dataclass(frozen=True)
class Vectors:
    inputs: np.ndarray  # (N, n_inputs) integers
    outputs: np.ndarray  # (N, n_outputs) values
    output_type: FixedType
    input_bits: int

    @property
    def raw_outputs(self) -> np.ndarray:
        return np.rint(self.outputs * 2.0**self.output_type.fractional).astype(np.int64)


def write_vectors(directory: Path, vectors: Vectors) -> dict[str, Path]:
    """Write the text and binary forms into ``directory`` (each file atomically)."""
    directory = Path(directory)
    inputs = np.asarray(vectors.inputs).reshape(len(vectors.inputs), -1)
    if (
        not np.all(inputs == np.round(inputs))
        or inputs.min(initial=0) < 0
        or inputs.max(initial=0) >= 2**vectors.input_bits
    ):
        raise DataError(f"test-vector inputs must be integers in 0..{2**vectors.input_bits - 1}")
    outputs = np.asarray(vectors.outputs, dtype=np.float64).reshape(len(inputs), -1)
    raw = np.rint(outputs * 2.0**vectors.output_type.fractional).astype(np.int64)
    paths = {"inputs": directory / INPUT_FILE, "outputs": directory / OUTPUT_FILE, "binary": directory / BINARY_FILE}
    with atomic_path(paths["inputs"]) as tmp:
        np.savetxt(tmp, inputs.astype(np.int64), fmt="%d", delimiter=" ")
    with atomic_path(paths["outputs"]) as tmp:
        # raw / 2**F printed with enough digits is the exact decimal of the fixed-point value
        np.savetxt(tmp, outputs, fmt="%.17g", delimiter=" ")
    header = _HEADER.pack(
        MAGIC,
        FORMAT_VERSION,
        len(inputs),
        inputs.shape[1],
        outputs.shape[1],
        vectors.input_bits,
        vectors.output_type.width,
        vectors.output_type.integer,
        int(vectors.output_type.signed),
    )
    with atomic_path(paths["binary"]) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(header)
            handle.write(inputs.astype("<u2").tobytes())
            handle.write(raw.astype("<i4").tobytes())
    return paths


def read_binary(path: Path) -> Vectors:
    """Read ``vectors.bin`` back (checking magic, version and size)."""
    path = Path(path)
    data = path.read_bytes()
    if len(data) < _HEADER.size:
        raise DataError(f"{path}: {len(data)} bytes, shorter than the {_HEADER.size}-byte header")
    magic, version, events, n_in, n_out, input_bits, width, integer, signed = _HEADER.unpack_from(data)
    if magic != MAGIC or version != FORMAT_VERSION:
        raise DataError(f"{path}: not a cicada test-vector file (magic {magic!r}, version {version})")
    expected = _HEADER.size + events * n_in * 2 + events * n_out * 4
    if len(data) != expected:
        raise DataError(f"{path}: {len(data)} bytes, expected {expected} for {events} events (truncated?)")
    inputs = np.frombuffer(data, "<u2", events * n_in, _HEADER.size).reshape(events, n_in)
    raw = np.frombuffer(data, "<i4", events * n_out, _HEADER.size + events * n_in * 2).reshape(events, n_out)
    output_type = FixedType(width, integer, bool(signed))
    return Vectors(inputs.astype(np.int64), raw / 2.0**output_type.fractional, output_type, input_bits)


def read_text(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """The text form: (inputs, outputs) as written by :func:`write_vectors`."""
    directory = Path(directory)
    inputs = np.loadtxt(directory / INPUT_FILE, dtype=np.int64, ndmin=2)
    outputs = np.loadtxt(directory / OUTPUT_FILE, dtype=np.float64, ndmin=2)
    return inputs, outputs
