"""The stages of a run, declared in one place.

A stage is a pure function ``run(batch, ctx) -> Batch`` over the whole batch,
plus what it needs and what it provides; :func:`check_order` refuses a stage
list whose requirements are not met before any data is touched. Stages that
produce files of their own declare a ``write`` function.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pipeline.config import RunConfig
from pipeline.errors import PipelineError
from pipeline.models import Document, DocStatus

log = logging.getLogger(__name__)


MANIFEST = "manifest"
"""Artifact holding the stages' own manifest sections."""


@dataclass(frozen=True)
class Batch:
    """Everything a run knows at one point: the documents and named side products."""

    documents: tuple[Document, ...]
    artifacts: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def with_documents(self, documents: Iterable[Document]) -> Batch:
        return replace(self, documents=tuple(documents))

    def with_artifact(self, name: str, value: Any) -> Batch:
        return replace(self, artifacts=MappingProxyType({**self.artifacts, name: value}))

    def with_manifest(self, section: str, value: Any) -> Batch:
        """Add ``section`` to what the run's ``manifest.json`` records (models, glossary checksum, …)."""
        return self.with_artifact(MANIFEST, {**self.artifacts.get(MANIFEST, {}), section: value})


class Progress:
    """What stages report progress to; the CLI passes a rich progress bar, tests the silent default."""

    def track(self, items: Iterable[Any], description: str, total: int | None = None) -> Iterable[Any]:
        return items


@dataclass
class RunContext:
    config: RunConfig
    progress: Progress = field(default_factory=Progress)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per-stage counts, filled by the stages and written to the manifest."""
    services: dict[str, Any] = field(default_factory=dict)
    """Loaded components (detector, translator, …) shared between stages of one run."""

    def count(self, stage: str, key: str, n: int = 1) -> None:
        bucket = self.counts.setdefault(stage, {})
        bucket[key] = bucket.get(key, 0) + n

    def service(self, name: str, factory: Callable[[], Any]) -> Any:
        if name not in self.services:
            self.services[name] = factory()
        return self.services[name]


StageFn = Callable[[Batch, RunContext], Batch]
WriteFn = Callable[[Batch, RunContext, Path], list[Path]]


@dataclass(frozen=True)
class Stage:
    name: str
    run: StageFn
    requires: frozenset[str] = frozenset()
    provides: frozenset[str] = frozenset()
    write: WriteFn | None = None
    prepare: Callable[[RunContext], None] | None = None
    """Called before any stage runs (load and check what the stage needs); raising stops the run untouched."""


def check_order(stages: Iterable[Stage]) -> None:
    """Raise when a stage needs something no earlier stage provides."""
    available: set[str] = set()
    for stage in stages:
        missing = stage.requires - available
        if missing:
            raise PipelineError(f"stage {stage.name!r} needs {sorted(missing)}, which no earlier stage provides")
        available |= stage.provides


def per_document(
    batch: Batch,
    ctx: RunContext,
    stage: str,
    fn: Callable[[Document], Document],
    *,
    description: str | None = None,
) -> Batch:
    """Apply ``fn`` to each usable document; a document whose ``fn`` fails is skipped with the reason.

    Failures never stop the batch: the document is recorded as skipped, the
    error logged, and the run goes on.
    """
    out: list[Document] = []
    docs = batch.documents
    for doc in ctx.progress.track(docs, description or stage, total=len(docs)):
        if not doc.ok:
            out.append(doc)
            continue
        try:
            result = fn(doc)
        except PipelineError as exc:
            reason = f"{stage}: {exc}"
        except Exception as exc:  # a third-party failure on one document must not sink the batch
            log.debug("stage %s failed on %s", stage, doc.doc_id, exc_info=True)
            reason = f"{stage}: unexpected {type(exc).__name__}: {exc}"
        else:
            out.append(result)
            continue
        log.warning("%s: skipped (%s)", doc.path, reason)
        ctx.count(stage, "failed")
        out.append(replace(doc, status=DocStatus.SKIPPED, reason=reason))
    return batch.with_documents(out)
