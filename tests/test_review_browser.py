"""review.html in headless Chromium (Debian's package, driven by Playwright; nothing is downloaded).

Skipped, with the reason, only where /usr/bin/chromium is not installed (`.ci/install-browser` installs it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from playwright.sync_api import expect

from pipeline.api import run_batch
from pipeline.config import RunConfig
from pipeline.corpus import ALIGNED_CSV
from pipeline.io import read_csv
from pipeline.review import REVIEW_HTML, write_review_page

from tests import review_fixtures as fx

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]

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


class Opened:
    """A page with its console errors and the requests it made."""

    def __init__(self, browser, path: Path, timeout_ms: int = 15000) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("request", lambda req: self.requests.append(req.url))
        started = time.perf_counter()
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("body[data-ready=true]", state="attached", timeout=timeout_ms)
        self.load_seconds = time.perf_counter() - started

    def visible_rows(self) -> int:
        return self.page.locator(".pair:not([hidden])").count()

    def rows(self) -> int:
        return self.page.locator(".pair").count()

    def shown(self) -> int:
        return int(self.page.inner_text("#shown"))


def test_fixture_page_renders_filters_and_shows_glossary_notes(browser, tmp_path: Path) -> None:
    pairs = fx.pairs()
    path = write_review_page(tmp_path / REVIEW_HTML, pairs, matches=fx.matches(), documents=fx.documents(),
                             title="Review · fixture")
    opened = Opened(browser, path)
    page = opened.page
    try:
        assert opened.rows() == len(pairs) == opened.visible_rows() == opened.shown()
        # The sentence with "</script><!--" is shown as text, intact.
        assert page.locator(".pair[data-pair-id='x0002'] .side .txt").first.inner_text().endswith(
            '</script><!-- must stay text.')
        # Glossary application highlighted on both sides, the note on hover (title).
        row = page.locator(".pair[data-pair-id='t0000']")
        assert row.locator("mark.gl-apply").all_inner_texts() == ["цепочки", "blockchain"]
        assert "article's rendering of 'blockchain'" in row.locator("mark.gl-apply").first.get_attribute("title")
        assert page.locator(".pair[data-pair-id='t0003'] .side.untranslated .txt").inner_text() == "(not translated)"
        assert page.locator(".pair[data-pair-id='t0004'] .flag-unverified").count() == 1

        page.select_option("#f-kind", "cross-source")
        expect(page.locator("#shown")).to_have_text("4")
        assert opened.visible_rows() == 4
        assert page.locator(".pair[data-pair-id='t0000']").is_hidden()
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
        expect(page.locator("#shown")).to_have_text("3")
        assert sorted(page.locator(".pair:not([hidden])").evaluate_all("rs => rs.map(r => r.dataset.pairId)")) == [
            p.pair_id for p in sorted(pairs, key=lambda p: p.pair_id) if p.score >= 0.8]
        page.fill("#f-min", "")
        page.fill("#f-text", "JoongAng")
        expect(page.locator("#shown")).to_have_text("1")
        page.fill("#f-text", "")
        expect(page.locator("#shown")).to_have_text(f"{len(pairs)}")

        shot = tmp_path / "review.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        assert opened.errors == []
        assert all(url.startswith(("file:", "data:")) for url in opened.requests), opened.requests
    finally:
        page.close()


def test_five_thousand_pairs_render_and_filter_within_seconds(browser, tmp_path: Path) -> None:
    pairs = fx.many_pairs(5000)
    path = write_review_page(tmp_path / REVIEW_HTML, pairs)
    opened = Opened(browser, path, timeout_ms=20000)
    page = opened.page
    try:
        assert opened.rows() == 5000 == opened.shown()
        n_cross = sum(p.kind == "cross-source" for p in pairs)
        started = time.perf_counter()
        page.select_option("#f-kind", "cross-source")
        expect(page.locator("#shown")).to_have_text(f"{n_cross}", timeout=5000)
        filter_seconds = time.perf_counter() - started
        assert opened.visible_rows() == n_cross
        page.select_option("#f-kind", "")
        expect(page.locator("#shown")).to_have_text("5000", timeout=5000)
        page.screenshot(path=str(tmp_path / "review-5000.png"))
        assert opened.errors == []
        print(f"5000 pairs: page ready in {opened.load_seconds:.2f} s, kind filter in {filter_seconds:.2f} s")
    finally:
        page.close()


def test_page_of_a_seeds_run_shows_every_pair_of_aligned_csv(browser, seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_batch(RunConfig(input_dir=seeds_dir, out_dir=out))
    aligned = out / ALIGNED_CSV
    n_pairs = len(read_csv(aligned)) if aligned.exists() else 0
    opened = Opened(browser, out / REVIEW_HTML)
    try:
        assert opened.rows() == n_pairs == opened.shown()
        assert opened.errors == []
    finally:
        opened.page.close()
