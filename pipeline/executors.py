"""Executors run the per-document stages over shards and hand back each shard's documents, in order.

:class:`LocalExecutor` (the default) runs them in this process. The Ray
executor (:mod:`pipeline.ray_executor`, ``--executor ray``) runs the same
stage functions on a Ray cluster; both give the same documents, so a run's
outputs do not depend on where it ran.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from pipeline.models import Document
from pipeline.stages import Progress, SourceFile, Stage, StageLog, run_documents


@dataclass(frozen=True)
class ShardJob:
    key: str
    sources: tuple[SourceFile, ...]


@dataclass(frozen=True)
class ShardDone:
    key: str
    documents: list[Document]
    log: StageLog


class Executor(Protocol):
    name: str

    def run(self, jobs: Sequence[ShardJob], stages: Sequence[Stage], services, progress: Progress) -> Iterator[ShardDone]:
        """Each job's documents after every per-document stage, in the order of ``jobs``."""
        ...


class LocalExecutor:
    """The stages in this process, one shard after another."""

    name = "local"

    def run(self, jobs: Sequence[ShardJob], stages: Sequence[Stage], services, progress: Progress) -> Iterator[ShardDone]:
        with progress.bar("documents", sum(len(job.sources) for job in jobs)) as advance:
            for job in jobs:
                log = StageLog()
                documents = run_documents(list(job.sources), stages, services, log)
                advance(len(job.sources))
                yield ShardDone(job.key, documents, log)


EXECUTORS = {"local": "pipeline.executors:LocalExecutor", "ray": "pipeline.ray_executor:RayExecutor"}
"""Executor names and where they live (imported only when chosen)."""


def load_executor(name: str, **options) -> Executor:
    """The executor called ``name`` (``local`` or ``ray``)."""
    import importlib

    from pipeline.errors import UsageError

    if name not in EXECUTORS:
        raise UsageError(f"unknown executor {name!r}; use one of {', '.join(EXECUTORS)}")
    module, attr = EXECUTORS[name].split(":")
    return getattr(importlib.import_module(module), attr)(**options)
