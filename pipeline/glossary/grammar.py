"""The case and number of a matched noun, settled from its sentence.

An ambiguous form («цепочки»: genitive singular, or nominative/accusative
plural; «цепочке»: dative or prepositional) is narrowed, in this order, by the
noun's preposition, the contextual morphology tagger, the modifiers agreeing
with it, its relation in the dependency tree (subject: nominative, object:
accusative, …) and finally by pymorphy's own likelihood. Without a tree
(a language with no parser) the words around the noun stand in for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.glossary.morph import CASES, PREPOSITION_CASES, Morphology, Token, normalize
from pipeline.glossary.syntax import Tag, Tree

_MODIFIER_POS = ("ADJF", "PRTF", "NUMR")
_VERBAL = ("VERB", "INFN", "GRND", "PRTS")
_RELATION_CASES = {"nsubj": {"nomn"}, "obj": {"accs", "gent"}, "iobj": {"datv"}, "nmod": {"gent"}}


def case_number(tokens: Sequence[Token], first: int, last: int, head: int, head_lemma: str,
                tree: Tree | None = None, tags: Sequence[Tag] | None = None) -> tuple[str, str]:
    """The case and number of the term whose head is ``tokens[head]`` (``("", "")`` if it has none)."""
    tok = tokens[head]
    ordered: list[tuple[str, str]] = []
    for p in tok.parses:
        if p.pos == "NOUN" and normalize(p.lemma) == head_lemma and p.case in CASES and (p.case, p.number) not in ordered:
            ordered.append((p.case, p.number))
    if not ordered:
        for p in tok.parses:
            if p.case in CASES and p.number and (p.case, p.number) not in ordered:
                ordered.append((p.case, p.number))
    if not ordered:
        return "", ""
    cands = set(ordered)

    def narrow(allowed: set[tuple[str, str]]) -> None:
        nonlocal cands
        both = cands & allowed
        if both:
            cands = both

    if tree is not None and len(tree) == len(tokens):
        _narrow_by_tree(tokens, first, last, head, tree, tags, cands, narrow)
    else:
        _narrow_by_neighbours(tokens, first, last, head, cands, narrow)
    for cn in ordered:
        if cn in cands:
            return cn
    return ordered[0]


def _narrow_by_tree(tokens, first, last, head, tree: Tree, tags, cands, narrow) -> None:
    # the preposition: the noun's own, or (for a later conjunct) the first conjunct's
    node, prep = head, None
    while True:
        marks = [j for j in tree.children(node) if tree.rel(j) == "case" and tokens[j].word]
        if marks:
            prep = PREPOSITION_CASES.get(normalize(tokens[marks[0]].text))
            break
        if tree.rel(node) != "conj" or tree.head(node) < 0:
            break
        node = tree.head(node)
    if prep is not None:
        narrow({cn for cn in cands if cn[0] in prep})
    else:
        narrow({cn for cn in cands if cn[0] != "loct"})  # the prepositional case needs a preposition
    numeral = any(tree.rel(j) == "nummod" for j in tree.children(head))
    if numeral:  # «две/обе/полторы цепочки», «пять цепочек»: a genitive after the numeral
        narrow({cn for cn in cands if cn[0] == "gent"})
    elif prep is None and tree.rel(node) == "nsubj" and tree.head(node) >= 0:
        # the subject: nominative, in the number of its verb («цепочки конкурируют») unless coordinated
        if node == head:
            verb = tokens[tree.head(node)]
            numbers = {p.number for p in verb.parses if p.pos in ("VERB", "ADJS", "PRTS") and p.number}
            narrow({cn for cn in cands if cn[0] == "nomn" and (len(numbers) != 1 or cn[1] in numbers)})
        narrow({cn for cn in cands if cn[0] == "nomn"})
    if tags is not None and head < len(tags) and tags[head].case:
        tag = tags[head]
        narrow({cn for cn in cands if cn[0] == tag.case and (not tag.number or cn[1] == tag.number)})
        narrow({cn for cn in cands if cn[0] == tag.case})
    if not numeral:  # «две новые цепочки»: the adjective is plural, the noun genitive singular
        for j in tree.children(head):
            if tree.rel(j) in ("amod", "det") and not first <= j <= last:
                mods = tokens[j].case_numbers(_MODIFIER_POS)
                if mods:
                    narrow(mods)
        for j in range(first, head):
            mods = tokens[j].case_numbers(_MODIFIER_POS)
            if mods:
                narrow(mods)
    if len(cands) > 1:
        rel = tree.rel(node)
        if rel in _RELATION_CASES:
            narrow({cn for cn in cands if cn[0] in _RELATION_CASES[rel]})


def _narrow_by_neighbours(tokens, first, last, head, cands, narrow) -> None:
    """Modifiers inside the term and to its left, the preposition or governing word before them, and a
    finite verb after it."""
    for i in range(first, head):
        mods = tokens[i].case_numbers(_MODIFIER_POS)
        if mods:
            narrow(mods)
    i = first - 1
    while i >= 0 and tokens[i].word and tokens[i].top is not None and tokens[i].top.pos in _MODIFIER_POS:
        mods = tokens[i].case_numbers(_MODIFIER_POS)
        if not (mods & cands):
            break
        narrow(mods)
        i -= 1
    left = tokens[i] if i >= 0 else None
    prep = PREPOSITION_CASES.get(normalize(left.text)) if left is not None and left.word else None
    if prep is None:
        narrow({cn for cn in cands if cn[0] != "loct"})
    if len(cands) > 1 and left is not None:
        if prep is not None:
            narrow({cn for cn in cands if cn[0] in prep})
        elif left.word and left.top is not None:
            if left.top.pos == "NOUN":
                narrow({cn for cn in cands if cn[0] == "gent"})
            elif left.top.pos in _VERBAL:
                narrow({cn for cn in cands if cn[0] == "accs"})
        elif not left.word and left.text not in ",":
            narrow({cn for cn in cands if cn[0] == "nomn"})
    elif len(cands) > 1 and i < 0:
        narrow({cn for cn in cands if cn[0] == "nomn"})
    if len(cands) > 1:
        j = last + 1
        if j < len(tokens) and tokens[j].word and tokens[j].top is not None and tokens[j].top.pos == "VERB":
            number = tokens[j].top.number
            narrow({cn for cn in cands if cn[0] == "nomn" and (not number or cn[1] == number)})


def inflect_phrase(morph: Morphology, phrase: str, case: str, number: str) -> str:
    """``phrase`` (a noun phrase in its dictionary form) with its head noun and the adjectives
    before it put in ``case`` and ``number``; words after the head (complements) stay as they are."""
    tokens = morph.tokenize(phrase)
    head = next((i for i, t in enumerate(tokens) if t.word and any(
        p.pos == "NOUN" and p.case == "nomn" for p in t.parses)), None)
    if head is None:
        return phrase
    head_parse = next(p for p in tokens[head].parses if p.pos == "NOUN" and p.case == "nomn")
    gender = head_parse.gender
    anim = "anim" if "anim" in head_parse.grammemes else "inan"
    out = []
    cursor = 0
    for i, tok in enumerate(tokens):
        out.append(phrase[cursor : tok.start])
        word = tok.text
        if i == head:
            word = morph.inflect_word(tok.text, case, number) or tok.text
        elif i < head and tok.word and any(p.pos in ("ADJF", "PRTF") for p in tok.parses):
            word = morph.inflect_word(tok.text, case, number, gender=gender, anim=anim) or tok.text
        if tok.text[:1].isupper() and word[:1].islower():
            word = word[:1].upper() + word[1:]
        out.append(word)
        cursor = tok.end
    out.append(phrase[cursor:])
    return "".join(out)
