"""The review page: escaping, self-containment, counts, highlights, flags, the stage and `review html`."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import lxml.html
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import ReviewConfig, RunConfig
from pipeline.corpus import write_aligned_csv
from pipeline.io import write_csv
from pipeline.review import REVIEW_HTML, page_from_run, write_review_page
from pipeline.review.page import embed_json, render_page
from pipeline.review.view import GlossaryMark, build_view, doc_infos, glossary_mark, highlights, sentence_states

from tests import review_fixtures as fx

DATA_BLOCK = re.compile(r'<script type="application/json" id="review-data">(.*?)</script>', re.S)


def page_data(html: str) -> dict:
    match = DATA_BLOCK.search(html)
    assert match, "no embedded data block"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def fixture_html() -> str:
    view = build_view(
        fx.pairs(), matches=fx.matches(), states=sentence_states(fx.documents()),
        docs=doc_infos(fx.documents()),
        threshold=0.5, title="Review <fixture> & co",
    )
    return render_page(view)


def test_embedded_json_cannot_end_the_script_element() -> None:
    nasty = {"t": '</script><script>alert(1)</script><!-- & \u2028 </SCRIPT >'}
    text = embed_json(nasty)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == nasty


def test_page_round_trips_every_pair_text_through_the_data_block(fixture_html: str) -> None:
    data = page_data(fixture_html)
    pairs = fx.pairs()
    assert [p["id"] for p in data["pairs"]] == [p.pair_id for p in pairs]
    assert [(p["st"], p["tt"]) for p in data["pairs"]] == [(p.src_text, p.tgt_text) for p in pairs]
    # The sentence holding "</script><!--" is in the data intact, and the page has exactly the two script elements.
    assert any("</script><!--" in p["st"] for p in data["pairs"])
    doc = lxml.html.fromstring(fixture_html)
    assert len(doc.xpath("//script")) == 2
    assert doc.xpath("//script[@id='review-data']/@type") == ["application/json"]


def test_title_is_html_escaped(fixture_html: str) -> None:
    assert "<title>Review &lt;fixture&gt; &amp; co</title>" in fixture_html


def test_page_is_self_contained(fixture_html: str) -> None:
    outside_data = DATA_BLOCK.sub("", fixture_html)
    assert "http://" not in outside_data and "https://" not in outside_data
    # URLs of sources are carried as data (shown as text), never loaded.
    assert "https://example.org/ru/korea" in json.dumps(page_data(fixture_html), ensure_ascii=False)
    doc = lxml.html.fromstring(fixture_html)
    for element in doc.iter():
        for attr in ("src", "href"):
            value = element.get(attr)
            assert value is None or value.startswith("data:"), f"<{element.tag} {attr}={value!r}> would load something"
    assert not doc.xpath("//link[@rel='stylesheet'] | //script[@src] | //img | //iframe")
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp and "default-src 'none'" in csp[0]
    # CSS and JS are inline.
    assert doc.xpath("//style") and "function" in doc.xpath("//script[not(@type)]")[0].text


def test_counts_at_the_top(fixture_html: str) -> None:
    doc = lxml.html.fromstring(fixture_html)
    counts = {li.get("data-count"): int(li.xpath("./b")[0].text) for li in doc.xpath("//ul[@id='counts']/li")}
    pairs = fx.pairs()
    assert counts["pairs"] == len(pairs) == 10
    assert counts["kind:translation"] == 6 and counts["kind:cross-source"] == 4
    assert counts["lang:ru→en"] == 7 and counts["lang:en→en"] == 3
    assert counts["below_threshold"] == sum(p.score < 0.5 for p in pairs) == 3
    assert counts["flag:untranslated"] == 1
    assert counts["flag:unverified"] == 1
    # glossary applied on sentences 0, 1, 4 of the Russian doc: pairs t0000, t0001, t0004 and x0003 (ids 0, 1).
    assert counts["flag:glossary-applied"] == 4
    # a glossary decision below confidence on sentence 1: t0001 and x0003
    assert counts["flag:needs-review"] == 2
    for flag in ("low-confidence", "length-mismatch", "misaligned", "untranslated-words", "duplicate"):
        assert counts[f"flag:{flag}"] == 1, flag
    options = doc.xpath("//select[@id='f-kind']/option/@value")
    assert options == ["", "cross-source", "translation"]
    # The flag filter offers every flag the pairs carry, in one order, low-score first.
    flags = doc.xpath("//select[@id='f-flag']/option/@value")
    assert flags == ["", "*", "low-score", "glossary-applied", "unverified", "needs-review", "untranslated",
                     "low-confidence", "length-mismatch", "misaligned", "untranslated-words", "duplicate"]
    assert doc.xpath("//select[@id='f-sort']/option/@value") == ["", "q", "score", "m"]


def test_glossary_highlights_on_both_sides_with_note() -> None:
    data = build_view(fx.pairs(), matches=fx.matches(), states=sentence_states(fx.documents()))
    rows = {p["id"]: p for p in data["pairs"]}
    t0 = rows["t0000"]
    (start, end, css, title), = t0["sh"]
    assert t0["st"][start:end] == "цепочки" and css == "gl-apply"
    assert "article's rendering of 'blockchain'" in title and "blockchain" in title
    (start, end, css, _title), = t0["th"]
    assert t0["tt"][start:end] == "blockchain"
    t1 = rows["t0001"]
    assert [t1["st"][s:e] for s, e, *_ in t1["sh"]] == ["Корея жунганг Daily", "ИИ"]
    assert [t1["tt"][s:e] for s, e, *_ in t1["th"]] == ["Korea JoongAng Daily", "AI"]
    # A skipped match is shown on the source, with its reason, and nothing on the target.
    t2 = rows["t0002"]
    (start, end, css, title), = t2["sh"]
    assert t2["st"][start:end] == "Цепочка" and css == "gl-skip" and "supply chain" in title
    assert t2["th"] == []
    # An unverified term: the source is marked as such, the target has no term to mark, the pair is flagged.
    t4 = rows["t0004"]
    assert t4["sh"][0][2] == "gl-unverified" and t4["th"] == []
    assert "unverified" in t4["flags"]
    # Cross-source pair spanning two Russian sentences picks up the marks of both.
    assert len(rows["x0003"]["sh"]) == 3


def test_highlight_offsets_are_utf16_units() -> None:
    text = "A rocket 🚀 launch preceded the blockchain summit"
    mark = GlossaryMark("d", 0, "blockchain", "blockchain", "apply", "blockchain", "note")
    (start, end, _css, _title), = highlights(text, [mark], prefer_target=False)
    # Python index of "blockchain" is one less than its JavaScript (UTF-16) index because of the emoji.
    assert text.index("blockchain") + 1 == start and end - start == len("blockchain")
    assert text.encode("utf-16-le")[2 * start: 2 * end].decode("utf-16-le") == "blockchain"


def test_repeated_term_marks_each_occurrence_once() -> None:
    text = "цепочки и снова цепочки"
    marks = [GlossaryMark("d", 0, "b", "цепочки", "apply", "blockchain")] * 2
    spans = highlights(text, marks, prefer_target=False)
    assert [(s, e) for s, e, *_ in spans] == [(0, 7), (16, 23)]


def test_untranslated_flag_comes_from_the_sentence_status() -> None:
    pairs = fx.pairs()
    stripped = [replace(p, flags=()) for p in pairs]
    data = build_view(stripped, states=sentence_states(fx.documents()))
    flagged = {p["id"] for p in data["pairs"] if "untranslated" in p["flags"]}
    assert flagged == {"t0003"}


def test_glossary_adapter_accepts_dicts_objects_and_entry_objects() -> None:
    as_dict = glossary_mark(fx.matches()[0])
    as_obj = glossary_mark(fx.MatchRecord(fx.RU, 0, "blockchain", "цепочки", "Apply", "blockchain",
                                          "«цепочка» is the article's rendering of 'blockchain'"))
    assert (as_obj.doc_id, as_obj.sent_idx, as_obj.entry, as_obj.action, as_obj.note) == (
        as_dict.doc_id, as_dict.sent_idx, as_dict.entry, as_dict.action, as_dict.note)

    class Entry:
        id = "ai"
        target = "AI"
        note = "Artificial intelligence"

    class Match:
        doc_id, sent_idx, entry, matched, action = "d", "3", Entry(), "ИИ", "apply"

    mark = glossary_mark(Match())
    assert (mark.entry, mark.target_term, mark.note, mark.sent_idx) == ("ai", "AI", "Artificial intelligence", 3)


def _review_stage(config: RunConfig, documents, pairs=()) -> tuple[Path, dict]:
    """The run's ``review`` stage over ``documents`` (their sentences' glossary terms) and ``pairs``."""
    from pipeline.services import Services
    from pipeline.shards import InMemoryDocuments
    from pipeline.stages import STAGES, RunState

    state = RunState(documents=InMemoryDocuments(documents), cross_source_pairs=tuple(pairs), out_dir=config.out_dir)
    next(s for s in STAGES if s.name == "review").fn(state, Services(config))
    return state.written[0], state.counts["review"]


def _with_terms(documents):
    """The fixture documents with the fixture's glossary matches on their sentences, as the glossary stage puts them."""
    from dataclasses import replace

    from pipeline.models import TermMatch

    terms: dict = {}
    for m in fx.matches():
        terms.setdefault((m["doc_id"], m["sent_idx"]), []).append(TermMatch(
            entry=m["entry"], start=0, end=0, matched=m["matched"], action=m["action"], reason=m.get("reason", ""),
            target_term=m["target_term"], note=m["note"], target_check=m.get("target_check", "")))
    return [replace(d, sentences=tuple(replace(s, terms=tuple(terms.get((d.doc_id, s.sent_idx), ())))
                                        for s in d.sentences)) for d in documents]


