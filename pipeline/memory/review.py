"""Reviewed pairs into the translation memory: what ``pipeline review apply`` keeps becomes approved translations."""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.models import AlignedPair, PairKind
from pipeline.memory.store import MemoryStore, MemoryUnit, utc_now

REVIEW_ORIGIN = "review:"
APPROVED = ("accept", "edit")


def units_from_review(pairs: Iterable[AlignedPair], origin: str, *, created: str = "") -> list[MemoryUnit]:
    """Memory units of the accepted and edited translation pairs (``tgt_text`` already the edited text).

    Cross-source pairs are not translations and are left out, as are pairs without a decision
    or with an empty side.
    """
    created = created or utc_now()
    return [
        MemoryUnit(p.src_lang, p.tgt_lang, p.src_text, p.tgt_text, origin, p.pair_id, created)
        for p in pairs
        if str(p.kind) == PairKind.TRANSLATION.value
        and p.decision in APPROVED
        and p.src_text.strip() and p.tgt_text.strip()
    ]


def record_review(store: MemoryStore, kept: Iterable[AlignedPair], reviewed_name: str) -> tuple[int, int]:
    """Add a review's approved translation pairs to ``store``: ``(pairs recorded, new to the store)``.

    The origin is ``review:<reviewed file name>``, the ref each pair's id.
    """
    units = units_from_review(kept, REVIEW_ORIGIN + reviewed_name)
    return len(units), store.add(units)
