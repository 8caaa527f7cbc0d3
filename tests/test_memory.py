"""The translation memory: normalisation, the SQLite store, TMX in and out, and filling documents from it."""

from __future__ import annotations

import os
import sqlite3

import pytest

from pipeline.errors import TranslationMemoryError
from pipeline.memory import (
    MemoryStore,
    MemoryUnit,
    apply_memory,
    count_memory_hits,
    default_memory_path,
    normalise,
    open_memory,
    read_tmx,
    record_review,
    units_from_review,
    write_tmx,
)
from pipeline.models import Document, DocStatus, Sentence

from tests import review_fixtures as fx


# -- normalisation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [
    "Он сказал: «Привет, мир»",
    "Он сказал: “Привет, мир”",
    "Он сказал: „Привет, мир“",
    'Он сказал: "Привет, мир"',
    "  Он   сказал:\n«Привет,\u00a0мир» ",
    "Он сказал:\t«Привет, мир»\u200b",
])
def test_quotes_and_whitespace_give_one_key(variant):
    assert normalise(variant) == 'Он сказал: "Привет, мир"'


def test_apostrophes_and_unicode_forms_give_one_key():
    assert normalise("don’t") == normalise("don't") == normalise("don‘t")
    assert normalise("Café") == normalise("Cafe\u0301")


def test_case_punctuation_and_digits_still_count():
    assert normalise("Привет мир") != normalise("привет мир")
    assert normalise("Привет мир.") != normalise("Привет мир")
    assert normalise("20%") != normalise("21%")


# -- the store ------------------------------------------------------------------------------------------------------


def unit(src="Привет «мир»", tgt="Hello world", origin="review:r.csv", ref="t0001", created="2026-01-02T03:04:05Z",
         src_lang="ru", tgt_lang="en"):
    return MemoryUnit(src_lang, tgt_lang, src, tgt, origin, ref, created)


def test_lookup_is_exact_on_the_normalised_source_and_records_the_origin(tmp_path):
    with MemoryStore(tmp_path / "m.sqlite3") as store:
        assert store.add([unit()]) == 1
        hits = store.lookup("ru", "en", ["Привет “мир”", "Привет  \"мир\" ", "Привет мир", "Пока «мир»"])
    assert set(hits) == {"Привет “мир”", "Привет  \"мир\" "}
    hit = hits["Привет “мир”"]
    assert (hit.translation, hit.origin, hit.ref, hit.created) == ("Hello world", "review:r.csv", "t0001", "2026-01-02T03:04:05Z")
    assert hit.note == "translation memory: review:r.csv (t0001), 2026-01-02"


def test_store_persists_and_the_same_pair_is_stored_once(tmp_path):
    path = tmp_path / "m.sqlite3"
    with MemoryStore(path) as store:
        store.add([unit()])
    with MemoryStore(path, create=False) as store:
        # the same pair approved again later: one row, with the later origin and time
        assert store.add([unit(src="Привет  “мир”", origin="review:later.csv", ref="t9", created="2026-05-01T00:00:00Z")]) == 0
        # approved again with an older date (an old TMX imported): the newer record stays
        assert store.add([unit(origin="tmx:old.tmx", created="2020-01-01T00:00:00Z")]) == 0
        assert len(store) == 1
        [hit] = store.lookup("ru", "en", ["Привет «мир»"]).values()
    assert (hit.origin, hit.ref) == ("review:later.csv", "t9")


def test_the_newest_approval_wins_and_exact_language_codes_first(tmp_path):
    with MemoryStore(tmp_path / "m.sqlite3") as store:
        store.add([
            unit(tgt="Hello, world", created="2026-01-01T00:00:00Z"),
            unit(tgt="Hi world", created="2026-03-01T00:00:00Z"),
            unit(tgt="Hiya world", tgt_lang="en-GB", created="2026-02-01T00:00:00Z"),
            unit(tgt="Olá mundo", tgt_lang="pt-BR", created="2026-02-01T00:00:00Z"),
        ])
        assert store.lookup("ru", "en", ["Привет «мир»"])["Привет «мир»"].translation == "Hi world"
        assert store.lookup("RU", "en_gb", ["Привет «мир»"])["Привет «мир»"].translation == "Hiya world"
        assert store.lookup("ru", "en-US", ["Привет «мир»"])["Привет «мир»"].translation == "Hi world"
        assert store.lookup("ru", "pt", ["Привет «мир»"])["Привет «мир»"].translation == "Olá mundo"
        assert store.lookup("ru", "pt-PT", ["Привет «мир»"]) == {}  # another region is another language variant
        assert store.lookup("ru", "de", ["Привет «мир»"]) == {}
        assert store.lookup("uk", "en", ["Привет «мир»"]) == {}


