"""The translation cache: schema migration, a damaged file moved aside and rebuilt, commits during decoding."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.translate.cache import LazyCache, TranslationCache
from pipeline.translate.engine import TranslationEngine
from tests.argos_fixtures import built, packages_dir, ru_en  # noqa: F401  (fixtures)
from tests.test_translate_engine import EXPECTED, SENTENCES, counting  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent

V1_SCHEMA = """
CREATE TABLE translations (
    package TEXT NOT NULL, settings TEXT NOT NULL, source TEXT NOT NULL, translation TEXT NOT NULL,
    created REAL NOT NULL, PRIMARY KEY (package, settings, source)
) WITHOUT ROWID
"""


def corrupt_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".corrupt-" in p.name)


def test_a_cache_without_the_confidence_column_is_migrated(ru_en, tmp_path, counting):
    path = tmp_path / "old.sqlite3"
    engine = TranslationEngine(threads=1)
    pkg = engine.route("ru", "en")[0]
    key = f"{pkg.model_id}|ru|en|sha256:{pkg.checksum}"
    with sqlite3.connect(path) as db:  # a cache file as the previous version wrote it
        db.execute(V1_SCHEMA)
        db.execute("INSERT INTO translations VALUES (?, ?, ?, ?, 0)", (key, engine.settings_key(), SENTENCES[0], EXPECTED[0]))
    db.close()

    cache = TranslationCache(path)
    assert cache.get_many(key, engine.settings_key(), [SENTENCES[0]]) == {SENTENCES[0]: (EXPECTED[0], None)}
    outcomes = TranslationEngine(threads=1, cache=cache).translate([("ru", s) for s in SENTENCES[:2]], "en")
    # the old row has no confidence: decoded once more and updated; the other is new
    assert [o.status for o in outcomes] == ["translated", "translated"]
    assert all(o.mt_confidence is not None for o in outcomes)
    counting.calls = 0
    again = TranslationEngine(threads=1, cache=TranslationCache(path)).translate([("ru", s) for s in SENTENCES[:2]], "en")
    assert counting.calls == 0 and [o.status for o in again] == ["cached", "cached"]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    db.close()


@pytest.mark.parametrize("damage", ["garbage", "pages"])
def test_a_damaged_cache_is_moved_aside_and_rebuilt_with_one_warning(ru_en, tmp_path, caplog, damage):
    path = tmp_path / "translations.sqlite3"
    items = [("ru", s) for s in SENTENCES]
    if damage == "garbage":
        path.write_bytes(b"this is not a database at all " * 200)
    else:  # a real cache whose pages were overwritten (a disk error, a copy cut short)
        engine = TranslationEngine(threads=1, cache=TranslationCache(path))
        engine.translate([("ru", f"{s} {n}") for s in SENTENCES for n in range(60)], "en")
        engine.cache.close()
        data = bytearray(path.read_bytes())
        assert len(data) > 3 * 4096
        data[4096:len(data) - 100] = b"\xff" * (len(data) - 4196)
        path.write_bytes(bytes(data))

    with caplog.at_level(logging.WARNING):
        cache = LazyCache(path)
        outcomes = TranslationEngine(threads=1, cache=cache).translate(items, "en")
    assert [o.translation for o in outcomes] == EXPECTED
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "damaged" in warnings[0] and ".corrupt-" in warnings[0], warnings
    [aside] = [name for name in corrupt_files(tmp_path) if not name.endswith(("-wal", "-shm"))]
    assert aside.startswith("translations.sqlite3.corrupt-")
    cache.close()

    # The rebuilt cache serves the next run, without a warning.
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = TranslationEngine(threads=1, cache=LazyCache(path)).translate(items, "en")
    assert {o.status for o in again} == {"cached"}
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len([n for n in corrupt_files(tmp_path) if not n.endswith(("-wal", "-shm"))]) == 1


def test_a_cache_that_is_only_locked_is_not_moved_aside(tmp_path):
    from pipeline.sqlitecache import is_corruption

    assert not is_corruption(sqlite3.OperationalError("database is locked"))
    assert not is_corruption(OSError("disk full"))
    path = tmp_path / "c.sqlite3"
    TranslationCache(path).put_many("p", "s", [("a", "b", -0.5)])
    assert TranslationCache(path).get_many("p", "s", ["a"]) == {"a": ("b", -0.5)}
    assert corrupt_files(tmp_path) == []


KILLED_MID_CHUNK = r"""
import os, sys
from pipeline.translate import engine as engine_module
from pipeline.translate.cache import TranslationCache
from pipeline.translate.engine import TranslationEngine

real = engine_module.load_translator
seen = []

class Dies:
    "Hands out results as CTranslate2 does, and dies like SIGKILL while waiting for the sixth."
    def __init__(self, future):
        self.future = future

    def result(self):
        seen.append(1)
        if len(seen) == 6:
            os._exit(137)
        return self.future.result()

class Translator:
    def __init__(self, inner):
        self.inner = inner

    def translate_batch(self, batch, **kwargs):
        return [Dies(f) for f in self.inner.translate_batch(batch, **kwargs)]

engine_module.load_translator = lambda *a, **k: Translator(real(*a, **k))
engine = TranslationEngine(threads=1, cache=TranslationCache(sys.argv[1]), commit_seconds=float(sys.argv[2]),
                           max_batch_size=1)
engine.translate([("ru", line) for line in sys.argv[3:]], "en")
"""


@pytest.mark.parametrize("commit_seconds,kept", [(0.0, 5), (3600.0, 0)])
def test_a_kill_inside_a_chunk_keeps_what_was_committed(ru_en, tmp_path, counting, commit_seconds, kept):
    """All seven sentences are one chunk (one translate_batch call): before, a kill lost all of them; now the
    translations finished before the last commit survive (every one with commit_seconds=0)."""
    cache_path = tmp_path / "cache.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", KILLED_MID_CHUNK, str(cache_path), str(commit_seconds), *SENTENCES],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 137, proc.stderr
    assert len(TranslationCache(cache_path)) == kept

    engine = TranslationEngine(threads=1, cache=TranslationCache(cache_path))
    outcomes = engine.translate([("ru", s) for s in SENTENCES], "en")
    assert [o.translation for o in outcomes] == EXPECTED
    assert [o.status for o in outcomes].count("cached") == kept
    assert counting.sentences == len(SENTENCES) - kept


def test_commits_are_bounded_in_time(ru_en, tmp_path, monkeypatch):
    """With the default bound, a long chunk is committed every ``commit_seconds``, not once at its end."""
    commits = []
    cache = TranslationCache(tmp_path / "c.sqlite3")
    real_put = cache.put_many

    def put_many(package, settings, rows):
        commits.append(len(rows))
        real_put(package, settings, rows)

    monkeypatch.setattr(cache, "put_many", put_many)
    clock = iter(range(0, 10_000, 1))  # every reading of the clock is one second later
    monkeypatch.setattr("pipeline.translate.engine.time.monotonic", lambda: float(next(clock)))
    TranslationEngine(threads=1, cache=cache, commit_seconds=2.0).translate([("ru", s) for s in SENTENCES], "en")
    assert len(commits) >= 3 and sum(commits) == len(SENTENCES)
