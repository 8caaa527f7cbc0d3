"""Ingest: find documents under a folder, decode them and clean their markup.

:func:`scan_inputs` walks the input folder and returns every candidate, with a
``problem`` for those that cannot be read; :func:`read_input` turns one into a
:class:`~pipeline.models.Document` whose ``text`` is the cleaned paragraphs
joined by blank lines. A file that cannot be used is returned with
``status=skipped`` and the reason, never raised, so one bad file does not sink
a batch. Only regular files are ever opened (:mod:`pipeline.ingest.files`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from pipeline.errors import IngestError
from pipeline.ingest.decode import decode
from pipeline.ingest.discover import HTML_SUFFIXES, SUFFIXES, TEXT_SUFFIXES, InputFile, discover, escape_name, scan_inputs
from pipeline.ingest.files import FileTooLargeError, check_input_file, read_file_bytes
from pipeline.ingest.html import DEFAULT_EXTRACTOR, EXTRACTORS, extract_html
from pipeline.ingest.markup import clean_paragraphs, front_matter, markdown_blocks
from pipeline.models import Document, DocStatus, Flag, Span

PARAGRAPH_SEPARATOR = "\n\n"

__all__ = [
    "DEFAULT_EXTRACTOR", "EXTRACTORS", "HTML_SUFFIXES", "SUFFIXES", "TEXT_SUFFIXES", "InputFile", "check_input_file",
    "discover", "escape_name", "ingest_bytes", "read_document", "read_input", "read_source", "scan_inputs",
    "unique_doc_ids",
]


def unique_doc_ids(rel_paths: Iterable[str]) -> list[str]:
    """Stable ids: the relative path without its suffix, or with it where two files would clash.

    Ids name output files (``translations/<doc_id>.en.txt``), so they differ ignoring letter case and
    Unicode normalisation too (macOS and Windows file systems fold both: «café» precomposed and decomposed
    are one name there); what still clashes (``a.txt`` beside ``a.txt.md``) gets ``~2``, ``~3``… in path order.
    """
    rel_paths = list(rel_paths)
    stems = [rel.rsplit(".", 1)[0] if "." in rel.rsplit("/", 1)[-1] else rel for rel in rel_paths]
    counts: dict[str, int] = {}
    for stem in stems:
        counts[_fold(stem)] = counts.get(_fold(stem), 0) + 1
    ids = [rel if counts[_fold(stem)] > 1 else stem for stem, rel in zip(stems, rel_paths)]
    taken = {_fold(doc_id) for doc_id in ids}
    seen: set[str] = set()
    unique = []
    for doc_id in ids:
        if _fold(doc_id) in seen:
            n = 2
            while _fold(f"{doc_id}~{n}") in taken:
                n += 1
            doc_id = f"{doc_id}~{n}"
            taken.add(_fold(doc_id))
        seen.add(_fold(doc_id))
        unique.append(doc_id)
    return unique


def _fold(name: str) -> str:
    """``name`` as a case- and normalisation-insensitive file system sees it (Unicode canonical caseless match)."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
"""Control characters (and the two non-characters) are no text: no XML output (TMX, the review page) can hold them."""
_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        r"\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")
"""Characters that show nothing (zero-width spaces and joiners, direction marks, variation selectors, fillers): a
document of nothing else has no text to read."""


def clean_text(text: str) -> str:
    """Decoded text as every document's text is kept: newlines unified to ``\\n``, control characters as spaces,
    Unicode NFC."""
    return unicodedata.normalize("NFC", _CONTROLS.sub(" ", _NEWLINES.sub("\n", text)))


