import pytest

from pipeline.errors import InputError
from pipeline.ingest import discover, ingest_bytes, read_document, unique_doc_ids
from pipeline.models import DocStatus
from tests.conftest import AWKWARD_FILES


def test_discover_is_recursive_sorted_and_skips_hidden(tmp_path):
    for rel in ["b.txt", "a/z.md", "a/y.html", ".git/x.txt", "notes.pdf", "c.TXT"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    rels = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert rels == ["a/y.html", "a/z.md", "b.txt", "c.TXT"]


def test_discover_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        discover(tmp_path / "missing")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        discover(tmp_path / "f.txt")


def test_unique_doc_ids():
    assert unique_doc_ids(["a.txt", "sub/b.md", "c"]) == ["a", "sub/b", "c"]
    assert unique_doc_ids(["a.txt", "a.md", "b.txt"]) == ["a.txt", "a.md", "b"]


def test_seed_metadata(seeds_dir):
    path = seeds_dir / "000_5286f2786187ce81.txt"
    doc = read_document(path, doc_id=path.stem, rel_path=path.name)
    assert doc.status is DocStatus.OK
    assert doc.date == "2018-09-06"
    assert doc.source_url == "https://cointelegraph.com/news/belarus-seeks-south-korean-investors-interested-in-blockchain-and-fintech"
    assert doc.title.startswith("Беларусь ищет южнокорейских инвесторов")
    assert "statcounter" not in doc.text and "Original source" not in doc.text and "######" not in doc.text


def test_paragraph_spans_index_the_text(seeds_dir):
    for path in sorted(seeds_dir.glob("*.txt")):
        doc = read_document(path, doc_id=path.stem, rel_path=path.name)
        assert doc.paragraphs[0].start == 0 and doc.paragraphs[-1].end == len(doc.text)
        for span in doc.paragraphs:
            para = doc.text[span.start:span.end]
            assert para == para.strip() and "\n" not in para


@pytest.mark.parametrize("rel", sorted(AWKWARD_FILES))
def test_awkward_inputs(rel):
    data, status, expectation = AWKWARD_FILES[rel]
    doc = ingest_bytes(data, doc_id="d", rel_path=rel, html=rel.endswith(".html"))
    assert doc.status.value == status
    if status == "skipped":
        assert expectation in doc.reason
    else:
        assert "\r" not in doc.text and "\ufeff" not in doc.text


def test_html_page_metadata():
    data = AWKWARD_FILES["page.html"][0]
    doc = ingest_bytes(data, doc_id="page", rel_path="page.html", html=True)
    assert (doc.title, doc.date, doc.source_url) == ("Korea and Belarus", "2019-04-11", "https://example.org/news/1")
    assert "Go to Content" not in doc.text and "var x" not in doc.text


def test_unreadable_file_is_skipped(tmp_path):
    doc = read_document(tmp_path / "gone.txt", doc_id="gone", rel_path="gone.txt")
    assert doc.status is DocStatus.SKIPPED and "unreadable" in doc.reason


def test_discover_leaves_out_the_output_folder(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "out" / "translations").mkdir(parents=True)
    (tmp_path / "out" / "review.html").write_text("<html></html>")
    (tmp_path / "out" / "translations" / "a.en.txt").write_text("a")
    (tmp_path / "outside.txt").write_text("b")
    found = discover(tmp_path, exclude=[tmp_path / "out" / ".." / "out"])
    assert [p.name for p in found] == ["a.txt", "outside.txt"]
    assert len(discover(tmp_path, exclude=[tmp_path.parent / "elsewhere"])) == 4


def test_unique_doc_ids_never_repeat_even_ignoring_case():
    """Ids name files (translations/<doc_id>.en.txt), so two documents must never share one, on any file system."""
    ids = unique_doc_ids(["a.md", "a.txt", "a.txt.md"])
    assert ids[:2] == ["a.md", "a.txt"] and len({i.casefold() for i in ids}) == 3
    ids = unique_doc_ids(["A.txt", "a.txt", "b.txt"])
    assert len({i.casefold() for i in ids}) == 3 and ids[2] == "b"
    assert unique_doc_ids(["a.md", "a.txt", "a.txt.md"]) == unique_doc_ids(["a.md", "a.txt", "a.txt.md"])


def test_unique_doc_ids_never_repeat_under_unicode_normalisation():
    """«café» written precomposed (NFC) and decomposed (NFD) got the same-looking id twice; on macOS, which
    normalises file names, one document's translations/<doc_id>.en.txt then overwrote the other's."""
    import unicodedata

    nfc, nfd = (unicodedata.normalize(form, "Café.txt") for form in ("NFC", "NFD"))
    ids = unique_doc_ids([nfc, nfd.lower(), "b.txt"])
    assert len({unicodedata.normalize("NFC", i).casefold() for i in ids}) == 3 and ids[2] == "b"


def test_a_folder_without_input_files_is_said_so(tmp_path, caplog):
    import logging

    from pipeline.api import run_batch
    from pipeline.config import AlignConfig, RunConfig

    (tmp_path / "notes.docx").write_bytes(b"PK")
    with caplog.at_level(logging.WARNING):
        report = run_batch(RunConfig(input_dir=tmp_path, out_dir=tmp_path / "out", align=AlignConfig(enabled=False)))
    assert list(report.documents) == []
    assert any("no input files" in r.getMessage() and str(tmp_path) in r.getMessage() for r in caplog.records)


def test_discover_leaves_out_earlier_run_folders_inside_the_input(tmp_path):
    """`pipeline run docs --out docs/run2` after `--out docs/run1`: run1's review.html and translations are no input."""
    import json

    (tmp_path / "a.txt").write_text("a")
    run1 = tmp_path / "run1"
    (run1 / "translations").mkdir(parents=True)
    (run1 / "manifest.json").write_text(json.dumps({"tool": {"name": "pipeline", "version": "0"}}))
    (run1 / "review.html").write_text("<html></html>")
    (run1 / "translations" / "a.en.txt").write_text("a")
    other = tmp_path / "other"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"name": "some web app"}))
    (other / "b.txt").write_text("b")
    assert [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)] == ["a.txt", "other/b.txt"]


