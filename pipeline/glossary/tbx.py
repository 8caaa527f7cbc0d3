"""TBX (ISO 30042, TermBase eXchange) import and export.

Export writes TBX-Basic (``martif``, the form of ISO 30042:2008 that MultiTerm,
memoQ, Trados and translate-toolkit read): one ``termEntry`` per entry, the
source term in one ``langSet``, the target term (``preferredTerm-admn-sts``)
and each wrong rendering (``deprecatedTerm-admn-sts``) in the other. The fields
TBX has no slot for travel as ``termNote`` elements of type ``x-matchMode``,
``x-contextRules``, ``x-mtForm`` and ``x-inflect``, the domain as
``descrip type="subjectField"``, the note as ``note``, and each labelled
example sentence as a ``descripGrp`` holding a ``descrip type="context"`` (the
sentence) and an ``admin type="x-exampleLabel"`` (``apply`` or ``skip``); so
export then import gives back the same glossary.

Import also reads TBX v3 (``tbx``/``conceptEntry``/``langSec``/``termSec``)
and files from other tools: there the first ``langSet`` is the source unless
``source_lang`` says otherwise, deprecated target terms become wrong renderings, and a source-language context
sentence without a label is an ``apply`` example (a sentence using the term).
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import GlossaryError
from pipeline.glossary.examples import APPLY, Example, format_examples
from pipeline.glossary.model import Entry, Glossary, LIST_SEPARATOR

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PREFERRED = "preferredTerm-admn-sts"
DEPRECATED = "deprecatedTerm-admn-sts"
EXAMPLE_LABEL = "x-exampleLabel"
_EXTRA = {"x-matchMode": "match", "x-contextRules": "rules", "x-mtForm": "mt_form", "x-inflect": "inflect"}


def tbx_bytes(glossary: Glossary, *, title: str = "pipeline glossary") -> bytes:
    from lxml import etree

    langs = sorted({e.source_lang for e in glossary}) or ["en"]
    root = etree.Element("martif", {"type": "TBX-Basic", XML_LANG: langs[0]})
    header = etree.SubElement(root, "martifHeader")
    file_desc = etree.SubElement(header, "fileDesc")
    etree.SubElement(etree.SubElement(file_desc, "titleStmt"), "title").text = title
    etree.SubElement(etree.SubElement(file_desc, "sourceDesc"), "p").text = "Exported by pipeline glossary export"
    etree.SubElement(etree.SubElement(header, "encodingDesc"), "p", type="XCSURI").text = "TBXBasicXCSV02.xcs"
    body = etree.SubElement(etree.SubElement(root, "text"), "body")
    for entry in glossary:
        term_entry = etree.SubElement(body, "termEntry", id=entry.id)
        if entry.domain:
            etree.SubElement(term_entry, "descrip", type="subjectField").text = entry.domain
        if entry.note:
            etree.SubElement(term_entry, "note").text = entry.note
        src = etree.SubElement(etree.SubElement(term_entry, "langSet", {XML_LANG: entry.source_lang}), "tig")
        etree.SubElement(src, "term").text = entry.source_term
        for note_type, field in _EXTRA.items():
            value = getattr(entry, field)
            if value:
                etree.SubElement(src, "termNote", type=note_type).text = value
        for example in entry.examples:
            group = etree.SubElement(src, "descripGrp")
            etree.SubElement(group, "descrip", type="context").text = example.text
            etree.SubElement(group, "admin", type=EXAMPLE_LABEL).text = example.label
        tgt_set = etree.SubElement(term_entry, "langSet", {XML_LANG: entry.target_lang})
        for text, status in [(entry.target_term, PREFERRED), *((w, DEPRECATED) for w in entry.wrong_renderings)]:
            tig = etree.SubElement(tgt_set, "tig")
            etree.SubElement(tig, "term").text = text
            etree.SubElement(tig, "termNote", type="administrativeStatus").text = status
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def export_tbx(glossary: Glossary, path: Path) -> Path:
    from pipeline.io import write_bytes

    write_bytes(Path(path), tbx_bytes(glossary))
    return Path(path)


def import_tbx(path: Path, *, source_lang: str | None = None) -> Glossary:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GlossaryError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return parse_tbx(data, str(path), source_lang=source_lang)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(node, *names: str):
    return [c for c in node if _local(c.tag) in names]


def _text(node) -> str:
    return re.sub(r"\s+", " ", "".join(node.itertext())).strip()


def parse_tbx(data: bytes, name: str = "<tbx>", *, source_lang: str | None = None) -> Glossary:
    """A glossary from TBX bytes; every problem is reported with ``name:line``."""
    from lxml import etree

    from pipeline.glossary.fileformat import GlossaryIssue, _entry, format_issues

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        raise GlossaryError(f"{name}:{line}: not well-formed XML ({exc.msg})") from None
    if _local(root.tag) not in ("martif", "tbx"):
        raise GlossaryError(f"{name}:{root.sourceline}: not TBX (root element <{_local(root.tag)}>, expected <martif> or <tbx>)")
    entries: list[Entry] = []
    issues: list[GlossaryIssue] = []
    seen: set[str] = set()
    concept_nodes = [n for n in root.iter() if _local(n.tag) in ("termEntry", "conceptEntry")]
    if not concept_nodes:
        raise GlossaryError(f"{name}:{root.sourceline}: no termEntry or conceptEntry elements")
    for number, node in enumerate(concept_nodes, 1):
        line = node.sourceline or 0
        row = _row(node, number, source_lang)
        if isinstance(row, str):
            issues.append(GlossaryIssue(name, line, row))
            continue
        entry, problems = _entry(row, f"{name}:{line}")
        if entry is not None and entry.id in seen:
            problems = [*problems, f"duplicate id {entry.id!r}"]
        issues.extend(GlossaryIssue(name, line, p) for p in problems)
        if entry is not None and not problems:
            seen.add(entry.id)
            entries.append(entry)
    if issues:
        raise GlossaryError(format_issues(issues))
    return Glossary(tuple(entries), (name,))


def _row(node, number: int, source_lang: str | None) -> dict[str, str] | str:
    row = {"id": node.get("id") or f"entry-{number}", "domain": "", "note": ""}
    notes = []
    for child in node:
        kind = _local(child.tag)
        if kind == "descrip" and child.get("type") == "subjectField":
            row["domain"] = _text(child)
        elif kind == "note" or (kind == "descrip" and child.get("type") == "definition"):
            notes.append(_text(child))
    row["note"] = " ".join(n for n in notes if n)
    lang_sets = _children(node, "langSet", "langSec")
    if len(lang_sets) < 2:
        return f"entry {row['id']!r} has {len(lang_sets)} language section(s), a glossary entry needs two"
    langs = [ls.get(XML_LANG) or "" for ls in lang_sets]
    src_index = langs.index(source_lang) if source_lang in langs else 0
    tgt_index = 1 if src_index == 0 else 0
    src_terms = _terms(lang_sets[src_index])
    tgt_terms = _terms(lang_sets[tgt_index])
    if not src_terms or not tgt_terms:
        return f"entry {row['id']!r} has no term in one of its languages"
    src_text, src_notes = src_terms[0]
    row.update(source_term=src_text, source_lang=langs[src_index], target_lang=langs[tgt_index])
    for note_type, field in _EXTRA.items():
        row[field] = src_notes.get(note_type, "")
    preferred = [t for t, n in tgt_terms if n.get("administrativeStatus", "").startswith("deprecated") is False]
    wrong = [t for t, n in tgt_terms if n.get("administrativeStatus", "").startswith("deprecated")]
    if not preferred:
        return f"entry {row['id']!r} has only deprecated terms in {langs[tgt_index]!r}"
    row["target_term"] = preferred[0]
    row["wrong_renderings"] = f" {LIST_SEPARATOR} ".join(wrong)
    examples = _examples(lang_sets[src_index])
    if any("|" in e.text for e in examples):
        return f"entry {row['id']!r} has a context sentence with '|', which separates examples in a glossary file"
    row["examples"] = format_examples(examples)
    return row


def _examples(lang_set) -> list[Example]:
    """The context sentences of a language section (TBX-Basic ``descripGrp`` or a bare ``descrip``)."""
    out = []
    for node in lang_set.iter():
        if _local(node.tag) != "descrip" or node.get("type") != "context":
            continue
        label = APPLY
        parent = node.getparent()
        if parent is not None and _local(parent.tag) == "descripGrp":
            for sibling in parent:
                if _local(sibling.tag) == "admin" and sibling.get("type") == EXAMPLE_LABEL:
                    label = _text(sibling).lower()
        text = _text(node)
        if text:
            out.append(Example(label, text))
    return out


def _terms(lang_set) -> list[tuple[str, dict[str, str]]]:
    out = []
    for holder in _children(lang_set, "tig", "ntig", "termSec"):
        term_nodes = [n for n in holder.iter() if _local(n.tag) == "term"]
        if not term_nodes:
            continue
        notes = {n.get("type", ""): _text(n) for n in holder.iter() if _local(n.tag) == "termNote"}
        out.append((_text(term_nodes[0]), notes))
    return out
