"""`pipeline models`: list, install and remove Argos translation packages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.common import app, err_console, handle_errors

sub = typer.Typer(help="Manage the installed translation models (Argos packages).", no_args_is_help=True)
app.add_typer(sub, name="models")


@sub.callback()
@handle_errors
def _translation_installed() -> None:
    from pipeline.extras import require

    require("translate", "pipeline models")


@sub.command("list")
@handle_errors
def list_models(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array instead of a table.")] = False,
) -> None:
    """List installed models: from, to, version, path."""
    from pipeline.translate.packages import list_packages, packages_dir

    rows = [p.as_dict() for p in list_packages()]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        err_console.print(f"no translation models installed in {packages_dir()}", markup=False)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("from", "to", "version", "path")
    for row in rows:
        table.add_row(row["from"], row["to"], row["version"], row["path"])
    Console(soft_wrap=True).print(table)


@sub.command()
@handle_errors
def install(
    from_code: Annotated[Optional[str], typer.Argument(metavar="FROM", help="Source language code, e.g. ru.")] = None,
    to_code: Annotated[Optional[str], typer.Argument(metavar="TO", help="Target language code, e.g. en.")] = None,
    file: Annotated[
        Optional[Path], typer.Option("--file", "-f", help="Install this .argosmodel file (offline).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for Argos' package index.")] = 20.0,
) -> None:
    """Install a model from a .argosmodel file, or download FROM TO through Argos' package index."""
    from pipeline.errors import UsageError
    from pipeline.translate import packages

    if file is not None:
        if from_code or to_code:
            raise UsageError("give either --file PATH or FROM TO, not both")
        done = packages.install_package(file)
    elif from_code and to_code:
        done = packages.install_from_index(from_code, to_code, timeout=timeout)
    else:
        raise UsageError("give FROM TO (e.g. `pipeline models install ru en`) or --file PATH.argosmodel")
    typer.echo(done.describe())


@sub.command()
@handle_errors
def remove(
    from_code: Annotated[str, typer.Argument(metavar="FROM")],
    to_code: Annotated[str, typer.Argument(metavar="TO")],
) -> None:
    """Remove the installed model(s) for FROM → TO."""
    from pipeline.translate.packages import remove_package

    for pkg in remove_package(from_code, to_code):
        typer.echo(f"removed {pkg.from_code}→{pkg.to_code} {pkg.version} ({pkg.path})")
