"""Where a scan runs: a Dask client on a LocalCluster, a running scheduler, or HTCondor/SLURM jobs.

Every worker must run the same cicada as the scan (the same version and the same source
files): stages record their code in their stamps, and a mix would leave points built by
different code side by side. The scan checks the workers it finds at the start, and every
task checks its own worker again (workers of a batch system arrive later).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from .. import __version__
from ..core.errors import CicadaError
from ..core.progress import log

if TYPE_CHECKING:
    from ..config.scan import HTCondorEngine, SLURMEngine

#: How long a local or remote scheduler may take to show its first worker.
WORKER_WAIT_S = 120


class EngineError(CicadaError):
    """The Dask engine cannot be started or reached, or its workers do not fit."""


class WorkerMismatch(CicadaError):
    """A worker runs another cicada than the scan."""


@functools.lru_cache(maxsize=1)
def cicada_identity() -> dict:
    """This process's cicada: its version and a hash of its source files (paths and contents)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return {"version": __version__, "source": digest.hexdigest()[:16], "python": python, "path": str(package)}


def mismatch(expected: dict, found: dict, where: str) -> str | None:
    """What differs between the scan's cicada and a worker's, as one sentence (None: nothing)."""
    for key, what in (("version", "cicada"), ("source", "cicada source (hash of its .py files)"), ("python", "Python")):
        if expected.get(key) != found.get(key):
            return (
                f"{where} runs {what} {found.get(key)} ({found.get('path', '?')}) but the scan runs "
                f"{expected.get(key)} ({expected.get('path', '?')}); install the same cicada on every worker"
            )
    return None


def check_here(expected: dict) -> None:
    """Inside a task: refuse to work when this worker's cicada is not the scan's."""
    problem = mismatch(expected, cicada_identity(), f"worker {os.uname().nodename} (pid {os.getpid()})")
    if problem:
        raise WorkerMismatch(problem)


def check_workers(client) -> int:
    """Ask every connected worker which cicada it runs; a WorkerMismatch names the first that differs.
    Returns the number of workers checked."""
    try:
        found = client.run(cicada_identity)
    except (ImportError, AttributeError) as err:  # the worker cannot unpickle a function of cicada
        raise WorkerMismatch(
            f"a worker cannot import cicada ({err}); install the same cicada on every worker"
        ) from None
    expected = cicada_identity()
    for address, identity in sorted(found.items()):
        problem = mismatch(expected, identity, f"worker {address}")
        if problem:
            raise WorkerMismatch(problem)
    return len(found)


#: The Dask resource a worker started here advertises (its memory, bytes) and a build task asks for.
MEMORY_RESOURCE = "memory"


def worker_memory(engine) -> tuple[int, bool] | None:
    """(bytes of memory each worker has, whether the scan file set it) for a cluster the scan starts;
    None for an external scheduler's workers, whose resources the scan does not set."""
    from dask.utils import parse_bytes

    if engine.kind == "scheduler":
        return None
    if engine.kind != "local":
        return parse_bytes(engine.memory) // engine.processes, True
    if engine.memory_per_worker is not None:
        return parse_bytes(engine.memory_per_worker), True
    from distributed.system import MEMORY_LIMIT  # Dask's "auto": the machine's memory shared by the workers

    return MEMORY_LIMIT // (engine.workers or os.cpu_count() or 1), False


def memory_resources(engine, point_memory: str) -> tuple[dict[str, int] | None, dict[str, int] | None]:
    """(what each worker advertises, what each build task asks for) as Dask resources; (None, None) for
    an external scheduler. A worker set below a point's need is an EngineError: it would be killed at its
    limit in the middle of a build. Left to Dask's "auto", a worker advertises at least one point's need
    (then a point at a time runs on it, as before)."""
    from dask.utils import format_bytes, parse_bytes

    memory = worker_memory(engine)
    if memory is None:
        return None, None
    available, explicit = memory
    need = parse_bytes(point_memory)
    if explicit and available < need:
        key = "memory_per_worker" if engine.kind == "local" else "memory (per job, shared by its processes)"
        raise EngineError(
            f"each worker would have {format_bytes(available)} but a point's build needs {point_memory} "
            f"(memory_per_point): raise engine.{key} or lower memory_per_point"
        )
    return {MEMORY_RESOURCE: max(available, need)}, {MEMORY_RESOURCE: need}


