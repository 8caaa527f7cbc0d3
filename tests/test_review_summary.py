"""The run summary: a pure function of the RunReport, printed as a table unless --quiet."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from pipeline.api import RunReport
from pipeline.cli import app
from pipeline.models import Document, DocStatus
from pipeline.review.summary import run_summary, summary_rows, summary_table
from pipeline.shards import InMemoryDocuments
from pipeline.stages import STAGES, RunState

from tests import review_fixtures as fx
from tests.test_review import _with_terms


def report(documents, cross_source=(), threshold: float = 0.5, out_dir: str = "out", shards=None) -> RunReport:
    manifest = {
        "settings": {"out_dir": out_dir, "review": {"threshold": threshold}},
        "outputs": ["aligned.csv", "corpus.tmx", "documents.csv", "moses/corpus.ru-en.en", "moses/corpus.ru-en.ru",
                    "review.html", "sentences.csv", "manifest.json"],
        "timing": {"sentences_from_cache": 2},
    }
    state = RunState(documents=InMemoryDocuments(documents), cross_source_pairs=tuple(cross_source))
    return RunReport(state=state, counts={}, outputs=[Path(out_dir) / o for o in manifest["outputs"]],
                     manifest=manifest, shards=shards or {"total": 1, "reused": 0, "computed": 1})


def full_report(threshold: float = 0.5, **kwargs) -> RunReport:
    """The fixture run: the Russian document with its translation pairs and glossary terms, two English
    documents, a skipped file, and the cross-source pairs."""
    pairs = fx.pairs()
    docs = _with_terms(fx.documents())
    docs[0] = replace(docs[0], pairs=tuple(p for p in pairs if p.kind == "translation"))
    extra = replace(docs[0].sentences[5], terms=(replace(docs[0].sentences[2].terms[0], entry="x", action="skip"),))
    docs[0] = replace(docs[0], sentences=docs[0].sentences[:5] + (extra,))
    docs.append(Document(doc_id="bad", path="bad.bin", sha256="2" * 64, status=DocStatus.SKIPPED,
                         reason="ingest: binary file"))
    return report(docs, [p for p in pairs if p.kind == "cross-source"], threshold=threshold, **kwargs)


def test_summary_counts_come_from_the_records() -> None:
    s = run_summary(full_report())
    assert s.documents == 4
    assert s.docs_by_status == {"ok": 3, "skipped": 1}
    assert s.docs_by_lang == {"en": 2, "ru": 1}
    assert s.sentences == 6 + 3 + 3
    assert s.translation == {"translated": 4, "tm": 1, "passthrough": 6, "untranslated": 1}
    assert (s.glossary_applied, s.glossary_skipped, s.unverified_sentences) == (4, 2, 1)
    assert s.pairs == 10 and s.pairs_by_kind == {"translation": 6, "cross-source": 4}
    assert s.threshold == 0.5 and s.below_threshold == 3
    assert s.out_dir == "out" and s.from_cache == 2


def test_threshold_is_the_runs_setting() -> None:
    assert run_summary(full_report(threshold=0.8)).below_threshold == sum(p.score < 0.8 for p in fx.pairs()) == 7


def test_a_run_without_translation_glossary_or_alignment_shows_zeros() -> None:
    docs = [replace(d, sentences=tuple(replace(s, translation_status="", flags=()) for s in d.sentences))
            for d in fx.documents()]
    s = run_summary(report(docs))
    assert s.translation == {"translated": 0, "tm": 0, "passthrough": 0, "untranslated": 0}
    assert (s.glossary_applied, s.glossary_skipped, s.unverified_sentences) == (0, 0, 0)
    assert s.pairs == 0 and s.pairs_by_kind == {"translation": 0, "cross-source": 0} and s.below_threshold == 0


def test_a_resumed_run_says_how_much_it_reused() -> None:
    rows = dict(summary_rows(run_summary(full_report(shards={"total": 4, "reused": 3, "computed": 1}))))
    assert rows["resumed"] == "3 of 4 shard(s) reused from an earlier run"
    assert "resumed" not in dict(summary_rows(run_summary(full_report())))


def test_table_rows_and_rendering() -> None:
    s = run_summary(full_report())
    rows = dict(summary_rows(s))
    assert rows["documents"] == "4 (ok 3, skipped 1)"
    assert rows["  translation"] == "translated 4, tm 1, passthrough 6, untranslated 1 (2 from the cache)"
    assert rows["glossary"] == "applied 4, skipped 2, unverified 1 sentence(s)"
    assert rows["aligned pairs"] == "10 (translation 6, cross-source 4)"
    assert rows["  below 0.50"] == "3 to review first"
    assert rows["outputs"].startswith("out: aligned.csv, corpus.tmx") and "moses/ (2 files)" in rows["outputs"]
    console = Console(record=True, width=120)
    console.print(summary_table(s))
    text = console.export_text()
    assert "aligned pairs" in text and "review.html" in text


def test_pipeline_run_prints_the_summary_on_stderr_unless_quiet(seeds_dir: Path, tmp_path: Path) -> None:
    loud = CliRunner().invoke(app, ["run", str(seeds_dir), "--out", str(tmp_path / "a")])
    assert loud.exit_code == 0, loud.output
    assert "aligned pairs" in loud.stderr and "documents" in loud.stderr and "review.html" in loud.stderr
    assert loud.stdout == ""
    assert (tmp_path / "a" / "review.html").is_file()
    quiet = CliRunner().invoke(app, ["run", str(seeds_dir), "--out", str(tmp_path / "b"), "--quiet"])
    assert quiet.exit_code == 0 and quiet.stdout == ""
    # no summary; on a slow machine at most one line per stage, as a sign of life
    assert all(line.split(":")[0] in {s.name for s in STAGES} | {"documents"} for line in quiet.stderr.splitlines())
    assert (tmp_path / "b" / "review.html").is_file()


def test_one_file_in_a_folder_is_one_file() -> None:
    from pipeline.review.summary import _outputs

    assert _outputs(("aligned.csv", "translations/a.en.txt", "moses/x.1", "moses/x.2")) == (
        "aligned.csv, moses/ (2 files), translations/ (1 file)")