def test_markdown_front_matter_is_metadata_not_text():
    """Hugo/Jekyll exports start with a YAML block: its title, date and URL are metadata, none of it is text."""
    data = (
        '---\ntitle: "Беларусь и Корея"\ndate: 2019-04-11\nsource: https://example.org/x\ntags: [a, b]\n---\n\n'
        "Белорусские дипломаты ищут южнокорейских инвесторов.\n"
    ).encode("utf-8")
    doc = ingest_bytes(data, doc_id="a", rel_path="a.md")
    assert doc.text == "Белорусские дипломаты ищут южнокорейских инвесторов."
    assert (doc.title, doc.date, doc.source_url) == ("Беларусь и Корея", "2019-04-11", "https://example.org/x")


def test_rules_around_a_paragraph_are_not_front_matter():
    doc = ingest_bytes("---\nJust a paragraph between rules.\n---\n\nMore text.\n".encode(), doc_id="a", rel_path="a.md")
    assert "Just a paragraph between rules." in doc.text and "More text." in doc.text


NEWS_PAGE = (
    '<!doctype html><html lang="en-US"><head><title>Korea and Belarus | Daily News</title>'
    '<link rel="canonical" href="https://example.org/news/1">'
    '<meta property="article:published_time" content="2019-04-11T09:00:00+09:00"></head><body>'
    '<header><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/biz">Business</a></li></ul></header>'
    '<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>'
    "<article><h1>Korea and Belarus</h1><p>{0}</p><p>{1}</p>"
    "<table><tr><th>Year</th><th>Exports | total</th></tr><tr><td>2018</td><td>5.5 bn</td></tr></table>"
    "<p>The forum will meet again next year in Seoul, the organisers said on Thursday.</p></article>"
    '<aside><h3>Related articles</h3><ul><li><a href="/a">Belarus signs a deal with China on trade</a></li>'
    '<li><a href="/b">Korean exports rise for the third month</a></li></ul></aside>'
    "<footer><p>Copyright 2019 Daily News. All rights reserved.</p></footer></body></html>"
)


