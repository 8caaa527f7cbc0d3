"""Markup to clean paragraphs, with title, date and source URL kept aside.

Text files are read as CommonMark (news dumps are light Markdown: headings,
links, tracking-pixel images), HTML through BeautifulSoup. Both produce a list
of raw paragraphs; :func:`clean_paragraphs` then removes page furniture
(navigation lines, list bullets) and lifts metadata out of the text.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from datetime import date

from dateutil import parser as dateparser
from dateutil.parser import UnknownTimezoneWarning
from markdown_it import MarkdownIt
from markdown_it.token import Token


@dataclass(frozen=True, slots=True)
class RawBlock:
    text: str
    kind: str = "paragraph"
    """``heading``, ``paragraph``, ``item`` or ``source-link``."""
    level: int = 0
    href: str = ""


@dataclass(frozen=True, slots=True)
class Cleaned:
    paragraphs: tuple[str, ...]
    title: str = ""
    date: str = ""
    source_url: str = ""
    dropped: tuple[str, ...] = field(default=())


_SOURCE_LABEL = re.compile(
    r"^\s*(?:original\s+(?:source|article)|source|read\s+more|via|"
    r"источник|оригинал(?:\s+статьи)?|первоисточник|quelle|source\s+originale)\s*:?\s*$",
    re.IGNORECASE,
)
_SOURCE_LINE = re.compile(
    r"^\s*(?:original\s+source|source|источник|quelle)\s*:\s*(?P<url>https?://\S+)\s*$", re.IGNORECASE
)
_NAVIGATION = re.compile(
    r"^(?:(?:go|skip|jump|move|back|return)\s+to\s+(?:the\s+)?(?:main\s+)?"
    r"(?:content|navigation|menu|search|top(?:\s+of\s+(?:the\s+)?page)?)\s*[.!]?\s*)+$"
    r"|^(?:перейти|вернуться)\s+(?:к|в)\s+(?:содержанию|навигации|началу(?:\s+страницы)?|меню)\s*$",
    re.IGNORECASE,
)
_BREADCRUMB = re.compile(r"^(?:home|главная)\b(?:\s*[>›»/|]\s*|\s+)[^.!?。]*$", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[□■▪▫◦○●•◆◇►▶▷➢➤✓✔※‣∙·–—ㅇㆍ*+-]\s*)+(?=\S)")
_BULLET_NEEDS_SPACE = re.compile(r"^[ㅇ*+-](?=\S)")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_DATE_CANDIDATE = re.compile(r"^[\w\s,./:-]{6,40}$")
_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")

BREADCRUMB_MAX_WORDS = 8


_EMPHASIS = frozenset({"em_open", "em_close", "strong_open", "strong_close"})


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _inline_text(token: Token) -> tuple[str, str]:
    """Plain text of an inline token, and the href when the whole inline is one link.

    Emphasis marks and code backticks go, except inside a word or number: CommonMark reads
    ``2*3 million and 4*5`` as emphasis, but in plain text the stars are part of the numbers.
    """
    children = token.children or []
    parts: list[str] = []
    hrefs: list[str] = []
    other_text = False
    depth = 0
    openers: list[tuple[int, bool]] = []

    def before() -> str:
        return next((part[-1] for part in reversed(parts) if part), "")

    def after(i: int) -> str:
        for child in children[i + 1:]:
            if child.type in ("text", "code_inline") and child.content:
                return child.content[0]
            if child.type in ("softbreak", "hardbreak"):
                return " "
            if child.type not in _EMPHASIS:
                return ""
        return ""

    for i, child in enumerate(children):
        if child.type in ("text", "code_inline"):
            content = child.content
            if child.type == "code_inline" and (_is_word_char(before()) or _is_word_char(after(i))):
                content = f"{child.markup}{content}{child.markup}"
            parts.append(content)
            if depth == 0 and child.content.strip():
                other_text = True
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type in ("em_open", "strong_open"):
            openers.append((len(parts), _is_word_char(before())))
            parts.append("")
        elif child.type in ("em_close", "strong_close") and openers:
            at, glued = openers.pop()
            if glued or _is_word_char(after(i)):  # inside a word or number: the marks are text
                parts[at] = child.markup
                parts.append(child.markup)
        elif child.type == "link_open":
            depth += 1
            hrefs.append(str(child.attrs.get("href", "")))
        elif child.type == "link_close":
            depth -= 1
        # images (tracking pixels, decorations) and inline HTML are dropped
    href = hrefs[0] if len(hrefs) == 1 and not other_text else ""
    return "".join(parts), href


def markdown_blocks(text: str) -> list[RawBlock]:
    """Split CommonMark text into blocks of plain text, markup removed."""
    md = MarkdownIt("commonmark")
    tokens = md.parse(text)
    blocks: list[RawBlock] = []
    heading_level = 0
    in_item = 0
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            heading_level = int(tok.tag[1:])
        elif tok.type == "heading_close":
            heading_level = 0
        elif tok.type == "list_item_open":
            in_item += 1
        elif tok.type == "list_item_close":
            in_item -= 1
        elif tok.type == "inline":
            content, href = _inline_text(tok)
            if heading_level:
                blocks.append(RawBlock(content, "heading", heading_level))
            elif href:
                blocks.append(RawBlock(content, "source-link", href=href))
            else:
                blocks.append(RawBlock(content, "item" if in_item else "paragraph"))
        elif tok.type in ("code_block", "fence"):
            # Plain-text files indent paragraphs; that is text, not code.
            for chunk in re.split(r"\n\s*\n", tok.content):
                blocks.append(RawBlock(" ".join(chunk.split("\n"))))
        elif tok.type == "html_block":
            blocks.extend(html_blocks(tok.content)[1])
    return blocks


_BLOCK_TAGS = (
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th",
    "dt", "dd", "figcaption", "caption", "div", "section", "article", "br", "tr",
)
_DROP_TAGS = ("script", "style", "noscript", "nav", "footer", "aside", "form", "iframe", "svg", "img", "template", "button", "select")


@dataclass(frozen=True, slots=True)
class HtmlMeta:
    title: str = ""
    date: str = ""
    source_url: str = ""


def html_blocks(html: str) -> tuple[HtmlMeta, list[RawBlock]]:
    """Visible text blocks of an HTML page and the metadata in its head."""
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():  # XHTML read as HTML is what is wanted here; a page of one URL is still text
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "lxml")

    def meta(*selectors: str) -> str:
        for selector in selectors:
            node = soup.select_one(selector)
            if node is not None:
                value = node.get("content") or node.get("href") or node.get("datetime") or node.get_text(" ", strip=True)
                if value:
                    return str(value).strip()
        return ""

    info = HtmlMeta(
        title=meta('meta[property="og:title"]', "title", "h1"),
        date=meta(
            'meta[property="article:published_time"]', 'meta[name="date"]', 'meta[name="pubdate"]',
            'meta[itemprop="datePublished"]', "time[datetime]",
        ),
        source_url=meta('link[rel="canonical"]', 'meta[property="og:url"]'),
    )
    for tag in soup(list(_DROP_TAGS)):
        tag.decompose()
    blocks: list[RawBlock] = []
    for chunk in re.split(r"\n\s*\n", _block_text(soup.body or soup)):
        for line in chunk.split("\n"):
            if line.strip():
                blocks.append(RawBlock(line))
    if info.title and blocks and _norm(blocks[0].text) == _norm(info.title):
        blocks[0] = RawBlock(blocks[0].text, "heading", 1)
    return info, blocks


_BLOCK_END = object()


def _block_text(root) -> str:
    """The text of ``root`` with a blank line before and after each block element, in one pass over the tree.

    Inserting the blank lines into the tree next to each block tag costs the size of the tag's subtree
    each time (BeautifulSoup looks for its last descendant), so a page of 100,000 nested ``<div>`` took
    minutes; this walk is linear and iterative (no recursion limit). Strings are what ``get_text()`` keeps:
    text and CDATA, no comments, doctypes or processing instructions.
    """
    from bs4 import CData, NavigableString, Tag

    parts: list[str] = []
    todo = list(reversed(root.contents))
    while todo:
        node = todo.pop()
        if node is _BLOCK_END:
            parts.append("\n\n")
        elif isinstance(node, Tag):
            if node.name in _BLOCK_TAGS:
                parts.append("\n\n")
                todo.append(_BLOCK_END)
            todo.extend(reversed(node.contents))
        elif type(node) in (NavigableString, CData):
            parts.append(str(node))
    return "".join(parts)


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def parse_date(text: str) -> str:
    """ISO date for a line that is nothing but a date, else ``""``."""
    text = text.strip()
    if not _DATE_CANDIDATE.match(text) or not _HAS_YEAR.search(text):
        return ""
    try:
        with warnings.catch_warnings():  # "10:00 EDT": the time zone is of no use for a date
            warnings.simplefilter("ignore", UnknownTimezoneWarning)
            parsed = dateparser.parse(text, dayfirst=not re.match(r"^\d{4}", text), fuzzy=False)
    except (ValueError, OverflowError):
        return ""
    if not isinstance(parsed.date(), date) or not 1900 <= parsed.year <= 2100:
        return ""
    return parsed.date().isoformat()


def is_navigation(text: str) -> bool:
    if _NAVIGATION.match(text):
        return True
    return bool(_BREADCRUMB.match(text)) and len(text.split()) <= BREADCRUMB_MAX_WORDS


def strip_bullet(text: str) -> str:
    stripped = _BULLET.sub("", text)
    if stripped != text and _BULLET_NEEDS_SPACE.match(text):
        return text  # "ㅇ", "*", "+", "-" glued to a word are part of it
    return stripped


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def front_matter(text: str) -> tuple[HtmlMeta | None, str]:
    """A leading YAML front-matter block (Hugo, Jekyll, Pandoc) as metadata, and the text after it.

    Only a block that reads as a YAML mapping counts; otherwise the text comes back unchanged
    (``---`` lines around a paragraph are horizontal rules).
    """
    match = _FRONT_MATTER.match(text)
    if match is None:
        return None, text
    import yaml

    try:
        data = yaml.safe_load(match["yaml"])
    except yaml.YAMLError:
        return None, text
    if not isinstance(data, dict):
        return None, text
    fields = {str(key).lower(): value for key, value in data.items()}

    def first(*keys: str) -> str:
        for key in keys:
            value = fields.get(key)
            if value is not None and not isinstance(value, (list, dict)) and str(value).strip():
                return str(value).strip()
        return ""

    meta = HtmlMeta(
        title=first("title"),
        date=first("date", "published", "pubdate", "publishdate"),
        source_url=first("source_url", "source", "canonical", "canonical_url", "original", "url", "link"),
    )
    if meta.source_url and not re.match(r"https?://", meta.source_url):
        meta = HtmlMeta(meta.title, meta.date, "")
    return meta, text[match.end():]


MAX_TITLE_CHARS = 1000
"""Longest title kept as a document's title (headlines run to a few hundred characters; a heading of a megabyte
would be a cell of a megabyte in ``documents.csv`` and on the review page)."""


def clean_paragraphs(blocks: list[RawBlock], meta: HtmlMeta | None = None) -> Cleaned:
    """Drop page furniture and lift title, date and source URL out of ``blocks``.

    A title (the page's, or the first heading) of over :data:`MAX_TITLE_CHARS` is no title: the heading stays
    text, and the document has none.
    """
    title = meta.title if meta and len(meta.title) <= MAX_TITLE_CHARS else ""
    doc_date = parse_date(meta.date[:10]) if meta and meta.date else ""
    source_url = meta.source_url if meta else ""
    paragraphs: list[str] = []
    dropped: list[str] = []
    for block in blocks:
        text = _norm(block.text)
        if not text:
            continue
        if block.kind == "source-link" and _SOURCE_LABEL.match(text):
            source_url = source_url or block.href
            dropped.append(text)
            continue
        if (match := _SOURCE_LINE.match(text)) is not None:
            source_url = source_url or match["url"]
            dropped.append(text)
            continue
        if is_navigation(text):
            dropped.append(text)
            continue
        if iso := parse_date(text):
            doc_date = doc_date or iso
            dropped.append(text)
            continue
        text = _norm(strip_bullet(text))
        if not text:
            continue
        if block.kind == "heading" and not title and len(text) <= MAX_TITLE_CHARS:
            title = text
        paragraphs.append(text)
    return Cleaned(tuple(paragraphs), title, doc_date, source_url, tuple(dropped))
