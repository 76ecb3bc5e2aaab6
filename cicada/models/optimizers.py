"""The optimizers training may use, with every variable of their state reachable for checkpoints.

The training loop checkpoints an optimizer's variables after each epoch and restores them on
resume, so an optimizer qualifies only if its whole state lives in its variables:

* ``adam``: tf_keras' Adam (iterations, first and second moments);
* ``nadam``: tf_keras' *legacy* Nadam (Dozat's Nadam: iterations, the momentum-schedule product
  ``momentum_cache``, first and second moments). The newer ``tf_keras.optimizers.Nadam`` keeps
  its schedule product in a variable outside ``optimizer.variables`` and decides when to update it
  with a Python counter that advances when the training step is traced; the loop retraces every
  epoch, so neither a resumed nor an uninterrupted run would follow the textbook update.
"""

from __future__ import annotations

from typing import Literal

from ..core.tf import tensorflow

OptimizerName = Literal["adam", "nadam"]


def make_optimizer(name: OptimizerName, learning_rate: float):
    tf = tensorflow()
    if name == "adam":
        return tf.keras.optimizers.Adam(learning_rate=learning_rate)
    if name == "nadam":
        return tf.keras.optimizers.legacy.Nadam(learning_rate=learning_rate)
    raise ValueError(f"unknown optimizer {name!r}")


def _legacy(optimizer) -> bool:
    return isinstance(optimizer, tensorflow().keras.optimizers.legacy.Optimizer)


def build_state(optimizer, variables) -> None:
    """Create the optimizer's state for the model's trainable ``variables`` before the first step
    (so a checkpoint can be restored into it)."""
    if _legacy(optimizer):
        optimizer._create_all_weights(variables)  # what its first apply_gradients would do
    else:
        optimizer.build(variables)


def state_variables(optimizer) -> list:
    """Every variable of the optimizer's state, in a fixed order."""
    return list(optimizer.variables()) if _legacy(optimizer) else list(optimizer.variables)
