"""The parallel corpus: aligned pairs, and their CSV, JSON Lines, Parquet, TMX and Moses forms.

``aligned.csv`` is what reviewers open; ``aligned.jsonl`` and
``aligned.parquet`` hold the same columns with typed values for data
pipelines (pandas, Hugging Face ``datasets``, Arrow); ``corpus.tmx`` (TMX
1.4b) and the line-parallel Moses files are what translation tools load. All
are written from the same :class:`AlignedPair` records in the same order.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.errors import ExportError
from pipeline.io import atomic_open, open_csv, write_csv, xml_safe
from pipeline.models import ALIGNED_COLUMNS, AlignedPair, Flag, PairKind, format_ids, parse_ids

ALIGNED_CSV = "aligned.csv"
ALIGNED_JSONL = "aligned.jsonl"
ALIGNED_PARQUET = "aligned.parquet"
CORPUS_TMX = "corpus.tmx"
MOSES_DIR = "moses"

KINDS = tuple(kind.value for kind in PairKind)

__all__ = [
    "ALIGNED_COLUMNS", "ALIGNED_CSV", "ALIGNED_JSONL", "ALIGNED_PARQUET", "CORPUS_TMX", "KINDS", "MOSES_DIR",
    "PARQUET_MISSING", "AlignedPair", "MosesWriter", "ParquetTable", "TmxWriter", "aligned_record", "format_ids", "parquet_available",
    "parse_ids", "write_aligned_csv", "write_aligned_jsonl", "write_aligned_parquet", "write_corpus_files",
    "write_moses", "write_tmx",
]


def write_aligned_csv(path: Path, pairs: Iterable[AlignedPair]) -> Path:
    write_csv(path, (p.row() for p in pairs), ALIGNED_COLUMNS)
    return path


def _rounded(value: float | None) -> float | None:
    """As ``aligned.csv`` writes it (four decimals), as a number."""
    return None if value is None else round(float(value), 4)


def aligned_record(pair: AlignedPair) -> dict[str, Any]:
    """The pair as a typed record with the columns of ``aligned.csv``, in order.

    Sentence ids are lists of ints, ``score``/``margin``/``mt_confidence``/``quality`` numbers
    rounded as in the CSV (``None`` where the CSV cell is empty), ``flags`` a list of strings.
    """
    record = {
        "pair_id": pair.pair_id,
        "kind": str(pair.kind),
        "src_doc": pair.src_doc,
        "src_ids": [int(i) for i in pair.src_ids],
        "src_lang": pair.src_lang,
        "src_text": pair.src_text,
        "tgt_doc": pair.tgt_doc,
        "tgt_ids": [int(i) for i in pair.tgt_ids],
        "tgt_lang": pair.tgt_lang,
        "tgt_text": pair.tgt_text,
        "score": _rounded(pair.score),
        "margin": _rounded(pair.margin),
        "mt_confidence": _rounded(pair.mt_confidence),
        "quality": _rounded(pair.quality),
        "flags": [str(f) for f in pair.flags],
        "decision": pair.decision,
        "edited_tgt_text": pair.edited_tgt_text,
    }
    return record


def write_aligned_jsonl(path: Path, pairs: Iterable[AlignedPair]) -> Path:
    """``aligned.jsonl``: one JSON object per pair (:func:`aligned_record`), UTF-8, written as the pairs come."""
    with atomic_open(path) as handle:
        for pair in pairs:
            handle.write(json.dumps(aligned_record(pair), ensure_ascii=False) + "\n")
    return path


PARQUET_MISSING = "aligned.parquet needs pyarrow, which is not installed (pip install 'pipeline[parquet]')"
PARQUET_BATCH_ROWS = 10_000


def parquet_available() -> bool:
    """Whether pyarrow is installed (the ``parquet`` extra); without it, skip Parquet with :data:`PARQUET_MISSING`."""
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def _arrow_schema(pa: Any) -> Any:
    types = {
        "src_ids": pa.list_(pa.int64()), "tgt_ids": pa.list_(pa.int64()), "flags": pa.list_(pa.string()),
        "score": pa.float64(), "margin": pa.float64(), "mt_confidence": pa.float64(), "quality": pa.float64(),
    }
    return pa.schema([(name, types.get(name, pa.string())) for name in ALIGNED_COLUMNS])


class ParquetTable:
    """``aligned.parquet`` written as the pairs come: :func:`aligned_record` rows, a row group per ``batch_rows``."""

    def __init__(self, handle: Any, *, batch_rows: int = PARQUET_BATCH_ROWS) -> None:
        if not parquet_available():
            raise ExportError(PARQUET_MISSING)
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        self._schema = _arrow_schema(pa)
        self._writer = pq.ParquetWriter(handle, self._schema)
        self._batch: list[dict[str, Any]] = []
        self._rows = batch_rows

    def add(self, pair: AlignedPair) -> None:
        self._batch.append(aligned_record(pair))
        if len(self._batch) >= self._rows:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            self._writer.write_batch(self._pa.RecordBatch.from_pylist(self._batch, schema=self._schema))
            self._batch = []

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def abort(self) -> None:
        """Close without the pending rows (the file is being thrown away)."""
        with contextlib.suppress(Exception):
            self._writer.close()


def write_aligned_parquet(path: Path, pairs: Iterable[AlignedPair], *, batch_rows: int = PARQUET_BATCH_ROWS) -> Path:
    """``aligned.parquet`` (see :class:`ParquetTable`).

    Raises :class:`~pipeline.errors.ExportError` with :data:`PARQUET_MISSING` when pyarrow is not
    installed; check :func:`parquet_available` first to skip it instead.
    """
    if not parquet_available():
        raise ExportError(PARQUET_MISSING)
    with atomic_open(path, "wb") as handle:
        table = ParquetTable(handle, batch_rows=batch_rows)
        for pair in pairs:
            table.add(pair)
        table.close()
    return path


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class TmxWriter:
    """TMX 1.4b written unit by unit: one ``<tu>`` per pair, language pair per ``<tuv>``; run settings as
    header ``<prop>``s, each pair's kind, scores, documents, sentence ids and flags as unit ``<prop>``s."""

    def __init__(self, handle: Any, properties: Mapping[str, Any], *, tool_version: str) -> None:
        from lxml import etree

        self._etree = etree
        self._stack = contextlib.ExitStack()
        handle.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n')
        self._xf = self._stack.enter_context(etree.xmlfile(handle, encoding="UTF-8"))
        self._tmx = self._xf.element("tmx", version="1.4")
        self._tmx.__enter__()
        self._xf.write("\n  ")
        header = etree.Element(
            "header",
            creationtool="pipeline",
            creationtoolversion=tool_version,
            segtype="sentence",
            adminlang="en",
            srclang="*all*",
            datatype="plaintext",
            **{"o-tmf": "pipeline"},
        )
        self.dropped = 0
        """Characters XML cannot hold (control characters, lone surrogates), left out of the file."""
        for key, value in properties.items():
            prop = etree.SubElement(header, "prop", type=f"x-{key}")
            prop.text = self._safe(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True))
        self._write(header, 1)
        self._xf.write("\n  ")
        self._body = self._xf.element("body")
        self._body.__enter__()
        self.units = 0

    def _write(self, element: Any, level: int) -> None:
        self._etree.indent(element, space="  ", level=level)
        self._xf.write(element)

    def _safe(self, text: str) -> str:
        safe = xml_safe(text)
        self.dropped += len(text) - len(safe)
        return safe

    def add(self, pair: AlignedPair) -> None:
        etree = self._etree
        tu = etree.Element("tu", tuid=self._safe(pair.pair_id), srclang=self._safe(pair.src_lang))
        for key, value in (
            ("kind", str(pair.kind)),
            ("score", f"{pair.score:.4f}"),
            ("margin", "" if pair.margin is None else f"{pair.margin:.4f}"),
            ("mt-confidence", "" if pair.mt_confidence is None else f"{pair.mt_confidence:.4f}"),
            ("quality", "" if pair.quality is None else f"{pair.quality:.4f}"),
            ("src-doc", pair.src_doc),
            ("src-ids", format_ids(pair.src_ids)),
            ("tgt-doc", pair.tgt_doc),
            ("tgt-ids", format_ids(pair.tgt_ids)),
            ("flags", " ".join(str(f) for f in pair.flags)),
        ):
            if value:
                etree.SubElement(tu, "prop", type=f"x-{key}").text = self._safe(value)
        for lang, text in ((pair.src_lang, pair.src_text), (pair.tgt_lang, pair.tgt_text)):
            tuv = etree.SubElement(tu, "tuv", {XML_LANG: self._safe(lang)})
            etree.SubElement(tuv, "seg").text = self._safe(text)
        self._xf.write("\n    ")
        self._write(tu, 2)
        self.units += 1

    def close(self) -> None:
        self._xf.write("\n  ")
        self._body.__exit__(None, None, None)
        self._xf.write("\n")
        self._tmx.__exit__(None, None, None)
        self._stack.close()


