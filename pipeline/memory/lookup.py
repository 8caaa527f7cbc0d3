"""A run's translation memory: stores and TMX files consulted before machine translation.

:func:`open_memory` loads what a run was given; :func:`apply_memory` fills a
document's sentences from it: an exact match on the normalised source becomes
the sentence's translation with status ``tm``, the origin in ``model_id``
(``tm:<origin>``) and ``translation_note``. Nothing else of the sentence is
decided here: the stages after it recognise memory matches by their status.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from pipeline.memory.store import MemoryHit, MemoryStore, best_hits, default_memory_path, keys_of, lang_code
from pipeline.models import UNDETERMINED, Document, TranslationStatus

MEMORY_STATUS = TranslationStatus.MEMORY.value
MODEL_PREFIX = "tm:"


class Lookup(Protocol):
    def lookup(self, lang_from: str, lang_to: str, texts: Iterable[str]) -> dict[str, MemoryHit]: ...


@dataclass(frozen=True)
class MemorySource:
    """One store or TMX file a run reads, for the manifest."""

    path: str
    kind: str
    """``store`` or ``tmx``."""
    units: int
    sha256: str = ""
    """TMX files: the file's checksum."""


class TranslationMemory:
    """Several memories looked up as one: the best fit of all of them (exact language codes, then the newest)."""

    def __init__(self, stores: Sequence[MemoryStore] = (), sources: Sequence[MemorySource] = ()) -> None:
        self.stores = list(stores)
        self.sources = list(sources)

    def lookup(self, lang_from: str, lang_to: str, texts: Iterable[str]) -> dict[str, MemoryHit]:
        texts = list(texts)
        keys = keys_of(texts)
        candidates = (c for store in self.stores for c in store.candidates(keys))
        return best_hits(lang_from, lang_to, texts, candidates)

    def __len__(self) -> int:
        return sum(len(s) for s in self.stores)

    def manifest(self) -> list[dict[str, Any]]:
        """Each source's path, kind, unit count (and a TMX file's checksum), for ``manifest.json``."""
        return [asdict(s) for s in self.sources]

    def revision(self) -> str:
        """A digest of every source's content: a run's stored per-document results are reused only under it."""
        digest = hashlib.sha256()
        for source, store in zip(self.sources, self.stores):
            digest.update(f"{source.path}|{source.sha256 or store.revision()}\n".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def close(self) -> None:
        for store in self.stores:
            store.close()

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_memory(paths: Sequence[str | Path] = (), *, default: bool = True) -> TranslationMemory:
    """The memory of a run: the user's store (when ``default`` and it exists) and each of ``paths``.

    A path ending in ``.tmx`` is read through translate-toolkit into memory; any other path
    must be an existing store. A missing or unreadable path raises
    :class:`~pipeline.errors.TranslationMemoryError` (exit code 2), before any document is read.
    """
    from pipeline.memory.tmx import read_tmx

    stores: list[MemoryStore] = []
    sources: list[MemorySource] = []
    try:
        if default:
            path = default_memory_path()
            if path.is_file():
                store = MemoryStore(path, create=False)
                stores.append(store)
                sources.append(MemorySource(str(path), "store", len(store)))
        for given in paths:
            path = Path(given)
            if path.suffix.lower() == ".tmx":
                units = read_tmx(path)
                store = MemoryStore(":memory:")
                store.add(units)
                stores.append(store)
                sources.append(MemorySource(str(path), "tmx", len(store), _sha256(path)))
            else:
                store = MemoryStore(path, create=False)
                stores.append(store)
                sources.append(MemorySource(str(path), "store", len(store)))
    except BaseException:
        for store in stores:
            store.close()
        raise
    return TranslationMemory(stores, sources)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def _known(lang: str) -> bool:
    return bool(lang) and lang != UNDETERMINED


def apply_memory(doc: Document, memory: Lookup, target_lang: str) -> Document:
    """``doc`` with every sentence the memory has an exact match for translated from it.

    A sentence is looked up in its own language (its document's when undetermined), then, when that
    finds nothing, in its document's language (as translation falls back to it). Sentences in
    the target language, and skipped documents, are left as they are. A match sets ``translation``,
    ``translation_status="tm"``, ``model_id="tm:<origin>"`` and ``translation_note`` (origin, pair
    or unit id, date), and clears ``mt_source``, since no MT sees the sentence.
    """
    if not doc.ok or not doc.sentences:
        return doc
    target = lang_code(target_lang)
    doc_lang = lang_code(doc.lang) if _known(doc.lang) else ""
    by_lang: dict[str, list[int]] = {}
    for i, sentence in enumerate(doc.sentences):
        lang = lang_code(sentence.lang) if _known(sentence.lang) else doc_lang
        if not lang or _same_language(lang, target) or not sentence.text.strip():
            continue
        by_lang.setdefault(lang, []).append(i)
    found: dict[int, MemoryHit] = {}
    for lang, indices in by_lang.items():
        hits = memory.lookup(lang, target, [doc.sentences[i].text for i in indices])
        missed = []
        for i in indices:
            hit = hits.get(doc.sentences[i].text)
            if hit is None:
                missed.append(i)
            else:
                found[i] = hit
        if missed and doc_lang and lang != doc_lang and not _same_language(doc_lang, target):
            hits = memory.lookup(doc_lang, target, [doc.sentences[i].text for i in missed])
            for i in missed:
                if doc.sentences[i].text in hits:
                    found[i] = hits[doc.sentences[i].text]
    if not found:
        return doc
    sentences = list(doc.sentences)
    for i, hit in found.items():
        sentences[i] = replace(
            sentences[i],
            translation=hit.translation,
            translation_status=MEMORY_STATUS,
            translation_note=hit.note,
            model_id=MODEL_PREFIX + hit.origin,
            mt_source=None,
            mt_confidence=None,
        )
    return replace(doc, sentences=tuple(sentences))


def _same_language(a: str, b: str) -> bool:
    return a.split("-", 1)[0] == b.split("-", 1)[0]


def is_memory_hit(sentence: Any) -> bool:
    """Whether a sentence's translation came from the translation memory (translate and glossary-pre skip it)."""
    return sentence.translation_status == MEMORY_STATUS


def count_memory_hits(documents: Iterable[Document]) -> int:
    """Sentences translated from the memory (the run summary's ``from translation memory`` line)."""
    return sum(1 for d in documents if d.ok for s in d.sentences if is_memory_hit(s))
