import pytest

from pipeline.detect import LanguageDetector, majority_language
from tests.conftest import DE_TEXT, EN_TEXT, KO_TEXT, RU_TEXT


@pytest.fixture(scope="module")
def detector():
    return LanguageDetector()


@pytest.mark.parametrize(("text", "lang"), [(RU_TEXT, "ru"), (EN_TEXT, "en"), (DE_TEXT, "de"), (KO_TEXT, "ko")])
def test_detects_languages(detector, text, lang):
    guess = detector.detect(text)
    assert guess.lang == lang
    assert guess.score > 0.5


def test_urls_and_digits_do_not_count(detector):
    assert detector.detect("https://example.org/news/2019/04/11 2019-04-11 +82-2-6956-6698").lang == "und"
    text = "Подробности на сайте https://www.example.com/english-page-about-investment-and-technology-news"
    assert detector.detect(text).lang == "ru"


def test_email_addresses_do_not_count(detector):
    from pipeline.detect import _NOT_LANGUAGE

    for text in ("foo@bar.com", "(ivan.petrov@mail.ru),", "foo@bar.com,baz@qux.org", "«иван@почта.рф»"):
        assert "@" not in _NOT_LANGUAGE.sub(" ", text), text
    assert _NOT_LANGUAGE.sub(" ", "x@y @handle") == "x@y @handle"  # no domain: not an address


def test_short_mixed_text_follows_context(detector):
    # A Russian line quoting an English name stays Russian in a Russian paragraph.
    assert detector.detect("«Корея жунганг Daily»", context="ru").lang == "ru"
    assert detector.detect("Fintech", context="ru").lang == "ru"
    # Long confident text keeps its own language, whatever the context.
    assert detector.detect(EN_TEXT, context="ru").lang == "en"


def test_majority_language_is_by_letters():
    guess = majority_language([("en", 10, 0.9), ("ru", 200, 0.95), ("ru", 100, 0.8), ("und", 50, 0.0)])
    assert guess.lang == "ru"
    assert guess.score == pytest.approx((200 * 0.95 + 100 * 0.8) / 310, abs=1e-4)
    assert majority_language([]).lang == "und"
