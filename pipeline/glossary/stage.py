"""The glossary stages of ``pipeline run``: ``glossary-pre`` before translation, ``glossary-post`` after it.

``glossary-pre`` finds the glossary's terms in every source sentence and sets
``Sentence.mt_source`` to the pre-edited text (``text`` stays as it is);
``glossary-post`` checks each translation for the target terms, post-edits
listed wrong renderings, and flags what it cannot verify. Every match goes to
``glossary_report.csv``.

The work is done by two pure functions over documents,
:func:`pre_edit_documents` and :func:`post_edit_documents`, which need no run
context; the stages only wrap them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.glossary.match import REVIEW_THRESHOLD, Match, Matcher, pre_edit
from pipeline.glossary.model import Glossary
from pipeline.glossary.target import UNVERIFIED, verify
from pipeline.models import Document, Flag, Sentence, UNDETERMINED

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
FLAG_APPLIED = str(Flag.GLOSSARY_APPLIED)
FLAG_UNVERIFIED = str(Flag.UNVERIFIED)
FLAG_NEEDS_REVIEW = str(Flag.NEEDS_REVIEW)
SERVICE = "glossary"
MATCHES = "glossary_matches"
REPORT = "glossary_report"

NOT_TRANSLATED = ("untranslated",)
"""Translation statuses with nothing to verify (as is an empty translation): their matches get an
empty ``target_check`` and no ``unverified`` flag, since MT never saw them."""

SentenceKey = tuple[str, int]


# -- pure functions ------------------------------------------------------------------------------------------


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


def _sentence_lang(sentence: Sentence, doc: Document) -> str:
    return sentence.lang if sentence.lang and sentence.lang != UNDETERMINED else doc.lang


def pre_edit_document(doc: Document, runner: GlossaryRunner) -> tuple[Document, dict[SentenceKey, tuple[Match, ...]]]:
    """``doc`` with ``mt_source`` set on every sentence the glossary changes (and ``terms`` on every
    sentence with a match), and every match by sentence.

    The sentences of one language are matched together, so those that need parsing are parsed in one batch.
    """
    found: dict[SentenceKey, tuple[Match, ...]] = {}
    by_lang: dict[str, list[int]] = {}
    for i, sentence in enumerate(doc.sentences):
        lang = _base(_sentence_lang(sentence, doc))
        if lang != _base(runner.target_lang) and runner.matcher(lang) is not None:
            by_lang.setdefault(lang, []).append(i)
    sentences = list(doc.sentences)
    for lang, indices in by_lang.items():
        matcher = runner.matcher(lang)
        assert matcher is not None
        texts = [doc.sentences[i].text for i in indices]
        for i, matches in zip(indices, matcher.find_many(texts, document=True)):
            if not matches:
                continue
            sentence = sentences[i]
            found[(doc.doc_id, sentence.sent_idx)] = tuple(matches)
            edited = pre_edit(sentence.text, matches)
            flags = sentence.flags
            if any(m.applied for m in matches) and FLAG_APPLIED not in flags:
                flags = (*flags, FLAG_APPLIED)
            if any(m.needs_review for m in matches) and FLAG_NEEDS_REVIEW not in flags:
                flags = (*flags, FLAG_NEEDS_REVIEW)
            sentences[i] = replace(
                sentence, mt_source=edited if edited != sentence.text else sentence.mt_source, flags=flags,
                terms=tuple(m.term() for m in matches),
            )
    return replace(doc, sentences=tuple(sentences)), found


def pre_edit_documents(
    documents: Iterable[Document], glossary: Glossary, target_lang: str = "en"
) -> tuple[tuple[Document, ...], dict[SentenceKey, tuple[Match, ...]]]:
    """Pre-edit every usable document; return them with all matches keyed by ``(doc_id, sent_idx)``."""
    runner = GlossaryRunner(glossary, target_lang)
    out, matches = [], {}
    for doc in documents:
        if not doc.ok:
            out.append(doc)
            continue
        doc, found = pre_edit_document(doc, runner)
        out.append(doc)
        matches.update(found)
    return tuple(out), matches


def post_edit_document(
    doc: Document, matches: dict[SentenceKey, tuple[Match, ...]]
) -> tuple[Document, list[dict[str, Any]]]:
    """``doc`` with translations checked and post-edited, and its report rows."""
    rows: list[dict[str, Any]] = []
    sentences = []
    for sentence in doc.sentences:
        found = matches.get((doc.doc_id, sentence.sent_idx), ())
        if not found:
            sentences.append(sentence)
            continue
        translated = bool(sentence.translation.strip()) and sentence.translation_status not in NOT_TRANSLATED
        checks = {}
        if translated:
            fixed, checks = verify(sentence.translation, found)
            flags = sentence.flags
            if any(c.status == UNVERIFIED for c in checks.values()) and FLAG_UNVERIFIED not in flags:
                flags = (*flags, FLAG_UNVERIFIED)
            sentence = replace(sentence, translation=fixed, flags=flags)
        statuses = [(checks[m.entry.id].status if m.applied and m.entry.id in checks else "") for m in found]
        if sentence.terms:
            sentence = replace(sentence, terms=tuple(m.term(status) for m, status in zip(found, statuses)))
        for m, status in zip(found, statuses):
            rows.append(report_row(sentence, m, status))
        sentences.append(sentence)
    return replace(doc, sentences=tuple(sentences)), rows


def post_edit_documents(
    documents: Iterable[Document], matches: dict[SentenceKey, tuple[Match, ...]]
) -> tuple[tuple[Document, ...], list[dict[str, Any]]]:
    out, rows = [], []
    for doc in documents:
        if not doc.ok:
            out.append(doc)
            continue
        doc, doc_rows = post_edit_document(doc, matches)
        out.append(doc)
        rows.extend(doc_rows)
    return tuple(out), rows


def report_row(sentence: Sentence, m: Match, target_check: str = "") -> dict[str, Any]:
    """One row of ``glossary_report.csv`` (keys in :data:`REPORT_COLUMNS` order)."""
    record = m.record()
    row = {
        "doc_id": sentence.doc_id,
        "sent_idx": sentence.sent_idx,
        **{k: record[k] for k in ("entry", "matched", "action", "reason", "source_replacement")},
        "target_check": target_check,
        "target_term": m.entry.target_term,
        "note": m.entry.note,
        "confidence": "" if m.confidence is None else f"{m.confidence:.4f}",
        "needs_review": "yes" if m.needs_review else "",
    }
    return {k: row[k] for k in REPORT_COLUMNS}


def report_rows(documents: Sequence[Document], matches: dict[SentenceKey, tuple[Match, ...]]) -> list[dict[str, Any]]:
    """Report rows without target checks (before translation)."""
    return [
        report_row(s, m)
        for d in documents if d.ok
        for s in d.sentences
        for m in matches.get((d.doc_id, s.sent_idx), ())
    ]


# -- stages ------------------------------------------------------------------------------------------------


def default_glossary_path(cwd: Path | None = None) -> Path | None:
    """``./glossary`` when it exists, else the ``glossary/`` folder of the source tree, else None."""
    for candidate in ((cwd or Path.cwd()) / "glossary", Path(__file__).resolve().parents[2] / "glossary"):
        if candidate.is_dir():
            return candidate
    return None


@dataclass
class _Loaded:
    runner: GlossaryRunner | None
    path: Path | None


def prepare(ctx) -> None:
    """Load and validate the run's glossary before any stage runs (a broken one stops the run, exit 2)."""
    ctx.service(SERVICE, lambda: _load(ctx))


