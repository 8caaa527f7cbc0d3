"""Sentence alignment: encoders, the parallel n:m aligner, margin mining and the scorer.

Importing this package imports numpy only; encoders load their models on
first use.
"""

from pipeline.align.encoders import DEFAULT_ENCODER, Encoder, VectorCache, encode_spans, load_encoder
from pipeline.align.mining import MinedPair, MineParams, mine, mine_corpus
from pipeline.align.parallel import AlignParams, Bead, align_parallel, align_spans
from pipeline.align.score import AlignmentScores, read_alignments, score, score_multiple

__all__ = [
    "DEFAULT_ENCODER", "AlignParams", "AlignmentScores", "Bead", "Encoder", "MineParams", "MinedPair",
    "VectorCache", "align_parallel", "align_spans", "encode_spans", "load_encoder", "mine", "mine_corpus",
    "read_alignments", "score", "score_multiple",
]
