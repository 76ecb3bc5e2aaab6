"""Keras ``Reshape``: values pass unchanged, only their arrangement changes.

The home of its rules (see :mod:`cicada.layers`); this package imports nothing.
"""
