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

from pipeline.ingest.markup import HtmlMeta, RawBlock, html_blocks

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

MAX_ATTRIBUTES = 1000
"""Most attributes of one tag that trafilatura is given. libxml2's HTML parser (``lxml.html``, which trafilatura,
readability, justext and htmldate each parse a page with) checks each attribute against the tag's others, so its
time grows with the square of their number: one ``<p>`` of 100,000 attributes (1 MB) kept a page in them for
minutes. BeautifulSoup's lxml builder, the tag cleaner's, reads it in under a second. A real page has a few dozen
at most."""
_LONG_TAG = re.compile(r"<[A-Za-z][^<>]{2000,}>")
"""A tag long enough to hold :data:`MAX_ATTRIBUTES` attributes (a tag with a long value, a ``data:`` URI, too)."""
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


def _most_attributes(html: str) -> int:
    """About how many attributes the tag with the most has, counted only in tags long enough to matter (a name
    or ``name=value`` per space-separated word once quoted values are set aside); 0 when none is."""
    return max((len(_QUOTED.sub(" ", m.group()[1:-1]).split()) - 1 for m in _LONG_TAG.finditer(html)), default=0)


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

    A page with a tag of over :data:`MAX_ATTRIBUTES` attributes is read by the tag
    cleaner whatever ``extractor`` says: trafilatura's parser would take minutes over it.
    """
    if extractor not in EXTRACTORS:
        raise ValueError(f"unknown HTML extractor {extractor!r}; use one of {', '.join(EXTRACTORS)}")
    tree = _parse(html) if _most_attributes(html) <= MAX_ATTRIBUTES else None
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
