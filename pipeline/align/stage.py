"""The ``align`` stage of ``pipeline run``: the parallel corpus.

* **translation** pairs: each document whose sentences carry translations
  (status ``translated`` or ``cached``) is aligned with its translation by the
  parallel aligner; the score (cosine similarity of the two sides) estimates
  translation quality, and pairs below ``low_score`` are flagged. Sentence
  flags (``glossary-applied``, ``unverified``, …) are carried into the pair.
* **cross-source** pairs: every two usable documents are mined for sentences
  that say the same thing (ratio margin, order-free). A translated document
  is mined with its *source* text: the encoder is multilingual, and the pair
  then shows what the source actually says, not what the translation made
  of it.

Outputs: ``aligned.csv`` (every pair, for reviewers), ``corpus.tmx`` and the
Moses files (pairs with text on both sides), all in the same order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

from pipeline.corpus import ALIGNED_CSV, CORPUS_TMX, MOSES_DIR, AlignedPair, write_aligned_csv, write_moses, write_tmx
from pipeline.models import UNDETERMINED, Document, Sentence
from pipeline.stages import Batch, RunContext, Stage

log = logging.getLogger(__name__)

ARTIFACT = "aligned_pairs"
TRANSLATED = frozenset({"translated", "cached"})
LOW_SCORE = "low-score"
UNALIGNED = "unaligned"


def encoder_for(ctx: RunContext):
    from pipeline.align.encoders import VectorCache, default_cache_path, load_encoder

    cfg = ctx.config.align
    return ctx.service(
        "encoder",
        lambda: load_encoder(cfg.encoder, cache=VectorCache(default_cache_path() if cfg.cache else None)),
    )


def _majority(langs: Sequence[str], fallback: str) -> str:
    counts: dict[str, int] = {}
    for lang in langs:
        if lang and lang != UNDETERMINED:
            counts[lang] = counts.get(lang, 0) + 1
    return max(sorted(counts), key=counts.get) if counts else fallback


def _flags(sentences: Sequence[Sentence]) -> list[str]:
    seen: list[str] = []
    for sent in sentences:
        for flag in sent.flags:
            if flag not in seen:
                seen.append(flag)
    return seen


def translation_pairs(doc: Document, encoder, ctx: RunContext) -> list[AlignedPair]:
    """Pairs of one document with its translation (without ``pair_id`` numbering yet)."""
    from pipeline.align.parallel import AlignParams, align_parallel

    cfg = ctx.config.align
    units = [s for s in doc.sentences if s.translation.strip() and s.translation_status in TRANSLATED]
    if not units:
        return []
    # translations come sentence by sentence, so beads are nearly all 1-1: composed span embeddings
    # (one encoder pass per sentence) are enough, and several times cheaper than embedding every span
    params = AlignParams(max_size=cfg.max_size, exact_spans=False)
    beads = align_parallel([s.text for s in units], [s.translation for s in units], encoder, params)
    pairs = []
    for bead in beads:
        src = [units[i] for i in bead.src]
        tgt = [units[j] for j in bead.tgt]
        flags = _flags(src + tgt)
        if not src or not tgt:
            flags.append(UNALIGNED)
        elif bead.score < cfg.low_score:
            flags.append(LOW_SCORE)
        pairs.append(
            AlignedPair(
                pair_id="",
                kind="translation",
                src_doc=doc.doc_id,
                src_ids=tuple(s.sent_idx for s in src),
                src_lang=_majority([s.lang for s in src], doc.lang),
                src_text=" ".join(s.text for s in src),
                tgt_doc=doc.doc_id,
                tgt_ids=tuple(s.sent_idx for s in tgt),
                tgt_lang=ctx.config.target_lang,
                tgt_text=" ".join(s.translation for s in tgt),
                score=bead.score,
                flags=tuple(flags),
            )
        )
    return pairs


def cross_source_pairs(a: Document, b: Document, encoder, ctx: RunContext, vectors: dict | None = None) -> list[AlignedPair]:
    """Mined pairs between two documents; ``vectors`` holds each document's sentence embeddings, computed once."""
    from pipeline.align.mining import MineParams, mine_vectors

    cfg = ctx.config.align
    params = MineParams(k=cfg.mine_k, threshold=cfg.mine_threshold, min_similarity=cfg.mine_min_similarity)
    vectors = {} if vectors is None else vectors
    for doc in (a, b):
        if doc.doc_id not in vectors:
            vectors[doc.doc_id] = encoder.encode([s.text for s in doc.sentences])
    found = mine_vectors(vectors[a.doc_id], vectors[b.doc_id], params)
    pairs = []
    for p in found:
        sa, sb = a.sentences[p.src], b.sentences[p.tgt]
        pairs.append(
            AlignedPair(
                pair_id="",
                kind="cross-source",
                src_doc=a.doc_id,
                src_ids=(sa.sent_idx,),
                src_lang=sa.lang,
                src_text=sa.text,
                tgt_doc=b.doc_id,
                tgt_ids=(sb.sent_idx,),
                tgt_lang=sb.lang,
                tgt_text=sb.text,
                score=p.similarity,
                flags=tuple(_flags([sa, sb])),
            )
        )
    return pairs


