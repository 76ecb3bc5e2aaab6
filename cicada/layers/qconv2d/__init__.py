"""QKeras ``QConv2D``: a 2D convolution with quantized kernel (and bias).

The home of its rules (see :mod:`cicada.layers`); this package imports nothing.
"""
