"""`python -m bench mining`'s speed comparison runs each way on the same embeddings and reports both searches."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("faiss")
pytest.importorskip("torch")

from bench.comparable import Story, build  # noqa: E402
from bench.mining import speed, warm_up  # noqa: E402
from pipeline.align.mining import MineParams  # noqa: E402


def stories(n=30, per=12):
    """Stories whose sentences are numbered words (each sentence its own meaning), in two languages."""
    return [
        Story(f"t/s{i}", "news", (("de", tuple(f"de {i} {j}" for j in range(per))), ("fr", tuple(f"fr {i} {j}" for j in range(per)))))
        for i in range(n)
    ]


def vectors_for(corpus, dim=48, noise=0.2):
    """A meaning per (story, sentence), the same for both sides plus noise: translations are close."""
    rng = np.random.default_rng(0)
    meanings: dict[tuple[str, str], np.ndarray] = {}
    rows = []
    for doc in corpus.docs:
        for text in doc.sentences:
            key = tuple(text.split()[1:])
            meanings.setdefault(key, rng.standard_normal(dim))
            rows.append(meanings[key] + noise * rng.standard_normal(dim))
    x = np.asarray(rows, np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_speed_times_old_new_and_faiss_on_the_same_pairs():
    corpus = build(stories(), 40, seed=3)
    vectors = vectors_for(corpus)
    params = MineParams(search="bf16")
    assert "torch_and_bf16_warm_up_s" in warm_up(params)
    result = speed(corpus, vectors, params)
    assert set(result) >= {"old", "new", "new/faiss", "speedup", "speedup_faiss"}
    assert len(result["new"]["seconds_runs"]) == 2 and len(result["new/faiss"]["seconds_runs"]) == 2
    assert result["new"]["pairs"] == result["new/faiss"]["pairs"] > 0
    assert result["new"]["precision"] == result["new/faiss"]["precision"] > 0.9
    assert result["speedup"] == round(result["old"]["seconds"] / result["new"]["seconds"], 1)


def test_faiss_only_times_one_search_and_loads_nothing():
    corpus = build(stories(), 20, seed=3)
    result = speed(corpus, vectors_for(corpus), MineParams(search="faiss"))
    assert "new/faiss" not in result and "speedup_faiss" not in result
    assert warm_up(MineParams(search="faiss")) == {}
