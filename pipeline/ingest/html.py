"""HTML pages to paragraphs: trafilatura's main-text extraction, or the tag cleaner as fallback.

News pages carry menus, "related articles", cookie notices and footers around
the article. trafilatura (https://trafilatura.readthedocs.io) finds the main
text, and its metadata extraction gives the title, the canonical URL and, through
htmldate, the publication date. Where it finds no main text (a page that is
all list, a fragment), :func:`~pipeline.ingest.markup.html_blocks` keeps every
visible block instead. ``bench/html.py`` compares the two on trafilatura's own
annotated pages (``bench/RESULTS.md``, "HTML extraction").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pipeline.ingest.markup import MAX_ATTRIBUTES, HtmlMeta, RawBlock, html_blocks, most_attributes

EXTRACTORS = ("trafilatura", "cleaner")
"""``trafilatura``: main text (the cleaner when it finds none); ``cleaner``: every visible block."""


def default_extractor() -> str:
    """``trafilatura`` when it is installed (the ``html`` extra), else the tag cleaner."""
    from pipeline.extras import installed

    return "trafilatura" if installed("trafilatura") else "cleaner"


DEFAULT_EXTRACTOR = default_extractor()

_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_CELL_BORDER = re.compile(r"(?<!\\)\|")
_RULE_CELL = re.compile(r"^:?-{3,}:?$")
_LANG_CODE = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")
_LANG_SELECTORS = (
    '/html/@*[name()="lang" or name()="xml:lang"]',
    '//meta[translate(@http-equiv, "CONTENT-LANGUAGE", "content-language")="content-language"]/@content',
    '//meta[@property="og:locale"]/@content',
    '//meta[translate(@name, "DCLANGUAGE", "dclanguage")="dc.language" or @name="language"]/@content',
)

__all__ = ["DEFAULT_EXTRACTOR", "EXTRACTORS", "HtmlPage", "extract_html", "language_hint"]


@dataclass(frozen=True, slots=True)
class HtmlPage:
    meta: HtmlMeta
    blocks: list[RawBlock]
    lang_hint: str = ""
    """The page's declared language (``<html lang>``, ``Content-Language``, ``og:locale``), ISO 639 code."""
    extractor: str = "cleaner"
    """Which extractor produced ``blocks``."""


def extract_html(html: str, extractor: str = DEFAULT_EXTRACTOR) -> HtmlPage:
    """Paragraph blocks, metadata and language hint of an HTML page.

    A page with a tag of over :data:`~pipeline.ingest.markup.MAX_ATTRIBUTES` attributes is read by the tag
    cleaner whatever ``extractor`` says: trafilatura's parser would take minutes over it.
    """
    if extractor not in EXTRACTORS:
        raise ValueError(f"unknown HTML extractor {extractor!r}; use one of {', '.join(EXTRACTORS)}")
    tree = _parse(html) if most_attributes(html) <= MAX_ATTRIBUTES else None
    hint = language_hint(tree) if tree is not None else ""
    if extractor == "trafilatura" and tree is not None:
        page = _trafilatura(tree)
        if page is not None:
            meta, blocks = page
            return HtmlPage(meta, blocks, hint, "trafilatura")
    meta, blocks = html_blocks(html)
    return HtmlPage(meta, blocks, hint, "cleaner")


def _parse(html: str):
    try:
        from trafilatura.utils import load_html
    except ImportError:  # the core install: lxml's own parser
        from lxml.html import document_fromstring as load_html
    else:
        _quiet_trafilatura()  # it logs an ERROR for a page it cannot parse (a fragment), which the cleaner reads
    try:
        return load_html(html)
    except Exception:  # lxml refuses some inputs outright; the cleaner's parser is more forgiving
        return None


def _trafilatura(tree) -> tuple[HtmlMeta, list[RawBlock]] | None:
    """trafilatura's main text and metadata of a tree :func:`_parse` made (which quietened its logging)."""
    from trafilatura import bare_extraction

    try:
        doc = bare_extraction(
            tree, with_metadata=True, include_comments=False, include_tables=True, include_formatting=False,
        )
    except Exception:  # third-party extraction on odd markup: the cleaner takes over
        return None
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    blocks = _text_blocks(text)
    if not blocks:
        return None
    meta = HtmlMeta(title=_clean(doc.title), date=_clean(doc.date), source_url=_clean(doc.url))
    if meta.title:
        if _squash(blocks[0].text) == _squash(meta.title):
            blocks[0] = RawBlock(blocks[0].text, "heading", 1)
        else:  # the headline is content to translate, as the first heading of a text file is
            blocks.insert(0, RawBlock(meta.title, "heading", 1))
    return meta, blocks


def _text_blocks(text: str) -> list[RawBlock]:
    """trafilatura's text, one block per line; a table row (``| a | b |``) gives one block per cell."""
    blocks = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if _TABLE_ROW.match(line):
            for cell in _CELL_BORDER.split(line.strip())[1:-1]:
                cell = cell.replace("\\|", "|").strip()
                if cell and not _RULE_CELL.match(cell):
                    blocks.append(RawBlock(cell))
        else:
            blocks.append(RawBlock(line))
    return blocks


def _clean(value) -> str:
    return str(value).strip() if value else ""


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def language_hint(tree) -> str:
    """The language a page declares for itself, as a lowercase ISO 639 code (``en`` for ``en-US``), or ``""``."""
    for selector in _LANG_SELECTORS:
        try:
            values = tree.xpath(selector)
        except Exception:  # an odd tree: no hint
            return ""
        for value in values:
            match = _LANG_CODE.match(str(value).split(",")[0])
            if match:
                return match[1].lower()
    return ""


def _quiet_trafilatura() -> None:
    """trafilatura logs every page without main text; here that only means the cleaner takes over."""
    for name in ("trafilatura", "htmldate"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
