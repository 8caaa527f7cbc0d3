"""``pipeline review apply``: a reviewed copy of ``aligned.csv`` back into a final corpus.

The reviewed file may come back from Excel or LibreOffice: UTF-8 with or
without a byte-order mark, UTF-16 ("Unicode text"), or a Windows code page;
``,``, ``;`` or tab separated; CRLF line ends. It is checked against the run's
own ``aligned.csv``: every pair known and once, ids and texts unchanged (only
``decision`` and ``edited_tgt_text`` are the reviewer's), decisions valid.
Any problem refuses the whole file, every problem listed as ``file:line:``,
and nothing is written. Otherwise the accepted and edited pairs become the
final corpus (CSV, TMX, Moses).

Cells that :func:`pipeline.io.write_csv` neutralised against formula injection
(a leading ``'`` before ``=``, ``+``, ``-``, ``@``, tab or CR) are read back
without that ``'``, whether the spreadsheet kept it or not, so a reviewer's edit
reaches the corpus exactly as typed (and is neutralised again in its CSV).
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline import __version__
from pipeline.corpus import ALIGNED_CSV, CORPUS_TMX, MOSES_DIR, AlignedPair, parse_ids, write_aligned_csv, write_moses, write_tmx
from pipeline.errors import ReviewError
from pipeline.io import lift_csv_field_limit, restore_cell
from pipeline.review.runfiles import present, read_aligned, read_settings

DECISIONS = ("accept", "reject", "edit")
UNDECIDED = "undecided"
KEPT = ("accept", "edit")

REQUIRED_COLUMNS = ("pair_id", "src_ids", "src_text", "tgt_ids", "tgt_text", "decision", "edited_tgt_text")
CHECKED_COLUMNS = ("kind", "src_doc", "src_lang", "tgt_doc", "tgt_lang")
"""Read-only columns compared with the run when the reviewed file still has them."""

MAX_ERRORS_SHOWN = 200


class ReviewRefused(ReviewError):
    """The reviewed file does not match the run or holds invalid decisions; nothing was written."""

    def __init__(self, path: Path, errors: Sequence[str], encoding: str = "") -> None:
        self.errors = list(errors)
        shown = self.errors[:MAX_ERRORS_SHOWN]
        more = len(self.errors) - len(shown)
        read_as = (
            f" (read as {encoding}; saving as 'CSV UTF-8' keeps every character)"
            if encoding and not encoding.startswith("utf")
            else ""
        )
        lines = [f"{path}: refused, {len(self.errors)} problem(s){read_as}; nothing was written"] + shown
        if more:
            lines.append(f"… and {more} more")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Reviewed:
    """One data row of the reviewed file."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class ApplyResult:
    out_dir: Path
    kept: tuple[AlignedPair, ...]
    by_decision: dict[str, int]
    """``accept``, ``edit``, ``reject`` and ``undecided`` (pairs with no decision, or absent from the file)."""
    absent: int
    """Pairs of the run that the reviewed file no longer lists (counted as undecided)."""
    written: list[Path] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""

    @property
    def dropped(self) -> int:
        return sum(n for d, n in self.by_decision.items() if d not in KEPT)