def ingest_bytes(
    data: bytes, *, doc_id: str, rel_path: str, html: bool = False, html_extractor: str = DEFAULT_EXTRACTOR,
) -> Document:
    """Decode and clean one document's bytes.

    ``html`` (or a text that starts like an HTML page) reads it as HTML with ``html_extractor``
    (:data:`~pipeline.ingest.html.EXTRACTORS`); otherwise as light Markdown.
    """
    sha = hashlib.sha256(data).hexdigest()
    base = Document(doc_id=doc_id, path=rel_path, sha256=sha)
    if not data:
        return _skipped(base, "empty file")
    try:
        decoded = decode(data)
    except IngestError as exc:
        return _skipped(base, str(exc))
    text = clean_text(decoded.text)
    flags = ((Flag.INVALID_BYTES,) if decoded.invalid_bytes else ()) + ((Flag.MIXED_ENCODING,) if decoded.mixed else ())
    base = replace(base, encoding=decoded.encoding, invalid_bytes=decoded.invalid_bytes, flags=flags)
    if not _INVISIBLE.sub("", text).strip():
        return _skipped(base, "only whitespace" if not text.strip() else "only whitespace and invisible characters")
    lang_hint = ""
    if html or re.match(r"\s*(?:<!doctype html|<html)", text, re.IGNORECASE):
        page = extract_html(text, html_extractor)
        cleaned = clean_paragraphs(page.blocks, page.meta)
        lang_hint = page.lang_hint
    else:
        meta, body = front_matter(text)
        cleaned = clean_paragraphs(markdown_blocks(body), meta)
    if not cleaned.paragraphs:
        return _skipped(base, "no text after removing markup")
    spans, cursor = [], 0
    for para in cleaned.paragraphs:
        spans.append(Span(cursor, cursor + len(para)))
        cursor += len(para) + len(PARAGRAPH_SEPARATOR)
    return replace(
        base,
        text=PARAGRAPH_SEPARATOR.join(cleaned.paragraphs),
        paragraphs=tuple(spans),
        title=cleaned.title,
        date=cleaned.date,
        source_url=cleaned.source_url,
        lang_hint=lang_hint,
    )


def read_document(path: Path, *, doc_id: str, rel_path: str, html_extractor: str = DEFAULT_EXTRACTOR,
                  max_bytes: int | None = None) -> Document:
    """Read one file; unreadable files, and anything but a regular file (a FIFO, a device), come back skipped.

    A FIFO or device is never opened. ``rel_path`` is stored as the document's ``path``. With ``max_bytes``, no
    more than one byte past it is read, and a file holding more raises
    :class:`~pipeline.ingest.files.FileTooLargeError`.
    """
    try:
        data = read_file_bytes(path, max_bytes)
    except FileTooLargeError:
        raise
    except IngestError as exc:
        return _skipped(Document(doc_id=doc_id, path=rel_path, sha256=""), str(exc))
    except OSError as exc:
        return _skipped(Document(doc_id=doc_id, path=rel_path, sha256=""), f"unreadable: {exc.strerror or exc}")
    html = Path(path).suffix.lower() in HTML_SUFFIXES
    return ingest_bytes(data, doc_id=doc_id, rel_path=rel_path, html=html, html_extractor=html_extractor)


def read_input(entry: InputFile, *, doc_id: str, html_extractor: str = DEFAULT_EXTRACTOR,
               max_bytes: int | None = None) -> Document:
    """The document of one :func:`scan_inputs` entry: ``skipped`` with its problem, or read (``max_bytes``: as
    :func:`read_document`)."""
    if entry.problem:
        return _skipped(Document(doc_id=doc_id, path=entry.rel_path, sha256=""), entry.problem)
    return read_document(entry.path, doc_id=doc_id, rel_path=entry.rel_path, html_extractor=html_extractor,
                         max_bytes=max_bytes)


def _skipped(doc: Document, reason: str) -> Document:
    return replace(doc, status=DocStatus.SKIPPED, reason=reason)


def read_source(source) -> Document:
    """The document of a listed :class:`pipeline.stages.SourceFile` (the ``ingest`` stage): :func:`read_input`.

    A file whose bytes no longer match the checksum it was listed with (written to, or grown past
    ``--max-file-mb``, while the run went on) is skipped: its shard is keyed on that checksum, so reading the new
    bytes would store them under the old file's key. A file that grew is read no further than one byte past its
    listed size (a log file grown to gigabytes is not read whole to find out).
    """
    listed = source.size if source.sha256 and source.size >= 0 else None
    try:
        doc = read_input(InputFile(source.path, source.rel_path, source.problem), doc_id=source.doc_id,
                         max_bytes=listed)
    except FileTooLargeError:
        return _changed(source)
    if source.sha256 and doc.sha256 and doc.sha256 != source.sha256:
        return _changed(source)
    return doc if doc.sha256 or not source.sha256 else replace(doc, sha256=source.sha256)


def _changed(source) -> Document:
    """The skipped document of a listed file whose bytes changed after the listing, kept under its listed checksum."""
    return _skipped(Document(doc_id=source.doc_id, path=source.rel_path, sha256=source.sha256),
                    "changed while the run was reading the folder (its bytes differ from the listing's); run again")
