"""The stages of a run, declared in one place.

A run is a list of stages over typed records (:mod:`pipeline.models`):

* **document** stages turn one record into the next (a source file into a
  :class:`Document`, a document into the same document with more filled in);
  they run shard by shard, each document on its own, and a document a stage
  fails on is skipped with the reason while the batch goes on;
* **batch** stages take the documents of a shard together (translation
  batches every sentence of every document through the model at once);
* **corpus** stages run once, over what the shards left on disk
  (:class:`RunState`): mining over the pooled embeddings, and the outputs.

Each stage names the fields it reads (``requires``) and fills (``provides``)
as paths into :class:`RunState` (``documents.sentences.lang``), and the
services it uses; :func:`check_order` checks the names are real fields and the
order satisfies them before any data is touched. The logic of each stage is
one function over records, in the module that owns it; the adapters here only
take its inputs from the services and the settings.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import typing
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from pipeline.errors import ModelNotInstalledError, PipelineError
from pipeline.models import AlignedPair, Document, Flag, Sentence, TranslationStatus

log = logging.getLogger(__name__)


class Scope(str, Enum):
    DOCUMENT = "document"
    BATCH = "batch"
    CORPUS = "corpus"


@dataclass(frozen=True)
class SourceFile:
    """An input file as discovered: what the ``ingest`` stage reads."""

    path: Path
    rel_path: str
    doc_id: str
    sha256: str = ""
    """Checksum of the file's bytes as listed (part of its shard's key)."""
    size: int = -1
    """How many bytes were listed (-1: unknown): the ``ingest`` stage reads no more than one byte past that."""
    problem: str = ""
    """Why the file cannot be read at all (a FIFO, a symlink loop…): it becomes a skipped document."""


@dataclass
class RunState:
    """What a run knows once every shard is done; corpus stages read and fill it."""

    documents: Any
    """The per-document results, shard by shard on disk (:class:`pipeline.shards.DocumentStore`):
    iterating it yields each :class:`Document` in path order."""
    cross_source_pairs: tuple[AlignedPair, ...] = ()
    """Sentences of different documents that say the same thing (mined over the pooled embeddings)."""
    quality: Any = None
    """The quality estimate calibrated on the run's translation pairs (:class:`pipeline.align.quality.QualityModel`)."""
    out_dir: Path = Path(".")
    """Where the corpus stages write (the staging folder of this run's outputs)."""
    written: list[Path] = field(default_factory=list)
    """Output files written so far."""
    sections: dict[str, Any] = field(default_factory=dict)
    """Manifest sections the stages add (models, glossary checksum, …)."""
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """What the manifest counts for each corpus stage."""


ELEMENT_TYPES: dict[str, type] = {"documents": Document}
"""The record type of :class:`RunState` fields that hold many records (the store yields documents)."""


@dataclass(frozen=True)
class Stage:
    name: str
    scope: Scope
    fn: Callable[..., Any]
    """document: ``(record, services) -> Document``; batch: ``(documents, services) -> documents``;
    corpus: ``(state, services) -> None`` (fills ``state``)."""
    requires: frozenset[str] = frozenset()
    provides: frozenset[str] = frozenset()
    uses: tuple[str, ...] = ()
    """Services the stage uses (attributes of :class:`pipeline.services.Services`)."""
    counts: Callable[[Document], Mapping[str, int]] | None = None
    """What the manifest counts for this stage, read off each document it produced."""

    @property
    def per_document(self) -> bool:
        return self.scope is not Scope.CORPUS


def field_type(path: str) -> Any:
    """The type a ``requires``/``provides`` path names in :class:`RunState`; raises on an unknown field."""
    current: Any = RunState
    walked = []
    for part in path.split("."):
        hints = typing.get_type_hints(current) if dataclasses.is_dataclass(current) else {}
        if part not in hints:
            where = ".".join(walked) or "RunState"
            raise PipelineError(f"stage field {path!r}: {where} has no field {part!r}")
        walked.append(part)
        current = ELEMENT_TYPES.get(".".join(walked)) or _element(hints[part])
    return current


