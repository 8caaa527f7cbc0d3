"""Command-line interface: a thin typer shell over :mod:`pipeline.api`.

Each command module registers its commands on :data:`app`; errors are mapped
to one-line messages and exit codes in :func:`pipeline.cli.common.handle_errors`.
"""

from __future__ import annotations

from pipeline.cli.common import app
from pipeline.cli import align as _align  # noqa: F401  (registers `align`)
from pipeline.cli import detect as _detect  # noqa: F401  (registers `detect`)
from pipeline.cli import glossary as _glossary  # noqa: F401  (registers `glossary`)
from pipeline.cli import run as _run  # noqa: F401  (registers `run`)
from pipeline.cli import models as _models  # noqa: F401  (registers `models`)
from pipeline.cli import translate as _translate  # noqa: F401  (registers `translate`)
from pipeline.cli import review as _review  # noqa: F401  (registers `review`)
from pipeline.cli import tm as _tm  # noqa: F401  (registers `tm`)
from pipeline.cli import export as _export  # noqa: F401  (registers `export`)


def main() -> None:
    app(prog_name="pipeline")


__all__ = ["app", "main"]
