"""Streaming shards: the file list cut into bounded groups, each group's results kept on disk.

A run lists its input files, cuts the list into shards, and runs the
per-document stages shard by shard; each finished shard is written atomically
into the work folder (``OUT_DIR/.pipeline/shards/<key>/``): its documents as
JSON lines, their sentence embeddings as one ``.npy`` array, and a
``meta.json`` with the stages' counts. The corpus-wide stages then read the
shards back one at a time, so memory does not grow with the folder.

A shard's key is a checksum of its files (paths, ids and content checksums)
and of everything that shapes its results (the settings, the package version,
the glossary, the encoder). A rerun with the same arguments reuses every shard
whose key is on disk, so a killed run resumes where it stopped; a changed file
or setting invalidates exactly the shards it touches. A shard also records the
translation models it used per language, and is recomputed when one of those
changed. Shard boundaries depend on the files themselves (a boundary follows
a file whose path hashes to 0 modulo the shard size), so adding a file
reshapes only its own shard.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.models import AlignedPair, Document, DocStatus, Sentence, Span, TermMatch
from pipeline.stages import SourceFile, StageLog

DOCUMENTS = "documents.jsonl"
VECTORS = "vectors.npy"
META = "meta.json"

FORMAT = 1
"""Version of the shard files; part of every key."""


# -- the file list ------------------------------------------------------------------------------------------------


def file_checksum(path: Path, max_bytes: int | None = None) -> tuple[str, int]:
    """Checksum and size of a regular file's bytes; ``("", -1)`` when it cannot be read (the ingest stage records
    why).

    Raises :class:`~pipeline.ingest.files.FileTooLargeError` when it holds more than ``max_bytes``.
    """
    from pipeline.errors import IngestError
    from pipeline.ingest.files import FileTooLargeError, read_file_bytes

    try:
        data = read_file_bytes(path, max_bytes)
    except FileTooLargeError:
        raise
    except (IngestError, OSError):
        return "", -1
    return hashlib.sha256(data).hexdigest(), len(data)


def list_sources(
    input_dir: Path, *, exclude: Iterable[Path] = (), follow_symlinks: bool = False, max_bytes: int | None = None,
) -> list[SourceFile]:
    """The input files under ``input_dir`` in path order, with stable document ids and checksums.

    Entries that cannot be read (a FIFO, a symlink loop, an undecodable name, a file of more than
    ``max_bytes`` bytes…) are listed with their problem, never opened: each becomes a skipped document.
    """
    from pipeline.ingest import scan_inputs, unique_doc_ids
    from pipeline.ingest.files import FileTooLargeError

    entries = scan_inputs(input_dir, exclude=exclude, follow_symlinks=follow_symlinks, max_bytes=max_bytes)
    ids = unique_doc_ids(e.rel_path for e in entries)
    sources = []
    for entry, doc_id in zip(entries, ids):
        problem, sha, size = entry.problem, "", -1
        if not problem:
            try:
                sha, size = file_checksum(entry.path, max_bytes)
            except FileTooLargeError as exc:  # it grew after the walk saw it
                problem = str(exc)
        sources.append(SourceFile(path=entry.path, rel_path=entry.rel_path, doc_id=doc_id, problem=problem, sha256=sha,
                                  size=size))
    return sources


def plan_shards(sources: Sequence[SourceFile], size: int) -> list[list[SourceFile]]:
    """Consecutive groups of about ``size`` files (at most ``2 * size``), cut where the files say.

    A shard ends after a file whose path hashes to 0 modulo ``size``, so inserting or removing a file
    changes the shard it falls in and no other (unless a shard reaches the hard limit of ``2 * size``).
    """
    size = max(1, int(size))
    shards: list[list[SourceFile]] = []
    current: list[SourceFile] = []
    for source in sources:
        current.append(source)
        cut = int.from_bytes(hashlib.sha1(source.rel_path.encode("utf-8", "surrogateescape")).digest()[:8], "big")
        if cut % size == 0 or len(current) >= 2 * size:
            shards.append(current)
            current = []
    if current:
        shards.append(current)
    return shards


def shard_key(shard: Sequence[SourceFile], fingerprint: str) -> str:
    """The key a shard's results are stored under: its files and the run's fingerprint."""
    files = [[s.rel_path, s.doc_id, s.sha256, s.problem] for s in shard]
    data = json.dumps([FORMAT, fingerprint, files], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode("utf-8", "surrogateescape")).hexdigest()[:32]


# -- records as JSON ------------------------------------------------------------------------------------------------


_SCALARS = frozenset({str, int, float, bool, type(None)})


@functools.lru_cache(maxsize=None)
def _record_fields(kind: type) -> tuple[str, ...] | None:
    """The fields a record type is written with (all but ``vectors``); None for anything but a record."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(f.name for f in dataclasses.fields(kind) if f.name != "vectors")


