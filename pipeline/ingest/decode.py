"""Bytes to text: byte-order marks first, then UTF-8 (strict, or with a few invalid bytes replaced), then a detector.

The detector (charset-normalizer) is restricted to the encodings news text
really arrives in, which keeps it from mistaking KOI8-R for Shift-JIS and
makes ties resolve in the order listed here.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import NamedTuple

from charset_normalizer import from_bytes

from pipeline.errors import IngestError

CANDIDATE_ENCODINGS = (
    "cp1251", "koi8_r", "cp866", "mac_cyrillic", "iso8859_5", "koi8_u",
    "cp1252", "iso8859_15", "cp1250", "iso8859_2",
    "cp949", "euc_kr", "shift_jis", "euc_jp", "gb18030", "big5",
    "utf_16", "utf_16_le", "utf_16_be",
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)

_BINARY_MAGIC = (
    b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b",
    b"BM", b"RIFF", b"\x7fELF", b"II*\x00", b"MM\x00*", b"OggS", b"ID3",
)

MAX_CONTROL_RATIO = 0.01


class UndecodableError(IngestError):
    """The bytes are not text in any encoding we accept."""


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    return bad / len(text)


def _checked(text: str, encoding: str) -> tuple[str, str]:
    if _control_ratio(text) > MAX_CONTROL_RATIO:
        raise UndecodableError("binary content (control characters in decoded text)")
    return text, encoding


class Decoded(NamedTuple):
    text: str
    encoding: str
    """Normalised codec name: ``utf-8``, ``utf-8-sig``, ``cp1251``, …"""
    invalid_bytes: int = 0
    """Bytes that were not valid in ``encoding``, each replaced by U+FFFD in ``text``."""


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")

MIN_UTF8_SHARE = 0.5
"""A file that is not strict UTF-8 is still read as UTF-8 (invalid bytes replaced) when at least this share of
its non-ASCII sequences are valid UTF-8. Text in a legacy code page almost never forms a valid multi-byte
UTF-8 sequence (cp1251 Cyrillic, KOI8-R and cp1252 accents are single bytes that UTF-8 needs in lead/continuation
patterns), so one valid sequence against one invalid byte already says UTF-8, and a legacy file scores near 0."""


def _lenient(data: bytes, codec: str) -> Decoded:
    """``data`` decoded with every invalid byte replaced by U+FFFD and counted."""
    escaped = data.decode(codec, errors="surrogateescape")
    invalid = len(_ESCAPED_BYTE.findall(escaped))
    return Decoded(_ESCAPED_BYTE.sub("\ufffd", escaped) if invalid else escaped, codec, invalid)


def decode(data: bytes) -> Decoded:
    """``(text, encoding, invalid_bytes)`` for ``data``; the encoding name is normalised (``utf-8``, ``cp1251``, …).

    A byte-order mark is dropped from the text and named in the encoding (``utf-8-sig``, ``utf-16``).
    Text that is UTF-8 except for a few bytes stays UTF-8: those bytes are replaced by U+FFFD and counted
    in ``invalid_bytes``, never a reason to guess a legacy code page. Raises :class:`UndecodableError` for
    binary data.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError:
                if codec != "utf-8":
                    raise UndecodableError(f"invalid {name} after byte-order mark") from None
                text, _, invalid = _lenient(data[len(bom):], codec)
                return Decoded(*_checked(text, name), invalid)
            return Decoded(*_checked(text, name))
    if any(data.startswith(magic) for magic in _BINARY_MAGIC):
        raise UndecodableError("binary content (file signature of a non-text format)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        lenient = _lenient(data, "utf-8")
        valid = len(_NON_ASCII.findall(lenient.text)) - lenient.invalid_bytes
        if valid >= MIN_UTF8_SHARE * (valid + lenient.invalid_bytes) and _control_ratio(lenient.text) <= MAX_CONTROL_RATIO:
            return lenient
    else:
        if _control_ratio(text) <= MAX_CONTROL_RATIO:
            return Decoded(text, "utf-8")
        # NUL-laden "UTF-8" is usually UTF-16 without a byte-order mark: let the detector decide.
    results = from_bytes(data, cp_isolation=list(CANDIDATE_ENCODINGS))
    if not results:
        raise UndecodableError("binary content (no text encoding fits)")
    best_chaos = min(match.chaos for match in results)
    ties = [m for m in results if m.chaos <= best_chaos + 1e-9]
    rank = {name: i for i, name in enumerate(CANDIDATE_ENCODINGS)}
    best = max(ties, key=lambda m: (round(m.coherence, 3), -rank.get(m.encoding, len(rank))))
    encoding = codecs.lookup(best.encoding).name
    return Decoded(*_checked(str(best), encoding))
