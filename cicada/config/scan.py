"""The scan file: a base build config, the points to build from it, and where to run them.

``cicada scan SCAN.yaml`` reads one of these. Points vary named keys of the build config,
written as paths into it (``student.learning_rate``, ``student.layers[4].units``,
``hls.layers.dense1.reuse_factor``; a whole list such as ``student.layers`` may be replaced
too). They come from a ``grid`` (every combination), a seeded ``random`` sample and explicit
``points``; every point's config is validated with the build schema before anything runs.

The ``engine`` says where the work runs: a LocalCluster on this machine, an already running
Dask scheduler, or batch jobs on HTCondor or SLURM through dask-jobqueue.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Field, model_validator

from .model import ConfigModel, Flag, Integer, Name, Number, Text, invalid, option
from .tracking import TrackingConfig

#: A path into the build config: keys joined by dots, list entries by [index].
KEY_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+|\[\d+\])*")
ScanKey = Text
#: A quantity of memory as Dask writes it: "4 GiB", "500MB", "8GB".
MEMORY_PATTERN = r"\d+(\.\d+)?\s*([kKMGTP]i?B|B)"
Memory = Annotated[str, Field(pattern=f"^{MEMORY_PATTERN}$")]
#: Keys a scan may not vary: the scan names its points itself.
FIXED_KEYS = ("name",)


# ------------------------------------------------------------------------ sampling
class Distribution(ConfigModel):
    """How one key of a random sample is drawn: exactly one of the four."""

    choice: Optional[tuple[Any, ...]] = option("one of these values, each equally likely", None)
    uniform: Optional[tuple[Number, Number]] = option("a number uniform in [low, high)", None)
    log_uniform: Optional[tuple[Number, Number]] = option(
        "a number whose logarithm is uniform in [log low, log high) (learning rates)", None
    )
    int_uniform: Optional[tuple[Integer, Integer]] = option("an integer in [low, high], each equally likely", None)

    @model_validator(mode="after")
    def _one(self):
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise invalid(
                f"expected exactly one of choice, uniform, log_uniform, int_uniform, got {', '.join(given) or 'none'}"
            )
        if self.choice is not None and not self.choice:
            raise invalid("expected at least one value, got an empty list", "choice")
        for name in ("uniform", "log_uniform", "int_uniform"):
            bounds = getattr(self, name)
            if bounds is not None and bounds[0] > bounds[1]:
                raise invalid(f"expected [low, high] with low <= high, got {list(bounds)}", name)
        if self.log_uniform is not None and self.log_uniform[0] <= 0:
            raise invalid(f"expected a low bound > 0, got {self.log_uniform[0]:g}", "log_uniform")
        return self


class RandomSample(ConfigModel):
    """Points drawn at random (seeded): each key from its distribution, independently."""

    samples: Integer = option("number of points to draw", ge=1)
    seed: Integer = option("seed of the draw (the same seed draws the same points)", 0, ge=0)
    keys: dict[ScanKey, Distribution] = option("key path -> its distribution")

    @model_validator(mode="after")
    def _some(self):
        if not self.keys:
            raise invalid("expected at least one key, got an empty mapping", "keys")
        return self


# -------------------------------------------------------------------------- engines
class LocalEngine(ConfigModel):
    """A Dask LocalCluster on this machine: worker processes started and stopped by the scan."""

    kind: Literal["local"] = option("local: worker processes on this machine", "local")
    workers: Optional[Integer] = option("worker processes (null: one per CPU core)", None, ge=1)
    threads_per_worker: Integer = option("points a worker runs at once (1: TensorFlow gets the core)", 1, ge=1)
    memory_per_worker: Optional[Memory] = option("memory limit of each worker, e.g. '4 GiB' (null: shared)", None)
    dashboard_address: Text = option("where the Dask dashboard listens (':0' picks a free port)", ":8787")


class SchedulerEngine(ConfigModel):
    """A Dask scheduler already running (``dask scheduler`` with ``dask worker`` processes)."""

    kind: Literal["scheduler"] = option("scheduler: connect to a running Dask scheduler")
    address: Text = option(
        "the scheduler's address, e.g. tcp://10.0.0.5:8786", pattern=r"^(tcp|tls|ws|wss|ucx|inproc)://\S+$"
    )
    connect_timeout_s: Number = option("give up when the scheduler does not answer within this time", 30.0, gt=0.0)


class JobqueueEngine(ConfigModel):
    """What HTCondor and SLURM jobs share (dask-jobqueue): each job runs Dask workers."""

    jobs: Integer = option("batch jobs to submit (the most, with adapt)", ge=1)
    adapt: Flag = option("scale between 1 and jobs with the work left, instead of a fixed number", False)
    cores: Integer = option("cores per job", 1, ge=1)
    processes: Integer = option("worker processes per job (cores are shared among them)", 1, ge=1)
    memory: Memory = option("memory per job, e.g. '8 GB'")
    python: Optional[Text] = option("Python on the worker nodes, with the same cicada installed (null: this one)", None)
    job_script_prologue: tuple[Text, ...] = option(
        "shell lines run before the worker starts, e.g. 'source /path/venv/bin/activate'", ()
    )
    worker_extra_args: tuple[Text, ...] = option("more arguments of the dask worker command", ())
    local_directory: Optional[Text] = option("scratch folder on the worker node (e.g. $TMPDIR)", None)
    log_directory: Optional[Text] = option("where the batch system writes the jobs' logs", None)
    interface: Optional[Text] = option("network interface the workers and scheduler talk on, e.g. ib0", None)
    worker_wait_s: Number = option(
        "how long to wait for the first worker before giving up (queues can be slow)", 3600, gt=0
    )


class HTCondorEngine(JobqueueEngine):
    """Dask workers in HTCondor jobs (dask_jobqueue.HTCondorCluster)."""

    kind: Literal["htcondor"] = option("htcondor: workers in HTCondor jobs")
    disk: Memory = option("scratch disk per job, e.g. '10 GB'")
    job_extra_directives: dict[Text, Text] = option(
        "more submit-file lines, e.g. {'+JobFlavour': '\"workday\"'} (CERN's queue lengths)", {}
    )


class SLURMEngine(JobqueueEngine):
    """Dask workers in SLURM jobs (dask_jobqueue.SLURMCluster)."""

    kind: Literal["slurm"] = option("slurm: workers in SLURM jobs")
    walltime: Text = option("time limit of each job, [D-]HH:MM:SS", "01:00:00", pattern=r"^(\d+-)?\d{1,2}:\d{2}:\d{2}$")
    queue: Optional[Text] = option("partition", None)
    account: Optional[Text] = option("account charged", None)
    job_extra_directives: tuple[Text, ...] = option("more #SBATCH options, e.g. '--constraint=cpu'", ())


Engine = Annotated[Union[LocalEngine, SchedulerEngine, HTCondorEngine, SLURMEngine], Field(discriminator="kind")]


# -------------------------------------------------------------------------- outputs
class ParetoConfig(ConfigModel):
    """The Pareto plots: signal efficiency at one trigger rate against cost."""

    rate_khz: Number = option(
        "the trigger rate (kHz) of the efficiency axis; each point's rates.target_rates_khz must hold it", 1.0, gt=0.0
    )


class ObjectiveConfig(ConfigModel):
    """The cost the scan's Pareto front minimises (against the efficiency at ``pareto.rate_khz``), and
    whether Yosys then measures the points on it: the fast estimate for every point, synthesis for
    the few that matter."""

    cost: Literal["LUT_estimate", "adder_terms", "LUT"] = option(
        "the results column the front minimises: LUT_estimate (alkaid's LUT estimate of the RTL flow's adder "
        "graph), adder_terms (the quantized kernels' canonical-signed-digit terms), LUT (the best LUT count each "
        "point has)",
        "LUT_estimate",
    )
    yosys_on_front: Flag = option(
        "after every point is built, synthesize with Yosys the RTL of each point on the front of any signal "
        "(whose own build may leave synthesis.rtl.yosys off): its LUT, FF, CARRY and cell delay join the table",
        True,
    )


class RateSample(ConfigModel):
    """A large zero-bias sample, generated once in shards over the workers and scored by each point's
    firmware (in shards too): thresholds and efficiencies at low rates with enough events."""

    events: Integer = option("zero-bias events", ge=1)
    shard_events: Integer = option(
        "events per shard: fixed here, not by the number of workers, so the events never depend on it", 100_000, ge=1
    )


# ----------------------------------------------------------------------------- scan
class ScanConfig(ConfigModel):
    """A design-space scan: ``cicada scan SCAN.yaml`` reads one of these."""

    name: Name = option("scan name: outputs go to models/<name>/ and hls_projects/<name>/")
    base: Text = option("the build config every point starts from, relative to the scan file")
    grid: dict[ScanKey, tuple[Any, ...]] = option("key path -> values; every combination is a point", {})
    random: Optional[RandomSample] = option("points drawn at random", None)
    points: tuple[dict[ScanKey, Any], ...] = option("explicit points: each a mapping key path -> value", ())
    engine: Engine = option("where the points run: kind local, scheduler, htcondor or slurm", LocalEngine())
    retries: Integer = option(
        "times a point is run again after an unexpected error or a lost worker (a config or tool error is final)",
        2,
        ge=0,
    )
    worker_silence_s: Number = option(
        "seconds a worker may go without a heartbeat before the scheduler restarts it (Dask's "
        "distributed.scheduler.worker-ttl, 5 minutes by default), on clusters the scan starts; an external "
        "scheduler keeps its own. A call that holds Python's lock silences the worker's heartbeat: da4ml 0.5's "
        "numba solver, which the RTL flow used before alkaid, held it for minutes on a v2-size student; alkaid's "
        "compiled solver holds it for about 2 s there (measured), so the long default is now only a margin for "
        "bigger students (a dead worker is noticed at once anyway)",
        3600.0,
        gt=0.0,
    )
    memory_per_point: Memory = option(
        "memory one point's build needs at its peak (Dask resource 'memory'): a worker the scan starts runs only "
        "as many points at once as its memory holds, and one with less is refused before any point runs. 4 GB "
        "holds a cicada_v2-size build (tools/benchmark_memory.py)",
        "4 GB",
    )
    reference: Union[Text, tuple[Text, ...], None] = option(
        "report.json of a reference build (e.g. CICADA v2), or a list of them, marked in the Pareto plots; relative "
        "to the scan file",
        None,
    )
    pareto: ParetoConfig = option("the Pareto plots", ParetoConfig())
    objective: Optional[ObjectiveConfig] = option(
        "a cost the Pareto front minimises, with Yosys on the front's points (null: no objective column)", None
    )
    rate_sample: Optional[RateSample] = option("a large zero-bias sample for rates (sharded)", None)
    base_build: bool = option(
        "points with the base config's seed, data and teacher settings use the data and teacher of the base "
        "config's own build (models/<base name>/, made by `cicada build BASE --until teacher`), which must be up "
        "to date there; the scan never reruns them (a teacher of real size trains for an hour or more)",
        False,
    )
    tracking: Optional[TrackingConfig] = option(
        "MLflow tracking of the scan: a parent run with one child run per point; null: the base config's "
        "tracking section (experiment: the scan's name unless it names one)",
        None,
    )

    @model_validator(mode="after")
    def _points(self):
        if not (self.grid or self.random or self.points):
            raise invalid("expected at least one of grid, random or points, got none")
        for key, values in self.grid.items():
            if not values:
                raise invalid("expected a list of at least one value, got an empty list", f"grid.{key}")
        for where, keys in (
            ("grid", list(self.grid)),
            ("random.keys", list(self.random.keys) if self.random else []),
            *((f"points.{i}", list(p)) for i, p in enumerate(self.points)),
        ):
            for key in keys:
                if not KEY_PATTERN.fullmatch(key):
                    raise invalid(
                        "expected key paths like student.layers[4].units (names joined by dots, list entries as "
                        f"[index]), got {key!r}",
                        where,
                    )
                if re.split(r"[.\[]", key)[0] in FIXED_KEYS:
                    raise invalid(
                        f"expected a key other than {', '.join(FIXED_KEYS)} (the scan names its points)", where
                    )
        return self


def load_scan(path) -> ScanConfig:
    """Read and validate a scan file; errors name the file, the key and what was expected."""
    from pathlib import Path

    from pydantic import ValidationError

    from ..core.errors import ConfigError
    from .loader import read_yaml
    from .messages import first_error

    path = Path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping (base, grid, engine, ...), got {type(raw).__name__}")
    raw = dict(raw)
    raw.setdefault("name", path.stem)
    try:
        return ScanConfig.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(f"{path}: {first_error(err, ScanConfig.model_json_schema(), raw)}") from None
