"""The embedding cache's file: a damaged one is moved aside and rebuilt with one warning."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from pipeline.align.encoders import VectorCache


def compute(texts):
    return np.arange(len(texts) * 3, dtype=np.float32).reshape(len(texts), 3) + 1


def aside(folder):
    return sorted(p.name for p in folder.iterdir() if ".corrupt-" in p.name and not p.name.endswith(("-wal", "-shm")))


@pytest.mark.parametrize("damage", ["garbage", "pages"])
def test_a_damaged_embedding_cache_is_moved_aside_and_rebuilt(tmp_path, caplog, damage):
    path = tmp_path / "embeddings.sqlite"
    texts = [f"sentence {n}" for n in range(400)]
    if damage == "garbage":
        path.write_bytes(b"not a database " * 500)
    else:
        cache = VectorCache(path)
        cache.get_many("x", texts, compute)
        cache.close()
        data = bytearray(path.read_bytes())
        data[4096:-100] = b"\x00\xff" * ((len(data) - 4196) // 2)
        path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        cache = VectorCache(path)
        out = cache.get_many("x", texts, compute)
        cache.get_many("x", ["one more"], compute)
    np.testing.assert_array_equal(out, compute(sorted(texts))[[sorted(texts).index(t) for t in texts]])
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "damaged" in warnings[0], warnings
    assert len(aside(tmp_path)) == 1 and aside(tmp_path)[0].startswith("embeddings.sqlite.corrupt-")
    assert cache.path == path  # still caching on disk, in the new file
    cache.close()

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = VectorCache(path)
        again.get_many("x", texts, lambda t: pytest.fail("recomputed"))
    assert again.hits == len(texts) and not caplog.records
    again.close()


def test_the_memory_cache_keeps_the_most_recent_rows_and_the_file_the_rest(tmp_path):
    def vectors(texts):
        return np.array([[float(len(t)), float(ord(t[0]))] for t in texts], np.float32)

    texts = ["a", "bb", "ccc", "dddd", "eeeee"]
    for path, recomputed in ((tmp_path / "vec.sqlite", []), (None, [["a"]])):
        computed: list[list[str]] = []
        cache = VectorCache(path, memory_rows=3)
        first = cache.get_many("ns", texts, lambda t: computed.append(list(t)) or vectors(t))  # more than memory holds
        assert first.tolist() == vectors(texts).tolist()
        assert [text for _, text in cache._memory] == ["ccc", "dddd", "eeeee"]
        computed.clear()
        again = cache.get_many("ns", ["eeeee", "a"], lambda t: computed.append(list(t)) or vectors(t))
        assert again.tolist() == vectors(["eeeee", "a"]).tolist()
        assert computed == recomputed  # "a" left memory: read back from the file, or computed again without one
        assert [text for _, text in cache._memory] == ["dddd", "eeeee", "a"]
        cache.close()
