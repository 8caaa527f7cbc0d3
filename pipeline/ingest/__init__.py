"""Ingest: find documents under a folder, decode them and clean their markup.

:func:`discover` walks the input folder; :func:`read_document` turns one file
into a :class:`~pipeline.models.Document` whose ``text`` is the cleaned
paragraphs joined by blank lines. A file that cannot be used is returned with
``status=skipped`` and the reason, never raised, so one bad file does not sink
a batch.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import IngestError, InputError
from pipeline.ingest.decode import decode
from pipeline.ingest.markup import clean_paragraphs, front_matter, html_blocks, markdown_blocks
from pipeline.models import Document, DocStatus, Span

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES

PARAGRAPH_SEPARATOR = "\n\n"

__all__ = ["SUFFIXES", "discover", "ingest_bytes", "read_document", "read_source", "unique_doc_ids"]


def discover(input_dir: Path, exclude: Iterable[Path] = ()) -> list[Path]:
    """Input files under ``input_dir``, recursively, in a stable (sorted) order.

    Hidden files and folders (``.git``, ``.DS_Store``) are left out, and so is
    everything under the folders in ``exclude`` (the run's own output folder,
    whose ``translations/*.txt`` and ``review.html`` must not be read back) and
    under any earlier run's folder (one holding a pipeline ``manifest.json``).
    """
    input_dir = Path(input_dir)
    if not input_dir.exists():
        raise InputError(f"input folder not found: {input_dir}")
    if not input_dir.is_dir():
        raise InputError(f"not a folder: {input_dir} (pass the folder that holds the documents)")
    excluded = [Path(p).resolve() for p in exclude]
    excluded += [m.parent.resolve() for m in input_dir.rglob("manifest.json")
                 if m.parent != input_dir and _is_run_manifest(m)]
    found = []
    for path in input_dir.rglob("*"):
        rel = path.relative_to(input_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if excluded and any(path.resolve().is_relative_to(ex) for ex in excluded):
            continue
        if path.suffix.lower() in SUFFIXES and path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(input_dir).as_posix())


def _is_run_manifest(path: Path) -> bool:
    """Whether ``path`` is the ``manifest.json`` of a pipeline run (its folder holds outputs, not input)."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return isinstance(data, dict) and data.get("tool", {}).get("name") == "pipeline"
    except (OSError, ValueError, AttributeError):
        return False


def unique_doc_ids(rel_paths: Iterable[str]) -> list[str]:
    """Stable ids: the relative path without its suffix, or with it where two files would clash.

    Ids name output files (``translations/<doc_id>.en.txt``), so they differ ignoring letter case
    too; what still clashes (``a.txt`` beside ``a.txt.md``) gets ``~2``, ``~3``… in path order.
    """
    rel_paths = list(rel_paths)
    stems = [rel.rsplit(".", 1)[0] if "." in rel.rsplit("/", 1)[-1] else rel for rel in rel_paths]
    counts: dict[str, int] = {}
    for stem in stems:
        counts[stem.casefold()] = counts.get(stem.casefold(), 0) + 1
    ids = [rel if counts[stem.casefold()] > 1 else stem for stem, rel in zip(stems, rel_paths)]
    taken = {doc_id.casefold() for doc_id in ids}
    seen: set[str] = set()
    unique = []
    for doc_id in ids:
        if doc_id.casefold() in seen:
            n = 2
            while f"{doc_id}~{n}".casefold() in taken:
                n += 1
            doc_id = f"{doc_id}~{n}"
            taken.add(doc_id.casefold())
        seen.add(doc_id.casefold())
        unique.append(doc_id)
    return unique


_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def ingest_bytes(data: bytes, *, doc_id: str, rel_path: str, html: bool = False) -> Document:
    """Decode and clean one document's bytes."""
    sha = hashlib.sha256(data).hexdigest()
    base = Document(doc_id=doc_id, path=rel_path, sha256=sha)
    if not data:
        return _skipped(base, "empty file")
    try:
        text, encoding = decode(data)
    except IngestError as exc:
        return _skipped(base, str(exc))
    text = unicodedata.normalize("NFC", _NEWLINES.sub("\n", text))
    base = Document(doc_id=doc_id, path=rel_path, sha256=sha, encoding=encoding)
    if not text.strip():
        return _skipped(base, "only whitespace")
    if html or re.match(r"\s*(?:<!doctype html|<html)", text, re.IGNORECASE):
        meta, blocks = html_blocks(text)
        cleaned = clean_paragraphs(blocks, meta)
    else:
        meta, body = front_matter(text)
        cleaned = clean_paragraphs(markdown_blocks(body), meta)
    if not cleaned.paragraphs:
        return _skipped(base, "no text after removing markup")
    spans, cursor = [], 0
    for para in cleaned.paragraphs:
        spans.append(Span(cursor, cursor + len(para)))
        cursor += len(para) + len(PARAGRAPH_SEPARATOR)
    return Document(
        doc_id=doc_id,
        path=rel_path,
        sha256=sha,
        encoding=encoding,
        text=PARAGRAPH_SEPARATOR.join(cleaned.paragraphs),
        paragraphs=tuple(spans),
        title=cleaned.title,
        date=cleaned.date,
        source_url=cleaned.source_url,
    )


def read_document(path: Path, *, doc_id: str, rel_path: str) -> Document:
    """Read one file; unreadable files come back skipped with the reason."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return _skipped(Document(doc_id=doc_id, path=rel_path, sha256=""), f"unreadable: {exc.strerror or exc}")
    return ingest_bytes(data, doc_id=doc_id, rel_path=rel_path, html=Path(path).suffix.lower() in HTML_SUFFIXES)


def _skipped(doc: Document, reason: str) -> Document:
    from dataclasses import replace

    return replace(doc, status=DocStatus.SKIPPED, reason=reason)


def read_source(source) -> Document:
    """The document of a discovered :class:`pipeline.stages.SourceFile` (skipped with the reason when unusable)."""
    if source.problem:
        return _skipped(Document(doc_id=source.doc_id, path=source.rel_path, sha256=source.sha256), source.problem)
    return read_document(source.path, doc_id=source.doc_id, rel_path=source.rel_path)
