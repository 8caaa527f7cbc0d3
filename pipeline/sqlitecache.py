"""Opening the SQLite files the caches keep (translations, embeddings), and repairing a damaged one.

A cache only saves work, so a damaged file (not a database at all, or a
database whose pages are corrupt) is not worth a failed run nor a warning on
every run: it is moved aside as ``<name>.corrupt-YYYYmmddTHHMMSS`` (its ``-wal``
and ``-shm`` companions with it, so the damaged set can still be examined) and an
empty cache takes its place, with one warning. Errors that say nothing about
the file's content (a locked database, a read-only folder, a full disk) are
not corruption: the file is left alone and the caller decides.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
_CORRUPT_WORDS = ("malformed", "not a database", "corrupt", "file is encrypted")
_COMPANIONS = ("-wal", "-shm", "-journal")


def is_corruption(exc: BaseException) -> bool:
    """True when ``exc`` says the database file's content is damaged (not when it is locked or unwritable)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    return any(word in str(exc).lower() for word in _CORRUPT_WORDS)


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its companions) to ``<name>.corrupt-<timestamp>``; returns the new path."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    for suffix in _COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            with contextlib.suppress(OSError):
                os.replace(companion, target.with_name(target.name + suffix))
    return target


def open_database(
    path: Path,
    setup: Callable[[sqlite3.Connection], None],
    *,
    what: str,
    **connect_kwargs,
) -> sqlite3.Connection:
    """Connect to ``path`` and run ``setup`` (pragmas, schema); a damaged file is moved aside and rebuilt.

    Raises ``sqlite3.Error`` or ``OSError`` for everything that is not corruption,
    and for a file that is still unusable once rebuilt.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), **connect_kwargs)
    try:
        setup(db)
        return db
    except sqlite3.DatabaseError as exc:
        db.close()
        if not is_corruption(exc):
            raise
        db = recover(path, exc, what=what, **connect_kwargs)
        try:
            setup(db)
        except BaseException:
            db.close()
            raise
        return db


def recover(path: Path, exc: BaseException, *, what: str, **connect_kwargs) -> sqlite3.Connection:
    """Move the damaged ``path`` aside (one warning) and return a connection to a new, empty file there.

    The caller closes its old connection first and sets its schema up again.
    """
    moved = move_aside(path)
    log.warning("the %s %s was damaged (%s); moved it to %s and started a new one", what, path, exc, moved.name)
    return sqlite3.connect(str(path), **connect_kwargs)
