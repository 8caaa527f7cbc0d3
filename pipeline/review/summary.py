"""The summary printed at the end of ``pipeline run``, computed from the run's records.

:func:`run_summary` is pure: it reads only the :class:`pipeline.api.RunReport`
(its documents and their sentences, the stages' counts, the manifest and the
output paths), so every number can be checked in a unit test and lights up as
soon as the stage that records it is in the run. :func:`summary_table` turns it
into a rich table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.models import PairKind, TranslationStatus
from pipeline.review.runfiles import run_threshold
from pipeline.review.view import UNVERIFIED

if TYPE_CHECKING:
    from rich.table import Table

    from pipeline.api import RunReport

TRANSLATION_STATUSES = tuple(status.value for status in TranslationStatus)
KIND_ORDER = tuple(kind.value for kind in PairKind)


def no_cross_source() -> str:
    """Why a run that mined found no cross-source pair, in the words of the mining's settings."""
    from pipeline.align.mining import MineParams

    params = MineParams()
    return (f"none: no two documents align as versions of one story (score {params.doc_similarity}), and no "
            f"sentence pair of other documents is close enough on its own (similarity {params.single_similarity})")


@dataclass(frozen=True)
class RunSummary:
    documents: int
    docs_by_status: dict[str, int]
    docs_by_lang: dict[str, int]
    sentences: int
    translation: dict[str, int]
    """Sentences per ``translation_status``: translated, tm, passthrough, untranslated (all present, 0 if none)."""
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
    from_cache: int = 0
    """Translated sentences the translation cache answered (no decoding)."""
    shards: dict[str, int] = field(default_factory=dict)
    """``total``, ``reused`` (finished by an earlier, interrupted or identical run) and ``computed``."""
    mined: bool = False
    """Whether cross-source mining ran over two or more documents."""
    untranslated_because: str = ""
    """Why nothing could be translated (the translation extra is not installed), when that is so."""


def run_summary(report: RunReport) -> RunSummary:
    """The summary's numbers, read off the run's documents (streamed), its mined pairs and its manifest."""
    manifest = report.manifest if isinstance(report.manifest, dict) else {}
    settings = manifest.get("settings", {})
    threshold = run_threshold(settings)
    statuses: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    translation = Counter({status: 0 for status in TRANSLATION_STATUSES})
    by_kind = Counter({kind: 0 for kind in KIND_ORDER})
    sentences = applied = skipped = unverified = below = 0
    for doc in report.documents:
        statuses[doc.status.value] += 1
        if not doc.ok:
            continue
        langs[doc.lang] += 1
        sentences += len(doc.sentences)
        for s in doc.sentences:
            if s.translation_status:
                translation[str(s.translation_status)] += 1
            applied += sum(t.action == "apply" for t in s.terms)
            skipped += sum(t.action == "skip" for t in s.terms)
            unverified += UNVERIFIED in s.flags
        by_kind.update(str(p.kind) for p in doc.pairs)
        below += sum(p.score < threshold for p in doc.pairs)
    by_kind.update(str(p.kind) for p in report.state.cross_source_pairs)
    below += sum(p.score < threshold for p in report.state.cross_source_pairs)
    out_dir = str(settings.get("out_dir", "")) or _common_parent(report.outputs)
    return RunSummary(
        documents=sum(statuses.values()),
        docs_by_status=dict(statuses.most_common()),
        docs_by_lang=dict(langs.most_common()),
        sentences=sentences,
        translation=dict(translation),
        glossary_applied=applied,
        glossary_skipped=skipped,
        unverified_sentences=unverified,
        pairs=sum(by_kind.values()),
        pairs_by_kind=dict(by_kind),
        threshold=threshold,
        below_threshold=below,
        out_dir=out_dir,
        outputs=tuple(manifest.get("outputs", ())),
        from_cache=manifest.get("timing", {}).get("sentences_from_cache", 0),
        shards=dict(report.shards),
        untranslated_because=str(manifest.get("translation", {}).get("unavailable", "")),
        mined=settings.get("align", {}).get("enabled", True) and statuses.get("ok", 0) >= 2,
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
        ("  translation", _join(s.translation) + (f" ({s.from_cache} from the cache)" if s.from_cache else "")
         + (f"; {s.untranslated_because}" if s.untranslated_because else "")),
        ("glossary", f"applied {s.glossary_applied}, skipped {s.glossary_skipped}, "
                     f"unverified {s.unverified_sentences} sentence(s)"),
        ("aligned pairs", f"{s.pairs} ({_join(s.pairs_by_kind)})"),
        (f"  below {s.threshold:.2f}", f"{s.below_threshold} to review first"),
        *([("  cross-source", no_cross_source())] if s.pairs_by_kind.get("cross-source") == 0 and s.mined else []),
        ("outputs", f"{s.out_dir}: {_outputs(s.outputs)}" if s.outputs else s.out_dir),
    ] + ([("resumed", f"{s.shards['reused']} of {s.shards['total']} shard(s) reused from an earlier run")]
         if s.shards.get("reused") else [])


def summary_table(summary: RunSummary) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="pipeline run", show_header=False, title_justify="left", expand=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in summary_rows(summary):
        table.add_row(Text(label), Text(value))  # plain text: a path or a hint may hold [brackets]
    return table