def to_json(record: Any) -> Any:
    """A record (dataclass) as JSON-ready data; ``vectors`` travel separately."""
    kind = type(record)
    if kind in _SCALARS:
        return record
    names = _record_fields(kind)
    if names is not None:
        return {name: to_json(getattr(record, name)) for name in names}
    if isinstance(record, Enum):
        return record.value
    if isinstance(record, (list, tuple)):
        return [to_json(item) for item in record]
    return record


_RECORDS = {cls.__name__: cls for cls in (Document, Sentence, Span, TermMatch, AlignedPair)}


@functools.lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, localns=_RECORDS)


def from_json(cls: type, data: Any) -> Any:
    """Inverse of :func:`to_json` for the record class ``cls``."""
    convert = _decoder(cls)
    return data if convert is None else convert(data)


@functools.lru_cache(maxsize=None)
def _decoder(hint: Any) -> Callable[[Any], Any] | None:
    """What turns JSON data back into a value of type ``hint``; None where the data is the value.

    Built once per type (reading a run's shards decodes every document several times).
    """
    if dataclasses.is_dataclass(hint):
        fields = {name: _decoder(value) for name, value in _hints(hint).items()}

        def record(data: dict[str, Any]) -> Any:
            return hint(**{k: v if (c := fields[k]) is None else c(v) for k, v in data.items()})

        return record
    origin = typing.get_origin(hint)
    if origin is tuple:
        item = _decoder(typing.get_args(hint)[0])
        return tuple if item is None else (lambda data: tuple(map(item, data)))
    if origin in (typing.Union, types.UnionType):
        option = _decoder(next(a for a in typing.get_args(hint) if a is not type(None)))
        return None if option is None else (lambda data: None if data is None else option(data))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    return None


# -- the store --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShardMeta:
    key: str
    documents: int
    vector_rows: tuple[int, ...]
    """Embedding rows per document, in document order."""
    counts: dict[str, dict[str, int]]
    seconds: dict[str, float]
    routes: dict[str, list[str] | None]
    """Per source language translated in the shard: the checksums of the models it went through."""


