"""Run → review → apply → rerun: the reviewer's edit comes back from the translation memory, not the MT error.

The runs go through the real stages with the synthetic ru→en Argos package; the rerun reads the
memory `pipeline review apply` recorded (`--tm`), before the glossary and translation.
"""

from __future__ import annotations

from dataclasses import replace

from typer.testing import CliRunner

from pipeline.api import run_batch
from pipeline.cli import app
from pipeline.config import AlignConfig, GlossaryConfig, MemoryConfig, RunConfig, TranslateConfig
from pipeline.io import read_csv
from pipeline.memory import apply_memory, count_memory_hits, open_memory
from tests.argos_fixtures import packages_dir, ru_en  # noqa: F401  (fixtures)

runner = CliRunner()


def test_rerun_after_review_reuses_the_edited_translation(ru_en, seeds_dir, tmp_path):
    config = RunConfig(
        input_dir=seeds_dir, out_dir=tmp_path / "run1", quiet=True,
        glossary=GlossaryConfig(enabled=False), translate=TranslateConfig(cache_path=tmp_path / "cache.sqlite3"),
    )
    first = run_batch(config)

    # a reviewer edits one translation, accepts one, rejects one, and leaves the rest undecided
    aligned = read_csv(config.out_dir / "aligned.csv")
    singles = aligned[(aligned.kind == "translation") & (aligned.src_ids.str.count(",") == 0)]
    assert len(singles) >= 3
    edit, accept, reject = (singles.iloc[i] for i in range(3))
    edited_text = "Belarusian diplomats look for South Korean investors (reviewed)."
    assert edited_text != edit.tgt_text
    aligned["decision"] = [
        {edit.pair_id: "edit", accept.pair_id: "accept", reject.pair_id: "reject"}.get(p, "") for p in aligned.pair_id
    ]
    aligned["edited_tgt_text"] = [edited_text if p == edit.pair_id else "" for p in aligned.pair_id]
    reviewed = config.out_dir / "aligned.reviewed.csv"
    aligned.to_csv(reviewed, index=False, encoding="utf-8-sig")

    db = tmp_path / "memory.sqlite3"
    result = runner.invoke(app, ["review", "apply", str(reviewed), "--out", str(tmp_path / "final"), "--tm", str(db)])
    assert result.exit_code == 0, result.output
    assert "added 2 translation pairs to the translation memory" in result.output

    # the rerun needs no alignment to show where its translations came from
    rerun = replace(config, out_dir=tmp_path / "run2", align=AlignConfig(enabled=False),
                    memory=MemoryConfig(paths=(db,)))
    second = run_batch(rerun)

    def sentence(report, doc_id, ids):
        [idx] = [int(i) for i in ids.strip("[]").split(",")]
        doc = next(d for d in report.documents if d.doc_id == doc_id)
        return next(s for s in doc.sentences if s.sent_idx == idx)

    before, after = sentence(first, edit.src_doc, edit.src_ids), sentence(second, edit.src_doc, edit.src_ids)
    assert (before.translation, before.translation_status) == (edit.tgt_text, "translated")
    assert (after.translation, after.translation_status) == (edited_text, "tm")
    assert after.model_id == "tm:review:aligned.reviewed.csv"
    assert after.translation_note.startswith(f"translation memory: review:aligned.reviewed.csv ({edit.pair_id}), ")

    accepted = sentence(second, accept.src_doc, accept.src_ids)
    assert (accepted.translation, accepted.translation_status) == (accept.tgt_text, "tm")
    rejected = sentence(second, reject.src_doc, reject.src_ids)
    assert (rejected.translation, rejected.translation_status) == (reject.tgt_text, "translated")  # MT again

    assert second.counts["memory"]["hits"] == 2
    assert second.manifest["memory"] == [{"path": str(db), "kind": "store", "units": 2, "sha256": ""}]
    rows = read_csv(tmp_path / "run2" / "sentences.csv")
    tm_rows = rows[rows.translation_status == "tm"]
    assert sorted(tm_rows.translation) == sorted([edited_text, accept.tgt_text])
    assert set(tm_rows.model_id) == {"tm:review:aligned.reviewed.csv"}

    # the same memory as TMX (exported, then read through translate-toolkit) gives the same matches
    tmx = tmp_path / "memory.tmx"
    assert runner.invoke(app, ["tm", "export", "--tm", str(db), "--out", str(tmx)]).exit_code == 0
    memory = open_memory([tmx], default=False)
    try:
        docs = [apply_memory(d, memory, "en") for d in first.documents]
    finally:
        memory.close()
    assert count_memory_hits(docs) == 2
    again = next(s for d in docs if d.doc_id == edit.src_doc for s in d.sentences if s.sent_idx == after.sent_idx)
    assert (again.translation, again.translation_status, again.model_id) == (edited_text, "tm", after.model_id)
