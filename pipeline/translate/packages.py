"""Installed Argos translation packages: where they live, listing, installing and removing.

Packages are the ``.argosmodel`` zips of Argos Translate: one top-level folder
holding ``metadata.json``, a CTranslate2 model in ``model/`` and a
SentencePiece (``sentencepiece.model``) or BPE (``bpe.model``) tokenizer. They
are installed, as argostranslate installs them, into one folder per package
under the packages folder:

1. ``ARGOS_PACKAGES_DIR`` when set (read each time, not once at import);
2. otherwise argostranslate's own setting (its ``settings.json``, then
   ``~/.local/share/argos-translate/packages``).

argostranslate's ``settings`` module reads ``ARGOS_PACKAGES_DIR`` once, when it
is first imported; this module never relies on that value but passes the folder
explicitly, so changing the variable later (as tests do) takes effect.

Installing checks the archive before unpacking anything (sizes and
compression ratios within :class:`PackageLimits`, no symbolic links or other
special members, no path outside its folder, one top-level folder, zip
integrity), then unpacks it into a hidden staging folder beside the installed
packages and checks the package (metadata with valid language codes and
version, the files a package needs, and that the tokenizer and CTranslate2
model load), then renames it into place under a folder named after its own
codes and version (``translate-ru_en-1_9``), whatever the archive's folder is
called: a bad file never leaves a half-installed package behind, and a
package never replaces one of another pair. An older (or newer) package of
the same pair is replaced, and :class:`Installation` says so. Installs and
removals hold a lock file (``.install.lock``) in the packages folder; under it,
staging folders left by an install that was killed are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.errors import ModelDownloadError, ModelNotInstalledError, ModelPackageError, UsageError
from pipeline.langcode import is_lang_code, validate_lang_code

log = logging.getLogger(__name__)

DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
INDEX_TIMEOUT_S = 20.0
DOWNLOAD_TIMEOUT_S = 60.0
_HIDDEN = "."
_STAGING_PREFIXES = (".install-", ".remove-")
LOCK_NAME = ".install.lock"
LOCK_TIMEOUT_S = 60.0
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+-]{0,31}")


@dataclass(frozen=True)
class PackageLimits:
    """What an ``.argosmodel`` may unpack to; checked on the archive's directory before anything is written.

    Real Argos packages unpack to a few hundred MB at most and compress about
    1.1-2x (CTranslate2 weights are dense); a zip bomb compresses hundreds of
    times. The fixture packages of the tests (mostly zero weights) compress about 50x.
    """

    max_unpacked_bytes: int = 4 << 30
    """Sum of the members' uncompressed sizes."""
    max_ratio: float = 100.0
    """Uncompressed / compressed size of the whole archive, and of every member over ``ratio_floor_bytes``."""
    ratio_floor_bytes: int = 1 << 20
    """Members smaller than this are not held to ``max_ratio`` (a small text file may compress very well)."""
    max_members: int = 10_000


DEFAULT_LIMITS = PackageLimits()


def argos_settings() -> Any:
    """``argostranslate.settings``, which makes its folders as it is imported: a folder that cannot be made
    (``ARGOS_PACKAGES_DIR`` naming a file, a read-only home) is a one-line usage error, not a traceback."""
    try:
        from argostranslate import settings
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        raise UsageError(
            f"argostranslate cannot use its folder{where}: {exc.strerror or exc} "
            "(check ARGOS_PACKAGES_DIR, XDG_DATA_HOME and XDG_CACHE_HOME)"
        ) from exc
    return settings


def packages_dir() -> Path:
    """The folder packages are installed in (``ARGOS_PACKAGES_DIR``, else argostranslate's setting)."""
    env = os.environ.get("ARGOS_PACKAGES_DIR")
    if env:
        return Path(env).expanduser()
    settings = argos_settings()
    return Path(settings.get_setting("ARGOS_PACKAGES_DIR", default=settings.data_dir / "packages")).expanduser()


def index_url() -> str:
    """Argos' package index (``ARGOS_PACKAGE_INDEX`` to use a mirror), ending in ``index.json``."""
    base = os.environ.get("ARGOS_PACKAGE_INDEX") or DEFAULT_INDEX_URL
    return base if base.endswith(".json") else base.rstrip("/") + "/index.json"


