"""XLIFF of a run's documents, for CAT tools: one file per document, one unit per sentence.

XLIFF 2.0 (translate-toolkit's ``xliff2`` storage) is the default; XLIFF 1.2
(its ``xliff`` storage) is there for older tools. Each unit holds the
sentence as ``source`` and its translation as ``target`` (none when the
sentence is untranslated, ``translate="no"`` when it is already in the target
language), the glossary matches of the sentence as notes, and what the run
knows about its quality as metadata: in 2.0 the Metadata module
(``mda:metaGroup category="pipeline"``), in 1.2 a note ``from="pipeline"``.
How the target came about is in the segment state: 2.0 ``state`` with
``subState`` ``pipeline:mt`` or ``pipeline:tm``; 1.2 ``state-qualifier``
``mt-suggestion`` or ``leveraged-tm``.

The units are built from a run folder's ``documents.csv``, ``sentences.csv``,
``glossary_report.csv`` and ``aligned.csv`` (:func:`run_documents`), so an
export needs no model and can be made from a copied run folder.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputError
from pipeline.models import HAS_TRANSLATION, PairKind, TranslationStatus

VERSIONS = ("2.0", "1.2")
XLIFF_DIR = "xliff"
NS_20 = "urn:oasis:names:tc:xliff:document:2.0"
NS_MDA = "urn:oasis:names:tc:xliff:metadata:2.0"
NS_12 = "urn:oasis:names:tc:xliff:document:1.2"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
META_CATEGORY = "pipeline"

_SKELETON_20 = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="{NS_20}" xmlns:mda="{NS_MDA}" version="2.0" '
    'srcLang="{src}" trgLang="{tgt}"><file id="{file_id}" original="{original}"></file></xliff>'
)
_SKELETON_12 = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="{NS_12}" version="1.2"><file original="{{original}}" '
    'source-language="{src}" target-language="{tgt}" datatype="plaintext"><body></body></file></xliff>'
)


@dataclass(frozen=True)
class Unit:
    """One sentence of a document, as an XLIFF unit."""

    id: str
    source: str
    target: str | None
    """The translation; ``None`` when there is none (untranslated)."""
    status: str
    """The sentence's ``translation_status``."""
    translate: bool = True
    """False for a sentence already in the target language (``passthrough``): its target is its source."""
    notes: tuple[str, ...] = ()
    """The glossary's matches in the sentence, one note each."""
    metadata: tuple[tuple[str, str], ...] = ()
    """``(type, value)``: translation status, model, MT confidence, quality, score, flags, pair id."""


@dataclass(frozen=True)
class XliffDocument:
    doc_id: str
    path: str
    """The input file, relative to the run's input folder (the XLIFF ``original``)."""
    src_lang: str
    tgt_lang: str
    units: tuple[Unit, ...]


# -- the run folder -----------------------------------------------------------------------------------------------


def glossary_note(mark: object) -> str:
    """One glossary match as a translator reads it."""
    entry, matched = getattr(mark, "entry", ""), getattr(mark, "matched", "")
    term, check = getattr(mark, "target_term", ""), getattr(mark, "target_check", "")
    if getattr(mark, "action", "") == "apply":
        text = f"glossary {entry}: «{matched}» → {term}" if term else f"glossary {entry}: «{matched}»"
        if check:
            text += f" (target {check})"
    else:
        reason = getattr(mark, "reason", "")
        text = f"glossary {entry}: «{matched}» left alone" + (f" ({reason})" if reason else "")
    note = getattr(mark, "note", "")
    return f"{text}; {note}" if note else text


def run_documents(run_dir: str | Path, target_lang: str | None = None) -> list[XliffDocument]:
    """Every document of a run folder with something to translate, its sentences as units.

    ``target_lang`` defaults to the run's (its manifest's ``target_lang``, else the
    target language of its translation pairs, else ``en``). Documents whose every
    sentence is already in the target language are left out.
    """
    from pipeline.io import read_table
    from pipeline.review.runfiles import (
        ALIGNED_CSV, DOCUMENTS_CSV, GLOSSARY_REPORT_CSV, SENTENCES_CSV, present, read_aligned, read_glossary_marks,
        read_settings,
    )

    run_dir = Path(run_dir)
    sentences_csv = run_dir / SENTENCES_CSV
    if not present(sentences_csv):
        raise InputError(f"{run_dir}: no {SENTENCES_CSV} (give the folder `pipeline run` wrote its outputs to)")
    frame = read_table(sentences_csv)
    needed = {"doc_id", "sent_idx", "text", "translation", "translation_status"}
    if not needed <= set(frame.columns):
        raise InputError(f"{sentences_csv}: missing columns {', '.join(sorted(needed - set(frame.columns)))}")
    pairs = read_aligned(run_dir / ALIGNED_CSV) if present(run_dir / ALIGNED_CSV) else []
    marks = read_glossary_marks(run_dir / GLOSSARY_REPORT_CSV)
    docs = read_table(run_dir / DOCUMENTS_CSV).rows if present(run_dir / DOCUMENTS_CSV) else []

    if target_lang is None:
        settings = read_settings(run_dir)
        target_lang = settings.get("target_lang") if isinstance(settings.get("target_lang"), str) else None
    if target_lang is None:
        target_lang = next((p.tgt_lang for p in pairs if p.kind == PairKind.TRANSLATION.value), "en")

    pair_of: dict[tuple[str, int], object] = {}
    for pair in pairs:
        if pair.kind == PairKind.TRANSLATION.value:
            for idx in pair.src_ids:
                pair_of[(pair.src_doc, idx)] = pair
    notes_of: dict[tuple[str, int], list[str]] = defaultdict(list)
    for mark in marks:
        notes_of[(mark.doc_id, mark.sent_idx)].append(glossary_note(mark))
    info = {row["doc_id"]: row for row in docs}

    by_doc: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in frame.rows:
        by_doc[row["doc_id"]].append(row)
    out = []
    for doc_id, rows in by_doc.items():
        row_info = info.get(doc_id, {})
        if row_info.get("status", "ok") != "ok":
            continue
        units = tuple(_unit(doc_id, row, pair_of, notes_of) for row in sorted(rows, key=lambda r: int(r["sent_idx"])))
        if all(not u.translate for u in units):
            continue
        langs = [row.get("lang", "") for row in rows if row.get("translation_status") != TranslationStatus.PASSTHROUGH.value]
        src_lang = row_info.get("lang") or max(set(langs), key=langs.count, default="und") or "und"
        out.append(XliffDocument(doc_id, row_info.get("path") or doc_id, src_lang, target_lang, units))
    return out


def _unit(doc_id: str, row: dict[str, str], pair_of: dict, notes_of: dict) -> Unit:
    idx = int(row["sent_idx"])
    status = row.get("translation_status", "")
    passthrough = status == TranslationStatus.PASSTHROUGH.value
    translation = row.get("translation", "")
    if passthrough:
        target: str | None = translation or row["text"]
    else:
        target = translation if status in HAS_TRANSLATION and translation.strip() else None
    pair = pair_of.get((doc_id, idx))
    flags = list(dict.fromkeys((row.get("flags") or "").split() + (list(pair.flags) if pair is not None else [])))
    meta = [
        ("translation_status", status),
        ("model_id", row.get("model_id", "")),
        ("mt_confidence", row.get("mt_confidence", "")),
    ]
    if pair is not None:
        meta += [
            ("pair_id", pair.pair_id),
            ("score", f"{pair.score:.4f}"),
            ("quality", "" if pair.quality is None else f"{pair.quality:.4f}"),
        ]
    meta.append(("flags", " ".join(flags)))
    return Unit(
        id=f"s{idx}",
        source=row["text"],
        target=target,
        status=status,
        translate=not passthrough,
        notes=tuple(notes_of.get((doc_id, idx), ())),
        metadata=tuple((k, v) for k, v in meta if v),
    )


# -- writing ------------------------------------------------------------------------------------------------------

_NOT_NMTOKEN = re.compile(r"[^\w.\-:]")


def _nmtoken(text: str) -> str:
    return _NOT_NMTOKEN.sub("_", text) or "f1"


