"""Russian morphology for glossary matching: tokens, lemmas, case and number, inflection.

Built on pymorphy3 (with its Russian dictionaries, offline) and razdel's
tokenizer. :class:`Morphology` owns one analyzer; it is created lazily and can
be shared by every glossary of a process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
"""The six Russian cases, in the usual school order."""

_CASE_ALIASES = {"gen2": "gent", "gen1": "gent", "loc2": "loct", "loc1": "loct", "acc2": "accs", "voct": "nomn"}

_WORD_RE = re.compile(r"[^\W\d_]", re.UNICODE)
_LATIN_RE = re.compile(r"^[A-Za-z][A-Za-z'’-]*$")

# Cases each preposition governs (the most frequent ones; enough to settle ambiguous forms).
PREPOSITION_CASES: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("без", "для", "до", "из", "изо", "из-за", "из-под", "кроме", "около", "от", "ото", "против", "ради",
         "среди", "у", "вокруг", "вдоль", "после", "возле", "внутри", "помимо", "вместо", "насчёт", "насчет",
         "относительно", "вследствие", "посредством", "поверх", "мимо", "накануне", "в течение", "ввиду"),
        frozenset({"gent"}),
    ),
    **dict.fromkeys(("к", "ко", "благодаря", "согласно", "вопреки", "навстречу"), frozenset({"datv"})),
    **dict.fromkeys(("про", "сквозь", "через", "включая", "спустя"), frozenset({"accs"})),
    **dict.fromkeys(("над", "надо", "перед", "передо", "между", "меж"), frozenset({"ablt"})),
    "при": frozenset({"loct"}),
    **dict.fromkeys(("в", "во", "на", "о", "об", "обо"), frozenset({"loct", "accs"})),
    **dict.fromkeys(("за", "под", "подо"), frozenset({"ablt", "accs"})),
    "по": frozenset({"datv", "loct", "accs"}),
    **dict.fromkeys(("с", "со"), frozenset({"ablt", "gent", "accs"})),
}

_PROPER_TAGS = frozenset({"Name", "Surn", "Patr", "Orgn", "Trad"})
_GUESSED_ENDINGS = ("ами", "ом", "ым", "ой", "ам", "ах", "ов", "а", "у", "е", "ы")


def normalize(word: str) -> str:
    """The comparison key of a word: lower case, «ё» read as «е»."""
    return word.lower().replace("ё", "е")


def is_word(text: str) -> bool:
    return bool(_WORD_RE.search(text))


def is_latin(text: str) -> bool:
    return bool(_LATIN_RE.match(text))


@dataclass(frozen=True, slots=True)
class Parse:
    """One reading of a token: lemma, part of speech and grammemes."""

    lemma: str
    pos: str
    case: str
    number: str
    gender: str
    grammemes: frozenset[str]
    score: float


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int
    parses: tuple[Parse, ...] = ()
    parts: frozenset[str] = frozenset()
    """Lemmas of the parts of a hyphenated word («финтех-компании»: финтех, компания)."""
    keys: frozenset[str] | None = None
    """:attr:`lemmas`, when the tokenizer worked them out already."""

    @property
    def word(self) -> bool:
        return is_word(self.text)

    @property
    def key(self) -> str:
        return normalize(self.text)

    @property
    def lemmas(self) -> frozenset[str]:
        """Every lemma the token may have, plus its own form (normalised)."""
        if self.keys is not None:
            return self.keys
        return frozenset({self.key, *(normalize(p.lemma) for p in self.parses), *self.parts})

    @property
    def top(self) -> Parse | None:
        return self.parses[0] if self.parses else None

    def has_pos(self, *pos: str) -> bool:
        return any(p.pos in pos for p in self.parses)

    def case_numbers(self, pos: tuple[str, ...] | None = None, lemma: str | None = None) -> set[tuple[str, str]]:
        return {
            (p.case, p.number)
            for p in self.parses
            if p.case and p.number and (pos is None or p.pos in pos) and (lemma is None or normalize(p.lemma) == lemma)
        }


class Morphology:
    """Tokenizer, analyzer and inflector for one language (Russian)."""

    def __init__(self, lang: str = "ru") -> None:
        self.lang = lang
        self._analyzer: Any = None
        self._cache: dict[str, tuple[Parse, ...]] = {}
        self._tokens: dict[str, Token] = {}

    @property
    def analyzer(self) -> Any:
        if self._analyzer is None:
            import pymorphy3

            self._analyzer = pymorphy3.MorphAnalyzer(lang=self.lang)
        return self._analyzer

    def tokenize(self, text: str) -> list[Token]:
        """Tokens with character offsets into ``text`` and their readings."""
        from razdel import tokenize

        return [self._token(t.text, t.start, t.stop) for t in tokenize(text)]

    def _token(self, text: str, start: int, end: int) -> Token:
        found = self._tokens.get(text)
        if found is None:
            parses, parts = self.parses(text), self._parts(text)
            found = Token(text, 0, 0, parses, parts, frozenset({normalize(text), *(normalize(p.lemma) for p in parses), *parts}))
            if len(self._tokens) < 200_000:
                self._tokens[text] = found
        return Token(text, start, end, found.parses, found.parts, found.keys)

    def _parts(self, word: str) -> frozenset[str]:
        if "-" not in word.strip("-"):
            return frozenset()
        out: set[str] = set()
        for part in word.split("-"):
            if is_word(part):
                out.add(normalize(part))
                out.update(normalize(p.lemma) for p in self.parses(part))
        return frozenset(out)

    def parses(self, word: str) -> tuple[Parse, ...]:
        found = self._cache.get(word)
        if found is None:
            found = self._analyze(word)
            if len(self._cache) < 200_000:
                self._cache[word] = found
        return found

    def _analyze(self, word: str) -> tuple[Parse, ...]:
        if not is_word(word):
            return ()
        if is_latin(word):
            return (Parse(word.lower(), "LATN", "", "", "", frozenset({"LATN"}), 1.0),)
        if self.lang != "ru":  # no dictionary: the written form, any letter case, is the lemma
            return (Parse(word.lower(), "", "", "", "", frozenset(), 1.0),)
        out = []
        raw = self.analyzer.parse(word)
        known = any(p.is_known for p in raw)
        for p in raw:
            tag = p.tag
            case = _CASE_ALIASES.get(tag.case or "", tag.case or "")
            out.append(
                Parse(p.normal_form, str(tag.POS or ""), case, str(tag.number or ""), str(tag.gender or ""),
                      frozenset(tag.grammemes), float(p.score))
            )
        if not known:
            # An unknown word (a name, a new loanword: «Дапкюнасом», «биткоина»): pymorphy's guess
            # may miss its lemma, so read a common case ending off it as one more candidate.
            low = word.lower()
            for ending in _GUESSED_ENDINGS:
                if low.endswith(ending) and len(low) - len(ending) >= 3:
                    out.append(Parse(low[: -len(ending)], "", "", "", "", frozenset({"Guess"}), 0.0))
                    break
        return tuple(out)

    def inflect_word(self, word: str, case: str, number: str, *, gender: str = "", anim: str = "") -> str | None:
        """``word`` (in its dictionary form) put in ``case`` and ``number``; None when pymorphy cannot."""
        for p in self.analyzer.parse(word):
            tag = p.tag
            if tag.POS not in ("NOUN", "ADJF", "PRTF", "NUMR") and not (tag.POS is None and p.normal_form == word.lower()):
                continue
            grammemes = {case, number}
            if tag.POS in ("ADJF", "PRTF") and number == "sing" and gender:
                grammemes.add(gender)
            if tag.POS in ("ADJF", "PRTF") and case == "accs" and anim and (number == "plur" or gender == "masc"):
                grammemes.add(anim)
            if tag.POS == "NOUN" and ("Pltm" in tag.grammemes or "Sgtm" in tag.grammemes):
                grammemes.discard(number)
            form = p.inflect(grammemes)
            if form is not None:
                return form.word
        return None


def match_case(replacement: str, matched: str, *, sentence_start: bool) -> str:
    """Carry the letter case of ``matched`` over to ``replacement``.

    An all-capital match (of more than one letter) gives an all-capital
    replacement, unless the replacement is itself mixed case (a name); a
    capitalised match at the start of a sentence (or after an opening quote)
    gives a capitalised replacement. Otherwise the replacement keeps the
    spelling the glossary gives it.
    """
    letters = [c for c in matched if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters) and replacement == replacement.lower():
        return replacement.upper()
    if matched[:1].isupper() and sentence_start and replacement[:1].islower():
        return replacement[:1].upper() + replacement[1:]
    return replacement