def install_hint(from_code: str, to_code: str) -> str:
    return (
        f"install one with `pipeline models install {from_code} {to_code}` (online, once) "
        f"or `pipeline models install --file translate-{from_code}_{to_code}.argosmodel`"
    )


@dataclass(frozen=True)
class InstalledPackage:
    """One installed package, loaded through argostranslate's own :class:`argostranslate.package.Package`."""

    path: Path
    from_code: str
    to_code: str
    version: str
    target_prefix: str = ""

    @property
    def pair(self) -> tuple[str, str]:
        return (self.from_code, self.to_code)

    @property
    def model_id(self) -> str:
        return f"translate-{self.from_code}_{self.to_code}-{self.version}"

    @property
    def model_dir(self) -> Path:
        return self.path / "model"

    @cached_property
    def argos(self) -> Any:
        """argostranslate's ``Package`` (metadata, tokenizer, ``target_prefix``)."""
        argos_settings()  # its folders first, with a clear error
        from argostranslate.package import Package

        return Package(self.path)

    @cached_property
    def checksum(self) -> str:
        """SHA-256 over the model and tokenizer files: the identity of the weights, whatever the version says."""
        digest = hashlib.sha256()
        files = sorted(p for p in self.model_dir.rglob("*") if p.is_file())
        files += [p for p in (self.path / "sentencepiece.model", self.path / "bpe.model") if p.is_file()]
        for file in files:
            digest.update(file.relative_to(self.path).as_posix().encode())
            with file.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()

    def as_dict(self) -> dict[str, str]:
        return {"from": self.from_code, "to": self.to_code, "version": self.version, "path": str(self.path)}


