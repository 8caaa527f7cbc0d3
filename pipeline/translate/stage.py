"""The ``translate`` stage of ``pipeline run`` and the ad hoc :func:`translate_text`."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.errors import ModelNotInstalledError
from pipeline.models import UNDETERMINED, Document
from pipeline.translate.engine import (
    CACHED,
    PASSTHROUGH,
    TRANSLATED,
    UNTRANSLATED,
    DecodingSettings,
    TranslationEngine,
    missing_model_message,
)

log = logging.getLogger(__name__)

STAGE = "translate"
TRANSLATIONS_DIR = "translations"


def open_cache(config: Any) -> Any:
    """The cache a :class:`pipeline.config.TranslateConfig` asks for, or ``None`` with ``use_cache=False``."""
    if not config.use_cache:
        return None
    from pipeline.translate.cache import LazyCache, default_cache_path

    return LazyCache(config.cache_path or default_cache_path())


def engine_from_config(config: Any) -> TranslationEngine:
    """A :class:`TranslationEngine` for a :class:`pipeline.config.TranslateConfig`."""
    return TranslationEngine(
        root=config.packages_dir,
        device=config.device,
        threads=config.threads,
        cache=open_cache(config),
        decoding=DecodingSettings.from_argos(
            beam_size=config.beam_size, max_decoding_length=config.max_decoding_length
        ),
        max_batch_size=config.max_batch_size,
    )


def run(batch: Any, ctx: Any) -> Any:
    """Stage: translate every sentence's ``source_for_mt`` into ``ctx.config.target_lang``.

    All sentences of all documents go to the engine at once (batched per
    language pair). A pair without a model leaves its sentences
    ``untranslated`` with the reason and logs one warning naming the install
    command; with ``translate.strict`` the run stops with exit code 2 instead.
    """
    config = ctx.config.translate
    target = ctx.config.target_lang
    engine: TranslationEngine = ctx.service("translator", lambda: engine_from_config(config))

    items: list[tuple[str, str]] = []
    where: list[tuple[int, int]] = []
    notes: list[str] = []
    for d, doc in enumerate(batch.documents):
        if not doc.ok:
            continue
        for s, sentence in enumerate(doc.sentences):
            lang, note = source_language(sentence.lang, doc.lang, target, engine)
            items.append((lang, sentence.source_for_mt))
            where.append((d, s))
            notes.append(note)

    missing = engine.missing_pairs(items, target)
    if missing:
        message = missing_model_message(missing, engine.root)
        if config.strict:
            raise ModelNotInstalledError(message)
        log.warning("%s; those sentences stay untranslated", message)

    track = None if ctx.config.quiet else (lambda it, desc, total: ctx.progress.track(it, desc, total=total))
    outcomes = engine.translate(items, target, track=track)

    docs = list(batch.documents)
    sentences = {d: list(doc.sentences) for d, doc in enumerate(docs)}
    for (d, s), outcome, note in zip(where, outcomes, notes):
        sentences[d][s] = replace(
            sentences[d][s],
            translation=outcome.translation,
            translation_status=outcome.status,
            translation_note=outcome.note or (note if outcome.status in (TRANSLATED, CACHED) else ""),
            model_id=outcome.model_id,
            mt_confidence=outcome.mt_confidence,
        )
        ctx.count(STAGE, outcome.status)
    for status in (TRANSLATED, CACHED, PASSTHROUGH, UNTRANSLATED):
        ctx.count(STAGE, status, 0)
    for d in sentences:
        if docs[d].ok:
            docs[d] = replace(docs[d], sentences=tuple(sentences[d]))

    summary = {
        "target": target,
        "models": engine.models_used(),
        "sentences_from_cache": sum(1 for o in outcomes if o.status == CACHED),
        "cache": str(engine.cache.path) if engine.cache is not None else None,
        "device": engine.device,
        "decoding": engine.decoding.options(),
        "missing_models": [f"{a}→{b}" for a, b in sorted(missing)],
    }
    return batch.with_documents(docs).with_manifest("translation", summary)


def source_language(sentence_lang: str, doc_lang: str, target: str, engine: TranslationEngine) -> tuple[str, str]:
    """The language to translate a sentence from, and a note when it is not the sentence's own.

    An undetermined sentence takes its document's language. A sentence whose
    detected language has no model (a short Russian sentence taken for
    Ukrainian or Bulgarian, say) is translated from its document's language
    when that has a model, with a note saying so.
    """
    if sentence_lang in (UNDETERMINED, ""):
        return doc_lang, ""
    if sentence_lang == target or engine.route(sentence_lang, target) is not None:
        return sentence_lang, ""
    if doc_lang not in (UNDETERMINED, "", target, sentence_lang) and engine.route(doc_lang, target) is not None:
        return doc_lang, f"no model for {sentence_lang}→{target}; translated as {doc_lang}, the document's language"
    return sentence_lang, ""


def document_translation(doc: Document) -> str | None:
    """The document's translation, paragraph by paragraph; ``None`` when nothing in it was translated.

    Sentences left untranslated keep their source text so the document stays whole.
    """
    if not any(s.translation_status in (TRANSLATED, CACHED) for s in doc.sentences):
        return None
    paragraphs: dict[int, list[str]] = {}
    for sentence in doc.sentences:
        text = sentence.translation if sentence.translation_status != UNTRANSLATED else sentence.text
        paragraphs.setdefault(sentence.para_idx, []).append(text)
    return "\n\n".join(" ".join(parts) for _, parts in sorted(paragraphs.items())) + "\n"


def write(batch: Any, ctx: Any, out_dir: Path) -> list[Path]:
    """``translations/<doc_id>.<lang>.txt`` for every document with translated sentences."""
    from pipeline.io import write_text

    written = []
    for doc in batch.documents:
        if not doc.ok:
            continue
        text = document_translation(doc)
        if text is None:
            continue
        path = Path(out_dir) / TRANSLATIONS_DIR / f"{doc.doc_id}.{ctx.config.target_lang}.txt"
        write_text(path, text)
        written.append(path)
    return written


def translate_text(text: str, from_code: str, to_code: str, engine: TranslationEngine) -> str:
    """Translate free text: each line split into sentences by :func:`pipeline.segment.split_sentences`.

    Lines are kept; the sentences of a line are joined with single spaces.
    Raises :class:`ModelNotInstalledError` when no package covers the pair.
    """
    from pipeline.segment import split_sentences

    from_code, to_code = from_code.strip().lower(), to_code.strip().lower()
    if from_code != to_code:
        engine.require(from_code, to_code)
    lines = text.splitlines()
    spans = [split_sentences(line, from_code) for line in lines]
    items = [(from_code, line[a:b]) for line, line_spans in zip(lines, spans) for a, b in line_spans]
    outcomes = iter(engine.translate(items, to_code))
    out_lines = []
    for line_spans in spans:
        out_lines.append(" ".join(next(outcomes).translation for _ in line_spans))
    return "\n".join(out_lines)
