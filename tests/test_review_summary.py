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
from pipeline.stages import Batch

from tests import review_fixtures as fx


def report(batch: Batch, threshold: float = 0.5, out_dir: str = "out") -> RunReport:
    manifest = {
        "settings": {"out_dir": out_dir, "review": {"threshold": threshold}},
        "outputs": ["aligned.csv", "corpus.tmx", "documents.csv", "moses/corpus.ru-en.en", "moses/corpus.ru-en.ru",
                    "review.html", "sentences.csv", "manifest.json"],
    }
    return RunReport(batch=batch, counts={}, outputs=[Path(out_dir) / o for o in manifest["outputs"]], manifest=manifest)


def full_batch() -> Batch:
    docs = fx.documents() + [Document(doc_id="bad", path="bad.bin", sha256="2" * 64, status=DocStatus.SKIPPED,
                                      reason="ingest: binary file")]
    return (Batch(tuple(docs))
            .with_artifact("aligned_pairs", fx.pairs())
            .with_artifact("glossary_report", fx.matches() + [fx.MatchRecord(fx.RU, 5, "x", "x", "skip", "", "")]))


def test_summary_counts_come_from_the_records() -> None:
    s = run_summary(report(full_batch()))
    assert s.documents == 4
    assert s.docs_by_status == {"ok": 3, "skipped": 1}
    assert s.docs_by_lang == {"en": 2, "ru": 1}
    assert s.sentences == 6 + 3 + 3
    assert s.translation == {"translated": 4, "cached": 1, "passthrough": 6, "untranslated": 1}
    assert (s.glossary_applied, s.glossary_skipped, s.unverified_sentences) == (4, 2, 1)
    assert s.pairs == 10 and s.pairs_by_kind == {"translation": 6, "cross-source": 4}
    assert s.threshold == 0.5 and s.below_threshold == 3
    assert s.out_dir == "out"


def test_threshold_is_the_runs_setting() -> None:
    assert run_summary(report(full_batch(), threshold=0.8)).below_threshold == sum(p.score < 0.8 for p in fx.pairs()) == 7


def test_a_run_without_translation_glossary_or_alignment_shows_zeros() -> None:
    docs = tuple(replace(d, sentences=tuple(replace(s, translation_status="", flags=()) for s in d.sentences))
                 for d in fx.documents())
    s = run_summary(report(Batch(docs)))
    assert s.translation == {"translated": 0, "cached": 0, "passthrough": 0, "untranslated": 0}
    assert (s.glossary_applied, s.glossary_skipped, s.unverified_sentences) == (0, 0, 0)
    assert s.pairs == 0 and s.pairs_by_kind == {"translation": 0, "cross-source": 0} and s.below_threshold == 0


def test_table_rows_and_rendering() -> None:
    s = run_summary(report(full_batch()))
    rows = dict(summary_rows(s))
    assert rows["documents"] == "4 (ok 3, skipped 1)"
    assert rows["  translation"] == "translated 4, cached 1, passthrough 6, untranslated 1"
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
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == ""
    assert (tmp_path / "b" / "review.html").is_file()


def test_one_file_in_a_folder_is_one_file() -> None:
    from pipeline.review.summary import _outputs

    assert _outputs(("aligned.csv", "translations/a.en.txt", "moses/x.1", "moses/x.2")) == (
        "aligned.csv, moses/ (2 files), translations/ (1 file)")
