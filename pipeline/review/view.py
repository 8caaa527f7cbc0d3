"""What the review page shows, built from the run's records by pure functions.

:func:`build_view` turns aligned pairs, glossary matches, sentence statuses
and document metadata into one JSON-ready dict: the pairs with their
highlights and flags, the counts shown at the top, and the filter choices.
Highlight offsets are given in UTF-16 code units, the unit of JavaScript
strings, so a character outside the Basic Multilingual Plane before a term
does not shift its mark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.corpus import AlignedPair

# Sentence- and pair-level flags the page calls out.
UNTRANSLATED = "untranslated"
UNVERIFIED = "unverified"
LOW_SCORE = "low-score"
GLOSSARY_APPLIED = "glossary-applied"


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


def glossary_mark(record: Any) -> GlossaryMark:
    """The one place a glossary match record (an object or a dict/CSV row) becomes a :class:`GlossaryMark`.

    Reads ``doc_id``, ``sent_idx``, ``entry``, ``matched``, ``action``,
    ``target_term``, ``note`` and, where present, ``reason`` and
    ``target_check``. ``entry`` may be the entry id or an entry object with an
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
    )


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


def build_view(
    pairs: Iterable[AlignedPair],
    *,
    matches: Iterable[Any] = (),
    states: Mapping[SentenceKey, SentenceState] | None = None,
    docs: Mapping[str, DocInfo] | None = None,
    threshold: float = 0.5,
    title: str = "Review",
) -> dict[str, Any]:
    """The page's data: pairs with highlights and flags, counts, and filter choices."""
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
    kinds: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    used_docs: set[str] = set()
    for pair in pairs:
        src_marks = side_marks(pair.src_doc, pair.src_ids)
        tgt_own = side_marks(pair.tgt_doc, pair.tgt_ids)
        src_hl = highlights(pair.src_text, src_marks, prefer_target=False)
        tgt_hl = highlights(pair.tgt_text, tgt_own, prefer_target=False)
        if pair.kind == "translation" and src_marks and not tgt_own:
            tgt_hl = highlights(pair.tgt_text, src_marks, prefer_target=True)
        flags = set(pair.flags) | _side_flags(pair.src_doc, pair.src_ids, states)
        flags |= _side_flags(pair.tgt_doc, pair.tgt_ids, states)
        if any(m.target_check == UNVERIFIED for m in src_marks + tgt_own):
            flags.add(UNVERIFIED)
        if any(m.action == "apply" for m in src_marks + tgt_own):
            flags.add(GLOSSARY_APPLIED)
        below = pair.score < threshold
        if below:
            flags.add(LOW_SCORE)
        rows.append(
            {
                "id": pair.pair_id,
                "kind": pair.kind,
                "sd": pair.src_doc,
                "si": list(pair.src_ids),
                "sl": pair.src_lang,
                "st": pair.src_text,
                "td": pair.tgt_doc,
                "ti": list(pair.tgt_ids),
                "tl": pair.tgt_lang,
                "tt": pair.tgt_text,
                "score": round(float(pair.score), 4),
                "flags": sorted(flags),
                "sh": src_hl,
                "th": tgt_hl,
            }
        )
        kinds[pair.kind] += 1
        langs[lang_pair(pair)] += 1
        used_docs.update((pair.src_doc, pair.tgt_doc))
        counts["below_threshold"] += below
        counts[UNTRANSLATED] += UNTRANSLATED in flags
        counts[UNVERIFIED] += UNVERIFIED in flags
        counts[GLOSSARY_APPLIED] += GLOSSARY_APPLIED in flags
    scores = [r["score"] for r in rows]
    return {
        "title": title,
        "threshold": threshold,
        "counts": {
            "pairs": len(rows),
            "groups": len({(p.kind, p.src_doc, p.tgt_doc) for p in pairs}),
            "kinds": dict(sorted(kinds.items())),
            "langs": dict(sorted(langs.items())),
            "below_threshold": counts["below_threshold"],
            "untranslated": counts[UNTRANSLATED],
            "unverified": counts[UNVERIFIED],
            "glossary_applied": counts[GLOSSARY_APPLIED],
        },
        "score_range": [min(scores, default=0.0), max(scores, default=1.0)],
        "docs": {
            doc_id: {"title": info.title, "lang": info.lang, "url": info.source_url, "path": info.path}
            for doc_id, info in sorted(docs.items())
            if doc_id in used_docs
        },
        "pairs": rows,
    }
