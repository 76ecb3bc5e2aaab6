"""da4ml's solver is compiled by numba on first use in a Python environment, then cached.

The compilation takes minutes on 2 cores (373 s measured under load, for a 4x2 matrix); every
later process loads the cached machine code in seconds. ``cicada warmup`` (run by ``make
install``) compiles it ahead, so that the first build's RTL stage does not pay for it, and the
RTL stage says so when it is about to.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def _cache_folders() -> list[Path]:
    """Where numba keeps da4ml's compiled functions: NUMBA_CACHE_DIR, or beside the sources."""
    import da4ml

    package = Path(da4ml.__file__).parent
    if os.environ.get("NUMBA_CACHE_DIR"):
        root = Path(os.environ["NUMBA_CACHE_DIR"])
        return [p for p in root.glob("cmvm*") if p.is_dir()]
    return [package / "cmvm" / "__pycache__"]


def solver_is_compiled() -> bool:
    """Whether numba has cached da4ml's ``solve`` in this environment (its index file exists)."""
    return any(any(folder.glob("api.solve-*.nbi")) for folder in _cache_folders() if folder.exists())


def compile_solver() -> float:
    """Compile (or load) da4ml's solver by solving a tiny problem; returns the seconds it took."""
    import numpy as np
    from da4ml.trace import FixedVariableArrayInput, HWConfig, comb_trace

    started = time.monotonic()
    options = {"hard_dc": 0, "search_all_decompose_dc": False}  # the options the RTL flow uses
    inputs = FixedVariableArrayInput((4,), hwconf=HWConfig(1, -1, -1), solver_options=options)
    outputs = inputs.quantize(0, 10, 0) @ np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 2.0], [1.0, 1.0]])
    comb_trace(inputs, outputs)
    return time.monotonic() - started
