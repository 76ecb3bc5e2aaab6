"""One home per layer type: its Keras build and spec and the rules of what it becomes, in one place.

Each layer type is a package here (``qdense/``, ``qconv2d/``, ...) whose modules each hold one of
its rules and register it where that rule's readers find it:

* ``keras.py``: the spec (the keys of a ``student.layers`` entry) and the Keras build,
  ``LAYER_TYPES`` (:mod:`cicada.config.registries.layers`), keyed by the config's type name;
* ``precision.py``: the precision rule of the hls4ml class it becomes, ``PRECISION_RULES``
  (:mod:`cicada.core.intervals`), keyed by that hls4ml class;
* ``integer.py``: the integer model's rule of that class, ``INTEGER_RULES``
  (:mod:`cicada.firmware.integer_layers`), keyed by the hls4ml class;
* ``trace.py``: the RTL flow's rule, ``TRACE_RULES`` (:mod:`cicada.synthesis.rtl.trace`), keyed by
  the Keras class.

A type without a rule of some kind has no such module (a Flatten becomes hls4ml's Reshape, whose
rules are the Reshape home's). The registries and the machinery that runs the rules stay on the
floors below, where their readers are; this package sits above synthesis, so that a home may
import all four.

Neither this package nor a home imports anything. Each kind of rule is listed once, in
:mod:`.keras`, :mod:`.precision`, :mod:`.integer` and :mod:`.trace`: the loader imports them
(:mod:`cicada.plugins`), and a stage imports those whose rules its code runs, so that its
fingerprint holds those rules and no others (an edit to a QDense's RTL rule reruns the synthesis,
not the training).
"""
