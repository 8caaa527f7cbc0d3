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

from pipeline.errors import IngestError, InputError

__all__ = [
    "MAX_DOCUMENT_BYTES", "NotRegularFileError", "TooLargeError", "check_input_file", "file_kind", "read_document_bytes",
    "read_file_bytes", "read_text_file",
]

MAX_DOCUMENT_BYTES = 32_000_000
"""Largest document read (32 MB, thousands of news articles' worth). A document is read whole into memory, so a
bigger file named like one (a database dump called ``.txt``, a sparse file) is skipped rather than let it end
the run for memory, and every rerun with it."""


class NotRegularFileError(IngestError):
    """The path is a FIFO, socket, device or folder, not a regular file."""


class TooLargeError(IngestError):
    """The file is larger than a document can be (:data:`MAX_DOCUMENT_BYTES`)."""


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


def read_file_bytes(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file (symlinks followed); never opens a FIFO or device.

    Raises :class:`NotRegularFileError` for anything but a regular file, :class:`TooLargeError` for a file
    of more than ``max_bytes`` (never read), and ``OSError`` when the file cannot be read.
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise _not_regular(Path(path), mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with open(fd, "rb", closefd=True) as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):  # swapped between the stat and the open
            raise _not_regular(Path(path), info.st_mode)
        if max_bytes is None:
            return handle.read()
        data = handle.read(max_bytes + 1)  # a file still growing stops here too
        if info.st_size > max_bytes or len(data) > max_bytes:
            size = max(info.st_size, len(data))
            raise TooLargeError(f"too large ({size / 1e6:.1f} MB; documents of up to {max_bytes / 1e6:.1f} MB are read)")
        return data


def read_document_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a document file: :func:`read_file_bytes` up to :data:`MAX_DOCUMENT_BYTES`."""
    return read_file_bytes(path, max_bytes=MAX_DOCUMENT_BYTES)


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
