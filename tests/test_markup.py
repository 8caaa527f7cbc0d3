import pytest

from pipeline.ingest.markup import clean_paragraphs, html_blocks, is_navigation, markdown_blocks, parse_date, strip_bullet


def clean_md(text):
    return clean_paragraphs(markdown_blocks(text))


def test_markdown_metadata_and_noise():
    text = (
        "# Беларусь ищет инвесторов...\n\n###### 2018-09-06\n\n"
        "Текст со [ссылкой](https://example.org/a) и **жирным**.\n\n"
        "[Original source](https://example.org/original)\n\n"
        '![stats](https://c.statcounter.com/1/0/a/1/ "stats")\n'
    )
    cleaned = clean_md(text)
    assert cleaned.title == "Беларусь ищет инвесторов..."
    assert cleaned.date == "2018-09-06"
    assert cleaned.source_url == "https://example.org/original"
    assert cleaned.paragraphs == ("Беларусь ищет инвесторов...", "Текст со ссылкой и жирным.")
    joined = " ".join(cleaned.paragraphs)
    for debris in ("#", "](", "![", "**", "statcounter", "2018-09-06", "Original source"):
        assert debris not in joined


def test_plain_text_bullets_and_navigation():
    text = "Go to Content Go to Navigation\n\nHOME News & Notice Press Releases\n\n□ The MIST held a meeting.\n\nㅇ Belarus is a hub.\n\n* The CIS is an organization.\n\n- 3rd JCM paved the way\n\nMove to the top of the page\n"
    cleaned = clean_md(text)
    assert cleaned.paragraphs == (
        "The MIST held a meeting.",
        "Belarus is a hub.",
        "The CIS is an organization.",
        "3rd JCM paved the way",
    )
    assert cleaned.title == ""


def test_wrapped_lines_join_and_indented_text_is_text():
    cleaned = clean_md("First line\nwraps here.\n\n    Indented paragraph\n    continues.\n")
    assert cleaned.paragraphs == ("First line wraps here.", "Indented paragraph continues.")


@pytest.mark.parametrize(
    ("line", "iso"),
    [("2018-09-06", "2018-09-06"), ("September 6, 2018", "2018-09-06"), ("06.09.2018", "2018-09-06"),
     ("April 11", ""), ("Press Releases", ""), ("In 2019 we met.", ""), ("2019", "")],
)
def test_parse_date(line, iso):
    assert parse_date(line) == iso


@pytest.mark.parametrize(
    ("line", "nav"),
    [("Go to Content Go to Navigation", True), ("Move to the top of the page", True), ("Skip to main content", True),
     ("HOME News & Notice Press Releases", True), ("Home > News > Belarus", True),
     ("Home prices rose by 5% in Minsk last year.", False), ("Go to the market, he said.", False)],
)
def test_navigation(line, nav):
    assert is_navigation(line) is nav


@pytest.mark.parametrize(
    ("line", "out"),
    [("□ Text", "Text"), ("ㅇ Text", "Text"), ("• Text", "Text"), ("-Text", "-Text"), ("ㅇText", "ㅇText"), ("Text", "Text")],
)
def test_strip_bullet(line, out):
    assert strip_bullet(line) == out


def test_html_metadata_and_visible_text():
    html = (
        "<html><head><title>Title</title><link rel='canonical' href='https://example.org/x'>"
        "<meta property='article:published_time' content='2019-04-11T09:00:00Z'><style>p{}</style></head>"
        "<body><nav>Menu</nav><h1>Title</h1><p>One <a href='/y'>link</a> here.</p><ul><li>Item</li></ul>"
        "<script>alert(1)</script><footer>Footer</footer></body></html>"
    )
    meta, blocks = html_blocks(html)
    cleaned = clean_paragraphs(blocks, meta)
    assert (cleaned.title, cleaned.date, cleaned.source_url) == ("Title", "2019-04-11", "https://example.org/x")
    assert cleaned.paragraphs == ("Title", "One link here.", "Item")
