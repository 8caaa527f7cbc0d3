"""Labelled example sentences: the file formats carry them, validation checks them, and they decide what no
rule decides, with a confidence, a review flag and the nearest examples as the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import GlossaryError
from pipeline.glossary import COLUMNS, Entry, Glossary, Matcher, load_glossary, validate_glossary, write_glossary
from pipeline.glossary.examples import Example, ExampleError, format_examples, parse_examples
from pipeline.glossary.tbx import export_tbx, import_tbx, parse_tbx, tbx_bytes

EXAMPLES = (
    Example("apply", "Биржа перевела расчёты с клиентами на собственную цепочку."),
    Example("apply", "Майнеры поддерживают работу цепочки, получая вознаграждение в монетах."),
    Example("apply", "Центральный банк изучает выпуск цифровой валюты на цепочке."),
    Example("apply", "Разработчики цепочки выпустили кошелёк для смартфонов."),
    Example("skip", "Ювелир продаёт золотые цепочки и серьги."),
    Example("skip", "Кулон висит на тонкой цепочке из серебра."),
    Example("skip", "Туристы шли цепочкой по узкой горной тропе."),
    Example("skip", "Часы на цепочке подарил ему отец."),
)


def _entry(**kw) -> Entry:
    base = dict(id="chain", source_term="цепочка", source_lang="ru", target_term="blockchain", target_lang="en",
                mt_form="блокчейн", examples=EXAMPLES)
    base.update(kw)
    return Entry(**base)


def test_examples_cell_round_trip_and_errors():
    cell = format_examples(EXAMPLES[:2])
    assert cell.startswith("apply: Биржа перевела") and " | apply: Майнеры" in cell
    assert parse_examples(cell) == EXAMPLES[:2]
    assert parse_examples("  ") == ()
    with pytest.raises(ExampleError, match="example 2 must start with 'apply:' or 'skip:'"):
        parse_examples("apply: Цепочка растёт. | maybe: Цепочка порвалась.")
    with pytest.raises(ExampleError, match="example 1 has no sentence"):
        parse_examples("skip:  ")


def test_examples_round_trip_through_tsv_and_tbx(tmp_path):
    glossary = Glossary((_entry(),))
    tsv = write_glossary(glossary, tmp_path / "g.tsv")
    assert tsv.read_text(encoding="utf-8").splitlines()[0].split("\t") == list(COLUMNS)
    back = load_glossary(tsv)
    assert back.entries[0].examples == EXAMPLES
    tbx = export_tbx(back, tmp_path / "g.tbx")
    again = import_tbx(tbx)
    assert again.entries == back.entries and again.entries[0].examples == EXAMPLES


def test_tbx_carries_examples_as_labelled_contexts():
    from lxml import etree

    root = etree.fromstring(tbx_bytes(Glossary((_entry(),))))
    groups = root.findall(".//langSet/tig/descripGrp")
    assert [(g.findtext("descrip[@type='context']"), g.findtext("admin[@type='x-exampleLabel']")) for g in groups] == [
        (e.text, e.label) for e in EXAMPLES
    ]


def test_tbx_context_of_another_tool_is_an_apply_example():
    data = """<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX-Basic" xml:lang="ru"><text><body>
 <termEntry id="c1">
  <langSet xml:lang="ru"><tig><term>цепочка</term>
   <descrip type="context">Биржа перевела расчёты на цепочку.</descrip></tig></langSet>
  <langSet xml:lang="en"><tig><term>blockchain</term></tig></langSet>
 </termEntry>