def test_review_stage_writes_the_page_with_zero_pairs(tmp_path: Path) -> None:
    path, counts = _review_stage(RunConfig(input_dir=tmp_path, out_dir=tmp_path), fx.documents())
    assert path == tmp_path / REVIEW_HTML
    html = path.read_text(encoding="utf-8")
    assert page_data(html)["pairs"] == []
    assert "No pairs to review." in html
    assert counts["pairs"] == 0


def test_review_stage_reads_pairs_terms_and_the_run_threshold(tmp_path: Path) -> None:
    config = RunConfig(input_dir=tmp_path, out_dir=tmp_path, review=ReviewConfig(threshold=0.8))
    path, counts = _review_stage(config, _with_terms(fx.documents()), fx.pairs())
    data = page_data(path.read_text(encoding="utf-8"))
    assert len(data["pairs"]) == 10 and data["threshold"] == 0.8
    assert data["counts"]["below_threshold"] == sum(p.score < 0.8 for p in fx.pairs()) == counts["below_threshold"]
    assert data["docs"][fx.RU]["title"] == "Корейские инвесторы и блокчейн"
    assert data["counts"]["glossary_applied"] == 4 and data["counts"]["unverified"] == 1


def _run_folder(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    write_aligned_csv(run / "aligned.csv", fx.pairs())
    write_csv(run / "glossary_report.csv", [
        {**m, "reason": m.get("reason", ""), "source_replacement": "", "target_check": m.get("target_check", "")}
        for m in fx.matches()
    ], ["doc_id", "sent_idx", "entry", "matched", "action", "reason", "source_replacement", "target_check", "target_term", "note",
        "confidence", "needs_review"])
    write_csv(run / "sentences.csv", [
        {"doc_id": s.doc_id, "sent_idx": s.sent_idx, "text": s.text, "translation_status": s.translation_status,
         "flags": " ".join(s.flags)}
        for d in fx.documents() for s in d.sentences
    ], ["doc_id", "sent_idx", "text", "translation_status", "flags"])
    return run


def test_page_from_run_folder_matches_the_in_memory_page(tmp_path: Path) -> None:
    run = _run_folder(tmp_path)
    path = page_from_run(run)
    assert path == run / REVIEW_HTML
    from_files = page_data(path.read_text(encoding="utf-8"))
    in_memory = build_view(fx.pairs(), matches=fx.matches(), states=sentence_states(fx.documents()))
    assert from_files["pairs"] == in_memory["pairs"]
    assert from_files["counts"] == in_memory["counts"]


def test_review_html_command(tmp_path: Path) -> None:
    run = _run_folder(tmp_path)
    result = CliRunner().invoke(app, ["review", "html", str(run), "--out", str(tmp_path / "page.html")])
    assert result.exit_code == 0, result.output
    assert len(page_data((tmp_path / "page.html").read_text(encoding="utf-8"))["pairs"]) == 10
    missing = CliRunner().invoke(app, ["review", "html", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "not a folder" in missing.output
    empty = tmp_path / "empty"
    empty.mkdir()
    no_csv = CliRunner().invoke(app, ["review", "html", str(empty)])
    assert no_csv.exit_code == 2 and "aligned.csv" in no_csv.output and "Traceback" not in no_csv.output


def test_write_review_page_is_atomic_and_utf8(tmp_path: Path) -> None:
    path = write_review_page(tmp_path / "r.html", fx.pairs(), matches=fx.matches(), documents=fx.documents())
    raw = path.read_bytes()
    assert raw.startswith(b"<!DOCTYPE html>") and '<meta charset="utf-8">'.encode() in raw
    assert "Корейские".encode("utf-8") in raw
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_page_is_a_function_of_the_run(fixture_html: str) -> None:
    """No wall-clock time in the page unless asked for: the same run gives the same review.html byte for byte."""
    from datetime import datetime, timezone

    view = build_view(fx.pairs(), threshold=0.5, title="t")
    page = render_page(view)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", fixture_html)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", page)
    stamped = render_page(view, generated=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    assert "Generated 2026-01-02T03:04:05+00:00 by pipeline" in stamped


@pytest.mark.parametrize("threshold", ["7", "-0.1", "nan"])
def test_review_html_threshold_outside_0_to_1_is_a_usage_error(tmp_path: Path, threshold: str) -> None:
    write_aligned_csv(tmp_path / "aligned.csv", fx.pairs())
    result = CliRunner().invoke(app, ["review", "html", str(tmp_path), "--threshold", threshold])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "review.html").exists()


# -- review in the page: values, flags, checksum, the CSV the page writes back ------------------------------------


def test_pairs_carry_quality_values_and_their_csv_cells() -> None:
    from pipeline.corpus import ALIGNED_COLUMNS
    from pipeline.review.view import RAW_COLUMNS, ROW_FIELDS

    data = build_view(fx.pairs() + fx.formula_pairs())
    rows = {p["id"]: p for p in data["pairs"]}
    assert (rows["t0000"]["q"], rows["t0000"]["c"], rows["t0000"]["m"]) == (0.88, -0.21, None)
    assert (rows["t0003"]["q"], rows["t0003"]["c"]) == (None, None)
    assert (rows["x0000"]["m"], rows["x0000"]["q"]) == (1.21, None)
    # Every column of aligned.csv is either rebuilt from the pair, carried verbatim, or the reviewer's.
    assert data["csv"]["columns"] == list(ALIGNED_COLUMNS)
    assert set(ROW_FIELDS) | set(RAW_COLUMNS) | {"decision", "edited_tgt_text"} == set(ALIGNED_COLUMNS)
    for pair in fx.pairs() + fx.formula_pairs():
        row = pair.row()
        assert rows[pair.pair_id]["raw"] == [row[c] for c in RAW_COLUMNS]
    assert rows["f0003"]["raw"][0] == "-0.0312" and rows["f0003"]["score"] == -0.0312


def test_checksum_is_the_runs_from_records_and_from_files(tmp_path: Path) -> None:
    from pipeline.review.view import pairs_checksum

    run = _run_folder(tmp_path)
    from_files = page_data(page_from_run(run).read_text(encoding="utf-8"))
    in_memory = build_view(fx.pairs())
    assert from_files["checksum"] == in_memory["checksum"] == pairs_checksum(fx.pairs())
    assert len(in_memory["checksum"]) == 64
    # Another threshold is the same run; another text, score or pair is another run.
    assert build_view(fx.pairs(), threshold=0.9)["checksum"] == in_memory["checksum"]
    changed = list(fx.pairs())
    changed[0] = replace(changed[0], tgt_text=changed[0].tgt_text + " ")
    assert pairs_checksum(changed) != in_memory["checksum"]
    assert pairs_checksum(fx.pairs()[:-1]) != in_memory["checksum"]
    assert pairs_checksum([replace(fx.pairs()[0], score=0.9)]) != pairs_checksum(fx.pairs()[:1])
    # The reviewer's columns are not the run's: a reviewed copy has the same checksum.
    decided = [replace(p, decision="accept") for p in fx.pairs()]
    assert pairs_checksum(decided) == in_memory["checksum"]


def test_low_score_follows_the_page_threshold_for_every_kind() -> None:
    data = build_view(fx.pairs(), threshold=0.8)
    low = {p["id"] for p in data["pairs"] if "low-score" in p["flags"]}
    assert low == {p.pair_id for p in fx.pairs() if p.score < 0.8}
    assert {"x0000", "x0002", "x0003"} <= low  # cross-source pairs too
    # The run flagged t0005 (0.31) at its own threshold; a page at 0.3 does not.
    assert "low-score" not in {p["id"]: p for p in build_view(fx.pairs(), threshold=0.3)["pairs"]}["t0005"]["flags"]


def test_glossary_decisions_below_confidence_flag_the_pair() -> None:
    data = build_view(fx.pairs(), matches=fx.matches())
    rows = {p["id"]: p for p in data["pairs"]}
    assert "needs-review" in rows["t0001"]["flags"] and "needs-review" in rows["x0003"]["flags"]
    assert "needs-review" not in rows["t0000"]["flags"]
    ai = [h for h in rows["t0001"]["sh"] if rows["t0001"]["st"][h[0]:h[1]] == "ИИ"][0]
    assert "gl-review" in ai[2] and "confidence 0.55" in ai[3] and "needs review" in ai[3]
    # The same from glossary_report.csv strings.
    as_csv = [{k: str(v) for k, v in m.items()} for m in fx.matches()]
    assert build_view(fx.pairs(), matches=as_csv)["pairs"] == data["pairs"]


def test_glossary_marks_from_the_sentences_terms_when_no_report_is_given(tmp_path: Path) -> None:
    from pipeline.review.view import term_marks

    assert len(term_marks(fx.documents(with_terms=True))) == len(fx.matches())
    from_report = write_review_page(tmp_path / "a.html", fx.pairs(), matches=fx.matches(), documents=fx.documents())
    from_terms = write_review_page(tmp_path / "b.html", fx.pairs(), documents=fx.documents(with_terms=True))
    a = page_data(from_report.read_text(encoding="utf-8"))
    b = page_data(from_terms.read_text(encoding="utf-8"))
    assert [(p["sh"], p["th"], p["flags"]) for p in a["pairs"]] == [(p["sh"], p["th"], p["flags"]) for p in b["pairs"]]


def test_page_has_review_controls_keys_and_download(fixture_html: str) -> None:
    doc = lxml.html.fromstring(fixture_html)
    assert doc.xpath("//button[@id='download']/text()") == ["Download reviewed CSV"]
    keys = doc.xpath("//p[@class='keys']//kbd/text()")
    assert {"j", "k", "a", "r", "e", "u", "Enter", "Esc"} <= set(keys)
    assert doc.xpath("//*[@id='p-total']/text()") == ["10"]
    assert doc.xpath("//*[@data-progress-kind]/@data-progress-kind") == ["cross-source", "translation"]
    assert "pipeline review apply aligned.reviewed.csv" in doc.xpath("string(//p[@class='keys'])")


@pytest.mark.parametrize(("name", "command"), [
    ("aligned.csv", ["review", "html", "{run}", "--out", "{page}"]),
    ("sentences.csv", ["review", "html", "{run}", "--out", "{page}"]),
    ("aligned.csv", ["export", "xliff", "{run}", "--out", "{page}"]),
    ("sentences.csv", ["export", "xliff", "{run}", "--out", "{page}"]),
])
def test_a_fifo_in_a_run_folder_is_named_not_opened(tmp_path: Path, name: str, command: list[str]) -> None:
    """A FIFO named like a run's file was reported as "not found", or read as no pairs."""
    from tests.test_reliability import finishes_within

    run = _run_folder(tmp_path)
    write_csv(run / "sentences.csv", [
        {"doc_id": s.doc_id, "sent_idx": s.sent_idx, "text": s.text, "translation": s.text, "translation_status": "ok"}
        for d in fx.documents() for s in d.sentences
    ], ["doc_id", "sent_idx", "text", "translation", "translation_status"])
    (run / name).unlink()
    os.mkfifo(run / name)
    argv = [a.format(run=run, page=tmp_path / "page.out") for a in command]
    result = finishes_within(30, lambda: CliRunner().invoke(app, argv), fifo=run / name)
    assert result.exit_code == 2, result.output
    assert f"{name}: not a regular file (FIFO)" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "page.out").exists()
