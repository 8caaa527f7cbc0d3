"""The library entry points: the batch run, and the per-document functions every stage is made of.

A program that needs one step calls its function on records; ``pipeline run`` chains them all::

    from pipeline.api import read_document, identify_paragraphs, split_document, identify_sentences

    doc = read_document(path, doc_id="a", rel_path="a.txt")
    doc = identify_sentences(split_document(identify_paragraphs(doc, detector)), detector)

:func:`run_batch` lists the input files, cuts them into shards, runs the
per-document stages shard by shard through an executor (keeping each finished
shard on disk, so a killed run resumes where it stopped), then the corpus
stages over what the shards left, and swaps the new outputs into the output
folder as a whole.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.config import RunConfig
from pipeline.detect import identify_paragraphs, identify_sentences
from pipeline.errors import InputError
from pipeline.ingest import read_document
from pipeline.models import Document
from pipeline.segment import split_document
from pipeline.stages import STAGES, Progress, RunState, Stage, StageLog, check_order, document_stages

__all__ = [
    "RunReport", "align_translation", "detect_files", "identify_paragraphs", "identify_sentences",
    "post_edit_document", "pre_edit_document", "read_document", "run_batch", "split_document",
    "translate_documents",
]


def __getattr__(name: str) -> Any:  # the heavier steps import their modules only when asked for
    if name == "translate_documents":
        from pipeline.translate.stage import translate_documents

        return translate_documents
    if name in ("pre_edit_document", "post_edit_document"):
        from pipeline.glossary import stage

        return getattr(stage, name)
    if name == "align_translation":
        from pipeline.align.stage import align_translation

        return align_translation
    raise AttributeError(name)


@dataclass(frozen=True)
class RunReport:
    """What a run did: its state (documents on disk, mined pairs), counts, outputs and manifest."""

    state: RunState
    counts: dict[str, dict[str, int]]
    outputs: list[Path]
    manifest: dict[str, Any]
    shards: dict[str, int]
    """``total``, ``reused`` (finished by an earlier run with the same arguments) and ``computed``."""

    @property
    def documents(self) -> Iterator[Document]:
        return iter(self.state.documents)


def run_batch(
    config: RunConfig,
    *,
    progress: Progress | None = None,
    stages: Sequence[Stage] = STAGES,
    executor: Any = None,
) -> RunReport:
    """Run every stage over ``config.input_dir`` and swap the outputs into ``config.out_dir``."""
    from pipeline.executors import LocalExecutor, ShardJob
    from pipeline.outfolder import OutputFolder, output_names
    from pipeline.outputs import MANIFEST_JSON, manifest, translation_section, write_manifest
    from pipeline.services import Services
    from pipeline.shards import DocumentStore, ShardedDocuments, list_sources, plan_shards, shard_key

    check_order(stages)
    out_dir, input_dir = Path(config.out_dir), Path(config.input_dir)
    if not input_dir.exists():
        raise InputError(f"input folder not found: {input_dir}")
    if not input_dir.is_dir():
        raise InputError(f"not a folder: {input_dir} (pass the folder that holds the documents)")
    _check_out_dir(out_dir)
    if out_dir.resolve() == input_dir.resolve():
        raise InputError(f"the output folder is the input folder: {config.out_dir} (give --out another folder)")
    progress = progress or Progress()
    executor = executor or LocalExecutor()
    services = Services(config)
    services.check()
    started = datetime.now(timezone.utc)
    t_start = time.perf_counter()

    with OutputFolder(out_dir) as folder:
        sources = list_sources(
            input_dir, exclude=[out_dir], follow_symlinks=config.follow_symlinks, max_bytes=config.max_file_bytes)
        if not sources:
            import logging

            from pipeline.ingest import SUFFIXES

            logging.getLogger(__name__).warning(
                "no input files under %s (looked for %s)", input_dir, ", ".join(sorted(SUFFIXES)))
        store = DocumentStore(folder.shards)
        if config.fresh:
            store.clear()
        fingerprint = run_fingerprint(config, services)
        shards = plan_shards(sources, config.shard_size)
        keys = [shard_key(shard, fingerprint) for shard in shards]
        jobs = [ShardJob(key, tuple(shard)) for key, shard in zip(keys, shards)
                if not (store.has(key) and _routes_unchanged(store.meta(key).routes, services))]
        per_document = document_stages(stages)
        for done in executor.run(jobs, per_document, services, progress):
            store.save(done.key, done.documents, done.log, shard_routes(done.documents, services))
        store.clean(keep=keys)
        documents = ShardedDocuments(store, keys)
        log = StageLog()
        computed = {job.key for job in jobs}
        for meta in documents.metas():
            for stage, values in meta.counts.items():
                log.count(stage, values)
            if meta.key in computed:
                log.seconds.update(meta.seconds)
        progress.stage("documents", time.perf_counter() - t_start)

        state = RunState(documents=documents, out_dir=folder.stage())
        for stage in stages:
            if stage.per_document:
                continue
            t0 = time.perf_counter()
            stage.fn(state, services)
            log.seconds[stage.name] += time.perf_counter() - t0
            progress.stage(stage.name, time.perf_counter() - t0)
        for stage_name, values in state.counts.items():
            log.count(stage_name, values)

        state.sections["translation"] = translation_section(state, services)
        if services.memory.sources:
            state.sections["memory"] = services.memory.manifest()
        stage_records = [{"name": s.name, "counts": dict(sorted(log.counts.get(s.name, {}).items()))} for s in stages]
        engine = services.loaded("engine")
        data = manifest(
            settings=config.settings(),
            documents=documents,
            stages=stage_records,
            outputs=output_names(state.written, state.out_dir) + [MANIFEST_JSON],
            timing={
                "started_at": started.isoformat(timespec="seconds"),
                "total_seconds": round(time.perf_counter() - t_start, 3),
                "stages": {name: round(seconds, 3) for name, seconds in log.seconds.items()},
                "shards": {"total": len(keys), "reused": len(keys) - len(jobs), "computed": len(jobs)},
                "sentences_from_cache": sum(s.cached for s in engine.stats.values()) if engine is not None else 0,
            },
            extra=state.sections,
        )
        written = [*state.written, write_manifest(state.out_dir, data)]
        folder.commit()
    outputs = [out_dir / p.relative_to(state.out_dir) for p in written]
    state.out_dir = out_dir
    return RunReport(
        state=state,
        counts={name: dict(values) for name, values in log.counts.items()},
        outputs=outputs,
        manifest=data,
        shards={"total": len(keys), "reused": len(keys) - len(jobs), "computed": len(jobs)},
    )


def run_fingerprint(config: RunConfig, services) -> str:
    """What shapes every document's results besides its own bytes: settings, versions, glossary, encoder."""
    import hashlib
    import json

    from pipeline import __version__
    from pipeline.ingest.html import default_extractor

    settings = config.settings()
    for key in ("input_dir", "out_dir", "review", "max_file_mb"):  # the size limit shows in each file's problem
        settings.pop(key, None)
    settings.get("translate", {}).pop("cache_path", None)
    settings.get("translate", {}).pop("use_cache", None)
    glossary = services.glossary
    data = {
        "version": __version__,
        "settings": settings,
        "glossary": glossary.glossary.sha256 if glossary is not None else None,
        "memory": services.memory.revision(),
        "html_extractor": default_extractor(),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def shard_routes(documents: Sequence[Document], services) -> dict[str, list[str] | None]:
    """Per source language the shard needed a model for: the checksums of the models on its route (None: none)."""
    from pipeline.models import TranslationStatus

    target = services.config.target_lang
    langs: set[str] = set()
    for doc in documents:
        for s in doc.sentences:
            if s.translation_status in (TranslationStatus.TRANSLATED, TranslationStatus.UNTRANSLATED):
                langs.update((s.lang, doc.lang))  # a sentence without a model of its own goes as its document's
    return {lang: _route_checksums(lang, services) for lang in sorted(langs) if lang not in ("und", "", target)}


def _route_checksums(lang: str, services) -> list[str] | None:
    from pipeline import extras

    if not extras.available("translate"):
        return None
    route = services.engine.route(lang, services.config.target_lang)
    return None if route is None else [p.checksum for p in route]


def _routes_unchanged(routes: dict[str, list[str] | None], services) -> bool:
    """Whether the models a stored shard was translated with are still the ones installed."""
    return all(_route_checksums(lang, services) == checksums for lang, checksums in routes.items())


def _check_out_dir(out_dir: Path) -> None:
    """Refuse, before any work, an output folder that cannot be made or written to."""
    for folder in (out_dir, *out_dir.parents):
        if not folder.exists():
            continue
        if not folder.is_dir():
            raise InputError(f"output path is not a folder: {folder}")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise InputError(f"cannot write to {folder}: permission denied")
        return


def detect_files(paths: list[Path], config: RunConfig | None = None) -> list[dict[str, Any]]:
    """Language of each file, as ``pipeline run`` would decide it (read, identify, split, identify)."""
    from pipeline.ingest import check_input_file
    from pipeline.services import Services

    services = Services(config or RunConfig(input_dir=Path(".")))
    rows = []
    for path in paths:
        check_input_file(path, folder_hint=" (use `pipeline run` for folders)")
        doc = read_document(path, doc_id=path.stem, rel_path=str(path))
        if doc.ok:
            doc = identify_paragraphs(doc, services.detector)
            doc = identify_sentences(split_document(doc), services.detector)
        rows.append({
            "path": str(doc.path),
            "status": doc.status.value,
            "lang": doc.lang if doc.ok else "",
            "score": doc.lang_score if doc.ok else 0.0,
            "reason": doc.reason,
        })
    return rows
