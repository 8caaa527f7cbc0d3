"""The corpus in the formats other tools read: JSON Lines and Parquet beside aligned.csv, XLIFF 2.0 and 1.2."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.corpus import (
    ALIGNED_COLUMNS,
    aligned_record,
    write_aligned_csv,
    write_aligned_jsonl,
    write_aligned_parquet,
)
from pipeline.io import read_csv, write_csv
from pipeline.models import AlignedPair, Sentence
from pipeline.outputs import write_tables

from tests import review_fixtures as fx

runner = CliRunner()


def corpus_pairs() -> list[AlignedPair]:
    """The fixture pairs plus the awkward cases: optional numbers, several ids, a reviewer's decision, digits as text."""
    pairs = list(fx.pairs())
    pairs[0] = replace(pairs[0], mt_confidence=-0.123456, quality=0.87654321)
    pairs[1] = replace(pairs[1], decision="edit", edited_tgt_text="Edited text, «quoted».\nSecond line.")
    pairs.append(replace(pairs[-1], pair_id="x0004", margin=1.23456789, src_ids=(3, 4, 5), src_text="2018", tgt_text="007"))
    return pairs


def csv_records(path: Path) -> list[dict]:
    """aligned.csv read back with the types the other formats carry."""
    rows = []
    for row in read_csv(path).to_dict("records"):
        rec = aligned_record(AlignedPair.from_row(row))
        rows.append(rec)
    return rows


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    write_aligned_csv(tmp_path / "aligned.csv", corpus_pairs())
    return tmp_path


def test_record_has_the_csv_columns_in_order_with_typed_values():
    rec = aligned_record(corpus_pairs()[0])
    assert tuple(rec) == ALIGNED_COLUMNS
    assert rec["src_ids"] == [0] and rec["score"] == 0.91 and rec["margin"] is None
    assert rec["mt_confidence"] == -0.1235 and rec["quality"] == 0.8765
    assert rec["flags"] == [] and isinstance(corpus_pairs()[4].flags, tuple)


def test_jsonl_loads_in_pandas_with_the_rows_of_aligned_csv(corpus):
    import pandas as pd

    path = write_aligned_jsonl(corpus / "aligned.jsonl", iter(corpus_pairs()))  # any iterable, consumed once
    frame = pd.read_json(path, lines=True, dtype=False, precise_float=True)
    assert tuple(frame.columns) == ALIGNED_COLUMNS
    records = frame.to_dict("records")
    expected = csv_records(corpus / "aligned.csv")
    assert len(records) == len(expected) == len(corpus_pairs())
    for got, want in zip(records, expected):
        got = {k: (None if isinstance(v, float) and v != v else v) for k, v in got.items()}  # NaN is pandas' null
        assert got == want
    # typed: lists of ints, numbers or null, lists of strings; digits stay text
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first["src_ids"] == [0] and first["margin"] is None and isinstance(first["flags"], list)
    last = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert last["src_ids"] == [3, 4, 5] and last["src_text"] == "2018" and last["tgt_text"] == "007"
    assert last["margin"] == 1.2346


def test_parquet_loads_in_pandas_with_the_rows_of_aligned_csv(corpus):
    pytest.importorskip("pyarrow")
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = write_aligned_parquet(corpus / "aligned.parquet", iter(corpus_pairs()), batch_rows=4)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3  # written in batches, not all at once
    schema = pq.read_schema(path)
    for name in ("src_ids", "tgt_ids"):
        assert pa.types.is_list(schema.field(name).type) and pa.types.is_int64(schema.field(name).type.value_type)
    assert pa.types.is_list(schema.field("flags").type) and pa.types.is_string(schema.field("flags").type.value_type)
    for name in ("score", "margin", "mt_confidence", "quality"):
        assert pa.types.is_float64(schema.field(name).type)
    frame = pd.read_parquet(path)
    assert tuple(frame.columns) == ALIGNED_COLUMNS
    expected = csv_records(corpus / "aligned.csv")
    got = []
    for rec in frame.to_dict("records"):
        got.append({
            k: ([x.item() if hasattr(x, "item") else x for x in v] if k in ("src_ids", "tgt_ids", "flags")
                else None if isinstance(v, float) and v != v else v)
            for k, v in rec.items()
        })
    assert got == expected


def test_empty_corpus_gives_files_with_the_columns(tmp_path):
    pytest.importorskip("pyarrow")
    import pandas as pd

    assert write_aligned_jsonl(tmp_path / "a.jsonl", []).read_text(encoding="utf-8") == ""
    frame = pd.read_parquet(write_aligned_parquet(tmp_path / "a.parquet", []))
    assert len(frame) == 0 and tuple(frame.columns) == ALIGNED_COLUMNS


