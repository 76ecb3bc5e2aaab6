"""A physics process generated with Pythia 8, overlaid on the Pythia generator's pileup."""

from __future__ import annotations

import inspect
from typing import Annotated, Literal

import numpy as np
from pydantic import model_validator

from ...config.model import Number, OneOf, invalid, option
from ...core.progress import log
from ...core.seeds import pythia_seed
from ..pythia.processes import PROCESSES, process_settings
from . import SignalContext, SignalSample, signal_kind


class PythiaSignal(SignalSample):
    """A physics process generated with Pythia 8 (needs generator: pythia), overlaid on its pileup.

    Processes and their parameters: {processes}.
    """

    kind: Literal["pythia"] = option("signal kind")
    process: Annotated[str, OneOf(lambda: tuple(PROCESSES))] = option("Pythia process")
    params: dict[str, Number] = option(
        "the process's physics parameters (see the processes above), e.g. {mass_gev: 1000}", {}
    )

    @model_validator(mode="after")
    def _known_parameters(self):
        try:  # the settings functions are plain Python: no Pythia needed to check them
            process_settings(self.process, **self.params)
        except (ValueError, TypeError) as err:
            raise invalid(f"valid parameters: {err}", "params") from None
        return self


PythiaSignal.__doc__ = (PythiaSignal.__doc__ or "").format(
    processes="; ".join(
        f"{name}({', '.join(f'{p.name}={p.default}' for p in inspect.signature(f).parameters.values())})"
        for name, f in PROCESSES.items()
    )
)


@signal_kind("pythia", PythiaSignal, requires_generator="pythia")
def generate_pythia_signal(sample: PythiaSignal, context: SignalContext, rng: np.random.Generator) -> np.ndarray:
    log.info(f"  generating {sample.events:,} events of signal '{sample.name}' (Pythia {sample.process})")
    seed = pythia_seed(context.seed, f"signal/{sample.name}")
    return context.generator.signal_images(sample.process, sample.events, seed, rng, sample.params)
