"""Order-free mining of sentence pairs from comparable documents (LASER/BUCC margin scoring).

Each candidate pair ``(x, y)`` is scored by the *ratio margin*

    margin(x, y) = cos(x, y) / ((mean_k cos(x, NN_k(x)) + mean_k cos(y, NN_k(y))) / 2)

where ``NN_k(x)`` are the ``k`` nearest target sentences of ``x`` and
``NN_k(y)`` the ``k`` nearest source sentences of ``y`` (Artetxe & Schwenk,
2019). Candidates are the best target of every source sentence and the best
source of every target sentence; those above ``threshold`` are kept, each
sentence in at most one pair (highest margin first). Document order plays no
part, so the two sides may be in any order and in any languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.align.parallel import Bead


@dataclass(frozen=True)
class MineParams:
    k: int = 4
    """Neighbours averaged in each direction (fewer when a side is shorter)."""
    threshold: float = 1.1
    """Lowest ratio margin kept."""
    min_similarity: float = 0.5
    """Lowest cosine similarity kept, whatever the margin (short documents have few neighbours)."""
    chunk: int = 2048


@dataclass(frozen=True, slots=True)
class MinedPair:
    src: int
    tgt: int
    margin: float
    similarity: float

    def bead(self) -> Bead:
        return Bead((self.src,), (self.tgt,), round(self.similarity, 6))


def _knn_mean(x: np.ndarray, y: np.ndarray, k: int, chunk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row of ``x``: mean similarity of its ``k`` nearest rows of ``y``, its best row, that similarity."""
    k = min(k, len(y))
    means = np.empty(len(x), np.float32)
    best = np.empty(len(x), np.int64)
    best_sim = np.empty(len(x), np.float32)
    for start in range(0, len(x), chunk):
        sims = x[start:start + chunk] @ y.T
        top = np.partition(sims, -k, axis=1)[:, -k:]
        means[start:start + chunk] = top.mean(axis=1)
        best[start:start + chunk] = sims.argmax(axis=1)
        best_sim[start:start + chunk] = sims.max(axis=1)
    return means, best, best_sim


def mine_vectors(src: np.ndarray, tgt: np.ndarray, params: MineParams = MineParams()) -> list[MinedPair]:
    """Mine pairs from L2-normalised sentence vectors, sorted by source index."""
    if len(src) == 0 or len(tgt) == 0:
        return []
    r_src, fwd, _ = _knn_mean(src, tgt, params.k, params.chunk)
    r_tgt, bwd, _ = _knn_mean(tgt, src, params.k, params.chunk)
    candidates = {(i, int(fwd[i])) for i in range(len(src))} | {(int(bwd[j]), j) for j in range(len(tgt))}
    scored = []
    for i, j in candidates:
        sim = float(src[i] @ tgt[j])
        denom = (r_src[i] + r_tgt[j]) / 2
        margin = sim / denom if denom > 0 else 0.0
        if margin >= params.threshold and sim >= params.min_similarity:
            scored.append(MinedPair(i, j, round(float(margin), 6), round(sim, 6)))
    scored.sort(key=lambda p: (-p.margin, p.src, p.tgt))
    used_src: set[int] = set()
    used_tgt: set[int] = set()
    kept = []
    for pair in scored:
        if pair.src in used_src or pair.tgt in used_tgt:
            continue
        used_src.add(pair.src)
        used_tgt.add(pair.tgt)
        kept.append(pair)
    return sorted(kept, key=lambda p: (p.src, p.tgt))


def mine(src: Sequence[str], tgt: Sequence[str], encoder, params: MineParams = MineParams()) -> list[MinedPair]:
    """Pairs of sentences from two comparable documents that say the same thing."""
    return mine_vectors(encoder.encode(list(src)), encoder.encode(list(tgt)), params)