def test_parquet_loads_with_hugging_face_datasets(corpus, tmp_path):
    if importlib.util.find_spec("datasets") is None:
        pytest.skip("datasets is not installed")
    pytest.importorskip("pyarrow")
    from datasets import load_dataset

    path = write_aligned_parquet(corpus / "aligned.parquet", corpus_pairs())
    data = load_dataset("parquet", data_files=str(path), split="train", cache_dir=str(tmp_path / "hf"))
    assert data.column_names == list(ALIGNED_COLUMNS)
    assert data.num_rows == len(corpus_pairs())
    assert data[len(corpus_pairs()) - 1]["src_ids"] == [3, 4, 5]


def test_parquet_without_pyarrow_is_one_clear_error(tmp_path, monkeypatch):
    from pipeline import corpus
    from pipeline.errors import ExportError

    monkeypatch.setattr(corpus, "parquet_available", lambda: False)
    with pytest.raises(ExportError, match=r"pip install 'pipeline\[parquet\]'"):
        corpus.write_aligned_parquet(tmp_path / "a.parquet", corpus_pairs())
    assert not (tmp_path / "a.parquet").exists()


def test_export_jsonl_and_parquet_commands(corpus):
    pytest.importorskip("pyarrow")
    import pandas as pd

    result = runner.invoke(app, ["export", "jsonl", str(corpus)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_json(corpus / "aligned.jsonl", lines=True, dtype=False)) == len(corpus_pairs())
    result = runner.invoke(app, ["export", "parquet", str(corpus), "--out", str(corpus / "x.parquet")])
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(corpus / "x.parquet")) == len(corpus_pairs())


# -- XLIFF ----------------------------------------------------------------------------------------------------------


def run_folder(root: Path) -> Path:
    """A run folder as `pipeline run` writes it, from the review fixtures (one sentence a memory match)."""
    run = root / "run"
    docs = list(fx.documents())
    ru = docs[0]
    sentences = list(ru.sentences)
    sentences[5] = replace(sentences[5], translation="This sentence was translated very badly.", translation_status="tm",
                           model_id="tm:review:aligned.reviewed.csv")
    sentences.append(Sentence(doc_id=fx.RU, sent_idx=6, para_idx=1, start=0, end=20, text="Nord Stream 2 & <AG>",
                              lang="en", translation="Nord Stream 2 & <AG>", translation_status="passthrough"))
    docs[0] = replace(ru, sentences=tuple(sentences))
    from pipeline.config import GlossaryConfig, RunConfig
    from pipeline.services import Services
    from pipeline.shards import InMemoryDocuments
    from pipeline.stages import RunState

    state = RunState(documents=InMemoryDocuments(docs), out_dir=run)
    write_tables(state, Services(RunConfig(input_dir=run, glossary=GlossaryConfig(enabled=False))))
    write_aligned_csv(run / "aligned.csv", fx.pairs())
    write_csv(run / "glossary_report.csv", [
        {**m, "reason": m.get("reason", ""), "source_replacement": "", "target_check": m.get("target_check", "")}
        for m in fx.matches()
    ], ["doc_id", "sent_idx", "entry", "matched", "action", "reason", "source_replacement", "target_check",
        "target_term", "note"])
    (run / "manifest.json").write_text(json.dumps({"settings": {"target_lang": "en"}}), encoding="utf-8")
    return run


NS = {"x": "urn:oasis:names:tc:xliff:document:2.0", "mda": "urn:oasis:names:tc:xliff:metadata:2.0"}


def test_xliff20_is_read_back_by_translate_toolkit_with_every_source_and_target(tmp_path):
    from translate.storage import xliff2

    run = run_folder(tmp_path)
    result = runner.invoke(app, ["export", "xliff", str(run)])
    assert result.exit_code == 0, result.output
    # only the Russian document has something to translate; the English ones are passthrough throughout
    [path] = sorted((run / "xliff").iterdir())
    assert path.name == f"{fx.RU}.ru-en.xlf"

    store = xliff2.Xliff2File.parsestring(path.read_bytes())
    assert (store.sourcelanguage, store.targetlanguage) == ("ru", "en")
    sentences = read_csv(run / "sentences.csv")
    expected = sentences[sentences.doc_id == fx.RU]
    got = [(u.getid(), u.source, u.target) for u in store.units]
    want = [
        (f"s{row.sent_idx}", row.text, row.translation or None)
        for row in expected.itertuples()
    ]
    assert got == want
    assert got[3][2] is None  # untranslated: no target
    assert got[6][1] == got[6][2] == "Nord Stream 2 & <AG>"