</body></text></martif>""".encode()
    [entry] = parse_tbx(data, "other.tbx").entries
    assert entry.examples == (Example("apply", "Биржа перевела расчёты на цепочку."),)


def _write(tmp_path: Path, examples: str) -> Path:
    row = {c: "" for c in COLUMNS}
    row.update(id="chain", source_term="цепочка", source_lang="ru", target_term="blockchain", target_lang="en",
               examples=examples)
    path = tmp_path / "g.tsv"
    path.write_text("\t".join(COLUMNS) + "\n" + "\t".join(row[c] for c in COLUMNS) + "\n", encoding="utf-8")
    return path


def test_validate_checks_labels_and_one_occurrence_per_example(tmp_path):
    path = _write(tmp_path, "apply: Биржа перевела расчёты на цепочку. | perhaps: Цепочка растёт.")
    [issue] = validate_glossary(path)
    assert issue.line == 2 and "examples: example 2 must start with 'apply:' or 'skip:'" in issue.message
    path = _write(tmp_path, "apply: Биржа перевела расчёты на блокчейн. | skip: Цепочка за цепочкой рвались звенья.")
    issues = validate_glossary(path)
    assert [i.line for i in issues] == [2, 2]
    assert "in example 1 (apply: 'Биржа перевела расчёты на блокчейн.') the term does not occur" in issues[0].message
    assert "in example 2" in issues[1].message and "occurs 2 times" in issues[1].message
    with pytest.raises(GlossaryError, match=r"g\.tsv:2: examples"):
        load_glossary(path)
    result = CliRunner().invoke(app, ["glossary", "validate", str(path)])
    assert result.exit_code == 2 and "g.tsv:2: examples: in example 1" in result.output


def test_examples_decide_with_a_confidence_and_the_nearest_examples():
    matcher = Matcher(Glossary((_entry(),)), "ru")
    [m] = matcher.find("Стартап выпустил кошелёк для переводов на цепочке.")
    assert m.action == "apply" and m.replacement == "блокчейне"
    assert m.confidence is not None and 0.5 <= m.confidence <= 1
    assert m.reason.startswith("examples: apply") and "nearest:" in m.reason
    assert m.neighbours and m.neighbours[0].example in EXAMPLES
    [m] = matcher.find("Бабушка подарила внучке серебряную цепочку с кулоном.")
    assert m.action == "skip" and m.confidence is not None and m.reason.startswith("examples: skip")


def test_low_confidence_is_flagged_for_review_and_carried_to_the_record():
    sentence = "Стартап выпустил кошелёк для переводов на цепочке."
    sure = Matcher(Glossary((_entry(),)), "ru", review_threshold=0.0).find(sentence)[0]
    unsure = Matcher(Glossary((_entry(),)), "ru", review_threshold=1.01).find(sentence)[0]
    assert not sure.needs_review and unsure.needs_review
    term = unsure.term()
    assert (term.entry, term.action, term.replacement, term.confidence, term.needs_review) == (
        "chain", "apply", "блокчейне", unsure.confidence, True
    )
    assert term.target_term == "blockchain" and term.start == unsure.start and term.end == unsure.end


def test_a_rule_decides_before_the_examples_and_gives_no_confidence():
    matcher = Matcher(Glossary((_entry(rules="skip if next-gen"),)), "ru")
    [m] = matcher.find("Компания перестроила цепочку поставок.")
    assert (m.action, m.confidence, m.needs_review) == ("skip", None, False)
    assert m.reason.startswith("next-gen «поставок»")


def test_check_prints_the_confidence_and_the_deciding_examples(tmp_path):
    glossary = write_glossary(Glossary((_entry(),)), tmp_path / "g.tsv")
    text = tmp_path / "t.txt"
    text.write_text("Стартап выпустил кошелёк для переводов на цепочке.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["glossary", "check", str(text), "--glossary", str(glossary)])
    assert result.exit_code == 0, result.output
    [record] = json.loads(result.stdout)
    assert record["action"] == "apply" and isinstance(record["confidence"], float)
    assert record["needs_review"] is False and record["reason"].startswith("examples: apply")
    result = CliRunner().invoke(app, ["glossary", "check", str(text), "--glossary", str(glossary), "-f", "csv"])
    header, row = result.stdout.splitlines()
    assert header.endswith(",confidence,needs_review") and row.endswith(",")
