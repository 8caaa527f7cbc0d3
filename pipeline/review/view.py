"""What the review page shows, built from the run's records by pure functions.

:func:`build_view` turns aligned pairs, glossary matches, sentence statuses
and document metadata into one JSON-ready dict: the pairs with their
highlights, flags and quality values, the counts shown at the top, the filter
choices, the run's checksum (the key under which the page keeps a reviewer's
decisions) and what the page needs to write ``aligned.csv`` back with those
decisions. Highlight offsets are given in UTF-16 code units, the unit of
JavaScript strings, so a character outside the Basic Multilingual Plane
before a term does not shift its mark.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.corpus import ALIGNED_COLUMNS, AlignedPair
from pipeline.models import Flag, PairKind

# Sentence- and pair-level flags the page calls out.
UNTRANSLATED = Flag.UNTRANSLATED.value
UNVERIFIED = Flag.UNVERIFIED.value
LOW_SCORE = Flag.LOW_SCORE.value
GLOSSARY_APPLIED = Flag.GLOSSARY_APPLIED.value
NEEDS_REVIEW = Flag.NEEDS_REVIEW.value

FLAG_ORDER = (LOW_SCORE, *(f.value for f in Flag if f is not Flag.LOW_SCORE))
"""Flags in the order the page lists them; flags of other origins follow, alphabetically."""

FLAG_LABELS = {
    LOW_SCORE: "score below threshold",
    UNTRANSLATED: "untranslated",
    UNVERIFIED: "unverified term",
    GLOSSARY_APPLIED: "glossary applied",
    NEEDS_REVIEW: "glossary needs review",
    Flag.UNALIGNED.value: "unaligned",
    Flag.LOW_CONFIDENCE.value: "low MT confidence",
    Flag.LENGTH_MISMATCH.value: "length mismatch",
    Flag.MISALIGNED.value: "misaligned",
    Flag.UNTRANSLATED_WORDS.value: "untranslated words",
    Flag.DUPLICATE.value: "duplicate",
    Flag.INVALID_BYTES.value: "invalid bytes",
    Flag.MIXED_ENCODING.value: "mixed encoding",
}
"""How the page names each flag in its filter and counts (the flag itself is shown on the pair)."""

REVIEWER_COLUMNS = ("decision", "edited_tgt_text")
"""The columns of ``aligned.csv`` a reviewer fills; every other column is the run's."""

ROW_FIELDS = {
    "pair_id": "id", "kind": "kind", "src_doc": "sd", "src_ids": "si", "src_lang": "sl", "src_text": "st",
    "tgt_doc": "td", "tgt_ids": "ti", "tgt_lang": "tl", "tgt_text": "tt",
}
"""``aligned.csv`` columns the page rebuilds from the pair's own fields (ids as ``[0, 1]``)."""

RAW_COLUMNS = tuple(c for c in ALIGNED_COLUMNS if c not in ROW_FIELDS and c not in REVIEWER_COLUMNS)
"""``aligned.csv`` columns each pair carries verbatim (``raw``), so the page writes them byte for byte."""

REVIEWED_CSV = "aligned.reviewed.csv"
"""The file name the page's download button suggests."""


