"""Plain two-column CSV: the glossary form DeepL and Google Cloud Translation accept.

Export writes ``source_term,target_term`` rows, no header, UTF-8, for one
language pair. Only the term pairs travel: context rules, wrong renderings and
notes have no place in that format (use TBX or the glossary's own TSV to keep
them). Import reads two columns, or DeepL's four (``source,target,src_lang,tgt_lang``).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from pipeline.errors import GlossaryError
from pipeline.glossary.model import Entry, Glossary


def csv_text(glossary: Glossary, source_lang: str | None = None, target_lang: str | None = None) -> str:
    pairs = sorted({(e.source_lang, e.target_lang) for e in glossary})
    if source_lang or target_lang:
        pairs = [p for p in pairs if (not source_lang or p[0] == source_lang) and (not target_lang or p[1] == target_lang)]
    if len(pairs) > 1:
        names = ", ".join(f"{s}->{t}" for s, t in pairs)
        raise GlossaryError(f"two-column CSV holds one language pair; this glossary has {names} (choose with --from/--to)")
    if not pairs:
        raise GlossaryError("no entries for that language pair")
    src, tgt = pairs[0]
    seen: dict[str, str] = {}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for entry in glossary:
        if (entry.source_lang, entry.target_lang) != (src, tgt):
            continue
        key = entry.source_term.lower()
        if key in seen and seen[key] != entry.target_term:
            raise GlossaryError(
                f"source term {entry.source_term!r} has two target terms ({seen[key]!r}, {entry.target_term!r}); "
                "a two-column glossary cannot tell them apart"
            )
        if key in seen:
            continue
        seen[key] = entry.target_term
        writer.writerow([entry.source_term, entry.target_term])
    return buf.getvalue()


def export_csv(glossary: Glossary, path: Path, source_lang: str | None = None, target_lang: str | None = None) -> Path:
    from pipeline.io import write_text

    write_text(Path(path), csv_text(glossary, source_lang, target_lang))
    return Path(path)


def import_csv(path: Path, *, source_lang: str, target_lang: str) -> Glossary:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise GlossaryError(f"cannot read {path}: {exc}") from exc
    return parse_csv(text, str(path), source_lang=source_lang, target_lang=target_lang)


def parse_csv(text: str, name: str, *, source_lang: str, target_lang: str) -> Glossary:
    from pipeline.glossary.fileformat import GlossaryIssue, _entry, format_issues
    from pipeline.io import lift_csv_field_limit

    entries: list[Entry] = []
    issues: list[GlossaryIssue] = []
    ids: set[str] = set()
    lift_csv_field_limit()
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) not in (2, 4):
            issues.append(GlossaryIssue(name, number, f"{len(row)} columns, expected 2 (source, target) or 4 (source, target, source lang, target lang)"))
            continue
        src_lang, tgt_lang = (row[2].strip(), row[3].strip()) if len(row) == 4 else (source_lang, target_lang)
        entry_id = _unique(_slug(row[1]) or f"entry-{number}", ids)
        cells = {"id": entry_id, "source_term": row[0].strip(), "target_term": row[1].strip(),
                 "source_lang": src_lang, "target_lang": tgt_lang}
        entry, problems = _entry(cells, f"{name}:{number}")
        issues.extend(GlossaryIssue(name, number, p) for p in problems)
        if entry is not None and not problems:
            ids.add(entry_id)
            entries.append(entry)
    if issues:
        raise GlossaryError(format_issues(issues))
    return Glossary(tuple(entries), (name,))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate
