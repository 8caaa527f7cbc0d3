"""review.html in headless Chromium (Debian's package, driven by Playwright; nothing is downloaded).

The review round trip is tested as a reviewer does it: decisions by keyboard and mouse, a reload and a
reopened tab that keep them, the download, `pipeline review apply` on the downloaded file, and the final
corpus. Skipped, with the reason, only where /usr/bin/chromium is not installed (`.ci/install-browser`
installs it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree
from playwright.sync_api import expect
from typer.testing import CliRunner

from pipeline.api import run_batch
from pipeline.cli import app
from pipeline.config import RunConfig
from pipeline.corpus import ALIGNED_CSV, AlignedPair, write_aligned_csv
from pipeline.io import read_csv
from pipeline.review import REVIEW_HTML, page_from_run, write_review_page
from pipeline.review.view import pairs_checksum

from tests import review_fixtures as fx

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
CHUNK = 200  # rows the page adds at a time (review.js)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"Chromium is not installed at {CHROMIUM} (run .ci/install-browser as root)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def context(browser) -> Iterator[object]:
    """One browser profile: pages opened in it share localStorage, as tabs of one browser do."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    yield context
    context.close()


class Opened:
    """A page with its console errors and the requests it made."""

    def __init__(self, context, path: Path, timeout_ms: int = 15000) -> None:
        self.page = context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("request", lambda req: self.requests.append(req.url))
        started = time.perf_counter()
        self.page.goto(path.as_uri())
        self.wait_ready(timeout_ms)
        self.load_seconds = time.perf_counter() - started

    def wait_ready(self, timeout_ms: int = 15000) -> None:
        self.page.wait_for_selector("body[data-ready=true]", state="attached", timeout=timeout_ms)

    def reload(self) -> None:
        self.page.reload()
        self.wait_ready()

    def visible_rows(self) -> int:
        return self.page.locator(".pair:not([hidden])").count()

    def rows(self) -> int:
        return self.page.locator(".pair").count()

    def shown(self) -> int:
        return int(self.page.inner_text("#shown"))

    def row(self, pair_id: str):
        return self.page.locator(f".pair[data-pair-id='{pair_id}']")

    def ids(self) -> list[str]:
        return self.page.locator(".pair").evaluate_all("rs => rs.map(r => r.dataset.pairId)")

    def wait_ids(self, expected: list[str], timeout_ms: int = 5000) -> None:
        """Wait until the page lists exactly ``expected`` (filters apply on the next animation frame)."""
        self.page.wait_for_function(
            "ids => JSON.stringify(Array.from(document.querySelectorAll('.pair')).map(r => r.dataset.pairId))"
            " === JSON.stringify(ids)", arg=expected, timeout=timeout_ms)

    def current(self) -> str:
        return self.page.locator(".pair.current").get_attribute("data-pair-id")

    def decisions(self) -> dict[str, str]:
        return dict(self.page.locator(".pair[data-decision]:not([data-decision=''])").evaluate_all(
            "rs => rs.map(r => [r.dataset.pairId, r.dataset.decision])"))

    def progress(self) -> dict[str, str]:
        page = self.page
        out = {name: page.inner_text(f"#p-{name}") for name in ("done", "total", "accept", "edit", "reject")}
        for kind in ("translation", "cross-source"):
            node = page.locator(f"[data-progress-kind='{kind}'] .p-kind-done")
            if node.count():
                out[kind] = node.inner_text()
        return out

    def download(self, target: Path) -> Path:
        with self.page.expect_download() as info:
            self.page.click("#download")
        download = info.value
        assert download.suggested_filename == "aligned.reviewed.csv"
        download.save_as(str(target))
        return target


def write_run(run: Path, pairs) -> Path:
    """A run folder as `pipeline run` leaves it, as far as the review needs: aligned.csv and the manifest."""
    write_aligned_csv(run / ALIGNED_CSV, pairs)
    (run / "manifest.json").write_text(json.dumps({"settings": {"review": {"threshold": 0.5}}}), encoding="utf-8")
    return page_from_run(run)


