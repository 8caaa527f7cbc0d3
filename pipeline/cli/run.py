"""`pipeline run`: the batch over a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import RichProgress, app, err_console, handle_errors


@app.command()
@handle_errors
def run(
    input_dir: Annotated[Path, typer.Argument(help="Folder of documents (.txt, .md, .html), read recursively.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the outputs.")] = Path("outputs"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
    glossary: Annotated[
        Path | None,
        typer.Option("--glossary", help="Glossary file or folder (default: ./glossary when present)."),
    ] = None,
    no_glossary: Annotated[bool, typer.Option("--no-glossary", help="Run without any glossary.")] = False,
) -> None:
    """Ingest, detect languages and split sentences for every document under INPUT_DIR."""
    from pipeline.api import run_batch
    from pipeline.config import GlossaryConfig, RunConfig

    config = RunConfig(
        input_dir=input_dir, out_dir=out, quiet=quiet,
        glossary=GlossaryConfig(path=glossary, enabled=not no_glossary),
    )
    report = run_batch(config, progress=RichProgress(enabled=not quiet))
    if not quiet:
        from pipeline.review.summary import run_summary, summary_table

        err_console.print(summary_table(run_summary(report)))
