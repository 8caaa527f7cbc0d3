"""The glossary file format: reading, every error with file:line, TBX and two-column CSV round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import GlossaryError
from pipeline.glossary import (
    COLUMNS, Entry, Glossary, load_glossary, parse_rules, validate_glossary, write_glossary,
)
from pipeline.glossary.csvfmt import csv_text, export_csv, import_csv, parse_csv
from pipeline.glossary.rules import RuleSyntaxError
from pipeline.glossary.tbx import export_tbx, import_tbx, parse_tbx, tbx_bytes

HEADER = "\t".join(COLUMNS)


def _row(**cells: str) -> str:
    base = {c: "" for c in COLUMNS}
    base.update(id="x", source_term="цепочка", source_lang="ru", target_term="blockchain", target_lang="en")
    base.update(cells)
    return "\t".join(base[c] for c in COLUMNS)


def _write(tmp_path: Path, *lines: str, name: str = "g.tsv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_seed_glossary_is_valid(seed_glossary):
    assert len(seed_glossary) >= 12
    assert all(e.note for e in seed_glossary), "every seed entry says why"
    assert len({e.id for e in seed_glossary}) == len(seed_glossary)


def test_reads_comments_blank_lines_and_optional_columns(tmp_path):
    path = _write(
        tmp_path, "# a comment", "", "id\tsource_term\tsource_lang\ttarget_term\ttarget_lang",
        "ai\tии\tru\tAI\ten",
    )
    g = load_glossary(path)
    assert g.entries == (Entry("ai", "ии", "ru", "AI", "en"),)
    assert g.entries[0].origin == f"{path}:4"


def test_every_error_is_reported_with_file_and_line(tmp_path):
    path = _write(
        tmp_path,
        "# header next",
        HEADER,
        _row(id="a"),
        _row(id="a"),  # duplicate id
        _row(id="b", source_lang="xx"),  # unknown language
        _row(id="c", rules="skip if nearby днк"),  # malformed rule
        "d\tonly three\tcells",  # wrong number of columns
        _row(id="e", rules="skip if near инвесторов"),  # an inflected form instead of a lemma
        _row(id="f", match="stem"),
    )
    issues = validate_glossary(path)
    lines = sorted(i.line for i in issues)
    assert lines == [4, 5, 6, 7, 8, 9]
    assert all(str(i).startswith(f"{path}:{i.line}: ") for i in issues)
    text = "\n".join(map(str, issues))
    assert "duplicate id 'a' (first defined at" in text
    assert "unknown language code 'xx'" in text
    assert "malformed rule: rule 1: unknown test 'nearby'" in text
    assert "3 cells, the header has 13 columns" in text
    assert "'инвесторов' is not a lemma" in text and "'инвестор'" in text
    assert "'stem' is not one of lemma, form, exact" in text
    with pytest.raises(GlossaryError, match=r"g\.tsv:4: duplicate id"):
        load_glossary(path)


def test_wrong_header(tmp_path):
    path = _write(tmp_path, "id\tsource\tsource_lang\ttarget_term\ttarget_lang", _row())
    issues = validate_glossary(path)
    assert [(i.line, i.message) for i in issues][0][0] == 1
    assert "unknown column(s) 'source'" in issues[0].message
    assert "missing required column(s) 'source_term'" in issues[1].message


def test_folder_duplicates_across_files_and_missing_path(tmp_path):
    _write(tmp_path, HEADER, _row(id="same"), name="a.tsv")
    _write(tmp_path, HEADER, _row(id="same"), name="b.tsv")
    issues = validate_glossary(tmp_path)
    assert len(issues) == 1 and issues[0].path.endswith("b.tsv") and issues[0].line == 2
    assert "a.tsv:2" in issues[0].message
    assert "no such file" in str(validate_glossary(tmp_path / "nope")[0])
    (tmp_path / "empty").mkdir()
    assert "no .tsv glossary files" in str(validate_glossary(tmp_path / "empty")[0])


RULE_ERRORS = [
    ("apply when near финтех", "expected 'apply if <test>'"),
    ("maybe if near финтех", "must start with 'apply if', 'skip if' or 'else'"),
    ("skip if", "expected 'skip if <test>'"),
    ("skip if near", "near needs at least one lemma"),
    ("skip if near a,,b", "empty lemma"),
    ("skip if near финтех within soon", "'within' takes a number of words"),
    ("else skip; skip if near днк", "nothing may follow 'else'"),
    ("else maybe", "expected 'else apply' or 'else skip'"),
    ("skip if prev-adj золотой", "prev-adj takes only 'except <lemmas>'"),
    ("skip if near золотая цепь", "is not a single word"),
    ("skip if near днк;; else apply", "two ';' in a row"),
    ("apply if gov", "gov needs at least one lemma"),
    ("apply if coord интеллект ии", "is not a single word"),
]


@pytest.mark.parametrize("text,message", RULE_ERRORS)
def test_rule_syntax_errors(text, message):
    with pytest.raises(RuleSyntaxError, match=message):
        parse_rules(text)


def test_rule_syntax_accepts_the_documented_forms():
    rules = parse_rules(
        "skip if next-gen except блок, биткоин*; skip if prev-adj; skip if not near финтех within 5 and prev по;"
        " apply if near Финтех within document; else skip;"
    )
    assert [r.action for r in rules.rules] == ["skip", "skip", "skip", "apply", "skip"]
    assert rules.rules[2].tests[0].negated and rules.rules[2].tests[0].window == 5
    assert rules.rules[3].tests[0].document and "финтех" in rules.rules[3].tests[0].words
    assert rules.rules[-1].is_else


def test_tbx_round_trip_gives_the_same_glossary(seed_glossary, tmp_path):
    path = export_tbx(seed_glossary, tmp_path / "g.tbx")
    back = import_tbx(path)
    assert back.entries == seed_glossary.entries
    # and once more through the TSV writer: the file reads back the same
    write_glossary(back, tmp_path / "again.tsv")
    assert load_glossary(tmp_path / "again.tsv").entries == seed_glossary.entries


def test_tbx_is_readable_by_translate_toolkit(seed_glossary):
    from translate.storage.tbx import tbxfile

    store = tbxfile.parsestring(tbx_bytes(seed_glossary))
    pairs = {(u.source, u.target) for u in store.units}
    assert ("цепочка", "blockchain") in pairs and ("ии", "AI") in pairs
    assert len(store.units) == len(seed_glossary)


def test_tbx_structure_carries_the_extra_fields(seed_glossary):
    from lxml import etree

    root = etree.fromstring(tbx_bytes(seed_glossary))
    entry = root.find(".//termEntry[@id='blockchain']")
    assert entry.findtext("descrip[@type='subjectField']") == "blockchain"
    assert entry.findtext("note").startswith("The seed article")
    src = entry.find("langSet[@{http://www.w3.org/XML/1998/namespace}lang='ru']/tig")
    assert src.findtext("term") == "цепочка"
    assert src.findtext("termNote[@type='x-mtForm']") == "блокчейн"
    assert src.findtext("termNote[@type='x-contextRules']").startswith("skip if next-gen")
    statuses = [
        (t.findtext("term"), t.findtext("termNote[@type='administrativeStatus']"))
        for t in entry.findall("langSet[@{http://www.w3.org/XML/1998/namespace}lang='en']/tig")
    ]
    assert statuses[0] == ("blockchain", "preferredTerm-admn-sts")
    assert ("chain", "deprecatedTerm-admn-sts") in statuses


def test_tbx_v3_and_foreign_files_import():
    data = """<?xml version="1.0" encoding="UTF-8"?>
