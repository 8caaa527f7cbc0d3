"""The context-rule mini-language of a glossary entry.

A ``rules`` cell holds rules separated by ``;``, tried in order; the first rule
whose tests all hold decides::

    skip if next-gen except блок, биткоин; skip if adj золотой, пищевой; apply if linked токен, майнинг

Grammar::

    rules  := rule { ";" rule }
    rule   := ("apply" | "skip") "if" test { "and" test }
            | "else" ("apply" | "skip")                      (last rule only)
    test   := ["not"] check
    check  := "near" words ["within" (N | "sentence" | "document")]
                                      one of these words anywhere in the sentence (N: at most N words
                                      either side; document: anywhere in the document)
            | "prev" words            the word right before the term has one of these lemmas
            | "next" words            the word right after the term has one of these lemmas
            | "prev-adj" ["except" words]
                                      an adjective modifying the term stands before it
                                      (pronominal and ordinal adjectives such as «этот», «свой»,
                                      «первый» do not count)
            | "adj" words             an adjective or participle modifying the term has one of these
                                      lemmas («золотая цепочка», «цепочка, порванная …»)
            | "next-gen" ["except" words]
                                      the term has a genitive complement after it, bare or with «из»
                                      («цепочка поставок», «цепочка крупных магазинов», «цепочка из
                                      скрепок»); names of people and organisations (possessors) do
                                      not count
            | "gov" words             the word governing the term: its preposition («на цепочке»: на),
                                      or the noun or verb it depends on («технология цепочки»,
                                      «используют цепочку»); a conjunct shares the first conjunct's
                                      («о финтехе и цепочках»: о)
            | "dep" words             a word depending on the term: a modifier or a complement, with
                                      or without a preposition («цепочка из золота», «с кулоном»)
            | "coord" words           the term is coordinated with a noun phrase whose head, or a
                                      modifier of it, has one of these lemmas («цепочка и
                                      искусственный интеллект», «о финтехе и цепочках»)
            | "linked" words ["within" N]
                                      a word at most N dependency links from the term (default 2: its
                                      head, dependents, the head's head and the term's siblings)
    words  := lemma { "," lemma }     dictionary forms, any letter case; a trailing ``*`` matches
                                      every word starting so (``крипто*``: криптобиржа, криптовалютный)

``prev-adj``, ``adj``, ``next-gen``, ``gov``, ``dep``, ``coord`` and ``linked`` read
the sentence's dependency tree (:mod:`pipeline.glossary.syntax`); ``near``,
``prev`` and ``next`` read the words as they stand. ``near`` without ``within``
looks at the whole segment (the sentence in a run, the line in ``pipeline
glossary check``); ``within document`` at the whole document (in ``check``, the
line). When no rule holds, the entry's labelled examples decide (see
:mod:`pipeline.glossary.examples`), or, without examples, the entry applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pipeline.glossary.morph import Token, normalize
from pipeline.glossary.syntax import Tree

ACTIONS = ("apply", "skip")
KINDS = ("near", "prev", "next", "prev-adj", "adj", "next-gen", "gov", "dep", "coord", "linked")
SYNTAX_KINDS = frozenset({"prev-adj", "adj", "next-gen", "gov", "dep", "coord", "linked"})
"""The tests that read the dependency tree."""
LINKED_WINDOW = 2

_LEMMA_RE = re.compile(r"^[^\W_][\w'’-]*\*?$", re.UNICODE)
_WITHIN_RE = re.compile(r"^(?P<words>.+?)(?:\s+within\s+(?P<scope>\S+))?$", re.S)


class RuleSyntaxError(ValueError):
    """A rule cell that does not follow the grammar; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Test:
    kind: str
    words: frozenset[str] = frozenset()
    negated: bool = False
    window: int | None = None
    """``near``: words either side, None meaning the segment; ``linked``: dependency links."""
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

    @property
    def needs_syntax(self) -> bool:
        return any(t.kind in SYNTAX_KINDS for r in self.rules for t in r.tests)


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
    if kind not in ("near", "linked"):
        return Test(kind, _words(rest, number, kind), negated)
    found = _WITHIN_RE.match(rest)
    assert found is not None
    scope = found.group("scope")
    window, document = (None, False) if kind == "near" else (LINKED_WINDOW, False)
    if scope is not None:
        if scope.isdigit() and int(scope) > 0:
            window = int(scope)
        elif kind == "linked":
            raise RuleSyntaxError(f"rule {number}: 'linked … within' takes a number of dependency links, got {scope!r}")
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


