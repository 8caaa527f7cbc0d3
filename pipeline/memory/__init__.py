"""The translation memory: approved translations, reused before machine translation.

``pipeline review apply`` records every accepted and edited translation pair
in a :class:`MemoryStore` (SQLite, in the user data folder unless ``--tm``
names one); TMX files come in and go out through translate-toolkit
(:func:`read_tmx`, :func:`write_tmx`). A run loads its memory with
:func:`open_memory` and fills each document's exact matches with
:func:`apply_memory` (status ``tm``) before anything translates it.

Matching is exact on :func:`normalise`: Unicode NFC, typographic quotes
unified, whitespace collapsed.
"""

from __future__ import annotations

from pipeline.memory.lookup import (
    MEMORY_STATUS,
    MemorySource,
    TranslationMemory,
    apply_memory,
    count_memory_hits,
    is_memory_hit,
    open_memory,
)
from pipeline.memory.review import record_review, units_from_review
from pipeline.memory.store import (
    MemoryHit,
    MemoryStats,
    MemoryStore,
    MemoryUnit,
    default_memory_path,
    lang_code,
    normalise,
)
from pipeline.memory.tmx import iter_tmx, read_tmx, write_tmx

__all__ = [
    "MEMORY_STATUS", "MemoryHit", "MemorySource", "MemoryStats", "MemoryStore", "MemoryUnit", "TranslationMemory",
    "apply_memory", "count_memory_hits", "default_memory_path", "is_memory_hit", "lang_code", "normalise",
    "iter_tmx", "open_memory", "read_tmx", "record_review", "units_from_review", "write_tmx",
]
