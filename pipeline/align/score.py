"""Alignment scoring exactly as Vecalign's ``score.py`` (and Bertalign's ``eval.py``).

Per document, gold and test beads become sets of ``(src_tuple, tgt_tuple)``
(beads empty on both sides dropped; index order inside a bead kept).
Precision counts every test bead, null beads included; recall counts only
beads non-empty on both sides. A bead that is not an exact match still counts
as a *lax* match when some bead on the other side shares at least one source
and one target index with it. Counts are summed over documents (micro-average).
"""

from __future__ import annotations

from ast import literal_eval
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

BeadPair = tuple[tuple[int, ...], tuple[int, ...]]


def parse_alignment_line(line: str) -> BeadPair | None:
    """``[0, 1]:[2]`` or ``[0, 1]:[2]:0.87`` -> ``((0, 1), (2,))``; ``None`` for a blank line."""
    fields = [f for f in line.strip().split(":") if f]
    if not fields:
        return None
    if len(fields) < 2:
        raise ValueError(f"not an alignment line: {line.strip()!r}")
    src, tgt = literal_eval(fields[0]), literal_eval(fields[1])
    return tuple(src), tuple(tgt)


def read_alignments(path: Path) -> list[BeadPair]:
    beads = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        bead = parse_alignment_line(line)
        if bead is not None:
            beads.append(bead)
    return beads


def _counts(gold: Iterable[BeadPair], test: Iterable[BeadPair]) -> tuple[int, int, int, int]:
    """Vecalign's ``_precision``: (strict TP, strict FP, lax TP, lax FP) of ``test`` against ``gold``."""
    gold = set(gold)
    targets_of: dict[int, set[int]] = defaultdict(set)
    for src, tgt in gold:
        for s in src:
            targets_of[s].update(tgt)
    tp = fp = ltp = lfp = 0
    for src, tgt in test:
        if (src, tgt) in gold:
            tp += 1
            ltp += 1
            continue
        fp += 1
        linked: set[int] = set()
        for s in src:
            linked |= targets_of.get(s, set())
        if linked & set(tgt):
            ltp += 1
        else:
            lfp += 1
    return tp, fp, ltp, lfp


@dataclass(frozen=True)
class AlignmentScores:
    strict_precision: float
    strict_recall: float
    strict_f1: float
    lax_precision: float
    lax_recall: float
    lax_f1: float
    counts: dict[str, int]

    def as_dict(self) -> dict[str, float]:
        return {
            "strict_precision": self.strict_precision,
            "strict_recall": self.strict_recall,
            "strict_f1": self.strict_f1,
            "lax_precision": self.lax_precision,
            "lax_recall": self.lax_recall,
            "lax_f1": self.lax_f1,
        }


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score_multiple(gold_list: Sequence[Sequence[BeadPair]], test_list: Sequence[Sequence[BeadPair]]) -> AlignmentScores:
    """Micro-averaged strict and lax precision, recall and F1 over several documents."""
    if len(gold_list) != len(test_list):
        raise ValueError("gold and test must list the same number of documents")
    p = defaultdict(int)
    r = defaultdict(int)
    for gold, test in zip(gold_list, test_list):
        gold_set = {(tuple(s), tuple(t)) for s, t in gold if s or t}
        test_set = {(tuple(s), tuple(t)) for s, t in test if s or t}
        for key, n in zip(("tp", "fp", "ltp", "lfp"), _counts(gold_set, test_set)):
            p[key] += n
        gold_both = {b for b in gold_set if b[0] and b[1]}
        test_both = {b for b in test_set if b[0] and b[1]}
        for key, n in zip(("tp", "fn", "ltp", "lfn"), _counts(test_both, gold_both)):
            r[key] += n
    sp, sr = _ratio(p["tp"], p["tp"] + p["fp"]), _ratio(r["tp"], r["tp"] + r["fn"])
    lp, lr = _ratio(p["ltp"], p["ltp"] + p["lfp"]), _ratio(r["ltp"], r["ltp"] + r["lfn"])
    counts = {f"precision_{k}": v for k, v in p.items()} | {f"recall_{k}": v for k, v in r.items()}
    return AlignmentScores(sp, sr, _f1(sp, sr), lp, lr, _f1(lp, lr), counts)


def score(gold: Sequence[BeadPair], test: Sequence[BeadPair]) -> AlignmentScores:
    return score_multiple([gold], [test])


def null_bead_scores(gold_list, test_list) -> dict[str, float]:
    """Precision and recall of 1-0/0-1 beads alone (not part of the Vecalign metric)."""
    tp = n_test = n_gold = 0
    for gold, test in zip(gold_list, test_list):
        g = {(tuple(s), tuple(t)) for s, t in gold if bool(s) != bool(t)}
        t_ = {(tuple(s), tuple(t)) for s, t in test if bool(s) != bool(t)}
        tp += len(g & t_)
        n_test += len(t_)
        n_gold += len(g)
    prec, rec = _ratio(tp, n_test), _ratio(tp, n_gold)
    return {"null_precision": prec, "null_recall": rec, "null_f1": _f1(prec, rec)}


BEAD_TYPES = ((1, 1), (1, 0), (0, 1), (2, 1), (1, 2))


def bead_type(bead: BeadPair) -> str:
    """``"2-1"`` for two source sentences and one target sentence."""
    return f"{len(bead[0])}-{len(bead[1])}"


def bead_type_scores(gold_list, test_list, types=BEAD_TYPES) -> dict[str, dict[str, float]]:
    """Recall and precision of each bead shape on its own (exact matches, summed over documents).

    ``out["1-0"]`` holds ``gold`` and ``test`` (how many beads of that shape
    each side has), ``recall`` (the share of gold beads of that shape found
    exactly) and ``precision`` (the share of predicted beads of that shape
    that are gold). Not part of the Vecalign metric.
    """
    names = [f"{a}-{b}" for a, b in types]
    tp = dict.fromkeys(names, 0)
    n_gold = dict.fromkeys(names, 0)
    n_test = dict.fromkeys(names, 0)
    for gold, test in zip(gold_list, test_list):
        g = {(tuple(s), tuple(t)) for s, t in gold if s or t}
        t_ = {(tuple(s), tuple(t)) for s, t in test if s or t}
        for bead in g:
            name = bead_type(bead)
            if name in n_gold:
                n_gold[name] += 1
                tp[name] += bead in t_
        for bead in t_:
            name = bead_type(bead)
            if name in n_test:
                n_test[name] += 1
    return {
        name: {"gold": n_gold[name], "test": n_test[name], "recall": _ratio(tp[name], n_gold[name]),
               "precision": _ratio(tp[name], n_test[name])}
        for name in names
    }
