"""Re-inflecting the words that agree with a replaced noun, read off the sentence's dependency tree.

When «цепочка» (feminine) becomes «блокчейн» (masculine), every word that agrees
with it follows: attributive adjectives, participles and determiners, wherever
they stand («созданная в Сингапуре цепочка», «цепочку, разработанную …»);
numerals («обе/две/полторы цепочки» → «оба/два/полтора блокчейна», and the
adjectives between them: «две новые» → «два новых»); the predicate of the noun
as subject (past-tense verbs, link verbs, short adjectives and participles,
predicative adjectives: «цепочка должна быть совместима» → «блокчейн должен
быть совместим», with coordinated predicates sharing the subject); the relative
pronoun «который» of a clause attached to the noun, and that clause's predicate
when «который» is its subject; and a quantifier the noun depends on («одна из
цепочек … оказалась» → «один из блокчейнов … оказался»).

Each word keeps its own case; only gender, number and animacy change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.glossary.morph import PREPOSITION_CASES, Morphology, Token, normalize
from pipeline.glossary.syntax import Tag, Tree

_ATTRIBUTIVE = ("ADJF", "PRTF")
_PREDICATIVE = ("ADJS", "PRTS")
_LINK_RELS = ("aux", "cop")
_NUMERALS_WITH_GENITIVE = frozenset({"два", "оба", "три", "четыре", "полтора"})
"""Numerals that take the genitive singular in the nominative and accusative («две цепочки»)."""
_PRONOUNS = {
    "masc": {"nomn": "он", "gent": "его", "datv": "ему", "accs": "его", "ablt": "им", "loct": "нём"},
    "neut": {"nomn": "оно", "gent": "его", "datv": "ему", "accs": "его", "ablt": "им", "loct": "нём"},
    "femn": {"nomn": "она", "gent": "её", "datv": "ей", "accs": "её", "ablt": "ей", "loct": "ней"},
}
"""The third-person pronoun by gender and case (pymorphy does not inflect pronouns for gender)."""
_QUANTIFIERS = frozenset({"один", "каждый", "любой", "какой", "который", "первый", "последний", "единственный",
                          "ни", "ни один", "другой", "некоторый", "многий"})
"""Words that take «из» + the noun and agree with it in gender («одна из цепочек»)."""


@dataclass(frozen=True, slots=True)
class Forms:
    """Gender and number of the noun before and after the replacement, and the new noun's animacy."""

    old_gender: str
    old_number: str
    old_case: str
    new_gender: str
    new_number: str
    new_anim: str

    @property
    def changes(self) -> bool:
        return self.old_gender != self.new_gender or self.old_number != self.new_number