# ---------------------------------------------------------------- reading what a spreadsheet saved

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_candidates(data: bytes) -> list[tuple[str, str]]:
    """``(encoding, text)`` readings of the file, most likely first.

    A byte-order mark or valid UTF-8 settles it; otherwise the file was saved
    in a Windows code page, and each plausible one is offered (the caller keeps
    the reading that matches the run best).
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return [(name, data.decode(name))]
            except UnicodeDecodeError as exc:
                raise ReviewError(f"cannot decode as {name}: {exc.reason} at byte {exc.start}") from exc
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 4:  # UTF-16 saved without a byte-order mark
        name = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        try:
            return [(name, data.decode(name))]
        except UnicodeDecodeError:
            pass
    try:
        return [("utf-8", data.decode("utf-8"))]
    except UnicodeDecodeError:
        pass
    names: list[str] = []
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None and best.encoding:
            names.append(codecs.lookup(best.encoding).name)
    except Exception:  # the guess is only a hint; the code pages below are tried regardless
        pass
    for name in ("cp1252", "cp1251", "latin-1"):
        if codecs.lookup(name).name not in names:
            names.append(codecs.lookup(name).name)
    readings = []
    for name in names:
        try:
            readings.append((name, data.decode(name)))
        except UnicodeDecodeError:
            continue
    return readings


def sniff_delimiter(text: str) -> str:
    """The separator of the header line: the one that splits it into the expected column names."""
    header = text.split("\n", 1)[0].rstrip("\r")
    best, best_hits = "", 0
    for delim in (",", ";", "\t", "|"):
        names = {cell.strip().strip('"').strip() for cell in header.split(delim)}
        hits = len(names & set(REQUIRED_COLUMNS))
        if hits > best_hits:
            best, best_hits = delim, hits
    if best:
        return best
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_rows(text: str, delimiter: str) -> tuple[list[str], list[Reviewed]]:
    """Header and data rows, each row with the line its record starts on (the header is line 1)."""
    lift_csv_field_limit()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: Iterator[list[str]] = iter(reader)
    try:
        header = [cell.strip() for cell in next(records)]
    except StopIteration:
        return [], []
    rows = []
    start = reader.line_num + 1
    for record in records:
        if any(cell.strip() for cell in record):
            cells = {name: (record[i] if i < len(record) else "") for i, name in enumerate(header) if name}
            rows.append(Reviewed(start, cells))
        start = reader.line_num + 1
    return header, rows


# ---------------------------------------------------------------- checking against the run


def _norm(text: str) -> str:
    """Text as compared: line ends and Unicode normalisation unified, outer spaces ignored."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _same(cell: str, expected: str) -> bool:
    """A read-only text cell still says ``expected``: read as neutralised, or as a spreadsheet saved it."""
    wanted = _norm(expected)
    return _norm(restore_cell(cell)) == wanted or _norm(cell) == wanted


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check(
    rows: Sequence[Reviewed], header: Sequence[str], run_pairs: Sequence[AlignedPair], label: str
) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """All problems as ``label:line: what``, and each pair id's ``(decision, edited text)``."""
    errors: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        errors.append(f"{label}:1: missing column(s) {', '.join(missing)} (expected the columns of aligned.csv)")
        return errors, {}
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    if dupes:
        errors.append(f"{label}:1: column(s) {', '.join(dupes)} appear more than once")
    by_id = {p.pair_id: p for p in run_pairs}
    seen: dict[str, int] = {}
    decisions: dict[str, tuple[str, str]] = {}
    for row in rows:
        where = f"{label}:{row.line}"
        cells = row.cells
        pair_id = restore_cell(cells["pair_id"].strip())
        pair = by_id.get(pair_id)
        if pair is None:
            errors.append(f"{where}: pair_id {pair_id!r} is not in the run's aligned.csv")
            continue
        if pair_id in seen:
            errors.append(f"{where}: pair_id {pair_id!r} appears again (first on line {seen[pair_id]})")
            continue
        seen[pair_id] = row.line
        for column, expected in (("src_ids", pair.src_ids), ("tgt_ids", pair.tgt_ids)):
            try:
                ok = parse_ids(cells[column]) == expected
            except ValueError:
                ok = False
            if not ok:
                errors.append(f"{where}: {column} changed for pair {pair_id} ({cells[column]!r}, the run has {list(expected)})")
        for column, expected in (("src_text", pair.src_text), ("tgt_text", pair.tgt_text)):
            if not _same(cells[column], expected):
                hint = " (corrections go in edited_tgt_text with decision edit)" if column == "tgt_text" else ""
                errors.append(
                    f"{where}: {column} changed for pair {pair_id}: {_short(cells[column])!r}, "
                    f"the run has {_short(expected)!r}{hint}"
                )
        for column in CHECKED_COLUMNS:
            if column in cells and not _same(cells[column], str(getattr(pair, column))):
                errors.append(f"{where}: {column} changed for pair {pair_id} ({cells[column]!r}, the run has {getattr(pair, column)!r})")
        raw = restore_cell(cells["decision"])
        decision = raw.strip().lower()
        edited = restore_cell(cells["edited_tgt_text"]).replace("\r\n", "\n").replace("\r", "\n").strip()
        if decision and decision not in DECISIONS:
            errors.append(f"{where}: unknown decision {raw.strip()!r} (use accept, reject, edit, or leave it empty)")
            continue
        if decision == "edit" and not edited:
            errors.append(f"{where}: decision edit needs the corrected target in edited_tgt_text")
            continue
        if decision == "accept" and not _norm(pair.tgt_text):
            errors.append(f"{where}: pair {pair_id} has no target text to accept; use edit with a translation, or reject")
            continue
        if edited and decision != "edit":
            said = f"decision {decision!r}" if decision else "no decision"
            errors.append(f"{where}: edited_tgt_text is filled but the row has {said}; set decision to edit to use it, or clear it")
            continue
        decisions[pair_id] = (decision, edited)
    return errors, decisions


# ---------------------------------------------------------------- the command


