"""`pipeline glossary …` and `pipeline run --glossary`: the contracts users and scripts rely on."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pipeline.cli import app
from tests.conftest import GLOSSARY

runner = CliRunner()
KEYS = ["line", "entry", "matched", "action", "reason", "source_replacement", "confidence", "needs_review"]


def test_check_json_contract(tmp_path):
    text = tmp_path / "segments.txt"
    text.write_text(
        "Инвесторы вкладывают в цепочки.\n\n   \nПандемия нарушила цепочки поставок.\nНичего нет.\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["glossary", "check", str(text), "--lang", "ru", "--glossary", str(GLOSSARY),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert isinstance(records, list)
    assert all(list(r) == KEYS for r in records)
    assert [(r["line"], r["entry"], r["matched"], r["action"], r["source_replacement"]) for r in records] == [
        (0, "blockchain", "цепочки", "apply", "блокчейны"),
        (3, "blockchain", "цепочки", "skip", ""),
    ]
    assert all(isinstance(r["line"], int) and r["reason"] for r in records)


def test_check_csv_and_empty_result(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("Цепочка блоков растёт.\n", encoding="utf-8")
    result = runner.invoke(app, ["glossary", "check", str(text), "--glossary", str(GLOSSARY), "--format", "csv"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == ",".join(KEYS)
    assert lines[1].startswith("0,blockchain-chain-of-blocks,Цепочка блоков,apply,") and lines[1].endswith(",Блокчейн,,")
    text.write_text("Погода хорошая.\n", encoding="utf-8")
    result = runner.invoke(app, ["glossary", "check", str(text), "--glossary", str(GLOSSARY)])
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_check_missing_file_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["glossary", "check", str(tmp_path / "nope.txt"), "--glossary", str(GLOSSARY)])
    assert result.exit_code == 2 and "file not found" in result.output and "Traceback" not in result.output


def test_validate(tmp_path):
    ok = runner.invoke(app, ["glossary", "validate", str(GLOSSARY)])
    assert ok.exit_code == 0 and ok.stdout.startswith("ok: ")
    bad = tmp_path / "bad.tsv"
    bad.write_text(
        "id\tsource_term\tsource_lang\ttarget_term\ttarget_lang\trules\n"
        "a\tцепочка\tru\tblockchain\ten\tskip if near\n"
        "a\tии\trus\tAI\ten\t\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["glossary", "validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:2: malformed rule: rule 1: near needs at least one lemma" in result.output
    assert f"{bad}:3: source_lang: unknown language code 'rus'" in result.output
    assert f"{bad}:3: duplicate id 'a' (first defined at {bad}:2)" in result.output
    assert "Traceback" not in result.output


def test_export_import_round_trip(tmp_path):
    tbx = tmp_path / "g.tbx"
    result = runner.invoke(app, ["glossary", "export", "--format", "tbx", "--out", str(tbx), "--glossary", str(GLOSSARY)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "back.tsv"
    result = runner.invoke(app, ["glossary", "import", str(tbx), "--out", str(out)])
    assert result.exit_code == 0, result.output
    from pipeline.glossary import load_glossary

    assert load_glossary(out).entries == load_glossary(GLOSSARY).entries
    stdout = runner.invoke(app, ["glossary", "import", str(tbx)])
    assert stdout.exit_code == 0 and stdout.stdout == out.read_text(encoding="utf-8")


def test_export_csv_to_stdout_and_import_csv(tmp_path):
    result = runner.invoke(app, ["glossary", "export", "--format", "csv", "--glossary", str(GLOSSARY)])
    assert result.exit_code == 0
    assert "цепочка,blockchain" in result.stdout.splitlines()
    csv_file = tmp_path / "g.csv"
    csv_file.write_text(result.stdout, encoding="utf-8")
    no_langs = runner.invoke(app, ["glossary", "import", str(csv_file)])
    assert no_langs.exit_code == 2 and "--from and --to" in no_langs.output
    ok = runner.invoke(app, ["glossary", "import", str(csv_file), "--from", "ru", "--to", "en"])
    assert ok.exit_code == 0 and "\tцепочка\tru\tblockchain\ten\t" in ok.stdout


def test_import_broken_tbx(tmp_path):
    bad = tmp_path / "bad.tbx"
    bad.write_text("<martif><text>", encoding="utf-8")
    result = runner.invoke(app, ["glossary", "import", str(bad)])
    assert result.exit_code == 2 and "bad.tbx:1: not well-formed XML" in result.output


def test_run_refuses_broken_glossary_and_runs_without_one(seeds_dir, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\tsource_term\tsource_lang\ttarget_term\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(seeds_dir), "--out", str(out), "--quiet", "--glossary", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:1: missing required column(s) 'target_lang'" in result.output
    assert not out.exists()
    result = runner.invoke(app, ["run", str(seeds_dir), "--out", str(out), "--quiet", "--glossary", str(bad), "--no-glossary"])
    assert result.exit_code == 0 and not (out / "glossary_report.csv").exists()
