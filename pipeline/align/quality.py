"""A quality estimate for translation pairs, with the reasons a pair looks wrong.

Four signals, each turned into a *badness* ``b`` that is 0 for a typical pair
of the run and 1 exactly at its flag's threshold:

``low-confidence``
    The model's own confidence (``mt_confidence``: mean log-probability per
    token, see :mod:`pipeline.translate.engine`) is far below what the model
    usually gives in this run: more than 3 robust standard deviations under the
    median of the language pair's pairs, or under an absolute floor of -1.6
    (a geometric-mean token probability of 0.2) whatever the run says.
``length-mismatch``
    The log length ratio ``log((len(tgt) + 10) / (len(src) + 10))`` (characters
    without spaces; the 10 keeps short sentences from swinging) is more than 2.5
    robust standard deviations away from the language pair's median: a
    truncated translation or a hallucinated addition. Median and spread are
    measured on the run's own pairs (median and MAD, so up to half of them may
    be wrong without moving the calibration), shrunk towards a prior (median 0,
    spread 0.15) when the run has few pairs: with ``n`` pairs the run weighs
    ``n / (n + 20)``.
``misaligned``
    The cross-lingual similarity (the pair's ``score``) is below 0.40, the
    middle between the similarity of random sentence pairs (99th percentile
    0.36) and of correctly aligned ones (5th percentile 0.44) on the Bleualign
    dev set: the two sides do not say the same thing.
``untranslated-words``
    The target holds words (three letters or more) written in the source's
    script, when the source and target languages use different scripts
    (Cyrillic words left in an English translation). Each side's script is the
    one most of the language pair's letters are written in over the run, so a
    translation left entirely in the source language is caught too.

A signal's component of the quality is ``1 / (1 + b ** 4)``: about 1 for a
typical pair, 0.5 at the threshold, near 0 well beyond. ``quality`` is the
product of the components, so a flagged pair has a quality of at most 0.5, and
the worst pairs sort first. A missing signal (no confidence: a translation
cached before confidences were kept) counts as typical.

Use: ``model = calibrate(pairs)`` on all translation pairs of a run, then
``quality, flags = model.assess(pair)`` for each.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.models import AlignedPair, Flag, PairKind

MAD_TO_SIGMA = 1.4826
"""Scales the median absolute deviation to a standard deviation for normally distributed values."""
REWEIGHT_Z = 2.5
REWEIGHT_CONSISTENCY = 1.013
"""The MAD of a normal sample cut at 2.5 standard deviations is 1.3 % low."""
PRIOR_WEIGHT = 20
"""A run with ``n`` pairs of a language pair weighs ``n / (n + PRIOR_WEIGHT)`` against the prior."""

LENGTH_SMOOTHING = 10
LENGTH_PRIOR = (0.0, 0.15)
"""Median and spread of the log length ratio before any pair is seen."""
LENGTH_MIN_SIGMA = 0.05
LENGTH_Z = 2.5
"""Leys et al. (2013): 2.5 robust deviations is the usual cut-off for outliers."""

CONFIDENCE_PRIOR = (-0.5, 0.25)
CONFIDENCE_MIN_SIGMA = 0.05
CONFIDENCE_Z = 3.0
CONFIDENCE_FLOOR = -1.6
"""Mean token log-probability below which a translation is flagged whatever the run: exp(-1.6) ≈ 0.2."""

MISALIGNED_BELOW = 0.40
SIMILARITY_PRIOR = 0.80
"""Typical similarity of a sentence and its translation before any pair is seen."""

UNTRANSLATED_MIN_LETTERS = 3

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@dataclass(frozen=True)
class RobustStats:
    """Median and robust spread of a signal for one language pair, already shrunk towards the prior."""

    median: float
    sigma: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float], prior: tuple[float, float], min_sigma: float) -> RobustStats:
        n = len(values)
        m0, s0 = prior
        if n == 0:
            return cls(m0, max(s0, min_sigma), 0)
        median = statistics.median(values)
        mad = statistics.median(abs(v - median) for v in values) * MAD_TO_SIGMA
        if mad > 0:  # one reweighting step: the spread of the values within 2.5 deviations (Rousseeuw & Leroy)
            inliers = [v for v in values if abs(v - median) <= REWEIGHT_Z * mad]
            median = statistics.median(inliers)
            mad = statistics.median(abs(v - median) for v in inliers) * MAD_TO_SIGMA * REWEIGHT_CONSISTENCY
        w = n / (n + PRIOR_WEIGHT)
        sigma = math.sqrt(w * mad * mad + (1 - w) * s0 * s0)
        return cls(w * median + (1 - w) * m0, max(sigma, min_sigma), n)


@dataclass(frozen=True)
class PairCalibration:
    """What a run's pairs of one language pair look like."""

    length: RobustStats
    confidence: RobustStats
    similarity: float
    """Median similarity (shrunk towards :data:`SIMILARITY_PRIOR`)."""
    source_script: str = ""
    target_script: str = ""
    """The script most letters of each side are written in ("" when unknown: each pair's own is used)."""


@dataclass(frozen=True)
class Assessment:
    quality: float
    flags: tuple[str, ...]
    badness: dict[str, float] = field(default_factory=dict)
    """Per signal (flag name): 0 typical, 1 at the threshold; for explaining a score."""