def apply_review(reviewed: Path, out_dir: Path, *, run_dir: Path | None = None) -> ApplyResult:
    """Check ``reviewed`` against the run and write the final corpus to ``out_dir``; refuse on any problem."""
    from pipeline.ingest.files import file_kind

    reviewed = Path(reviewed)
    if not reviewed.exists():
        raise ReviewError(f"{reviewed}: no such file")
    if not reviewed.is_file():  # a FIFO would block the read below, a folder is no file
        raise ReviewError(f"{reviewed}: not a regular file ({file_kind(reviewed.stat().st_mode)})")
    run_dir = Path(run_dir) if run_dir is not None else reviewed.parent
    run_csv = run_dir / ALIGNED_CSV
    if not present(run_csv):
        raise ReviewError(
            f"{run_csv}: not found; give the run folder with --run (the folder `pipeline run` wrote aligned.csv to)"
        )
    if run_csv.resolve() == reviewed.resolve():
        raise ReviewError(
            f"{reviewed} is the run's own aligned.csv, which the review is checked against; "
            "review a copy (e.g. aligned.reviewed.csv) and apply that"
        )
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ReviewError(f"--out {out_dir}: exists and is not a folder")
    if out_dir.resolve() == run_dir.resolve():
        raise ReviewError(f"--out {out_dir}: is the run folder; the final corpus goes to a folder of its own")
    run_pairs = read_aligned(run_csv)

    try:
        data = reviewed.read_bytes()
    except OSError as exc:
        raise ReviewError(f"{reviewed}: cannot read: {exc.strerror or exc}") from exc
    try:
        readings = decode_candidates(data)
    except ReviewError as exc:
        raise ReviewError(f"{reviewed}: {exc}") from exc
    if not readings:
        raise ReviewError(f"{reviewed}: cannot decode the file (save it as CSV UTF-8)")
    label = str(reviewed)
    best: tuple[list[str], dict[str, tuple[str, str]], str, str, int] | None = None
    for encoding, text in readings:
        delimiter = sniff_delimiter(text)
        header, rows = read_rows(text, delimiter)
        if not header:
            raise ReviewError(f"{reviewed}: the file is empty")
        errors, decisions = check(rows, header, run_pairs, label)
        if best is None or len(errors) < len(best[0]):
            best = (errors, decisions, encoding, delimiter, len(rows))
        if not errors:
            break
    assert best is not None
    errors, decisions, encoding, delimiter, _n_rows = best
    if errors:
        raise ReviewRefused(reviewed, errors, encoding)

    counts: Counter[str] = Counter({"accept": 0, "edit": 0, "reject": 0, UNDECIDED: 0})
    kept: list[AlignedPair] = []
    for pair in run_pairs:
        decision, edited = decisions.get(pair.pair_id, ("", ""))
        counts[decision or UNDECIDED] += 1
        if decision == "accept":
            kept.append(replace(pair, decision="accept", edited_tgt_text=""))
        elif decision == "edit":
            kept.append(replace(pair, tgt_text=edited, decision="edit", edited_tgt_text=""))
    absent = len(run_pairs) - len(decisions)

    settings = read_settings(run_dir)
    properties = {
        "review-source": reviewed.name,
        "review-kept": f"accept={counts['accept']} edit={counts['edit']}",
        "review-dropped": f"reject={counts['reject']} undecided={counts[UNDECIDED]}",
    }
    if settings:
        properties["settings"] = settings  # type: ignore[assignment]
    written = [
        write_aligned_csv(out_dir / ALIGNED_CSV, kept),
        write_tmx(out_dir / CORPUS_TMX, kept, properties, tool_version=__version__),
    ]
    written += write_moses(out_dir / MOSES_DIR, kept)
    return ApplyResult(
        out_dir=out_dir,
        kept=tuple(kept),
        by_decision=dict(counts),
        absent=absent,
        written=written,
        encoding=encoding,
        delimiter=delimiter,
    )


def describe(result: ApplyResult) -> list[str]:
    """What was kept and dropped, for the terminal."""
    c = result.by_decision
    delim = {"\t": "tab", ",": "comma", ";": "semicolon"}.get(result.delimiter, repr(result.delimiter))
    lines = [
        f"read as {result.encoding}, {delim}-separated",
        f"kept {len(result.kept)} pairs: {c.get('accept', 0)} accepted, {c.get('edit', 0)} edited",
        f"dropped {result.dropped} pairs: {c.get('reject', 0)} rejected, {c.get(UNDECIDED, 0)} undecided"
        + (f" ({result.absent} not in the reviewed file)" if result.absent else "")
        + (" — undecided pairs are left out; give them a decision to keep them" if c.get(UNDECIDED) else ""),
        "wrote " + ", ".join(p.relative_to(result.out_dir).as_posix() for p in result.written) + f" to {result.out_dir}",
    ]
    return lines
