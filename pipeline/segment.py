"""Sentence segmentation per language, with character offsets.

Russian goes through razdel (Natasha's rule-based segmenter, tuned on Russian
news); every other language through Wikimedia's sentencex, which knows the
abbreviations and punctuation of about 300 languages.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.errors import SegmentationError
from pipeline.models import UNDETERMINED, Document, Sentence

RAZDEL_LANGS = frozenset({"ru"})
DEFAULT_LANG = "en"

TITLE_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": frozenset({
        "Amb", "Dr", "Mr", "Mrs", "Ms", "Prof", "Gen", "Sen", "Rep", "Gov", "Lt", "Col", "Capt",
        "Sgt", "Rev", "Hon", "Pres", "Supt", "Insp", "Cmdr", "Adm", "Maj", "Messrs",
    }),
    "de": frozenset({"Dr", "Prof", "Hr", "Fr", "Dipl", "Ing"}),
    "fr": frozenset({"M", "Mme", "Mlle", "Dr", "Pr", "Me"}),
}
"""Titles that stand before a name: a sentence never ends on them, whatever the segmenter thinks."""

MAX_SENTENCE_CHARS = 1000
"""Longer "sentences" (a page with no punctuation, a table flattened to one line) are cut at clause
punctuation or, failing that, at spaces: a translation model decodes at most 256 pieces, and an aligner or a
spreadsheet cell gains nothing from a 100,000-character segment."""

_CLAUSE_BREAK = re.compile(r"[;:,—–)\]]\s+|\s+")

_TITLE_END = re.compile(r"(?:^|\s)(?P<abbr>[A-Z][a-z]{0,5})\.$")


def _razdel(text: str) -> list[tuple[int, int]]:
    from razdel import sentenize

    return [(s.start, s.stop) for s in sentenize(text)]


def _sentencex(text: str, lang: str) -> list[tuple[int, int]]:
    from sentencex import segment

    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in segment(lang, text):
        piece = piece.strip()
        if not piece:
            continue
        start = text.find(piece, cursor)
        if start < 0:  # the segmenter normalised something: fall back to the cursor
            start = cursor
        end = start + len(piece)
        spans.append((start, end))
        cursor = end
    return spans


WINDOW_CHARS = 20_000
"""The most text handed to a segmenter at once. razdel's time grows with the square of a paragraph's length on
long unpunctuated text with quotes (a 5 MB line: minutes), so longer paragraphs are segmented window by window.
Paragraphs of real articles are far shorter and go to the segmenter whole."""


def split_sentences(text: str, lang: str = UNDETERMINED) -> list[tuple[int, int]]:
    """Half-open ``(start, end)`` spans of the sentences of ``text``, whitespace trimmed.

    Runs in time linear in ``len(text)``: text longer than :data:`WINDOW_CHARS` is segmented in windows.
    """
    if not text.strip():
        return []
    if lang in RAZDEL_LANGS:
        segment = _razdel
    else:
        code = lang if lang != UNDETERMINED else DEFAULT_LANG

        def segment(piece: str) -> list[tuple[int, int]]:
            return _sentencex(piece, code)

    try:
        spans = _windowed(text, segment, WINDOW_CHARS)
    except Exception as exc:  # third-party segmenters raise anything on odd input
        raise SegmentationError(f"sentence segmentation failed for language {lang!r}: {exc}") from exc
    trimmed: list[tuple[int, int]] = []
    titles = TITLE_ABBREVIATIONS.get(lang, frozenset())
    for start, end in spans:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            continue
        if trimmed and _ends_with_title(text[trimmed[-1][0]:trimmed[-1][1]], titles) and text[start].isupper():
            trimmed[-1] = (trimmed[-1][0], end)
        else:
            trimmed.append((start, end))
    return [piece for start, end in trimmed for piece in _cap_length(text, start, end)]


def _windowed(text: str, segment, window: int, limit: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """``segment(text)``, with text longer than ``window`` segmented a window at a time; offsets into ``text``.

    The last sentence of a window may run on past it, so the next window starts where that sentence starts;
    a last sentence longer than ``limit`` is cut by :func:`_cap_length` (as it would be anyway) and the next
    window starts at its last piece. Each window thus moves on by at least ``window - limit`` characters.
    """
    if len(text) <= window:
        return segment(text)
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        stop = min(len(text), start + window)
        found = [(start + a, start + b) for a, b in segment(text[start:stop])]
        if stop == len(text):
            return spans + found
        if not found:  # only whitespace in this window
            start = stop
            continue
        *done, (last_start, _) = found
        spans.extend(done)
        if stop - last_start > limit:
            *pieces, (resume, _) = _cap_length(text, last_start, stop, limit)
            spans.extend(pieces)
            last_start = resume
        start = max(last_start, start + 1)


def _cap_length(text: str, start: int, end: int, limit: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into pieces of at most ``limit`` characters, preferring clause breaks."""
    pieces = []
    while end - start > limit:
        window = text[start:start + limit + 1]
        breaks = [m for m in _CLAUSE_BREAK.finditer(window) if m.start() > limit // 2]
        clause = [m for m in breaks if not m.group().isspace()]
        cut = (clause or breaks)[-1] if (clause or breaks) else None
        stop = start + (cut.start() + len(cut.group().rstrip()) if cut is not None else limit)
        pieces.append((start, stop))
        start = stop
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces


def _ends_with_title(sentence: str, titles: frozenset[str]) -> bool:
    match = _TITLE_END.search(sentence)
    return bool(match) and match["abbr"] in titles


def split_document(doc: Document) -> Document:
    """``doc`` with its sentences: each paragraph split with its language's segmenter.

    A paragraph's language comes from ``doc.paragraph_langs`` (see
    :func:`pipeline.detect.identify_paragraphs`); without it, the default segmenter is used. Sentences get
    their paragraph's language, refined later by :func:`pipeline.detect.identify_sentences`.
    """
    sentences = []
    for para_idx, para in enumerate(doc.paragraphs):
        text = doc.text[para.start:para.end]
        lang = doc.paragraph_langs[para_idx] if para_idx < len(doc.paragraph_langs) else UNDETERMINED
        for start, end in split_sentences(text, lang):
            sentences.append(
                Sentence(
                    doc_id=doc.doc_id,
                    sent_idx=len(sentences),
                    para_idx=para_idx,
                    start=para.start + start,
                    end=para.start + end,
                    text=text[start:end],
                    lang=lang,
                )
            )
    return replace(doc, sentences=tuple(sentences))
