import pytest

from pipeline.segment import split_sentences


def sentences(text, lang):
    return [text[a:b] for a, b in split_sentences(text, lang)]


def test_russian_with_razdel():
    text = "Он приехал в 5 ч. утра, т.е. рано. Встреча прошла в г. Минске! Что дальше?"
    assert sentences(text, "ru") == ["Он приехал в 5 ч. утра, т.е. рано.", "Встреча прошла в г. Минске!", "Что дальше?"]


def test_english_titles_do_not_end_sentences():
    text = "“It is a priority,” Amb. Popkov said. Dr. Kim agreed. He lives in Bonn. Popkov said so."
    assert sentences(text, "en") == ["“It is a priority,” Amb. Popkov said.", "Dr. Kim agreed.", "He lives in Bonn.", "Popkov said so."]


@pytest.mark.parametrize("lang", ["en", "de", "ko", "und", "ru"])
def test_offsets_point_into_text(lang):
    text = "  First one here.   Second one, with 5.5 numbers!  Third?  "
    spans = split_sentences(text, lang)
    assert len(spans) == 3
    for a, b in spans:
        assert text[a:b] == text[a:b].strip() and text[a:b]
    assert [a for a, _ in spans] == sorted(a for a, _ in spans)


def test_korean():
    text = "한국과 벨라루스는 협력을 확대하기로 합의했습니다. 양국은 공동 연구를 추진할 계획입니다."
    assert len(split_sentences(text, "ko")) == 2


def test_blank():
    assert split_sentences("   ", "en") == []


def test_overlong_sentences_are_cut_at_clause_breaks():
    from pipeline.segment import MAX_SENTENCE_CHARS

    clause = "the two countries agreed to expand cooperation in science and technology"
    text = ", ".join([clause] * 60) + "."  # one 4,000-character sentence
    spans = split_sentences(text, "en")
    assert len(spans) > 3
    assert all(b - a <= MAX_SENTENCE_CHARS for a, b in spans)
    assert all(text[a:b].endswith((",", ".")) for a, b in spans)  # cut after a comma, never inside a word
    rebuilt = " ".join(text[a:b] for a, b in spans)
    assert rebuilt == text


def test_overlong_text_without_punctuation_is_cut_at_spaces():
    from pipeline.segment import MAX_SENTENCE_CHARS

    text = " ".join(["слово"] * 2000)
    spans = split_sentences(text, "ru")
    assert all(0 < b - a <= MAX_SENTENCE_CHARS for a, b in spans)
    assert " ".join(text[a:b] for a, b in spans) == text
    unbroken = "x" * 2500
    assert [b - a for a, b in split_sentences(unbroken, "en")] == [1000, 1000, 500]
