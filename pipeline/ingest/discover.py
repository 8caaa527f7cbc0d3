"""Finding the input files under a folder, with a row for every one that cannot be used.

The walk reads folders with :func:`os.scandir` and never opens a file, so a
FIFO or a device cannot block it. Symlinked folders are descended only with
``follow_symlinks``, and then each real folder once, so a symlink loop ends
the walk of that branch instead of the batch. Every candidate that cannot be
read (a FIFO named ``x.txt``, a symlink loop, a name that is not UTF-8 or holds
control characters, a symlink out of the input folder, an unreadable folder)
comes back as an :class:`InputFile` with its ``problem``: one ``skipped`` row,
and the batch goes on.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputError
from pipeline.ingest.files import file_kind, read_file_bytes, too_large

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES

MANIFEST_NAME = "manifest.json"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024

__all__ = ["HTML_SUFFIXES", "SUFFIXES", "TEXT_SUFFIXES", "InputFile", "discover", "escape_name", "scan_inputs"]


@dataclass(frozen=True, slots=True)
class InputFile:
    """One candidate input found under the input folder."""

    path: Path
    """Where to read it (the name as the file system spells it, undecodable bytes as surrogate escapes)."""
    rel_path: str
    """The path relative to the input folder, ``/``-separated and printable (:func:`escape_name`)."""
    problem: str = ""
    """Why it cannot be read (it becomes a ``skipped`` document with this reason); empty when it can."""

    @property
    def html(self) -> bool:
        return self.path.suffix.lower() in HTML_SUFFIXES


def escape_name(name: str) -> str:
    """A file name made printable and XML-safe, with nothing lost: bytes that are not UTF-8 become ``\\xNN``,
    control and other unprintable characters ``\\xNN``/``\\uNNNN``; every other character is kept as it is.

    ``name`` is what :func:`os.fsdecode` gives, undecodable bytes held as surrogate escapes.
    """
    if not _needs_escape(name):
        return name
    out = []
    for ch in name:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif _unsafe_char(ch):
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _unsafe_char(ch: str) -> bool:
    # Cc: C0/C1 controls (also tab and newline: a file name holds neither); Cs: lone surrogates;
    # U+FFFE/U+FFFF are not XML characters; Zl/Zp break lines in CSV viewers.
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in "\ufffe\uffff"


def _needs_escape(name: str) -> bool:
    return not name.isprintable() and any(_unsafe_char(ch) for ch in name)


def _name_problem(rel: str) -> str:
    if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in rel):
        return "name is not valid UTF-8 (shown with \\x escapes)"
    if any(_unsafe_char(ch) for ch in rel):
        return "name holds control characters (shown with \\x escapes)"
    return ""


def scan_inputs(
    input_dir: str | os.PathLike[str],
    *,
    exclude: Iterable[str | os.PathLike[str]] = (),
    follow_symlinks: bool = False,
    max_bytes: int | None = None,
) -> list[InputFile]:
    """Every input candidate under ``input_dir``, recursively, sorted by relative path.

    Files with an input suffix (:data:`SUFFIXES`) are candidates. Left out without a row: hidden files and
    folders (``.git``, ``.DS_Store``), everything under the folders in ``exclude`` (the run's own output
    folder) and under an earlier run's folder (one holding a pipeline ``manifest.json``).

    Symlinks to files are followed when their target lies inside ``input_dir``; symlinked folders are not
    descended (their files are found at their real place). With ``follow_symlinks`` both are followed
    wherever they point, each real folder walked once. A symlink out of the input folder (without
    ``follow_symlinks``), a broken symlink or a symlink loop, a FIFO, socket or device, a name that is not
    UTF-8 or holds control characters, a file of more than ``max_bytes`` bytes, and a folder that cannot be
    listed each come back with a ``problem``.

    Raises :class:`InputError` when ``input_dir`` is missing or not a folder.
    """
    root = Path(input_dir)
    if not root.exists():
        raise InputError(f"input folder not found: {root}")
    if not root.is_dir():
        raise InputError(f"not a folder: {root} (pass the folder that holds the documents)")
    return _Walker(root, exclude, follow_symlinks, max_bytes).run()


def discover(input_dir: str | os.PathLike[str], exclude: Iterable[str | os.PathLike[str]] = ()) -> list[Path]:
    """The readable input files under ``input_dir`` (those :func:`scan_inputs` finds without a problem)."""
    return [entry.path for entry in scan_inputs(input_dir, exclude=exclude) if not entry.problem]


_Folder = tuple[str, str, frozenset]
"""A folder to list: its path, its path relative to the input folder, and the (device, inode) of the folders above it."""


class _Walker:
    """An iterative walk (no recursion limit on deep trees); symlinked folders are walked after the real tree, in
    path order, so a file reached both ways is always listed under its real path."""

    def __init__(
        self, root: Path, exclude: Iterable[str | os.PathLike[str]], follow_symlinks: bool, max_bytes: int | None,
    ) -> None:
        self.root = os.fspath(root)
        self.real_root = os.path.realpath(root)
        self.excluded = [os.path.realpath(p) for p in exclude]
        self.follow = follow_symlinks
        self.max_bytes = max_bytes
        self.seen: set[tuple[int, int]] = set()
        self.found: list[tuple[str, InputFile]] = []

    def run(self) -> list[InputFile]:
        folders: list[_Folder] = [(self.root, "", frozenset())]
        links: list[_Folder] = []
        while folders or links:
            if not folders:
                links.sort(key=lambda item: item[1], reverse=True)
                folders.append(links.pop())
            self.list_folder(*folders.pop(), folders, links)
        return [entry for _, entry in sorted(self.found, key=lambda item: item[0])]

    def add(self, path: str, rel: str, problem: str = "") -> None:
        problem = problem or _name_problem(rel)
        self.found.append((rel, InputFile(Path(path), escape_name(rel), problem)))

    def within(self, real: str, folder: str) -> bool:
        return real == folder or real.startswith(folder.rstrip(os.sep) + os.sep)

    def list_folder(self, folder: str, rel: str, ancestors: frozenset, folders: list[_Folder], links: list[_Folder]) -> None:
        try:
            info = os.stat(folder)
            key = (info.st_dev, info.st_ino)
            if key in ancestors:
                self.add(folder, rel, "symlink loop (the link leads back to a folder above it)")
                return
            if key in self.seen:  # reached a second time through a followed symlink
                return
            self.seen.add(key)
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.add(folder, rel or ".", f"unreadable folder: {exc.strerror or exc}")
            return
        ancestors = ancestors | {key}
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child = (entry.path, f"{rel}/{entry.name}" if rel else entry.name, ancestors)
            wanted = os.path.splitext(entry.name)[1].lower() in SUFFIXES
            try:
                if entry.is_symlink():
                    self.visit_link(child, wanted, links)
                elif entry.is_dir(follow_symlinks=False):
                    if not self.skipped_folder(entry.path):
                        folders.append(child)
                elif wanted:
                    self.add(child[0], child[1], self.file_problem(entry.stat(follow_symlinks=False)))
            except OSError as exc:
                if wanted:
                    self.add(child[0], child[1], f"unreadable: {exc.strerror or exc}")

    def visit_link(self, link: _Folder, wanted: bool, links: list[_Folder]) -> None:
        path, rel, _ = link
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self.add(path, rel, "symlink loop")
            elif wanted:
                self.add(path, rel, f"broken symlink ({exc.strerror or exc})")
            return
        real = os.path.realpath(path)
        if stat.S_ISDIR(mode):
            if self.follow:
                if not self.skipped_folder(path):
                    links.append(link)
            elif not self.within(real, self.real_root):
                self.add(path, rel, "symlink to a folder outside the input folder (not followed)")
            # a symlinked folder inside the input folder: its files are listed where they really are
        elif not wanted or any(self.within(real, ex) for ex in self.excluded):
            return
        elif not self.follow and not self.within(real, self.real_root):
            self.add(path, rel, "symlink to a file outside the input folder (not followed)")
        else:
            self.add(path, rel, self.file_problem(os.stat(path)))

    def file_problem(self, info: os.stat_result) -> str:
        """Why a file with this ``stat`` is not read: not a regular file, or over the size limit; empty when it is read."""
        if not stat.S_ISREG(info.st_mode):
            return f"not a regular file ({file_kind(info.st_mode)})"
        if self.max_bytes is not None and info.st_size > self.max_bytes:
            return too_large(info.st_size, self.max_bytes)
        return ""

    def skipped_folder(self, path: str) -> bool:
        """The run's output folder, and earlier runs' folders, are never input."""
        real = os.path.realpath(path)
        return any(self.within(real, ex) for ex in self.excluded) or is_run_folder(path)


def is_run_folder(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` holds a pipeline run's ``manifest.json`` (its files are outputs, not input)."""
    manifest = os.path.join(folder, MANIFEST_NAME)
    try:
        info = os.stat(manifest)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MANIFEST_BYTES:
            return False
        data = json.loads(read_file_bytes(manifest))
        return isinstance(data, dict) and data.get("tool", {}).get("name") == "pipeline"
    except (OSError, ValueError, AttributeError):
        return False
