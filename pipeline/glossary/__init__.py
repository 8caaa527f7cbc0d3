"""Terminology glossaries: a reusable file format, context-aware matching, pre-edit and target checks.

Usable on its own, without the rest of the pipeline::

    from pipeline.glossary import load_glossary, check_text, apply_text, verify

    glossary = load_glossary("glossary")              # a .tsv file or a folder of them
    for m in check_text(glossary, "Инвесторы вкладывают в цепочки.", lang="ru"):
        print(m.entry.id, m.matched, m.action, m.replacement, m.reason, m.confidence, m.needs_review)
    mt_source, matches = apply_text(glossary, "Инвесторы вкладывают в цепочки.", lang="ru")
    fixed, checks = verify("Investors invest in chains.", matches)

Heavy parts (pymorphy3's dictionaries; the Russian syntax, morphology and name models and the word
vectors of :mod:`pipeline.glossary.syntax`) load on first use, the models only when a sentence needs them.
"""

from __future__ import annotations

from pipeline.glossary.fileformat import (
    GlossaryIssue, format_issues, load_glossary, read_glossary, validate_glossary, write_glossary,
)
from pipeline.glossary.examples import Example
from pipeline.glossary.match import APPLY, REVIEW_THRESHOLD, SKIP, Match, Matcher, pre_edit
from pipeline.glossary.model import COLUMNS, Entry, Glossary
from pipeline.glossary.rules import RuleSyntaxError, parse_rules
from pipeline.glossary.target import OK, POST_EDITED, UNVERIFIED, TargetCheck, verify


def check_text(glossary: Glossary, text: str, lang: str = "ru", *, matcher: Matcher | None = None) -> list[Match]:
    """Every term of ``glossary`` found in ``text`` (one segment), with its decision and reason."""
    return (matcher or Matcher(glossary, lang)).find(text)


def apply_text(glossary: Glossary, text: str, lang: str = "ru", *, matcher: Matcher | None = None) -> tuple[str, list[Match]]:
    """``text`` pre-edited for MT, and the matches behind it."""
    matches = check_text(glossary, text, lang, matcher=matcher)
    return pre_edit(text, matches), matches


def __getattr__(name: str):  # the converters import lxml/csv only when asked for
    if name in ("export_tbx", "import_tbx", "tbx_bytes", "parse_tbx"):
        from pipeline.glossary import tbx

        return getattr(tbx, name)
    if name in ("export_csv", "import_csv"):
        from pipeline.glossary import csvfmt

        return getattr(csvfmt, name)
    raise AttributeError(name)


__all__ = [
    "APPLY", "COLUMNS", "OK", "POST_EDITED", "REVIEW_THRESHOLD", "SKIP", "UNVERIFIED",
    "Entry", "Example", "Glossary", "GlossaryIssue", "Match", "Matcher", "RuleSyntaxError", "TargetCheck",
    "apply_text", "check_text", "export_csv", "export_tbx", "format_issues", "import_csv", "import_tbx",
    "load_glossary", "parse_rules", "parse_tbx", "pre_edit", "read_glossary", "tbx_bytes",
    "validate_glossary", "verify", "write_glossary",
]