def test_fixture_page_renders_filters_and_shows_glossary_notes(context, tmp_path: Path) -> None:
    pairs = fx.pairs()
    path = write_review_page(tmp_path / REVIEW_HTML, pairs, matches=fx.matches(), documents=fx.documents(),
                             title="Review · fixture")
    opened = Opened(context, path)
    page = opened.page
    try:
        assert opened.rows() == len(pairs) == opened.visible_rows() == opened.shown()
        # The sentence with "</script><!--" is shown as text, intact.
        assert opened.row("x0002").locator(".side .txt").first.inner_text().endswith('</script><!-- must stay text.')
        # Glossary application highlighted on both sides, the note on hover (title).
        row = opened.row("t0000")
        assert row.locator("mark.gl-apply").all_inner_texts() == ["цепочки", "blockchain"]
        assert "article's rendering of 'blockchain'" in row.locator("mark.gl-apply").first.get_attribute("title")
        assert opened.row("t0003").locator(".side.untranslated .txt").first.inner_text() == "(not translated)"
        assert opened.row("t0004").locator(".flag-unverified").count() == 1
        # A glossary decision below confidence: the pair is flagged and the mark says so.
        assert opened.row("t0001").locator(".flag-needs-review").count() == 1
        assert "needs review" in opened.row("t0001").locator("mark.gl-review").first.get_attribute("title")
        # Quality values: quality and MT confidence on translation pairs, margin on cross-source pairs.
        assert opened.row("t0005").locator(".val.q").inner_text() == "quality 0.21"
        assert opened.row("t0005").locator(".val.c").inner_text() == "MT conf. -1.92"
        assert opened.row("x0000").locator(".val.m").inner_text() == "margin 1.210"
        assert opened.row("x0000").locator(".val.q").count() == 0

        page.select_option("#f-kind", "cross-source")
        expect(page.locator("#shown")).to_have_text("4")
        assert opened.visible_rows() == 4
        assert opened.row("t0000").is_hidden()
        page.select_option("#f-lang", "ru→en")
        expect(page.locator("#shown")).to_have_text("1")
        assert opened.visible_rows() == 1
        page.screenshot(path=str(tmp_path / "review-filtered.png"), full_page=True)

        page.click("#f-reset")
        expect(page.locator("#shown")).to_have_text(f"{len(pairs)}")
        assert opened.visible_rows() == len(pairs)

        page.check("#f-below")
        expect(page.locator("#shown")).to_have_text("3")
        assert opened.visible_rows() == sum(p.score < 0.5 for p in pairs)
        page.uncheck("#f-below")
        page.fill("#f-min", "0.8")
        opened.wait_ids([p.pair_id for p in pairs if p.score >= 0.8])
        assert opened.shown() == 3
        page.fill("#f-min", "")
        page.fill("#f-text", "JoongAng")
        expect(page.locator("#shown")).to_have_text("1")
        page.fill("#f-text", "")
        expect(page.locator("#shown")).to_have_text(f"{len(pairs)}")

        # Each quality flag filters; the review threshold flags cross-source pairs as well.
        for flag, expected in (("needs-review", ["t0001", "x0003"]), ("low-confidence", ["t0005"]),
                               ("length-mismatch", ["t0004"]), ("misaligned", ["x0002"]),
                               ("untranslated-words", ["t0005"]), ("duplicate", ["x0000"]),
                               ("low-score", ["t0003", "t0005", "x0002"])):
            page.select_option("#f-flag", flag)
            opened.wait_ids(expected)
            assert opened.shown() == len(expected), flag
        page.select_option("#f-flag", "")

        # Doubtful pairs first: quality, score or margin, lowest first, pairs without the value last.
        by_quality = [p.pair_id for p in sorted((p for p in pairs if p.quality is not None), key=lambda p: p.quality)]
        page.select_option("#f-sort", "q")
        expect(page.locator("main.flat")).to_have_count(1)
        assert opened.ids()[: len(by_quality)] == by_quality == ["t0005", "t0004", "t0002", "t0001", "t0000"]
        page.select_option("#f-sort", "m")
        expect(page.locator("main.flat .pair").first).to_have_attribute("data-pair-id", "x0002")
        assert opened.ids()[:4] == ["x0002", "x0003", "x0001", "x0000"]
        page.select_option("#f-sort", "score")
        expect(page.locator("main.flat .pair").first).to_have_attribute("data-pair-id", "t0003")
        assert opened.ids() == [p.pair_id for p in sorted(pairs, key=lambda p: p.score)]
        assert opened.row("t0003").locator(".pdoc").is_visible()  # each row names its documents when not grouped
        page.select_option("#f-sort", "")
        expect(page.locator("main.flat")).to_have_count(0)
        assert opened.ids() == [p.pair_id for p in pairs]

        shot = tmp_path / "review.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        assert opened.errors == []
        assert all(url.startswith(("file:", "data:")) for url in opened.requests), opened.requests
    finally:
        page.close()


