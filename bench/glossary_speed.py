"""Time of the glossary's pre-edit over the generated benchmark corpus, side by side with another checkout.

``python -m bench glossary_speed [--docs N] [--repeat N] [--baseline DIR]``

The Russian documents are those ``bench run`` generates for N documents (one in
three Russian, sentences built from the seed article's words, so many hold
«цепочка»); the English ones never reach the glossary. Each measurement is a
fresh process (as a run is), timing :func:`pipeline.glossary.stage.pre_edit_documents`
with the glossary of the same checkout, parser loading included; loading the
glossary is timed apart (a run does it before any stage). With ``--baseline DIR``
(another checkout of the project, e.g. ``git worktree add DIR COMMIT``) the two
are run alternately on the same documents and the ratio of the medians is
printed, so a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def russian_documents(n_docs: int, seed: int = 13) -> list[list[list[str]]]:
    """The Russian documents of ``bench run``'s generated corpus of ``n_docs`` documents."""
    from bench.translate import make_documents

    return make_documents(((n_docs + 2) // 3) * 20, seed=seed)


def measure(docs_json: Path) -> dict:
    """Load the glossary and pre-edit the documents in ``docs_json``; the seconds each took."""
    from bench.translate import to_records
    from pipeline.glossary import load_glossary
    from pipeline.glossary.stage import pre_edit_documents

    docs = to_records(json.loads(docs_json.read_text(encoding="utf-8")))
    t0 = time.perf_counter()
    glossary = load_glossary(ROOT / "glossary")
    loaded = time.perf_counter() - t0
    t0 = time.perf_counter()
    out, matches = pre_edit_documents(docs, glossary)
    seconds = time.perf_counter() - t0
    return {
        "load_seconds": round(loaded, 3),
        "seconds": round(seconds, 3),
        "sentences": sum(len(d.sentences) for d in docs),
        "sentences_matched": len(matches),
        "applied": sum(m.applied for found in matches.values() for m in found),
    }


def _child(checkout: Path, docs_json: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    code = f"import json, pathlib, bench.glossary_speed as g; print(json.dumps(g.measure(pathlib.Path({str(docs_json)!r}))))"
    if not (checkout / "bench" / "glossary_speed.py").exists():  # an older checkout: this file's measure()
        code = (f"import json, pathlib, runpy; g = runpy.run_path({str(Path(__file__))!r}); "
                f"g['ROOT'] = pathlib.Path({str(checkout)!r}); "
                f"print(json.dumps(g['measure'].__globals__.update(ROOT=g['ROOT']) or g['measure'](pathlib.Path({str(docs_json)!r}))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=checkout, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench glossary_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="documents in the generated corpus (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per checkout (default 3)")
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout to compare with")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="glossary-speed-") as tmp:
        docs_json = Path(tmp) / "docs.json"
        docs_json.write_text(json.dumps(russian_documents(args.docs), ensure_ascii=False), encoding="utf-8")
        runs: dict[str, list[dict]] = {"this": [], "baseline": []}
        for _ in range(args.repeat):
            if args.baseline is not None:
                runs["baseline"].append(_child(args.baseline.resolve(), docs_json))
            runs["this"].append(_child(ROOT, docs_json))
    summary = {}
    for name, results in runs.items():
        if not results:
            continue
        summary[name] = {
            "seconds_median": statistics.median(r["seconds"] for r in results),
            "load_seconds_median": statistics.median(r["load_seconds"] for r in results),
            **{k: results[0][k] for k in ("sentences", "sentences_matched", "applied")},
        }
        print(f"{name:>8}: pre-edit {summary[name]['seconds_median']:.2f}s (median of {len(results)}), "
              f"glossary load {summary[name]['load_seconds_median']:.2f}s, {results[0]['sentences']} sentences, "
              f"{results[0]['sentences_matched']} with a term, {results[0]['applied']} applied")
    if "baseline" in summary:
        summary["ratio"] = round(summary["this"]["seconds_median"] / summary["baseline"]["seconds_median"], 2)
        print(f"   ratio: {summary['ratio']:.2f}x the baseline")
    print(json.dumps(summary))
    return 0
