"""Keras ``Dropout``: training only; hls4ml leaves it out of the firmware.

The home of its rules (see :mod:`cicada.layers`); this package imports nothing.
"""
