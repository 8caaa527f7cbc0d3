"""What the alignment benchmarks share: ``--set FIELD=VALUE`` parameters and the score table."""

from __future__ import annotations

import re
from dataclasses import fields, replace

COLUMNS = ["strict_f1", "lax_f1", "recall_1-1", "recall_1-0", "recall_0-1", "recall_2-1", "recall_1-2",
           "precision_1-1", "null_recall", "null_precision"]
"""The columns :func:`table` prints."""


def parse_settings(items: list[str], base=None):
    """``["skip=-0.2", "margin=false", "min_link=none"]`` -> ``AlignParams`` with those fields changed.

    Raises ``ValueError`` with a one-line message for an unknown field or value.
    """
    from pipeline.align.parallel import AlignParams

    params = base if base is not None else AlignParams()
    names = [f.name for f in fields(AlignParams)]
    changes = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key not in names:
            raise ValueError(f"--set takes FIELD=VALUE with FIELD one of {', '.join(names)}")
        low = value.strip().lower()
        if low in ("true", "false"):
            changes[key] = low == "true"
        elif low == "none":
            changes[key] = None
        elif re.fullmatch(r"-?\d+", low):
            changes[key] = int(low)
        else:
            try:
                changes[key] = float(low)
            except ValueError:
                raise ValueError(f"--set {item}: not a number, true, false or none") from None
    return replace(params, **changes)


def report(golds, tests) -> dict:
    """Vecalign's strict/lax scores, recall per bead shape, 1-1 precision and null-bead scores, rounded."""
    from pipeline.align.score import bead_type_scores, null_bead_scores, score_multiple

    types = bead_type_scores(golds, tests)
    out = {k: round(v, 4) for k, v in score_multiple(golds, tests).as_dict().items()}
    out |= {f"recall_{k}": round(v["recall"], 4) for k, v in types.items()}
    out["precision_1-1"] = round(types["1-1"]["precision"], 4)
    out |= {k: round(v, 4) for k, v in null_bead_scores(golds, tests).items()}
    out["gold_beads"] = {k: v["gold"] for k, v in types.items()}
    return out


def table(rows: dict[str, dict]) -> str:
    """One line per row name, :data:`COLUMNS` across."""
    head = f"{'':14}" + "".join(f"{c.replace('recall_', 'R ').replace('precision_', 'P ').replace('null_', 'null '):>11}" for c in COLUMNS)
    lines = [head] + [f"{name:14}" + "".join(f"{row[c]:11.4f}" for c in COLUMNS) for name, row in rows.items()]
    return "\n".join(lines)
