"""`pipeline align`: formats, modes, --pairs, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.test_align_parallel import EN, GOLD, RU

runner = CliRunner()
BEAD_LINE = re.compile(r"^\[(\d+(, \d+)*)?\]:\[(\d+(, \d+)*)?\]:\d+\.\d+$")


@pytest.fixture()
def files(tmp_path):
    src = tmp_path / "en.txt"
    tgt = tmp_path / "ru.txt"
    src.write_text("\n".join(EN) + "\n", encoding="utf-8")
    tgt.write_text("\n".join(RU) + "\n", encoding="utf-8")
    return src, tgt


@pytest.fixture(autouse=True)
def shared_encoder(monkeypatch, tmp_path, use_encoder):
    """Keep the embedding cache out of the user's folder; reuse the session's USE model for the default spec."""
    import pipeline.align.encoders as encoders

    monkeypatch.setattr(encoders, "default_cache_path", lambda: tmp_path / "cache.sqlite")
    real = encoders.load_encoder
    monkeypatch.setattr(encoders, "load_encoder", lambda spec="usem3", **kw: use_encoder if spec == "usem3" else real(spec, **kw))


def invoke(*args):
    return runner.invoke(app, ["align", *map(str, args)])


def test_vecalign_format_presplit(files):
    result = invoke(*files, "--presplit")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert all(BEAD_LINE.match(line) for line in lines), lines
    beads = [(tuple(json.loads(a)), tuple(json.loads(b))) for a, b, _ in (line.split(":") for line in lines)]
    assert beads == GOLD


def test_json_and_csv_formats_carry_text(files):
    result = invoke(*files, "--presplit", "--format", "json", "--src-lang", "en", "--tgt-lang", "ru")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["encoder"] == "usem3" and data["mode"] == "parallel"
    assert data["src"]["lang"] == "en" and data["tgt"]["sentences"] == len(RU)
    merged = next(b for b in data["beads"] if b["src_ids"] == [4, 5])
    assert merged["tgt_ids"] == [3] and "инфляция" in merged["tgt_text"] and "Critics" in merged["src_text"]
    result = invoke(*files, "--presplit", "--format", "csv")
    header, *rows = result.stdout.strip().splitlines()
    assert header == "src_ids,tgt_ids,score,src_text,tgt_text"
    assert len(rows) == len(GOLD)


def test_mining_mode(files):
    result = invoke(*files, "--presplit", "--mode", "mining", "--format", "json")
    assert result.exit_code == 0, result.output
    beads = json.loads(result.stdout)["beads"]
    assert beads and all(len(b["src_ids"]) == len(b["tgt_ids"]) == 1 and b["margin"] > 1.0 for b in beads)


def test_documents_are_segmented_without_presplit(tmp_path):
    src = tmp_path / "en.md"
    tgt = tmp_path / "ru.txt"
    src.write_text("# Loans\n\n" + " ".join(EN[:3]) + "\n", encoding="utf-8")
    tgt.write_text(" ".join(RU[:3]) + "\n", encoding="utf-8")
    result = invoke(src, tgt, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["src"]["lang"] == "en" and data["tgt"]["lang"] == "ru"
    assert data["src"]["sentences"] == 4 and data["tgt"]["sentences"] == 3


def test_pairs_file_aligns_every_line(files, tmp_path):
    src, tgt = files
    pairs = tmp_path / "pairs.tsv"
    out1, out2 = tmp_path / "out" / "a.txt", tmp_path / "out" / "b.txt"
    pairs.write_text(f"{src}\t{tgt}\t{out1}\n\n# comment\n{tgt}\t{src}\t{out2}\n", encoding="utf-8")
    result = invoke("--pairs", pairs, "--presplit")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    first = out1.read_text(encoding="utf-8").splitlines()
    second = out2.read_text(encoding="utf-8").splitlines()
    assert len(first) == len(GOLD) and all(BEAD_LINE.match(line) for line in first + second)
    assert any(line.startswith("[3]:[4, 5]:") for line in second)  # the merge, seen from the other side


@pytest.mark.parametrize(
    "content, message",
    [
        ("only-one-field\n", "expected src<TAB>tgt<TAB>out"),
        ("a\tb\n", "expected src<TAB>tgt<TAB>out"),
        ("missing.txt\tmissing2.txt\tout.txt\n", "file not found"),
        ("\n# nothing\n", "no pairs"),
    ],
)
def test_bad_pairs_lines_are_one_line_errors(tmp_path, content, message):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(content, encoding="utf-8")
    result = invoke("--pairs", pairs)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_missing_files_and_bad_options_exit_2(files, tmp_path):
    src, _ = files
    result = invoke(src, tmp_path / "nope.txt")
    assert result.exit_code == 2 and "file not found" in result.stderr
    assert invoke(src).exit_code == 2
    assert invoke("--pairs", tmp_path / "nope.tsv").exit_code == 2
    result = invoke(*files, "--encoder", "laser")
    assert result.exit_code == 2 and "unknown encoder" in result.stderr
    assert invoke(*files, "--format", "xml").exit_code == 2
    assert invoke(*files, "--max-size", "1").exit_code == 2


def test_a_pairs_file_that_is_not_utf8_text_is_a_one_line_usage_error(tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_bytes("a.txt\tb.txt\tout.txt\n".encode("utf-16"))
    result = invoke("--pairs", pairs)
    assert result.exit_code == 2, result.output
    assert "UTF-8" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "unexpected" not in result.stderr


def test_a_missing_local_model_folder_is_one_line(files, tmp_path):
    result = invoke(*files, "--presplit", "--encoder", f"sentence-transformers:{tmp_path / 'nope'}")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: cannot load sentence-transformers model {str(tmp_path / 'nope')!r}: no such folder"]


def test_a_pairs_line_whose_output_is_a_folder_stops_before_any_alignment(files, tmp_path):
    src, tgt = files
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(f"{src}\t{tgt}\t{tmp_path / 'first.txt'}\n{src}\t{tgt}\t{tmp_path}\n", encoding="utf-8")
    result = invoke("--pairs", pairs, "--presplit")
    assert result.exit_code == 2
    assert f"{pairs}:2:" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "first.txt").exists()


def test_presplit_files_are_decoded_as_documents_are(tmp_path, files):
    """A sentence-per-line file had to be UTF-8 (cp1251 was an error) and bytes with NULs were read as text."""
    src, tgt = files
    legacy = tmp_path / "ru.cp1251.txt"
    legacy.write_bytes(tgt.read_text(encoding="utf-8").encode("cp1251"))
    same = invoke(src, tgt, "--presplit")
    result = invoke(src, legacy, "--presplit")
    assert result.exit_code == 0, result.output
    assert result.stdout == same.stdout
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"abc\x00def\x01\x02\n" * 200)
    result = invoke(src, binary, "--presplit")
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {binary}: binary content"), result.output
