"""`pipeline tm`: the translation memory: import TMX, export TMX, statistics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.common import app, err_console, handle_errors

sub = typer.Typer(help="The translation memory: import and export TMX, statistics.", no_args_is_help=True)
app.add_typer(sub, name="tm")

MemoryOption = Annotated[
    Optional[Path],
    typer.Option("--tm", help="The memory store, an SQLite file (default: memory.sqlite3 in the user data folder)."),
]


def memory_path(tm: Path | None) -> Path:
    from pipeline.memory import default_memory_path

    return tm if tm is not None else default_memory_path()


@sub.command("import")
@handle_errors
def import_cmd(
    file: Annotated[Path, typer.Argument(metavar="FILE.tmx", help="A TMX file (any TMX version translate-toolkit reads).")],
    tm: MemoryOption = None,
) -> None:
    """Add the translation units of FILE.tmx to the memory (created if needed)."""
    from pipeline.errors import InputError, TranslationMemoryError
    from pipeline.memory import MemoryStore, iter_tmx

    if not file.exists():
        raise InputError(f"{file}: no such file")
    read = 0
    bad_langs: list[str] = []

    def counted():
        nonlocal read
        for unit in iter_tmx(file, bad_langs=bad_langs):  # a stream: a TMX of any size is imported in flat memory
            read += 1
            yield unit

    path = memory_path(tm)
    existed = path.exists()
    try:
        with MemoryStore(path) as store:
            new = store.add(counted())
    except TranslationMemoryError:  # nothing was stored: a store made for this import is not left behind
        if not existed:
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
        raise
    typer.echo(f"imported {read} pairs from {file} into {path}: {new} new, {read - new} already there")
    if bad_langs:
        err_console.print(f"left out {len(bad_langs)} segments whose xml:lang is not a language code "
                          f"(first: {ascii(bad_langs[0])})", markup=False)


@sub.command("export")
@handle_errors
def export_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="The TMX file to write.")],
    tm: MemoryOption = None,
    lang_from: Annotated[Optional[str], typer.Option("--from", help="Only pairs from this language.")] = None,
    lang_to: Annotated[Optional[str], typer.Option("--to", help="Only pairs into this language.")] = None,
) -> None:
    """Write the memory (or one language pair of it) as TMX 1.4b, with each pair's origin and date."""
    from pipeline import __version__
    from pipeline.memory import MemoryStore, write_tmx

    with MemoryStore(memory_path(tm), create=False) as store:
        count = write_tmx(out, store.units(lang_from, lang_to), tool_version=__version__)
    err_console.print(f"wrote {count} pairs to {out}", markup=False)


@sub.command("stats")
@handle_errors
def stats_cmd(
    tm: MemoryOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """How many pairs the memory holds, by language pair and by origin."""
    from pipeline.memory import MemoryStore

    with MemoryStore(memory_path(tm), create=False) as store:
        stats = store.stats()
    if as_json:
        typer.echo(json.dumps(vars(stats), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{stats.path}: {stats.units} pairs" + (f", {stats.oldest[:10]} to {stats.newest[:10]}" if stats.units else ""))
    for title, counts in (("language pairs", stats.by_pair), ("origins", stats.by_origin)):
        if counts:
            typer.echo(f"{title}:")
            for name, n in counts.items():
                typer.echo(f"  {n:>7}  {name}")
