"""The scorer reproduces Vecalign's score.py: strict/lax P/R/F1, micro-averaged, null beads in precision only."""

from __future__ import annotations

import pytest

from pipeline.align.score import null_bead_scores, parse_alignment_line, read_alignments, score, score_multiple

GOLD = [((0,), (0, 1)), ((1,), (2,)), ((2, 3), (3,)), ((), (4,)), ((4,), ())]


def approx(x):
    return pytest.approx(x, abs=1e-9)


def test_perfect_prediction_scores_one():
    s = score(GOLD, GOLD)
    assert (s.strict_precision, s.strict_recall, s.strict_f1) == (1.0, 1.0, 1.0)
    assert (s.lax_precision, s.lax_recall, s.lax_f1) == (1.0, 1.0, 1.0)


def test_omitting_every_null_bead_still_scores_one():
    test = [b for b in GOLD if b[0] and b[1]]
    s = score(GOLD, test)
    assert (s.strict_precision, s.strict_recall, s.lax_f1) == (1.0, 1.0, 1.0)


def test_wrong_null_bead_costs_precision_only():
    test = [((0,), (0, 1)), ((1,), (2,)), ((2, 3), (3,)), ((), (4,)), ((4,), ()), ((), (5,))]
    s = score(GOLD, test)
    assert s.strict_precision == approx(5 / 6)
    assert s.strict_recall == 1.0
    assert s.lax_precision == approx(5 / 6)  # a null bead is never a lax match


def test_lax_match_shares_a_source_and_a_target_index():
    # 1-2 gold predicted as 1-1 + 0-1: strict miss, the 1-1 is a lax hit, the 0-1 a lax miss
    gold = [((0,), (0, 1)), ((1,), (2,))]
    test = [((0,), (0,)), ((), (1,)), ((1,), (2,))]
    s = score(gold, test)
    assert s.strict_precision == approx(1 / 3)
    assert s.strict_recall == approx(1 / 2)
    assert s.strict_f1 == approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))
    assert s.lax_precision == approx(2 / 3)
    assert s.lax_recall == approx(1.0)  # the gold 1-2 shares index 0 -> 0 with the predicted 1-1


def test_bead_index_order_matters_for_strict_match():
    gold = [((227, 218), (198,))]
    s = score(gold, [((218, 227), (198,))])
    assert s.strict_f1 == 0.0
    assert s.lax_f1 == 1.0


def test_counts_are_micro_averaged_over_documents():
    doc1_gold = [((0,), (0,)), ((1,), (1,))]
    doc1_test = [((0,), (0,)), ((1,), (1,))]
    doc2_gold = [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,))]
    doc2_test = [((0, 1), (0, 1)), ((2,), (2,)), ((3,), (3,))]
    s = score_multiple([doc1_gold, doc2_gold], [doc1_test, doc2_test])
    # precision: 2 + 2 true of 2 + 3 predicted; recall: 2 + 2 of 2 + 4 gold
    assert s.strict_precision == approx(4 / 5)
    assert s.strict_recall == approx(4 / 6)
    assert s.counts["precision_tp"] == 4


def test_empty_beads_and_duplicates_are_dropped():
    s = score([((0,), (0,)), ((), ())], [((0,), (0,)), ((0,), (0,)), ((), ())])
    assert s.strict_precision == 1.0 and s.counts["precision_fp"] == 0


def test_zero_denominators_give_zero():
    s = score([((0,), ())], [])
    assert (s.strict_precision, s.strict_recall, s.strict_f1) == (0.0, 0.0, 0.0)


def test_parse_lines_with_and_without_score(tmp_path):
    assert parse_alignment_line("[8, 9]:[10, 11, 12]:0.139594") == ((8, 9), (10, 11, 12))
    assert parse_alignment_line("[]:[51]") == ((), (51,))
    assert parse_alignment_line("   ") is None
    with pytest.raises(ValueError):
        parse_alignment_line("[1]")
    path = tmp_path / "a.defr"
    path.write_text("[0]:[0, 1]\n[1]:[]\n\n", encoding="utf-8")
    assert read_alignments(path) == [((0,), (0, 1)), ((1,), ())]


def test_null_bead_report():
    test = [((0,), (0, 1)), ((), (4,)), ((), (7,))]
    out = null_bead_scores([GOLD], [test])
    assert out["null_precision"] == approx(0.5)
    assert out["null_recall"] == approx(0.5)


def test_bead_type_report():
    from pipeline.align.score import bead_type_scores

    # gold: 1-2, 1-1, 2-1, 0-1, 1-0; predicted: 1-2 right, 1-1 right, 2-1 as 1-1 + 1-0, nulls as one 1-1
    test = [((0,), (0, 1)), ((1,), (2,)), ((2,), (3,)), ((3,), ()), ((4,), (4,))]
    out = bead_type_scores([GOLD], [test])
    assert out["1-1"] == {"gold": 1, "test": 3, "recall": 1.0, "precision": approx(1 / 3)}
    assert out["1-2"]["recall"] == 1.0 and out["2-1"]["recall"] == 0.0
    assert out["0-1"] == {"gold": 1, "test": 0, "recall": 0.0, "precision": 0.0}
    assert out["1-0"]["gold"] == 1 and out["1-0"]["test"] == 1 and out["1-0"]["recall"] == 0.0
