"""Shared fixtures: the repository's seed folder and small in-memory records."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session", autouse=True)
def hermetic_user_folders(tmp_path_factory: pytest.TempPathFactory):
    """No test sees the user's installed translation models, caches or translation memory (tests that need them make their own)."""
    root = tmp_path_factory.mktemp("user")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARGOS_PACKAGES_DIR", str(root / "argos-packages"))
        patch.setenv("XDG_CACHE_HOME", str(root / "cache"))
        patch.setenv("XDG_DATA_HOME", str(root / "data"))
        yield root


@pytest.fixture(autouse=True)
def own_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test starts with an empty user data folder: the translation memory `review apply` writes to by
    default, and every run reads, never carries one test's decisions into another."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))


RU_TEXT = (
    "Белорусские дипломаты ищут южнокорейских инвесторов для растущей в стране отрасли. "
    "Заместитель министра иностранных дел заявил, что Беларусь стремится наладить отношения с корейскими инвесторами."
)
EN_TEXT = (
    "Belarus is located some 7,000 kilometers away from Korea. "
    "But the two countries share a lot in common, especially their competitive edge in high-tech industries."
)
DE_TEXT = (
    "Die beiden Länder wollen ihre Zusammenarbeit in Wissenschaft und Technik ausbauen.\r\n"
    "Das Forum fand in diesem Jahr zum sechsten Mal in Minsk statt.\r\n"
)
KO_TEXT = "한국과 벨라루스는 과학기술 협력을 확대하기로 합의했습니다. 양국은 정보통신 분야에서 공동 연구를 추진할 계획입니다."
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"

AWKWARD_FILES: dict[str, tuple[bytes, str, str]] = {
    # relative path: (bytes, expected status, expected language or reason fragment)
    "cp1251.txt": (RU_TEXT.encode("cp1251"), "ok", "ru"),
    "koi8.txt": (RU_TEXT.encode("koi8_r"), "ok", "ru"),
    "utf16.txt": (EN_TEXT.encode("utf-16"), "ok", "en"),
    "bom.md": (b"\xef\xbb\xbf# Title\n\n" + EN_TEXT.encode("utf-8"), "ok", "en"),
    "crlf-german.txt": (DE_TEXT.encode("utf-8"), "ok", "de"),
    "empty.txt": (b"", "skipped", "empty"),
    "blank.txt": (b"  \n\t\r\n  \n", "skipped", "whitespace"),
    "image.txt": (PNG_BYTES, "skipped", "binary"),
    "nested/deeper/korean.txt": (KO_TEXT.encode("utf-8"), "ok", "ko"),
    "новости/статья.txt": (RU_TEXT.encode("utf-8"), "ok", "ru"),
    "page.html": (
        (
            "<!doctype html><html><head><title>Korea and Belarus</title>"
            '<link rel="canonical" href="https://example.org/news/1">'
            '<meta property="article:published_time" content="2019-04-11T09:00:00+09:00"></head>'
            "<body><nav>Go to Content Go to Navigation</nav><h1>Korea and Belarus</h1>"
            f"<p>{EN_TEXT}</p><script>var x = 1;</script></body></html>"
        ).encode("utf-8"),
        "ok",
        "en",
    ),
}


@pytest.fixture()
def awkward_dir(tmp_path: Path) -> Path:
    """A folder of awkward inputs: legacy encodings, BOMs, CRLF, empty, binary, nested, non-ASCII names."""
    root = tmp_path / "awkward"
    for rel, (data, _, _) in AWKWARD_FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root
GLOSSARY = ROOT / "glossary"


@pytest.fixture(scope="session")
def seed_glossary():
    from pipeline.glossary import load_glossary

    return load_glossary(GLOSSARY)


@pytest.fixture(scope="session")
def ru_matcher(seed_glossary):
    from pipeline.glossary import Matcher

    return Matcher(seed_glossary, "ru")


@pytest.fixture(scope="session")
def use_encoder():
    """The default sentence encoder (USE multilingual v3), loaded once per test session."""
    from pipeline.align.encoders import UseEncoder

    return UseEncoder(threads=2)


@pytest.fixture(scope="session")
def minilm_encoder():
    """The bundled English sentence-transformers model, through the ``sentence-transformers:`` spec."""
    from pipeline.align.encoders import load_encoder

    return load_encoder("sentence-transformers:all-MiniLM-L6-v2")


def output_files(folder: Path) -> list[str]:
    """The files of a run folder as a reader sees them (through its links), without the ``.pipeline`` state."""
    import os

    found = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        rel = Path(root).relative_to(folder)
        if rel == Path("."):
            dirs[:] = [d for d in dirs if d != ".pipeline"]
        found += [(rel / name).as_posix() for name in files]
    return sorted(found)


def plain(text: str) -> str:
    """A rich table's text without its box drawing, words joined by single spaces (cells wrap)."""
    import re

    return " ".join(re.sub("[│┃┌┐└┘─━┬┴┼├┤]", " ", text).split())


def run_readme_example(heading: str) -> tuple[list[str], list[str]]:
    """Run the last Python example under README's ``heading`` section (from the repository root): the lines it
    printed, and the lines its ``print(…)  # expected`` comments say it prints."""
    import contextlib
    import io
    import os
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(heading, 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[-1]
    expected = [line.split("# ", 1)[1].rstrip() for line in code.splitlines() if line.strip().startswith("print(")]
    out = io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    return [line.rstrip() for line in out.getvalue().splitlines()], expected
