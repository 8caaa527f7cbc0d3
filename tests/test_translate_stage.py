"""The translate stage in `pipeline run`, its outputs, and `pipeline translate`."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.api import run_batch
from pipeline.cli import app
from pipeline.config import RunConfig, TranslateConfig
from pipeline.io import read_csv
from pipeline.stages import STAGES, Scope, Stage
from tests.argos_fixtures import packages_dir, ru_en  # noqa: F401  (fixtures)

runner = CliRunner()


def run_cli(*args: str):
    return runner.invoke(app, list(args))


def test_run_translates_russian_and_keeps_english(ru_en, seeds_dir, tmp_path):
    cache = tmp_path / "cache.sqlite3"
    out = tmp_path / "out"
    result = run_cli("run", str(seeds_dir), "--out", str(out), "--quiet", "--cache", str(cache))
    assert result.exit_code == 0, result.output

    rows = read_csv(out / "sentences.csv")
    assert {"translation", "translation_status", "model_id"} <= set(rows.columns)
    russian, other = rows[rows.lang == "ru"], rows[rows.lang != "ru"]
    assert len(russian) > 0 and len(other) > 0
    assert set(russian.translation_status) == {"translated"}
    assert (russian.translation != "").all() and set(russian.model_id) == {"translate-ru_en-1.0"}
    assert (other.translation == other.text).all() and set(other.translation_status) == {"passthrough"}
    # The gloss model turns «цепочке»/«цепочки» into "chain" wherever they occur.
    chained = russian[russian.text.str.contains("цепочк")]
    assert chained.translation.str.contains("chain").any()

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    translation = manifest["translation"]
    [model] = translation["models"]
    assert model["id"] == "translate-ru_en-1.0" and model["checksum"].startswith("sha256:")
    assert manifest["timing"]["sentences_from_cache"] == 0
    counts = next(s["counts"] for s in manifest["stages"] if s["name"] == "translate")
    assert counts["translated"] == len(russian) and counts["passthrough"] == len(other)
    assert "translations/" + f"{russian.doc_id.iloc[0]}.en.txt" in manifest["outputs"]

    # translations/<doc_id>.en.txt: the document's translation, paragraph by paragraph.
    doc_id = russian.doc_id.iloc[0]
    text = (out / "translations" / f"{doc_id}.en.txt").read_text(encoding="utf-8")
    doc_rows = rows[rows.doc_id == doc_id]
    assert text.count("\n\n") >= 1
    for translation in doc_rows.translation:
        assert translation in text
    # Only documents with translated sentences get a file.
    assert sorted(p.name for p in (out / "translations").iterdir()) == sorted(f"{d}.en.txt" for d in set(russian.doc_id))

    # A second run translates nothing: everything from the cache, and the same outputs, byte for byte.
    out2 = tmp_path / "out2"
    result = run_cli("run", str(seeds_dir), "--out", str(out2), "--quiet", "--cache", str(cache))
    assert result.exit_code == 0, result.output
    manifest2 = json.loads((out2 / "manifest.json").read_text(encoding="utf-8"))
    assert manifest2["timing"]["sentences_from_cache"] == len(russian)
    assert (out2 / "sentences.csv").read_bytes() == (out / "sentences.csv").read_bytes()
    assert manifest2["translation"] == manifest["translation"]


def test_second_run_makes_no_model_call(ru_en, seeds_dir, tmp_path, monkeypatch):
    from pipeline.translate import engine as engine_module

    calls = []
    real = engine_module.load_translator

    class Spy:
        def __init__(self, inner):
            self.inner = inner

        def translate_batch(self, batch, **kwargs):
            calls.append(len(batch))
            return self.inner.translate_batch(batch, **kwargs)

    monkeypatch.setattr(engine_module, "load_translator", lambda *a, **k: Spy(real(*a, **k)))
    config = RunConfig(input_dir=seeds_dir, out_dir=tmp_path / "a", quiet=True,
                       translate=TranslateConfig(cache_path=tmp_path / "c.sqlite3"))
    first = run_batch(config)
    assert len(calls) == 1  # every Russian sentence of every document in one batched call
    assert calls[0] == first.counts["translate"]["translated"]
    run_batch(replace(config, out_dir=tmp_path / "b"))
    assert len(calls) == 1


def test_no_cache_translates_again(ru_en, seeds_dir, tmp_path):
    config = RunConfig(input_dir=seeds_dir, out_dir=tmp_path / "a", quiet=True, translate=TranslateConfig(use_cache=False))
    assert run_batch(config).manifest["timing"]["sentences_from_cache"] == 0
    report = run_batch(replace(config, out_dir=tmp_path / "b"))
    assert report.manifest["timing"]["sentences_from_cache"] == 0 and report.counts["translate"]["translated"] > 0
    assert not (tmp_path / "xdg-cache" / "pipeline" / "translations.sqlite3").exists()


def test_the_stage_translates_the_pre_edited_source(ru_en, seeds_dir, tmp_path):
    """A glossary stage before translation sets ``mt_source``; the original ``text`` stays untouched."""

    def pre_edit(doc, services):
        return replace(doc, sentences=tuple(
            replace(s, mt_source="Привет мир!") if s.lang == "ru" else s for s in doc.sentences
        ))

    stages = [s for s in STAGES if s.name != "glossary-pre"]
    at = [s.name for s in stages].index("translate")
    stages.insert(at, Stage("pre-edit", Scope.DOCUMENT, pre_edit, requires=frozenset({"documents.sentences.lang"}),
                            provides=frozenset({"documents.sentences.mt_source", "documents.sentences.terms"})))
    config = RunConfig(input_dir=seeds_dir, out_dir=tmp_path / "out", quiet=True, translate=TranslateConfig(use_cache=False))
    report = run_batch(config, stages=stages)
    russian = [s for d in report.documents for s in d.sentences if s.lang == "ru"]
    assert russian and {s.translation for s in russian} == {"Hello world!"}
    assert all(s.text != "Привет мир!" for s in russian)


def test_sentence_language_without_model_falls_back_to_the_document_language(ru_en, seeds_dir, tmp_path):
    def mislabel(doc, services):
        return replace(doc, sentences=tuple(
            replace(s, lang="uk", mt_source="Привет мир!") if doc.lang == "ru" and s.sent_idx == 1 else s
            for s in doc.sentences
        ))

    stages = list(STAGES)
    stages.insert([s.name for s in stages].index("translate"),
                  Stage("mislabel", Scope.DOCUMENT, mislabel, requires=frozenset({"documents.sentences.lang"})))
    config = RunConfig(input_dir=seeds_dir, out_dir=tmp_path / "out", quiet=True, translate=TranslateConfig(use_cache=False))
    report = run_batch(config, stages=stages)
    [sentence] = [s for d in report.documents for s in d.sentences if s.lang == "uk"]
    assert (sentence.translation, sentence.translation_status) == ("Hello world!", "translated")
    assert "translated as ru" in sentence.translation_note
    assert report.manifest["translation"]["missing_models"] == []


def test_missing_model_run_continues_with_one_warning(packages_dir, seeds_dir, tmp_path, caplog):
    config = RunConfig(input_dir=seeds_dir, out_dir=tmp_path / "out", quiet=True, translate=TranslateConfig(use_cache=False))
    with caplog.at_level(logging.WARNING):
        report = run_batch(config)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and "translation model" in r.getMessage()]
    assert len(warnings) == 1
    assert "pipeline models install ru en" in warnings[0].getMessage()
    russian = [s for d in report.documents for s in d.sentences if s.lang == "ru"]
    assert russian and {s.translation_status for s in russian} == {"untranslated"}
    assert all("pipeline models install ru en" in s.translation_note for s in russian)
    assert (tmp_path / "out" / "sentences.csv").exists()
    assert report.manifest["translation"]["missing_models"] == ["ru→en"]
    assert not (tmp_path / "out" / "translations").exists()


def test_nothing_to_translate_creates_no_cache(packages_dir, seeds_dir, tmp_path):
    cache = tmp_path / "cache.sqlite3"
    config = RunConfig(input_dir=seeds_dir, out_dir=tmp_path / "out", quiet=True, translate=TranslateConfig(cache_path=cache))
    run_batch(config)
    assert not cache.exists()


def test_missing_model_strict_exits_2(packages_dir, seeds_dir, tmp_path):
    result = run_cli("run", str(seeds_dir), "--out", str(tmp_path / "out"), "--quiet", "--strict", "--no-cache")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: no translation model for ru→en") and "pipeline models install ru en" in lines[-1]
    assert "Traceback" not in result.output


def test_run_to_another_language_without_models(ru_en, seeds_dir, tmp_path):
    result = run_cli("run", str(seeds_dir), "--out", str(tmp_path / "out"), "--quiet", "--to", "de", "--no-cache")
    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "out" / "sentences.csv")
    assert set(rows.translation_status) == {"untranslated"}


def test_translate_command_from_stdin(ru_en, tmp_path):
    result = run_cli("translate", "-", "--from", "ru", "--to", "en", "--cache", str(tmp_path / "c.sqlite3"))
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["translate", "-", "--from", "ru", "--no-cache"], input="Привет мир!\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello world!\n"


def test_translate_command_keeps_lines_and_splits_sentences(ru_en, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("Привет мир! Большой мир.\n\nhttps://example.com\n", encoding="utf-8")
    result = run_cli("translate", str(source), "--from", "ru", "--no-cache")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello world! Big world.\n\nhttps://example.com\n"


@pytest.mark.parametrize("args", [["--from", "ru", "--to", "de"], ["--from", "fr"]])
def test_translate_command_without_model_exits_2(ru_en, args):
    result = runner.invoke(app, ["translate", "-", *args, "--no-cache"], input="Привет мир!\n")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no translation model for")
    assert "pipeline models install" in lines[0]


def test_translate_command_missing_file(ru_en, tmp_path):
    result = run_cli("translate", str(tmp_path / "nope.txt"), "--from", "ru", "--no-cache")
    assert result.exit_code == 2 and "file not found" in result.stderr


def test_end_to_end_in_a_subprocess(ru_en, tmp_path):
    """`echo 'Привет мир!' | pipeline translate - --from ru --to en` as a user runs it."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "translate", "-", "--from", "ru", "--to", "en"],
        input="Привет мир!\n", capture_output=True, text=True, env=env, cwd=root, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "Hello world!\n"