def test_xliff20_notes_metadata_and_states(tmp_path):
    run = run_folder(tmp_path)
    [path] = [p for p in _export(run, "2.0")]
    root = etree.parse(str(path)).getroot()
    units = {u.get("id"): u for u in root.iterfind(".//x:unit", NS)}

    def meta(unit_id):
        return {m.get("type"): m.text for m in units[unit_id].iterfind("mda:metadata/mda:metaGroup/mda:meta", NS)}

    def notes(unit_id):
        return [n.text for n in units[unit_id].iterfind("x:notes/x:note", NS)]

    def segment(unit_id):
        return units[unit_id].find("x:segment", NS)

    first = fx.pairs()[0]
    assert meta("s0") == {"translation_status": "translated", "pair_id": "t0000", "score": "0.9100",
                          "quality": f"{first.quality:.4f}", "flags": "glossary-applied"}
    assert notes("s0") == ["glossary blockchain: «цепочки» → blockchain (target ok); «цепочка» is the article's rendering of 'blockchain'"]
    assert len(notes("s1")) == 2 and "«ИИ» → AI" in notes("s1")[1]
    assert "left alone (followed by «поставок»: supply chain)" in notes("s2")[0]
    assert set(fx.pairs()[4].flags) <= set(meta("s4")["flags"].split())  # the pair's and the sentence's flags
    assert {"glossary-applied", "unverified"} <= set(meta("s4")["flags"].split())
    assert "low-score" in meta("s5")["flags"].split() and meta("s5")["model_id"] == "tm:review:aligned.reviewed.csv"
    assert (segment("s0").get("state"), segment("s0").get("subState")) == ("translated", "pipeline:mt")
    assert (segment("s5").get("state"), segment("s5").get("subState")) == ("translated", "pipeline:tm")
    assert segment("s3").get("state") == "initial"
    assert units["s6"].get("translate") == "no" and segment("s6").get("state") == "final"
    # XLIFF 2.0's order inside a unit: modules, notes, segments; xml:space on the unit, never the segment
    for unit in units.values():
        names = [etree.QName(child).localname for child in unit]
        assert names == sorted(names, key=["metadata", "notes", "segment"].index)
        assert segment(unit.get("id")).get("{http://www.w3.org/XML/1998/namespace}space") is None


def test_xliff12_for_older_tools(tmp_path):
    from translate.storage import xliff

    run = run_folder(tmp_path)
    [path] = _export(run, "1.2", out=tmp_path / "x12")
    assert path.parent == tmp_path / "x12"
    root = etree.parse(str(path)).getroot()
    assert root.get("version") == "1.2" and root.nsmap[None] == "urn:oasis:names:tc:xliff:document:1.2"
    store = xliff.xlifffile.parsestring(path.read_bytes())
    sentences = read_csv(run / "sentences.csv")
    expected = sentences[sentences.doc_id == fx.RU]
    assert [(u.source, u.target or None) for u in store.units] == [
        (row.text, row.translation or None) for row in expected.itertuples()
    ]
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    tus = {tu.get("id"): tu for tu in root.iterfind(".//x:trans-unit", ns)}
    assert tus["s0"].find("x:target", ns).get("state-qualifier") == "mt-suggestion"
    assert tus["s5"].find("x:target", ns).get("state-qualifier") == "leveraged-tm"
    assert tus["s6"].get("translate") == "no"
    assert all(tu.get("approved") is None for tu in tus.values())
    notes = {n.get("from"): n.text for n in tus["s0"].iterfind("x:note", ns)}
    assert notes["pipeline"] == (f"translation_status=translated; pair_id=t0000; score=0.9100; "
                                 f"quality={fx.pairs()[0].quality:.4f}; flags=glossary-applied")
    assert notes["glossary"].startswith("glossary blockchain: «цепочки» → blockchain")


def test_xliff_export_of_a_folder_that_is_not_a_run_is_exit_2(tmp_path):
    result = runner.invoke(app, ["export", "xliff", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "not a folder" in result.output
    result = runner.invoke(app, ["export", "xliff", str(tmp_path)])
    assert result.exit_code == 2 and "sentences.csv" in result.output
    result = runner.invoke(app, ["export", "xliff", str(tmp_path), "--version", "3.0"])
    assert result.exit_code == 2


def _export(run: Path, version: str, out: Path | None = None) -> list[Path]:
    from pipeline.xliff import export_run

    return export_run(run, out, version=version)
