"""Command-line interface: a thin typer shell over :mod:`pipeline.api`.

Each command module registers its commands on :data:`app`; errors are mapped
to one-line messages and exit codes in :func:`pipeline.cli.common.handle_errors`.
"""

from __future__ import annotations

from pipeline.cli.common import app, err_console
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
    """The ``pipeline`` command. A mistyped command line (an unknown option, a missing argument, a value out of
    range) is one line on stderr and exit code 2, as every other usage error."""
    import sys

    import typer

    empty = _empty_argument(sys.argv[1:])
    if empty:
        err_console.print(f"error: {empty} is empty (an empty path would be the current folder; is a variable unset?)",
                          markup=False)
        sys.exit(2)
    try:
        code = app(prog_name="pipeline", standalone_mode=False)
    except typer.Abort:
        err_console.print("Aborted!", markup=False)
        code = 1
    except typer.TyperException as exc:  # the command-line parser's errors
        code = getattr(exc, "exit_code", 1)
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":  # `pipeline` or `pipeline glossary` alone: the help
            if exc.format_message():  # (typer's own help is printed already, and leaves the message empty)
                print(exc.format_message())
        elif ctx is not None:
            where = ctx.command_path
            err_console.print(f"error: {where}: {exc.format_message()} (`{where} -h` for help)", markup=False)
        else:
            exc.show()
    sys.exit(code if isinstance(code, int) else 0)


def _empty_argument(args: list[str]) -> str:
    """The first empty argument, named (``--out``, ``argument 2``), or ``""``.

    No command takes an empty value: every argument is a path, a language code, a number or a name. An empty
    path is the current folder to pathlib, so `pipeline run "$IN" --out "$OUT"` with a variable unset would
    read the whole current folder as input, or write the run's outputs into it.
    """
    for i, arg in enumerate(args):
        if arg == "":
            before = args[i - 1] if i else ""
            named = before.startswith("-") and "=" not in before and _takes_value(args[:i - 1], before)
            return before if named else f"argument {i + 1}"
        if arg.startswith("--") and arg.endswith("=") and len(arg) > 3:
            return arg[:-1]
    return ""


def _takes_value(before: list[str], option: str) -> bool:
    """Whether ``option``, of the (sub)command that the arguments ``before`` it name, takes a value (not a flag)."""
    import typer

    command = typer.main.get_command(app)
    for arg in before:
        command = getattr(command, "commands", {}).get(arg, command)
    for param in command.params:
        if option in (*param.opts, *param.secondary_opts):
            return not (getattr(param, "is_flag", False) or getattr(param, "count", False))
    return True


__all__ = ["app", "main"]
