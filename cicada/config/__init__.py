"""The build configuration.

* :mod:`.model`: the base model and field types (the schema's vocabulary);
* :mod:`.registries`: the registries of the plug-ins (signal kinds, generators, architectures,
  layer types, synthesis backends) with the types their entries declare to the config;
* :mod:`.sections`: the sections of a build config (``BuildConfig``), assembled from the
  registries once :func:`cicada.plugins.load` has filled them;
* :mod:`.loader`: reading a YAML file into a ``BuildConfig`` with one clear error line;
* :mod:`.messages`: pydantic's errors in cicada's words;
* :mod:`.reference`: ``cicada schema`` (text) and the JSON Schema.

Nothing is imported here: an import in an ``__init__`` joins the fingerprint of every module
below it (docs/architecture.md).
"""
