"""An output folder holds one run's outputs: locked while a run writes, swapped in as a whole.

Layout of ``OUT_DIR``::

    aligned.csv -> .pipeline/current/aligned.csv      one link per output (file or folder)
    moses       -> .pipeline/current/moses
    .pipeline/current -> runs/<run id>                 the run whose outputs the links show
    .pipeline/runs/<run id>/…                          that run's files
    .pipeline/shards/…                                 per-document results, for resuming (see pipeline.shards)
    .pipeline/lock                                     held by the run writing here; holds its PID

A run writes every output into a new folder under ``.pipeline/runs/``, then
replaces the ``current`` link in one ``rename``: a reader sees the old set or
the new one, never a mix, and a run killed at any point leaves the previous
set in place. An exclusive lock keeps a second run out of the folder while one
is writing (it stops at once, naming the first run's PID). Temporary files and
run folders a killed run left behind are removed by the next run.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import InputError

log = logging.getLogger(__name__)

STATE_DIR = ".pipeline"
CURRENT = "current"
RUNS = "runs"
SHARDS = "shards"
LOCK = "lock"

_TEMPORARY = re.compile(r"^\..+\.(?:[a-z0-9_]{8}\.tmp|\d+\.(?:tmp|link))$")
"""Temporary files: :func:`pipeline.io.atomic_open`'s (``.NAME.XXXXXXXX.tmp``) and this module's
(``.NAME.PID.tmp``, ``.NAME.PID.link``)."""


class FolderBusy(InputError):
    """Another run holds the output folder (exit code 2)."""


class OutputFolder:
    """``OUT_DIR`` while one run writes it: lock, stage, swap (use as a context manager)."""

    def __init__(self, out_dir: Path) -> None:
        self.root = Path(out_dir)
        self.state = self.root / STATE_DIR
        self._lock_fd: int | None = None
        self.staging: Path | None = None

    # -- lock ------------------------------------------------------------------------------------------------------
    def __enter__(self) -> OutputFolder:
        self.state.mkdir(parents=True, exist_ok=True)
        self._lock()
        self.clean()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.staging is not None and self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)
        self._unlock()

    def _lock(self) -> None:
        import fcntl

        fd = os.open(self.state / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise FolderBusy(
                    f"{self.root}: another pipeline run (PID {holder}) is writing to this folder; "
                    "wait for it to finish or choose another --out"
                ) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the lock; a killed run's lock goes with its process
            self._lock_fd = None

    # -- staging and swap ------------------------------------------------------------------------------------------
    @property
    def shards(self) -> Path:
        return self.state / SHARDS

    def current(self) -> Path | None:
        """The folder of the run the outputs show now, if any."""
        link = self.state / CURRENT
        return (self.state / os.readlink(link)) if link.is_symlink() else None

    def stage(self) -> Path:
        """A new, empty folder for this run's outputs."""
        run_id = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
        (self.state / RUNS).mkdir(parents=True, exist_ok=True)
        for n in itertools.count():  # two runs in one second from one process get different folders
            self.staging = self.state / RUNS / (run_id if n == 0 else f"{run_id}-{n}")
            try:
                self.staging.mkdir()
            except FileExistsError:
                continue
            return self.staging
        raise AssertionError("unreachable")

    def commit(self) -> None:
        """Make the staged outputs the folder's outputs, in one rename; then tidy what the old set left."""
        assert self.staging is not None, "stage() first"
        names = sorted(p.name for p in self.staging.iterdir())
        previous, written_in_place = self._previous_outputs()
        for name in names:
            self._link(name, previous, written_in_place)
        tmp = self.state / f".{CURRENT}.{os.getpid()}.tmp"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        current = self.state / CURRENT
        if current.exists() and not current.is_symlink():  # a copy of the folder made without its links
            shutil.rmtree(current)
        os.symlink(Path(RUNS) / self.staging.name, tmp)
        os.replace(tmp, self.state / CURRENT)  # the commit: readers now see the new set
        _fsync_dir(self.state)
        for name in previous - set(names):
            entry = self.root / name
            if entry.is_symlink() and _points_into_state(entry):
                entry.unlink()
        self.staging = None
        self.clean()

    def _previous_outputs(self) -> tuple[set[str], set[str]]:
        """Top-level names the folder's outputs had (links into ``.pipeline``, or an older run's manifest
        entries), and the files an older version wrote in place, as its manifest lists them."""
        names = {e.name for e in self.root.iterdir() if e.is_symlink() and _points_into_state(e)}
        manifest = self.root / "manifest.json"
        in_place: set[str] = set()
        if manifest.is_file() and not manifest.is_symlink():  # a folder written before outputs were swapped whole
            in_place = _listed_outputs(self.root) or set()
            names |= {p.split("/", 1)[0] for p in in_place if p}
        return names, in_place

    def _link(self, name: str, previous: set[str], written_in_place: set[str]) -> None:
        """``OUT_DIR/name`` as a link through ``.pipeline/current``, replacing what an older run left there."""
        entry = self.root / name
        target = Path(STATE_DIR) / CURRENT / name
        if entry.is_symlink():
            if Path(os.readlink(entry)) == target:
                return
        elif entry.is_dir():
            _remove_written(entry, name, previous, written_in_place)
        tmp = self.root / f".{name}.{os.getpid()}.link"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(target, tmp)
        os.replace(tmp, entry)

    def clean(self) -> None:
        """Remove what killed runs left: staged run folders, temporary links and files."""
        current = self.current()
        runs = self.state / RUNS
        if runs.is_dir():
            for folder in runs.iterdir():
                if folder == self.staging or (current is not None and folder.resolve() == current.resolve()):
                    continue
                extra = _unlisted_files(folder)
                if extra:  # someone saved files among the outputs: never delete what no run wrote
                    log.warning("kept %s: it holds files no run wrote (%s)", folder, ", ".join(extra[:5]))
                    continue
                shutil.rmtree(folder, ignore_errors=True)
        for folder in (self.root, self.state):
            for entry in folder.iterdir():
                if _TEMPORARY.match(entry.name) and not entry.is_dir():
                    with contextlib.suppress(OSError):
                        entry.unlink()
        if self.shards.is_dir():
            for entry in self.shards.iterdir():
                if entry.name.startswith(".") and ".tmp-" in entry.name:
                    shutil.rmtree(entry, ignore_errors=True)


