"""The translation-quality estimate on real text: 117 Russian news sentences and their English translations
(tests/data/qe_ru_en.tsv, written for these tests), scored by the default encoder, then damaged on purpose."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from pipeline.align.quality import calibrate, length_log_ratio, untranslated_words
from pipeline.models import AlignedPair, Flag

DATA = Path(__file__).parent / "data" / "qe_ru_en.tsv"
LENGTH, MISALIGNED, UNTRANSLATED, CONFIDENCE = (Flag.LENGTH_MISMATCH.value, Flag.MISALIGNED.value,
                                                Flag.UNTRANSLATED_WORDS.value, Flag.LOW_CONFIDENCE.value)


def read_pairs() -> list[tuple[str, str]]:
    rows = [line.split("\t") for line in DATA.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]
    assert all(len(r) == 2 for r in rows)
    return [(ru, en) for ru, en in rows]


def half(text: str) -> str:
    """The first half of ``text``, cut at a space: a translation truncated mid-sentence."""
    cut = text.rfind(" ", 0, len(text) // 2 + 1)
    return text[:cut if cut > 0 else len(text) // 2]


def with_cyrillic(ru: str, en: str) -> str:
    """``en`` with its longest word replaced by the longest word of ``ru`` (a word the model left as it was)."""
    target = max(re.findall(r"[A-Za-z]+", en), key=len)
    source = max(re.findall(r"[А-Яа-яЁё]+", ru), key=len)
    return en.replace(target, source, 1)


def pair(i: int, ru: str, en: str, score: float, confidence: float | None = None) -> AlignedPair:
    return AlignedPair(pair_id=f"p{i}", kind="translation", src_doc="d", src_ids=(i,), src_lang="ru", src_text=ru,
                       tgt_doc="d", tgt_ids=(i,), tgt_lang="en", tgt_text=en, score=score, mt_confidence=confidence)


@pytest.fixture(scope="module")
def scored(use_encoder):
    """Correct, truncated, padded, wrong-line and Cyrillic-leftover pairs, each scored by the encoder."""
    data = read_pairs()
    ru = [r for r, _ in data]
    variants = {
        "correct": [e for _, e in data],
        "half": [half(e) for _, e in data],
        "padded": [f"{e} {data[(i + 7) % len(data)][1]}" for i, (_, e) in enumerate(data)],  # a hallucinated addition
        "wrong": [data[(i + 1) % len(data)][1] for i in range(len(data))],
        "cyrillic": [with_cyrillic(r, e) for r, e in data],
    }
    src = use_encoder.encode(ru)
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    out = {}
    for name, targets in variants.items():
        tgt = use_encoder.encode(targets)
        tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
        scores = (src * tgt).sum(1)
        out[name] = [pair(i, r, t, float(s)) for i, (r, t, s) in enumerate(zip(ru, targets, scores))]
    return out


def rate(model, pairs, flag) -> float:
    return sum(flag in model.assess(p)[1] for p in pairs) / len(pairs)


def test_the_data_is_real_text():
    data = read_pairs()
    assert len(data) >= 100 and len(set(data)) == len(data)
    assert all(re.search("[а-я]", ru) and not re.search("[а-яА-Я]", en) for ru, en in data)


def test_truncated_translations_are_flagged_and_correct_ones_are_not(scored):
    # A run in which one translation in five was cut in half: the robust calibration does not move.
    correct, cut = scored["correct"], scored["half"]
    model = calibrate(correct + cut[::4])
    assert rate(model, cut, LENGTH) >= 0.90
    assert rate(model, correct, LENGTH) <= 0.05
    assert sum(bool(model.assess(p)[1]) for p in correct) / len(correct) <= 0.05  # no flag of any kind


def test_additions_are_flagged(scored):
    model = calibrate(scored["correct"] + scored["padded"][::4])
    assert rate(model, scored["padded"], LENGTH) >= 0.90


def test_a_run_with_few_pairs_leans_on_the_prior(scored):
    correct, cut = scored["correct"], scored["half"]
    model = calibrate(correct[:5])
    assert model.calibration("ru", "en").length.n == 5
    assert rate(model, cut, LENGTH) >= 0.90
    assert rate(model, correct, LENGTH) <= 0.05


def test_a_wrong_line_is_flagged_misaligned(scored):
    correct, wrong = scored["correct"], scored["wrong"]
    model = calibrate(correct + wrong[::10])
    assert rate(model, wrong, MISALIGNED) >= 0.95
    assert rate(model, correct, MISALIGNED) == 0
    assert max(model.assess(p)[0] for p in wrong) <= 0.5
    assert np.median([model.assess(p)[0] for p in correct]) > 0.9


def test_cyrillic_words_left_in_english_are_flagged(scored):
    correct, leftover = scored["correct"], scored["cyrillic"]
    model = calibrate(correct + leftover[::10])
    assert rate(model, leftover, UNTRANSLATED) == 1.0
    assert rate(model, correct, UNTRANSLATED) == 0
    ru, en = read_pairs()[0]
    assert untranslated_words(ru, with_cyrillic(ru, en)) == [max(re.findall(r"[А-Яа-яЁё]+", ru), key=len)]


def test_an_untranslated_copy_of_the_source_is_flagged(scored):
    correct = scored["correct"]
    model = calibrate(correct)
    copy = dataclasses.replace(correct[3], tgt_text=correct[3].src_text, score=0.99)
    quality, flags = model.assess(copy)
    assert UNTRANSLATED in flags and quality < 0.1


def test_quality_ranks_damaged_pairs_below_correct_ones(scored):
    """Sorting by quality puts the damaged pairs first: AUC of quality for correct vs damaged pairs."""
    damaged = scored["half"] + scored["wrong"] + scored["cyrillic"] + scored["padded"]
    model = calibrate(scored["correct"] + damaged[::8])
    good = np.array([model.assess(p)[0] for p in scored["correct"]])
    bad = np.array([model.assess(p)[0] for p in damaged])
    auc = ((good[:, None] > bad[None, :]).mean() + 0.5 * (good[:, None] == bad[None, :]).mean())
    assert auc >= 0.95
    for p in damaged:
        quality, flags = model.assess(p)
        assert 0.0 <= quality <= 1.0 and (not flags or quality <= 0.5)


def test_low_confidence_is_relative_to_the_run_and_has_a_floor(scored):
    rng = np.random.default_rng(0)
    correct = [dataclasses.replace(p, mt_confidence=float(c))
               for p, c in zip(scored["correct"], rng.normal(-0.4, 0.1, len(scored["correct"])))]
    unsure = [dataclasses.replace(p, mt_confidence=-1.4) for p in correct[:10]]
    model = calibrate(correct + unsure)
    assert rate(model, unsure, CONFIDENCE) == 1.0
    assert rate(model, correct, CONFIDENCE) <= 0.05
    # a model unsure of everything is flagged everywhere, whatever its own median
    weak = [dataclasses.replace(p, mt_confidence=-2.5) for p in correct]
    assert rate(calibrate(weak), weak, CONFIDENCE) == 1.0
    # no confidence (a translation cached before confidences were kept): no evidence either way
    none = [dataclasses.replace(p, mt_confidence=None) for p in correct]
    assert rate(model, none, CONFIDENCE) == 0


def test_pairs_that_are_not_translations_get_no_quality(scored):
    p = scored["correct"][0]
    model = calibrate([p])
    assert model.assess(dataclasses.replace(p, kind="cross-source")) == (None, ())
    assert model.assess(dataclasses.replace(p, tgt_text="")) == (None, ())
    assert calibrate([]).assess(p)[0] > 0.5  # no calibration at all: the priors


def test_length_ratio_ignores_white_space():
    assert length_log_ratio("a b c", "abc") == length_log_ratio("abc", "a  b\nc") == 0.0
