"""The typed records that flow through every stage, and the words they use.

Stages never mutate a record: they return new ones built with
:func:`dataclasses.replace`. A :class:`Document` carries its cleaned text, the
metadata kept aside during ingest, its paragraphs as character spans, its
sentences and, once aligned, its translation pairs. An :class:`AlignedPair` is
one row of the parallel corpus (``aligned.csv``, ``corpus.tmx``, Moses).

Statuses and flags are spelled once, here (:class:`DocStatus`,
:class:`TranslationStatus`, :class:`Flag`, :class:`PairKind`); every module and
output uses these values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class DocStatus(str, Enum):
    OK = "ok"
    SKIPPED = "skipped"


class TranslationStatus(str, Enum):
    """What the translate stage did with a sentence (``sentences.csv``: ``translation_status``)."""

    TRANSLATED = "translated"
    """A model's translation (decoded in this run or taken from the translation cache: the same text)."""
    MEMORY = "tm"
    """An approved translation from the translation memory, used instead of MT."""
    PASSTHROUGH = "passthrough"
    """Already in the target language, or nothing to translate (numbers, URLs)."""
    UNTRANSLATED = "untranslated"
    """No model for the pair, undetermined language, or the model failed on it."""

    def __str__(self) -> str:
        return self.value


HAS_TRANSLATION = frozenset({TranslationStatus.TRANSLATED, TranslationStatus.MEMORY})
"""Statuses whose translation is a real translation (aligned with the source, checked by the glossary)."""


class PairKind(str, Enum):
    TRANSLATION = "translation"
    """A sentence (or bead of sentences) and its translation."""
    CROSS_SOURCE = "cross-source"
    """Sentences of two different documents that say the same thing."""

    def __str__(self) -> str:
        return self.value


class Flag(str, Enum):
    """Review flags on sentences, pairs and documents; ``flags`` columns hold them space-separated."""

    GLOSSARY_APPLIED = "glossary-applied"
    """The glossary pre-edited the source before MT."""
    UNVERIFIED = "unverified"
    """An applied glossary term's target term is not in the translation and could not be post-edited in."""
    NEEDS_REVIEW = "needs-review"
    """A glossary decision below the confidence threshold: decided, but worth a look."""
    UNTRANSLATED = "untranslated"
    """No translation (no model for the pair)."""
    UNALIGNED = "unaligned"
    """A sentence matched to nothing on the other side."""
    LOW_SCORE = "low-score"
    """Similarity below the review threshold."""
    LOW_CONFIDENCE = "low-confidence"
    """The translation model itself was unsure of its output."""
    LENGTH_MISMATCH = "length-mismatch"
    """Source and translation lengths disagree beyond what the language pair allows (truncation, additions)."""
    MISALIGNED = "misaligned"
    """The two sides do not say the same thing (cross-lingual similarity far too low)."""
    UNTRANSLATED_WORDS = "untranslated-words"
    """Source-script words copied into the translation."""
    DUPLICATE = "duplicate"
    """A near-identical copy across documents (syndication), not a translation or paraphrase."""
    INVALID_BYTES = "invalid-bytes"
    """Document: bytes that could not be decoded were replaced (``invalid_bytes`` counts them)."""
    MIXED_ENCODING = "mixed-encoding"
    """Document: its lines are in two encodings, UTF-8 and a legacy code page (``encoding`` is ``utf-8+cp1251``);
    each line was read in its own."""

    def __str__(self) -> str:
        return self.value


