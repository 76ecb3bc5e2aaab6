"""QKeras ``QActivation``: a quantized activation such as ``quantized_relu(10, 6)``.

The home of its rules (see :mod:`cicada.layers`); this package imports nothing.
"""
