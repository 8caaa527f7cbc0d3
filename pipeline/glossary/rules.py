"""The context-rule mini-language of a glossary entry.

A ``rules`` cell holds rules separated by ``;``, tried in order; the first rule
whose tests all hold decides::

    skip if next-gen except блок, биткоин; skip if prev-adj; apply if near финтех, инвестор; else skip

Grammar::

    rules  := rule { ";" rule }
    rule   := ("apply" | "skip") "if" test { "and" test }
            | "else" ("apply" | "skip")                      (last rule only)
    test   := ["not"] check
    check  := "near" words ["within" (N | "sentence" | "document")]
            | "prev" words            the word right before the term has one of these lemmas
            | "next" words            the word right after the term has one of these lemmas
            | "prev-adj" ["except" words]
                                      an adjective agreeing with the term stands right before it
                                      (pronominal and ordinal adjectives such as «этот», «свой»,
                                      «первый» do not count)
            | "next-gen" ["except" words]
                                      a noun phrase in the genitive follows the term
                                      (its complement: «цепочка поставок»); names of people
                                      and organisations (possessors) do not count
            | "gov" words             the word governing the term's noun phrase has one of these
                                      lemmas: the preposition, noun or verb before it, past the
                                      modifiers agreeing with the term («на распределённой цепочке»:
                                      на; «технология частных цепочек»: технология)
            | "coord" words           the term is coordinated («и», «или», a comma) with a noun
                                      phrase whose head has one of these lemmas («цепочка и
                                      искусственный интеллект», «о финтехе и цепочках»)
    words  := lemma { "," lemma }     dictionary forms, any letter case; a trailing ``*`` matches
                                      every word starting so (``крипто*``: криптобиржа, криптовалютный)

When no rule holds the entry applies (an entry without rules always applies).
``near`` without ``within`` looks at the whole segment (the sentence in a run,
the line in ``pipeline glossary check``); ``within document`` at the whole
document (in ``check``, the line).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.glossary.morph import Token, normalize

ACTIONS = ("apply", "skip")
KINDS = ("near", "prev", "next", "prev-adj", "next-gen", "gov", "coord")

_LEMMA_RE = re.compile(r"^[^\W_][\w'’-]*\*?$", re.UNICODE)
_NEAR_RE = re.compile(r"^(?P<words>.+?)(?:\s+within\s+(?P<scope>\S+))?$", re.S)


class RuleSyntaxError(ValueError):
    """A rule cell that does not follow the grammar; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Test:
    kind: str
    words: frozenset[str] = frozenset()
    negated: bool = False
    window: int | None = None
    """``near`` only: words either side; None means the segment."""
    document: bool = False

    def describe(self) -> str:
        return ("not " if self.negated else "") + self.kind


@dataclass(frozen=True, slots=True)
class Rule:
    action: str
    tests: tuple[Test, ...] = ()
    """Empty for the closing ``else`` rule."""

    @property
    def is_else(self) -> bool:
        return not self.tests


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()
    text: str = ""

    @property
    def lemmas(self) -> frozenset[str]:
        return frozenset(w for r in self.rules for t in r.tests for w in t.words)


def parse_rules(text: str) -> RuleSet:
    """Parse a rules cell; raise :class:`RuleSyntaxError` naming the rule that is wrong."""
    parts = [p.strip() for p in text.split(";")]
    rules: list[Rule] = []
    for number, part in enumerate(parts, 1):
        if not part:
            if number < len(parts):
                raise RuleSyntaxError(f"rule {number} is empty (two ';' in a row)")
            continue
        if rules and rules[-1].is_else:
            raise RuleSyntaxError(f"rule {number}: nothing may follow 'else'")
        rules.append(_parse_rule(part, number))
    return RuleSet(tuple(rules), text.strip())


def _parse_rule(part: str, number: int) -> Rule:
    words = part.split()
    head = words[0].lower()
    if head == "else":
        if len(words) != 2 or words[1].lower() not in ACTIONS:
            raise RuleSyntaxError(f"rule {number}: expected 'else apply' or 'else skip', got {part!r}")
        return Rule(words[1].lower())
    if head not in ACTIONS:
        raise RuleSyntaxError(f"rule {number}: must start with 'apply if', 'skip if' or 'else', got {part!r}")
    if len(words) < 3 or words[1].lower() != "if":
        raise RuleSyntaxError(f"rule {number}: expected '{head} if <test>', got {part!r}")
    body = part.split(None, 2)[2]
    tests = tuple(_parse_test(t.strip(), number) for t in re.split(r"\s+and\s+", body))
    return Rule(head, tests)


