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
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.errors import ExportError
from pipeline.io import atomic_open, write_csv
from pipeline.models import ALIGNED_COLUMNS, AlignedPair, PairKind, format_ids, parse_ids

ALIGNED_CSV = "aligned.csv"
ALIGNED_JSONL = "aligned.jsonl"
ALIGNED_PARQUET = "aligned.parquet"
CORPUS_TMX = "corpus.tmx"
MOSES_DIR = "moses"

KINDS = tuple(kind.value for kind in PairKind)

__all__ = [
    "ALIGNED_COLUMNS", "ALIGNED_CSV", "ALIGNED_JSONL", "ALIGNED_PARQUET", "CORPUS_TMX", "KINDS", "MOSES_DIR",
    "PARQUET_MISSING", "AlignedPair", "aligned_record", "format_ids", "parquet_available", "parse_ids",
    "write_aligned_csv", "write_aligned_jsonl", "write_aligned_parquet", "write_moses", "write_tmx",
]


def write_aligned_csv(path: Path, pairs: Iterable[AlignedPair]) -> Path:
    write_csv(path, [p.row() for p in pairs], ALIGNED_COLUMNS)
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


def write_aligned_parquet(path: Path, pairs: Iterable[AlignedPair], *, batch_rows: int = PARQUET_BATCH_ROWS) -> Path:
    """``aligned.parquet``: the records of :func:`aligned_record`, one row group per ``batch_rows`` pairs.

    Raises :class:`~pipeline.errors.ExportError` with :data:`PARQUET_MISSING` when pyarrow is not
    installed; check :func:`parquet_available` first to skip it instead.
    """
    if not parquet_available():
        raise ExportError(PARQUET_MISSING)
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema(pa)
    with atomic_open(path, "wb") as handle:
        with pq.ParquetWriter(handle, schema) as writer:
            batch: list[dict[str, Any]] = []
            for pair in pairs:
                batch.append(aligned_record(pair))
                if len(batch) >= batch_rows:
                    writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
                    batch = []
            if batch:
                writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
    return path


def write_tmx(path: Path, pairs: Iterable[AlignedPair], properties: Mapping[str, Any], *, tool_version: str) -> Path:
    """TMX 1.4b: one ``<tu>`` per pair, language pair per ``<tuv>``; run settings as header ``<prop>``s."""
    from lxml import etree

    XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
    root = etree.Element("tmx", version="1.4")
    header = etree.SubElement(
        root,
        "header",
        creationtool="pipeline",
        creationtoolversion=tool_version,
        segtype="sentence",
        adminlang="en",
        srclang="*all*",
        datatype="plaintext",
        **{"o-tmf": "pipeline"},
    )
    for key, value in properties.items():
        prop = etree.SubElement(header, "prop", type=f"x-{key}")
        prop.text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    body = etree.SubElement(root, "body")
    for pair in pairs:
        tu = etree.SubElement(body, "tu", tuid=pair.pair_id, srclang=pair.src_lang)
        for key, value in (
            ("kind", pair.kind),
            ("score", f"{pair.score:.4f}"),
            ("margin", "" if pair.margin is None else f"{pair.margin:.4f}"),
            ("mt-confidence", "" if pair.mt_confidence is None else f"{pair.mt_confidence:.4f}"),
            ("quality", "" if pair.quality is None else f"{pair.quality:.4f}"),
            ("src-doc", pair.src_doc),
            ("src-ids", format_ids(pair.src_ids)),
            ("tgt-doc", pair.tgt_doc),
            ("tgt-ids", format_ids(pair.tgt_ids)),
            ("flags", " ".join(pair.flags)),
        ):
            if value:
                etree.SubElement(tu, "prop", type=f"x-{key}").text = value
        for lang, text in ((pair.src_lang, pair.src_text), (pair.tgt_lang, pair.tgt_text)):
            tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
            etree.SubElement(tuv, "seg").text = _xml_safe(text)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True,
                          doctype='<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return path


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _XML_INVALID.sub("", text)


def write_moses(out_dir: Path, pairs: Iterable[AlignedPair], *, stem: str = "corpus") -> list[Path]:
    """Line-parallel text per language pair: ``{stem}.{src}-{tgt}.{src}`` and ``….{tgt}``.

    Same-language pairs (cross-source English–English) get ``.1``/``.2`` suffixes.
    Newlines inside a segment become spaces so line numbers stay parallel.
    The files are one set: a ``{stem}.SRC-TGT.*`` file already in ``out_dir`` for a language pair
    these pairs no longer have is removed, so the folder never mixes two corpora.
    """
    groups: dict[tuple[str, str], list[AlignedPair]] = defaultdict(list)
    for pair in pairs:
        groups[(pair.src_lang, pair.tgt_lang)].append(pair)
    written: list[Path] = []
    for (src, tgt), members in sorted(groups.items()):
        ext_src, ext_tgt = (src, tgt) if src != tgt else (f"{src}.1", f"{tgt}.2")
        for ext, texts in ((ext_src, [p.src_text for p in members]), (ext_tgt, [p.tgt_text for p in members])):
            path = Path(out_dir) / f"{stem}.{src}-{tgt}.{ext}"
            with atomic_open(path) as handle:
                for text in texts:
                    handle.write(" ".join(text.split()) + "\n")
            written.append(path)
    folder = Path(out_dir)
    if folder.is_dir():
        ours = re.compile(rf"{re.escape(stem)}\.[^.\s]+-[^.\s]+\.[^.\s]+(?:\.[12])?")
        for path in folder.iterdir():
            if path.is_file() and ours.fullmatch(path.name) and path not in written:
                with contextlib.suppress(OSError):
                    path.unlink()
    return written
