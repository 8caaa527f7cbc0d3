"""Finding glossary terms in source text, deciding each occurrence, and pre-editing the source.

:class:`Matcher` compiles the entries of one source language once; ``find``
returns every occurrence with its decision (``apply`` or ``skip``), the reason,
a confidence where the decision came from the entry's examples and, when
applied, the MT-friendly replacement inflected to the case and number of the
matched word, with the words agreeing with it re-inflected; ``pre_edit`` writes
the replacements into the text.

A decision is made in this order: a common noun inside a name («сеть кофеен
«Золотая цепочка»») is left alone; then the entry's context rules
(:mod:`pipeline.glossary.rules`), the first that holds; then its labelled
examples (:mod:`pipeline.glossary.examples`); an entry with neither applies.
Russian sentences holding a term whose rules, examples or inflection need the
syntax are parsed (:mod:`pipeline.glossary.syntax`), once, and only those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.glossary.agreement import Agreement, Forms
from pipeline.glossary.examples import ExampleIndex, Neighbour, Vectors, Vote, context_of
from pipeline.glossary.grammar import case_number, inflect_phrase
from pipeline.glossary.model import Entry, Glossary
from pipeline.glossary.names import inside_name, sentence_start
from pipeline.glossary.morph import Morphology, Token, match_case, normalize
from pipeline.glossary.rules import RuleSet, Site, evaluate
from pipeline.glossary.syntax import Parser, Tag, Tree, default_parser

APPLY = "apply"
SKIP = "skip"
REVIEW_THRESHOLD = 0.75
"""Decisions by examples less confident than this are flagged ``needs_review``."""



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
    """The rule, the examples or the name that decided, in words."""
    replacement: str = ""
    """The text that replaces ``matched`` before MT (``matched`` itself when the entry has no MT form); empty when skipped."""
    grammar: str = ""
    """Case and number read off the matched word (``gent,sing``), when the replacement was inflected."""
    agreement: tuple[tuple[int, int, str], ...] = ()
    """Words outside the match that agree with it, re-inflected to agree with the replacement
    (``(start, end, new form)``): «новая цепочка» → «новый блокчейн», «цепочка позволила» → «блокчейн позволил»."""
    confidence: float | None = None
    """How sure a decision by examples is (0.5-1); None for a rule, a name or an entry without either."""
    needs_review: bool = False
    """Decided by examples below the matcher's review threshold."""
    neighbours: tuple[Neighbour, ...] = field(default=(), compare=False)
    """The examples that voted, nearest first (decisions by examples only)."""

    @property
    def applied(self) -> bool:
        return self.action == APPLY

    def record(self) -> dict[str, Any]:
        return {
            "entry": self.entry.id,
            "matched": self.matched,
            "action": self.action,
            "reason": self.reason,
            "source_replacement": self.replacement if self.applied else "",
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "needs_review": self.needs_review,
        }

    def term(self, target_check: str = "") -> Any:
        """The match as the flat :class:`pipeline.models.TermMatch` record a sentence carries."""
        from pipeline.models import TermMatch

        return TermMatch(
            entry=self.entry.id, start=self.start, end=self.end, matched=self.matched, action=self.action,
            reason=self.reason, replacement=self.replacement if self.applied else "", confidence=self.confidence,
            needs_review=self.needs_review, target_term=self.entry.target_term, note=self.entry.note,
            target_check=target_check,
        )


@dataclass(frozen=True)
class _Compiled:
    entry: Entry
    words: tuple[frozenset[str], ...]
    """Per term token: the keys a text token must share (lemmas, or the written form)."""
    glued: tuple[bool, ...]
    """Per term token: written right after the previous one, without a space («G20»: «G», «20»)."""
    head: int
    """Index of the term word whose case and number the replacement takes."""
    head_lemma: str
    ruleset: RuleSet

    @property
    def common(self) -> bool:
        """A common noun (lower-case term): left alone inside a name."""
        return self.entry.source_term[:1].islower()

    @property
    def inflects(self) -> bool:
        return bool(self.entry.mt_form) and self.entry.inflect_mode in ("full", "case")