def hit(lemmas: frozenset[str], words: frozenset[str]) -> str | None:
    """The first of ``words`` that one of ``lemmas`` is (or, for ``prefix*``, starts with)."""
    direct = lemmas & words
    if direct:
        return sorted(direct)[0]
    for word in sorted(words):
        if word.endswith("*"):
            stem = word[:-1]
            if any(lemma.startswith(stem) for lemma in lemmas):
                return word
    return None


_NOT_ADJ = frozenset({"Apro", "Anum"})
_POSSESSOR = frozenset({"Name", "Surn", "Patr", "Orgn", "Trad"})
_NOT_NOUN_POS = frozenset({"VERB", "INFN", "ADVB", "PREP", "CONJ", "PRCL", "INTJ", "PRED", "GRND", "COMP", "NPRO"})
_FUNCTION_RELS = frozenset({"punct", "case", "cc", "mark"})


@dataclass(frozen=True)
class Site:
    """Where a term was found: the segment's tokens, the term's token span, its head token and the
    sentence's dependency tree (None where there is no parser for the language)."""

    tokens: Sequence[Token]
    first: int
    last: int
    """Index of the term's last token (inclusive)."""
    head: int
    document_lemmas: frozenset[str] = frozenset()
    tree: Tree | None = None

    @property
    def span(self) -> range:
        return range(self.first, self.last + 1)

    def dependents(self) -> Iterator[int]:
        """Tokens depending on the term (on any of its words), outside it."""
        if self.tree is None:
            return
        for i in self.span:
            for j in self.tree.children(i):
                if j not in self.span and self.tree.rel(j) not in _FUNCTION_RELS:
                    yield j

    def governor(self) -> tuple[int | None, int | None]:
        """The term's preposition and the word its phrase depends on (either may be None); a later
        conjunct («о финтехе и цепочках») takes the first conjunct's."""
        tree = self.tree
        if tree is None:
            return None, None
        node = self.head
        prep = _case_marker(tree, node, self.tokens)
        while tree.rel(node) == "conj" and tree.head(node) >= 0:
            node = tree.head(node)
            prep = prep if prep is not None else _case_marker(tree, node, self.tokens)
        gov = tree.head(node)
        while gov >= 0 and gov in self.span:
            gov = tree.head(gov)
        return prep, (gov if gov >= 0 else None)


def _case_marker(tree: Tree, node: int, tokens: Sequence[Token]) -> int | None:
    found = [j for j in tree.children(node) if tree.rel(j) == "case" and tokens[j].word]
    return found[0] if found else None


def evaluate(rules: RuleSet, site: Site) -> tuple[str, str] | None:
    """The action (``apply`` or ``skip``) the first rule that holds at ``site`` takes, and the
    reason in words; None when no rule holds."""
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
    return None


def _check(test: Test, site: Site) -> tuple[bool, str]:
    if test.kind == "near":
        return _near(test, site)
    if test.kind in ("prev", "next"):
        i = site.first - 1 if test.kind == "prev" else site.last + 1
        tokens = site.tokens
        if 0 <= i < len(tokens) and tokens[i].word and hit(tokens[i].lemmas, test.words):
            return True, f"«{tokens[i].text}»"
        return False, ""
    if site.tree is None:
        return False, ""
    return _SYNTAX_CHECKS[test.kind](test, site)


def _near(test: Test, site: Site) -> tuple[bool, str]:
    tokens = site.tokens
    if test.document:
        found = hit(site.document_lemmas, test.words)
        if found:
            return True, f"«{found}» in the document"
        # the segment is part of its document
    lo, hi = 0, len(tokens)
    if test.window is not None:
        lo, hi = _word_window(tokens, site.first, site.last, test.window)
    for i in range(lo, hi):
        if site.first <= i <= site.last:
            continue
        tok = tokens[i]
        if tok.word and hit(tok.lemmas, test.words):
            return True, f"«{tok.text}»"
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


def _modifiers(site: Site) -> list[int]:
    """Adjectives and participles modifying the term (coordinated ones too: «публичной и частной»)."""
    tree = site.tree
    assert tree is not None
    out = []
    for j in site.dependents():
        if tree.rel(j) in ("amod", "acl", "det") and site.tokens[j].has_pos("ADJF", "PRTF", "ADJS", "PRTS"):
            out.append(j)
            out.extend(k for k in tree.children(j) if tree.rel(k) == "conj" and site.tokens[k].has_pos("ADJF", "PRTF"))
    return out


