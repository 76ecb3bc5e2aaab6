"""The precision rule of hls4ml's ``Reshape`` (what a Reshape or a Flatten becomes) and ``Transpose``:
values pass unchanged, only their arrangement changes (``PRECISION_RULES["Reshape"]``, ``["Transpose"]``)."""

from __future__ import annotations

from ...core.intervals import Bounds, PrecisionProof, RuleInput, cast, precision_rule


@precision_rule("Reshape", "Transpose")
def reshape_bounds(proof: PrecisionProof, given: RuleInput) -> Bounds:
    return cast(given.incoming.reshaped(given.out_shape), given.result_type, given.ideal)
