"""The ``translate`` stage of ``pipeline run`` and the ad hoc :func:`translate_text`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from pipeline.models import HAS_TRANSLATION, UNDETERMINED, Document, TranslationStatus
from pipeline.translate.engine import (
    CACHED,
    TRANSLATED,
    UNTRANSLATED,
    DecodingSettings,
    TranslationEngine,
)

log = logging.getLogger(__name__)

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


def translate_documents(
    documents: Sequence[Document],
    engine: TranslationEngine,
    target: str,
    *,
    track: Callable[[Iterable[Any], str, int], Iterable[Any]] | None = None,
) -> list[Document]:
    """Translate every sentence's ``source_for_mt`` of the usable ``documents`` into ``target``.

    All their sentences go to the engine in one call (de-duplicated, batched per language pair and
    sorted by length there). A sentence already translated from the translation memory keeps that
    translation. A pair without a model leaves its sentences ``untranslated`` with the reason; a
    translation taken from the cache is the same translation, so its status is ``translated`` too.
    """
    items: list[tuple[str, str]] = []
    where: list[tuple[int, int]] = []
    notes: list[str] = []
    for d, doc in enumerate(documents):
        if not doc.ok:
            continue
        for s, sentence in enumerate(doc.sentences):
            if sentence.translation_status == TranslationStatus.MEMORY:
                continue
            lang, note = source_language(sentence.lang, doc.lang, target, engine)
            items.append((lang, sentence.source_for_mt))
            where.append((d, s))
            notes.append(note)
    outcomes = engine.translate(items, target, track=track)
    sentences = {d: list(doc.sentences) for d, doc in enumerate(documents)}
    for (d, s), outcome, note in zip(where, outcomes, notes):
        status = TRANSLATED if outcome.status == CACHED else outcome.status
        sentences[d][s] = replace(
            sentences[d][s],
            translation=outcome.translation,
            translation_status=status,
            translation_note=outcome.note or (note if status == TRANSLATED else ""),
            model_id=outcome.model_id,
            mt_confidence=outcome.mt_confidence,
        )
    return [replace(doc, sentences=tuple(sentences[d])) if doc.ok else doc for d, doc in enumerate(documents)]


def leave_untranslated(documents: Sequence[Document], target: str, note: str) -> list[Document]:
    """``documents`` as the ``translate`` stage leaves them when nothing can translate (no translation extra):
    sentences in ``target`` (or with nothing to translate) pass through, the others stay untranslated with
    ``note``."""
    from pipeline.translate.engine import PASSTHROUGH, nothing_to_translate

    out = []
    for doc in documents:
        if not doc.ok:
            out.append(doc)
            continue
        sentences = []
        for s in doc.sentences:
            if s.translation_status == TranslationStatus.MEMORY:
                sentences.append(s)
            elif doc.sentence_lang(s) == target or nothing_to_translate(s.text):
                sentences.append(replace(s, translation=s.text, translation_status=PASSTHROUGH))
            else:
                sentences.append(replace(s, translation="", translation_status=UNTRANSLATED, translation_note=note))
        out.append(replace(doc, sentences=tuple(sentences)))
    return out


def missing_pairs(documents: Iterable[Document], engine: TranslationEngine, target: str) -> set[tuple[str, str]]:
    """The language pairs ``documents`` need and no installed model covers."""
    items = [
        (source_language(s.lang, doc.lang, target, engine)[0], s.source_for_mt)
        for doc in documents if doc.ok
        for s in doc.sentences
    ]
    return engine.missing_pairs(items, target)


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
    if not any(s.translation_status in HAS_TRANSLATION for s in doc.sentences):
        return None
    paragraphs: dict[int, list[str]] = {}
    for sentence in doc.sentences:
        text = sentence.translation if sentence.translation_status != UNTRANSLATED else sentence.text
        paragraphs.setdefault(sentence.para_idx, []).append(text)
    return "\n\n".join(" ".join(parts) for _, parts in sorted(paragraphs.items())) + "\n"


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
