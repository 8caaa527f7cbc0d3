"""Aligning files: read two documents into sentences, align or mine them, format the result.

This is what ``pipeline align`` calls; ``--pairs`` runs :func:`align_files`
once per line with one encoder (and one embedding cache) for all of them.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.align.mining import MineParams, mine
from pipeline.align.parallel import AlignParams, Bead, align_parallel
from pipeline.errors import AlignmentError, InputError
from pipeline.models import UNDETERMINED, Flag

MODES = ("parallel", "mining")
FORMATS = ("vecalign", "csv", "json")


@dataclass(frozen=True)
class SideText:
    path: str
    lang: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class FileAlignment:
    src: SideText
    tgt: SideText
    mode: str
    encoder: str
    beads: tuple[Bead, ...]
    margins: tuple[float, ...] = ()
    """Mining only: the ratio margin of each pair."""
    duplicates: tuple[bool, ...] = ()
    """Mining only: whether each pair is a same-language near-identical copy rather than a translation."""


def read_side(path: Path, *, lang: str | None = None, presplit: bool = False) -> SideText:
    """Sentences of one file: one per line with ``presplit``, else ingest + segment (+ detect unless ``lang``).

    Only a regular file is read: a FIFO or a device is refused with an :class:`InputError`, never opened.
    """
    from pipeline.ingest.files import check_input_file

    path = check_input_file(path)
    if presplit:
        sentences = tuple(line.strip() for line in _presplit_text(path).split("\n") if line.strip())
        return SideText(str(path), lang or _guess_lang(sentences), sentences)

    from dataclasses import replace

    from pipeline.detect import LanguageDetector, identify_paragraphs, identify_sentences
    from pipeline.ingest import read_document
    from pipeline.segment import split_document

    doc = read_document(path, doc_id=path.stem, rel_path=str(path))
    if not doc.ok:
        raise InputError(f"{path}: {doc.reason}")
    if lang:
        doc = split_document(replace(doc, paragraph_langs=(lang,) * len(doc.paragraphs)))
        return SideText(str(path), lang, tuple(s.text for s in doc.sentences))
    detector = LanguageDetector()
    doc = identify_sentences(split_document(identify_paragraphs(doc, detector)), detector)
    return SideText(str(path), doc.lang, tuple(s.text for s in doc.sentences))


def _presplit_text(path: Path) -> str:
    """A sentence-per-line file's text, decoded and cleaned as a document's is (any encoding; binary refused)."""
    from pipeline.errors import IngestError
    from pipeline.ingest import clean_text
    from pipeline.ingest.decode import decode
    from pipeline.ingest.files import read_file_bytes

    try:
        return clean_text(decode(read_file_bytes(path)).text)
    except IngestError as exc:
        raise InputError(f"{path}: {exc}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _guess_lang(sentences: Sequence[str]) -> str:
    from pipeline.detect import LanguageDetector

    if not sentences:
        return UNDETERMINED
    try:
        return LanguageDetector().detect(" ".join(sentences[:200])).lang
    except Exception:  # identification is a label here, never a reason to fail
        return UNDETERMINED


def align_files(
    src: SideText,
    tgt: SideText,
    encoder,
    *,
    mode: str = "parallel",
    params: AlignParams = AlignParams(),
    mine_params: MineParams = MineParams(),
) -> FileAlignment:
    if mode not in MODES:
        raise AlignmentError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    if mode == "parallel":
        beads = align_parallel(src.sentences, tgt.sentences, encoder, params)
        return FileAlignment(src, tgt, mode, encoder.name, tuple(beads))
    # the corpus miner over the two files as two documents, each sentence labelled with its file's language
    pairs = mine(src.sentences, tgt.sentences, encoder, mine_params, src_lang=src.lang, tgt_lang=tgt.lang)
    return FileAlignment(
        src, tgt, mode, encoder.name,
        beads=tuple(p.bead() for p in pairs),
        margins=tuple(p.margin for p in pairs),
        duplicates=tuple(p.duplicate for p in pairs),
    )


def _texts(side: SideText, ids: Sequence[int]) -> str:
    return " ".join(side.sentences[i] for i in ids)


def format_alignment(result: FileAlignment, fmt: str) -> str:
    """``vecalign`` (``[0]:[0]:0.873`` per bead), ``csv`` (ids, texts, score) or ``json``."""
    if fmt == "vecalign":
        return "".join(bead.vecalign() + "\n" for bead in result.beads)
    rows = []
    for n, bead in enumerate(result.beads):
        row = {
            "src_ids": json.dumps(list(bead.src)),
            "tgt_ids": json.dumps(list(bead.tgt)),
            "score": round(bead.score, 6),
            "src_text": _texts(result.src, bead.src),
            "tgt_text": _texts(result.tgt, bead.tgt),
        }
        if result.mode == "mining":
            row["margin"] = result.margins[n]
            row["flags"] = str(Flag.DUPLICATE) if result.duplicates[n] else ""
        rows.append(row)
    if fmt == "csv":
        buffer = io.StringIO()
        mined = ["margin", "flags"] if result.mode == "mining" else []
        fields = ["src_ids", "tgt_ids", "score", *mined, "src_text", "tgt_text"]
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    if fmt == "json":
        for row in rows:
            row["src_ids"] = json.loads(row["src_ids"])
            row["tgt_ids"] = json.loads(row["tgt_ids"])
        data = {
            "src": {"path": result.src.path, "lang": result.src.lang, "sentences": len(result.src.sentences)},
            "tgt": {"path": result.tgt.path, "lang": result.tgt.lang, "sentences": len(result.tgt.sentences)},
            "mode": result.mode,
            "encoder": result.encoder,
            "beads": rows,
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    raise AlignmentError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def read_pairs_file(path: Path) -> list[tuple[Path, Path, Path]]:
    """Lines ``src<TAB>tgt<TAB>out``; blank lines and ``#`` comments skipped. Every line is checked before any work.

    Refused (:class:`AlignmentError`, naming the line): a malformed line, a missing or non-regular input, an
    output that is a folder, an output that is one of the inputs (of any line) or the pairs file itself, and
    two lines with the same output.
    """
    from pipeline.ingest.files import check_input_file, read_text_file

    path = Path(path)
    text = read_text_file(path, label="pairs file")
    jobs = []
    inputs: dict[object, str] = {_identity(path): "the pairs file"}
    outputs: dict[object, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) != 3 or not all(f.strip() for f in fields):
            raise AlignmentError(f"{path}:{number}: expected src<TAB>tgt<TAB>out, got {len(fields)} field(s)")
        src, tgt, out = (Path(f.strip()) for f in fields)  # relative paths: to the current folder
        for p in (src, tgt):
            try:
                check_input_file(p)
            except InputError as exc:
                raise InputError(f"{path}:{number}: {exc}") from None
            inputs.setdefault(_identity(p), f"an input ({p})")
        if out.is_dir():
            raise AlignmentError(f"{path}:{number}: the output is a folder, not a file: {out}")
        jobs.append((number, src, tgt, out))
        key = _identity(out)
        if key in outputs:
            raise AlignmentError(f"{path}:{number}: the output {out} is also the output of line {outputs[key]}")
        outputs[key] = number
    for number, _, _, out in jobs:
        if (what := inputs.get(_identity(out))) is not None:
            raise AlignmentError(f"{path}:{number}: the output {out} is {what}; it would be overwritten")
    if not jobs:
        raise AlignmentError(f"{path}: no pairs to align")
    return [(src, tgt, out) for _, src, tgt, out in jobs]


def _identity(path: Path) -> object:
    """What makes two paths the same file: device and inode when it exists (hard links too), else the real path."""
    try:
        info = os.stat(path)
    except OSError:
        return os.path.realpath(path)
    return (info.st_dev, info.st_ino)
