"""`pipeline review`: the review page and the reviewed-CSV round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.common import app, err_console, handle_errors

sub = typer.Typer(help="Review the aligned corpus: the review page, and applying a reviewed CSV.", no_args_is_help=True)
app.add_typer(sub, name="review")


@sub.command("apply")
@handle_errors
def apply_cmd(
    reviewed: Annotated[Path, typer.Argument(metavar="REVIEWED", help="The reviewed aligned.csv: downloaded from review.html, or a copy as a spreadsheet saved it.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the final corpus (aligned.csv, corpus.tmx, moses/).")],
    run: Annotated[
        Optional[Path], typer.Option("--run", help="The run folder to check against (default: the reviewed file's folder).")
    ] = None,
    tm: Annotated[
        Optional[Path],
        typer.Option("--tm", help="Translation memory store to add the approved translations to (default: the user's)."),
    ] = None,
    no_tm: Annotated[bool, typer.Option("--no-tm", help="Do not add the approved translations to a translation memory.")] = False,
) -> None:
    """Write the accepted and edited pairs of REVIEWED as the final corpus; refuse a file that no longer matches the run.

    The accepted and edited translation pairs also go into the translation memory, which later runs consult
    before machine translation.
    """
    from pipeline.review.apply import apply_review, describe

    memory = None if no_tm else _check_memory(tm)  # an unusable memory stops the command before anything is written
    result = apply_review(reviewed, out, run_dir=run)
    for line in describe(result):
        typer.echo(line)
    if memory is not None:
        from pipeline.memory import MemoryStore, record_review

        with MemoryStore(memory) as store:
            recorded, new = record_review(store, result.kept, Path(reviewed).name)
        typer.echo(f"added {recorded} translation pairs to the translation memory {memory} ({new} new)")


def _check_memory(tm: Path | None) -> Path:
    """The memory store to add to: an existing one is opened once to check it; a new one is made only when used."""
    from pipeline.memory import MemoryStore, default_memory_path

    path = tm if tm is not None else default_memory_path()
    if path.is_dir() or path.exists():
        MemoryStore(path, create=False).close()
    return path


@sub.command("html")
@handle_errors
def html_cmd(
    run_dir: Annotated[Path, typer.Argument(metavar="RUN_DIR", help="A run folder (the --out of `pipeline run`).")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Where to write the page (default: RUN_DIR/review.html).")] = None,
    threshold: Annotated[
        Optional[float], typer.Option("--threshold", min=0.0, max=1.0, help="Review threshold, 0 to 1 (default: the run's setting).")
    ] = None,
) -> None:
    """Regenerate review.html from a run folder's aligned.csv (with glossary_report.csv and sentences.csv if present).

    Decisions made in the run's page stay in the browser under the run's checksum; the new page shows them too."""
    from pipeline.review import page_from_run

    path = page_from_run(run_dir, out, threshold=threshold)
    err_console.print(f"wrote {path}", markup=False)
