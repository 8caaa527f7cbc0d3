"""Reliability: one odd input never sinks a batch, hangs a command or silently corrupts text.

Each test is the regression test of one defect found by feeding the pipeline hostile input. Sections follow
the guarantees of README.md, "Bad input"; add new cases to the section they belong to.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.ingest import discover, ingest_bytes, read_document
from pipeline.models import DocStatus, Flag
from pipeline.outfolder import OutputFolder
from tests import test_resume as resume
from tests.conftest import EN_TEXT, RU_TEXT, SEEDS, output_files

runner = CliRunner()


def finishes_within(seconds: float, fn, *, fifo: Path | None = None):
    """``fn()``'s result, failing (not hanging) when it takes longer; a reader blocked on ``fifo`` is released."""
    result: dict[str, object] = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except BaseException as exc:  # handed to the test below
            result["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        if fifo is not None:  # a writer end unblocks a reader stuck in open(); it then sees end of file
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
            worker.join(5)
        pytest.fail(f"still running after {seconds} s")
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["value"]


def rows(input_dir: Path, **kwargs) -> dict[str, str]:
    """``rel_path: problem`` for every candidate under ``input_dir``."""
    from pipeline.ingest import scan_inputs

    return {entry.rel_path: entry.problem for entry in scan_inputs(input_dir, **kwargs)}


# == One bad file is one skipped row ===============================================================================


@pytest.fixture()
def input_dir(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    root.mkdir()
    (root / "good.txt").write_text(EN_TEXT, encoding="utf-8")
    return root


def test_a_control_character_in_a_file_name_is_a_skipped_row_with_an_escaped_name(input_dir):
    (input_dir / "bell\x07name.txt").write_text(EN_TEXT, encoding="utf-8")
    (input_dir / "tab\tname.md").write_text(EN_TEXT, encoding="utf-8")
    found = rows(input_dir)
    assert found["good.txt"] == ""
    assert "control characters" in found["bell\\x07name.txt"] and "control characters" in found["tab\\x09name.md"]
    from pipeline.ingest import read_input, scan_inputs

    entry = next(e for e in scan_inputs(input_dir) if e.rel_path == "bell\\x07name.txt")
    doc = read_input(entry, doc_id="bell")
    assert doc.status is DocStatus.SKIPPED and doc.path == "bell\\x07name.txt"
    from lxml import etree

    etree.Element("tu").set("path", doc.path)  # XML-safe: TMX and the review page can hold it


def test_a_file_name_that_is_not_utf8_is_a_skipped_row(input_dir):
    fd = os.open(os.fsencode(input_dir) + b"/caf\xe9.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, EN_TEXT.encode())
    os.close(fd)
    found = rows(input_dir)
    assert "not valid UTF-8" in found["caf\\xe9.txt"]  # the stored name is text any writer can hold
    assert [p.name for p in discover(input_dir)] == ["good.txt"]


def test_symlink_loops_anywhere_under_the_input_are_rows_not_aborts(input_dir):
    (input_dir / "sub").mkdir()
    os.symlink("self.txt", input_dir / "self.txt")
    os.symlink("..", input_dir / "sub" / "up")
    os.symlink("ping", input_dir / "pong")
    os.symlink("pong", input_dir / "ping")
    out = input_dir.parent / "out"
    for follow in (False, True):
        found = finishes_within(30, lambda: rows(input_dir, exclude=[out], follow_symlinks=follow))
        assert found["good.txt"] == ""
        assert "symlink loop" in found["self.txt"] and "symlink loop" in found["ping"] and "symlink loop" in found["pong"]
    assert "symlink loop" in rows(input_dir, follow_symlinks=True)["sub/up"]
    assert [p.name for p in discover(input_dir, exclude=[out])] == ["good.txt"]  # raised RuntimeError before


def test_a_folder_tree_deeper_than_the_recursion_limit_is_walked(input_dir):
    """A deep tree once ended the run with a RecursionError."""
    import sys

    deep = input_dir / "/".join(["d"] * 400)
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text(EN_TEXT, encoding="utf-8")
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 200)  # fewer frames than the tree is deep
    try:
        found = discover(input_dir, exclude=[input_dir.parent / "out"])
    finally:
        sys.setrecursionlimit(limit)
    assert [p.name for p in found] == ["deep.txt", "good.txt"]


def test_a_fifo_named_like_a_document_is_a_skipped_row_and_never_opened(input_dir):
    fifo = input_dir / "x.txt"
    os.mkfifo(fifo)
    assert rows(input_dir)["x.txt"] == "not a regular file (FIFO)"
    doc = finishes_within(10, lambda: read_document(fifo, doc_id="x", rel_path="x.txt"), fifo=fifo)
    assert doc.status is DocStatus.SKIPPED and "not a regular file (FIFO)" in doc.reason


def test_a_device_is_never_read_as_a_document():
    doc = read_document(Path(os.devnull), doc_id="null", rel_path="null.txt")
    assert doc.status is DocStatus.SKIPPED and "character device" in doc.reason


def test_an_unreadable_folder_is_a_skipped_row(input_dir, monkeypatch):
    (input_dir / "locked").mkdir()
    (input_dir / "locked" / "a.txt").write_text(EN_TEXT, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path="."):  # the tests may run as root, whom chmod 000 does not stop
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = rows(input_dir)
    assert found == {"good.txt": "", "locked": "unreadable folder: Permission denied"}


def test_symlinks_out_of_the_input_folder_are_followed_only_when_asked(input_dir):
    secret = input_dir.parent / "secret.txt"
    secret.write_text(RU_TEXT, encoding="utf-8")
    (input_dir.parent / "elsewhere").mkdir()
    (input_dir.parent / "elsewhere" / "b.txt").write_text(EN_TEXT, encoding="utf-8")
    os.symlink(secret, input_dir / "passwd.txt")
    os.symlink(input_dir.parent / "elsewhere", input_dir / "linked")
    os.symlink("good.txt", input_dir / "alias.txt")  # inside the input folder: followed
    found = rows(input_dir)
    assert "outside the input folder" in found["passwd.txt"] and "outside the input folder" in found["linked"]
    assert found["alias.txt"] == "" and found["good.txt"] == ""
    assert rows(input_dir, follow_symlinks=True) == {"alias.txt": "", "good.txt": "", "linked/b.txt": "", "passwd.txt": ""}
    assert sorted(p.name for p in discover(input_dir)) == ["alias.txt", "good.txt"]


def test_a_file_over_the_size_limit_is_a_skipped_row_and_never_read(input_dir, monkeypatch):
    """A multi-gigabyte dump in the folder was read whole (twice: checksum, then ingest) and held in memory."""
    big = input_dir / "dump.txt"
    big.write_text(EN_TEXT * 100, encoding="utf-8")
    size = big.stat().st_size
    assert size > 10_000
    found = rows(input_dir, max_bytes=10_000)
    assert found["good.txt"] == ""
    assert found["dump.txt"] == f"too large: {size / 1e6:.1f} MB, over the 0.01 MB limit (--max-file-mb)"
    assert rows(input_dir)["dump.txt"] == ""  # no limit given: read
    from pipeline.ingest.files import FileTooLargeError, read_file_bytes

    with pytest.raises(FileTooLargeError):  # a file that grew after the walk saw it: still not read whole
        read_file_bytes(big, max_bytes=10_000)
    assert read_file_bytes(big, max_bytes=size) == big.read_bytes()


def test_run_skips_files_over_max_file_mb_and_reads_them_when_it_is_raised(input_dir, tmp_path):
    (input_dir / "dump.txt").write_text(EN_TEXT * 100, encoding="utf-8")
    out = tmp_path / "out"
    base = ["run", str(input_dir), "--out", str(out), "--quiet", "--no-glossary", "--no-align"]
    result = runner.invoke(app, [*base, "--max-file-mb", "0.01"])
    assert result.exit_code == 0, result.output
    from pipeline.io import read_csv

    table = read_csv(out / "documents.csv").set_index("path")
    assert table.loc["good.txt", "status"] == "ok"
    assert table.loc["dump.txt", "status"] == "skipped"
    assert table.loc["dump.txt", "reason"].startswith("too large: ") and "--max-file-mb" in table.loc["dump.txt", "reason"]
    result = runner.invoke(app, [*base, "--max-file-mb", "inf"])  # the limit is not part of what a shard's results depend on
    assert result.exit_code == 0, result.output
    table = read_csv(out / "documents.csv").set_index("path")
    assert list(table["status"]) == ["ok", "ok"]


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_max_file_mb_must_be_above_zero(tmp_path, value):
    result = runner.invoke(app, ["run", str(tmp_path), "--out", str(tmp_path / "out"), "--max-file-mb", value])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [f"error: --max-file-mb must be a number of MB above 0, got {float(value):g}"]


def test_a_run_skips_a_sparse_terabyte_file(input_dir, tmp_path):
    with open(input_dir / "huge.txt", "wb") as handle:
        handle.truncate(1 << 40)  # no disk used; reading it would take a terabyte of memory
    out = tmp_path / "out"
    result = finishes_within(120, lambda: runner.invoke(app, ["run", str(input_dir), "--out", str(out), "--quiet",
                                                               "--no-glossary", "--no-align"]))
    assert result.exit_code == 0, result.output
    from pipeline.io import read_csv

    table = read_csv(out / "documents.csv").set_index("path")
    assert table.loc["good.txt", "status"] == "ok"
    assert table.loc["huge.txt", "status"] == "skipped" and table.loc["huge.txt", "reason"].startswith("too large")


def test_a_file_changed_after_it_was_listed_is_skipped_not_stored_under_its_old_checksum(tmp_path):
    """A file that grew (past --max-file-mb, too) between the listing and its reading was read as it then was."""
    from pipeline.ingest import read_source
    from pipeline.shards import list_sources

    (tmp_path / "a.txt").write_text(EN_TEXT, encoding="utf-8")
    (tmp_path / "b.txt").write_text(RU_TEXT, encoding="utf-8")
    sources = list_sources(tmp_path, max_bytes=1000)
    (tmp_path / "b.txt").write_text(RU_TEXT * 20, encoding="utf-8")  # now over the limit it was listed under
    a, b = (read_source(source) for source in sources)
    assert a.status is DocStatus.OK and a.sha256 == sources[0].sha256
    assert b.status is DocStatus.SKIPPED and b.reason.startswith("changed while the run was reading the folder")
    assert b.sha256 == sources[1].sha256 and b.text == ""


def test_a_file_grown_after_it_was_listed_is_read_no_further_than_its_listed_size(tmp_path, monkeypatch):
    """A file that grew to gigabytes between the listing and its reading was read whole before its checksum
    mismatch skipped it."""
    from pipeline import ingest
    from pipeline.ingest import read_source
    from pipeline.shards import list_sources

    (tmp_path / "log.txt").write_text(EN_TEXT, encoding="utf-8")
    (source,) = list_sources(tmp_path)
    assert source.size == len(EN_TEXT.encode("utf-8"))
    with open(tmp_path / "log.txt", "ab") as handle:
        handle.truncate(1 << 40)  # grown to a terabyte (sparse: no disk used)
    asked = []
    real = ingest.read_file_bytes
    monkeypatch.setattr(ingest, "read_file_bytes", lambda path, max_bytes=None: asked.append(max_bytes) or real(path, max_bytes))
    doc = finishes_within(60, lambda: read_source(source))
    assert asked == [source.size]
    assert doc.status is DocStatus.SKIPPED and doc.reason.startswith("changed while the run was reading the folder")
    assert doc.sha256 == source.sha256
    (tmp_path / "log.txt").write_text(EN_TEXT, encoding="utf-8")  # as listed again: read as usual
    assert read_source(source).status is DocStatus.OK


def test_a_heading_of_a_megabyte_is_no_title_and_the_run_folder_stays_readable(tmp_path):
    """It became the document's title, a 1 MB cell of documents.csv: `review html` then stopped ("field larger than
    field limit") and `export xliff` failed with an unexpected error."""
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.md").write_text("# " + "Heading words " * 80_000 + "\n\n" + EN_TEXT + "\n", encoding="utf-8")
    (inp / "b.md").write_text("# Belarus and Korea\n\n" + EN_TEXT + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(inp), "--out", str(out), "--quiet", "--no-align", "--no-glossary"])
    assert result.exit_code == 0, result.output
    from pipeline.io import read_table

    titles = {row["path"]: row["title"] for row in read_table(out / "documents.csv").rows}
    assert titles == {"a.md": "", "b.md": "Belarus and Korea"}
    for command in (["review", "html", str(out), "--out", str(tmp_path / "page.html")],
                    ["export", "xliff", str(out), "--out", str(tmp_path / "xliff")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, (command, result.output)


def test_cells_over_the_csv_modules_default_limit_are_read_back(tmp_path):
    from pipeline.io import read_table, write_csv

    big = "word " * 60_000  # 300,000 characters, over csv's 131,072
    write_csv(tmp_path / "t.csv", [{"a": big, "b": "x"}], ["a", "b"])
    assert read_table(tmp_path / "t.csv").rows == [{"a": big, "b": "x"}]


def test_a_run_over_a_folder_of_bad_names_still_writes_its_outputs(input_dir, tmp_path):
    """A control character in a name once stopped the whole run at the TMX writer (exit 1, no outputs)."""
    (input_dir / "bell\x07name.txt").write_text(RU_TEXT, encoding="utf-8")
    os.symlink("loop.txt", input_dir / "loop.txt")
    os.mkfifo(input_dir / "fifo.txt")
    out = tmp_path / "out"
    result = finishes_within(
        120, lambda: runner.invoke(app, ["run", str(input_dir), "--out", str(out), "--quiet", "--no-glossary"]),
        fifo=input_dir / "fifo.txt")
    assert result.exit_code == 0, result.output
    from pipeline.io import read_csv

    table = read_csv(out / "documents.csv").set_index("path")
    assert table.loc["good.txt", "status"] == "ok"
    for name in ("bell\\x07name.txt", "loop.txt", "fifo.txt"):  # each odd entry is one skipped row, named safely
        assert table.loc[name, "status"] == "skipped" and table.loc[name, "reason"], name
    assert "FIFO" in table.loc["fifo.txt", "reason"] and "loop" in table.loc["loop.txt", "reason"]
    from translate.storage.tmx import tmxfile

    with open(out / "corpus.tmx", "rb") as handle:  # the corpus is still well-formed XML
        tmxfile(handle)


def test_control_characters_in_the_text_never_reach_an_xml_output():
    """A stray ESC or BEL in a document once made the TMX writer refuse the whole corpus."""
    from lxml import etree

    data = f"{EN_TEXT} {EN_TEXT} {EN_TEXT} Belarus is far.\x1b[0m But the two\x07 countries\x0cshare a lot.".encode()
    doc = ingest_bytes(data, doc_id="a", rel_path="a.txt")
    assert doc.status is DocStatus.OK
    etree.Element("seg").text = doc.text  # raises on a character XML cannot hold
    assert doc.text.endswith("Belarus is far. [0m But the two countries share a lot.")


# == An output folder is one run's =================================================================================
# (a kill at each point of a run, and of its write phase, is in tests/test_resume.py)


def test_a_second_run_into_a_held_folder_exits_2_naming_the_holder(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    inp = resume.corpus_folder(tmp_path / "in", 2)
    out = tmp_path / "out"
    with OutputFolder(out):
        result = CliRunner().invoke(app, ["run", str(inp), "--out", str(out), "--quiet"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"PID {os.getpid()}" in lines[0] and "another pipeline run" in lines[0]
    assert output_files(out) == []
    assert CliRunner().invoke(app, ["run", str(inp), "--out", str(out), "--quiet"]).exit_code == 0  # released


def test_what_a_killed_run_left_is_cleaned_up_and_foreign_files_are_kept(tmp_path):
    inp = resume.corpus_folder(tmp_path / "in", 2)
    out = tmp_path / "out"
    resume.run_batch(resume.RunConfig(input_dir=inp, out_dir=out, quiet=True))
    (out / ".aligned.csv.k3j_9x2a.tmp").write_text("half")
    stale = out / ".pipeline" / "runs" / "20200101T000000-1"
    stale.mkdir()
    (stale / "aligned.csv").write_text("half")
    (out / ".pipeline" / "shards" / ".abc.tmp-123").mkdir()
    kept = Path(os.path.realpath(out / ".pipeline" / "current"))
    (kept / "my-notes.txt").write_text("mine")  # saved among the outputs by someone
    resume.run_batch(resume.RunConfig(input_dir=inp, out_dir=out, quiet=True))
    assert not (out / ".aligned.csv.k3j_9x2a.tmp").exists() and not stale.exists()
    assert not (out / ".pipeline" / "shards" / ".abc.tmp-123").exists()
    assert (kept / "my-notes.txt").read_text() == "mine"  # that run's folder stays, with the file


def test_every_output_format_says_what_it_escaped_or_dropped(tmp_path):
    """Text a format cannot hold as it is: neutralised (CSV), left out (TMX), joined (Moses), each counted."""
    from translate.storage.tmx import tmxfile

    from pipeline.corpus import write_corpus_files
    from pipeline.io import read_csv
    from pipeline.models import AlignedPair

    hostile = AlignedPair("tr-000001", "translation", "d", (0,), "ru", "=HYPERLINK(\"x\")\x01 two\nlines", "d", (0,),
                          "en", "@cmd \x0bok", 0.5)
    escaped: dict = {}
    write_corpus_files(tmp_path, [hostile], {}, tool_version="0", escaped=escaped)
    assert escaped == {"aligned.csv": {"cells_neutralised": 2}, "corpus.tmx": {"characters_dropped": 2},
                       "moses": {"line_breaks_joined": 2}}
    row = read_csv(tmp_path / "aligned.csv").iloc[0]
    assert row.src_text == hostile.src_text and row.tgt_text == hostile.tgt_text  # restored exactly on reading
    with open(tmp_path / "corpus.tmx", "rb") as handle:
        [unit] = tmxfile(handle).units
    assert unit.source == "=HYPERLINK(\"x\") two\nlines" and unit.target == "@cmd ok"
    assert (tmp_path / "moses" / "corpus.ru-en.ru").read_text(encoding="utf-8") == "=HYPERLINK(\"x\")\x01 two lines\n"


def test_a_memory_holding_control_characters_exports_well_formed_tmx(tmp_path):
    """A reviewer's edit with a stray control character (pasted from a terminal, ESC or BEL) went into the memory
    as typed; `pipeline tm export` then stopped with an unexpected ValueError (exit 1) and wrote nothing."""
    from translate.storage.tmx import tmxfile

    from pipeline.memory import MemoryStore, read_tmx
    from pipeline.memory.store import MemoryUnit

    store_path = tmp_path / "memory.sqlite3"
    with MemoryStore(store_path) as store:
        store.add([MemoryUnit(src_lang="ru", tgt_lang="en", src_text="Привет\x01 мир", tgt_text="Hello\x1b[0m world\x07",
                              origin="review:aligned\x0b.csv", ref="tr-000001", created="2024-01-02T03:04:05Z")])
    out = tmp_path / "memory.tmx"
    result = runner.invoke(app, ["tm", "export", "--tm", str(store_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with open(out, "rb") as handle:
        [unit] = tmxfile(handle).units
    assert unit.source == "Привет мир" and unit.target == "Hello[0m world"
    [back] = read_tmx(out)
    assert back.origin == "review:aligned.csv" and back.tgt_text == "Hello[0m world"


def test_a_control_character_in_a_glossary_cell_is_a_file_line_problem(tmp_path):
    """It passed validation, then `glossary export --format tbx` stopped with an unexpected ValueError (exit 1)."""
    glossary = tmp_path / "g.tsv"
    glossary.write_text("id\tsource_term\tsource_lang\ttarget_term\ttarget_lang\tnote\n"
                        "bc\tцепочка\tru\tblockchain\ten\tpasted \x1b[31m from a terminal\n", encoding="utf-8")
    for argv in (["glossary", "validate", str(glossary)],
                 ["glossary", "export", "--format", "tbx", "--glossary", str(glossary), "--out", str(tmp_path / "g.tbx")]):
        result = runner.invoke(app, argv)
        assert result.exit_code == 2, result.output
        assert f"{glossary}:2: note holds a control character (U+001B)" in result.stderr, result.stderr
        assert "unexpected" not in result.stderr
    assert not (tmp_path / "g.tbx").exists()
    terms = tmp_path / "terms.csv"  # an import never writes a glossary that would fail validation
    terms.write_text("\x01цепочка,blockchain\n", encoding="utf-8")
    result = runner.invoke(app, ["glossary", "import", str(terms), "--from", "ru", "--to", "en", "--out", str(tmp_path / "t.tsv")])
    assert result.exit_code == 2 and f"{terms}:1: source_term holds a control character (U+0001)" in result.stderr
    assert not (tmp_path / "t.tsv").exists()


def test_an_html_fragment_logs_no_error(monkeypatch, caplog):
    """A page without <html> (a saved fragment) printed "ERROR trafilatura.utils: parsed tree length: 0" on the
    run's stderr, even with --quiet, though the document was read: the cleaner takes over such pages."""
    import logging

    for name in ("trafilatura", "htmldate"):  # as in a fresh process: no page read yet
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    with caplog.at_level(logging.WARNING):
        doc = ingest_bytes(f"<p>{EN_TEXT}</p>".encode(), doc_id="frag", rel_path="frag.html", html=True,
                           html_extractor="trafilatura")
    assert doc.status is DocStatus.OK and doc.text == EN_TEXT
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


# == Decoding =======================================================================================================


@pytest.mark.parametrize(
    ("text", "reason"),
    [(" \n\t ", "only whitespace"), ("\u200b\u200d\n\u2060\ufe0f\u00ad \u200e", "only whitespace and invisible characters")],
)
def test_a_document_of_nothing_visible_is_skipped(text, reason):
    """A file of zero-width characters was an `ok` document of one invisible sentence in language `und`."""
    doc = ingest_bytes(text.encode("utf-8"), doc_id="x", rel_path="x.txt")
    assert doc.status is DocStatus.SKIPPED and doc.reason == reason


def test_invisible_characters_inside_text_are_kept():
    text = "Zero\u200bwidth joiners (\u200d) stay in a real sentence."
    doc = ingest_bytes(text.encode("utf-8"), doc_id="x", rel_path="x.txt")
    assert doc.status is DocStatus.OK and doc.text.endswith("stay in a real sentence.")


def test_one_invalid_byte_keeps_an_english_file_utf8():
    """It once made the file cp866 with status ok: curly quotes became «тАЬ»."""
    text = "\u201cIt is a priority,\u201d he said. " + EN_TEXT
    data = text.encode("utf-8")
    data = data[:40] + b"\xff" + data[40:]
    doc = ingest_bytes(data, doc_id="en", rel_path="en.txt")
    assert doc.status is DocStatus.OK and doc.encoding == "utf-8"
    assert doc.text.startswith("\u201cIt is a priority,\u201d") and doc.text.count("\ufffd") == 1
    assert doc.invalid_bytes == 1 and Flag.INVALID_BYTES in doc.flags


def test_one_invalid_byte_keeps_the_russian_seed():
    """It once made the Russian seed ``skipped`` as binary."""
    path = SEEDS / "000_5286f2786187ce81.txt"
    data = path.read_bytes()
    cut = data.index(" ".encode(), len(data) // 2)
    broken = data[:cut] + b"\xfe\xff" + data[cut:]
    clean = ingest_bytes(data, doc_id="a", rel_path="a.txt")
    doc = ingest_bytes(broken, doc_id="a", rel_path="a.txt")
    assert doc.status is DocStatus.OK and doc.encoding == "utf-8" and doc.invalid_bytes == 2
    assert doc.text.replace("\ufffd", "") == clean.text and doc.flags == (Flag.INVALID_BYTES,)
    assert clean.invalid_bytes == 0 and clean.flags == ()


@pytest.mark.parametrize("codec", ["cp1251", "koi8_r"])
def test_legacy_cyrillic_is_still_detected(codec):
    """In cp1251, «Я» happens to hold a valid UTF-8 sequence (DF BB): one such chance sequence is no reason for UTF-8."""
    text = RU_TEXT + (" Проект «Я» начат." if codec == "cp1251" else " Проект начат.")
    doc = ingest_bytes(text.encode(codec), doc_id="ru", rel_path="ru.txt")
    assert doc.status is DocStatus.OK and doc.encoding == codec.replace("_", "-")
    assert doc.text == text and doc.invalid_bytes == 0


def test_the_seed_joined_with_a_cp1251_copy_keeps_both_halves(tmp_path):
    """Two files joined, one UTF-8 and one cp1251: the cp1251 half was all U+FFFD (flagged ``invalid-bytes``)."""
    seed = (SEEDS / "000_5286f2786187ce81.txt").read_text(encoding="utf-8")
    legacy = RU_TEXT + "\n"
    doc = ingest_bytes(seed.encode("utf-8") + b"\n" + legacy.encode("cp1251"), doc_id="ru", rel_path="ru.txt")
    clean = ingest_bytes((seed + "\n" + legacy).encode("utf-8"), doc_id="ru", rel_path="ru.txt")
    assert doc.status is DocStatus.OK and doc.encoding == "utf-8+cp1251" and doc.invalid_bytes == 0
    assert doc.flags == (Flag.MIXED_ENCODING,) and doc.text == clean.text
    assert "\ufffd" not in doc.text and RU_TEXT in doc.text


# == Text integrity =================================================================================================


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Output rose 2*3 million and 4*5 units.", "Output rose 2*3 million and 4*5 units."),
        ("Call snake_case and a_b_c here.", "Call snake_case and a_b_c here."),
        ("A x**y**z product.", "A x**y**z product."),
        ("It is **bold** and *slanted* and `code`.", "It is bold and slanted and code."),
    ],
)
def test_markdown_cleaning_never_changes_a_character_inside_a_word_or_number(source, expected):
    doc = ingest_bytes(source.encode(), doc_id="a", rel_path="a.txt")
    assert doc.text == expected


@pytest.fixture()
def no_alignment(monkeypatch):
    """Refusals must come before any work: loading an encoder fails the test."""
    import pipeline.align.encoders as encoders

    def load_encoder(*args, **kwargs):
        raise AssertionError("an encoder was loaded before the arguments were checked")

    monkeypatch.setattr(encoders, "load_encoder", load_encoder)


def test_align_pairs_refuses_an_output_that_is_an_input(tmp_path, no_alignment, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("en.txt").write_text("One.\nTwo.\n", encoding="utf-8")
    Path("ru.txt").write_text("Один.\nДва.\n", encoding="utf-8")
    for line in ("en.txt\tru.txt\ten.txt\n", "en.txt\tru.txt\tout.txt\nru.txt\ten.txt\t./ru.txt\n",
                 "en.txt\tru.txt\tpairs.tsv\n"):
        Path("pairs.tsv").write_text(line, encoding="utf-8")
        result = runner.invoke(app, ["align", "--pairs", "pairs.tsv", "--presplit"])
        assert result.exit_code == 2, result.output
        assert "would be overwritten" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert Path("en.txt").read_text(encoding="utf-8") == "One.\nTwo.\n" and not Path("out.txt").exists()


def test_align_pairs_refuses_two_lines_with_the_same_output(tmp_path, no_alignment, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("en.txt").write_text("One.\n", encoding="utf-8")
    Path("ru.txt").write_text("Один.\n", encoding="utf-8")
    Path("pairs.tsv").write_text("en.txt\tru.txt\tout/a.txt\nru.txt\ten.txt\tout/../out/a.txt\n", encoding="utf-8")
    result = runner.invoke(app, ["align", "--pairs", "pairs.tsv", "--presplit"])
    assert result.exit_code == 2, result.output
    assert "pairs.tsv:2:" in result.stderr and "also the output of line 1" in result.stderr


# == Bounded work ===================================================================================================


@pytest.mark.parametrize("size", ["11", "30", "100000"])
def test_align_max_size_beyond_the_cap_is_a_one_line_usage_error(tmp_path, no_alignment, size):
    src = tmp_path / "a.txt"
    src.write_text("One.\n", encoding="utf-8")
    result = runner.invoke(app, ["align", str(src), str(src), "--presplit", "--max-size", size])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [f"error: --max-size must be between 2 and 10, got {size}"]


def test_segmenting_a_giant_line_is_linear(monkeypatch):
    """A 5 MB line without sentence punctuation gave no result in 15 minutes: razdel is quadratic on it."""
    import pipeline.segment as segment

    words = "«Корея» жунганг Daily сообщает о цепочке поставок и блокчейне в Минске".split()
    line = " ".join(words[i % len(words)] for i in range(700_000))  # 5 MB of text, not one sentence end
    handed: list[int] = []
    real = segment._razdel
    monkeypatch.setattr(segment, "_razdel", lambda text: handed.append(len(text)) or real(text))
    started = time.perf_counter()
    spans = segment.split_sentences(line, "ru")
    elapsed = time.perf_counter() - started
    assert max(handed) <= segment.WINDOW_CHARS
    assert elapsed < 60  # before: minutes; now a few seconds on a busy machine
    assert all(0 < b - a <= segment.MAX_SENTENCE_CHARS for a, b in spans)
    assert " ".join(line[a:b] for a, b in spans) == line


@pytest.mark.parametrize("blob", ["x" * 300_000, "a@" * 150_000, "QUJD+/" * 50_000], ids=["letters", "at-signs", "base64"])
def test_identifying_a_giant_word_is_linear(blob):
    """A 1 MB word (a base64 blob pasted into an article) held the run for half an hour: the pattern that keeps
    e-mail addresses out of language identification tried every position of the word against the rest of it."""
    from pipeline.detect import LanguageDetector

    started = time.perf_counter()
    LanguageDetector().detect(f"{EN_TEXT} {blob} {EN_TEXT}")
    assert time.perf_counter() - started < 10  # before: a minute and more; now a fraction of a second


@pytest.mark.parametrize("html", [True, False], ids=["html", "markdown-html-block"])
def test_deeply_nested_html_is_read_in_linear_time(html):
    """A page of 100,000 nested <div> took minutes per document: the tag cleaner's work grew with the depth squared."""
    depth = 40_000
    nested = "<div>" * depth + EN_TEXT + "</div>" * depth
    page = f"<html><body>{nested}</body></html>" if html else f"Intro.\n\n{nested}\n"
    started = time.perf_counter()
    doc = ingest_bytes(page.encode(), doc_id="deep", rel_path="deep.html" if html else "deep.md", html=html)
    elapsed = time.perf_counter() - started
    assert doc.status is DocStatus.OK and doc.text == (EN_TEXT if html else f"Intro.\n\n{EN_TEXT}")
    assert elapsed < 20  # before: over a minute; now about a second on a busy machine


def test_a_page_with_a_tag_of_100000_attributes_is_read_by_the_cleaner_in_seconds():
    """libxml2 checks each attribute against the tag's others: trafilatura's parsers took minutes over such a page."""
    from pipeline.ingest.html import extract_html

    tag = "<div " + " ".join(f'a{i}="x"' for i in range(100_000)) + ">" + EN_TEXT + "</div>"
    page = f"<html><body>{tag}<p>{RU_TEXT}</p></body></html>"
    started = time.perf_counter()
    doc = ingest_bytes(page.encode(), doc_id="a", rel_path="a.html", html=True)
    assert time.perf_counter() - started < 10  # about 0.5 s; before: over two minutes
    assert doc.status is DocStatus.OK and doc.text == f"{EN_TEXT}\n\n{RU_TEXT}"
    assert extract_html(page, "trafilatura").extractor == "cleaner"


def test_long_tags_with_few_attributes_are_read():
    """A data: URI makes a tag of megabytes with three attributes; a tag of 900 attributes is odd but readable."""
    uri = '<img src="data:image/png;base64,' + "QUJD" * 250_000 + '" alt="a > b" width="9">'
    many = "<span " + " ".join(f'data-x{i}="a b"' for i in range(900)) + ">Hi.</span>"
    page = f"<html><body><article><p>{EN_TEXT}</p>{uri}<p>{many} {EN_TEXT}</p></article></body></html>"
    doc = ingest_bytes(page.encode(), doc_id="a", rel_path="a.html", html=True)
    assert doc.status is DocStatus.OK and doc.text.count(EN_TEXT) == 2


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_windowed_segmentation_gives_the_same_sentences(lang, monkeypatch):
    """Cutting long paragraphs into windows keeps every offset exact."""
    import pipeline.segment as segment

    text = " ".join([RU_TEXT if lang == "ru" else EN_TEXT] * 300)  # 60,000 characters, one paragraph
    monkeypatch.setattr(segment, "WINDOW_CHARS", len(text))
    whole = segment.split_sentences(text, lang)
    monkeypatch.setattr(segment, "WINDOW_CHARS", 5_000)
    assert segment.split_sentences(text, lang) == whole


@pytest.fixture()
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "x.txt"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["detect", "{fifo}"],
        ["translate", "{fifo}", "--from", "ru"],
        ["align", "{fifo}", "{other}"],
        ["align", "{fifo}", "{other}", "--presplit"],
        ["align", "--pairs", "{pairs}"],
    ],
    ids=["detect", "translate", "align", "align-presplit", "align-pairs"],
)
def test_commands_never_open_a_fifo_as_a_document(args, fifo, tmp_path, no_alignment):
    other = tmp_path / "other.txt"
    other.write_text("One.\n", encoding="utf-8")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(f"{fifo}\t{other}\t{tmp_path / 'out.txt'}\n", encoding="utf-8")
    argv = [a.format(fifo=fifo, other=other, pairs=pairs) for a in args]
    result = finishes_within(30, lambda: runner.invoke(app, argv), fifo=fifo)
    assert result.exit_code == 2, result.output
    assert "not a regular file" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["glossary", "validate", "{fifo}.tsv"],
        ["glossary", "export", "--format", "csv", "--glossary", "{fifo}.tsv"],
        ["run", "{input}", "--out", "{out}", "--quiet", "--no-align", "--glossary", "{fifo}.tsv"],
        ["run", "{input}", "--out", "{out}", "--quiet", "--no-align", "--no-glossary", "--tm", "{fifo}.tmx"],
        ["tm", "import", "{fifo}.tmx"],
        ["glossary", "import", "{fifo}.tmx"],
        ["review", "apply", "{fifo}.csv", "--run", "{input}", "--out", "{out}"],
    ],
    ids=["glossary-validate", "glossary-export", "run-glossary", "run-tm", "tm-import", "glossary-import", "review-apply"],
)
def test_a_fifo_given_as_glossary_memory_or_reviewed_file_is_refused_not_opened(args, tmp_path):
    """A FIFO given as the glossary or a TMX file hung the command (a run before any work) until killed."""
    for suffix in (".tsv", ".tmx", ".csv"):
        os.mkfifo(tmp_path / f"x{suffix}")
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").write_text(EN_TEXT, encoding="utf-8")
    (inp / "aligned.csv").write_text("pair_id\n", encoding="utf-8")
    argv = [a.format(fifo=tmp_path / "x", input=inp, out=tmp_path / "out") for a in args]
    fifo = next(Path(a) for a in argv if a.startswith(str(tmp_path / "x.")))
    result = finishes_within(30, lambda: runner.invoke(app, argv), fifo=fifo)
    assert result.exit_code == 2, result.output
    assert "not a regular file" in result.stderr and "FIFO" in result.stderr and "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["run", "", "--out", "{out}"], "argument 2"), (["run", "{input}", "--out", ""], "--out"),
     (["run", "{input}", "--out="], "--out"), (["export", "xliff", "{input}", "--out", ""], "--out"),
     (["glossary", "validate", ""], "argument 3"),
     (["run", "--follow-symlinks", "", "--out", "{out}"], "argument 3")],
    ids=["run-input", "run-out", "run-out-equals", "export-out", "glossary", "after-a-flag"],
)
def test_an_empty_path_is_a_usage_error_not_the_current_folder(args, expected, tmp_path, monkeypatch, capsys):
    """`pipeline run "$IN" --out "$OUT"` with a variable unset read the whole current folder as input, or wrote the
    run's outputs into it (an empty path is the current folder to pathlib)."""
    from pipeline.cli import main

    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "notes.txt").write_text(EN_TEXT, encoding="utf-8")
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").write_text(EN_TEXT, encoding="utf-8")
    monkeypatch.chdir(cwd)
    monkeypatch.setattr("sys.argv", ["pipeline", *(a.format(input=inp, out=tmp_path / "out") for a in args)])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "empty" in lines[0], lines
    assert sorted(p.name for p in cwd.iterdir()) == ["notes.txt"] and not (tmp_path / "out").exists()
    assert lines[0].startswith(f"error: {expected} is empty"), lines
