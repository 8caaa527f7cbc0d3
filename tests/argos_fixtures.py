"""Fixture Argos packages for the translation tests, built once per test session.

The packages are real ``.argosmodel`` files (SentencePiece + CTranslate2 +
metadata.json) made by :mod:`pipeline.translate.synthetic`; their models gloss
a small word list word by word and copy every other piece.

``ARGOS_PACKAGES_DIR`` is pointed at a temporary folder per test. The
pipeline reads the variable on every call; argostranslate's ``settings``
module reads it once, at import, so :func:`use_packages_dir` also patches
``settings.package_data_dir``/``package_dirs`` and clears argostranslate's
cached language list for the tests that call argostranslate itself.
"""

from __future__ import annotations

import functools
import sys
import tempfile
from pathlib import Path

import pytest

RU_EN = {
    "привет": "hello",
    "мир": "world",
    "цепочки": "chain",
    "цепочка": "chain",
    "цепочке": "chain",
    "блокчейн": "blockchain",
    "блокчейна": "blockchain",
    "новости": "news",
    "большой": "big",
    "и": "and",
}
EN_DE = {"hello": "hallo", "world": "welt", "chain": "kette", "and": "und", "news": "nachrichten", "big": "gross"}
RU_EN_V2 = {**RU_EN, "мир": "peace"}
RANDOM_TRAINING_TEXT = ["Привет мир, большой мир и новости блокчейна.", "Собака и цепочка, мир и новости?"] * 20


@functools.lru_cache(maxsize=None)
def built() -> dict[str, Path]:
    """Package files, built once per process into a temporary folder."""
    from pipeline.translate.synthetic import build_argos_package

    out = Path(tempfile.mkdtemp(prefix="argos-fixtures-"))
    return {
        "ru_en": build_argos_package(out / "ru_en", from_code="ru", to_code="en", lexicon=RU_EN),
        "ru_en_v2": build_argos_package(out / "ru_en_v2", from_code="ru", to_code="en", lexicon=RU_EN_V2, version="2.0"),
        "en_de": build_argos_package(out / "en_de", from_code="en", to_code="de", lexicon=EN_DE),
        "en_de_prefixed": build_argos_package(
            out / "en_de_prefixed", from_code="en", to_code="de", lexicon=EN_DE, target_prefix="<de>"
        ),
        "en_de_underscore": build_argos_package(
            out / "en_de_underscore", from_code="en", to_code="de", lexicon=EN_DE, target_prefix="__de__"
        ),
        # A tiny random-weight model that ends its outputs early: confidences far from 0 that vary by input.
        "ru_en_random": build_argos_package(
            out / "ru_en_random", from_code="ru", to_code="en", random_weights=True, vocab_size=400, layers=1,
            d_model=64, heads=2, ffn=128, eos_bias=1.0, training_text=RANDOM_TRAINING_TEXT,
        ),
    }


def use_packages_dir(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(folder))
    settings = sys.modules.get("argostranslate.settings")
    if settings is not None:
        monkeypatch.setattr(settings, "package_data_dir", folder)
        monkeypatch.setattr(settings, "package_dirs", [folder])
    translate = sys.modules.get("argostranslate.translate")
    if translate is not None:
        translate.get_installed_languages.cache_clear()
        translate.installed_translates.clear()
    return folder


@pytest.fixture()
def packages_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``ARGOS_PACKAGES_DIR``; the user cache folder is moved into ``tmp_path`` too."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return use_packages_dir(monkeypatch, tmp_path / "packages")


@pytest.fixture()
def ru_en(packages_dir: Path) -> Path:
    """``packages_dir`` with the ru→en gloss package installed."""
    from pipeline.translate.packages import install_file

    install_file(built()["ru_en"], packages_dir)
    return packages_dir
