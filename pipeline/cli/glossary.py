"""`pipeline glossary`: check text against a glossary, validate it, convert it to and from TBX and CSV."""

from __future__ import annotations

import csv
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import app, err_console, handle_errors, read_text_argument

sub = typer.Typer(help="Terminology glossaries: check, validate, export, import.", no_args_is_help=True)
app.add_typer(sub, name="glossary")

CHECK_COLUMNS = ("line", "entry", "matched", "action", "reason", "source_replacement", "confidence", "needs_review")


class CheckFormat(str, Enum):
    json = "json"
    csv = "csv"


class ExportFormat(str, Enum):
    tbx = "tbx"
    csv = "csv"


GlossaryOption = Annotated[
    Path | None, typer.Option("--glossary", help="Glossary file or folder (default: ./glossary).")
]


def _glossary_path(path: Path | None) -> Path:
    from pipeline.errors import GlossaryError
    from pipeline.glossary.stage import default_glossary_path

    found = path if path is not None else default_glossary_path()
    if found is None:
        raise GlossaryError("no glossary found: pass --glossary PATH (a .tsv file or a folder of them)")
    return found


@sub.command()
@handle_errors
def check(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Text file, one segment per line ('-' for stdin).")],
    lang: Annotated[str, typer.Option("--lang", help="Language of the text.")] = "ru",
    glossary: GlossaryOption = None,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] = CheckFormat.json,
) -> None:
    """Print every glossary term found in FILE, with the decision (apply/skip), the rule or examples that
    decided it, and the confidence of a decision by examples."""
    from pipeline.errors import InputError
    from pipeline.glossary import Matcher, load_glossary
    from pipeline.glossary.fileformat import is_known_language

    if not is_known_language(lang):
        raise InputError(f"unknown language code {lang!r} (use an ISO 639 code such as 'ru')")
    text = read_text_argument(file)
    matcher = Matcher(load_glossary(_glossary_path(glossary)), lang)
    lines = [(number, line) for number, line in enumerate(text.splitlines()) if line.strip()]
    records = []
    for (number, _), found in zip(lines, matcher.find_many([line for _, line in lines])):
        for m in found:
            records.append({"line": number, **m.record()})
    if fmt is CheckFormat.json:
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(CHECK_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for record in records:
            confidence = record["confidence"]
            writer.writerow({**record, "confidence": "" if confidence is None else f"{confidence:.4f}",
                             "needs_review": "yes" if record["needs_review"] else ""})


@sub.command()
@handle_errors
def validate(path: Annotated[Path | None, typer.Argument(metavar="PATH", help="Glossary file or folder (default: ./glossary).")] = None) -> None:
    """Report every problem in a glossary as FILE:LINE: message; exit 2 if there is any."""
    from pipeline.glossary import read_glossary

    glossary, issues = read_glossary(_glossary_path(path))
    for issue in issues:
        err_console.print(f"{issue}", markup=False)
    if issues:
        err_console.print(f"error: {len(issues)} problem(s) in the glossary", markup=False)
        raise typer.Exit(2)
    typer.echo(f"ok: {len(glossary)} entries in {len(glossary.sources)} file(s)")


@sub.command("export")
@handle_errors
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="tbx (ISO 30042) or csv (two columns).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file (default: stdout).")] = None,
    glossary: GlossaryOption = None,
    source_lang: Annotated[str | None, typer.Option("--from", help="CSV: source language of the pair.")] = None,
    target_lang: Annotated[str | None, typer.Option("--to", help="CSV: target language of the pair.")] = None,
) -> None:
    """Write the glossary as TBX or as two-column CSV (the form DeepL and Google accept)."""
    from pipeline.glossary import load_glossary
    from pipeline.glossary.csvfmt import csv_text
    from pipeline.glossary.tbx import tbx_bytes
    from pipeline.io import write_bytes

    g = load_glossary(_glossary_path(glossary))
    data = tbx_bytes(g) if fmt is ExportFormat.tbx else csv_text(g, source_lang, target_lang).encode("utf-8")
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_bytes(out, data)
        err_console.print(f"{len(g)} entries -> {out}", markup=False)


@sub.command("import")
@handle_errors
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A .tbx file (or a two-column .csv).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Glossary .tsv to write (default: stdout).")] = None,
    source_lang: Annotated[str | None, typer.Option("--from", help="Source language (CSV: required; TBX: which langSet).")] = None,
    target_lang: Annotated[str | None, typer.Option("--to", help="CSV: target language.")] = None,
) -> None:
    """Read a TBX (or two-column CSV) glossary and write it in the glossary's TSV format."""
    import io
    import tempfile

    from pipeline.errors import InputError
    from pipeline.glossary import write_glossary
    from pipeline.glossary.csvfmt import import_csv
    from pipeline.glossary.tbx import import_tbx
    from pipeline.ingest.files import check_input_file

    check_input_file(file)  # a FIFO or a folder is refused, never opened
    if file.suffix.lower() == ".csv":
        if not source_lang or not target_lang:
            raise InputError("a two-column CSV says nothing of its languages: pass --from and --to")
        g = import_csv(file, source_lang=source_lang, target_lang=target_lang)
    else:
        g = import_tbx(file, source_lang=source_lang)
    if out is not None:
        write_glossary(g, out)
        err_console.print(f"{len(g)} entries -> {out}", markup=False)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = write_glossary(g, Path(tmp) / "glossary.tsv")
        sys.stdout.write(io.open(path, encoding="utf-8").read())
