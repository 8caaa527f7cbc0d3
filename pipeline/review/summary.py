"""The summary printed at the end of ``pipeline run``, computed from the run's records.

:func:`run_summary` is pure: it reads only the :class:`pipeline.api.RunReport`
(documents and their sentences, the batch's artifacts, the manifest and the
output paths), so every number can be checked in a unit test and lights up as
soon as the stage that records it is in the run. :func:`summary_table` turns it
into a rich table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.review.runfiles import run_threshold
from pipeline.review.view import UNTRANSLATED, UNVERIFIED, glossary_mark

if TYPE_CHECKING:
    from rich.table import Table

    from pipeline.api import RunReport

TRANSLATION_STATUSES = ("translated", "cached", "passthrough", UNTRANSLATED)
KIND_ORDER = ("translation", "cross-source")


@dataclass(frozen=True)
class RunSummary:
    documents: int
    docs_by_status: dict[str, int]
    docs_by_lang: dict[str, int]
    sentences: int
    translation: dict[str, int]
    """Sentences per ``translation_status``: translated, cached, passthrough, untranslated (all present, 0 if none)."""
    glossary_applied: int
    glossary_skipped: int
    unverified_sentences: int
    pairs: int
    pairs_by_kind: dict[str, int]
    threshold: float
    below_threshold: int
    out_dir: str
    outputs: tuple[str, ...]
    """Output files relative to ``out_dir``, as listed in the manifest."""


def run_summary(report: RunReport) -> RunSummary:
    docs = report.batch.documents
    ok_docs = [d for d in docs if d.ok]
    sentences = [s for d in ok_docs for s in d.sentences]
    translation = Counter({status: 0 for status in TRANSLATION_STATUSES})
    translation.update(s.translation_status for s in sentences if s.translation_status)

    applied = skipped = 0
    for record in report.batch.artifacts.get("glossary_report", ()) or ():
        try:
            action = glossary_mark(record).action
        except (TypeError, ValueError):
            continue
        applied += action == "apply"
        skipped += action == "skip"

    pairs = tuple(report.batch.artifacts.get("aligned_pairs", ()) or ())
    by_kind = Counter({kind: 0 for kind in KIND_ORDER})
    by_kind.update(p.kind for p in pairs)
    settings = report.manifest.get("settings", {}) if isinstance(report.manifest, dict) else {}
    threshold = run_threshold(settings)
    out_dir = str(settings.get("out_dir", "")) or _common_parent(report.outputs)
    outputs = tuple(report.manifest.get("outputs", ())) if isinstance(report.manifest, dict) else ()

    return RunSummary(
        documents=len(docs),
        docs_by_status=dict(Counter(d.status.value for d in docs).most_common()),
        docs_by_lang=dict(Counter(d.lang for d in ok_docs).most_common()),
        sentences=len(sentences),
        translation=dict(translation),
        glossary_applied=applied,
        glossary_skipped=skipped,
        unverified_sentences=sum(UNVERIFIED in s.flags for s in sentences),
        pairs=len(pairs),
        pairs_by_kind=dict(by_kind),
        threshold=threshold,
        below_threshold=sum(p.score < threshold for p in pairs),
        out_dir=out_dir,
        outputs=outputs,
    )


def _common_parent(paths: list[Path]) -> str:
    parents = {Path(p).parent for p in paths}
    return str(min(parents, key=lambda p: len(p.parts))) if parents else ""


def _join(counts: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items()) or "none"


def _outputs(outputs: tuple[str, ...]) -> str:
    top: list[str] = []
    folders: Counter[str] = Counter()
    for name in outputs:
        head, sep, _rest = name.partition("/")
        if sep:
            folders[head] += 1
        else:
            top.append(name)
    top += [f"{folder}/ ({n} file{'' if n == 1 else 's'})" for folder, n in sorted(folders.items())]
    return ", ".join(top)


def summary_rows(summary: RunSummary) -> list[tuple[str, str]]:
    """The table's rows as ``(label, value)`` text."""
    s = summary
    return [
        ("documents", f"{s.documents} ({_join(s.docs_by_status)})"),
        ("  by language", _join(s.docs_by_lang)),
        ("sentences", str(s.sentences)),
        ("  translation", _join(s.translation)),
        ("glossary", f"applied {s.glossary_applied}, skipped {s.glossary_skipped}, "
                     f"unverified {s.unverified_sentences} sentence(s)"),
        ("aligned pairs", f"{s.pairs} ({_join(s.pairs_by_kind)})"),
        (f"  below {s.threshold:.2f}", f"{s.below_threshold} to review first"),
        ("outputs", f"{s.out_dir}: {_outputs(s.outputs)}" if s.outputs else s.out_dir),
    ]


def summary_table(summary: RunSummary) -> Table:
    from rich.table import Table

    table = Table(title="pipeline run", show_header=False, title_justify="left", expand=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in summary_rows(summary):
        table.add_row(label, value)
    return table