class Agreement:
    """Finds the words agreeing with one noun in one parsed sentence and gives their new forms."""

    def __init__(self, morph: Morphology, tokens: Sequence[Token], tree: Tree, tags: Sequence[Tag] | None,
                 forms: Forms) -> None:
        self.morph = morph
        self.tokens = tokens
        self.tree = tree
        self.tags = tags
        self.forms = forms
        self.edits: dict[int, str] = {}

    # -- entry point --------------------------------------------------------------------------------------

    def run(self, first: int, last: int, head: int) -> dict[int, str]:
        """New forms by token index for the words agreeing with the noun ``tokens[head]``."""
        span = range(first, last + 1)
        f = self.forms
        numeral = self._numeral_construction(head)
        if f.changes or numeral:
            self._attributes(head, span, numeral)
        if f.old_gender != f.new_gender or f.old_number != f.new_number:
            self._relatives(head)
            if not self._coordinated(head):
                self._predicate(head)
            self._quantifier(head)
            self._ellipsis(first, last, head)
            self._pronouns(last, head)
        return self.edits

    # -- the noun's own modifiers ---------------------------------------------------------------------------

    def _numeral_construction(self, head: int) -> bool:
        """«две/обе/полторы цепочки»: a nominative or accusative numeral with the genitive singular noun."""
        for j in self.tree.children(head):
            if self.tree.rel(j) == "nummod" and self._lemma(j) in _NUMERALS_WITH_GENITIVE:
                if any(p.case in ("nomn", "accs") for p in self.tokens[j].parses if p.pos == "NUMR"):
                    return True
        return False

    def _attributes(self, head: int, span: range, numeral: bool) -> None:
        f = self.forms
        for j in self.tree.children(head):
            if j in span:
                continue
            rel = self.tree.rel(j)
            if rel == "nummod":
                self._numeral(j)
            elif rel in ("amod", "det", "acl"):
                group = [j] + [k for k in self.tree.children(j) if self.tree.rel(k) == "conj"]
                for k in group:
                    if numeral and f.new_gender != f.old_gender:
                        if k < head:  # after the noun («две цепочки, запущенные …») the plural stays
                            self._numeral_adjective(k)
                    else:
                        self._attributive(k, {f.old_case} if f.old_case else set())
        for k in span:  # modifiers inside a multi-word term's match are replaced with it
            self.edits.pop(k, None)

    def _numeral(self, j: int) -> None:
        f = self.forms
        if f.old_gender == f.new_gender:
            return
        for k in [j] + [c for c in self.tree.children(j) if self.tree.rel(c) in ("nummod", "compound", "flat")]:
            tok = self.tokens[k]
            if any(p.pos == "NUMR" and p.gender == f.old_gender for p in tok.parses):
                self._set(k, self._inflect(tok, lambda p: p.tag.POS == "NUMR" and p.tag.gender == f.old_gender,
                                           lambda p: {f.new_gender}))
            elif any(p.pos == "ADJF" and "Anum" in p.grammemes for p in tok.parses):  # «одна», «двадцать одна»
                self._attributive(k, {f.old_case} if f.old_case else set())

    def _numeral_adjective(self, k: int) -> None:
        """«две новые цепочки» → «два новых блокчейна»: masculine and neuter nouns take the genitive plural."""
        f = self.forms
        tok = self.tokens[k]
        if f.new_gender in ("masc", "neut"):
            self._set(k, self._inflect(tok, lambda p: p.tag.POS in _ATTRIBUTIVE and p.tag.number == "plur"
                                       and p.tag.case in ("nomn", "accs"), lambda p: {"gent", "plur"}))
        else:
            self._set(k, self._inflect(tok, lambda p: p.tag.POS in _ATTRIBUTIVE and p.tag.number == "plur"
                                       and p.tag.case == "gent", lambda p: {"nomn", "plur"}))

    def _attributive(self, k: int, cases: set[str]) -> None:
        """An adjective, participle, determiner or «один» agreeing with the old noun, in one of ``cases``
        (any when empty): new gender and number, same case."""
        tok = self.tokens[k]
        self._set(k, self._inflect(tok, lambda p: p.tag.POS in _ATTRIBUTIVE and self._agrees(p) and
                                   (not cases or _case(p) in cases), self._attributive_grammemes))

    def _attributive_grammemes(self, p: Any) -> set[str]:
        f = self.forms
        case = _case(p)
        grams = {case, f.new_number}
        if f.new_number == "sing":
            grams.add(f.new_gender)
        if case == "accs" and (f.new_number == "plur" or f.new_gender == "masc"):
            grams.add(f.new_anim)
        return grams

    # -- the clause around the noun ----------------------------------------------------------------------

    def _coordinated(self, head: int) -> bool:
        """The noun is one of coordinated subjects: their predicate is plural and stays as it is."""
        tree = self.tree
        if tree.rel(head) == "conj" and self._nominal(tree.head(head)):
            return True
        return any(tree.rel(j) == "conj" and self._nominal(j) for j in tree.children(head))

    def _nominal(self, i: int) -> bool:
        return i >= 0 and self.tokens[i].has_pos("NOUN", "NPRO") and not self.tokens[i].has_pos("VERB", "INFN")

    def _predicate(self, subject: int) -> None:
        """The predicate of ``subject`` (when it is one) and what agrees in it."""
        tree = self.tree
        if tree.rel(subject) != "nsubj" or tree.head(subject) < 0:
            return
        self._predicate_word(tree.head(subject), seen=set())

    def _predicate_word(self, p: int, seen: set[int]) -> None:
        if p in seen:
            return
        seen.add(p)
        tree = self.tree
        self._agreeing_predicate(p)
        for c in tree.children(p):
            rel = tree.rel(c)
            if rel in _LINK_RELS:
                self._agreeing_predicate(c)
            elif rel == "xcomp":
                self._predicate_word(c, seen)
            elif rel == "conj" and not any(tree.rel(k) == "nsubj" for k in tree.children(c)):
                self._predicate_word(c, seen)  # a coordinated predicate sharing the subject

    def _agreeing_predicate(self, p: int) -> None:
        """A past-tense verb, a short adjective or participle, or a predicative adjective agreeing with the
        old noun («была», «запущена», «совместима», «уязвимой»)."""
        f = self.forms
        tok = self.tokens[p]
        if not tok.word:
            return

        def verbal(q: Any) -> bool:
            return (q.tag.POS == "VERB" and q.tag.tense == "past" or q.tag.POS in _PREDICATIVE) and self._agrees(q)

        form = self._inflect(tok, verbal, lambda q: {f.new_gender} if f.new_number == "sing" else {"plur"})
        if form is None:
            form = self._inflect(tok, lambda q: q.tag.POS in _ATTRIBUTIVE and _case(q) in ("nomn", "ablt")
                                 and self._agrees(q), self._attributive_grammemes)
        self._set(p, form)

    def _relatives(self, head: int) -> None:
        """«цепочка, которая …», «цепочке, на которой …»: the relative pronoun, and the clause's predicate
        when the pronoun is its subject."""
        tree = self.tree
        for clause in tree.children(head):
            if tree.rels[clause] != "acl:relcl":
                continue
            for k in tree.subtree(clause):
                if self._lemma(k) != "который":
                    continue
                if not any(p.pos == "ADJF" and self._agrees_with(p.number, p.gender) for p in self.tokens[k].parses):
                    continue
                self._attributive(k, self._cases(k))
                if tree.rel(k) == "nsubj" and tree.head(k) == clause:
                    self._predicate_word(clause, seen=set())
                break

    def _quantifier(self, head: int) -> None:
        """«одна из цепочек … оказалась» → «один из блокчейнов … оказался»."""
        tree = self.tree
        q = tree.head(head)
        if q < 0 or tree.rel(head) != "nmod":
            return
        case = [j for j in tree.children(head) if tree.rel(j) == "case"]
        if not case or self._lemma(case[0]) != "из" or self._lemma(q) not in _QUANTIFIERS:
            return
        f = self.forms
        tok = self.tokens[q]
        # the quantifier agrees in gender with the noun, in number with itself (singular)
        old = Forms(f.old_gender, "sing", "", f.new_gender, "sing", f.new_anim)
        sub = Agreement(self.morph, self.tokens, self.tree, self.tags, old)
        sub._set(q, sub._inflect(tok, lambda p: p.tag.POS in _ATTRIBUTIVE and p.tag.gender == f.old_gender
                                 and p.tag.number == "sing", sub._attributive_grammemes))
        if q in sub.edits:
            sub._predicate(q)
        self.edits.update(sub.edits)

    def _ellipsis(self, first: int, last: int, head: int) -> None:
        """«из одной цепочки в другую» → «из одного блокчейна в другой»: a preposition right after the noun's
        own prepositional phrase, and an adjective standing for the noun left out."""
        tree, tokens = self.tree, self.tokens
        if not any(tree.rel(j) == "case" for j in tree.children(head)):
            return
        j = last + 1
        if j + 1 >= len(tokens) or not tokens[j].has_pos("PREP"):
            return
        adj = tokens[j + 1]
        if not any(p.pos in _ATTRIBUTIVE and self._agrees_with(p.number, p.gender) for p in adj.parses):
            return
        after = tokens[j + 2] if j + 2 < len(tokens) else None
        if after is not None and after.word and any(
                p.pos in ("NOUN", "ADJF", "PRTF") and (p.case, p.number) in adj.case_numbers(_ATTRIBUTIVE)
                for p in after.parses):
            return  # «в новую версию»: the adjective has a noun of its own
        cases = PREPOSITION_CASES.get(tokens[j].key, frozenset())
        self._attributive(j + 1, set(cases))

    def _pronouns(self, last: int, head: int) -> None:
        """«…, как на ней запустили» → «…, как на нём запустили»: a personal pronoun after the noun, when the
        noun is the only one before it it could stand for."""
        f, tokens = self.forms, self.tokens
        if f.old_number != "sing":
            return
        for k in range(last + 1, len(tokens)):
            tok = tokens[k]
            if not any(p.pos == "NPRO" and "3per" in p.grammemes and p.gender == f.old_gender and p.number == "sing"
                       for p in tok.parses):
                continue
            if any(i != head and self._singular_noun_of_old_gender(i) for i in range(k)):
                return
            cases = {p.case for p in tok.parses if p.pos == "NPRO" and p.case}
            before = tokens[k - 1] if k else None
            prep = PREPOSITION_CASES.get(before.key) if before is not None and before.word else None
            if prep and cases & prep:
                cases &= prep
            if len(cases) > 1 and self.tags is not None and k < len(self.tags) and self.tags[k].case in cases:
                cases = {self.tags[k].case}
            case = next((c for c in ("nomn", "ablt", "loct", "datv", "gent", "accs") if c in cases), "")
            form = _PRONOUNS.get(f.new_gender, {}).get(case, "")
            if form and (prep or case == "loct") and case != "nomn":
                form = "н" + form if form[0] in "еи" else form  # «на нём», «с ним», «у него»
            self._set(k, form or None)
            if k in self.edits and self.tree.rel(k) == "nsubj":
                self._predicate(k)  # «она стала» → «он стал»

    # -- helpers ---------------------------------------------------------------------------------------------

    def _singular_noun_of_old_gender(self, i: int) -> bool:
        """Token ``i`` is a singular noun of the old noun's gender (by the tagger, else pymorphy's best reading)."""
        f = self.forms
        if self.tags is not None and i < len(self.tags) and self.tags[i].pos:
            tag = self.tags[i]
            return tag.pos in ("NOUN", "PROPN") and tag.gender == f.old_gender and tag.number == "sing"
        top = self.tokens[i].top
        return top is not None and top.pos == "NOUN" and top.gender == f.old_gender and top.number == "sing"

    def _agrees(self, p: Any) -> bool:
        """A pymorphy reading in the old noun's gender (singular) or the plural."""
        return self._agrees_with(p.tag.number, p.tag.gender)

    def _agrees_with(self, number: str | None, gender: str | None) -> bool:
        f = self.forms
        if f.old_number == "plur":
            return number == "plur"
        return number == "sing" and gender == f.old_gender

    def _cases(self, k: int) -> set[str]:
        """The case of token ``k`` as its context settles it: its preposition, else the tagger; empty: any."""
        prep = [j for j in self.tree.children(k) if self.tree.rel(j) == "case"]
        if prep:
            found = PREPOSITION_CASES.get(normalize(self.tokens[prep[0]].text))
            if found:
                return set(found)
        if self.tags is not None and k < len(self.tags) and self.tags[k].case:
            readings = {p.case for p in self.tokens[k].parses}
            if self.tags[k].case in readings:
                return {self.tags[k].case}
        return set()

    def _lemma(self, i: int) -> str:
        top = self.tokens[i].top
        return normalize(top.lemma) if top is not None else self.tokens[i].key

    def _inflect(self, tok: Token, accept, grammemes) -> str | None:
        for p in self.morph.analyzer.parse(tok.text):
            if accept(p):
                form = p.inflect(grammemes(p))
                if form is not None:
                    return _closest_form(p, form, tok.text)
        return None

    def _set(self, k: int, form: str | None) -> None:
        tok = self.tokens[k]
        if form is None or normalize(form) == tok.key:
            return
        if tok.text[:1].isupper():
            form = form[:1].upper() + form[1:]
        self.edits[k] = form


def _closest_form(parse: Any, form: Any, word: str) -> str:
    """Of the forms of ``parse``'s lexeme with ``form``'s grammemes, the one sharing most of its beginning
    with ``word``: «лучшей» → «лучшим», not «наихорошим» (pymorphy files «лучший» under «хороший»)."""
    key = normalize(word)
    if normalize(form.word)[:1] == key[:1]:
        return form.word
    same = [f.word for f in parse.lexeme if f.tag.grammemes == form.tag.grammemes]
    return max(same, key=lambda w: (len(_common_prefix(normalize(w), key)), -len(w)), default=form.word)


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _case(p: Any) -> str:
    case = str(p.tag.case or "")
    return {"gen2": "gent", "loc2": "loct", "acc2": "accs", "voct": "nomn"}.get(case, case)

