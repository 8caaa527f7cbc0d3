"""The translation memory store: approved translations in SQLite, matched on a normalised source.

One row per (source language, target language, normalised source, target
text), with the source as written, where the pair came from (``origin``: the
reviewed file or the TMX file, ``ref``: the pair or unit id in it) and when it
was approved. A source with several approved translations keeps them all; a
lookup returns the one whose language codes fit best, then the newest.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

from pipeline.errors import TranslationMemoryError

MEMORY_FILENAME = "memory.sqlite3"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS units (
    id INTEGER PRIMARY KEY,
    src_lang TEXT NOT NULL,
    tgt_lang TEXT NOT NULL,
    src_key TEXT NOT NULL,
    src_text TEXT NOT NULL,
    tgt_text TEXT NOT NULL,
    origin TEXT NOT NULL,
    ref TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    UNIQUE (src_lang, tgt_lang, src_key, tgt_text)
);
CREATE INDEX IF NOT EXISTS units_by_key ON units (src_key);
"""

_UPSERT = """
INSERT INTO units (src_lang, tgt_lang, src_key, src_text, tgt_text, origin, ref, created)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (src_lang, tgt_lang, src_key, tgt_text) DO UPDATE SET
    src_text = excluded.src_text, origin = excluded.origin, ref = excluded.ref, created = excluded.created
WHERE excluded.created > units.created
"""
"""The same pair approved again keeps one row, with the origin and time of its latest approval."""

_COLUMNS = ("src_lang", "tgt_lang", "src_key", "src_text", "tgt_text", "origin", "ref", "created")


def default_memory_path() -> Path:
    """``memory.sqlite3`` in the user data folder (e.g. ``~/.local/share/pipeline``)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("pipeline", appauthor=False)) / MEMORY_FILENAME


# -- normalisation ------------------------------------------------------------------------------------------------

_QUOTES = str.maketrans({
    **dict.fromkeys("«»“”„‟″〝〞＂", '"'),
    **dict.fromkeys("‘’‚‛′‹›ʼ", "'"),
})
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"), None)
"""Soft hyphen, zero-width space, word joiner, byte-order mark: invisible, and dropped from the key."""


def normalise(text: str) -> str:
    """The key a source is matched on: NFC, typographic quotes unified, whitespace collapsed.

    «цепочка», “цепочка”, „цепочка“ and "цепочка" are one key; so are ``don’t`` and
    ``don't``, and any runs of spaces, tabs, newlines or no-break spaces. Letter case,
    punctuation and digits count.
    """
    text = unicodedata.normalize("NFC", text).translate(_QUOTES).translate(_INVISIBLE)
    return " ".join(text.split())


def lang_code(code: str) -> str:
    """``pt_BR`` → ``pt-br``: language codes compared case-insensitively, ``_`` as ``-``."""
    return code.strip().replace("_", "-").lower()


def _base(code: str) -> str:
    return code.split("-", 1)[0]


def _fit(wanted: str, stored: str) -> int | None:
    """2 for the same code, 1 when one is the other's language without region (``en``/``en-us``), else None."""
    if wanted == stored:
        return 2
    if wanted == _base(stored) or stored == _base(wanted):
        return 1
    return None


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- records ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemoryUnit:
    """One approved translation."""

    src_lang: str
    tgt_lang: str
    src_text: str
    tgt_text: str
    origin: str
    """Where it was approved: ``review:<reviewed file name>``, ``tmx:<file name>``."""
    ref: str = ""
    """The pair or unit in ``origin`` (a pair id, a TMX ``tuid``)."""
    created: str = ""
    """When it was approved, ISO 8601 UTC (``2026-12-03T10:15:00Z``); empty: when it is stored."""


@dataclass(frozen=True, slots=True)
class MemoryHit:
    """The memory's translation of one source, and where it came from."""

    translation: str
    origin: str
    ref: str = ""
    created: str = ""

    @property
    def note(self) -> str:
        """``translation memory: review:aligned.reviewed.csv (t0001), 2026-12-03``."""
        text = f"translation memory: {self.origin}"
        if self.ref:
            text += f" ({self.ref})"
        if self.created:
            text += f", {self.created[:10]}"
        return text


