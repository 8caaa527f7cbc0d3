"""Bytes to text: byte-order marks first, then strict UTF-8, then a detector.

The detector (charset-normalizer) is restricted to the encodings news text
really arrives in, which keeps it from mistaking KOI8-R for Shift-JIS and
makes ties resolve in the order listed here.
"""

from __future__ import annotations

import codecs
import unicodedata

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


def decode(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` for ``data``; the encoding name is normalised (``utf-8``, ``cp1251``, …).

    A byte-order mark is dropped from the text and named in the encoding
    (``utf-8-sig``, ``utf-16``). Raises :class:`UndecodableError` for binary data.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data[len(bom):].decode(codec), name)
            except UnicodeDecodeError as exc:
                raise UndecodableError(f"invalid {name} after byte-order mark: {exc.reason}") from exc
    if any(data.startswith(magic) for magic in _BINARY_MAGIC):
        raise UndecodableError("binary content (file signature of a non-text format)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if _control_ratio(text) <= MAX_CONTROL_RATIO:
            return text, "utf-8"
        # NUL-laden "UTF-8" is usually UTF-16 without a byte-order mark: let the detector decide.
    results = from_bytes(data, cp_isolation=list(CANDIDATE_ENCODINGS))
    if not results:
        raise UndecodableError("binary content (no text encoding fits)")
    best_chaos = min(match.chaos for match in results)
    ties = [m for m in results if m.chaos <= best_chaos + 1e-9]
    rank = {name: i for i, name in enumerate(CANDIDATE_ENCODINGS)}
    best = max(ties, key=lambda m: (round(m.coherence, 3), -rank.get(m.encoding, len(rank))))
    encoding = codecs.lookup(best.encoding).name
    return _checked(str(best), encoding)
