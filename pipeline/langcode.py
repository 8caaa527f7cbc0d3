"""Language codes as the pipeline takes them from users and package metadata (no heavy imports).

A language code is an ISO 639 code of two or three letters, optionally with
subtags (``pt-BR``, ``zh-Hant``, ``sr_Latn``): letters, digits, ``-`` and ``_``
only, so a code can never name a path (codes become file and folder names:
``translations/<doc_id>.<lang>.txt``, ``translate-ru_en-1_9``). Codes are
case-insensitive and kept in lower case, as everywhere in the pipeline.
"""

from __future__ import annotations

import re

from pipeline.errors import UsageError

_CODE = re.compile(r"[a-z]{2,3}(?:[-_][a-z0-9]{1,8})*")


def is_lang_code(code: object) -> bool:
    return isinstance(code, str) and _CODE.fullmatch(code.strip().lower()) is not None and len(code.strip()) <= 35


def validate_lang_code(code: str, what: str = "language code") -> str:
    """``code`` stripped and in lower case; a :class:`UsageError` (one line, exit code 2) when it is not a code.

    ``what`` names the value in the message (``--to``, ``from_code in metadata.json``).
    """
    if not is_lang_code(code):
        raise UsageError(
            f"{what} {code!r} is not a language code (ISO 639, two or three letters with optional subtags: "
            "en, ru, pt-BR)"
        )
    return code.strip().lower()