def test_empty_sides_are_not_stored(tmp_path):
    with MemoryStore(tmp_path / "m.sqlite3") as store:
        assert store.add([unit(tgt="  "), unit(src=" \n")]) == 0
        assert len(store) == 0


def test_stats_count_pairs_and_origins(tmp_path):
    with MemoryStore(tmp_path / "m.sqlite3") as store:
        store.add([unit(), unit(src="Пока", ref="t2"), unit(src="Да", tgt_lang="de", origin="tmx:a.tmx", created="2025-01-01T00:00:00Z")])
        stats = store.stats()
    assert stats.units == 3
    assert stats.by_pair == {"ru→de": 1, "ru→en": 2}
    assert stats.by_origin == {"review:r.csv": 2, "tmx:a.tmx": 1}
    assert (stats.oldest, stats.newest) == ("2025-01-01T00:00:00Z", "2026-01-02T03:04:05Z")


def test_the_default_store_is_in_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_memory_path() == tmp_path / "data" / "pipeline" / "memory.sqlite3"


def test_unusable_store_paths_are_one_clear_error(tmp_path):
    with pytest.raises(TranslationMemoryError, match="is a folder"):
        MemoryStore(tmp_path)
    with pytest.raises(TranslationMemoryError, match="not found"):
        MemoryStore(tmp_path / "none.sqlite3", create=False)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(TranslationMemoryError, match="cannot open"):
        MemoryStore(junk)
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE translations (x)")
    with pytest.raises(TranslationMemoryError, match="something else"):
        MemoryStore(other)


# -- TMX ------------------------------------------------------------------------------------------------------------


def test_tmx_round_trip_through_translate_toolkit(tmp_path):
    from translate.storage import tmx

    units = [
        unit(),
        unit(src="Цепочка поставок «растёт».", tgt="The supply chain grows.", ref="t0002", created="2026-02-03T04:05:06Z"),
        unit(src="Ещё & <теги>", tgt="Hallo & <tags>", tgt_lang="de", origin="tmx:other.tmx", ref="", created="2025-12-31T23:59:59Z"),
    ]
    with MemoryStore(tmp_path / "m.sqlite3") as store:
        store.add(units)
        path = tmp_path / "out.tmx"
        assert write_tmx(path, store.units(), tool_version="9.9") == 3

    # translate-toolkit reads back every unit, both sides, with their languages
    parsed = tmx.tmxfile.parsestring(path.read_bytes())
    assert [(u.source, u.gettarget("en") or u.gettarget("de")) for u in parsed.units] == [(u.src_text, u.tgt_text) for u in units]
    header = parsed.document.getroot().find("header")
    assert header.get("srclang") == "ru" and header.get("creationtool") == "pipeline"

    # and so does the import: same pairs, origins and dates
    assert read_tmx(path) == units


def test_tmx_written_for_a_language_pair_only(tmp_path):
    with MemoryStore(tmp_path / "m.sqlite3") as store:
        store.add([unit(), unit(tgt="Hallo Welt", tgt_lang="de")])
        write_tmx(tmp_path / "de.tmx", store.units("ru", "de"), tool_version="1")
    assert [(u.tgt_lang, u.tgt_text) for u in read_tmx(tmp_path / "de.tmx")] == [("de", "Hallo Welt")]