EDIT_T1 = "According to the Korea JoongAng Daily, the AI market grows by 20 percent a year."
EDIT_X2 = 'Analysts warn that a <script>alert("x")</script> tag & "quotes", edited.'
EDIT_F1 = "-5 °C is expected in Moscow on Friday, the forecast says."
EDIT_F2 = "=HYPERLINK(\"http://evil.example\")\n@CoinDesk reports a 7 percent rise."
REVIEWED = {
    "t0000": ("accept", ""),
    "t0001": ("edit", EDIT_T1),
    "t0003": ("reject", ""),
    "x0000": ("accept", ""),
    "x0001": ("accept", ""),
    "x0002": ("edit", EDIT_X2),
    "f0001": ("edit", EDIT_F1),
    "f0002": ("edit", EDIT_F2),
    "f0003": ("accept", ""),
    "f0004": ("accept", ""),
}
EXPECTED_PROGRESS = {"done": "10", "total": "15", "accept": "5", "edit": "4", "reject": "1",
                     "translation": "7", "cross-source": "3"}


def review_by_keyboard_and_mouse(opened: Opened) -> None:
    page = opened.page
    opened.row("t0000").locator(".side.src").click()  # the mouse picks the first pair
    assert opened.current() == "t0000"
    page.keyboard.press("a")  # accept, and on to the next pair
    assert opened.current() == "t0001"
    page.keyboard.press("e")
    editor = opened.row("t0001").locator("textarea")
    expect(editor).to_be_focused()
    assert editor.input_value() == fx.RU_SENTENCES[1][1]  # starts from the machine translation
    editor.fill(EDIT_T1)
    page.keyboard.press("Enter")  # saves, and on
    assert opened.current() == "t0002"
    page.keyboard.press("j")  # t0002 stays undecided
    assert opened.current() == "t0003"
    page.keyboard.press("a")  # nothing to accept in an untranslated pair: refused, with a hint
    expect(page.locator("#notice")).to_contain_text("no translation to accept")
    assert opened.current() == "t0003"
    page.keyboard.press("r")
    page.keyboard.press("r")  # t0004 rejected ...
    page.keyboard.press("k")
    assert opened.current() == "t0004"
    page.keyboard.press("u")  # ... and taken back: undecided
    assert opened.row("t0004").get_attribute("data-decision") == ""

    # The mouse: buttons on each pair; a second click on a pressed button takes the decision back.
    opened.row("x0000").locator("button.act-accept").click()
    opened.row("x0001").locator("button.act-reject").click()
    opened.row("x0001").locator("button.act-accept").click()
    opened.row("x0003").locator("button.act-reject").click()
    opened.row("x0003").locator("button.act-reject").click()
    opened.row("x0002").locator("button.act-edit").click()
    opened.row("x0002").locator("textarea").fill(EDIT_X2)
    opened.row("x0002").locator("button.esave").click()
    # Esc leaves the editor without a decision.
    opened.row("x0003").locator(".side.src").click()
    page.keyboard.press("e")
    page.keyboard.type(" changed")
    page.keyboard.press("Escape")
    assert opened.row("x0003").locator("textarea").count() == 0
    assert opened.row("x0003").get_attribute("data-decision") == ""

    # Back to the keyboard, on the pairs whose cells would start a spreadsheet formula.
    opened.row("f0001").locator(".side.src").click()
    page.keyboard.press("e")
    opened.row("f0001").locator("textarea").fill(EDIT_F1)
    page.keyboard.press("Enter")
    assert opened.current() == "f0002"
    page.keyboard.press("e")
    editor = opened.row("f0002").locator("textarea")
    editor.fill("")
    first, second = EDIT_F2.split("\n")
    page.keyboard.type(first)
    page.keyboard.press("Shift+Enter")  # a new line inside the corrected text
    page.keyboard.type(second)
    page.keyboard.press("Enter")
    page.keyboard.press("a")  # f0003, negative score
    page.keyboard.press("a")  # f0004
    page.keyboard.press("j")  # the last pair: stays there
    assert opened.current() == "f0004"


