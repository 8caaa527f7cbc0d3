"""Runs that stop half-way: resume after `kill -9`, one run per output folder, the outputs swapped in whole."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pipeline.outfolder
from pipeline.api import run_batch
from pipeline.config import RunConfig
from tests.conftest import SEEDS, output_files

DRIVER = r"""
import os, signal, sys
from pathlib import Path

point, n, inp, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
seen = [0]

def tick():
    seen[0] += 1
    if seen[0] >= n:
        os.kill(os.getpid(), signal.SIGKILL)

def after(owner, name):
    real = getattr(owner, name)
    def patched(*args, **kwargs):
        result = real(*args, **kwargs)
        tick()
        return result
    setattr(owner, name, patched)

import numpy
import pipeline.io, pipeline.outfolder, pipeline.shards
if point == "shard-saved":      # after n shards are on disk
    after(pipeline.shards.DocumentStore, "save")
elif point == "shard-writing":  # inside the n-th shard's save: its documents written, its vectors not yet
    after(pipeline.shards.np, "save")
elif point == "outputs":        # half-way through writing the output files (after n CSV rows)
    after(pipeline.io.CsvWriter, "write")
elif point == "before-swap":    # every output staged, not yet swapped in
    real = pipeline.outfolder.OutputFolder.commit
    pipeline.outfolder.OutputFolder.commit = lambda self: (tick(), real(self))
elif point == "after-swap":     # swapped in, the old set not yet tidied away
    after(pipeline.outfolder, "_fsync_dir")

from pipeline.api import run_batch
from pipeline.config import RunConfig
run_batch(RunConfig(input_dir=inp, out_dir=out, quiet=True, shard_size=3))
"""


def corpus_folder(root: Path, n: int) -> Path:
    """``n`` small distinct articles (paragraphs of the seeds, Russian and English), in two subfolders."""
    paragraphs = []
    for seed in sorted(SEEDS.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        paragraphs += [p.strip() for p in text.split("\n\n") if len(p.strip()) > 80 and not p.startswith(("#", "!", "["))]
    for i in range(n):
        sub = root / f"part{i % 2}"
        sub.mkdir(parents=True, exist_ok=True)
        chosen = [paragraphs[(i + k * 7) % len(paragraphs)] for k in range(3)]
        (sub / f"{i:03d}.txt").write_text("\n\n".join(chosen) + f"\n\nItem {i}.\n", encoding="utf-8")
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every output as a reader sees it; the manifest without its timing."""
    files = {}
    for name in output_files(folder):
        data = (folder / name).read_bytes()
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest.pop("timing")
            manifest["settings"].pop("out_dir")
            data = json.dumps(manifest, sort_keys=True).encode()
        files[name] = data
    return files


def killed_run(point: str, n: int, inp: Path, out: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", DRIVER, point, str(n), str(inp), str(out)],
                          capture_output=True, text=True, timeout=600, env=os.environ.copy())
    assert proc.returncode == -9, f"the run was not killed at {point} #{n}: {proc.returncode}\n{proc.stderr[-2000:]}"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("resume")
    full = corpus_folder(root / "full", 14)
    half = root / "half"
    shutil.copytree(full / "part0", half / "part0")
    reference = root / "reference" / "out"  # review.html's title is the folder's name: all are "out"
    run_batch(RunConfig(input_dir=full, out_dir=reference, quiet=True, shard_size=3))
    previous = root / "previous" / "out"
    run_batch(RunConfig(input_dir=half, out_dir=previous, quiet=True, shard_size=3))
    return full, half, snapshot(reference), snapshot(previous)


@pytest.mark.parametrize("point,n", [("shard-saved", 1), ("shard-saved", 3), ("shard-writing", 2), ("outputs", 40),
                                     ("before-swap", 1), ("after-swap", 1)])