@dataclass
class _Sentence:
    """One segment while it is being matched: its tokens, candidates and (when needed) its parse."""

    text: str
    tokens: list[Token]
    candidates: list[tuple[int, int, _Compiled]]
    tree: Tree | None = None
    tags: list[Tag] | None = None
    names: list[tuple[int, int, str]] | None = None
    """Named entities, found when a term first needs them."""


class Matcher:
    """The entries of ``glossary`` for one source language, ready to match.

    ``parser`` gives the Russian syntax (the process's shared one by default; its
    models load when a sentence first needs them). ``review_threshold``: decisions
    by examples below this confidence are flagged ``needs_review``.
    """

    def __init__(self, glossary: Glossary, source_lang: str = "ru", *, morphology: Morphology | None = None,
                 parser: Parser | None = None, review_threshold: float = REVIEW_THRESHOLD) -> None:
        self.glossary = glossary.for_pair(source_lang)
        self.source_lang = source_lang
        base = source_lang.split("-")[0].split("_")[0].lower()
        self.morph = morphology or Morphology("ru" if base == "ru" else source_lang)
        self._parser = parser
        self.syntax = base == "ru"
        """Whether sentences are parsed (Russian only)."""
        self.review_threshold = review_threshold
        self._compiled = [self._compile(e) for e in self.glossary]
        self._by_first: dict[str, list[_Compiled]] = {}
        """Entries by the keys of their first token, so that a text token is tried only against the entries
        that may start with it."""
        for comp in self._compiled:
            for key in comp.words[0] if comp.words else ():
                self._by_first.setdefault(key, []).append(comp)
        self._heads: dict[str, tuple[str, str]] = {}
        self._indexes: dict[str, ExampleIndex | None] = {}
        self._vectors: Vectors | None = None

    @property
    def parser(self) -> Parser:
        if self._parser is None:
            self._parser = default_parser()
        return self._parser

    def _compile(self, entry: Entry) -> _Compiled:
        tokens = self.morph.tokenize(entry.source_term)
        words: list[frozenset[str]] = []
        glued: list[bool] = []
        for k, tok in enumerate(tokens):
            glued.append(k > 0 and tok.start == tokens[k - 1].end)
            if entry.match == "exact" or not tok.word:
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
        return _Compiled(entry, tuple(words), tuple(glued), head, head_lemma, entry.ruleset)

    def _needs_parse(self, comp: _Compiled) -> bool:
        return self.syntax and (comp.ruleset.needs_syntax or bool(comp.entry.examples) or comp.inflects)

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
        return self.find_many([text], document_lemmas=document_lemmas)[0]

    def find_many(self, texts: Sequence[str], *, document_lemmas: frozenset[str] | None = None,
                  document: bool = False) -> list[list[Match]]:
        """:meth:`find` for each of ``texts``, parsing those that need it in one batch. ``document``: the
        texts are the segments of one document, whose words ``near … within document`` rules see (unless
        ``document_lemmas`` gives them)."""
        sentences = [self._candidates(text) for text in texts]
        if document and document_lemmas is None:
            document_lemmas = frozenset(lemma for s in sentences for t in s.tokens if t.word for lemma in t.lemmas)
        to_parse = [s for s in sentences if any(self._needs_parse(c) for _, _, c in s.candidates)]
        if to_parse:
            for s, tree in zip(to_parse, self.parser.parse([[t.text for t in s.tokens] for s in to_parse])):
                s.tree = tree if len(tree) == len(s.tokens) else None
        decided = []
        for s in sentences:
            doc = document_lemmas if document_lemmas is not None else frozenset(
                lemma for t in s.tokens if t.word for lemma in t.lemmas
            )
            decided.append([self._decide(s, first, last, comp, doc) for first, last, comp in s.candidates])
        # the contextual tagger settles the case of what is replaced and of the words agreeing with it
        to_tag = [s for s, found in zip(sentences, decided) if s.tree is not None and any(
            d[0] == APPLY and c.inflects for d, (_, _, c) in zip(found, s.candidates))]
        if to_tag:
            for s, tags in zip(to_tag, self.parser.tag([[t.text for t in s.tokens] for s in to_tag])):
                s.tags = tags if len(tags) == len(s.tokens) else None
        return [
            [self._match(s, first, last, comp, d) for (first, last, comp), d in zip(s.candidates, found)]
            for s, found in zip(sentences, decided)
        ]

    def candidates(self, text: str) -> list[str]:
        """The ids of the entries found in ``text``, one per occurrence, before any decision."""
        return [comp.entry.id for _, _, comp in self._candidates(text).candidates]

    def _candidates(self, text: str) -> _Sentence:
        if not self._compiled or not text.strip():
            return _Sentence(text, [], [])
        tokens = self.tokenize(text)
        if not any(key in self._by_first for tok in tokens for key in (tok.lemmas | {tok.text})):
            return _Sentence(text, tokens, [])
        candidates = []
        for i, tok in enumerate(tokens):
            comps: dict[str, _Compiled] = {}
            for key in (tok.lemmas | {tok.text}) if tok.word else (tok.text,):
                for comp in self._by_first.get(key, ()):
                    comps[comp.entry.id] = comp
            for comp in comps.values():
                n = len(comp.words)
                if i + n <= len(tokens) and all(self._token_matches(tokens, i, k, comp) for k in range(n)) \
                        and _standalone(text, tokens[i].start, tokens[i + n - 1].end):
                    candidates.append((i, i + n - 1, comp))
        # longest first, then leftmost; overlapping shorter matches give way
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
        taken: list[tuple[int, int, _Compiled]] = []
        for cand in candidates:
            if all(cand[1] < t[0] or cand[0] > t[1] for t in taken):
                taken.append(cand)
        taken.sort(key=lambda c: c[0])
        return _Sentence(text, tokens, taken)

    def _token_matches(self, tokens: list[Token], i: int, k: int, comp: _Compiled) -> bool:
        tok = tokens[i + k]
        if k and (tok.start == tokens[i + k - 1].end) != comp.glued[k]:
            return False
        keys = comp.words[k]
        if not tok.word or comp.entry.match == "exact":
            return tok.text in keys
        if comp.entry.match == "form":
            return tok.key in keys
        return bool(tok.lemmas & keys)

    # -- deciding ------------------------------------------------------------------------------------------

    def _decide(self, s: _Sentence, first: int, last: int, comp: _Compiled,
                doc: frozenset[str]) -> tuple[str, str, Vote | None]:
        """The action, its reason, and the examples' vote when they decided."""
        if comp.common:
            name = self._inside_name(s, first, last)
            if name:
                return SKIP, f"inside the name «{name}»", None
        site = Site(s.tokens, first, last, first + comp.head, doc, s.tree)
        decided = evaluate(comp.ruleset, site)
        if decided is not None:
            return decided[0], decided[1], None
        index = self.examples_index(comp.entry) if self.syntax else None
        if index is not None:
            vote = index.vote(context_of(s.tokens, s.tree, first, last))
            if vote is not None:
                return vote.label, vote.describe(), vote
        return APPLY, "no rule held (default apply)" if comp.ruleset.rules else "no context rules", None

    def _inside_name(self, s: _Sentence, first: int, last: int) -> str:
        return inside_name(s.text, s.tokens, first, last, (lambda: self._names(s)) if self.syntax else None)

    def _names(self, s: _Sentence) -> list[tuple[int, int, str]]:
        if s.names is None:
            s.names = self.parser.names(s.text)
        return s.names

    def examples_index(self, entry: Entry) -> ExampleIndex | None:
        """The entry's labelled examples, parsed and embedded (built on first use); None without examples."""
        if entry.id in self._indexes:
            return self._indexes[entry.id]
        index = None
        if entry.examples and self.syntax:
            comp = next(c for c in self._compiled if c.entry.id == entry.id)
            kept, contexts = [], []
            found = [self._occurrences(e.text, comp) for e in entry.examples]
            ones = [(e, f) for e, f in zip(entry.examples, found) if len(f[1]) == 1]
            trees = self.parser.parse([[t.text for t in tokens] for _, (tokens, _) in ones])
            for (example, (tokens, spans)), tree in zip(ones, trees):
                kept.append(example)
                contexts.append(context_of(tokens, tree if len(tree) == len(tokens) else None, *spans[0]))
            index = ExampleIndex(kept, contexts, self.vectors) if kept else None
        self._indexes[entry.id] = index
        return index

    @property
    def vectors(self) -> Vectors:
        if self._vectors is None:
            self._vectors = Vectors(self.parser)
        return self._vectors

    def _occurrences(self, text: str, comp: _Compiled) -> tuple[list[Token], list[tuple[int, int]]]:
        """The tokens of ``text`` and the spans where ``comp``'s term occurs in it (matched alone)."""
        tokens = self.tokenize(text)
        n = len(comp.words)
        spans = [(i, i + n - 1) for i in range(len(tokens) - n + 1)
                 if n and all(self._token_matches(tokens, i, k, comp) for k in range(n))
                 and _standalone(text, tokens[i].start, tokens[i + n - 1].end)]
        return tokens, spans

    def _match(self, s: _Sentence, first: int, last: int, comp: _Compiled,
               decided: tuple[str, str, Vote | None]) -> Match:
        action, reason, vote = decided
        entry = comp.entry
        tokens = s.tokens
        start, end = tokens[first].start, tokens[last].end
        matched = s.text[start:end]
        confidence = vote.confidence if vote is not None else None
        review = confidence is not None and confidence < self.review_threshold
        neighbours = vote.neighbours if vote is not None else ()
        if action != APPLY:
            return Match(entry, start, end, matched, SKIP, reason, confidence=confidence, needs_review=review,
                         neighbours=neighbours)
        head = first + comp.head
        replacement, grammar = self._replacement(s, first, last, head, comp, matched)
        agreement = self._agreement(s, first, last, head, comp, grammar) if grammar else ()
        return Match(entry, start, end, matched, APPLY, reason, replacement, grammar, agreement, confidence, review,
                     neighbours)

    # -- replacing -----------------------------------------------------------------------------------------

    def _replacement(self, s: _Sentence, first: int, last: int, head: int, comp: _Compiled,
                     matched: str) -> tuple[str, str]:
        entry = comp.entry
        if not entry.mt_form:
            return matched, ""
        form, grammar = entry.mt_form, ""
        if comp.inflects:
            case, number = case_number(s.tokens, first, last, head, comp.head_lemma, s.tree, s.tags)
            if case:
                if entry.inflect_mode == "case":
                    number = "sing"
                form = self.inflect_phrase(entry.mt_form, case, number)
                grammar = f"{case},{number}"
        return match_case(form, matched, sentence_start=sentence_start(s.tokens, first)), grammar

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

    def _agreement(self, s: _Sentence, first: int, last: int, head: int, comp: _Compiled,
                   grammar: str) -> tuple[tuple[int, int, str], ...]:
        """The words agreeing with the matched term, re-inflected to agree with its replacement
        (see :mod:`pipeline.glossary.agreement`)."""
        if s.tree is None:
            return ()
        new_gender, new_anim = self._mt_head(comp.entry)
        old = [p for p in s.tokens[head].parses if p.pos == "NOUN" and normalize(p.lemma) == comp.head_lemma]
        if not new_gender or not old:
            return ()
        new_case, new_number = grammar.split(",")
        old_case, old_number = case_number(s.tokens, first, last, head, comp.head_lemma, s.tree, s.tags)
        forms = Forms(old[0].gender, old_number, old_case, new_gender, new_number, new_anim)
        edits = Agreement(self.morph, s.tokens, s.tree, s.tags, forms).run(first, last, head)
        return tuple((s.tokens[k].start, s.tokens[k].end, form) for k, form in sorted(edits.items()))

    def inflect_phrase(self, phrase: str, case: str, number: str) -> str:
        """``phrase`` (a noun phrase in its dictionary form) in ``case`` and ``number``
        (see :func:`pipeline.glossary.grammar.inflect_phrase`)."""
        return inflect_phrase(self.morph, phrase, case, number)


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


def _standalone(text: str, start: int, end: int) -> bool:
    """The match is a whole word: no letter or digit glued to it on either side («G20» is not in «G207»)."""
    return not (start > 0 and text[start - 1].isalnum()) and not (end < len(text) and text[end].isalnum())
