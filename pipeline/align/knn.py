"""Exact inner-product k-nearest neighbours of one language's sentences among another's.

Two ways, one answer:

* **faiss**: an exact flat index, float32 matrix products then heaps; any CPU.
* **a bfloat16 filter** (:class:`Bf16Search`), for CPUs with AMX tile units (Intel Sapphire Rapids and
  later), where torch's bfloat16 matrix product (oneDNN) runs several times faster than float32. Each
  bfloat16 similarity is within a proven bound of the true one (:func:`error_bound`). So a query's k nearest
  rows are among the rows whose bfloat16 similarity reaches a lower bound of its k-th best, less twice that
  bound; those candidates (about ten a query) are rescored in float32 by faiss and the best k kept. The
  lower bound comes cheap: the base is cut into groups of :data:`GROUP` rows, each group's largest value is
  one of its elements, so the k-th largest group maximum is at most the k-th largest value. A query whose
  filter cannot be trusted (its lower bound is not positive, or it has over :data:`MAX_CANDIDATES`
  candidates, e.g. a sentence repeated a thousand times) is left to faiss.

  Between two languages, one similarity matrix serves both ways: its rows are one language's queries, its
  columns the other's, whose group maxima are taken across blocks of rows (the bound grows block by block).
  Several searches run their filters first and their rescoring after, so that torch's threads and faiss's
  (two OpenMP runtimes) take turns on the cores once.

The neighbours are the same either way, up to ties and the last bits of float32 sums. Rows of the query's own
document are never neighbours.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

SEARCHES = ("auto", "faiss", "bf16")
"""``faiss``: faiss throughout; ``bf16``: the bfloat16 filter wherever it applies; ``auto``: the filter where
the CPU has AMX and the search is large enough to repay loading torch (:data:`AUTO_MIN_WORK`)."""
AUTO_MIN_WORK = 5e8
"""Query-base row pairs (summed over the searches of one mining call, both ways) from which ``auto`` loads
torch: loading it costs about 1.5 s, and on a 2-core Sapphire Rapids the filter searches a pair in about
1.5 ns where faiss takes 4.7 (bench/RESULTS.md), so it repays itself from about 5e8 pairs (two languages of
16,000 sentences each). When torch is loaded already (a sentence-transformers encoder), it is used at any
size."""
GROUP = 64
"""Base rows per group whose maximum stands for the group in the lower bound."""
MAX_CANDIDATES = 256
"""A query with more candidates than this is searched by faiss (bounds the rescoring buffers)."""
BLOCK_CELLS = 1 << 23
"""Similarities held at once (bfloat16: 16 MiB), unless a block of k groups of rows needs more (a base of over
32,768 rows searched both ways: 512 MiB at a million)."""
U = 2.0**-8
"""The unit roundoff of bfloat16 (8 significant bits)."""


def error_bound(dim: int) -> float:
    """A bound on ``|s_bf16 - q . b| / (|q| |b|)``, where ``s_bf16`` is computed from bfloat16 roundings of
    ``q`` and ``b``, summed in float32 and rounded to bfloat16.

    Rounding the inputs moves each product ``q_i b_i`` by at most ``(2u + u^2) |q_i b_i|``; float32 sums of
    ``dim`` terms add at most ``dim * 2^-24`` of the sum of magnitudes; rounding the result to bfloat16 adds
    ``u`` of it. The sum of ``|q_i b_i|`` is at most ``|q| |b|``. The terms are rounded up generously.
    """
    return 3 * U + 4 * U * U + 2 * dim * 2.0**-24


@cache
def cpu_has_amx() -> bool:
    """Whether this CPU has AMX bfloat16 tile units (Linux: /proc/cpuinfo; elsewhere: no)."""
    try:
        return "amx_bf16" in Path("/proc/cpuinfo").read_text(errors="replace").split()
    except OSError:
        return False


def use_bf16(search: str, work: float) -> bool:
    """Whether to search with the bfloat16 filter: ``search`` (:data:`SEARCHES`), ``work``: query-base row
    pairs of the call."""
    if search not in SEARCHES:
        raise ValueError(f"unknown search {search!r}; use one of {', '.join(SEARCHES)}")
    if search == "faiss":
        return False
    if search == "auto" and not (cpu_has_amx() and ("torch" in sys.modules or work >= AUTO_MIN_WORK)):
        return False
    try:
        import torch  # noqa: F401
    except ImportError:
        if search == "bf16":
            raise ValueError("search 'bf16' needs torch (pip install torch)") from None
        return False
    return True


class Bf16Side:
    """One language's vectors ready for the filter: float32 and bfloat16 copies sorted by document, and, as a
    base, the bfloat16 copy padded with zero rows to whole groups."""

    def __init__(self, vectors: np.ndarray, docs: np.ndarray) -> None:
        import torch

        self.order = np.argsort(docs, kind="stable")
        """Sorted position -> position in the given rows."""
        self.docs = docs[self.order]
        self.f32 = np.ascontiguousarray(vectors[self.order], dtype=np.float32)
        self.norms = np.linalg.norm(self.f32, axis=1)
        self.groups = -(-len(self.f32) // GROUP)
        padded = torch.zeros((self.groups * GROUP, self.f32.shape[1]), dtype=torch.bfloat16)
        padded[: len(self.f32)] = torch.from_numpy(self.f32)
        self.bf16 = padded
        """Rows ``len(f32):`` are zeros (similarity 0, never a candidate: candidates are above 0)."""

    def doc_ranges(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each given document's rows lie in this side: ``[lo, hi)`` of sorted positions."""
        return np.searchsorted(self.docs, docs, "left"), np.searchsorted(self.docs, docs, "right")


