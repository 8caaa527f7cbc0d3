"""`pipeline detect`: the language of individual files."""

from __future__ import annotations

import csv
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import app, handle_errors


class DetectFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
@handle_errors
def detect(
    paths: Annotated[list[Path], typer.Argument(metavar="FILE", help="Files to identify.")],
    fmt: Annotated[DetectFormat, typer.Option("--format", "-f", help="Output format.")] = DetectFormat.table,
) -> None:
    """Print the path, language and score of each file."""
    from pipeline.api import detect_files

    rows = detect_files(paths)
    if fmt is DetectFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt is DetectFormat.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=["path", "lang", "score", "status", "reason"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table("path", "lang", "score", "status")
        for row in rows:
            status = row["status"] if not row["reason"] else f"{row['status']}: {row['reason']}"
            table.add_row(row["path"], row["lang"], f"{row['score']:.3f}", status)
        Console().print(table)
