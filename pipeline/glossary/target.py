"""Checking a translation for the glossary's target terms, and post-editing wrong renderings.

Matching in the target is by written form: case-insensitive, on word
boundaries, with simple English inflection (plural ``-s``/``-es``, ``-y`` →
``-ies``, possessive ``'s``) on the head word: the last word, or the word before
``of``/``for``/``in``/``on`` («chains of blocks»).

Every occurrence counts: a sentence in which a term was applied twice needs the
target term twice. Wrong renderings are found longest first («chain of blocks»
before «chain»), across every entry with the same target term, so a multi-word
rendering becomes the term with nothing left over; the plural and possessive of
the rendering's head carry over, and an indefinite article right before it is
fitted to the term («a network» → «an ecosystem»).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.glossary.match import Match

OK = "ok"
POST_EDITED = "post-edited"
UNVERIFIED = "unverified"

_SUFFIX = r"(?P<suffix>(?:s|es|'s|’s|s'|s’)?)"
_PREPOSITIONS = frozenset({"of", "for", "in", "on", "to", "with"})
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")
"""Letters whose English names begin with a vowel sound (an «AI», an «NFT»)."""


def _head_index(words: Sequence[str]) -> int:
    """The head of an English noun phrase: the word before its first preposition, else the last word."""
    for i, word in enumerate(words):
        if i and word.lower() in _PREPOSITIONS:
            return i - 1
    return len(words) - 1


def term_pattern(term: str) -> re.Pattern[str]:
    """A regex finding ``term`` in English text: any letter case, word boundaries, simple inflection of its
    head word (group ``suffix``); the other words may be singular or plural («chains of block(s)»)."""
    words = term.split()
    if not words:
        raise ValueError("empty term")
    head = _head_index(words)
    parts = []
    for i, word in enumerate(words):
        if i == head:
            if len(word) > 2 and word[-1].lower() == "y" and word[-2].lower() not in "aeiou":
                parts.append(re.escape(word[:-1]) + r"(?:y|ies)" + _SUFFIX)
            else:
                parts.append(re.escape(word) + _SUFFIX)
        elif word.lower() in _PREPOSITIONS or not word[-1:].isalpha():
            parts.append(re.escape(word))
        else:
            parts.append(re.escape(word) + r"(?:s|es)?")
    return re.compile(r"(?<![\w-])" + r"[\s\-]+".join(parts) + r"(?![\w-])", re.IGNORECASE)


def count_term(text: str, term: str) -> int:
    return len(term_pattern(term).findall(text))


def article_for(word: str) -> str:
    """``a`` or ``an`` before ``word``, by its first sound (an AI, a user, an hour, a euro)."""
    if len(word) > 1 and word.isupper() and word.isalpha():
        return "an" if word[0] in _VOWEL_SOUND_LETTERS else "a"
    low = word.lower()
    if low.startswith(("hour", "honest", "honor", "honour", "heir")):
        return "an"
    if low.startswith(("uni", "use", "usu", "uti", "ure", "uro", "eu", "one", "once")):
        return "a"
    return "an" if low[:1] in ("a", "e", "i", "o", "u") else "a"


@dataclass(frozen=True, slots=True)
class _Occurrence:
    start: int
    end: int
    suffix: str
    wrong: bool
    """A wrong rendering (else the target term itself)."""


def _occurrences(text: str, target: str, wrong: Sequence[str]) -> list[_Occurrence]:
    """The target term and the wrong renderings in ``text``, in text order, longest first where they overlap."""
    found: list[_Occurrence] = []
    taken: list[tuple[int, int]] = []
    for rendering, is_wrong in sorted([(target, False), *((w, True) for w in wrong)], key=lambda r: -len(r[0])):
        for hit in term_pattern(rendering).finditer(text):
            if all(hit.end() <= a or hit.start() >= b for a, b in taken):
                taken.append((hit.start(), hit.end()))
                found.append(_Occurrence(hit.start(), hit.end(), hit.group("suffix"), is_wrong))
    return sorted(found, key=lambda o: o.start)


def _replace(text: str, occurrences: Sequence[_Occurrence], target: str) -> str:
    """``text`` with each of ``occurrences`` replaced by ``target`` (keeping plural, possessive, a capital at
    the start of a sentence, and fitting an indefinite article right before it)."""
    for occ in sorted(occurrences, key=lambda o: -o.start):
        out = target + _inflect_suffix(target, occ.suffix)
        before = text[: occ.start].rstrip().rstrip("\"'«“‘(")
        if (not before or before[-1] in ".!?:") and text[occ.start : occ.start + 1].isupper() and out[:1].islower():
            out = out[:1].upper() + out[1:]
        start = occ.start
        article = re.search(r"(?<![\w-])(an?)(\s+)$", text[: occ.start], re.IGNORECASE)
        if article is not None and not occ.suffix.lower() in ("s", "es"):
            wanted = article_for(target.split()[0])
            old = article.group(1)
            if old.lower() != wanted:
                wanted = wanted.capitalize() if old[:1].isupper() else wanted
                out = wanted + article.group(2) + out
                start = article.start(1)
        text = text[:start] + out + text[occ.end :]
    return text


def post_edit(text: str, wrong: Sequence[str], target: str, limit: int | None = None) -> tuple[str, int]:
    """Replace the wrong renderings in ``text`` (every occurrence, or the first ``limit``) with ``target``;
    the text and how many were replaced."""
    wrong_found = [o for o in _occurrences(text, target, wrong) if o.wrong]
    if limit is not None:
        wrong_found = wrong_found[:limit]
    return _replace(text, wrong_found, target), len(wrong_found)


def _inflect_suffix(target: str, suffix: str) -> str:
    if not suffix:
        return ""
    if suffix.lower() in ("s", "es"):
        if target.endswith(("s", "x", "z", "ch", "sh")):
            return "es"
        return "s"
    return suffix


@dataclass(frozen=True, slots=True)
class TargetCheck:
    entry_id: str
    status: str
    """``ok``, ``post-edited`` or ``unverified``."""
    detail: str = ""


def verify(translation: str, matches: Sequence[Match]) -> tuple[str, dict[str, TargetCheck]]:
    """Check ``translation`` for the target term of every applied match; post-edit where possible.

    The matches are taken together by target term (``цепочка`` and ``цепочка блоков`` both want
    "blockchain"). When the term occurs at least as often as it was applied, every entry behind it is
    ``ok``. Otherwise the wrong renderings of all those entries are replaced: every one of them when no
    match of that term was skipped in the sentence; when some were (the word in its other sense, whose
    rendering «chain» is right), only where the occurrences line up one to one with the matches in source
    order, the skipped ones keeping theirs. The result is ``post-edited`` when the term then occurs often
    enough, else ``unverified``.
    """
    checks: dict[str, TargetCheck] = {}
    by_target: dict[tuple[str, str], list[Match]] = {}
    for m in matches:
        by_target.setdefault((m.entry.target_term.lower(), m.entry.target_lang), []).append(m)
    text = translation
    for group in by_target.values():
        applied = [m for m in group if m.applied]
        if not applied:
            continue
        target = applied[0].entry.target_term
        wrong = sorted({w for m in group for w in m.entry.wrong_renderings if w.lower() != target.lower()})
        needed = len(applied)
        present = count_term(text, target)
        edited = 0
        if present < needed and wrong:
            found = _occurrences(text, target, wrong)
            if len(applied) == len(group):
                to_fix = [o for o in found if o.wrong]
            elif len(found) == len(group):  # one occurrence per match, in source order
                ordered = sorted(group, key=lambda m: m.start)
                to_fix = [o for o, m in zip(found, ordered) if o.wrong and m.applied]
            else:
                to_fix = []
            text = _replace(text, to_fix, target)
            edited = len(to_fix)
        now = count_term(text, target)
        if now >= needed:
            status = POST_EDITED if edited else OK
            detail = f"{edited} wrong rendering(s) replaced by {target!r}" if edited else f"{target!r} found"
        else:
            status = UNVERIFIED
            detail = f"{target!r} found {now} time(s), applied {needed}"
        for entry_id in dict.fromkeys(m.entry.id for m in applied):
            checks[entry_id] = TargetCheck(entry_id, status, detail)
    return text, checks
