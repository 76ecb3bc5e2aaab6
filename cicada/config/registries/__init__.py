"""The registries the config is assembled from, one module per family of plug-ins.

Each module holds a family's registry, the record or base type its entries declare to the
config (a signal kind's settings model, a layer type's spec, a backend's settings) and the
decorator that registers one. The plug-ins (signal kinds in :mod:`cicada.data.signals`,
layer types in :mod:`cicada.layers`, backends in :mod:`cicada.synthesis`, ...) sit above
the config and fill these registries; :mod:`cicada.config.sections` reads them, and
:mod:`cicada.plugins` loads the built-in plug-ins. Nothing is imported here: an import in an
``__init__`` joins the fingerprint of everything below it.
"""