def expected_download(pairs: tuple[AlignedPair, ...], tmp_path: Path) -> bytes:
    decided = [replace(p, decision=REVIEWED.get(p.pair_id, ("", ""))[0], edited_tgt_text=REVIEWED.get(p.pair_id, ("", ""))[1])
               for p in pairs]
    return write_aligned_csv(tmp_path / "expected.csv", decided).read_bytes()


def test_review_round_trip_keyboard_mouse_reload_download_apply(context, tmp_path: Path) -> None:
    pairs = fx.pairs() + fx.formula_pairs()
    run = tmp_path / "run"
    page_path = write_run(run, pairs)
    opened = Opened(context, page_path)
    page = opened.page
    assert opened.progress() == {"done": "0", "total": "15", "accept": "0", "edit": "0", "reject": "0",
                                 "translation": "0", "cross-source": "0"}
    review_by_keyboard_and_mouse(opened)
    expected_decisions = {pid: d for pid, (d, _e) in REVIEWED.items()}
    assert opened.decisions() == expected_decisions
    assert opened.progress() == EXPECTED_PROGRESS
    assert opened.row("t0001").locator(".side.tgt .txt.edited").inner_text() == EDIT_T1
    page.screenshot(path=str(tmp_path / "review-decided.png"), full_page=True)

    # A reload, a second tab, and a tab opened after every other was closed: nothing is lost.
    opened.reload()
    assert opened.decisions() == expected_decisions and opened.progress() == EXPECTED_PROGRESS
    assert opened.row("f0002").locator(".side.tgt .txt.edited").inner_text() == EDIT_F2
    expect(page.locator("#saved")).to_contain_text("Restored 10 decisions")
    second = Opened(context, page_path)
    assert second.decisions() == expected_decisions
    second.page.close()
    page.close()
    opened = Opened(context, page_path)
    page = opened.page
    assert opened.decisions() == expected_decisions and opened.progress() == EXPECTED_PROGRESS

    # The download is aligned.csv with the two reviewer columns filled, byte for byte as the pipeline writes it
    # (BOM, column order, quoting, number formats, neutralised formula cells).
    downloaded = opened.download(tmp_path / "aligned.reviewed.csv")
    assert downloaded.read_bytes() == expected_download(pairs, tmp_path)
    assert downloaded.read_bytes().startswith(b"\xef\xbb\xbfpair_id,kind,")

    final = tmp_path / "final"
    result = CliRunner().invoke(app, ["review", "apply", str(downloaded), "--run", str(run), "--out", str(final)])
    assert result.exit_code == 0, result.output
    assert "kept 9 pairs: 5 accepted, 4 edited" in result.output
    assert "dropped 6 pairs: 1 rejected, 5 undecided" in result.output
    corpus = read_csv(final / ALIGNED_CSV)
    kept = [p for p in pairs if REVIEWED.get(p.pair_id, ("",))[0] in ("accept", "edit")]
    assert list(corpus["pair_id"]) == [p.pair_id for p in kept]
    assert list(corpus["src_text"]) == [p.src_text for p in kept]
    assert list(corpus["tgt_text"]) == [REVIEWED[p.pair_id][1] or p.tgt_text for p in kept]
    assert list(corpus["decision"]) == [REVIEWED[p.pair_id][0] for p in kept]
    tmx = etree.parse(str(final / "corpus.tmx"))
    assert tmx.xpath("//tu/@tuid") == [p.pair_id for p in kept]
    assert tmx.xpath("//tu[@tuid='f0002']/tuv/seg/text()")[1] == EDIT_F2
    assert tmx.xpath("//tu[@tuid='x0002']/tuv/seg/text()")[1] == EDIT_X2
    assert opened.errors == []
    assert all(url.startswith(("file:", "data:", "blob:")) for url in opened.requests), opened.requests
    page.close()


