"""`pipeline models list|install|remove` on fixture packages in a temporary ARGOS_PACKAGES_DIR."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.argos_fixtures import built, packages_dir, ru_en  # noqa: F401  (fixtures)

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def listing() -> list[dict]:
    result = invoke("models", "list", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_install_list_remove(packages_dir):
    assert listing() == []
    result = invoke("models", "install", "--file", str(built()["ru_en"]))
    assert result.exit_code == 0, result.output
    assert "installed ru→en 1.0" in result.stdout
    rows = listing()
    assert [(r["from"], r["to"], r["version"]) for r in rows] == [("ru", "en", "1.0")]
    assert Path(rows[0]["path"]).parent == packages_dir
    assert entries(packages_dir) == ["translate-ru_en-1_0"]  # no staging folder left behind

    table = invoke("models", "list")
    assert table.exit_code == 0 and "ru" in table.stdout and "1.0" in table.stdout

    result = invoke("models", "remove", "ru", "en")
    assert result.exit_code == 0, result.output
    assert listing() == [] and entries(packages_dir) == []
    assert "ru→en" in one_line_error(invoke("models", "remove", "ru", "en"))


def test_newer_package_replaces_the_installed_one(ru_en):
    result = invoke("models", "install", "--file", str(built()["ru_en_v2"]))
    assert result.exit_code == 0, result.output
    assert [(r["from"], r["to"], r["version"]) for r in listing()] == [("ru", "en", "2.0")]
    assert entries(ru_en) == ["translate-ru_en-2_0"]


def test_argostranslate_sees_the_installed_package(ru_en):
    from argostranslate import package

    found = package.get_installed_packages([ru_en])
    assert [(p.from_code, p.to_code, p.package_version) for p in found] == [("ru", "en", "1.0")]


def _rezip(src: Path, dst: Path, transform) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = transform(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


@pytest.mark.parametrize(
    "kind",
    ["truncated", "garbage", "missing", "no-metadata", "bad-metadata", "bad-model", "two-folders", "traversal"],
)
def test_bad_package_files_exit_2_and_install_nothing(ru_en, tmp_path, kind):
    good = built()["ru_en_v2"]
    bad = tmp_path / f"{kind}.argosmodel"
    if kind == "truncated":
        data = good.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif kind == "garbage":
        bad.write_bytes(b"this is not a zip file at all" * 100)
    elif kind == "missing":
        bad = tmp_path / "nowhere.argosmodel"
    elif kind == "no-metadata":
        _rezip(good, bad, lambda name, data: None if name.endswith("metadata.json") else data)
    elif kind == "bad-metadata":
        _rezip(good, bad, lambda name, data: b"{not json" if name.endswith("metadata.json") else data)
    elif kind == "bad-model":
        _rezip(good, bad, lambda name, data: data[:100] if name.endswith("model.bin") else data)
    elif kind == "two-folders":
        _rezip(good, bad, lambda name, data: data)
        with zipfile.ZipFile(bad, "a") as zf:
            zf.writestr("other/readme.txt", "x")
    elif kind == "traversal":
        _rezip(good, bad, lambda name, data: data)
        with zipfile.ZipFile(bad, "a") as zf:
            zf.writestr("translate-ru_en-2_0/../../evil.txt", "x")
    before = entries(ru_en)
    message = one_line_error(invoke("models", "install", "--file", str(bad)))
    assert message.startswith("error: ")
    assert entries(ru_en) == before  # the old package untouched, nothing half-installed, no staging left
    assert [(r["from"], r["to"], r["version"]) for r in listing()] == [("ru", "en", "1.0")]
    assert not (tmp_path.parent / "evil.txt").exists()


def test_install_through_the_index(packages_dir, tmp_path, monkeypatch):
    """The online path, served from file:// URLs: index fetched once, the package installed through the file path."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    pkg = mirror / "translate-ru_en-1_0.argosmodel"
    pkg.write_bytes(built()["ru_en"].read_bytes())
    index = [
        {"type": "translate", "from_code": "en", "to_code": "ru", "package_version": "1.0", "links": []},
        {"type": "translate", "from_code": "ru", "to_code": "en", "package_version": "1.0", "links": [pkg.as_uri()]},
    ]
    (mirror / "index.json").write_text(json.dumps(index), encoding="utf-8")
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", mirror.as_uri() + "/")
    result = invoke("models", "install", "ru", "en")
    assert result.exit_code == 0, result.output
    assert [(r["from"], r["to"]) for r in listing()] == [("ru", "en")]
    assert "no ru→de" in one_line_error(invoke("models", "install", "ru", "de")).replace("package ", "")


def test_install_offline_is_one_line_and_bounded(packages_dir, monkeypatch):
    import time

    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "http://127.0.0.1:9/")  # nothing listens on the discard port
    t0 = time.perf_counter()
    result = invoke("models", "install", "ru", "en", "--timeout", "5")
    assert time.perf_counter() - t0 < 10
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach Argos' package index" in lines[0] and "--file" in lines[0]
    assert listing() == []


def test_install_needs_a_pair_or_a_file(packages_dir):
    one_line_error(invoke("models", "install"))
    one_line_error(invoke("models", "install", "ru", "en", "--file", str(built()["ru_en"])))
