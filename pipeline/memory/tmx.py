"""TMX files in and out of the translation memory.

Reading (:func:`iter_tmx`) streams the file with lxml, a ``<tu>`` at a time, and reads language codes and
segment text with translate-toolkit's TMX helpers. Every ``<tu>`` gives one unit per target ``<tuv>``: the source is the
``<tuv>`` in the unit's ``srclang`` (or the header's; with ``*all*`` or none,
the first ``<tuv>``). The origin is the unit's ``x-origin`` property when it
has one (a memory exported by ``pipeline tm export`` keeps where its pairs were
approved, with its ``x-ref``), else ``tmx:<file name>`` with the ``tuid`` as
``ref``; the ``changedate`` or ``creationdate`` is the approval time, and for a
unit without either the file's modification time (so an undated file never
outranks approvals made after it was saved).

Writing: through translate-toolkit's ``tmx`` storage, TMX 1.4b, one ``<tu>`` per unit with ``srclang``, ``creationdate``,
and ``x-origin``/``x-ref`` properties.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from pipeline.errors import TranslationMemoryError
from pipeline.memory.store import MemoryUnit, lang_code

_TMX_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")


def _iso(tmx_date: str | None) -> str:
    """``20261203T101500Z`` → ``2026-12-03T10:15:00Z``; anything else → empty."""
    m = _TMX_DATE.match((tmx_date or "").strip())
    if not m:
        return ""
    try:
        datetime(*map(int, m.groups()), tzinfo=timezone.utc)
    except ValueError:
        return ""
    y, mo, d, h, mi, s = m.groups()
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}Z"


def _tmx_date(iso: str) -> str:
    m = _ISO_DATE.match(iso)
    return "".join(m.groups()[:3]) + "T" + "".join(m.groups()[3:]) + "Z" if m else ""


def bcp47(code: str) -> str:
    """``en-us`` → ``en-US``, ``zh-hant-tw`` → ``zh-Hant-TW``: the usual spelling of a stored (lower-case) code."""
    parts = code.split("-")
    out = [parts[0]]
    for part in parts[1:]:
        out.append(part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part)
    return "-".join(out)


def read_tmx(path: str | Path) -> list[MemoryUnit]:
    """The units of a TMX file (:func:`iter_tmx`, as a list); raises TranslationMemoryError."""
    return list(iter_tmx(path))


def iter_tmx(path: str | Path, *, bad_langs: list[str] | None = None) -> Iterator[MemoryUnit]:
    """The units of a TMX file, one ``<tu>`` at a time (any TMX version); raises TranslationMemoryError.

    A ``<tuv>`` whose ``xml:lang`` is not a language code (:func:`pipeline.langcode.is_lang_code`) is left out;
    its code is appended to ``bad_langs`` when given.

    The file is parsed as a stream (lxml ``iterparse``) and each ``<tu>`` is freed once read, so memory stays
    flat however large the file: a whole-file parse held about ten times the file's size. Language codes and
    segment text are read with translate-toolkit's TMX helpers, as its ``tmxfile`` does. An error may come
    after some units were given: callers that store them do so in one transaction.
    """
    from lxml import etree

    from pipeline.ingest.files import NotRegularFileError, open_regular_file

    path = Path(path)
    try:  # only a regular file is opened: a FIFO named ``team.tmx`` would block the command
        handle = open_regular_file(path)
        saved = datetime.fromtimestamp(os.fstat(handle.fileno()).st_mtime, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except NotRegularFileError as exc:
        raise TranslationMemoryError(f"{path}: {exc}") from exc
    except FileNotFoundError as exc:
        raise TranslationMemoryError(f"{path}: no such file") from exc
    except OSError as exc:
        raise TranslationMemoryError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    origin = f"tmx:{path.name}"
    default_src = ""
    root = None
    with handle:
        events = etree.iterparse(
            handle, events=("end",), resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True,
            huge_tree=False,
        )
        try:
            for _, element in events:
                root = element
                tag = _localname(element)
                if tag == "header":
                    default_src = element.get("srclang", "")
                elif tag == "tu":
                    yield from _units(element, default_src, origin, saved, bad_langs)
                    element.clear(keep_tail=True)
                    while element.getprevious() is not None:  # the units read before it
                        del element.getparent()[0]
        except etree.LxmlError as exc:
            raise TranslationMemoryError(f"{path}: not a TMX file ({_first_line(exc)})") from exc
    if root is None or _localname(root) != "tmx":  # the last element to end is the root
        raise TranslationMemoryError(f"{path}: not a TMX file (no <tmx> root element)")


def _units(element, default_src: str, origin: str, saved: str, bad_langs: list[str] | None) -> list[MemoryUnit]:
    """The units of one ``<tu>``: one per target ``<tuv>``."""
    from translate.misc.xml_helpers import getText, getXMLlang, getXMLspace

    from pipeline.langcode import is_lang_code

    space = getXMLspace(element, "preserve")
    sides = []
    for node in element:
        if not isinstance(node.tag, str) or _localname(node) != "tuv":
            continue
        seg = next((child for child in node.iterdescendants() if _localname(child) == "seg"), None)
        lang = getXMLlang(node) or ""
        text = (getText(seg, space) if seg is not None else "") or ""
        if not (lang.strip() and text.strip()):
            continue
        if is_lang_code(lang):
            sides.append((lang_code(lang), text.strip()))
        elif bad_langs is not None:
            bad_langs.append(lang)
    if len(sides) < 2:
        return []
    want = lang_code(element.get("srclang") or default_src)
    source = next((s for s in sides if s[0] == want), sides[0]) if want != "*all*" else sides[0]
    props = {
        (p.get("type") or ""): (p.text or "").strip()
        for p in element if isinstance(p.tag, str) and _localname(p) == "prop"
    }
    created = _iso(element.get("changedate")) or _iso(element.get("creationdate")) or saved
    # a memory this package exported says where each pair came from; a foreign one has its tuid
    ref = props.get("x-ref", "") if "x-origin" in props else element.get("tuid", "")
    return [
        MemoryUnit(src_lang=source[0], tgt_lang=target[0], src_text=source[1], tgt_text=target[1],
                   origin=props.get("x-origin") or origin, ref=ref, created=created)
        for target in sides if target is not source
    ]


def _localname(element) -> str:
    """An element's tag without its namespace (``{urn:x}tu`` → ``tu``); empty for comments and the like."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def write_tmx(path: str | Path, units: Iterable[MemoryUnit], *, tool_version: str) -> int:
    """Write ``units`` as TMX 1.4b (atomically); return how many were written.

    Characters XML cannot hold (a control character a reviewer's edit brought into the memory) are left
    out, as in the run's ``corpus.tmx``.
    """
    from lxml import etree
    from translate.storage import tmx

    from pipeline.io import write_bytes, xml_safe

    store = tmx.tmxfile()
    count = 0
    src_langs = set()
    for unit in units:
        tu = store.addsourceunit(xml_safe(unit.src_text), bcp47(unit.src_lang))
        tu.settarget(xml_safe(unit.tgt_text), bcp47(unit.tgt_lang), append=True)
        element = tu.xmlelement
        count += 1
        element.set("tuid", str(count))
        if unit.created:
            element.set("creationdate", _tmx_date(unit.created))
        first_tuv = element.find(store.namespaced("tuv"))
        for key, value in (("x-origin", unit.origin), ("x-ref", unit.ref)):
            if value:
                prop = etree.Element(store.namespaced("prop"), type=key)
                prop.text = xml_safe(value)
                first_tuv.addprevious(prop)
        src_langs.add(bcp47(unit.src_lang))
    header = store.document.getroot().find(store.namespaced("header"))
    store.addheader()
    header.attrib.update({
        "creationtool": "pipeline",
        "creationtoolversion": tool_version,
        "o-tmf": "pipeline",
        "datatype": "plaintext",
        "srclang": src_langs.pop() if len(src_langs) == 1 else "*all*",
    })
    write_bytes(Path(path), bytes(store))
    return count
