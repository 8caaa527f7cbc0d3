"""Glossary entries and the glossary they form."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pipeline.glossary.examples import Example, format_examples
from pipeline.glossary.rules import RuleSet, parse_rules

COLUMNS = (
    "id", "source_term", "source_lang", "target_term", "target_lang", "match", "rules",
    "wrong_renderings", "mt_form", "inflect", "note", "domain", "examples",
)
"""The columns of a glossary file, in the order they are written."""

REQUIRED_COLUMNS = ("id", "source_term", "source_lang", "target_term", "target_lang")

MATCH_MODES = ("lemma", "form", "exact")
"""``lemma``: every inflected form (pymorphy3); ``form``: the written form, any letter case; ``exact``: as written."""

INFLECT_MODES = ("full", "case", "none")
"""How the MT form is fitted to the match: case and number, case only (singular), or verbatim."""

LIST_SEPARATOR = "|"
"""Separates the items of ``wrong_renderings``."""


@dataclass(frozen=True)
class Entry:
    """One concept: a source term, its target term, and how to find and fix it."""

    id: str
    source_term: str
    source_lang: str
    target_term: str
    target_lang: str
    match: str = "lemma"
    rules: str = ""
    """Context rules in the mini-language of :mod:`pipeline.glossary.rules`."""
    wrong_renderings: tuple[str, ...] = ()
    """Target-language renderings MT produces instead of ``target_term`` (post-edited to it)."""
    mt_form: str = ""
    """Source-language form the source is pre-edited to before MT; empty: leave the source as is."""
    inflect: str = ""
    """``full``, ``case`` or ``none``; empty: ``full`` for a Cyrillic MT form matched by lemma, else ``none``."""
    note: str = ""
    domain: str = ""
    examples: tuple[Example, ...] = ()
    """Sentences labelled ``apply`` or ``skip`` that decide a match no rule decides."""
    origin: str = field(default="", compare=False)
    """``file:line`` the entry was read from."""

    @property
    def ruleset(self) -> RuleSet:
        return parse_rules(self.rules)

    @property
    def inflect_mode(self) -> str:
        if self.inflect:
            return self.inflect
        cyrillic = any("\u0400" <= c <= "\u04ff" for c in self.mt_form)
        return "full" if (cyrillic and self.match == "lemma") else "none"

    def row(self) -> dict[str, str]:
        return {
            "id": self.id,
            "source_term": self.source_term,
            "source_lang": self.source_lang,
            "target_term": self.target_term,
            "target_lang": self.target_lang,
            "match": self.match,
            "rules": self.rules,
            "wrong_renderings": f" {LIST_SEPARATOR} ".join(self.wrong_renderings),
            "mt_form": self.mt_form,
            "inflect": self.inflect,
            "note": self.note,
            "domain": self.domain,
            "examples": format_examples(self.examples),
        }


@dataclass(frozen=True)
class Glossary:
    entries: tuple[Entry, ...] = ()
    sources: tuple[str, ...] = ()
    """The files the entries were read from."""

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    def for_pair(self, source_lang: str, target_lang: str | None = None) -> Glossary:
        """The entries from ``source_lang`` (to ``target_lang`` when given)."""
        return Glossary(
            tuple(
                e for e in self.entries
                if _base(e.source_lang) == _base(source_lang)
                and (target_lang is None or _base(e.target_lang) == _base(target_lang))
            ),
            self.sources,
        )

    @property
    def sha256(self) -> str:
        """A digest of the entries' content (not of their files' layout), for the manifest."""
        digest = hashlib.sha256()
        for entry in self.entries:
            # the examples column counts only where there are examples (digests of glossaries without stay put)
            columns = COLUMNS if entry.examples else COLUMNS[:-1]
            digest.update("\t".join(entry.row()[c] for c in columns).encode("utf-8") + b"\n")
        return digest.hexdigest()

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Glossary:
        return cls(tuple(entries))


def _base(code: str) -> str:
    return code.replace("_", "-").split("-")[0].lower()
