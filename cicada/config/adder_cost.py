"""``student.adder_cost``: regularisers that train a student for the adders its firmware costs.

The open-source RTL flow builds every constant multiplication as shift-and-add (a
multiplier-free adder graph): each non-zero digit of a weight's canonical-signed-digit (CSD)
form is one adder input, once per time the kernel is applied (a convolution kernel at every
output position). These keys make the training see that cost, per layer with weights; all
of them are off by default, and a config that leaves ``adder_cost`` out trains exactly as
before (the section is left out of the student stage's fingerprint while at its default).
"""

from __future__ import annotations

from .model import ConfigModel, Integer, Number, invalid, option


class LayerCost(ConfigModel):
    """What one layer's quantized kernel pays in the training loss."""

    l1: Number = option(
        "weight of the L1 penalty on the quantized kernel, per LSB of |weight| per application of the kernel "
        "(straight-through: the gradient flows to the float kernel as QKeras' quantizer passes it)",
        0.0,
        ge=0.0,
    )
    digits: Number = option(
        "weight of the penalty per non-zero canonical-signed-digit term of the quantized kernel per application "
        "(the adders a multiplier-free graph builds before it shares terms); straight-through gradient: each "
        "weight is pulled toward the nearest value with fewer terms",
        0.0,
        ge=0.0,
    )
    sparsity: Number = option(
        "magnitude pruning (TensorFlow Model Optimization's prune_low_magnitude): this fraction of the kernel's "
        "weights is held at zero, the smallest by magnitude, from the first training step; 0: no pruning",
        0.0,
        ge=0.0,
        lt=1.0,
    )

    def active(self) -> bool:
        return bool(self.l1 or self.digits or self.sparsity)


class AdderCostConfig(ConfigModel):
    """Regularisers toward a cheaper adder graph, per layer with weights (names as in ``hls.layers``).

    A layer listed here has its kernel's cost (CSD terms, zeros) logged after every training epoch
    (``student_adder_cost.csv``), even with every strength at 0."""

    layers: dict[str, LayerCost] = option("layer name -> its penalties (layers not listed pay nothing)", {})
    pruning_frequency: Integer = option(
        "training steps between updates of the pruning masks (tfmot's ConstantSparsity frequency)", 100, ge=1
    )

    def active(self) -> bool:
        """Whether training changes: some layer has a penalty or pruning."""
        return any(layer.active() for layer in self.layers.values())

    def logged(self) -> bool:
        """Whether the kernels' cost is logged per epoch (some layer is listed)."""
        return bool(self.layers)

    def check_layers(self, weight_layers: dict[str, str]) -> None:
        """Each listed layer must be one of the student's layers with weights."""
        for name in self.layers:
            if name not in weight_layers:
                raise invalid(
                    f"expected the name of a layer with weights ({', '.join(weight_layers) or 'none'})",
                    f"adder_cost.layers.{name}",
                )