def pairs_checksum(pairs: Iterable[AlignedPair]) -> str:
    """SHA-256 of the run's columns of ``aligned.csv`` (not the reviewer's), pair by pair, in order.

    The same from the run's records and from its ``aligned.csv`` read back; the
    page keeps a reviewer's decisions under it, so a page of another run (other
    pairs, texts or scores) never sees them.
    """
    digest = hashlib.sha256()
    for pair in pairs:
        row = pair.row()
        digest.update(json.dumps([row[c] for c in ALIGNED_COLUMNS if c not in REVIEWER_COLUMNS], ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class GlossaryMark:
    """One glossary match as the review page needs it."""

    doc_id: str
    sent_idx: int
    entry: str
    matched: str
    """The source surface form that matched."""
    action: str
    """``apply`` or ``skip``."""
    target_term: str = ""
    note: str = ""
    reason: str = ""
    target_check: str = ""
    """``ok``, ``post-edited`` or ``unverified`` when the glossary stage verified the target."""
    confidence: float | None = None
    needs_review: bool = False
    """Decided below the glossary's confidence threshold (the pair is flagged ``needs-review``)."""


def _truth(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y"}
    return bool(value)


def _optional_float(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def glossary_mark(record: Any) -> GlossaryMark:
    """The one place a glossary match record (an object or a dict/CSV row) becomes a :class:`GlossaryMark`.

    Reads ``doc_id``, ``sent_idx``, ``entry``, ``matched``, ``action``,
    ``target_term``, ``note`` and, where present, ``reason``,
    ``target_check``, ``confidence`` and ``needs_review``. ``entry`` may be the entry id or an entry object with an
    ``id`` (its ``target``/``target_term`` and ``note`` then fill the gaps).
    """

    def get(obj: Any, name: str) -> Any:
        if isinstance(obj, Mapping):
            return obj.get(name)
        return getattr(obj, name, None)

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    entry = get(record, "entry")
    target_term = get(record, "target_term")
    note = get(record, "note")
    if entry is not None and not isinstance(entry, (str, int)):
        target_term = target_term or get(entry, "target_term") or get(entry, "target")
        note = note or get(entry, "note")
        entry = get(entry, "id") or get(entry, "entry_id") or entry
    return GlossaryMark(
        doc_id=text(get(record, "doc_id")),
        sent_idx=int(get(record, "sent_idx")),
        entry=text(entry),
        matched=text(get(record, "matched")),
        action=text(get(record, "action")).strip().lower(),
        target_term=text(target_term),
        note=text(note),
        reason=text(get(record, "reason")),
        target_check=text(get(record, "target_check")).strip().lower(),
        confidence=_optional_float(get(record, "confidence")),
        needs_review=_truth(get(record, "needs_review")),
    )


def term_marks(documents: Iterable[Any]) -> list[GlossaryMark]:
    """The glossary matches recorded on the documents' sentences (:attr:`pipeline.models.Sentence.terms`)."""
    return [
        GlossaryMark(
            doc_id=sent.doc_id, sent_idx=sent.sent_idx, entry=str(term.entry), matched=term.matched,
            action=str(term.action).strip().lower(), target_term=term.target_term, note=term.note, reason=term.reason,
            target_check=str(term.target_check).strip().lower(), confidence=term.confidence,
            needs_review=bool(term.needs_review),
        )
        for doc in documents
        for sent in doc.sentences
        for term in getattr(sent, "terms", ())
    ]


@dataclass(frozen=True, slots=True)
class SentenceState:
    """What the translate and glossary stages recorded on one sentence."""

    translation_status: str = ""
    flags: tuple[str, ...] = ()


SentenceKey = tuple[str, int]


def sentence_states(documents: Iterable[Any]) -> dict[SentenceKey, SentenceState]:
    """``(doc_id, sent_idx) -> SentenceState`` from :class:`pipeline.models.Document` records."""
    states: dict[SentenceKey, SentenceState] = {}
    for doc in documents:
        for sent in doc.sentences:
            states[(sent.doc_id, sent.sent_idx)] = SentenceState(sent.translation_status, tuple(sent.flags))
    return states


@dataclass(frozen=True, slots=True)
class DocInfo:
    title: str = ""
    lang: str = ""
    source_url: str = ""
    path: str = ""


def doc_infos(documents: Iterable[Any]) -> dict[str, DocInfo]:
    return {d.doc_id: DocInfo(d.title, d.lang, d.source_url, d.path) for d in documents}


def lang_pair(pair: AlignedPair) -> str:
    return f"{pair.src_lang}→{pair.tgt_lang}"


def _utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def _find_free(text: str, needle: str, taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    """First occurrence of ``needle`` (exact case first, then any case) not overlapping ``taken``."""
    if not needle:
        return None
    for haystack, pattern in ((text, needle), (text.casefold(), needle.casefold())):
        if len(haystack) != len(text):  # casefold changed lengths (ß → ss): offsets would lie
            continue
        start = haystack.find(pattern)
        while start >= 0:
            end = start + len(pattern)
            if all(end <= a or start >= b for a, b in taken):
                return start, end
            start = haystack.find(pattern, start + 1)
    return None


def _mark_title(mark: GlossaryMark) -> str:
    head = f"{mark.entry}: {mark.matched}"
    if mark.target_term:
        head += f" → {mark.target_term}"
    status = mark.action
    if mark.action == "skip" and mark.reason:
        status += f" ({mark.reason})"
    elif mark.target_check:
        status += f", target {mark.target_check}"
    if mark.confidence is not None:
        status += f", confidence {mark.confidence:.2f}"
    if mark.needs_review:
        status += ", needs review"
    parts = [head, status]
    if mark.note:
        parts.append(mark.note)
    return " · ".join(parts)


def highlights(text: str, marks: Iterable[GlossaryMark], *, prefer_target: bool) -> list[list[Any]]:
    """Glossary highlights in ``text`` as ``[start, end, css_class, title]`` (UTF-16 offsets, sorted).

    On a source side the matched surface form is looked for; on a translation's
    target side (``prefer_target``) the target term of applied entries. Skipped
    matches are marked too (in their own class), so the reviewer sees that the
    glossary considered the word and why it left it alone.
    """
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, str, str]] = []
    for mark in marks:
        applied = mark.action == "apply"
        if prefer_target:
            candidates = [mark.target_term] if applied else []
        else:
            candidates = [mark.matched] + ([mark.target_term] if applied else [])
        for needle in candidates:
            span = _find_free(text, needle, taken)
            if span is None:
                continue
            taken.append(span)
            if not applied:
                css = "gl-skip"
            elif mark.target_check == UNVERIFIED:
                css = "gl-unverified"
            else:
                css = "gl-apply"
            if mark.needs_review:
                css += " gl-review"
            found.append((span[0], span[1], css, _mark_title(mark)))
            break
    found.sort()
    return [[_utf16(text, s), _utf16(text, e), css, title] for s, e, css, title in found]


def _side_flags(doc: str, ids: Iterable[int], states: Mapping[SentenceKey, SentenceState]) -> set[str]:
    flags: set[str] = set()
    for idx in ids:
        state = states.get((doc, idx))
        if state is None:
            continue
        flags.update(state.flags)
        if state.translation_status == UNTRANSLATED:
            flags.add(UNTRANSLATED)
    return flags


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def ordered_flags(flags: Iterable[str]) -> list[str]:
    """``flags`` in :data:`FLAG_ORDER`, unknown ones after them, alphabetically."""
    rank = {flag: i for i, flag in enumerate(FLAG_ORDER)}
    return sorted(set(flags), key=lambda f: (rank.get(f, len(rank)), f))


def build_view(
    pairs: Iterable[AlignedPair],
    *,
    matches: Iterable[Any] = (),
    states: Mapping[SentenceKey, SentenceState] | None = None,
    docs: Mapping[str, DocInfo] | None = None,
    threshold: float = 0.5,
    title: str = "Review",
) -> dict[str, Any]:
    """The page's data: pairs with highlights, flags and values, counts, filter choices, checksum and CSV layout.

    Flags are the pair's own, its sentences' (``states``) and the glossary's
    (``unverified``, ``glossary-applied``, ``needs-review``); ``low-score`` is
    set here, from ``threshold``, for pairs of every kind (a page made with
    another threshold than the run's shows that threshold's pairs).
    """
    pairs = list(pairs)
    states = states or {}
    docs = docs or {}
    by_sentence: dict[SentenceKey, list[GlossaryMark]] = {}
    for record in matches:
        mark = record if isinstance(record, GlossaryMark) else glossary_mark(record)
        by_sentence.setdefault((mark.doc_id, mark.sent_idx), []).append(mark)

    def side_marks(doc: str, ids: Iterable[int]) -> list[GlossaryMark]:
        return [m for idx in ids for m in by_sentence.get((doc, idx), ())]

    rows = []
    counts: Counter[str] = Counter()
    flag_counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    used_docs: set[str] = set()
    for pair in pairs:
        src_marks = side_marks(pair.src_doc, pair.src_ids)
        tgt_own = side_marks(pair.tgt_doc, pair.tgt_ids)
        src_hl = highlights(pair.src_text, src_marks, prefer_target=False)
        tgt_hl = highlights(pair.tgt_text, tgt_own, prefer_target=False)
        if pair.kind == PairKind.TRANSLATION and src_marks and not tgt_own:
            tgt_hl = highlights(pair.tgt_text, src_marks, prefer_target=True)
        flags = {str(f) for f in pair.flags} | _side_flags(pair.src_doc, pair.src_ids, states)
        flags |= _side_flags(pair.tgt_doc, pair.tgt_ids, states)
        flags.discard(LOW_SCORE)
        marks = src_marks + tgt_own
        if any(m.target_check == UNVERIFIED for m in marks):
            flags.add(UNVERIFIED)
        if any(m.action == "apply" for m in marks):
            flags.add(GLOSSARY_APPLIED)
        if any(m.needs_review for m in marks):
            flags.add(NEEDS_REVIEW)
        below = pair.score < threshold
        if below:
            flags.add(LOW_SCORE)
        csv_row = pair.row()
        rows.append(
            {
                "id": pair.pair_id,
                "kind": str(pair.kind),
                "sd": pair.src_doc,
                "si": list(pair.src_ids),
                "sl": pair.src_lang,
                "st": pair.src_text,
                "td": pair.tgt_doc,
                "ti": list(pair.tgt_ids),
                "tl": pair.tgt_lang,
                "tt": pair.tgt_text,
                "score": round(float(pair.score), 4),
                "m": _round(pair.margin),
                "c": _round(pair.mt_confidence),
                "q": _round(pair.quality),
                "flags": ordered_flags(flags),
                "sh": src_hl,
                "th": tgt_hl,
                "raw": [csv_row[c] for c in RAW_COLUMNS],
            }
        )
        kinds[str(pair.kind)] += 1
        langs[lang_pair(pair)] += 1
        used_docs.update((pair.src_doc, pair.tgt_doc))
        counts["below_threshold"] += below
        flag_counts.update(flags)
    scores = [r["score"] for r in rows]
    return {
        "title": title,
        "threshold": threshold,
        "checksum": pairs_checksum(pairs),
        "counts": {
            "pairs": len(rows),
            "groups": len({(p.kind, p.src_doc, p.tgt_doc) for p in pairs}),
            "kinds": dict(sorted(kinds.items())),
            "langs": dict(sorted(langs.items())),
            "below_threshold": counts["below_threshold"],
            "untranslated": flag_counts[UNTRANSLATED],
            "unverified": flag_counts[UNVERIFIED],
            "glossary_applied": flag_counts[GLOSSARY_APPLIED],
            "flags": {flag: flag_counts[flag] for flag in ordered_flags(flag_counts)},
        },
        "flag_labels": {flag: FLAG_LABELS.get(flag, flag) for flag in ordered_flags(flag_counts)},
        "score_range": [min(scores, default=0.0), max(scores, default=1.0)],
        "docs": {
            doc_id: {"title": info.title, "lang": info.lang, "url": info.source_url, "path": info.path}
            for doc_id, info in sorted(docs.items())
            if doc_id in used_docs
        },
        "csv": {
            "columns": list(ALIGNED_COLUMNS),
            "fields": ROW_FIELDS,
            "raw": list(RAW_COLUMNS),
            "filename": REVIEWED_CSV,
        },
        "pairs": rows,
    }
