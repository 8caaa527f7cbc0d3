"""Telling a common-noun term that is part of a name (сеть кофеен «Золотая цепочка») from the term itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pipeline.glossary.morph import Token

QUOTES = {"«": "»", "“": "”", "„": "“", '"': '"', "‘": "’"}
"""Opening quotes and the closing quote of each."""
MAX_NAME_WORDS = 6

Names = Callable[[], Sequence[tuple[int, int, str]]]
"""The sentence's named entities (``start``, ``end``, type), found when first asked for."""


def inside_name(text: str, tokens: Sequence[Token], first: int, last: int, names: Names | None) -> str:
    """The name that ``tokens[first:last + 1]`` is part of, or empty.

    A name is a quoted capitalised phrase of at most six words and no verb that follows the noun it
    names (сеть кофеен «Золотая цепочка», криптобиржа «Цепочка») or that the name model marks
    («Цепочка» привлекла …); or a capitalised term inside a longer named entity with more than one
    capital (компания Цепочка Блоков Групп; not a stray capital as in «…, Государственное управление и
    социальные услуги»). ``names`` is None where there is no name model for the language.
    """
    start, end = tokens[first].start, tokens[last].end
    quoted = quoted_span(text, start, end)
    if quoted is not None:
        qs, qe = quoted
        inner = [t for t in tokens if qs <= t.start and t.end <= qe and t.word]
        if inner and inner[0].text[:1].isupper() and len(inner) <= MAX_NAME_WORDS and not any(
                t.top is not None and t.top.pos in ("VERB", "INFN") for t in inner):
            before = [t for t in tokens if t.end < qs]
            if before and before[-1].word and before[-1].has_pos("NOUN"):
                return text[qs:qe]
            if names is not None and any(a < qe and qs < b for a, b, _kind in names()):
                return text[qs:qe]
    neighbours = [tokens[i] for i in (first - 1, last + 1) if 0 <= i < len(tokens)]
    if names is not None and text[start:start + 1].isupper() and not sentence_start(tokens, first) and any(
            t.word and t.text[:1].isupper() for t in neighbours):
        for a, b, _kind in names():
            capitals = [t for t in tokens if a <= t.start and t.end <= b and t.word and t.text[:1].isupper()]
            if a <= start and end <= b and (a, b) != (start, end) and len(capitals) > 1:
                return text[a:b]
    return ""


def sentence_start(tokens: Sequence[Token], first: int) -> bool:
    """Token ``first`` opens the sentence (possibly after an opening quote, bracket or dash)."""
    return all(not t.word for t in tokens[:first])


def quoted_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The innermost pair of quotes around ``text[start:end]`` (offsets of its inside), if any."""
    stack: list[tuple[str, int]] = []
    best = None
    for i, ch in enumerate(text):
        if stack and ch == QUOTES[stack[-1][0]] and (ch != stack[-1][0] or i > stack[-1][1]):
            _opener, at = stack.pop()
            if at < start and end <= i and (best is None or at >= best[0]):
                best = (at + 1, i)
        elif ch in QUOTES:
            stack.append((ch, i))
    return best