def _load(ctx) -> _Loaded:
    from pipeline.glossary.fileformat import load_glossary

    cfg = ctx.config.glossary
    if not cfg.enabled:
        return _Loaded(None, None)
    path = Path(cfg.path) if cfg.path is not None else default_glossary_path()
    if path is None:
        return _Loaded(None, None)
    glossary = load_glossary(path)
    log.info("glossary: %d entries from %s", len(glossary), path)
    return _Loaded(GlossaryRunner(glossary, ctx.config.target_lang), path)


def run_pre(batch, ctx):
    from pipeline.stages import per_document

    loaded: _Loaded = ctx.service(SERVICE, lambda: _load(ctx))
    if loaded.runner is None:
        ctx.count(PRE, "disabled")
        return batch.with_artifact(MATCHES, {})
    ctx.count(PRE, "entries", len(loaded.runner.glossary))
    matches: dict[SentenceKey, tuple[Match, ...]] = {}

    def one(doc: Document) -> Document:
        doc, found = pre_edit_document(doc, loaded.runner)
        matches.update(found)
        return doc

    batch = per_document(batch, ctx, PRE, one, description="glossary")
    for found in matches.values():
        for m in found:
            ctx.count(PRE, m.action)
    ctx.count(PRE, "sentences_pre_edited", sum(1 for d in batch.documents for s in d.sentences if s.mt_source is not None))
    batch = batch.with_artifact(MATCHES, matches).with_manifest(
        "glossary",
        {"path": loaded.path.as_posix(), "entries": len(loaded.runner.glossary), "sha256": loaded.runner.glossary.sha256},
    )
    return batch.with_artifact(REPORT, report_rows(batch.documents, matches))


def run_post(batch, ctx):
    from pipeline.stages import per_document

    matches = batch.artifacts.get(MATCHES, {})
    if not matches:
        return batch
    rows_by_doc: dict[str, list[dict[str, Any]]] = {}

    def one(doc: Document) -> Document:
        doc, rows = post_edit_document(doc, matches)
        rows_by_doc[doc.doc_id] = rows
        return doc

    batch = per_document(batch, ctx, POST, one, description="glossary")
    rows = [row for d in batch.documents if d.ok for row in rows_by_doc.get(d.doc_id, [])]
    for row in rows:
        if row["action"] == "apply":
            ctx.count(POST, row["target_check"] or "not_translated")
    return batch.with_artifact(REPORT, rows)


def write_report(batch, ctx, out_dir: Path) -> list[Path]:
    from pipeline.io import write_csv

    loaded = ctx.services.get(SERVICE)
    if loaded is None or loaded.runner is None:
        return []
    path = Path(out_dir) / REPORT_CSV
    write_csv(path, batch.artifacts.get(REPORT, []), REPORT_COLUMNS)
    return [path]


def stages() -> tuple[Any, Any]:
    """The two glossary stages (``glossary-pre``, ``glossary-post``)."""
    from pipeline.stages import Stage

    pre = Stage(PRE, run_pre, requires=frozenset({"lang"}), provides=frozenset({"glossary"}), write=write_report,
                prepare=prepare)
    post = Stage(POST, run_post, requires=frozenset({"glossary"}), provides=frozenset({"glossary-checked"}))
    return pre, post


def insert_stages(stages_: list[Any]) -> list[Any]:
    """``stages_`` with ``glossary-pre`` right after ``detect`` and ``glossary-post`` after ``translate``
    (or right after ``glossary-pre`` when there is no ``translate`` stage)."""
    pre, post = stages()
    out = [s for s in stages_ if s.name not in (PRE, POST)]
    names = [s.name for s in out]
    at = names.index("detect") + 1 if "detect" in names else len(out)
    out.insert(at, pre)
    names = [s.name for s in out]
    after = names.index("translate") if "translate" in names else names.index(PRE)
    out.insert(after + 1, post)
    return out