def jobqueue_cluster(engine: "HTCondorEngine | SLURMEngine", resources: dict[str, int] | None = None):
    """The dask-jobqueue cluster an engine describes (no job submitted until it is scaled)."""
    common: dict[str, Any] = {
        "cores": engine.cores,
        "processes": engine.processes,
        "memory": engine.memory,
        "python": engine.python or sys.executable,
        "job_script_prologue": list(engine.job_script_prologue),
        "worker_extra_args": [
            *engine.worker_extra_args,
            *(["--resources", ",".join(f"{k}={v}" for k, v in resources.items())] if resources else []),
        ],
        "local_directory": engine.local_directory,
        "log_directory": engine.log_directory,
        "interface": engine.interface,
    }
    common = {key: value for key, value in common.items() if value is not None}
    if engine.kind == "htcondor":
        from dask_jobqueue import HTCondorCluster

        return HTCondorCluster(disk=engine.disk, job_extra_directives=dict(engine.job_extra_directives), **common)
    from dask_jobqueue import SLURMCluster

    optional: dict[str, Any] = {"queue": engine.queue, "account": engine.account}
    return SLURMCluster(
        walltime=engine.walltime,
        job_extra_directives=list(engine.job_extra_directives),
        **{key: value for key, value in optional.items() if value is not None},
        **common,
    )


def _wait_for_workers(client, seconds: float, where: str) -> None:
    try:
        client.wait_for_workers(1, timeout=seconds)
    except TimeoutError:
        raise EngineError(f"no Dask worker joined {where} within {seconds:g} s") from None


@contextlib.contextmanager
def open_engine(
    engine, retries: int, worker_silence_s: float = 3600.0, worker_resources: dict[str, int] | None = None
) -> Iterator:
    """A connected Dask client for ``engine`` (the scan file's), closed with everything it started;
    the workers it starts advertise ``worker_resources`` (:func:`memory_resources`).

    ``retries`` is also how many lost workers a task may outlive on a cluster started here
    (the scheduler's allowed-failures), and ``worker_silence_s`` how long its workers may miss
    heartbeats (worker-ttl); an external scheduler keeps its own settings.
    """
    import dask
    from dask.distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if engine.kind == "scheduler":
            try:
                client = stack.enter_context(Client(engine.address, timeout=f"{engine.connect_timeout_s}s"))
            except (OSError, TimeoutError) as err:
                raise EngineError(f"cannot reach the Dask scheduler at {engine.address} ({err})") from None
            _wait_for_workers(client, WORKER_WAIT_S, f"the scheduler at {engine.address}")
        else:
            stack.enter_context(
                dask.config.set(
                    {
                        "distributed.scheduler.allowed-failures": retries,
                        "distributed.scheduler.worker-ttl": f"{worker_silence_s}s",
                    }
                )
            )
            if engine.kind == "local":
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=engine.workers or os.cpu_count() or 1,
                        threads_per_worker=engine.threads_per_worker,
                        processes=True,
                        memory_limit=engine.memory_per_worker or "auto",
                        resources=worker_resources,
                        dashboard_address=engine.dashboard_address,
                    )
                )
                wait = float(WORKER_WAIT_S)
            else:
                cluster = stack.enter_context(jobqueue_cluster(engine, worker_resources))
                if engine.adapt:
                    # one job from the start: the workers are checked before any task exists
                    cluster.adapt(minimum=engine.processes, maximum=engine.jobs * engine.processes)
                else:
                    cluster.scale(jobs=engine.jobs)
                wait = engine.worker_wait_s
                log.info(f"submitted {engine.jobs} {engine.kind} job(s); waiting for the first worker")
            client = stack.enter_context(Client(cluster))
            _wait_for_workers(client, wait, f"the {engine.kind} cluster")
        yield client
