"""Sense, inflection and whole-sentence grammar of a glossary entry on labelled sentences.

``python -m bench glossary_sense [--glossary PATH] [--entry ID] [--data FILE ...] [-v]``

A data file is tab-separated: ``expected`` (``apply``/``skip``), ``replacement``
(the inflected MT form expected when applied), ``sentence`` and, optionally,
``pre_edited`` (the whole sentence as it must read after pre-editing, every word
agreeing with the term re-inflected; empty for ``skip``); ``#`` lines are
comments. The default file, ``bench/data/glossary_heldout.tsv``, was written
before the seed glossary's rules were tuned and is never used to tune them.
Matches of every entry with the same target term count (``цепочка блоков`` has an
entry of its own).

Prints, per file: precision and recall of ``apply``, sense accuracy, the noun form
(inflection) accuracy over the sentences correctly applied, and, where the file has
``pre_edited`` sentences, the share of correctly applied sentences whose whole
pre-edited text equals it (``grammatical``); ``needs_review`` counts the decisions
flagged for a reviewer.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass(frozen=True)
class Case:
    expected: str
    replacement: str
    sentence: str
    pre_edited: str = ""
    """The whole sentence after pre-editing (apply cases of sets that give it); empty otherwise."""


def read_cases(path: Path) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) not in (3, 4) or cells[0] not in ("apply", "skip"):
            raise ValueError(f"{path}:{number}: expected 3 or 4 tab-separated cells starting with apply/skip")
        cases.append(Case(*cells))
    return cases


def score(cases, matcher, entry_id: str, verbose: bool = False) -> dict[str, float]:
    from pipeline.glossary import pre_edit

    # the entry and every other entry for the same target term: «цепочка блоков» is matched as one
    # multi-word term by its own entry, and that is the blockchain sense applied too
    target = next(e for e in matcher.glossary if e.id == entry_id)
    concept = {e.id for e in matcher.glossary if (e.target_term, e.target_lang) == (target.target_term, target.target_lang)}
    tp = fp = fn = tn = 0
    inflected_ok = 0
    graded = grammatical = 0
    review = 0
    for case in cases:
        found = [m for m in matcher.find(case.sentence) if m.entry.id in concept]
        review += sum(1 for m in found if getattr(m, "needs_review", False))
        got = "apply" if any(m.applied for m in found) else "skip"
        # a multi-word entry replaces its complement too («Блокчейны второго уровня»): its head counts
        right_form = got == "apply" and any(
            m.replacement == case.replacement or m.replacement.startswith(case.replacement + " ")
            for m in found if m.applied
        )
        edited = pre_edit(case.sentence, found)
        right_sentence = True
        if case.expected == "apply" and got == "apply":
            tp += 1
            inflected_ok += right_form
            if case.pre_edited:
                graded += 1
                right_sentence = edited == case.pre_edited
                grammatical += right_sentence
        elif case.expected == "apply":
            fn += 1
        elif got == "apply":
            fp += 1
        else:
            tn += 1
        bad = got != case.expected or (case.expected == "apply" and not (right_form and right_sentence))
        if verbose and bad:
            detail = "; ".join(
                f"{m.matched}->{m.replacement or '-'} [{m.reason}]" for m in found
            ) or "no match"
            print(f"  MISS expected {case.expected} {case.replacement!r}: {case.sentence}\n       {detail}")
            if case.expected == "apply" and got == "apply" and not right_sentence:
                print(f"       got:  {edited}\n       gold: {case.pre_edited}")
    n = tp + fp + fn + tn
    result = {
        "sentences": n,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "sense_accuracy": (tp + tn) / n if n else 1.0,
        "inflection_accuracy": inflected_ok / tp if tp else 1.0,
    }
    if graded:
        result["grammatical"] = grammatical / graded
    result["needs_review"] = review
    return result


def main(argv: list[str] | None = None) -> int:
    from pipeline.glossary import Matcher, load_glossary

    parser = argparse.ArgumentParser(prog="python -m bench glossary_sense")
    parser.add_argument("--glossary", type=Path, default=ROOT / "glossary")
    parser.add_argument("--entry", default="blockchain")
    parser.add_argument("--data", type=Path, nargs="+", default=[HERE / "data" / "glossary_heldout.tsv"])
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    matcher = Matcher(load_glossary(args.glossary), "ru")
    for path in args.data:
        result = score(read_cases(path), matcher, args.entry, args.verbose)
        line = " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items())
        print(f"{path.name}: {line}" if len(args.data) > 1 else line)
    return 0
