"""The light core and its extras: each command without its extra says so in one line (exit 2), and the light
parts import none of the heavy packages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import extras
from pipeline.cli import app
from tests.conftest import SEEDS

runner = CliRunner()

HEAVY = ("torch", "transformers", "spacy", "stanza", "argostranslate", "ctranslate2", "pandas", "sentence_transformers")


@pytest.fixture()
def without(monkeypatch):
    """Make the given extras look not installed (their modules cannot be found)."""

    def hide(*names: str) -> None:
        hidden = {module for name in names for module in extras.EXTRAS[name]}
        real = extras.installed
        monkeypatch.setattr(extras, "installed", lambda module: module not in hidden and real(module))

    return hide


@pytest.mark.parametrize("args,extra", [
    (["translate", "-", "--from", "ru"], "translate"),
    (["models", "list"], "translate"),
    (["models", "install", "ru", "en"], "translate"),
    (["align", str(SEEDS / "000_5286f2786187ce81.txt"), str(SEEDS / "002_c0db5b339b703ab1.txt")], "align"),
])
def test_a_command_without_its_extra_is_one_line_and_exit_2(without, args, extra):
    without(extra)
    result = runner.invoke(app, args, input="Привет\n")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"pip install 'pipeline[{extra}]'" in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_run_without_alignment_extra_stops_before_work_and_runs_with_no_align(without, tmp_path):
    without("align")
    result = runner.invoke(app, ["run", str(SEEDS), "--out", str(tmp_path / "a"), "--quiet"])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "pip install 'pipeline[align]'" in line and "--no-align" in line
    assert not (tmp_path / "a").exists()
    result = runner.invoke(app, ["run", str(SEEDS), "--out", str(tmp_path / "b"), "--quiet", "--no-align"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "sentences.csv").is_file() and (tmp_path / "b" / "aligned.csv").is_file()


def test_run_without_translation_extra_runs_the_rest_and_says_why(without, tmp_path):
    without("translate")
    result = runner.invoke(app, ["run", str(SEEDS), "--out", str(tmp_path / "out"), "--no-align"])
    assert result.exit_code == 0, result.output
    from tests.conftest import plain

    summary = plain(result.stderr)  # the table wraps long cells
    assert "translation needs the 'translate' extra, which is not installed: pip install 'pipeline[translate]'" in summary
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert "translate" in manifest["translation"]["unavailable"]
    from pipeline.io import read_table

    rows = read_table(tmp_path / "out" / "sentences.csv").rows
    russian = [r for r in rows if r["lang"] == "ru"]
    assert russian and {r["translation_status"] for r in russian} == {"untranslated"}
    assert {r["translation_status"] for r in rows if r["lang"] == "en"} == {"passthrough"}
    assert (tmp_path / "out" / "glossary_report.csv").is_file()  # the glossary still ran


LIGHT = r"""
import sys
from typer.testing import CliRunner
import pipeline.glossary
from pipeline.glossary import apply_text, load_glossary
glossary = load_glossary(sys.argv[1])
print(apply_text(glossary, "Инвесторы вкладывают деньги в цепочки.", lang="ru")[0])
from pipeline.cli import app
runner = CliRunner()
for args in (["glossary", "validate", sys.argv[1]], ["glossary", "export", "--format", "tbx", "--glossary", sys.argv[1],
             "--out", sys.argv[2]], ["detect", sys.argv[3]], ["review", "html", sys.argv[4], "--out", sys.argv[5]]):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (args, result.output)
heavy = [name for name in sys.argv[6].split(",") if name in sys.modules]
print("HEAVY:" + ",".join(heavy))
"""


def test_the_glossary_and_the_light_commands_import_no_heavy_package(tmp_path, seeds_dir):
    from pipeline.api import run_batch
    from pipeline.config import AlignConfig, RunConfig

    run = tmp_path / "run"
    run_batch(RunConfig(input_dir=seeds_dir, out_dir=run, quiet=True, align=AlignConfig(enabled=False)))
    glossary = Path(__file__).resolve().parent.parent / "glossary"
    proc = subprocess.run(
        [sys.executable, "-c", LIGHT, str(glossary), str(tmp_path / "g.tbx"), str(seeds_dir / "002_c0db5b339b703ab1.txt"),
         str(run), str(tmp_path / "r.html"), ",".join(HEAVY)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "блокчейны" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY:", proc.stdout
