"""Alignment in ``pipeline run``: each document with its translation, and sentences across documents.

* :func:`align_translation` (per document): a document whose sentences carry
  translations is aligned with its translation by the parallel aligner; each
  pair keeps the similarity of its two sides (``score``) and the model's
  confidence in its target side (``mt_confidence``), from which the run's
  quality estimate is calibrated (:mod:`pipeline.align.quality`). Sentence
  flags (``glossary-applied``, ``unverified``, …) are carried into the pair.
* :func:`sentence_vectors` (per batch of documents): the embedding of every sentence's
  source text, kept for mining. A translated document is mined with its
  *source* text: the encoder is multilingual, and a pair then shows what the
  source actually says, not what the translation made of it.
* :func:`cross_source_pairs` (over the corpus): sentences of different
  documents that say the same thing, mined over the pooled embeddings
  (:func:`pipeline.align.mining.mine_corpus`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from pipeline.models import HAS_TRANSLATION, UNDETERMINED, AlignedPair, Document, Flag, PairKind, Sentence

if TYPE_CHECKING:
    from pipeline.align.mining import MineParams

UNALIGNED = Flag.UNALIGNED.value


def _majority(langs: Sequence[str], fallback: str) -> str:
    counts: dict[str, int] = {}
    for lang in langs:
        if lang and lang != UNDETERMINED:
            counts[lang] = counts.get(lang, 0) + 1
    return max(sorted(counts), key=counts.get) if counts else fallback


def _flags(sentences: Iterable[Sentence]) -> list[str]:
    seen: list[str] = []
    for sent in sentences:
        for flag in sent.flags:
            if flag not in seen:
                seen.append(flag)
    return seen


def bead_confidence(sentences: Sequence[Sentence]) -> float | None:
    """The model's confidence in a bead's translation: its sentences' confidences weighted by length
    (None when one of them has none, e.g. a translation memory match)."""
    if not sentences or any(s.mt_confidence is None for s in sentences):
        return None
    weights = [max(1, len(s.translation)) for s in sentences]
    return sum(w * s.mt_confidence for w, s in zip(weights, sentences)) / sum(weights)


def align_translation(doc: Document, encoder, *, target_lang: str, max_size: int = 5) -> Document:
    """``doc`` with its translation pairs (``pairs``; ``pair_id`` is numbered when the corpus is written)."""
    from dataclasses import replace

    from pipeline.align.parallel import AlignParams, align_parallel

    units = [s for s in doc.sentences if s.translation.strip() and s.translation_status in HAS_TRANSLATION]
    if not units:
        return replace(doc, pairs=())
    # translations come sentence by sentence, so beads are nearly all 1-1: composed span embeddings
    # (one encoder pass per sentence) are enough, and several times cheaper than embedding every span
    params = AlignParams(max_size=max_size, exact_spans=False)
    beads = align_parallel([s.text for s in units], [s.translation for s in units], encoder, params)
    pairs = []
    for bead in beads:
        src = [units[i] for i in bead.src]
        tgt = [units[j] for j in bead.tgt]
        flags = _flags(src + tgt)
        if not src or not tgt:
            flags.append(UNALIGNED)
        pairs.append(
            AlignedPair(
                pair_id="",
                kind=PairKind.TRANSLATION.value,
                src_doc=doc.doc_id,
                src_ids=tuple(s.sent_idx for s in src),
                src_lang=_majority([s.lang for s in src], doc.lang),
                src_text=" ".join(s.text for s in src),
                tgt_doc=doc.doc_id,
                tgt_ids=tuple(s.sent_idx for s in tgt),
                tgt_lang=target_lang,
                tgt_text=" ".join(s.translation for s in tgt),
                score=bead.score,
                flags=tuple(flags),
                mt_confidence=bead_confidence(tgt),
            )
        )
    return replace(doc, pairs=tuple(pairs))


def sentence_vectors(documents: Sequence[Document], encoder) -> list[Document]:
    """``documents`` with ``vectors``: one L2-normalised row per sentence (its source text), for mining.

    The sentences of all documents go to the encoder in one call.
    """
    from dataclasses import replace

    texts = [s.text for doc in documents if doc.ok for s in doc.sentences]
    vectors = np.asarray(encoder.encode(texts), dtype=np.float32) if texts else np.zeros((0, 0), np.float32)
    out, row = [], 0
    for doc in documents:
        if not doc.ok or not doc.sentences:
            out.append(doc)
            continue
        out.append(replace(doc, vectors=vectors[row:row + len(doc.sentences)]))
        row += len(doc.sentences)
    return out


def cross_source_pairs(
    vectors: np.ndarray,
    refs: Sequence[tuple[str, int, str]],
    documents: Iterable[Document],
    params: MineParams,
    *,
    threshold: float,
) -> list[AlignedPair]:
    """Mined pairs as corpus rows (numbered ``xs-000001`` …): ``refs[i]`` names row ``i`` of ``vectors``
    as ``(doc_id, sent_idx, lang)``; ``documents`` are read once, after mining, for the sentences of the pairs.

    Each pair keeps its similarity (``score``) and ratio margin; a same-language pair of near-identical
    sentences is flagged ``duplicate``, a pair less similar than the review ``threshold`` ``low-score``.
    """
    from pipeline.align.mining import is_copy, mine_corpus

    found = mine_corpus(vectors, [ref[0] for ref in refs], [ref[2] for ref in refs], params)
    needed = {refs[i][:2] for p in found for i in (p.src, p.tgt)}
    sentences = {(doc.doc_id, s.sent_idx): s for doc in (documents if needed else ()) for s in doc.sentences
                 if (doc.doc_id, s.sent_idx) in needed}
    pairs = []
    for n, p in enumerate(found, 1):
        sa, sb = sentences[refs[p.src][:2]], sentences[refs[p.tgt][:2]]
        flags = _flags([sa, sb])
        if is_copy(refs[p.src][2], refs[p.tgt][2], sa.text, sb.text, params):
            flags.append(Flag.DUPLICATE.value)
        if p.similarity < threshold:
            flags.append(Flag.LOW_SCORE.value)
        pairs.append(AlignedPair(
            pair_id=f"xs-{n:06d}", kind=PairKind.CROSS_SOURCE.value,
            src_doc=sa.doc_id, src_ids=(sa.sent_idx,), src_lang=refs[p.src][2], src_text=sa.text,
            tgt_doc=sb.doc_id, tgt_ids=(sb.sent_idx,), tgt_lang=refs[p.tgt][2], tgt_text=sb.text,
            score=p.similarity, margin=p.margin, flags=tuple(flags),
        ))
    return pairs
