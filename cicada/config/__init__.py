"""The build configuration.

* :mod:`.model`: the base model and field types (the schema's vocabulary);
* :mod:`.sections`: the sections of a build config (``BuildConfig``);
* :mod:`.loader`: reading a YAML file into a ``BuildConfig`` with one clear error line;
* :mod:`.messages`: pydantic's errors in cicada's words;
* :mod:`.reference`: ``cicada schema`` (text) and the JSON Schema.

Nothing is imported here, so that plug-in modules can import :mod:`.model` while the
sections (which list the plug-ins) are still being assembled.
"""
