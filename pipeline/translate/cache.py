"""A persistent translation cache in SQLite.

One row per (package identity, decoding settings, source text): the
translation and the model's confidence in it (``mt_confidence``, see
:mod:`pipeline.translate.engine`). The package identity is its codes, version
and the checksum of its model files, so a re-trained model under the same
version number never serves stale translations. The database runs in WAL
mode; the engine commits every few seconds of decoding, so a run that is
killed keeps nearly everything it translated and the next run resumes from
there.

A damaged file is moved aside (``translations.sqlite3.corrupt-<timestamp>``)
and rebuilt, with one warning (:mod:`pipeline.sqlitecache`). A cache written
before confidences were stored gains the column on first use (schema version
2); its rows have no confidence and are decoded again once, when next needed.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import TranslationCacheError as CacheError
from pipeline.sqlitecache import is_corruption, open_database, recover

log = logging.getLogger(__name__)

CACHE_FILENAME = "translations.sqlite3"
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    package TEXT NOT NULL,
    settings TEXT NOT NULL,
    source TEXT NOT NULL,
    translation TEXT NOT NULL,
    created REAL NOT NULL,
    mt_confidence REAL,
    PRIMARY KEY (package, settings, source)
) WITHOUT ROWID
"""

Cached = tuple[str, "float | None"]
"""A cached translation and its confidence (``None`` when the row predates confidences)."""


def default_cache_path() -> Path:
    """``translations.sqlite3`` in the user cache folder (e.g. ``~/.cache/pipeline``)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("pipeline", appauthor=False)) / CACHE_FILENAME


def _setup(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(_SCHEMA)
    _migrate(db)
    db.commit()


def _migrate(db: sqlite3.Connection) -> None:
    """Version 1 files (no ``mt_confidence`` column) gain it; their rows keep a NULL confidence."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(translations)")}
    if "mt_confidence" not in columns:
        try:
            db.execute("ALTER TABLE translations ADD COLUMN mt_confidence REAL")
        except sqlite3.OperationalError as exc:  # another process migrated it first
            if "duplicate column" not in str(exc).lower():
                raise
    if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


class TranslationCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._db = open_database(self.path, _setup, what="translation cache", timeout=30.0)
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"cannot open the translation cache {self.path}: {exc}") from exc

    def _repair(self, exc: sqlite3.Error) -> bool:
        """Replace a file found damaged while in use by an empty one; False when ``exc`` is not corruption."""
        if not is_corruption(exc):
            return False
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
        try:
            self._db = recover(self.path, exc, what="translation cache", timeout=30.0)
            _setup(self._db)
        except (OSError, sqlite3.Error) as again:
            raise CacheError(f"cannot rebuild the translation cache {self.path}: {again}") from again
        return True

    def get_many(self, package: str, settings: str, sources: Iterable[str]) -> dict[str, Cached]:
        """The cached ``(translation, mt_confidence)`` among ``sources``."""
        sources = list(dict.fromkeys(sources))
        try:
            return self._select(package, settings, sources)
        except sqlite3.Error as exc:
            if self._repair(exc):
                return {}
            raise CacheError(f"cannot read the translation cache {self.path}: {exc}") from exc

    def _select(self, package: str, settings: str, sources: list[str]) -> dict[str, Cached]:
        found: dict[str, Cached] = {}
        step = 500
        for i in range(0, len(sources), step):
            chunk = sources[i:i + step]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT source, translation, mt_confidence FROM translations "
                f"WHERE package=? AND settings=? AND source IN ({marks})",
                (package, settings, *chunk),
            )
            found.update((src, (tgt, conf)) for src, tgt, conf in rows)
        return found

    def put_many(self, package: str, settings: str, rows: Iterable[tuple[str, str, float | None]]) -> None:
        """Store ``(source, translation, mt_confidence)`` rows and commit at once (a killed run keeps them)."""
        now = time.time()
        values = [(package, settings, src, tgt, now, conf) for src, tgt, conf in rows]
        for attempt in (1, 2):
            try:
                with self._db:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO translations "
                        "(package, settings, source, translation, created, mt_confidence) VALUES (?, ?, ?, ?, ?, ?)",
                        values,
                    )
                return
            except sqlite3.Error as exc:
                if attempt == 2 or not self._repair(exc):
                    raise CacheError(f"cannot write the translation cache {self.path}: {exc}") from exc

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0]

    def close(self) -> None:
        self._db.close()


class LazyCache:
    """A :class:`TranslationCache` opened on first use, so a run with nothing to translate creates no file.

    The cache only saves work: when it cannot be opened, read or written (a folder given as
    ``--cache``, a full disk, a locked file) the run goes on without it after one warning. A
    damaged file is not such a case: :class:`TranslationCache` moves it aside and starts anew.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._cache: TranslationCache | None = None
        self._broken = False

    def _open(self) -> TranslationCache | None:
        if self._cache is None and not self._broken:
            try:
                self._cache = TranslationCache(self.path)
            except CacheError as exc:
                self._give_up(exc)
        return self._cache

    def _give_up(self, exc: CacheError) -> None:
        log.warning("%s; translating without the cache", exc)
        self._broken = True
        if self._cache is not None:
            with contextlib.suppress(sqlite3.Error):
                self._cache.close()
        self._cache = None

    def get_many(self, package: str, settings: str, sources: Iterable[str]) -> dict[str, Cached]:
        cache = self._open()
        if cache is None:
            return {}
        try:
            return cache.get_many(package, settings, sources)
        except CacheError as exc:
            self._give_up(exc)
            return {}

    def put_many(self, package: str, settings: str, rows: Iterable[tuple[str, str, float | None]]) -> None:
        cache = self._open()
        if cache is None:
            return
        try:
            cache.put_many(package, settings, rows)
        except CacheError as exc:
            self._give_up(exc)

    def __len__(self) -> int:
        cache = self._open()
        return len(cache) if cache is not None else 0

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
