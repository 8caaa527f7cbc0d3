"""Reading a run folder back: ``aligned.csv`` and, where present, the tables the page draws on."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from pipeline.corpus import ALIGNED_CSV, AlignedPair
from pipeline.errors import ReviewError
from pipeline.io import CsvTable, read_table
from pipeline.outputs import DOCUMENTS_CSV, MANIFEST_JSON, SENTENCES_CSV
from pipeline.review.view import DocInfo, GlossaryMark, SentenceState, glossary_mark

GLOSSARY_REPORT_CSV = "glossary_report.csv"

RUN_PAIR_COLUMNS = (
    "pair_id", "kind", "src_doc", "src_ids", "src_lang", "src_text",
    "tgt_doc", "tgt_ids", "tgt_lang", "tgt_text", "score", "flags",
)


def present(path: Path) -> bool:
    """Whether a run's file is there: a regular file (True) or nothing at its name (False). Anything else there (a
    FIFO, a folder, a broken symlink) is a :class:`ReviewError`, never opened: a FIFO would block the read."""
    from pipeline.ingest.files import file_kind

    if path.is_file():
        return True
    if not path.is_symlink() and not path.exists():
        return False
    kind = file_kind(path.stat().st_mode) if path.exists() else "broken symlink"
    raise ReviewError(f"{path}: not a regular file ({kind})")


def _read(path: Path) -> CsvTable:
    try:
        return read_table(path)
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as exc:  # the user needs the file and the cause
        raise ReviewError(f"{path}: cannot read as CSV: {exc}") from exc


def read_aligned(path: Path) -> list[AlignedPair]:
    """The pairs of a run's ``aligned.csv``, as written by :func:`pipeline.corpus.write_aligned_csv`."""
    path = Path(path)
    if not present(path):
        raise ReviewError(f"{path}: no such file (is this a run folder of `pipeline run`?)")
    frame = _read(path)
    missing = [c for c in RUN_PAIR_COLUMNS if c not in frame.columns]
    if missing:
        raise ReviewError(f"{path}: not an aligned.csv of a run (missing columns: {', '.join(missing)})")
    pairs = []
    for offset, row in enumerate(frame.rows):
        try:
            pairs.append(AlignedPair.from_row(row))
        except ValueError as exc:
            raise ReviewError(f"{path}: record {offset + 1}: {exc}") from exc
    return pairs


def read_glossary_marks(path: Path) -> list[GlossaryMark]:
    """Matches from ``glossary_report.csv``; missing file → none."""
    if not present(path):
        return []
    frame = _read(path)
    needed = {"doc_id", "sent_idx", "entry", "matched", "action"}
    if not needed <= set(frame.columns):
        raise ReviewError(f"{path}: missing columns {', '.join(sorted(needed - set(frame.columns)))}")
    try:
        return [glossary_mark(row) for row in frame.rows]
    except ValueError as exc:
        raise ReviewError(f"{path}: {exc}") from exc


def read_sentence_states(path: Path) -> dict[tuple[str, int], SentenceState]:
    """Translation status and flags per sentence from ``sentences.csv``, where those columns exist."""
    if not present(path):
        return {}
    frame = _read(path)
    if not {"doc_id", "sent_idx"} <= set(frame.columns):
        return {}
    has_status = "translation_status" in frame.columns
    has_flags = "flags" in frame.columns
    if not (has_status or has_flags):
        return {}
    states = {}
    for row in frame.rows:
        try:
            key = (row["doc_id"], int(row["sent_idx"]))
        except ValueError:
            continue
        states[key] = SentenceState(
            row["translation_status"] if has_status else "",
            tuple(row["flags"].split()) if has_flags else (),
        )
    return states


def read_doc_infos(path: Path) -> dict[str, DocInfo]:
    if not present(path):
        return {}
    frame = _read(path)
    if "doc_id" not in frame.columns:
        return {}
    return {
        row["doc_id"]: DocInfo(row.get("title", ""), row.get("lang", ""), row.get("source_url", ""), row.get("path", ""))
        for row in frame.rows
    }


def read_settings(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / MANIFEST_JSON
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    settings = data.get("settings") if isinstance(data, dict) else None
    return settings if isinstance(settings, dict) else {}


def run_threshold(settings: dict[str, Any], default: float = 0.5) -> float:
    review = settings.get("review")
    if isinstance(review, dict) and isinstance(review.get("threshold"), (int, float)):
        return float(review["threshold"])
    return default


__all__ = [
    "ALIGNED_CSV", "DOCUMENTS_CSV", "GLOSSARY_REPORT_CSV", "SENTENCES_CSV",
    "read_aligned", "read_doc_infos", "read_glossary_marks", "read_sentence_states", "read_settings", "run_threshold",
]