class Bf16Search:
    """The bfloat16 filter of the module docstring. One buffer of similarities serves every search (a fresh
    one would be paged in again each time)."""

    def __init__(self) -> None:
        self._buffer = None

    def search(self, queries: Bf16Side, base: Bf16Side, k: int) -> Found:
        """The ``k`` nearest rows of ``base`` to each row of ``queries`` (:class:`Found`)."""
        return self.many([(queries, base, False)], k)[0][0]

    def pair(self, a: Bf16Side, b: Bf16Side, k: int) -> tuple[Found, Found]:
        """Both ways between two sides, from one similarity each: ``a`` among ``b``, ``b`` among ``a``."""
        return self.many([(a, b, True)], k)[0]

    def many(self, searches: Sequence[tuple[Bf16Side, Bf16Side, bool]], k: int) -> list[tuple[Found, Found]]:
        """Several searches (queries, base, both ways?): every filter first, then every rescoring, so that
        torch's threads and faiss's take turns on the cores once rather than at every search. The larger side
        of a search both ways is taken as rows of the similarity matrix (the other's, as columns, are gathered
        across rows)."""
        finish = []
        for a, b, both in searches:
            if both and len(a.f32) < len(b.f32):
                swapped = self._search(b, a, k, both=True)
                finish.append(lambda swapped=swapped: swapped()[::-1])
            else:
                finish.append(self._search(a, b, k, both=both))
        return [done() for done in finish]

    def _search(self, a: Bf16Side, b: Bf16Side, k: int, *, both: bool) -> Callable[[], tuple[Found, Found]]:
        """Filters; returns what rescores the candidates and gives (rows' :class:`Found`, columns')."""
        import torch

        na, nb, dim = len(a.f32), len(b.f32), a.f32.shape[1]
        rows_found, cols_found = Found.none(na, k), Found.none(nb, k)
        if na == 0 or nb == 0 or b.groups < k or (both and a.groups < k):
            return lambda: (rows_found, cols_found)
        cols, height = b.groups * GROUP, (a.groups * GROUP if both else na)
        # a block holds at least k groups of rows, so that the first gives every column a lower bound
        step = min(height, max(k * GROUP, BLOCK_CELLS // cols // GROUP * GROUP))
        if self._buffer is None or len(self._buffer) < step * cols:
            self._buffer = torch.empty(max(BLOCK_CELLS, step * cols), dtype=torch.bfloat16)
        buffer = self._buffer[: step * cols].view(step, cols)
        bound = 2 * error_bound(dim)
        row_slack = bound * a.norms * float(b.norms.max())
        col_slack = bound * b.norms * float(a.norms.max())
        lo, hi = b.doc_ranges(a.docs)
        rows = _Candidates(na)
        columns = _Candidates(nb)
        top = None
        for start in range(0, height, step):
            end = min(start + step, height)
            real = max(0, min(end, na) - start)
            s = torch.mm(a.bf16[start:end], b.bf16.T, out=buffer[: end - start])
            _mask_own(s[:real], a.docs[start:start + real], lo[start:start + real], hi[start:start + real])
            s16 = s.view(torch.int16)
            if real:
                rows.add(start, *_row_candidates(s16[:real], row_slack[start:start + real], k, b.groups))
            if both:
                col, row, ok, top = _column_candidates(s16, top, col_slack, k, nb)
                columns.add_columns(col, start + row, ok)

        def rescored() -> tuple[Found, Found]:
            rows.rescore(a, b, k, rows_found)
            if both:
                columns.rescore(b, a, k, cols_found)
            return rows_found, cols_found

        return rescored


def _rescore(queries: np.ndarray, base: np.ndarray, rows: np.ndarray, columns: np.ndarray, k: int,
             sims: np.ndarray, nbrs: np.ndarray, chunk: int = 1 << 16) -> None:
    """The best ``k`` of each query's candidates (``rows``, ascending, and ``columns``), in float32, into ``sims``
    and ``nbrs``."""
    import faiss

    count = np.bincount(rows, minlength=len(queries))
    first = np.cumsum(count) - count
    slot = np.arange(len(rows)) - first[rows]
    out_s = np.empty((min(chunk, len(queries)), k), np.float32)
    out_i = np.empty((min(chunk, len(queries)), k), np.int64)
    for start in range(0, len(queries), chunk):
        end = min(start + chunk, len(queries))
        width = int(count[start:end].max(initial=0))
        if width == 0:
            continue
        part = slice(np.searchsorted(rows, start), np.searchsorted(rows, end))
        ids = np.full((end - start, width), -1, np.int64)
        ids[rows[part] - start, slot[part]] = columns[part]
        q = queries[start:end]
        faiss.knn_inner_products_by_idx(
            faiss.swig_ptr(q), faiss.swig_ptr(base), faiss.swig_ptr(ids), q.shape[1], end - start, len(base),
            width, k, faiss.swig_ptr(out_s), faiss.swig_ptr(out_i), width,
        )
        has = count[start:end] > 0
        sims[start:end][has] = out_s[: end - start][has]
        nbrs[start:end][has] = out_i[: end - start][has]


@dataclass
class Found:
    """What a search found for each query, in the side's given row order: similarities and base positions, best
    first (``-inf``/``-1`` where there are fewer than ``k``, and for the queries ``left`` to faiss)."""

    sims: np.ndarray
    nbrs: np.ndarray
    left: np.ndarray

    @classmethod
    def none(cls, n: int, k: int) -> Found:
        return cls(np.full((n, k), -np.inf, np.float32), np.full((n, k), -1, np.int64), np.arange(n))


class _Candidates:
    """Candidate (query, base) pairs of one way of a search, gathered block by block (sorted positions), and the
    queries whose filter held at every block."""

    def __init__(self, n: int) -> None:
        self.ok = np.ones(n, bool)
        self.query: list[np.ndarray] = []
        self.base: list[np.ndarray] = []

    def add(self, start: int, row: np.ndarray, col: np.ndarray, ok: np.ndarray) -> None:
        """A block's candidates as rows (``start``: its first query; ``ok``: one flag per query of the block)."""
        self.ok[start:start + len(ok)] &= ok
        self.query.append(start + row)
        self.base.append(col)

    def add_columns(self, col: np.ndarray, row: np.ndarray, ok: np.ndarray) -> None:
        """A block's candidates as columns (``ok``: one flag per query, every column)."""
        self.ok &= ok
        self.query.append(col)
        self.base.append(row)

    def rescore(self, queries: Bf16Side, base: Bf16Side, k: int, found: Found) -> None:
        """The best ``k`` candidates of each query that kept its filter, in float32, into ``found``."""
        query = np.concatenate(self.query) if self.query else np.zeros(0, np.int64)
        rows = np.concatenate(self.base) if self.base else np.zeros(0, np.int64)
        self.ok &= np.bincount(query, minlength=len(self.ok)) <= MAX_CANDIDATES
        keep = self.ok[query]
        query, rows = query[keep], rows[keep]
        if len(query) > 1 and (query[1:] < query[:-1]).any():  # columns come block by block
            order = np.argsort(query, kind="stable")
            query, rows = query[order], rows[order]
        sims = np.full((len(self.ok), k), -np.inf, np.float32)
        nbrs = np.full((len(self.ok), k), -1, np.int64)
        _rescore(queries.f32, base.f32, query, rows, k, sims, nbrs)
        hit = nbrs >= 0
        nbrs[hit] = base.order[nbrs[hit]]
        sims[~hit] = -np.inf
        found.sims[queries.order], found.nbrs[queries.order] = sims, nbrs
        found.left = np.sort(queries.order[~self.ok])


def _row_candidates(s16, slack: np.ndarray, k: int, groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates of a block's queries as rows of ``s16`` (similarities' int16 bit patterns, ``groups`` groups of
    columns): (row, column) pairs and whether each row's filter holds."""
    import torch

    n = s16.shape[0]
    flat = s16.reshape(n * groups, GROUP)
    # group maxima in int16 order: the true maxima wherever they are positive, some element elsewhere
    group_max = flat.amax(-1).view(n, groups)
    kth = group_max.topk(k, dim=1).values[:, -1].view(torch.bfloat16).float().numpy()
    floor = kth - slack
    ok = floor > 0
    at_least = _bf16_at_most(np.where(ok, floor, np.inf))
    row, group = np.nonzero(group_max.numpy() >= at_least[:, None])
    elements = flat.index_select(0, torch.from_numpy(row * groups + group)).numpy()
    which, offset = _hits(elements >= at_least[row][:, None])
    return row[which], group[which] * GROUP + offset, ok


def _column_candidates(s16, top, slack: np.ndarray, k: int, n_cols: int):
    """Candidates of the queries that are columns of ``s16`` (a block of whole groups of rows): (column, row)
    pairs, whether each column's filter holds, and the running top ``k`` group maxima of each column.

    A column's lower bound grows block by block (the k-th largest group maximum so far), so each block is
    filtered with the bound as it stands: the candidates are a superset of those of the final bound.
    """
    import torch

    n, cols = s16.shape
    block = s16.view(n // GROUP, GROUP, cols)
    group_max = block.amax(1)
    top = (group_max if top is None else torch.cat([top, group_max])).topk(k, dim=0).values
    floor = top[-1, :n_cols].view(torch.bfloat16).float().numpy() - slack
    ok = floor > 0
    at_least = _bf16_at_most(np.r_[np.where(ok, floor, np.inf), np.full(cols - n_cols, np.inf, np.float32)])
    group, col = np.nonzero(group_max.numpy() >= at_least)
    elements = block[torch.from_numpy(group), :, torch.from_numpy(col)].numpy()
    which, offset = _hits(elements >= at_least[col][:, None])
    return col[which], group[which] * GROUP + offset, ok, top


def _hits(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (row, position) of each true value of ``mask`` (rows of :data:`GROUP`), where few are true: the
    8-byte words that hold one first, then the hits in those words."""
    word_row, word = np.nonzero(np.ascontiguousarray(mask).view(np.uint64))
    hit, offset = np.nonzero(mask.reshape(-1, 8)[word_row * (GROUP // 8) + word])
    return word_row[hit], word[hit] * 8 + offset


def _mask_own(s, docs: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
    """Sets each query's similarities to its own document's rows to -inf (queries sorted by document)."""
    rows = np.flatnonzero(hi > lo)
    if len(rows) == 0:
        return
    _, first, count = np.unique(docs[rows], return_index=True, return_counts=True)
    for r0, n in zip(rows[first], count):  # one document's queries are consecutive
        s[r0:r0 + n, lo[r0]:hi[r0]] = float("-inf")


def _bf16_at_most(values: np.ndarray) -> np.ndarray:
    """Positive float32 values as the int16 bit patterns of the largest bfloat16 not above them: their top
    16 bits (``inf`` stays ``inf``, which no finite similarity reaches)."""
    return (np.ascontiguousarray(values, dtype=np.float32).view(np.uint32) >> 16).astype(np.int16)
