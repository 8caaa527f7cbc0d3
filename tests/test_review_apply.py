"""`pipeline review apply`: reviewed CSVs as spreadsheets save them, checked against the run, into a final corpus."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.corpus import write_aligned_csv
from pipeline.errors import ReviewError
from pipeline.io import read_csv
from pipeline.review.apply import ReviewRefused, apply_review

from tests import review_fixtures as fx

DECISIONS = {
    "t0000": "accept",
    "t0001": "edit",
    "t0002": "Accept ",  # case and spaces as a person types them
    "t0003": "reject",
    "t0005": "REJECT",
    "x0000": "accept",
    "x0001": " edit",
    # t0004, x0002, x0003: undecided
}
EDITS = {
    "t0001": "According to the Korea JoongAng Daily, the AI market grows by 20 percent a year.",
    "x0001": "Asian economies are being transformed by the Fourth Industrial Revolution.",
}


@pytest.fixture()
def run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    write_aligned_csv(run / "aligned.csv", fx.pairs())
    (run / "manifest.json").write_text(json.dumps({"settings": {"review": {"threshold": 0.5}}}), encoding="utf-8")
    return run


def reviewed_rows(run: Path, decisions=DECISIONS, edits=EDITS) -> tuple[list[str], list[list[str]]]:
    frame = read_csv(run / "aligned.csv")
    header = list(frame.columns)
    rows = []
    for record in frame.to_dict("records"):
        record["decision"] = decisions.get(record["pair_id"], "")
        record["edited_tgt_text"] = edits.get(record["pair_id"], "")
        rows.append([record[c] for c in header])
    return header, rows


def save(path: Path, header: list[str], rows: list[list[str]], *, encoding="utf-8-sig", delimiter=",",
         lineterminator="\r\n") -> Path:
    """Write a CSV the way a spreadsheet saves one."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def corpus_ids(out: Path) -> list[str]:
    return list(read_csv(out / "aligned.csv")["pair_id"])


EXPECTED_KEPT = ["t0000", "t0001", "t0002", "x0000", "x0001"]


def check_corpus(out: Path) -> None:
    assert corpus_ids(out) == EXPECTED_KEPT
    frame = read_csv(out / "aligned.csv").set_index("pair_id")
    assert frame.loc["t0001", "tgt_text"] == EDITS["t0001"]
    assert frame.loc["x0001", "tgt_text"] == EDITS["x0001"]
    assert frame.loc["t0000", "tgt_text"] == fx.RU_SENTENCES[0][1]
    assert list(frame["decision"]) == ["accept", "edit", "accept", "accept", "edit"]
    tmx = etree.parse(str(out / "corpus.tmx"))
    assert tmx.xpath("//tu/@tuid") == EXPECTED_KEPT
    segs = tmx.xpath("//tu[@tuid='t0001']/tuv/seg/text()")
    assert segs == [fx.RU_SENTENCES[1][0], EDITS["t0001"]]
    ru_en = (out / "moses" / "corpus.ru-en.en").read_text(encoding="utf-8").splitlines()
    assert ru_en == [fx.RU_SENTENCES[0][1], EDITS["t0001"], fx.RU_SENTENCES[2][1]]
    assert len((out / "moses" / "corpus.en-en.en.1").read_text(encoding="utf-8").splitlines()) == 2


def test_accept_edit_reject_undecided(run_dir: Path, tmp_path: Path) -> None:
    header, rows = reviewed_rows(run_dir)
    reviewed = save(tmp_path / "aligned.reviewed.csv", header, rows, lineterminator="\n")
    result = apply_review(reviewed, tmp_path / "final", run_dir=run_dir)
    check_corpus(tmp_path / "final")
    assert result.by_decision == {"accept": 3, "edit": 2, "reject": 2, "undecided": 3}
    assert len(result.kept) == 5 and result.dropped == 5 and result.absent == 0


def test_spreadsheet_copy_with_bom_semicolons_and_crlf_in_the_run_folder(run_dir: Path, tmp_path: Path) -> None:
    header, rows = reviewed_rows(run_dir)
    # Excel/LibreOffice in a locale with decimal commas: ';' separators, CRLF, a BOM, and reformatted scores.
    for row in rows:
        row[header.index("score")] = row[header.index("score")].replace(".", ",").rstrip("0")
    reviewed = save(run_dir / "aligned_reviewed.csv", header, rows, encoding="utf-8-sig", delimiter=";")
    assert reviewed.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in reviewed.read_bytes()
    result = apply_review(reviewed, tmp_path / "final")  # the run is the reviewed file's folder
    check_corpus(tmp_path / "final")
    assert (result.encoding, result.delimiter) == ("utf-8-sig", ";")


