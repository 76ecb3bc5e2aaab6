"""One home per layer type: its Keras build and spec and the rules of what it becomes.

Each layer type is a package here whose modules each hold one of its rules and register it:
``keras.py`` (the spec and the Keras build, :data:`cicada.config.registries.layers.LAYER_TYPES`)
and ``precision.py`` (the precision rule of the hls4ml class it becomes,
:data:`cicada.core.intervals.PRECISION_RULES`). The registries stay below, where their readers
are; the modules of this package fill them.

Neither this package nor a home imports anything: a module of one kind of rule for every home is
listed once, in :mod:`.keras` and :mod:`.precision`, which the loader imports
(:mod:`cicada.plugins`) and which a stage that runs those rules imports, so that a stage's
fingerprint holds the rules it runs and no others.
"""