def test_html_news_page_main_text_and_metadata():
    from tests.conftest import EN_TEXT

    second = EN_TEXT.replace("Belarus", "Minsk")
    doc = ingest_bytes(NEWS_PAGE.format(EN_TEXT, second).encode(), doc_id="p", rel_path="p.html", html=True)
    paragraphs = [doc.text[s.start:s.end] for s in doc.paragraphs]
    assert paragraphs[:3] == ["Korea and Belarus", EN_TEXT, second]
    assert "Year" in paragraphs and "Exports | total" in paragraphs  # table cells, without the row's pipes
    assert paragraphs[-1] == "The forum will meet again next year in Seoul, the organisers said on Thursday."
    for boilerplate in ("Related articles", "signs a deal", "cookies", "Copyright", "Business"):
        assert boilerplate not in doc.text
    assert (doc.title, doc.date, doc.source_url, doc.lang_hint) == (
        "Korea and Belarus", "2019-04-11", "https://example.org/news/1", "en")


def test_html_cleaner_keeps_every_visible_block():
    from tests.conftest import EN_TEXT

    page = NEWS_PAGE.format(EN_TEXT, EN_TEXT).encode()
    doc = ingest_bytes(page, doc_id="p", rel_path="p.html", html=True, html_extractor="cleaner")
    assert "Business" in doc.text and "cookies" in doc.text and doc.lang_hint == "en"


def test_html_without_main_text_falls_back_to_the_cleaner():
    from pipeline.ingest.html import extract_html

    page = extract_html("<p>Just one paragraph of text here.</p>")
    assert page.extractor == "cleaner" and [b.text for b in page.blocks] == ["Just one paragraph of text here."]
    doc = ingest_bytes(b"<p>Just one paragraph of text here.</p>", doc_id="p", rel_path="p.html", html=True)
    assert doc.text == "Just one paragraph of text here."


@pytest.mark.parametrize(
    ("head", "hint"),
    [('<html lang="ru-RU">', "ru"), ('<html xml:lang="de">', "de"),
     ('<html><head><meta http-equiv="Content-Language" content="ko, en">', "ko"),
     ('<html><head><meta property="og:locale" content="fr_FR">', "fr"), ("<html>", ""), ('<html lang="x-klingon">', "")],
)
def test_html_language_hint(head, hint):
    from pipeline.ingest.html import extract_html

    assert extract_html(f"{head}<body><p>Text.</p></body></html>").lang_hint == hint


def test_importing_ingest_does_not_import_the_html_extractor():
    import subprocess
    import sys

    code = "import sys, pipeline.ingest, pipeline.cli; print('trafilatura' in sys.modules, 'bs4' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False"]


def test_scan_inputs_keeps_hidden_output_and_run_folders_out_in_sorted_order(tmp_path):
    import json

    from pipeline.ingest import scan_inputs

    for rel in ["b.txt", "a/z.md", "a/y.html", ".git/x.txt", "notes.pdf", "out/translations/a.en.txt", "run1/r.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    (tmp_path / "run1" / "manifest.json").write_text(json.dumps({"tool": {"name": "pipeline"}}))
    (tmp_path / "dir.txt").mkdir()
    (tmp_path / "dir.txt" / "inner.txt").write_text("x")
    entries = scan_inputs(tmp_path, exclude=[tmp_path / "out"])
    assert [(e.rel_path, e.problem) for e in entries] == [
        ("a/y.html", ""), ("a/z.md", ""), ("b.txt", ""), ("dir.txt/inner.txt", "")]
    assert [e.html for e in entries] == [True, False, False, False]


def test_followed_symlinks_list_a_file_under_its_real_path(tmp_path):
    import os

    from pipeline.ingest import scan_inputs

    (tmp_path / "z_real").mkdir()
    (tmp_path / "z_real" / "f.txt").write_text("x")
    os.symlink("z_real", tmp_path / "a_link")
    for follow in (False, True):
        assert [e.rel_path for e in scan_inputs(tmp_path, follow_symlinks=follow)] == ["z_real/f.txt"]