def run(batch: Batch, ctx: RunContext) -> Batch:
    """Stage: translation pairs per translated document, then cross-source pairs per document pair."""
    from dataclasses import replace

    if not ctx.config.align.enabled:
        return batch.with_artifact(ARTIFACT, ())
    docs = [d for d in batch.documents if d.ok and d.sentences]
    if not docs:
        return batch.with_artifact(ARTIFACT, ())
    encoder = encoder_for(ctx)
    translated: list[AlignedPair] = []
    for doc in ctx.progress.track(docs, "align", total=len(docs)):
        try:
            translated.extend(translation_pairs(doc, encoder, ctx))
        except Exception as exc:  # one document's failure must not sink the corpus
            log.warning("%s: translation alignment failed (%s)", doc.path, exc)
            ctx.count("align", "translation_failed")
    mined: list[AlignedPair] = []
    doc_pairs = list(combinations(docs, 2))
    vectors: dict[str, object] = {}
    for a, b in ctx.progress.track(doc_pairs, "mine", total=len(doc_pairs)):
        try:
            mined.extend(cross_source_pairs(a, b, encoder, ctx, vectors))
        except Exception as exc:
            log.warning("%s / %s: mining failed (%s)", a.path, b.path, exc)
            ctx.count("align", "mining_failed")
    pairs = [replace(p, pair_id=f"tr-{n:06d}") for n, p in enumerate(translated, 1)]
    pairs += [replace(p, pair_id=f"xs-{n:06d}") for n, p in enumerate(mined, 1)]
    ctx.count("align", "translation_pairs", len(translated))
    ctx.count("align", "low_score", sum(LOW_SCORE in p.flags for p in translated))
    ctx.count("align", "unaligned", sum(UNALIGNED in p.flags for p in translated))
    ctx.count("align", "cross_source_pairs", len(mined))
    ctx.count("align", "document_pairs_mined", len(doc_pairs))
    return batch.with_artifact(ARTIFACT, tuple(pairs))


def write(batch: Batch, ctx: RunContext, out_dir: Path) -> list[Path]:
    from pipeline import __version__

    pairs = list(batch.artifacts.get(ARTIFACT, ()))
    out_dir = Path(out_dir)
    written = [write_aligned_csv(out_dir / ALIGNED_CSV, pairs)]
    corpus = [p for p in pairs if p.src_text and p.tgt_text]
    encoder = ctx.services.get("encoder")
    properties = {
        "pipeline-version": __version__,
        "encoder": encoder.name if encoder is not None else ctx.config.align.encoder,
        # where the corpus was written is no property of it (and would make two runs' corpora differ)
        **{key.replace("_", "-"): value for key, value in ctx.config.settings().items() if key != "out_dir"},
    }
    written.append(write_tmx(out_dir / CORPUS_TMX, corpus, properties, tool_version=__version__))
    written.extend(write_moses(out_dir / MOSES_DIR, corpus))
    return written


def prepare(ctx: RunContext) -> None:
    """Load the encoder before any stage runs, so a bad ``--encoder`` stops the run before it starts (exit 2)."""
    if ctx.config.align.enabled:
        encoder_for(ctx)


ALIGN_STAGE = Stage(
    "align",
    run,
    requires=frozenset({"sentences", "lang"}),
    provides=frozenset({"aligned_pairs"}),
    write=write,
    prepare=prepare,
)