def _listed_outputs(folder: Path) -> set[str] | None:
    """The outputs a run folder's ``manifest.json`` lists; None without a readable manifest."""
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        outputs = data.get("outputs", []) if data.get("tool", {}).get("name") == "pipeline" else None
    except (OSError, ValueError, AttributeError):
        return None
    return {str(p) for p in outputs} if isinstance(outputs, list) else None


def _unlisted_files(folder: Path) -> list[str]:
    """Files under a finished run's folder that its manifest does not list (a half-written run lists none)."""
    listed = _listed_outputs(folder)
    if listed is None:
        return []
    found = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink())
    return [name for name in found if name not in listed]


def _remove_written(entry: Path, name: str, previous: set[str], listed: set[str]) -> None:
    """Remove a folder an older run wrote in place (before outputs were swapped whole), refusing to lose
    files that run did not write."""
    foreign = [p.relative_to(entry.parent).as_posix() for p in entry.rglob("*")
               if (p.is_file() or p.is_symlink()) and p.relative_to(entry.parent).as_posix() not in listed]
    if name not in previous or foreign:
        raise InputError(f"{entry} holds files this pipeline did not write ({', '.join(foreign[:3]) or name}); "
                         "move them or choose another --out")
    shutil.rmtree(entry)


def _points_into_state(link: Path) -> bool:
    target = os.readlink(link)
    return Path(target).parts[:1] == (STATE_DIR,)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def output_names(paths: Iterable[Path], root: Path) -> list[str]:
    """Paths relative to ``root``, ``/``-separated and sorted (as the manifest lists them)."""
    return sorted(Path(p).relative_to(root).as_posix() for p in paths)
