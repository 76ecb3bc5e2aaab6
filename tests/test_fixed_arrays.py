"""ap_fixed casts in Python (cicada/firmware/fixed_arrays.py) against ap_fixed itself.

Every quantization and overflow mode, on signed and unsigned types, on types with more
integer bits than width and on wrapping ones, for every value of a source grid: the whole
numbers of the Python casts (scalar and array) must be those that g++ computes with the
ap_types headers hls4ml ships.
"""

from __future__ import annotations

import importlib.util
import itertools
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cicada.core.fixedpoint import ROUNDING_MODES, SATURATION_MODES, FixedType
from cicada.firmware.fixed_arrays import (
    EXACT_FLOAT64,
    NotExact,
    Span,
    cast_whole,
    from_double,
    integer_range,
    plan_cast,
    round_shifted,
)

SOURCE_FRACTIONAL = 5
SOURCE = range(-(2**9), 2**9)  # whole numbers: values -16 .. 16 in steps of 2^-5
TARGETS = [
    FixedType(width, integer, signed, rounding, saturation)
    for (width, integer, signed) in [(6, 3, True), (5, 2, False), (4, 6, True), (3, -1, True), (7, 7, False)]
    for rounding, saturation in itertools.product(ROUNDING_MODES, SATURATION_MODES)
]


def test_rounding_modes_on_ties_and_near_ties():
    # value = numerator / 4; ties at +-0.5 and +-1.5
    cases = {
        "TRN": {-6: -2, -5: -2, -2: -1, 2: 0, 5: 1, 6: 1},
        "TRN_ZERO": {-6: -1, -5: -1, -2: 0, 2: 0, 5: 1, 6: 1},
        "RND": {-6: -1, -5: -1, -2: 0, 2: 1, 5: 1, 6: 2},
        "RND_ZERO": {-6: -1, -5: -1, -2: 0, 2: 0, 5: 1, 6: 1},
        "RND_MIN_INF": {-6: -2, -5: -1, -2: -1, 2: 0, 5: 1, 6: 1},
        "RND_INF": {-6: -2, -5: -1, -2: -1, 2: 1, 5: 1, 6: 2},
        "RND_CONV": {-6: -2, -5: -1, -2: 0, 2: 0, 5: 1, 6: 2},
    }
    for mode, expected in cases.items():
        assert {n: round_shifted(n, 2, mode) for n in expected} == expected, mode


def test_overflow_modes():
    signed = dict(width=4, integer=4, signed=True)
    assert cast_whole(9, 0, FixedType(**signed, saturation="WRAP")) == -7
    assert cast_whole(9, 0, FixedType(**signed, saturation="SAT")) == 7
    assert cast_whole(-9, 0, FixedType(**signed, saturation="SAT")) == -8
    assert cast_whole(-8, 0, FixedType(**signed, saturation="SAT_SYM")) == -7
    assert cast_whole(-9, 0, FixedType(**signed, saturation="SAT_ZERO")) == 0
    assert cast_whole(-1, 0, FixedType(4, 4, False, saturation="SAT")) == 0
    assert cast_whole(-1, 0, FixedType(4, 4, False)) == 15
    # rounding first, then overflow: 7.5 rounds up to 8, which saturates
    assert cast_whole(15, 1, FixedType(**signed, rounding="RND", saturation="SAT")) == 7
    assert cast_whole(15, 1, FixedType(**signed, rounding="RND")) == -8


def test_array_casts_agree_with_the_scalar_casts():
    values = np.arange(SOURCE.start, SOURCE.stop, dtype=np.float64)
    span = Span(SOURCE.start, SOURCE.stop - 1, SOURCE_FRACTIONAL)
    for target in TARGETS:
        cast, result = plan_cast(span, target)
        got = cast.apply(values.copy())
        expected = np.array([cast_whole(int(n), SOURCE_FRACTIONAL, target) for n in SOURCE], dtype=np.float64)
        assert np.array_equal(got, expected), target
        assert result.low <= expected.min() and expected.max() <= result.high, target
        assert result.fractional == target.fractional