def _parse_test(text: str, number: int) -> Test:
    negated = False
    if text.lower().startswith("not "):
        negated, text = True, text[4:].strip()
    kind, _, rest = text.partition(" ")
    kind, rest = kind.lower(), rest.strip()
    if kind not in KINDS:
        raise RuleSyntaxError(f"rule {number}: unknown test {kind!r} (expected one of {', '.join(KINDS)})")
    if kind in ("prev-adj", "next-gen"):
        if not rest:
            return Test(kind, negated=negated)
        if not rest.lower().startswith("except "):
            raise RuleSyntaxError(f"rule {number}: {kind} takes only 'except <lemmas>', got {rest!r}")
        return Test(kind, _words(rest[7:], number, kind), negated)
    if not rest:
        raise RuleSyntaxError(f"rule {number}: {kind} needs at least one lemma")
    if kind in ("prev", "next", "gov", "coord"):
        return Test(kind, _words(rest, number, kind), negated)
    found = _NEAR_RE.match(rest)
    assert found is not None
    scope = found.group("scope")
    window, document = None, False
    if scope is not None:
        if scope.isdigit() and int(scope) > 0:
            window = int(scope)
        elif scope.lower() == "document":
            document = True
        elif scope.lower() != "sentence":
            raise RuleSyntaxError(
                f"rule {number}: 'within' takes a number of words, 'sentence' or 'document', got {scope!r}"
            )
    return Test(kind, _words(found.group("words"), number, kind), negated, window, document)


def _words(text: str, number: int, kind: str) -> frozenset[str]:
    items = [w.strip() for w in text.split(",")]
    if not items or any(not w for w in items):
        raise RuleSyntaxError(f"rule {number}: empty lemma in the list after {kind!r} (check the commas)")
    for word in items:
        if not _LEMMA_RE.match(word):
            raise RuleSyntaxError(f"rule {number}: {word!r} is not a single word (lemmas are separated by commas)")
    return frozenset(normalize(w) for w in items)


# --- evaluation ---------------------------------------------------------------------------------------------


def _hit(lemmas: frozenset[str], words: frozenset[str]) -> str | None:
    """The first of ``words`` that one of ``lemmas`` is (or, for ``prefix*``, starts with)."""
    direct = lemmas & words
    if direct:
        return sorted(direct)[0]
    for word in words:
        if word.endswith("*"):
            stem = word[:-1]
            if any(lemma.startswith(stem) for lemma in lemmas):
                return word
    return None

_NOT_ADJ = frozenset({"Apro", "Anum"})
_POSSESSOR = frozenset({"Name", "Surn", "Patr", "Orgn", "Trad"})
_NOT_NOUN_POS = frozenset({"VERB", "INFN", "ADVB", "PREP", "CONJ", "PRCL", "INTJ", "PRED", "GRND", "COMP"})


@dataclass(frozen=True)
class Site:
    """Where a term was found: the segment's tokens, the term's token span and its head token."""

    tokens: Sequence[Token]
    first: int
    last: int
    """Index of the term's last token (inclusive)."""
    head: int
    document_lemmas: frozenset[str] = frozenset()


def evaluate(rules: RuleSet, site: Site) -> tuple[str, str]:
    """The action (``apply`` or ``skip``) the rules take at ``site`` and the reason, in words."""
    for number, rule in enumerate(rules.rules, 1):
        if rule.is_else:
            return rule.action, f"else {rule.action} (rule {number})"
        evidence = []
        for test in rule.tests:
            held, why = _check(test, site)
            if held == test.negated:
                break
            evidence.append(f"{test.describe()} {why}".strip() if not test.negated else f"not {test.kind}")
        else:
            return rule.action, f"{'; '.join(evidence)} (rule {number})"
    if rules.rules:
        return "apply", "no rule held (default apply)"
    return "apply", "no context rules"


def _check(test: Test, site: Site) -> tuple[bool, str]:
    tokens = site.tokens
    if test.kind == "near":
        if test.document:
            hit = _hit(site.document_lemmas, test.words)
            if hit:
                return True, f"«{hit}» in the document"
            # the segment is part of its document
        lo, hi = 0, len(tokens)
        if test.window is not None:
            lo, hi = _word_window(tokens, site.first, site.last, test.window)
        for i in range(lo, hi):
            if site.first <= i <= site.last:
                continue
            tok = tokens[i]
            if tok.word and _hit(tok.lemmas, test.words):
                return True, f"«{tok.text}»"
        return False, ""
    if test.kind in ("prev", "next"):
        i = site.first - 1 if test.kind == "prev" else site.last + 1
        if 0 <= i < len(tokens) and tokens[i].word and _hit(tokens[i].lemmas, test.words):
            return True, f"«{tokens[i].text}»"
        return False, ""
    if test.kind == "prev-adj":
        return _prev_adj(test, site)
    if test.kind == "gov":
        return _gov(test, site)
    if test.kind == "coord":
        return _coord(test, site)
    return _next_gen(test, site)


