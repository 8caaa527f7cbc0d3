"""The perturbation benchmark's edits keep a correct gold alignment (synthetic documents, no fetched data)."""

from __future__ import annotations

import random

from bench.perturbed import RATES, ParallelDoc, perturb, split_sentence


def _doc(n: int, name: str = "doc") -> ParallelDoc:
    src = [f"{name} source sentence {i}, with a few more words in it." for i in range(n)]
    tgt = [f"{name} target sentence {i}, with a few more words in it." for i in range(n)]
    return ParallelDoc(name, src, tgt, [((i,), (i,)) for i in range(n)])


def _words(text: str) -> list[str]:
    return text.lower().replace(".", " ").replace(",", " ").split()


def test_every_edit_keeps_the_gold_alignment_consistent():
    doc = _doc(400)
    foreign = _doc(30, "other")
    out = perturb(doc, random.Random(3), [foreign.src], [foreign.tgt])
    assert set(out.edits) == set(RATES)  # 400 beads are enough to see every kind of edit
    # the gold beads cover both sides once, in order
    assert [i for a, _ in out.gold for i in a] == list(range(len(out.src)))
    assert [j for _, b in out.gold for j in b] == list(range(len(out.tgt)))
    shapes = {(len(a), len(b)) for a, b in out.gold}
    assert {(1, 1), (1, 0), (0, 1), (2, 1), (1, 2)} <= shapes
    for a, b in out.gold:
        src = " ".join(out.src[i] for i in a)
        tgt = " ".join(out.tgt[j] for j in b)
        if a and b:  # a pair is always the same sentences, merged or split or not
            assert _words(src.replace("source", "target")) == _words(tgt)
        elif a:  # a deleted translation or a foreign source sentence
            assert all(out.src[i].startswith(("doc", "other")) for i in a)
        else:
            assert all(out.tgt[j].startswith(("doc", "other")) for j in b)
    assert any(out.tgt[b[0]].startswith("other") for a, b in out.gold if b and not a)


def test_the_same_seed_gives_the_same_document():
    doc, foreign = _doc(50), _doc(10, "other")
    first = perturb(doc, random.Random(7), [foreign.src], [foreign.tgt])
    again = perturb(doc, random.Random(7), [foreign.src], [foreign.tgt])
    assert (first.src, first.tgt, first.gold) == (again.src, again.tgt, again.gold)


def test_split_sentence_cuts_near_the_middle_or_not_at_all():
    assert split_sentence("One two three four five, six seven eight nine ten.") == (
        "One two three four five.", "Six seven eight nine ten.")
    assert split_sentence("Too short, to cut.") is None
