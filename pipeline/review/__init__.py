"""Review: the ``review.html`` page, the reviewed-CSV round trip and the run summary.

- :func:`write_review_page` / :func:`page_from_run`: the self-contained review page.
- :func:`pipeline.review.apply.apply_review`: a reviewed copy of ``aligned.csv`` into the final corpus.
- :func:`pipeline.review.summary.run_summary`: the numbers printed after ``pipeline run``.

Heavy or optional imports (jinja2, rich) happen inside the functions that need them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.corpus import ALIGNED_CSV, AlignedPair
from pipeline.errors import ReviewError
from pipeline.review.page import REVIEW_HTML, write_page
from pipeline.review.view import build_view, doc_infos, sentence_states, term_marks


def write_review_page(
    path: Path,
    pairs: Iterable[AlignedPair],
    *,
    matches: Iterable[Any] = (),
    documents: Iterable[Any] = (),
    threshold: float = 0.5,
    title: str = "Review",
) -> Path:
    """Write ``review.html`` for ``pairs``; ``matches`` are glossary match records, ``documents`` the run's.

    Without ``matches``, the glossary matches recorded on the documents' sentences (``Sentence.terms``) are shown.
    """
    documents = list(documents)
    matches = list(matches)
    view = build_view(
        pairs,
        matches=matches or term_marks(documents),
        states=sentence_states(documents),
        docs=doc_infos(documents),
        threshold=threshold,
        title=title,
    )
    return write_page(path, view)


def page_from_run(run_dir: Path, out: Path | None = None, *, threshold: float | None = None) -> Path:
    """Regenerate ``review.html`` from a run folder's files (aligned.csv, plus glossary_report.csv,
    sentences.csv and documents.csv where present)."""
    from pipeline.outputs import DOCUMENTS_CSV, SENTENCES_CSV
    from pipeline.review import runfiles

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ReviewError(f"{run_dir}: not a folder (give the --out folder of a `pipeline run`)")
    pairs = runfiles.read_aligned(run_dir / ALIGNED_CSV)
    settings = runfiles.read_settings(run_dir)
    view = build_view(
        pairs,
        matches=runfiles.read_glossary_marks(run_dir / runfiles.GLOSSARY_REPORT_CSV),
        states=runfiles.read_sentence_states(run_dir / SENTENCES_CSV),
        docs=runfiles.read_doc_infos(run_dir / DOCUMENTS_CSV),
        threshold=runfiles.run_threshold(settings) if threshold is None else threshold,
        title=f"Review · {run_dir.resolve().name}",
    )
    return write_page(out if out is not None else run_dir / REVIEW_HTML, view)


__all__ = ["REVIEW_HTML", "page_from_run", "write_review_page"]
