"""The per-document stages on a Ray cluster, through Ray Data (``pipeline run --executor ray``).

The run's shards become the rows of a Ray Data dataset, and the per-document
stages become one ``map_batches`` step per group of consecutive stages, each on
its own pool of actors:

* the stages before translation (ingest, identify, segment, detect, memory,
  glossary-pre: the language detector, the translation memory and the glossary)
  on CPU actors;
* translation (the CTranslate2 models) on translator actors, each holding one
  GPU with ``--device cuda``;
* the stages after it (glossary-post, align, embed: the glossary and the
  sentence encoder) on encoder actors.

Each actor builds the run's services once, from the settings the driver sends
(with every path the driver resolved made absolute), and calls the same
:func:`pipeline.stages.run_documents` the local executor calls, on one whole
shard at a time: translation de-duplicates and length-sorts the sentences of
all the shard's documents in one engine call, as it does locally. Records travel
pickled, with the shard's per-stage counts and seconds, and the driver gets the
shards back in order. The documents, and so every output, are the ones the
local executor gives; the corpus stages (mining, outputs) run on the driver.

Ray is an optional dependency (``pip install 'pipeline[ray]'``), imported only
here and only when this executor is chosen.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import RunConfig
from pipeline.errors import UsageError
from pipeline.executors import ShardDone, ShardJob
from pipeline.stages import Progress, SourceFile, Stage, StageLog, run_documents

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'pipeline[ray]'"
TRANSLATE = "engine"
"""The service that gives the stages using it a pool of their own (translator actors, with a GPU each on cuda)."""


def require_ray() -> Any:
    """The ``ray`` module with Ray Data, or a usage error that says how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data needs pyarrow and pandas besides ray itself)
    except ImportError as exc:
        raise UsageError(f"--executor ray needs Ray Data, which is not installed ({exc}): {INSTALL_HINT}") from exc
    return ray


# -- what runs where --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageGroup:
    """Consecutive per-document stages that run in one kind of actor."""

    kind: str
    """``cpu`` (before translation), ``translate`` or ``encode`` (after translation)."""
    stages: tuple[Stage, ...]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    @property
    def uses(self) -> set[str]:
        return {name for s in self.stages for name in s.uses}


def stage_groups(stages: Sequence[Stage]) -> list[StageGroup]:
    """The per-document ``stages`` cut around the stages that translate.

    Translation stages form groups of their own (translator actors); the stages between
    them form one group each: ``cpu`` before the first translation, ``encode`` after it.
    """
    groups: list[StageGroup] = []
    translated = False
    for stage in stages:
        if not stage.per_document:
            continue
        kind = "translate" if TRANSLATE in stage.uses else ("encode" if translated else "cpu")
        translated = translated or kind == "translate"
        if groups and groups[-1].kind == kind:
            groups[-1] = StageGroup(kind, groups[-1].stages + (stage,))
        else:
            groups.append(StageGroup(kind, (stage,)))
    return groups


def worker_config(config: RunConfig, services: Any) -> RunConfig:
    """The settings the actors build their services from: the driver's, with what it resolved made explicit.

    Relative paths are made absolute (a worker runs in another folder, or on another machine), the
    glossary is the file the driver found (or none), the translation memory is the list of stores
    and files the driver opened, and the translation models are looked up where the driver looks.
    Caches stay per machine. None of this changes what a stage does with a document.
    """
    glossary = services.glossary_path
    memory = tuple(Path(os.path.abspath(s.path)) for s in services.memory.sources)
    translate = config.translate
    return dataclasses.replace(
        config,
        input_dir=_absolute(config.input_dir),
        out_dir=_absolute(config.out_dir),
        glossary=dataclasses.replace(config.glossary, path=_absolute(glossary), enabled=glossary is not None),
        memory=dataclasses.replace(config.memory, paths=memory, use_default=False),
        translate=dataclasses.replace(
            translate,
            cache_path=_absolute(translate.cache_path),
            packages_dir=_absolute(services.engine.root),
        ),
    )


def _absolute(path: Path | None) -> Path | None:
    return None if path is None else Path(os.path.abspath(os.path.expanduser(path)))


def _absolute_source(source: SourceFile) -> SourceFile:
    return dataclasses.replace(source, path=Path(os.path.abspath(source.path)))


# -- the actors ----------------------------------------------------------------------------------------------------


def dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def loads(data: bytes) -> Any:
    return pickle.loads(data)


class StageWorker:
    """One actor of a group's pool: the run's services, built once, and the group's stages over each shard.

    Each row of a batch is one shard: its records, its stage log so far and, once a stage stopped
    the run (a usage error, such as a missing model with ``--strict``), that error, which the
    following groups pass on and the driver raises.
    """

    def __init__(self, config: RunConfig, stages: Sequence[Stage]) -> None:
        from pipeline.services import Services

        self.stages = list(stages)
        self.services = Services(config)
        for name in dict.fromkeys(n for s in self.stages for n in s.uses):
            getattr(self.services, name)  # load the models once, when the actor starts

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        payloads = []
        for data in batch.column("payload").to_pylist():
            records, stage_log, error = loads(data)
            if error is None:
                try:
                    records = run_documents(records, self.stages, self.services, stage_log)
                except UsageError as exc:
                    error = exc
            payloads.append(dumps((records, stage_log, error)))
        return pa.table({"shard": batch.column("shard"), "payload": pa.array(payloads, pa.large_binary())})


