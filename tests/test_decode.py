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


@pytest.mark.parametrize("data", [PNG_BYTES, b"%PDF-1.7\n" + bytes(range(256)), bytes(range(256)) * 8])
def test_binary_is_refused(data):
    with pytest.raises(UndecodableError, match="binary"):
        decode(data)
