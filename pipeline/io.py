"""Every file the package writes goes through here, atomically.

A writer fills a temporary file in the destination folder and renames it over
the target only once it is complete, so an interrupted run leaves either the
previous file or the new one, never half of one.

CSV cells that a spreadsheet would run as a formula are neutralised on the way
out (:func:`neutralise_cell`) and restored on the way back in
(:func:`restore_cell`), so a text read from a hostile web page stays text in
Excel or LibreOffice and the round trip through :func:`write_csv` and
:func:`read_csv` is exact.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pipeline.errors import ExportError, OutputPathError

if TYPE_CHECKING:
    import pandas as pd

CSV_ENCODING = "utf-8-sig"
"""UTF-8 with a byte-order mark, so spreadsheets recognise Cyrillic and Hangul."""

FORMULA_TRIGGERS = "=+-@\t\r"
"""First characters that make a spreadsheet read a cell as a formula (OWASP's list)."""
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_QUOTED_FORMULA = re.compile(r"'+[=+\-@\t\r]")
_NEGATIVE_NUMBER = re.compile(r"-(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")

XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold: control characters but tab and line ends, lone surrogates, U+FFFE and U+FFFF."""


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (:data:`XML_INVALID`): what every XML writer stores."""
    return XML_INVALID.sub("", text)


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = "") -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path`` and move it into place on success."""
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(f"cannot write {path}: it is a folder (name a file)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except FileExistsError as exc:  # a file stands where a folder of the path should be
        blocker = next((p for p in (path.parent, *path.parent.parents) if p.exists() and not p.is_dir()), path.parent)
        raise OutputPathError(f"cannot write {path}: {blocker} is not a folder") from exc
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes a private (0600) file: give the output the mode of the file it replaces, or the mode
        # a newly created file gets (0666 less the umask), so whoever could read the folder's files still can.
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise


def _file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where the system allows (other threads may create files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str) -> None:
    with atomic_open(path) as handle:
        handle.write(text)


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


def neutralise_cell(text: str) -> str:
    """``text`` as a CSV cell that no spreadsheet runs as a formula (OWASP: a leading ``'``).

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return,
    after any number of ``'``, gets one more ``'`` in front, which a spreadsheet
    shows as text and :func:`restore_cell` removes again. A plain negative number
    (``-0.2500``, ``-3``, ``-1e-05``) is a number, not a formula, and is left as it is.
    """
    if _FORMULA.match(text) and not _NEGATIVE_NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore_cell(text: str) -> str:
    """Inverse of :func:`neutralise_cell`: one leading ``'`` before a formula character is dropped."""
    return text[1:] if _QUOTED_FORMULA.match(text) else text


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        return neutralise_cell(value)
    if hasattr(value, "item") and not isinstance(value, (list, tuple)):  # a numpy scalar
        value = value.item()
    if isinstance(value, (bool, int, float)):
        return str(value)  # a number is a number, a negative one included
    return neutralise_cell(str(value))


def csv_line(cells: Iterable[str]) -> str:
    """One CSV record ending in ``\\n``: minimal quoting, every cell holding ``"``, ``,``, CR or LF quoted.

    The csv module quotes a cell for the characters of its line terminator, so the
    record is formatted with ``\\r\\n`` (quoting both) and ends in ``\\n``.
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()[:-2] + "\n"


class CsvWriter:
    """Rows with exactly ``columns``, in that order, written one at a time (see :func:`open_csv`).

    Missing and ``None`` values are empty cells; text cells are neutralised against formula injection
    (:func:`neutralise_cell`); numbers are written as they are.
    """

    def __init__(self, handle: IO[str], columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self._handle = handle
        handle.write(csv_line(self.columns))
        self.rows = 0
        self.neutralised = 0
        """Text cells written with a leading ``'`` (see :func:`neutralise_cell`)."""

    def write(self, row: Mapping[str, Any]) -> None:
        cells = []
        for name in self.columns:
            value = row.get(name)
            cell = _cell(value)
            if isinstance(value, str) and cell != value:
                self.neutralised += 1
            cells.append(cell)
        self._handle.write(csv_line(cells))
        self.rows += 1

    def write_all(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.write(row)


@contextlib.contextmanager
def open_csv(path: Path, columns: Sequence[str]) -> Iterator[CsvWriter]:
    """A BOM-prefixed UTF-8 CSV written row by row, moved into place when the block ends without error."""
    with atomic_open(path, encoding=CSV_ENCODING) as handle:
        yield CsvWriter(handle, columns)


def write_csv(path: Path, rows: Iterable[Mapping[str, Any]] | pd.DataFrame, columns: Sequence[str]) -> None:
    """Write rows with exactly ``columns``, in that order, as BOM-prefixed UTF-8 CSV (see :class:`CsvWriter`)."""
    records = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    with open_csv(path, columns) as writer:
        writer.write_all(records)


@dataclasses.dataclass(frozen=True)
class CsvTable:
    """A CSV file read back: its header and its rows (every value a string, ``""`` when empty)."""

    columns: list[str]
    rows: list[dict[str, str]]


CSV_FIELD_LIMIT = 2**31 - 1
"""The largest CSV cell read back (the ``csv`` module's own default is 128 KiB, less than a long sentence's
translation or a pasted page can hold); the most a C ``long`` takes on every platform."""


def lift_csv_field_limit() -> None:
    """Let the ``csv`` module read cells of up to :data:`CSV_FIELD_LIMIT` characters (a process-wide setting)."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)


def read_table(path: Path) -> CsvTable:
    """Read a CSV written by :func:`write_csv` back without pandas, restoring neutralised cells.

    Raises ``ValueError`` naming the line when a row has more cells than the header.
    """
    lift_csv_field_limit()
    with open(path, encoding=CSV_ENCODING, newline="") as handle:
        reader = csv.reader(handle)
        columns = next(reader, [])
        rows = []
        for row in reader:
            if len(row) > len(columns):
                raise ValueError(f"line {reader.line_num}: {len(row)} cells, the header names {len(columns)}")
            rows.append({name: restore_cell(row[i]) if i < len(row) else "" for i, name in enumerate(columns)})
    return CsvTable(columns, rows)


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV written by :func:`write_csv` back as a pandas frame (pandas must be installed), keeping empty
    cells as ``""`` and restoring neutralised cells."""
    import pandas as pd

    frame = pd.read_csv(path, encoding=CSV_ENCODING, keep_default_na=False, dtype=str)
    for name in frame.columns:
        column = frame[name]
        quoted = column.str.startswith("'")
        if quoted.any():
            frame[name] = column.where(~quoted, column[quoted].map(restore_cell))
    return frame
