"""`pipeline run`: the batch over a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.common import RichProgress, app, err_console, handle_errors


@app.command()
@handle_errors
def run(
    input_dir: Annotated[Path, typer.Argument(help="Folder of documents (.txt, .md, .html), read recursively.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the outputs.")] = Path("outputs"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
    to: Annotated[str, typer.Option("--to", help="Language to translate into.")] = "en",
    strict: Annotated[bool, typer.Option("--strict", help="Exit with code 2 when a translation model is missing.")] = False,
    cache: Annotated[Optional[Path], typer.Option("--cache", help="Translation cache (SQLite file).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the translation cache.")] = False,
    device: Annotated[str, typer.Option("--device", help="Translation device: cpu, cuda or auto.")] = "cpu",
) -> None:
    """Ingest, detect languages, split sentences and translate every document under INPUT_DIR."""
    from pipeline.api import run_batch
    from pipeline.config import RunConfig, TranslateConfig

    translate = TranslateConfig(strict=strict, use_cache=not no_cache, cache_path=cache, device=device)
    config = RunConfig(input_dir=input_dir, out_dir=out, quiet=quiet, target_lang=to, translate=translate)
    report = run_batch(config, progress=RichProgress(enabled=not quiet))
    if not quiet:
        docs = report.batch.documents
        ok = sum(1 for d in docs if d.ok)
        n_sent = sum(len(d.sentences) for d in docs if d.ok)
        err_console.print(
            f"{len(docs)} documents ({ok} ok, {len(docs) - ok} skipped), {n_sent} sentences -> {out}",
            markup=False,
        )