def test_a_page_of_another_run_does_not_see_the_decisions(context, tmp_path: Path) -> None:
    first = Opened(context, write_run(tmp_path / "one", fx.pairs()))
    first.row("t0000").locator("button.act-accept").click()
    first.row("t0001").locator("button.act-reject").click()
    assert first.progress()["done"] == "2"
    other_pairs = fx.pairs()[:-1]  # another run: one pair fewer
    other = Opened(context, write_run(tmp_path / "two", other_pairs))
    assert other.progress()["done"] == "0" and other.decisions() == {}
    keys = other.page.evaluate("Object.keys(window.localStorage)")
    assert f"pipeline-review:{pairs_checksum(fx.pairs())}" in keys
    assert f"pipeline-review:{pairs_checksum(other_pairs)}" not in keys  # nothing decided there yet
    # The same run regenerated with another threshold (or copied elsewhere) is the same run.
    same = Opened(context, write_review_page(tmp_path / "copy" / REVIEW_HTML, fx.pairs(), threshold=0.8))
    assert same.decisions() == {"t0000": "accept", "t0001": "reject"}
    for opened in (first, other, same):
        assert opened.errors == []
        opened.page.close()


TRICKY = [
    "a, comma", 'a "quote"', "line\nbreak", "carriage\rreturn", "crlf\r\nend", "\ttab first", "\rcr first",
    "=1+1", "+1", "-1", "-1.5", "-.5", "-1e-05", "-", "--", "-x", "@x", "'", "'=x", "''=x", "'-1", "a=b",
    "−5 (U+2212)", "emoji 🚀 \u2028 sep", " spaced ", "", "\\ back\\slash", "<b>tag</b> & amp",
]


def test_downloaded_csv_is_byte_identical_to_the_pipelines_writer(context, tmp_path: Path) -> None:
    """Quoting, neutralisation and line ends of the page's writer against pipeline.io.write_csv, cell by cell."""
    pairs = tuple(
        AlignedPair(pair_id=f"c{i:03d}", kind="translation", src_doc="-doc", src_ids=(i,), src_lang="ru",
                    src_text=text or "x", tgt_doc="-doc", tgt_ids=(i, i + 1), tgt_lang="en", tgt_text=text,
                    score=-0.25 + i / 100, flags=("low-score",), mt_confidence=-1.0, quality=None)
        for i, text in enumerate(TRICKY)
    )
    opened = Opened(context, write_review_page(tmp_path / REVIEW_HTML, pairs))
    page = opened.page
    edits = {}
    for i, pair in enumerate(pairs):
        row = opened.row(pair.pair_id)
        if i % 3 == 0 and pair.tgt_text.strip():
            row.locator("button.act-accept").click()
        elif i % 3 == 1:
            row.locator("button.act-edit").click()
            edit = TRICKY[(i + 7) % len(TRICKY)].replace("\r\n", "\n").replace("\r", "\n").strip() or "x"
            row.locator("textarea").fill(edit)
            row.locator("button.esave").click()
            edits[pair.pair_id] = edit
        else:
            row.locator("button.act-reject").click()
    decided = []
    for pair in pairs:
        decision = opened.row(pair.pair_id).get_attribute("data-decision")
        edit = edits.get(pair.pair_id, "") if decision == "edit" else ""
        decided.append(replace(pair, decision=decision, edited_tgt_text=edit))
    downloaded = opened.download(tmp_path / "aligned.reviewed.csv").read_bytes()
    expected = write_aligned_csv(tmp_path / "expected.csv", decided).read_bytes()
    assert downloaded == expected
    assert opened.errors == []
    page.close()