# -- the executor --------------------------------------------------------------------------------------------------


class RayExecutor:
    """The per-document stages on Ray Data actor pools; shards come back in order, as they finish.

    ``address``: the cluster to join (``ray start --head`` prints it; ``auto`` finds a local one);
    None joins the Ray instance this process already started, or starts a local one. Pool sizes
    (``cpu_actors``, ``translators``, ``encoder_actors``) default to scaling between one actor
    and what the cluster's CPUs (GPUs for translators on cuda) allow; ``translator_cpus`` is the
    cores each CPU translator decodes with (default: the ``threads`` setting, else 4, at most a
    machine's cores).
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
        init_options: dict[str, Any] | None = None,
    ) -> None:
        require_ray()
        self.address = address
        self.cpu_actors = cpu_actors
        self.translators = translators
        self.encoder_actors = encoder_actors
        self.translator_cpus = translator_cpus
        self.init_options = dict(init_options or {})

    def _connect(self) -> Any:
        ray = require_ray()
        if not ray.is_initialized():
            try:
                ray.init(address=self.address, log_to_driver=True, include_dashboard=False,
                         runtime_env={"env_vars": worker_env()}, **self.init_options)
            except ConnectionError as exc:
                raise UsageError(f"cannot reach the Ray cluster at {self.address}: {exc}") from exc
        return ray

    def plan(self, stages: Sequence[Stage], config: RunConfig) -> list[tuple[StageGroup, dict[str, Any]]]:
        """Each stage group with the resources and pool size of its actors, for this cluster."""
        import ray

        resources = ray.cluster_resources()
        cpus = max(1.0, float(resources.get("CPU", 1)))
        gpus = int(resources.get("GPU", 0))
        node_cpus = max((n["Resources"].get("CPU", 0) for n in ray.nodes() if n.get("Alive")), default=cpus)
        cuda = config.translate.device == "cuda"
        plan = []
        for group in stage_groups(stages):
            if group.kind == "translate":
                if cuda:
                    request, size = {"num_cpus": 1.0, "num_gpus": 1}, self.translators or max(1, gpus)
                else:
                    threads = self.translator_cpus or config.translate.threads or 4
                    threads = int(max(1, min(threads, node_cpus)))
                    request = {"num_cpus": float(threads)}
                    size = self.translators or max(1, int(cpus // threads))
            else:
                request = {"num_cpus": 1.0}
                fixed = self.cpu_actors if group.kind == "cpu" else self.encoder_actors
                size = fixed or max(1, int(cpus))
            plan.append((group, {"request": request, "size": size, "fixed": bool(
                self.translators if group.kind == "translate" else
                (self.cpu_actors if group.kind == "cpu" else self.encoder_actors))}))
        # the first actor of every pool must fit at once, or the pipeline would wait for ever
        needed = sum(p["request"]["num_cpus"] for _, p in plan)
        if needed > cpus:
            for _, p in plan:
                p["request"]["num_cpus"] = math.floor(p["request"]["num_cpus"] * cpus / needed * 100) / 100
        return plan

    def run(self, jobs: Sequence[ShardJob], stages: Sequence[Stage], services: Any,
            progress: Progress) -> Iterator[ShardDone]:
        if not jobs:
            return
        ray = self._connect()
        import pyarrow as pa
        from ray.data import ActorPoolStrategy, DataContext

        config = worker_config(services.config, services)
        rows = pa.table({
            "shard": pa.array(range(len(jobs)), pa.int64()),
            "payload": pa.array([dumps(([_absolute_source(s) for s in job.sources], StageLog(), None))
                                 for job in jobs], pa.large_binary()),
        })
        context = DataContext.get_current()
        saved = (context.execution_options.preserve_order, context.enable_progress_bars,
                 context.enable_auto_log_stats)
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        context.enable_auto_log_stats = False
        try:
            dataset = ray.data.from_arrow([rows.slice(i, 1) for i in range(len(jobs))])
            for group, p in self.plan(stages, services.config):
                pool = (ActorPoolStrategy(size=p["size"]) if p["fixed"]
                        else ActorPoolStrategy(min_size=1, max_size=p["size"]))
                dataset = dataset.map_batches(
                    StageWorker, fn_constructor_kwargs={"config": config, "stages": group.stages},
                    batch_size=1, batch_format="pyarrow", compute=pool, **p["request"],
                )
            with progress.bar("documents", sum(len(job.sources) for job in jobs)) as advance:
                for row in dataset.iter_rows():
                    job = jobs[row["shard"]]
                    records, stage_log, error = loads(row["payload"])
                    if error is not None:
                        raise error
                    advance(len(job.sources))
                    yield ShardDone(job.key, records, stage_log)
        finally:
            (context.execution_options.preserve_order, context.enable_progress_bars,
             context.enable_auto_log_stats) = saved


def translator_options(threads: int) -> dict[str, Any]:
    """Ray's options for a CPU translator actor that decodes with ``threads`` cores."""
    return {"num_cpus": float(threads), "runtime_env": {"env_vars": {"OMP_NUM_THREADS": str(threads)}}}
