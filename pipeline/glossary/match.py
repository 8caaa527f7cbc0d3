"""Finding glossary terms in source text, deciding each occurrence, and pre-editing the source.

:class:`Matcher` compiles the entries of one source language once; ``find``
returns every occurrence with its decision (``apply`` or ``skip``), the reason
and, when applied, the MT-friendly replacement inflected to the case and
number of the matched word; ``pre_edit`` writes the replacements into the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.glossary.model import Entry, Glossary
from pipeline.glossary.morph import CASES, PREPOSITION_CASES, Morphology, Token, match_case, normalize
from pipeline.glossary.rules import RuleSet, Site, evaluate

APPLY = "apply"
SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Match:
    """One occurrence of a glossary term in a segment, and what was decided about it."""

    entry: Entry
    start: int
    end: int
    """Character offsets of the matched text in the segment."""
    matched: str
    action: str
    reason: str
    replacement: str = ""
    """The text that replaces ``matched`` before MT (``matched`` itself when the entry has no MT form); empty when skipped."""
    grammar: str = ""
    """Case and number read off the matched word (``gent,sing``), when the replacement was inflected."""
    agreement: tuple[tuple[int, int, str], ...] = ()
    """Words outside the match that agree with it, re-inflected to agree with the replacement
    (``(start, end, new form)``): «новая цепочка» → «новый блокчейн», «цепочка позволила» → «блокчейн позволил»."""

    @property
    def applied(self) -> bool:
        return self.action == APPLY

    def record(self) -> dict[str, str]:
        return {
            "entry": self.entry.id,
            "matched": self.matched,
            "action": self.action,
            "reason": self.reason,
            "source_replacement": self.replacement if self.applied else "",
        }


@dataclass(frozen=True)
class _Compiled:
    entry: Entry
    words: tuple[frozenset[str], ...]
    """Per term word: the keys a text token must share (lemmas, or the written form)."""
    head: int
    """Index of the term word whose case and number the replacement takes."""
    head_lemma: str
    ruleset: RuleSet


class Matcher:
    """The entries of ``glossary`` for one source language, ready to match."""

    def __init__(self, glossary: Glossary, source_lang: str = "ru", *, morphology: Morphology | None = None) -> None:
        self.glossary = glossary.for_pair(source_lang)
        self.source_lang = source_lang
        self.morph = morphology or Morphology("ru" if source_lang.split("-")[0].split("_")[0] == "ru" else source_lang)
        self._compiled = [self._compile(e) for e in self.glossary]
        self._heads: dict[str, tuple[str, str]] = {}

    def _compile(self, entry: Entry) -> _Compiled:
        tokens = [t for t in self.morph.tokenize(entry.source_term) if t.word]
        words: list[frozenset[str]] = []
        for tok in tokens:
            if entry.match == "exact":
                words.append(frozenset({tok.text}))
            elif entry.match == "form":
                words.append(frozenset({tok.key}))
            else:
                words.append(frozenset({tok.key} | {normalize(p.lemma) for p in tok.parses if p.pos != "LATN"}))
        head, head_lemma = 0, tokens[0].key if tokens else ""
        for i, tok in enumerate(tokens):
            noun = [p for p in tok.parses if p.pos == "NOUN" and p.case == "nomn"]
            if noun:
                head, head_lemma = i, normalize(noun[0].lemma)
                break
        return _Compiled(entry, tuple(words), head, head_lemma, entry.ruleset)

    # -- finding -------------------------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[Token]:
        return self.morph.tokenize(text)

    def document_lemmas(self, texts: Sequence[str]) -> frozenset[str]:
        """The lemmas of a whole document, for ``near … within document`` rules."""
        out: set[str] = set()
        for text in texts:
            for tok in self.morph.tokenize(text):
                if tok.word:
                    out |= tok.lemmas
        return frozenset(out)

    def find(self, text: str, *, document_lemmas: frozenset[str] | None = None) -> list[Match]:
        """Every glossary term in ``text`` (one segment), decided, in text order."""
        if not self._compiled or not text.strip():
            return []
        tokens = self.tokenize(text)
        candidates = []
        for comp in self._compiled:
            n = len(comp.words)
            if not n:
                continue
            for i in range(len(tokens) - n + 1):
                if all(self._token_matches(tokens[i + k], comp, k) for k in range(n)):
                    candidates.append((i, i + n - 1, comp))
        # longest first, then leftmost; overlapping shorter matches give way
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
        taken: list[tuple[int, int, _Compiled]] = []
        for cand in candidates:
            if all(cand[1] < t[0] or cand[0] > t[1] for t in taken):
                taken.append(cand)
        taken.sort(key=lambda c: c[0])
        doc = document_lemmas if document_lemmas is not None else frozenset(
            lemma for t in tokens if t.word for lemma in t.lemmas
        )
        return [self._decide(text, tokens, first, last, comp, doc) for first, last, comp in taken]

    def _token_matches(self, tok: Token, comp: _Compiled, k: int) -> bool:
        if not tok.word:
            return False
        keys = comp.words[k]
        mode = comp.entry.match
        if mode == "exact":
            return tok.text in keys
        if mode == "form":
            return tok.key in keys
        return bool(tok.lemmas & keys)

    def _decide(self, text: str, tokens: list[Token], first: int, last: int, comp: _Compiled, doc: frozenset[str]) -> Match:
        entry = comp.entry
        start, end = tokens[first].start, tokens[last].end
        matched = text[start:end]
        head = first + comp.head
        site = Site(tokens, first, last, head, doc)
        action, reason = evaluate(comp.ruleset, site)
        if action != APPLY:
            return Match(entry, start, end, matched, SKIP, reason)
        replacement, grammar = self._replacement(tokens, first, last, head, comp, matched)
        agreement = self._agreement(tokens, first, last, head, comp, grammar) if grammar else ()
        return Match(entry, start, end, matched, APPLY, reason, replacement, grammar, agreement)

    # -- replacing -----------------------------------------------------------------------------------------

    def _replacement(
        self, tokens: list[Token], first: int, last: int, head: int, comp: _Compiled, matched: str
    ) -> tuple[str, str]:
        entry = comp.entry
        if not entry.mt_form:
            return matched, ""
        mode = entry.inflect_mode
        form, grammar = entry.mt_form, ""
        if mode in ("full", "case"):
            case, number = grammar_of(tokens, first, last, head, comp.head_lemma)
            if case:
                if mode == "case":
                    number = "sing"
                form = self.inflect_phrase(entry.mt_form, case, number)
                grammar = f"{case},{number}"
        sentence_start = all(not t.word for t in tokens[:first]) or (
            first > 0 and tokens[first - 1].text in "«\"“„(—–-" and all(
                not t.word for t in tokens[max(0, first - 2) : first - 1]
            )
        )
        return match_case(form, matched, sentence_start=sentence_start), grammar

    def _mt_head(self, entry: Entry) -> tuple[str, str]:
        """Gender and animacy of the head noun of ``entry.mt_form`` (empty when it has none)."""
        key = entry.mt_form
        found = self._heads.get(key)
        if found is None:
            found = ("", "")
            for tok in self.morph.tokenize(key):
                parse = next((p for p in tok.parses if p.pos == "NOUN" and p.case == "nomn"), None)
                if parse is not None:
                    found = (parse.gender, "anim" if "anim" in parse.grammemes else "inan")
                    break
            self._heads[key] = found
        return found

    def _agreement(
        self, tokens: list[Token], first: int, last: int, head: int, comp: _Compiled, grammar: str
    ) -> tuple[tuple[int, int, str], ...]:
        """Re-inflect the words agreeing with the matched term so they agree with its replacement.

        Left of the term: the attributive adjectives, participles and pronouns directly before it
        («публичной цепочке» → «публичном блокчейне», «эта цепочка» → «этот блокчейн»). Right of a
        singular nominative term: a past-tense verb or short form after it («цепочка позволила» →
        «блокчейн позволил», «цепочка была создана» → «блокчейн был создан») and a relative
        «которая» or participle opening a clause after a comma («цепочка, которая» → «блокчейн, который»).
        """
        new_gender, new_anim = self._mt_head(comp.entry)
        if not new_gender:
            return ()
        new_case, new_number = grammar.split(",")
        old = [p for p in tokens[head].parses if p.pos == "NOUN" and normalize(p.lemma) == comp.head_lemma]
        if not old:
            return ()
        old_case, old_number = grammar_of(tokens, first, last, head, comp.head_lemma)
        old_gender = old[0].gender
        edits: list[tuple[int, int, str]] = []

        def agrees(p, case: str, number: str) -> bool:
            return p.case == case and p.number == number and (number == "plur" or p.gender == old_gender)

        def edit(tok: Token, form: str | None) -> None:
            if form and normalize(form) != tok.key:
                if tok.text[:1].isupper():
                    form = form[:1].upper() + form[1:]
                edits.append((tok.start, tok.end, form))

        def agreeing(i: int):
            if i < 0 or not tokens[i].word:
                return None
            return next((p for p in tokens[i].parses if p.pos in ("ADJF", "PRTF") and agrees(p, old_case, old_number)), None)

        i = first - 1
        while i >= 0:
            parse = agreeing(i)
            if parse is None:
                # coordinated modifiers: «публичной и частной цепочке», «новой, быстрой цепочке»
                if i >= 1 and normalize(tokens[i].text) in ("и", "или", ",") and agreeing(i - 1) is not None and edits:
                    i -= 1
                    continue
                break
            edit(tokens[i], self._inflect_parse(tokens[i].text, parse, {new_case, new_number} | (
                {new_gender} if new_number == "sing" else set()) | (
                {new_anim} if new_case == "accs" and (new_number == "plur" or new_gender == "masc") else set())))
            i -= 1
        if old_number != "sing" or new_number != "sing" or old_case != "nomn" or new_gender == old_gender:
            return tuple(edits)
        j = last + 1
        if j < len(tokens) and tokens[j].text == ",":
            j += 1
            if j < len(tokens) and tokens[j].word:
                tok = tokens[j]
                parse = next((p for p in tok.parses if p.pos in ("ADJF", "PRTF") and p.number == "sing"
                              and p.gender == old_gender and (p.pos == "PRTF" or normalize(p.lemma) == "который")), None)
                if parse is not None:
                    grams = {parse.case, "sing", new_gender} | ({new_anim} if parse.case == "accs" else set())
                    edit(tok, self._inflect_parse(tok.text, parse, grams))
            return tuple(edits)
        skipped = 0
        while j < len(tokens) and tokens[j].word and skipped < 2 and tokens[j].top is not None and tokens[j].top.pos in ("ADVB", "PRCL"):
            j += 1
            skipped += 1
        while j < len(tokens) and tokens[j].word:
            tok = tokens[j]
            parse = next((p for p in tok.parses if p.pos in ("VERB", "PRTS", "ADJS") and p.number == "sing"
                          and p.gender == old_gender), None)
            if parse is None:
                break
            edit(tok, self._inflect_parse(tok.text, parse, {new_gender}))
            if parse.pos != "VERB":
                break
            j += 1
            # a predicative instrumental after a link verb: «стала популярной» → «стал популярным»
            if j < len(tokens) and tokens[j].word:
                pred = next((p for p in tokens[j].parses if p.pos in ("ADJF", "PRTF") and p.case == "ablt"
                             and p.number == "sing" and p.gender == old_gender), None)
                if pred is not None:
                    edit(tokens[j], self._inflect_parse(tokens[j].text, pred, {"ablt", "sing", new_gender}))
                    break
        return tuple(edits)

    def _inflect_parse(self, word: str, parse, grammemes: set[str]) -> str | None:
        for p in self.morph.analyzer.parse(word):
            if str(p.tag.POS) == parse.pos and p.normal_form == parse.lemma and p.tag.case == (parse.case or None) \
                    and p.tag.gender == (parse.gender or None):
                form = p.inflect(grammemes)
                return form.word if form is not None else None
        return None

    def inflect_phrase(self, phrase: str, case: str, number: str) -> str:
        """``phrase`` (a noun phrase in its dictionary form) with its head noun and the adjectives
        before it put in ``case`` and ``number``; words after the head (complements) stay as they are."""
        tokens = self.morph.tokenize(phrase)
        words = [i for i, t in enumerate(tokens) if t.word]
        head = None
        for i in words:
            if any(p.pos == "NOUN" and p.case == "nomn" for p in tokens[i].parses):
                head = i
                break
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
                word = self.morph.inflect_word(tok.text, case, number) or tok.text
            elif i < head and tok.word and any(p.pos in ("ADJF", "PRTF") for p in tok.parses):
                word = self.morph.inflect_word(tok.text, case, number, gender=gender, anim=anim) or tok.text
            if tok.text[:1].isupper() and word[:1].islower():
                word = word[:1].upper() + word[1:]
            out.append(word)
            cursor = tok.end
        out.append(phrase[cursor:])
        return "".join(out)


def pre_edit(text: str, matches: Sequence[Match]) -> str:
    """``text`` with every applied match replaced by its replacement, and the words agreeing with
    it re-inflected to agree with the replacement (unless another applied match covers them)."""
    applied = [m for m in matches if m.applied]
    edits = [(m.start, m.end, m.replacement) for m in applied]
    spans = [(m.start, m.end) for m in applied]
    for m in applied:
        for start, end, form in m.agreement:
            if all(end <= s or start >= e for s, e in spans):
                edits.append((start, end, form))
                spans.append((start, end))
    out = text
    for start, end, form in sorted(edits, reverse=True):
        out = out[:start] + form + out[end:]
    return out


# -- case and number of a matched word --------------------------------------------------------------------

_MODIFIER_POS = ("ADJF", "PRTF", "NUMR")
_VERBAL = ("VERB", "INFN", "GRND", "PRTS")


def grammar_of(tokens: Sequence[Token], first: int, last: int, head: int, head_lemma: str) -> tuple[str, str]:
    """The case and number of the term whose head is ``tokens[head]``, settled from its context.

    Ambiguous forms («цепочки»: genitive singular or nominative/accusative plural)
    are narrowed by agreeing modifiers, the governing preposition, a governing
    noun or verb to the left, a finite verb to the right, and finally by
    pymorphy's own likelihood.
    """
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

    # modifiers inside the term and directly to its left
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
    if prep is None and left is not None and normalize(left.text) in ("и", "или", ","):
        # the second conjunct shares the first one's preposition: «на бирже и частной цепочке»
        k = i - 1
        while k >= max(0, i - 6) and (tokens[k].word or tokens[k].text == ","):
            top = tokens[k].top
            if top is not None and top.pos in _VERBAL + ("VERB",):
                break
            found = PREPOSITION_CASES.get(normalize(tokens[k].text))
            if found is not None:
                prep, left = found, tokens[k]
                break
            k -= 1
    if prep is None:
        narrow({cn for cn in cands if cn[0] != "loct"})  # the locative needs a preposition
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
    for cn in ordered:
        if cn in cands:
            return cn
    return ordered[0]
