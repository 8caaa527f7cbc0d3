"""The bfloat16 filter of the exact neighbour search finds what faiss's exact search finds."""

from __future__ import annotations

import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("faiss")

from pipeline.align import knn  # noqa: E402
from pipeline.align.mining import MineParams, _Space, mine_corpus  # noqa: E402


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def corpus(n_docs=60, per_doc=12, dim=48, seed=0, noise=0.35):
    """Documents in two languages; every story twice (a translation: the same meanings plus noise), so the nearest
    neighbours are close and the k-th ones sit in a crowd."""
    rng = np.random.default_rng(seed)
    meanings = rng.standard_normal((n_docs // 2, per_doc, dim))
    vectors = np.concatenate([meanings[d // 2] + noise * rng.standard_normal((per_doc, dim)) for d in range(n_docs)])
    docs = np.repeat(np.arange(n_docs), per_doc)
    langs = np.where(docs % 2 == 0, "ru", "en")
    return unit(vectors), docs, langs


def both_ways(vectors, docs, queries, base, k=4):
    faiss_space = _Space(vectors, docs, MineParams(k=k))
    bf16_space = _Space(vectors, docs, MineParams(k=k), bf16=True)
    return faiss_space.neighbours(queries, base), bf16_space.neighbours(queries, base)


def both_pairs(vectors, docs, a, b, k=4):
    """faiss one way and the other, and the filter both ways from one similarity matrix."""
    faiss_space = _Space(vectors, docs, MineParams(k=k))
    bf16_space = _Space(vectors, docs, MineParams(k=k), bf16=True)
    return (faiss_space.neighbours(a, b), faiss_space.neighbours(b, a)), bf16_space.neighbours_both(a, b)


def assert_same_pairs(expected, got):
    for e, g in zip(expected, got):
        assert_same_neighbours(e, g)


def assert_same_neighbours(expected, got):
    (s_f, n_f), (s_b, n_b) = expected, got
    assert s_b.shape == s_f.shape and n_b.shape == n_f.shape
    np.testing.assert_allclose(s_b, s_f, atol=1e-5)
    # the same rows wherever the similarities are not tied
    with np.errstate(invalid="ignore"):  # -inf after -inf where there are fewer than k
        gap = np.abs(np.diff(s_f, axis=1)) > 1e-5
    untied = np.ones(s_f.shape, bool)
    untied[:, 1:] &= gap
    untied[:, :-1] &= gap
    assert (n_b[untied] == n_f[untied]).all()


def test_the_error_bound_holds_for_bfloat16_products():
    rng = np.random.default_rng(3)
    for dim in (16, 512):
        q = rng.standard_normal((300, dim)).astype(np.float32) * rng.uniform(0.1, 10, (300, 1)).astype(np.float32)
        b = rng.standard_normal((400, dim)).astype(np.float32)
        b[:50] = q[:50] + 1e-3 * b[:50]  # near-parallel pairs: the largest products
        approx = torch.mm(torch.from_numpy(q).bfloat16(), torch.from_numpy(b).bfloat16().T).float().numpy()
        exact = q.astype(np.float64) @ b.astype(np.float64).T
        scale = np.linalg.norm(q, axis=1)[:, None] * np.linalg.norm(b, axis=1)[None, :]
        worst = float((np.abs(approx - exact) / scale).max())
        assert 0 < worst <= knn.error_bound(dim)
        assert worst > knn.error_bound(dim) / 20  # the bound is not vacuous


def test_neighbours_are_faiss_neighbours_both_ways():
    vectors, docs, langs = corpus()
    ru, en = np.flatnonzero(langs == "ru"), np.flatnonzero(langs == "en")
    for queries, base in ((ru, en), (en, ru)):
        expected, got = both_ways(vectors, docs, queries, base)
        assert np.isfinite(got[0]).all()
        assert_same_neighbours(expected, got)
    for a, b in ((ru, en), (en, ru), (ru[:200], en), (ru, en[:100])):  # either side the larger
        assert_same_pairs(*both_pairs(vectors, docs, a, b))


def test_blocks_of_rows_give_the_same_neighbours(monkeypatch):
    monkeypatch.setattr(knn, "BLOCK_CELLS", 1)  # blocks of k groups of rows: 256 rows a block
    vectors, docs, langs = corpus(n_docs=200, per_doc=9, seed=2)
    ru, en = np.flatnonzero(langs == "ru"), np.flatnonzero(langs == "en")
    assert len(ru) > 3 * 4 * knn.GROUP
    assert_same_neighbours(*both_ways(vectors, docs, ru, en))
    assert_same_pairs(*both_pairs(vectors, docs, ru, en))
    assert_same_pairs(*both_pairs(vectors, docs, ru[:300], en))


def test_a_sentence_of_another_language_inside_a_document_never_neighbours_its_document():
    vectors, docs, langs = corpus(n_docs=40)
    langs[np.arange(0, len(langs), 7)] = "de"  # sentences detected in a third language, in every document
    de, en = np.flatnonzero(langs == "de"), np.flatnonzero(langs == "en")
    (expected_de, expected_en), (got_de, got_en) = both_pairs(vectors, docs, de, en)
    assert_same_neighbours(expected_de, got_de)
    assert_same_neighbours(expected_en, got_en)
    assert (docs[en[got_de[1]]] != docs[de][:, None]).all()
    assert (docs[de[got_en[1]]] != docs[en][:, None]).all()


def test_a_document_never_neighbours_itself_within_one_language():
    vectors, docs, _ = corpus(n_docs=40)
    rows = np.arange(len(vectors))  # one language with itself: every query's document is in the base
    expected, got = both_ways(vectors, docs, rows, rows)
    assert_same_neighbours(expected, got)
    assert (docs[got[1]] != docs[:, None]).all()


def test_rows_the_filter_cannot_certify_are_searched_by_faiss():
    vectors, docs, langs = corpus(n_docs=40, dim=32)
    rng = np.random.default_rng(9)
    vectors[:5] = unit(rng.standard_normal((5, 32)))  # strangers: k-th best similarity near 0
    vectors[5] = -vectors[6]
    hub = vectors[langs == "en"][0]
    en = np.flatnonzero(langs == "en")
    vectors[en[1:400]] = hub  # a sentence repeated hundreds of times: too many candidates for one query
    ru = np.flatnonzero(langs == "ru")
    bf16 = knn.Bf16Search()
    side_ru, side_en = knn.Bf16Side(vectors[ru], docs[ru]), knn.Bf16Side(vectors[en], docs[en])
    assert len(bf16.search(side_ru, side_en, 4).left) > 0
    assert len(bf16.pair(side_ru, side_en, 4)[0].left) > 0  # the Russian sentences as rows
    assert len(bf16.pair(side_en, side_ru, 4)[1].left) > 0  # as columns
    assert_same_neighbours(*both_ways(vectors, docs, ru, en))
    assert_same_pairs(*both_pairs(vectors, docs, ru, en))


def test_a_base_smaller_than_k_groups_and_fewer_than_k_rows_are_handled():
    vectors, docs, langs = corpus(n_docs=8, per_doc=3)
    ru, en = np.flatnonzero(langs == "ru"), np.flatnonzero(langs == "en")
    assert_same_neighbours(*both_ways(vectors, docs, ru, en))
    assert_same_pairs(*both_pairs(vectors, docs, ru, en))
    one = en[:2]
    expected, got = both_ways(vectors, docs, ru, one, k=4)
    assert_same_neighbours(expected, got)
    assert (got[1][:, 2:] == -1).all() and np.isneginf(got[0][:, 2:]).all()
    assert_same_pairs(*both_pairs(vectors, docs, ru, one))


def test_mining_gives_the_same_pairs_either_way():
    vectors, docs, langs = corpus(n_docs=80, per_doc=10, noise=0.5, seed=4)
    doc_ids = [f"d{d}" for d in docs]
    for mine_langs in ("cross", "all"):
        pairs = {s: mine_corpus(vectors, doc_ids, langs, MineParams(mine_langs=mine_langs, search=s)) for s in ("faiss", "bf16")}
        assert pairs["faiss"]
        assert [(p.src, p.tgt) for p in pairs["bf16"]] == [(p.src, p.tgt) for p in pairs["faiss"]]
        assert [p.margin for p in pairs["bf16"]] == pytest.approx([p.margin for p in pairs["faiss"]], abs=1e-5)


def test_auto_uses_the_filter_only_on_amx_and_when_it_pays(monkeypatch):
    assert knn.use_bf16("faiss", 1e12) is False
    assert knn.use_bf16("bf16", 0) is True
    with pytest.raises(ValueError, match="unknown search"):
        knn.use_bf16("gpu", 0)
    with pytest.raises(ValueError, match="unknown search"):
        mine_corpus(unit(np.eye(3)), ["a", "b", "c"], ["en", "ru", "en"], MineParams(search="gpu"))
    monkeypatch.setattr(knn, "cpu_has_amx", lambda: False)
    assert knn.use_bf16("auto", 1e12) is False
    monkeypatch.setattr(knn, "cpu_has_amx", lambda: True)
    assert knn.use_bf16("auto", knn.AUTO_MIN_WORK) is True
    monkeypatch.delitem(sys.modules, "torch")  # not loaded yet: a small search does not load it
    assert knn.use_bf16("auto", knn.AUTO_MIN_WORK / 10) is False
