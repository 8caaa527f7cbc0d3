"""The per-document stages on a Ray cluster, through Ray Data (``pipeline run --executor ray``).

The run's shards become the rows of a Ray Data dataset, and the per-document
stages one ``map_batches`` step per group of consecutive stages, each group on a
pool of actors of its own (:func:`stage_groups`):

* ``cpu``: the stages before translation (ingest, identify, segment, detect,
  memory, glossary-pre), with the language detector, the translation memory and
  the glossary;
* ``translate``: translation, with the CTranslate2 models; one GPU per actor
  with ``--device cuda``, else the cores it decodes with;
* ``encode``: the stages after it (glossary-post, align, embed), with the
  glossary and the sentence encoder.

Each actor builds the run's services once, from the settings the driver sends
(:func:`worker_config`: every path the driver resolved, made absolute), and
calls the same :func:`pipeline.stages.run_documents` as the local executor, on
one whole shard at a time: translation de-duplicates and length-sorts the
sentences of all the shard's documents in one engine call, as it does locally.
Records travel pickled, with the shard's per-stage counts and seconds; the
driver gets the shards back in order. The documents, and so every output, are
the local executor's; the corpus stages (mining, outputs) run on the driver.

Ray is an optional dependency (``pip install 'pipeline[ray]'``), imported only
here, and only when this executor is chosen.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import RunConfig
from pipeline.errors import PipelineError, UsageError
from pipeline.executors import ShardDone, ShardJob
from pipeline.stages import Progress, SourceFile, Stage, StageLog, run_documents

log = logging.getLogger(__name__)

DEFAULT_TRANSLATOR_CPUS = 4
"""Cores a CPU translator decodes with, unless the ``threads`` setting says otherwise (one replica, see
:func:`pipeline.translate.engine.cpu_threads`)."""


def require_ray() -> Any:
    """The ``ray`` module with Ray Data, or a usage error that says how to install them."""
    from pipeline.extras import MissingExtraError, message, require

    require("ray", "--executor ray")
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data also needs pyarrow and pandas)
    except ImportError as exc:  # ray without its data libraries
        raise MissingExtraError(f"{message('ray', '--executor ray')} (Ray Data: {exc})") from exc
    return ray


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """A ``HOST:PORT`` that accepts no connection is a usage error at once (Ray itself retries for minutes)."""
    import socket

    if address in ("auto", "local"):
        return
    host, sep, port = address.split("://", 1)[-1].rpartition(":")
    if not sep or not host or not port.isdigit():
        raise UsageError(f"--ray-address {address}: expected HOST:PORT, or auto for the cluster started here")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise UsageError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}") from exc


# -- what runs where ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageGroup:
    """Consecutive per-document stages that run in one kind of actor."""

    kind: str
    """``cpu`` (before translation), ``translate`` or ``encode`` (after translation)."""
    stages: tuple[Stage, ...]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]


def stage_groups(stages: Sequence[Stage]) -> list[StageGroup]:
    """The per-document ``stages`` cut around those that use the translation engine.

    Stages that translate form groups of their own; the stages between them one group each,
    ``cpu`` before the first translation and ``encode`` after it.
    """
    groups: list[StageGroup] = []
    translated = False
    for stage in stages:
        if not stage.per_document:
            continue
        kind = "translate" if "engine" in stage.uses else ("encode" if translated else "cpu")
        translated = translated or kind == "translate"
        if groups and groups[-1].kind == kind:
            groups[-1] = StageGroup(kind, groups[-1].stages + (stage,))
        else:
            groups.append(StageGroup(kind, (stage,)))
    return groups


@dataclass(frozen=True)
class Pool:
    """The actors of one stage group: how many (between ``min_size`` and ``max_size``) and what each holds."""

    group: StageGroup
    min_size: int
    max_size: int
    num_cpus: float
    num_gpus: float = 0
    threads: int = 0
    """CPU translators: the cores each decodes with."""

    @property
    def env(self) -> dict[str, str]:
        """Environment variables of the actors' processes (:func:`worker_env`)."""
        return worker_env(self.threads)

    def remote_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"num_cpus": self.num_cpus, "runtime_env": {"env_vars": self.env}}
        if self.num_gpus:
            args["num_gpus"] = self.num_gpus
        return args


