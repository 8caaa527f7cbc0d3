"""`pipeline translate`: translate ad hoc text with the installed models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.common import app, handle_errors, read_text_argument


@app.command()
@handle_errors
def translate(
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="UTF-8 text file, or - for standard input.")],
    from_code: Annotated[str, typer.Option("--from", help="Language of the text, e.g. ru.")],
    to_code: Annotated[str, typer.Option("--to", help="Language to translate into.")] = "en",
    cache: Annotated[Optional[Path], typer.Option("--cache", help="Translation cache (SQLite file).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the translation cache.")] = False,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda or auto.")] = "cpu",
) -> None:
    """Translate FILE (or standard input) line by line; sentences are split by the pipeline's own segmenter."""
    from pipeline.config import TranslateConfig
    from pipeline.extras import require
    from pipeline.langcode import validate_lang_code
    from pipeline.translate import engine_from_config, translate_text

    require("translate", "pipeline translate")
    from_code, to_code = validate_lang_code(from_code, "--from"), validate_lang_code(to_code, "--to")
    text = read_text_argument(source)
    config = TranslateConfig(use_cache=not no_cache, cache_path=cache, device=device)
    engine = engine_from_config(config)
    typer.echo(translate_text(text, from_code, to_code, engine))