def _attr(text: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(text)[1:-1]


def xliff_bytes(doc: XliffDocument, version: str = "2.0") -> bytes:
    """The document as XLIFF ``version`` (``2.0`` or ``1.2``)."""
    if version == "2.0":
        return _xliff20(doc)
    if version == "1.2":
        return _xliff12(doc)
    raise InputError(f"unknown XLIFF version {version!r} (use {' or '.join(VERSIONS)})")


def _xliff20(doc: XliffDocument) -> bytes:
    from lxml import etree
    from translate.storage import xliff2

    store = xliff2.Xliff2File.parsestring(_SKELETON_20.format(
        src=_attr(doc.src_lang), tgt=_attr(doc.tgt_lang), file_id=_attr(_nmtoken(doc.doc_id)), original=_attr(doc.path),
    ).encode("utf-8"))
    for unit in doc.units:
        tu = store.addsourceunit(unit.source)
        if unit.target is not None:
            tu.target = unit.target
        tu.setid(unit.id)
        segment = tu.xmlelement
        element = tu.getunitelement()
        # XLIFF 2.0 allows xml:space on the unit, not on the segment
        element.set(XML_SPACE, segment.attrib.pop(XML_SPACE, "preserve"))
        if not unit.translate:
            tu.marktranslatable(False)
            segment.set("state", "final")
        elif unit.target is None:
            segment.set("state", "initial")
        else:
            segment.set("state", "translated")
            segment.set("subState", "pipeline:tm" if unit.status == TranslationStatus.MEMORY.value else "pipeline:mt")
        children = []
        if unit.metadata:
            metadata = etree.Element(f"{{{NS_MDA}}}metadata")
            group = etree.SubElement(metadata, f"{{{NS_MDA}}}metaGroup", category=META_CATEGORY)
            for key, value in unit.metadata:
                etree.SubElement(group, f"{{{NS_MDA}}}meta", type=key).text = value
            children.append(metadata)
        if unit.notes:
            notes = etree.Element(f"{{{NS_20}}}notes")
            for text in unit.notes:
                etree.SubElement(notes, f"{{{NS_20}}}note", category="terminology", appliesTo="source").text = text
            children.append(notes)
        for child in reversed(children):  # modules, then notes, then the segment
            element.insert(0, child)
    return bytes(store)


def _xliff12(doc: XliffDocument) -> bytes:
    from lxml import etree
    from translate.storage import xliff

    store = xliff.xlifffile.parsestring(_SKELETON_12.format(
        src=_attr(doc.src_lang), tgt=_attr(doc.tgt_lang), original=_attr(doc.path),
    ).encode("utf-8"))
    for unit in doc.units:
        tu = store.addsourceunit(unit.source, filename=doc.path)
        tu.setid(unit.id)
        if unit.target is not None:
            tu.settarget(unit.target, doc.tgt_lang)
        element = tu.xmlelement
        element.attrib.pop("approved", None)  # nothing here was approved by a person
        target = element.find(store.namespaced("target"))
        if not unit.translate:
            tu.marktranslatable(False)
            target.set("state", "final")
        elif target is not None:
            target.set("state", "translated")
            target.set("state-qualifier", "leveraged-tm" if unit.status == TranslationStatus.MEMORY.value else "mt-suggestion")
        for text in unit.notes:
            tu.addnote(text, origin="glossary")
        if unit.metadata:
            tu.addnote("; ".join(f"{k}={v}" for k, v in unit.metadata), origin="pipeline")
    etree.cleanup_namespaces(store.document.getroot())  # units are made in XLIFF 1.1's namespace, then moved
    return bytes(store)


def xliff_name(doc: XliffDocument) -> str:
    return f"{doc.doc_id}.{doc.src_lang}-{doc.tgt_lang}.xlf"


def write_xliff(out_dir: str | Path, documents: Iterable[XliffDocument], version: str = "2.0") -> list[Path]:
    """One ``<doc_id>.<src>-<tgt>.xlf`` per document in ``out_dir`` (atomically); the paths written."""
    from pipeline.io import write_bytes

    if version not in VERSIONS:
        raise InputError(f"unknown XLIFF version {version!r} (use {' or '.join(VERSIONS)})")
    written = []
    for doc in documents:
        path = Path(out_dir) / xliff_name(doc)
        write_bytes(path, xliff_bytes(doc, version))
        written.append(path)
    return written


def export_run(run_dir: str | Path, out_dir: str | Path | None = None, *, version: str = "2.0",
               target_lang: str | None = None) -> list[Path]:
    """XLIFF of every document of a run folder with something to translate (default ``RUN_DIR/xliff``)."""
    if version not in VERSIONS:
        raise InputError(f"unknown XLIFF version {version!r} (use {' or '.join(VERSIONS)})")
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(f"{run_dir}: not a folder (give the folder `pipeline run` wrote its outputs to)")
    documents = run_documents(run_dir, target_lang)
    return write_xliff(Path(out_dir) if out_dir is not None else run_dir / XLIFF_DIR, documents, version)


__all__ = [
    "VERSIONS", "Unit", "XliffDocument", "export_run", "glossary_note", "run_documents", "write_xliff", "xliff_bytes",
]

