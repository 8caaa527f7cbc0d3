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
