"""Margin mining: order-free pairs from comparable documents, across and within languages."""

from __future__ import annotations

import numpy as np

from pipeline.align.mining import MineParams, mine, mine_vectors

# Comparable, not parallel: different order, different extra sentences; four pairs say the same thing.
EN = [
    "Belarus is looking for South Korean investors in blockchain and fintech.",
    "The weather in Minsk was cold on Tuesday.",
    "The deputy foreign minister visited Seoul on Tuesday.",
    "Korea and Belarus signed a memorandum on science and technology cooperation.",
    "Football fans celebrated the victory late into the night.",
    "The ambassador said both countries share strengths in high-tech industries.",
    "Prices of vegetables rose sharply in the spring.",
]
RU = [
    "Во вторник заместитель министра иностранных дел посетил Сеул.",
    "Беларусь ищет южнокорейских инвесторов в сфере блокчейна и финтеха.",
    "Новый мост через реку откроют в следующем году.",
    "Посол отметил, что обе страны сильны в высокотехнологичных отраслях.",
    "Корея и Беларусь подписали меморандум о сотрудничестве в области науки и технологий.",
    "Кошки любят спать на солнце.",
    "В Москве прошёл концерт классической музыки.",
]
GOLD = {(0, 1), (2, 0), (3, 4), (5, 3)}

EN2 = [
    "South Korean investors are being courted by Belarus for its blockchain and fintech industry.",
    "A new bridge over the river will open next year.",
    "Seoul hosted a visit by the deputy foreign minister on Tuesday.",
    "The orchestra played Mozart to a full hall.",
]
GOLD_EN = {(0, 0), (2, 2)}


def precision_recall(found, gold):
    pairs = {(p.src, p.tgt) for p in found}
    tp = len(pairs & gold)
    return tp / max(len(pairs), 1), tp / len(gold)


def test_mining_across_languages(use_encoder):
    found = mine(EN, RU, use_encoder)
    precision, recall = precision_recall(found, GOLD)
    assert precision == 1.0, found
    assert recall >= 0.75, found
    assert all(p.margin >= MineParams().threshold for p in found)


def test_mining_is_order_free(use_encoder):
    order = [6, 3, 0, 5, 2, 4, 1]
    found = mine(EN, [RU[i] for i in order], use_encoder)
    mapped = {(p.src, order[p.tgt]) for p in found}
    assert mapped == {(p.src, p.tgt) for p in mine(EN, RU, use_encoder)}


def test_mining_within_one_language(use_encoder):
    found = mine(EN, EN2, use_encoder)
    precision, recall = precision_recall(found, GOLD_EN)
    assert precision == 1.0 and recall == 1.0, found


def test_threshold_trades_recall_for_precision(use_encoder):
    loose = mine(EN, RU, use_encoder, MineParams(threshold=1.0, min_similarity=0.0))
    strict = mine(EN, RU, use_encoder, MineParams(threshold=3.0))
    assert len(loose) >= len(mine(EN, RU, use_encoder)) >= len(strict)
    assert strict == []


def test_each_sentence_used_once_and_best_margin_wins():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((6, 32)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    noisy = base + 0.1 * rng.standard_normal(base.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    tgt = np.concatenate([noisy[::-1], noisy[:1]])  # reversed, plus a near-duplicate of sentence 0
    found = mine_vectors(base, tgt, MineParams(k=3, threshold=1.05, min_similarity=0.3))
    pairs = {(p.src, p.tgt) for p in found}
    assert len({p.src for p in found}) == len(found) == len({p.tgt for p in found})
    assert pairs <= {(i, 5 - i) for i in range(6)} | {(0, 6)}
    assert len(pairs) >= 5


def test_empty_sides_mine_nothing():
    assert mine_vectors(np.zeros((0, 4), np.float32), np.ones((2, 4), np.float32)) == []