def _prev_adj(test: Test, site: Site) -> tuple[bool, str]:
    for j in _modifiers(site):
        tok = site.tokens[j]
        if j > site.first or not any(p.pos == "ADJF" and not (p.grammemes & _NOT_ADJ) for p in tok.parses):
            continue
        if not hit(tok.lemmas, test.words):
            return True, f"«{tok.text}»"
    return False, ""


def _adj(test: Test, site: Site) -> tuple[bool, str]:
    for j in _modifiers(site):
        if hit(site.tokens[j].lemmas, test.words):
            return True, f"«{site.tokens[j].text}»"
    return False, ""


def _next_gen(test: Test, site: Site) -> tuple[bool, str]:
    tree, tokens = site.tree, site.tokens
    assert tree is not None
    for j in site.dependents():
        if j < site.first or tree.rel(j) != "nmod":
            continue
        marker = _case_marker(tree, j, tokens)
        if marker is not None and tokens[marker].key not in ("из", "изо"):
            continue
        tok = tokens[j]
        top = tok.top
        if top is None or top.pos in _NOT_NOUN_POS or top.pos == "LATN" or (top.grammemes & _POSSESSOR):
            continue
        unknown = "UNKN" in top.grammemes  # an abbreviation pymorphy does not know («РНК»)
        if not unknown and not any(p.pos == "NOUN" and p.case == "gent" for p in tok.parses):
            continue
        if hit(tok.lemmas, test.words):
            continue
        return True, f"«{' '.join(t.text for t in tokens[site.last + 1 : j + 1])}»"
    return False, ""


def _gov(test: Test, site: Site) -> tuple[bool, str]:
    for i in site.governor():
        if i is not None and site.tokens[i].word and hit(site.tokens[i].lemmas, test.words):
            return True, f"«{site.tokens[i].text}»"
    return False, ""


def _dep(test: Test, site: Site) -> tuple[bool, str]:
    for j in site.dependents():
        if site.tokens[j].word and hit(site.tokens[j].lemmas, test.words):
            return True, f"«{site.tokens[j].text}»"
    return False, ""


def _coord(test: Test, site: Site) -> tuple[bool, str]:
    tree, tokens = site.tree, site.tokens
    assert tree is not None
    conjuncts = [j for j in tree.children(site.head) if tree.rel(j) == "conj"]
    node = site.head
    while tree.rel(node) == "conj" and tree.head(node) >= 0:
        node = tree.head(node)
        conjuncts.append(node)
        conjuncts.extend(j for j in tree.children(node) if tree.rel(j) == "conj" and j != site.head)
    for j in conjuncts:
        if j in site.span:
            continue
        words = [j] + [k for k in tree.children(j) if tree.rel(k) in ("amod", "nmod", "compound", "flat", "appos")]
        for k in words:
            if tokens[k].word and hit(tokens[k].lemmas, test.words):
                return True, f"«{tokens[k].text}»"
    return False, ""


def distances(tree: Tree, start: Sequence[int], limit: int) -> dict[int, int]:
    """Tokens at most ``limit`` dependency links from any of ``start``, with their distance."""
    seen = {i: 0 for i in start}
    frontier = list(start)
    for step in range(1, limit + 1):
        nxt = []
        for i in frontier:
            for j in (tree.head(i), *tree.children(i)):
                if j >= 0 and j not in seen and tree.rel(j) != "punct":
                    seen[j] = step
                    nxt.append(j)
        frontier = nxt
    return seen


def _linked(test: Test, site: Site) -> tuple[bool, str]:
    assert site.tree is not None
    found = distances(site.tree, list(site.span), test.window or LINKED_WINDOW)
    for j in sorted(found, key=lambda k: (found[k], k)):
        if j not in site.span and site.tokens[j].word and hit(site.tokens[j].lemmas, test.words):
            return True, f"«{site.tokens[j].text}»"
    return False, ""


_SYNTAX_CHECKS = {
    "prev-adj": _prev_adj, "adj": _adj, "next-gen": _next_gen, "gov": _gov, "dep": _dep, "coord": _coord,
    "linked": _linked,
}
