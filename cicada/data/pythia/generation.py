"""Running Pythia 8: final-state particles and calorimeter deposits of a named process."""

from __future__ import annotations

import dataclasses
import importlib.metadata
from typing import Callable, Iterator, Sequence

import numpy as np

from ...core.detector import DetectorResponse
from ...core.progress import progress as progress_bar
from ...core.seeds import PYTHIA_SEED_MAX
from .processes import pythia_settings, require
from .response import Deposits, Particles, concatenate_deposits, detector_response

BATCH_EVENTS = 500  # events converted to arrays at a time: bounds memory for long runs

ProgressCallback = Callable[[int, int], None]


def check_seed(seed: int) -> int:
    """``seed`` if Pythia accepts it as a reproducible stream, else a ValueError."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 1 <= seed <= PYTHIA_SEED_MAX:
        raise ValueError(
            f"Pythia seed must be an integer in 1..{PYTHIA_SEED_MAX:,} (got {seed!r}); see cicada.core.seeds.pythia_seed()"
        )
    return int(seed)


def _import_pythia():
    try:
        import pythia8mc
    except ImportError as error:  # the generator is optional
        raise ImportError("Pythia 8 generation needs the pythia8mc package: pip install pythia8mc==8.317.2") from error
    return pythia8mc


def pythia_version() -> str:
    """Installed pythia8mc version, or 'not installed'."""
    try:
        return importlib.metadata.version("pythia8mc")
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def make_pythia(settings: Sequence[str], seed: int):
    """An initialised ``pythia8mc.Pythia`` with ``settings`` and a fixed seed; nothing printed."""
    seed = check_seed(seed)
    pythia8mc = _import_pythia()
    pythia = pythia8mc.Pythia("", False)  # default data directory, no banner
    for line in (*settings, "Random:setSeed = on", f"Random:seed = {seed}"):
        if not pythia.readString(line):
            raise ValueError(f"Pythia rejected the setting '{line}'")
    if not pythia.init():
        raise RuntimeError("Pythia failed to initialise with settings:\n  " + "\n  ".join(settings))
    return pythia


def _final_state(event) -> list[tuple]:
    """(id, charge, E, pT, eta, phi, x, y, z) of the final-state particles of a Pythia event."""
    return [
        (p.id(), p.charge(), p.e(), p.pT(), p.eta(), p.phi(), p.xProd(), p.yProd(), p.zProd())
        for p in event
        if p.isFinal()
    ]


def _particles_from_rows(rows: list[tuple], event_index: list[int], n_events: int) -> Particles:
    columns = np.ascontiguousarray(np.asarray(rows, dtype=np.float64).reshape(-1, 9).T)
    return Particles(
        event=np.asarray(event_index, dtype=np.int64),
        pid=columns[0].astype(np.int64),
        charge=columns[1],
        energy_gev=columns[2],
        pt_gev=columns[3],
        eta=columns[4],
        phi=columns[5],
        x_mm=columns[6],
        y_mm=columns[7],
        z_mm=columns[8],
        n_events=n_events,
    )


def _particle_batches(
    pythia, n_events: int, label: str, progress: ProgressCallback | None, pt_hat: list[float] | None = None
) -> Iterator[Particles]:
    """Run ``n_events`` events, yielding their particles a batch of events at a time; each
    event's pT-hat is appended to ``pt_hat`` when given."""
    max_failures = 10 + n_events // 10
    failures = done = 0
    rows: list[tuple] = []
    index: list[int] = []
    with progress_bar(n_events, f"pythia {label}") as bar:
        while done < n_events:
            if not pythia.next():  # rare; Pythia gives up on an event, we draw another
                failures += 1
                if failures > max_failures:
                    raise RuntimeError(f"Pythia failed on {failures} events of '{label}'")
                continue
            particles = _final_state(pythia.event)
            if pt_hat is not None:
                pt_hat.append(pythia.infoPython().pTHat())
            rows += particles
            index += [done] * len(particles)
            done += 1
            bar.update(1)
            if progress is not None:
                progress(done, n_events)
            if done % BATCH_EVENTS == 0 or done == n_events:
                yield _particles_from_rows(rows, index, n_events)
                rows, index = [], []


def generate_particles(
    process: str, n_events: int, seed: int, *, progress: ProgressCallback | None = None, **params
) -> Particles:
    """Final-state particles of ``n_events`` Pythia events of ``process`` (truth level)."""
    require(n_events >= 0, "n_events must not be negative")
    pythia = make_pythia(pythia_settings(process, **params), seed)
    batches = list(_particle_batches(pythia, n_events, process, progress))
    if not batches:
        return Particles.build(pid=[], pt_gev=[], eta=[], phi=[], event=np.zeros(0, np.int64), n_events=n_events)
    return Particles(
        *(np.concatenate([getattr(b, f.name) for b in batches]) for f in dataclasses.fields(Particles)[:-1]),
        n_events=n_events,
    )


def generate_deposits(
    process: str,
    n_events: int,
    seed: int,
    *,
    response: DetectorResponse | None = None,
    progress: ProgressCallback | None = None,
    **params,
) -> Deposits:
    """Visible calorimeter deposits of ``n_events`` Pythia events of ``process``, with each
    event's pT-hat and Pythia's cross-section estimate.

    ``seed`` is Pythia's (1..900,000,000; see :func:`cicada.core.seeds.pythia_seed`); ``params`` are the
    process's physics parameters (see the ``*_settings`` functions); ``progress(done, total)``
    is called after every event.
    """
    require(n_events >= 0, "n_events must not be negative")
    pythia = make_pythia(pythia_settings(process, **params), seed)
    pt_hat: list[float] = []
    batches = _particle_batches(pythia, n_events, process, progress, pt_hat)
    pieces = [detector_response(batch, response) for batch in batches]
    return concatenate_deposits(pieces, n_events, pythia.infoPython().sigmaGen(), np.asarray(pt_hat, dtype=np.float64))