def translator_threads(config: RunConfig, node_cpus: float, cpus: int | None = None) -> int:
    """Cores each CPU translator decodes with: ``cpus``, else the ``threads`` setting, else 4; at most a node's."""
    wanted = cpus or config.translate.threads or DEFAULT_TRANSLATOR_CPUS
    return int(max(1, min(wanted, node_cpus)))


def worker_env(threads: int = 0) -> dict[str, str]:
    """The environment of a stage actor's process, set through Ray's runtime environment.

    Ray starts its workers at niceness 15 (``worker_niceness``), so on a machine where anything else
    runs they get the CPU last: CTranslate2 decoded ten times slower in an actor than in-process on
    a busy machine (``python -m bench ray_decode``). The actors run at the driver's own priority
    instead (``RAY_worker_niceness``, which a Ray worker applies to itself when it starts), as the
    local executor's stages do. Ray also sets ``OMP_NUM_THREADS`` to a worker's whole CPUs (1 below
    two); CTranslate2 takes its threads from the engine, not from it, but a CPU translator gets it
    set to the cores it decodes with all the same. Ray sets no allocator variable
    (``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_ARENA_MAX``) in its workers.
    """
    env = {"RAY_worker_niceness": str(_niceness())}
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    return env


def _niceness() -> int:
    try:
        return os.getpriority(os.PRIO_PROCESS, 0)
    except (AttributeError, OSError):  # not on a POSIX system
        return 0


