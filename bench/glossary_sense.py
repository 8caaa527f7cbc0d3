"""Sense and inflection accuracy of a glossary entry on labelled sentences.

``python -m bench glossary_sense [--glossary PATH] [--entry ID] [--data FILE] [-v]``

The data file is tab-separated: ``expected`` (``apply``/``skip``), ``replacement``
(the inflected MT form expected when applied), ``sentence``; ``#`` lines are
comments. The default file, ``bench/data/glossary_heldout.tsv``, was written
before the seed glossary's rules were tuned and is never used to tune them.
Matches of every entry with the same target term count (``цепочка блоков`` has an
entry of its own). Prints precision and recall of ``apply``, sense accuracy, and inflection
accuracy over the sentences correctly applied.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def read_cases(path: Path) -> list[tuple[str, str, str]]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        expected, replacement, sentence = line.split("\t")
        cases.append((expected, replacement, sentence))
    return cases


def score(cases, matcher, entry_id: str, verbose: bool = False) -> dict[str, float]:
    # the entry and every other entry for the same target term: «цепочка блоков» is matched as one
    # multi-word term by its own entry, and that is the blockchain sense applied too
    target = next(e for e in matcher.glossary if e.id == entry_id)
    concept = {e.id for e in matcher.glossary if (e.target_term, e.target_lang) == (target.target_term, target.target_lang)}
    tp = fp = fn = tn = 0
    inflected_ok = 0
    for expected, replacement, sentence in cases:
        found = [m for m in matcher.find(sentence) if m.entry.id in concept]
        got = "apply" if any(m.applied for m in found) else "skip"
        # a multi-word entry replaces its complement too («Блокчейны второго уровня»): its head counts
        right_form = got == "apply" and any(
            m.replacement == replacement or m.replacement.startswith(replacement + " ") for m in found if m.applied
        )
        if expected == "apply" and got == "apply":
            tp += 1
            inflected_ok += right_form
        elif expected == "apply":
            fn += 1
        elif got == "apply":
            fp += 1
        else:
            tn += 1
        bad = got != expected or (expected == "apply" and not right_form)
        if verbose and bad:
            detail = "; ".join(f"{m.matched}->{m.replacement or '-'} [{m.reason}]" for m in found) or "no match"
            print(f"  MISS expected {expected} {replacement!r}: {sentence}\n       {detail}")
    n = tp + fp + fn + tn
    return {
        "sentences": n,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "sense_accuracy": (tp + tn) / n if n else 1.0,
        "inflection_accuracy": inflected_ok / tp if tp else 1.0,
    }


def main(argv: list[str] | None = None) -> int:
    from pipeline.glossary import Matcher, load_glossary

    parser = argparse.ArgumentParser(prog="python -m bench glossary_sense")
    parser.add_argument("--glossary", type=Path, default=ROOT / "glossary")
    parser.add_argument("--entry", default="blockchain")
    parser.add_argument("--data", type=Path, default=HERE / "data" / "glossary_heldout.tsv")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    matcher = Matcher(load_glossary(args.glossary), "ru")
    result = score(read_cases(args.data), matcher, args.entry, args.verbose)
    print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))
    return 0
