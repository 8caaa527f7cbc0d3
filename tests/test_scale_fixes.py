"""What the run's speed and memory fixes must keep: the shard records' JSON, and the review page's pairs."""

from __future__ import annotations

import dataclasses
import json
import random
from enum import Enum

import pytest

from pipeline.models import AlignedPair, Document, DocStatus, Sentence, Span, TermMatch, TranslationStatus
from pipeline.outputs import page_pairs
from pipeline.shards import from_json, to_json


def generic_json(record):
    """The plain recursive encoding the shard files were first written with (the format's reference)."""
    if dataclasses.is_dataclass(record):
        return {f.name: generic_json(getattr(record, f.name)) for f in dataclasses.fields(record) if f.name != "vectors"}
    if isinstance(record, Enum):
        return record.value
    if isinstance(record, (list, tuple)):
        return [generic_json(item) for item in record]
    return record


def full_document() -> Document:
    term = TermMatch(entry="e1", start=3, end=9, matched="цепочка", action="apply", reason="rule", replacement="блокчейн",
                     confidence=0.75, needs_review=True, target_term="blockchain", note="n", target_check="ok")
    sentence = Sentence(doc_id="d", sent_idx=0, para_idx=0, start=0, end=12, text="Это цепочка.", lang="ru",
                        lang_score=0.9, mt_source="Это блокчейн.", translation="This is blockchain.",
                        translation_status=TranslationStatus.TRANSLATED, model_id="m", mt_confidence=-0.25,
                        terms=(term,), flags=("glossary-applied",))
    plain = Sentence(doc_id="d", sent_idx=1, para_idx=1, start=14, end=20, text="Hello.", lang="en")
    pair = AlignedPair(pair_id="", kind="translation", src_doc="d", src_ids=(0,), src_lang="ru", src_text="Это цепочка.",
                       tgt_doc="d", tgt_ids=(0,), tgt_lang="en", tgt_text="This is blockchain.", score=0.8125,
                       flags=("glossary-applied",), mt_confidence=-0.25)
    return Document(doc_id="d", path="a/d.txt", sha256="0" * 64, encoding="utf-8", invalid_bytes=2,
                    text="Это цепочка.\n\nHello.", paragraphs=(Span(0, 12), Span(14, 20)), paragraph_langs=("ru", "en"),
                    title="T", date="2020-01-02", source_url="https://x", lang_hint="ru", lang="ru", lang_score=0.7,
                    flags=("invalid-bytes",), sentences=(sentence, plain), pairs=(pair,))


@pytest.mark.parametrize("doc", [full_document(), Document(doc_id="s", path="s.txt", sha256="", status=DocStatus.SKIPPED,
                                                           reason="empty file")])
def test_records_come_back_from_their_json_as_they_went(doc):
    data = to_json(doc)
    assert json.dumps(data, ensure_ascii=False) == json.dumps(generic_json(doc), ensure_ascii=False)
    back = from_json(Document, json.loads(json.dumps(data)))
    assert back == doc and type(back.status) is DocStatus
    assert all(type(s) is Span for s in back.paragraphs) and type(back.pairs) is tuple
    if back.pairs:
        assert back.pairs[0].src_ids == (0,) and back.sentences[0].terms[0] == doc.sentences[0].terms[0]


def by_sorting(pairs, limit, threshold):
    """The review page's choice as first written: every pair in a list, sorted."""
    if len(pairs) > limit:
        keep = sorted(range(len(pairs)), key=lambda i: (pairs[i].score, i))[:limit]
        shown = [pairs[i] for i in sorted(keep)]
    else:
        shown = list(pairs)
    return shown, len(pairs), sum(p.score < threshold for p in pairs)


@pytest.mark.parametrize("n,limit", [(0, 5), (4, 5), (5, 5), (50, 7), (300, 40)])
def test_the_review_page_keeps_the_lowest_pairs_in_one_pass(n, limit):
    rng = random.Random(n)
    pairs = [AlignedPair(pair_id=f"p{i}", kind="translation", src_doc="a", src_ids=(i,), src_lang="ru", src_text="x",
                         tgt_doc="a", tgt_ids=(i,), tgt_lang="en", tgt_text="y", score=rng.choice([0.1, 0.5, 0.5, 0.9, rng.random()]))
             for i in range(n)]
    assert page_pairs(iter(pairs), limit, 0.5) == by_sorting(pairs, limit, 0.5)