def _read_metadata(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelPackageError(f"{folder.name}: unreadable metadata.json ({exc})") from exc
    if not isinstance(data, dict):
        raise ModelPackageError(f"{folder.name}: metadata.json is not an object")
    return data


def _describe(folder: Path) -> InstalledPackage:
    meta = _read_metadata(folder)
    if meta.get("type", "translate") != "translate":
        raise ModelPackageError(f"{folder.name}: a {meta.get('type')!r} package, not a translation package")
    from_code, to_code = meta.get("from_code"), meta.get("to_code")
    if not (isinstance(from_code, str) and from_code and isinstance(to_code, str) and to_code):
        raise ModelPackageError(f"{folder.name}: metadata.json lacks from_code/to_code")
    for key, code in (("from_code", from_code), ("to_code", to_code)):
        if not is_lang_code(code):
            raise ModelPackageError(f"{folder.name}: metadata.json {key} {code!r} is not a language code")
    version = str(meta.get("package_version", "") or "0")
    if not _VERSION.fullmatch(version):
        raise ModelPackageError(f"{folder.name}: metadata.json package_version {version!r} is not a version")
    if not (folder / "model" / "model.bin").is_file() or not (folder / "model" / "config.json").is_file():
        raise ModelPackageError(f"{folder.name}: no CTranslate2 model (model/model.bin, model/config.json)")
    if not ((folder / "sentencepiece.model").is_file() or (folder / "bpe.model").is_file()):
        raise ModelPackageError(f"{folder.name}: no tokenizer (sentencepiece.model or bpe.model)")
    return InstalledPackage(
        path=folder,
        from_code=from_code.strip().lower(),
        to_code=to_code.strip().lower(),
        version=version,
        target_prefix=str(meta.get("target_prefix", "") or ""),
    )


def list_packages(root: Path | None = None) -> list[InstalledPackage]:
    """Installed translation packages, sorted by pair then version; broken folders are skipped with a warning."""
    root = packages_dir() if root is None else Path(root)
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name.startswith(_HIDDEN) or not (folder / "metadata.json").exists():
            continue
        try:
            found.append(_describe(folder))
        except ModelPackageError as exc:
            log.warning("ignoring installed package %s", exc)
    return sorted(found, key=lambda p: (p.from_code, p.to_code, _version_key(p.version), p.path.name))


def _version_key(version: str) -> tuple:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def find_package(from_code: str, to_code: str, root: Path | None = None) -> InstalledPackage | None:
    """The newest installed package for the pair, or ``None``."""
    matches = [p for p in list_packages(root) if p.pair == (from_code, to_code)]
    return matches[-1] if matches else None


def _check_archive(zf: zipfile.ZipFile, name: str, limits: PackageLimits, free_bytes: int | None = None) -> str:
    """The archive's single top-level folder; raises on a zip bomb, links, traversal, corruption or a wrong layout.

    Sizes are read from the archive's directory, so nothing is decompressed
    before they pass; zipfile then never unpacks more than a member declares
    (a member holding more fails its CRC check).
    """
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise ModelPackageError(f"{name}: {len(infos)} files in the archive (at most {limits.max_members})")
    tops = set()
    total = compressed = 0
    for info in infos:
        parts = PurePosixPath(info.filename).parts
        if not parts or info.filename.startswith("/") or ".." in parts or ":" in parts[0] or "\\" in info.filename:
            raise ModelPackageError(f"{name}: unsafe path in archive: {info.filename!r}")
        mode = info.external_attr >> 16  # Unix mode, when the archiver recorded one (its type bits may be 0)
        if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
            raise ModelPackageError(f"{name}: {info.filename!r} is {kind}; packages hold only files and folders")
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise ModelPackageError(
                f"{name}: {info.filename!r} would unpack {ratio:.0f} times its packed size "
                f"(at most {limits.max_ratio:.0f}); refusing a likely zip bomb"
            )
        total += info.file_size
        compressed += info.compress_size
        tops.add(parts[0])
    if total > limits.max_unpacked_bytes:
        raise ModelPackageError(
            f"{name}: would unpack to {_size(total)} (at most {_size(limits.max_unpacked_bytes)})"
        )
    if total > limits.ratio_floor_bytes and total / max(1, compressed) > limits.max_ratio:
        raise ModelPackageError(
            f"{name}: would unpack {total / max(1, compressed):.0f} times its packed size "
            f"(at most {limits.max_ratio:.0f}); refusing a likely zip bomb"
        )
    if free_bytes is not None and total > free_bytes:
        raise ModelPackageError(f"{name}: needs {_size(total)} unpacked, {_size(free_bytes)} free in the packages folder")
    if len(tops) != 1:
        raise ModelPackageError(f"{name}: expected one top-level folder in the archive, found {len(tops)}")
    top = tops.pop()
    if top.startswith(_HIDDEN) or f"{top}/metadata.json" not in zf.namelist():
        raise ModelPackageError(f"{name}: not an Argos package (no {top}/metadata.json)")
    bad = zf.testzip()
    if bad is not None:
        raise ModelPackageError(f"{name}: corrupt archive (bad CRC for {bad})")
    return top


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"


def _validate_loaded(pkg: InstalledPackage) -> None:
    """Load the tokenizer and the CTranslate2 model once, as translation will."""
    try:
        pkg.argos.tokenizer.encode("test")
    except Exception as exc:
        raise ModelPackageError(f"{pkg.path.name}: tokenizer does not load ({exc})") from exc
    try:
        import ctranslate2

        ctranslate2.Translator(str(pkg.model_dir), device="cpu", intra_threads=1)
    except Exception as exc:
        raise ModelPackageError(f"{pkg.path.name}: CTranslate2 model does not load ({exc})") from exc


@dataclass(frozen=True)
class Installation:
    """What an install did: the package, the packages of the same pair it replaced, stale folders it removed."""

    package: InstalledPackage
    replaced: tuple[InstalledPackage, ...] = ()
    stale_removed: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """One line for the user, e.g. ``upgraded ru→en 1.0 → 2.0 in PATH``."""
        pkg = self.package
        pair = f"{pkg.from_code}→{pkg.to_code}"
        old = sorted({p.version for p in self.replaced}, key=_version_key)
        if not old:
            line = f"installed {pair} {pkg.version} in {pkg.path}"
        elif old == [pkg.version]:
            line = f"reinstalled {pair} {pkg.version} in {pkg.path}"
        else:
            newer = _version_key(pkg.version) > _version_key(old[-1])
            line = (f"{'upgraded' if newer else 'downgraded'} {pair} {', '.join(old)} → {pkg.version} "
                    f"in {pkg.path} (the {', '.join(old)} package was removed)")
        if self.stale_removed:
            line += f"; removed {len(self.stale_removed)} folder(s) left by an interrupted install"
        return line


def package_folder_name(from_code: str, to_code: str, version: str) -> str:
    """``translate-ru_en-1_9``: argostranslate's name for a package folder."""
    return f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"


@contextlib.contextmanager
def _install_lock(root: Path):
    """Hold ``root/.install.lock`` (installs and removals take turns), then remove stale staging folders."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(root / LOCK_NAME))
    try:
        lock.acquire(timeout=LOCK_TIMEOUT_S)
    except Timeout:
        raise ModelPackageError(
            f"another install or removal holds {root / LOCK_NAME} (waited {LOCK_TIMEOUT_S:.0f} s); try again later"
        ) from None
    except OSError as exc:
        raise ModelPackageError(f"cannot write to the packages folder {root}: {exc.strerror or exc}") from exc
    try:
        yield _remove_stale(root)
    finally:
        lock.release()


def _remove_stale(root: Path) -> tuple[str, ...]:
    """Remove staging and trash folders of installs and removals that were killed (the caller holds the lock)."""
    removed = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(_STAGING_PREFIXES) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
            if not entry.exists():
                log.info("removed %s, left by an interrupted install", entry)
                removed.append(entry.name)
    return tuple(removed)


def _free_bytes(root: Path) -> int | None:
    try:
        return shutil.disk_usage(root).free
    except OSError:
        return None


def install_package(
    archive: str | Path, root: Path | None = None, *, limits: PackageLimits = DEFAULT_LIMITS
) -> Installation:
    """Install a ``.argosmodel`` file; packages of the same pair are replaced, no other package is touched.

    Nothing is installed unless the whole archive checks out and loads. The
    package goes into ``translate-FROM_TO-VERSION`` (from its metadata); when
    that name is taken by anything but a package of the same pair, a free
    ``…-2``, ``…-3`` is used instead.
    """
    archive = Path(archive)
    root = packages_dir() if root is None else Path(root)
    if not archive.is_file():
        raise ModelPackageError(f"no such package file: {archive}")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelPackageError(f"cannot write to the packages folder {root}: {exc.strerror or exc}") from exc
    with _install_lock(root) as stale:
        try:
            staging = Path(tempfile.mkdtemp(prefix=".install-", dir=root))
        except OSError as exc:
            raise ModelPackageError(f"cannot write to the packages folder {root}: {exc.strerror or exc}") from exc
        try:
            try:
                with zipfile.ZipFile(archive) as zf:
                    top = _check_archive(zf, archive.name, limits, _free_bytes(root))
                    zf.extractall(staging)
            except zipfile.BadZipFile as exc:
                raise ModelPackageError(
                    f"{archive.name}: not a valid .argosmodel (corrupt or truncated zip: {exc})"
                ) from exc
            except (OSError, EOFError, zlib.error) as exc:
                raise ModelPackageError(f"{archive.name}: cannot unpack ({exc})") from exc
            staged = _describe(staging / top)
            _validate_loaded(staged)
            same_pair = [p for p in list_packages(root) if p.pair == staged.pair]
            target = _free_target(root, package_folder_name(staged.from_code, staged.to_code, staged.version),
                                  {p.path for p in same_pair})
            trash = Path(tempfile.mkdtemp(prefix=".remove-", dir=root))
            moved = []
            for old in same_pair:
                os.replace(old.path, trash / old.path.name)
                moved.append(old.path)
            try:
                os.replace(staging / top, target)
            except OSError as exc:  # put the previous packages back
                for path in moved:
                    os.replace(trash / path.name, path)
                raise ModelPackageError(f"cannot install into {root}: {exc.strerror or exc}") from exc
            finally:
                shutil.rmtree(trash, ignore_errors=True)
            _clear_argos_cache()
            return Installation(_describe(target), tuple(same_pair), stale)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _free_target(root: Path, name: str, replaceable: set[Path]) -> Path:
    """``root/name``, or ``root/name-N`` when ``name`` is taken by something that is not to be replaced."""
    target, n = root / name, 1
    while (target.exists() or target.is_symlink()) and target not in replaceable:
        n += 1
        target = root / f"{name}-{n}"
    return target


def install_file(archive: str | Path, root: Path | None = None) -> InstalledPackage:
    """:func:`install_package`, returning only the installed package."""
    return install_package(archive, root).package


def remove_package(from_code: str, to_code: str, root: Path | None = None) -> list[InstalledPackage]:
    """Remove every installed package for the pair; raises when there is none."""
    root = packages_dir() if root is None else Path(root)
    from_code, to_code = validate_lang_code(from_code, "FROM"), validate_lang_code(to_code, "TO")
    matches = [p for p in list_packages(root) if p.pair == (from_code, to_code)]
    if not matches:
        raise ModelNotInstalledError(f"no translation package {from_code}→{to_code} is installed in {root}")
    with _install_lock(root):
        for pkg in matches:
            trash = Path(tempfile.mkdtemp(prefix=".remove-", dir=root))
            os.replace(pkg.path, trash / pkg.path.name)
            shutil.rmtree(trash, ignore_errors=True)
    _clear_argos_cache()
    return matches


def _clear_argos_cache() -> None:
    """argostranslate caches its installed languages; forget them if it was imported."""
    import sys

    translate = sys.modules.get("argostranslate.translate")
    if translate is not None:
        with contextlib.suppress(Exception):
            translate.get_installed_languages.cache_clear()


def _fetch(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "pipeline (argos package index)"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) or file URLs)
        return response.read()


def fetch_index(url: str | None = None, timeout: float = INDEX_TIMEOUT_S) -> list[dict[str, Any]]:
    """Argos' package index, fetched once with a timeout (never argostranslate's retrying fallback)."""
    url = url or index_url()
    try:
        data = json.loads(_fetch(url, timeout))
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ModelDownloadError(
            f"cannot reach Argos' package index at {url} ({reason}); offline, download the .argosmodel file "
            "elsewhere and run `pipeline models install --file PATH`"
        ) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelDownloadError(f"Argos' package index at {url} is not valid JSON ({exc})") from exc
    if not isinstance(data, list):
        raise ModelDownloadError(f"Argos' package index at {url} is not a list of packages")
    return [entry for entry in data if isinstance(entry, dict)]


def install_from_index(
    from_code: str,
    to_code: str,
    root: Path | None = None,
    *,
    url: str | None = None,
    timeout: float = INDEX_TIMEOUT_S,
    download_timeout: float = DOWNLOAD_TIMEOUT_S,
) -> Installation:
    """Download the pair's package named in Argos' index and install it through :func:`install_package`."""
    from_code, to_code = validate_lang_code(from_code, "FROM"), validate_lang_code(to_code, "TO")
    entries = [
        e for e in fetch_index(url, timeout)
        if e.get("from_code") == from_code and e.get("to_code") == to_code and e.get("type", "translate") == "translate"
    ]
    if not entries:
        raise ModelNotInstalledError(f"Argos' package index has no {from_code}→{to_code} translation package")
    entry = max(entries, key=lambda e: _version_key(str(e.get("package_version", ""))))
    links = [link for link in entry.get("links", []) if isinstance(link, str)]
    if not links:
        raise ModelDownloadError(f"the index entry for {from_code}→{to_code} has no download link")
    errors = []
    with tempfile.TemporaryDirectory(prefix="pipeline-download-") as tmp:
        target = Path(tmp) / f"translate-{from_code}_{to_code}.argosmodel"
        for link in links:
            try:
                target.write_bytes(_fetch(link, download_timeout))
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                errors.append(f"{link}: {getattr(exc, 'reason', None) or exc}")
                continue
            return install_package(target, root)
    raise ModelDownloadError(f"download of the {from_code}→{to_code} package failed ({'; '.join(errors)})")