<tbx xmlns="urn:iso:std:iso:30042:ed-2" type="TBX-Basic" style="dca" xml:lang="en">
 <text><body>
  <conceptEntry id="c1">
   <langSec xml:lang="en"><termSec><term>supply chain</term></termSec></langSec>
   <langSec xml:lang="ru"><termSec><term>цепочка поставок</term></termSec></langSec>
  </conceptEntry>
 </body></text>
</tbx>""".encode()
    g = parse_tbx(data, "v3.tbx", source_lang="ru")
    assert [(e.id, e.source_term, e.source_lang, e.target_term, e.target_lang) for e in g] == [
        ("c1", "цепочка поставок", "ru", "supply chain", "en")
    ]


def test_broken_tbx_reports_file_and_line():
    with pytest.raises(GlossaryError, match=r"bad\.tbx:3: not well-formed XML"):
        parse_tbx(b"<martif>\n<text>\n<body></text>", "bad.tbx")
    one_lang = b"""<martif><text><body>
<termEntry id="a"><langSet xml:lang="ru"><tig><term>x</term></tig></langSet></termEntry>
<termEntry id="b"><langSet xml:lang="ru"><tig><term>y</term></tig></langSet>
<langSet xml:lang="zz"><tig><term>z</term></tig></langSet></termEntry>
</body></text></martif>"""
    with pytest.raises(GlossaryError) as info:
        parse_tbx(one_lang, "two.tbx")
    assert "two.tbx:2: entry 'a' has 1 language section(s)" in str(info.value)
    assert "two.tbx:3: target_lang: unknown language code 'zz'" in str(info.value)
    with pytest.raises(GlossaryError, match="not TBX"):
        parse_tbx(b"<html/>", "page.tbx")


def test_two_column_csv_export_and_import(seed_glossary, tmp_path):
    text = csv_text(seed_glossary)
    lines = text.splitlines()
    assert lines[1] == "цепочка,blockchain" and "ии,AI" in lines
    assert all(len(line.split(",")) == 2 for line in lines if '"' not in line)
    path = export_csv(seed_glossary, tmp_path / "deepl.csv")
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf"), "no BOM: DeepL would read it into the first term"
    back = import_csv(path, source_lang="ru", target_lang="en")
    assert [(e.source_term, e.target_term) for e in back] == [(e.source_term, e.target_term) for e in seed_glossary]
    assert len({e.id for e in back}) == len(back)


def test_csv_import_errors_and_four_columns():
    g = parse_csv("цепочка,blockchain,ru,en\n", "four.csv", source_lang="de", target_lang="fr")
    assert (g.entries[0].source_lang, g.entries[0].target_lang) == ("ru", "en")
    with pytest.raises(GlossaryError, match=r"bad\.csv:2: 3 columns"):
        parse_csv("a,b\na,b,c\n", "bad.csv", source_lang="ru", target_lang="en")
    with pytest.raises(GlossaryError, match="one language pair"):
        csv_text(Glossary((Entry("a", "a", "ru", "a", "en"), Entry("b", "b", "de", "b", "en"))))