FOREIGN_TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
  <header creationtool="OmegaT" creationtoolversion="6" segtype="sentence" o-tmf="OmegaT TMX" adminlang="EN-US"
          srclang="EN-US" datatype="plaintext"/>
  <body>
    <tu tuid="42" changedate="20240105T101112Z" creationdate="20230101T000000Z">
      <tuv xml:lang="RU-RU"><seg>Привет,   мир</seg></tuv>
      <tuv xml:lang="EN-US"><seg>Hello, world</seg></tuv>
      <tuv xml:lang="DE-DE"><seg>Hallo, Welt</seg></tuv>
    </tu>
    <tu srclang="ru">
      <tuv xml:lang="ru"><seg>Один</seg></tuv>
      <tuv xml:lang="en"><seg>One</seg></tuv>
    </tu>
    <tu><tuv xml:lang="en-US"><seg>No translation</seg></tuv></tu>
  </body>
</tmx>
"""


def test_foreign_tmx_source_language_dates_and_several_targets(tmp_path):
    path = tmp_path / "omegat.tmx"
    path.write_text(FOREIGN_TMX, encoding="utf-8")
    units = read_tmx(path)
    assert [(u.src_lang, u.tgt_lang, u.src_text, u.tgt_text) for u in units] == [
        ("en-us", "ru-ru", "Hello, world", "Привет,   мир"),
        ("en-us", "de-de", "Hello, world", "Hallo, Welt"),
        ("ru", "en", "Один", "One"),
    ]
    assert {u.origin for u in units} == {"tmx:omegat.tmx"}
    assert (units[0].ref, units[0].created) == ("42", "2024-01-05T10:11:12Z")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert read_tmx(path)[2].created == "2023-11-14T22:13:20Z"  # no date in the unit: when the file was saved

    with MemoryStore(":memory:") as store:
        store.add(units)
        assert store.lookup("en", "de", ["Hello, world"])["Hello, world"].translation == "Hallo, Welt"
        assert store.lookup("ru", "en", ["Один"])["Один"].origin == "tmx:omegat.tmx"


def test_a_fifo_named_like_a_tmx_is_an_error_and_never_opened(tmp_path):
    import os

    fifo = tmp_path / "x.tmx"
    os.mkfifo(fifo)
    with pytest.raises(TranslationMemoryError, match=r"x.tmx: not a regular file \(FIFO\)"):
        read_tmx(fifo)


@pytest.mark.parametrize("content", [b"", b"<tmx><body><tu>", b"\x89PNG\r\n\x1a\n", b"<html><body/></html>"])
def test_a_broken_tmx_is_one_clear_error(tmp_path, content):
    path = tmp_path / "broken.tmx"
    path.write_bytes(content)
    with pytest.raises(TranslationMemoryError, match="broken.tmx"):
        read_tmx(path)


# -- from a review --------------------------------------------------------------------------------------------------


def test_only_accepted_and_edited_translation_pairs_are_recorded():
    from dataclasses import replace

    pairs = fx.pairs()
    kept = [
        replace(pairs[0], decision="accept"),
        replace(pairs[1], decision="edit", tgt_text="According to the Korea JoongAng Daily, the AI market grows by 20 percent."),
        replace(pairs[2], decision="reject"),
        replace(pairs[3], decision="accept", tgt_text=""),  # nothing to reuse
        pairs[4],  # undecided
        replace(next(p for p in pairs if p.kind == "cross-source"), decision="accept"),
    ]
    units = units_from_review(kept, "review:aligned.reviewed.csv", created="2026-01-01T00:00:00Z")
    assert [(u.ref, u.tgt_text) for u in units] == [
        ("t0000", pairs[0].tgt_text),
        ("t0001", "According to the Korea JoongAng Daily, the AI market grows by 20 percent."),
    ]
    assert all(u.origin == "review:aligned.reviewed.csv" and (u.src_lang, u.tgt_lang) == ("ru", "en") for u in units)
    with MemoryStore(":memory:") as store:
        assert record_review(store, kept, "aligned.reviewed.csv") == (2, 2)
        assert record_review(store, kept, "aligned.reviewed.csv") == (2, 0)


# -- filling a document ---------------------------------------------------------------------------------------------


def document(*sentences: tuple[str, str], lang="ru", status=DocStatus.OK) -> Document:
    return Document(
        doc_id="d1", path="d1.txt", sha256="0" * 64, status=status, lang=lang,
        sentences=tuple(
            Sentence(doc_id="d1", sent_idx=i, para_idx=0, start=0, end=len(text), text=text, lang=sl,
                     mt_source=text.replace("цепочк", "блокчейн") if "цепочк" in text else None)
            for i, (text, sl) in enumerate(sentences)
        ),
    )


@pytest.fixture()
def memory():
    store = MemoryStore(":memory:")
    store.add([
        unit(src="Инвесторы любят «цепочки».", tgt="Investors love blockchains.", ref="t0007"),
        unit(src="Короткая фраза.", tgt="A short phrase.", ref="t0008"),
    ])
    yield store
    store.close()


def test_matches_become_tm_translations_with_their_origin(memory):
    doc = document(
        ("Инвесторы  любят “цепочки”.", "ru"),
        ("Этого нет в памяти.", "ru"),
        ("Already English.", "en"),
        ("Короткая фраза.", "uk"),  # a short sentence taken for Ukrainian: found under its document's language
    )
    out = apply_memory(doc, memory, "en")
    first, missing, english, short = out.sentences
    assert first.translation == "Investors love blockchains."
    assert first.translation_status == "tm"
    assert first.model_id == "tm:review:r.csv"
    assert first.translation_note == "translation memory: review:r.csv (t0007), 2026-01-02"
    assert first.mt_source is None  # no MT sees it, so no pre-edited source either
    assert first.text == doc.sentences[0].text
    assert missing == doc.sentences[1]
    assert english == doc.sentences[2]
    assert (short.translation, short.translation_status) == ("A short phrase.", "tm")
    assert count_memory_hits([out]) == 2
    assert doc.sentences[0].translation_status == ""  # the input record is not changed


def test_documents_in_the_target_language_or_skipped_are_left_alone(memory):
    assert apply_memory(document(("Инвесторы любят «цепочки».", "ru")), memory, "ru").sentences[0].translation == ""
    skipped = document(("Инвесторы любят «цепочки».", "ru"), status=DocStatus.SKIPPED)
    assert apply_memory(skipped, memory, "en") is skipped
    nothing = document(("Ничего.", "ru"))
    assert apply_memory(nothing, memory, "en") is nothing


def test_open_memory_reads_tmx_files_and_stores(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    empty = open_memory()
    assert len(empty) == 0 and empty.sources == []  # no user store yet: nothing, and nothing created
    assert not default_memory_path().exists()

    with MemoryStore(default_memory_path()) as store:
        store.add([unit(src="Один", tgt="One (user store)", created="2026-01-01T00:00:00Z")])
    (tmp_path / "omegat.tmx").write_text(FOREIGN_TMX, encoding="utf-8")
    os.utime(tmp_path / "omegat.tmx", (1_700_000_000, 1_700_000_000))  # saved in 2023
    with MemoryStore(tmp_path / "team.sqlite3") as store:
        store.add([unit(src="Два", tgt="Two", origin="review:team.csv")])

    memory = open_memory([tmp_path / "omegat.tmx", tmp_path / "team.sqlite3"])
    try:
        assert [(s.kind, s.units) for s in memory.sources] == [("store", 1), ("tmx", 3), ("store", 1)]
        assert memory.sources[1].sha256.startswith("sha256:")
        hits = memory.lookup("ru", "en", ["Один", "Два", "Три"])
        # «Один» is in the user store (approved 2026) and in the TMX (undated, saved 2023): the newer approval wins
        assert hits["Один"].translation == "One (user store)" and hits["Один"].origin == "review:r.csv"
        assert hits["Два"].origin == "review:team.csv"
        assert "Три" not in hits
        assert memory.manifest()[1]["path"].endswith("omegat.tmx")
    finally:
        memory.close()

    alone = open_memory([tmp_path / "team.sqlite3"], default=False)
    assert [s.kind for s in alone.sources] == ["store"]
    alone.close()


def test_open_memory_refuses_a_missing_path(tmp_path):
    with pytest.raises(TranslationMemoryError, match="not found"):
        open_memory([tmp_path / "nope.sqlite3"], default=False)
    with pytest.raises(TranslationMemoryError, match="nope.tmx"):
        open_memory([tmp_path / "nope.tmx"], default=False)


def test_importing_the_memory_package_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, pipeline.memory, pipeline.xliff\n"
        "heavy = [m for m in ('translate', 'lxml', 'pandas', 'pyarrow', 'torch') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

