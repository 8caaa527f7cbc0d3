"""End-to-end `pipeline run`: on seeds/ and on a generated folder of many documents.

Usage: ``python -m bench run [--quick] [--docs N] [--no-model] [--steps N]``.

A real-size ru→en Argos package with random weights (the one ``bench translate``
builds: Transformer base, 32k vocabulary, int8) is installed in a temporary
``ARGOS_PACKAGES_DIR``, so the translate stage decodes as much as a real model
would; random weights rarely end a sentence, so decoding is bounded to
``--steps`` target tokens. ``--no-model`` measures every other stage alone.
Caches (translations, embeddings) live in a temporary folder, so nothing is
served from an earlier run. Reports wall time, per-stage times from the run's
manifest and peak memory, and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from bench.common import peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def generate_corpus(out_dir: Path, n_docs: int, seed: int = 13) -> Path:
    """``n_docs`` articles in nested folders: one in three Russian, made of distinct sentences of realistic
    lengths (as ``bench translate`` makes them, so none is served twice by the translator's de-duplication),
    the others English, reshuffled paragraphs of the English seeds."""
    from bench.translate import make_documents
    from pipeline.ingest import read_document

    rng = random.Random(seed)
    english: list[tuple[str, list[str]]] = []
    for path in sorted(SEEDS.glob("*.txt")):
        doc = read_document(path, doc_id=path.stem, rel_path=path.name)
        paragraphs = [doc.text[p.start:p.end] for p in doc.paragraphs]
        if "цеп" not in doc.text:
            english.append((path.stem, paragraphs))
    n_russian = (n_docs + 2) // 3
    russian = iter(make_documents(n_russian * 20, seed=seed))
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(n_docs):
        sub = out_dir / f"batch{i % 10:02d}"
        sub.mkdir(exist_ok=True)
        if i % 3 == 0:
            paragraphs = [" ".join(p) for p in next(russian)]
            name = f"{i:04d}_ru.txt"
        else:
            stem, pool = english[i % len(english)]
            paragraphs = rng.sample(pool, k=max(2, int(len(pool) * rng.uniform(0.5, 1.0))))
            name = f"{i:04d}_{stem[:3]}.txt"
        (sub / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return out_dir


def timed_run(input_dir: Path, out_dir: Path, steps: int) -> dict:
    from pipeline.api import run_batch
    from pipeline.config import RunConfig, TranslateConfig

    t0 = time.perf_counter()
    report = run_batch(RunConfig(input_dir=input_dir, out_dir=out_dir, quiet=True,
                                 translate=TranslateConfig(max_decoding_length=steps)))
    seconds = time.perf_counter() - t0
    docs = list(report.documents)
    return {
        "documents": len(docs),
        "sentences": sum(len(d.sentences) for d in docs),
        "seconds": round(seconds, 3),
        "stages": report.manifest["timing"]["stages"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 generated documents instead of 200")
    parser.add_argument("--docs", type=int, default=None, help="number of generated documents")
    parser.add_argument("--no-model", action="store_true", help="install no translation model")
    parser.add_argument("--steps", type=int, default=48, help="target tokens decoded per sentence (default 48)")
    args = parser.parse_args(argv)
    n_docs = args.docs or (20 if args.quick else 200)
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        tmp_path = Path(tmp)
        os.environ["ARGOS_PACKAGES_DIR"] = str(tmp_path / "packages")
        os.environ["XDG_CACHE_HOME"] = str(tmp_path / "cache")
        if not args.no_model:
            from bench.translate import build_package
            from pipeline.translate.packages import install_file

            t0 = time.perf_counter()
            install_file(build_package(tmp_path / "model"), tmp_path / "packages")
            print(f"built and installed a real-size random ru→en package in {time.perf_counter() - t0:.1f}s")
        results = {"seeds": timed_run(SEEDS, tmp_path / "out-seeds", args.steps)}
        corpus = generate_corpus(tmp_path / "generated", n_docs)
        results["generated"] = timed_run(corpus, tmp_path / "out-generated", args.steps)
    for name, res in results.items():
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in res["stages"].items())
        print(f"{name:>10}: {res['documents']} documents, {res['sentences']} sentences in {res['seconds']:.2f}s ({stages})")
    gen = results["generated"]
    summary = {
        "model": "none" if args.no_model else f"random real-size, {args.steps} steps",
        "seeds_seconds": results["seeds"]["seconds"],
        "generated_documents": gen["documents"],
        "generated_seconds": gen["seconds"],
        "sentences_per_s": round(gen["sentences"] / gen["seconds"], 1) if gen["seconds"] else None,
        "peak_rss_mb": peak_rss_mb(),
        "stages_generated": gen["stages"],
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