def write_tmx(path: Path, pairs: Iterable[AlignedPair], properties: Mapping[str, Any], *, tool_version: str) -> Path:
    """``pairs`` as a TMX 1.4b file (see :class:`TmxWriter`)."""
    with atomic_open(path, "wb") as handle:
        writer = TmxWriter(handle, properties, tool_version=tool_version)
        for pair in pairs:
            writer.add(pair)
        writer.close()
        handle.write(b"\n")
    return path


_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


class MosesWriter:
    """Line-parallel text per language pair: ``{stem}.{src}-{tgt}.{src}`` and ``….{tgt}``, line by line.

    Same-language pairs (cross-source English–English) get ``.1``/``.2`` suffixes. Newlines inside a
    segment become spaces so line numbers stay parallel.
    """

    def __init__(self, out_dir: Path, *, stem: str = "corpus") -> None:
        self.out_dir = Path(out_dir)
        self.stem = stem
        self._stack = contextlib.ExitStack()
        self._files: dict[tuple[str, str], tuple[Any, Any]] = {}
        self.written: list[Path] = []
        self.joined = 0
        """Segments whose line breaks became spaces (one segment, one line)."""

    def add(self, pair: AlignedPair) -> None:
        key = (pair.src_lang, pair.tgt_lang)
        if key not in self._files:
            src, tgt = key
            ext_src, ext_tgt = (src, tgt) if src != tgt else (f"{src}.1", f"{tgt}.2")
            paths = [self.out_dir / f"{self.stem}.{src}-{tgt}.{ext}" for ext in (ext_src, ext_tgt)]
            self._files[key] = tuple(self._stack.enter_context(atomic_open(p)) for p in paths)
            self.written.extend(paths)
        for handle, text in zip(self._files[key], (pair.src_text, pair.tgt_text)):
            if _LINE_BREAK.search(text):
                self.joined += 1
            handle.write(" ".join(text.split()) + "\n")

    def close(self) -> list[Path]:
        self._stack.close()
        return sorted(self.written)

    def abort(self) -> None:
        self._stack.__exit__(RuntimeError, RuntimeError("aborted"), None)


