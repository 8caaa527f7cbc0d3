"""`pipeline tm import|export|stats`, and `pipeline review apply` adding the approved pairs to the memory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.memory import MemoryStore, default_memory_path, read_tmx

from pipeline.corpus import write_aligned_csv
from pipeline.io import read_csv

from tests import review_fixtures as fx
from tests.test_memory import FOREIGN_TMX
from tests.test_review_apply import EDITS

runner = CliRunner()

DECISIONS = {"t0000": "accept", "t0001": "edit", "t0002": "Accept ", "t0003": "reject", "x0000": "accept", "x0001": "edit"}


@pytest.fixture()
def run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    write_aligned_csv(run / "aligned.csv", fx.pairs())
    return run


def reviewed_copy(run: Path, decisions: dict[str, str] = DECISIONS) -> Path:
    """A copy of aligned.csv with decisions and edits, as a reviewer saves it."""
    frame = read_csv(run / "aligned.csv")
    frame["decision"] = [decisions.get(p, "") for p in frame.pair_id]
    frame["edited_tgt_text"] = [EDITS.get(p, "") for p in frame.pair_id]
    path = run / "aligned.reviewed.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture()
def tmx_file(tmp_path: Path) -> Path:
    path = tmp_path / "omegat.tmx"
    path.write_text(FOREIGN_TMX, encoding="utf-8")
    return path


def test_import_stats_export_round_trip(tmp_path, tmx_file):
    db = tmp_path / "team.sqlite3"
    result = invoke("tm", "import", tmx_file, "--tm", db)
    assert result.exit_code == 0, result.output
    assert f"imported 3 pairs from {tmx_file} into {db}: 3 new, 0 already there" in result.output
    result = invoke("tm", "import", tmx_file, "--tm", db)
    assert "0 new, 3 already there" in result.output

    result = invoke("tm", "stats", "--tm", db, "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["units"] == 3 and stats["by_pair"] == {"en-us→de-de": 1, "en-us→ru-ru": 1, "ru→en": 1}
    assert stats["by_origin"] == {"tmx:omegat.tmx": 3}
    result = invoke("tm", "stats", "--tm", db)
    assert result.exit_code == 0 and "3 pairs" in result.output and "tmx:omegat.tmx" in result.output

    out = tmp_path / "export.tmx"
    result = invoke("tm", "export", "--tm", db, "--out", out)
    assert result.exit_code == 0, result.output
    again = read_tmx(out)
    assert [(u.src_lang, u.tgt_lang, u.src_text, u.tgt_text, u.origin) for u in again] == [
        ("en-us", "ru-ru", "Hello, world", "Привет,   мир", "tmx:omegat.tmx"),
        ("en-us", "de-de", "Hello, world", "Hallo, Welt", "tmx:omegat.tmx"),
        ("ru", "en", "Один", "One", "tmx:omegat.tmx"),
    ]
    assert 'xml:lang="en-US"' in out.read_text(encoding="utf-8")

    result = invoke("tm", "export", "--tm", db, "--out", tmp_path / "ru-en.tmx", "--from", "ru", "--to", "en")
    assert result.exit_code == 0 and [u.src_text for u in read_tmx(tmp_path / "ru-en.tmx")] == ["Один"]


def test_the_default_store_is_the_user_one(tmx_file):
    result = invoke("tm", "import", tmx_file)
    assert result.exit_code == 0, result.output
    assert default_memory_path().is_file() and str(default_memory_path()) in result.output
    assert json.loads(invoke("tm", "stats", "--json").output)["units"] == 3
    default_memory_path().unlink()


@pytest.mark.parametrize("args, message", [
    (("tm", "import", "missing.tmx"), "missing.tmx: no such file"),
    (("tm", "stats", "--tm", "none.sqlite3"), "not found"),
    (("tm", "export", "--tm", "none.sqlite3", "--out", "x.tmx"), "not found"),
])
def test_usage_errors_are_one_line_and_exit_2(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "none.sqlite3").exists() and not (tmp_path / "x.tmx").exists()


def test_an_empty_file_given_as_a_memory_is_refused_and_left_as_it_is(tmp_path):
    """SQLite opens an empty file as an empty database: `--tm notes.txt` (empty) was turned into a memory store."""
    empty = tmp_path / "notes.txt"
    empty.write_bytes(b"")
    result = invoke("tm", "stats", "--tm", empty)
    assert result.exit_code == 2 and "an empty file, not a memory store" in result.output
    assert empty.read_bytes() == b""


def test_importing_a_broken_tmx_is_exit_2_and_stores_nothing(tmp_path):
    bad = tmp_path / "bad.tmx"
    bad.write_text("<tmx><body><tu>", encoding="utf-8")
    result = invoke("tm", "import", bad, "--tm", tmp_path / "m.sqlite3")
    assert result.exit_code == 2 and "bad.tmx: not a TMX file" in result.output
    assert not (tmp_path / "m.sqlite3").exists()


def test_segments_whose_xml_lang_is_not_a_language_code_are_left_out_and_said(tmp_path):
    """Any xml:lang was stored as a language code, a path (``../../x``) or a sentence among them."""
    tmx = tmp_path / "odd.tmx"
    tmx.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="ru"/><body>\n'
        '<tu><tuv xml:lang="ru"><seg>Блокчейн.</seg></tuv><tuv xml:lang="en"><seg>Blockchain.</seg></tuv>'
        '<tuv xml:lang="../../x"><seg>Odd.</seg></tuv></tu>\n'
        '<tu><tuv xml:lang="ru"><seg>Цепочка поставок.</seg></tuv><tuv xml:lang="not a code"><seg>Supply chain.</seg>'
        '</tuv></tu>\n</body></tmx>\n', encoding="utf-8")
    store_path = tmp_path / "m.sqlite3"
    result = invoke("tm", "import", tmx, "--tm", store_path)
    assert result.exit_code == 0, result.output
    assert "imported 1 pairs" in result.stdout
    assert "left out 2 segments whose xml:lang is not a language code (first: '../../x')" in result.stderr
    with MemoryStore(store_path, create=False) as store:
        assert [(u.src_lang, u.tgt_lang, u.tgt_text) for u in store.units()] == [("ru", "en", "Blockchain.")]


def generated_tmx(path: Path, units: int, *, broken: bool = False) -> Path:
    """A TMX of ``units`` ru-en units (``broken``: cut off inside the last one)."""
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="ru" '
                  'creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" '
                  'datatype="plaintext"/><body>\n')
        for i in range(units):
            out.write(f'<tu tuid="{i}"><tuv xml:lang="ru"><seg>Цепочка поставок и блокчейн в Минске, номер {i}.</seg>'
                      f'</tuv><tuv xml:lang="en"><seg>Supply chain and blockchain in Minsk, number {i}.</seg></tuv></tu>\n')
        out.write('<tu tuid="x"><tuv xml:lang="ru"><seg>Обрыв' if broken else "</body></tmx>\n")
    return path


def test_a_tmx_broken_after_many_units_adds_nothing_to_an_existing_store(tmp_path):
    store_path = tmp_path / "m.sqlite3"
    assert invoke("tm", "import", generated_tmx(tmp_path / "one.tmx", 1), "--tm", store_path).exit_code == 0
    bad = generated_tmx(tmp_path / "bad.tmx", 25_000, broken=True)  # more units than one batch of the store
    result = invoke("tm", "import", bad, "--tm", store_path)
    assert result.exit_code == 2 and "bad.tmx: not a TMX file" in result.output
    with MemoryStore(store_path, create=False) as store:
        assert len(store) == 1


def test_importing_a_large_tmx_keeps_memory_flat(tmp_path):
    """A whole-file parse held about ten times the file: 845 MB for an 80 MB TMX."""
    import subprocess
    import sys

    path = generated_tmx(tmp_path / "big.tmx", 150_000)  # about 33 MB
    assert path.stat().st_size > 30e6
    child = (
        "import resource, sys\n"
        "from pipeline.memory import iter_tmx\n"
        "next(iter_tmx(sys.argv[1]))\n"  # everything imported, the first unit read
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "count = sum(1 for _ in iter_tmx(sys.argv[1]))\n"
        "print(count, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", child, str(path)], capture_output=True, text=True, check=True).stdout
    count, grown_mb = map(int, out.split())
    assert count == 150_000
    assert grown_mb < 30, f"reading a {path.stat().st_size / 1e6:.0f} MB TMX grew the process by {grown_mb} MB"


# -- review apply -------------------------------------------------------------------------------------------------


def test_review_apply_adds_accepted_and_edited_translations(run_dir, tmp_path):
    reviewed = reviewed_copy(run_dir)
    db = tmp_path / "memory.sqlite3"
    result = invoke("review", "apply", reviewed, "--out", tmp_path / "final", "--tm", db)
    assert result.exit_code == 0, result.output
    accepted_or_edited = [p for p, d in DECISIONS.items() if p.startswith("t") and d.strip().lower() in ("accept", "edit")]
    assert f"added {len(accepted_or_edited)} translation pairs to the translation memory {db} ({len(accepted_or_edited)} new)" in result.output
    with MemoryStore(db, create=False) as store:
        units = list(store.units())
    assert sorted(u.ref for u in units) == sorted(accepted_or_edited)  # cross-source pairs are not translations
    assert {u.origin for u in units} == {"review:aligned.reviewed.csv"}
    edited = next(u for u in units if u.ref == "t0001")
    assert edited.tgt_text == EDITS["t0001"] and (edited.src_lang, edited.tgt_lang) == ("ru", "en")


def test_review_apply_uses_the_user_store_by_default_and_no_tm_skips_it(run_dir, tmp_path):
    reviewed = reviewed_copy(run_dir)
    result = invoke("review", "apply", reviewed, "--out", tmp_path / "a", "--no-tm")
    assert result.exit_code == 0 and "translation memory" not in result.output
    assert not default_memory_path().exists()
    result = invoke("review", "apply", reviewed, "--out", tmp_path / "b")
    assert result.exit_code == 0 and str(default_memory_path()) in result.output
    with MemoryStore(default_memory_path(), create=False) as store:
        assert len(store) == 3
    default_memory_path().unlink()


def test_review_apply_with_an_unusable_memory_writes_nothing(run_dir, tmp_path):
    reviewed = reviewed_copy(run_dir)
    result = invoke("review", "apply", reviewed, "--out", tmp_path / "final", "--tm", tmp_path)
    assert result.exit_code == 2 and "is a folder" in result.output
    assert not (tmp_path / "final").exists()


def test_a_refused_review_adds_nothing(run_dir, tmp_path):
    reviewed = reviewed_copy(run_dir, decisions={**DECISIONS, "t0004": "maybe"})
    db = tmp_path / "memory.sqlite3"
    result = invoke("review", "apply", reviewed, "--out", tmp_path / "final", "--tm", db)
    assert result.exit_code == 2
    assert not db.exists()


def test_review_apply_refuses_a_file_that_is_not_a_memory(run_dir, tmp_path):
    reviewed = reviewed_copy(run_dir)
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database " * 100, encoding="utf-8")
    result = invoke("review", "apply", reviewed, "--out", tmp_path / "final", "--tm", junk)
    assert result.exit_code == 2 and "cannot open the translation memory" in result.output
    assert not (tmp_path / "final").exists()
