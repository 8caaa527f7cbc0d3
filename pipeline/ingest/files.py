"""Opening input files safely: only regular files are ever opened as documents.

A FIFO named ``x.txt`` blocks the reader until someone writes to it, and a
device (``/dev/zero``) never ends. Every command reads its documents through
here: the kind of file is checked with ``stat`` before it is opened, and the
open itself is non-blocking, with the kind checked again on the open file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import IngestError, InputError

__all__ = [
    "FileTooLargeError", "NotRegularFileError", "check_input_file", "file_kind", "open_regular_file", "read_file_bytes",
    "read_text_file", "too_large",
]


class NotRegularFileError(IngestError):
    """The path is a FIFO, socket, device or folder, not a regular file."""


class FileTooLargeError(IngestError):
    """The file is larger than the limit it was read with."""


def too_large(size: int, max_bytes: int) -> str:
    """Why a file of ``size`` bytes is not read: one line that names the option that sets the limit."""
    return f"too large: {size / 1e6:,.1f} MB, over the {max_bytes / 1e6:g} MB limit (--max-file-mb)"


def file_kind(mode: int) -> str:
    """What a ``st_mode`` describes, in words: ``regular file``, ``folder``, ``FIFO``, …"""
    if stat.S_ISREG(mode):
        return "regular file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISLNK(mode):
        return "symbolic link"
    return "special file"


def _not_regular(path: Path, mode: int) -> NotRegularFileError:
    return NotRegularFileError(f"not a regular file ({file_kind(mode)})")


def open_regular_file(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened for reading in binary mode when it is a regular file (symlinks followed); never opens a FIFO
    or device for good: the open is non-blocking and the kind is checked again on the open file.

    Raises :class:`NotRegularFileError` for anything but a regular file, and ``OSError`` when it cannot be opened.
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise _not_regular(Path(path), mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    handle = open(os.open(path, flags), "rb", closefd=True)
    mode = os.fstat(handle.fileno()).st_mode
    if not stat.S_ISREG(mode):  # swapped between the stat and the open
        handle.close()
        raise _not_regular(Path(path), mode)
    return handle


def read_file_bytes(path: str | os.PathLike[str], max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file (:func:`open_regular_file`).

    Raises :class:`NotRegularFileError` for anything but a regular file, :class:`FileTooLargeError` when it
    holds more than ``max_bytes`` (never more than that is read), and ``OSError`` when it cannot be read.
    """
    with open_regular_file(path) as handle:
        if max_bytes is None:
            return handle.read()
        size = os.fstat(handle.fileno()).st_size
        data = b"" if size > max_bytes else handle.read(max_bytes + 1)  # a file still growing stops here too
        if size > max_bytes or len(data) > max_bytes:
            raise FileTooLargeError(too_large(max(size, len(data)), max_bytes))
        return data


def check_input_file(path: str | os.PathLike[str], *, label: str = "file", folder_hint: str = "") -> Path:
    """``path`` as a :class:`~pathlib.Path` when it names a readable regular file, else a one-line :class:`InputError`.

    ``label`` names the file in messages (``pairs file``); ``folder_hint`` is added when ``path``
    is a folder (`` (use `pipeline run` for folders)``).
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(f"{label} not found: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"not a file: {path}{folder_hint}")
    if not stat.S_ISREG(mode):
        raise InputError(f"not a regular file: {path} (a {file_kind(mode)}; give a regular file)")
    return path


def read_text_file(path: str | os.PathLike[str], *, label: str = "file") -> str:
    """A regular file's text as UTF-8 (a byte-order mark is dropped, newlines read as ``\\n`` as in text mode);
    a one-line :class:`InputError` otherwise."""
    path = check_input_file(path, label=label)
    try:
        return read_file_bytes(path).decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except NotRegularFileError as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise InputError(f"cannot read {path} as UTF-8 text: {reason}") from None
