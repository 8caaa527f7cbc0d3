"""The glossary around real translation: `pipeline run` with fixture Argos packages (SentencePiece + CTranslate2).

The fixture models gloss word by word. A *faithful* model renders the
pre-edited «блокчейн…» as "blockchain"; a *weak* one renders every form of
«цепочка» and «блокчейн» as "chain", so only the post-edit can fix it.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.io import read_csv
from tests.argos_fixtures import packages_dir  # noqa: F401  (fixture)

CHAIN_FORMS = ("цепочка", "цепочки", "цепочке", "цепочку", "цепочкой", "цепочек", "цепочкам", "цепочками", "цепочках")
BLOCKCHAIN_FORMS = ("блокчейн", "блокчейна", "блокчейну", "блокчейном", "блокчейне", "блокчейны", "блокчейнов",
                    "блокчейнам", "блокчейнами", "блокчейнах")
COMMON = {"поставок": "supply", "инвесторов": "investors", "финтех": "fintech"}

FAITHFUL = {**COMMON, **{w: "chain" for w in CHAIN_FORMS}, **{w: "blockchain" for w in BLOCKCHAIN_FORMS}}
WEAK = {**COMMON, **{w: "chain" for w in CHAIN_FORMS + BLOCKCHAIN_FORMS}}

ARTICLE = (
    "Беларусь ищет инвесторов для растущей в стране цепочки и финтех промышленности.\n\n"
    "Из-за пандемии цепочки поставок остановились.\n"
)


@functools.lru_cache(maxsize=None)
def package(kind: str) -> Path:
    from pipeline.translate.synthetic import build_argos_package

    lexicon = FAITHFUL if kind == "faithful" else WEAK
    out = Path(tempfile.mkdtemp(prefix=f"gloss-{kind}-"))
    return build_argos_package(out, from_code="ru", to_code="en", lexicon=lexicon)


def run(tmp_path: Path, input_dir: Path, kind: str, *extra: str):
    """`pipeline run` with the ``kind`` model installed; sentences of the Russian document(s) and the report."""
    from pipeline.translate.packages import install_file

    install_file(package(kind), Path(os.environ["ARGOS_PACKAGES_DIR"]))
    out = tmp_path / f"out-{kind}{'-'.join(extra)}"
    if input_dir.name == "seeds":
        # The fixture's SentencePiece model knows only the lexicon, so other words decode letter by letter:
        # give the long seed sentences room (real models stay far below CTranslate2's default of 256 pieces).
        from pipeline.api import run_batch
        from pipeline.config import RunConfig, TranslateConfig

        run_batch(RunConfig(input_dir=input_dir, out_dir=out, quiet=True,
                            translate=TranslateConfig(use_cache=False, max_decoding_length=1024)))
    else:
        result = CliRunner().invoke(app, ["run", str(input_dir), "--out", str(out), "--quiet", "--no-cache", *extra])
        assert result.exit_code == 0, result.output
    sentences = read_csv(out / "sentences.csv")
    report = read_csv(out / "glossary_report.csv") if (out / "glossary_report.csv").exists() else None
    return sentences[sentences["lang"] == "ru"].reset_index(drop=True), report


@pytest.fixture()
def article(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ru.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


def test_faithful_model_gets_the_pre_edited_term(packages_dir, article, tmp_path):
    sentences, report = run(tmp_path, article, "faithful")
    blockchain, supply = sentences.iloc[0], sentences.iloc[1]
    assert "блокчейна" in blockchain["mt_source"] and blockchain["text"].count("цепочки") == 1
    assert "blockchain" in blockchain["translation"] and blockchain["translation_status"] == "translated"
    assert supply["mt_source"] == "" and "supply" in supply["translation"]
    assert "blockchain" not in supply["translation"] and "chain" in supply["translation"]
    rows = report[report["entry"] == "blockchain"].set_index("sent_idx")
    assert rows.loc["0", "action"] == "apply" and rows.loc["0", "target_check"] == "ok"
    assert rows.loc["1", "action"] == "skip" and rows.loc["1", "target_check"] == ""


def test_weak_model_is_post_edited(packages_dir, article, tmp_path):
    sentences, report = run(tmp_path, article, "weak")
    assert "blockchain" in sentences.iloc[0]["translation"]
    assert "blockchain" not in sentences.iloc[1]["translation"]
    row = report[(report["entry"] == "blockchain") & (report["sent_idx"] == "0")].iloc[0]
    assert row["target_check"] == "post-edited"


def test_without_glossary_the_error_stays(packages_dir, article, tmp_path):
    sentences, report = run(tmp_path, article, "faithful", "--no-glossary")
    assert report is None
    assert "chain" in sentences.iloc[0]["translation"] and "blockchain" not in sentences.iloc[0]["translation"]


def test_seed_article_says_blockchain(packages_dir, seeds_dir, tmp_path):
    sentences, report = run(tmp_path, seeds_dir, "weak")
    chain = report[report["entry"] == "blockchain"]
    assert len(chain) == 4 and set(chain["action"]) == {"apply"}
    assert set(chain["target_check"]) <= {"ok", "post-edited"}
    for idx in chain["sent_idx"]:
        translation = sentences[sentences["sent_idx"] == idx].iloc[0]["translation"]
        assert "blockchain" in translation and " chain" not in translation.replace("blockchain", "")
    assert set(sentences["translation_status"]) == {"translated"}