def write_moses(out_dir: Path, pairs: Iterable[AlignedPair], *, stem: str = "corpus") -> list[Path]:
    """``pairs`` as Moses files (see :class:`MosesWriter`).

    The files are one set: a ``{stem}.SRC-TGT.*`` file already in ``out_dir`` for a language pair
    these pairs no longer have is removed, so the folder never mixes two corpora.
    """
    writer = MosesWriter(out_dir, stem=stem)
    for pair in pairs:
        writer.add(pair)
    written = writer.close()
    folder = Path(out_dir)
    if folder.is_dir():
        ours = re.compile(rf"{re.escape(stem)}\.[^.\s]+-[^.\s]+\.[^.\s]+(?:\.[12])?")
        for path in folder.iterdir():
            if path.is_file() and ours.fullmatch(path.name) and path not in written:
                with contextlib.suppress(OSError):
                    path.unlink()
    return written


def write_corpus_files(out_dir: Path, pairs: Iterable[AlignedPair], properties: Mapping[str, Any], *,
                       tool_version: str, parquet: bool | None = None,
                       escaped: dict[str, dict[str, int]] | None = None) -> list[Path]:
    """In one pass over ``pairs``: ``aligned.csv``, ``aligned.jsonl`` and ``aligned.parquet`` (every pair;
    Parquet when pyarrow is installed, or as ``parquet`` says), ``corpus.tmx`` and ``moses/`` (pairs with
    text on both sides, copies flagged ``duplicate`` left out: they teach a model nothing).

    ``escaped`` receives what each format changed to hold the text: CSV cells neutralised against formulas,
    characters XML cannot hold left out of the TMX, segments whose line breaks became spaces in Moses.
    """
    out_dir = Path(out_dir)
    parquet = parquet_available() if parquet is None else parquet
    paths = [out_dir / ALIGNED_CSV, out_dir / ALIGNED_JSONL] + ([out_dir / ALIGNED_PARQUET] if parquet else [])
    tmx_path = out_dir / CORPUS_TMX
    moses = MosesWriter(out_dir / MOSES_DIR)
    with contextlib.ExitStack() as stack:
        table = stack.enter_context(open_csv(paths[0], ALIGNED_COLUMNS))
        jsonl = stack.enter_context(atomic_open(paths[1]))
        columns = ParquetTable(stack.enter_context(atomic_open(paths[2], "wb"))) if parquet else None
        tmx_handle = stack.enter_context(atomic_open(tmx_path, "wb"))
        tmx = TmxWriter(tmx_handle, properties, tool_version=tool_version)
        try:
            for pair in pairs:
                table.write(pair.row())
                jsonl.write(json.dumps(aligned_record(pair), ensure_ascii=False) + "\n")
                if columns is not None:
                    columns.add(pair)
                if pair.src_text and pair.tgt_text and Flag.DUPLICATE.value not in pair.flags:
                    tmx.add(pair)
                    moses.add(pair)
        except BaseException:
            moses.abort()
            if columns is not None:
                columns.abort()
            raise
        if columns is not None:
            columns.close()
        tmx.close()
        tmx_handle.write(b"\n")
    if escaped is not None:
        escaped[ALIGNED_CSV] = {"cells_neutralised": table.neutralised}
        escaped[CORPUS_TMX] = {"characters_dropped": tmx.dropped}
        escaped[MOSES_DIR] = {"line_breaks_joined": moses.joined}
    return [*paths, tmx_path, *moses.close()]