def _element(hint: Any) -> Any:
    """``tuple[X, ...]`` and ``Sequence[X]`` name their records' type ``X``; anything else itself."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (tuple, list, Sequence, Iterable) and args:
        return args[0]
    return hint


def check_order(stages: Iterable[Stage]) -> None:
    """Raise when a stage names a field that does not exist, or needs one no earlier stage provides."""
    available: set[str] = set()
    for stage in stages:
        for name in stage.requires | stage.provides:
            field_type(name)
        missing = stage.requires - available
        if missing:
            raise PipelineError(f"stage {stage.name!r} needs {sorted(missing)}, which no earlier stage provides")
        available |= stage.provides


# -- the adapters: inputs from the services and settings, logic in the owning module -----------------------------


def _ingest(source: SourceFile, services) -> Document:
    from pipeline.ingest import read_source

    return read_source(source)


def _identify(doc: Document, services) -> Document:
    from pipeline.detect import identify_paragraphs

    return identify_paragraphs(doc, services.detector)


def _segment(doc: Document, services) -> Document:
    from pipeline.segment import split_document

    return split_document(doc)


def _detect(doc: Document, services) -> Document:
    from pipeline.detect import identify_sentences

    return identify_sentences(doc, services.detector)


def _memory(doc: Document, services) -> Document:
    from pipeline.memory import apply_memory

    memory = services.memory
    return apply_memory(doc, memory, services.config.target_lang) if len(memory.stores) else doc


def _glossary_pre(doc: Document, services) -> Document:
    from pipeline.glossary.stage import pre_edit_document

    runner = services.glossary
    return doc if runner is None else pre_edit_document(doc, runner)


def _translate(documents: list[Document], services) -> list[Document]:
    from pipeline import extras
    from pipeline.translate.engine import missing_model_message
    from pipeline.translate.stage import leave_untranslated, missing_pairs, translate_documents

    config = services.config
    if not extras.available("translate"):
        note = extras.message("translate", "translation")
        services.warn_once(f"{note}; every sentence stays untranslated")
        return leave_untranslated(documents, config.target_lang, note)
    engine = services.engine
    missing = missing_pairs(documents, engine, config.target_lang)
    if missing:
        message = missing_model_message(missing, engine.root)
        if config.translate.strict:
            raise ModelNotInstalledError(message)
        services.warn_once(f"{message}; those sentences stay untranslated")
    return translate_documents(documents, engine, config.target_lang)


def _glossary_post(doc: Document, services) -> Document:
    from pipeline.glossary.stage import post_edit_document

    runner = services.glossary
    return doc if runner is None else post_edit_document(doc, runner.glossary)


def _align(doc: Document, services) -> Document:
    from pipeline.align.stage import align_translation

    cfg = services.config.align
    if not cfg.enabled or not doc.sentences:
        return doc
    return align_translation(doc, services.encoder, target_lang=services.config.target_lang, max_size=cfg.max_size)


def _embed(documents: list[Document], services) -> list[Document]:
    from pipeline.align.stage import sentence_vectors

    if not services.config.align.enabled:
        return documents
    return sentence_vectors(documents, services.encoder)


def _mine(state: RunState, services) -> None:
    from pipeline.outputs import mine_cross_source

    state.cross_source_pairs = mine_cross_source(state, services)
    state.counts["mine"] = {"cross_source_pairs": len(state.cross_source_pairs)}


def _quality(state: RunState, services) -> None:
    from pipeline.align.quality import calibrate

    state.quality = calibrate(p for doc in state.documents for p in doc.pairs)
    counts: Counter = Counter()
    for doc in state.documents:
        for pair in doc.pairs:
            counts.update(state.quality.assess(pair)[1])
    state.counts["quality"] = dict(counts)


def _tables(state: RunState, services) -> None:
    from pipeline.outputs import write_tables

    state.written.extend(write_tables(state, services))


def _corpus(state: RunState, services) -> None:
    from pipeline.outputs import write_corpus

    state.written.extend(write_corpus(state, services))


def _review(state: RunState, services) -> None:
    from pipeline.outputs import write_review

    state.written.extend(write_review(state, services))


# -- what the manifest counts, per stage, read off the records -------------------------------------------------


def _status_counts(doc: Document) -> Mapping[str, int]:
    return {doc.status.value: 1}


def _sentence_counts(doc: Document) -> Mapping[str, int]:
    return {"sentences": len(doc.sentences)} if doc.ok else {}


def _language_counts(doc: Document) -> Mapping[str, int]:
    return {f"documents_{doc.lang}": 1} if doc.ok else {}


def _memory_counts(doc: Document) -> Mapping[str, int]:
    return {"hits": sum(1 for s in doc.sentences if s.translation_status == TranslationStatus.MEMORY)}


def _glossary_pre_counts(doc: Document) -> Mapping[str, int]:
    counts = Counter(t.action for s in doc.sentences for t in s.terms)
    counts["sentences_pre_edited"] = sum(1 for s in doc.sentences if s.mt_source is not None)
    counts["needs_review"] = sum(1 for s in doc.sentences for t in s.terms if t.needs_review)
    return counts


def _translate_counts(doc: Document) -> Mapping[str, int]:
    counts = Counter({status.value: 0 for status in TranslationStatus})
    counts.update(str(s.translation_status) for s in doc.sentences if s.translation_status)
    return counts


def _glossary_post_counts(doc: Document) -> Mapping[str, int]:
    return Counter(t.target_check or "not_translated" for s in doc.sentences for t in s.terms if t.applied)


def _align_counts(doc: Document) -> Mapping[str, int]:
    return {
        "translation_pairs": len(doc.pairs),
        "unaligned": sum(Flag.UNALIGNED.value in p.flags for p in doc.pairs),
    }


STAGES: tuple[Stage, ...] = (
    Stage("ingest", Scope.DOCUMENT, _ingest,
          provides=frozenset({"documents.text", "documents.paragraphs", "documents.title", "documents.date"}),
          counts=_status_counts),
    Stage("identify", Scope.DOCUMENT, _identify,
          requires=frozenset({"documents.paragraphs"}), provides=frozenset({"documents.paragraph_langs"}),
          uses=("detector",)),
    Stage("segment", Scope.DOCUMENT, _segment,
          requires=frozenset({"documents.paragraph_langs"}), provides=frozenset({"documents.sentences"}),
          counts=_sentence_counts),
    Stage("detect", Scope.DOCUMENT, _detect,
          requires=frozenset({"documents.sentences"}),
          provides=frozenset({"documents.sentences.lang", "documents.lang"}), uses=("detector",),
          counts=_language_counts),
    Stage("memory", Scope.DOCUMENT, _memory,
          requires=frozenset({"documents.sentences.lang"}),
          provides=frozenset({"documents.sentences.translation", "documents.sentences.translation_status"}),
          uses=("memory",), counts=_memory_counts),
    Stage("glossary-pre", Scope.DOCUMENT, _glossary_pre,
          requires=frozenset({"documents.sentences.lang", "documents.sentences.translation_status"}),
          provides=frozenset({"documents.sentences.terms", "documents.sentences.mt_source"}), uses=("glossary",),
          counts=_glossary_pre_counts),
    Stage("translate", Scope.BATCH, _translate,
          requires=frozenset({"documents.sentences.lang", "documents.sentences.mt_source"}),
          provides=frozenset({"documents.sentences.translation", "documents.sentences.mt_confidence"}),
          uses=("engine",), counts=_translate_counts),
    Stage("glossary-post", Scope.DOCUMENT, _glossary_post,
          requires=frozenset({"documents.sentences.terms", "documents.sentences.translation"}),
          provides=frozenset({"documents.sentences.flags"}), uses=("glossary",),
          counts=_glossary_post_counts),
    Stage("align", Scope.DOCUMENT, _align,
          requires=frozenset({"documents.sentences.translation"}), provides=frozenset({"documents.pairs"}),
          uses=("encoder",), counts=_align_counts),
    Stage("embed", Scope.BATCH, _embed,
          requires=frozenset({"documents.sentences.lang"}), provides=frozenset({"documents.vectors"}),
          uses=("encoder",)),
    Stage("mine", Scope.CORPUS, _mine,
          requires=frozenset({"documents.vectors"}), provides=frozenset({"cross_source_pairs"})),
    Stage("quality", Scope.CORPUS, _quality,
          requires=frozenset({"documents.pairs"}), provides=frozenset({"quality"})),
    Stage("tables", Scope.CORPUS, _tables,
          requires=frozenset({"documents.sentences.translation", "documents.sentences.terms"}),
          provides=frozenset({"written"})),
    Stage("corpus", Scope.CORPUS, _corpus,
          requires=frozenset({"documents.pairs", "cross_source_pairs", "quality"}), provides=frozenset({"written"})),
    Stage("review", Scope.CORPUS, _review,
          requires=frozenset({"documents.pairs", "cross_source_pairs", "quality", "documents.sentences.terms"}),
          provides=frozenset({"written"})),
)
"""Every stage of ``pipeline run``, in order."""


def stage_names(stages: Sequence[Stage] = STAGES) -> list[str]:
    return [s.name for s in stages]


def document_stages(stages: Sequence[Stage] = STAGES, *, until: str | None = None) -> list[Stage]:
    """The per-document stages (document and batch scope), optionally only up to and including ``until``."""
    out = []
    for stage in stages:
        if not stage.per_document:
            continue
        out.append(stage)
        if stage.name == until:
            break
    return out


# -- applying per-document stages ---------------------------------------------------------------------------------


@dataclass
class StageLog:
    """Counts and seconds per stage, filled while documents go through the stages."""

    counts: dict[str, Counter] = field(default_factory=dict)
    seconds: Counter = field(default_factory=Counter)

    def count(self, stage: str, values: Mapping[str, int]) -> None:
        self.counts.setdefault(stage, Counter()).update(values)

    def merge(self, other: StageLog) -> None:
        for stage, values in other.counts.items():
            self.count(stage, values)
        self.seconds.update(other.seconds)


def skip(record: Document | SourceFile, stage: str, reason: str) -> Document:
    """``record`` as a skipped document with ``reason`` (prefixed by the stage that failed)."""
    from pipeline.models import DocStatus

    if isinstance(record, SourceFile):
        return Document(doc_id=record.doc_id, path=record.rel_path, sha256=record.sha256,
                        status=DocStatus.SKIPPED, reason=reason)
    return dataclasses.replace(record, status=DocStatus.SKIPPED, reason=f"{stage}: {reason}", vectors=None)


def _failure(exc: Exception) -> str:
    if isinstance(exc, PipelineError):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc}"


def apply_stage(stage: Stage, records: list[Any], services, stage_log: StageLog) -> list[Document]:
    """Run one per-document stage over ``records``; a failure on one document skips that document only.

    Usage errors (a missing model with ``--strict``) stop the run; any other error of a batch stage skips
    the documents of that batch.
    """
    import time

    from pipeline.errors import UsageError

    t0 = time.perf_counter()
    failed = 0
    if stage.scope is Scope.DOCUMENT:
        out = []
        for record in records:
            if isinstance(record, Document) and not record.ok:
                out.append(record)
                continue
            try:
                out.append(stage.fn(record, services))
            except Exception as exc:  # one document's failure must not sink the batch
                log.debug("stage %s failed on %s", stage.name, getattr(record, "doc_id", record), exc_info=True)
                reason = _failure(exc)
                log.warning("%s: skipped (%s: %s)", getattr(record, "path", ""), stage.name, reason)
                failed += 1
                out.append(skip(record, stage.name, reason))
    else:
        usable = [d for d in records if d.ok]
        try:
            done = iter(stage.fn(usable, services)) if usable else iter(())
            out = [next(done) if d.ok else d for d in records]
        except UsageError:
            raise
        except Exception as exc:
            log.debug("stage %s failed", stage.name, exc_info=True)
            reason = _failure(exc)
            log.warning("%s: %d document(s) skipped (%s)", stage.name, len(usable), reason)
            failed = len(usable)
            out = [skip(d, stage.name, reason) if d.ok else d for d in records]
    stage_log.seconds[stage.name] += time.perf_counter() - t0
    if stage.counts is not None:
        for doc in out:
            stage_log.count(stage.name, stage.counts(doc))
    else:
        stage_log.count(stage.name, {})
    if failed:
        stage_log.count(stage.name, {"failed": failed})
    return out


def run_documents(records: list[Any], stages: Sequence[Stage], services, stage_log: StageLog) -> list[Document]:
    """Every per-document stage over ``records`` (source files or documents), in order."""
    for stage in stages:
        if stage.per_document:
            records = apply_stage(stage, records, services, stage_log)
    return records


class Progress:
    """What a run reports progress to; the CLI passes a progress bar or log lines, tests the silent default."""

    def track(self, items: Iterable[Any], description: str, total: int | None = None) -> Iterable[Any]:
        return items

    @contextlib.contextmanager
    def bar(self, description: str, total: int) -> Iterator[Callable[[int], None]]:
        """A task of ``total`` steps; the block calls what it yields with the steps done since the last call."""
        yield lambda steps: None

    def stage(self, name: str, seconds: float) -> None:
        """A corpus stage (or the per-document phase) finished in ``seconds``."""
