"""QKeras ``QDense``: a fully connected layer with quantized kernel (and bias).

The home of its rules (see :mod:`cicada.layers`); this package imports nothing.
"""
