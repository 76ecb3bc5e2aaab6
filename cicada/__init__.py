"""cicada: compile Level-1 trigger anomaly-detection models from calorimeter data to verified HLS firmware."""

__version__ = "0.1.0"