def test_a_run_killed_anywhere_resumes_to_the_same_outputs(folders, tmp_path, point, n):
    full, half, reference, previous = folders
    out = tmp_path / "out"
    run_batch(RunConfig(input_dir=half, out_dir=out, quiet=True, shard_size=3))  # an earlier run's outputs
    killed_run(point, n, full, out)
    # the folder shows one run's complete set: the earlier run's, or (once swapped) the new one
    assert snapshot(out) == (reference if point == "after-swap" else previous)
    report = run_batch(RunConfig(input_dir=full, out_dir=out, quiet=True, shard_size=3))
    assert snapshot(out) == reference
    if point.startswith("shard"):  # what the killed run finished is reused (and shards the earlier run shares)
        assert report.shards["reused"] >= (n if point == "shard-saved" else n - 1)
    elif point != "after-swap":
        assert report.shards["reused"] == report.shards["total"]
    assert not list((out / ".pipeline" / "shards").glob(".*"))  # no temporary shard folder is left
    assert [p.name for p in (out / ".pipeline" / "runs").iterdir()] == [os.readlink(out / ".pipeline" / "current").split("/")[-1]]


def test_fresh_starts_over_and_a_changed_file_recomputes_only_its_shard(folders, tmp_path):
    full, _half, _reference, _previous = folders
    inp = tmp_path / "in"
    shutil.copytree(full, inp)
    out = tmp_path / "out"
    first = run_batch(RunConfig(input_dir=inp, out_dir=out, quiet=True, shard_size=3))
    assert first.shards["computed"] == first.shards["total"] > 2
    outputs = snapshot(out)
    again = run_batch(RunConfig(input_dir=inp, out_dir=out, quiet=True, shard_size=3))
    assert again.shards == {"total": first.shards["total"], "reused": first.shards["total"], "computed": 0}
    assert snapshot(out) == outputs
    fresh = run_batch(RunConfig(input_dir=inp, out_dir=out, quiet=True, shard_size=3, fresh=True))
    assert fresh.shards["computed"] == fresh.shards["total"] and snapshot(out) == outputs
    edited = sorted(inp.rglob("*.txt"))[5]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more sentence here.\n", encoding="utf-8")
    changed = run_batch(RunConfig(input_dir=inp, out_dir=out, quiet=True, shard_size=3))
    assert changed.shards["computed"] == 1 and changed.shards["reused"] == changed.shards["total"] - 1


def test_a_folder_written_by_an_older_version_is_taken_over(tmp_path):
    """Outputs written in place (no links) by an older version are replaced; files it did not write stay."""
    inp = corpus_folder(tmp_path / "in", 2)
    out = tmp_path / "out"
    run_batch(RunConfig(input_dir=inp, out_dir=out, quiet=True))
    legacy = tmp_path / "legacy" / "out"  # the same name: review.html is titled with it
    shutil.copytree(out, legacy, symlinks=False, ignore=shutil.ignore_patterns(".pipeline"))
    (legacy / "notes.txt").write_text("mine")
    run_batch(RunConfig(input_dir=inp, out_dir=legacy, quiet=True))
    assert (legacy / "aligned.csv").is_symlink() and (legacy / "notes.txt").read_text() == "mine"
    assert snapshot(legacy) == {**snapshot(out), "notes.txt": b"mine"}


def test_two_runs_in_one_second_from_one_process_stage_separate_folders(tmp_path, monkeypatch):
    """The run folder's name holds the second and the process; a second run in that second gets its own."""
    monkeypatch.setattr(pipeline.outfolder.time, "strftime", lambda _fmt: "20260101T000000")
    staged = []
    for text in ("first", "second"):
        with pipeline.outfolder.OutputFolder(tmp_path / "out") as folder:
            staged.append(folder.stage())
            (folder.staging / "notes.txt").write_text(text)
            folder.commit()
    assert staged[0] != staged[1] and staged[1].name == staged[0].name + "-1"
    assert (tmp_path / "out" / "notes.txt").read_text() == "second"
