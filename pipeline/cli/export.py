"""`pipeline export`: a run folder in the formats other tools read (XLIFF; JSON Lines and Parquet of the corpus)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.common import app, err_console, handle_errors

sub = typer.Typer(help="Export a run folder: XLIFF for CAT tools, JSON Lines or Parquet for data pipelines.",
                  no_args_is_help=True)
app.add_typer(sub, name="export")

RunDir = Annotated[Path, typer.Argument(metavar="RUN_DIR", help="A run folder (the --out of `pipeline run`).")]


class XliffVersion(str, Enum):
    v20 = "2.0"
    v12 = "1.2"


@sub.command("xliff")
@handle_errors
def xliff_cmd(
    run_dir: RunDir,
    version: Annotated[XliffVersion, typer.Option("--version", help="XLIFF 2.0, or 1.2 for older tools.")] = XliffVersion.v20,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for the .xlf files (default: RUN_DIR/xliff).")] = None,
) -> None:
    """One XLIFF file per document with something to translate: a unit per sentence, glossary notes, quality metadata."""
    from pipeline.xliff import export_run

    written = export_run(run_dir, out, version=version.value)
    if not written:
        err_console.print(f"no document in {run_dir} has sentences to translate; nothing written", markup=False)
        return
    err_console.print(f"wrote {len(written)} XLIFF {version.value} file(s) to {written[0].parent}", markup=False)


def _pairs(run_dir: Path):
    from pipeline.corpus import ALIGNED_CSV
    from pipeline.review.runfiles import read_aligned

    return read_aligned(run_dir / ALIGNED_CSV)


@sub.command("jsonl")
@handle_errors
def jsonl_cmd(
    run_dir: RunDir,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="The file to write (default: RUN_DIR/aligned.jsonl).")] = None,
) -> None:
    """aligned.csv as JSON Lines, with typed values (ids as lists, scores as numbers, flags as a list)."""
    from pipeline.corpus import ALIGNED_JSONL, write_aligned_jsonl

    path = write_aligned_jsonl(out or run_dir / ALIGNED_JSONL, _pairs(run_dir))
    err_console.print(f"wrote {path}", markup=False)


@sub.command("parquet")
@handle_errors
def parquet_cmd(
    run_dir: RunDir,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="The file to write (default: RUN_DIR/aligned.parquet).")] = None,
) -> None:
    """aligned.csv as Parquet (needs pyarrow: pip install 'pipeline[parquet]')."""
    from pipeline.corpus import ALIGNED_PARQUET, write_aligned_parquet

    path = write_aligned_parquet(out or run_dir / ALIGNED_PARQUET, _pairs(run_dir))
    err_console.print(f"wrote {path}", markup=False)