@dataclass(frozen=True)
class MemoryStats:
    path: str
    units: int
    by_pair: dict[str, int] = field(default_factory=dict)
    """``ru→en``: units."""
    by_origin: dict[str, int] = field(default_factory=dict)
    oldest: str = ""
    newest: str = ""


def best_hits(
    lang_from: str, lang_to: str, texts: Iterable[str], candidates: Iterable[tuple[str, str, str, MemoryHit]]
) -> dict[str, MemoryHit]:
    """Pick, for each text, the best of ``candidates`` (``(src_key, src_lang, tgt_lang, hit)``).

    A candidate fits when both language codes are the wanted ones or differ from them only by a
    region the other leaves out; the exact codes win, then the newest approval.
    """
    want_from, want_to = lang_code(lang_from), lang_code(lang_to)
    best: dict[str, tuple[tuple[int, int, str], MemoryHit]] = {}
    for key, src_lang, tgt_lang, hit in candidates:
        fit_from, fit_to = _fit(want_from, src_lang), _fit(want_to, tgt_lang)
        if fit_from is None or fit_to is None:
            continue
        rank = (fit_from, fit_to, hit.created)
        if key not in best or rank >= best[key][0]:
            best[key] = (rank, hit)
    found = {}
    for text in texts:
        key = normalise(text)
        if key in best:
            found[text] = best[key][1]
    return found


def keys_of(texts: Iterable[str]) -> list[str]:
    return sorted({normalise(t) for t in texts} - {""})


# -- the store ----------------------------------------------------------------------------------------------------


