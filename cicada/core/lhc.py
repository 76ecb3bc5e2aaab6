"""The LHC's bunch-crossing rate: what one zero-bias event stands for (its one home; the rates and the
agreement of a float model's firmware read it)."""

from __future__ import annotations

LHC_FILLED_BUNCHES = 2544
LHC_REVOLUTION_FREQUENCY_KHZ = 11.245
#: Rate of filled-bunch crossings: every zero-bias event stands for this rate (28.61 MHz).
ZERO_BIAS_RATE_KHZ = LHC_FILLED_BUNCHES * LHC_REVOLUTION_FREQUENCY_KHZ