@pytest.mark.parametrize(
    ("encoding", "delimiter", "expect"),
    [
        ("utf-8", ",", "utf-8"),  # no BOM (LibreOffice default)
        ("utf-16", "\t", "utf-16"),  # Excel "Unicode text": UTF-16 with BOM, tab-separated
        ("cp1251", ";", "cp1251"),  # Excel "CSV" on a Russian Windows
        ("utf-16-le", "\t", "utf-16-le"),  # UTF-16 without a byte-order mark
    ],
)
def test_other_spreadsheet_encodings(run_dir: Path, tmp_path: Path, encoding: str, delimiter: str, expect: str) -> None:
    header, rows = reviewed_rows(run_dir)
    # The emoji of the fixture has no place in cp1251; such a file could not have been saved from Excel as is.
    if encoding == "cp1251":
        rows = [r for r in rows if "🚀" not in "".join(r)]
    reviewed = save(tmp_path / "reviewed.txt", header, rows, encoding=encoding, delimiter=delimiter)
    result = apply_review(reviewed, tmp_path / "final", run_dir=run_dir)
    assert result.encoding == expect and result.delimiter == delimiter
    assert corpus_ids(tmp_path / "final") == EXPECTED_KEPT


def test_multiline_cells_and_extra_columns_are_fine(tmp_path: Path) -> None:
    run = tmp_path / "run"
    pairs = list(fx.pairs())
    pairs[1] = replace(pairs[1], src_text="Первая строка.\nВторая строка.")
    write_aligned_csv(run / "aligned.csv", pairs)
    header, rows = reviewed_rows(run)
    header.append("comment")
    for row in rows:
        row.append("looks fine")
    rows[2][header.index("decision")] = "maybe"
    reviewed = save(tmp_path / "r.csv", header, rows)
    with pytest.raises(ReviewRefused) as caught:
        apply_review(reviewed, tmp_path / "final", run_dir=run)
    # header line 1, t0000 line 2, t0001 lines 3-4, t0002 starts on line 5.
    assert caught.value.errors == [f"{reviewed}:5: unknown decision 'maybe' (use accept, reject, edit, or leave it empty)"]


def test_tampered_unknown_and_invalid_rows_are_all_refused_and_nothing_is_written(run_dir: Path, tmp_path: Path) -> None:
    header, rows = reviewed_rows(run_dir)
    col = header.index
    rows[0][col("tgt_text")] = "Korean investors show great interest in chain technology."  # tampered, line 2
    rows[2][col("pair_id")] = "t9999"  # unknown pair, line 4
    rows[3][col("decision")] = "approve"  # unknown decision, line 5
    rows[4][col("decision")] = "edit"  # edit without a text, line 6
    rows[5][col("src_ids")] = "[4, 5]"  # ids changed, line 7
    rows[6][col("edited_tgt_text")] = "a correction without decision edit"  # line 8 (decision accept)
    rows.append(list(rows[7]))  # duplicate of x0001, line 12
    reviewed = save(tmp_path / "reviewed.csv", header, rows)
    out = tmp_path / "final"
    with pytest.raises(ReviewRefused) as caught:
        apply_review(reviewed, out, run_dir=run_dir)
    errors = caught.value.errors
    lines = [e.split(": ", 1)[0] for e in errors]
    assert lines == [f"{reviewed}:{n}" for n in (2, 4, 5, 6, 7, 8, 12)]
    assert "tgt_text changed for pair t0000" in errors[0] and "edited_tgt_text" in errors[0]
    assert "'t9999' is not in the run" in errors[1]
    assert "unknown decision 'approve'" in errors[2]
    assert "decision edit needs" in errors[3]
    assert "src_ids changed" in errors[4]
    assert "edited_tgt_text is filled" in errors[5]
    assert "appears again (first on line 9)" in errors[6]
    assert not out.exists()
    assert "nothing was written" in str(caught.value).splitlines()[0]


def test_refused_via_cli_with_exit_2_and_file_line(run_dir: Path, tmp_path: Path) -> None:
    header, rows = reviewed_rows(run_dir)
    rows[1][header.index("src_text")] = rows[1][header.index("src_text")].replace("ИИ", "ИИ-технологий")
    reviewed = save(tmp_path / "reviewed.csv", header, rows)
    result = CliRunner().invoke(app, ["review", "apply", str(reviewed), "--out", str(tmp_path / "final"), "--run", str(run_dir)])
    assert result.exit_code == 2
    assert f"{reviewed}:3: src_text changed for pair t0001" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "final").exists()


