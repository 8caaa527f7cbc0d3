"""The root typer app, shared options and the one place errors become exit codes."""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from pipeline import __version__
from pipeline.errors import PipelineError
from pipeline.stages import Progress

app = typer.Typer(
    name="pipeline",
    help="Offline multilingual document translation and alignment.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
_state = {"verbose": False}

F = TypeVar("F", bound=Callable[..., Any])


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pipeline {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details and show tracebacks of unexpected errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Offline multilingual document translation and alignment."""
    _state["verbose"] = verbose
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def read_text_argument(source: str | Path) -> str:
    """The text of a FILE argument as UTF-8 (a byte-order mark is dropped), or standard input for ``-``.

    Only a regular file is read: a FIFO or a device is refused with a usage error, never opened.
    """
    from pipeline.ingest.files import read_text_file

    if str(source) == "-":
        return sys.stdin.read()
    return read_text_file(source)


def fail(message: str, code: int) -> typer.Exit:
    err_console.print(f"error: {message}", markup=False)
    return typer.Exit(code)


def handle_errors(fn: F) -> F:
    """Turn package errors into one line on stderr and their exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PipelineError as exc:
            raise fail(str(exc), exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the reader went away (`pipeline … | head`): stop quietly, as Unix tools do
            _silence_stdout()
            raise typer.Exit(SIGPIPE_EXIT_CODE) from None
        except Exception as exc:
            if _state["verbose"]:
                raise
            raise fail(f"unexpected {type(exc).__name__}: {exc} (run with --verbose for details)", 1) from None

    return wrapper  # type: ignore[return-value]


SIGPIPE_EXIT_CODE = 141
"""128 + SIGPIPE: what a shell reports for a command whose reader closed the pipe."""


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush does not fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


class RichProgress(Progress):
    """A progress bar on stderr, one task per stage; off when stderr is not a terminal."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and err_console.is_terminal

    def track(self, items: Iterable[Any], description: str, total: int | None = None) -> Iterable[Any]:
        if not self.enabled:
            return items
        from rich.progress import track

        return track(items, description=f"{description:>10}", total=total, console=err_console, transient=True)

    @contextlib.contextmanager
    def bar(self, description: str, total: int) -> Iterator[Callable[[int], None]]:
        if not self.enabled:
            yield lambda steps: None
            return
        from rich.progress import Progress as Bar

        with Bar(console=err_console, transient=True) as bar:
            task = bar.add_task(f"{description:>10}", total=total)
            yield lambda steps: bar.advance(task, steps)


class LineProgress(Progress):
    """``--quiet`` on a long run: one line per stage on stderr, once the run has taken a few seconds."""

    def __init__(self, after_seconds: float = 5.0) -> None:
        import time

        self.after = after_seconds
        self.started = time.monotonic()

    def _elapsed(self) -> float:
        import time

        return time.monotonic() - self.started

    @contextlib.contextmanager
    def bar(self, description: str, total: int) -> Iterator[Callable[[int], None]]:
        done = [0, 0.0]

        def advance(steps: int) -> None:
            done[0] += steps
            if self._elapsed() >= self.after and self._elapsed() - done[1] >= 30:
                done[1] = self._elapsed()
                err_console.print(f"{description}: {done[0]}/{total}", markup=False)

        yield advance

    def stage(self, name: str, seconds: float) -> None:
        if self._elapsed() >= self.after:
            err_console.print(f"{name}: done in {seconds:.1f} s", markup=False)
