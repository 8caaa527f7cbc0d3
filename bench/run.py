"""End-to-end `pipeline run`: on seeds/ and on a generated folder of many documents.

Reports wall time, per-stage times from the run's manifest and peak memory,
and ends with one JSON line. Usage: ``python -m bench run [--quick] [--docs N]``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def generate_corpus(out_dir: Path, n_docs: int, seed: int = 13) -> Path:
    """``n_docs`` articles made by reshuffling the seeds' paragraphs (same languages, realistic lengths)."""
    from pipeline.ingest import read_document

    rng = random.Random(seed)
    pools: list[tuple[str, list[str]]] = []
    for path in sorted(SEEDS.glob("*.txt")):
        doc = read_document(path, doc_id=path.stem, rel_path=path.name)
        pools.append((path.stem, [doc.text[p.start:p.end] for p in doc.paragraphs]))
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(n_docs):
        stem, paragraphs = pools[i % len(pools)]
        picked = rng.sample(paragraphs, k=max(2, int(len(paragraphs) * rng.uniform(0.5, 1.0))))
        sub = out_dir / f"batch{i % 10:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"{i:04d}_{stem[:3]}.txt").write_text("\n\n".join(picked) + "\n", encoding="utf-8")
    return out_dir


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_run(input_dir: Path, out_dir: Path) -> dict:
    from pipeline.api import run_batch
    from pipeline.config import RunConfig

    t0 = time.perf_counter()
    report = run_batch(RunConfig(input_dir=input_dir, out_dir=out_dir, quiet=True))
    seconds = time.perf_counter() - t0
    docs = report.batch.documents
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
    args = parser.parse_args(argv)
    n_docs = args.docs or (20 if args.quick else 200)
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        tmp_path = Path(tmp)
        results = {"seeds": timed_run(SEEDS, tmp_path / "out-seeds")}
        corpus = generate_corpus(tmp_path / "generated", n_docs)
        results["generated"] = timed_run(corpus, tmp_path / "out-generated")
    for name, res in results.items():
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in res["stages"].items())
        print(f"{name:>10}: {res['documents']} documents, {res['sentences']} sentences in {res['seconds']:.2f}s ({stages})")
    gen = results["generated"]
    summary = {
        "seeds_seconds": results["seeds"]["seconds"],
        "generated_documents": gen["documents"],
        "generated_seconds": gen["seconds"],
        "sentences_per_s": round(gen["sentences"] / gen["seconds"], 1) if gen["seconds"] else None,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "stages_generated": gen["stages"],
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