def test_cli_prints_what_it_kept_and_dropped(run_dir: Path, tmp_path: Path) -> None:
    header, rows = reviewed_rows(run_dir)
    reviewed = save(tmp_path / "reviewed.csv", header, rows[:-2])  # the reviewer deleted the last two rows
    result = CliRunner().invoke(app, ["review", "apply", str(reviewed), "--out", str(tmp_path / "final"), "--run", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert "kept 5 pairs: 3 accepted, 2 edited" in result.output
    assert "dropped 5 pairs: 2 rejected, 3 undecided (2 not in the reviewed file)" in result.output
    assert "undecided pairs are left out" in result.output
    assert "aligned.csv" in result.output and "corpus.tmx" in result.output


def test_refuses_the_runs_own_file_a_missing_run_and_out_equal_to_run(run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ReviewError, match="run's own aligned.csv"):
        apply_review(run_dir / "aligned.csv", tmp_path / "final")
    header, rows = reviewed_rows(run_dir)
    (tmp_path / "elsewhere").mkdir()
    elsewhere = save(tmp_path / "elsewhere" / "r.csv", header, rows)
    with pytest.raises(ReviewError, match="--run"):
        apply_review(elsewhere, tmp_path / "final")
    with pytest.raises(ReviewError, match="is the run folder"):
        apply_review(elsewhere, run_dir, run_dir=run_dir)
    with pytest.raises(ReviewError, match="missing column"):
        apply_review(save(tmp_path / "x.csv", ["pair_id", "decision"], [["t0000", "accept"]]), tmp_path / "f", run_dir=run_dir)
    assert not (tmp_path / "final").exists() and not (tmp_path / "f").exists()


def test_all_undecided_writes_an_empty_corpus(run_dir: Path, tmp_path: Path) -> None:
    header, rows = reviewed_rows(run_dir, decisions={}, edits={})
    result = apply_review(save(tmp_path / "r.csv", header, rows), tmp_path / "final", run_dir=run_dir)
    assert result.kept == () and result.by_decision["undecided"] == 10
    assert corpus_ids(tmp_path / "final") == []
    assert etree.parse(str(tmp_path / "final" / "corpus.tmx")).xpath("//tu") == []


def test_accepting_an_untranslated_pair_is_refused(run_dir: Path, tmp_path: Path) -> None:
    header, rows = reviewed_rows(run_dir, decisions={"t0003": "accept"}, edits={})
    reviewed = save(tmp_path / "r.csv", header, rows)
    with pytest.raises(ReviewRefused) as caught:
        apply_review(reviewed, tmp_path / "final", run_dir=run_dir)
    assert caught.value.errors == [f"{reviewed}:5: pair t0003 has no target text to accept; use edit with a translation, or reject"]
    # Editing it with a translation keeps it.
    header, rows = reviewed_rows(run_dir, decisions={"t0003": "edit"},
                                 edits={"t0003": "The Eurasian Economic Union (EAEU) is expanding cooperation with Seoul."})
    apply_review(save(tmp_path / "r.csv", header, rows), tmp_path / "final", run_dir=run_dir)
    assert corpus_ids(tmp_path / "final") == ["t0003"]


def test_a_code_page_save_that_lost_characters_is_refused_with_a_hint(run_dir: Path, tmp_path: Path) -> None:
    header, rows = reviewed_rows(run_dir)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    reviewed = tmp_path / "r.csv"
    reviewed.write_bytes(buffer.getvalue().encode("cp1251", errors="replace"))  # what Excel does with the 🚀
    with pytest.raises(ReviewRefused) as caught:
        apply_review(reviewed, tmp_path / "final", run_dir=run_dir)
    assert caught.value.errors == [
        f"{reviewed}:10: tgt_text changed for pair x0002: 'A rocket ? launch preceded the blockchain summit, see https…', "
        "the run has 'A rocket 🚀 launch preceded the blockchain summit, see https…' "
        "(corrections go in edited_tgt_text with decision edit)"
    ]
    assert "read as cp1251; saving as 'CSV UTF-8'" in str(caught.value)
    assert not (tmp_path / "final").exists()


def test_applying_again_into_the_same_folder_leaves_no_moses_file_of_the_last_time(run_dir: Path, tmp_path: Path) -> None:
    header, rows = reviewed_rows(run_dir)
    apply_review(save(tmp_path / "r.csv", header, rows), tmp_path / "final", run_dir=run_dir)
    assert (tmp_path / "final" / "moses" / "corpus.en-en.en.1").exists()
    (tmp_path / "final" / "moses" / "README.txt").write_text("mine", encoding="utf-8")
    only_ru = {"t0000": "accept"}
    header, rows = reviewed_rows(run_dir, decisions=only_ru, edits={})
    result = apply_review(save(tmp_path / "r.csv", header, rows), tmp_path / "final", run_dir=run_dir)
    assert sorted(p.name for p in (tmp_path / "final" / "moses").iterdir()) == [
        "README.txt", "corpus.ru-en.en", "corpus.ru-en.ru"]
    assert len(result.kept) == 1
    assert (tmp_path / "final" / "moses" / "corpus.ru-en.en").read_text(encoding="utf-8").splitlines() == [
        fx.RU_SENTENCES[0][1]]


# -- formula injection: neutralised cells in, exact texts through, neutralised cells out ----------------------------

FORMULA_EDITS = {
    "f0001": "-5 °C is expected in Moscow on Friday, the forecast says.",
    "f0002": '=HYPERLINK("http://evil.example","@CoinDesk reports a 7 percent rise.")',
    "t0001": "@JoongAng: the AI market grows by 20 percent a year.",
}
FORMULA_DECISIONS = {"f0000": "reject", "f0001": "edit", "f0002": "edit", "f0003": "accept", "f0004": "accept",
                     "t0001": "edit", "t0000": "accept"}


@pytest.fixture()
def formula_run(tmp_path: Path) -> Path:
    run = tmp_path / "formula-run"
    write_aligned_csv(run / "aligned.csv", fx.pairs() + fx.formula_pairs())
    return run


def raw_cells(path: Path) -> dict[str, dict[str, str]]:
    """The cells as a spreadsheet reads them from the file: no un-neutralising."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {row["pair_id"]: row for row in csv.DictReader(handle)}


def test_run_cells_that_start_a_formula_are_neutralised_in_aligned_csv(formula_run: Path) -> None:
    cells = raw_cells(formula_run / "aligned.csv")
    assert cells["f0000"]["src_text"].startswith("'=HYPERLINK(")
    assert cells["f0001"]["tgt_text"] == "'-5 °C is expected in Moscow on Friday."
    assert cells["f0002"]["tgt_text"] == "'@CoinDesk reports a 7% rise."
    assert cells["f0003"]["src_text"].startswith("'+7%")
    assert cells["f0004"]["tgt_text"] == "''=Already quoted."
    # A negative score or confidence is a number, not a formula.
    assert cells["f0003"]["score"] == "-0.0312" and cells["f0000"]["mt_confidence"] == "-0.5000"
    for row in cells.values():
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert not value.startswith("-") or value.replace(".", "", 1).lstrip("-").isdigit(), value
    # Read back, every text is the run's own.
    assert [(p["src_text"], p["tgt_text"]) for p in read_csv(formula_run / "aligned.csv").to_dict("records")] == [
        (p.src_text, p.tgt_text) for p in fx.pairs() + fx.formula_pairs()]


@pytest.mark.parametrize("spreadsheet", ["keeps the quote", "drops the quote"])
def test_formula_cells_and_edits_round_trip_exactly(formula_run: Path, tmp_path: Path, spreadsheet: str) -> None:
    """The reviewed file as a spreadsheet saves it: with the "'" the run wrote (LibreOffice keeps it as text),
    or without it; a reviewer's edit may start a formula. The corpus gets the exact texts and edits, and its
    aligned.csv neutralises them again."""
    with open(formula_run / "aligned.csv", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    col = header.index
    for row in rows:
        pair_id = row[col("pair_id")]
        row[col("decision")] = FORMULA_DECISIONS.get(pair_id, "")
        edit = FORMULA_EDITS.get(pair_id, "")
        row[col("edited_tgt_text")] = ("'" + edit if edit[:1] in "=+-@" and edit else edit)
        if spreadsheet == "drops the quote":
            row[:] = [cell[1:] if cell[:2] in ("'=", "'+", "'-", "'@") else cell for cell in row]
    reviewed = save(tmp_path / "reviewed.csv", header, rows, delimiter=";")
    out = tmp_path / "final"
    result = CliRunner().invoke(app, ["review", "apply", str(reviewed), "--out", str(out), "--run", str(formula_run)])
    assert result.exit_code == 0, result.output

    kept = [pid for pid in [p.pair_id for p in fx.pairs() + fx.formula_pairs()] if FORMULA_DECISIONS.get(pid) in ("accept", "edit")]
    by_id = {p.pair_id: p for p in fx.pairs() + fx.formula_pairs()}
    expected = {pid: FORMULA_EDITS.get(pid, by_id[pid].tgt_text) for pid in kept}
    final = read_csv(out / "aligned.csv")
    assert list(final["pair_id"]) == kept
    assert dict(zip(final["pair_id"], final["tgt_text"])) == expected
    assert dict(zip(final["pair_id"], final["src_text"])) == {pid: by_id[pid].src_text for pid in kept}
    cells = raw_cells(out / "aligned.csv")
    assert cells["f0002"]["tgt_text"] == "'" + FORMULA_EDITS["f0002"]
    assert cells["t0001"]["tgt_text"] == "'" + FORMULA_EDITS["t0001"]
    tmx = etree.parse(str(out / "corpus.tmx"))
    assert tmx.xpath("//tu[@tuid='f0002']/tuv/seg/text()")[1] == FORMULA_EDITS["f0002"]
    assert tmx.xpath("//tu[@tuid='f0004']/tuv/seg/text()") == ["'=Уже с апострофом.", "'=Already quoted."]
