"""The fixture package builder: real Argos archives that CTranslate2 and argostranslate load."""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.argos_fixtures import built


def test_archive_layout_is_argos():
    path = built()["ru_en"]
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        top = {n.split("/")[0] for n in names}
        assert top == {"translate-ru_en-1_0"}
        for required in ("metadata.json", "sentencepiece.model", "model/model.bin", "model/config.json"):
            assert f"translate-ru_en-1_0/{required}" in names
        meta = json.loads(zf.read("translate-ru_en-1_0/metadata.json"))
    assert (meta["from_code"], meta["to_code"], meta["package_version"], meta["type"]) == ("ru", "en", "1.0", "translate")


def test_model_glosses_word_by_word_through_ctranslate2(tmp_path):
    import ctranslate2
    from argostranslate.package import Package

    with zipfile.ZipFile(built()["ru_en"]) as zf:
        zf.extractall(tmp_path)
    pkg = Package(tmp_path / "translate-ru_en-1_0")
    translator = ctranslate2.Translator(str(pkg.package_path / "model"))
    cases = {
        "Привет мир!": "Hello world!",
        "цепочки и блокчейн": "chain and blockchain",
        "Большой мир собака": "Big world собака",  # unknown word: its pieces are copied
        "мир " * 40: ("world " * 40).strip(),
    }
    batch = [pkg.tokenizer.encode(src) for src in cases]
    results = translator.translate_batch(batch, beam_size=4, length_penalty=0.2, replace_unknowns=True)
    got = [pkg.tokenizer.decode(r.hypotheses[0]).lstrip(" ") for r in results]
    assert got == list(cases.values())


def test_lexicon_must_be_single_words(tmp_path):
    from pipeline.translate.synthetic import LexiconError, build_argos_package

    with pytest.raises(LexiconError):
        build_argos_package(tmp_path, from_code="ru", to_code="en", lexicon={"цепочка поставок": "supply chain"})
    with pytest.raises(LexiconError):
        build_argos_package(tmp_path, from_code="ru", to_code="en", lexicon={})
