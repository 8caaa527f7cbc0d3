import pytest

from pipeline.ingest.decode import UndecodableError, decode
from tests.conftest import EN_TEXT, KO_TEXT, PNG_BYTES, RU_TEXT


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        (RU_TEXT.encode("utf-8"), "utf-8", RU_TEXT),
        (b"\xef\xbb\xbf" + RU_TEXT.encode("utf-8"), "utf-8-sig", RU_TEXT),
        (RU_TEXT.encode("utf-16"), "utf-16", RU_TEXT),
        (RU_TEXT.encode("utf-16-le"), "utf-16-le", RU_TEXT),
        (RU_TEXT.encode("cp1251"), "cp1251", RU_TEXT),
        (RU_TEXT.encode("koi8_r"), "koi8-r", RU_TEXT),
        (EN_TEXT.encode("ascii"), "utf-8", EN_TEXT),
        (KO_TEXT.encode("utf-8"), "utf-8", KO_TEXT),
    ],
)
def test_decodes_news_encodings(data, encoding, text):
    result = decode(data)
    assert (result.text, result.encoding, result.invalid_bytes) == (text, encoding, 0)


def test_short_cp1251_prefers_cyrillic():
    result = decode("Привет, мир!".encode("cp1251"))
    assert (result.text, result.encoding) == ("Привет, мир!", "cp1251")


UK_TEXT = "Уряд України і Білорусі обговорив співпрацю: їхні експерти підписали меморандум про ґрунтовні дослідження."
RU_CAPS = "В Минске Сеул и Москва обсудили реестр. Я знаю: Парк высоких технологий растёт, а сделка ясна."


@pytest.mark.parametrize(
    ("text", "codec", "encoding"),
    [("В администрации города рассказали о планах.\nВсего в программе участвуют 30 вузов.", "mac_cyrillic",
      "mac-cyrillic"),
     ("Эксперты считают, что рынок вырастет.\nВ Сеуле подписали соглашение о сотрудничестве.", "mac_cyrillic",
      "mac-cyrillic"),
     ("Її підтримали міністри.", "koi8_u", "koi8-u"), ("Ми працюємо далі.", "koi8_u", "koi8-u"),
     (RU_CAPS, "mac_cyrillic", "mac-cyrillic"), (RU_CAPS, "cp1251", "cp1251"), (RU_CAPS, "koi8_r", "koi8-r"),
     (RU_CAPS, "cp866", "cp866"), (UK_TEXT, "koi8_u", "koi8-u"), (UK_TEXT, "cp1251", "cp1251")],
)
def test_cyrillic_code_pages_are_told_apart_by_their_letters(text, codec, encoding):
    """The first four were read as cp1251 (capitals became ‚, Ћ, Љ and я became Я) or ISO 8859-5."""
    result = decode(text.encode(codec))
    assert (result.text, result.encoding) == (text, encoding)


@pytest.mark.parametrize("data", [PNG_BYTES, b"%PDF-1.7\n" + bytes(range(256)), bytes(range(256)) * 8])
def test_binary_is_refused(data):
    with pytest.raises(UndecodableError, match="binary"):
        decode(data)


RU_LINES = ("Минск и Сеул подписали соглашение о сотрудничестве в области блокчейна.\n"
            "Цепочка поставок остаётся прежней.\n")
JA_LINES = "東京で新しい技術協力の合意が署名されました。\n両国は人工知能の研究を進めます。\n"
EN_QUOTES = "“Blockchain” — not “chain” — is the word: Belarus’ and Korea’s “Hi-Tech Park” agree.\n"


@pytest.mark.parametrize(
    ("utf8", "legacy", "codec", "encoding"),
    [(EN_QUOTES, RU_LINES, "cp1251", "utf-8+cp1251"), (RU_LINES, RU_LINES, "koi8_r", "utf-8+koi8-r"),
     (EN_TEXT + "\n" + RU_LINES, JA_LINES, "shift_jis", "utf-8+shift_jis")],
)
def test_lines_in_two_encodings_are_each_read_in_their_own(utf8, legacy, codec, encoding):
    for data, text in ((utf8.encode() + legacy.encode(codec), utf8 + legacy),
                       (legacy.encode(codec) + utf8.encode(), legacy + utf8)):
        result = decode(data)
        assert (result.text, result.encoding, result.invalid_bytes, result.mixed) == (text, encoding, 0, True)


def test_stray_bytes_in_utf8_are_not_a_second_encoding():
    # a line of Russian with a stray byte, and lines of ASCII with one each: U+FFFD, never a code page
    data = RU_LINES.encode() + "Ещё строка ".encode() + b"\xff\n"
    data += b"one \x92 two \xe9 three\n" * 8
    result = decode(data)
    assert result.encoding == "utf-8" and not result.mixed and result.invalid_bytes == 17
    assert result.text.startswith(RU_LINES + "Ещё строка \ufffd\n") and result.text.count("\ufffd") == 17


def test_accents_in_cp1252_inside_utf8_stay_replaced():
    # too little to name a code page by: the accents become U+FFFD and are counted, as before
    data = (RU_LINES + EN_TEXT + "\n").encode() + "Le café déjà servi à l'été.\n".encode("cp1252")
    result = decode(data)
    assert result.encoding == "utf-8" and result.invalid_bytes == 6 and not result.mixed


def test_a_legacy_line_that_happens_to_be_valid_utf8_keeps_one_code_page():
    # «Р» in cp1251 (0xD0 0xBB) is valid UTF-8 ("л"): one short line so formed is no evidence of UTF-8
    text = "«Р»\n" + RU_LINES * 3
    result = decode(text.encode("cp1251"))
    assert (result.text, result.encoding, result.mixed) == (text, "cp1251", False)


JA_CHAT = "女性が起業をするメリットはなんだと思いますか？\nよろしくお願い致します。"
JA_HEADLINE = "第２回日韓ＩＣＴフォーラム　ミンスクで開催　ＫＴ、ＳＫテレコムなど参加｜経済｜ニュース"
JA_KANA = "これ、ほんとうにびっくりするくらい、すごく、すごく、かんたんなしごとなんですよ。\nなんていうか、だれでもできます。"


@pytest.mark.parametrize(
    ("text", "codec", "encoding"),
    [(JA_CHAT, "shift_jis", "shift_jis"), (JA_HEADLINE, "shift_jis", "shift_jis"), (JA_HEADLINE, "euc_jp", "euc_jp"),
     (JA_KANA, "shift_jis", "shift_jis"),
     ("오늘 날씨 좋네요 ㅎㅎ", "cp949", "cp949"), ("ㅋㅋㅋ 진짜 웃기다 ㅎㅎ 내일 보자!", "euc_kr", "cp949"),
     ("白俄罗斯与韩国同意扩大信息通信技术领域的合作。", "gb18030", "gb18030"),
     ("白俄羅斯與韓國同意擴大資訊通信技術領域的合作。", "big5", "big5")],
    ids=["ja-chat", "ja-fullwidth", "ja-fullwidth-euc", "ja-kana", "ko-jamo", "ko-chat", "zh-hans", "zh-hant"],
)
def test_cjk_code_pages_are_told_apart_by_their_characters(text, codec, encoding):
    """Short Japanese in Shift_JIS was read as cp949 (runs of Hangul no Korean text uses), and a headline of
    full-width letters as UTF-16 (no zero byte in it) or refused as binary."""
    result = decode(text.encode(codec))
    assert (result.text, result.encoding) == (text, encoding)
