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


_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
"""Control characters (Unicode category Cc) other than tab, newlines and form feed."""


def _control_ratio(text: str) -> float:
    return len(_CONTROL.findall(text)) / len(text) if text else 0.0


def _non_ascii(text: str) -> int:
    """How many characters of ``text`` are not ASCII."""
    return len(text) - len(text.encode("ascii", "ignore"))


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
        valid = _valid_sequences(lenient)
        mostly_utf8 = _mostly_utf8(valid, lenient.invalid_bytes)
        # a quick no: too few valid UTF-8 sequences in all, or (mostly UTF-8) too few invalid bytes for a code page
        if valid >= MIN_MIXED_UTF8 and (lenient.invalid_bytes >= MIN_MIXED_LEGACY or not mostly_utf8):
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


def _valid_sequences(lenient: Decoded) -> int:
    """How many non-ASCII sequences of leniently decoded UTF-8 were valid (its other non-ASCII characters are the
    U+FFFD of its invalid bytes)."""
    return _non_ascii(lenient.text) - lenient.invalid_bytes


def _mostly_utf8(valid: int, invalid: int) -> bool:
    """Whether at least :data:`MIN_UTF8_SHARE` of the non-ASCII sequences of leniently decoded UTF-8 were valid."""
    return valid >= MIN_UTF8_SHARE * (valid + invalid)


def _detect(data: bytes, candidates: tuple[str, ...]) -> tuple[str, str]:
    """``data`` decoded in the encoding charset-normalizer finds likeliest among ``candidates``, and its name.

    Every candidate charset-normalizer scores is weighed by its mean mess over the chunks it samples
    (:data:`MAX_CHAOS`), not only those that pass its early stop on one messy chunk: Japanese news in Shift_JIS,
    whose full-width digits and letters look messy, was refused as binary. Where the likeliest is a CJK code page,
    or none is, the CJK code pages are weighed by their characters instead (:func:`_cjk`). UTF-16 without a
    byte-order mark is a candidate only for data with zero bytes (any even number of bytes decodes as UTF-16).
    """
    if b"\x00" not in data:  # UTF-16 without a byte-order mark shows in the zero bytes of its ASCII characters
        candidates = tuple(name for name in candidates if not name.startswith("utf_16"))
    results = [m for m in from_bytes(data, cp_isolation=list(candidates), threshold=1.0) if m.chaos <= MAX_CHAOS]
    best = None
    if results:
        best_chaos = min(match.chaos for match in results)
        ties = [m for m in results if m.chaos <= best_chaos + 1e-9]
        rank = {name: i for i, name in enumerate(candidates)}
        best = max(ties, key=lambda m: (round(m.coherence, 3), -rank.get(m.encoding, len(rank))))
    if best is None or best.encoding in _CJK_SCRIPTS:
        cjk = _cjk(data, [name for name in candidates if name in _CJK_SCRIPTS])
        if cjk is not None:
            return cjk
    if best is None:
        raise UndecodableError("binary content (no text encoding fits)")
    if best.encoding in _CYRILLIC_PAGES:
        codec = _cyrillic(data, best.encoding, [name for name in candidates if name in _CYRILLIC_PAGES])
        if codec != best.encoding:
            return data.decode(codec), codecs.lookup(codec).name
    return str(best), codecs.lookup(best.encoding).name


MAX_CHAOS = 0.2
"""Most mess (charset-normalizer's measure, averaged over the chunks it samples) a decoding may show."""

_CYRILLIC_PAGES = ("cp1251", "koi8_r", "koi8_u", "mac_cyrillic", "cp866", "iso8859_5")
_EAST_SLAVIC = "А-яЁёҐґЄєІіЇїЎў"
_MISFIT = re.compile(f"[^\x00-\x7f{_EAST_SLAVIC}«»„“”‘’—–…№•·°€±×§©®™\u00a0\u00ad]|[а-яёґєіїў][А-ЯЁҐЄІЇЎ]")
"""A character Russian, Ukrainian and Belarusian text has no use for (Serbian and Macedonian letters, box drawing,
mathematical signs), or a capital inside a lowercase word: what one Cyrillic code page read as another looks like."""


def _cyrillic(data: bytes, chosen: str, pages: list[str]) -> str:
    """The Cyrillic code page whose reading of ``data`` has the fewest misfits (:data:`_MISFIT`, counted in the
    first :data:`_FIT_SAMPLE` bytes); ties go to ``chosen`` (charset-normalizer's pick), then to the earlier page.

    charset-normalizer tells these pages apart poorly where they share most letters: mac-cyrillic read as cp1251
    differs only in capitals (which become Ћ, Љ, „) and in я (which becomes Я); KOI8-U read as KOI8-R only in
    і, ї, є, ґ (box drawing there).
    """
    sample = data[:_FIT_SAMPLE]
    best: tuple[int, int, str] | None = None
    for rank, codec in enumerate(sorted(pages, key=lambda name: name != chosen)):
        try:
            text = sample.decode(codec)
        except UnicodeDecodeError:
            continue
        if _control_ratio(text) > MAX_CONTROL_RATIO:
            continue
        score = (len(_MISFIT.findall(text)), rank, codec)
        if best is None or score < best:
            best = score
    return chosen if best is None else best[2]