UNDETERMINED = "und"


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` in a document's text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class TermMatch:
    """One occurrence of a glossary term in a sentence, what was decided, and what the target check found.

    A flat record (entry id, not the entry), so it travels between processes and
    into ``glossary_report.csv`` as it is.
    """

    entry: str
    """The glossary entry's id."""
    start: int
    end: int
    """Character offsets of the match in the sentence's ``text``."""
    matched: str
    action: str
    """``apply`` or ``skip``."""
    reason: str
    """The rule or examples that decided."""
    replacement: str = ""
    """What replaced ``matched`` in ``mt_source``; empty when skipped."""
    confidence: float | None = None
    """How sure the decision is (0-1), when the deciding method gives one."""
    needs_review: bool = False
    """Decided below the confidence threshold: flagged for a reviewer."""
    target_term: str = ""
    note: str = ""
    target_check: str = ""
    """``ok``, ``post-edited`` or ``unverified`` once the translation was checked; empty before or without one."""

    @property
    def applied(self) -> bool:
        return self.action == "apply"


@dataclass(frozen=True, slots=True)
class Sentence:
    doc_id: str
    sent_idx: int
    para_idx: int
    start: int
    end: int
    text: str
    lang: str = UNDETERMINED
    lang_score: float = 0.0
    mt_source: str | None = None
    """The text handed to machine translation when it differs from ``text`` (a glossary pre-edit)."""
    translation: str = ""
    translation_status: str = ""
    """A :class:`TranslationStatus` value once the translate stage ran."""
    translation_note: str = ""
    """Why a sentence is untranslated (no model for its pair, …), or where a memory match came from."""
    model_id: str = ""
    """The model (or ``tm:ORIGIN`` for a translation memory match) that produced ``translation``."""
    mt_confidence: float | None = None
    """The model's length-normalised log-probability of its translation (higher is surer); None without MT."""
    terms: tuple[TermMatch, ...] = ()
    """The glossary's matches in this sentence."""
    flags: tuple[str, ...] = ()
    """Review flags set by later stages (:class:`Flag` values)."""

    @property
    def source_for_mt(self) -> str:
        return self.text if self.mt_source is None else self.mt_source


# -- the parallel corpus ------------------------------------------------------------------------------------------

_IDS = re.compile(r"^\[\s*(?:\d+\s*(?:,\s*\d+\s*)*)?\]$")


def format_ids(ids: Sequence[int]) -> str:
    """``[0, 1]``: the bead notation of Vecalign and Bertalign."""
    return json.dumps(list(ids))


def parse_ids(text: str) -> tuple[int, ...]:
    """Inverse of :func:`format_ids`; raises ``ValueError`` on anything else."""
    text = text.strip()
    if not _IDS.match(text):
        raise ValueError(f"not a list of sentence indices: {text!r}")
    return tuple(json.loads(text))


def _number(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _optional_float(text: Any) -> float | None:
    text = "" if text is None else str(text).strip()
    return float(text) if text else None


ALIGNED_COLUMNS = (
    "pair_id", "kind", "src_doc", "src_ids", "src_lang", "src_text",
    "tgt_doc", "tgt_ids", "tgt_lang", "tgt_text", "score", "margin", "mt_confidence", "quality", "flags",
    "decision", "edited_tgt_text",
)
"""The columns of ``aligned.csv``. ``decision`` (empty, ``accept``, ``reject``, ``edit``) and
``edited_tgt_text`` are for reviewers."""


@dataclass(frozen=True, slots=True)
class AlignedPair:
    pair_id: str
    kind: str
    src_doc: str
    src_ids: tuple[int, ...]
    src_lang: str
    src_text: str
    tgt_doc: str
    tgt_ids: tuple[int, ...]
    tgt_lang: str
    tgt_text: str
    score: float
    """Cosine similarity of the two sides' sentence embeddings."""
    flags: tuple[str, ...] = ()
    decision: str = ""
    edited_tgt_text: str = ""
    margin: float | None = None
    """Cross-source pairs: the ratio margin against both sentences' corpus-wide nearest neighbours."""
    mt_confidence: float | None = None
    """Translation pairs: the model's confidence in the target side (see :attr:`Sentence.mt_confidence`)."""
    quality: float | None = None
    """Translation pairs: the combined quality estimate (0-1, higher is better)."""

    def row(self) -> dict[str, Any]:
        """The pair as a row of ``aligned.csv`` (every value a string)."""
        return {
            "pair_id": self.pair_id,
            "kind": str(self.kind),
            "src_doc": self.src_doc,
            "src_ids": format_ids(self.src_ids),
            "src_lang": self.src_lang,
            "src_text": self.src_text,
            "tgt_doc": self.tgt_doc,
            "tgt_ids": format_ids(self.tgt_ids),
            "tgt_lang": self.tgt_lang,
            "tgt_text": self.tgt_text,
            "score": _number(self.score),
            "margin": _number(self.margin),
            "mt_confidence": _number(self.mt_confidence),
            "quality": _number(self.quality),
            "flags": " ".join(str(f) for f in self.flags),
            "decision": self.decision,
            "edited_tgt_text": self.edited_tgt_text,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> AlignedPair:
        """Inverse of :meth:`row`; raises ``ValueError`` (or ``KeyError`` for a missing column) on bad values."""
        return cls(
            pair_id=row["pair_id"],
            kind=row["kind"],
            src_doc=row["src_doc"],
            src_ids=parse_ids(row["src_ids"]),
            src_lang=row["src_lang"],
            src_text=row["src_text"],
            tgt_doc=row["tgt_doc"],
            tgt_ids=parse_ids(row["tgt_ids"]),
            tgt_lang=row["tgt_lang"],
            tgt_text=row["tgt_text"],
            score=float(row["score"]),
            flags=tuple(str(row.get("flags") or "").split()),
            decision=row.get("decision") or "",
            edited_tgt_text=row.get("edited_tgt_text") or "",
            margin=_optional_float(row.get("margin")),
            mt_confidence=_optional_float(row.get("mt_confidence")),
            quality=_optional_float(row.get("quality")),
        )


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str
    path: str
    """Path relative to the input folder, ``/``-separated."""
    sha256: str
    status: DocStatus = DocStatus.OK
    reason: str = ""
    encoding: str = ""
    invalid_bytes: int = 0
    """Bytes that could not be decoded and were replaced by U+FFFD (the document is flagged ``invalid-bytes``)."""
    text: str = ""
    paragraphs: tuple[Span, ...] = ()
    paragraph_langs: tuple[str, ...] = ()
    """The language of each paragraph (what its sentences are split with)."""
    title: str = ""
    date: str = ""
    """ISO 8601 date (``YYYY-MM-DD``) when the document states one."""
    source_url: str = ""
    lang_hint: str = ""
    """The language the document declares for itself (an HTML page's ``<html lang>``), ISO 639; a hint for the
    detector, not a detection."""
    lang: str = UNDETERMINED
    lang_score: float = 0.0
    flags: tuple[str, ...] = ()
    sentences: tuple[Sentence, ...] = ()
    pairs: tuple[AlignedPair, ...] = ()
    """Translation pairs (each sentence with its translation), once aligned; ``pair_id`` is set on output."""
    vectors: Any = field(default=None, compare=False, repr=False)
    """One sentence embedding per sentence (a float32 array), kept for mining; not part of the record's value."""

    @property
    def ok(self) -> bool:
        return self.status is DocStatus.OK

    def sentence_lang(self, sentence: Sentence) -> str:
        """The language ``sentence`` is read in: its own, or the document's where its own is undetermined."""
        return sentence.lang if sentence.lang and sentence.lang != UNDETERMINED else self.lang
