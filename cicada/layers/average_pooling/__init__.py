"""Keras ``AveragePooling2D`` (and the max pooling hls4ml handles in the same class).

The home of its rules (see :mod:`cicada.layers`); this package imports nothing.
"""