_CJK_SCRIPTS = {"cp949": "ko", "euc_kr": "ko", "shift_jis": "ja", "euc_jp": "ja", "gb18030": "zh", "big5": "zh"}
MIN_CJK_FIT = 0.9
"""Least share of a CJK decoding's letters that must be common in its language (:func:`_script_fit`)."""


def _cjk(data: bytes, names: list[str]) -> tuple[str, str] | None:
    """The CJK code page whose strict decoding of ``data`` has the largest share of letters common in its language
    (:func:`_script_fit`), when that share is at least :data:`MIN_CJK_FIT`; ties go to the earlier code page.

    charset-normalizer's mess and coherence measures are weak on CJK text: Shift_JIS decoded as cp949 is a run of
    Hangul syllables that no Korean text uses, and as GB18030 a run of rare hanzi, and either can score less mess
    than the right reading.
    """
    best: tuple[float, str, str] | None = None
    for codec in names:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        fit = _script_fit(text, _CJK_SCRIPTS[codec])
        if fit >= MIN_CJK_FIT and (best is None or fit > best[0]) and _control_ratio(text) <= MAX_CONTROL_RATIO:
            best = (fit, text, codec)
    return None if best is None else (best[1], codecs.lookup(best[2]).name)


def _is_han(o: int) -> bool:
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3134F


def _common(ch: str, script: str) -> bool:
    """Whether ``ch`` is a letter text in ``script`` uses: for Korean the 2,350 Hangul syllables of KS X 1001 (two
    bytes in EUC-KR) and the compatibility jamo (chat's ㅋㅋ); for Japanese kana and kanji (half-width katakana is
    not); for Chinese the hanzi of GB 2312 or of Big5."""
    o = ord(ch)
    if script == "ko":
        if 0xAC00 <= o <= 0xD7A3:
            return len(ch.encode("euc_kr")) == 2
        return 0x3131 <= o <= 0x318E
    if script == "ja":
        return 0x3041 <= o <= 0x30FF or _is_han(o)
    if not _is_han(o):
        return False
    for common in ("gb2312", "big5"):
        try:
            ch.encode(common)
        except UnicodeEncodeError:
            continue
        return True
    return False


_FIT_SAMPLE = 20_000
MIN_KANA = 0.1
"""Least share of kana among the letters of Japanese text (news runs at 25-70 %)."""


def _script_fit(text: str, script: str) -> float:
    """The share of ``text``'s non-ASCII letters (the first :data:`_FIT_SAMPLE`; full-width Latin left aside) that
    are common in ``script`` (:func:`_common`); 0 for text without such letters, and for "Japanese" with less
    than :data:`MIN_KANA` kana."""
    letters = []
    for ch in text:
        if ord(ch) > 0x7F and not 0xFF00 <= ord(ch) <= 0xFF60 and unicodedata.category(ch).startswith("L"):
            letters.append(ch)
            if len(letters) >= _FIT_SAMPLE:
                break
    if not letters:
        return 0.0
    if script == "ja" and sum(0x3041 <= ord(ch) <= 0x30FF for ch in letters) < MIN_KANA * len(letters):
        return 0.0  # kanji alone is Chinese read as Japanese (GB 2312 and EUC-JP share their layout)
    return sum(_common(ch, script) for ch in letters) / len(letters)


_LEGACY_ENCODINGS = tuple(name for name in CANDIDATE_ENCODINGS if not name.startswith("utf"))
_HIGH_BYTES = bytes(range(0x80, 0x100))


def _mixed(data: bytes, *, mostly_utf8: bool) -> Decoded | None:
    """``data`` read line by line when its lines are partly UTF-8 and partly one legacy code page, else None.

    A line is UTF-8 when it is valid UTF-8, or when most of its non-ASCII sequences are (:data:`MIN_UTF8_SHARE`;
    its invalid bytes become U+FFFD and are counted; such lines are no evidence of UTF-8); the other lines are
    decoded together in the code page the detector finds for them. Both parts must be substantial:
    :data:`MIN_MIXED_UTF8`, and where the file is mostly UTF-8 (``mostly_utf8``: its invalid bytes could be
    strays) :data:`MIN_MIXED_LEGACY` and :data:`MIN_LEGACY_DENSITY`. Data holding NUL bytes (UTF-16 without a
    byte-order mark) is never split into lines.
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
            utf8_chars += _non_ascii(lenient.text)
        elif _mostly_utf8(_valid_sequences(lenient), lenient.invalid_bytes):
            parts.append(lenient.text)
            invalid += lenient.invalid_bytes
        else:
            parts.append(None)
            legacy_bytes += len(line) - len(line.translate(None, _HIGH_BYTES))
            legacy_text_bytes += len(line.translate(None, b" \t\r\n"))
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