_MODIFIERS = ("ADJF", "PRTF", "NUMR")
_CONJUNCTIONS = frozenset({"и", "или", ","})


def _left_of_modifiers(site: Site) -> int:
    """Index of the token before the term and the modifiers agreeing with it (-1 if none)."""
    tokens = site.tokens
    head_forms = tokens[site.head].case_numbers(("NOUN",))
    i = site.first - 1
    while i >= 0 and tokens[i].word and any(
        p.pos in _MODIFIERS and (p.case, p.number) in head_forms for p in tokens[i].parses
    ):
        i -= 1
    return i


def _gov(test: Test, site: Site) -> tuple[bool, str]:
    i = _left_of_modifiers(site)
    if i >= 0 and site.tokens[i].word and _hit(site.tokens[i].lemmas, test.words):
        return True, f"«{site.tokens[i].text}»"
    return False, ""


def _coord(test: Test, site: Site) -> tuple[bool, str]:
    tokens = site.tokens
    # a conjunct after the term: «цепочка и искусственный интеллект», «цепочки, ИИ и …»
    j = site.last + 1
    if j < len(tokens) and normalize(tokens[j].text) in _CONJUNCTIONS:
        j += 1
        skipped = 0
        while (j < len(tokens) and skipped < 2 and tokens[j].word and tokens[j].top is not None
               and tokens[j].top.pos in _MODIFIERS):
            j += 1
            skipped += 1
        if j < len(tokens) and tokens[j].word and _hit(tokens[j].lemmas, test.words):
            return True, f"«{tokens[j].text}»"
    # a conjunct before it: «искусственный интеллект и цепочка», «о финтехе и цепочках»
    i = _left_of_modifiers(site)
    if i >= 1 and normalize(tokens[i].text) in _CONJUNCTIONS and tokens[i - 1].word:
        if _hit(tokens[i - 1].lemmas, test.words):
            return True, f"«{tokens[i - 1].text}»"
    return False, ""


def _word_window(tokens: Sequence[Token], first: int, last: int, n: int) -> tuple[int, int]:
    lo, seen = first, 0
    while lo > 0 and seen < n:
        lo -= 1
        seen += tokens[lo].word
    hi, seen = last + 1, 0
    while hi < len(tokens) and seen < n:
        seen += tokens[hi].word
        hi += 1
    return lo, hi


def _prev_adj(test: Test, site: Site) -> tuple[bool, str]:
    i = site.first - 1
    if i < 0 or not site.tokens[i].word:
        return False, ""
    tok = site.tokens[i]
    head_forms = site.tokens[site.head].case_numbers(("NOUN",))
    agreeing = [
        p for p in tok.parses
        if p.pos == "ADJF" and not (p.grammemes & _NOT_ADJ) and (p.case, p.number) in head_forms
    ]
    if not agreeing or _hit(tok.lemmas, test.words):
        return False, ""
    return True, f"«{tok.text}»"


def _next_gen(test: Test, site: Site) -> tuple[bool, str]:
    tokens = site.tokens
    i = site.last + 1
    skipped = 0
    # agreeing modifiers of the complement: «цепочки добавленной стоимости», «цепочка продуктовых магазинов»
    while (
        i < len(tokens) and skipped < 3 and tokens[i].word
        and tokens[i].top is not None and tokens[i].top.pos in ("ADJF", "PRTF", "NUMR")
        and any(p.case == "gent" for p in tokens[i].parses if p.pos in ("ADJF", "PRTF", "NUMR"))
    ):
        i += 1
        skipped += 1
    if i >= len(tokens) or not tokens[i].word:
        return False, ""
    tok = tokens[i]
    top = tok.top
    if top is None or top.pos in _NOT_NOUN_POS or top.pos == "LATN":
        return False, ""
    if top.grammemes & _POSSESSOR:
        return False, ""
    if not any(p.pos == "NOUN" and p.case == "gent" for p in tok.parses):
        return False, ""
    if _hit(tok.lemmas, test.words):
        return False, ""
    return True, f"«{' '.join(t.text for t in tokens[site.last + 1 : i + 1])}»"