def test_ten_thousand_pairs_open_filter_sort_and_review_quickly(context, tmp_path: Path) -> None:
    n = 10_000
    pairs = fx.many_pairs(n)
    path = write_review_page(tmp_path / REVIEW_HTML, pairs)
    opened = Opened(context, path, timeout_ms=30000)
    page = opened.page
    timings: dict[str, float] = {"open (navigation to ready)": opened.load_seconds}

    def timed(name: str, action, expected_shown: int) -> None:
        started = time.perf_counter()
        action()
        expect(page.locator("#shown")).to_have_text(str(expected_shown), timeout=10000)
        timings[name] = time.perf_counter() - started
        timings[name + ", in page"] = float(page.evaluate("document.body.dataset.filterMs")) / 1000

    try:
        assert opened.shown() == n
        assert opened.rows() == CHUNK  # the rest is added as the reviewer scrolls or moves on
        n_cross = sum(p.kind == "cross-source" for p in pairs)
        timed("kind filter", lambda: page.select_option("#f-kind", "cross-source"), n_cross)
        assert opened.rows() == min(CHUNK, n_cross)
        timed("kind filter off", lambda: page.select_option("#f-kind", ""), n)
        timed("text filter", lambda: page.fill("#f-text", "[9999]"), 1)
        timed("text filter off", lambda: page.fill("#f-text", ""), n)
        by_quality = sorted((p for p in pairs if p.quality is not None), key=lambda p: p.quality)
        timed("sort by quality", lambda: page.select_option("#f-sort", "q"), n)
        # sorting keeps the count: wait for the order itself (it applies on the next animation frame)
        page.wait_for_function(
            "ids => JSON.stringify(Array.from(document.querySelectorAll('.pair')).slice(0, ids.length)"
            ".map(r => r.dataset.pairId)) === JSON.stringify(ids)", arg=[p.pair_id for p in by_quality[:5]],
            timeout=10000)
        n_low = sum("low-confidence" in p.flags for p in pairs)
        timed("flag filter, sorted", lambda: page.select_option("#f-flag", "low-confidence"), n_low)
        page.select_option("#f-flag", "")
        page.select_option("#f-sort", "")
        expect(page.locator("main.flat")).to_have_count(0)

        # The keyboard walks past the rows added so far: the next ones are added on the way.
        opened.row("p00000").locator(".side.src").click()
        started = time.perf_counter()
        steps = CHUNK + 50
        for _ in range(steps):
            page.keyboard.press("j")
        timings[f"{steps} x next (j)"] = time.perf_counter() - started
        order = page.evaluate("Array.from(document.querySelectorAll('.pair')).map(r => r.dataset.pairId)")
        assert opened.current() == order[steps]
        assert len(order) >= steps + 1
        page.keyboard.press("a")
        assert opened.progress()["done"] == "1"

        # Worst case: every row in the page, then a filter over them.
        started = time.perf_counter()
        page.evaluate("() => { const more = document.querySelector('.more'); while (!more.hidden) more.click(); }")
        timings["all 10,000 rows added"] = time.perf_counter() - started
        assert opened.rows() == n
        timed("kind filter with every row built", lambda: page.select_option("#f-kind", "translation"), n - n_cross)
        page.screenshot(path=str(tmp_path / "review-10000.png"))
        assert opened.errors == []
    finally:
        page.close()
    print("\n10,000 pairs: " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in timings.items()))
    assert timings["open (navigation to ready)"] < 10
    for name in ("kind filter", "text filter", "sort by quality", "flag filter, sorted"):
        assert timings[name + ", in page"] < 1.0, (name, timings)


def test_page_of_a_seeds_run_shows_every_pair_of_aligned_csv(context, seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_batch(RunConfig(input_dir=seeds_dir, out_dir=out))
    aligned = out / ALIGNED_CSV
    n_pairs = len(read_csv(aligned)) if aligned.exists() else 0
    opened = Opened(context, out / REVIEW_HTML)
    try:
        assert opened.shown() == n_pairs
        assert opened.rows() == min(n_pairs, CHUNK)
        opened.page.evaluate("() => { const more = document.querySelector('.more'); while (!more.hidden) more.click(); }")
        assert opened.rows() == n_pairs
        assert opened.errors == []
    finally:
        opened.page.close()
