"""``python -m bench html --data DIR``: main-text extraction from saved web pages, scored as trafilatura scores it.

DIR is a checkout (or export) of trafilatura's repository, or its ``tests`` folder: ``tests/evaldata.json``
annotates each page of ``tests/cache`` and ``tests/eval`` with text segments that belong to the main text
("with") and boilerplate segments that do not ("without"). A "with" segment found in the extracted text
(whitespace normalised) is a true positive, a "without" segment found a false positive; precision, recall,
accuracy and F1 are over all segments, as in trafilatura's ``tests/eval_common.py``.

Each page goes through the pipeline's own ingest (``ingest_bytes``: decoding, extraction, paragraph
cleaning) with each extractor; the score is of the document's text. ``--reference`` adds trafilatura's
``extract()`` on the raw bytes with the settings of its published evaluation, to check the scorer.
``--split cache`` (106 pages) and ``--split eval`` (884 pages) score the two folders apart.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import machine, peak_rss_mb

SPLITS = ("all", "cache", "eval")


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    pages: int = 0
    seconds: float = 0.0
    skipped: int = 0
    """Pages the ingest returned as ``skipped`` (no text at all)."""
    fallback: int = 0
    """trafilatura extractor: pages where it found no main text and the cleaner took over."""
    meta: dict[str, int] = field(default_factory=lambda: {"title": 0, "date": 0, "url": 0, "lang_hint": 0})

    def add(self, item: dict, text: str) -> None:
        found = norm(text)
        tp = sum(1 for seg in item["with"] if norm(seg) in found)
        fp = sum(1 for seg in item["without"] if norm(seg) in found)
        self.tp += tp
        self.fp += fp
        self.fn += len(item["with"]) - tp
        self.tn += len(item["without"]) - fp
        self.pages += 1

    def row(self) -> dict[str, float]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        total = self.tp + self.fp + self.fn + self.tn
        f1 = 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0
        return {
            "pages": self.pages,
            "tp_fp_fn_tn": [self.tp, self.fp, self.fn, self.tn],
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "accuracy": round((self.tp + self.tn) / total, 3) if total else 0.0,
            "f1": round(f1, 3),
            "ms_per_page": round(1000 * self.seconds / self.pages, 1) if self.pages else 0.0,
            "skipped": self.skipped,
            "fallback": self.fallback,
            **{f"has_{k}": v for k, v in self.meta.items()},
        }


def load(data: Path, split: str) -> list[tuple[str, dict, bytes]]:
    tests = data / "tests" if (data / "tests" / "evaldata.json").is_file() else data
    annotations = tests / "evaldata.json"
    if not annotations.is_file():
        raise SystemExit(f"error: {annotations} not found (give --data a checkout of trafilatura's repository)")
    items = json.loads(annotations.read_text(encoding="utf-8"))
    pages = []
    for url in sorted(items):
        item = items[url]
        for folder in ("cache", "eval"):  # trafilatura's own lookup order
            path = tests / folder / item["file"]
            if path.is_file():
                break
        else:
            raise SystemExit(f"error: page not found: {item['file']}")
        if split in ("all", folder):
            pages.append((url, item, path.read_bytes()))
    return pages


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench html", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="trafilatura repository checkout (or its tests folder)")
    parser.add_argument("--split", choices=SPLITS, default="all", help="pages of tests/cache, tests/eval, or both")
    parser.add_argument("--extractors", nargs="+", default=None, help="extractors to compare (default: all)")
    parser.add_argument("--reference", action="store_true", help="also score trafilatura.extract() on the raw bytes")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages")
    args = parser.parse_args(argv)

    from pipeline.ingest import ingest_bytes
    from pipeline.ingest.html import EXTRACTORS, extract_html

    pages = load(args.data, args.split)[: args.limit]
    names = args.extractors or list(EXTRACTORS)
    scores = {name: Score() for name in names}
    extract_html("<html><body><p>warm up</p></body></html>", "trafilatura")  # imports out of the timing
    for url, item, data in pages:
        for name in names:
            score = scores[name]
            t0 = time.perf_counter()
            doc = ingest_bytes(data, doc_id="page", rel_path="page.html", html=True, html_extractor=name)
            score.seconds += time.perf_counter() - t0
            score.add(item, doc.text)
            score.skipped += not doc.ok
            for key, value in (("title", doc.title), ("date", doc.date), ("url", doc.source_url),
                               ("lang_hint", doc.lang_hint)):
                score.meta[key] += bool(value)
            if name == "trafilatura" and doc.ok and _fell_back(data):
                score.fallback += 1
    if args.reference:
        from trafilatura import extract

        ref = scores["trafilatura.extract (reference)"] = Score()
        for url, item, data in pages:
            t0 = time.perf_counter()
            text = extract(data, include_comments=False, include_tables=True, include_formatting=False)
            ref.seconds += time.perf_counter() - t0
            ref.add(item, text or "")
    report = {
        "data": str(args.data),
        "split": args.split,
        "segments": {"with": sum(len(i["with"]) for _, i, _ in pages), "without": sum(len(i["without"]) for _, i, _ in pages)},
        "results": {name: score.row() for name, score in scores.items()},
        "peak_rss_mb": peak_rss_mb(),
        "machine": machine(),
    }
    print(json.dumps(report, indent=2))
    return 0


def _fell_back(data: bytes) -> bool:
    from pipeline.ingest.decode import decode
    from pipeline.ingest.html import extract_html

    try:
        return extract_html(decode(data).text, "trafilatura").extractor != "trafilatura"
    except Exception:
        return False
