"""Errors that cicada reports to the user as one clear line, without a traceback.

Anything raised as a :class:`CicadaError` is a problem with the user's input or
environment (a config key, a data file, a model, a missing tool). Every other
exception reaching the command line is a bug in cicada.
"""


class CicadaError(Exception):
    """Base class: a user-facing error whose message says what was expected."""


class ConfigError(CicadaError):
    """A config file is missing, unreadable, or holds a wrong key, type or value."""


class DataError(CicadaError):
    """A dataset file is missing, corrupt, or holds images of the wrong shape or range."""


class ModelError(CicadaError):
    """A model cannot be built, loaded or trained as the config asks."""


class ConversionError(CicadaError):
    """hls4ml cannot convert the model, or the chosen fixed-point precisions are unsafe."""


class VerificationError(CicadaError):
    """The C simulation of the firmware disagrees with the QKeras model."""


class ToolError(CicadaError):
    """An external tool (g++, vitis-run, vivado_hls) is missing or failed."""