class DocumentStore:
    """The finished shards of an output folder (``.pipeline/shards``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _dir(self, key: str) -> Path:
        return self.root / key

    def has(self, key: str) -> bool:
        return (self._dir(key) / META).is_file()

    def meta(self, key: str) -> ShardMeta:
        data = json.loads((self._dir(key) / META).read_text(encoding="utf-8"))
        return ShardMeta(
            key=data["key"],
            documents=data["documents"],
            vector_rows=tuple(data["vector_rows"]),
            counts=data["counts"],
            seconds=data["seconds"],
            routes=data["routes"],
        )

    def save(self, key: str, documents: Sequence[Document], log: StageLog, routes: dict[str, list[str] | None]) -> None:
        """Write a finished shard: into a temporary folder first, renamed into place as the last step."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{key}.tmp-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        rows = []
        with open(tmp / DOCUMENTS, "w", encoding="utf-8", newline="\n") as handle:
            for doc in documents:
                handle.write(json.dumps(to_json(doc), ensure_ascii=False) + "\n")
                rows.append(0 if doc.vectors is None else len(doc.vectors))
        vectors = [np.asarray(d.vectors, dtype=np.float32) for d in documents if d.vectors is not None and len(d.vectors)]
        np.save(tmp / VECTORS, np.concatenate(vectors) if vectors else np.zeros((0, 0), np.float32))
        meta = {
            "key": key,
            "documents": len(documents),
            "vector_rows": rows,
            "counts": {stage: dict(sorted(values.items())) for stage, values in log.counts.items()},
            "seconds": {stage: round(value, 6) for stage, value in log.seconds.items()},
            "routes": routes,
        }
        (tmp / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        for name in (DOCUMENTS, VECTORS, META):
            with open(tmp / name, "rb") as handle:
                os.fsync(handle.fileno())
        target = self._dir(key)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)

    def documents(self, key: str) -> Iterator[Document]:
        with open(self._dir(key) / DOCUMENTS, encoding="utf-8") as handle:
            for line in handle:
                yield from_json(Document, json.loads(line))

    def vectors(self, key: str) -> np.ndarray:
        return np.load(self._dir(key) / VECTORS, mmap_mode="r")

    def clean(self, keep: Iterable[str]) -> None:
        """Remove shards not in ``keep`` and temporary folders of killed runs."""
        keep = set(keep)
        if not self.root.is_dir():
            return
        for entry in self.root.iterdir():
            if entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class ShardedDocuments:
    """The documents of a run, read back shard by shard in path order (what :class:`RunState` holds)."""

    def __init__(self, store: DocumentStore, keys: Sequence[str]) -> None:
        self.store = store
        self.keys = list(keys)

    def __iter__(self) -> Iterator[Document]:
        for key in self.keys:
            yield from self.store.documents(key)

    def metas(self) -> Iterator[ShardMeta]:
        for key in self.keys:
            yield self.store.meta(key)

    def pooled_vectors(self) -> tuple[np.ndarray, list[tuple[str, int, str]]]:
        """Every sentence embedding of the run in one array, and ``(doc_id, sent_idx, lang)`` per row
        (sentences of no known language, theirs or their document's, are left out)."""
        metas = [self.store.meta(key) for key in self.keys]
        out: np.ndarray | None = None  # every row at most, filled in place: no second copy of the corpus's vectors
        refs: list[tuple[str, int, str]] = []
        for key, meta in zip(self.keys, metas):
            block = self.store.vectors(key)
            keep: list[int] = []
            row = 0
            for doc, rows in zip(self.store.documents(key), meta.vector_rows):
                for s in doc.sentences[:rows]:
                    lang = _mining_lang(s, doc)
                    if lang:
                        refs.append((doc.doc_id, s.sent_idx, lang))
                        keep.append(row)
                    row += 1
            if keep:
                if out is None:
                    out = np.empty((sum(sum(m.vector_rows) for m in metas), block.shape[1]), np.float32)
                out[len(refs) - len(keep):len(refs)] = block[keep]
        if out is None:
            return np.zeros((0, 0), np.float32), refs
        return out[:len(refs)], refs


class InMemoryDocuments:
    """Documents held in memory, read like :class:`ShardedDocuments` (for library use and tests)."""

    def __init__(self, documents) -> None:
        self.documents = list(documents)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def metas(self) -> Iterator[ShardMeta]:
        return iter(())

    def pooled_vectors(self) -> tuple[np.ndarray, list[tuple[str, int, str]]]:
        blocks, refs = [], []
        for doc in self.documents:
            if doc.vectors is None:
                continue
            for s, vector in zip(doc.sentences, doc.vectors):
                lang = _mining_lang(s, doc)
                if lang:
                    blocks.append(np.asarray(vector, dtype=np.float32))
                    refs.append((doc.doc_id, s.sent_idx, lang))
        return (np.stack(blocks) if blocks else np.zeros((0, 0), np.float32)), refs


def _mining_lang(sentence: Sentence, doc: Document) -> str:
    """The language a sentence is mined as: its own, else its document's; empty when neither is known."""
    from pipeline.models import UNDETERMINED

    lang = doc.sentence_lang(sentence)
    return "" if lang == UNDETERMINED else lang