def test_a_cache_that_cannot_be_opened_costs_the_cache_not_the_run(ru_en, seeds_dir, tmp_path, caplog):
    """--cache pointing at a folder (or anywhere unusable): translate without the cache, with one warning."""
    config = RunConfig(input_dir=seeds_dir, out_dir=tmp_path / "out", quiet=True,
                       translate=TranslateConfig(cache_path=tmp_path))
    with caplog.at_level(logging.WARNING):
        report = run_batch(config)
    assert report.counts["translate"]["translated"] > 0
    warnings = [r.getMessage() for r in caplog.records if "translation cache" in r.getMessage()]
    assert len(warnings) == 1 and "without the cache" in warnings[0]
    assert (tmp_path / "out" / "sentences.csv").exists()


def test_language_codes_are_case_insensitive(ru_en, seeds_dir, tmp_path):
    result = run_cli("run", str(seeds_dir), "--out", str(tmp_path / "out"), "--quiet", "--to", "EN", "--no-cache")
    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "out" / "sentences.csv")
    assert set(rows[rows.lang == "en"].translation_status) == {"passthrough"}
    assert set(rows[rows.lang == "ru"].translation_status) == {"translated"}
    assert (tmp_path / "out" / "translations" / "000_5286f2786187ce81.en.txt").exists()
    result = runner.invoke(app, ["translate", "-", "--from", "RU", "--to", "En", "--no-cache"], input="Привет мир!\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello world!\n"


def test_a_models_folder_that_is_a_file_is_one_line(seeds_dir, tmp_path):
    """ARGOS_PACKAGES_DIR naming a file: argostranslate fails as it is imported; the user gets one line, exit 2."""
    import os
    import subprocess
    import sys

    blocker = tmp_path / "file"
    blocker.write_text("x")
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "ARGOS_PACKAGES_DIR": str(blocker)}
    proc = subprocess.run([sys.executable, "-m", "pipeline", "translate", "-", "--from", "ru", "--no-cache"],
                          input="Привет мир!\n", env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(blocker) in lines[0], proc.stderr
    assert "unexpected" not in lines[0]


def test_the_confidence_reaches_sentences_csv_and_the_cache(packages_dir, seeds_dir, tmp_path):
    """With a model that is unsure of its output, every translated sentence gets its mt_confidence in
    sentences.csv; the second run takes the same values from the cache."""
    from pipeline.translate.packages import install_file
    from tests.argos_fixtures import built

    install_file(built()["ru_en_random"], packages_dir)
    cache = tmp_path / "cache.sqlite3"
    out = tmp_path / "out"
    result = run_cli("run", str(seeds_dir), "--out", str(out), "--quiet", "--cache", str(cache))
    assert result.exit_code == 0, result.output
    rows = read_csv(out / "sentences.csv")
    translated = rows[rows.translation_status == "translated"]
    assert len(translated) > 0
    confidences = translated.mt_confidence.astype(float)
    assert (confidences < 0).all() and confidences.nunique() > 1
    assert (rows[rows.translation_status == "passthrough"].mt_confidence == "").all()

    out2 = tmp_path / "out2"
    assert run_cli("run", str(seeds_dir), "--out", str(out2), "--quiet", "--cache", str(cache)).exit_code == 0
    rows2 = read_csv(out2 / "sentences.csv")
    assert set(rows2[rows2.lang == "ru"].translation_status) == {"translated"}
    assert list(rows2.mt_confidence) == list(rows.mt_confidence)

    # …and on to the corpus: each translation pair carries it, with the quality estimate, in every output
    pairs = read_csv(out / "aligned.csv")
    translation = pairs[pairs.kind == "translation"]
    assert len(translation) > 0
    assert (translation.mt_confidence.astype(float) < 0).all() and (translation.quality != "").all()
    assert set(pairs[pairs.kind == "cross-source"].quality) <= {""}
    tmx = (out / "corpus.tmx").read_text(encoding="utf-8")
    assert tmx.count('type="x-mt-confidence"') == len(translation) == tmx.count('type="x-quality"')
    from tests.test_review import page_data

    shown = {row["id"]: row for row in page_data((out / "review.html").read_text(encoding="utf-8"))["pairs"]}
    assert all(shown[p.pair_id]["q"] == float(p.quality) for p in translation.itertuples())
