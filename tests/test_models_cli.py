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
    """What the packages folder holds, but for the lock file installs take turns with."""
    from pipeline.translate.packages import LOCK_NAME

    return sorted(p.name for p in folder.iterdir() if p.name != LOCK_NAME)


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


def _rezip(src: Path, dst: Path, transform, compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
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


# -- untrusted packages ---------------------------------------------------------------------------------------------


def _with_member(src: Path, dst: Path, name: str, data: bytes = b"", *, info: zipfile.ZipInfo | None = None,
                 zeros: int = 0) -> Path:
    """``src`` plus one member: ``data``, or ``zeros`` bytes of zeros written as a stream (a zip bomb)."""
    _rezip(src, dst, lambda _, d: d, zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(dst, "a", zipfile.ZIP_DEFLATED) as zf:
        if zeros:
            with zf.open(name, "w", force_zip64=True) as out:
                block = bytes(1 << 20)
                for _ in range(zeros >> 20):
                    out.write(block)
        else:
            zf.writestr(info or name, data)
    return dst


def _with_metadata(src: Path, dst: Path, **changes) -> Path:
    def edit(name, data):
        if name.endswith("metadata.json"):
            return json.dumps({**json.loads(data), **changes}).encode()
        return data

    return _rezip(src, dst, edit)


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(ru_en, tmp_path):
    import time

    bomb = _with_member(built()["ru_en_v2"], tmp_path / "bomb.argosmodel", "translate-ru_en-2_0/pad.bin", zeros=64 << 20)
    assert bomb.stat().st_size < 1 << 20  # under 1 MB on disk, 75 MB unpacked
    before = entries(ru_en)
    t0 = time.perf_counter()
    message = one_line_error(invoke("models", "install", "--file", str(bomb)))
    assert time.perf_counter() - t0 < 10
    assert "zip bomb" in message and "pad.bin" in message
    assert entries(ru_en) == before


def test_the_unpacked_size_is_limited(packages_dir):
    from pipeline.errors import ModelPackageError
    from pipeline.translate.packages import PackageLimits, install_package

    with pytest.raises(ModelPackageError, match="would unpack to"):
        install_package(built()["ru_en"], packages_dir, limits=PackageLimits(max_unpacked_bytes=1_000_000))
    assert entries(packages_dir) == []
    assert install_package(built()["ru_en"], packages_dir).package.pair == ("ru", "en")  # the default fits


def test_a_symlink_member_is_refused(ru_en, tmp_path):
    import stat

    link = zipfile.ZipInfo("translate-ru_en-2_0/passwd")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    bad = _with_member(built()["ru_en_v2"], tmp_path / "link.argosmodel", link.filename, b"/etc/passwd", info=link)
    before = entries(ru_en)
    assert "symbolic link" in one_line_error(invoke("models", "install", "--file", str(bad)))
    assert entries(ru_en) == before


@pytest.mark.parametrize("key,value", [
    ("to_code", "../../outside"), ("to_code", "en/../../x"), ("from_code", "r u"), ("to_code", ""),
    ("package_version", "1/../../x"),
])
def test_metadata_codes_and_version_must_be_safe(ru_en, tmp_path, key, value):
    bad = _with_metadata(built()["ru_en_v2"], tmp_path / "bad.argosmodel", **{key: value})
    before = entries(ru_en)
    message = one_line_error(invoke("models", "install", "--file", str(bad)))
    assert key in message or "lacks" in message
    assert entries(ru_en) == before
    assert not (tmp_path / "outside").exists()


def test_an_installed_package_with_a_bad_code_is_ignored(ru_en, caplog):
    import shutil

    shutil.copytree(ru_en / "translate-ru_en-1_0", ru_en / "copied")
    meta = ru_en / "copied" / "metadata.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "to_code": "../x"}), encoding="utf-8")
    assert [(r["to"], Path(r["path"]).name) for r in listing()] == [("en", "translate-ru_en-1_0")]


def test_the_folder_is_named_after_the_package_and_never_replaces_another_pair(packages_dir, tmp_path):
    """An archive whose folder is called like the installed en→de package holds ru→en 2.0: both stay."""
    assert invoke("models", "install", "--file", str(built()["en_de"])).exit_code == 0
    assert entries(packages_dir) == ["translate-en_de-1_0"]

    misnamed = tmp_path / "misnamed.argosmodel"
    with zipfile.ZipFile(built()["ru_en_v2"]) as zin, zipfile.ZipFile(misnamed, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename.replace("translate-ru_en-2_0", "translate-en_de-1_0"), zin.read(info.filename))
    result = invoke("models", "install", "--file", str(misnamed))
    assert result.exit_code == 0, result.output
    assert entries(packages_dir) == ["translate-en_de-1_0", "translate-ru_en-2_0"]
    assert sorted((r["from"], r["to"], r["version"]) for r in listing()) == [("en", "de", "1.0"), ("ru", "en", "2.0")]


def test_a_folder_that_is_not_a_package_is_never_replaced(packages_dir):
    junk = packages_dir / "translate-ru_en-1_0"
    junk.mkdir()
    (junk / "notes.txt").write_text("mine", encoding="utf-8")
    result = invoke("models", "install", "--file", str(built()["ru_en"]))
    assert result.exit_code == 0, result.output
    assert (junk / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert [Path(r["path"]).name for r in listing()] == ["translate-ru_en-1_0-2"]


def test_an_upgrade_says_so(ru_en):
    result = invoke("models", "install", "--file", str(built()["ru_en_v2"]))
    assert result.exit_code == 0, result.output
    assert "upgraded ru→en 1.0 → 2.0" in result.stdout and "removed" in result.stdout
    again = invoke("models", "install", "--file", str(built()["ru_en_v2"]))
    assert "reinstalled ru→en 2.0" in again.stdout
    down = invoke("models", "install", "--file", str(built()["ru_en"]))
    assert "downgraded ru→en 2.0 → 1.0" in down.stdout
    assert entries(ru_en) == ["translate-ru_en-1_0"]


KILLED_INSTALL = r"""
import os, sys
from pipeline.translate import packages

def die(pkg):
    os._exit(137)  # killed while checking the unpacked package: the staging folder stays

packages._validate_loaded = die
packages.install_file(sys.argv[1], packages.Path(sys.argv[2]))
"""


def test_a_staging_folder_left_by_a_killed_install_is_removed_by_the_next(packages_dir):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", KILLED_INSTALL, str(built()["ru_en"]), str(packages_dir)],
                          env={**os.environ, "PYTHONPATH": str(root)}, cwd=root, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 137, proc.stderr
    [stale] = [name for name in entries(packages_dir) if name.startswith(".install-")]
    result = invoke("models", "install", "--file", str(built()["ru_en"]))
    assert result.exit_code == 0, result.output
    assert "left by an interrupted install" in result.stdout
    assert entries(packages_dir) == ["translate-ru_en-1_0"]


@pytest.mark.parametrize("args", [
    ("models", "install", "r/u", "en"), ("models", "install", "ru", "../en"), ("models", "remove", "ru", "e n"),
    ("translate", "-", "--from", "ru", "--to", "../x", "--no-cache"), ("translate", "-", "--from", "ru/", "--no-cache"),
])
def test_bad_language_codes_are_usage_errors(packages_dir, args):
    assert "not a language code" in one_line_error(runner.invoke(app, list(args), input="Привет\n"))


def test_validate_lang_code():
    from pipeline.errors import UsageError
    from pipeline.langcode import validate_lang_code

    assert [validate_lang_code(c) for c in ("en", " RU ", "pt-BR", "zh_Hant", "fil")] == ["en", "ru", "pt-br", "zh_hant", "fil"]
    for bad in ("", "e", "english", "en/", "../en", "en-", "e n", "ен", "en\tx"):
        with pytest.raises(UsageError):
            validate_lang_code(bad)