class MemoryStore:
    """A translation memory in SQLite (``":memory:"`` for one held in memory only).

    ``create=False`` refuses a path where there is no store yet. Every problem (a folder, a file
    that is not a database or holds something else, no permission) is a
    :class:`~pipeline.errors.TranslationMemoryError` naming the path.
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = path if str(path) == ":memory:" else Path(path)
        label = str(self.path)
        if isinstance(self.path, Path):
            if self.path.is_dir():
                raise TranslationMemoryError(f"translation memory {label}: is a folder (name a .sqlite3 file)")
            if not self.path.exists() and not create:
                raise TranslationMemoryError(
                    f"translation memory {label}: not found (`pipeline review apply` or `pipeline tm import` creates it)"
                )
            if not create and self.path.is_file() and self.path.stat().st_size == 0:  # SQLite would make it a store
                raise TranslationMemoryError(f"translation memory {label}: an empty file, not a memory store")
        try:
            if isinstance(self.path, Path):
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=30.0)
        except (OSError, sqlite3.Error) as exc:
            raise TranslationMemoryError(f"cannot open the translation memory {label}: {exc}") from exc
        try:
            self._init_schema()
        except sqlite3.Error as exc:
            self._db.close()
            raise TranslationMemoryError(f"cannot open the translation memory {label}: {exc}") from exc

    def _init_schema(self) -> None:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "units" not in tables:
            raise sqlite3.DatabaseError("the file is an SQLite database of something else")
        if "units" in tables:
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(units)")}
            if not set(_COLUMNS) <= columns:
                raise sqlite3.DatabaseError("the file is an SQLite database of something else")
            return
        self._db.execute("PRAGMA journal_mode=WAL")
        with self._db:
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def add(self, units: Iterable[MemoryUnit], *, batch: int = 10_000) -> int:
        """Store approved translations (one transaction); return how many are new to the store.

        ``units`` is consumed ``batch`` at a time, so a stream of any length (:func:`~pipeline.memory.tmx.iter_tmx`)
        is stored in flat memory; if it raises, nothing of it is stored. An empty source or target is left out.
        A pair already stored keeps one row, with the origin and time of its latest approval.
        """
        now = utc_now()
        rows = (
            (lang_code(u.src_lang), lang_code(u.tgt_lang), normalise(u.src_text), u.src_text.strip(), u.tgt_text.strip(),
             u.origin, u.ref, u.created or now)
            for u in units
        )
        rows = (r for r in rows if r[2] and r[4])
        try:
            before = len(self)
            with self._db:
                while chunk := list(islice(rows, batch)):
                    self._db.executemany(_UPSERT, chunk)
            return len(self) - before
        except sqlite3.Error as exc:
            raise TranslationMemoryError(f"cannot write the translation memory {self.path}: {exc}") from exc

    def lookup(self, lang_from: str, lang_to: str, texts: Iterable[str]) -> dict[str, MemoryHit]:
        """The memory's translation of each of ``texts`` it has, matched on :func:`normalise`."""
        texts = list(texts)
        return best_hits(lang_from, lang_to, texts, self.candidates(keys_of(texts)))

    def candidates(self, keys: Sequence[str]) -> Iterator[tuple[str, str, str, MemoryHit]]:
        """``(key, src_lang, tgt_lang, hit)`` for every stored unit with one of ``keys``, any languages."""
        step = 500
        try:
            for i in range(0, len(keys), step):
                chunk = keys[i:i + step]
                rows = self._db.execute(
                    "SELECT src_key, src_lang, tgt_lang, tgt_text, origin, ref, created FROM units "
                    f"WHERE src_key IN ({','.join('?' * len(chunk))}) ORDER BY id",
                    chunk,
                ).fetchall()
                for key, src_lang, tgt_lang, tgt_text, origin, ref, created in rows:
                    yield key, src_lang, tgt_lang, MemoryHit(tgt_text, origin, ref, created)
        except sqlite3.Error as exc:
            raise TranslationMemoryError(f"cannot read the translation memory {self.path}: {exc}") from exc

    def units(self, lang_from: str | None = None, lang_to: str | None = None) -> Iterator[MemoryUnit]:
        """Every unit in the order stored, optionally of one language pair (codes as in :meth:`lookup`)."""
        want_from = lang_code(lang_from) if lang_from else None
        want_to = lang_code(lang_to) if lang_to else None
        try:
            rows = self._db.execute(
                "SELECT src_lang, tgt_lang, src_text, tgt_text, origin, ref, created FROM units ORDER BY id"
            )
            for src_lang, tgt_lang, src_text, tgt_text, origin, ref, created in rows:
                if want_from and _fit(want_from, src_lang) is None:
                    continue
                if want_to and _fit(want_to, tgt_lang) is None:
                    continue
                yield MemoryUnit(src_lang, tgt_lang, src_text, tgt_text, origin, ref, created)
        except sqlite3.Error as exc:
            raise TranslationMemoryError(f"cannot read the translation memory {self.path}: {exc}") from exc

    def stats(self) -> MemoryStats:
        try:
            pairs: Counter[str] = Counter()
            for src, tgt, n in self._db.execute("SELECT src_lang, tgt_lang, COUNT(*) FROM units GROUP BY 1, 2"):
                pairs[f"{src}→{tgt}"] += n
            origins = dict(self._db.execute("SELECT origin, COUNT(*) FROM units GROUP BY 1 ORDER BY 2 DESC, 1"))
            oldest, newest = self._db.execute("SELECT MIN(created), MAX(created) FROM units").fetchone()
        except sqlite3.Error as exc:
            raise TranslationMemoryError(f"cannot read the translation memory {self.path}: {exc}") from exc
        return MemoryStats(
            path=str(self.path), units=sum(pairs.values()), by_pair=dict(sorted(pairs.items())),
            by_origin=origins, oldest=oldest or "", newest=newest or "",
        )

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM units").fetchone()[0]

    def revision(self) -> str:
        """Changes whenever a unit is added or replaced (part of what a run's stored results depend on)."""
        try:
            row = self._db.execute(
                "SELECT COUNT(*), MAX(created), TOTAL(LENGTH(src_text) + LENGTH(tgt_text) + LENGTH(origin)) FROM units"
            ).fetchone()
        except sqlite3.Error as exc:
            raise TranslationMemoryError(f"cannot read the translation memory {self.path}: {exc}") from exc
        return json.dumps(list(row))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

