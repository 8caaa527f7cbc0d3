"""The glossary over documents: pre-edit before translation, check and post-edit after it.

:func:`pre_edit_document` finds the glossary's terms in every source sentence,
records each match on its sentence (``Sentence.terms``) and sets
``Sentence.mt_source`` to the pre-edited text (``text`` stays as it is);
:func:`post_edit_document` checks each translation for the target terms,
post-edits listed wrong renderings, and flags what it cannot verify.
:func:`report_rows` gives every match as a row of ``glossary_report.csv``.
These are the ``glossary-pre`` and ``glossary-post`` stages of ``pipeline run``
(see :mod:`pipeline.stages`); they need no run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.glossary.match import REVIEW_THRESHOLD, Match, Matcher, pre_edit
from pipeline.glossary.model import Glossary
from pipeline.glossary.target import POST_EDITED, UNVERIFIED, verify
from pipeline.models import Document, Flag, Sentence, TermMatch, TranslationStatus

log = logging.getLogger(__name__)

PRE = "glossary-pre"
POST = "glossary-post"
REPORT_CSV = "glossary_report.csv"
REPORT_COLUMNS = (
    "doc_id", "sent_idx", "entry", "matched", "action", "reason", "source_replacement", "target_check",
    "target_term", "note", "confidence", "needs_review",
)
"""The audit columns, then the entry's target term and note (for reviewers and the review page), then how
sure a decision by examples is (empty for rules) and whether it is flagged for review (``yes`` or empty)."""
FLAG_APPLIED = Flag.GLOSSARY_APPLIED.value
FLAG_UNVERIFIED = Flag.UNVERIFIED.value
FLAG_NEEDS_REVIEW = Flag.NEEDS_REVIEW.value

NOT_TRANSLATED = (TranslationStatus.UNTRANSLATED.value,)
"""Translation statuses with nothing to verify (as is an empty translation): their matches get an
empty ``target_check`` and no ``unverified`` flag, since MT never saw them."""

class GlossaryRunner:
    """A glossary ready to use on documents: one :class:`Matcher` per source language, built on demand.

    ``review_threshold``: decisions by examples less confident than this flag the match and its sentence
    ``needs-review``."""

    def __init__(self, glossary: Glossary, target_lang: str = "en", *, review_threshold: float = REVIEW_THRESHOLD) -> None:
        self.glossary = glossary
        self.target_lang = target_lang
        self.review_threshold = review_threshold
        self.source_langs = {e.source_lang for e in glossary if _base(e.target_lang) == _base(target_lang)}
        self._matchers: dict[str, Matcher] = {}

    def matcher(self, lang: str) -> Matcher | None:
        base = _base(lang)
        if base not in {_base(s) for s in self.source_langs}:
            return None
        if base not in self._matchers:
            pair = self.glossary.for_pair(base, self.target_lang)
            self._matchers[base] = Matcher(pair, base, review_threshold=self.review_threshold)
        return self._matchers[base]


def _base(code: str) -> str:
    return code.replace("_", "-").split("-")[0].lower()


def _with_flag(flags: tuple[str, ...], flag: Flag, wanted: bool = True) -> tuple[str, ...]:
    return (*flags, flag.value) if wanted and flag.value not in flags else flags


def pre_edit_document(doc: Document, runner: GlossaryRunner) -> Document:
    """``doc`` with the glossary's matches on each sentence (``terms``) and ``mt_source`` where it pre-edits.

    ``text`` never changes. The sentences of one language are matched together, so those that need parsing
    are parsed in one batch. A sentence translated from the translation memory keeps its matches (so its
    translation is still verified) but is not pre-edited: it goes to no model.
    """
    if not doc.ok:
        return doc
    by_lang: dict[str, list[int]] = {}
    for i, sentence in enumerate(doc.sentences):
        lang = _base(doc.sentence_lang(sentence))
        if lang != _base(runner.target_lang) and runner.matcher(lang) is not None:
            by_lang.setdefault(lang, []).append(i)
    sentences = list(doc.sentences)
    for lang, indices in by_lang.items():
        matcher = runner.matcher(lang)
        texts = [doc.sentences[i].text for i in indices]
        for i, matches in zip(indices, matcher.find_many(texts, document=True)):
            if not matches:
                continue
            sentence = sentences[i]
            flags = _with_flag(sentence.flags, Flag.NEEDS_REVIEW, any(m.needs_review for m in matches))
            mt_source = sentence.mt_source
            if sentence.translation_status != TranslationStatus.MEMORY:
                edited = pre_edit(sentence.text, matches)
                mt_source = edited if edited != sentence.text else sentence.mt_source
                flags = _with_flag(flags, Flag.GLOSSARY_APPLIED, any(m.applied for m in matches))
            sentences[i] = replace(sentence, terms=tuple(m.term() for m in matches), mt_source=mt_source, flags=flags)
    return replace(doc, sentences=tuple(sentences))


def pre_edit_documents(documents: Iterable[Document], glossary: Glossary, target_lang: str = "en") -> tuple[Document, ...]:
    """:func:`pre_edit_document` over every document."""
    runner = GlossaryRunner(glossary, target_lang)
    return tuple(pre_edit_document(doc, runner) for doc in documents)


def _match(term: TermMatch, glossary: Glossary) -> Match:
    return Match(glossary.get(term.entry), term.start, term.end, term.matched, term.action, term.reason,
                 term.replacement, confidence=term.confidence, needs_review=term.needs_review)


def post_edit_document(doc: Document, glossary: Glossary) -> Document:
    """``doc`` with each glossary-matched translation checked for the target terms and post-edited.

    Each applied match gets its ``target_check`` (``ok``, ``post-edited``, ``unverified``); a sentence
    with an unverified term is flagged. Sentences without a translation are not checked. A translation
    from the translation memory is a reviewer's text: it is checked, never post-edited (a missing
    term is ``unverified``).
    """
    if not doc.ok:
        return doc
    sentences = []
    for sentence in doc.sentences:
        translated = bool(sentence.translation.strip()) and sentence.translation_status not in NOT_TRANSLATED
        if not sentence.terms or not translated:
            sentences.append(sentence)
            continue
        fixed, checks = verify(sentence.translation, [_match(t, glossary) for t in sentence.terms])
        if sentence.translation_status == TranslationStatus.MEMORY and fixed != sentence.translation:
            fixed = sentence.translation
            checks = {k: replace(c, status=UNVERIFIED) if c.status == POST_EDITED else c for k, c in checks.items()}
        terms = tuple(
            replace(t, target_check=checks[t.entry].status) if t.applied and t.entry in checks else t
            for t in sentence.terms
        )
        flags = _with_flag(sentence.flags, Flag.UNVERIFIED, any(c.status == UNVERIFIED for c in checks.values()))
        sentences.append(replace(sentence, translation=fixed, terms=terms, flags=flags))
    return replace(doc, sentences=tuple(sentences))


def post_edit_documents(documents: Iterable[Document], glossary: Glossary) -> tuple[Document, ...]:
    """:func:`post_edit_document` over every document."""
    return tuple(post_edit_document(doc, glossary) for doc in documents)


def report_row(sentence: Sentence, term: TermMatch) -> dict[str, Any]:
    return {
        "doc_id": sentence.doc_id,
        "sent_idx": sentence.sent_idx,
        "entry": term.entry,
        "matched": term.matched,
        "action": term.action,
        "reason": term.reason,
        "source_replacement": term.replacement,
        "target_check": term.target_check,
        "target_term": term.target_term,
        "note": term.note,
        "confidence": "" if term.confidence is None else f"{term.confidence:.4f}",
        "needs_review": "yes" if term.needs_review else "",
    }


def report_rows(documents: Iterable[Document]) -> list[dict[str, Any]]:
    """The rows of ``glossary_report.csv`` for ``documents``: every match of every sentence, in order."""
    return [report_row(s, t) for d in documents if d.ok for s in d.sentences for t in s.terms]


# -- loading --------------------------------------------------------------------------------------------


def default_glossary_path(cwd: Path | None = None) -> Path | None:
    """``./glossary`` when it exists, else the ``glossary/`` folder of the source tree, else None."""
    for candidate in ((cwd or Path.cwd()) / "glossary", Path(__file__).resolve().parents[2] / "glossary"):
        if candidate.is_dir():
            return candidate
    return None


def load_runner(path: Path | None, target_lang: str) -> tuple[GlossaryRunner, Path] | None:
    """The run's glossary (``path``, else :func:`default_glossary_path`), validated; None when there is none.

    Raises :class:`pipeline.errors.GlossaryError` (exit code 2) listing every problem of a broken glossary.
    """
    from pipeline.glossary.fileformat import load_glossary

    path = Path(path) if path is not None else default_glossary_path()
    if path is None:
        return None
    glossary = load_glossary(path)
    log.info("glossary: %d entries from %s", len(glossary), path)
    return GlossaryRunner(glossary, target_lang), path
