"""The library entry points the CLI (and any other program) calls."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline import detect, ingest, review, segment, translate
from pipeline.align.stage import ALIGN_STAGE
from pipeline.glossary import stage as glossary_stage
from pipeline.config import RunConfig
from pipeline.errors import InputError
from pipeline.outputs import manifest, remove_stale_outputs, write_manifest, write_tables
from pipeline.stages import MANIFEST, Batch, Progress, RunContext, Stage, check_order


def default_stages() -> list[Stage]:
    stages = [
        Stage("ingest", ingest.run, provides=frozenset({"documents"})),
        Stage("segment", segment.run, requires=frozenset({"documents"}), provides=frozenset({"sentences"})),
        Stage("detect", detect.run, requires=frozenset({"sentences"}), provides=frozenset({"lang"})),
        Stage("translate", translate.run, requires=frozenset({"lang"}), provides=frozenset({"translation"}),
              write=translate.write),
        ALIGN_STAGE,  # pairs whatever the stages before it produced
        review.STAGE,  # keep last: reads the aligned pairs and the glossary report
    ]
    # glossary-pre right after detect; glossary-post after translate (or after glossary-pre without one)
    return glossary_stage.insert_stages(stages)


@dataclass(frozen=True)
class RunReport:
    batch: Batch
    counts: dict[str, dict[str, int]]
    outputs: list[Path]
    manifest: dict[str, Any]


def run_batch(config: RunConfig, *, progress: Progress | None = None, stages: list[Stage] | None = None) -> RunReport:
    """Run every stage over ``config.input_dir`` and write the outputs to ``config.out_dir``."""
    stages = default_stages() if stages is None else stages
    check_order(stages)
    _check_out_dir(Path(config.out_dir))
    if Path(config.out_dir).resolve() == Path(config.input_dir).resolve():
        raise InputError(f"the output folder is the input folder: {config.out_dir} (give --out another folder)")
    ctx = RunContext(config=config, progress=progress or Progress())
    for stage in stages:
        if stage.prepare is not None:
            stage.prepare(ctx)
    started = datetime.now(timezone.utc)
    timings: dict[str, float] = {}
    batch = Batch(())
    for stage in stages:
        t0 = time.perf_counter()
        batch = stage.run(batch, ctx)
        timings[stage.name] = round(time.perf_counter() - t0, 3)

    out_dir = Path(config.out_dir)
    written = write_tables(batch.documents, out_dir)
    for stage in stages:
        if stage.write is not None:
            written.extend(stage.write(batch, ctx, out_dir))
    stage_records = [{"name": s.name, "counts": dict(sorted(ctx.counts.get(s.name, {}).items()))} for s in stages]
    data = manifest(
        settings=config.settings(),
        documents=batch.documents,
        stages=stage_records,
        outputs=sorted(p.relative_to(out_dir).as_posix() for p in written) + ["manifest.json"],
        timing={
            "started_at": started.isoformat(timespec="seconds"),
            "total_seconds": round(sum(timings.values()), 3),
            "stages": timings,
        },
        extra=batch.artifacts.get(MANIFEST),
    )
    remove_stale_outputs(out_dir, written)
    written.append(write_manifest(out_dir, data))
    return RunReport(batch=batch, counts=ctx.counts, outputs=written, manifest=data)


def _check_out_dir(out_dir: Path) -> None:
    """Refuse, before any work, an output folder that cannot be made or written to."""
    for folder in (out_dir, *out_dir.parents):
        if not folder.exists():
            continue
        if not folder.is_dir():
            raise InputError(f"output path is not a folder: {folder}")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise InputError(f"cannot write to {folder}: permission denied")
        return


def detect_files(paths: list[Path], config: RunConfig | None = None) -> list[dict[str, Any]]:
    """Language of each file, as ``pipeline run`` would decide it (ingest, segment, detect)."""
    from pipeline.ingest import check_input_file, read_document

    config = config or RunConfig(input_dir=Path("."))
    ctx = RunContext(config=config)
    docs = []
    for path in paths:
        check_input_file(path, folder_hint=" (use `pipeline run` for folders)")
        docs.append(read_document(path, doc_id=path.stem, rel_path=str(path)))
    batch = detect.run(segment.run(Batch(tuple(docs)), ctx), ctx)
    return [
        {
            "path": str(doc.path),
            "status": doc.status.value,
            "lang": doc.lang if doc.ok else "",
            "score": doc.lang_score if doc.ok else 0.0,
            "reason": doc.reason,
        }
        for doc in batch.documents
    ]
