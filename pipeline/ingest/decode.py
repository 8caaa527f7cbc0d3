"""Bytes to text: byte-order marks first, then UTF-8 (strict, or with a few invalid bytes replaced), then a detector.

The detector (charset-normalizer) is restricted to the encodings news text
really arrives in, which keeps it from mistaking KOI8-R for Shift-JIS and
makes ties resolve in the order listed here.

A file whose lines are partly UTF-8 and partly one legacy code page (two files
joined, a page edited in two editors) is read line by line, each line in its
own encoding; its encoding is named ``utf-8+cp1251`` (:func:`_mixed`).
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
    """Normalised codec name: ``utf-8``, ``utf-8-sig``, ``cp1251``, …; ``utf-8+cp1251`` for lines in two encodings."""
    invalid_bytes: int = 0
    """Bytes that were not valid in ``encoding``, each replaced by U+FFFD in ``text``."""

    @property
    def mixed(self) -> bool:
        """Whether the lines were read in two encodings (UTF-8 and a legacy code page)."""
        return "+" in self.encoding


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")

MIN_UTF8_SHARE = 0.5
"""A file that is not strict UTF-8 is still read as UTF-8 (invalid bytes replaced) when at least this share of
its non-ASCII sequences are valid UTF-8. Text in a legacy code page almost never forms a valid multi-byte
UTF-8 sequence (cp1251 Cyrillic, KOI8-R and cp1252 accents are single bytes that UTF-8 needs in lead/continuation
patterns), so one valid sequence against one invalid byte already says UTF-8, and a legacy file scores near 0."""


MIN_MIXED_UTF8 = 8
"""A file is read as mixed only when its valid UTF-8 lines hold at least this many non-ASCII characters (a legacy
file whose short line happens to form valid UTF-8, cp1251 ``Р»``, stays one code page) ..."""
MIN_MIXED_LEGACY = 16
"""... and its other lines at least this many non-ASCII bytes ..."""
MIN_LEGACY_DENSITY = 0.3
"""... making up at least this share of those lines' bytes other than spaces: text in a script of its own
(Cyrillic, Greek, CJK). These two apply to a file that is mostly UTF-8: one with stray bytes, or with Western
European text in cp1252 (an accent every few words), stays UTF-8 with U+FFFD for the bytes that are not
(``invalid_bytes``), too little to name a code page by."""


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
        mostly_utf8 = _mostly_utf8(lenient)
        mixed = _mixed(data, mostly_utf8=mostly_utf8)
        if mixed is not None:
            return mixed
        if mostly_utf8 and _control_ratio(lenient.text) <= MAX_CONTROL_RATIO:
            return lenient
    else:
        if _control_ratio(text) <= MAX_CONTROL_RATIO:
            return Decoded(text, "utf-8")
        # NUL-laden "UTF-8" is usually UTF-16 without a byte-order mark: let the detector decide.
    text, encoding = _detect(data, CANDIDATE_ENCODINGS)
    return Decoded(*_checked(text, encoding))


def _mostly_utf8(lenient: Decoded) -> bool:
    """Whether at least :data:`MIN_UTF8_SHARE` of the non-ASCII sequences of leniently decoded UTF-8 were valid."""
    valid = len(_NON_ASCII.findall(lenient.text)) - lenient.invalid_bytes
    return valid >= MIN_UTF8_SHARE * (valid + lenient.invalid_bytes)


def _detect(data: bytes, candidates: tuple[str, ...]) -> tuple[str, str]:
    """``data`` decoded in the encoding charset-normalizer finds likeliest among ``candidates``, and its name."""
    results = from_bytes(data, cp_isolation=list(candidates))
    if not results:
        raise UndecodableError("binary content (no text encoding fits)")
    best_chaos = min(match.chaos for match in results)
    ties = [m for m in results if m.chaos <= best_chaos + 1e-9]
    rank = {name: i for i, name in enumerate(candidates)}
    best = max(ties, key=lambda m: (round(m.coherence, 3), -rank.get(m.encoding, len(rank))))
    return str(best), codecs.lookup(best.encoding).name


_LEGACY_ENCODINGS = tuple(name for name in CANDIDATE_ENCODINGS if not name.startswith("utf"))


def _mixed(data: bytes, *, mostly_utf8: bool) -> Decoded | None:
    """``data`` read line by line when its lines are partly UTF-8 and partly one legacy code page, else None.

    A line is UTF-8 when it is valid UTF-8, or when most of its non-ASCII sequences are (:data:`MIN_UTF8_SHARE`;
    its invalid bytes become U+FFFD and are counted; such lines are no evidence of UTF-8); the other lines are decoded together in the code page the detector finds for them. Both parts
    must be substantial: :data:`MIN_MIXED_UTF8`, and where the file is mostly UTF-8 (``mostly_utf8``: its invalid
    bytes could be strays) :data:`MIN_MIXED_LEGACY` and :data:`MIN_LEGACY_DENSITY`. Data holding NUL bytes
    (UTF-16 without a byte-order mark) is never split into lines.
    """
    if b"\x00" in data:
        return None
    lines = data.splitlines(keepends=True)
    parts: list[str | None] = []
    utf8_chars = invalid = legacy_bytes = legacy_text_bytes = 0
    for line in lines:
        lenient = _lenient(line, "utf-8")
        if not lenient.invalid_bytes:
            parts.append(lenient.text)
            utf8_chars += len(_NON_ASCII.findall(lenient.text))
        elif _mostly_utf8(lenient):
            parts.append(lenient.text)
            invalid += lenient.invalid_bytes
        else:
            parts.append(None)
            legacy_bytes += sum(1 for byte in line if byte >= 0x80)
            legacy_text_bytes += len(line) - sum(line.count(space) for space in b" \t\r\n")
    legacy_floor = max(MIN_MIXED_LEGACY, MIN_LEGACY_DENSITY * legacy_text_bytes) if mostly_utf8 else 1
    if utf8_chars < MIN_MIXED_UTF8 or legacy_bytes < legacy_floor:
        return None
    legacy = [line for line, part in zip(lines, parts) if part is None]
    try:
        _, encoding = _detect(b"".join(legacy), _LEGACY_ENCODINGS)
        decoded = iter([line.decode(encoding) for line in legacy])
    except (UndecodableError, UnicodeDecodeError):
        return None
    text = "".join(next(decoded) if part is None else part for part in parts)
    if _control_ratio(text) > MAX_CONTROL_RATIO:
        return None
    return Decoded(text, f"utf-8+{encoding}", invalid)
