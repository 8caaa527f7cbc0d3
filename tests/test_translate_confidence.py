"""The model's confidence in its translations (``mt_confidence``): derived from CTranslate2's score, cached, pivoted."""

from __future__ import annotations

import math

import pytest

from pipeline.translate import engine as engine_module
from pipeline.translate.cache import TranslationCache
from pipeline.translate.engine import DecodingSettings, TranslationEngine, mean_log_prob
from pipeline.translate.packages import install_file
from tests.argos_fixtures import built, packages_dir, ru_en, use_packages_dir  # noqa: F401  (fixtures)
from tests.test_translate_engine import EXPECTED, SENTENCES, counting  # noqa: F401  (fixture)

RANDOM_INPUTS = ["Привет мир", "Большой мир и новости блокчейна", "Новости", "Собака и цепочка, мир", "мир " * 12]


@pytest.fixture()
def random_model(packages_dir):
    install_file(built()["ru_en_random"], packages_dir)
    return packages_dir


@pytest.mark.parametrize("max_length,prefix", [(256, None), (3, None), (256, "▁мир"), (3, "▁мир")])
def test_mean_log_prob_is_the_forced_decoding_mean(random_model, max_length, prefix):
    """The confidence read from the beam score equals the mean token log-probability CTranslate2 gives the
    same output when scoring it (end token included when there is one; the forced prefix excluded)."""
    engine = TranslationEngine(threads=1, decoding=DecodingSettings(min_decoding_length=0, max_decoding_length=max_length))
    pkg = engine.route("ru", "en")[0]
    translator = engine.translator(pkg)
    sources = [pkg.argos.tokenizer.encode(t) for t in RANDOM_INPUTS]
    options = engine.decoding.options()
    results = translator.translate_batch(sources, target_prefix=[[prefix]] * len(sources) if prefix else None,
                                         return_scores=True, **options)
    lengths = set()
    for source, result in zip(sources, results):
        hypothesis = result.hypotheses[0]
        lengths.add(len(hypothesis))
        ours = mean_log_prob(result.scores[0], len(hypothesis), length_penalty=options["length_penalty"],
                             prefix_length=1 if prefix else 0, max_decoding_length=max_length)
        forced = translator.score_batch([source], [hypothesis])[0].log_probs  # every token plus the end token
        if prefix:
            forced = forced[1:]
        if len(hypothesis) >= max_length:  # cut at the limit: no end token was generated
            forced = forced[:-1]
        assert ours == pytest.approx(sum(forced) / len(forced), abs=1e-4)
        assert ours < -0.05  # a random model is far from sure
    if max_length == 256:
        assert len(lengths) > 1  # outputs of several lengths: the end token was really scored


def test_confidence_reaches_the_outcome_and_the_cache(random_model, tmp_path, counting):
    cache_path = tmp_path / "cache.sqlite3"
    engine = TranslationEngine(threads=1, cache=TranslationCache(cache_path))
    first = engine.translate([("ru", t) for t in RANDOM_INPUTS], "en")
    confidences = [o.mt_confidence for o in first]
    assert all(c is not None and c < 0 for c in confidences) and len(set(confidences)) > 1
    # the same as decoding one sentence at a time: batching does not change it
    alone = [TranslationEngine(threads=1).translate([("ru", t)], "en")[0].mt_confidence for t in RANDOM_INPUTS]
    assert confidences == pytest.approx(alone, abs=1e-5)

    import sqlite3

    with sqlite3.connect(cache_path) as db:
        stored = dict(db.execute("SELECT source, mt_confidence FROM translations"))
    assert [stored[t] for t in RANDOM_INPUTS] == pytest.approx(confidences)

    counting.calls = 0
    again = TranslationEngine(threads=1, cache=TranslationCache(cache_path)).translate(
        [("ru", t) for t in RANDOM_INPUTS], "en")
    assert counting.calls == 0 and {o.status for o in again} == {"cached"}
    assert [o.mt_confidence for o in again] == pytest.approx(confidences)
    assert [o.translation for o in again] == [o.translation for o in first]


def test_gloss_model_is_sure_and_passthrough_has_no_confidence(ru_en):
    outcomes = TranslationEngine(threads=1).translate([("ru", s) for s in SENTENCES] + [("en", "Hello.")], "en")
    assert [o.translation for o in outcomes[:-1]] == EXPECTED
    assert all(-1e-3 < o.mt_confidence <= 0 for o in outcomes[:-1])  # the hand-set model is certain of each token
    assert outcomes[-1].status == "passthrough" and outcomes[-1].mt_confidence is None


def test_pivot_confidence_adds_both_legs(packages_dir):
    install_file(built()["ru_en_random"], packages_dir)
    install_file(built()["en_de"], packages_dir)
    engine = TranslationEngine(threads=1)
    pivoted = engine.translate([("ru", t) for t in RANDOM_INPUTS], "de")
    first_leg = TranslationEngine(threads=1).translate([("ru", t) for t in RANDOM_INPUTS], "en")
    second_leg = TranslationEngine(threads=1).translate([("en", o.translation) for o in first_leg], "de")
    for p, a, b in zip(pivoted, first_leg, second_leg):
        if b.status == "passthrough":  # an English leg with nothing to translate (punctuation only)
            continue
        assert p.mt_confidence == pytest.approx(a.mt_confidence + b.mt_confidence, abs=1e-5)
        assert p.mt_confidence <= a.mt_confidence


def test_lines_of_one_text_are_averaged_by_length(random_model):
    engine = TranslationEngine(threads=1)
    a, b = "Привет мир", "Большой мир и новости блокчейна"
    [joined] = engine.translate([("ru", f"{a}\n{b}")], "en")
    ta, tb = engine.translate([("ru", a), ("ru", b)], "en")
    expected = (ta.mt_confidence * len(a) + tb.mt_confidence * len(b)) / (len(a) + len(b))
    assert joined.mt_confidence == pytest.approx(expected, abs=1e-6)


def test_mean_log_prob_edge_cases():
    assert mean_log_prob(-2.0, 0, length_penalty=0.2, prefix_length=0, max_decoding_length=256) == -2.0  # only </s>
    assert mean_log_prob(-2.0, 1, length_penalty=0.0, prefix_length=1, max_decoding_length=1) is None
    assert mean_log_prob(-math.inf, 3, length_penalty=0.2, prefix_length=0, max_decoding_length=256) is None
    # 3 tokens + end token, normalised by 4 ** 1: the sum is -8, the mean -2
    assert mean_log_prob(-2.0, 3, length_penalty=1.0, prefix_length=0, max_decoding_length=256) == -2.0
