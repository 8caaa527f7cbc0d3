"""Checking a translation for the glossary's target terms, and post-editing wrong renderings.

Matching in the target is by written form: case-insensitive, on word
boundaries, with simple English inflection on the last word (plural ``-s``/``-es``,
``-y`` → ``-ies``, possessive ``'s``).
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


def term_pattern(term: str) -> re.Pattern[str]:
    """A regex finding ``term`` in English text: any letter case, word boundaries, simple inflection."""
    words = term.split()
    if not words:
        raise ValueError("empty term")
    *init, last = words
    parts = [re.escape(w) for w in init]
    if len(last) > 2 and last[-1].lower() == "y" and last[-2].lower() not in "aeiou":
        last_re = re.escape(last[:-1]) + r"(?:y|ies)"
    else:
        last_re = re.escape(last)
    parts.append(last_re + _SUFFIX)
    return re.compile(r"(?<![\w-])" + r"[\s\-]+".join(parts) + r"(?![\w-])", re.IGNORECASE)


def count_term(text: str, term: str) -> int:
    return len(term_pattern(term).findall(text))


def post_edit(text: str, wrong: Sequence[str], target: str, limit: int) -> tuple[str, int]:
    """Replace up to ``limit`` occurrences of the wrong renderings (longest first) with ``target``.

    The plural or possessive ending of each occurrence is kept, and its capital
    at the start of a sentence: "Chains are …" → "Blockchains are …"; elsewhere the
    target is written as the glossary spells it.
    """
    replaced = 0
    for rendering in sorted(wrong, key=len, reverse=True):
        if replaced >= limit:
            break
        pattern = term_pattern(rendering)

        def swap(found: re.Match[str]) -> str:
            nonlocal replaced
            if replaced >= limit:
                return found.group(0)
            replaced += 1
            out = target + _inflect_suffix(target, found.group("suffix"))
            before = text[: found.start()].rstrip().rstrip("\"'«“‘(")
            starts_sentence = not before or before[-1] in ".!?:"
            if starts_sentence and found.group(0)[:1].isupper() and out[:1].islower():
                out = out[:1].upper() + out[1:]
            return out

        text = pattern.sub(swap, text)
    return text, replaced


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

    Per entry: when the target term occurs at least as often as the entry was
    applied, ``ok``. Otherwise listed wrong renderings are replaced (as many as
    are missing) and the result is ``post-edited``; when there is nothing to
    replace, ``ok`` if the term occurs at all, else ``unverified``. An entry
    that was also skipped in the same sentence (the word in its other sense) is
    not post-edited, since a wrong rendering may then be the right one.
    """
    checks: dict[str, TargetCheck] = {}
    by_entry: dict[str, list[Match]] = {}
    for m in matches:
        by_entry.setdefault(m.entry.id, []).append(m)
    text = translation
    for entry_id, group in by_entry.items():
        applied = [m for m in group if m.applied]
        if not applied:
            continue
        entry = applied[0].entry
        present = count_term(text, entry.target_term)
        if present >= len(applied):
            checks[entry_id] = TargetCheck(entry_id, OK, f"{entry.target_term!r} found")
            continue
        if entry.wrong_renderings and len(applied) == len(group):
            text, n = post_edit(text, entry.wrong_renderings, entry.target_term, len(applied) - present)
            if n:
                checks[entry_id] = TargetCheck(entry_id, POST_EDITED, f"{n} wrong rendering(s) replaced by {entry.target_term!r}")
                continue
        if present:
            checks[entry_id] = TargetCheck(entry_id, OK, f"{entry.target_term!r} found ({present} of {len(applied)})")
        else:
            checks[entry_id] = TargetCheck(entry_id, UNVERIFIED, f"{entry.target_term!r} not found")
    return text, checks