def test_a_cast_that_floats_cannot_hold_is_refused():
    with pytest.raises(NotExact):
        plan_cast(Span(0, EXACT_FLOAT64, 0), FixedType(60, 58))


def test_the_bounds_of_a_cast_that_cannot_overflow_skip_the_overflow():
    cast, span = plan_cast(Span(0, 1023, 0), FixedType(16, 12))
    assert cast.linear and cast.scale == 16.0 and (span.low, span.high, span.fractional) == (0, 1023 * 16, 4)
    cast, span = plan_cast(Span(-3, 1023, 2), FixedType(14, 12))
    assert cast.identity
    cast, span = plan_cast(Span(-100, 5000, 8), FixedType(10, 6, False, "RND_CONV", "SAT"))
    assert cast.overflow == "SAT" and cast.clip_low and not cast.clip_high
    assert integer_range(FixedType(10, 6, False)) == (0, 1023)


# ------------------------------------------------------------------------ against C++
def _ap_types() -> Path:
    spec = importlib.util.find_spec("hls4ml")
    assert spec is not None and spec.submodule_search_locations
    return Path(list(spec.submodule_search_locations)[0]) / "templates" / "vivado" / "ap_types"


def _cpp_type(fixed: FixedType) -> str:
    base = "ap_fixed" if fixed.signed else "ap_ufixed"
    return f"{base}<{fixed.width}, {fixed.integer}, AP_{fixed.rounding}, AP_{fixed.saturation}>"


DOUBLES = [0.1, -0.1, 2.6789, -2.6789, 1.0 / 3.0, -7.999999, 3.25, -3.75, 1e-9, 12.5, -12.5, 0.03125, 5.96875]


@pytest.mark.slow  # compiles C++ with every ap_fixed mode (about a minute)
def test_casts_agree_with_ap_fixed(tmp_path):
    lines = ['#include "ap_fixed.h"', "#include <cstdio>", "int main() {"]
    source = f"ap_fixed<{10 + SOURCE_FRACTIONAL + 1}, 11>"
    lines.append(f"  for (int n = {SOURCE.start}; n < {SOURCE.stop}; ++n) {{")
    lines.append(f"    {source} x; x.V = n;")  # the raw bits: x = n * 2^-{SOURCE_FRACTIONAL}
    for index, target in enumerate(TARGETS):
        lines.append(f'    {{ {_cpp_type(target)} y = x; std::printf("c {index} %d %.17g\\n", n, y.to_double()); }}')
    lines.append("  }")
    lines.append(f"  const double doubles[] = {{{', '.join(repr(d) for d in DOUBLES)}}};")
    lines.append(f"  for (int k = 0; k < {len(DOUBLES)}; ++k) {{")
    for index, target in enumerate(TARGETS):
        lines.append(
            f'    {{ {_cpp_type(target)} y = doubles[k]; std::printf("d {index} %d %.17g\\n", k, y.to_double()); }}'
        )
    lines += ["  }", "  return 0;", "}"]
    (tmp_path / "casts.cpp").write_text("\n".join(lines))
    subprocess.run(
        ["g++", "-O0", "-std=c++17", "-w", "-I", str(_ap_types()), "casts.cpp", "-o", "casts"],
        cwd=tmp_path,
        check=True,
    )
    output = subprocess.run([str(tmp_path / "casts")], capture_output=True, text=True, check=True).stdout
    checked = 0
    for line in output.splitlines():
        kind, index, item, value = line.split()
        target = TARGETS[int(index)]
        if kind == "c":
            expected = cast_whole(int(item), SOURCE_FRACTIONAL, target)
        else:
            expected = from_double(DOUBLES[int(item)], target)
        assert float(value) == expected * target.lsb, (line, target, expected)
        checked += 1
    assert checked == len(TARGETS) * (len(SOURCE) + len(DOUBLES))
