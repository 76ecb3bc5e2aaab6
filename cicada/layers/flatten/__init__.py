"""Keras ``Flatten``.

The home of its rules (see :mod:`cicada.layers`); this package imports nothing.
"""
