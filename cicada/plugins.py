"""The loader: the one list of the packages whose modules fill cicada's registries.

cicada's extension points are registries (:class:`cicada.core.registry.Registry`): zero-bias
generators, signal kinds, teacher and student architectures, layer types and the rules of the
hls4ml layer classes they become, synthesis backends. An entry registers itself when its module
is imported, and each family's package imports its built-in members in its ``__init__``, in
the order their names are listed (a new member is one more import line there).

The config is assembled from these registries (:mod:`cicada.config.sections`), and it sits
below the plug-ins: a signal kind's settings are a config model, so the signal kinds import the
config, never the other way round. The config therefore calls :func:`load`, which imports the
plug-in packages by name. This module imports nothing of cicada and is the only one that
imports by name (``tests/test_architecture.py`` checks both).

What a fingerprint sees: an import by name is invisible to a stage's import closure, so a module
that runs a family's entries imports that family's package itself (:mod:`cicada.data.make`
imports :mod:`cicada.data.signals`), and every entry's code is in the fingerprint of the
stages that run it (``tests/test_architecture.py`` checks that too).
"""

from __future__ import annotations

import importlib

#: registry (its ``kind``) -> the package whose import registers its built-in entries
BUILT_IN: dict[str, str] = {
    "zero-bias generator": "cicada.data.generators",
    "signal kind": "cicada.data.signals",
    "teacher architecture": "cicada.models.teachers",
    "student architecture": "cicada.models.students",
    "student input": "cicada.data.student_inputs",
    # each layer type's home (cicada/layers/<type>/) holds its rules, one module per registry
    "layer type": "cicada.layers.keras",
    "precision rule": "cicada.layers.precision",
    "integer-model layer rule": "cicada.layers.integer",
    "synthesis backend": "cicada.synthesis",
    "report section": "cicada.synthesis.sections",
    "RTL layer rule": "cicada.layers.trace",
}


def load(*kinds: str) -> None:
    """Import the built-in plug-ins of the registries named by their ``kind`` (all without a name).

    Idempotent: a package already imported is not imported again.
    """
    for kind in kinds or tuple(BUILT_IN):
        importlib.import_module(BUILT_IN[kind])
