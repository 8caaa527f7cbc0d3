"""Glossary files: tab-separated, one entry per line, read with every problem reported as ``file:line``.

A glossary is a ``.tsv`` file or a folder of them (read in name order). Lines
starting with ``#`` and blank lines are ignored; the first other line is the
header naming the columns (see :data:`~pipeline.glossary.model.COLUMNS`; the
first five are required, the others may be left out). Cells are plain text:
no quoting, no tabs inside a cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import GlossaryError
from pipeline.glossary.model import (
    COLUMNS, INFLECT_MODES, LIST_SEPARATOR, MATCH_MODES, REQUIRED_COLUMNS, Entry, Glossary,
)
from pipeline.glossary.examples import Example, ExampleError, parse_examples
from pipeline.glossary.rules import RuleSyntaxError, parse_rules

SUFFIX = ".tsv"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_MAX_SHOWN = 20


@dataclass(frozen=True, slots=True)
class GlossaryIssue:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def glossary_files(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix == SUFFIX and p.is_file())
    return [path]


def read_glossary(path: Path) -> tuple[Glossary, list[GlossaryIssue]]:
    """Every entry that reads cleanly, and every problem found, each with its ``file:line``."""
    path = Path(path)
    if not path.exists():
        return Glossary(), [GlossaryIssue(str(path), 0, "no such file or folder")]
    files = glossary_files(path)
    if not files:
        return Glossary(), [GlossaryIssue(str(path), 0, f"no {SUFFIX} glossary files in this folder")]
    entries: list[Entry] = []
    issues: list[GlossaryIssue] = []
    seen: dict[str, str] = {}
    for file in files:
        file_entries, file_issues, ids = _read_file(file)
        issues.extend(file_issues)
        duplicates = set()
        for entry_id, line in ids:
            origin = f"{file}:{line}"
            if entry_id in seen:
                issues.append(GlossaryIssue(str(file), line, f"duplicate id {entry_id!r} (first defined at {seen[entry_id]})"))
                duplicates.add(origin)
            else:
                seen[entry_id] = origin
        entries.extend(e for e in file_entries if e.origin not in duplicates)
    issues.extend(_lemma_issues(entries))
    issues.extend(_example_issues(Glossary(tuple(entries))))
    issues.sort(key=lambda i: (i.path, i.line))
    return Glossary(tuple(entries), tuple(str(f) for f in files)), issues


def validate_glossary(path: Path) -> list[GlossaryIssue]:
    return read_glossary(path)[1]


def load_glossary(path: Path) -> Glossary:
    """The glossary at ``path``; raise :class:`GlossaryError` listing every problem when there is any."""
    glossary, issues = read_glossary(path)
    if issues:
        raise GlossaryError(format_issues(issues))
    return glossary


def format_issues(issues: list[GlossaryIssue]) -> str:
    shown = "; ".join(str(i) for i in issues[:_MAX_SHOWN])
    more = f"; … and {len(issues) - _MAX_SHOWN} more" if len(issues) > _MAX_SHOWN else ""
    noun = "problem" if len(issues) == 1 else "problems"
    return f"broken glossary ({len(issues)} {noun}): {shown}{more}"


def _read_file(file: Path) -> tuple[list[Entry], list[GlossaryIssue], list[tuple[str, int]]]:
    """The file's clean entries, its problems, and the id of every row (for duplicate checks).

    Only a regular file is opened: a FIFO given as the glossary would block the command until someone wrote to it.
    """
    from pipeline.ingest.files import NotRegularFileError, read_file_bytes

    name = str(file)
    try:
        text = read_file_bytes(file).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [GlossaryIssue(name, 0, f"not UTF-8 text ({exc.reason} at byte {exc.start})")], []
    except NotRegularFileError as exc:
        return [], [GlossaryIssue(name, 0, str(exc))], []
    except OSError as exc:
        return [], [GlossaryIssue(name, 0, f"cannot read: {exc.strerror or exc}")], []
    entries: list[Entry] = []
    issues: list[GlossaryIssue] = []
    ids: list[tuple[str, int]] = []
    header: list[str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = raw.split("\t")
        if header is None:
            header = [c.strip() for c in cells]
            problems = _header_problems(header)
            if problems:
                issues.extend(GlossaryIssue(name, number, p) for p in problems)
                return [], issues, []
            continue
        if len(cells) != len(header):
            issues.append(GlossaryIssue(
                name, number, f"{len(cells)} cells, the header has {len(header)} columns (cells are separated by tabs)"
            ))
            continue
        row = {col: cell.strip() for col, cell in zip(header, cells)}
        if _ID_RE.match(row.get("id", "")):
            ids.append((row["id"], number))
        entry, problems = _entry(row, f"{name}:{number}")
        issues.extend(GlossaryIssue(name, number, p) for p in problems)
        if entry is not None and not problems:
            entries.append(entry)
    if header is None:
        issues.append(GlossaryIssue(name, 1, "no header line (expected the column names: " + ", ".join(COLUMNS) + ")"))
    return entries, issues, ids


def _control_problems(row: dict[str, str]) -> list[str]:
    """Cells holding a character XML cannot hold (a control character pasted from a terminal): no TBX export,
    TMX or review page could carry the entry, so it is a problem of the line rather than an error later."""
    from pipeline.io import XML_INVALID

    problems = []
    for col, cell in row.items():
        found = XML_INVALID.search(cell)
        if found:
            problems.append(f"{col} holds a control character (U+{ord(found[0]):04X}); remove it")
    return problems


def _header_problems(header: list[str]) -> list[str]:
    problems = []
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        problems.append(f"unknown column(s) {', '.join(map(repr, unknown))} (columns: {', '.join(COLUMNS)})")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        problems.append(f"missing required column(s) {', '.join(map(repr, missing))}")
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        problems.append(f"column(s) {', '.join(map(repr, dupes))} appear more than once")
    return problems


def _entry(row: dict[str, str], origin: str) -> tuple[Entry | None, list[str]]:
    problems = []
    entry_id = row.get("id", "")
    if not _ID_RE.match(entry_id):
        problems.append(f"id {entry_id!r} must be letters, digits, '.', '_' or '-' (and not empty)")
    for col in ("source_term", "target_term"):
        if not row.get(col):
            problems.append(f"{col} is empty")
    for col in ("source_lang", "target_lang"):
        code = row.get(col, "")
        if not is_known_language(code):
            problems.append(f"{col}: unknown language code {code!r} (use an ISO 639 code such as 'ru' or 'en')")
    if row.get("source_lang") and row.get("source_lang") == row.get("target_lang"):
        problems.append("source_lang and target_lang are the same")
    match = row.get("match", "") or "lemma"
    if match not in MATCH_MODES:
        problems.append(f"match: {match!r} is not one of {', '.join(MATCH_MODES)}")
    inflect = row.get("inflect", "")
    if inflect and inflect not in INFLECT_MODES:
        problems.append(f"inflect: {inflect!r} is not one of {', '.join(INFLECT_MODES)} (or empty)")
    if inflect in ("full", "case") and not row.get("mt_form"):
        problems.append(f"inflect: {inflect!r} needs an mt_form to inflect")
    if inflect in ("full", "case") and match != "lemma":
        problems.append(f"inflect: {inflect!r} needs match 'lemma' (the case and number come from the matched word)")
    rules = row.get("rules", "")
    try:
        parse_rules(rules)
    except RuleSyntaxError as exc:
        problems.append(f"malformed rule: {exc}")
    renderings = split_list(row.get("wrong_renderings", ""))
    if any(not r for r in renderings):
        problems.append(f"wrong_renderings: empty item (items are separated by {LIST_SEPARATOR!r})")
    target = row.get("target_term", "")
    if target and any(r.lower() == target.lower() for r in renderings):
        problems.append("wrong_renderings lists the target term itself")
    examples: tuple[Example, ...] = ()
    try:
        examples = parse_examples(row.get("examples", ""))
    except ExampleError as exc:
        problems.append(f"examples: {exc}")
    problems += _control_problems(row)
    if problems:
        return None, problems
    return (
        Entry(
            id=entry_id,
            source_term=row["source_term"],
            source_lang=row["source_lang"],
            target_term=target,
            target_lang=row["target_lang"],
            match=match,
            rules=rules,
            wrong_renderings=tuple(renderings),
            mt_form=row.get("mt_form", ""),
            inflect=inflect,
            note=row.get("note", ""),
            domain=row.get("domain", ""),
            examples=examples,
            origin=origin,
        ),
        [],
    )


def split_list(cell: str) -> list[str]:
    if not cell.strip():
        return []
    return [item.strip() for item in cell.split(LIST_SEPARATOR)]


def is_known_language(code: str) -> bool:
    """An ISO 639 code known to translate-toolkit, optionally with a region (``pt-BR``, ``zh_CN``)."""
    from translate.lang.data import languages

    if not code or code != code.strip():
        return False
    norm = code.replace("-", "_")
    base = norm.split("_")[0]
    return norm in languages or (base in languages and base.islower() and re.fullmatch(r"[a-z]{2,3}(_[A-Za-z0-9]{2,8})?", norm) is not None)


def _lemma_issues(entries: Iterable[Entry]) -> list[GlossaryIssue]:
    """Rule words that are inflected forms of a known word rather than its lemma (they would never match)."""
    from pipeline.glossary.morph import Morphology, is_latin, normalize

    issues = []
    morph: Morphology | None = None
    for entry in entries:
        if entry.source_lang.split("-")[0].split("_")[0] != "ru" or not entry.rules:
            continue
        morph = morph or Morphology("ru")
        for word in sorted(entry.ruleset.lemmas):
            if is_latin(word) or word.endswith("*") or not any(c.isalpha() for c in word):
                continue
            raw = morph.analyzer.parse(word)
            if not any(p.is_known for p in raw):
                continue
            lemmas = {normalize(p.normal_form) for p in raw if p.is_known}
            if word not in lemmas and not any(normalize(p.word) == word and "Abbr" in p.tag for p in raw):
                path, line = entry.origin.rsplit(":", 1)
                suggestion = sorted(lemmas)[0]
                issues.append(GlossaryIssue(
                    path, int(line), f"malformed rule: {word!r} is not a lemma (write its dictionary form, e.g. {suggestion!r})"
                ))
    return issues


def _example_issues(glossary: Glossary) -> list[GlossaryIssue]:
    """Examples in which the entry does not occur exactly once (matched as in a run, every entry of the
    language competing for the words), so that each example says one thing about one occurrence."""
    from pipeline.glossary.match import Matcher

    issues = []
    langs = sorted({e.source_lang for e in glossary if e.examples})
    for lang in langs:
        matcher = Matcher(glossary, lang)
        for entry in matcher.glossary:
            for number, example in enumerate(entry.examples, 1):
                found = [m for m in matcher.candidates(example.text) if m == entry.id]
                if len(found) != 1:
                    path, line = entry.origin.rsplit(":", 1) if ":" in entry.origin else (entry.origin, "0")
                    what = "does not occur" if not found else f"occurs {len(found)} times"
                    issues.append(GlossaryIssue(path, int(line), (
                        f"examples: in example {number} ({example.label}: {example.text[:50]!r}) the term {what}; "
                        "an example holds it exactly once"
                    )))
    return issues


def write_glossary(glossary: Glossary, path: Path) -> Path:
    """Write ``glossary`` as one tab-separated file (atomically)."""
    from pipeline.io import atomic_open

    bad = [
        f"{e.id}: {col}" for e in glossary for col, value in e.row().items()
        if "\t" in value or "\n" in value or "\r" in value
    ]
    if bad:
        raise GlossaryError(f"cannot write {path}: tabs or line breaks inside cells ({', '.join(bad[:5])})")
    with atomic_open(Path(path), encoding="utf-8") as handle:
        handle.write("\t".join(COLUMNS) + "\n")
        for entry in glossary:
            row = entry.row()
            handle.write("\t".join(row[c] for c in COLUMNS) + "\n")
    return Path(path)