def plan_pools(
    stages: Sequence[Stage],
    config: RunConfig,
    *,
    cpus: float,
    gpus: float = 0,
    node_cpus: float | None = None,
    cpu_actors: int | None = None,
    translators: int | None = None,
    encoder_actors: int | None = None,
    translator_cpus: int | None = None,
) -> list[Pool]:
    """A pool per stage group for a cluster of ``cpus`` CPUs and ``gpus`` GPUs (its largest node ``node_cpus``).

    A pool with a given size is fixed; otherwise it grows from one actor to what the cluster holds.
    ``--device cuda`` on a cluster without a GPU is a usage error (its translators could never start).
    CPU and encoder actors take one CPU each; a translator one GPU with ``--device cuda`` (or
    ``auto`` on a cluster with GPUs), else the cores it decodes with. When the first actor of
    every pool does not fit in the cluster at once, their CPU requests shrink in proportion, so
    the pipeline always starts (Ray's CPUs are a reservation: each actor still uses what it needs).
    """
    node_cpus = node_cpus or cpus
    on_gpu = config.translate.device == "cuda" or (config.translate.device == "auto" and gpus >= 1)
    if config.translate.device == "cuda" and gpus < 1:
        raise UsageError("--device cuda: the Ray cluster has no GPU (start its GPU machines with `ray start`, "
                         "or use --device cpu)")
    pools = []
    for group in stage_groups(stages):
        if group.kind == "translate" and on_gpu:
            size = translators or max(1, int(gpus))
            pools.append(Pool(group, translators or 1, size, num_cpus=1.0, num_gpus=1))
        elif group.kind == "translate":
            threads = translator_threads(config, node_cpus, translator_cpus)
            size = translators or max(1, int(cpus // threads))
            pools.append(Pool(group, translators or 1, size, num_cpus=float(threads), threads=threads))
        else:
            fixed = cpu_actors if group.kind == "cpu" else encoder_actors
            size = fixed or max(1, int(cpus))
            pools.append(Pool(group, fixed or 1, size, num_cpus=1.0))
    needed = sum(p.num_cpus * p.min_size for p in pools)
    if needed > cpus:
        scale = cpus / needed
        pools = [dataclasses.replace(p, num_cpus=int(p.num_cpus * scale * 100) / 100 or 0.01) for p in pools]
    return pools


def worker_config(config: RunConfig, services: Any, *, threads: int = 0) -> RunConfig:
    """The settings the actors build their services from: the driver's, with what it resolved made explicit.

    Relative paths become absolute (a worker runs in another folder, or on another machine); the
    glossary is the file the driver found (or none); the translation memory is the list of stores
    and files the driver opened; the translation models are looked up in the driver's packages
    folder (decoding with ``threads`` cores, when given). The caches stay per machine. None of this
    changes what a stage makes of a document.
    """
    glossary = services.glossary_path
    translate = config.translate
    return dataclasses.replace(
        config,
        input_dir=_absolute(config.input_dir),
        out_dir=_absolute(config.out_dir),
        glossary=dataclasses.replace(config.glossary, path=_absolute(glossary), enabled=glossary is not None),
        memory=dataclasses.replace(config.memory, use_default=False,
                                   paths=tuple(_absolute(Path(s.path)) for s in services.memory.sources)),
        translate=dataclasses.replace(
            translate,
            cache_path=_absolute(translate.cache_path),
            packages_dir=_absolute(services.engine.root),
            threads=threads or translate.threads,
        ),
    )


def _absolute(path: Path | None) -> Path | None:
    return None if path is None else Path(os.path.abspath(os.path.expanduser(path)))


# -- the actors ---------------------------------------------------------------------------------------------------


@dataclass
class ShardPayload:
    """What travels between the driver and the actors for one shard (pickled)."""

    records: list[Any]
    """Source files at first, documents after the first stage."""
    log: StageLog = field(default_factory=StageLog)
    error: PipelineError | None = None
    """The error that stopped the run (a usage error such as a missing model with ``--strict``); the
    following groups pass it on and the driver raises it."""

    def dumps(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def loads(data: bytes) -> ShardPayload:
        return pickle.loads(data)


class StageWorker:
    """An actor of a group's pool: the run's services, built once, and the group's stages over each shard.

    The services the group uses are loaded when the actor starts; one that fails to load (a model
    missing on that machine) fails every shard the actor gets, with its message.
    """

    def __init__(self, config: RunConfig, stages: Sequence[Stage]) -> None:
        from pipeline.services import Services

        self.stages = list(stages)
        self.services = Services(config)
        self.error: PipelineError | None = None
        if "engine" in {n for s in self.stages for n in s.uses} and "MALLOC_TRIM_THRESHOLD_" in os.environ:
            log.warning("MALLOC_TRIM_THRESHOLD_ is set in this Ray worker's environment (inherited from `ray start`): "
                        "CTranslate2 decodes about twice as slowly with it")
        try:
            for name in dict.fromkeys(n for s in self.stages for n in s.uses):
                getattr(self.services, name)
        except PipelineError as exc:
            self.error = exc

    def run(self, payload: ShardPayload) -> ShardPayload:
        if payload.error is None and self.error is not None:
            payload.error = self.error
        if payload.error is None:
            try:
                payload.records = run_documents(payload.records, self.stages, self.services, payload.log)
            except UsageError as exc:
                payload.error = exc
        return payload

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        payloads = [self.run(ShardPayload.loads(data)).dumps() for data in batch.column("payload").to_pylist()]
        return pa.table({"shard": batch.column("shard"), "payload": pa.array(payloads, pa.large_binary())})


# -- the executor -------------------------------------------------------------------------------------------------


class RayExecutor:
    """The per-document stages on Ray Data actor pools; the shards come back in order, as they finish.

    ``address``: the cluster to join (``ray start --head`` prints it; ``auto`` finds the one running
    on this machine); None joins the Ray instance this process already started, or starts one on
    this machine. ``cpu_actors``, ``translators`` and ``encoder_actors`` fix the size of a pool
    (default: from one actor up to what the cluster holds); ``translator_cpus`` is the cores each
    CPU translator decodes with (default: the ``threads`` setting, else 4, at most a node's).
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        cpu_actors: int | None = None,
        translators: int | None = None,
        encoder_actors: int | None = None,
        translator_cpus: int | None = None,
    ) -> None:
        require_ray()
        if address:
            check_reachable(address)  # before any work: Ray itself retries for minutes
        self.address = address
        self.sizes = {"cpu_actors": cpu_actors, "translators": translators, "encoder_actors": encoder_actors,
                      "translator_cpus": translator_cpus}

    def connect(self) -> Any:
        """Join the cluster (or start Ray on this machine) unless this process already did."""
        ray = require_ray()
        if not ray.is_initialized():
            try:
                ray.init(address=self.address, include_dashboard=False, logging_level=logging.WARNING)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                where = f"the Ray cluster at {self.address}" if self.address else "a local Ray instance"
                raise UsageError(f"cannot start or reach {where}: {exc}") from exc
        return ray

    def pools(self, stages: Sequence[Stage], config: RunConfig) -> list[Pool]:
        """The actor pools of ``stages`` on the cluster this process is connected to."""
        import ray

        resources = ray.cluster_resources()
        nodes = [n["Resources"].get("CPU", 0) for n in ray.nodes() if n.get("Alive")]
        return plan_pools(stages, config, cpus=float(resources.get("CPU", 1)), gpus=float(resources.get("GPU", 0)),
                          node_cpus=max(nodes, default=None), **self.sizes)

    def run(self, jobs: Sequence[ShardJob], stages: Sequence[Stage], services: Any,
            progress: Progress) -> Iterator[ShardDone]:
        if not jobs:
            return
        ray = self.connect()
        import pyarrow as pa
        from ray.data import ActorPoolStrategy

        pools = self.pools(stages, services.config)
        config = worker_config(services.config, services, threads=next((p.threads for p in pools if p.threads), 0))
        for pool in pools:
            log.info("ray: %s on %d-%d actor(s) of %s CPU, %s GPU", ", ".join(pool.group.names), pool.min_size,
                     pool.max_size, pool.num_cpus, pool.num_gpus)
        blocks = [pa.table({
            "shard": pa.array([i], pa.int64()),
            "payload": pa.array([ShardPayload([_absolute_source(s) for s in job.sources]).dumps()], pa.large_binary()),
        }) for i, job in enumerate(jobs)]
        with _data_context(), _quiet_ray_data():
            dataset = ray.data.from_arrow(blocks)  # one block per shard: each goes through the actors on its own
            for pool in pools:
                dataset = dataset.map_batches(
                    StageWorker, fn_constructor_kwargs={"config": config, "stages": pool.group.stages},
                    batch_size=1, batch_format="pyarrow",
                    compute=ActorPoolStrategy(min_size=pool.min_size, max_size=pool.max_size),
                    **pool.remote_args(),
                )
            with progress.bar("documents", sum(len(job.sources) for job in jobs)) as advance:
                try:
                    for row in dataset.iter_rows():
                        job = jobs[row["shard"]]
                        payload = ShardPayload.loads(row["payload"])
                        if payload.error is not None:
                            raise payload.error
                        advance(len(job.sources))
                        yield ShardDone(job.key, payload.records, payload.log)
                except PipelineError:
                    raise
                except ray.exceptions.RayError as exc:
                    raise PipelineError(f"the Ray cluster failed: {_first_line(exc)}") from exc


def _absolute_source(source: SourceFile) -> SourceFile:
    return dataclasses.replace(source, path=Path(os.path.abspath(source.path)))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextlib.contextmanager
def _data_context() -> Iterator[None]:
    """Ray Data settings for the run: results in input order, no progress bars of its own (the run has one)."""
    from ray.data import DataContext

    context = DataContext.get_current()
    saved = (context.execution_options.preserve_order, context.enable_progress_bars, context.enable_auto_log_stats)
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    context.enable_auto_log_stats = False
    try:
        yield
    finally:
        (context.execution_options.preserve_order, context.enable_progress_bars,
         context.enable_auto_log_stats) = saved


@contextlib.contextmanager
def _quiet_ray_data() -> Iterator[None]:
    """Ray Data's information lines (execution plan, progress notices) only with ``--verbose``."""
    logger = logging.getLogger("ray.data")
    if logging.getLogger().isEnabledFor(logging.DEBUG):
        yield
        return
    saved = logger.level
    logger.setLevel(logging.WARNING)
    quiet = _DropNotice()
    logger.addFilter(quiet)
    for handler in logger.handlers:
        handler.addFilter(quiet)
    try:
        yield
    finally:
        logger.setLevel(saved)
        logger.removeFilter(quiet)
        for handler in logger.handlers:
            handler.removeFilter(quiet)


class _DropNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "Progress bars" not in record.getMessage()