@dataclass(frozen=True)
class QualityModel:
    """Per language pair calibration; :meth:`assess` scores one pair."""

    pairs: dict[tuple[str, str], PairCalibration]

    def calibration(self, src_lang: str, tgt_lang: str) -> PairCalibration:
        found = self.pairs.get((src_lang, tgt_lang))
        return found if found is not None else _calibrate_values([], [], [], {}, {})

    def assess(self, pair: AlignedPair) -> tuple[float | None, tuple[str, ...]]:
        """``(quality, flags)``: quality in 0..1 (None for a pair that is not a translation or has no target)."""
        result = self.explain(pair)
        return (None, ()) if result is None else (result.quality, result.flags)

    def explain(self, pair: AlignedPair) -> Assessment | None:
        """:meth:`assess` with each signal's badness."""
        if str(pair.kind) != PairKind.TRANSLATION.value or not pair.tgt_text.strip():
            return None
        cal = self.calibration(pair.src_lang, pair.tgt_lang)
        badness: dict[str, float] = {}

        if pair.mt_confidence is not None:
            badness[Flag.LOW_CONFIDENCE.value] = confidence_badness(pair.mt_confidence, cal.confidence)
        z = (length_log_ratio(pair.src_text, pair.tgt_text) - cal.length.median) / cal.length.sigma
        badness[Flag.LENGTH_MISMATCH.value] = abs(z) / LENGTH_Z
        if pair.score is not None and not math.isnan(pair.score):
            reference = max(cal.similarity, MISALIGNED_BELOW + 0.1)
            badness[Flag.MISALIGNED.value] = max(0.0, (reference - pair.score) / (reference - MISALIGNED_BELOW))
        leftovers = untranslated_words(pair.src_text, pair.tgt_text, cal.source_script, cal.target_script)
        badness[Flag.UNTRANSLATED_WORDS.value] = float(len(leftovers))

        quality = 1.0
        for b in badness.values():
            quality *= 1.0 / (1.0 + b ** 4)
        flags = tuple(name for name, b in badness.items() if b >= 1.0)
        return Assessment(round(quality, 4), flags, badness)


def confidence_badness(confidence: float, stats: RobustStats) -> float:
    """0 at the run's median confidence, 1 at the flag threshold: the higher of the run's lower fence
    (``median - 3 sigma``) and :data:`CONFIDENCE_FLOOR`."""
    threshold = max(CONFIDENCE_FLOOR, stats.median - CONFIDENCE_Z * stats.sigma)
    reference = max(stats.median, threshold + stats.sigma)
    return max(0.0, (reference - confidence) / (reference - threshold))


def calibrate(pairs: Iterable[AlignedPair]) -> QualityModel:
    """Calibrate on a run's translation pairs (other kinds and pairs without a target are left out)."""
    grouped: dict[tuple[str, str], tuple] = defaultdict(lambda: ([], [], [], defaultdict(int), defaultdict(int)))
    for pair in pairs:
        if str(pair.kind) != PairKind.TRANSLATION.value or not pair.tgt_text.strip():
            continue
        lengths, confidences, similarities, src_scripts, tgt_scripts = grouped[(pair.src_lang, pair.tgt_lang)]
        _count_scripts(pair.src_text, src_scripts)
        _count_scripts(pair.tgt_text, tgt_scripts)
        lengths.append(length_log_ratio(pair.src_text, pair.tgt_text))
        if pair.mt_confidence is not None:
            confidences.append(pair.mt_confidence)
        if pair.score is not None and not math.isnan(pair.score):
            similarities.append(pair.score)
    return QualityModel({key: _calibrate_values(*values) for key, values in grouped.items()})


def _calibrate_values(lengths: Sequence[float], confidences: Sequence[float], similarities: Sequence[float],
                      src_scripts: dict[str, int], tgt_scripts: dict[str, int]) -> PairCalibration:
    similarity = SIMILARITY_PRIOR
    if similarities:
        w = len(similarities) / (len(similarities) + PRIOR_WEIGHT)
        similarity = w * statistics.median(similarities) + (1 - w) * SIMILARITY_PRIOR
    return PairCalibration(
        length=RobustStats.of(lengths, LENGTH_PRIOR, LENGTH_MIN_SIGMA),
        confidence=RobustStats.of(confidences, CONFIDENCE_PRIOR, CONFIDENCE_MIN_SIGMA),
        similarity=similarity,
        source_script=max(src_scripts, key=src_scripts.get) if src_scripts else "",
        target_script=max(tgt_scripts, key=tgt_scripts.get) if tgt_scripts else "",
    )


def length_log_ratio(src: str, tgt: str) -> float:
    """``log((len(tgt) + 10) / (len(src) + 10))`` over characters that are not white space."""
    ls = sum(1 for ch in src if not ch.isspace())
    lt = sum(1 for ch in tgt if not ch.isspace())
    return math.log((lt + LENGTH_SMOOTHING) / (ls + LENGTH_SMOOTHING))


def script_of(ch: str) -> str:
    """The Unicode script of a letter, by its character name (``CYRILLIC``, ``LATIN``, ``CJK``, …)."""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def _count_scripts(text: str, counts: dict[str, int]) -> dict[str, int]:
    for ch in text:
        if ch.isalpha():
            counts[script_of(ch)] += 1
    return counts


def main_script(text: str) -> str:
    """The script of most of ``text``'s letters ("" without letters)."""
    counts = _count_scripts(text, defaultdict(int))
    return max(counts, key=counts.get) if counts else ""


def untranslated_words(src: str, tgt: str, source_script: str = "", target_script: str = "") -> list[str]:
    """Words of ``tgt`` written in the source's script, when source and target are written in different scripts.

    The scripts are the run's (:class:`PairCalibration`); without them, each side's own.
    """
    source_script = source_script or main_script(src)
    target_script = target_script or main_script(tgt)
    if not source_script or source_script == target_script:
        return []
    return [
        word for word in _WORD.findall(tgt)
        if sum(1 for ch in word if ch.isalpha()) >= UNTRANSLATED_MIN_LETTERS
        and main_script(word) == source_script
    ]
