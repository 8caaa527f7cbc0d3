"""The typed records that flow through every stage.

Stages never mutate a record: they return new ones built with
:func:`dataclasses.replace`. A :class:`Document` carries its cleaned text, the
metadata kept aside during ingest, its paragraphs as character spans, and its
sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class DocStatus(str, Enum):
    OK = "ok"
    SKIPPED = "skipped"


UNDETERMINED = "und"


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` in a document's text."""

    start: int
    end: int


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
    """``translated``, ``cached``, ``passthrough`` or ``untranslated`` once the translate stage ran."""
    translation_note: str = ""
    """Why a sentence is untranslated (no model for its pair, …)."""
    model_id: str = ""
    flags: tuple[str, ...] = ()
    """Review flags set by later stages (``glossary-applied``, ``unverified``, …)."""

    @property
    def source_for_mt(self) -> str:
        return self.text if self.mt_source is None else self.mt_source


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str
    path: str
    """Path relative to the input folder, ``/``-separated."""
    sha256: str
    status: DocStatus = DocStatus.OK
    reason: str = ""
    encoding: str = ""
    text: str = ""
    paragraphs: tuple[Span, ...] = ()
    title: str = ""
    date: str = ""
    """ISO 8601 date (``YYYY-MM-DD``) when the document states one."""
    source_url: str = ""
    lang: str = UNDETERMINED
    lang_score: float = 0.0
    sentences: tuple[Sentence, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status is DocStatus.OK
