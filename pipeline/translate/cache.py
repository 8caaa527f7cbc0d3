"""A persistent translation cache in SQLite.

One row per (package identity, decoding settings, source text). The package
identity is its codes, version and the checksum of its model files, so a
re-trained model under the same version number never serves stale
translations. The database runs in WAL mode and is committed each time a
batch of translations finishes, so a run that is killed keeps everything it
translated and the next run resumes from there.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import TranslationCacheError as CacheError

log = logging.getLogger(__name__)

CACHE_FILENAME = "translations.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    package TEXT NOT NULL,
    settings TEXT NOT NULL,
    source TEXT NOT NULL,
    translation TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (package, settings, source)
) WITHOUT ROWID
"""


def default_cache_path() -> Path:
    """``translations.sqlite3`` in the user cache folder (e.g. ``~/.cache/pipeline``)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("pipeline", appauthor=False)) / CACHE_FILENAME


class TranslationCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"cannot open the translation cache {self.path}: {exc}") from exc

    def get_many(self, package: str, settings: str, sources: Iterable[str]) -> dict[str, str]:
        """The cached translations among ``sources``."""
        found: dict[str, str] = {}
        sources = list(dict.fromkeys(sources))
        step = 500
        try:
            for i in range(0, len(sources), step):
                chunk = sources[i:i + step]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT source, translation FROM translations WHERE package=? AND settings=? AND source IN ({marks})",
                    (package, settings, *chunk),
                )
                found.update(rows)
        except sqlite3.Error as exc:
            raise CacheError(f"cannot read the translation cache {self.path}: {exc}") from exc
        return found

    def put_many(self, package: str, settings: str, pairs: Iterable[tuple[str, str]]) -> None:
        """Store translations and commit at once (a killed run keeps them)."""
        now = time.time()
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO translations (package, settings, source, translation, created) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(package, settings, src, tgt, now) for src, tgt in pairs],
                )
        except sqlite3.Error as exc:
            raise CacheError(f"cannot write the translation cache {self.path}: {exc}") from exc

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0]

    def close(self) -> None:
        self._db.close()


class LazyCache:
    """A :class:`TranslationCache` opened on first use, so a run with nothing to translate creates no file.

    The cache only saves work: when it cannot be opened, read or written (a folder given as
    ``--cache``, a full disk, a damaged file) the run goes on without it after one warning.
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

    def get_many(self, package: str, settings: str, sources: Iterable[str]) -> dict[str, str]:
        cache = self._open()
        if cache is None:
            return {}
        try:
            return cache.get_many(package, settings, sources)
        except CacheError as exc:
            self._give_up(exc)
            return {}

    def put_many(self, package: str, settings: str, pairs: Iterable[tuple[str, str]]) -> None:
        cache = self._open()
        if cache is None:
            return
        try:
            cache.put_many(package, settings, pairs)
        except CacheError as exc:
            self._give_up(exc)

    def __len__(self) -> int:
        cache = self._open()
        return len(cache) if cache is not None else 0

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
